"""Plans you can trust: approvals bound to content, Ed25519 signatures, the release gate.

The digests are recomputed here from the canonical form documented in ``agent/plan.py`` with
hashlib and json, never with the code under test; the fixtures are the hand-made demo plans of
``tests/data/plans`` (``make_plans.py`` binds their approvals the same independent way).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cosmo_agent.agent.cli import main
from cosmo_agent.agent.compose import apply_approvals, hazardous_commands
from cosmo_agent.agent.plan import Approval, CommandPlan, PlannedCommand, UplinkContact
from cosmo_agent.agent.signing import (
    generate_key,
    key_id,
    load_private_key,
    load_public_key,
    sign_plan,
    signed_message,
    verify_plan,
)
from cosmo_agent.agent.validator import validate_plan
from cosmo_agent.tools.mission import Mission, load_mission

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "missions" / "demo.yaml"
PLANS = ROOT / "tests" / "data" / "plans"
NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
NOW_TEXT = "2026-06-10T12:00:00Z"


@pytest.fixture(scope="module")
def demo() -> Mission:
    return load_mission(DEMO)


@pytest.fixture(scope="module")
def approved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real approved draft, (mission file, plan file): the demo fleet told to reset KOMPSAT 5's
    computer (hazardous), planned at the demo epoch with ``--approve-all``."""
    folder = tmp_path_factory.mktemp("approved")
    mission = _hazardous_mission(folder)
    out = folder / "draft.json"
    assert main(["plan", str(mission), "--approve-all", "-o", str(out), "--json"]) == 0
    return mission, out


def _read(path: Path) -> CommandPlan:
    data = json.loads(path.read_text(encoding="utf-8"))
    return CommandPlan.model_validate({k: v for k, v in data.items() if k != "validation"})


def _fixture(kind: str, name: str) -> CommandPlan:
    return CommandPlan.from_json((PLANS / kind / f"{name}.json").read_text(encoding="utf-8"))


