"""Tests for cosmo_agent.model.corpus: requests, agreement, splits, storage, domain text.

The teacher here is a fake keyword planner written for the tests (it answers space weather,
fleet status, conjunction assessment and no-tool requests, and gets the rest wrong on
purpose so that disagreements are exercised). arXiv responses are replayed from
tests/data/arxiv (hand-written from the API manual; see its README) via httpx.MockTransport.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from cosmo_agent.model import corpus as C

ARXIV = Path(__file__).resolve().parent / "data" / "arxiv"
TOOL_NAMES = (
    "fleet_status",
    "propagate",
    "find_passes",
    "screen_conjunctions",
    "assess_conjunction",
    "plan_avoidance",
    "space_weather",
    "schedule_contacts",
    "propose_commands",
)
SATELLITES = [
    {"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS", "국제우주정거장"]},
    {"id": "41765", "name": "KOMPSAT-3A", "aliases": ["아리랑 3A호", "Kompsat-3A"]},
    {"id": "43013", "name": "NOAA 20", "aliases": ["JPSS-1"]},
    {"id": "39084", "name": "LANDSAT 8", "aliases": ["랜드샛 8호"]},
    {"id": "49260", "name": "LANDSAT 9", "aliases": []},
]
STATIONS = [
    {"id": "DJN", "name": "Daejeon", "aliases": ["대전"]},
    {"id": "SVB", "name": "Svalbard", "aliases": ["스발바르"]},
    {"id": "JJU", "name": "Jeju", "aliases": ["제주"]},
]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _schema(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": {}},
        },
    }


class FakeTeacher:
    """A keyword planner: right for weather/status/assess/no-tool, wrong for the rest."""

    def world(self, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)
        return {
            "satellites": rng.sample(SATELLITES, 3),
            "stations": rng.sample(STATIONS, 2),
            "tools": [_schema(n) for n in TOOL_NAMES],
            "system": "You are Cosmo.",
            "now": "2026-06-10T00:00:00Z",
        }

    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        text = request.lower()
        calls: list[tuple[str, dict[str, Any]]] = []
        if any(k in text for k in ("status", "상태", "현황", "health")):
            calls.append(("fleet_status", {}))
        if any(k in text for k in ("weather", "기상", "날씨", "kp", "geomagnetic", "지자기")):
            calls.append(("space_weather", {}))
        event = re.search(r"CONJ-\d{4}", request)
        if event and any(k in text for k in ("assess", "probability", "risk", "평가", "확률")):
            calls = [("assess_conjunction", {"event_id": event.group()})]
        korean = bool(HANGUL.search(request))
        if not calls:
            reply = "안녕하세요, 무엇을 도와드릴까요?" if korean else "Hello, how can I help?"
            return [{"role": "assistant", "content": reply}]
        tool_calls = [
            {"type": "function", "id": f"call_{i}", "function": {"name": n, "arguments": a}}
            for i, (n, a) in enumerate(calls)
        ]
        messages: list[dict[str, Any]] = [
            {"role": "assistant", "content": None, "tool_calls": tool_calls}
        ]
        for call in tool_calls:
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call["id"],
                    "name": call["function"]["name"],
                    "content": json.dumps({"ok": True, "result": {"kp": 3}}),
                }
            )
        briefing = "Kp 3, 이상 없음." if korean else "Kp 3, nominal."
        messages.append({"role": "assistant", "content": briefing})
        return messages


def _world() -> dict[str, Any]:
    return {
        "satellites": SATELLITES,
        "stations": STATIONS,
        "tools": [_schema(n) for n in TOOL_NAMES],
        "system": "You are Cosmo.",
        "now": "2026-06-10T05:30:00Z",
        "event_ids": ["CONJ-0042", "CONJ-0007"],
    }


# --------------------------------------------------------------------------------------------
# Templates and requests.


def test_template_sets_cover_every_intent_and_language_and_are_disjoint() -> None:
    assert set(C.GENERATOR_TEMPLATES) == set(C.HELD_OUT_TEMPLATES) == set(C.INTENTS)
    tools_called = {t for calls in C.INTENTS.values() for t in calls}
    assert tools_called == set(TOOL_NAMES)
    assert any(not calls for calls in C.INTENTS.values())
    for intent in C.INTENTS:
        for lang in ("en", "ko"):
            gen = C.GENERATOR_TEMPLATES[intent][lang]
            held = C.HELD_OUT_TEMPLATES[intent][lang]
            assert gen and held, (intent, lang)
            norm = {re.sub(r"\W+", " ", t).strip().lower() for t in gen}
            for t in held:
                assert re.sub(r"\W+", " ", t).strip().lower() not in norm, t


def test_every_template_renders_with_valid_arguments() -> None:
    world = _world()
    enum_sats = {str(v) for s in SATELLITES for v in [s["id"], s["name"], *s["aliases"]]}
    enum_sts = {str(v) for s in STATIONS for v in [s["id"], s["name"], *s["aliases"]]}
    seen_templates: set[str] = set()
    intents = [None] * 12000 + [i for i in C.INTENTS for _ in range(160)]  # rare ones too
    for i, intent in enumerate(intents):
        held = i % 2 == 0
        req = C.generate_request(world, seed=f"t{i}", held_out=held, intent=intent)
        seen_templates.add(req.template)
        assert req.template.startswith(("heldout/", "blind/") if held else "gen/")
        assert not re.search(r"[{}\[\]]", req.text), req.text
        assert (HANGUL.search(req.text) is not None) == (req.lang == "ko"), req.text
        assert [c["name"] for c in req.intended] == list(C.INTENTS[req.intent])
        for call in req.intended:
            args = call["arguments"]
            for key, allowed in (("satellites", enum_sats), ("stations", enum_sts)):
                if key in args and args[key] != "all":
                    assert set(args[key]) <= allowed and args[key], (req.text, args)
            if "duration_h" in args:
                assert 0 < args["duration_h"] <= 168
            if "step_s" in args:
                assert 1 <= args["step_s"] <= 3600
            if "threshold_km" in args:
                assert 0 < args["threshold_km"] <= 100
            if "min_elevation_deg" in args:
                assert 0 <= args["min_elevation_deg"] <= 90
            if "hard_body_radius_m" in args:
                assert 0 < args["hard_body_radius_m"] <= 1000
            if "max_pc" in args:
                assert 0 < args["max_pc"] < 1
            if "target_miss_km" in args:
                assert 0 < args["target_miss_km"] <= 100
            if "event_id" in args:
                assert args["event_id"] in world["event_ids"]
                assert args["event_id"] in req.text
            for cmd in args.get("commands", []):
                assert cmd["satellite"] in enum_sats and cmd["command"] in C.DEFAULT_COMMANDS
            if "start" in args:
                assert args["start"].endswith("Z") and args["start"] >= "2026-06-10T05:30"
    all_templates = {
        f"{name}/{intent}/{lang}/{k}"
        for name, table in (
            ("gen", C.GENERATOR_TEMPLATES),
            ("heldout", C.HELD_OUT_TEMPLATES),
            ("blind", C.BLIND_TEMPLATES),
        )
        for intent, langs in table.items()
        for lang, ts in langs.items()
        for k in range(len(ts))
    }
    from cosmo_agent.model.phrasebook import COMPOSED_INTENTS

    all_templates |= {f"gen/{i}/{lang}/composed" for i in C.INTENTS for lang in ("en", "ko")
                      if i in COMPOSED_INTENTS}  # fmt: skip
    assert seen_templates == all_templates  # every phrasing is reachable


def test_requests_are_deterministic_and_varied() -> None:
    world = _world()
    a = [C.generate_request(world, seed=i) for i in range(50)]
    b = [C.generate_request(world, seed=i) for i in range(50)]
    assert a == b
    texts = {r.text for r in (C.generate_request(world, seed=i) for i in range(500))}
    assert len(texts) > 350
    with pytest.raises(ValueError, match="lacks"):
        C.generate_request({**world, "tools": []}, seed=0, intent="propagate")
    weather_only = {**world, "tools": [_schema("space_weather")]}
    intents = {C.generate_request(weather_only, seed=i).intent for i in range(200)}
    assert intents == {"space_weather", "greeting", "astro_question", "out_of_scope"}


_EN_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_EN_WORDS |= {"ten": 10, "twelve": 12, "twenty": 20, "a": 1, "an": 1}
_KO_COUNT = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "열두": 12}
_KO_DAYS = {"하루": 24, "이틀": 48, "사흘": 72, "나흘": 96, "닷새": 120, "일주일": 168}


def _parse_duration(text: str) -> float:
    """An independent reading of duration phrases (not the generator's tables)."""
    if m := re.search(r"(\d+)\s*(h|hrs|hours?)\b", text):
        return float(m.group(1))
    if m := re.search(r"next (day|week|hour)\b", text):
        return {"day": 24.0, "week": 168.0, "hour": 1.0}[m.group(1)]
    if m := re.search(r"(\d+|\w+) (days?|weeks?|hours?)\b", text):
        n = int(m.group(1)) if m.group(1).isdigit() else _EN_WORDS[m.group(1)]
        return n * {"d": 24, "w": 168, "h": 1}[m.group(2)[0]]
    if m := re.search(r"(\d+)\s*시간", text):
        return float(m.group(1))
    if m := re.search(r"(\d+)일", text):
        return 24.0 * int(m.group(1))
    if m := re.search(r"(한|두|세|네|다섯|여섯|열두) 시간", text):
        return float(_KO_COUNT[m.group(1)])
    for word, hours in _KO_DAYS.items():
        if word in text:
            return float(hours)
    raise AssertionError(f"cannot read a duration in {text!r}")


def _parse_km(text: str) -> float:
    number = re.search(r"(\d[\d,]*(?:\.\d+)?)|(\w+) kilomet", text)
    assert number, text
    if number.group(1):
        value = float(number.group(1).replace(",", ""))
    else:
        value = float(_EN_WORDS[number.group(2)])
    unit = text[number.end() :].strip()
    metres = unit.startswith(("m", "미터")) and not unit.startswith("mi")
    return value / 1000 if metres else value


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_duration_and_threshold_phrases_read_back_independently(lang: C.Lang) -> None:
    rng = random.Random(7)
    durations = set()
    for _ in range(3000):
        text, hours = C._duration(rng, lang)
        assert _parse_duration(text) == pytest.approx(hours), text
        durations.add(text)
        text, km = C._threshold(rng, lang)
        assert _parse_km(text) == pytest.approx(km), text
    assert len(durations) > 60  # many ways of writing a duration
    if lang == "ko":
        assert {"이틀", "하루"} <= {w for t in durations for w in _KO_DAYS if w in t}
        assert any("48시간" in t for t in durations)
    else:
        assert any("a day" in t for t in durations) and any("2 days" in t for t in durations)


def test_korean_particles_follow_the_final_consonant() -> None:
    cases = {
        "대전[과/와] 제주": "대전과 제주",
        "아리랑 3A호[이/가] 지나가": "아리랑 3A호가 지나가",
        "국제우주정거장[을/를]": "국제우주정거장을",
        "ISS[을/를]": "ISS를",
        "NOAA 20[이/가]": "NOAA 20이",  # 이십: closed
        "LANDSAT 9[으로/로]": "LANDSAT 9로",
        "Sentinel[으로/로]": "Sentinel로",  # ㄹ takes 로
        "5km 이내[으로/로]": "5km 이내로",
        "25544[과/와]": "25544와",  # 사: open
    }
    for raw, want in cases.items():
        assert C._attach_particles(raw) == want


# --------------------------------------------------------------------------------------------
# Agreement.


def _call(name: str, args: Any) -> dict[str, Any]:
    return {"type": "function", "id": "c", "function": {"name": name, "arguments": args}}


def _answer(*calls: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": None, "tool_calls": list(calls)}]


def test_calls_agree_normalizes_names_defaults_numbers_and_times() -> None:
    world = _world()
    intended = [
        {
            "name": "find_passes",
            "arguments": {
                "satellites": ["ISS", "아리랑 3A호"], "stations": "all", "duration_h": 48
            },
        }
    ]
    same = _call(
        "find_passes",
        {"satellites": ["41765", "25544"], "stations": ["DJN", "SVB", "JJU"], "duration_h": 48.0},
    )
    assert C.calls_agree(world, intended, _answer(same))
    as_json = json.dumps({"satellites": ["iss", "KOMPSAT-3A"], "duration_h": 48})
    as_string = _call("find_passes", as_json)
    assert C.calls_agree(world, intended, _answer(as_string))
    other = _call("find_passes", {"satellites": ["25544"], "duration_h": 48})
    assert not C.calls_agree(world, intended, _answer(other))
    assert not C.calls_agree(world, intended, _answer(same, _call("space_weather", {})))
    # defaults filled on both sides; times compare as instants
    start = "2026-06-11T06:00:00Z"
    prop = [{"name": "propagate", "arguments": {"satellites": "all", "start": start}}]
    got = _call("propagate", {"satellites": "all", "start": "2026-06-11T15:00:00+09:00",
                              "duration_h": 24, "step_s": 60.0})
    assert C.calls_agree(world, prop, _answer(got))
    # order of calls does not matter; no intended call means no call at all
    both = [{"name": "fleet_status", "arguments": {}}, {"name": "space_weather", "arguments": {}}]
    assert C.calls_agree(
        world, both, _answer(_call("space_weather", {}), _call("fleet_status", {}))
    )
    assert C.calls_agree(world, [], [{"role": "assistant", "content": "hi"}])
    assert not C.calls_agree(world, [], _answer(_call("space_weather", {})))
    cmd = [{"name": "propose_commands", "arguments": {"commands": [
        {"satellite": "ISS", "command": "SAFE_MODE", "time": "2026-06-11T06:00:00Z"}]}}]
    got_cmd = _call("propose_commands", {"commands": [
        {"satellite": "25544", "command": "SAFE_MODE", "time": "2026-06-11T06:00Z"}]})
    assert C.calls_agree(world, cmd, _answer(got_cmd))


# --------------------------------------------------------------------------------------------
# Splits and the builder.


def test_split_of_is_stable_and_proportional() -> None:
    # Pinned: changing the hash would silently reshuffle every published split. The split is
    # recomputed here from its documented SHA-256 formula (not by calling split_of twice).
    ids = [f"w0-r{k:04d}" for k in range(8)] + ["w1-r0001", "w17-r0042", "arxiv:2601.90001v2"]
    pinned = {i: C.split_of(i) for i in ids}
    digest = {
        i: int.from_bytes(hashlib.sha256(f"cosmo-split:{i}".encode()).digest()[:8], "big") / 2**64
        for i in pinned
    }
    for i, split in pinned.items():
        want = "train" if digest[i] < 0.9 else "validation" if digest[i] < 0.95 else "test"
        assert split == want
    counts = {s: 0 for s in C.SPLITS}
    for k in range(20000):
        counts[C.split_of(f"id-{k}")] += 1
    assert counts["train"] == pytest.approx(18000, abs=300)
    assert counts["validation"] == pytest.approx(1000, abs=150)
    assert counts["test"] == pytest.approx(1000, abs=150)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_corpus_end_to_end(tmp_path: Path) -> None:
    text = [C.TextRecord(f"doc{i}", f"Orbital decay note {i}.", "test") for i in range(30)]
    out = tmp_path / "corpus"
    manifest = C.build_corpus(
        FakeTeacher(), str(out), n_worlds=6, per_world=40, seed=3,
        fractions=(0.6, 0.2, 0.2), text=text,
    )
    data = json.loads((out / "manifest.json").read_text())
    assert data == manifest.data
    teacher = data["teacher"]
    assert teacher["checked"] == 240
    assert teacher["agreed"] + teacher["dropped"] == 240
    assert 0 < teacher["dropped"] < 240 and teacher["disagreed"] == teacher["dropped"]
    assert "propagate" in teacher["dropped_by_intent"]  # the fake teacher never propagates
    rejects = [json.loads(x) for x in (out / "disagreements.jsonl").read_text().splitlines()]
    assert len(rejects) == teacher["dropped"]
    total_rows = 0
    for name, info in data["files"].items():
        path = out / name
        assert _sha256(path) == info["sha256"] and path.stat().st_size == info["bytes"]
        assert len(path.read_text().splitlines()) == info["rows"]
    for split in C.SPLITS:
        rows = [json.loads(x) for x in (out / f"{split}.jsonl").read_text().splitlines()]
        total_rows += len(rows)
        counts = data["counts"][split]
        assert counts["en"] == sum(r["lang"] == "en" for r in rows)
        assert counts["ko"] == sum(r["lang"] == "ko" for r in rows)
        assert counts["total"] == len(rows)
        for row in rows:
            assert set(row) >= {"id", "lang", "messages", "tools", "intended", "world_seed"}
            assert row["split"] == split == C.split_of(row["id"], (0.6, 0.2, 0.2))
            assert row["template"].startswith(
                ("heldout/", "blind/") if split == "test" else "gen/"
            )
            assert [m["role"] for m in row["messages"][:2]] == ["system", "user"]
            assert row["messages"][-1]["role"] == "assistant"
            assert len(row["tools"]) == 9
        texts = [json.loads(x) for x in (out / f"text-{split}.jsonl").read_text().splitlines()]
        assert len(texts) == data["text_counts"][split]
    assert total_rows == teacher["agreed"]
    assert data["counts"]["test"]["total"] > 0 and data["counts"]["train"]["ko"] > 0
    assert sum(data["text_counts"].values()) == 30

    again = tmp_path / "again"
    C.build_corpus(
        FakeTeacher(), str(again), n_worlds=6, per_world=40, seed=3,
        fractions=(0.6, 0.2, 0.2), text=text,
    )
    assert (again / "manifest.json").read_bytes() == (out / "manifest.json").read_bytes()


class _RaisingTeacher(FakeTeacher):
    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        raise RuntimeError("planner exploded")


class _MalformedTeacher(FakeTeacher):
    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        return [{"role": "tool", "tool_call_id": "nope", "content": "{}"}]


def test_teacher_failures_are_dropped_and_counted(tmp_path: Path) -> None:
    m = C.build_corpus(_RaisingTeacher(), str(tmp_path / "a"), n_worlds=2, per_world=5)
    assert m.data["teacher"]["errors"] == 10 and m.data["teacher"]["agreed"] == 0
    assert "planner exploded" in m.data["teacher"]["examples"][0]["reason"]
    m = C.build_corpus(_MalformedTeacher(), str(tmp_path / "b"), n_worlds=2, per_world=5)
    assert m.data["teacher"]["malformed"] == 10
    assert "unknown tool_call_id" in m.data["teacher"]["examples"][0]["reason"]


class _GuidedTeacher(FakeTeacher):
    """The fake keyword planner plus ``answer_calls`` (runs the given calls, fake results)."""

    def answer_calls(
        self, world: dict[str, Any], request: str, calls: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if not calls:
            return [{"role": "assistant", "content": "Hello, how can I help?"}]
        tool_calls = [
            {"type": "function", "id": f"g{i}", "function": {"name": c["name"],
                                                            "arguments": c["arguments"]}}
            for i, c in enumerate(calls)
        ]
        results = [
            {"role": "tool", "tool_call_id": c["id"], "name": c["function"]["name"],
             "content": json.dumps({"ok": True, "result": {}})}
            for c in tool_calls
        ]
        return [{"role": "assistant", "content": None, "tool_calls": tool_calls}, *results,
                {"role": "assistant", "content": "done"}]


def test_guided_examples_keep_the_intended_calls_and_are_counted(tmp_path: Path) -> None:
    plain = C.build_corpus(FakeTeacher(), str(tmp_path / "p"), n_worlds=4, per_world=30, seed=3)
    out = tmp_path / "g"
    m = C.build_corpus(_GuidedTeacher(), str(out), n_worlds=4, per_world=30, seed=3)
    t, p = m.data["teacher"], plain.data["teacher"]
    assert t["agreed"] == p["agreed"] and t["guided"] == p["dropped"] > 0
    assert t["dropped"] == 0 and t["disagreed"] == p["disagreed"]
    rows = [
        json.loads(x) for s in C.SPLITS for x in (out / f"{s}.jsonl").read_text().splitlines()
    ]
    assert len(rows) == 120
    world_of = {seed: _GuidedTeacher().world(seed) for seed in range(3, 7)}
    for row in rows:
        answer = row["messages"][2:]
        assert C.calls_agree(world_of[row["world_seed"]], row["intended"], answer), row["id"]
    rejects = [json.loads(x) for x in (out / "disagreements.jsonl").read_text().splitlines()]
    assert len(rejects) == t["guided"] and all(r["kept_guided"] for r in rejects)
    off = C.build_corpus(
        _GuidedTeacher(), str(tmp_path / "o"), n_worlds=4, per_world=30, seed=3, guided=False
    )
    assert off.data["teacher"]["guided"] == 0
    assert off.data["teacher"]["dropped"] == p["dropped"]


def test_build_corpus_writes_to_fsspec_urls() -> None:
    fsspec = pytest.importorskip("fsspec")
    url = "memory://cosmo-test-corpus"
    manifest = C.build_corpus(FakeTeacher(), url, n_worlds=2, per_world=10, seed=1)
    fs = fsspec.filesystem("memory")
    raw = fs.cat("/cosmo-test-corpus/train.jsonl")
    assert hashlib.sha256(raw).hexdigest() == manifest.files["train.jsonl"]["sha256"]
    rows = list(C.read_jsonl(url + "/train.jsonl"))
    assert len(rows) == manifest.counts["train"]["total"]
    fs.rm("/cosmo-test-corpus", recursive=True)


def test_s3_urls_name_the_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without s3fs (hidden here: `import s3fs` fails and fsspec forgets a loaded class), an
    s3:// URL names the extra to install."""
    import fsspec  # noqa: F401 (loads fsspec.registry, the module, not fsspec's mapping of it)

    known = sys.modules["fsspec.registry"]._registry
    monkeypatch.setitem(sys.modules, "s3fs", None)
    for protocol in ("s3", "s3a"):
        monkeypatch.delitem(known, protocol, raising=False)
    with pytest.raises(ImportError, match=r"cosmo-agent\[s3\]"):
        next(C.read_text_source("s3://bucket/corpus/"))
    with pytest.raises(ImportError, match=r"cosmo-agent\[s3\]"):
        C.build_corpus(FakeTeacher(), "s3://bucket/out", n_worlds=1, per_world=1)


def test_bad_text_sources_name_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "ok"}) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: not JSON"):
        list(C.read_text_source(str(bad)))
    bad.write_text('["a list"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: a JSON list, not an object"):
        list(C.read_text_source(str(bad)))
    argv = ["--teacher", "nowhere:Nothing", "--out", str(tmp_path / "out"), "--text", str(bad)]
    assert C.main(argv, teacher=object()) == 2
    err = capsys.readouterr().err
    assert "--text" in err and "bad.jsonl:1" in err and "Traceback" not in err
    assert C.main([*argv[:-1], str(tmp_path / "missing.txt")], teacher=object()) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_read_text_source_reads_jsonl_txt_md(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "x1", "text": "Kessler syndrome."}) + "\n\n"
        + json.dumps({"text": "궤도 잔해"}) + "\n" + json.dumps({"text": ""}) + "\n"
    )
    (tmp_path / "sub" / "b.txt").write_text("Two-line elements.\n")
    (tmp_path / "sub" / "c.md").write_text("# Notes\n")
    (tmp_path / "skip.csv").write_text("a,b\n")
    records = list(C.read_text_source(str(tmp_path)))
    assert [r.text for r in records] == [
        "Kessler syndrome.", "궤도 잔해", "Two-line elements.", "# Notes"
    ]
    assert records[0].id == "x1" and records[1].id == "a.jsonl:3"
    assert [r.source for r in records[2:]] == ["sub/b.txt", "sub/c.md"]
    one = list(C.read_text_source(str(tmp_path / "sub" / "b.txt")))
    assert [(r.id, r.source) for r in one] == [("b.txt", "b.txt")]
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe("/cosmo-text/docs/d.jsonl", json.dumps({"text": "Drag."}).encode() + b"\n")
    remote = list(C.read_text_source("memory://cosmo-text"))
    assert [(r.id, r.text) for r in remote] == [("docs/d.jsonl:1", "Drag.")]
    fs.rm("/cosmo-text", recursive=True)


