"""SWPC/CelesTrak space-weather products: the samples each file holds and their parsers.

Products (``ProductName``), their SWPC/CelesTrak files and the fields read:

- ``kp``: products/noaa-planetary-k-index.json (time_tag, Kp, a_running, station_count)
- ``kp_forecast``: products/noaa-planetary-k-index-forecast.json (time_tag, kp, observed,
  noaa_scale)
- ``xrays``: json/goes/primary/xrays-6-hour.json (time_tag, satellite, flux, energy)
- ``protons``: json/goes/primary/integral-protons-6-hour.json (same fields)
- ``alerts``: products/alerts.json (product_id, issue_datetime, message)
- ``scales``: products/noaa-scales.json (keys "-1".."3": DateStamp, TimeStamp, R/S/G Scale,
  MinorProb, MajorProb, Prob)
- ``celestrak_sw``: CelesTrak SpaceData/SW-All.csv (DATE, KP1..KP8 and KP_SUM stored x10,
  AP1..AP8, AP_AVG, F10.7_OBS, F10.7_ADJ, F10.7_DATA_TYPE, 81-day averages)

The ``products/`` JSON files come in two layouts and both are accepted: the header-row
table used until SWPC's change of 2026-03-31 (``[["time_tag","Kp",...], ["2026-03-30
00:00:00.000","2.33",...]]``, numbers as strings) and the list of records used after it
(``[{"time_tag": "2026-07-31T00:00:00", "Kp": 1.33, ...}]``). Times without a zone are UTC.
A malformed file raises :class:`SpaceWeatherFormatError`, naming the product, the origin, the
row (0-based index into the top-level JSON array, the header row being 0) and the field.

>>> parse_product("kp", b'[{"time_tag": "2026-07-31T00:00:00", "Kp": 1.33}]').layout
'records'
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "KP_INTERVAL",
    "PRODUCTS",
    "PROTON_ENERGY",
    "XRAY_BAND",
    "CelestrakSwDay",
    "KpForecastKind",
    "KpForecastSample",
    "KpSample",
    "Layout",
    "ProductData",
    "ProductName",
    "ProtonSample",
    "Sample",
    "ScaleDay",
    "SpaceWeatherFormatError",
    "SwpcAlert",
    "XraySample",
    "classify_filename",
    "parse_product",
]

ProductName = Literal["kp", "kp_forecast", "xrays", "protons", "alerts", "scales", "celestrak_sw"]
"""kp: observed planetary Kp; kp_forecast: 3-day Kp forecast; xrays / protons: GOES fluxes;
alerts: SWPC alert/warning/watch archive; scales: noaa-scales.json; celestrak_sw: SW-All.csv."""
ScaleLetter = Literal["G", "S", "R"]
"""G: geomagnetic storms (Kp); S: solar radiation storms (protons); R: radio blackouts (X-rays)."""
Layout = Literal["header_rows", "records", "object", "csv"]
"""header_rows: SWPC table before 2026-03-31; records: list of objects after; object: a JSON
object (noaa-scales.json); csv: CelesTrak."""
KpForecastKind = Literal["observed", "estimated", "predicted"]

PRODUCTS: tuple[ProductName, ...] = get_args(ProductName)
XRAY_BAND = "0.1-0.8nm"
PROTON_ENERGY = ">=10 MeV"
KP_INTERVAL = timedelta(hours=3)


# --------------------------------------------------------------------------- errors


class SpaceWeatherFormatError(ValueError):
    """A space-weather file does not have the documented layout.

    Attributes name what and where: ``product``, ``origin`` (file or URL), ``row``
    (0-based index into the top-level array, or CSV line number) and ``field``.
    """

    def __init__(
        self,
        product: str,
        message: str,
        *,
        origin: str = "<memory>",
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        where = f"{origin}: product {product!r}"
        if row is not None:
            where += f" row {row}"
        if field is not None:
            where += f" field {field!r}"
        super().__init__(f"{where}: {message}")
        self.product = product
        self.origin = origin
        self.row = row
        self.field = field


# --------------------------------------------------------------------------- samples


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KpSample(_Frozen):
    """Planetary Kp for the 3-hour interval starting at ``time_utc``."""

    time_utc: datetime
    kp: float
    a_running: float | None = None
    station_count: int | None = None


class KpForecastSample(_Frozen):
    """One 3-hour row of the Kp forecast; ``noaa_scale`` is SWPC's label, e.g. ``"G1"``."""

    time_utc: datetime
    kp: float
    observed: KpForecastKind
    noaa_scale: str | None = None


