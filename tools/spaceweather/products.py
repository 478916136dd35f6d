"""Space weather: SWPC/CelesTrak parsers, NOAA G/S/R scales, staleness, mission alert rules.

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

Scales (NOAA, https://www.swpc.noaa.gov/noaa-scales-explanation): G1..G5 at Kp 5..9;
S1..S5 at >=10 MeV proton flux 10, 1e2, 1e3, 1e4, 1e5 pfu; R1..R5 at 0.1-0.8 nm X-ray flux
M1, M5, X1, X10, X20 (1e-5, 5e-5, 1e-4, 1e-3, 2e-3 W/m^2).

Shipped sample (``tools/data/swpc-sample-*.json``, ``swpc-legacy-*.json`` in the old layout,
``celestrak-sw-sample.csv``): hand-written for a fictitious G3/S3/R3 event on 2026-07-31
(~12:30 UTC) following the documented field names and layouts; not a recording of real data.

>>> from datetime import datetime, timezone
>>> report = space_weather_report(now=datetime(2026, 7, 31, 12, 30, tzinfo=timezone.utc))
>>> [report.scales[s].label for s in ("G", "S", "R")]
['G3', 'S3', 'R3']
>>> g_level(kp=5.0), s_level(flux_pfu=99.9), r_level(flux_w_m2=1e-4)
(1, 1, 3)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cosmo_agent.tools.feeds import FeedError, FeedPoller, FetchOutcome

__all__ = [
    "DEFAULT_ALERT_RULES",
    "DEFAULT_BALLISTIC_COEFFICIENT_M2_KG",
    "DEFAULT_MAX_AGE_S",
    "DENSITY_ENHANCEMENT_BY_G_LEVEL",
    "G_KP_THRESHOLDS",
    "R_XRAY_THRESHOLDS_W_M2",
    "SAMPLE_DIR",
    "SWPC_PATHS",
    "S_PROTON_THRESHOLDS_PFU",
    "Alert",
    "AlertRule",
    "CelestrakSwDay",
    "DirectorySource",
    "FeedStatus",
    "FileSource",
    "HttpSource",
    "KpForecastSample",
    "KpSample",
    "LatestValue",
    "LoadedProduct",
    "ProductData",
    "ProductName",
    "ProtonSample",
    "SatelliteProfile",
    "ScaleDay",
    "ScaleLetter",
    "ScaleStatus",
    "SpaceWeatherFormatError",
    "SpaceWeatherReport",
    "SpaceWeatherSource",
    "SpaceWeatherSourceError",
    "SwpcAlert",
    "XraySample",
    "classify_filename",
    "estimate_storm_drift_km",
    "evaluate_alerts",
    "g_level",
    "open_source",
    "parse_product",
    "r_level",
    "s_level",
    "space_weather_report",
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
Severity = Literal["info", "warning", "critical"]
AlertAction = Literal["safe_mode_recommended", "drag_warning", "link_degradation", "notify"]
RuleTarget = Literal["all_satellites", "sensitivity", "low_perigee", "sunlit_stations"]
"""Who a rule applies to: every satellite; satellites with a sensitivity; satellites with
perigee below ``max_perigee_km``; ground stations in daylight."""

PRODUCTS: tuple[ProductName, ...] = get_args(ProductName)
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data"
SWPC_PATHS: dict[ProductName, str] = {
    "kp": "products/noaa-planetary-k-index.json",
    "kp_forecast": "products/noaa-planetary-k-index-forecast.json",
    "xrays": "json/goes/primary/xrays-6-hour.json",
    "protons": "json/goes/primary/integral-protons-6-hour.json",
    "alerts": "products/alerts.json",
    "scales": "products/noaa-scales.json",
}

G_KP_THRESHOLDS: tuple[float, ...] = (5.0, 6.0, 7.0, 8.0, 9.0)
S_PROTON_THRESHOLDS_PFU: tuple[float, ...] = (1e1, 1e2, 1e3, 1e4, 1e5)
R_XRAY_THRESHOLDS_W_M2: tuple[float, ...] = (1e-5, 5e-5, 1e-4, 1e-3, 2e-3)
XRAY_BAND = "0.1-0.8nm"
PROTON_ENERGY = ">=10 MeV"
KP_INTERVAL = timedelta(hours=3)
R_PEAK_WINDOW = timedelta(hours=1)  # R level = peak X-ray flux over the last hour of data
ACTIVE_ALERT_WINDOW = timedelta(hours=24)  # alerts.json is a 30-day archive

DEFAULT_MAX_AGE_S: dict[ProductName, float | None] = {
    "kp": 3 * 3600.0,  # measured from the end of the latest 3-hour Kp interval
    "xrays": 3 * 3600.0,
    "protons": 3 * 3600.0,
    "scales": 3 * 3600.0,
    "kp_forecast": 12 * 3600.0,  # from the end of the latest observed/estimated row
    "celestrak_sw": 72 * 3600.0,  # from the end of the latest OBS day
    "alerts": None,  # no alert for days is normal: never stale
}
_SCALE_PRODUCT: dict[ScaleLetter, ProductName] = {"G": "kp", "S": "protons", "R": "xrays"}


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


class SpaceWeatherSourceError(ValueError):
    """A source specification (path or URL) cannot be used; the message says what to pass."""


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


# --------------------------------------------------------------------------- sources


@dataclass
class LoadedProduct:
    """What a source got for one product: parsed data, or a problem saying what went wrong."""

    product: ProductName
    origin: str
    data: ProductData | None = None
    problem: str | None = None
    fetch: FetchOutcome | None = None
    notes: list[str] = field(default_factory=list)


class SpaceWeatherSource(Protocol):
    """Anything that can load products; ``description`` goes into the report."""

    description: str

    def load(self) -> dict[ProductName, LoadedProduct]: ...


def _load_file(product: ProductName, path: Path) -> LoadedProduct:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadedProduct(product, str(path), problem=f"cannot read {path}: {exc.strerror}")
    try:
        return LoadedProduct(product, str(path), data=parse_product(product, raw, origin=str(path)))
    except SpaceWeatherFormatError as exc:
        return LoadedProduct(product, str(path), problem=str(exc))


class FileSource:
    """One snapshot file; its name says which product it holds (see :func:`classify_filename`)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        product = classify_filename(self.path.name)
        if product is None:
            raise SpaceWeatherSourceError(
                f"{self.path}: cannot tell which product this file holds; name it after the SWPC "
                "file (e.g. noaa-planetary-k-index.json, xrays-6-hour.json, alerts.json) "
                "or SW-All.csv"
            )
        self.product: ProductName = product
        self.description = str(self.path)

    def load(self) -> dict[ProductName, LoadedProduct]:
        return {self.product: _load_file(self.product, self.path)}


