"""Territory engine speed: 10,000 members × 111 months on the flagship (goal ≤ 30 s), and the ratio
against a plain per-member loop of the same maths (goal ≥ 100×), measured in this run.

Params are the flagship scenario's, compiled (compile/combat.py) from its draws for 10,000 members;
the only driver is the air support of its ``combat.air`` entries (Russia's sorties for the regime,
coalition sorties for the sdf), held constant.

The loop reference runs :func:`combat.step` one member at a time with every compiled kernel replaced
by its plain-Python original (``py_func``), i.e. the same code as interpreted per-member loops; it is
timed on a few members and extrapolated.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import numpy as np

from realpolitik.compile import combat as compile_combat
from realpolitik.compile import draws
from realpolitik.engines import combat, lanchester, member_slice
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "syria-2015.yaml"
SEED = 7


def flagship_params(n: int) -> tuple[combat.Params, dict]:
    """The flagship's Params for members 0…n-1 and its constant drivers."""
    d = draws(load_scenario(FLAGSHIP), MemberRNG(SEED, 0, n))
    return compile_combat.params(d), {"air_sorties": d.drivers0["air_sorties"]}


def run(params, drivers, months, start=0):
    n = params.n_members
    rng = MemberRNG(11, start, start + n)
    state = combat.init_state(params, n)
    for month in range(months):
        state, out = combat.step(state, params, drivers, month, rng)
    return state, out


@contextlib.contextmanager
def interpreted_kernels():
    """Swap the compiled kernels for their plain-Python originals."""
    swaps = [
        (combat, "_posture"),
        (combat, "_bfs"),
        (combat, "_ground"),
        (combat, "attrition_substeps"),
        (lanchester, "_expk"),
    ]
    saved = [getattr(mod, name) for mod, name in swaps]
    for mod, name in swaps:
        setattr(mod, name, getattr(mod, name).py_func)
    try:
        yield
    finally:
        for (mod, name), fn in zip(swaps, saved, strict=True):
            setattr(mod, name, fn)


def main(n: int = 10_000, months: int = 111, loop_members: int = 2) -> None:
    params, drivers = flagship_params(n)
    combat.validate(params)
    run(member_slice(params, 0, 2), {k: v[:2] for k, v in drivers.items()}, 2)  # compile kernels

    t0, c0 = time.perf_counter(), time.process_time()
    state, out = run(params, drivers, months)
    batched, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert np.isfinite(state.forces).all() and np.isfinite(state.control).all()

    t0, c0 = time.perf_counter(), time.process_time()
    with interpreted_kernels():
        looped = [
            run(
                member_slice(params, m, m + 1),
                {k: v[m : m + 1] for k, v in drivers.items()},
                months,
                m,
            )[0]
            for m in range(loop_members)
        ]
    per_member = (time.perf_counter() - t0) / loop_members
    per_member_cpu = (time.process_time() - c0) / loop_members
    gap = max(np.abs(s.control[0] - state.control[m]).max() for m, s in enumerate(looped))
    print(f"same maths: max |control(loop) − control(batched)| = {gap:.1e}")
    ratio, ratio_cpu = per_member * n / batched, per_member_cpu * n / cpu
    print(
        f"batched: {n} members × {months} months in {batched:.1f} s (CPU {cpu:.1f} s, all threads)"
    )
    print(
        f"per-member loop: {per_member * 1e3:.0f} ms/member (CPU {per_member_cpu * 1e3:.0f} ms) over "
        f"{loop_members} members, extrapolated to {n}: {per_member * n:.0f} s"
    )
    print(
        f"ratio batched vs per-member loop: {ratio:.0f}× by wall time, {ratio_cpu:.0f}× by CPU time"
    )
    print(
        f"RESULT combat_speedup_vs_per_member_loop {ratio:.0f} x goal >= 100 "
        f"{'ok' if ratio >= 100 else 'short'}"
    )
    verdict = "ok" if batched <= 30.0 else "short"
    print(f"RESULT combat_{n}x{months}_seconds {batched:.1f} s goal <= 30 {verdict}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