class XraySample(_Frozen):
    """GOES X-ray flux in one band (``0.1-0.8nm`` drives the R scale)."""

    time_utc: datetime
    satellite: int | None
    flux_w_m2: float
    band: str


class ProtonSample(_Frozen):
    """GOES integral proton flux above ``energy`` (``>=10 MeV`` drives the S scale)."""

    time_utc: datetime
    satellite: int | None
    flux_pfu: float
    energy: str


class SwpcAlert(_Frozen):
    """One SWPC message; ``headline`` is its ALERT/WARNING/WATCH/SUMMARY line."""

    product_id: str
    issue_time_utc: datetime
    headline: str
    message: str


class ScaleDay(_Frozen):
    """One day of noaa-scales.json: ``day_offset`` -1 yesterday, 0 now, 1..3 forecast."""

    day_offset: int
    time_utc: datetime | None
    g_level: int | None
    s_level: int | None
    r_level: int | None
    r_minor_prob_pct: int | None = None
    r_major_prob_pct: int | None = None
    s_prob_pct: int | None = None


class CelestrakSwDay(_Frozen):
    """One SW-All.csv row; Kp divided by 10 (the file stores Kp x10), None where empty."""

    date: date
    kp_3h: tuple[float, ...] | None
    kp_sum: float | None
    ap_3h: tuple[float, ...] | None
    ap_avg: float | None
    f107_obs_sfu: float | None
    f107_adj_sfu: float | None
    f107_data_type: str
    f107_obs_center81_sfu: float | None = None
    f107_obs_last81_sfu: float | None = None


Sample = (
    KpSample | KpForecastSample | XraySample | ProtonSample | SwpcAlert | ScaleDay | CelestrakSwDay
)


@dataclass(frozen=True)
class ProductData:
    """A parsed product: samples, layout, and ``data_time_utc`` (staleness is measured on it)."""

    product: ProductName
    origin: str
    layout: Layout
    samples: tuple[Any, ...]
    data_time_utc: datetime | None


# --------------------------------------------------------------------------- parsing


class _Ctx:
    """Where a value came from, to build errors that point at it."""

    def __init__(self, product: ProductName, origin: str) -> None:
        self.product = product
        self.origin = origin

    def error(self, message: str, row: int | None = None, fld: str | None = None) -> Exception:
        return SpaceWeatherFormatError(
            self.product, message, origin=self.origin, row=row, field=fld
        )

    def number(self, value: object, row: int, fld: str, *, optional: bool = False) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if optional:
                return None
            raise self.error("value is missing; expected a number", row, fld)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.error(
                f"expected a number, found {type(value).__name__} {value!r:.40}", row, fld
            )
        try:
            number = float(value)
        except (ValueError, OverflowError):
            raise self.error(f"expected a number, found {value!r:.40}", row, fld) from None
        if not math.isfinite(number):
            raise self.error(f"expected a finite number, found {value!r:.40}", row, fld)
        return number

    def integer(self, value: object, row: int, fld: str) -> int | None:
        number = self.number(value, row, fld, optional=True)
        if number is None:
            return None
        if number != int(number):
            raise self.error(f"expected a whole number, found {value!r:.40}", row, fld)
        return int(number)

    def text(self, value: object, row: int, fld: str) -> str:
        if not isinstance(value, str):
            raise self.error(f"expected text, found {type(value).__name__} {value!r:.40}", row, fld)
        return value

    def time(self, value: object, row: int, fld: str) -> datetime:
        text = self.text(value, row, fld).strip()
        try:
            parsed = datetime.fromisoformat(text)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            raise self.error(
                f"expected an ISO time like '2026-07-31T00:00:00' (UTC), found {text!r:.40}",
                row,
                fld,
            ) from None

    def rows(self, data: object) -> tuple[Layout, list[tuple[int, Mapping[str, object]]]]:
        """Normalise both SWPC layouts to (row index, {field: value}) pairs."""
        if not isinstance(data, list):
            raise self.error(f"expected a JSON array of rows, found {type(data).__name__}")
        if not data:
            return "records", []
        if isinstance(data[0], list):
            header = data[0]
            if not header or not all(isinstance(name, str) for name in header):
                raise self.error("header row must be a list of field names", 0)
            out: list[tuple[int, Mapping[str, object]]] = []
            for index, row in enumerate(data[1:], start=1):
                if not isinstance(row, list) or len(row) != len(header):
                    raise self.error(
                        f"expected a list of {len(header)} values matching the header {header}",
                        index,
                    )
                out.append((index, dict(zip(header, row, strict=True))))
            return "header_rows", out
        records: list[tuple[int, Mapping[str, object]]] = []
        for index, row in enumerate(data):
            if not isinstance(row, dict):
                raise self.error(
                    f"expected an object like {{'time_tag': ...}}, found {type(row).__name__}",
                    index,
                )
            records.append((index, row))
        return "records", records

    def get(self, row: Mapping[str, object], index: int, *names: str) -> object:
        for name in names:
            if name in row:
                return row[name]
        raise self.error(f"field is missing (row has {sorted(row)[:8]})", index, names[0])