def _main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _sha256(value: Any) -> str:
    """The documented canonical form, written out independently of agent/plan.py."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(plan: CommandPlan) -> dict[str, Any]:
    data = json.loads(plan.canonical_json())  # the file form: what a reader of the file digests
    for key in ("signature", "release", "contacts"):
        del data[key]
    for command in data["commands"]:
        del command["approvals"]
    return data


def _edit(plan: CommandPlan, index: int, **update: Any) -> CommandPlan:
    commands = list(plan.commands)
    commands[index] = commands[index].model_copy(update=update)
    return plan.with_commands(commands)


# -- the canonical form and its digests ----------------------------------------------------


@pytest.mark.parametrize("path", sorted(PLANS.glob("*/*.json")), ids=lambda p: p.stem)
def test_digests_reproduce_the_documented_canonical_form(path: Path) -> None:
    plan = CommandPlan.from_json(path.read_text(encoding="utf-8"))
    assert plan.content_digest() == _sha256(_content(plan))
    full = json.loads(plan.canonical_json())
    del full["signature"], full["release"]
    assert plan.signature_digest() == _sha256(full)
    for cmd, data in zip(plan.commands, full["commands"], strict=True):
        assert cmd.content_digest() == _sha256({k: v for k, v in data.items() if k != "approvals"})
    # stable: the same plan, read again or rebuilt, gives the same digests
    again = CommandPlan.from_json(plan.canonical_json(indent=None))
    assert again.content_digest() == plan.content_digest()
    assert again.signature_digest() == plan.signature_digest()
    assert CommandPlan.model_validate(plan.to_jsonable()).content_digest() == plan.content_digest()


def test_what_the_content_digest_covers() -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    digest = plan.content_digest()
    # approvals, signature, release and the contact schedule are not content
    assert _edit(plan, 0, approvals=[]).content_digest() == digest
    assert plan.model_copy(update={"contacts": []}).content_digest() == digest
    # everything else is
    for update in (
        {"mission": "another-mission"},
        {"created_at": plan.created_at + timedelta(minutes=1)},
        {"horizon_end": plan.horizon_end + timedelta(hours=1)},
        {"notes": ["one more note"]},
        {"screenings": [plan.screenings[0].model_copy(update={"new_conjunctions": 1})]},
        {"commands": list(reversed(plan.commands))},
    ):
        assert plan.model_copy(update=update).content_digest() != digest, update
    # non-ASCII is digested as UTF-8 text, not escaped
    ko = _fixture("safe", "korean-alias-and-rationale")
    assert "아리랑5호" in json.dumps(_content(ko), ensure_ascii=False)
    assert ko.content_digest() == _sha256(_content(ko))


# -- binding -------------------------------------------------------------------------------


def test_safe_fixture_approvals_are_bound(demo: Mission) -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    [burn, _] = plan.commands
    assert [a.role for a in burn.approvals] == ["flight_director", "fdo"]
    for a in burn.approvals:
        assert a.bound and a.plan_digest == plan.content_digest()
        assert a.command_index == 0 and a.command_digest == burn.content_digest()
        assert a.changes(plan, 0) == []
    assert hazardous_commands(plan, demo) == []
    assert validate_plan(plan, demo, now=NOW).ok


def _burn(plan: CommandPlan) -> PlannedCommand:
    return plan.commands[0]


CHANGES: dict[str, tuple[Any, str]] = {
    # field: (a function of the approved command giving the update, the words the message has)
    "time": (lambda c: {"time": c.time + timedelta(seconds=30)}, "time 2026-06-10T12:40:00Z →"),
    "parameters": (
        lambda c: {"parameters": {**c.parameters, "dv_along_m_s": 0.5}},
        "parameters.dv_along_m_s 0.05 → 0.5",
    ),
    "satellite": (
        lambda c: {"satellite": c.satellite.model_copy(update={"name": "K5"})},
        'satellite {"name":"KOMPSAT 5","norad_id":39227} → {"name":"K5","norad_id":39227}',
    ),
    "uplink": (
        lambda c: {
            "uplink": UplinkContact(
                station_id="SVALBARD", antenna_id="SG-2", aos=c.uplink.aos, los=c.uplink.los
            )
        },
        "uplink {",
    ),
    "command": (lambda c: {"command": "SET_MODE"}, "command ORBIT_MANEUVER → SET_MODE"),
    "rationale": (
        lambda c: {"rationale": c.rationale.model_copy(update={"text": "changed my mind"})},
        "rationale",
    ),
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_any_change_to_an_approved_command_voids_its_approvals(demo: Mission, field: str) -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    update, words = CHANGES[field]
    changed = _edit(plan, 0, **update(_burn(plan)))
    for a in _burn(changed).approvals:
        assert words in "; ".join(a.changes(changed, 0))
    report = validate_plan(changed, demo, now=NOW)
    voided = [v for v in report.violations if v.rule == "approval.content_changed"]
    assert [v.command_index for v in voided] == [0]
    if field != "command":  # (SET_MODE is no maneuver: it needs no approval, the old is void)
        assert "approval.missing" in report.rule_ids()
        assert [i for i, _ in hazardous_commands(changed, demo)] == [0]  # asked again
    assert words in voided[0].message and "flight_director by J. Park" in voided[0].message
    assert voided[0].parameter == ("dv_along_m_s" if field == "parameters" else None)
    assert not report.ok


def test_a_change_elsewhere_in_the_plan_voids_too(demo: Mission) -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    # the second command (DRAG_CONFIG, needs no approval) moves: the burn's approvals are void
    later = _edit(plan, 1, time=plan.commands[1].time + timedelta(minutes=1))
    [v] = [v for v in validate_plan(later, demo, now=NOW).violations if v.rule.startswith("appr")][
        :1
    ]
    assert v.rule == "approval.content_changed" and "the plan around it" in v.message
    # a command moved to another position
    swapped = plan.with_commands([plan.commands[1], plan.commands[0]])
    assert _burn(swapped).approvals == [] and swapped.commands[1].approvals[0].changes(
        swapped, 1
    ) == ["position: command 0 → 1"]


def test_approvals_copied_between_plans_are_void(demo: Mission) -> None:
    first = _fixture("safe", "approved-screened-maneuver")
    # the same commands in a plan made five minutes later: another plan
    second = first.model_copy(update={"created_at": first.created_at + timedelta(minutes=5)})
    rules = validate_plan(second, demo, now=NOW).rule_ids()
    assert {"approval.content_changed", "approval.missing"} <= rules
    # an approval bound elsewhere is added as it is by apply_approvals: it stays void
    bare = _edit(second, 0, approvals=[])
    copied = apply_approvals(bare, {0: _burn(first).approvals})
    assert [i for i, _ in hazardous_commands(copied, demo)] == [0]
    report = validate_plan(copied, demo, now=NOW)
    assert "approval.content_changed" in report.rule_ids() and not report.ok
    # the hand-made fixture says the same
    fixture = _fixture("unsafe", "66-approvals-copied-from-another-plan")
    assert validate_plan(fixture, demo, now=NOW).rule_ids() == {
        "approval.content_changed",
        "approval.missing",
    }


def test_old_unbound_approvals_are_rejected(demo: Mission) -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    old = [Approval(role=a.role, by=a.by, at=a.at) for a in _burn(plan).approvals]
    legacy = _edit(plan, 0, approvals=old)
    report = validate_plan(legacy, demo, now=NOW)
    assert report.rule_ids() == {"approval.unbound", "approval.missing"}
    [v] = [v for v in report.violations if v.rule == "approval.unbound"]
    assert "plan and approve it again" in v.message and "fdo by M. Kim" in v.message
    assert [i for i, _ in hazardous_commands(legacy, demo)] == [0]
    with pytest.raises(ValueError, match="not bound"):
        old[0].changes(legacy, 0)
    # an old plan file (approvals with role, by and at only) still reads
    data = json.loads(plan.canonical_json())
    data["commands"][0]["approvals"] = [{"role": "fdo", "by": "M. Kim", "at": NOW_TEXT}]
    assert not CommandPlan.model_validate(data).commands[0].approvals[0].bound


def test_apply_approvals_binds_with_both_clocks(demo: Mission) -> None:
    plan = _edit(_fixture("safe", "approved-screened-maneuver"), 0, approvals=[])
    given = [
        Approval(role="flight_director", by="J. Park", at=NOW - timedelta(minutes=5)),
        Approval(role="fdo", by="M. Kim", at=NOW - timedelta(minutes=4)),
    ]
    before = datetime.now(UTC)
    approved = apply_approvals(plan, {0: given})
    after = datetime.now(UTC)
    for a, g in zip(_burn(approved).approvals, given, strict=True):
        assert a.at == g.at  # the planning clock, as given
        assert a.recorded_at is not None and before <= a.recorded_at <= after  # the wall clock
        assert a.plan_digest == plan.content_digest() == approved.content_digest()
        assert a.approved is not None and a.approved.parameters == _burn(plan).parameters
    assert validate_plan(approved, demo, now=NOW).ok
    fixed = datetime(2026, 12, 5, 9, tzinfo=UTC)
    stamped = apply_approvals(plan, {0: given}, recorded_at=fixed)
    assert {a.recorded_at for a in _burn(stamped).approvals} == {fixed}


def test_the_graph_binds_the_approvals_it_records(approved: tuple[Path, Path]) -> None:
    plan = _read(approved[1])
    [(i, reset)] = [(i, c) for i, c in enumerate(plan.commands) if c.command == "OBC_RESET"]
    [a] = reset.approvals
    assert a.by == "operator-cli" and a.bound and a.changes(plan, i) == []
    assert a.at == plan.created_at == NOW and a.recorded_at is not None  # planning clock, wall
    assert abs(a.recorded_at - datetime.now(UTC)) < timedelta(hours=1)


def _hazardous_mission(tmp_path: Path) -> Path:
    """The demo fleet with one objective: reset KOMPSAT 5's computer (a hazardous command)."""
    data = load_mission(DEMO).model_dump(mode="json", by_alias=True, exclude={"base_dir"})
    data["objectives"] = [
        {"kind": "fleet_status"},
        {"kind": "commands", "satellites": ["K5"], "parameters": {"command": "OBC_RESET"}},
    ]
    data["requests"] = []
    path = tmp_path / "reset.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# -- signatures ----------------------------------------------------------------------------


