"""Element-set parsing: TLE, 2LE and 3LE text, and CCSDS OMM in JSON, CSV, XML and KVN.

Parsers never raise on a bad record: they return the good records plus a
:class:`ParseIssue` for each bad one, naming the source, the line and the
reason, with the TLE column template where it helps.  Catalog numbers are kept
as plain Python integers, so IDs of 100000 and above work whether they arrive
as Alpha-5 TLEs or as OMM-only objects.

>>> lines = [
...     "0 VANGUARD 2",
...     "1 00011U 59001A   26161.59651410  .00001411  00000-0  74798-3 0  9999",
...     "2 00011  32.8652 110.0993 1444543  19.3858 345.6361 11.90491537534686",
... ]
>>> records, issues = parse_tle_lines(lines)
>>> records[0].norad_id, records[0].name, records[0].intl_designator, issues
(11, 'VANGUARD 2', '1959-001A', [])
>>> parse_alpha5("A0001"), format_alpha5(100001)
(100001, 'A0001')
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sgp4.api import WGS72, Satrec

__all__ = [
    "TLE_TEMPLATE",
    "ElementRecord",
    "ElementSetError",
    "OmmFormat",
    "ParseIssue",
    "format_alpha5",
    "parse_alpha5",
    "parse_omm",
    "parse_tle_lines",
    "tle_checksum",
]

OmmFormat = Literal["json", "csv", "xml", "kvn"]
"""CCSDS OMM encodings: CelesTrak GP JSON/CSV field names, CCSDS XML (NDM), or KVN text."""

TLE_TEMPLATE = (
    "1 NNNNNC NNNNNAAA NNNNN.NNNNNNNN +.NNNNNNNN +NNNNN-N +NNNNN-N N NNNNN\n"
    "2 NNNNN NNN.NNNN NNN.NNNN NNNNNNN NNN.NNNN NNN.NNNN NN.NNNNNNNNNNNNNN"
)

_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are skipped to avoid 1 and 0
_EPOCH_1949 = datetime(1949, 12, 31, tzinfo=UTC)
_JD_1949 = 2433281.5
_DEG = math.pi / 180.0
_XPDOTP = 1440.0 / (2.0 * math.pi)  # rev/day -> rad/min
_MAX_SATREC_ID = 339999  # largest Alpha-5 number the sgp4 record can hold


class ElementSetError(ValueError):
    """A bad element record in strict mode; ``issue`` says where and why."""

    def __init__(self, issue: ParseIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class ParseIssue:
    """One skipped record: where it is, why it was skipped, and its text."""

    source: str
    line: int
    reason: str
    text: str = ""
    template: bool = False

    def __str__(self) -> str:
        message = f"{self.source}:{self.line}: {self.reason}"
        if self.text:
            message += f"\n  got:      {self.text}"
        if self.template:
            first, second = TLE_TEMPLATE.splitlines()
            message += f"\n  expected: {first}\n            {second}"
        return message


@dataclass(frozen=True)
class ElementRecord:
    """One parsed element set and the SGP4 record initialised from it."""

    norad_id: int
    name: str
    intl_designator: str
    epoch: datetime
    satrec: Satrec
    source: str
    line: int


def parse_alpha5(field: str) -> int:
    """Catalog number from a TLE field: digits (padded or not) or Alpha-5."""
    text = field.strip()
    if not text:
        raise ValueError("empty catalog number")
    if text[0].isalpha():
        letter = text[0].upper()
        if letter not in _ALPHA5_LETTERS or not text[1:].isdigit() or len(text) != 5:
            raise ValueError(f"bad Alpha-5 catalog number {field!r}")
        return (_ALPHA5_LETTERS.index(letter) + 10) * 10000 + int(text[1:])
    if not text.isdigit():
        raise ValueError(f"bad catalog number {field!r}")
    return int(text)


def format_alpha5(norad_id: int) -> str:
    """Five-character TLE catalog field for ``norad_id`` (Alpha-5 above 99999)."""
    if not 0 <= norad_id <= _MAX_SATREC_ID:
        raise ValueError(f"catalog number {norad_id} cannot be written in a TLE; use OMM")
    if norad_id < 100000:
        return f"{norad_id:05d}"
    head, tail = divmod(norad_id, 10000)
    return f"{_ALPHA5_LETTERS[head - 10]}{tail:04d}"


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns: digits count, '-' counts 1."""
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def _is_line(text: str, number: str) -> bool:
    return len(text) >= 64 and text[0] == number and text[1] == " "


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value):  # NaN elements would propagate to NaN with no SGP4 error
        raise ValueError(f"{what} {text.strip()!r} is not a finite number")
    return value


