"""Object storage against a real S3-compatible server (moto's server mode on loopback, IAM
authentication on; :mod:`s3_server`).

The real commands run as subprocesses pointed at it through the standard AWS settings only
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` or ``AWS_PROFILE``
with a shared credentials file): ``model corpus --out
s3://``, ``model train --data s3:// --output-dir s3://`` on a tiny model, ``plan`` of a mission
read from ``s3://`` with its catalog and space weather there and its plan and report written
there.  What is read from the bucket must give what the same bytes give from disk.  Wrong
credentials, a missing bucket and an unreachable endpoint exit with one line naming the URL
and the setting to fix; a server lost mid-upload leaves no object behind, and a corpus left
without its manifest is refused by ``train``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from s3_server import CutProxy, S3Server, free_port

from cosmo_agent.tools import storage

TOOLS_DATA = Path(str(files("cosmo_agent.tools") / "data"))
DEMO = Path(str(files("cosmo_agent.missions") / "demo.yaml"))


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@pytest.fixture
def s3_env(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The server's AWS variables in this process (and returned, for subprocesses)."""
    import s3fs

    env = s3.env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3fs.S3FileSystem.clear_instance_cache()  # a filesystem made with other settings
    yield env
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture
def bucket(s3: S3Server) -> str:
    """A new bucket for one test; its name."""
    name = f"cosmo-{uuid.uuid4().hex[:12]}"
    s3.make_bucket(name)
    return name


def _cli(*args: str, env: dict[str, str], timeout_s: float = 600
         ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "cosmo_agent.agent.cli", *args],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env},
        capture_output=True, text=True,
        timeout=timeout_s,
    )  # fmt: skip


