"""``cosmo-agent`` as a person meets it: start-up, one-line errors, exit codes, tables.

Issue 18, item 4.  Start-up is checked by what ``--help`` imports (a fact that can fail), not
by a time (``bench/bench_startup.py`` measures that).  Errors are checked in real subprocesses
where the interpreter's own behaviour matters (tracebacks, SIGINT, closed pipes), and through
``main`` in process elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from terminal import run_on_terminal  # tests/terminal.py

from cosmo_agent.agent import cli, console
from cosmo_agent.agent.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "missions" / "demo.yaml"
SUBSET = ROOT / "tests" / "data" / "screening" / "subset.3le"
HEAVY = ("torch", "transformers", "langgraph", "skyfield")
"""Modules that ``--help`` must not import (each costs a large part of a second or more)."""

UTC_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _python(code: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
        cwd=ROOT, **kwargs,
    )  # fmt: skip


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip


def _one_line_error(err: str, *needles: str) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], err


# -- start-up ------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["--version"]])
def test_help_does_not_import_heavy_modules(argv: list[str]) -> None:
    code = (
        "import json, sys\n"
        "from cosmo_agent.agent.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "names = ('torch', 'transformers', 'langgraph', 'skyfield', 'numpy',\n"
        "         'cosmo_agent.orbital', 'cosmo_agent.tools')\n"
        "print(json.dumps(sorted(n for n in names if n in sys.modules)), file=sys.stderr)\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    if argv == ["--version"]:
        assert done.stdout.startswith("cosmo-agent "), done.stdout
    else:  # the usage line of the command asked about
        usage = "usage: cosmo-agent" + ("" if argv[0] == "--help" else f" {argv[0]}")
        assert done.stdout.startswith(usage), done.stdout
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{argv} imported {loaded}"


def test_facades_are_lazy_but_complete() -> None:
    done = _python(
        "import sys, cosmo_agent, cosmo_agent.agent as agent\n"
        "assert 'cosmo_agent.orbital' not in sys.modules and 'langgraph' not in sys.modules\n"
        "assert cosmo_agent.Catalog.__name__ == 'Catalog'\n"
        "assert all(getattr(agent, n) is not None for n in agent.__all__)\n"
        "assert set(agent.__all__) <= set(dir(agent))\n"
        "print('ok')"
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_version_is_the_installed_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code in (0, None)
    assert capsys.readouterr().out.strip() == f"cosmo-agent {version('cosmo-agent')}"


# -- one-line errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["report", "--hours", "nan"], ["--hours nan", "(0, 744]"]),
        (["report", "--hours", "-5"], ["--hours -5"]),
        (["serve", "--port", "99999"], ["--port 99999", "1-65535"]),
        (["serve", "--model", "/nonexistent"], ["--model /nonexistent", "does not exist"]),
        (
            [
                "screen",
                "--catalog",
                str(SUBSET),
                "--start",
                "2026-06-10T00:00Z",
                "--duration-h",
                "nan",
            ],
            ["--duration-h nan"],
        ),
    ],
)
def test_bad_options_are_one_line_with_exit_2(
    argv: list[str], needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out = capsys.readouterr()
    _one_line_error(out.err, f"cosmo-agent {argv[0]}:", *needles)
    assert out.out == ""


def test_serve_model_directory_without_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--model", str(tmp_path)]) == 2
    _one_line_error(capsys.readouterr().err, f"--model {tmp_path}", "no config.json")


@pytest.mark.parametrize("kind", ["folder", "text file", "missing folder"])
def test_plan_checkpoint_must_be_a_sqlite_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = {"folder": tmp_path, "text file": tmp_path / "notes.txt",
              "missing folder": tmp_path / "no" / "runs.sqlite"}[kind]  # fmt: skip
    if kind == "text file":
        target.write_text("not a database\n", encoding="utf-8")
    assert main(["plan", str(DEMO), "--checkpoint", str(target), "--json"]) == 2
    out = capsys.readouterr()
    _one_line_error(out.err, "cosmo-agent plan:", f"--checkpoint {target}")
    assert out.out == ""


@pytest.mark.parametrize("kind", ["binary", "folder", "missing"])
def test_daemon_config_must_be_a_text_file(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = {"binary": tmp_path / "settings.yaml", "folder": tmp_path,
              "missing": tmp_path / "none.yaml"}[kind]  # fmt: skip
    if kind == "binary":
        target.write_bytes(bytes(range(128, 256)) * 8)
    code = main(["daemon", "--mission", str(DEMO), "--config", str(target), "--once",
                 "--state-dir", str(tmp_path / "state")])  # fmt: skip
    assert code == 2
    _one_line_error(capsys.readouterr().err, "cosmo-agent daemon:", f"--config {target}")


def test_a_real_subprocess_prints_no_traceback() -> None:
    done = _cli("report", "--hours", "nan")
    assert done.returncode == 2 and done.stdout == ""
    _one_line_error(done.stderr, "--hours nan")


def test_ctrl_c_is_one_line_and_exit_130() -> None:
    """A real SIGINT in the middle of a command (delivered by the command itself)."""
    done = _python(
        "import os, signal, sys\n"
        "from cosmo_agent.agent import cli\n"
        "cli._report = lambda args: os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.exit(cli.main(['report']))\n"
    )
    assert done.returncode == EXIT_INTERRUPTED == 130
    _one_line_error(done.stderr, "cosmo-agent: interrupted")


def test_ctrl_c_in_an_agent_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(console, "_passes", interrupted)
    assert main(["passes", "--mission", str(DEMO)]) == EXIT_INTERRUPTED
    _one_line_error(capsys.readouterr().err, "interrupted")


@pytest.mark.parametrize("argv", [["--help"], ["spaceweather", "--now", "2026-07-31T13:00:00Z"]])
def test_a_closed_pipe_is_a_quiet_exit(argv: list[str]) -> None:
    """``cosmo-agent ... | head`` where the reader has gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, deterministically
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cosmo_agent.agent.cli", *argv], stdout=write_end,
            stderr=subprocess.PIPE, text=True, timeout=120, check=False, cwd=ROOT,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.stderr == ""  # no traceback, no "Exception ignored"
    if argv == ["--help"]:  # argparse drops the failed write itself and exits as usual
        assert done.returncode in (0, EXIT_BROKEN_PIPE)
    else:
        assert done.returncode == EXIT_BROKEN_PIPE == 141


