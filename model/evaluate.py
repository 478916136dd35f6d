"""BFCL-style evaluation of the Cosmo planner: tool-call AST accuracy, irrelevance, schema validity.

A test split is JSONL, one record per line::

    {"id": str, "lang": "en" | "ko", "messages": [...], "tools": [<OpenAI tool>...],
     "intended": [{"name": str, "arguments": {...}}, ...]}      # [] = no tool is needed

A *predictor* maps ``(messages up to the last user turn, tools)`` to a list of calls
``{"name", "arguments"}`` (OpenAI ``{"function": {...}}`` and LangChain ``{"name", "args"}``
shapes are accepted too).  :func:`evaluate` scores it:

``ast_accuracy``
    Relevant records whose calls match the intended ones as a multiset (BFCL "parallel"
    matching): same tool names, no unknown or unexpected arguments, every value equal with its
    type — numbers within ``rel_tol``/``abs_tol`` (an int is accepted for ``number``, a float is
    not for ``integer``), strings BFCL-normalised (case, spaces and ``,./-_*^`` ignored) unless the
    schema closes them with ``enum``/``const`` (exact, NFC), ``date-time`` strings compared as
    instants, arrays order-insensitive when the schema has ``uniqueItems: true`` or
    ``"x-unordered": true``.  As in BFCL an omitted optional argument equals its schema
    ``default``: leaving out ``duration_h`` when 24 was intended and the default is 24 passes.
``irrelevance_accuracy``
    Records with ``intended == []`` where the predictor made no call.
``relevance_rate``
    Relevant records where the predictor made at least one call.
``schema_validity``
    Emitted calls that name a provided tool and whose arguments validate against its JSON schema
    (:func:`schema_errors`, the ``jsonschema`` package when installed, else a built-in validator
    for the subset the tool registry emits).
``perplexity``
    ``exp(mean token NLL)`` of the records rendered through the chat template, when a language
    model is given.

Each metric is reported over all records and per language.

>>> tools = [{"type": "function", "function": {"name": "fleet_status",
...           "parameters": {"type": "object", "properties": {}}}}]
>>> rec = {"id": "1", "lang": "en", "tools": tools, "intended": [{"name": "fleet_status",
...        "arguments": {}}], "messages": [{"role": "user", "content": "Fleet status?"}]}
>>> report = evaluate([rec], lambda messages, tools: [{"name": "fleet_status", "arguments": {}}])
>>> report["metrics"]["all"]["ast_accuracy"]
1.0
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from cosmo_agent.model.call_validation import (
    SCHEMA_BACKEND,
    Call,
    errors_under,
    is_datetime,
    normalize_calls,
    resolve_ref,
    schema_errors,
    tool_parameters,
    validate_call,
)
from cosmo_agent.model.corpus import load_object
from cosmo_agent.model.inference import CosmoChatModel
from cosmo_agent.model.storage import check_bucket, open_url, write_bytes

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "SCHEMA_BACKEND",
    "Call",
    "EvalRecord",
    "EvalReport",
    "Predictor",
    "Resolver",
    "chat_model_predictor",
    "evaluate",
    "load_split",
    "match_calls",
    "normalize_calls",
    "perplexity",
    "report_markdown",
    "schema_errors",
    "validate_call",
    "write_report",
]



class EvalRecord(TypedDict):
    """One line of a test split."""

    id: str
    lang: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    intended: list[Call]


class RecordResult(TypedDict):
    """How one record was scored."""

    id: str
    lang: str
    relevant: bool
    correct: bool
    reason: str | None
    n_calls: int
    n_valid_calls: int
    invalid: list[str]
    predicted: list[Call]
    resolved_correct: bool | None
    resolved_reason: str | None


class GroupMetrics(TypedDict):
    """Metrics over a group of records (all, or one language); None where undefined."""

    n_records: int
    n_relevant: int
    n_irrelevant: int
    n_calls: int
    ast_accuracy: float | None
    irrelevance_accuracy: float | None
    relevance_rate: float | None
    overall_accuracy: float | None
    schema_validity: float | None
    perplexity: float | None
    resolved_ast_accuracy: float | None
    resolved_overall_accuracy: float | None


class EvalReport(TypedDict):
    """What :func:`evaluate` returns and :func:`write_report` writes as JSON."""

    metrics: dict[str, GroupMetrics]
    records: list[RecordResult]
    config: dict[str, Any]


Predictor = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Sequence[Mapping[str, Any]]]
"""``(messages up to the last user turn, OpenAI tools) -> calls``."""

Resolver = Callable[[EvalRecord, Call], Call]
"""``(record, call) -> the call as the tool would execute it``: names canonical, values with
units in the tool's units, defaults filled in. Raises when the tool would refuse the call
(an unknown name, a value it cannot read). Supplied by the caller (the corpus teacher), since
this package sees tools only as JSON schemas."""

_MISSING = object()

# ----------------------------------------------------------------------------------------------
# Matching calls

_BFCL_STRIP = re.compile(r"[ ,./\-_*^]")


def _norm_text(s: str) -> str:
    return _BFCL_STRIP.sub("", unicodedata.normalize("NFC", s)).lower()


class _Matcher:
    """Value comparison of a prediction against an intended call, BFCL style."""

    def __init__(self, root: Mapping[str, Any], rel_tol: float, abs_tol: float) -> None:
        self.root = root
        self.rel_tol = rel_tol
        self.abs_tol = abs_tol

    def value(self, got: Any, want: Any, schema: Any, path: str) -> str | None:
        schema = resolve_ref(schema, self.root) if isinstance(schema, Mapping) else {}
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            first: str | None = None
            for branch in branches:
                merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                merged.update(resolve_ref(branch, self.root))
                if errors_under(want, merged, self.root):
                    continue
                reason = self.value(got, want, merged, path)
                if reason is None:
                    return None
                first = first or reason
            return first or f"{path}: expected {want!r}, got {got!r}"
        if want is None or isinstance(want, bool):
            ok = got is want if want is None else (isinstance(got, bool) and got == want)
            return None if ok else f"{path}: expected {want!r}, got {got!r}"
        if isinstance(want, int | float):
            return self._number(got, want, schema, path)
        if isinstance(want, str):
            return self._string(got, want, schema, path)
        if isinstance(want, list):
            return self._array(got, want, schema, path)
        if isinstance(want, dict):
            return self.obj(got, want, schema, path)
        return f"{path}: cannot compare {type(want).__name__}"

    def _number(self, got: Any, want: float, schema: Mapping[str, Any], path: str) -> str | None:
        if isinstance(got, bool) or not isinstance(got, int | float):
            return f"{path}: expected a number, got {type(got).__name__} {got!r}"
        if schema.get("type") == "integer" and not isinstance(got, int):
            return f"{path}: expected an integer, got float {got!r}"
        if not math.isclose(got, want, rel_tol=self.rel_tol, abs_tol=self.abs_tol):
            return f"{path}: expected {want!r}, got {got!r}"
        return None

    def _string(self, got: Any, want: str, schema: Mapping[str, Any], path: str) -> str | None:
        if not isinstance(got, str):
            return f"{path}: expected a string, got {type(got).__name__} {got!r}"
        if "enum" in schema or "const" in schema:
            same = unicodedata.normalize("NFC", got) == unicodedata.normalize("NFC", want)
        elif schema.get("format") == "date-time" and is_datetime(got) and is_datetime(want):
            same = datetime.fromisoformat(got) == datetime.fromisoformat(want)
        else:
            same = _norm_text(got) == _norm_text(want)
        return None if same else f"{path}: expected {want!r}, got {got!r}"

    def _array(self, got: Any, want: list[Any], schema: Mapping[str, Any], path: str) -> str | None:
        if not isinstance(got, list):
            return f"{path}: expected an array, got {type(got).__name__} {got!r}"
        if len(got) != len(want):
            return f"{path}: expected {len(want)} items, got {len(got)}"
        items = schema.get("items", {})
        if schema.get("uniqueItems") or schema.get("x-unordered"):
            ok = _perfect_matching(
                len(got), lambda i, j: self.value(got[i], want[j], items, path) is None
            )
            return None if ok else f"{path}: expected {want!r} in any order, got {got!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            reason = self.value(g, w, items, f"{path}[{i}]")
            if reason:
                return reason
        return None

    def obj(self, got: Any, want: Mapping[str, Any], schema: Mapping[str, Any], path: str,
            ) -> str | None:
        if not isinstance(got, dict):
            return f"{path}: expected an object, got {type(got).__name__} {got!r}"
        props: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key in got:
            if key not in props and extra is False:
                return f"{path}: unexpected argument {key!r}"
        for key in schema.get("required", ()):
            if key not in got:
                return f"{path}: missing required argument {key!r}"
        for key in dict.fromkeys([*props, *want, *got]):
            sub = props.get(key, extra if isinstance(extra, Mapping) else {})
            sub = resolve_ref(sub, self.root) if isinstance(sub, Mapping) else {}
            default = sub.get("default", _MISSING)
            g = got.get(key, default)
            w = want.get(key, default)
            if g is _MISSING and w is _MISSING:
                continue
            if w is _MISSING:
                return f"{path}: unexpected argument {key!r}={g!r}"
            if g is _MISSING:
                return f"{path}: missing argument {key!r} (expected {w!r})"
            reason = self.value(g, w, sub, f"{path}.{key}")
            if reason:
                return reason
        return None


def _perfect_matching(n: int, compatible: Callable[[int, int], bool]) -> bool:
    """Whether rows 0..n-1 can be paired one-to-one with columns 0..n-1 (augmenting paths)."""
    adj = [[j for j in range(n) if compatible(i, j)] for i in range(n)]
    owner = [-1] * n

    def augment(i: int, seen: list[bool]) -> bool:
        for j in adj[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(augment(i, [False] * n) for i in range(n))


def match_calls(
    predicted: Sequence[Mapping[str, Any]],
    intended: Sequence[Mapping[str, Any]],
    tools: Iterable[Mapping[str, Any]],
    *,
    rel_tol: float = 1e-4,
    abs_tol: float = 1e-9,
) -> str | None:
    """Why ``predicted`` does not match ``intended`` (None when it does), as a multiset.

    >>> tools = [{"type": "function", "function": {"name": "find_passes", "parameters": {
    ...     "type": "object", "properties": {"duration_h": {"type": "number", "default": 24},
    ...     "stations": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}}}}]
    >>> want = [{"name": "find_passes", "arguments": {"duration_h": 24, "stations": ["A", "B"]}}]
    >>> match_calls([{"name": "find_passes", "arguments": {"stations": ["B", "A"]}}], want,
    ...             tools) is None
    True
    """
    got, want = normalize_calls(predicted), normalize_calls(intended)
    if len(got) != len(want):
        return f"expected {len(want)} call(s), got {len(got)}"
    params = tool_parameters(tools)
    reasons: dict[tuple[int, int], str | None] = {}

    def reason(i: int, j: int) -> str | None:
        if (i, j) not in reasons:
            g, w = got[i], want[j]
            if g["name"] != w["name"]:
                reasons[i, j] = f"wrong tool: expected {w['name']!r}, got {g['name']!r}"
            elif g["name"] not in params:
                reasons[i, j] = f"unknown tool {g['name']!r}"
            else:
                schema = params[g["name"]]
                m = _Matcher(schema, rel_tol, abs_tol)
                reasons[i, j] = m.obj(g["arguments"], w["arguments"], schema, g["name"])
        return reasons[i, j]

    if _perfect_matching(len(got), lambda i, j: reason(i, j) is None):
        return None
    if len(got) == 1:
        return reason(0, 0)
    first = next((reason(i, i) for i in range(len(got)) if reason(i, i)), None)
    return first or "no one-to-one pairing of predicted and intended calls"


# ----------------------------------------------------------------------------------------------
# Evaluation


def load_split(path: str | Path) -> list[EvalRecord]:
    """Records of a JSONL split (blank lines skipped); a bad line raises with its number."""
    records: list[EvalRecord] = []
    with open_url(str(path)) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                for key in ("messages", "tools", "intended"):
                    if not isinstance(rec.get(key), list):
                        raise ValueError(f"{key!r} must be a list")
            except (json.JSONDecodeError, ValueError) as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from exc
            rec.setdefault("id", str(lineno))
            rec.setdefault("lang", "en")
            records.append(rec)
    return records


def _until_last_user(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    last = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    return list(messages[: last + 1])


def _score(
    record: EvalRecord,
    predictor: Predictor,
    rel_tol: float,
    abs_tol: float,
    resolver: Resolver | None = None,
) -> RecordResult:
    tools = record["tools"]
    try:
        predicted = normalize_calls(predictor(_until_last_user(record["messages"]), tools))
        failure = None
    except Exception as exc:  # a crashing predictor fails the record, not the run
        predicted, failure = [], f"predictor error: {type(exc).__name__}: {exc}"
    invalid = [f"{c['name']}: {'; '.join(e)}" for c in predicted if (e := validate_call(c, tools))]
    relevant = bool(record["intended"])
    crashed = failure is not None
    if failure is None:
        if relevant:
            failure = match_calls(predicted, record["intended"], tools,
                                  rel_tol=rel_tol, abs_tol=abs_tol)
        elif predicted:
            failure = f"no call expected, got {[c['name'] for c in predicted]}"
    resolved_reason: str | None = failure
    if resolver is not None and relevant and not crashed:
        resolved_reason = _resolved_failure(record, predicted, resolver, rel_tol, abs_tol)
    return {
        "id": str(record["id"]),
        "lang": str(record.get("lang", "en")),
        "relevant": relevant,
        "correct": failure is None,
        "reason": failure,
        "n_calls": len(predicted),
        "n_valid_calls": len(predicted) - len(invalid),
        "invalid": invalid,
        "predicted": predicted,
        "resolved_correct": None if resolver is None else resolved_reason is None,
        "resolved_reason": None if resolver is None else resolved_reason,
    }


def _without_nulls(value: Any) -> Any:
    """``value`` with null members of objects left out: an argument resolved to null is one
    left to the tool's default."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _resolved_failure(
    record: EvalRecord, predicted: Sequence[Call], resolver: Resolver, rel_tol: float,
    abs_tol: float,
) -> str | None:
    """Why the calls the tools would execute differ (None when they match)."""
    def resolve(calls: Sequence[Call], whose: str) -> list[Call] | str:
        out: list[Call] = []
        for c in calls:
            try:
                done = resolver(record, c)
            except Exception as exc:  # the tool would refuse this call
                return f"{whose} call {c['name']} does not resolve: {exc}"
            out.append({"name": done["name"], "arguments": _without_nulls(done["arguments"])})
        return out

    want = resolve(normalize_calls(record["intended"]), "intended")
    if isinstance(want, str):
        return want
    got = resolve(predicted, "predicted")
    if isinstance(got, str):
        return got
    return match_calls(got, want, record["tools"], rel_tol=rel_tol, abs_tol=abs_tol)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _group(results: Sequence[RecordResult], nll: Sequence[tuple[float, int]] | None,
           ) -> GroupMetrics:
    rel = [r for r in results if r["relevant"]]
    irr = [r for r in results if not r["relevant"]]
    n_calls = sum(r["n_calls"] for r in results)
    resolved = any(r["resolved_correct"] is not None for r in results)
    ppl = None
    if nll:
        tokens = sum(n for _, n in nll)
        ppl = math.exp(sum(s for s, _ in nll) / tokens) if tokens else None
    return {
        "n_records": len(results),
        "n_relevant": len(rel),
        "n_irrelevant": len(irr),
        "n_calls": n_calls,
        "ast_accuracy": _ratio(sum(r["correct"] for r in rel), len(rel)),
        "irrelevance_accuracy": _ratio(sum(r["correct"] for r in irr), len(irr)),
        "relevance_rate": _ratio(sum(r["n_calls"] > 0 for r in rel), len(rel)),
        "overall_accuracy": _ratio(sum(r["correct"] for r in results), len(results)),
        "schema_validity": _ratio(sum(r["n_valid_calls"] for r in results), n_calls),
        "perplexity": ppl,
        "resolved_ast_accuracy": _ratio(sum(bool(r["resolved_correct"]) for r in rel), len(rel))
        if resolved else None,
        "resolved_overall_accuracy": _ratio(
            sum(bool(r["resolved_correct"]) for r in rel) + sum(r["correct"] for r in irr),
            len(results),
        ) if resolved else None,
    }


