"""CDMs read as an analyst reads them: units from the brackets, the header checked against the
states, negative variances refused a Pc, and the hard-body radius with its source.

The message is NASA CARA's TERRA conjunction (tests/data/cdm/README.md), whose header,
states and Pc agree; each test changes one thing the way a faulty message would.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cosmo_agent.agent.cli import main
from cosmo_agent.orbital.cdm import Cdm, CdmError
from cosmo_agent.orbital.collision import (
    PC_STATUS,
    PcStatus,
    collision_probability,
    encounter_plane,
)

DATA = Path(__file__).parent / "data"
TERRA = DATA / "cdm" / "cara-terra-2022-02-24.kvn"
TEXT = TERRA.read_text(encoding="latin-1")


def _nth(text: str, keyword: str, n: int, line: str) -> str:
    """Replace the ``n``-th (1-based) line assigning ``keyword``."""
    matches = list(re.finditer(rf"^{keyword}\s*=.*$", text, re.MULTILINE))
    m = matches[n - 1]
    return text[: m.start()] + line + text[m.end() :]


def _assess(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert main(["assess", str(path), "--json", *extra]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


# ----------------------------------------------------------------------------- units


def test_a_position_in_metres_is_converted_not_read_as_km() -> None:
    """The issue's case: ``X = 378395.59 [m]`` used to be read as 378,395.59 km."""
    base = Cdm.from_kvn(TEXT)
    x_m = base.object1.x_km * 1e3
    text = _nth(TEXT, "X", 1, f"X = {x_m!r} [m]")
    cdm = Cdm.from_kvn(text, source="terra")
    assert cdm.object1.x_km == pytest.approx(base.object1.x_km, rel=1e-15)
    miss_km = np.linalg.norm(cdm.object2.position_km - cdm.object1.position_km)
    assert miss_km * 1e3 == pytest.approx(24.53, abs=0.01)  # the header's 25 m, not 378,000 km
    (issue,) = [i for i in cdm.issues if i.keyword == "X"]
    assert issue.where == "terra:47" and "converted to km" in issue.reason
    with pytest.raises(CdmError, match=r"terra:47 X: unit \[m\] where \[km\] is defined"):
        Cdm.from_kvn(text, source="terra", strict=True)


@pytest.mark.parametrize(
    ("keyword", "n", "line", "attr", "scale"),
    [
        ("X_DOT", 2, "X_DOT = -602.3397081281629539 [m/s]", "x_dot_km_s", 1.0),
        ("MISS_DISTANCE", 1, "MISS_DISTANCE = 0.025 [km]", "miss_distance_m", 1.0),
        ("CR_R", 1, "CR_R = 2.949810804923603058e-05 [km**2]", "covariance_rtn", 1.0),
    ],
)
def test_other_units_of_the_same_dimension_are_converted(
    keyword: str, n: int, line: str, attr: str, scale: float
) -> None:
    base = Cdm.from_kvn(TEXT)
    cdm = Cdm.from_kvn(_nth(TEXT, keyword, n, line))
    if attr == "covariance_rtn":
        assert cdm.object1.covariance_rtn[0] == pytest.approx(base.object1.covariance_rtn[0])
    elif attr == "miss_distance_m":
        assert cdm.relative.miss_distance_m == pytest.approx(25.0)
    else:
        assert cdm.object2.x_dot_km_s == pytest.approx(base.object2.x_dot_km_s * scale)
    assert any(i.keyword == keyword and "converted" in i.reason for i in cdm.issues)
    assert cdm.collision_probability().pc == pytest.approx(float(base.collision_probability().pc))


def test_a_unit_of_another_dimension_on_a_state_is_refused_with_line_and_keyword() -> None:
    with pytest.raises(
        CdmError,
        match=r"terra:48 Y: unit \[s\] cannot be converted to the"
        r" defined \[km\]; write the value in \[km\] or \[m\]",
    ):
        Cdm.from_kvn(_nth(TEXT, "Y", 1, "Y = -289.6 [s]"), source="terra")
    with pytest.raises(CdmError, match=r"CR_R: unit \[m\] cannot be converted"):
        Cdm.from_kvn(_nth(TEXT, "CR_R", 2, "CR_R = 347.5 [m]"))


