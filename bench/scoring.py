"""The scoring of a backtest: 100 questions on 1,000 members (goal ≤ 2 s; the simulation is timed by
its own benches and only reported here).

The flagship is simulated once (1,000 members, seed 1); the 100 questions are its 50 questions twice
(the copies renamed), with synthetic outcomes from keyed uniforms (timing only: no score printed here
means anything). Timed: resolving every question, the five baselines (persistence on the frozen
trajectory), the base-rate-only shares, every score, bootstrap interval and the reliability table —
everything ``realpolitik backtest`` does after the simulation except printing and the PNG. Prints
the CPU time beside the wall time, then one RESULT line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import realpolitik as rp
from realpolitik.api import compile_run, read_questions
from realpolitik.questions.resolve import resolve
from realpolitik.questions.schema import is_numeric
from realpolitik.rng import uniforms
from realpolitik.scoring import backtest as bt
from realpolitik.scoring import baselines as bl
from realpolitik.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 2.0


def questions_and_outcomes(ds):
    base = read_questions(ROOT / "data/questions/questions-syria-2015.yaml")
    copies = [q.model_copy(update={"id": f"{q.id}-copy"}) for q in base]
    qs = base + copies
    u = uniforms(1, "bench/outcomes", 0, len(qs), 1)[:, 0]
    out = {}
    for q, v in zip(qs, u, strict=True):
        if is_numeric(q.query):
            out[q.id] = float(np.median(resolve(q, ds))) * (0.5 + v)
        else:
            out[q.id] = bool(v < 0.5)
    return qs, out


def main(members: int = 1000) -> None:
    doc = rp.load(ROOT / "scenarios/syria-2015.yaml")
    t0, c0 = time.perf_counter(), time.process_time()
    compiled = compile_run(doc, members, 1)
    ds = simulate(compiled, 500)
    sim, sim_cpu = time.perf_counter() - t0, time.process_time() - c0
    qs, outcomes = questions_and_outcomes(ds)
    t0, c0 = time.perf_counter(), time.process_time()
    table = bl.load_analyst(ROOT / "data/questions/analyst-probabilities.yaml", qs)
    slopes = bl.trends(ROOT / "data/questions/persistence-trends.yaml", doc.scenario.meta.as_of)
    scored = bt.score_questions(qs, outcomes, ds, doc.scenario, compiled, table, slopes)
    report = bt.Report(scored, 1).as_json()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"simulation (not part of the goal): {members} members in {sim:.1f} s (CPU {sim_cpu:.1f} s)"
    )
    print(
        f"scoring: {report['n_questions']} questions ({report['scored']} scored) × {members} members "
        f"in {wall:.2f} s (CPU {cpu:.2f} s)"
    )
    print(
        f"RESULT backtest_scoring_100q_{members}m {wall:.2f} s goal <= {GOAL_S:g} "
        f"{'ok' if wall <= GOAL_S else 'short'}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
