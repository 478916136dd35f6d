"""Tests for cosmo_agent.tools.spaceweather and cosmo_agent.tools.feeds.

Reference data: the shipped sample in tools/data (swpc-sample-*, swpc-legacy-*,
celestrak-sw-sample.csv: a fictitious G3/S3/R3 event on 2026-07-31, written from the
documented layouts) and one-defect fixtures in tests/data/spaceweather (see its README).
HTTP tests run a real server on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cosmo_agent.tools.feeds import FeedPoller, FeedStoppedError, FeedUnavailableError
from cosmo_agent.tools.spaceweather import (
    DEFAULT_ALERT_RULES,
    SAMPLE_DIR,
    SWPC_PATHS,
    AlertRule,
    DirectorySource,
    FileSource,
    HttpSource,
    ProductName,
    SatelliteProfile,
    SpaceWeatherFormatError,
    SpaceWeatherReport,
    SpaceWeatherSourceError,
    classify_filename,
    estimate_storm_drift_km,
    evaluate_alerts,
    g_level,
    open_source,
    parse_product,
    r_level,
    s_level,
    space_weather_report,
)

BAD = Path(__file__).parent / "data" / "spaceweather"
NOW = datetime(2026, 7, 31, 12, 30, tzinfo=UTC)  # the sample event's "now"


@pytest.fixture(scope="module")
def report() -> SpaceWeatherReport:
    return space_weather_report(now=NOW)


# ----------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("product", "new", "old"),
    [
        (
            "kp",
            "swpc-sample-noaa-planetary-k-index.json",
            "swpc-legacy-noaa-planetary-k-index.json",
        ),
        (
            "kp_forecast",
            "swpc-sample-noaa-planetary-k-index-forecast.json",
            "swpc-legacy-noaa-planetary-k-index-forecast.json",
        ),
    ],
)
def test_both_layouts_parse_to_the_same_values(product: Any, new: str, old: str) -> None:
    records = parse_product(product, (SAMPLE_DIR / new).read_bytes())
    table = parse_product(product, (SAMPLE_DIR / old).read_bytes())
    assert records.layout == "records" and table.layout == "header_rows"
    assert len(records.samples) == 10
    assert records.samples == table.samples
    assert records.data_time_utc == table.data_time_utc


def test_kp_fields_and_utc_times() -> None:
    data = parse_product(
        "kp",
        b'[{"time_tag":"2026-07-31T00:00:00","Kp":1.33,"a_running":5,"station_count":8},'
        b'{"time_tag":"2026-07-31T03:00:00Z","Kp":2,"a_running":7,"station_count":8}]',
    )
    first, second = data.samples
    assert first.time_utc == datetime(2026, 7, 31, tzinfo=UTC)  # no Z: UTC
    assert (first.kp, first.a_running, first.station_count) == (1.33, 5.0, 8)
    assert second.time_utc.utcoffset() == timedelta(0)
    assert data.data_time_utc == datetime(2026, 7, 31, 6, tzinfo=UTC)  # end of last interval


def test_goes_bands_scales_alerts_celestrak_from_sample() -> None:
    xrays = parse_product("xrays", (SAMPLE_DIR / "swpc-sample-xrays-6-hour.json").read_bytes())
    assert {s.band for s in xrays.samples} == {"0.1-0.8nm"}  # short band skipped
    assert max(s.flux_w_m2 for s in xrays.samples) == pytest.approx(1.2e-4)
    protons = parse_product(
        "protons", (SAMPLE_DIR / "swpc-sample-integral-protons-6-hour.json").read_bytes()
    )
    assert {s.energy for s in protons.samples} == {">=10 MeV"}
    scales = parse_product("scales", (SAMPLE_DIR / "swpc-sample-noaa-scales.json").read_bytes())
    assert [d.day_offset for d in scales.samples] == [-1, 0, 1, 2, 3]
    tomorrow = scales.samples[2]
    assert (tomorrow.g_level, tomorrow.r_level, tomorrow.r_minor_prob_pct, tomorrow.s_prob_pct) == (
        2,
        None,
        75,
        60,
    )
    alerts = parse_product("alerts", (SAMPLE_DIR / "swpc-sample-alerts.json").read_bytes())
    assert alerts.samples[0].headline == "ALERT: Geomagnetic K-index of 7"
    assert alerts.samples[0].issue_time_utc == datetime(2026, 7, 31, 10, 2, 41, 327000, tzinfo=UTC)
    sw = parse_product("celestrak_sw", (SAMPLE_DIR / "celestrak-sw-sample.csv").read_bytes())
    day = sw.samples[3]
    assert day.kp_3h == (2.0, 2.3, 2.7, 3.0, 3.3, 4.0, 4.7, 5.3)  # file stores Kp x10
    assert day.kp_sum == pytest.approx(sum(day.kp_3h))
    assert (day.f107_obs_sfu, day.f107_data_type) == (161.7, "OBS")
    assert sw.data_time_utc == datetime(2026, 7, 31, tzinfo=UTC)  # end of last OBS day


def test_classify_filename() -> None:
    assert classify_filename("noaa-planetary-k-index.json") == "kp"
    assert classify_filename("snap/noaa-planetary-k-index-forecast.2026.json") == "kp_forecast"
    assert classify_filename("xrays-7-day.json") == "xrays"
    assert classify_filename("xray-flares-latest.json") is None  # a different product
    assert classify_filename("alerts.json") == "alerts"
    assert classify_filename("SW-All.csv") == "celestrak_sw"
    assert classify_filename("notes.txt") is None


# ----------------------------------------------------------------- scales


@pytest.mark.parametrize(
    ("func", "thresholds"),
    [
        (g_level, (5.0, 6.0, 7.0, 8.0, 9.0)),
        (s_level, (10.0, 100.0, 1e3, 1e4, 1e5)),
        (r_level, (1e-5, 5e-5, 1e-4, 1e-3, 2e-3)),
    ],
)
def test_scale_thresholds_at_the_boundaries(func: Any, thresholds: tuple[float, ...]) -> None:
    assert func(0.0) == 0
    for level, limit in enumerate(thresholds, start=1):
        assert func(limit) == level, limit
        assert func(limit * (1 - 1e-6)) == level - 1, limit
    assert func(thresholds[-1] * 100) == 5


def test_kp_thirds() -> None:
    assert (g_level(4.67), g_level(5.0), g_level(5.33), g_level(8.67)) == (0, 1, 1, 4)


# ----------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("name", "product", "row", "field", "text"),
    [
        ("noaa-planetary-k-index.bad-kp.json", "kp", 2, "Kp", "expected a number"),
        ("noaa-planetary-k-index.short-row.json", "kp", 2, None, "4 values"),
        ("xrays-6-hour.bad-time.json", "xrays", 1, "time_tag", "ISO time"),
        ("integral-protons-6-hour.truncated.json", "protons", None, None, "not valid JSON"),
        ("SW-All.bad-kp.csv", "celestrak_sw", 3, "KP3", "expected a number"),
    ],
)
def test_malformed_files_name_product_row_and_field(
    name: str, product: Any, row: int | None, field: str | None, text: str
) -> None:
    path = BAD / name
    assert classify_filename(name) == product
    with pytest.raises(SpaceWeatherFormatError) as caught:
        parse_product(product, path.read_bytes(), origin=str(path))
    error = caught.value
    assert (error.product, error.row, error.field) == (product, row, field)
    assert name in str(error) and text in str(error)
    assert f"product {product!r}" in str(error)


def _sample(name: str) -> Any:
    return json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))


def _forecast_bad_kind() -> Any:  # records layout, row 3 "observed": "guessed"
    rows = _sample("swpc-sample-noaa-planetary-k-index-forecast.json")
    rows[3]["observed"] = "guessed"
    return rows


def _forecast_bad_kp() -> Any:  # header-row layout, row 2 kp "6,67" (decimal comma)
    rows = _sample("swpc-legacy-noaa-planetary-k-index-forecast.json")
    rows[2][1] = "6,67"
    return rows


def _forecast_bad_scale() -> Any:  # records layout, row 5 "noaa_scale": 1 (not a label)
    rows = _sample("swpc-sample-noaa-planetary-k-index-forecast.json")
    rows[5]["noaa_scale"] = 1
    return rows


def _alerts_missing_time() -> Any:  # row 1 lacks issue_datetime
    rows = _sample("swpc-sample-alerts.json")
    del rows[1]["issue_datetime"]
    return rows


def _alerts_message_number() -> Any:  # row 2 message is a number
    rows = _sample("swpc-sample-alerts.json")
    rows[2]["message"] = 42
    return rows


def _scales_g7() -> Any:  # day "1": G Scale "7" (the scale ends at 5)
    days = _sample("swpc-sample-noaa-scales.json")
    days["1"]["G"]["Scale"] = "7"
    return days


def _scales_bad_date() -> Any:  # day "0": DateStamp "31 Jul 2026"
    days = _sample("swpc-sample-noaa-scales.json")
    days["0"]["DateStamp"] = "31 Jul 2026"
    return days


def _scales_day_not_object() -> Any:  # day "-1" is a string
    days = _sample("swpc-sample-noaa-scales.json")
    days["-1"] = "none"
    return days


@pytest.mark.parametrize(
    ("name", "defect", "product", "row", "field", "text"),
    [
        ("noaa-planetary-k-index-forecast.json", _forecast_bad_kind, "kp_forecast", 3,
         "observed", "expected one of ('observed', 'estimated', 'predicted'), found 'guessed'"),
        ("noaa-planetary-k-index-forecast.json", _forecast_bad_kp, "kp_forecast", 2, "kp",
         "expected a number, found '6,67'"),
        ("noaa-planetary-k-index-forecast.json", _forecast_bad_scale, "kp_forecast", 5,
         "noaa_scale", "expected a label like 'G1' or null"),
        ("alerts.json", _alerts_missing_time, "alerts", 1, "issue_datetime",
         "field is missing"),
        ("alerts.json", _alerts_message_number, "alerts", 2, "message", "expected text"),
        ("noaa-scales.json", _scales_g7, "scales", 1, "G.Scale", "out of range: 7"),
        ("noaa-scales.json", _scales_bad_date, "scales", 0, "DateStamp", "ISO time"),
        ("noaa-scales.json", _scales_day_not_object, "scales", -1, None,
         "expected an object with DateStamp"),
    ],
)  # fmt: skip
def test_malformed_forecast_alerts_and_scales_name_product_row_and_field(
    tmp_path: Path, name: str, defect: Any, product: Any, row: int, field: str | None, text: str
) -> None:
    """One defect each in a copy of the shipped sample, written under the SWPC file name.

    The row is the 0-based index into the top-level array (the header row being 0) or, in
    noaa-scales.json, the day offset ("-1" yesterday ... "3").
    """
    path = tmp_path / name
    path.write_text(json.dumps(defect()), encoding="utf-8")
    assert classify_filename(name) == product
    with pytest.raises(SpaceWeatherFormatError) as caught:
        parse_product(product, path.read_bytes(), origin=str(path))
    error = caught.value
    assert (error.product, error.origin, error.row, error.field) == (product, str(path), row, field)
    assert str(error).startswith(f"{path}: product {product!r} row {row}")
    assert text in str(error)
    # through a report the same error is a problem of that feed, never a traceback
    result = space_weather_report(path, now=NOW)
    assert result.problems == [str(error)]


def test_malformed_file_is_a_report_problem_not_a_traceback() -> None:
    result = space_weather_report(BAD / "noaa-planetary-k-index.bad-kp.json", now=NOW)
    assert result.scales["G"].level is None and result.scales["G"].stale
    assert len(result.problems) == 1 and "row 2" in result.problems[0]
    assert result.feeds[0].problem == result.problems[0]


def test_bad_source_and_naive_time_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SpaceWeatherSourceError, match="no such file"):
        open_source(tmp_path / "missing")
    (tmp_path / "weather.json").write_text("[]")
    with pytest.raises(SpaceWeatherSourceError, match="name it after the SWPC file"):
        FileSource(tmp_path / "weather.json")
    with pytest.raises(ValueError, match=r"replace\(tzinfo=timezone.utc\)"):
        space_weather_report(now=datetime(2026, 7, 31, 12))


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["2026-07-31T00:00:00", "2026-07-31 00:00:00.000", "0.1-0.8nm", ">=10 MeV"]),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
_FIELDS = ["time_tag", "Kp", "kp", "observed", "flux", "energy", "satellite", "product_id",
           "issue_datetime", "message", "noaa_scale", "a_running", "station_count"]  # fmt: skip
_ROWS = st.lists(st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=8), max_size=4)
_TABLES = st.lists(st.lists(_JSON, min_size=4, max_size=4), max_size=4).map(
    lambda rows: [["time_tag", "Kp", "a_running", "station_count"], *rows]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    product=st.sampled_from(["kp", "kp_forecast", "xrays", "protons", "alerts", "scales"]),
    data=_JSON | _ROWS | _TABLES,
)
def test_arbitrary_json_only_raises_the_documented_error(product: Any, data: Any) -> None:
    for payload in (data, json.dumps(data).encode()):
        with contextlib.suppress(SpaceWeatherFormatError):
            parse_product(product, payload)


@settings(max_examples=80, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('DATEKP_SUM,0123.4-x\n\r" ')), max_size=200))
@example(text="\r0")  # once crashed the csv module with "new-line character seen"
def test_arbitrary_csv_only_raises_the_documented_error(text: str) -> None:
    header = (SAMPLE_DIR / "celestrak-sw-sample.csv").read_text().splitlines()[0]
    for payload in (text, header + "\n" + text):
        with contextlib.suppress(SpaceWeatherFormatError):
            parse_product("celestrak_sw", payload)


_SAMPLE_PRODUCTS: dict[str, ProductName] = {
    "swpc-sample-noaa-planetary-k-index.json": "kp",
    "swpc-legacy-noaa-planetary-k-index.json": "kp",
    "swpc-sample-noaa-planetary-k-index-forecast.json": "kp_forecast",
    "swpc-legacy-noaa-planetary-k-index-forecast.json": "kp_forecast",
    "swpc-sample-xrays-6-hour.json": "xrays",
    "swpc-sample-integral-protons-6-hour.json": "protons",
    "swpc-sample-alerts.json": "alerts",
    "swpc-sample-noaa-scales.json": "scales",
}
_CSV_SAMPLE = "celestrak-sw-sample.csv"


def _documented_error(product: ProductName, payload: object) -> SpaceWeatherFormatError | None:
    """Parse; None on success, the error if it is the documented one (else it propagates)."""
    try:
        parse_product(product, payload, origin="mutated")
    except SpaceWeatherFormatError as error:
        assert (error.product, error.origin) == (product, "mutated")
        assert str(error).startswith(f"mutated: product {product!r}")
        return error
    return None


def _mutated(data: st.DataObject, value: object) -> object:
    """``value`` (a row, or a day of noaa-scales.json) with one random change."""
    if isinstance(value, dict) and value:
        how = data.draw(st.sampled_from(["replace", "set", "delete", "nested"]))
        key = data.draw(st.sampled_from(sorted(value)) | st.sampled_from(_FIELDS))
        if how == "replace":
            return data.draw(_JSON)
        new = dict(value)
        if how == "delete":
            new.pop(key, None)
        elif how == "nested" and isinstance(new.get(key), dict):
            new[key] = _mutated(data, new[key])  # e.g. noaa-scales.json day["G"]["Scale"]
        else:
            new[key] = data.draw(_JSON)
        return new
    if isinstance(value, list) and value:
        how = data.draw(st.sampled_from(["replace", "set", "drop", "append"]))
        if how == "replace":
            return data.draw(_JSON)
        new_list = list(value)
        if how == "drop":
            del new_list[data.draw(st.integers(0, len(new_list) - 1))]
        elif how == "append":
            new_list.append(data.draw(_JSON))
        else:
            new_list[data.draw(st.integers(0, len(new_list) - 1))] = data.draw(_JSON)
        return new_list
    return data.draw(_JSON)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(_SAMPLE_PRODUCTS)), data=st.data())
def test_mutated_sample_rows_fail_only_with_the_row_named(name: str, data: st.DataObject) -> None:
    """A change to one row of a shipped sample parses, or fails naming that row.

    Row 0 decides the layout (header row or records), so a change there may surface in a
    later row; every other change must be reported at its own row (noaa-scales.json: the
    day offset).
    """
    product = _SAMPLE_PRODUCTS[name]
    doc = _sample(name)
    if isinstance(doc, dict):
        key = data.draw(st.sampled_from(sorted(doc)))
        doc[key] = _mutated(data, doc[key])
        row = int(key)
    else:
        row = data.draw(st.integers(0, len(doc) - 1))
        doc[row] = _mutated(data, doc[row])
    for payload in (doc, json.dumps(doc).encode()):
        error = _documented_error(product, payload)
        if error is not None:
            assert error.row is not None, error
            if product == "scales" or row != 0:
                assert error.row == row, error


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_celestrak_cell_fails_only_with_the_line_named(data: st.DataObject) -> None:
    lines = (SAMPLE_DIR / _CSV_SAMPLE).read_text(encoding="utf-8").splitlines()
    line_no = data.draw(st.integers(2, len(lines)))  # 1-based; line 1 is the header
    cells = lines[line_no - 1].split(",")
    column = data.draw(st.integers(0, len(cells) - 1))
    cells[column] = data.draw(
        st.text(st.characters(exclude_characters=',"\r\n', exclude_categories=["Zl", "Zp"]),
                max_size=12)
        | st.sampled_from(["", "nan", "inf", "1e999", "-0", "2O", "2026-02-30"])
    )  # fmt: skip
    lines[line_no - 1] = ",".join(cells)
    error = _documented_error("celestrak_sw", "\n".join(lines) + "\n")
    if error is not None:
        assert error.row == line_no, error
        assert error.field == lines[0].split(",")[column] or error.field is None, error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from([*sorted(_SAMPLE_PRODUCTS), _CSV_SAMPLE]),
    junk=st.binary(max_size=48),
    data=st.data(),
)
def test_arbitrary_bytes_only_raise_the_documented_error(
    name: str, junk: bytes, data: st.DataObject
) -> None:
    """Arbitrary bytes, alone or spliced into a shipped sample, never escape as another error."""
    product = _SAMPLE_PRODUCTS.get(name, "celestrak_sw")
    raw = (SAMPLE_DIR / name).read_bytes()
    start = data.draw(st.integers(0, len(raw)))
    stop = data.draw(st.integers(start, min(len(raw), start + 64)))
    for payload in (junk, raw[:start] + junk + raw[stop:]):
        _documented_error(product, payload)


# ----------------------------------------------------------------- report and staleness


def test_report_levels_values_alerts_and_json_shape(report: SpaceWeatherReport) -> None:
    assert {k: (v.level, v.label) for k, v in report.scales.items()} == {
        "G": (3, "G3"),
        "S": (3, "S3"),
        "R": (3, "R3"),
    }
    assert report.scales["R"].value_time_utc == datetime(2026, 7, 31, 11, 30, tzinfo=UTC)  # peak
    assert report.swpc_reported is not None and report.swpc_reported.g_level == 3
    assert [a.product_id for a in report.active_alerts] == ["K07A", "XM5A", "PX3A"]  # not old K05W
    assert report.stale_products == [] and report.problems == []
    assert report.kp_forecast_max_24h == 6.67
    feeds = {f.product: f for f in report.feeds}
    assert feeds["kp"].age_s == 1800.0 and feeds["kp"].layout == "records"
    dumped = json.loads(json.dumps(report.model_dump(mode="json")))
    assert dumped["scales"]["G"]["label"] == "G3"
    assert dumped["generated_at_utc"] == "2026-07-31T12:30:00Z"
    assert SpaceWeatherReport.model_validate(dumped) == report


def test_stale_feed_is_reported_never_passed_off_as_current() -> None:
    later = NOW + timedelta(hours=4)  # kp interval ended 12:00; GOES data ends 12:25
    stale = space_weather_report(now=later)
    assert set(stale.stale_products) == {"kp", "xrays", "protons", "scales"}
    for letter in ("G", "S", "R"):
        status = stale.scales[letter]
        assert status.stale and status.level is None and status.label is None
        assert status.last_known_level == 3
    kp_feed = next(f for f in stale.feeds if f.product == "kp")
    assert kp_feed.age_s == 4.5 * 3600
    sat = SatelliteProfile(id="1", name="A", perigee_km=400, sensitivities={"radiation"})
    assert evaluate_alerts(stale, [sat], now=later) == []
    # at exactly the threshold the feed is still fresh; configurable per product
    edge = space_weather_report(now=datetime(2026, 7, 31, 15, tzinfo=UTC))
    assert "kp" not in edge.stale_products
    strict = space_weather_report(now=NOW, max_age_s={"kp": 600.0})
    assert strict.stale_products == ["kp"]


def test_directory_picks_newest_snapshot_and_notes_bad_ones(tmp_path: Path) -> None:
    def kp_file(name: str, day: int, kp: float) -> None:
        rows = [{"time_tag": f"2026-07-{day:02d}T00:00:00", "Kp": kp}]
        (tmp_path / name).write_text(json.dumps(rows))

    kp_file("noaa-planetary-k-index.b.json", 30, 1.0)
    kp_file("noaa-planetary-k-index.a.json", 31, 8.0)  # newer data, earlier name
    (tmp_path / "noaa-planetary-k-index.z.json").write_text("{oops")
    loaded = DirectorySource(tmp_path).load()
    assert loaded["kp"].origin.endswith("noaa-planetary-k-index.a.json")
    result = space_weather_report(tmp_path, now=datetime(2026, 7, 31, 2, tzinfo=UTC))
    assert result.scales["G"].label == "G4"
    assert any("noaa-planetary-k-index.z.json" in p for p in result.problems)


# ----------------------------------------------------------------- alert rules


SATS = [
    SatelliteProfile(id="10", name="RAD-LOW", perigee_km=420, sensitivities={"radiation"}),
    SatelliteProfile(id="11", name="PLAIN-LOW", perigee_km=380),
    SatelliteProfile(id="12", name="RAD-HIGH", perigee_km=700, sensitivities={"radiation"}),
    SatelliteProfile(id="13", name="PLAIN-HIGH", perigee_km=550),
]


def _with_levels(report: SpaceWeatherReport, **levels: int) -> SpaceWeatherReport:
    scales = {k: v.model_copy(update={"level": levels.get(k, 0)}) for k, v in report.scales.items()}
    return report.model_copy(update={"scales": scales})


def test_s3_safe_mode_only_for_radiation_sensitive(report: SpaceWeatherReport) -> None:
    fired = evaluate_alerts(_with_levels(report, S=3), SATS, now=NOW)
    assert [(a.action, a.target_id) for a in fired] == [
        ("safe_mode_recommended", "10"),
        ("safe_mode_recommended", "12"),
    ]
    assert all(a.severity == "critical" and "S3" in a.message for a in fired)
    assert evaluate_alerts(_with_levels(report, S=2), SATS, now=NOW) == []


def test_g3_drag_warning_only_for_low_perigee(report: SpaceWeatherReport) -> None:
    fired = evaluate_alerts(_with_levels(report, G=3), SATS, now=NOW)
    assert [(a.action, a.target_id) for a in fired] == [
        ("drag_warning", "10"),
        ("drag_warning", "11"),
    ]
    low = next(a for a in fired if a.target_id == "11")
    assert low.along_track_drift_km_24h_estimate == pytest.approx(estimate_storm_drift_km(380, 3))
    assert f"{low.along_track_drift_km_24h_estimate:.1f} km" in low.message
    assert evaluate_alerts(_with_levels(report, G=2), SATS, now=NOW) == []
    # the perigee limit is data, not code
    wide = [r.model_copy(update={"max_perigee_km": 600.0}) for r in DEFAULT_ALERT_RULES]
    assert len(evaluate_alerts(_with_levels(report, G=3), SATS, wide, now=NOW)) == 3


def test_r3_link_degradation_for_sunlit_stations(report: SpaceWeatherReport) -> None:
    r3 = _with_levels(report, R=3)
    fired = evaluate_alerts(r3, SATS, now=NOW, sunlit_stations={"svalbard", "awarua"})
    assert [(a.target_kind, a.target_id) for a in fired] == [
        ("station", "awarua"),
        ("station", "svalbard"),
    ]
    seen: list[datetime] = []

    def sunlit_at(when: datetime) -> list[str]:
        seen.append(when)
        return ["gs1"]

    by_time = evaluate_alerts(r3, [], now=NOW, sunlit_stations=sunlit_at)
    assert seen == [NOW] and [a.target_id for a in by_time] == ["gs1"]
    assert [a.target_id for a in evaluate_alerts(r3, [], now=NOW)] == ["*"]
    assert evaluate_alerts(_with_levels(report, R=2), [], now=NOW, sunlit_stations={"x"}) == []


def test_sample_event_fires_every_default_rule(report: SpaceWeatherReport) -> None:
    actions = sorted(a.action for a in evaluate_alerts(report, SATS[:1], now=NOW))
    assert actions == ["drag_warning", "link_degradation", "safe_mode_recommended"]


def test_rules_validate_their_policy() -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        AlertRule(id="x", scale="S", min_level=3, applies_to="sensitivity", action="notify",
                  severity="info", recommendation="{target}")  # fmt: skip
    with pytest.raises(ValueError, match="template"):
        AlertRule(id="x", scale="G", min_level=1, applies_to="all_satellites", action="notify",
                  severity="info", recommendation="{satellite}")  # fmt: skip


def test_drag_estimate_against_hand_calculation() -> None:
    # 400 km, G3 (density x2): extra rho = 3.725e-12 kg/m^3 (Vallado table 8-4 base value)
    v2 = 398600.4418 / (6378.137 + 400) * 1e6
    expected_km = 0.75 * 0.022 * 3.725e-12 * v2 * 86400.0**2 / 1000
    assert estimate_storm_drift_km(400, 3) == pytest.approx(expected_km, rel=1e-9)
    assert 20 < expected_km < 35
    assert estimate_storm_drift_km(400, 0) == 0.0
    drifts = [estimate_storm_drift_km(400, g) for g in range(1, 6)]
    assert drifts == sorted(drifts)
    assert estimate_storm_drift_km(300, 3) > estimate_storm_drift_km(500, 3) > 0
    assert math.isclose(
        estimate_storm_drift_km(400, 3, duration_s=43200.0), expected_km / 4, rel_tol=1e-9
    )


# ----------------------------------------------------------------- HTTP (loopback only)


class _Server:
    """A loopback HTTP server whose answers per path are scripted by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                script = server.routes.get(self.path) or [(404, {}, b"not found")]
                status, headers, body = script.pop(0) if len(script) > 1 else script[0]
                etag = headers.get("ETag")
                if status == 200 and etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


