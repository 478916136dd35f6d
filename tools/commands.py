r"""Command dictionaries: what each satellite class accepts, in the spirit of OpenC3 COSMOS.

A dictionary is YAML (one file per satellite class, bundled in ``tools/data/commands/``
or named by a mission's ``sources.command_dictionaries``). Each command has typed, ordered
parameters (``int``/``float``/``bool``/``string``/``enum`` with min/max/default, units and
enumerated states), a ``hazardous`` reason (COSMOS ``HAZARDOUS``; a single enum state may be
hazardous too), ``requires_contact`` (it is uplinked, so it needs a ground contact) and
``prerequisites`` the plan validator enforces:

- ``approval``: an operator approval even when the command is not hazardous;
- ``post_maneuver_screening``: a conjunction screening of the post-maneuver orbit that found
  no new close approach;
- ``quiet_radiation``: not while an S3+ solar radiation storm is active.

:meth:`CommandDictionary.check` returns every :class:`CommandIssue` as data; it never raises.
Command names match exactly: a look-alike (``SET_M\u041eDE`` with a Cyrillic O) is unknown.

>>> from cosmo_agent.tools.mission import load_mission
>>> d = load_command_dictionary(bundled_dictionary_path("eo-imager"))
>>> d.command("ORBIT_MANEUVER").hazardous is not None
True
>>> [i.code for i in d.check("SET_MODE", {"mode": "IMAGING"})]
[]
>>> [(i.code, i.parameter) for i in d.check("START_DOWNLINK", {"duration_s": -5, "band": "Q"})]
[('out_of_range', 'duration_s'), ('bad_state', 'band')]
>>> [i.code for i in d.check("FORMAT_STORAGE", {})]
['unknown_command']
"""

from __future__ import annotations

import difflib
import math
import os
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cosmo_agent.tools.mission import (
    Mission,
    _parse_yaml_model,
    _read_yaml_file,
    bundled_classes,
    bundled_dictionary_path,
)

__all__ = [
    "CommandCategory",
    "CommandDefinition",
    "CommandDictionary",
    "CommandDictionaryError",
    "CommandIssue",
    "EnumState",
    "IssueCode",
    "ParameterDefinition",
    "ParameterType",
    "ParameterValue",
    "Prerequisite",
    "bundled_classes",
    "bundled_dictionary_path",
    "dictionary_for",
    "load_command_dictionary",
    "parse_command_dictionary",
]

ParameterType = Literal["int", "float", "bool", "string", "enum"]
"""int: whole numbers; float: real numbers; bool: true/false; string: text; enum: a state name."""
ParameterValue = int | float | str | bool
"""A parameter value as a plan or tool call carries it (JSON scalar)."""
Prerequisite = Literal["approval", "post_maneuver_screening", "quiet_radiation"]
"""approval: needs an operator approval even if not hazardous; post_maneuver_screening: needs a
screening of the post-maneuver orbit that found no new conjunction; quiet_radiation: refused
while an S3+ solar radiation storm is active."""
CommandCategory = Literal[
    "mode", "payload", "downlink", "maneuver", "thermal", "adcs", "power", "time", "housekeeping"
]
"""What a command acts on; ``maneuver`` commands need the mission's maneuver approvals."""
IssueCode = Literal[
    "unknown_command",
    "unknown_parameter",
    "missing_parameter",
    "wrong_type",
    "out_of_range",
    "bad_state",
    "bad_format",
]
"""unknown_command / unknown_parameter / missing_parameter / wrong_type: the call does not fit
the dictionary; out_of_range: a number outside min..max (or not finite, or a string too long);
bad_state: an enum value that is not one of the states; bad_format: a string that does not
match the parameter's ``pattern``."""

