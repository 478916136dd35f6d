"""Latency of one Cosmo tool call on this CPU: the embedded cosmo-tiny through CosmoChatModel.

Requests: the operator turns of a held-out test split (``--split``: a corpus test.jsonl, see
model/cosmo-tiny/README.md; without one, a fixed EN/KO list), asked against the real demo
mission (missions/demo.yaml): its system prompt and its nine tool schemas from
``cosmo_agent.tools.registry.openai_tools``.
Measured in the same run:

* ``constrained+prefix-cache`` -- the default engine (xgrammar constraint, KV cache of the
  common prompt prefix kept between calls);
* ``constrained, no prefix cache`` -- the baseline: every call prefills the whole prompt;
* ``greedy+prefix-cache`` -- the default with beam width 1, so the price of the model's beam
  search (its ``generation_config.json`` ``num_beams``, or ``--num-beams``) shows;
* ``no surrogates, named tools`` -- the default without name surrogates, named-tool
  narrowing and unknown-name quoting (``model/surrogates.py``, ``model/spans.py``);
* ``model's own tool choice`` -- the default without the tool-choice head
  (``model/tool_choice.py``: SmolLM2-135M reading each request), where the directory has one.

Every mode reads the model directory's ``generation_config.json`` and differs from the default
in its named setting only.

The modes run interleaved, request by request, rotating which goes first.

Prints per-mode median / p90 / max latency per call, tokens, the ratio baseline/default, wall
time and peak RSS (``resource.getrusage``) and Python heap peak (``tracemalloc``).

Run: ``.venv/bin/python bench/bench_inference.py [--split test.jsonl] [--n 20] [--model DIR]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

FALLBACK_REQUESTS = (
    "What's the status of the fleet?",
    "Space weather right now?",
    "위성 상태 알려줘",
    "지금 우주 날씨 어때?",
    "Screen the whole fleet for conjunctions within 2 km over the next 12 hours.",
    "앞으로 6시간 동안 모든 위성의 통과 예측해 줘",
    "Hello!",
    "안녕하세요",
)


def _requests(split: str | None, n: int) -> list[str]:
    if not split:
        return [FALLBACK_REQUESTS[i % len(FALLBACK_REQUESTS)] for i in range(n)]
    out = []
    for line in Path(split).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        user = [m["content"] for m in row["messages"] if m["role"] == "user"]
        if user:
            out.append(str(user[0]))
        if len(out) >= n:
            break
    return out


def _percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[k]


def _one(chat: Any, system: str, tools: list[dict[str, Any]], text: str) -> tuple[float, Any]:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
    t = time.perf_counter()
    done = chat.complete(messages, tools)
    return time.perf_counter() - t, done


def _summary(results: list[tuple[float, Any]]) -> dict[str, Any]:
    lat = [s for s, _ in results]
    return {
        "median_s": statistics.median(lat),
        "p90_s": _percentile(lat, 0.9),
        "max_s": max(lat),
        "mean_new_tokens": statistics.mean(d.completion_tokens for _, d in results),
        "calls": sum(len(d.tool_calls) + len(d.invalid) for _, d in results),
        "schema_valid_calls": sum(len(d.tool_calls) for _, d in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=None, help="test.jsonl of a Cosmo corpus")
    parser.add_argument("--n", type=int, default=20, help="requests per mode")
    parser.add_argument("--model", default=None, help="model dir (default: embedded)")
    parser.add_argument("--mission", default=str(ROOT / "missions" / "demo.yaml"))
    parser.add_argument("--num-beams", type=int, default=None,
                        help="beam width of the default mode (default: the model's own)")
    args = parser.parse_args(argv)

    from cosmo_agent.agent.planners import system_prompt
    from cosmo_agent.model.inference import CosmoChatModel
    from cosmo_agent.tools.mission import load_mission
    from cosmo_agent.tools.registry import openai_tools

    wall0 = time.perf_counter()
    tracemalloc.start()
    mission = load_mission(args.mission)
    tools = openai_tools(mission)
    system = system_prompt(mission)
    requests = _requests(args.split, args.n)

    t = time.perf_counter()
    chat = CosmoChatModel.load(args.model, num_beams=args.num_beams)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    chat.complete([{"role": "system", "content": system},
                   {"role": "user", "content": "warm-up"}], tools)  # grammar compile
    warm_s = time.perf_counter() - t
    prompt_tokens = len(chat.engine.prompt_ids(
        [{"role": "system", "content": system}, {"role": "user", "content": requests[0]}], tools))

    # every mode reads the model directory's decoding settings; each differs from the
    # default in the one setting its name gives
    beams = chat.engine.num_beams
    chats = {"default": chat,
             "baseline": CosmoChatModel.load(args.model, prefix_cache=False, num_beams=beams),
             "greedy": CosmoChatModel.load(args.model, num_beams=1),
             "plain names": CosmoChatModel.load(args.model, num_beams=beams,
                                                name_surrogates=False, named_tools_only=False,
                                                quote_unknown_names=False),
             "own choice": CosmoChatModel.load(args.model, num_beams=beams,
                                               choose_tools=False)}  # fmt: skip
    for other in ("baseline", "greedy", "plain names", "own choice"):
        chats[other].complete([{"role": "system", "content": system},
                               {"role": "user", "content": "warm-up"}], tools)
    # Interleaved (rotating which goes first), so that load from other jobs on a shared
    # machine hits every mode alike.
    names = list(chats)
    runs: dict[str, list[tuple[float, Any]]] = {name: [] for name in names}
    for i, text in enumerate(requests):
        k = i % len(names)
        for mode in names[k:] + names[:k]:
            runs[mode].append(_one(chats[mode], system, tools, text))
    default, baseline, greedy, plain, own = (
        _summary(runs[n]) for n in ("default", "baseline", "greedy", "plain names", "own choice")
    )
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"model: {args.model or 'embedded cosmo-tiny'}; mission {Path(args.mission).name}, "
          f"{len(tools)} tools; {len(requests)} requests; prompt ~{prompt_tokens} tokens")
    print(f"load {load_s:.2f} s, first call (grammar compile + prefill) {warm_s:.2f} s")
    print(f"beam width {chat.engine.num_beams} (default and baseline modes)")
    modes = (("constrained+prefix-cache", default), ("constrained, no prefix cache", baseline),
             ("greedy+prefix-cache", greedy), ("no surrogates, named tools", plain),
             ("model's own tool choice", own))
    for name, r in modes:
        print(f"{name:30s} median {r['median_s']:.3f} s  p90 {r['p90_s']:.3f} s  "
              f"max {r['max_s']:.3f} s  new tokens {r['mean_new_tokens']:.1f}  "
              f"calls {r['calls']} (schema-valid {r['schema_valid_calls']})")
    print(f"ratio baseline/default: median {baseline['median_s'] / default['median_s']:.2f}x, "
          f"p90 {baseline['p90_s'] / default['p90_s']:.2f}x; default/greedy: median "
          f"{default['median_s'] / greedy['median_s']:.2f}x; default/no surrogates: median "
          f"{default['median_s'] / plain['median_s']:.2f}x; default/own tool choice: median "
          f"{default['median_s'] / own['median_s']:.2f}x")
    print(f"wall {time.perf_counter() - wall0:.1f} s; peak RSS {rss_kib / 1024:.0f} MiB; "
          f"tracemalloc peak {heap_peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
