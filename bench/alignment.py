"""Heat-bath landscape dynamics: 10,000 members × 20 actors × 111 months (goal ≤ 10 s).

Member-specific sizes and propensities (as sampled from a scenario), the US and Russia anchored,
one heat-bath sweep per month, monthly support/hostility drivers and the Heider drift switched on,
and 5 constrained-triad-dynamics link updates per month. Also times the same engine one member at a
time on a sample, in this run, for the ratio (goal ≥ 100×, as for the other engines). Prints two
RESULT lines: the ratio and the batched wall time.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from realpolitik.engines import alignment as al
from realpolitik.engines import member_slice
from realpolitik.rng import MemberRNG


def make_params(n_members: int, n: int = 20) -> al.Params:
    rng = np.random.default_rng(1)
    base = rng.uniform(-1, 1, (n, n))
    base = (base + base.T) / 2
    noise = rng.normal(0, 0.1, (n_members, n, n))
    p = np.clip(base + (noise + np.swapaxes(noise, 1, 2)) / 2, -1, 1) * (1 - np.eye(n))
    size = rng.uniform(0.01, 0.2, (n_members, n))
    anchor = np.zeros(n, int)
    anchor[0], anchor[1] = 1, -1
    return al.Params(
        tuple(f"actor-{i}" for i in range(n)),
        anchor,
        size,
        p,
        np.full(n_members, 60.0),
        eta_support=0.05,
        eta_hostility=0.05,
        eta_balance=0.02,
        ctd_updates=5,
    )


def run(params: al.Params, n_members: int, months: int, start: int = 0) -> np.ndarray:
    state = al.init_state(params, n_members)
    rng = MemberRNG(2015, start, start + n_members)
    n = len(params.actors)
    support = np.zeros((n_members, n, n))
    support[:, 0, 2] = 0.5
    hostility = np.zeros((n_members, n, n))
    hostility[:, 1, 3] = 0.5
    for month in range(months):
        state, out = al.step(
            state, params, {"support": support, "hostility": hostility}, month, rng
        )
    return out.alignment


def main(n: int = 10_000, months: int = 111, loop_members: int = 20) -> None:
    params = make_params(n)
    t0, c0 = time.perf_counter(), time.process_time()
    alignment = run(params, n, months)
    batched, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert np.all(np.isfinite(alignment))
    t0, c0 = time.perf_counter(), time.process_time()
    for m in range(loop_members):
        run(member_slice(params, m, m + 1), 1, months, start=m)
    per_member = (time.perf_counter() - t0) / loop_members
    per_member_cpu = (time.process_time() - c0) / loop_members
    ratio, ratio_cpu = per_member * n / batched, per_member_cpu * n / cpu
    print(
        f"batched: {n} members × {len(params.actors)} actors × {months} months in {batched:.1f} s (CPU {cpu:.1f} s)"
    )
    print(
        f"per-member loop: {per_member * 1e3:.0f} ms/member (CPU {per_member_cpu * 1e3:.0f} ms), "
        f"extrapolated {per_member * n:.0f} s; ratio {ratio:.0f}× by wall time, {ratio_cpu:.0f}× by CPU"
    )
    print(
        f"RESULT alignment_speedup_vs_per_member_loop {ratio:.0f} x goal >= 100 "
        f"{'ok' if ratio >= 100 else 'short'}"
    )
    print(
        f"RESULT alignment_heat_bath_10k_x_20_x_111_seconds {batched:.1f} s goal <= 10 "
        f"{'ok' if batched <= 10 else 'short'}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