def _parse_kp(ctx: _Ctx, data: object) -> ProductData:
    layout, rows = ctx.rows(data)
    samples = []
    for i, row in rows:
        kp = ctx.number(ctx.get(row, i, "Kp", "kp"), i, "Kp")
        samples.append(
            KpSample(
                time_utc=ctx.time(ctx.get(row, i, "time_tag"), i, "time_tag"),
                kp=_checked_range(ctx, kp, 0.0, 9.0, i, "Kp"),
                a_running=ctx.number(row.get("a_running"), i, "a_running", optional=True),
                station_count=ctx.integer(row.get("station_count"), i, "station_count"),
            )
        )
    end = max((s.time_utc for s in samples), default=None)
    return ProductData("kp", ctx.origin, layout, tuple(samples), end and end + KP_INTERVAL)


def _parse_kp_forecast(ctx: _Ctx, data: object) -> ProductData:
    layout, rows = ctx.rows(data)
    samples = []
    for i, row in rows:
        kind = ctx.text(ctx.get(row, i, "observed"), i, "observed")
        if kind not in get_args(KpForecastKind):
            raise ctx.error(
                f"expected one of {get_args(KpForecastKind)}, found {kind!r:.40}", i, "observed"
            )
        scale = row.get("noaa_scale")
        if scale is not None and not isinstance(scale, str):
            raise ctx.error("expected a label like 'G1' or null", i, "noaa_scale")
        kp = ctx.number(ctx.get(row, i, "kp", "Kp"), i, "kp")
        samples.append(
            KpForecastSample(
                time_utc=ctx.time(ctx.get(row, i, "time_tag"), i, "time_tag"),
                kp=_checked_range(ctx, kp, 0.0, 9.0, i, "kp"),
                observed=kind,  # type: ignore[arg-type]  # checked against KpForecastKind above
                noaa_scale=scale,
            )
        )
    seen = [s.time_utc for s in samples if s.observed != "predicted"]
    end = max(seen, default=None)
    return ProductData("kp_forecast", ctx.origin, layout, tuple(samples), end and end + KP_INTERVAL)


def _checked_range(
    ctx: _Ctx, value: float | None, low: float, high: float, i: int, fld: str
) -> float:
    if value is None or not low <= value <= high:
        raise ctx.error(f"expected a value in [{low}, {high}], found {value}", i, fld)
    return value


def _parse_goes(ctx: _Ctx, data: object, channel_field: str, wanted: str) -> ProductData:
    """GOES fluxes; rows of other bands are skipped, rows with a null flux are missing data."""
    layout, rows = ctx.rows(data)
    samples: list[XraySample | ProtonSample] = []
    for i, row in rows:
        channel = ctx.text(ctx.get(row, i, channel_field), i, channel_field)
        if channel.replace(" ", "") != wanted.replace(" ", ""):
            continue
        when = ctx.time(ctx.get(row, i, "time_tag"), i, "time_tag")
        flux = ctx.number(ctx.get(row, i, "flux"), i, "flux", optional=True)
        satellite = ctx.integer(row.get("satellite"), i, "satellite")
        if flux is None:
            continue
        if flux < 0:
            raise ctx.error(f"flux must not be negative, found {flux}", i, "flux")
        if ctx.product == "xrays":
            samples.append(
                XraySample(time_utc=when, satellite=satellite, flux_w_m2=flux, band=channel)
            )
        else:
            samples.append(
                ProtonSample(time_utc=when, satellite=satellite, flux_pfu=flux, energy=channel)
            )
    latest = max((s.time_utc for s in samples), default=None)
    return ProductData(ctx.product, ctx.origin, layout, tuple(samples), latest)