def test_main_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "doc.txt").write_text("Sun-synchronous orbits precess.")
    rc = C.main(
        ["--out", str(tmp_path / "c"), "--worlds", "2", "--per-world", "6",
         "--text", str(tmp_path / "doc.txt")],
        teacher=FakeTeacher(),
    )
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["teacher"]["checked"] == 12
    assert sum(summary["text_counts"].values()) == 1
    assert C.load_object("json:dumps") is json.dumps
    with pytest.raises(ValueError, match=r"package\.module:factory"):
        C.load_object("json")


# --------------------------------------------------------------------------------------------
# arXiv.


def test_parse_arxiv_feed_reads_the_documented_fields() -> None:
    page = C.parse_arxiv_feed((ARXIV / "query-page-1.xml").read_bytes())
    assert (page.total_results, page.start_index, page.items_per_page) == (3, 0, 2)
    first, second = page.entries
    assert first.id == "2601.90001v2"
    assert first.title == (
        "Collision Probability Screening for Large LEO Constellations with Covariance Realism"
    )
    assert first.summary.startswith("We study conjunction screening") and "\n" not in first.summary
    assert first.authors == ("A. Kim", "B. Park")
    assert first.categories == ("physics.space-ph", "astro-ph.EP")
    assert first.primary_category == "physics.space-ph"
    assert first.pdf_url == "http://arxiv.org/pdf/2601.90001v2"
    assert first.published.isoformat() == "2026-01-05T09:30:00+00:00"
    assert second.authors == ("C. Lee",)
    record = first.to_record()
    assert record.id == "arxiv:2601.90001v2" and record.text.startswith(first.title + "\n\n")
    empty = C.parse_arxiv_feed((ARXIV / "empty.xml").read_text())
    assert empty.total_results == 0 and empty.entries == ()