def _get(s3: S3Server, bucket: str, key: str) -> bytes:
    body: bytes = s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def _one_line_error(done: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    for needle in needles:
        assert needle in done.stderr, done.stderr
    return done.stderr


# -- model: corpus and training -------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_to_s3_then_train_from_it_to_s3(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    corpus = f"s3://{bucket}/corpus"
    done = _cli("model", "corpus", "--out", corpus, "--worlds", "2", "--per-world", "12",
                env=s3_env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    keys = s3.keys(bucket, "corpus/")
    manifest = json.loads(_get(s3, bucket, "corpus/manifest.json"))
    assert set(keys) == {f"corpus/{n}" for n in [*manifest["files"], "manifest.json"]}
    for name, entry in manifest["files"].items():  # the manifest's checksums are the objects'
        body = _get(s3, bucket, f"corpus/{name}")
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], name
        assert body.count(b"\n") == entry["rows"], name
    assert manifest["counts"]["train"]["total"] > 0

    done = _cli("model", "train", "--data", corpus, "--output-dir", f"s3://{bucket}/model",
                "--metrics-dir", f"s3://{bucket}/metrics", "--checkpoint-dir",
                str(tmp_path / "checkpoints"), "--hidden-size", "32", "--num-layers", "1",
                "--num-heads", "2", "--num-kv-heads", "2", "--intermediate-size", "64",
                "--vocab-size", "1000", "--chat-template", "cosmo-tiny", "--max-length",
                "4096", "--max-train-examples", "8", "--max-eval-examples", "4", "--max-steps", "2",
                "--batch-size", "2", "--eval-batch-size", "2", "--save-steps", "2",
                "--eval-steps", "2", env=s3_env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["output_dir"] == f"s3://{bucket}/model"
    model = {k.removeprefix("model/") for k in s3.keys(bucket, "model/")}
    assert {"config.json", "model.safetensors", "tokenizer.json", "cosmo_training.json"} <= model
    record = json.loads(_get(s3, bucket, "model/cosmo_training.json"))
    assert record["metrics"]["global_step"] == 2
    m = record["metrics"]  # the 8 conversations asked for, read from the bucket
    assert m["train_examples"] + m["dropped_too_long"] + m["dropped_no_target"] == 8
    assert m["train_examples"] > 0
    metrics = json.loads(_get(s3, bucket, "metrics/metrics.json"))
    assert metrics["global_step"] == 2 and metrics["train_loss"] > 0

    # the uploaded model loads and is the one trained: the same weights as the local stage
    from safetensors.numpy import load

    local = tmp_path / "model.safetensors"
    local.write_bytes(_get(s3, bucket, "model/model.safetensors"))
    weights = load(local.read_bytes())
    assert weights and all(w.size for w in weights.values())


def test_train_refuses_a_corpus_without_its_manifest(
    s3: S3Server, s3_env: dict[str, str], bucket: str
) -> None:
    s3.client().put_object(Bucket=bucket, Key="half/train.jsonl", Body=b'{"messages": []}\n')
    done = _cli("model", "train", "--data", f"s3://{bucket}/half", "--output-dir",
                f"s3://{bucket}/model", env=s3_env)  # fmt: skip
    _one_line_error(done, 2, "manifest.json", f"s3://{bucket}/half")
    assert s3.keys(bucket, "model/") == []


@pytest.mark.slow
def test_evaluate_reads_its_split_from_s3_and_writes_its_reports_there(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    from cosmo_agent.agent.teacher import RulesTeacher
    from cosmo_agent.model.corpus import build_corpus

    build_corpus(RulesTeacher(), str(tmp_path / "c"), n_worlds=1, per_world=12, seed=0)
    split = (tmp_path / "c" / "train.jsonl").read_bytes()
    s3.client().put_object(Bucket=bucket, Key="c/train.jsonl", Body=split)
    done = _cli("model", "evaluate", "--split", f"s3://{bucket}/c/train.jsonl", "--limit", "2",
                "--no-perplexity", "--out", f"s3://{bucket}/eval/report.json", "--markdown",
                f"s3://{bucket}/eval/report.md", env=s3_env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(_get(s3, bucket, "eval/report.json"))
    assert report["metrics"]["all"]["n_records"] == 2
    assert _get(s3, bucket, "eval/report.md").decode() in done.stdout  # the table printed
    done = _cli("model", "evaluate", "--split", f"s3://{bucket}/c/none.jsonl", env=s3_env)
    _one_line_error(done, 2, f"s3://{bucket}/c/none.jsonl")


# -- plan: a mission, its catalog and space weather in the bucket; plan and report written there --


def _upload_mission(s3: S3Server, bucket: str) -> str:
    """The demo mission with its catalog and space weather beside it in the bucket, named by
    relative paths (resolved under the mission's URL); the mission's URL."""
    client = s3.client()
    mission = yaml.safe_load(DEMO.read_text())
    mission["sources"]["catalog"] = ["sample-leo.3le"]
    mission["sources"]["space_weather"] = "weather/"
    client.put_object(Bucket=bucket, Key="m/demo.yaml", Body=yaml.safe_dump(mission).encode())
    client.put_object(Bucket=bucket, Key="m/sample-leo.3le",
                      Body=(TOOLS_DATA / "sample-leo.3le").read_bytes())  # fmt: skip
    for f in sorted((TOOLS_DATA / "swpc-2026-06-10").iterdir()):
        client.put_object(Bucket=bucket, Key=f"m/weather/{f.name}", Body=f.read_bytes())
    return f"s3://{bucket}/m/demo.yaml"


@pytest.mark.slow
def test_plan_reads_the_mission_from_s3_and_writes_plan_and_report_there(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    mission = _upload_mission(s3, bucket)
    done = _cli("plan", mission, "-o", f"s3://{bucket}/out/plan.json", "--report",
                f"s3://{bucket}/out/report.html", "--json", env=s3_env)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-3000:]
    remote = json.loads(_get(s3, bucket, "out/plan.json"))
    assert _get(s3, bucket, "out/report.html").startswith(b"<!DOCTYPE html>")

    # the same mission from disk (bundled catalog and weather): the same plan
    local = tmp_path / "plan.json"
    again = _cli("plan", str(DEMO), "-o", str(local), "--json", env={})
    assert again.returncode == done.returncode, again.stderr[-2000:]
    theirs = json.loads(local.read_text())
    assert remote["commands"] and remote["commands"] == theirs["commands"]
    assert json.loads(done.stdout)["written"] == [f"s3://{bucket}/out/plan.json"]


@pytest.mark.slow
def test_fleet_html_report_of_an_s3_mission_is_written_to_s3(
    s3: S3Server, s3_env: dict[str, str], bucket: str
) -> None:
    mission = _upload_mission(s3, bucket)
    done = _cli("report", "--mission", mission, "--html", f"s3://{bucket}/out/fleet.html",
                env=s3_env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"s3://{bucket}/out/fleet.html" in done.stdout
    page = _get(s3, bucket, "out/fleet.html")
    assert page.startswith(b"<!DOCTYPE html>") and b"report-figures" in page
    done = _cli("report", "--mission", mission, "--html", "s3://no-such-bucket-here/f.html",
                env=s3_env)  # fmt: skip
    _one_line_error(done, 2, "no-such-bucket-here", "does not exist")


@pytest.mark.slow
def test_screen_and_report_read_an_s3_catalog(
    s3: S3Server, s3_env: dict[str, str], bucket: str
) -> None:
    catalog = TOOLS_DATA / "conjunction-2026-06-10.3le"
    s3.client().put_object(Bucket=bucket, Key="cat/c.3le", Body=catalog.read_bytes())
    args = ["--start", "2026-06-10T00:00:00Z", "--duration-h", "6", "--json"]
    remote = _cli("screen", "--catalog", f"s3://{bucket}/cat/c.3le", *args,
                  "--csv", f"s3://{bucket}/out/screen.csv", env=s3_env)  # fmt: skip
    local = _cli("screen", "--catalog", str(catalog), *args, env={})
    assert remote.returncode == local.returncode == 0, remote.stderr[-2000:]
    events = json.loads(remote.stdout)["events"]
    assert events and events == json.loads(local.stdout)["events"]
    csv_rows = _get(s3, bucket, "out/screen.csv").decode().splitlines()
    assert csv_rows[0].startswith("tca_utc,") and len(csv_rows) == len(events) + 1
    args = ["--at", "2026-06-10T00:00:00Z", "--hours", "2", "--json"]
    remote = _cli("report", "--catalog", f"s3://{bucket}/cat/c.3le", *args, env=s3_env)
    local = _cli("report", "--catalog", str(catalog), *args, env={})
    assert remote.returncode == local.returncode == 0, remote.stderr[-2000:]
    rows = json.loads(remote.stdout)["satellites"]
    assert rows and rows == json.loads(local.stdout)["satellites"]


def test_space_weather_and_oem_from_s3_match_the_same_files_on_disk(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    from cosmo_agent.orbital.oem import EXAMPLE_KVN
    from cosmo_agent.tools.ephemerides import fleet_ephemerides
    from cosmo_agent.tools.mission import parse_mission
    from cosmo_agent.tools.spaceweather import open_source

    client = s3.client()
    weather = TOOLS_DATA / "swpc-2026-06-10"
    for f in sorted(weather.iterdir()):
        client.put_object(Bucket=bucket, Key=f"sw/{f.name}", Body=f.read_bytes())
    remote = open_source(f"s3://{bucket}/sw").load()
    local = open_source(str(weather)).load()
    assert sorted(remote) == sorted(local) and remote
    for name, item in local.items():
        got = remote[name].data
        assert item.data is not None and got is not None, remote[name].problem
        assert got.origin == remote[name].origin == f"s3://{bucket}/sw/{Path(item.origin).name}"
        assert dataclasses.replace(got, origin=item.data.origin) == item.data

    client.put_object(Bucket=bucket, Key="eph/sat1.oem", Body=EXAMPLE_KVN.encode())
    (tmp_path / "sat1.oem").write_text(EXAMPLE_KVN)
    text = """
name: s3-oem
fleet: [{norad_id: 25544, name: ISS, class: weather, ephemeris: EPH}]
sources: {catalog: ["bundled:sample-leo.3le"]}
"""
    for where in (f"s3://{bucket}/eph/sat1.oem", str(tmp_path / "sat1.oem")):
        mission = parse_mission(text.replace("EPH", where))
        source = fleet_ephemerides(mission, mission.fleet)[25544]
        assert source.path == where
        assert source.span_text() == "2026-06-10 00:00:00 to 2026-06-10 00:02:00 UTC"


@pytest.mark.slow
def test_a_named_profile_supplies_the_credentials(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    """``AWS_PROFILE`` and a shared credentials file, no key in the environment."""
    catalog = TOOLS_DATA / "sample-leo.3le"
    s3.client().put_object(Bucket=bucket, Key="c.3le", Body=catalog.read_bytes())
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[ops]\naws_access_key_id = {s3.access_key}\n"
                           f"aws_secret_access_key = {s3.secret_key}\n")  # fmt: skip
    env = {k: v for k, v in s3_env.items() if not k.startswith(("AWS_ACCESS", "AWS_SECRET"))}
    env |= {"AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_CONFIG_FILE": str(tmp_path / "none")}  # fmt: skip
    args = ["report", "--catalog", f"s3://{bucket}/c.3le", "--json"]
    done = _cli(*args, env={**env, "AWS_PROFILE": "ops"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["catalog"] == f"s3://{bucket}/c.3le"
    done = _cli(*args, env={**env, "AWS_PROFILE": "nobody"})
    _one_line_error(done, 2, f"s3://{bucket}/c.3le", "AWS_PROFILE")


# -- failures: clear errors, nothing half-written ---------------------------------------------


@pytest.mark.slow
def test_wrong_credentials_missing_bucket_and_no_server_are_named(
    s3: S3Server, s3_env: dict[str, str], bucket: str
) -> None:
    wrong = {**s3_env, "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    done = _cli("model", "corpus", "--out", f"s3://{bucket}/c", "--worlds", "1",
                "--per-world", "2", env=wrong)  # fmt: skip
    _one_line_error(done, 2, f"s3://{bucket}/c", "AWS_SECRET_ACCESS_KEY")
    unknown = {**s3_env, "AWS_ACCESS_KEY_ID": "AKIANOSUCHKEY0000000"}
    done = _cli("plan", str(DEMO), "-o", f"s3://{bucket}/plan.json", env=unknown)
    _one_line_error(done, 2, f"s3://{bucket}/plan.json", "AWS_ACCESS_KEY_ID",
                    "nothing was planned")  # fmt: skip

    done = _cli("model", "corpus", "--out", "s3://no-such-bucket-here/c", "--worlds", "1",
                "--per-world", "2", env=s3_env)  # fmt: skip
    _one_line_error(done, 2, "s3://no-such-bucket-here/c", "bucket")
    done = _cli("plan", str(DEMO), "-o", "s3://no-such-bucket-here/plan.json", env=s3_env)
    _one_line_error(done, 2, "no-such-bucket-here", "does not exist")
    mission = yaml.safe_load(DEMO.read_text())
    mission["sources"]["catalog"] = [f"s3://{bucket}/missing.3le"]
    path = Path(shutil.copy(DEMO, DEMO.name))  # a mission whose catalog object is missing
    try:
        path.write_text(yaml.safe_dump(mission))
        done = _cli("plan", str(path), env=s3_env)
        _one_line_error(done, 2, f"s3://{bucket}/missing.3le", "sources.catalog[0]")
    finally:
        path.unlink()

    nowhere = {**s3_env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    done = _cli("screen", "--catalog", f"s3://{bucket}/c.3le", "--start",
                "2026-06-10T00:00:00Z", env=nowhere)  # fmt: skip
    _one_line_error(done, 2, f"s3://{bucket}/c.3le", "AWS_ENDPOINT_URL")
    assert s3.keys(bucket) == []  # nothing was written by any of them


def test_a_server_lost_mid_upload_leaves_no_object(
    s3: S3Server, s3_env: dict[str, str], bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import s3fs

    proxy = CutProxy(s3.port, cut_after_bytes=7 << 20)  # in the second 5 MiB part
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
    s3fs.S3FileSystem.clear_instance_cache()
    url = f"s3://{bucket}/big.bin"
    chunk = os.urandom(1 << 20)
    with (pytest.raises(storage.StorageError, match="AWS_ENDPOINT_URL") as failure,
          storage.atomic_writer(url) as f):  # fmt: skip
        for _ in range(16):
            f.write(chunk)
    assert url in str(failure.value)
    assert proxy.sent >= 7 << 20  # the cut came mid-upload, not before it
    assert s3.keys(bucket) == []  # no object: the multipart upload was never completed
    uploads = s3.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["Key"] for u in uploads] == ["big.bin"]  # only the unfinished upload (lifecycle)


@pytest.mark.slow
def test_a_corpus_cut_off_mid_write_is_not_taken_for_a_corpus(
    s3: S3Server, s3_env: dict[str, str], bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server goes away while ``model corpus`` uploads its files: it fails naming the
    store, no manifest exists, and ``model train`` refuses the folder."""
    proxy = CutProxy(s3.port, cut_after_bytes=60_000)
    done = _cli("model", "corpus", "--out", f"s3://{bucket}/corpus", "--worlds", "3",
                "--per-world", "30", env={**s3_env, "AWS_ENDPOINT_URL": proxy.endpoint})
    _one_line_error(done, 1, f"s3://{bucket}/corpus", "AWS_ENDPOINT_URL",
                    "no manifest was written")  # fmt: skip
    assert proxy.sent >= 60_000
    keys = s3.keys(bucket)
    assert "corpus/manifest.json" not in keys
    for key in keys:  # a file that was finished before the cut is whole: valid JSON lines
        for line in _get(s3, bucket, key).decode().splitlines():
            json.loads(line)
    done = _cli("model", "train", "--data", f"s3://{bucket}/corpus", env=s3_env)
    _one_line_error(done, 2, "manifest.json")


# -- the daemon's plan archive ----------------------------------------------------------------


def test_plan_archive_writes_whole_files_to_s3(
    s3: S3Server, s3_env: dict[str, str], bucket: str
) -> None:
    from datetime import UTC, datetime

    from cosmo_agent.agent.daemon.sinks import PlanArchive

    archive = PlanArchive(f"s3://{bucket}/plans")
    assert archive.names() == set()
    name = archive.name(3, datetime(2026, 6, 10, 12, 30, tzinfo=UTC))
    body: dict[str, Any] = {"plan": {"commands": ["A"]}}
    assert archive.write(name, json.dumps(body)) == f"s3://{bucket}/plans/{name}"
    assert archive.names() == {name} == {"plan-000003-20260610T123000Z.json"}
    assert json.loads(_get(s3, bucket, f"plans/{name}")) == body
    missing = PlanArchive("s3://no-such-bucket-here/plans")
    with pytest.raises(OSError, match=r"no-such-bucket-here.*does not exist"):
        missing.write(name, "{}")


def test_daemon_archives_accepted_plans_to_s3(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    from datetime import datetime

    from test_daemon import SAMPLE, T0, debris_lines, make_mission

    from cosmo_agent.agent.daemon import DaemonSettings, ManualClock
    from cosmo_agent.agent.daemon.runtime import Daemon
    from cosmo_agent.agent.daemon.sinks import PlanArchive
    from cosmo_agent.orbital.catalog import Catalog

    make_mission(tmp_path, SAMPLE.read_text() + debris_lines(Catalog.from_file(SAMPLE)))
    body = json.dumps({"plan": {"commands": ["A"]}})

    def replanner(d: Daemon, now: datetime, details: Any) -> tuple[str, str, str | None]:
        return "accepted", "plan A", body

    settings = DaemonSettings(mission=tmp_path / "mission.yaml", state_dir=tmp_path / "state",
                              plan_dir=f"s3://{bucket}/plans", scaleout="inline",
                              screener="orbital", stdout_alerts=False,
                              screening_span_h=12.0)  # fmt: skip
    with Daemon(settings, clock=ManualClock(T0), replanner=replanner) as d:
        d.run_job("catalog")
        assert d.run_job("replan").detail == "plan 1: accepted"
    name = PlanArchive.name(1, T0)
    assert s3.keys(bucket) == [f"plans/{name}"]
    assert _get(s3, bucket, f"plans/{name}").decode() == body


def test_daemon_catalog_refresh_reads_an_s3_folder(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    from cosmo_agent.agent.daemon.catalogs import CatalogRefresher
    from cosmo_agent.tools.mission import parse_mission

    sample = TOOLS_DATA / "sample-leo.3le"
    s3.client().put_object(Bucket=bucket, Key="cat/sample-leo.3le", Body=sample.read_bytes())
    s3.client().put_object(Bucket=bucket, Key="cat/notes.md", Body=b"not elements")
    mission = yaml.safe_load(DEMO.read_text())
    fleet = [int(s["norad_id"]) for s in mission["fleet"]]
    snapshots = {}
    for where in (f"s3://{bucket}/cat/", str(sample)):
        mission["sources"]["catalog"] = [where]
        refresher = CatalogRefresher(parse_mission(yaml.safe_dump(mission)), tmp_path / where[:2])
        snapshots[where[:2]] = refresher.refresh(None, fleet_ids=fleet)
    remote, local = snapshots["s3"], snapshots[str(sample)[:2]]
    assert remote.sources == (f"s3://{bucket}/cat/sample-leo.3le",)  # the .md is not read
    assert remote.catalog.ids.tolist() == local.catalog.ids.tolist()
    assert remote.catalog.epoch_jd.tolist() == local.catalog.epoch_jd.tolist()


def test_ephemeris_writes_to_s3_and_events_ingest_a_cdm_from_s3(
    s3: S3Server, s3_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    """``ephemeris -o s3://`` writes the OEM the same command writes to disk (creation date
    aside); ``events --ingest s3://...cdm`` files the event a local copy files."""
    from cosmo_agent.orbital.cdm import EXAMPLE_KVN

    args = ["ephemeris", "--mission", "bundled:demo.yaml", "--satellites", "38338",
            "--duration-h", "1", "--step-s", "60"]  # fmt: skip
    remote = _cli(*args, "-o", f"s3://{bucket}/eph/k3.oem", env=s3_env)
    local = _cli(*args, "-o", str(tmp_path / "k3.oem"), env={})
    assert remote.returncode == local.returncode == 0, remote.stderr[-2000:]

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("CREATION_DATE")]

    sent = _get(s3, bucket, "eph/k3.oem").decode()
    assert body(sent) == body((tmp_path / "k3.oem").read_text()) and len(body(sent)) > 60

    s3.client().put_object(Bucket=bucket, Key="cdm/example.cdm", Body=EXAMPLE_KVN.encode())
    (tmp_path / "example.cdm").write_text(EXAMPLE_KVN)
    outs = []
    for name, cdm in (("remote", f"s3://{bucket}/cdm/example.cdm"),
                      ("local", str(tmp_path / "example.cdm"))):  # fmt: skip
        done = _cli("events", "--state-dir", str(tmp_path / name), "--ingest", cdm,
                    "--mission", "bundled:demo.yaml", "--json", env=s3_env)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        outs.append(json.loads(done.stdout))
    assert [e["event_id"] for e in outs[0]["events"]] == [e["event_id"] for e in outs[1]["events"]]
    assert outs[0]["events"], outs
    missing = _cli("events", "--state-dir", str(tmp_path / "m"), "--ingest",
                   f"s3://{bucket}/cdm/none.cdm", "--mission", "bundled:demo.yaml", env=s3_env)
    _one_line_error(missing, 2, f"--ingest s3://{bucket}/cdm/none.cdm")