def _implied(text: str, what: str) -> float:
    """TLE implied-decimal exponent field such as ' 74798-3' -> 0.74798e-3."""
    s = text.strip()
    if not s:
        return 0.0
    sign = -1.0 if s[0] == "-" else 1.0
    s = s.lstrip("+-")
    match = re.fullmatch(r"(\d+)([+-]\d)", s)
    if not match:
        raise ValueError(f"{what} {text.strip()!r} is not of the form +NNNNN-N")
    return sign * float("0." + match.group(1)) * 10.0 ** int(match.group(2))


def _intl_designator(field: str) -> str:
    s = field.strip()
    if len(s) < 5 or not s[:5].isdigit():
        return s
    year = int(s[:2])
    year += 1900 if year >= 57 else 2000
    return f"{year}-{s[2:5]}{s[5:]}"


def _epoch_from_satrec(sat: Satrec) -> datetime:
    days = (sat.jdsatepoch - _JD_1949) + sat.jdsatepochF
    return _EPOCH_1949 + timedelta(days=days)


def _check_tle_pair(line1: str, line2: str) -> tuple[int, str]:
    """Validate a line pair, returning (catalog number, designator) or raising ValueError."""
    for number, text in (("1", line1), ("2", line2)):
        if len(text) < 69:
            raise ValueError(f"line {number} has {len(text)} columns, 69 expected")
        if text[68].isdigit() and int(text[68]) != tle_checksum(text):
            raise ValueError(
                f"line {number} checksum is {text[68]} but the columns sum to {tle_checksum(text)}"
            )
    id1 = parse_alpha5(line1[2:7])
    id2 = parse_alpha5(line2[2:7])
    if id1 != id2:
        raise ValueError(f"line 1 is for catalog number {id1} but line 2 is for {id2}")
    year = line1[18:20]
    if not year.strip().isdigit():
        raise ValueError(f"epoch year {year!r} is not two digits")
    day = _float(line1[20:32], "epoch day")
    if not 1.0 <= day < 367.0:
        raise ValueError(f"epoch day {day} is outside 1..366")
    _float(line1[33:43], "mean motion derivative")
    _implied(line1[44:52], "second derivative")
    _implied(line1[53:61], "B*")
    inclination = _float(line2[8:16], "inclination")
    if not 0.0 <= inclination <= 180.0:
        raise ValueError(f"inclination {inclination} is outside 0..180 degrees")
    _float(line2[17:25], "right ascension of the node")
    ecc_text = line2[26:33]
    if not ecc_text.strip().isdigit():
        raise ValueError(f"eccentricity {ecc_text!r} must be 7 digits (implied leading decimal)")
    _float(line2[34:42], "argument of perigee")
    _float(line2[43:51], "mean anomaly")
    mean_motion = _float(line2[52:63], "mean motion")
    if not 0.0 < mean_motion < 20.0:
        raise ValueError(f"mean motion {mean_motion} rev/day is outside 0..20")
    return id1, _intl_designator(line1[9:17])