class DirectorySource:
    """A directory of snapshots; for each product the file with the newest data wins.

    ``prefixes`` limits which file names are considered (the shipped sample uses
    ``swpc-`` and ``celestrak-sw-``); ties on data time go to the later file name.
    """

    def __init__(self, path: str | os.PathLike[str], *, prefixes: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self.prefixes = prefixes
        self.description = str(self.path)

    def load(self) -> dict[ProductName, LoadedProduct]:
        groups: dict[ProductName, list[Path]] = {}
        for entry in sorted(self.path.iterdir()):
            product = classify_filename(entry.name)
            if (
                product
                and entry.is_file()
                and (not self.prefixes or entry.name.startswith(self.prefixes))
            ):
                groups.setdefault(product, []).append(entry)
        out: dict[ProductName, LoadedProduct] = {}
        for product, paths in groups.items():
            loaded = [_load_file(product, p) for p in paths]
            good = [item for item in loaded if item.data is not None]
            bad = [f"ignored {item.origin}: {item.problem}" for item in loaded if item.data is None]
            if not good:
                out[product] = loaded[-1]
                out[product].notes = bad[:-1]
                continue
            least = datetime.min.replace(tzinfo=UTC)
            best = max(
                good,
                key=lambda item: ((item.data and item.data.data_time_utc) or least, item.origin),
            )
            best.notes = bad
            out[product] = best
        return out


class HttpSource:
    """A SWPC-like base URL (``https://services.swpc.noaa.gov/``) or one product's URL.

    Keep one instance between polls: it holds a :class:`FeedPoller` per product, so
    ETags are reused, a ``Retry-After`` is honoured, and a product answered with a 4xx
    (other than 408/429) is never asked for again. Close it
    (or use ``with HttpSource(url) as source:``) to release its HTTP client.
    ``celestrak_url`` (e.g. ``https://celestrak.org/SpaceData/SW-All.csv``) is optional.
    """

    def __init__(
        self,
        url: str,
        *,
        celestrak_url: str | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.description = url
        single = classify_filename(url.split("?")[0])
        urls: dict[ProductName, str] = (
            {single: url}
            if single
            else {p: url.rstrip("/") + "/" + path for p, path in SWPC_PATHS.items()}
        )
        if celestrak_url:
            urls["celestrak_sw"] = celestrak_url
        self._own_client = client is None
        self.client = client or httpx.Client(follow_redirects=True)
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self.pollers: dict[ProductName, FeedPoller] = {
            p: FeedPoller(
                u,
                timeout_s=timeout_s,
                max_attempts=max_attempts,
                backoff_s=backoff_s,
                client=self.client,
                **extra,
            )
            for p, u in urls.items()
        }

    def close(self) -> None:
        """Close the HTTP client this source created (not one passed in)."""
        if self._own_client:
            self.client.close()

    def __enter__(self) -> HttpSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self) -> dict[ProductName, LoadedProduct]:
        out: dict[ProductName, LoadedProduct] = {}
        for product, poller in self.pollers.items():
            try:
                fetched = poller.poll()
            except FeedError as exc:
                out[product] = LoadedProduct(product, poller.url, problem=str(exc))
                continue
            try:
                data = parse_product(product, fetched.body, origin=poller.url)
            except SpaceWeatherFormatError as exc:
                out[product] = LoadedProduct(
                    product, poller.url, problem=str(exc), fetch=fetched.outcome
                )
                continue
            out[product] = LoadedProduct(product, poller.url, data=data, fetch=fetched.outcome)
        return out


def open_source(
    spec: str | os.PathLike[str] | SpaceWeatherSource | None = None,
) -> SpaceWeatherSource:
    """A source from a CLI argument: None (the shipped sample), a file, a directory or a URL."""
    if spec is None:
        return DirectorySource(SAMPLE_DIR, prefixes=("swpc-", "celestrak-sw-"))
    if not isinstance(spec, str | os.PathLike):
        return spec
    text = os.fspath(spec)
    if re.match(r"https?://", text):
        return HttpSource(text)
    path = Path(text)
    if path.is_dir():
        return DirectorySource(path)
    if path.is_file():
        return FileSource(path)
    raise SpaceWeatherSourceError(
        f"{text}: no such file or directory; pass a snapshot file, a directory of snapshots "
        "or an http(s):// URL of a SWPC-like directory (or nothing for the shipped sample)"
    )


# --------------------------------------------------------------------------- scales


def _level(value: float, thresholds: Sequence[float]) -> int:
    return sum(1 for limit in thresholds if value >= limit * (1 - 1e-9))


def g_level(kp: float) -> int:
    """NOAA G level (0-5) for a Kp value: G1 at Kp 5 ... G5 at Kp 9.

    Kp 5- (4.67) counts as below G1 here; SWPC labels that round thirds may say G1.

    >>> g_level(kp=4.67), g_level(kp=5.0), g_level(kp=9.0)
    (0, 1, 5)
    """
    return _level(kp, G_KP_THRESHOLDS)


def s_level(flux_pfu: float) -> int:
    """NOAA S level (0-5) for >=10 MeV integral proton flux in pfu.

    >>> s_level(flux_pfu=1000.0)
    3
    """
    return _level(flux_pfu, S_PROTON_THRESHOLDS_PFU)


def r_level(flux_w_m2: float) -> int:
    """NOAA R level (0-5) for 0.1-0.8 nm X-ray flux in W/m^2 (M1 = 1e-5 is R1).

    >>> r_level(flux_w_m2=5e-5)
    2
    """
    return _level(flux_w_m2, R_XRAY_THRESHOLDS_W_M2)


# --------------------------------------------------------------------------- report


class ScaleStatus(BaseModel):
    """Current level of one NOAA scale; ``level`` is None when its feed is stale or missing."""

    scale: ScaleLetter
    level: int | None
    label: str | None
    last_known_level: int | None
    value: float | None
    unit: str
    value_time_utc: datetime | None
    product: ProductName
    stale: bool
    basis: str


class LatestValue(BaseModel):
    """A latest measured value with its unit, time and product."""

    name: str
    value: float
    unit: str
    time_utc: datetime
    product: ProductName


class FeedStatus(BaseModel):
    """How fresh one product is; ``age_s`` is measured from ``data_time_utc``."""

    product: ProductName
    origin: str | None
    layout: Layout | None
    data_time_utc: datetime | None
    age_s: float | None
    max_age_s: float | None
    stale: bool
    fetch: FetchOutcome | None = None
    problem: str | None = None
    notes: list[str] = Field(default_factory=list)


class SpaceWeatherReport(BaseModel):
    """What ``cosmo-agent spaceweather --json`` prints (``model_dump(mode="json")``)."""

    generated_at_utc: datetime
    source: str
    scales: dict[ScaleLetter, ScaleStatus]
    latest: list[LatestValue]
    kp_forecast_max_24h: float | None
    swpc_reported: ScaleDay | None
    active_alerts: list[SwpcAlert]
    feeds: list[FeedStatus]
    stale_products: list[ProductName]
    problems: list[str]


def _require_utc(when: datetime | None, name: str) -> datetime:
    if when is None:
        return datetime.now(UTC)
    if not isinstance(when, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware UTC, got naive {when!r}; "
            f"fix: {name}.replace(tzinfo=timezone.utc) or datetime(..., tzinfo=timezone.utc)"
        )
    return when.astimezone(UTC)


def space_weather_report(
    source: str | os.PathLike[str] | SpaceWeatherSource | None = None,
    now: datetime | None = None,
    *,
    max_age_s: Mapping[ProductName, float | None] | None = None,
) -> SpaceWeatherReport:
    """Load every product from ``source`` and summarise levels, values, alerts and data ages.

    Data problems never raise: they are listed in ``problems`` and the product's feed.
    A product older than its ``max_age_s`` (default :data:`DEFAULT_MAX_AGE_S`) is stale:
    its scale's ``level`` is None and only ``last_known_level`` carries the old value.
    """
    now = _require_utc(now, "now")
    limits = {**DEFAULT_MAX_AGE_S, **(max_age_s or {})}
    src = open_source(source)
    try:
        loaded = src.load()
    finally:
        if src is not source and isinstance(src, HttpSource):
            src.close()  # made here from a URL string: nobody else can reuse it
    feeds: list[FeedStatus] = []
    problems: list[str] = []
    data: dict[ProductName, ProductData] = {}
    for product in PRODUCTS:
        item = loaded.get(product)
        if item is None:
            continue
        problems += item.notes
        if item.data is None:
            problems.append(item.problem or f"{product}: no data")
            feeds.append(
                FeedStatus(
                    product=product,
                    origin=item.origin,
                    layout=None,
                    data_time_utc=None,
                    age_s=None,
                    max_age_s=limits[product],
                    stale=True,
                    fetch=item.fetch,
                    problem=item.problem,
                    notes=item.notes,
                )
            )
            continue
        data[product] = item.data
        when = item.data.data_time_utc
        age = None if when is None else (now - when).total_seconds()
        limit = limits[product]
        stale = limit is not None and (age is None or age > limit)
        feeds.append(
            FeedStatus(
                product=product,
                origin=item.origin,
                layout=item.data.layout,
                data_time_utc=when,
                age_s=age,
                max_age_s=limit,
                stale=stale,
                fetch=item.fetch,
                notes=item.notes,
            )
        )
    stale_products = [f.product for f in feeds if f.stale]
    scales = {letter: _scale_status(letter, data, stale_products) for letter in ("G", "S", "R")}
    return SpaceWeatherReport(
        generated_at_utc=now,
        source=src.description,
        scales=scales,  # type: ignore[arg-type]  # keys are ScaleLetter
        latest=_latest_values(data),
        kp_forecast_max_24h=_forecast_max(data, now),
        swpc_reported=next((d for d in data["scales"].samples if d.day_offset == 0), None)
        if "scales" in data
        else None,
        active_alerts=[
            a
            for a in (data["alerts"].samples if "alerts" in data else ())
            if timedelta(0) <= now - a.issue_time_utc <= ACTIVE_ALERT_WINDOW
        ],
        feeds=feeds,
        stale_products=stale_products,
        problems=problems,
    )


def _scale_status(
    letter: ScaleLetter, data: Mapping[ProductName, ProductData], stale: Collection[str]
) -> ScaleStatus:
    product = _SCALE_PRODUCT[letter]
    unit, basis = {
        "G": ("Kp", "latest planetary Kp (G1 at Kp 5)"),
        "S": ("pfu", "latest GOES >=10 MeV integral proton flux (S1 at 10 pfu)"),
        "R": ("W/m^2", "peak GOES 0.1-0.8 nm X-ray flux over the last hour of data (R1 at M1)"),
    }[letter]
    value: float | None = None
    when: datetime | None = None
    samples = data[product].samples if product in data else ()
    if samples:
        latest = max(samples, key=lambda s: s.time_utc)
        when = latest.time_utc
        if letter == "G":
            value = latest.kp
        elif letter == "S":
            value = max(s.flux_pfu for s in samples if s.time_utc == when)
        else:
            recent = [s for s in samples if s.time_utc >= latest.time_utc - R_PEAK_WINDOW]
            peak = max(recent, key=lambda s: s.flux_w_m2)
            value, when = peak.flux_w_m2, peak.time_utc
    level_of = {"G": g_level, "S": s_level, "R": r_level}[letter]
    known = None if value is None else level_of(value)
    is_stale = product in stale or value is None
    return ScaleStatus(
        scale=letter,
        level=None if is_stale else known,
        label=None if is_stale or known is None else f"{letter}{known}",
        last_known_level=known,
        value=value,
        unit=unit,
        value_time_utc=when,
        product=product,
        stale=is_stale,
        basis=basis,
    )


def _latest_values(data: Mapping[ProductName, ProductData]) -> list[LatestValue]:
    out: list[LatestValue] = []
    picks: tuple[tuple[ProductName, str, str, str], ...] = (
        ("kp", "kp", "kp", "Kp"),
        ("xrays", "xray_flux_0.1-0.8nm", "flux_w_m2", "W/m^2"),
        ("protons", "proton_flux_>=10MeV", "flux_pfu", "pfu"),
    )
    for product, name, attr, unit in picks:
        if product in data and data[product].samples:
            s = max(data[product].samples, key=lambda s: s.time_utc)
            out.append(
                LatestValue(
                    name=name,
                    value=getattr(s, attr),
                    unit=unit,
                    time_utc=s.time_utc,
                    product=product,
                )
            )
    if "celestrak_sw" in data:
        observed = [d for d in data["celestrak_sw"].samples if d.f107_data_type == "OBS"]
        if observed:
            day = max(observed, key=lambda d: d.date)
            start = datetime.combine(day.date, time(), UTC)
            for name, value, unit in (
                ("f107_obs", day.f107_obs_sfu, "sfu"),
                ("ap_daily", day.ap_avg, "nT"),
            ):
                if value is not None:
                    out.append(
                        LatestValue(
                            name=name,
                            value=value,
                            unit=unit,
                            time_utc=start,
                            product="celestrak_sw",
                        )
                    )
    return out


def _forecast_max(data: Mapping[ProductName, ProductData], now: datetime) -> float | None:
    if "kp_forecast" not in data:
        return None
    ahead = [
        s.kp
        for s in data["kp_forecast"].samples
        if now - KP_INTERVAL < s.time_utc <= now + timedelta(hours=24)
    ]
    return max(ahead, default=None)


# --------------------------------------------------------------------------- rules

EARTH_RADIUS_KM = 6378.137
MU_EARTH_KM3_S2 = 398600.4418
DEFAULT_BALLISTIC_COEFFICIENT_M2_KG = 2.2 * 0.01  # Cd 2.2 x area/mass 0.01 m^2/kg (smallsat)
DENSITY_ENHANCEMENT_BY_G_LEVEL: dict[int, float] = {0: 1.0, 1: 1.2, 2: 1.5, 3: 2.0, 4: 3.0, 5: 5.0}
"""Rough storm/quiet thermospheric density ratio near 400 km per G level (order of magnitude;
e.g. the G5 storm of May 2024 raised LEO densities several-fold). An estimate, not a model."""

# Exponential atmosphere (Vallado, *Fundamentals of Astrodynamics*, table 8-4):
# (base altitude km, nominal density kg/m^3, scale height km).
_EXPONENTIAL_ATMOSPHERE: tuple[tuple[float, float, float], ...] = (
    (150, 2.070e-9, 22.523),
    (180, 5.464e-10, 29.740),
    (200, 2.789e-10, 37.105),
    (250, 7.248e-11, 45.546),
    (300, 2.418e-11, 53.628),
    (350, 9.518e-12, 53.298),
    (400, 3.725e-12, 58.515),
    (450, 1.585e-12, 60.828),
    (500, 6.967e-13, 63.822),
    (600, 1.454e-13, 71.835),
    (700, 3.614e-14, 88.667),
    (800, 1.170e-14, 124.64),
    (900, 5.245e-15, 181.05),
    (1000, 3.019e-15, 268.00),
)


def _density_kg_m3(altitude_km: float) -> float:
    base, rho0, scale_km = next(
        (row for row in reversed(_EXPONENTIAL_ATMOSPHERE) if altitude_km >= row[0]),
        _EXPONENTIAL_ATMOSPHERE[0],
    )
    return rho0 * math.exp(-(altitude_km - base) / scale_km)


def estimate_storm_drift_km(
    perigee_km: float,
    g: int,
    *,
    ballistic_coefficient_m2_kg: float = DEFAULT_BALLISTIC_COEFFICIENT_M2_KG,
    duration_s: float = 86400.0,
) -> float:
    """ESTIMATE of the extra along-track drift (km) a G-level storm causes over ``duration_s``.

    Model: circular orbit at perigee, exponential atmosphere density rho (Vallado table 8-4),
    storm adds (f - 1) * rho with f from :data:`DENSITY_ENHANCEMENT_BY_G_LEVEL`. Extra decay
    da/dt = -B * drho * v * a gives a quadratic along-track lag ds = 3/4 * B * drho * v^2 * t^2
    (B = Cd * A / m). Overstates eccentric orbits (perigee density applied all around);
    good to a factor of a few: use it to size a warning, not to plan a manoeuvre.

    >>> round(estimate_storm_drift_km(400.0, 3), 1)
    27.0
    """
    if not 0 <= g <= 5:
        raise ValueError(f"G level must be 0..5, got {g}")
    extra_density = (DENSITY_ENHANCEMENT_BY_G_LEVEL[g] - 1.0) * _density_kg_m3(perigee_km)
    v2_m2_s2 = MU_EARTH_KM3_S2 / (EARTH_RADIUS_KM + perigee_km) * 1e6
    return 0.75 * ballistic_coefficient_m2_kg * extra_density * v2_m2_s2 * duration_s**2 / 1000.0


class SatelliteProfile(BaseModel):
    """What the alert rules need to know about one satellite."""

    id: str
    name: str
    perigee_km: float = Field(gt=0)
    sensitivities: frozenset[str] = frozenset()
    ballistic_coefficient_m2_kg: float = Field(default=DEFAULT_BALLISTIC_COEFFICIENT_M2_KG, gt=0)


_TEMPLATE_FIELDS = {"target": "SAT", "label": "G3", "drift_km": 1.0}


class AlertRule(BaseModel):
    """Mission policy: when ``scale`` reaches ``min_level``, tell ``applies_to`` targets to act.

    ``recommendation`` is a ``str.format`` template with ``{target}``, ``{label}`` and
    ``{drift_km}`` (the drag estimate, low-perigee rules only). Unknown fields are refused
    (a misspelt key in a mission file must not silently drop a condition).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    scale: ScaleLetter
    min_level: int = Field(ge=1, le=5)
    applies_to: RuleTarget
    sensitivity: str | None = None
    max_perigee_km: float | None = None
    action: AlertAction
    severity: Severity
    recommendation: str

    @model_validator(mode="after")
    def _consistent(self) -> AlertRule:
        if (self.applies_to == "sensitivity") != (self.sensitivity is not None):
            raise ValueError("give 'sensitivity' exactly when applies_to is 'sensitivity'")
        if (self.applies_to == "low_perigee") != (self.max_perigee_km is not None):
            raise ValueError("give 'max_perigee_km' exactly when applies_to is 'low_perigee'")
        try:
            self.recommendation.format(**_TEMPLATE_FIELDS)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"recommendation template {self.recommendation!r} is invalid ({exc}); "
                "use only {target}, {label} and {drift_km}"
            ) from None
        return self


DEFAULT_ALERT_RULES: tuple[AlertRule, ...] = (
    AlertRule(
        id="radiation-safe-mode",
        scale="S",
        min_level=3,
        applies_to="sensitivity",
        sensitivity="radiation",
        action="safe_mode_recommended",
        severity="critical",
        recommendation="{label} radiation storm: put radiation-sensitive payloads of {target} "
        "in safe mode",
    ),
    AlertRule(
        id="low-perigee-drag",
        scale="G",
        min_level=3,
        applies_to="low_perigee",
        max_perigee_km=450.0,
        action="drag_warning",
        severity="warning",
        recommendation="{label} storm: extra drag on {target}, estimated along-track drift "
        "~{drift_km:.1f} km over 24 h; refresh orbit determination and conjunction screens",
    ),
    AlertRule(
        id="dayside-link-degradation",
        scale="R",
        min_level=3,
        applies_to="sunlit_stations",
        action="link_degradation",
        severity="warning",
        recommendation="{label} radio blackout: HF/low-VHF links at sunlit station {target} "
        "may degrade",
    ),
)


class Alert(BaseModel):
    """One rule firing for one satellite or station."""

    rule_id: str
    scale: ScaleLetter
    level: int
    severity: Severity
    action: AlertAction
    target_kind: Literal["satellite", "station"]
    target_id: str
    message: str
    along_track_drift_km_24h_estimate: float | None = None
    data_time_utc: datetime | None
    issued_at_utc: datetime


def evaluate_alerts(
    report: SpaceWeatherReport,
    satellites: Sequence[SatelliteProfile],
    rules: Sequence[AlertRule] = DEFAULT_ALERT_RULES,
    now: datetime | None = None,
    *,
    sunlit_stations: Iterable[str] | Callable[[datetime], Iterable[str]] | None = None,
) -> list[Alert]:
    """Apply mission ``rules`` to the report's current (non-stale) levels.

    ``sunlit_stations`` is a set of station ids in daylight, or a function of time that
    returns them; without it a sunlit-station rule fires once with target ``"*"``.

    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 7, 31, 12, 30, tzinfo=timezone.utc)
    >>> sat = SatelliteProfile(id="42", name="LEO-1", perigee_km=420, sensitivities={"radiation"})
    >>> sorted(a.action for a in evaluate_alerts(space_weather_report(now=now), [sat], now=now))
    ['drag_warning', 'link_degradation', 'safe_mode_recommended']
    """
    now = _require_utc(now, "now")
    alerts: list[Alert] = []
    for rule in rules:
        status = report.scales.get(rule.scale)
        if status is None or status.level is None or status.level < rule.min_level:
            continue
        level = status.level
        label = f"{rule.scale}{level}"

        def make(
            kind: Literal["satellite", "station"],
            target_id: str,
            target_name: str,
            drift_km: float | None = None,
            *,
            rule: AlertRule = rule,
            level: int = level,
            label: str = label,
            when: datetime | None = status.value_time_utc,
        ) -> Alert:
            text = rule.recommendation.format(
                target=target_name, label=label, drift_km=drift_km or 0.0
            )
            return Alert(
                rule_id=rule.id, scale=rule.scale, level=level, severity=rule.severity,
                action=rule.action, target_kind=kind, target_id=target_id, message=text,
                along_track_drift_km_24h_estimate=drift_km, data_time_utc=when, issued_at_utc=now,
            )  # fmt: skip

        if rule.applies_to == "sunlit_stations":
            stations = sunlit_stations(now) if callable(sunlit_stations) else sunlit_stations
            for station in sorted(set(stations)) if stations is not None else ["*"]:
                alerts.append(make("station", station, station))
            continue
        for sat in satellites:
            if rule.applies_to == "sensitivity" and rule.sensitivity not in sat.sensitivities:
                continue
            drift = None
            if rule.applies_to == "low_perigee":
                if rule.max_perigee_km is None or sat.perigee_km >= rule.max_perigee_km:
                    continue
                drift = estimate_storm_drift_km(
                    sat.perigee_km,
                    level,
                    ballistic_coefficient_m2_kg=sat.ballistic_coefficient_m2_kg,
                )
            alerts.append(make("satellite", sat.id, f"{sat.name} ({sat.id})", drift))
    return alerts