# -- tables --------------------------------------------------------------------------------------


def _assert_people_times(text: str) -> None:
    assert UTC_TIME.search(text), text
    assert not ISO_TIME.search(text), "an ISO 8601 time left in the table"
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text), "microseconds in the table"


def test_spaceweather_prints_tables_and_json_only_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = "2026-07-31T13:00:00Z"
    assert main(["spaceweather", "--now", now]) == 0
    text = capsys.readouterr().out
    assert not text.lstrip().startswith("{")
    assert "Space weather at 2026-07-31 13:00:00 UTC" in text
    assert re.search(r"G\s+G3\s+7\s+Kp\s+2026-07-31 09:00:00 UTC", text), text
    assert "ALERT: Geomagnetic K-index of 7" in text
    _assert_people_times(text)
    assert main(["spaceweather", "--now", now, "--json"]) == 0
    raw = capsys.readouterr().out
    assert raw.count("\n") == 1  # one line of JSON, as before
    data = json.loads(raw)
    assert data["scales"]["G"]["label"] == "G3"
    assert data["scales"]["G"]["value_time_utc"] == "2026-07-31T09:00:00Z"


def test_screen_prints_a_table_with_names(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["screen", "--catalog", str(SUBSET), "--start", "2026-06-10T00:00:00Z",
            "--duration-h", "2", "--threshold-km", "5"]  # fmt: skip
    assert main([*argv, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    _assert_people_times(text)
    assert f"{len(events)} conjunction(s)" in text
    first = events[0]
    row = next(line for line in text.splitlines() if line.strip().startswith(
        console.utc_text(first["tca"])))  # fmt: skip
    assert str(first["primary"]) in row and str(first["secondary"]) in row
    assert f"{first['miss_km']:.3f}" in row
    assert "STARLINK" in text  # names from the catalog beside the ids


def test_passes_and_schedule_tables_are_not_cut_at_80_columns() -> None:
    env = {"COLUMNS": "80"}
    for command in ("passes", "schedule"):
        done = _cli(command, "--mission", str(DEMO), "--duration-h", "6", env=env)
        assert done.returncode == 0, done.stderr
        rows = [line for line in done.stdout.splitlines() if UTC_TIME.search(line)]
        assert len(rows) > 3
        for line in rows[1:-1]:  # the first is the title, the last the tool's summary
            assert len(UTC_TIME.findall(line)) >= 2, line  # AOS and LOS whole on one line
        _assert_people_times(done.stdout)
        assert "\x1b[" not in done.stdout  # no colour codes into a pipe


def test_report_table_times(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--at", "2026-06-10T12:00:00Z", "--hours", "6"]) == 0
    text = capsys.readouterr().out
    assert "Fleet at 2026-06-10 12:00:00 UTC" in text and "umbra min/6h" in text
    _assert_people_times(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-06-10T12:00:00Z", "2026-06-10 12:00:00 UTC"),
        ("2026-06-10T12:00:00.499999Z", "2026-06-10 12:00:00 UTC"),
        ("2026-06-10T23:59:59.5Z", "2026-06-11 00:00:00 UTC"),
        ("2026-06-10T21:00:00+09:00", "2026-06-10 12:00:00 UTC"),
        (None, "-"),
    ],
)
def test_utc_text(value: str | None, expected: str) -> None:
    assert console.utc_text(value) == expected


def test_cli_module_keeps_heavy_imports_inside_functions() -> None:
    assert "np" not in vars(cli) and "numpy" not in vars(cli)


def test_plan_lists_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(DEMO)]) == 0
    text = capsys.readouterr().out
    count = int(re.search(r"Plan: (\d+) commands", text).group(1))  # type: ignore[union-attr]
    assert f"Commands ({count})" in text
    rows = [line for line in text.splitlines() if re.match(r"\s+\d+\s+\d{4}-\d\d-\d\d ", line)]
    assert len(rows) == count
    assert all(UTC_TIME.search(row) for row in rows)
    assert any("START_DOWNLINK" in row and "duration_s=" in row for row in rows)


def test_every_option_says_what_it_is() -> None:
    """Help text on every option of the commands this shell owns (assess and daemon aside)."""
    import argparse

    parser = cli._parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, command in sub.choices.items()
        if name not in ("assess", "daemon")
        for action in command._actions
        if not action.help and not isinstance(action, argparse._HelpAction)
    ]
    assert missing == []


