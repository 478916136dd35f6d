"""Property tests for the OMM readers (JSON, CSV, XML, KVN) through ``parse_omm`` and
``Catalog.from_omm_text``: arbitrary text and mutated real records never raise anything but
``ElementSetError`` in strict mode, never raise in lenient mode, and every bad record yields one
``ParseIssue`` that names its record (item, CSV line or KVN line) and the offending field."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cosmo_agent.orbital.catalog import Catalog
from cosmo_agent.orbital.elements import (
    ElementRecord,
    ElementSetError,
    ParseIssue,
    parse_omm,
    parse_tle_lines,
)

SAMPLE = files("cosmo_agent.tools") / "data" / "sample-leo.3le"
FORMATS = ("json", "csv", "xml", "kvn")
N_RECORDS = 4  # records per mutated document: enough to see neighbours survive, cheap to parse

METADATA = ("OBJECT_NAME", "OBJECT_ID")
MEAN_ELEMENTS = (
    "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
    "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY",
)
TLE_PARAMETERS = ("NORAD_CAT_ID", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
FIELDS = METADATA + MEAN_ELEMENTS + TLE_PARAMETERS
NUMERIC = MEAN_ELEMENTS[1:] + TLE_PARAMETERS
UNITS = {"MEAN_MOTION": "rev/day", "INCLINATION": "deg", "BSTAR": "1/ER"}

NASTY = [
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e-320",
    "0", "-0", "-1", "20", "180.0001", "1.0", "0x10", "1_000", "1e", "+", "-", ".", "--1",
    "٣", "²", "١٢٣", "Ⅻ", "9" * 5000, "1" + "0" * 400, "0." + "0" * 400 + "1",
    "2026-13-01T00:00:00", "2026-02-30T00:00:00", "2026-06-10T25:61:61.5",
    "9999-999T23:59:59", "9999-12-31T23:59:60", "9999-365T23:59:59.9", "0000-001T00:00:00",
    "0001-01-01T00:00:00", "2026-06-10", "2026-06-10T00:00:00Z", "2026-161T12:00:00.5Z",
    "2026-000T00:00:00", "<x/>", "&amp;", "[rev/day]", "1 [km]", "= =", "COMMENT",
]


# --- real records and their four renderings ----------------------------------------------


@cache
def real_rows() -> tuple[dict[str, str], ...]:
    """OMM rows for the bundled sample, built as in test_orbital_core."""
    records, issues = parse_tle_lines(SAMPLE.read_text().splitlines())
    assert not issues
    rows = []
    for record in records[:N_RECORDS * 3]:
        sat = record.satrec
        rows.append(
            {
                "OBJECT_NAME": record.name,
                "OBJECT_ID": record.intl_designator,
                "EPOCH": record.epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                "MEAN_MOTION": repr(sat.no_kozai * 1440 / (2 * np.pi)),
                "ECCENTRICITY": repr(sat.ecco),
                "INCLINATION": repr(float(np.degrees(sat.inclo))),
                "RA_OF_ASC_NODE": repr(float(np.degrees(sat.nodeo))),
                "ARG_OF_PERICENTER": repr(float(np.degrees(sat.argpo))),
                "MEAN_ANOMALY": repr(float(np.degrees(sat.mo))),
                "NORAD_CAT_ID": str(record.norad_id),
                "BSTAR": repr(sat.bstar),
                "MEAN_MOTION_DOT": repr(sat.ndot * 1036800 / np.pi),
                "MEAN_MOTION_DDOT": repr(sat.nddot * 2985984000 / 2 / np.pi),
            }
        )
    return tuple(rows)


Rendered = tuple[str, list[int]]  # document text, expected ParseIssue.line of each record


def render_json(rows: list[dict[str, Any]]) -> Rendered:
    return json.dumps(rows), list(range(1, len(rows) + 1))


def render_csv(rows: list[dict[str, Any]]) -> Rendered:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(FIELDS)
    lines, line = [], 1
    for row in rows:
        one = io.StringIO()
        csv.writer(one, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(
            [row.get(k, "") for k in FIELDS]
        )
        out.write(one.getvalue())
        line += one.getvalue().count("\n")
        lines.append(line)  # the csv reader reports the line on which a record ends
    return out.getvalue(), lines


def render_xml(rows: list[dict[str, Any]]) -> Rendered:
    def block(tag: str, row: dict[str, Any], keys: tuple[str, ...]) -> str:
        inner = "".join(f"<{k}>{escape(str(row[k]))}</{k}>" for k in keys if k in row)
        return f"<{tag}>{inner}</{tag}>"

    segments = "".join(
        "<segment>"
        + block("metadata", row, METADATA)
        + "<data>"
        + block("meanElements", row, MEAN_ELEMENTS)
        + block("tleParameters", row, TLE_PARAMETERS)
        + "</data></segment>"
        for row in rows
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ndm><omm id="CCSDS_OMM_VERS" version="2.0">'
        f"<body>{segments}</body></omm></ndm>"
    )
    return text, list(range(1, len(rows) + 1))


def render_kvn(rows: list[dict[str, Any]]) -> Rendered:
    lines: list[str] = []
    starts = []
    for row in rows:
        starts.append(len(lines) + 1)
        lines += ["CCSDS_OMM_VERS = 2.0", "COMMENT rendered by test_omm_fuzz"]
        for k in FIELDS:
            if k in row:
                unit = f" [{UNITS[k]}]" if k in UNITS else ""
                lines.append(f"{k} = {row[k]}{unit}")
        lines.append("")
    return "\n".join(lines), starts


RENDER: dict[str, Callable[[list[dict[str, Any]]], Rendered]] = {
    "json": render_json, "csv": render_csv, "xml": render_xml, "kvn": render_kvn,
}


def _finite_record(record: ElementRecord) -> bool:
    sat = record.satrec
    values = (sat.no_kozai, sat.ecco, sat.inclo, sat.nodeo, sat.argpo, sat.mo, sat.bstar,
              sat.ndot, sat.nddot, sat.jdsatepoch, sat.jdsatepochF)
    return all(math.isfinite(v) for v in values)


def _check_issue_shape(issue: ParseIssue, source: str, n_records: int | None) -> None:
    assert issue.source == source and issue.reason
    if issue.line == 0:  # the whole document: it says which format it could not read
        assert "not a valid OMM" in issue.reason
    else:
        assert issue.line >= 1
        assert f"OMM record {issue.line}" in issue.reason
        assert any(f in issue.reason for f in FIELDS), issue.reason
        if n_records is not None:
            assert issue.line <= n_records


def _parse_both_modes(
    text: str, fmt: str | None, source: str = "fuzz"
) -> tuple[list[ElementRecord], list[ParseIssue]]:
    """Lenient parse (must not raise) and strict parse (may raise only ElementSetError)."""
    records, issues = parse_omm(text, source, fmt)  # type: ignore[arg-type]
    try:
        strict_records, strict_issues = parse_omm(text, source, fmt, strict=True)  # type: ignore[arg-type]
    except ElementSetError as exc:
        assert issues and exc.issue == issues[0]
    else:
        assert not issues and strict_issues == []
        assert [r.norad_id for r in strict_records] == [r.norad_id for r in records]
    assert all(_finite_record(r) for r in records)
    return records, issues


# --- the real records are fine in every encoding -------------------------------------------


@pytest.mark.parametrize("fmt", [*FORMATS, None])
def test_real_records_round_trip_in_every_encoding(fmt: str | None) -> None:
    rows = [dict(r) for r in real_rows()]
    text, lines = RENDER[fmt or "xml"](rows)
    records, issues = _parse_both_modes(text, fmt)
    assert issues == []
    assert [r.norad_id for r in records] == [int(r["NORAD_CAT_ID"]) for r in rows]
    assert [r.line for r in records] == lines
    catalog = Catalog.from_omm_text(text, "real", fmt)  # type: ignore[arg-type]
    assert len(catalog) == len(rows) and catalog.issues == ()


# --- mutated real records ----------------------------------------------------------------

# Values each encoding can carry without changing the document's structure.
XML_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
)
KVN_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Zl", "Zp"),
    exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85",
)
ANY_TEXT = st.text(max_size=40)


def _value(fmt: str, field: str) -> st.SearchStrategy[Any]:
    chars = {"xml": XML_CHARS, "kvn": KVN_CHARS}.get(fmt)
    texts = st.text(chars, max_size=40) if chars is not None else ANY_TEXT
    real = real_rows()[0][field]
    options = [texts, st.sampled_from(NASTY)]
    if field in NUMERIC:
        options.append(
            st.floats(allow_nan=True, allow_infinity=True).map(repr)
            | st.integers(-(10**30), 10**30).map(str)
            | st.floats(-1e6, 1e6).map(lambda k, v=real: repr(float(v) * k))
        )
    if field == "EPOCH":
        options.append(
            st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f"))
            | st.tuples(st.integers(0, 9999), st.integers(0, 999), st.integers(0, 99))
            .map(lambda t: f"{t[0]:04d}-{t[1]:03d}T{t[2]:02d}:00:00")
        )
    if fmt == "json":  # JSON may carry other types than strings
        options.append(
            st.none() | st.booleans() | st.integers() | st.floats()
            | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3),
                                                                     st.integers(), max_size=2)
        )
    return st.one_of(options)


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, str, int, str, bool, list[int]]:
    fmt = draw(st.sampled_from(FORMATS))
    start = draw(st.integers(0, len(real_rows()) - N_RECORDS))
    rows = [dict(r) for r in real_rows()[start : start + N_RECORDS]]
    k = draw(st.integers(0, N_RECORDS - 1))
    field = draw(st.sampled_from(FIELDS))
    dropped = draw(st.booleans()) if draw(st.integers(0, 4)) == 0 else False
    if dropped:
        del rows[k][field]
    else:
        rows[k][field] = draw(_value(fmt, field))
    text, lines = RENDER[fmt](rows)
    return fmt, text, k, field, dropped, lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents(), st.booleans())
def test_a_mutated_record_is_parsed_or_reported_by_line_and_field(
    case: tuple[str, str, int, str, bool, list[int]], guess: bool
) -> None:
    fmt, text, k, field, _dropped, lines = case
    records, issues = _parse_both_modes(text, None if guess else fmt, "mutated")
    # The neighbours are untouched; the mutated record parses or is reported, never both.
    assert len(records) + len(issues) == N_RECORDS
    assert [r.line for r in records] == (lines[:k] + lines[k + 1 :] if issues else lines)
    if issues:
        (issue,) = issues
        _check_issue_shape(issue, "mutated", None)
        assert issue.line == lines[k]
        assert field in issue.reason, issue.reason
    catalog = Catalog.from_omm_text(text, "mutated", None if guess else fmt)  # type: ignore[arg-type]
    assert len(catalog) == len(records) and list(catalog.issues) == issues


# --- arbitrary text ----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=6),
    max_leaves=20,
)
omm_like_rows = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(NASTY) | st.text(max_size=12),
                    max_size=len(FIELDS)),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from([*FORMATS, None]))
@example("[" * 100_000, None)  # deep JSON nesting
@example("{" * 5_000 + '"a"', "json")
@example("A,B\n" + '"' + "x" * 200_000 + '"\n', "csv")  # a field over csv's size limit
@example("EPOCH,NORAD_CAT_ID\n\"2026\r06\",5\n", "csv")
@example("A,B\nc\rd,e\n", "csv")  # a bare CR inside an unquoted field
@example("<a>" * 3000 + "</a>" * 3000, "xml")
@example("<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><x>&b;</x>", "xml")
@example("CCSDS_OMM_VERS = 2.0\nEPOCH = 9999-999T23:59:59\n", "kvn")
def test_arbitrary_text_never_crashes(text: str, fmt: str | None) -> None:
    _records, issues = _parse_both_modes(text, fmt)
    for issue in issues:
        _check_issue_shape(issue, "fuzz", None)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_documents_never_crash(data: Any) -> None:
    text = json.dumps(data)
    n = len(data) if isinstance(data, list) else 1
    _records, issues = _parse_both_modes(text, "json")
    for issue in issues:
        _check_issue_shape(issue, "fuzz", n)


@settings(max_examples=300, deadline=None)
@given(omm_like_rows, st.sampled_from(FORMATS))
def test_omm_like_records_are_parsed_or_reported(rows: list[dict[str, str]], fmt: str) -> None:
    clean = {"xml": XML_CHARS, "kvn": KVN_CHARS}
    if fmt in clean:  # keep the document well formed; the values are what is under test
        rows = [
            {k: "".join(c for c in v if _allowed(fmt, c)) for k, v in row.items()} for row in rows
        ]
    text, lines = RENDER[fmt](rows)
    records, issues = _parse_both_modes(text, fmt)
    if fmt == "kvn" and not rows:
        assert records == [] and issues == []
        return
    assert len(records) + len(issues) == len(rows)
    for issue in issues:
        _check_issue_shape(issue, "fuzz", None)
        assert issue.line in lines


def _allowed(fmt: str, c: str) -> bool:
    import unicodedata

    category = unicodedata.category(c)
    if fmt == "xml":
        return category not in ("Cs", "Cc") and c not in "\ufffe\uffff"
    return category not in ("Cs", "Zl", "Zp") and c not in "\n\r\x0b\x0c\x1c\x1d\x1e\x85"


# --- regressions found by the properties above -------------------------------------------


def _one_issue(text: str, fmt: str) -> ParseIssue:
    records, issues = _parse_both_modes(text, fmt, "regression")
    assert records == [] and len(issues) == 1
    return issues[0]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("[" * 100_000, "json"),  # was RecursionError
        ("A,B\nc\rd,e\n", "csv"),  # was csv.Error: new-line character seen in unquoted field
        ("A,B\n" + '"' + "x" * 200_000 + '"\n', "csv"),  # was csv.Error: field larger than limit
    ],
)
def test_regression_unreadable_documents_are_one_issue(text: str, fmt: str) -> None:
    issue = _one_issue(text, fmt)
    assert issue.line == 0 and f"not a valid OMM {fmt.upper()} document" in issue.reason
    assert Catalog.from_omm_text(text, "regression", fmt).issues == (issue,)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("EPOCH", "9999-999T23:59:59", "not a valid UTC time"),  # was OverflowError
        ("EPOCH", "9999-12-31T23:59:60", "not a valid UTC time"),  # was OverflowError
        ("EPOCH", "2026-13-01T00:00:00", "month must be in 1..12"),  # did not name EPOCH
        ("NORAD_CAT_ID", "9223372036854775808", "1 to 9 digits"),  # was OverflowError in Catalog
        ("NORAD_CAT_ID", "9" * 5000, "1 to 9 digits"),  # did not name the field
        ("NORAD_CAT_ID", "²", "1 to 9 digits"),  # did not name the field
        ("NORAD_CAT_ID", "٣", "1 to 9 digits"),  # was accepted as catalog number 3
        ("RA_OF_ASC_NODE", "nan", "not a finite number"),  # were accepted: NaN states, error 0
        ("BSTAR", "inf", "not a finite number"),
        ("MEAN_ANOMALY", "1e999", "not a finite number"),
        ("MEAN_MOTION_DOT", "-Infinity", "not a finite number"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_regression_bad_fields_are_named(field: str, value: str, says: str, fmt: str) -> None:
    row = dict(real_rows()[0])
    row[field] = value
    text, lines = RENDER[fmt]([row])
    issue = _one_issue(text, fmt)
    assert issue.line == lines[0] and field in issue.reason and says in issue.reason
    catalog = Catalog.from_omm_text(text, "regression", fmt)  # type: ignore[arg-type]
    assert len(catalog) == 0 and catalog.issues == (issue,)