_HEADLINE = re.compile(r"^(ALERT|WARNING|WATCH|SUMMARY|EXTENDED WARNING|CANCEL\w*)\b.*$", re.M)


def _parse_alerts(ctx: _Ctx, data: object) -> ProductData:
    layout, rows = ctx.rows(data)
    samples = []
    for i, row in rows:
        message = ctx.text(ctx.get(row, i, "message"), i, "message")
        found = _HEADLINE.search(message.replace("\r", ""))
        samples.append(
            SwpcAlert(
                product_id=ctx.text(ctx.get(row, i, "product_id"), i, "product_id"),
                issue_time_utc=ctx.time(ctx.get(row, i, "issue_datetime"), i, "issue_datetime"),
                headline=found.group(0).strip() if found else message.strip()[:80],
                message=message,
            )
        )
    latest = max((s.issue_time_utc for s in samples), default=None)
    return ProductData("alerts", ctx.origin, layout, tuple(samples), latest)


def _parse_scales(ctx: _Ctx, data: object) -> ProductData:
    if not isinstance(data, dict):
        raise ctx.error("expected a JSON object keyed by day offset ('-1', '0', '1', ...)")
    days = []
    for key, day in data.items():
        try:
            offset = int(key)
        except ValueError:
            raise ctx.error(f"expected day-offset keys like '0', found {key!r:.40}") from None
        if not isinstance(day, dict):
            raise ctx.error("expected an object with DateStamp, R, S, G", offset)
        blocks: dict[str, Any] = {}
        for letter in ("R", "S", "G"):
            block = day.get(letter, {})
            if not isinstance(block, dict):
                raise ctx.error(
                    "expected an object like {'Scale': '0', 'Text': 'none'}", offset, letter
                )
            blocks[letter] = block
        stamp = day.get("DateStamp")
        when = None
        if stamp is not None:
            clock = day.get("TimeStamp") or "00:00:00"
            when = ctx.time(
                f"{ctx.text(stamp, offset, 'DateStamp')}T{ctx.text(clock, offset, 'TimeStamp')}",
                offset,
                "DateStamp",
            )

        def level(
            letter: str, key: str = "Scale", *, row: int = offset, found: dict[str, Any] = blocks
        ) -> int | None:
            value = ctx.integer(found[letter].get(key), row, f"{letter}.{key}")
            if value is not None and not 0 <= value <= (5 if key == "Scale" else 100):
                raise ctx.error(f"out of range: {value}", row, f"{letter}.{key}")
            return value

        days.append(
            ScaleDay(
                day_offset=offset,
                time_utc=when,
                g_level=level("G"),
                s_level=level("S"),
                r_level=level("R"),
                r_minor_prob_pct=level("R", "MinorProb"),
                r_major_prob_pct=level("R", "MajorProb"),
                s_prob_pct=level("S", "Prob"),
            )
        )
    days.sort(key=lambda d: d.day_offset)
    current = next((d for d in days if d.day_offset == 0), None)
    when_now = current.time_utc if current is not None else None
    return ProductData("scales", ctx.origin, "object", tuple(days), when_now)


_CELESTRAK_REQUIRED = ("DATE", "KP_SUM", "AP_AVG", "F10.7_OBS", "F10.7_ADJ", "F10.7_DATA_TYPE")


