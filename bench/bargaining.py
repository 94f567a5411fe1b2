"""Bench: the bargaining engine on 10,000 members × 5 issues × 20 actors × 111 monthly steps.

Goals (issue 4): ≤ 40 s wall and ≤ 4 GiB on this 2-core machine, and ≥ 100× a plain per-member
Python implementation of the same maths that computes the CODE denominator once per pass (O(n³)):
``plain_round`` of tests/engines/test_bargaining.py, timed on a small sample of problem-rounds and
extrapolated, in the same run. Synthetic inputs: every actor active on every issue (the worst case
for the kernel), three veto players per issue, float32 as in ensembles, and a low settlement base
rate (0.1 %/month) so that almost every issue stays open and is bargained over every month (settled
issues are frozen and cost nothing).

    .venv/bin/python bench/bargaining.py
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines.test_bargaining import plain_round  # noqa: E402

from realpolitik.engines import bargaining as B  # noqa: E402
from realpolitik.rng import MemberRNG  # noqa: E402

MEMBERS, ISSUES, ACTORS, MONTHS = 10_000, 5, 20, 111
GOAL_S, GOAL_GIB, GOAL_RATIO = 40.0, 4.0, 100.0


def make_params(n_members: int, seed: int = 0) -> B.Params:
    rng = np.random.default_rng(seed)
    shape = (n_members, ISSUES, ACTORS)
    veto = np.zeros((ISSUES, ACTORS), bool)
    veto[:, :3] = True
    return B.Params(
        actors=tuple(f"a{k}" for k in range(ACTORS)),
        issues=tuple(f"i{k}" for k in range(ISSUES)),
        position=np.round(rng.uniform(0, 100, shape), 1),
        salience=rng.uniform(0.05, 1.0, shape),
        capability=rng.uniform(0.01, 1.0, shape),
        veto=veto,
        hazard_base=np.full((1, ISSUES), 0.001),
        hazard_slope=np.full((1, ISSUES), 2.0),
    )


def run_engine(params: B.Params, n_members: int, months: int):
    """init_state + ``months`` steps, keeping the monthly positions (as a trajectory would)."""
    state = B.init_state(params, n_members)
    rng = MemberRNG(1, 0, n_members)
    history = np.empty((months, n_members, ISSUES, ACTORS), np.float32)
    moves = 0
    for month in range(1, months + 1):
        state, out = B.step(state, params, {}, month, rng)
        history[month - 1] = out.position
        moves += int((out.offer > 0).sum())
    return state, history, moves


def main() -> None:
    threads = numba.get_num_threads()
    t0 = time.perf_counter()
    run_engine(make_params(4), 4, 2)  # JIT (cached on disk after the first run)
    print(f"warm-up (JIT load/compile): {time.perf_counter() - t0:.2f} s; numba threads {threads}")

    params = make_params(MEMBERS)
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    state, history, moves = run_engine(params, MEMBERS, MONTHS)
    engine_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    problem_rounds = MEMBERS * ISSUES * MONTHS
    print(
        f"engine: {MEMBERS} members × {ISSUES} issues × {ACTORS} actors × {MONTHS} months = "
        f"{problem_rounds:,} problem-rounds in {engine_s:.2f} s "
        f"({problem_rounds / engine_s:,.0f} problem-rounds/s); {moves / problem_rounds:.2f} "
        f"moves per problem-round; settled by the end: {state.settled.mean():.1%}"
    )
    print(
        f"CPU time {cpu_s:.1f} s ({cpu_s / problem_rounds * 1e6:.2f} µs per problem-round; "
        f"{cpu_s / engine_s:.2f} cores busy on average; 1-min load average before the run "
        f"{load:.2f} on {os.cpu_count()} cores — other jobs slow the wall time)"
    )
    assert np.isfinite(history).all()
    print(
        f"peak RSS {rss_gib:.2f} GiB (goal <= {GOAL_GIB}) {'ok' if rss_gib <= GOAL_GIB else 'short'}"
    )

    # the same maths in plain per-member Python, on a sample of problems, float64
    sample = 6
    x = np.asarray(params.position[:sample, 0], float)
    s = np.asarray(params.salience[:sample, 0], float)
    c = np.asarray(params.capability[:sample, 0], float)
    t0, c0 = time.perf_counter(), time.process_time()
    for p in range(sample):
        out = plain_round(list(x[p]), list(s[p]), list(c[p]))
    plain_s = (time.perf_counter() - t0) / sample
    plain_cpu = (time.process_time() - c0) / sample
    one = B.run_rounds(x[sample - 1], s[sample - 1], c[sample - 1], 1)
    assert np.allclose(one["position"].values[1], out["new_x"], atol=1e-9)  # same maths
    ratio = plain_s * problem_rounds / engine_s
    print(
        f"plain Python: {plain_s * 1e3:.1f} ms per problem-round (CPU {plain_cpu * 1e3:.1f} ms; mean "
        f"of {sample}); extrapolated {plain_s * problem_rounds / 3600:,.0f} h for this job; ratio "
        f"{ratio:,.0f}× by wall time, {plain_cpu * problem_rounds / cpu_s:,.0f}× by CPU time"
    )
    print(
        f"RESULT bargaining_speedup_vs_plain_python {ratio:.0f} x goal >= {GOAL_RATIO:.0f} "
        f"{'ok' if ratio >= GOAL_RATIO else 'short'}"
    )
    ok = engine_s <= GOAL_S and rss_gib <= GOAL_GIB
    print(
        f"RESULT bargaining_engine_10k {engine_s:.1f} s goal <= {GOAL_S:.0f} {'ok' if ok else 'short'}"
    )


if __name__ == "__main__":
    main()