_NAME = r"^[A-Z][A-Z0-9_]*$"
_PARAM = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EnumState(_Model):
    """One state of an ``enum`` parameter (COSMOS ``STATE``); ``hazardous`` gives a reason."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    value: int | None = Field(default=None, description="raw value on the wire, if any")
    hazardous: str | None = Field(default=None, min_length=1)
    description: str = ""


class ParameterDefinition(_Model):
    """A typed command parameter (COSMOS ``PARAMETER``). No ``default`` means required."""

    name: str = Field(min_length=1, max_length=64, pattern=_PARAM)
    type: ParameterType
    description: str = ""
    units: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=4096)
    pattern: str | None = Field(default=None, description="regular expression a string must match")
    default: ParameterValue | None = None
    states: list[EnumState] = Field(default_factory=list)

    @property
    def required(self) -> bool:
        """True when the parameter has no default and must be given."""
        return self.default is None

    @model_validator(mode="after")
    def _consistent(self) -> ParameterDefinition:
        if self.type == "enum":
            if not self.states:
                raise ValueError("an enum parameter needs 'states'")
            names = [s.name for s in self.states]
            if len(set(names)) != len(names):
                raise ValueError(f"states {names} repeat; give each state a unique name")
        elif self.states:
            raise ValueError(f"'states' only belong to enum parameters, not {self.type}")
        if (self.min is not None or self.max is not None) and self.type not in ("int", "float"):
            raise ValueError(f"min/max only belong to int/float parameters, not {self.type}")
        if (self.max_length is not None or self.pattern is not None) and self.type != "string":
            raise ValueError("max_length/pattern only belong to string parameters")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                msg = f"pattern {self.pattern!r} is not a regular expression ({exc})"
                raise ValueError(msg) from None
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}; swap them")
        if self.default is not None:
            problems = self.check_value(self.default)
            if problems:
                raise ValueError(f"default {self.default!r}: {problems[0][1]}")
        return self

    def state(self, name: str) -> EnumState | None:
        """The enum state called exactly ``name``, or None."""
        return next((s for s in self.states if s.name == name), None)

    def check_value(self, value: object) -> list[tuple[IssueCode, str]]:
        """(code, message) pairs for ``value``; empty when it fits this parameter."""
        t = self.type
        if t == "bool":
            ok = isinstance(value, bool)
            return [] if ok else [("wrong_type", self._want("true or false", value))]
        if t in ("string", "enum"):
            if not isinstance(value, str):
                return [("wrong_type", self._want("a string", value))]
            if t == "enum" and self.state(value) is None:
                states = ", ".join(s.name for s in self.states)
                msg = f"{value!r} is not a state of {self.name}; use one of {states}"
                return [("bad_state", msg)]
            if self.max_length is not None and len(value) > self.max_length:
                msg = f"{self.name} is {len(value)} characters; use at most {self.max_length}"
                return [("out_of_range", msg)]
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                hint = f" {self.description}" if self.description else ""
                msg = f"{self.name}={value!r} does not match {self.pattern}; use the form{hint}"
                return [("bad_format", msg)]
            return []
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "a whole number" if t == "int" else "a number"
            return [("wrong_type", self._want(kind, value))]
        if not math.isfinite(value):
            return [("out_of_range", f"{self.name} is {value!r}; use a finite number")]
        if t == "int" and value != int(value):
            return [("wrong_type", self._want("a whole number", value))]
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        if not lo <= value <= hi:
            units = f" {self.units}" if self.units else ""
            msg = f"{self.name}={value!r} is outside {lo:g}..{hi:g}{units}; use a value within"
            return [("out_of_range", msg)]
        return []

    def _want(self, kind: str, value: object) -> str:
        got = f"{type(value).__name__} {value!r}"
        return f"{self.name} is {got}; use {kind} ({self.type})"


class CommandDefinition(_Model):
    """One command (COSMOS ``COMMAND``): typed parameters in wire order, hazard and needs."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    description: str = Field(min_length=1)
    category: CommandCategory = "housekeeping"
    hazardous: str | None = Field(
        default=None, min_length=1, description="why the command is hazardous; absent if it is not"
    )
    requires_contact: bool = True
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    parameters: list[ParameterDefinition] = Field(default_factory=list)

    @field_validator("parameters")
    @classmethod
    def _unique(cls, v: list[ParameterDefinition]) -> list[ParameterDefinition]:
        names = [p.name for p in v]
        if len(set(names)) != len(names):
            raise ValueError(f"parameter names {names} repeat; give each a unique name")
        return v

    def parameter(self, name: str) -> ParameterDefinition | None:
        """The parameter called exactly ``name``, or None."""
        return next((p for p in self.parameters if p.name == name), None)

    def hazard(self, parameters: dict[str, Any] | None = None) -> str | None:
        """Why this call is hazardous (the command's reason or a chosen state's), else None."""
        if self.hazardous:
            return self.hazardous
        for p in self.parameters:
            value = (parameters or {}).get(p.name, p.default)
            if p.type == "enum" and isinstance(value, str):
                state = p.state(value)
                if state is not None and state.hazardous:
                    return f"{p.name}={value}: {state.hazardous}"
        return None

    def arguments(self, parameters: dict[str, Any]) -> list[tuple[ParameterDefinition, Any]]:
        """Every parameter in wire order with its given value or default (None if missing)."""
        return [(p, parameters.get(p.name, p.default)) for p in self.parameters]


class CommandIssue(_Model):
    """One way a command call does not fit the dictionary (data, for the validator/model)."""

    code: IssueCode
    command: str
    parameter: str | None = None
    message: str


