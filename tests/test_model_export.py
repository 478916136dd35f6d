"""`cosmo-agent model export`: a trained directory becomes a small model dir with a card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from test_model_inference import make_model, make_tokenizer  # noqa: E402

from cosmo_agent.agent.cli import main  # noqa: E402
from cosmo_agent.model.inference import CosmoChatModel  # noqa: E402


def test_export_casts_weights_copies_tokenizer_and_writes_the_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokenizer = make_tokenizer()
    model = make_model(tokenizer)
    run = tmp_path / "run"
    model.save_pretrained(run)
    tokenizer.save_pretrained(run)
    (run / "cosmo_training.json").write_text(json.dumps({"max_steps": 3}), encoding="utf-8")
    report = {"metrics": {"all": {
        "n_records": 2, "n_relevant": 1, "n_irrelevant": 1, "ast_accuracy": 0.5,
        "irrelevance_accuracy": 1.0, "relevance_rate": 1.0, "overall_accuracy": 0.75,
        "schema_validity": 1.0, "n_calls": 1, "perplexity": 12.5}}}
    (tmp_path / "eval.json").write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["model", "export", str(run), "--out", str(out), "--dtype", "bfloat16",
                 "--report", str(tmp_path / "eval.json")])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert "model.safetensors" in printed["files"] and "tokenizer.json" in printed["files"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| all | 2 | 1 | 1 |" in card and '"max_steps": 3' in card
    # bf16 on disk: about half the float32 size; loads back and predicts the same argmax
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}  # noqa: SIM118 (not a dict)
    assert dtypes == {torch.bfloat16}
    assert "decoding: greedy" in card
    chat = CosmoChatModel.load(str(out), max_new_tokens=8, device="cpu")
    assert chat.engine.num_beams == 1
    ids = tokenizer("hello", return_tensors="pt").input_ids
    with torch.no_grad():
        ref = model(ids).logits[0, -1].float()
        got = chat.language_model()[0](ids).logits[0, -1].float()
    assert int(ref.argmax()) == int(got.argmax())


def test_export_of_a_missing_run_is_a_clear_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "export", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no config.json" in capsys.readouterr().err


def test_export_records_the_beam_width_the_model_decodes_with(tmp_path: Path) -> None:
    tokenizer = make_tokenizer()
    run, out = tmp_path / "run", tmp_path / "out"
    make_model(tokenizer).save_pretrained(run)
    tokenizer.save_pretrained(run)
    assert main(["model", "export", str(run), "--out", str(out), "--num-beams", "4",
                 "--length-penalty", "0"]) == 0
    generation = json.loads((out / "generation_config.json").read_text())
    assert (generation["num_beams"], generation["length_penalty"]) == (4, 0.0)
    assert "decoding: beam search in call blocks, width 4, length penalty 0" in (
        out / "README.md").read_text(encoding="utf-8")
    engine = CosmoChatModel.load(str(out), device="cpu").engine
    assert (engine.num_beams, engine.length_penalty) == (4, 0.0)
    assert CosmoChatModel.load(str(out), device="cpu",
                               length_penalty=0.5).engine.length_penalty == 0.5
    assert main(["model", "export", str(run), "--out", str(out), "--num-beams", "4"]) == 0
    assert CosmoChatModel.load(str(out), device="cpu").engine.length_penalty == 1.0
    assert main(["model", "export", str(run), "--out", str(out), "--num-beams", "0"]) == 2
