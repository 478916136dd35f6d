"""Cosmo corpus: tool-use conversations from a teacher, domain text, deterministic splits.

Conversations. A :class:`Teacher` (the agent's rules planner, wired in by the CLI; this module
never imports it) makes a randomized mission with :meth:`Teacher.world` and answers operator
requests with :meth:`Teacher.answer`. :func:`generate_request`
(:mod:`cosmo_agent.model.operator_requests`) writes the requests, in English or Korean, from
phrasing templates with slots filled from the world (:mod:`cosmo_agent.model.slots`), and each
request carries its *intended* tool calls. :func:`build_corpus` keeps the teacher's answer when
its first tool-calling turn agrees with the intended calls (:func:`calls_agree`,
:mod:`cosmo_agent.model.agreement`); when it does not,
a teacher with ``answer_calls`` runs the intended calls instead (a *guided* example: the
labels are the generator's, the tool results and briefing the teacher's), and the manifest
counts both.

Phrasings (:mod:`cosmo_agent.model.phrasings`). ``GENERATOR_TEMPLATES`` is what the train and
validation splits are written with;
``HELD_OUT_TEMPLATES`` are phrasings the generator does not use, and the test split is written
with them only. The split of an example is decided first, from a stable hash of its id
(:func:`split_of`), and then its request is rendered from the matching template set.

Domain text for continued pretraining: :func:`read_text_source` (:mod:`cosmo_agent.model.storage`:
local or any fsspec URL, ``*.jsonl`` with a ``text`` field, ``*.txt``/``*.md`` one document per
file) and :class:`ArxivClient` (:mod:`cosmo_agent.model.arxiv`: Atom feed, 3 s between calls).

Output (``out`` is a local directory or any fsspec URL; ``s3://`` needs the ``s3`` extra)::

    train.jsonl validation.jsonl test.jsonl            conversations, one JSON object a line:
        {"id", "lang", "intent", "template", "split", "messages", "tools", "intended",
         "world_seed"}
    text-train.jsonl text-validation.jsonl text-test.jsonl   domain text {"id", "text", "source"}
    disagreements.jsonl                                 dropped examples and why
    manifest.json                                       counts per split and language, teacher
                                                        agreement, sha256 of every file

>>> world = {"satellites": [{"id": "25544", "name": "ISS (ZARYA)", "aliases": ["ISS"]}],
...          "stations": [{"id": "DAE", "name": "Daejeon", "aliases": ["대전"]}],
...          "tools": [{"type": "function", "function": {"name": "space_weather"}}],
...          "system": "You are Cosmo."}
>>> req = generate_request(world, seed="w0-r0", lang="en", intent="space_weather")
>>> [call["name"] for call in req.intended]
['space_weather']
>>> split_of("w0-r0") in ("train", "validation", "test")
True
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cosmo_agent.model.agreement import calls_agree, first_tool_calls
from cosmo_agent.model.arxiv import ArxivClient, ArxivEntry, ArxivError, ArxivPage, parse_arxiv_feed
from cosmo_agent.model.korean import attach_particles
from cosmo_agent.model.operator_requests import (
    COMPOSED_SHARE,
    INTENTS,
    TOOL_DEFAULTS,
    Request,
    generate_request,
)
from cosmo_agent.model.phrasings import (
    BLIND_TEMPLATES,
    GENERATOR_TEMPLATES,
    HELD_OUT_TEMPLATES,
    Lang,
)
from cosmo_agent.model.slots import DEFAULT_COMMANDS, DEFAULT_NOW_UTC
from cosmo_agent.model.slots import _duration as _duration
from cosmo_agent.model.slots import _threshold as _threshold
from cosmo_agent.model.storage import (
    HashingWriter,
    TextRecord,
    check_bucket,
    join_url,
    open_url,
    read_jsonl,
    read_text_source,
    write_bytes,
)

__all__ = [
    "BLIND_TEMPLATES",
    "COMPOSED_SHARE",
    "DEFAULT_COMMANDS",
    "DEFAULT_FRACTIONS",
    "DEFAULT_NOW_UTC",
    "GENERATOR_TEMPLATES",
    "HELD_OUT_TEMPLATES",
    "INTENTS",
    "SPLITS",
    "TOOL_DEFAULTS",
    "ArxivClient",
    "ArxivEntry",
    "ArxivError",
    "ArxivPage",
    "CorpusManifest",
    "Lang",
    "Request",
    "Split",
    "Teacher",
    "TextRecord",
    "build_corpus",
    "calls_agree",
    "first_tool_calls",
    "generate_request",
    "load_object",
    "main",
    "open_url",
    "parse_arxiv_feed",
    "read_jsonl",
    "read_text_source",
    "split_of",
]

Split = Literal["train", "validation", "test"]
"""``train`` and ``validation`` use the generator phrasings, ``test`` the held-out ones."""

SPLITS: tuple[Split, ...] = ("train", "validation", "test")
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.90, 0.05, 0.05)

_attach_particles = attach_particles  # the name the corpus tests use, as are _duration/_threshold


class Teacher(Protocol):
    """What :func:`build_corpus` needs from a teacher (the agent's rules planner)."""

    def world(self, seed: int) -> dict[str, Any]:
        """A randomized mission: ``{"satellites": [{"id", "name", "aliases"}], "stations":
        [{"id", "name", "aliases"}], "tools": [OpenAI tool schemas], "system": str}``;
        optional ``"now"`` (ISO 8601 UTC, the mission clock used for relative times),
        ``"event_ids"`` (conjunction ids the teacher can resolve) and ``"commands"``."""
        ...

    def answer(self, world: dict[str, Any], request: str) -> list[dict[str, Any]]:
        """The messages after the user turn (contract.md chat format): assistant tool_calls,
        tool results, final assistant briefing."""
        ...


# Optional on a teacher: ``answer_calls(world, request, calls) -> messages``, the turns after
# the user message when the first tool-calling turn makes ``calls`` (used for guided examples);
# ``first_turn(world, request)`` and ``first_turn_calls(world, request, calls)``, the first
# assistant turn of those alone, with no tool run (``build_corpus(first_turns=True)``).


# --------------------------------------------------------------------------------------------
# Teacher answers.


def _malformed(messages: Any, *, first_turn: bool = False) -> str | None:
    """Why a teacher answer does not follow the chat format, or None. ``first_turn``: the
    answer is one assistant turn (tool calls whose results are not part of it, or an answer).
    """
    if not isinstance(messages, list) or not messages:
        return "answer is not a non-empty list of messages"
    pending: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            return f"message {i} is not an object"
        role = m.get("role")
        if role == "assistant":
            for call in m.get("tool_calls") or []:
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict) or "name" not in fn:
                    return f"message {i}: tool call without function.name"
                pending.add(str(call.get("id", "")))
        elif role == "tool":
            if str(m.get("tool_call_id", "")) not in pending:
                return f"message {i}: tool result for unknown tool_call_id"
            if not isinstance(m.get("content"), str):
                return f"message {i}: tool content must be a JSON string"
        else:
            return f"message {i}: unexpected role {role!r}"
    last = messages[-1]
    if first_turn:
        if len(messages) != 1 or not (last.get("tool_calls") or last.get("content")):
            return "a first turn must be one assistant message with tool calls or an answer"
        return None
    if last.get("role") != "assistant" or last.get("tool_calls") or not last.get("content"):
        return "answer must end with an assistant briefing without tool calls"
    return None