def test_etag_304_reuses_cached_body(server: _Server) -> None:
    body = (SAMPLE_DIR / "swpc-sample-noaa-scales.json").read_bytes()
    last_modified = "Fri, 31 Jul 2026 12:25:00 GMT"
    server.routes["/s.json"] = [(200, {"ETag": '"v1"', "Last-Modified": last_modified}, body)]
    poller = FeedPoller(server.url + "/s.json")
    first, second = poller.poll(), poller.poll()
    assert (first.outcome, second.outcome) == ("fresh", "not_modified")
    assert second.body == body
    headers = server.requests[1][1]
    assert headers["If-None-Match"] == '"v1"' and headers["If-Modified-Since"] == last_modified
    assert "If-None-Match" not in server.requests[0][1]


def test_retry_on_503_then_success_with_exponential_backoff(server: _Server) -> None:
    server.routes["/k.json"] = [(503, {}, b""), (503, {}, b""), (200, {}, b"[]")]
    sleeps: list[float] = []
    poller = FeedPoller(server.url + "/k.json", backoff_s=0.5, sleep=sleeps.append)
    assert poller.poll().body == b"[]"
    assert poller.attempts_last_poll == 3 and sleeps == [0.5, 1.0]
    server.routes["/down.json"] = [(503, {}, b"")]
    down = FeedPoller(server.url + "/down.json", max_attempts=2, sleep=sleeps.append)
    with pytest.raises(FeedUnavailableError, match="HTTP 503"):
        down.poll()
    assert not down.stopped  # 5xx is transient: poll again later