def test_signature_round_trip_and_tamper_detection() -> None:
    plan = _fixture("safe", "approved-screened-maneuver")
    key = Ed25519PrivateKey.generate()
    signed = sign_plan(plan, key, signed_at=datetime(2026, 12, 5, 9, tzinfo=UTC))
    sig = signed.signature
    assert sig is not None and sig.key_id == key_id(key.public_key())
    # the documented message, verified here with the cryptography package directly
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(sig.public_key) == raw
    assert sig.digest == plan.signature_digest() == signed.signature_digest()
    message = f"cosmo-agent plan signature v1\n{sig.digest}\n2026-12-05T09:00:00Z".encode()
    assert signed_message(sig.digest, sig.signed_at) == message
    key.public_key().verify(base64.b64decode(sig.signature), message)
    assert verify_plan(signed, key.public_key()) == []
    # it survives the file round trip, and does not change the content digest
    again = CommandPlan.from_json(signed.canonical_json())
    assert verify_plan(again, key.public_key()) == []
    assert again.content_digest() == plan.content_digest()

    def rules(p: CommandPlan, trusted: Any = None) -> list[str]:
        return [x.rule for x in verify_plan(p, trusted or key.public_key())]

    assert rules(plan) == ["signature.missing"]
    assert rules(_edit(signed, 0, parameters={**_burn(plan).parameters, "dv_along_m_s": 0.06})) == [
        "signature.invalid"
    ]
    assert rules(_edit(signed, 0, approvals=_burn(plan).approvals[:1])) == ["signature.invalid"]
    assert rules(signed, Ed25519PrivateKey.generate().public_key()) == ["signature.invalid"]
    forged = signed.model_copy(
        update={"signature": sig.model_copy(update={"signed_at": sig.signed_at + timedelta(1)})}
    )
    assert rules(forged) == ["signature.invalid"]
    resigned = sign_plan(_edit(signed, 0, approvals=[]), Ed25519PrivateKey.generate())
    assert rules(resigned) == ["signature.invalid"]  # a valid signature, by an untrusted key


