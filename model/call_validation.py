"""Tool calls against their tools' JSON schemas: call shapes, schema validation, ``validate_call``.

Calls come in the usual shapes (``{"name", "arguments"}``, OpenAI ``{"function": {...}}``,
LangChain ``{"name", "args"}``); :func:`normalize_calls` gives them one. :func:`schema_errors`
validates with the ``jsonschema`` package when installed, else with a built-in validator for the
subset of JSON Schema the tool registry emits (:data:`SCHEMA_BACKEND` says which). Used by the
evaluation (:mod:`cosmo_agent.model.evaluate`) and by decoding (:mod:`cosmo_agent.model.inference`).

>>> tools = [{"type": "function", "function": {"name": "fleet_status",
...           "parameters": {"type": "object", "properties": {}, "additionalProperties": False}}}]
>>> validate_call({"name": "fleet_status", "arguments": {"x": 1}}, tools, backend="builtin")
["$: unexpected property 'x'"]
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

__all__ = [
    "SCHEMA_BACKEND",
    "Call",
    "errors_under",
    "is_datetime",
    "normalize_calls",
    "resolve_ref",
    "schema_errors",
    "tool_parameters",
    "validate_call",
]

class Call(TypedDict):
    """One tool call: the tool's name and its arguments as a JSON object."""

    name: str
    arguments: dict[str, Any]


# ----------------------------------------------------------------------------------------------
# JSON Schema validation (subset) — the registry's schemas use only these keywords.

try:  # pragma: no cover - depends on the environment
    import jsonschema as _jsonschema
except ImportError:  # pragma: no cover - depends on the environment
    _jsonschema = None

SCHEMA_BACKEND: Literal["jsonschema", "builtin"] = "jsonschema" if _jsonschema else "builtin"
"""Which validator :func:`schema_errors` uses by default."""

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and math.isfinite(v) and v.is_integer())
    ),
}


def schema_errors(
    instance: Any,
    schema: Mapping[str, Any] | bool,
    *,
    backend: Literal["jsonschema", "builtin"] | None = None,
) -> list[str]:
    """Why ``instance`` does not validate against ``schema`` (``[]`` when it does), one
    ``"<path>: <message>"`` line per problem (paths like ``$.commands[0].time``).

    ``backend`` defaults to :data:`SCHEMA_BACKEND`.  With ``jsonschema``, ``format: date-time``
    is checked by the same rule as the built-in backend (ISO 8601 with a timezone, a real
    calendar instant).  The built-in backend covers ``type``, ``enum``, ``const``,
    ``anyOf``/``oneOf``/``allOf``, ``minimum``/``maximum``/``exclusiveMinimum``/
    ``exclusiveMaximum``, ``minLength``/``maxLength``/``pattern``, ``format: date-time``,
    ``required``, ``properties``, ``additionalProperties``, ``items``, ``minItems``/``maxItems``/
    ``uniqueItems`` and local ``$ref`` (``#/$defs/...``); other keywords are ignored.

    >>> schema_errors(5, {"type": "number", "exclusiveMinimum": 0, "maximum": 4}) != []
    True
    >>> schema_errors({"satellites": "all"}, {"type": "object", "required": ["duration_h"]},
    ...               backend="builtin")
    ["$: missing required property 'duration_h'"]
    """
    chosen = backend or SCHEMA_BACKEND
    if chosen == "jsonschema":
        if _jsonschema is None:
            raise ImportError("backend='jsonschema' needs `pip install jsonschema`")
        cls = _jsonschema.validators.validator_for(schema, default=_jsonschema.Draft202012Validator)
        validator = cls(schema, format_checker=_format_checker())
        return [f"{_json_path(e.absolute_path)}: {e.message}"
                for e in validator.iter_errors(instance)]
    root = schema if isinstance(schema, Mapping) else {}
    errors: list[str] = []
    _validate(instance, schema, root, "$", errors)
    return errors


