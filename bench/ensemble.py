"""Ensembles at scale: the flagship, 10,000 members × 111 months on 2 workers (goal ≤ 40 s).

One run measures, into a temporary store (removed at the end), on workers started and warmed once
(their start is printed and counted in the headline):

* local processes, 2 workers, 1k / 2k / 5k / 10k members: wall and CPU seconds (the driver and every
  process under it), member-months/s, peak memory after each size (the sum over the driver and its
  workers of each process's peak RSS, an upper bound of the peak together; goal ≤ 2 GiB at 10k, and
  it should not grow with members), the chunk files on disk (goal ≤ 1 GB at 10k), and the exponent
  b of wall ∝ members^b by least squares on logs (goal 0.9–1.1);
* 2 workers against 1 at 2k members, on local processes and on Ray (goal ≥ 1.7× each);
* Ray against local processes at 2 workers and 2k members (goal: Ray's overhead ≤ 15 %), Ray's own
  start printed beside.

The machine is shared: CPU seconds are printed beside every wall time, and the CPU seconds that
other processes took during each run (a run slowed by them says so). ``--scale 0.1`` runs every
size at a tenth (a quick check of the script, not of the goals). Ends with the RESULT line of the
headline: 10k members on 2 local workers, the pool's start included.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import realpolitik as rp
from realpolitik import ensemble
from realpolitik.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios/syria-2015.yaml"
MONTHS = 111
TICK = os.sysconf("SC_CLK_TCK")


def descendants() -> list[int]:
    """Every process under this one (pool workers; Ray's daemons and workers)."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, frontier = [], [os.getpid()]
    while frontier:
        frontier = [p for p, pp in parent.items() if pp in frontier]
        out += frontier
    return out


def cpu_seconds() -> float:
    """CPU seconds of this process and every process under it (live ones, and reaped ones)."""
    total = time.process_time() + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
    for pid in descendants():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            continue
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every process, ours and the others')."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def peak_gib() -> float:
    """Σ over this process and those under it of each one's peak RSS (VmHWM), in GiB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for pid in descendants():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    kib += int(line.split()[1])
        except OSError:
            continue
    return kib / 2**20


def timed(doc, st, members, backend) -> tuple[float, float, rp.Run]:
    """(wall, CPU of this process tree, the run); prints the CPU other processes took meanwhile."""
    c0, b0, t0 = cpu_seconds(), machine_busy(), time.perf_counter()
    run = rp.run(doc, members, seed=2015, backend=backend, store=st)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    print(f"  (other processes on the machine meanwhile: {machine_busy() - b0 - cpu:.1f} s CPU)")
    return wall, cpu, run


def warm(doc, st, backend) -> float:
    """Start every worker (imports, numba's compilation or cache): two chunks of 8 members per worker
    (a chunk of one member leaves some kernel specialisations uncompiled, and a fresh clone then
    compiled them inside the first timed run)."""
    t0 = time.perf_counter()
    rp.run(doc, 16 * backend.workers, seed=0, backend=backend, chunk=8, store=st)
    return time.perf_counter() - t0


def verdict(ok: bool) -> str:
    return "ok" if ok else "short"


def main(scale: float) -> None:
    doc = rp.load(SCENARIO)
    sizes = [max(4, int(n * scale)) for n in (1000, 2000, 5000, 10_000)]
    mid = sizes[1]
    folder = tempfile.mkdtemp(prefix="realpolitik-bench-")
    st = Store(Path(folder) / "runs.duckdb")
    print(f"flagship {MONTHS} months; machine: {ensemble.cores()} cores; store {st.path}")

    t0 = time.perf_counter()
    with ensemble.Local(2) as pool:
        start = time.perf_counter() - t0
        start += warm(doc, st, pool)
        print(f"local pool of 2 started and warmed in {start:.1f} s")
        walls = {}
        for n in sizes:
            wall, cpu, run = timed(doc, st, n, pool)
            walls[n] = wall
            disk = sum(c.file.stat().st_size for c in st.chunks(run.id)) / 1e9
            print(f"local 2 workers {n:>6,} members: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                  f"{n * MONTHS / wall:9,.0f} member-months/s, peak memory {peak_gib():.2f} GiB, "
                  f"disk {disk:.3f} GB")  # fmt: skip
        peak = peak_gib()
    b = np.polyfit(np.log(sizes), np.log([walls[n] for n in sizes]), 1)[0]
    print(f"exponent of wall against members over {', '.join(f'{n:,}' for n in sizes)}: {b:.2f}")

    with ensemble.Inline() as one:
        wall1, cpu1, _ = timed(doc, st, mid, one)
    print(f"local 1 worker  {mid:>6,} members: {wall1:6.1f} s wall, {cpu1:6.1f} s CPU")
    local_speedup = wall1 / walls[mid]

    t0 = time.perf_counter()
    with ensemble.Ray(2) as ray2:
        ray_start = time.perf_counter() - t0
        ray_warm = warm(doc, st, ray2)
        print(f"Ray started in {ray_start:.1f} s, workers warmed in {ray_warm:.1f} s")
        rwall2, rcpu2, _ = timed(doc, st, mid, ray2)
        print(f"Ray 2 workers   {mid:>6,} members: {rwall2:6.1f} s wall, {rcpu2:6.1f} s CPU "
              "(Ray's daemons included)")  # fmt: skip
        with ensemble.Ray(1) as ray1:
            rwall1, rcpu1, _ = timed(doc, st, mid, ray1)
        print(f"Ray 1 worker    {mid:>6,} members: {rwall1:6.1f} s wall, {rcpu1:6.1f} s CPU")
    ray_speedup = rwall1 / rwall2
    overhead = 100 * (rwall2 / walls[mid] - 1)
    print(
        f"Ray's overhead counting its start: {100 * ((rwall2 + ray_start) / walls[mid] - 1):.0f} %"
    )

    big = sizes[-1]
    disk = sum(
        c.file.stat().st_size for r in st.runs() if r.members == big for c in st.chunks(r.id)
    ) / 1e9  # fmt: skip
    headline = walls[big] + start
    for r in st.runs():
        st.remove(r.id)
    print(f"RESULT ensemble_time_exponent_low {b:.2f} power goal >= 0.9 {verdict(b >= 0.9)}")
    print(f"RESULT ensemble_time_exponent_high {b:.2f} power goal <= 1.1 {verdict(b <= 1.1)}")
    print(f"RESULT ensemble_local_2_vs_1_workers {local_speedup:.2f} x goal >= 1.7 "
          f"{verdict(local_speedup >= 1.7)}")  # fmt: skip
    print(f"RESULT ensemble_ray_2_vs_1_workers {ray_speedup:.2f} x goal >= 1.7 "
          f"{verdict(ray_speedup >= 1.7)}")  # fmt: skip
    print(f"RESULT ensemble_ray_overhead_vs_local_2_workers {overhead:.0f} % goal <= 15 "
          f"{verdict(overhead <= 15)}")  # fmt: skip
    print(
        f"RESULT ensemble_peak_memory_{big}_members {peak:.2f} GiB goal <= 2 {verdict(peak <= 2)}"
    )
    print(f"RESULT ensemble_disk_{big}_members {disk:.2f} GB goal <= 1 {verdict(disk <= 1)}")
    print(f"RESULT ensemble_{big}x{MONTHS}_2_workers_seconds {headline:.1f} s goal <= 40 "
          f"{verdict(headline <= 40)}")  # fmt: skip


if __name__ == "__main__":  # spawned workers import this file again: run only as the script
    scale = float(sys.argv[sys.argv.index("--scale") + 1]) if "--scale" in sys.argv else 1.0
    main(scale)
