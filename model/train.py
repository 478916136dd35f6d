"""Train Cosmo: one transformers ``Trainer`` code path, two recipes.

- ``cosmo-tiny``: a small Llama-style decoder trained from scratch with a Cosmo tokenizer
  (trained from the corpus unless ``tokenizer`` names one), or continued from a trained
  directory (``init_from``: its weights and tokenizer); the embedded default model.
- ``lora``: peft LoRA on any local Hugging Face causal-LM checkpoint directory
  (``base_model``, e.g. a Qwen3-0.6B download); 4-bit QLoRA when bitsandbytes and CUDA are
  available (``qlora="auto"``, the default, falls back to LoRA with a message; ``"on"``
  refuses to run without them), with the Hermes/Qwen tools template (``"cosmo"``; ``"base"``
  keeps the base model's own). The adapter is merged into the base weights at the end
  (``merge_lora``), so both recipes produce the same directory format.

Data: a corpus directory from :mod:`cosmo_agent.model.corpus` (``train.jsonl``,
``validation.jsonl``, ``text-train.jsonl``). The loss is taken on assistant turns only (tool
calls, briefings and their ``<|im_end|>``); system, user and tool-result tokens are masked.
An optional continued-pretraining stage (``pretrain_steps > 0``) first trains on the domain
text (``text-train.jsonl`` or ``pretrain_text``) in packed blocks.

Output (``output_dir``): a ``save_pretrained`` directory -- config.json, model.safetensors,
generation_config.json, tokenizer.json, tokenizer_config.json with the chat template -- plus
``cosmo_training.json`` (config and metrics). Checkpoints go to ``checkpoint_dir`` (default
``<output_dir>/checkpoints``); ``resume_from_checkpoint="auto"`` continues from the latest.

Launching: ``python -m cosmo_agent.model.train --recipe cosmo-tiny --data DIR --output-dir
OUT`` on one device; the same command under ``torchrun --nproc-per-node N -m
cosmo_agent.model.train ...`` or ``accelerate launch -m cosmo_agent.model.train ...`` runs data
parallel (the Trainer reads the launcher's environment).

SageMaker: the same module is the entry point, unchanged. Hyperparameters come from
``/opt/ml/input/config/hyperparameters.json`` (values JSON-decoded where they parse, as the
training toolkit does; the SDK's ``sagemaker_*`` entries left out), ``SM_HPS`` and the
toolkit's ``--name value`` arguments (``None`` as an empty argument, lists as Python writes
them), in that order. Channels from ``SM_CHANNEL_<NAME>``, or the directories under
``/opt/ml/input/data`` in a container without the toolkit (run as ``<entrypoint> train``; the
``train`` word is skipped): ``train`` or ``training`` (``train.jsonl`` or its one ``.jsonl``;
a whole corpus directory also gives ``validation.jsonl`` and ``text-train.jsonl``),
``validation`` or ``eval``, ``base_model``, ``tokenizer``. The model goes to ``SM_MODEL_DIR``
(``/opt/ml/model``), ``metrics.json`` to ``SM_OUTPUT_DATA_DIR`` (``/opt/ml/output/data``),
checkpoints to ``/opt/ml/checkpoints`` when the job syncs it. ``SM_HOSTS``/``SM_CURRENT_HOST``
(or ``resourceconfig.json``) and ``SM_NUM_GPUS`` are logged; several hosts without a torchrun
launcher get a warning. A bad hyperparameter exits 2 and any failure writes its reason first
in ``/opt/ml/output/failure`` (the job's FailureReason). ``SAGEMAKER_BASE_DIR`` (the
toolkit's variable) moves ``/opt/ml``, and ``SM_INPUT_CONFIG_DIR``, ``SM_INPUT_DIR``,
``SM_OUTPUT_DIR`` each part of it.

>>> TrainConfig.from_recipe("lora", base_model="/models/qwen3-0.6b").learning_rate
0.0002
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cosmo_agent.model.bases import init_added_rows
from cosmo_agent.model.storage import (
    check_bucket,
    is_url,
    open_url,
    read_jsonl,
    read_text_source,
    upload_tree,
    write_bytes,
)
from cosmo_agent.model.tokenizer import (
    CHAT_TEMPLATES,
    COSMO_CHAT_TEMPLATE,
    load_tokenizer,
    render_chat,
    save_tokenizer,
    train_tokenizer,
)

__all__ = [
    "RECIPES",
    "SAGEMAKER_BASE_DIR",
    "TrainArgumentError",
    "TrainConfig",
    "TrainResult",
    "assistant_labels",
    "config_from_args",
    "main",
    "sagemaker_overrides",
    "train",
]

logger = logging.getLogger(__name__)

Recipe = Literal["cosmo-tiny", "lora"]
"""``cosmo-tiny``: from scratch with a Cosmo tokenizer; ``lora``: adapters on ``base_model``."""

IGNORE_INDEX = -100


class TrainConfig(BaseModel):
    """Everything a training run needs. Paths may be local; corpus files may be fsspec URLs."""

    model_config = ConfigDict(extra="forbid")

    recipe: Recipe = "cosmo-tiny"
    # data
    data: str | None = Field(None, description="corpus directory (train/validation jsonl)")
    train_file: str | None = Field(None, description="overrides <data>/train.jsonl")
    validation_file: str | None = Field(None, description="overrides <data>/validation.jsonl")
    max_train_examples: int | None = Field(None, ge=1)
    max_eval_examples: int | None = Field(200, ge=1)
    # outputs
    output_dir: str = "runs/cosmo"
    checkpoint_dir: str | None = Field(None, description="default <output_dir>/checkpoints")
    metrics_dir: str | None = Field(None, description="also write metrics.json here")
    # tokenizer
    tokenizer: str | None = Field(None, description="tokenizer dir; cosmo-tiny trains one if unset")
    vocab_size: int = Field(8192, ge=300)
    pre_tokenizer: Literal["qwen2", "words"] = Field(
        "qwen2",
        description="split of a trained tokenizer (model.tokenizer.PRE_TOKENIZERS); words: "
        "spaces are tokens of their own, so names copy token for token",
    )
    chat_template: Literal["cosmo", "cosmo-compact", "cosmo-tiny", "base"] = Field(
        "cosmo",
        description="cosmo: tools as JSON; cosmo-compact: signatures; cosmo-tiny: tool names "
        "and name lists only; base: keep the tokenizer's",
    )
    # cosmo-tiny architecture (LlamaConfig)
    hidden_size: int = Field(256, ge=8)
    num_layers: int = Field(4, ge=1)
    num_heads: int = Field(4, ge=1)
    num_kv_heads: int = Field(4, ge=1)
    intermediate_size: int = Field(768, ge=8)
    init_from: str | None = Field(
        None,
        description="cosmo-tiny: start from this trained model directory (its weights and "
        "tokenizer; the architecture fields are then ignored) instead of random weights",
    )
    # lora
    base_model: str | None = Field(None, description="local HF checkpoint dir (lora recipe)")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0)
    lora_target_modules: list[str] | str = "all-linear"
    qlora: Literal["auto", "on", "off"] = "auto"
    merge_lora: bool = True
    # optimisation
    max_length: int = Field(2048, ge=16)
    epochs: float = Field(3.0, gt=0)
    max_steps: int = Field(-1, description="> 0 overrides epochs")
    batch_size: int = Field(8, ge=1)
    eval_batch_size: int = Field(8, ge=1)
    grad_accum: int = Field(1, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    lr_scheduler: str = "cosine"
    warmup: float = Field(0.03, ge=0, description="steps, or a fraction of all steps when < 1")
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, gt=0)
    bf16: Literal["auto", "on", "off"] = "auto"
    gradient_checkpointing: bool = False
    group_by_length: bool = Field(
        False, description="batch conversations of similar length (less padding)"
    )
    logging_steps: int = Field(10, ge=1)
    eval_steps: int | None = Field(200, ge=1)
    save_steps: int = Field(200, ge=1)
    save_total_limit: int | None = Field(2, ge=1)
    seed: int = 0
    dataloader_workers: int = Field(0, ge=0)
    report_to: str = "none"
    resume_from_checkpoint: str | None = Field(
        None, description="'auto' (latest if any), 'latest' (must exist) or a checkpoint path"
    )
    # continued pretraining on domain text
    pretrain_steps: int = Field(0, ge=0)
    pretrain_text: list[str] = Field(default_factory=list, description="default text-train.jsonl")
    pretrain_learning_rate: float | None = None

    @classmethod
    def from_recipe(cls, recipe: str, **overrides: Any) -> TrainConfig:
        """The recipe's settings (``RECIPES``) with ``overrides`` on top."""
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {recipe!r}; choose one of {sorted(RECIPES)}")
        return cls.model_validate({**RECIPES[recipe], **overrides, "recipe": recipe})


RECIPES: dict[str, dict[str, Any]] = {
    # ~6M parameters with an 8k vocabulary: trains on a CPU in minutes to hours.
    "cosmo-tiny": {
        "hidden_size": 256,
        "num_layers": 4,
        "num_heads": 4,
        "num_kv_heads": 4,
        "intermediate_size": 768,
        "vocab_size": 8192,
        "max_length": 2048,
        "learning_rate": 1e-3,
        "epochs": 3.0,
        "batch_size": 8,
        "warmup": 0.03,
        "weight_decay": 0.01,
        "group_by_length": True,
        "chat_template": "cosmo-tiny",
    },
    # Adapters on a local base model (e.g. Qwen3-0.6B); QLoRA on CUDA with bitsandbytes.
    "lora": {
        "learning_rate": 2e-4,
        "epochs": 2.0,
        "batch_size": 4,
        "grad_accum": 4,
        "max_length": 4096,
        "warmup": 0.03,
        "lora_r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.05,
        "lora_target_modules": "all-linear",
        "qlora": "auto",
        "gradient_checkpointing": True,
        "chat_template": "cosmo",
    },
}


@dataclass
class TrainResult:
    """Where the model went and what training measured."""

    output_dir: str
    checkpoint_dir: str
    metrics: dict[str, Any]
    log_history: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Data.


def _corpus_file(config: TrainConfig, split: str) -> str | None:
    explicit = config.train_file if split == "train" else config.validation_file
    if explicit:
        return explicit
    if config.data:
        return config.data.rstrip("/") + f"/{split}.jsonl"
    return None


class _Rows:
    """The conversations of a JSONL corpus file, read again on each pass (the tokenizer's,
    then the dataset's) instead of held: a row with its tool schemas is tens of kB as Python
    objects, so 130,000 of them held at once took 10 GB. ``limit``: the first rows only."""

    def __init__(self, url: str | None, limit: int | None) -> None:
        self.url, self.limit = url, limit
        self.empty = url is None or limit == 0 or next(iter(self), None) is None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.url is None:
            return
        for n, row in enumerate(read_jsonl(self.url)):
            if self.limit is not None and n >= self.limit:
                return
            yield row


def _has_generation_markers(template: str | None) -> bool:
    import re

    return bool(template and re.search(r"\{%-?\s*generation\s*-?%\}", template))