def test_a_mission_time_zone_shows_local_times_in_tables_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``time_zone: Asia/Seoul``: the passes table reads KST (UTC+9, no daylight time);
    ``--json`` stays UTC; an unknown zone is one line naming the mission line."""
    from cosmo_agent.agent.cli import main

    text = (ROOT / "missions" / "demo-ko.yaml").read_text(encoding="utf-8")
    text = text.replace("\nlanguage: ko", "\nlanguage: ko\ntime_zone: Asia/Seoul", 1)
    mission = tmp_path / "kst.yaml"
    mission.write_text(text, encoding="utf-8")
    argv = ["passes", "--mission", str(mission), "--duration-h", "2"]
    assert main([*argv, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["result"]["passes"][0]
    assert first["aos_utc"].endswith("Z")
    assert main(argv) == 0
    shown = capsys.readouterr().out
    aos = datetime.fromisoformat(first["aos_utc"].replace("Z", "+00:00")) + timedelta(hours=9)
    assert f"{aos + timedelta(microseconds=500_000):%Y-%m-%d %H:%M:%S} KST" in shown
    assert " UTC" not in shown
    mission.write_text(text.replace("Asia/Seoul", "Asia/Seoull"), encoding="utf-8")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "time_zone" in err and "'Asia/Seoull'" in err and "Traceback" not in err


# -- validate, release, ask ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo mission's accepted plan (created 2026-06-10 12:00:00 UTC)."""
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    assert main(["plan", str(DEMO), "-o", str(out), "--json"]) == 0
    return out


EARLY = "2026-06-10T00:30:00Z"
"""A validation clock before the plan was made: errors whose messages carry element epochs
(microseconds in the plan's JSON) and the plan's creation time."""


def _violation_rows(text: str, rules: list[str]) -> list[str]:
    return [line for line in text.splitlines() if any(f" {r} " in line for r in rules)]