def test_parse_arxiv_feed_raises_on_error_entries_and_throttling() -> None:
    with pytest.raises(C.ArxivError, match=r"incorrect id format for 1234\.12345"):
        C.parse_arxiv_feed((ARXIV / "error.xml").read_bytes())
    with pytest.raises(C.ArxivError, match="Rate exceeded"):
        C.parse_arxiv_feed((ARXIV / "rate-exceeded.txt").read_bytes())
    with pytest.raises(C.ArxivError, match="not an Atom feed"):
        C.parse_arxiv_feed(b"<html><body>oops")


class _FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_arxiv_client_pages_politely_through_mock_transport() -> None:
    seen: list[httpx.QueryParams] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params)
        name = "query-page-1.xml" if request.url.params["start"] == "0" else "query-page-2.xml"
        return httpx.Response(200, content=(ARXIV / name).read_bytes())

    fake = _FakeClock()
    client = C.ArxivClient(
        transport=httpx.MockTransport(handler), sleep=fake.sleep, clock=fake.clock
    )
    with client:
        entries = list(client.iter_entries("cat:physics.space-ph", limit=10, page_size=2))
    assert [e.id for e in entries] == ["2601.90001v2", "2601.90002v1", "2601.90003v1"]
    assert [p["start"] for p in seen] == ["0", "2"]
    assert seen[0]["search_query"] == "cat:physics.space-ph" and seen[0]["max_results"] == "2"
    assert fake.sleeps == [pytest.approx(3.0)]  # one polite pause between the two calls