def _prefix_char_spans(
    tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
) -> tuple[str, list[tuple[int, int]]]:
    """Assistant character spans found by rendering growing prefixes of the conversation."""
    full = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        before = tokenizer.apply_chat_template(
            messages[:i], tools=tools, tokenize=False, add_generation_prompt=True
        )
        upto = tokenizer.apply_chat_template(messages[: i + 1], tools=tools, tokenize=False)
        if not (upto.startswith(before) and full.startswith(upto)):
            raise ValueError(
                "this chat template does not render conversations prefix by prefix, so the "
                "assistant tokens cannot be located; train with chat_template='cosmo' or use a "
                "template with {% generation %} markers"
            )
        spans.append((len(before), len(upto)))
    return full, spans


def assistant_labels(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
) -> tuple[list[int], list[int]]:
    """(input_ids, labels) of a conversation, labels -100 outside assistant turns.

    Templates with ``{% generation %}`` markers (the Cosmo template) use transformers'
    assistant mask; other templates are handled by rendering prefixes of the conversation.
    """
    if _has_generation_markers(tokenizer.chat_template):
        enc = tokenizer.apply_chat_template(
            messages,
            tools=tools,
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        ids = list(enc["input_ids"])
        mask = list(enc["assistant_masks"])
    else:
        text, spans = _prefix_char_spans(tokenizer, messages, tools)
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(enc["input_ids"])
        mask = [
            int(any(start < end_span and end > start_span for start_span, end_span in spans))
            for start, end in enc["offset_mapping"]
        ]
    labels = [t if m else IGNORE_INDEX for t, m in zip(ids, mask, strict=True)]
    return ids, labels


class _SFTDataset:
    """Tokenized conversations (torch map-style dataset); over-long ones are dropped. Each is
    held as two int32 arrays (a list of Python ints costs about nine times the memory)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], tokenizer: Any, max_length: int):
        self.examples: list[tuple[array[int], array[int]]] = []
        self.dropped_too_long = 0
        self.dropped_no_target = 0
        for row in rows:
            ids, labels = assistant_labels(
                tokenizer, list(row["messages"]), list(row.get("tools") or []) or None
            )
            if len(ids) > max_length:
                self.dropped_too_long += 1
                continue
            if all(label == IGNORE_INDEX for label in labels):
                self.dropped_no_target += 1
                continue
            self.examples.append((array("i", ids), array("i", labels)))

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        ids, labels = self.examples[index]
        return {"input_ids": ids.tolist(), "labels": labels.tolist()}


class _TextBlocks:
    """Domain text packed into ``block`` tokens, documents separated by EOS."""

    def __init__(self, texts: Sequence[str], tokenizer: Any, block: int):
        stream: list[int] = []
        for text in texts:
            stream.extend(tokenizer(text, add_special_tokens=False)["input_ids"])
            stream.append(tokenizer.eos_token_id)
        self.examples = [
            {"input_ids": stream[i : i + block], "labels": stream[i : i + block]}
            for i in range(0, len(stream) - block + 1, block)
        ]
        if not self.examples and stream:
            self.examples = [{"input_ids": stream, "labels": stream}]

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        return self.examples[index]


class _Collator:
    """Right-pads a batch: pad id for inputs, -100 for labels, 0 in the attention mask."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, b in enumerate(batch):
            n = len(b["input_ids"])
            ids[row, :n] = torch.tensor(b["input_ids"], dtype=torch.long)
            labels[row, :n] = torch.tensor(b["labels"], dtype=torch.long)
            attention[row, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": attention}


# --------------------------------------------------------------------------------------------
# Models and tokenizers.


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _mps() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _use_bf16(config: TrainConfig) -> bool:
    if config.bf16 == "on":
        return True
    if config.bf16 == "off":
        return False
    import torch

    return _cuda() and bool(torch.cuda.is_bf16_supported())


def _qlora_available() -> tuple[bool, str]:
    if importlib.util.find_spec("bitsandbytes") is None:
        return False, "bitsandbytes is not installed (pip install bitsandbytes)"
    if not _cuda():
        return False, "no CUDA device is visible (QLoRA's 4-bit kernels need one)"
    return True, ""


def _tokenizer_for(
    config: TrainConfig, checkpoint_dir: Path, args: Any, rows: Iterable[Mapping[str, Any]]
) -> Any:
    template = CHAT_TEMPLATES.get(config.chat_template)  # None: keep the tokenizer's own
    if config.recipe == "lora":
        if not config.base_model:
            raise ValueError("the lora recipe needs base_model (a local HF checkpoint directory)")
        return load_tokenizer(config.tokenizer or config.base_model, chat_template=template)
    given = config.tokenizer or config.init_from
    if given:
        return load_tokenizer(given, chat_template=template)
    template = template or COSMO_CHAT_TEMPLATE
    saved = checkpoint_dir / "tokenizer"
    # Rank 0 trains and saves; the other ranks then load the same files.
    with args.main_process_first(local=False, desc="train tokenizer"):
        if (saved / "tokenizer.json").exists():
            return load_tokenizer(saved)
        texts = [
            render_chat(r["messages"], r.get("tools") or None, chat_template=template)
            for r in rows
        ]
        texts += _pretrain_texts(config)
        tok = train_tokenizer(
            texts,
            vocab_size=config.vocab_size,
            model_max_length=config.max_length,
            chat_template=template,
            pre_tokenizer=config.pre_tokenizer,
        )
        if args.process_index == 0:
            save_tokenizer(tok, saved)
        return tok


def _tiny_model(config: TrainConfig, tokenizer: Any) -> Any:
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    if config.init_from:
        model = AutoModelForCausalLM.from_pretrained(config.init_from, dtype="float32")
        n_embeddings = model.get_input_embeddings().num_embeddings
        if n_embeddings != len(tokenizer):
            raise ValueError(
                f"init_from {config.init_from}: the model has {n_embeddings} token embeddings "
                f"but the tokenizer {len(tokenizer)}; train with that directory's own tokenizer"
            )
        return model

    model_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_kv_heads,
        max_position_embeddings=config.max_length,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(model_config)


def _lora_model(config: TrainConfig, tokenizer: Any, args: Any) -> Any:
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    assert config.base_model is not None
    use_4bit = False
    if config.qlora != "off":
        ok, why = _qlora_available()
        if ok:
            use_4bit = True
        elif config.qlora == "on":
            raise RuntimeError(f"qlora='on' but QLoRA is unavailable: {why}; use qlora='auto'")
        else:
            logger.warning("QLoRA unavailable (%s); training plain LoRA instead", why)
    kwargs: dict[str, Any] = {}
    if use_4bit:
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if _use_bf16(config) else torch.float16
        bnb_config: Any = BitsAndBytesConfig
        kwargs["quantization_config"] = bnb_config(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute,
        )
        kwargs["device_map"] = {"": args.local_process_index}
        kwargs["dtype"] = compute
    else:
        kwargs["dtype"] = torch.bfloat16 if _use_bf16(config) else torch.float32
    model: Any = AutoModelForCausalLM.from_pretrained(config.base_model, **kwargs)
    base_rows = model.get_input_embeddings().weight.shape[0]
    added: list[int] = []
    if len(tokenizer) > base_rows:
        # tokens added to the base's tokenizer (model.bases.extend_tokenizer, e.g. Korean
        # words): each new row starts as the mean of its old pieces and is trained in full
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
        base_tokenizer = load_tokenizer(config.base_model)
        added = init_added_rows(model, base_tokenizer, tokenizer, base_rows)
    if use_4bit:
        kbit: Any = prepare_model_for_kbit_training
        model = kbit(
            model, use_gradient_checkpointing=config.gradient_checkpointing
        )
    elif config.gradient_checkpointing:
        model.enable_input_require_grads()
    lora = LoraConfig(
        task_type="CAUSAL_LM",
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.lora_target_modules,
        trainable_token_indices=_trainable_rows(model, added),
    )
    model = get_peft_model(model, lora)
    model.config.use_cache = False
    return model


def _base_vocab_rows(config: TrainConfig) -> int:
    """The embedding rows of the lora recipe's base (its config's ``vocab_size``)."""
    from transformers import AutoConfig

    assert config.base_model is not None
    base: Any = AutoConfig.from_pretrained(config.base_model)
    return int(base.vocab_size)


def _trainable_rows(model: Any, added: list[int]) -> list[int] | dict[str, list[int]] | None:
    """peft's ``trainable_token_indices`` for the added rows: the input embedding's (peft
    follows a tied output embedding itself), and an untied output embedding's by name."""
    if not added:
        return None
    inputs, outputs = model.get_input_embeddings(), model.get_output_embeddings()
    if outputs is None or outputs.weight is inputs.weight:
        return added
    names = {id(m): name.rsplit(".", 1)[-1] for name, m in model.named_modules()}
    return {names[id(inputs)]: added, names[id(outputs)]: added}


def _pretrain_texts(config: TrainConfig) -> list[str]:
    sources = list(config.pretrain_text)
    if not sources and config.data:
        default = config.data.rstrip("/") + "/text-train.jsonl"
        try:
            open_url(default).close()
            sources = [default]
        except FileNotFoundError:
            sources = []
    return [record.text for url in sources for record in read_text_source(url)]


# --------------------------------------------------------------------------------------------
# Training.


def _training_args(
    config: TrainConfig, out: Path, *, max_steps: int, lr: float, has_eval: bool
) -> Any:
    from transformers import TrainingArguments

    evaluate = has_eval and config.eval_steps is not None
    extra: dict[str, Any] = {}
    if config.gradient_checkpointing:  # renamed activation_checkpointing in transformers 5
        fields = TrainingArguments.__dataclass_fields__
        key = "activation_checkpointing" if "activation_checkpointing" in fields else None
        extra[key or "gradient_checkpointing"] = True
    if config.group_by_length:  # transformers 5: a sampling strategy; 4.x: a flag
        fields = TrainingArguments.__dataclass_fields__
        if "train_sampling_strategy" in fields:
            extra["train_sampling_strategy"] = "group_by_length"
        else:
            extra["group_by_length"] = True
    return TrainingArguments(
        **extra,
        output_dir=str(out),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size,
        gradient_accumulation_steps=config.grad_accum,
        num_train_epochs=config.epochs,
        max_steps=max_steps,
        learning_rate=lr,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup,
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        bf16=_use_bf16(config),
        logging_steps=config.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if evaluate else "no",
        eval_steps=config.eval_steps if evaluate else None,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        seed=config.seed,
        data_seed=config.seed,
        dataloader_num_workers=config.dataloader_workers,
        dataloader_pin_memory=_cuda(),
        # Without an accelerator, say so: torchrun/accelerate then run multi-process CPU (gloo)
        # data parallel instead of N independent copies.
        use_cpu=not (_cuda() or _mps()),
        remove_unused_columns=False,
        report_to=config.report_to,
        disable_tqdm=True,
    )


def _resume_path(config: TrainConfig, stage_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint as _last

    get_last_checkpoint: Any = _last
    choice = config.resume_from_checkpoint
    if choice in (None, "", "none", "false", "False"):
        return None
    if choice in ("auto", "latest", "true", "True"):
        last = get_last_checkpoint(str(stage_dir)) if stage_dir.is_dir() else None
        if last is None and choice == "latest":
            raise FileNotFoundError(
                f"resume_from_checkpoint='latest' but {stage_dir} has no checkpoint-*; "
                "use 'auto' to start fresh when there is none"
            )
        return last
    return str(choice)


def _load_stage_weights(model: Any, stage_final: Path) -> None:
    """Weights saved by a finished stage, into the model object (plain or peft)."""
    from safetensors.torch import load_file

    adapter = stage_final / "adapter_model.safetensors"
    if adapter.exists():
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_file(str(adapter)))
        return
    state = load_file(str(stage_final / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any("lm_head" not in k for k in missing):
        raise RuntimeError(f"pretrain weights in {stage_final} do not fit the model: {missing}")
    model.tie_weights()


def _step_callback(progress: Callable[[int, int], None]) -> Any:
    """A transformers callback that reports ``progress(step, max_steps)`` (optimiser steps)
    from the main process: at the start (a resumed run starts at its checkpoint's step) and
    after every step."""
    from transformers import TrainerCallback

    class _Steps(TrainerCallback):
        def _report(self, state: Any) -> None:
            if state.is_world_process_zero:
                progress(int(state.global_step), int(state.max_steps))

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._report(state)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._report(state)

    return _Steps()


def _pretrain(
    config: TrainConfig,
    model: Any,
    tokenizer: Any,
    checkpoint_dir: Path,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    from transformers import Trainer

    stage_dir = checkpoint_dir / "pretrain"
    final = stage_dir / "final"
    if (final / "config.json").exists() or (final / "adapter_config.json").exists():
        _load_stage_weights(model, final)
        return {"pretrain_skipped": "already done", "pretrain_dir": str(final)}
    texts = _pretrain_texts(config)
    if not texts:
        logger.warning("pretrain_steps > 0 but no domain text was found; skipping the stage")
        return {"pretrain_skipped": "no text"}
    blocks = _TextBlocks(texts, tokenizer, config.max_length)
    args = _training_args(
        config,
        stage_dir,
        max_steps=config.pretrain_steps,
        lr=config.pretrain_learning_rate or config.learning_rate,
        has_eval=False,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=blocks,
        data_collator=_Collator(tokenizer.pad_token_id),
        callbacks=list(callbacks),
    )
    output = trainer.train(resume_from_checkpoint=_resume_path(config, stage_dir))
    trainer.save_model(str(final))
    return {"pretrain_loss": output.training_loss, "pretrain_blocks": len(blocks)}


def _merge_and_save(config: TrainConfig, adapter_dir: Path, out: Path, tokenizer: Any) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if _use_bf16(config) else torch.float32
    assert config.base_model is not None
    base: Any = AutoModelForCausalLM.from_pretrained(config.base_model, dtype=dtype)
    if len(tokenizer) > base.get_input_embeddings().weight.shape[0]:
        # the added rows come from the adapter
        base.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.generation_config.eos_token_id = tokenizer.eos_token_id
    merged.generation_config.pad_token_id = tokenizer.pad_token_id
    merged.save_pretrained(str(out))


def train(
    config: TrainConfig,
    *,
    callbacks: Sequence[Any] = (),
    progress: Callable[[int, int], None] | None = None,
) -> TrainResult:
    """Run one training (optional pretraining stage, then SFT) and save the model.

    ``callbacks`` are transformers ``TrainerCallback`` objects for the SFT stage.
    ``progress(step, max_steps)``, if given, is called by the main process at the start of
    each stage and after each optimiser step (the pretraining stage's steps, then SFT's). Rank-safe
    under torchrun / accelerate launch: the tokenizer is trained once by the main
    process, and only the main process writes the final directory.
    """
    import torch
    from transformers import Trainer, set_seed

    out, checkpoint_dir = _local_dirs(config)
    sft_dir = checkpoint_dir / "sft"
    _check_corpus(config)
    train_rows = _Rows(_corpus_file(config, "train"), config.max_train_examples)
    if train_rows.empty:
        raise ValueError(
            "no training conversations: set data (a corpus directory) or train_file, "
            "or on SageMaker the 'train' channel"
        )
    try:
        eval_rows = _Rows(_corpus_file(config, "validation"), config.max_eval_examples)
    except FileNotFoundError:
        eval_rows = _Rows(None, None)
    steps = config.max_steps if config.max_steps > 0 else -1
    args = _training_args(
        config, sft_dir, max_steps=steps, lr=config.learning_rate, has_eval=not eval_rows.empty
    )
    set_seed(config.seed)
    tokenizer = _tokenizer_for(config, checkpoint_dir, args, train_rows)
    if config.recipe == "lora":
        model = _lora_model(config, tokenizer, args)
    else:
        model = _tiny_model(config, tokenizer)
    metrics: dict[str, Any] = {
        "recipe": config.recipe,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "vocab_size": len(tokenizer),
    }
    if config.recipe == "lora":
        metrics["added_tokens"] = len(tokenizer) - _base_vocab_rows(config)
    steps_callback = [] if progress is None else [_step_callback(progress)]
    if config.pretrain_steps > 0:
        metrics.update(_pretrain(config, model, tokenizer, checkpoint_dir, steps_callback))

    train_set = _SFTDataset(train_rows, tokenizer, config.max_length)
    eval_set = None if eval_rows.empty else _SFTDataset(eval_rows, tokenizer, config.max_length)
    metrics.update(
        train_examples=len(train_set),
        dropped_too_long=train_set.dropped_too_long,
        dropped_no_target=train_set.dropped_no_target,
        eval_examples=len(eval_set) if eval_set is not None else 0,
    )
    if len(train_set) == 0:
        raise ValueError(
            f"every training conversation is longer than max_length={config.max_length} tokens "
            "or has no assistant turn; raise max_length"
        )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set if eval_set is not None and len(eval_set) else None,
        data_collator=_Collator(tokenizer.pad_token_id),
        callbacks=[*callbacks, *steps_callback],
    )
    output = trainer.train(resume_from_checkpoint=_resume_path(config, sft_dir))
    metrics["train_loss"] = output.training_loss
    metrics["global_step"] = output.global_step
    if trainer.eval_dataset is not None:
        metrics.update(trainer.evaluate())
    log_history = list(trainer.state.log_history)

    if config.recipe == "lora" and config.merge_lora:
        adapter_dir = checkpoint_dir / "adapter"
        trainer.save_model(str(adapter_dir))
        if trainer.is_world_process_zero():
            if metrics.get("added_tokens"):
                # the added rows are the adapter's trainable tokens; peft would otherwise also
                # store the whole resized embedding (243 MB for SmolLM2 instead of 19 MB)
                model.save_pretrained(str(adapter_dir), save_embedding_layers=False)
            del trainer, model
            if _cuda():
                torch.cuda.empty_cache()
            _merge_and_save(config, adapter_dir, out, tokenizer)
    else:
        trainer.save_model(str(out))
        if config.recipe == "cosmo-tiny" and trainer.is_world_process_zero():
            generation: Any = trainer.model.generation_config  # type: ignore[union-attr]
            generation.eos_token_id = tokenizer.eos_token_id
            generation.pad_token_id = tokenizer.pad_token_id
            generation.save_pretrained(str(out))
    if args.process_index == 0:
        save_tokenizer(tokenizer, out)
        (out / "training_args.bin").unlink(missing_ok=True)  # a pickle; the JSON record says it
        record = {"config": config.model_dump(), "metrics": metrics}
        (out / "cosmo_training.json").write_text(json.dumps(record, indent=2, default=str))
        if is_url(config.output_dir):  # the record last: a folder with it is complete
            upload_tree(str(out), config.output_dir, last="cosmo_training.json")
        if config.metrics_dir:
            text = json.dumps(metrics, indent=2, default=str)
            if is_url(config.metrics_dir):
                write_bytes(config.metrics_dir.rstrip("/") + "/metrics.json", text.encode())
            else:
                Path(config.metrics_dir).mkdir(parents=True, exist_ok=True)
                (Path(config.metrics_dir) / "metrics.json").write_text(text)
    return TrainResult(config.output_dir if is_url(config.output_dir) else str(out),
                       str(checkpoint_dir), metrics, log_history)  # fmt: skip


def _local_dirs(config: TrainConfig) -> tuple[Path, Path]:
    """The local output and checkpoint folders of a run.

    An ``output_dir`` URL (``s3://...``) is written to a local staging folder and uploaded
    when training ends; checkpoints stay on local disk (default: beside the staging folder).
    """
    if not is_url(config.output_dir):
        out = Path(config.output_dir)
        return out, Path(config.checkpoint_dir or out / "checkpoints")
    _check_checkpoint_dir(config)
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix="cosmo-train-"))
    return staging / "model", Path(config.checkpoint_dir or staging / "checkpoints")


def _check_checkpoint_dir(config: TrainConfig) -> None:
    if config.checkpoint_dir and is_url(config.checkpoint_dir):
        raise ValueError(
            f"checkpoint_dir {config.checkpoint_dir} is a URL; checkpoints are written while "
            "training and must be a local folder (output_dir may be a URL)"
        )


def _check_corpus(config: TrainConfig) -> None:
    """A ``data`` corpus folder is a finished one: ``model corpus`` writes its manifest last."""
    if not config.data or config.train_file:
        return
    manifest = config.data.rstrip("/") + "/manifest.json"
    try:
        open_url(manifest).close()
    except FileNotFoundError as exc:
        raise ValueError(
            f"{config.data} has no manifest.json ({exc}), so it is not a finished corpus"
            " (`model corpus` writes the manifest after every other file); build it again, or"
            " name the file with train_file"
        ) from None


# --------------------------------------------------------------------------------------------
# Command line and SageMaker.

SAGEMAKER_BASE_DIR: Final = "/opt/ml"
"""A SageMaker training container's root; ``SAGEMAKER_BASE_DIR`` (the training toolkit's own
variable) moves it, e.g. to a test's temporary directory."""

_TRAIN_CHANNELS: Final = ("train", "training")
"""Channel names read as the training conversations (``training``: the SageMaker SDK's name
for ``estimator.fit("s3://...")``)."""

_VALIDATION_CHANNELS: Final = ("validation", "eval")


class TrainArgumentError(ValueError):
    """A command-line flag or hyperparameter that training cannot use; the message names it."""


@dataclass(frozen=True)
class _SageMakerLayout:
    """The directories of a SageMaker training container, from its environment.

    ``<base>/input/config`` (hyperparameters.json, resourceconfig.json), ``<base>/input/data/
    <channel>``, ``<base>/model`` (uploaded as model.tar.gz), ``<base>/output`` (``failure``),
    ``<base>/output/data`` (uploaded as output.tar.gz), ``<base>/checkpoints``. The toolkit's
    ``SM_INPUT_CONFIG_DIR``, ``SM_INPUT_DIR``, ``SM_MODEL_DIR``, ``SM_OUTPUT_DIR`` and
    ``SM_OUTPUT_DATA_DIR`` override each.
    """

    active: bool
    config_dir: Path
    data_dir: Path
    model_dir: Path
    output_dir: Path
    output_data_dir: Path
    checkpoint_dir: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> _SageMakerLayout:
        base = Path(environ.get("SAGEMAKER_BASE_DIR") or SAGEMAKER_BASE_DIR)
        config_dir = Path(environ.get("SM_INPUT_CONFIG_DIR") or base / "input" / "config")
        output_dir = Path(environ.get("SM_OUTPUT_DIR") or base / "output")
        active = (
            any(k.startswith("SM_") for k in environ)
            or "SAGEMAKER_BASE_DIR" in environ
            or "TRAINING_JOB_NAME" in environ  # set in every training container, toolkit or not
            or (config_dir / "hyperparameters.json").is_file()
        )
        return cls(
            active=active,
            config_dir=config_dir,
            data_dir=Path(environ.get("SM_INPUT_DIR") or base / "input") / "data",
            model_dir=Path(environ.get("SM_MODEL_DIR") or base / "model"),
            output_dir=output_dir,
            output_data_dir=Path(environ.get("SM_OUTPUT_DATA_DIR") or output_dir / "data"),
            checkpoint_dir=base / "checkpoints",
        )

    def channels(self, environ: Mapping[str, str]) -> dict[str, str]:
        """Channel name (lower case) -> directory: ``SM_CHANNEL_<NAME>``, else the
        directories under ``input/data`` (a container run without the training toolkit)."""
        named = {
            key.removeprefix("SM_CHANNEL_").lower(): value
            for key, value in environ.items()
            if key.startswith("SM_CHANNEL_") and value
        }
        if named or "SM_CHANNELS" in environ or not self.data_dir.is_dir():
            return named
        return {p.name.lower(): str(p) for p in sorted(self.data_dir.iterdir()) if p.is_dir()}

    def hyperparameters(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """``hyperparameters.json`` (values JSON-decoded where they parse, as the toolkit
        does), then ``SM_HPS``; the ``sagemaker_*`` entries the SDK adds are left out."""
        values: dict[str, Any] = {}
        path = self.config_dir / "hyperparameters.json"
        if path.is_file():
            values.update({k: _decode_hyperparameter(k, v) for k, v in _read_json(path).items()})
        if environ.get("SM_HPS"):
            values.update(json.loads(environ["SM_HPS"]))
        return {
            k.replace("-", "_"): v for k, v in values.items() if not k.startswith("sagemaker_")
        }

    def hosts(self, environ: Mapping[str, str]) -> tuple[str, list[str]]:
        """(current host, all hosts): ``SM_CURRENT_HOST``/``SM_HOSTS``, else
        ``resourceconfig.json``, else one local host."""
        if environ.get("SM_HOSTS"):
            return environ.get("SM_CURRENT_HOST", "algo-1"), list(json.loads(environ["SM_HOSTS"]))
        path = self.config_dir / "resourceconfig.json"
        if path.is_file():
            resources = _read_json(path)
            return str(resources.get("current_host", "algo-1")), list(resources.get("hosts", []))
        return environ.get("SM_CURRENT_HOST", "algo-1"), []

    def write_failure(self, reason: str) -> Path:
        """``<output>/failure``: SageMaker shows its first 1024 characters as the job's
        FailureReason."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / "failure"
        path.write_text(reason if reason.endswith("\n") else reason + "\n")
        return path


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise TrainArgumentError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise TrainArgumentError(f"{path} should hold a JSON object")
    return value


def _decode_hyperparameter(name: str, value: Any) -> Any:
    """``"3"`` -> 3, ``'"cosmo-tiny"'`` -> ``"cosmo-tiny"``; text that is not JSON is read as
    the flag would be (``"cosine"``, ``"q_proj,v_proj"``, ``""`` for an optional field)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        key = name.replace("-", "_")
        return _coerce_cli(key, value) if key in TrainConfig.model_fields else value


def _sagemaker_channel_file(directory: str, split: str) -> str:
    """``<dir>/<split>.jsonl``, or the channel's only conversation file."""
    base = Path(directory)
    preferred = base / f"{split}.jsonl"
    if preferred.exists():
        return str(preferred)
    candidates = sorted(p for p in base.glob("*.jsonl") if not p.name.startswith("text-"))
    if len(candidates) == 1:
        return str(candidates[0])
    raise TrainArgumentError(
        f"SageMaker channel {directory} should hold {split}.jsonl (or exactly one .jsonl file); "
        f"found {[p.name for p in candidates]}"
    )


def _first_channel(channels: Mapping[str, str], names: Sequence[str]) -> str | None:
    return next((channels[n] for n in names if n in channels), None)


def sagemaker_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """TrainConfig fields implied by a SageMaker training container's conventions.

    Hyperparameters (``/opt/ml/input/config/hyperparameters.json`` and ``SM_HPS``), channels
    (``SM_CHANNEL_<NAME>`` or ``/opt/ml/input/data/<name>``: ``train``/``training``,
    ``validation``/``eval``, ``base_model``, ``tokenizer``), ``SM_MODEL_DIR`` (the model),
    ``SM_OUTPUT_DATA_DIR`` (metrics.json) and ``/opt/ml/checkpoints`` when the job syncs
    checkpoints. Outside a container (no ``SM_*``, no ``SAGEMAKER_BASE_DIR``, no
    ``TRAINING_JOB_NAME``, no ``/opt/ml/input/config/hyperparameters.json``): nothing.
    """
    layout = _SageMakerLayout.from_environ(environ)
    if not layout.active:
        return {}
    out = layout.hyperparameters(environ)
    channels = layout.channels(environ)
    train_channel = _first_channel(channels, _TRAIN_CHANNELS)
    if train_channel:
        out["train_file"] = _sagemaker_channel_file(train_channel, "train")
        text = Path(train_channel) / "text-train.jsonl"
        if text.exists() and "pretrain_text" not in out:
            out["pretrain_text"] = [str(text)]
    validation_channel = _first_channel(channels, _VALIDATION_CHANNELS)
    if validation_channel:
        out["validation_file"] = _sagemaker_channel_file(validation_channel, "validation")
    elif train_channel and (Path(train_channel) / "validation.jsonl").exists():
        out["validation_file"] = str(Path(train_channel) / "validation.jsonl")  # a whole corpus
    if "base_model" in channels:
        out["base_model"] = channels["base_model"]
    if "tokenizer" in channels:
        out["tokenizer"] = channels["tokenizer"]
    out["output_dir"] = str(layout.model_dir)
    out["metrics_dir"] = str(layout.output_data_dir)
    # <base>/checkpoints is synced to S3 when the job configures checkpointing.
    spot = layout.checkpoint_dir
    fallback = layout.output_data_dir / "checkpoints"
    out.setdefault("checkpoint_dir", str(spot if spot.is_dir() else fallback))
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would exit 2 from deep inside
        raise TrainArgumentError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cosmo-agent model train",
        description="Train Cosmo (recipes: " + ", ".join(RECIPES) + ").",
        allow_abbrev=False,  # a misspelt hyperparameter must not land on a longer field
    )
    parser.add_argument("--config", help="JSON or YAML file of TrainConfig fields")
    for name, info in TrainConfig.model_fields.items():
        flags = [f"--{name.replace('_', '-')}"]
        if "_" in name:
            flags.append(f"--{name}")  # SageMaker passes hyperparameters as given
        parser.add_argument(*flags, dest=name, default=None, help=info.description)
    return parser


def _coerce_cli(name: str, value: str) -> Any:
    """A flag's text as the field wants it; lists as JSON, Python repr (the SageMaker
    toolkit's ``str(list)``) or commas."""
    import ast

    annotation = str(TrainConfig.model_fields[name].annotation)
    if "list" in annotation:
        if value.startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                try:
                    return ast.literal_eval(value)
                except (ValueError, SyntaxError) as exc:
                    raise TrainArgumentError(f"--{name} {value}: not a list ({exc})") from exc
        parts = [v for v in value.split(",") if v]
        if name == "lora_target_modules" and len(parts) == 1:
            return parts[0]
        return parts
    if value in ("None", "null", "") and "None" in annotation:
        return None  # the toolkit passes None as an empty argument
    return value


def config_from_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> TrainConfig:
    """Recipe defaults < ``--config`` file < SageMaker environment < command-line flags.

    A leading ``train`` word is skipped: a container without the training toolkit is run as
    ``<entrypoint> train``. :class:`TrainArgumentError` (a ``ValueError``) names a flag or
    hyperparameter that cannot be used.
    """
    environ = os.environ if environ is None else environ
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["train"]:
        args = args[1:]
    ns, unknown = _parser().parse_known_args(args)
    if unknown:
        names = [a.lstrip("-") for a in unknown if a.startswith("-")] or unknown
        raise TrainArgumentError(_unknown(", ".join(names)))
    values: dict[str, Any] = {}
    if ns.config:
        text = Path(ns.config).read_text()
        if ns.config.endswith((".yaml", ".yml")):
            import yaml

            values.update(yaml.safe_load(text) or {})
        else:
            values.update(json.loads(text))
    values.update(sagemaker_overrides(environ))
    for name in TrainConfig.model_fields:
        raw = getattr(ns, name)
        if raw is not None:
            values[name] = _coerce_cli(name, raw)
    recipe = str(values.pop("recipe", "cosmo-tiny"))
    try:
        return TrainConfig.from_recipe(recipe, **values)
    except ValidationError as exc:
        raise TrainArgumentError(_describe_invalid(exc)) from exc


def _describe_invalid(exc: ValidationError) -> str:
    """Each invalid hyperparameter on a line: its name, the value given and what is wanted."""
    lines = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            lines.append(_unknown(name))
        else:
            lines.append(f"hyperparameter {name}={error['input']}: {error['msg']}")
    return "; ".join(lines)


def _unknown(names: str) -> str:
    return (
        f"unknown hyperparameter {names}: not a TrainConfig field "
        "(python -m cosmo_agent.model.train --help lists them)"
    )


def _log_hosts(layout: _SageMakerLayout, environ: Mapping[str, str]) -> None:
    current, hosts = layout.hosts(environ)
    gpus = environ.get("SM_NUM_GPUS", "?")
    logger.info("SageMaker host %s of %s, %s GPU(s)", current, hosts or [current], gpus)
    if len(hosts) > 1 and "WORLD_SIZE" not in os.environ:
        logger.warning(
            "%d hosts but no torchrun/accelerate launcher (WORLD_SIZE unset): each host trains "
            "its own copy; set distribution={'torch_distributed': {'enabled': True}} on the "
            "estimator for data parallel training",
            len(hosts),
        )


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """``python -m cosmo_agent.model.train`` (also the SageMaker entry point).

    Prints ``{"output_dir": ..., "metrics": {...}}`` as one JSON line and returns 0. A flag or
    hyperparameter that cannot be used: one line on stderr, exit status 2. In a SageMaker
    container either failure, or any error while training, is also written to
    ``/opt/ml/output/failure`` (the job's FailureReason); training errors are then raised.
    ``progress`` goes to :func:`train` (the CLI draws it as a progress bar).
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    environ = os.environ if environ is None else environ
    layout = _SageMakerLayout.from_environ(environ)
    try:
        config = config_from_args(argv, environ)
        _check_corpus(config)
        _check_checkpoint_dir(config)
        for where in (config.output_dir, config.metrics_dir):
            check_bucket(where or "")  # a wrong key or bucket is told before training
    except (ValueError, OSError) as exc:  # TrainArgumentError, an unknown recipe, the data
        reason = f"cosmo-agent model train: {exc}"
        if layout.active:
            layout.write_failure(f"{type(exc).__name__}: {reason}")
        print(f"error: {reason}", file=sys.stderr)
        return 2
    if layout.active:
        _log_hosts(layout, environ)
    try:
        result = train(config, progress=progress)
    except Exception as exc:
        if layout.active:
            import traceback

            layout.write_failure(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}")
        if isinstance(exc, OSError):  # the data or the output store: the message names it
            print(f"error: cosmo-agent model train: {exc}", file=sys.stderr)
            return 1
        raise
    if int(os.environ.get("RANK", "0")) == 0:
        summary = {"output_dir": result.output_dir, "metrics": result.metrics}
        print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