def _heldout_text(record: EvalRecord, tokenizer: Any) -> str:
    messages = list(record["messages"])
    if messages and messages[-1].get("role") == "user" and record["intended"]:
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "id": f"call_{i}", "function": dict(c)}
            for i, c in enumerate(normalize_calls(record["intended"]))
        ]})
    return str(tokenizer.apply_chat_template(messages, tools=record["tools"] or None,
                                             tokenize=False))


def evaluate(
    records: Iterable[EvalRecord],
    predictor: Predictor,
    *,
    language_model: tuple[Any, Any] | None = None,
    rel_tol: float = 1e-4,
    abs_tol: float = 1e-9,
    resolver: Resolver | None = None,
) -> EvalReport:
    """Score ``predictor`` on ``records``; ``language_model=(hf_model, tokenizer)`` adds
    perplexity of each record rendered through the chat template (intended calls appended).

    With ``resolver``, each relevant record is also scored on the *resolved* calls, the calls
    the tools execute (``resolved_ast_accuracy``): "3 days" and 72 are the same duration, and
    an alias the same satellite as its name. The raw score is kept beside it."""
    recs = list(records)
    results = [_score(r, predictor, rel_tol, abs_tol, resolver) for r in recs]
    nll: list[tuple[float, int]] | None = None
    if language_model is not None:
        model, tokenizer = language_model
        nll = [_nll(model, tokenizer, _heldout_text(r, tokenizer)) for r in recs]
    groups: dict[str, list[int]] = {"all": list(range(len(results)))}
    for i, r in enumerate(results):
        groups.setdefault(r["lang"], []).append(i)
    metrics = {
        name: _group([results[i] for i in idx], [nll[i] for i in idx] if nll else None)
        for name, idx in groups.items()
    }
    return {"metrics": metrics, "records": results,
            "config": {"rel_tol": rel_tol, "abs_tol": abs_tol, "schema_backend": SCHEMA_BACKEND}}


