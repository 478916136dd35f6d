"""Progress bars of the long commands (issue 18, item 5): ``screen``, ``model corpus``,
``model train``.

A person at a terminal sees a bar on stderr that counts real work (screening windows,
requests answered, optimiser steps); a script that pipes the output, or asks for ``--json``,
gets the same stdout and no bar.  The terminal is a real pseudo-terminal (``pty``): in a
subprocess for ``screen``, in process (``sys.stderr`` on the pty) for the model stages, so
that torch and transformers are imported once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from terminal import run_on_terminal, stderr_on_terminal, terminal_env  # tests/terminal.py

from cosmo_agent.agent import console
from cosmo_agent.agent.cli import main

ROOT = Path(__file__).resolve().parents[1]
SUBSET = ROOT / "tests" / "data" / "screening" / "subset.3le"
FULL = ROOT.parent / "shared" / "data" / "catalog-leo-2026-06-10.3le"
BAR = "━"
"""The glyph Rich draws bars with; nothing else the commands print contains it."""


def _screen_on_terminal(*argv: str) -> tuple[int, str, str]:
    """``cosmo-agent screen ...``, stderr on a terminal: (exit code, stdout, the terminal)."""
    return run_on_terminal("screen", *argv, on="stderr")


def _screen_piped(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", "screen", *argv],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT, env=terminal_env(),
    )  # fmt: skip


def _windows(text: str) -> list[tuple[int, int]]:
    """The ``done/total windows`` counts the bar showed, in order."""
    return [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+)\x1b\[0m windows", text)]


SCREEN = ("--catalog", str(SUBSET), "--start", "2026-06-10T00:00:00Z", "--duration-h", "24")


def test_screen_draws_a_bar_on_a_terminal_and_the_same_stdout() -> None:
    code, stdout, terminal = _screen_on_terminal(*SCREEN)
    piped = _screen_piped(*SCREEN)
    assert code == piped.returncode == 0, piped.stderr
    assert stdout == piped.stdout  # the table, unchanged by the bar
    assert "conjunction(s)" in stdout
    assert BAR in terminal and "screening" in terminal and "100%" in terminal
    counts = _windows(terminal)
    # 24 h in windows of 12 knots of 340 s: ceil(ceil(86400 / 20) / 17 / 12) = 22
    assert counts[0] == (0, 22) and counts[-1] == (22, 22), counts
    assert [d for d, _ in counts] == sorted(d for d, _ in counts)  # it only moves forward
    assert piped.stderr == ""  # into a pipe: nothing on stderr


def test_screen_json_draws_nothing_even_on_a_terminal() -> None:
    code, stdout, terminal = _screen_on_terminal(*SCREEN, "--json")
    assert code == 0
    assert json.loads(stdout)["events"]
    assert terminal == ""


@pytest.mark.slow
@pytest.mark.skipif(not FULL.is_file(), reason="the shared full catalog (../shared/data) is absent")
def test_screen_of_the_full_catalog_shows_its_progress() -> None:
    """The command the bar is for: 16,032 objects (2 h here, to keep the test short)."""
    code, stdout, terminal = _screen_on_terminal(
        "--catalog", str(FULL), "--start", "2026-06-10T00:00:00Z", "--duration-h", "2",
        "--threshold-km", "1",
    )  # fmt: skip
    assert code == 0
    assert "conjunction(s)" in stdout
    counts = _windows(terminal)
    assert counts[0] == (0, 2) and counts[-1] == (2, 2), counts


def test_the_orbital_screen_reports_each_window_once() -> None:
    """The callback counts the units the screen is cut into, with one or two workers."""
    from cosmo_agent.orbital.screening import screen
    from cosmo_agent.tools.context import read_catalog

    catalog = read_catalog(str(SUBSET))
    start = datetime(2026, 6, 10, tzinfo=UTC)
    for workers in (1, 2):
        seen: list[tuple[int, int]] = []
        found = screen(
            catalog, start, start + timedelta(hours=6), 5.0, workers=workers,
            progress=lambda done, total, seen=seen: seen.append((done, total)),
        )  # fmt: skip
        tasks = int(found.stats["tasks"])
        assert seen == [(k, tasks) for k in range(tasks + 1)], seen
        assert tasks == 6  # 6 h: 64 knots of 340 s, 12 to a window


# -- model corpus / model train, in process ------------------------------------------------------


def _corpus_argv(out: Path) -> list[str]:
    return ["model", "corpus", "--out", str(out), "--worlds", "1", "--per-world", "8"]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("progress")


def test_corpus_draws_a_bar_of_requests_only_on_a_terminal(
    corpora: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with stderr_on_terminal(monkeypatch) as terminal:
        assert main(_corpus_argv(corpora / "shown")) == 0
    shown = json.loads(capsys.readouterr().out)
    text = terminal()
    assert BAR in text and "corpus" in text and "100%" in text
    counts = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+)\x1b\[0m requests", text)]
    assert counts and counts[-1] == (8, 8), counts  # 1 world x 8 requests, each answered
    assert main(_corpus_argv(corpora / "piped")) == 0
    captured = capsys.readouterr()
    piped = json.loads(captured.out)
    assert BAR not in captured.err and "requests" not in captured.err
    assert {**shown, "out": None} == {**piped, "out": None}  # the same corpus summary
    assert shown["teacher"]["checked"] == 8


@pytest.mark.slow
def test_train_draws_a_bar_of_steps_only_on_a_terminal(
    corpora: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    data = corpora / "train-data"
    assert main(_corpus_argv(data)) == 0
    capsys.readouterr()

    def argv(out: str) -> list[str]:
        return [
            "model", "train", "--data", str(data), "--output-dir", str(corpora / out),
            "--max-steps", "3", "--hidden-size", "32", "--num-layers", "1", "--num-heads", "2",
            "--num-kv-heads", "2", "--intermediate-size", "64", "--max-length", "4096",
            "--vocab-size", "400", "--batch-size", "2", "--logging-steps", "1",
            "--save-steps", "3",
        ]  # fmt: skip

    def summary(stdout: str) -> dict[str, object]:
        return dict(json.loads(stdout.strip().splitlines()[-1])["metrics"])

    with stderr_on_terminal(monkeypatch) as terminal:
        assert main(argv("shown")) == 0
    shown = summary(capsys.readouterr().out)
    text = terminal()
    assert BAR in text and "training" in text and "100%" in text
    counts = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+)\x1b\[0m steps", text)]
    assert counts and counts[0] == (0, 3) and counts[-1] == (3, 3), counts
    assert main(argv("piped")) == 0
    captured = capsys.readouterr()
    assert BAR not in captured.err and not re.search(r"\d+/\d+ steps", captured.err)
    assert summary(captured.out) == shown  # the same training, the same record
    assert shown["global_step"] == 3


def test_progress_bar_is_none_without_a_terminal_or_with_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with console.progress_bar("x", "units") as progress:  # pytest's stderr: not a terminal
        assert progress is None
    with stderr_on_terminal(monkeypatch) as terminal:
        with console.progress_bar("x", "units", enabled=False) as progress:
            assert progress is None
        with console.progress_bar("never", "units") as progress:
            assert progress is not None  # a bar that is never fed draws nothing
        with console.progress_bar("fed", "units") as progress:
            assert progress is not None
            progress(0, 4)
            progress(4, 4)
    text = terminal()
    assert "never" not in text and "fed" in text and "4/4" in text
