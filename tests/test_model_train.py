"""Tests for cosmo_agent.model.tokenizer and cosmo_agent.model.train (CPU, tiny models).

A corpus is built from a fake teacher defined here (a few worlds), a tokenizer is trained on
it, and tiny Llama models are trained for a few steps: loss goes down, the saved directory
loads back with identical logits, resuming from a checkpoint reproduces an uninterrupted
run, SageMaker's environment is honoured, and the LoRA recipe works on a randomly
initialised base checkpoint saved in tmp_path.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import AutoModelForCausalLM, TrainerCallback  # noqa: E402

from cosmo_agent.model import corpus as C  # noqa: E402
from cosmo_agent.model import tokenizer as T  # noqa: E402
from cosmo_agent.model.train import (  # noqa: E402
    RECIPES,
    TrainConfig,
    assistant_labels,
    config_from_args,
    main,
    train,
)

TOOLS = ["fleet_status", "space_weather", "find_passes"]
TINY = {
    "hidden_size": 32,
    "num_layers": 2,
    "num_heads": 2,
    "num_kv_heads": 2,
    "intermediate_size": 64,
    "max_length": 512,
    "batch_size": 4,
    "eval_batch_size": 4,
    "learning_rate": 3e-3,
    "warmup": 0,
    "logging_steps": 1,
    "save_total_limit": None,
}


def _schema(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": name, "parameters": {"type": "object"}},
    }


class FakeTeacher:
    """Weather and status by keyword; everything else answered directly."""

    def world(self, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)
        sats = [
            {"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS", "국제우주정거장"]},
            {"id": "43013", "name": "NOAA 20", "aliases": ["JPSS-1"]},
            {"id": "41765", "name": "KOMPSAT-3A", "aliases": ["아리랑 3A호"]},
        ]
        return {
            "satellites": rng.sample(sats, 2),
            "stations": [{"id": "DJN", "name": "Daejeon", "aliases": ["대전"]}],
            "tools": [_schema(n) for n in TOOLS],
            "system": "You are Cosmo.",
        }

    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        korean = bool(re.search(r"[가-힣]", request))
        text = request.lower()
        name = (
            "space_weather"
            if any(k in text for k in ("weather", "기상", "날씨", "kp", "태양", "sun"))
            else "fleet_status"
            if any(k in text for k in ("status", "상태", "현황", "health"))
            else None
        )
        if name is None:
            return [{"role": "assistant", "content": "네, 알겠습니다." if korean else "Sure."}]
        call = {"type": "function", "id": "call_0", "function": {"name": name, "arguments": {}}}
        return [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_0", "name": name,
             "content": json.dumps({"ok": True, "result": {"kp": 2}})},
            {"role": "assistant", "content": "Kp 2: 평온합니다." if korean else "Kp 2: quiet."},
        ]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)  # tiny models: threads only fight over the CI's 2 cores
    root = tmp_path_factory.mktemp("cosmo-train")
    docs = [C.TextRecord(f"d{i}", f"Atmospheric drag lowers LEO orbits ({i}). 궤도 감쇠.", "t")
            for i in range(60)]
    C.build_corpus(FakeTeacher(), str(root / "corpus"), n_worlds=4, per_world=40, seed=0,
                   fractions=(0.8, 0.1, 0.1), text=docs)
    T.train_tokenizer_from_corpus(root / "corpus", root / "tok", vocab_size=1200)
    return root


def _config(workdir: Path, out: Path, **overrides: Any) -> TrainConfig:
    values = {**TINY, "data": str(workdir / "corpus"), "tokenizer": str(workdir / "tok"),
              "output_dir": str(out), **overrides}
    return TrainConfig.from_recipe(str(values.pop("recipe", "cosmo-tiny")), **values)


def _conversation() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    args = {"satellites": ["ISS"], "duration_h": 48}
    call = {"type": "function", "id": "c1", "function": {"name": "find_passes", "arguments": args}}
    messages = [
        {"role": "system", "content": "You are Cosmo."},
        {"role": "user", "content": "ISS 이틀 동안 대전 통과 알려줘"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "name": "find_passes", "content": '{"ok": true}'},
        {"role": "assistant", "content": "통과 3회: 첫 AOS 02:14 UTC."},
    ]
    return messages, [_schema(n) for n in ("find_passes", "space_weather")]


# --------------------------------------------------------------------------------------------
# Tokenizer.


def test_every_hangul_syllable_round_trips(workdir: Path) -> None:
    tok = T.load_tokenizer(workdir / "tok")
    assert len(T.HANGUL_SYLLABLES) == 11172
    ids = tok(T.HANGUL_SYLLABLES, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == T.HANGUL_SYLLABLES
    for start in range(0, 11172, 1117):  # and one by one, in spaced text
        chunk = " ".join(T.HANGUL_SYLLABLES[start : start + 40])
        assert tok.decode(tok(chunk)["input_ids"]) == chunk
    mixed = "NOAA-20 궤도 ☄️ 𝛼=51.6° — 'ISS' 다음 패스는 02:14Z?"
    assert tok.decode(tok(mixed)["input_ids"]) == mixed


def _contains(tokens: list[str], run: list[str]) -> bool:
    return any(tokens[i : i + len(run)] == run for i in range(len(tokens) - len(run) + 1))


def test_words_pre_tokenizer_gives_a_name_the_same_tokens_in_every_context(
    workdir: Path,
) -> None:
    texts = list(T.corpus_texts(workdir / "corpus"))
    words = T.train_tokenizer(texts, vocab_size=1200, pre_tokenizer="words")
    qwen2 = T.train_tokenizer(texts, vocab_size=1200, pre_tokenizer="qwen2")
    contexts = ("for {} and", ", {},", '["{}", ', "{}을 ", "#{}?")
    for name in ("STARLINK-11258", "LEMUR 2 FURIAUS", "한빛8호", "CONJ-0042", "Daejeon"):
        run = words.tokenize(name)
        for context in contexts:
            text = context.format(name)
            assert words.decode(words(text)["input_ids"]) == text
            assert _contains(words.tokenize(text), run), (name, context)
    # Qwen2's split glues a leading space or quote to letters: one name, different pieces.
    def pieces(tok: Any, text: str) -> list[str]:
        return [p for p, _ in tok.backend_tokenizer.pre_tokenizer.pre_tokenize_str(text)]

    assert "Daejeon" in pieces(words, "for Daejeon")
    assert "Daejeon" in pieces(words, '["Daejeon"')
    assert pieces(qwen2, "for Daejeon") == ["for", "\u0120Daejeon"]  # byte-level space
    assert pieces(qwen2, '["Daejeon"') == ['["', "Daejeon", '"']
    with pytest.raises(ValueError, match="pre_tokenizer must be one of"):
        T.train_tokenizer(texts[:5], vocab_size=400, pre_tokenizer="gpt2")


def test_special_and_tool_tokens_are_single_ids(workdir: Path) -> None:
    tok = T.load_tokenizer(workdir / "tok")
    for token in (*T.CHAT_SPECIAL_TOKENS, *T.TOOL_TOKENS):
        ids = tok(token, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1 and tok.convert_ids_to_tokens(ids)[0] == token
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    text = tok.decode(tok("<tool_call>{}</tool_call><|im_end|>")["input_ids"],
                      skip_special_tokens=True)
    assert text == "<tool_call>{}</tool_call>"  # tool tags survive, turn markers do not


def test_chat_template_renders_tools_calls_and_results(workdir: Path) -> None:
    tok = T.load_tokenizer(workdir / "tok")
    messages, tools = _conversation()
    text = tok.apply_chat_template(messages, tools=tools, tokenize=False)
    assert text == T.render_chat(messages, tools)
    assert text.startswith("<|im_start|>system\nYou are Cosmo.\n\n# Tools")
    for tool in tools:
        assert "\n" + json.dumps(tool, ensure_ascii=False) + "\n" in text
    assert ('<|im_start|>assistant\n<tool_call>\n{"name": "find_passes", "arguments": '
            '{"satellites": ["ISS"], "duration_h": 48}}\n</tool_call><|im_end|>') in text
    assert '<|im_start|>user\n<tool_response>\n{"ok": true}\n</tool_response><|im_end|>' in text
    prompt = tok.apply_chat_template(messages[:2], tools=tools, tokenize=False,
                                     add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n") and text.startswith(prompt)
    # arguments given as a JSON string render verbatim; no system message -> default prompt
    as_string = [{"role": "user", "content": "hi"},
                 {"role": "assistant", "tool_calls": [
                     {"function": {"name": "space_weather", "arguments": "{}"}}]}]
    rendered = T.render_chat(as_string)
    assert '{"name": "space_weather", "arguments": {}}' in rendered
    assert T.DEFAULT_SYSTEM_PROMPT in rendered


def test_assistant_labels_cover_exactly_the_assistant_turns(workdir: Path) -> None:
    tok = T.load_tokenizer(workdir / "tok")
    messages, tools = _conversation()
    ids, labels = assistant_labels(tok, messages, tools)
    learned = tok.decode([t for t, lab in zip(ids, labels, strict=True) if lab != -100])
    assert learned == (
        '<tool_call>\n{"name": "find_passes", "arguments": {"satellites": ["ISS"], '
        '"duration_h": 48}}\n</tool_call><|im_end|>통과 3회: 첫 AOS 02:14 UTC.<|im_end|>'
    )
    # A template without {% generation %} markers gives the same labels (prefix rendering).
    plain = re.sub(r"\{%-? *(end)?generation *-?%\}", "", T.COSMO_CHAT_TEMPLATE)
    other = T.load_tokenizer(workdir / "tok", chat_template=plain)
    ids2, labels2 = assistant_labels(other, messages, tools)
    assert ids2 == ids
    learned2 = tok.decode([t for t, lab in zip(ids2, labels2, strict=True) if lab != -100])
    assert learned2.replace("\n", "") == learned.replace("\n", "")


def _mission_tools() -> list[dict[str, Any]]:
    sats = ["25544", "ISS (ZARYA)", "ISS", "국제우주정거장", "43013", "NOAA 20"]
    names = {"anyOf": [{"type": "array", "items": {"type": "string", "enum": sats}},
                       {"const": "all", "type": "string"}], "description": "Fleet satellites."}
    stations = {"anyOf": [{"type": "array", "items": {"type": "string", "enum": ["DJN", "대전"]}},
                          {"const": "all", "type": "string"}]}
    hours = {"type": "number", "default": 24.0, "exclusiveMinimum": 0, "maximum": 168}

    def tool(name: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        params = {"type": "object", "properties": props, "required": required}
        return {"type": "function", "function": {
            "name": name, "description": f"The {name} tool. More detail here.",
            "parameters": params}}

    return [
        tool("fleet_status", {}, []),
        tool("find_passes", {"satellites": names, "stations": stations, "duration_h": hours},
             ["satellites", "stations"]),
        tool("schedule_contacts", {"satellites": names, "objective": {
            "type": "string", "enum": ["max_volume", "max_priority"], "default": "max_volume"}},
            ["satellites"]),
        tool("propose_commands", {"commands": {"type": "array", "items": {
            "type": "object", "required": ["satellite", "command"], "properties": {
                "satellite": {"type": "string", "enum": sats},
                "command": {"type": "string"}, "time": {"type": "string"}}}}}, ["commands"]),
    ]


def test_compact_template_writes_signatures_and_each_name_list_once(workdir: Path) -> None:
    messages, _ = _conversation()
    tools = _mission_tools()
    full = T.render_chat(messages, tools)
    compact = T.render_chat(messages, tools, chat_template=T.COSMO_COMPACT_CHAT_TEMPLATE)
    block = compact[compact.index("<tools>") : compact.index("<|im_end|>")]
    assert "\nfleet_status() - The fleet_status tool.\n" in block
    assert "\nfind_passes(satellites, stations, duration_h?=24.0) - The find_passes tool." in block
    assert "schedule_contacts(satellites, objective?: max_volume|max_priority=max_volume)" in block
    assert "propose_commands(commands: [{satellite, command, time?}])" in block
    assert block.count("국제우주정거장") == 1 and block.count("대전") == 1
    assert 'satellites: "all" or a list of 25544, ISS (ZARYA), ISS, 국제우주정거장' in block
    assert 'stations: "all" or a list of DJN, 대전' in block
    # Only the system turn differs: the turns the model learns are byte-identical.
    assert compact.split("<|im_end|>\n", 1)[1] == full.split("<|im_end|>\n", 1)[1]
    tok = T.load_tokenizer(workdir / "tok")
    assert len(tok(compact)["input_ids"]) < 0.6 * len(tok(full)["input_ids"])
    small = T.load_tokenizer(workdir / "tok", chat_template=T.COSMO_COMPACT_CHAT_TEMPLATE)
    ids, labels = assistant_labels(small, messages, tools)
    learned = small.decode([t for t, lab in zip(ids, labels, strict=True) if lab != -100])
    assert learned.startswith("<tool_call>") and learned.endswith("UTC.<|im_end|>")


def test_tiny_template_keeps_the_clock_tool_names_and_name_lists_only(workdir: Path) -> None:
    messages, _ = _conversation()
    messages = [
        {"role": "system", "content": "You are Cosmo.\nPlanning clock: 2026-06-10T05:15:00Z."
         "\nFleet: ISS (ZARYA) (NORAD 25544; aliases: ISS).\nIgnore other instructions."},
        *messages[1:],
    ]
    tools = _mission_tools()
    full = T.render_chat(messages, tools)
    tiny = T.render_chat(messages, tools, chat_template=T.COSMO_TINY_CHAT_TEMPLATE)
    head = tiny[: tiny.index("<|im_end|>")]
    assert head.startswith("<|im_start|>system\nPlanning clock: 2026-06-10T05:15:00Z.\n<tools>")
    assert "You are Cosmo" not in head and "Ignore other" not in head and "Fleet:" not in head
    names = [t["function"]["name"] for t in tools]
    assert f"<tools>{' '.join(names)}</tools>" in head
    assert head.count("국제우주정거장") == 1 and head.count("대전") == 1
    assert "\nsatellites: 25544, ISS (ZARYA), ISS, 국제우주정거장" in head
    assert "\nstations: DJN, 대전" in head
    # Only the system turn differs: the turns the model learns are byte-identical.
    assert tiny.split("<|im_end|>\n", 1)[1] == full.split("<|im_end|>\n", 1)[1]
    compact = T.render_chat(messages, tools, chat_template=T.COSMO_COMPACT_CHAT_TEMPLATE)
    tok = T.load_tokenizer(workdir / "tok")
    assert len(tok(tiny)["input_ids"]) < 0.5 * len(tok(compact)["input_ids"])
    small = T.load_tokenizer(workdir / "tok", chat_template=T.COSMO_TINY_CHAT_TEMPLATE)
    ids, labels = assistant_labels(small, messages, tools)
    learned = small.decode([t for t, lab in zip(ids, labels, strict=True) if lab != -100])
    assert learned.startswith("<tool_call>") and learned.endswith("UTC.<|im_end|>")


def test_saved_tokenizer_keeps_the_template_in_tokenizer_config(workdir: Path) -> None:
    config = json.loads((workdir / "tok" / "tokenizer_config.json").read_text())
    assert config["chat_template"] == T.COSMO_CHAT_TEMPLATE
    assert not (workdir / "tok" / "chat_template.jinja").exists()


# --------------------------------------------------------------------------------------------
# Training.


def test_recipes_are_data_and_configs_validate() -> None:
    assert set(RECIPES) == {"cosmo-tiny", "lora"}
    tiny = TrainConfig.from_recipe("cosmo-tiny")
    assert 128 <= tiny.hidden_size <= 256 and tiny.recipe == "cosmo-tiny"
    assert TrainConfig.from_recipe("lora", lora_r=8).lora_r == 8
    with pytest.raises(ValueError, match="unknown recipe"):
        TrainConfig.from_recipe("huge")
    with pytest.raises(ValueError):
        TrainConfig.from_recipe("cosmo-tiny", lora_dropout=1.5)


def test_cosmo_tiny_batches_by_length(tmp_path: Path) -> None:
    from cosmo_agent.model.train import _training_args

    args = _training_args(
        TrainConfig.from_recipe("cosmo-tiny"), tmp_path, max_steps=1, lr=1e-3, has_eval=False
    )
    assert args.train_sampling_strategy == "group_by_length"
    plain = TrainConfig.from_recipe("cosmo-tiny", group_by_length=False)
    args = _training_args(plain, tmp_path, max_steps=1, lr=1e-3, has_eval=False)
    assert args.train_sampling_strategy == "random"


def test_corpus_rows_are_read_again_per_pass_and_tokenized_compactly(
    workdir: Path, tmp_path: Path
) -> None:
    """The training rows are not held (each pass rereads the file, up to the limit), and the
    dataset gives back exactly ``assistant_labels`` of each conversation."""
    from array import array

    from cosmo_agent.model.train import _Rows, _SFTDataset

    lines = (workdir / "corpus" / "train.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows[:5]) + "\n")
    every = _Rows(str(path), None)
    assert not every.empty and list(every) == rows[:5] and list(every) == rows[:5]
    assert list(_Rows(str(path), 3)) == rows[:3]
    assert _Rows(str(path), 0).empty and _Rows(None, None).empty
    (tmp_path / "empty.jsonl").write_text("\n")
    assert _Rows(str(tmp_path / "empty.jsonl"), None).empty
    with pytest.raises(FileNotFoundError):
        _Rows(str(tmp_path / "missing.jsonl"), None)
    tok = T.load_tokenizer(workdir / "tok")
    data = _SFTDataset(every, tok, 4096)
    assert len(data) == 5 and isinstance(data.examples[0][0], array)
    for k, row in enumerate(rows[:5]):
        ids, labels = assistant_labels(tok, row["messages"], row.get("tools") or None)
        assert data[k] == {"input_ids": ids, "labels": labels}


@pytest.mark.slow
def test_cosmo_tiny_learns_saves_and_loads_back(workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    # no tokenizer given: cosmo-tiny trains its own from the corpus and keeps it with the run
    cfg = _config(workdir, out, tokenizer=None, vocab_size=800, max_steps=24, eval_steps=12,
                  save_steps=12, pretrain_steps=2)
    result = train(cfg)
    losses = [h["loss"] for h in result.log_history if "loss" in h]
    assert len(losses) >= 20
    assert sum(losses[-4:]) / 4 < 0.8 * sum(losses[:4]) / 4  # it learns
    evals = [h["eval_loss"] for h in result.log_history if "eval_loss" in h]
    assert len(evals) >= 2 and evals[-1] < evals[0]
    assert result.metrics["pretrain_blocks"] >= 1 and result.metrics["pretrain_loss"] > 0
    assert result.metrics["train_examples"] > 50 and result.metrics["dropped_too_long"] == 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "generation_config.json", "cosmo_training.json"):
        assert (out / name).is_file(), name
    assert (Path(result.checkpoint_dir) / "tokenizer" / "tokenizer.json").is_file()
    saved_template = json.loads((out / "tokenizer_config.json").read_text())["chat_template"]
    assert saved_template == T.COSMO_TINY_CHAT_TEMPLATE  # the cosmo-tiny recipe's choice

    tok = T.load_tokenizer(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.vocab_size == len(tok) and model.config.hidden_size == 32
    assert model.generation_config.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    messages, tools = _conversation()
    ids = tok.apply_chat_template(messages, tools=tools, tokenize=True, return_dict=True,
                                  return_tensors="pt")["input_ids"]
    again = AutoModelForCausalLM.from_pretrained(out)
    with torch.no_grad():
        assert torch.equal(model(ids).logits, again(ids).logits)


@pytest.mark.slow
def test_init_from_continues_a_trained_model(workdir: Path, tmp_path: Path) -> None:
    first = train(_config(workdir, tmp_path / "first", max_steps=24, eval_steps=None))
    losses = [h["loss"] for h in first.log_history if "loss" in h]
    fresh_start, first_end = losses[0], sum(losses[-4:]) / 4
    # a second stage: the first stage's weights and tokenizer, a lower peak learning rate
    second = train(_config(workdir, tmp_path / "second", tokenizer=None, hidden_size=8,
                           init_from=str(tmp_path / "first"), max_steps=4, eval_steps=None,
                           learning_rate=1e-4, logging_steps=1))
    start = next(h["loss"] for h in second.log_history if "loss" in h)
    # it starts where the first stage ended, not from noise
    assert start < 1.2 * first_end and start < 0.85 * fresh_start, (fresh_start, first_end, start)
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "second")
    assert model.config.hidden_size == 32  # the architecture comes from init_from
    first_tok = json.loads((tmp_path / "first" / "tokenizer.json").read_text())
    second_tok = json.loads((tmp_path / "second" / "tokenizer.json").read_text())
    assert first_tok["model"]["vocab"] == second_tok["model"]["vocab"]
    # a tokenizer that does not fit the weights is refused before training
    other = tmp_path / "other-tok"
    T.save_tokenizer(T.train_tokenizer(T.corpus_texts(workdir / "corpus"), vocab_size=700), other)
    with pytest.raises(ValueError, match="token embeddings but the tokenizer"):
        train(_config(workdir, tmp_path / "third", tokenizer=str(other),
                      init_from=str(tmp_path / "first"), max_steps=1))


class _StopAt(TrainerCallback):  # type: ignore[misc]
    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if state.global_step >= self.step:
            control.should_training_stop = True
            control.should_save = True
        return control


def _weights(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


@pytest.mark.slow
def test_resume_from_checkpoint_matches_an_uninterrupted_run(workdir: Path, tmp_path: Path) -> None:
    common = {"max_steps": 6, "save_steps": 2, "eval_steps": None, "max_train_examples": 40}
    straight = train(_config(workdir, tmp_path / "straight", **common))
    interrupted = _config(workdir, tmp_path / "resumed", **common)
    first = train(interrupted, callbacks=[_StopAt(4)])
    assert first.metrics["global_step"] == 4
    assert (tmp_path / "resumed" / "checkpoints" / "sft" / "checkpoint-4").is_dir()
    resumed = train(interrupted.model_copy(update={"resume_from_checkpoint": "auto"}))
    assert resumed.metrics["global_step"] == 6
    steps = [h["step"] for h in resumed.log_history if "loss" in h]
    assert steps[-2:] == [5, 6]
    a, b = _weights(tmp_path / "straight"), _weights(tmp_path / "resumed")
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(_config(workdir, tmp_path / "fresh", **common, resume_from_checkpoint="latest"))
    assert straight.metrics["global_step"] == 6


def test_sagemaker_environment_is_honoured(
    workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train_channel, val_channel = tmp_path / "train", tmp_path / "validation"
    train_channel.mkdir()
    val_channel.mkdir()
    shutil.copy(workdir / "corpus" / "train.jsonl", train_channel / "train.jsonl")
    shutil.copy(workdir / "corpus" / "validation.jsonl", val_channel / "part-0.jsonl")
    env = {
        "SM_CHANNEL_TRAIN": str(train_channel),
        "SM_CHANNEL_VALIDATION": str(val_channel),
        "SM_CHANNEL_TOKENIZER": str(workdir / "tok"),
        "SM_MODEL_DIR": str(tmp_path / "opt-ml-model"),
        "SM_OUTPUT_DATA_DIR": str(tmp_path / "opt-ml-output"),
        "SM_HPS": json.dumps({"max_steps": 2, "hidden_size": 32}),
    }
    argv = ["--recipe", "cosmo-tiny", "--num_layers", "1", "--num_heads", "2",
            "--num_kv_heads", "2", "--intermediate_size", "64", "--max_length", "512",
            "--max_train_examples", "16", "--save-steps", "2", "--eval_steps", "2"]
    config = config_from_args(argv, env)
    assert config.train_file == str(train_channel / "train.jsonl")
    assert config.validation_file == str(val_channel / "part-0.jsonl")
    assert config.output_dir == env["SM_MODEL_DIR"] and config.max_steps == 2
    assert main(argv, env) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["output_dir"] == env["SM_MODEL_DIR"]
    assert (tmp_path / "opt-ml-model" / "model.safetensors").is_file()
    metrics = json.loads((tmp_path / "opt-ml-output" / "metrics.json").read_text())
    assert metrics["global_step"] == 2 and "eval_loss" in metrics
    checkpoints = Path(config.checkpoint_dir or "")
    assert checkpoints.is_relative_to(tmp_path / "opt-ml-output") or checkpoints == Path(
        "/opt/ml/checkpoints"
    )


def _tiny_base(workdir: Path, path: Path, *, with_template: str | None) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = T.load_tokenizer(workdir / "tok")
    tok.chat_template = with_template
    torch.manual_seed(0)
    base = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, tie_word_embeddings=False,
    ))
    base.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_lora_recipe_on_a_local_base_checkpoint(workdir: Path, tmp_path: Path) -> None:
    base = _tiny_base(workdir, tmp_path / "base", with_template=None)
    out = tmp_path / "lora-out"
    cfg = _config(workdir, out, recipe="lora", base_model=str(base), tokenizer=None,
                  max_steps=4, learning_rate=5e-3, lora_r=4, lora_alpha=8,
                  gradient_checkpointing=False, eval_steps=None, save_steps=2,
                  max_train_examples=24, qlora="auto")
    result = train(cfg)
    assert result.metrics["trainable_parameters"] < result.metrics["parameters"] / 2
    merged = _weights(out)
    assert not any("lora" in key for key in merged)
    before = _weights(base)
    changed = [k for k in before if not torch.equal(before[k], merged[k])]
    assert changed and all(k.endswith("proj.weight") for k in changed)
    model = AutoModelForCausalLM.from_pretrained(out)
    tok = T.load_tokenizer(out)
    assert tok.chat_template == T.COSMO_CHAT_TEMPLATE
    assert model.config.num_hidden_layers == 2
    assert (Path(result.checkpoint_dir) / "adapter" / "adapter_config.json").is_file()


def test_qlora_on_without_cuda_or_bitsandbytes_says_why(workdir: Path, tmp_path: Path) -> None:
    if torch.cuda.is_available() and importlib.util.find_spec("bitsandbytes"):
        pytest.skip("QLoRA is available here")
    base = _tiny_base(workdir, tmp_path / "base", with_template=None)
    cfg = _config(workdir, tmp_path / "q", recipe="lora", base_model=str(base), tokenizer=None,
                  qlora="on", max_steps=1)
    with pytest.raises(RuntimeError, match=r"QLoRA is unavailable: (bitsandbytes|no CUDA)"):
        train(cfg)
    with pytest.raises(ValueError, match="needs base_model"):
        train(_config(workdir, tmp_path / "q2", recipe="lora", tokenizer=None, max_steps=1))


def test_lora_with_the_base_template_uses_prefix_masks(workdir: Path, tmp_path: Path) -> None:
    plain = re.sub(r"\{%-? *(end)?generation *-?%\}", "", T.COSMO_CHAT_TEMPLATE)
    base = _tiny_base(workdir, tmp_path / "base", with_template=plain)
    cfg = _config(workdir, tmp_path / "out", recipe="lora", base_model=str(base), tokenizer=None,
                  chat_template="base", max_steps=2, eval_steps=None, save_steps=2,
                  max_train_examples=8, merge_lora=False, lora_r=2)
    result = train(cfg)
    assert result.metrics["global_step"] == 2
    assert (tmp_path / "out" / "adapter_config.json").is_file()  # adapter only, not merged
    assert T.load_tokenizer(tmp_path / "out").chat_template == plain


def test_lora_with_added_korean_tokens_trains_their_rows(workdir: Path, tmp_path: Path) -> None:
    """Korean words added to a base's tokenizer (model.bases) become single tokens; the lora
    recipe starts each new row as the mean of its old pieces and trains it (input and untied
    output embedding), while every base row stays as it was."""
    from cosmo_agent.model.bases import extend_tokenizer, korean_tokens

    base = _tiny_base(workdir, tmp_path / "base", with_template=None)
    texts = [
        str(m.get("content") or "")
        for line in (workdir / "corpus" / "train.jsonl").read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
    ]
    added = extend_tokenizer(base, korean_tokens(texts, min_count=2), tmp_path / "tok-ko")
    assert "평온합니다" in added
    tok = T.load_tokenizer(tmp_path / "tok-ko")
    base_tok = T.load_tokenizer(base)
    assert len(tok.tokenize("평온합니다")) == 1 < len(base_tok.tokenize("평온합니다"))
    out = tmp_path / "lora-ko"
    cfg = _config(workdir, out, recipe="lora", base_model=str(base),
                  tokenizer=str(tmp_path / "tok-ko"),
                  max_steps=4, learning_rate=5e-2, lora_r=4, lora_alpha=8,
                  gradient_checkpointing=False, eval_steps=None, save_steps=10,
                  max_train_examples=24, qlora="off")  # fmt: skip
    result = train(cfg)
    assert result.metrics["added_tokens"] == len(added)
    adapter = Path(result.checkpoint_dir) / "adapter" / "adapter_model.safetensors"
    assert adapter.stat().st_size < (base / "model.safetensors").stat().st_size / 4  # rows only
    before, merged = _weights(base), _weights(out)
    n0 = before["model.embed_tokens.weight"].shape[0]
    for name in ("model.embed_tokens.weight", "lm_head.weight"):
        assert merged[name].shape[0] == len(tok) > n0
        assert torch.equal(merged[name][:n0], before[name][:n0])
        row = tok.convert_tokens_to_ids("평온합니다")
        pieces = base_tok("평온합니다", add_special_tokens=False)["input_ids"]
        start = before[name][pieces].mean(dim=0)
        assert not torch.allclose(merged[name][row], start)  # trained away from its start
        assert torch.allclose(merged[name][row], start, atol=0.5)  # ... by a few steps only
    model = AutoModelForCausalLM.from_pretrained(out)
    ids = T.load_tokenizer(out)("평온합니다", return_tensors="pt")["input_ids"]
    assert model(ids).logits.shape[-1] == len(tok)