def test_validate_prints_a_table_of_violations_at_80_columns(
    plan_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    argv = ["validate", str(plan_file), "--mission", str(DEMO), "--now", EARLY]
    assert main([*argv, "--json"]) == 1
    found = json.loads(capsys.readouterr().out)["violations"]
    assert len(found) >= 5 and any(re.search(r"\d\.\d{6}Z", v["message"]) for v in found)
    assert main(argv) == 1
    text = capsys.readouterr().out
    assert text.startswith("FAILED") and "checked at 2026-06-10 00:30:00 UTC" in text
    assert f"Violations ({len(found)})" in text
    rows = _violation_rows(text, [v["rule"] for v in found])
    assert len(rows) == len(found)
    for row, v in zip(rows, found, strict=True):  # one line each, in the validator's order
        assert v["rule"] in row and row.rstrip().endswith(v["message"][-20:]), row
    _assert_people_times(text)
    epoch = re.search(r"epoch (\S+)", next(v["message"] for v in found if "epoch" in v["message"]))
    assert epoch is not None and console.utc_text(epoch[1].rstrip(",")) in text
    assert main(["validate", str(plan_file), "--mission", str(DEMO), "--now",
                 "2026-06-10T12:00:00Z"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("PASSED: 0 error(s)")


def test_release_prints_its_record_and_refusals_as_tables(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "released.json"
    argv = ["release", str(plan_file), "--mission", str(DEMO), "-o", str(out)]
    assert main([*argv, "--now", EARLY]) == 1
    text = capsys.readouterr().out
    assert text.startswith("NOT RELEASED") and "at 2026-06-10 00:30:00 UTC" in text
    assert "time.future_data" in text and not out.exists()
    _assert_people_times(text)
    assert main([*argv, "--now", "2026-06-10T12:00:00Z"]) == 0
    text = capsys.readouterr().out
    record = json.loads(out.read_text(encoding="utf-8"))["release"]
    assert text.startswith("RELEASED for 2026-06-10 12:00:00 UTC: PASSED")
    assert "Release record" in text and record["content_digest"] in text  # 64 hex, whole
    assert console.utc_text(record["released_at"]) in text
    assert f"wrote {out}" in text
    _assert_people_times(text)


def test_ask_shows_times_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["ask", "when is the next pass of KOMPSAT 3 over Daejeon?", "--mission", str(DEMO)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("→ find_passes(")
    assert "from 2026-06-10 12:00:00 UTC" in text  # the tool's summary, ISO 8601 no more
    _assert_people_times(text)


def test_validate_on_an_80_column_terminal_cuts_nothing(plan_file: Path) -> None:
    """On a terminal the table fits 80 columns: messages wrap between words, and every rule
    name and command number is whole."""
    code, err, shown = run_on_terminal(
        "validate", str(plan_file), "--mission", str(DEMO), "--now", EARLY, on="stdout"
    )
    assert code == 1, err
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown).replace("\r", "")
    lines = text.splitlines()
    assert lines[0].startswith("FAILED") and all(len(line) <= 80 for line in lines), text
    assert len(re.findall(r"\berror\s+time\.future_data\s+plan\b", text)) >= 5, text


def _terminal_text(*argv: str) -> str:
    """What ``cosmo-agent ARGV`` shows on an 80-column terminal, colours taken out."""
    code, err, shown = run_on_terminal(*argv, on="stdout")
    assert code == 0, err
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown).replace("\r", "")


def test_tables_on_an_80_column_terminal_wrap_times_after_the_date_only() -> None:
    text = _terminal_text("passes", "--mission", str(DEMO), "--duration-h", "3")
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    clocks = re.findall(r"\d\d:\d\d:\d\d UTC", text)
    assert len(clocks) > 3 * 10 and text.count("UTC") == len(clocks), text  # no "UTC" alone
    assert "max el°" in text and "SVALBARD" in text and "FAIRBANKS" in text


def test_a_table_too_wide_for_the_terminal_is_printed_as_records() -> None:
    """``screen``'s eight columns do not fit 80 columns with whole names: one block per
    conjunction, every time and name whole, nothing cut at the edge."""
    argv = ("screen", "--catalog", str(SUBSET), "--start", "2026-06-10T00:00:00Z",
            "--duration-h", "2", "--threshold-km", "5")  # fmt: skip
    text = _terminal_text(*argv)
    events = json.loads(_cli(*argv, "--json").stdout)["events"]
    assert all(len(line) <= 80 for line in text.splitlines()), text
    tcas = re.findall(r"^\s+TCA\s+(\S.*\S)\s*$", text, re.MULTILINE)
    assert tcas == [console.utc_text(e["tca"]) for e in events]
    for e in events:
        assert re.search(rf"^\s+primary\s+{e['primary']}\b", text, re.MULTILINE)
        assert re.search(rf"^\s+miss km\s+{e['miss_km']:.3f}\s*$", text, re.MULTILINE)
    assert "STARLINK-37084" in text


def test_serve_passes_the_tools_readings_to_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """``cosmo-agent serve`` gives the model the tools' readings of each request: the values
    it writes and the names the mission lacks (the functions the planners pass, not copies)."""
    from cosmo_agent.model import serve as srv
    from cosmo_agent.tools.mentions import unknown_names
    from cosmo_agent.tools.registry import spelled_values

    seen: dict[str, object] = {}
    monkeypatch.setattr(srv, "serve", lambda **kwargs: seen.update(kwargs))
    assert main(["serve"]) == 0
    assert seen["request_values"] is spelled_values and seen["unknown_names"] is unknown_names