def test_arxiv_client_retries_throttling_then_gives_up() -> None:
    answers = [
        httpx.Response(503, content=b"busy"),
        httpx.Response(200, content=(ARXIV / "rate-exceeded.txt").read_bytes()),
        httpx.Response(200, content=(ARXIV / "query-page-2.xml").read_bytes()),
    ]
    fake = _FakeClock()
    client = C.ArxivClient(
        transport=httpx.MockTransport(lambda r: answers.pop(0)), sleep=fake.sleep, clock=fake.clock
    )
    page = client.search("cat:math.OC", start=2, max_results=2)
    assert [e.id for e in page.entries] == ["2601.90003v1"]
    assert fake.sleeps[0] == pytest.approx(6.0) and len(fake.sleeps) >= 2

    always = C.ArxivClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(429)),
        sleep=fake.sleep, clock=fake.clock, max_retries=2,
    )
    with pytest.raises(C.ArxivError, match="throttling after 2 retries"):
        always.search("x")
    broken = C.ArxivClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500)),
        sleep=fake.sleep, clock=fake.clock,
    )
    with pytest.raises(C.ArxivError, match="HTTP 500"):
        broken.search("x")


# --------------------------------------------------------------------------------------------
# Language variety: multi-call requests, element ages, worlds whose names vary (issue 16 item 3).


