"""Cosmo tokenizer: byte-level BPE trained on the corpus, with the Cosmo chat template.

The tokenizer is a Hugging Face ``tokenizers`` byte-level BPE (single digits, letter runs,
NFC normalization; the split is Qwen2's or ``"words"``, which keeps spaces as tokens of their
own, see :data:`PRE_TOKENIZERS`) so every Unicode string round-trips; the training text is
seeded with all 11,172 precomposed Hangul syllables so that each of them is also a known
symbol sequence. It is wrapped as :class:`transformers.PreTrainedTokenizerFast`
with :data:`COSMO_CHAT_TEMPLATE`, a ChatML/Hermes template (the format of Qwen2.5/Qwen3):

- ``tools`` (OpenAI schemas) are listed inside ``<tools></tools>`` in the system turn, as JSON
  (:data:`COSMO_CHAT_TEMPLATE`, for LoRA on Qwen-style bases) or as one-line signatures with
  the mission's name lists written once (:data:`COSMO_COMPACT_CHAT_TEMPLATE`, about 700
  instead of 3,000 prompt tokens for a 9-tool mission: the cosmo-tiny default);
- an assistant's ``tool_calls`` become ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``;
- ``tool`` messages go back in a user turn as ``<tool_response>...</tool_response>`` blocks;
- assistant turns are wrapped in ``{% generation %}`` so
  ``apply_chat_template(..., return_assistant_tokens_mask=True)`` marks the tokens to learn.

Special tokens: ``<|endoftext|>`` (padding), ``<|im_start|>``, ``<|im_end|>`` (end of a turn,
the EOS for generation). ``<tool_call>``, ``</tool_call>``, ``<tool_response>``,
``</tool_response>``, ``<tools>``, ``</tools>`` are single added tokens that stay in decoded
text (they are not "special", so ``skip_special_tokens=True`` keeps them).

>>> text = render_chat([{"role": "user", "content": "hi"}], add_generation_prompt=True)
>>> text.endswith("<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\n")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cosmo_agent.model.storage import open_url, read_jsonl

__all__ = [
    "CHAT_SPECIAL_TOKENS",
    "CHAT_TEMPLATES",
    "COSMO_CHAT_TEMPLATE",
    "COSMO_COMPACT_CHAT_TEMPLATE",
    "COSMO_TINY_CHAT_TEMPLATE",
    "HANGUL_SYLLABLES",
    "PRE_TOKENIZERS",
    "TOOL_TOKENS",
    "corpus_texts",
    "load_tokenizer",
    "render_chat",
    "save_tokenizer",
    "train_tokenizer",
    "train_tokenizer_from_corpus",
]

PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
CHAT_SPECIAL_TOKENS: tuple[str, ...] = (PAD_TOKEN, IM_START, IM_END)
TOOL_TOKENS: tuple[str, ...] = (
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "<tools>",
    "</tools>",
)
HANGUL_SYLLABLES = "".join(chr(c) for c in range(0xAC00, 0xD7A4))  # 가..힣, 11,172 syllables
# Pre-tokenizer splits (BPE merges never cross a piece).
# "qwen2": Qwen2's split: contractions, letter runs (with one leading space or punctuation
# mark), single digits, punctuation, spaces.
# "words": the same, but letter runs and punctuation never absorb a neighbour, so spaces are
# tokens of their own: a name is the same token sequence after a space in the request, after
# a comma in the system turn's name list and after a quote inside a JSON string, which is what
# a small model trained from scratch needs to learn to copy it (about 1.3x more tokens).
_CONTRACTIONS = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|"
_SPACES = r"|\s*[\r\n]+|\s+(?!\S)|\s+"
PRE_TOKENIZERS: dict[str, str] = {
    "qwen2": _CONTRACTIONS + r"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*" + _SPACES,
    "words": _CONTRACTIONS + r"\p{L}+|\p{N}|[^\s\p{L}\p{N}]+[\r\n]*" + _SPACES,
}

DEFAULT_SYSTEM_PROMPT = (
    "You are Cosmo, a satellite-operations assistant. Call the tools when a request needs "
    "mission data, then brief the operator; answer directly when no tool is needed."
)

_TEMPLATE_HEAD = (
    """{%- if messages and messages[0].role == "system" %}
    {%- set system_message = messages[0].content %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = \""""
    + DEFAULT_SYSTEM_PROMPT
    + """\" %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- "<|im_start|>system\\n" + system_message }}
"""
)

_TOOLS_FULL = """{%- if tools %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query." }}
    {{- "\\n\\n" }}
    {{- "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" + (tool | tojson) }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and " }}
    {{- "arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n" }}
    {{- '{"name": <function-name>, "arguments": <args-json-object>}\\n</tool_call>' }}
{%- endif %}
"""

# Shared by the compact and tiny templates: the enum of an ``anyOf`` parameter (a list of names
# or one name), left in ``ns.values``.
_ANYOF_ENUM_VALUES = """                {%- for alt in p["anyOf"] %}
                    {%- if alt["items"] is defined and alt["items"]["enum"] is defined %}
                        {%- set ns.values = alt["items"]["enum"] %}
                    {%- elif alt["enum"] is defined %}
                        {%- set ns.values = alt["enum"] %}
                    {%- endif %}
                {%- endfor %}
"""

_TOOLS_COMPACT = (
    """{%- if tools %}
    {{- "\\n\\n# Tools\\n\\nCall a tool with <tool_call></tool_call> holding " }}
    {{- '{"name": <function-name>, "arguments": <args-json-object>}' }}
    {{- ". Signatures (? optional, = default):\\n<tools>" }}
    {%- set ns = namespace(lists=[], keys=[], values=none, label="") %}
    {%- for tool in tools %}
        {%- set fn = tool["function"] if tool["function"] is defined else tool %}
        {%- set params = fn["parameters"] if fn["parameters"] is defined else {} %}
        {%- set props = params["properties"] if params["properties"] is defined else {} %}
        {%- set required = params["required"] if params["required"] is defined else [] %}
        {{- "\\n" + fn["name"] + "(" }}
        {%- for key in props %}
            {%- set p = props[key] %}
            {{- (", " if not loop.first else "") + key + ("" if key in required else "?") }}
            {%- if p["items"] is defined and p["items"]["properties"] is defined %}
                {%- set inner = p["items"]["properties"] %}
                {%- set inner_required = p["items"]["required"] or [] %}
                {{- ": [{" }}
                {%- for sub in inner %}
                    {{- (", " if not loop.first else "") + sub }}
                    {{- "" if sub in inner_required else "?" }}
                    {%- if inner[sub]["enum"] is defined and inner[sub]["enum"] not in ns.lists %}
                        {%- set ns.lists = ns.lists + [inner[sub]["enum"]] %}
                        {%- set ns.keys = ns.keys + [sub + ": one of "] %}
                    {%- endif %}
                {%- endfor %}
                {{- "}]" }}
            {%- endif %}
            {%- set ns.values = p["enum"] if p["enum"] is defined else none %}
            {%- set ns.label = key + ": one of " %}
            {%- if p["anyOf"] is defined %}
"""
    + _ANYOF_ENUM_VALUES
    + """                {%- set ns.label = key + ': "all" or a list of ' %}
            {%- endif %}
            {%- if ns.values is not none and ns.values | length <= 4 and p["anyOf"] is undefined %}
                {{- ": " + ns.values | join("|") }}
            {%- elif ns.values is not none and ns.values not in ns.lists %}
                {%- set ns.lists = ns.lists + [ns.values] %}
                {%- set ns.keys = ns.keys + [ns.label] %}
            {%- endif %}
            {%- if p["default"] is defined %}
                {{- "=" + (p["default"] | string) }}
            {%- endif %}
        {%- endfor %}
        {{- ")" }}
        {%- if fn["description"] is defined %}
            {{- " - " + fn["description"].split(". ")[0].rstrip(".") + "." }}
        {%- endif %}
    {%- endfor %}
    {{- "\\n</tools>" }}
    {%- for values in ns.lists %}
        {{- "\\n" + ns.keys[loop.index0] + values | join(", ") }}
    {%- endfor %}
{%- endif %}
"""
)

_TINY_HEAD = """{%- if messages and messages[0].role == "system" %}
    {%- set system_message = messages[0].content %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- "<|im_start|>system" }}
{%- for line in (system_message if system_message is string else "").split("\\n") %}
    {%- if line.startswith("Planning clock:") %}
        {{- "\\n" + line }}
    {%- endif %}
{%- endfor %}
"""

_TOOLS_TINY = (
    """{%- if tools %}
    {{- "\\n<tools>" }}
    {%- set ns = namespace(lists=[], keys=[], values=none, label="") %}
    {%- for tool in tools %}
        {%- set fn = tool["function"] if tool["function"] is defined else tool %}
        {%- set params = fn["parameters"] if fn["parameters"] is defined else {} %}
        {%- set props = params["properties"] if params["properties"] is defined else {} %}
        {{- (" " if not loop.first else "") + fn["name"] }}
        {%- for key in props %}
            {%- set p = props[key] %}
            {%- if p["items"] is defined and p["items"]["properties"] is defined %}
                {%- set inner = p["items"]["properties"] %}
                {%- for sub in inner %}
                    {%- if inner[sub]["enum"] is defined and inner[sub]["enum"] not in ns.lists %}
                        {%- set ns.lists = ns.lists + [inner[sub]["enum"]] %}
                        {%- set ns.keys = ns.keys + [sub + ": "] %}
                    {%- endif %}
                {%- endfor %}
            {%- endif %}
            {%- set ns.values = p["enum"] if p["enum"] is defined else none %}
            {%- if p["anyOf"] is defined %}
"""
    + _ANYOF_ENUM_VALUES
    + """            {%- endif %}
            {%- if ns.values is not none and p["anyOf"] is defined and ns.values not in ns.lists %}
                {%- set ns.lists = ns.lists + [ns.values] %}
                {%- set ns.keys = ns.keys + [key + ": "] %}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
    {{- "</tools>" }}
    {%- for values in ns.lists %}
        {{- "\\n" + ns.keys[loop.index0] + values | join(", ") }}
    {%- endfor %}
{%- endif %}
"""
)

_TEMPLATE_TURNS = """{{- "<|im_end|>\\n" }}
{%- for message in loop_messages %}
    {%- if message.role == "user" or message.role == "system" %}
        {{- "<|im_start|>" + message.role + "\\n" + message.content + "<|im_end|>\\n" }}
    {%- elif message.role == "assistant" %}
        {{- "<|im_start|>assistant\\n" }}
        {%- generation %}
        {%- if message.content %}
            {{- message.content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if tool_call.function is defined %}
                    {%- set fn = tool_call.function %}
                {%- else %}
                    {%- set fn = tool_call %}
                {%- endif %}
                {%- if message.content or not loop.first %}
                    {{- "\\n" }}
                {%- endif %}
                {{- '<tool_call>\\n{"name": "' + fn.name + '", "arguments": ' }}
                {%- if fn.arguments is string %}
                    {{- fn.arguments }}
                {%- else %}
                    {{- fn.arguments | tojson }}
                {%- endif %}
                {{- "}\\n</tool_call>" }}
            {%- endfor %}
        {%- endif %}
        {{- "<|im_end|>" }}
        {%- endgeneration %}
        {{- "\\n" }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or loop_messages[loop.index0 - 1].role != "tool" %}
            {{- "<|im_start|>user" }}
        {%- endif %}
        {{- "\\n<tool_response>\\n" }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {{- message.content | tojson }}
        {%- endif %}
        {{- "\\n</tool_response>" }}
        {%- if loop.last or loop_messages[loop.index0 + 1].role != "tool" %}
            {{- "<|im_end|>\\n" }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- "<|im_start|>assistant\\n" }}
{%- endif %}
"""

COSMO_CHAT_TEMPLATE = _TEMPLATE_HEAD + _TOOLS_FULL + _TEMPLATE_TURNS
"""Hermes/Qwen layout: every tool schema as JSON inside <tools></tools> (for LoRA bases)."""
COSMO_COMPACT_CHAT_TEMPLATE = _TEMPLATE_HEAD + _TOOLS_COMPACT + _TEMPLATE_TURNS
"""Same turns and tool-call blocks; tools as one-line signatures plus the mission's name
lists once (about 8x fewer prompt tokens: the cosmo-tiny default)."""
COSMO_TINY_CHAT_TEMPLATE = _TINY_HEAD + _TOOLS_TINY + _TEMPLATE_TURNS
"""Same turns and tool-call blocks; the system turn keeps only the ``Planning clock:`` line of
the system message, the bound tools' names and the mission's name lists (about 150 prompt
tokens instead of 1,000: the cosmo-tiny default). For a small model trained from scratch on
the tool contract, which cannot follow prose instructions; the validator guards regardless."""
CHAT_TEMPLATES = {
    "cosmo": COSMO_CHAT_TEMPLATE,
    "cosmo-compact": COSMO_COMPACT_CHAT_TEMPLATE,
    "cosmo-tiny": COSMO_TINY_CHAT_TEMPLATE,
}


def render_chat(
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    *,
    add_generation_prompt: bool = False,
    chat_template: str = COSMO_CHAT_TEMPLATE,
) -> str:
    """Render a conversation with the Cosmo chat template, without a tokenizer."""
    from transformers.utils.chat_template_utils import render_jinja_template

    render: Any = render_jinja_template
    rendered, _ = render(
        conversations=[[dict(m) for m in messages]],
        tools=[dict(t) for t in tools] if tools else None,
        chat_template=chat_template,
        add_generation_prompt=add_generation_prompt,
    )
    return str(rendered[0])


def _build_backend(
    vocab_size: int, min_frequency: int, texts: Iterable[str], pre_tokenizer: str
) -> Any:
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )

    if pre_tokenizer not in PRE_TOKENIZERS:
        raise ValueError(
            f"pre_tokenizer must be one of {sorted(PRE_TOKENIZERS)}, not {pre_tokenizer!r}"
        )
    tok = Tokenizer(models.BPE(byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(
                Regex(PRE_TOKENIZERS[pre_tokenizer]), behavior="isolated", invert=False
            ),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(CHAT_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )

    def with_seed() -> Iterator[str]:
        # Every precomposed syllable appears at least once (and every byte is in the
        # initial alphabet), so Korean text never needs an unknown token.
        for start in range(0, len(HANGUL_SYLLABLES), 64):
            yield HANGUL_SYLLABLES[start : start + 64]
        yield from texts

    tok.train_from_iterator(with_seed(), trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TOOL_TOKENS])
    return tok


def _wrap(backend: Any, model_max_length: int, chat_template: str) -> Any:
    from transformers import PreTrainedTokenizerFast

    wrapper: Any = PreTrainedTokenizerFast
    return wrapper(
        tokenizer_object=backend,
        eos_token=IM_END,
        pad_token=PAD_TOKEN,
        bos_token=None,
        unk_token=None,
        chat_template=chat_template,
        model_max_length=model_max_length,
        padding_side="right",
        clean_up_tokenization_spaces=False,
        additional_special_tokens=[IM_START],
    )


def train_tokenizer(
    texts: Iterable[str],
    *,
    vocab_size: int = 8192,
    min_frequency: int = 2,
    model_max_length: int = 4096,
    chat_template: str = COSMO_CHAT_TEMPLATE,
    pre_tokenizer: str = "qwen2",
) -> Any:
    """Train a byte-level BPE on ``texts`` and wrap it with the Cosmo chat template.

    ``pre_tokenizer`` names the split in :data:`PRE_TOKENIZERS` (``"words"`` keeps spaces
    apart from words).

    >>> tok = train_tokenizer(["Propagate ISS for 24 h.", "위성 상태 알려줘"], vocab_size=400)
    >>> tok.decode(tok("한글 ☄ 궤도")["input_ids"])
    '한글 ☄ 궤도'
    """
    backend = _build_backend(vocab_size, min_frequency, texts, pre_tokenizer)
    return _wrap(backend, model_max_length, chat_template)


def corpus_texts(
    corpus: str | Path,
    *,
    splits: Sequence[str] = ("train",),
    include_text: bool = True,
    chat_template: str = COSMO_CHAT_TEMPLATE,
) -> Iterator[str]:
    """Training text for the tokenizer: rendered conversations plus domain documents."""
    base = str(corpus).rstrip("/")
    for split in splits:
        for row in read_jsonl(f"{base}/{split}.jsonl"):
            tools = row.get("tools") or None
            yield render_chat(row["messages"], tools, chat_template=chat_template)
        if include_text:
            try:
                open_url(f"{base}/text-{split}.jsonl").close()
            except FileNotFoundError:
                continue
            for doc in read_jsonl(f"{base}/text-{split}.jsonl"):
                yield str(doc["text"])


def train_tokenizer_from_corpus(
    corpus: str | Path,
    out_dir: str | Path | None = None,
    *,
    vocab_size: int = 8192,
    min_frequency: int = 2,
    model_max_length: int = 4096,
    chat_template: str = COSMO_CHAT_TEMPLATE,
    pre_tokenizer: str = "qwen2",
) -> Any:
    """Train on a corpus directory (see :mod:`cosmo_agent.model.corpus`), save if asked."""
    tok = train_tokenizer(
        corpus_texts(corpus, chat_template=chat_template),
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        model_max_length=model_max_length,
        chat_template=chat_template,
        pre_tokenizer=pre_tokenizer,
    )
    if out_dir is not None:
        save_tokenizer(tok, out_dir)
    return tok


def save_tokenizer(tokenizer: Any, out_dir: str | Path) -> None:
    """``save_pretrained`` with the chat template inside tokenizer_config.json."""
    tokenizer.save_pretrained(str(out_dir), save_jinja_files=False)


def load_tokenizer(path: str | Path, *, chat_template: str | None = None) -> Any:
    """Load a tokenizer directory (Cosmo's or any HF base model's).

    A tokenizer without a chat template gets the Cosmo template; pass ``chat_template`` to
    force one (e.g. :data:`COSMO_CHAT_TEMPLATE` on a base model whose own template has no
    ``{% generation %}`` markers). A missing pad token becomes the EOS token.
    """
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(path))
    if chat_template is not None:
        tok.chat_template = chat_template
    elif not tok.chat_template:
        tok.chat_template = COSMO_CHAT_TEMPLATE
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok
