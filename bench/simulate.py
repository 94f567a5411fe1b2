"""The coupled simulation's speed: the flagship, 10,000 members × 111 months, every engine coupled,
one process (goal ≤ 60 s on this 2-core machine, ≤ 4 GiB peak memory).

Prints the machine, wall and CPU seconds, member-months per second, the split by engine (and the
loop: effects, derived drivers, rules, the trajectory assembler; and compiling each chunk's members
as it runs, as ``rp.simulate`` does), and peak resident memory, all measured in this run. The numba
kernels are compiled (or loaded from their on-disk cache) on a few members before the timed run, as
a one-off per installation.

    .venv/bin/python bench/simulate.py [members] [chunk]
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import numba

import realpolitik as rp
from _machine import cpu_name
from realpolitik.ensemble import Job
from realpolitik.simulate import simulate, simulate_chunks

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "syria-2015.yaml"
GOAL_S, GOAL_GIB = 60.0, 4.0


def main(members: int = 10_000, chunk: int = 2000) -> None:
    doc = rp.load(FLAGSHIP)
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, numba threads {numba.get_num_threads()}")

    compiled = Job(
        doc.scenario, None, 2015
    ).compiled  # members lo … hi − 1, as rp.simulate compiles
    simulate(compiled(0, 8), chunk=8)  # compile / load the kernels
    timings: dict[str, float] = defaultdict(float)
    t0, c0 = time.perf_counter(), time.process_time()
    ds = simulate_chunks(compiled, members, chunk=chunk, timings=timings)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    months = ds.sizes["month"] - 1  # the first row is the initial state
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB → GiB
    size = sum(v.nbytes for v in ds.data_vars.values()) / 2**30
    print(
        f"simulate: {members} members × {months} months in {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"(chunks of {chunk}, each compiled as it runs); {members * months / wall:,.0f} "
        "member-months/s"
    )
    total = sum(timings.values())
    for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {name:12s} {seconds:6.1f} s  {100 * seconds / total:5.1f} %")
    print(f"trajectory in memory: {size:.2f} GiB; peak resident memory {peak:.2f} GiB")
    print(
        f"RESULT simulate_peak_memory {peak:.2f} GiB goal <= {GOAL_GIB:g} "
        f"{'ok' if peak <= GOAL_GIB else 'short'}"
    )
    print(
        f"RESULT simulate_{members}x{months}_seconds {wall:.1f} s goal <= {GOAL_S:g} "
        f"{'ok' if wall <= GOAL_S else 'short'}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