def test_a_mislabelled_header_value_is_read_in_its_defined_unit_and_noted() -> None:
    """CARA writes relative velocities with [m]: no conversion exists, the value is kept."""
    cdm = Cdm.from_kvn(_nth(TEXT, "RELATIVE_SPEED", 1, "RELATIVE_SPEED = 4489 [m]"))
    assert cdm.relative.relative_speed_m_s == 4489.0
    assert any("read as m/s" in i.reason for i in cdm.issues)


def test_the_cli_reads_the_converted_message_as_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the metre position gave a 378,000 km miss with exit 0; now the same Pc."""
    base = Cdm.from_kvn(TEXT)
    text = TEXT
    for keyword, value in (
        ("X", base.object1.x_km),
        ("Y", base.object1.y_km),
        ("Z", base.object1.z_km),
    ):
        text = _nth(text, keyword, 1, f"{keyword} = {value * 1e3!r} [m]")
    path = tmp_path / "metres.kvn"
    path.write_text(text)
    result = _assess(path, capsys)
    original = _assess(TERRA, capsys)
    assert result["miss_m"] == pytest.approx(original["miss_m"], abs=1e-6)
    assert result["pc"]["foster"] == pytest.approx(original["pc"]["foster"], rel=1e-9)
    assert all(c["agrees"] for c in result["cdm_checks"])
    assert sum("converted to km" in w for w in result["warnings"]) == 3


# ----------------------------------------------------------------------------- header checks


def test_header_disagreements_are_flagged_with_both_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _nth(TEXT, "MISS_DISTANCE", 1, "MISS_DISTANCE = 250 [m]")
    text = _nth(text, "COLLISION_PROBABILITY", 1, "COLLISION_PROBABILITY = 1.213e-05")
    cdm = Cdm.from_kvn(text)
    checks = {c.quantity: c for c in cdm.check(pc=float(cdm.collision_probability().pc))}
    miss = checks["MISS_DISTANCE"]
    assert (miss.reported, miss.agrees) == (250.0, False)
    assert miss.computed == pytest.approx(24.53, abs=0.01) and miss.unit == "m"
    assert "250 m" in str(miss) and "24.53" in str(miss) and "DISAGREES" in str(miss)
    assert not checks["COLLISION_PROBABILITY"].agrees
    assert checks["RELATIVE_SPEED"].agrees and checks["RELATIVE_POSITION_T"].agrees
    path = tmp_path / "bad-header.kvn"
    path.write_text(text)
    result = _assess(path, capsys)
    flagged = [w for w in result["warnings"] if "DISAGREES" in w]
    assert len(flagged) == 2 and any(w.startswith("MISS_DISTANCE") for w in flagged)
    assert any("1.213e-05" in w and "0.00121" in w for w in flagged)


def test_sign_flipped_relative_vectors_are_caught() -> None:
    """CARA's Alfano CDMs give RELATIVE_POSITION/VELOCITY as object 1 minus object 2."""
    cdm = Cdm.from_file(DATA / "pc3d" / "AlfanoTestCase07.cdm")
    bad = {c.quantity for c in cdm.check() if not c.agrees}
    assert {"RELATIVE_POSITION_T", "RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_N"} <= bad
    assert "MISS_DISTANCE" not in bad and "RELATIVE_SPEED" not in bad


# ----------------------------------------------------------------------------- negative variances