# --------------------------------------------------------------------------------------------
# Splits.


def split_of(
    example_id: str, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> Split:
    """Stable split of an example id (sha256, independent of run, platform and order).

    >>> split_of("w7-r0012") == split_of("w7-r0012")
    True
    """
    digest = hashlib.sha256(f"cosmo-split:{example_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    total = sum(fractions)
    if u < fractions[0] / total:
        return "train"
    if u < (fractions[0] + fractions[1]) / total:
        return "validation"
    return "test"


# --------------------------------------------------------------------------------------------
# The builder.


@dataclass
class CorpusManifest:
    """What :func:`build_corpus` wrote (also saved as manifest.json)."""

    data: dict[str, Any]

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return dict(self.data["counts"])

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["files"])


def build_corpus(
    teacher: Teacher,
    out: str,
    *,
    n_worlds: int = 200,
    per_world: int = 50,
    seed: int = 0,
    ko_fraction: float = 0.5,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    text: Iterable[TextRecord] = (),
    max_examples_logged: int = 20,
    progress: Callable[[int, int], None] | None = None,
    guided: bool = True,
    quoted: bool = False,
    first_turns: bool = False,
) -> CorpusManifest:
    """Write the Cosmo corpus to ``out`` (directory or fsspec URL) and return its manifest.

    Worlds ``seed .. seed + n_worlds - 1`` come from ``teacher.world``; each gets
    ``per_world`` requests with ids ``w{world_seed}-r{k:04d}``. The split of an id is
    :func:`split_of`; test requests are written with the held-out phrasings. Answers that are
    malformed, raise, or disagree with the intended calls are dropped and counted.
    ``text`` (domain documents) is split by the same hash into ``text-<split>.jsonl``.

    ``guided``: when the teacher's own reading of a request disagrees with the intended calls
    and the teacher has ``answer_calls(world, request, calls)``, the example is kept with the
    intended calls run through the teacher's tools (its briefing included), so the corpus is
    not limited to phrasings the rules planner parses; the manifest counts ``agreed`` (the
    teacher's own answer) and ``guided`` apart, and ``disagreements.jsonl`` lists every miss.

    ``quoted``: when the teacher has ``quote(world, request, calls)``, the first tool calls
    write each value as the request spells it ("2 days" for 48), which the tools read alike.
    Off by default: measured on the test split, cosmo-tiny continued on quoted conversations
    copied spans badly ("0 km", "t") and fell from 51.7 % to 41.4 % resolved AST accuracy
    (model/cosmo-tiny/README.md).

    ``first_turns``: each conversation ends at its first assistant turn (the tool calls, or a
    no-tool request's answer), from the teacher's ``first_turn`` and ``first_turn_calls``;
    no tool runs, so a world costs a fraction of the time. The choice of call is what the
    model learns from most conversations anyway (the cosmo-tiny recipe cuts long ones there).
    """
    produce: Callable[..., Any] = teacher.answer
    guide: Callable[[dict[str, Any], str, list[dict[str, Any]]], list[dict[str, Any]]] | None
    guide = getattr(teacher, "answer_calls", None) if guided else None
    quote: Callable[..., list[dict[str, Any]]] | None = (
        getattr(teacher, "quote", None) if quoted else None
    )
    if first_turns:
        first, first_calls = (getattr(teacher, n, None) for n in ("first_turn", "first_turn_calls"))
        if first is None or (guided and first_calls is None):
            raise ValueError("first_turns needs a teacher with first_turn (and first_turn_calls"
                             " when guided)")  # fmt: skip
        produce, guide = first, first_calls if guided else None
    writers = {s: HashingWriter(join_url(out, f"{s}.jsonl")) for s in SPLITS}
    text_writers = {s: HashingWriter(join_url(out, f"text-{s}.jsonl")) for s in SPLITS}
    rejects = HashingWriter(join_url(out, "disagreements.jsonl"))
    text_counts: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    intents: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    templates: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    teacher_stats: Counter[str] = Counter()
    dropped_by_intent: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    total = n_worlds * per_world
    done = 0
    try:
        for world_seed in range(seed, seed + n_worlds):
            world = teacher.world(world_seed)
            tools = list(world.get("tools", ()))
            system = str(world.get("system", ""))
            for k in range(per_world):
                example_id = f"w{world_seed}-r{k:04d}"
                split = split_of(example_id, fractions)
                lang_rng = random.Random(f"cosmo-lang:{example_id}")
                lang: Lang = "ko" if lang_rng.random() < ko_fraction else "en"
                request = generate_request(
                    world, seed=example_id, lang=lang, held_out=split == "test"
                )
                teacher_stats["checked"] += 1
                answer, reason = _checked(
                    world, request, produce, world, request.text, first_turn=first_turns
                )
                guided_answer = False
                if reason is not None:
                    teacher_stats[_reason_key(reason)] += 1
                    if guide is not None and not reason.startswith("teacher raised"):
                        rejects.write(_reject(request, example_id, reason, answer, guided=True))
                        answer, reason = _checked(
                            world,
                            request,
                            guide,
                            world,
                            request.text,
                            request.intended,
                            first_turn=first_turns,
                        )
                        guided_answer = reason is None
                done += 1
                if progress is not None:
                    progress(done, total)
                if reason is not None:
                    teacher_stats["dropped"] += 1
                    dropped_by_intent[request.intent] += 1
                    reject = _reject(request, example_id, reason, answer)
                    rejects.write(reject)
                    if len(examples) < max_examples_logged:
                        examples.append(reject)
                    continue
                teacher_stats["guided" if guided_answer else "agreed"] += 1
                if quote is not None:
                    answer, n_quoted = _quoted_answer(answer, quote, world, request.text)
                    teacher_stats["quoted_values"] += n_quoted
                messages: list[dict[str, Any]] = []
                if system:
                    messages.append({"role": "system", "content": system})
                messages.append({"role": "user", "content": request.text})
                messages.extend(answer)
                writers[split].write(
                    {
                        "id": example_id,
                        "lang": request.lang,
                        "intent": request.intent,
                        "template": request.template,
                        "split": split,
                        "messages": messages,
                        "tools": tools,
                        "intended": request.intended,
                        "world_seed": world_seed,
                    }
                )
                counts[split][request.lang] += 1
                intents[split][request.intent] += 1
                templates[split][request.template.split("/", 1)[0]] += 1
        for record in text:
            split = split_of(record.id, fractions)
            text_writers[split].write(record.to_json())
            text_counts[split] += 1
        files = {f"{s}.jsonl": w.close() for s, w in writers.items()}
        files.update({f"text-{s}.jsonl": w.close() for s, w in text_writers.items()})
        files["disagreements.jsonl"] = rejects.close()
    except BaseException:  # no file is left half-written, and there is no manifest
        for w in (*writers.values(), *text_writers.values(), rejects):
            w.discard()  # (a file already finished stays whole)
        raise
    dropped = teacher_stats["dropped"]
    data: dict[str, Any] = {
        "format": "cosmo-corpus/1",
        "seed": seed,
        "n_worlds": n_worlds,
        "per_world": per_world,
        "ko_fraction": ko_fraction,
        "first_turns": first_turns,
        "fractions": dict(zip(SPLITS, fractions, strict=True)),
        "counts": {
            s: {"en": counts[s]["en"], "ko": counts[s]["ko"], "total": sum(counts[s].values())}
            for s in SPLITS
        },
        "intents": {s: dict(sorted(intents[s].items())) for s in SPLITS},
        "phrasings": {s: dict(sorted(templates[s].items())) for s in SPLITS},
        "text_counts": {s: text_counts[s] for s in SPLITS},
        "teacher": {
            "checked": teacher_stats["checked"],
            "agreed": teacher_stats["agreed"],
            "guided": teacher_stats["guided"],
            "dropped": dropped,
            "disagreed": teacher_stats["disagreed"],
            "malformed": teacher_stats["malformed"],
            "errors": teacher_stats["errors"],
            "quoted_values": teacher_stats["quoted_values"],
            "dropped_by_intent": dict(sorted(dropped_by_intent.items())),
            "examples": examples,
        },
        "templates": {
            "generator": sum(len(v) for t in GENERATOR_TEMPLATES.values() for v in t.values()),
            "held_out": sum(len(v) for t in HELD_OUT_TEMPLATES.values() for v in t.values()),
            "blind": sum(len(v) for t in BLIND_TEMPLATES.values() for v in t.values()),
        },
        "files": files,
    }
    # last: a corpus folder without its manifest is an unfinished one
    write_bytes(join_url(out, "manifest.json"),
                (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())  # fmt: skip
    return CorpusManifest(data)


def _checked(
    world: Mapping[str, Any],
    request: Request,
    produce: Callable[..., Any],
    *args: Any,
    first_turn: bool = False,
) -> tuple[Any, str | None]:
    """``produce(*args)``'s answer to ``request`` and why it cannot be kept (None: it can)."""
    try:
        answer = produce(*args)
    except Exception as exc:  # a failing teacher drops one example, not the run
        return None, f"teacher raised {type(exc).__name__}: {exc}"
    reason = _malformed(answer, first_turn=first_turn)
    if reason is None and not calls_agree(world, request.intended, answer):
        reason = "disagrees with the intended tool calls"
    return answer, reason


def _quoted_answer(
    answer: list[dict[str, Any]],
    quote: Callable[..., list[dict[str, Any]]],
    world: Mapping[str, Any],
    request: str,
) -> tuple[list[dict[str, Any]], int]:
    """``answer`` with its first tool calls' values written as the request spells them (the
    teacher's ``quote``); the tool results are unchanged, since the tools read both alike."""
    out = list(answer)
    for i, message in enumerate(out):
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        if not calls:
            continue
        plain = [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]}
                 for c in calls]  # fmt: skip
        quoted = quote(world, request, plain)
        changed = sum(
            a != b
            for p, q in zip(plain, quoted, strict=True)
            for a, b in zip(p["arguments"].values(), q["arguments"].values(), strict=True)
        )
        out[i] = {**message, "tool_calls": [
            {**c, "function": {**c["function"], "arguments": q["arguments"]}}
            for c, q in zip(calls, quoted, strict=True)
        ]}  # fmt: skip
        return out, changed
    return out, 0