def test_multi_call_requests_give_each_tool_its_own_arguments() -> None:
    """A request asking for passes and a schedule from them makes both calls on the same
    satellites, stations and span; the elevation goes only to the passes, the objective only
    to the schedule; screening plus space weather makes both calls."""
    world = _world()
    seen: set[str] = set()
    for i in range(400):
        req = C.generate_request(world, seed=f"multi{i}", intent="passes_and_schedule")
        passes, schedule = req.intended
        assert (passes["name"], schedule["name"]) == ("find_passes", "schedule_contacts")
        for key in ("satellites", "stations", "duration_h"):
            assert passes["arguments"][key] == schedule["arguments"][key], req.text
        assert "objective" not in passes["arguments"]
        assert "min_elevation_deg" not in schedule["arguments"]
        seen.update(k for k in passes["arguments"] if k == "min_elevation_deg")
        seen.update(k for k in schedule["arguments"] if k == "objective")
    assert seen == {"min_elevation_deg", "objective"}
    req = C.generate_request(world, seed="sw", intent="screen_and_weather", lang="ko")
    assert [c["name"] for c in req.intended] == ["screen_conjunctions", "space_weather"]


def test_element_age_questions_ask_for_the_fleet_status() -> None:
    world = _world()
    for lang in ("en", "ko"):
        req = C.generate_request(world, seed=f"age-{lang}", intent="element_age", lang=lang)
        assert req.intended == [{"name": "fleet_status", "arguments": {}}]