def parse_tle_lines(
    lines: Iterable[str], source: str = "<text>", *, strict: bool = False
) -> tuple[list[ElementRecord], list[ParseIssue]]:
    """Parse TLE, 2LE or 3LE text (name lines with or without the ``0 `` prefix).

    Returns the good records and one :class:`ParseIssue` per skipped record;
    with ``strict=True`` the first issue raises :class:`ElementSetError`.
    """
    records: list[ElementRecord] = []
    issues: list[ParseIssue] = []

    def report(line: int, reason: str, text: str = "", template: bool = False) -> None:
        issue = ParseIssue(source, line, reason, text, template)
        if strict:
            raise ElementSetError(issue)
        issues.append(issue)

    numbered = [(i + 1, raw.rstrip("\r\n").rstrip()) for i, raw in enumerate(lines)]
    numbered = [(n, text) for n, text in numbered if text.strip()]
    name: tuple[int, str] | None = None
    i = 0
    while i < len(numbered):
        lineno, text = numbered[i]
        if _is_line(text, "1"):
            if i + 1 >= len(numbered) or not _is_line(numbered[i + 1][1], "2"):
                report(lineno, "line 1 is not followed by a line 2", text, template=True)
                name = None
                i += 1
                continue
            line2 = numbered[i + 1][1]
            try:
                norad_id, designator = _check_tle_pair(text, line2)
                sat = Satrec.twoline2rv(text, line2, WGS72)
            except (ValueError, RuntimeError) as exc:
                report(lineno, str(exc), f"{text}\n            {line2}", template=True)
            else:
                label = name[1] if name else ""
                records.append(
                    ElementRecord(
                        norad_id=norad_id,
                        name=label,
                        intl_designator=designator,
                        epoch=_epoch_from_satrec(sat),
                        satrec=sat,
                        source=source,
                        line=name[0] if name else lineno,
                    )
                )
            name = None
            i += 2
            continue
        if _is_line(text, "2"):
            report(lineno, "line 2 without a preceding line 1", text, template=True)
        else:
            if name is not None:
                report(name[0], "name line is not followed by element lines", name[1])
            label = text[2:] if text.startswith("0 ") else text
            name = (lineno, label.strip()[:64])
        i += 1
    if name is not None:
        report(name[0], "name line at the end of the file has no element lines", name[1])
    return records, issues


# --- OMM -------------------------------------------------------------------------------------

_OMM_REQUIRED = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
)


def _parse_omm_epoch(text: str) -> datetime:
    try:
        return _omm_epoch(text)
    except (ValueError, OverflowError) as exc:  # e.g. month 13, or past year 9999
        raise ValueError(f"EPOCH {text!r} is not a valid UTC time: {exc}") from None


def _omm_epoch(text: str) -> datetime:
    s = text.strip().rstrip("Z")
    match = re.fullmatch(r"(\d{4})-(\d{3})T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)", s)
    if match:
        year, doy, hh, mm, ss = match.groups()
        day0 = datetime(int(year), 1, 1, tzinfo=UTC) + timedelta(days=int(doy) - 1)
        return day0 + timedelta(hours=int(hh), minutes=int(mm), seconds=float(ss))
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)", s)
    if not match:
        raise ValueError("expected YYYY-MM-DDThh:mm:ss[.f] or YYYY-DDDThh:mm:ss[.f]")
    year, month, day, hh, mm, ss = match.groups()
    base = datetime(int(year), int(month), int(day), int(hh), int(mm), tzinfo=UTC)
    return base + timedelta(seconds=float(ss))


def _satrec_from_omm(fields: Mapping[str, str]) -> tuple[int, str, str, datetime, Satrec]:
    missing = [key for key in _OMM_REQUIRED if not str(fields.get(key, "")).strip()]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")

    def number(key: str, default: float = 0.0) -> float:
        value = str(fields.get(key, "")).strip()
        return _float(value, key) if value else default

    norad_text = str(fields["NORAD_CAT_ID"]).strip()
    if not (norad_text.isascii() and norad_text.isdigit() and len(norad_text) <= 9):
        raise ValueError(f"NORAD_CAT_ID {norad_text!r} is not a whole number of 1 to 9 digits")
    norad_id = int(norad_text)
    epoch = _parse_omm_epoch(str(fields["EPOCH"]))
    ecc = number("ECCENTRICITY")
    if not 0.0 <= ecc < 1.0:
        raise ValueError(f"ECCENTRICITY {ecc} is outside 0..1")
    mean_motion = number("MEAN_MOTION")
    if not 0.0 < mean_motion < 20.0:
        raise ValueError(f"MEAN_MOTION {mean_motion} rev/day is outside 0..20")
    inclination = number("INCLINATION")
    if not 0.0 <= inclination <= 180.0:
        raise ValueError(f"INCLINATION {inclination} is outside 0..180 degrees")
    sat = Satrec()
    epoch_days = (epoch - _EPOCH_1949).total_seconds() / 86400.0
    sat.sgp4init(
        WGS72,
        "i",
        norad_id if norad_id <= _MAX_SATREC_ID else 0,
        epoch_days,
        number("BSTAR"),
        number("MEAN_MOTION_DOT") / (_XPDOTP * 1440.0),
        number("MEAN_MOTION_DDOT") / (_XPDOTP * 1440.0 * 1440.0),
        ecc,
        number("ARG_OF_PERICENTER") * _DEG,
        inclination * _DEG,
        number("MEAN_ANOMALY") * _DEG,
        mean_motion / _XPDOTP,
        number("RA_OF_ASC_NODE") * _DEG,
    )
    name = str(fields.get("OBJECT_NAME", "") or "").strip()
    designator = str(fields.get("OBJECT_ID", "") or "").strip()
    return norad_id, name, designator, epoch, sat