def _reason_key(reason: str) -> str:
    if reason.startswith("teacher raised"):
        return "errors"
    return "disagreed" if reason.startswith("disagrees") else "malformed"


def _reject(
    request: Request, example_id: str, reason: str, answer: Any, *, guided: bool = False
) -> dict[str, Any]:
    return {
        "id": example_id,
        "intent": request.intent,
        "lang": request.lang,
        "request": request.text,
        "reason": reason,
        "intended": request.intended,
        "actual": first_tool_calls(answer) if isinstance(answer, list) else None,
        "kept_guided": guided,
    }


def load_object(spec: str) -> Any:
    """``package.module:attr`` -> the object (``--teacher`` of the corpus and the evaluation)."""
    import importlib

    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"--teacher must look like 'package.module:factory', got {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def main(
    argv: Sequence[str] | None = None,
    *,
    teacher: Teacher | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """``python -m cosmo_agent.model.corpus --teacher pkg.mod:factory --out DIR ...``.

    Prints the manifest's counts and teacher agreement as JSON. ``teacher`` (for the CLI)
    replaces ``--teacher``; the factory is called with no arguments. ``progress`` goes to
    :func:`build_corpus` (requests answered so far, of all; the CLI draws it as a bar).
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="cosmo-agent model corpus",
        description="Build the Cosmo corpus (conversations from a teacher, domain text, "
        "hash splits, manifest.json with sha256 checksums).",
    )
    parser.add_argument("--out", required=True, help="output directory or fsspec URL")
    parser.add_argument("--teacher", help="'package.module:factory' returning a Teacher")
    parser.add_argument("--worlds", type=int, default=200, help="number of random missions")
    parser.add_argument("--per-world", type=int, default=50, help="requests per mission")
    parser.add_argument("--seed", type=int, default=0, help="first world seed")
    parser.add_argument("--ko-fraction", type=float, default=0.5, help="share of Korean requests")
    parser.add_argument(
        "--text", action="append", default=[], help="domain text file/dir/URL (repeatable)"
    )
    parser.add_argument(
        "--arxiv", action="append", default=[], help="arXiv search_query to fetch (repeatable)"
    )
    parser.add_argument("--arxiv-limit", type=int, default=500, help="entries per arXiv query")
    parser.add_argument(
        "--no-guided",
        action="store_true",
        help="drop requests the teacher misreads instead of running their intended calls",
    )
    parser.add_argument(
        "--quoted",
        action="store_true",
        help="write call values as the request spells them ('2 days'), via the teacher's quote",
    )
    parser.add_argument(
        "--first-turns",
        action="store_true",
        help="end each conversation at its first assistant turn (the calls); no tool runs",
    )
    args = parser.parse_args(argv)
    if teacher is None:
        if not args.teacher:
            parser.error("--teacher is required (e.g. the agent's rules planner factory)")
        teacher = load_object(args.teacher)()
    if args.first_turns and not hasattr(teacher, "first_turn"):
        parser.error(f"--first-turns: the teacher {type(teacher).__name__} has no first_turn;"
                     " use one that has (the rules teacher) or leave the flag out")  # fmt: skip
    records: list[TextRecord] = []
    for url in args.text:
        try:
            records.extend(read_text_source(url))
        except (OSError, ValueError) as exc:  # a missing or malformed file: the user's input
            print(f"{parser.prog}: --text {url}: {exc}", file=sys.stderr)
            return 2
    if args.arxiv:
        with ArxivClient() as client:
            for query in args.arxiv:
                entries = client.iter_entries(query, limit=args.arxiv_limit)
                records.extend(e.to_record() for e in entries)
    try:
        check_bucket(args.out)  # a wrong key or bucket is told before any work
        manifest = build_corpus(
            teacher,
            args.out,
            n_worlds=args.worlds,
            per_world=args.per_world,
            seed=args.seed,
            ko_fraction=args.ko_fraction,
            text=records,
            guided=not args.no_guided,
            quoted=args.quoted,
            first_turns=args.first_turns,
            progress=progress,
        )
    except OSError as exc:  # the output store; every file it did not finish was dropped
        where = "" if str(exc).startswith(args.out) else f"{args.out}: "
        print(f"{parser.prog}: --out {where}{exc}; no manifest was written, so the corpus is"
              " not complete", file=sys.stderr)  # fmt: skip
        return 2 if isinstance(exc, PermissionError | FileNotFoundError) else 1
    summary = {
        "out": args.out,
        "counts": manifest.data["counts"],
        "text_counts": manifest.data["text_counts"],
        "teacher": {k: v for k, v in manifest.data["teacher"].items() if k != "examples"},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