def _parse_celestrak(ctx: _Ctx, text: str) -> ProductData:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = list(reader)
    except csv.Error as exc:  # e.g. a stray carriage return inside a field
        raise ctx.error(
            f"not readable as CSV ({exc}); re-download the file", reader.line_num
        ) from None
    header = table[0] if table else None
    if header is None:
        raise ctx.error("file is empty; expected the SW-All.csv header 'DATE,BSRN,ND,KP1,...'")
    missing = [
        name
        for name in (*_CELESTRAK_REQUIRED, *(f"KP{k}" for k in range(1, 9)))
        if name not in header
    ]
    if missing:
        raise ctx.error(f"header lacks {missing}; is this CelesTrak SW-All.csv?", 1)
    col = {name: header.index(name) for name in header}
    days = []
    for line_no, cells in enumerate(table[1:], start=2):
        if not cells or not "".join(cells).strip():
            continue
        if len(cells) != len(header):
            raise ctx.error(
                f"expected {len(header)} comma-separated values, found {len(cells)}", line_no
            )
        cell = dict(zip(header, cells, strict=True))
        try:
            day = date.fromisoformat(cell["DATE"].strip())
        except ValueError:
            raise ctx.error(
                f"expected YYYY-MM-DD, found {cell['DATE']!r:.40}", line_no, "DATE"
            ) from None

        def num(name: str, *, row: int = line_no, found: dict[str, str] = cell) -> float | None:
            return ctx.number(found[name], row, name, optional=True) if name in col else None

        kp = [num(f"KP{k}") for k in range(1, 9)]
        ap = [num(f"AP{k}") for k in range(1, 9)]
        kp_sum = num("KP_SUM")
        days.append(
            CelestrakSwDay(
                date=day,
                kp_3h=None if None in kp else tuple(v / 10.0 for v in kp if v is not None),
                kp_sum=None if kp_sum is None else kp_sum / 10.0,
                ap_3h=None if None in ap else tuple(v for v in ap if v is not None),
                ap_avg=num("AP_AVG"),
                f107_obs_sfu=num("F10.7_OBS"),
                f107_adj_sfu=num("F10.7_ADJ"),
                f107_data_type=cell["F10.7_DATA_TYPE"].strip(),
                f107_obs_center81_sfu=num("F10.7_OBS_CENTER81"),
                f107_obs_last81_sfu=num("F10.7_OBS_LAST81"),
            )
        )
    observed = [d.date for d in days if d.f107_data_type == "OBS"]
    end = max(observed, default=None)
    data_time = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return ProductData("celestrak_sw", ctx.origin, "csv", tuple(days), data_time)


def parse_product(
    product: ProductName, raw: bytes | str | object, *, origin: str = "<memory>"
) -> ProductData:
    """Parse one product from file bytes/text, or from already-decoded JSON.

    Raises only :class:`SpaceWeatherFormatError` for bad content.

    >>> parse_product("kp", b'[["time_tag","Kp"],["2026-03-30 00:00:00.000","2.33"]]').samples[0].kp
    2.33
    """
    if product not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}; expected one of {PRODUCTS}")
    ctx = _Ctx(product, origin)
    data: object = raw
    if isinstance(raw, bytes):
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ctx.error(
                f"not UTF-8 text ({exc.reason} at byte {exc.start}); re-download the file"
            ) from None
    if product == "celestrak_sw" and not isinstance(data, str):
        raise ctx.error("expected CSV text")
    if isinstance(data, str) and product != "celestrak_sw":
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ctx.error(
                f"not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}); "
                "re-download the file"
            ) from None
        except RecursionError:
            raise ctx.error("JSON nested too deeply") from None
    try:
        if isinstance(data, str):
            return _parse_celestrak(ctx, data)
        if product == "kp":
            return _parse_kp(ctx, data)
        if product == "kp_forecast":
            return _parse_kp_forecast(ctx, data)
        if product == "xrays":
            return _parse_goes(ctx, data, "energy", XRAY_BAND)
        if product == "protons":
            return _parse_goes(ctx, data, "energy", PROTON_ENERGY)
        if product == "alerts":
            return _parse_alerts(ctx, data)
        return _parse_scales(ctx, data)
    except ValidationError as exc:  # a value passed our checks but not the model's
        raise ctx.error(f"invalid value: {exc.errors()[0]['msg']}") from None


_NAME_PATTERNS: tuple[tuple[ProductName, re.Pattern[str]], ...] = (
    ("kp_forecast", re.compile(r"planetary-k-index-forecast.*\.json$")),
    ("kp", re.compile(r"planetary-k-index.*\.json$")),
    ("xrays", re.compile(r"xrays-\d.*\.json$")),
    ("protons", re.compile(r"integral-protons-\d.*\.json$")),
    ("alerts", re.compile(r"(^|[-_.])alerts([-_.].*)?\.json$")),
    ("scales", re.compile(r"noaa-scales.*\.json$")),
    ("celestrak_sw", re.compile(r"(^SW-(All|Last5Years)|celestrak-sw).*\.csv$", re.I)),
)


def classify_filename(name: str) -> ProductName | None:
    """Which product a file name holds, or None.

    >>> classify_filename("noaa-planetary-k-index-forecast.20260731T1200Z.json")
    'kp_forecast'
    """
    base = os.path.basename(name)
    return next((product for product, pattern in _NAME_PATTERNS if pattern.search(base)), None)