def test_a_negative_variance_gives_a_null_pc_with_a_status_not_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _nth(TEXT, "CR_R", 2, "CR_R = -3.475351987554263928e+02 [m**2]")
    cdm = Cdm.from_kvn(text)
    assert cdm.negative_variances() == ("OBJECT2 CR_R",)
    result = cdm.collision_probability()
    assert math.isnan(float(result.pc)) and int(result.status) == PcStatus.NEGATIVE_VARIANCE
    assert "never 0" in PC_STATUS[PcStatus.NEGATIVE_VARIANCE]
    path = tmp_path / "negative.kvn"
    path.write_text(text)
    out = _assess(path, capsys)
    assert out["pc"] == dict.fromkeys(out["pc"])  # every method null
    assert set(out["pc_status"].values()) == {"NEGATIVE_VARIANCE"}
    assert out["reported_pc"]["pc"] is None and out["reported_pc"]["method"] is None
    assert any(w == "negative variance: OBJECT2 CR_R" for w in out["warnings"])


def test_the_encounter_plane_refuses_negative_inertial_variances() -> None:
    r1, v1 = np.array([7000.0, 0, 0]), np.array([0, 7.5, 0])
    good = np.diag([1e-4, 1e-2, 1e-4])
    bad = np.diag([1e-4, -1e-2, 1e-4])
    plane = encounter_plane(r1, v1, np.stack([good, bad]), r1 + 0.01, [0, 0, 7.5], good)
    result = collision_probability(plane, 0.01)
    assert result.status.tolist() == [PcStatus.OK, PcStatus.NEGATIVE_VARIANCE]
    assert np.isfinite(result.pc[0]) and math.isnan(result.pc[1])


# ----------------------------------------------------------------------------- hard-body radius


def _v2(text: str, hbr1: str | None, hbr2: str | None) -> str:
    text = text.replace("CCSDS_CDM_VERS                 = 1.0", "CCSDS_CDM_VERS = 2.0", 1)
    text = text.replace("COMMENT HBR = 15 [m]\n", "", 1)
    for n, hbr in ((1, hbr1), (2, hbr2)):
        if hbr is not None:
            m = list(re.finditer(r"^X\s*=", text, re.MULTILINE))[n - 1]
            text = text[: m.start()] + f"HBR = {hbr}\n" + text[m.start() :]
    return text


def test_cdm_v2_hbr_keywords_are_summed_and_their_source_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdm = Cdm.from_kvn(_v2(TEXT, "10 [m]", "0.005 [km]"))
    assert (cdm.object1.hbr_m, cdm.object2.hbr_m) == (10.0, 5.0)
    assert cdm.hard_body_radius() == (15.0, "HBR keyword")
    again = Cdm.from_kvn(cdm.to_kvn())  # written back ([m]) and read again
    assert "HBR                          = 5.0 [m]" in cdm.to_kvn()
    assert again.hard_body_radius() == (15.0, "HBR keyword")
    assert float(cdm.collision_probability().pc) == pytest.approx(
        float(Cdm.from_kvn(TEXT).collision_probability().pc), rel=1e-12
    )
    path = tmp_path / "v2.kvn"
    path.write_text(_v2(TEXT, "10 [m]", "5 [m]"))
    out = _assess(path, capsys)
    assert (out["hbr_m"], out["hbr_source"]) == (15.0, "HBR keyword")
    # --hbr-m still overrides, and says so.
    assert _assess(path, capsys, "--hbr-m", "20")["hbr_source"] == "--hbr-m"


def test_hbr_sources_in_order_and_when_missing() -> None:
    assert Cdm.from_kvn(TEXT).hard_body_radius() == (15.0, "COMMENT HBR")
    one = Cdm.from_kvn(_v2(TEXT, "10 [m]", None))
    value, reason = one.hard_body_radius()
    assert value is None and "one object only" in reason
    # In a 1.0 message HBR is not a keyword: kept as unknown, and the comment still rules.
    v1 = Cdm.from_kvn(
        _v2(TEXT, "10 [m]", "5 [m]").replace("CCSDS_CDM_VERS = 2.0", "CCSDS_CDM_VERS = 1.0")
    )
    assert v1.object1.hbr_m is None and ("OBJECT1", "HBR", "10") in v1.unknown
    assert v1.hard_body_radius()[0] is None
    with pytest.raises(ValueError, match="no hard-body radius"):
        v1.collision_probability()