def _json_path(parts: Iterable[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


@functools.cache
def _format_checker() -> Any:
    assert _jsonschema is not None
    checker = _jsonschema.FormatChecker()
    checker.checks("date-time")(lambda v: not isinstance(v, str) or is_datetime(v))
    return checker


def resolve_ref(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """``schema`` with its local ``$ref`` (``#/...`` into ``root``) merged in, followed."""
    seen = 0
    while "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def is_datetime(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 date-time with a timezone (``format: date-time``)."""
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return parsed.tzinfo is not None and "T" in value.upper()


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _validate(
    value: Any, schema: Any, root: Mapping[str, Any], path: str, errors: list[str]
) -> None:
    if schema is True or schema == {}:
        return
    if schema is False:
        errors.append(f"{path}: no value is allowed here")
        return
    schema = resolve_ref(schema, root)
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if not any(_TYPE_CHECKS.get(k, lambda _v: True)(value) for k in kinds):
            errors.append(f"{path}: {value!r} is not of type {', '.join(map(repr, kinds))}")
            return
    if "const" in schema and not _json_equal(value, schema["const"]):
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and not any(_json_equal(value, e) for e in schema["enum"]):
        errors.append(f"{path}: {value!r} is not one of {list(schema['enum'])!r}")
    for key in ("anyOf", "oneOf"):
        if key in schema:
            n_ok = sum(not errors_under(value, s, root) for s in schema[key])
            if n_ok == 0 or (key == "oneOf" and n_ok > 1):
                errors.append(f"{path}: {value!r} matches {n_ok} of the {key} alternatives")
    for sub in schema.get("allOf", ()):
        _validate(value, sub, root, path, errors)
    if _TYPE_CHECKS["number"](value):
        _check_bounds(value, schema, path, errors)
    if isinstance(value, str):
        n = len(value)
        if "minLength" in schema and n < schema["minLength"]:
            errors.append(f"{path}: shorter than minLength {schema['minLength']}")
        if "maxLength" in schema and n > schema["maxLength"]:
            errors.append(f"{path}: longer than maxLength {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match pattern {schema['pattern']!r}")
        if schema.get("format") == "date-time" and not is_datetime(value):
            errors.append(f"{path}: {value!r} is not an ISO 8601 date-time with a timezone")
    if isinstance(value, list):
        _check_array(value, schema, root, path, errors)
    if isinstance(value, dict):
        _check_object(value, schema, root, path, errors)


def errors_under(value: Any, schema: Any, root: Mapping[str, Any]) -> list[str]:
    """Built-in validation of ``value`` against ``schema``, a part of ``root`` (for ``$ref``)."""
    errors: list[str] = []
    _validate(value, schema, root, "$", errors)
    return errors


def _check_bounds(value: float, schema: Mapping[str, Any], path: str, errors: list[str]) -> None:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if xlo is True:  # draft-4 boolean form
        lo, xlo = None, lo
    if xhi is True:
        hi, xhi = None, hi
    if lo is not None and value < lo:
        errors.append(f"{path}: {value!r} < minimum {lo!r}")
    if hi is not None and value > hi:
        errors.append(f"{path}: {value!r} > maximum {hi!r}")
    if isinstance(xlo, int | float) and value <= xlo:
        errors.append(f"{path}: {value!r} <= exclusiveMinimum {xlo!r}")
    if isinstance(xhi, int | float) and value >= xhi:
        errors.append(f"{path}: {value!r} >= exclusiveMaximum {xhi!r}")


def _check_array(
    value: list[Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str,
    errors: list[str],
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{path}: fewer than minItems {schema['minItems']}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{path}: more than maxItems {schema['maxItems']}")
    if schema.get("uniqueItems"):
        dumped = [json.dumps(v, sort_keys=True) for v in value]
        if len(set(dumped)) != len(dumped):
            errors.append(f"{path}: items are not unique")
    items = schema.get("items")
    if items is not None:
        for i, item in enumerate(value):
            _validate(item, items, root, f"{path}[{i}]", errors)


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str,
    errors: list[str],
) -> None:
    props: Mapping[str, Any] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            errors.append(f"{path}: missing required property {name!r}")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in props:
            _validate(item, props[key], root, f"{path}.{key}", errors)
        elif extra is False:
            errors.append(f"{path}: unexpected property {key!r}")
        else:
            _validate(item, extra, root, f"{path}.{key}", errors)



# ----------------------------------------------------------------------------------------------
# Calls


def normalize_calls(calls: Iterable[Mapping[str, Any]] | None) -> list[Call]:
    """Calls in any of the usual shapes as ``[{"name", "arguments": dict}]``.

    Accepts ``{"name", "arguments"}``, OpenAI ``{"type": "function", "function": {"name",
    "arguments": dict | JSON string}}`` and LangChain ``{"name", "args", "id"}``.  Arguments that
    are not a JSON object are kept as ``{"__invalid__": <what was given>}`` so that they fail
    validation instead of vanishing.

    >>> normalize_calls([{"function": {"name": "space_weather", "arguments": "{}"}}])
    [{'name': 'space_weather', 'arguments': {}}]
    """
    out: list[Call] = []
    for call in calls or ():
        body: Mapping[str, Any] = call.get("function", call)
        args: Any = body.get("arguments", body.get("args", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except json.JSONDecodeError:
                args = {"__invalid__": args}
        if not isinstance(args, dict):
            args = {"__invalid__": args}
        out.append({"name": str(body.get("name", "")), "arguments": args})
    return out


def tool_parameters(tools: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Tool name -> its parameters schema (an empty object schema when it has none)."""
    params: dict[str, Mapping[str, Any]] = {}
    for tool in tools:
        fn = tool.get("function", tool)
        params[str(fn["name"])] = fn.get("parameters") or {"type": "object", "properties": {}}
    return params


def validate_call(
    call: Mapping[str, Any],
    tools: Iterable[Mapping[str, Any]],
    *,
    backend: Literal["jsonschema", "builtin"] | None = None,
) -> list[str]:
    """Why ``call`` is not a valid call of one of ``tools`` (``[]`` when it is).

    >>> tools = [{"type": "function", "function": {"name": "assess_conjunction", "parameters": {
    ...     "type": "object", "properties": {"event_id": {"type": "string"}},
    ...     "required": ["event_id"], "additionalProperties": False}}}]
    >>> validate_call({"name": "assess_conjunction", "arguments": {"event_id": 7}}, tools)
    ["$.event_id: 7 is not of type 'string'"]
    """
    (norm,) = normalize_calls([call])
    params = tool_parameters(tools)
    if norm["name"] not in params:
        return [f"unknown tool {norm['name']!r}; expected one of {sorted(params)}"]
    return schema_errors(norm["arguments"], params[norm["name"]], backend=backend)

