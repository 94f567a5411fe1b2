"""Batched logit QRE (choice engine) for 10,000 members × 111 months vs pygambit once per game.

Two games as in the flagship's regional level: Turkey (3 strategies) against Russia (2), and Saudi
Arabia's four-way decision problem; payoffs linear in features that move every month, λ sampled per
member. pygambit 16.7.0 (the ``reference`` extra, which ``make bench`` installs) runs
``logit_solve_lambda`` on a sample of the same games in this process; its per-game CPU time is
extrapolated to every (member, month, game). Prints one RESULT line: the speed ratio (CPU time
against CPU time, since the machine is shared; wall times are printed beside).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from realpolitik.compile import choice as compile_choice
from realpolitik.compile import draws
from realpolitik.engines import choice as ch
from realpolitik.rng import MemberRNG
from realpolitik.scenario import loads_scenario

try:
    import pygambit as gbt
except ImportError as err:  # a plain `make install` has no reference extra
    raise SystemExit(
        "bench/choice.py needs pygambit 16.7.0 (the `reference` extra): run `make bench`, which "
        "installs it"
    ) from err

GAMES = """
meta: {id: bench-choice, title: the flagship's regional games for the choice bench, as_of: 2015-10-05}
sources:
  b: {judgement: {by: bench, date: 2026-12-07, rationale: synthetic payoffs for a speed bench}}
actors:
  - {id: turkey, level: regional, src: b}
  - {id: russia, level: international, src: b}
  - {id: saudi-arabia, level: regional, src: b}
factions:
  - {id: regime, src: b}
  - {id: rebels, src: b}
  - {id: russia, members: [russia], src: b}
  - {id: turkey, members: [turkey], src: b}
issues: []
games:
  - id: turkey-russia
    src: b
    players:
      turkey: [seek-deal-with-russia, ground-intervention-in-syria, status-quo]
      russia: [escalate, hold]
    lambda: {dist: lognormal, median: 5, sigma: 0.5}
    switch_prob: 0.1
    payoffs:
      - {player: turkey, strategy: seek-deal-with-russia, constant: 0.4, features: {"territory-trend:regime": 3.0, "forces-share:russia": 1.0}}
      - {player: turkey, strategy: ground-intervention-in-syria, against: {russia: hold}, constant: 0.6, features: {"territory-share:rebels": 1.0}}
      - {player: turkey, strategy: ground-intervention-in-syria, against: {russia: escalate}, constant: 0.1, features: {"forces-share:russia": -2.0}}
      - {player: russia, strategy: escalate, constant: 0.5, features: {"territory-trend:regime": -2.0}}
      - {player: russia, strategy: hold, constant: 0.3, features: {"territory-share:regime": 1.0}}
  - id: saudi
    src: b
    players:
      saudi-arabia: [escalate-support-to-rebels, deploy-ground-troops-in-syria, normalise-relations-with-assad, status-quo]
    lambda: {dist: lognormal, median: 5, sigma: 0.5}
    switch_prob: 0.1
    payoffs:
      - {player: saudi-arabia, strategy: escalate-support-to-rebels, constant: 0.3, features: {"territory-trend:regime": 2.0, "holds-ground:rebels": 0.4}}
      - {player: saudi-arabia, strategy: deploy-ground-troops-in-syria, constant: 0.1, features: {"forces-share:russia": -1.5}}
      - {player: saudi-arabia, strategy: normalise-relations-with-assad, features: {"territory-share:regime": 1.0}}
      - {player: saudi-arabia, strategy: status-quo, constant: 0.35}
"""


def drivers(n, rng, reader):
    """The feature matrix of one month of a synthetic war: shares, 3-month trends, forces."""
    share = rng.dirichlet([4, 2, 1, 1], n)
    forces = rng.uniform(0.5, 1.5, (n, 4))
    store = {
        "territory_share": share,
        "territory_trend": rng.normal(0, 0.02, (n, 4)),
        "forces_share": forces / forces.sum(axis=1, keepdims=True),
    }
    return {"features": reader.read(store)}


def run_gambit(cases):
    """pygambit's logit QRE at each case's λ: (CPU seconds, wall seconds, [row player's σ...])."""
    out, c0, t0 = [], time.process_time(), time.perf_counter()
    for a, b, lam in cases:
        g = getattr(gbt, "StrategicGame", gbt.Game).from_arrays(np.array(a), np.array(b))
        q = gbt.qre.logit_solve_lambda(g, lam=lam)[0]
        out.append([float(q.profile["1"][str(i + 1)]) for i in range(len(a))])
    return time.process_time() - c0, time.perf_counter() - t0, out


def main(n: int = 10_000, months: int = 111, sample: int = 300) -> None:
    d = draws(loads_scenario(GAMES), MemberRNG(2015, 0, n))
    spec = compile_choice.compile(d)
    params = spec.params
    state = ch.init_state(params, n)
    rng = MemberRNG(2015, 0, n)
    world = np.random.default_rng(7)
    monthly = [drivers(n, world, spec.inputs["features"]) for _ in range(months)]
    # compile (or load from the on-disk cache) the numba kernel outside the timed loop: a one-off
    # per installation, as pygambit's import is outside its timing
    ch.step(ch.init_state(params, n), params, monthly[0], 0, rng)
    t0, c0 = time.perf_counter(), time.process_time()
    for month in range(months):
        state, kept = ch.step(state, params, monthly[month], month, rng)
    wall, batched = time.perf_counter() - t0, time.process_time() - c0
    solves = n * months * len(params.games)
    print(
        f"batched: {n} members × {months} months × {len(params.games)} games = {solves} QRE steps in "
        f"{batched:.1f} s CPU ({wall:.1f} s wall; ratios use CPU time, the machine is shared)"
    )
    # the same games (last month), solved by pygambit one at a time
    u, pick = kept.payoff, np.random.default_rng(3).choice(n, sample, replace=False)
    cases = []
    for m in pick:
        cases.append(
            [u[m, 0, 0, :3, :2].tolist(), u[m, 0, 1, :3, :2].tolist(), float(params.lam[m, 0])]
        )
        col = np.zeros((4, 1))
        cases.append([u[m, 1, 0, :4, :1].tolist(), col.tolist(), float(params.lam[m, 1])])
    gambit_cpu, gambit_wall, ref = run_gambit(cases)
    per_game = gambit_cpu / len(cases)
    estimate = per_game * solves
    ratio = estimate / batched
    cols = [
        (params.player_actor[g, 0], params.strategy_index[g, 0, s])
        for g, k in ((0, 3), (1, 4))
        for s in range(k)
    ]
    ours = np.stack([kept.strategy_prob[pick, a, s] for a, s in cols], axis=1)
    theirs = np.array([ref[k] + ref[k + 1] for k in range(0, len(cases), 2)])
    print(
        f"pygambit {gbt.__version__}: {per_game * 1e3:.2f} ms CPU per game over {len(cases)} games "
        f"({gambit_wall / len(cases) * 1e3:.2f} ms wall); extrapolated to {solves}: "
        f"{estimate:.0f} s CPU; max |Δσ| on the sample {np.abs(ours - theirs).max():.1e}"
    )
    wall_ratio = gambit_wall / len(cases) * solves / wall
    print(f"ratio by wall time (pygambit's extrapolated wall / batched wall): {wall_ratio:.0f}×")
    print(
        f"RESULT choice_qre_speedup_vs_pygambit {ratio:.0f} x goal >= 100 {'ok' if ratio >= 100 else 'short'}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