def _nll(model: Any, tokenizer: Any, text: str, max_length: int = 2048) -> tuple[float, int]:
    import torch

    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    ids = ids[:, -max_length:].to(next(model.parameters()).device)
    if ids.shape[1] < 2:
        return 0.0, 0
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1].float()
    nll = torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum")
    return float(nll), int(ids.shape[1] - 1)


def perplexity(model: Any, tokenizer: Any, texts: Iterable[str], *, max_length: int = 2048,
               ) -> float:
    """``exp`` of the mean next-token negative log-likelihood over all ``texts`` (each truncated
    to its last ``max_length`` tokens); ``nan`` when there is nothing to predict."""
    parts = [_nll(model, tokenizer, t, max_length) for t in texts]
    tokens = sum(n for _, n in parts)
    return math.exp(sum(s for s, _ in parts) / tokens) if tokens else math.nan


def chat_model_predictor(
    chat_model: BaseChatModel,
    request_reader: Callable[[list[dict[str, Any]]], Callable[[str], Any]] | None = None,
) -> Predictor:
    """A predictor over any LangChain chat model with ``bind_tools`` (e.g. ``CosmoChatModel``).

    ``request_reader`` (a teacher's: messages -> the reader of the values a request writes,
    with the planning clock those messages state) is passed to the model per record as
    ``request_values``, as a planner passes its task's clock.
    """
    from langchain_core.messages import convert_to_messages

    def predict(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[Call]:
        bound = chat_model.bind_tools(tools) if tools else chat_model
        extra: dict[str, Any] = {}
        if request_reader is not None:
            extra["request_values"] = request_reader(messages)
        reply = bound.invoke(convert_to_messages(messages), **extra)
        return normalize_calls(getattr(reply, "tool_calls", None) or [])

    return predict


def _remembered(predictor: Predictor) -> Predictor:
    """``predictor``, each record's calls computed once (two reports may share them)."""
    seen: dict[str, Sequence[Mapping[str, Any]]] = {}

    def predict(
        messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> Sequence[Mapping[str, Any]]:
        key = json.dumps([messages, tools], sort_keys=True, ensure_ascii=False, default=str)
        if key not in seen:
            seen[key] = predictor(messages, tools)
        return seen[key]

    return predict


# ----------------------------------------------------------------------------------------------
# Reports


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def report_markdown(report: EvalReport) -> str:
    """The metrics as a markdown table, one row per group (all, then languages)."""
    lines = [
        "| group | records | relevant | irrelevant | AST acc. (raw) | AST acc. (resolved) "
        "| irrelevance | relevance | overall | schema-valid calls | perplexity |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in report["metrics"].items():
        ppl = "—" if m["perplexity"] is None else f"{m['perplexity']:.3f}"
        lines.append(
            f"| {name} | {m['n_records']} | {m['n_relevant']} | {m['n_irrelevant']} "
            f"| {_pct(m['ast_accuracy'])} | {_pct(m.get('resolved_ast_accuracy'))} "
            f"| {_pct(m['irrelevance_accuracy'])} "
            f"| {_pct(m['relevance_rate'])} | {_pct(m['overall_accuracy'])} "
            f"| {_pct(m['schema_validity'])} ({m['n_calls']}) | {ppl} |"
        )
    return "\n".join(lines) + "\n"


def write_report(report: EvalReport, json_path: str | Path,
                 markdown_path: str | Path | None = None) -> None:
    """Write the report as JSON (UTF-8, Korean kept readable) and optionally as markdown.

    Paths may be fsspec URLs (``s3://...``); each file is written all or nothing.
    """
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    write_bytes(str(json_path), text.encode())
    if markdown_path is not None:
        write_bytes(str(markdown_path), report_markdown(report).encode())


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate a model directory on a split: ``python -m cosmo_agent.model.evaluate --split
    test.jsonl [--model DIR] [--out report.json] [--markdown report.md]``."""
    parser = argparse.ArgumentParser(prog="python -m cosmo_agent.model.evaluate",
                                     description=main.__doc__)
    parser.add_argument("--split", required=True, help="JSONL test split")
    parser.add_argument("--model", default=None, help="model directory (default: embedded)")
    parser.add_argument("--out", default="eval-report.json", help="JSON report path")
    parser.add_argument("--markdown", default=None, help="markdown table path")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--no-perplexity", action="store_true")
    parser.add_argument("--num-beams", type=int, default=None,
                        help="beam width (default: the model's generation_config, else 1)")
    parser.add_argument("--teacher", default=None,
                        help="'package.module:factory' of the corpus teacher: adds the resolved-"
                             "call accuracy (the calls the tools execute) beside the raw one")
    parser.add_argument("--rules-baseline", default=None, metavar="REPORT.json",
                        help="also score the teacher's rules planner on the same records and "
                             "write its report here (needs --teacher)")
    parser.add_argument("--hybrid", default=None, metavar="REPORT.json",
                        help="also score the hybrid planner's reading (the teacher's rules "
                             "planner's calls for the requests the rules read, Cosmo's for the "
                             "others) and write its report here (needs --teacher)")
    parser.add_argument("--limit", type=int, default=None, help="score the first N records")
    parser.add_argument("--no-quoted-values", action="store_true",
                        help="decode quantities and times freely instead of offering only the "
                             "values the request writes, as read by the teacher's "
                             "request_values (the tools' parser; default: on with --teacher)")
    parser.add_argument("--length-penalty", type=float, default=None,
                        help="beam score = log-probability / length ** this, per call block "
                             "(default: the model's generation_config, else 1.0)")
    args = parser.parse_args(argv)
    for flag, value in (("--rules-baseline", args.rules_baseline), ("--hybrid", args.hybrid)):
        if value and not args.teacher:
            parser.error(f"{flag} needs --teacher")
    try:  # the split and the report stores, before the model is loaded
        records = load_split(args.split)[: args.limit]
        for where in (args.out, args.markdown, args.rules_baseline, args.hybrid):
            check_bucket(where or "")
    except (OSError, ValueError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    teacher = None
    if args.teacher:
        teacher = load_object(args.teacher)()
        if args.hybrid and not hasattr(teacher, "hybrid_predictor"):
            parser.error(f"--hybrid needs a teacher with hybrid_predictor; {args.teacher} has none")
    values = None if args.no_quoted_values else getattr(teacher, "request_values", None)
    chat = CosmoChatModel(model_path=args.model, max_new_tokens=args.max_new_tokens,
                          num_beams=args.num_beams, length_penalty=args.length_penalty,
                          request_values=values,
                          unknown_names=getattr(teacher, "unknown_names", None))
    lm = None if args.no_perplexity else chat.language_model()
    resolver = None if teacher is None else teacher.resolve
    reader = None if args.no_quoted_values else getattr(teacher, "request_reader", None)
    predictor = _remembered(chat_model_predictor(chat, reader))
    report = evaluate(records, predictor, language_model=lm, resolver=resolver)
    write_report(report, args.out, args.markdown)
    others = args.rules_baseline or args.hybrid
    print(("Cosmo:\n" if others else "") + report_markdown(report), end="")
    if others and teacher is not None:
        rules_calls = _remembered(teacher.rules_predictor(records))
        if args.rules_baseline:
            rules = evaluate(records, rules_calls, resolver=resolver)
            write_report(rules, args.rules_baseline)
            print("Rules planner (the teacher), same records:\n" + report_markdown(rules), end="")
        if args.hybrid:
            hybrid = evaluate(records, teacher.hybrid_predictor(records, predictor, rules_calls),
                              resolver=resolver)  # fmt: skip
            write_report(hybrid, args.hybrid)
            print("Hybrid (the rules' reading, else Cosmo's), same records:\n"
                  + report_markdown(hybrid), end="")  # fmt: skip
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