def _omm_rows_json(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    data = json.loads(text)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("OMM JSON must be an object or an array of objects")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise ValueError(f"OMM JSON item {i} is a {type(row).__name__}, not an object")
        yield i + 1, {str(k).upper(): "" if v is None else str(v) for k, v in row.items()}


def _omm_rows_csv(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        fields = {str(k).strip().upper(): (v or "") for k, v in row.items() if k is not None}
        yield reader.line_num, fields


def _omm_rows_xml(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    root = ET.fromstring(text)
    for i, segment in enumerate(root.iter("segment")):
        fields: dict[str, str] = {}
        for block in ("metadata", "data/meanElements", "data/tleParameters"):
            node = segment.find(block)
            if node is not None:
                fields.update((child.tag.upper(), (child.text or "").strip()) for child in node)
        yield i + 1, fields


def _omm_rows_kvn(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    fields: dict[str, str] = {}
    start = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("COMMENT"):
            continue
        if "=" not in line:
            raise ValueError(f"line {lineno}: expected 'KEYWORD = value', got {line!r}")
        key, _, value = line.partition("=")
        key = key.strip().upper()
        value = re.sub(r"\s*\[.*\]\s*$", "", value.strip())  # drop units such as [rev/day]
        if key == "CCSDS_OMM_VERS" and fields:
            yield start, fields
            fields = {}
        if not fields:
            start = lineno
        fields[key] = value
    if fields:
        yield start, fields


_OMM_READERS = {
    "json": _omm_rows_json,
    "csv": _omm_rows_csv,
    "xml": _omm_rows_xml,
    "kvn": _omm_rows_kvn,
}


def _guess_omm_format(text: str) -> OmmFormat:
    head = text.lstrip()[:200]
    if head.startswith(("[", "{")):
        return "json"
    if head.startswith("<"):
        return "xml"
    if "CCSDS_OMM_VERS" in head or re.match(r"^\s*(COMMENT|[A-Z_]+\s*=)", head):
        return "kvn"
    return "csv"


def parse_omm(
    text: str,
    source: str = "<text>",
    fmt: OmmFormat | None = None,
    *,
    strict: bool = False,
) -> tuple[list[ElementRecord], list[ParseIssue]]:
    """Parse CCSDS OMM records (CelesTrak GP field names) in any of the four encodings.

    The format is guessed from the text when ``fmt`` is not given.  ``line`` in
    each record or issue is the 1-based item (JSON, XML), CSV line or KVN line.
    """
    fmt = fmt or _guess_omm_format(text)
    records: list[ElementRecord] = []
    issues: list[ParseIssue] = []
    try:
        rows = list(_OMM_READERS[fmt](text))
    except (ValueError, ET.ParseError, csv.Error, RecursionError) as exc:
        # csv.Error: e.g. a bare CR in an unquoted field; RecursionError: JSON nested too deep.
        issue = ParseIssue(source, 0, f"not a valid OMM {fmt.upper()} document: {exc}")
        if strict:
            raise ElementSetError(issue) from None
        return records, [issue]
    for line, fields in rows:
        try:
            norad_id, name, designator, epoch, sat = _satrec_from_omm(fields)
        except (ValueError, RuntimeError) as exc:
            issue = ParseIssue(source, line, f"OMM record {line}: {exc}")
            if strict:
                raise ElementSetError(issue) from None
            issues.append(issue)
            continue
        records.append(ElementRecord(norad_id, name, designator, epoch, sat, source, line))
    return records, issues