def test_key_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    private, public, kid = generate_key()
    (tmp_path / "k.pem").write_bytes(private)
    (tmp_path / "k.pub").write_bytes(public)
    key = load_private_key(tmp_path / "k.pem")
    assert key_id(load_public_key(tmp_path / "k.pub")) == key_id(key.public_key()) == kid
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    (tmp_path / "k.raw").write_bytes(seed)
    raw_pub = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    (tmp_path / "k.rawpub").write_bytes(raw_pub)
    assert key_id(load_private_key(tmp_path / "k.raw").public_key()) == kid
    assert key_id(load_public_key(tmp_path / "k.rawpub")) == kid
    # the wrong half, or no key at all: bad input (exit 2) naming the file
    plan = tmp_path / "p.json"
    plan.write_text(_fixture("safe", "storm-protect").canonical_json(), encoding="utf-8")
    for option, path, words in (
        ("--trust-key", tmp_path / "k.pem", "this is a private key"),
        ("--trust-key", tmp_path / "missing.pub", "cannot read"),
        ("--trust-key", plan, "not a PEM public key"),
    ):
        code, _, err = _main(capsys, "validate", plan, "--mission", DEMO, option, path)
        assert code == 2 and str(path) in err and words in err and "Traceback" not in err
    code, _, err = _main(
        capsys, "plan", DEMO, "--sign-key", tmp_path / "k.pub", "-o", tmp_path / "x.json"
    )
    assert code == 2 and "this is a public key" in err and not (tmp_path / "x.json").exists()
    # keygen writes a private key only its owner reads, and never overwrites
    code, out, _ = _main(capsys, "keygen", "-o", tmp_path / "ops")
    assert code == 0 and "key id" in out
    assert (tmp_path / "ops").stat().st_mode & 0o077 == 0
    assert b"PUBLIC KEY" in (tmp_path / "ops.pub").read_bytes()
    code, _, err = _main(capsys, "keygen", "-o", tmp_path / "ops")
    assert code == 2 and "never overwritten" in err


