"""Staffing benchmark: `estate staffing --env prod` (a week of 30-minute intervals over every
queue) against a textbook Erlang C baseline.

(a) wall time of a cold process running the staffing command for prod on the shipped inventory
    (validate the site inventory and the contact-centre model, Erlang C for every queue and
    interval, sums per control room, the text summary). Target: under 1 s.
(b) in this process, the same per-queue-and-interval agent search two ways: estate's (one Erlang
    B recurrence step per candidate agent count) and the textbook one (for each candidate N, the
    factorial formula summed afresh, as spreadsheets and most worked examples do). Same answers
    are checked; the ratio is textbook time / estate time.

Run: `python benchmarks/bench_staffing.py` (not part of `make test`).
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
RUNS = 3
COMMAND = """
import argparse, sys
from estate.cli import staffing
parser = argparse.ArgumentParser(); staffing.add_parser(parser.add_subparsers())
args = parser.parse_args(["staffing", "--env", "prod"])
sys.exit(args.func(args))
"""


def cold_seconds() -> float:
    best = math.inf
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", COMMAND], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def textbook_agents(traffic: float, handle: float, target: float, answer: float) -> int:
    if traffic == 0:
        return 0
    agents = math.floor(traffic) + 1
    while True:
        top = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
        wait = top / (sum(traffic ** k / math.factorial(k) for k in range(agents)) + top)
        if 1 - wait * math.exp(-(agents - traffic) * answer / handle) >= target:
            return agents
        agents += 1


def search_times() -> tuple[float, float, int]:
    from estate.build.validate import load_inventory
    from estate.contact.erlang import agents_for
    from estate.contact.load import load_contact_centre
    from estate.paths import DEFAULT_INVENTORY

    data = load_contact_centre(load_inventory(DEFAULT_INVENTORY))
    model, seconds = data.model, data.forecast.interval_minutes * 60
    jobs = []
    for name, calls in data.forecast.calls.items():
        queue = model.queues[name]
        jobs += [(c * queue.handle_seconds / seconds, queue.handle_seconds, queue.service_level.answered,
                  queue.service_level.within_seconds) for c in calls]
    started = time.perf_counter()
    ours = [agents_for(*job).agents for job in jobs]
    estate = time.perf_counter() - started
    started = time.perf_counter()
    theirs = [textbook_agents(*job) for job in jobs]
    textbook = time.perf_counter() - started
    if ours != theirs:
        raise SystemExit("estate and the textbook formula disagree on the agents needed")
    return estate, textbook, len(jobs)


def main() -> int:
    cold = cold_seconds()
    estate, textbook, count = search_times()
    print(f"estate staffing --env prod, cold process (best of {RUNS}): {cold:6.2f} s  "
          f"(target < {TARGET_SECONDS:.0f} s)")
    print(f"agent search, {count} queue-intervals: estate {estate * 1000:7.1f} ms, textbook factorial formula "
          f"{textbook * 1000:7.1f} ms, ratio {textbook / estate:5.1f}x")
    return 0 if cold < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
