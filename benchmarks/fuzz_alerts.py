"""Mutation fuzzing of the three alert endpoints against the real `incidentbot serve`.

Each payload is a real one (tests/data, and a full generic alert) with one to three random
changes: a value replaced by another JSON value or a hostile string (NaN, out-of-range dates,
Slack control sequences, lone surrogates, 3,000 characters), or a key removed. Prints the
answers by status for each endpoint; the target is 0 answers of 5xx, since Alertmanager
retries a 5xx forever. tests/scenario/test_alerts_fuzz.py is the same property in the suite.
Run: python benchmarks/fuzz_alerts.py [--payloads N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from pathlib import Path

import aiohttp
from _common import running_bot

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
HOSTILE = ["<!channel>", "<@UEVIL>", "<https://evil.example|click>", "NaN", "Infinity",
           "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "x" * 3000, "\ud800", "",
           "sev9", "critical", "resolved", "fraud-detector", "&amp;<>"]
GENERIC = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
           "signal": "prediction_distribution", "severity": "sev2",
           "started_at": "2026-11-27T10:00:00Z", "description": "spike",
           "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10},
           "links": {"dashboard": "https://grafana.example/d/1"}, "labels": {"team": "ml"}}


def value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 2 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 10**400, rng.randint(-1000, 1000)])
    if kind == 3:
        return rng.choice([float("nan"), float("inf"), -0.0, 1e308, rng.random()])
    if kind in (4, 5):
        return rng.choice(HOSTILE)
    if kind == 6:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(12)))
    if kind == 7:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(value(rng, 2)): value(rng, depth + 1) for _ in range(rng.randrange(4))}


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, item in node.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from paths(item, (*prefix, index))


def replace(node, path, new, delete):
    if not path:
        return new
    copy = dict(node) if isinstance(node, dict) else list(node)
    if delete and len(path) == 1:
        del copy[path[0]]
    else:
        copy[path[0]] = replace(copy[path[0]], path[1:], new, delete)
    return copy


def mutate(base, rng: random.Random):
    payload = base
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(payload)))
        payload = replace(payload, path, value(rng), bool(path) and rng.random() < 0.2)
    return payload


async def fuzz(url: str, path: str, base, count: int, rng: random.Random) -> Counter:
    statuses: Counter = Counter()
    queue = iter(range(count))

    async def worker(http: aiohttp.ClientSession) -> None:
        for _ in queue:
            body = json.dumps(mutate(base, rng)).encode("utf-8", "surrogatepass")
            async with http.post(f"{url}{path}", data=body,
                                 headers={"Content-Type": "application/json"}) as response:
                answer = await response.read()
                statuses[response.status] += 1
                if response.status >= 500 and statuses[response.status] <= 3:
                    print(f"  {path} {response.status}: {body[:300]!r} -> {answer[:200]!r}")

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(worker(http) for _ in range(10)))
    return statuses


async def main(count: int, seed: int) -> None:
    rng = random.Random(seed)
    bases = {
        "/alerts": GENERIC,
        "/alerts/alertmanager": json.loads((DATA / "alertmanager_firing.json").read_text()),
        "/alerts/grafana": json.loads((DATA / "grafana_firing.json").read_text()),
    }
    async with running_bot() as bench:
        total_5xx = 0
        for path, base in bases.items():
            started = time.perf_counter()
            statuses = await fuzz(bench.url, path, base, count, rng)
            server_errors = sum(n for status, n in statuses.items() if status >= 500)
            total_5xx += server_errors
            print(f"{path}: {count} payloads in {time.perf_counter() - started:.1f} s, "
                  f"by status {dict(sorted(statuses.items()))}, 5xx: {server_errors}")
        print(f"all endpoints: 5xx answers {total_5xx} (target 0), seed {seed}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.payloads, args.seed))