def test_held_out_worlds_name_nothing_a_training_world_names() -> None:
    """The unseen-mission test (3000–3009) and development (4000–4009) worlds: no station,
    alias stem, code or nickname of theirs appears in a training world (200 sampled); the
    published test and development worlds (1000–1009, 2000–2009) are as they were."""
    from cosmo_agent.agent.teacher import HELD_OUT_WORLD_SEEDS, RulesTeacher

    teacher = RulesTeacher()

    def names(seed: int) -> tuple[set[str], set[str]]:
        mission = teacher.mission(seed)
        stations = {n.casefold() for s in mission.stations for n in (s.id, s.name, *s.aliases)}
        stems = {re.sub(r"[\s\-]*\d+[A-Z]?호?$", "", a).casefold()
                 for f in mission.fleet for a in f.aliases}  # fmt: skip
        return stations, stems

    trained_st: set[str] = set()
    trained_stems: set[str] = set()
    for seed in range(0, 2000, 10):
        st, stems = names(seed)
        trained_st |= st
        trained_stems |= stems
    assert set(range(3000, 3010)) | set(range(4000, 4010)) == HELD_OUT_WORLD_SEEDS
    for seed in sorted(HELD_OUT_WORLD_SEEDS):
        st, stems = names(seed)
        assert not st & trained_st, (seed, st & trained_st)
        assert not stems & trained_stems, (seed, stems & trained_stems)
    # regression pin: world 1000 as the frozen test split was written (2026-12-05)
    frozen = teacher.mission(1000)
    assert [(f.name, f.aliases) for f in frozen.fleet] == [
        ("LEMUR 2 FURIAUS", ["OBS-7", "한빛8호"]), ("STARLINK-11258", ["LEO-55", "초롱7호"]),
        ("STARLINK-11578", ["CUBE-63", "다누리9호"])]  # fmt: skip


def test_training_worlds_write_aliases_in_several_styles() -> None:
    """Korean aliases with and without a space before the number, designators with a
    letter after the number, nicknames: each style occurs in some of 100 training worlds, and
    every alias still resolves to its satellite as people write it."""
    from cosmo_agent.agent.teacher import RulesTeacher

    teacher = RulesTeacher()
    aliases = [a for seed in range(100, 200) for f in teacher.mission(seed).fleet
               for a in f.aliases]  # fmt: skip
    assert any(re.fullmatch(r"\w+ \d+호", a) for a in aliases)  # 아리랑 3호
    assert any(re.fullmatch(r"[^\W\d]+\d+호", a) for a in aliases)  # 아리랑3호
    assert any(re.fullmatch(r"[A-Z]+-\d+[ABC]", a) for a in aliases)  # KX-7B
    assert any(re.fullmatch(r"[A-Z]+-\d+", a) for a in aliases)  # KX-7
    assert any(re.fullmatch(r"[A-Z][a-z]+", a) for a in aliases)  # Falcon