def test_429_and_408_are_waited_out_as_retry_after_asks(server: _Server) -> None:
    server.routes["/busy.json"] = [(429, {"Retry-After": "3"}, b""), (408, {}, b""),
                                   (200, {}, b"[]")]
    sleeps: list[float] = []
    poller = FeedPoller(server.url + "/busy.json", backoff_s=0.5, sleep=sleeps.append)
    assert poller.poll().body == b"[]"
    assert sleeps == [3.0, 1.0] and not poller.stopped  # Retry-After, then the backoff


@pytest.mark.parametrize("retry_after", ["3600", "Sun, 06 Nov 2101 08:49:37 GMT"])
def test_a_long_retry_after_ends_the_poll_and_no_request_goes_out_before_it(
        server: _Server, retry_after: str) -> None:
    server.routes["/slow.json"] = [(429, {"Retry-After": retry_after}, b"")]
    sleeps: list[float] = []
    poller = FeedPoller(server.url + "/slow.json", sleep=sleeps.append)
    with pytest.raises(FeedUnavailableError, match=r"asks to wait \d+ s \(Retry-After\)"):
        poller.poll()
    assert sleeps == [] and not poller.stopped and poller.not_before_utc is not None
    assert poller.not_before_utc > datetime.now(UTC) + timedelta(minutes=59)
    with pytest.raises(FeedUnavailableError, match="not asking before then"):
        poller.poll()
    assert len(server.requests) == 1
    poller.not_before_utc = datetime.now(UTC) - timedelta(seconds=1)  # the wait is over
    with pytest.raises(FeedUnavailableError):
        poller.poll()
    assert len(server.requests) == 2


