"""The argument types the tools share: names, times and values with units.

A quantity argument takes a number in the unit its name says, or the value written with its
unit ("3 days", "90분", "within 2 km"), read by
:func:`~cosmo_agent.tools.quantities.parse_quantity`; a time takes ISO 8601 UTC or a phrase
relative to the planning clock, read by :func:`~cosmo_agent.tools.quantities.parse_time`.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Hours).validate_python("3 days")
72.0
>>> TypeAdapter(SatelliteSelection).validate_python("ALL")
'all'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, get_args, get_origin

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
)

from cosmo_agent.tools.quantities import QuantityError, QuantityKind, parse_quantity, parse_time
from cosmo_agent.tools.schemas import NAMES_KEY

__all__ = [
    "QUANTITY_TEXT_MAX_CHARS",
    "DistanceKm",
    "ElevationDeg",
    "EventId",
    "Hours",
    "Name",
    "Probability",
    "QuantityArgument",
    "RadiusM",
    "SatelliteSelection",
    "StationSelection",
    "StepSeconds",
    "When",
    "quantity_arguments",
]

Name = Annotated[str, Field(min_length=1, max_length=128)]


QUANTITY_TEXT_MAX_CHARS: Final = 64
"""The longest value with units a quantity argument accepts as text ("within the next 3 days")."""


@dataclass(frozen=True)
class QuantityArgument:
    """Marks an argument type as a quantity of ``kind`` (its values are in that kind's unit),
    or as a time (``kind="time"``)."""

    kind: QuantityKind | Literal["time"]


def _kind_of(annotation: Any) -> QuantityKind | Literal["time"] | None:
    if get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, QuantityArgument):
                return meta.kind
    return next((k for a in get_args(annotation) if (k := _kind_of(a)) is not None), None)


def quantity_arguments(args: type[BaseModel]) -> dict[str, QuantityKind | Literal["time"]]:
    """The top-level quantity and time arguments of a tool's argument model, and their kinds.

    >>> class Args(BaseModel):
    ...     start: When | None = None
    ...     duration_h: Hours = 24.0
    ...     threshold_km: DistanceKm | None = None
    >>> quantity_arguments(Args)
    {'start': 'time', 'duration_h': 'duration_h', 'threshold_km': 'distance_km'}
    """
    kinds: dict[str, QuantityKind | Literal["time"]] = {}
    for name, field in args.model_fields.items():
        kind = next((m.kind for m in field.metadata if isinstance(m, QuantityArgument)), None)
        if kind is None:
            kind = _kind_of(field.annotation)
        if kind is not None:
            kinds[name] = kind
    return kinds


def _quantity_reader(kind: QuantityKind) -> BeforeValidator:
    """Read a text value ("3 days", "90분", "within 2 km") into the argument's unit."""

    def read(value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_quantity(kind, value)
            except QuantityError as exc:
                raise ValueError(str(exc)) from None
        return value

    return BeforeValidator(read)


def _number_or_text(**bounds: float) -> WithJsonSchema:
    """The schema of a quantity argument: a number within ``bounds`` in the argument's unit,
    or the value written with its unit (read by
    :func:`~cosmo_agent.tools.quantities.parse_quantity`)."""
    keys = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    number: dict[str, Any] = {"type": "number", **{keys[k]: v for k, v in bounds.items()}}
    text = {"type": "string", "minLength": 1, "maxLength": QUANTITY_TEXT_MAX_CHARS}
    return WithJsonSchema({"anyOf": [number, text]})


def _read_time(value: object, info: ValidationInfo) -> object:
    """A time as ISO 8601 UTC or relative to the planning clock ("in 2 hours", "2시간 후")."""
    if not isinstance(value, str):
        return value
    now = (info.context or {}).get("now") if isinstance(info.context, dict) else None
    try:
        return parse_time(value, now)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None


_TIME_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "minLength": 1, "maxLength": QUANTITY_TEXT_MAX_CHARS},
        ]
    }
)
When = Annotated[
    AwareDatetime, QuantityArgument("time"), BeforeValidator(_read_time), _TIME_SCHEMA
]
"""A time: ISO 8601 UTC, or a phrase relative to the planning clock ("in 2 hours")."""
StepSeconds = Annotated[
    float,
    QuantityArgument("step_s"),
    _quantity_reader("step_s"),
    Field(ge=1.0, le=3600.0),
    _number_or_text(ge=1.0, le=3600.0),
]
ElevationDeg = Annotated[
    float,
    QuantityArgument("elevation_deg"),
    _quantity_reader("elevation_deg"),
    Field(ge=0.0, le=90.0),
    _number_or_text(ge=0.0, le=90.0),
]
DistanceKm = Annotated[
    float,
    QuantityArgument("distance_km"),
    _quantity_reader("distance_km"),
    Field(gt=0.0, le=100.0),
    _number_or_text(gt=0.0, le=100.0),
]
RadiusM = Annotated[
    float,
    QuantityArgument("radius_m"),
    _quantity_reader("radius_m"),
    Field(gt=0.0, le=1000.0),
    _number_or_text(gt=0.0, le=1000.0),
]
Probability = Annotated[
    float,
    QuantityArgument("probability"),
    _quantity_reader("probability"),
    Field(gt=0.0, lt=1.0),
    _number_or_text(gt=0.0, lt=1.0),
]


# A repeated name means nothing (the tools resolve each satellite or station once), so the
# schema asks for distinct items; constrained decoding enforces it (model/unique_items.py).
_NameList = Annotated[
    list[Name], Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
]


def _selection(value: object) -> object:
    """Accept a lone name for a one-item list, and "ALL" in any case."""
    if isinstance(value, str):
        return "all" if value.strip().casefold() == "all" else [value]
    return value


SatelliteSelection = Annotated[
    _NameList | Literal["all"],
    BeforeValidator(_selection),
    Field(
        description='Fleet satellites by name, alias or NORAD id, or "all".',
        json_schema_extra={NAMES_KEY: "satellite"},
    ),
]
StationSelection = Annotated[
    _NameList | Literal["all"],
    BeforeValidator(_selection),
    Field(
        description='Ground stations by id, name or alias, or "all".',
        json_schema_extra={NAMES_KEY: "station"},
    ),
]
Hours = Annotated[
    float,
    QuantityArgument("duration_h"),
    _quantity_reader("duration_h"),
    Field(
        gt=0.0,
        le=168.0,
        description="Hours to cover from the planning clock (default 24), or a duration such"
        ' as "3 days".',
    ),
    _number_or_text(gt=0.0, le=168.0),
]
EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=48,
        description="A conjunction id from screen_conjunctions: its event_id"
        ' ("CONJ-25544-48274-20260610T1510Z") or its alias ("CONJ-0001").',
    ),
]