def test_validate_with_a_trusted_key(
    approved: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mission, draft = approved
    key = Ed25519PrivateKey.generate()
    pub = tmp_path / "k.pub"
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    signed = _write_plan(tmp_path / "signed.json", sign_plan(_read(draft), key))
    args = ("--mission", mission, "--now", NOW_TEXT, "--trust-key", pub)
    code, text, _ = _main(capsys, "validate", signed, *args)
    assert code == 0 and text.startswith("signature: OK") and "PASSED" in text
    code, text, _ = _main(capsys, "validate", draft, *args)
    assert code == 1 and "signature.missing" in text and "FAILED: the signature" in text
    code, text, _ = _main(capsys, "validate", draft, *args, "--json")
    report = json.loads(text)
    assert code == 1 and report["ok"] is False
    assert [v["rule"] for v in report["violations"]] == ["signature.missing"]
    code, _, _ = _main(capsys, "validate", draft, *args[:4])  # no key asked: fine
    assert code == 0


# -- the release gate ----------------------------------------------------------------------


def _write_plan(path: Path, plan: CommandPlan) -> Path:
    path.write_text(plan.canonical_json(), encoding="utf-8")
    return path


def test_release_writes_a_valid_approved_plan(
    approved: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mission, src = approved
    out = tmp_path / "released.json"
    code, text, _ = _main(
        capsys, "release", src, "--mission", mission, "-o", out, "--now", NOW_TEXT
    )
    assert code == 0 and text.startswith("RELEASED") and f"wrote {out}" in text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["validation"]["ok"] and data["release"]["checked_at"] == NOW_TEXT
    released, draft = _read(out), _read(src)
    assert released.release is not None and draft.release is None
    assert released.release.content_digest == draft.content_digest() == released.content_digest()
    assert released.release.signature_digest == draft.signature_digest()
    # the release record changes no digest: the released file validates and releases again
    assert validate_plan(released, load_mission(mission), now=NOW).ok
    code, _, _ = _main(
        capsys, "release", out, "--mission", mission, "-o", tmp_path / "again.json",
        "--now", NOW_TEXT,
    )  # fmt: skip
    assert code == 0
    # seq and ycs: one file per satellite, marked RELEASED
    sats = draft.satellites()
    for fmt in ("seq", "ycs"):
        code, text, _ = _main(
            capsys, "release", src, "--mission", mission, "--format", fmt, "-o",
            tmp_path / f"out.{fmt}", "--now", NOW_TEXT, "--json",
        )  # fmt: skip
        result = json.loads(text)
        assert code == 0 and result["released"] and len(result["written"]) == len(sats) > 1
        for path in result["written"]:
            assert "RELEASED " in Path(path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "name", "rules"),
    [
        ("unsafe", "64-approved-then-burn-changed", {"approval.content_changed"}),
        ("unsafe", "63-approvals-unbound", {"approval.unbound"}),
        ("unsafe", "20-hazardous-no-approval", {"approval.missing"}),
    ],
)
def test_release_refuses_a_changed_or_unapproved_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, name: str, rules: set[str]
) -> None:
    src = _write_plan(tmp_path / "plan.json", _fixture(kind, name))
    for fmt in ("json", "seq", "ycs"):
        out = tmp_path / f"out.{fmt}"
        code, text, _ = _main(
            capsys, "release", src, "--mission", DEMO, "--format", fmt, "-o", out,
            "--now", NOW_TEXT,
        )  # fmt: skip
        assert code == 1 and text.startswith("NOT RELEASED") and "nothing written" in text
        assert all(r in text for r in rules)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # nothing written


