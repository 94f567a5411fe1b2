"""The HTML report of a 1,000-member run (goal: written in ≤ 10 s).

One run, into a temporary store (removed at the end): the flagship simulated at 1,000 members
(seed 1) and its no-Russian-intervention counterfactual on the same seed — timed and printed, not
part of the goal — then ``realpolitik.report.html.write_report`` on the stored run: reading the
trajectory, the map and its 112 monthly frames, the fan charts, resolving the 50 questions, the scores
against the baselines, the paired counterfactual differences, the drivers of every question (PAWN on
the run's ~500 sampled inputs) and rendering the single HTML file. The headline is that call's wall
time in a process whose modules are already imported (their import is printed beside); each step's
seconds, the file's size and the CPU seconds are printed too. The machine is shared: the CPU seconds
other processes took meanwhile are printed as well.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 10.0
TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every process, ours and the others')."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def main(members: int = 1000) -> None:
    t0 = time.perf_counter()
    import jinja2  # noqa: F401 - imported here so that the timed call imports nothing
    import plotly.offline  # noqa: F401

    import realpolitik as rp
    from realpolitik.report import html
    from realpolitik.store import Store

    imported = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        st = Store(Path(tmp) / "runs.duckdb")
        doc = rp.load(ROOT / "scenarios/syria-2015.yaml")
        t0 = time.perf_counter()
        base = rp.run(doc, members, 1, store=st)
        rp.run(doc, members, 1, "no-russian-intervention", store=st)
        sim = time.perf_counter() - t0
        out = Path(tmp) / "report.html"
        c0, b0, t0 = time.process_time(), machine_busy(), time.perf_counter()
        html.write_report(base.id, out, store=st)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        others = machine_busy() - b0 - cpu
        size = out.stat().st_size
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print(f"simulation (not part of the goal): base + counterfactual, {members:,} members each, "
          f"{sim:.1f} s")  # fmt: skip
    print(f"imports (realpolitik, plotly, jinja2 …; not part of the goal): {imported:.2f} s")
    for step, seconds in html.LAST_TIMINGS.items():
        print(f"  {seconds:6.2f} s  {step}")
    print(f"report: {members:,} members, {size / 1e6:.1f} MB, in {wall:.2f} s wall (CPU {cpu:.2f} s; "
          f"other processes meanwhile {others:.1f} s CPU)")  # fmt: skip
    print(f"RESULT report_{members}m {wall:.2f} s goal <= {GOAL_S:g} "
          f"{'ok' if wall <= GOAL_S else 'short'}")  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