def test_stop_polling_on_404_and_record_why(server: _Server) -> None:
    poller = FeedPoller(server.url + "/gone.json", sleep=lambda _: None)
    with pytest.raises(FeedStoppedError, match="HTTP 404"):
        poller.poll()
    assert poller.stopped and "404" in (poller.stop_reason or "")
    asked = len(server.requests)
    with pytest.raises(FeedStoppedError, match="polling stopped earlier"):
        poller.poll()
    assert len(server.requests) == asked == 1  # never asked again


def test_connect_errors_are_retried_then_reported() -> None:
    sleeps: list[float] = []
    with httpx.Client() as client:
        poller = FeedPoller(
            "http://127.0.0.1:9/x.json", max_attempts=2, sleep=sleeps.append, client=client
        )
        with pytest.raises(FeedUnavailableError, match="after 2 attempts"):
            poller.poll()
    assert sleeps == [1.0] and not poller.stopped


def test_http_source_report_from_swpc_like_directory(server: _Server) -> None:
    sample: dict[ProductName, str] = {
        "kp_forecast": "swpc-legacy-noaa-planetary-k-index-forecast.json",
        "xrays": "swpc-sample-xrays-6-hour.json",
        "protons": "swpc-sample-integral-protons-6-hour.json",
        "alerts": "swpc-sample-alerts.json",
        "scales": "swpc-sample-noaa-scales.json",
    }  # kp is left unserved: 404
    for product, name in sample.items():
        body = (SAMPLE_DIR / name).read_bytes()
        server.routes["/" + SWPC_PATHS[product]] = [(200, {"ETag": f'"{product}"'}, body)]
    source = HttpSource(server.url + "/", sleep=lambda _: None)
    result = space_weather_report(source, now=NOW)
    assert (result.scales["S"].label, result.scales["R"].label) == ("S3", "R3")
    assert result.scales["G"].level is None and "kp" in result.stale_products
    assert any("HTTP 404" in p and "polling stopped" in p for p in result.problems)
    feeds = {f.product: f for f in result.feeds}
    assert feeds["kp_forecast"].layout == "header_rows" and feeds["xrays"].fetch == "fresh"
    again = space_weather_report(source, now=NOW)  # same source object: ETags, stopped kp
    assert {f.product: f.fetch for f in again.feeds}["xrays"] == "not_modified"
    kp_requests = [p for p, _ in server.requests if p.endswith("noaa-planetary-k-index.json")]
    assert len(kp_requests) == 1
    assert result.source == server.url + "/"