def test_release_checks_the_clock_and_the_signature(
    approved: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mission, src = approved
    out = tmp_path / "out.json"
    # default clock: the wall clock, long after the 2026-06-10 demo commands
    code, text, _ = _main(capsys, "release", src, "--mission", mission, "-o", out, "--json")
    result = json.loads(text)
    assert code == 1 and not result["released"] and not out.exists()
    assert "time.margin" in {v["rule"] for v in result["violations"]}
    # a trusted key: unsigned is refused, signed by it is released
    key = Ed25519PrivateKey.generate()
    pub = tmp_path / "k.pub"
    pub.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    args = ("--mission", mission, "-o", out, "--now", NOW_TEXT, "--trust-key", pub)
    code, text, _ = _main(capsys, "release", src, *args)
    assert code == 1 and "signature.missing" in text and not out.exists()
    signed = _write_plan(tmp_path / "signed.json", sign_plan(_read(src), key))
    code, text, _ = _main(capsys, "release", signed, *args)
    assert code == 0 and f"signed by trusted key {key_id(key.public_key())}" in text
    record = _read(out).release
    assert record is not None and record.trusted_key == key_id(key.public_key())
    # signed, then an approval removed: refused for the approval and the signature
    stripped = _edit(_read(signed), 0, approvals=[])
    code, text, _ = _main(capsys, "release", _write_plan(tmp_path / "s.json", stripped), *args)
    assert code == 1 and "approval.missing" in text and "signature.invalid" in text


def test_release_bad_input_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write_plan(tmp_path / "plan.json", _fixture("safe", "storm-protect"))
    for args, words in (
        (("--mission", tmp_path / "none.yaml", "-o", tmp_path / "o.json"), "none.yaml"),
        (("--mission", DEMO, "-o", tmp_path / "no" / "o.json"), "does not exist"),
        (("--mission", DEMO, "-o", tmp_path / "o.json", "--now", "noon"), "not ISO 8601"),
    ):
        code, out, err = _main(capsys, "release", src, *args)
        assert code == 2 and out == "" and words in err and "Traceback" not in err
    code, _, err = _main(
        capsys, "release", tmp_path / "absent.json", "--mission", DEMO, "-o", tmp_path / "o.json"
    )
    assert code == 2 and "cannot read the plan" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


# -- plan -o: a draft, checked before approval, never lost ---------------------------------


def test_plan_output_is_a_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "draft.json"
    code, _, _ = _main(capsys, "plan", DEMO, "-o", out, "--json")
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["release"] is None and data["signature"] is None
    code, _, _ = _main(capsys, "plan", DEMO, "-o", tmp_path / "draft.seq", "--format", "seq")
    seq = next(tmp_path.glob("draft.*.seq")).read_text(encoding="utf-8")
    assert code == 0 and "; DRAFT - not released" in seq


def test_plan_into_a_missing_folder_fails_before_approval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mission = _hazardous_mission(tmp_path)
    stdin = io.StringIO("y\nDr. Kim\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    out = tmp_path / "missing" / "plan.json"
    code, text, err = _main(capsys, "plan", mission, "--interactive", "-o", out)
    assert code == 2 and text == "" and "Approval needed" not in err
    assert f"-o {out}" in err and "does not exist" in err and "nothing was planned" in err
    assert stdin.tell() == 0  # nobody was asked


def test_an_approved_plan_that_cannot_be_written_is_kept(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo: Mission,
) -> None:
    mission = _hazardous_mission(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\nDr. Kim\n"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the plan is kept
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)

    def disk_full(path: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    from cosmo_agent.agent import export

    monkeypatch.setattr(export, "write_bytes", disk_full)  # every plan file goes through it
    out = tmp_path / "plan.json"
    code, _, err = _main(capsys, "plan", mission, "--interactive", "-o", out)
    assert code == 2 and "Approval needed" in err and "No space left on device" in err
    assert "the approved plan was saved to" in err
    [kept] = tmp_path.glob("cosmo-agent-plan-*.json")
    assert str(kept) in err
    data = json.loads(kept.read_text(encoding="utf-8"))
    plan = CommandPlan.model_validate({k: v for k, v in data.items() if k != "validation"})
    [reset] = [c for c in plan.commands if c.command == "OBC_RESET"]
    assert [(a.by, a.bound) for a in reset.approvals] == [("Dr. Kim", True)]
    assert validate_plan(plan, load_mission(mission), now=plan.created_at).ok