class CommandDictionary(_Model):
    """The commands of one satellite class. Load with :func:`load_command_dictionary`."""

    sat_class: str = Field(alias="class", min_length=1, max_length=64)
    version: str = "1"
    description: str = ""
    commands: list[CommandDefinition] = Field(min_length=1)

    @field_validator("commands")
    @classmethod
    def _unique(cls, v: list[CommandDefinition]) -> list[CommandDefinition]:
        names = [c.name for c in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"commands {dup} are defined more than once; keep one of each")
        return v

    def names(self) -> list[str]:
        """Every command name, in file order."""
        return [c.name for c in self.commands]

    def command(self, name: str) -> CommandDefinition | None:
        """The command called exactly ``name`` (case-sensitive, no normalisation), or None."""
        return next((c for c in self.commands if c.name == name), None)

    def check(self, command: str, parameters: dict[str, Any] | None = None) -> list[CommandIssue]:
        """Every issue with calling ``command`` with ``parameters``; empty when it fits."""
        params = parameters or {}
        definition = self.command(command)
        if definition is None:
            close = difflib.get_close_matches(command.upper(), self.names(), n=1)
            hint = f" (did you mean {close[0]}? names must match exactly)" if close else ""
            if not command.isascii():
                bad = "".join(sorted({ch for ch in command if not ch.isascii()}))
                hint += f" (it contains non-ASCII characters {bad!r}: look-alikes are refused)"
            return [
                CommandIssue(
                    code="unknown_command",
                    command=command,
                    message=(
                        f"{command!r} is not a command of class {self.sat_class}{hint}; "
                        f"use one of {', '.join(self.names())}"
                    ),
                )
            ]
        out: list[CommandIssue] = []
        for name in params:
            if definition.parameter(name) is None:
                known = ", ".join(p.name for p in definition.parameters) or "none"
                out.append(
                    CommandIssue(
                        code="unknown_parameter",
                        command=command,
                        parameter=name,
                        message=f"{command} has no parameter {name!r}; its parameters: {known}",
                    )
                )
        for p in definition.parameters:
            if p.name not in params:
                if p.required:
                    units = f" ({p.units})" if p.units else ""
                    out.append(
                        CommandIssue(
                            code="missing_parameter",
                            command=command,
                            parameter=p.name,
                            message=(
                                f"{command} needs {p.name}{units} ({p.description or p.type}); "
                                "add it"
                            ),
                        )
                    )
                continue
            for code, message in p.check_value(params[p.name]):
                out.append(
                    CommandIssue(code=code, command=command, parameter=p.name, message=message)
                )
        return out


class CommandDictionaryError(ValueError):
    """A command dictionary file that cannot be used; ``problems`` lists every mistake."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        n = len(problems)
        super().__init__(f"{source}: {n} problem(s) in the command dictionary:\n{lines}")


def parse_command_dictionary(text: str, source: str = "<commands>") -> CommandDictionary:
    """Validate dictionary YAML ``text``; raise :class:`CommandDictionaryError` listing problems."""
    d: CommandDictionary = _parse_yaml_model(
        CommandDictionary, text, source, CommandDictionaryError, shape="'class' and 'commands'"
    )
    return d


def load_command_dictionary(path: str | os.PathLike[str] | Any) -> CommandDictionary:
    """Load and validate a command dictionary YAML file (errors name the YAML path and line).

    Parsed files are cached by path and modification time, so an edited file is re-read.
    """
    try:
        mtime_ns = os.stat(str(path)).st_mtime_ns
    except OSError:
        mtime_ns = -1  # let the reader report the problem
    return _load_cached(str(path), mtime_ns)


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> CommandDictionary:
    text, p = _read_yaml_file(path, CommandDictionaryError)
    return parse_command_dictionary(text, str(p))


def dictionary_for(mission: Mission, sat_class: str) -> CommandDictionary:
    """The dictionary of ``sat_class``: the mission's override or the bundled file.

    Raises :class:`CommandDictionaryError` when there is none or its class differs.
    """
    ref = mission.sources.command_dictionaries.get(sat_class)
    path = mission.resolve_path(ref) if ref is not None else bundled_dictionary_path(sat_class)
    if ref is None and not os.path.exists(path):
        raise CommandDictionaryError(
            path,
            [
                f"no bundled dictionary for class {sat_class!r}; name one in the mission's "
                f"sources.command_dictionaries: {{{sat_class}: path/to/{sat_class}.yaml}}"
            ],
        )
    d = load_command_dictionary(path)
    if d.sat_class != sat_class:
        raise CommandDictionaryError(
            path, [f"class: the file is for {d.sat_class!r}, the mission asks for {sat_class!r}"]
        )
    return d
