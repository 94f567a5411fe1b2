"""Logit QRE (principal branch) against pygambit fixtures; limits; persistence; bad input."""

import json
from pathlib import Path

import numpy as np
import pytest

from realpolitik.engines import choice as ch
from realpolitik.errors import ScenarioError
from realpolitik.rng import MemberRNG

FIXTURES = Path(__file__).parents[1] / "data" / "qre_fixtures.json"


def _solve(a, b, lam):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    m, n = a.shape
    s = max(m, n)
    big_a = np.zeros((1, s, s))
    big_b = np.zeros((1, s, s))
    big_a[0, :m, :n] = a
    big_b[0, :m, :n] = b
    p, q = ch.logit_qre(big_a, big_b, np.array([m]), np.array([n]), np.array([lam]))
    return p[0, :m], q[0, :n]


@pytest.mark.parametrize("path", ["lambda", "arclength"])
def test_matches_pygambit_fixtures_to_1e_6(path, monkeypatch):
    """Both tracers: λ-continuation, and the pseudo-arclength kernel the solver falls back to at a
    fold (forced here on every game by reporting each λ-trace as failed)."""
    if path == "arclength":
        trace = ch._trace

        def failed(A, B, rows, lam):
            x, res, det, jump = trace(A, B, rows, lam)
            return x * 0, np.full_like(res, np.inf), det, jump

        monkeypatch.setattr(ch, "_trace", failed)
    doc = json.loads(FIXTURES.read_text())
    assert doc["pygambit"] == "16.7.0"
    recs = doc["records"]
    games = {json.dumps([r["row_payoff"], r["col_payoff"]]) for r in recs}
    assert len(games) >= 200
    assert {tuple(r["shape"]) for r in recs} >= {(2, 2), (2, 3), (3, 3)}
    n = len(recs)
    a = np.zeros((n, 3, 3))
    b = np.zeros((n, 3, 3))
    for i, r in enumerate(recs):
        rows, cols = r["shape"]
        a[i, :rows, :cols] = r["row_payoff"]
        b[i, :rows, :cols] = r["col_payoff"]
    nr = np.array([r["shape"][0] for r in recs])
    nc = np.array([r["shape"][1] for r in recs])
    p, q = ch.logit_qre(a, b, nr, nc, np.array([r["lam"] for r in recs]))
    err = 0.0
    for i, r in enumerate(recs):
        err = max(err, np.abs(p[i, : nr[i]] - r["p"]).max(), np.abs(q[i, : nc[i]] - r["q"]).max())
    assert err < 1e-6


def _regret(a, b, p, q):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return max((a @ q).max() - p @ a @ q, (p @ b).max() - p @ b @ q)


def test_lambda_zero_is_uniform_play():
    p, q = _solve([[3, 0, 1], [5, 1, 0]], [[1, 2, 0], [0, 4, 1]], 0.0)
    assert np.allclose(p, 1 / 2) and np.allclose(q, 1 / 3)


@pytest.mark.parametrize(
    ("a", "b", "nash"),
    [
        ([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], ([0.5, 0.5], [0.5, 0.5])),  # matching pennies
        ([[3, 0], [5, 1]], [[3, 5], [0, 1]], ([0, 1], [0, 1])),  # prisoners' dilemma: defect
    ],
)
def test_large_lambda_approaches_the_nash_equilibrium(a, b, nash):
    for lam in (50.0, 500.0):
        p, q = _solve(a, b, lam)
        assert np.allclose(p, nash[0], atol=5 / lam) and np.allclose(q, nash[1], atol=5 / lam)


def test_battle_of_the_sexes_regret_vanishes_along_the_branch():
    a, b = [[2, 0], [0, 1]], [[1, 0], [0, 2]]
    regrets = [_regret(a, b, *_solve(a, b, lam)) for lam in (1, 5, 25, 125, 625)]
    assert all(r2 < r1 for r1, r2 in zip(regrets, regrets[1:], strict=False))
    assert regrets[-1] < 1e-2


def test_one_player_game_is_logit_choice():
    u = np.array([0.2, 0.9, 0.5, 0.0])
    a = np.zeros((1, 4, 4))
    a[0, :, 0] = u
    p, q = ch.logit_qre(a, np.zeros((1, 4, 4)), np.array([4]), np.array([1]), np.array([3.0]))
    assert np.allclose(p[0], np.exp(3 * u) / np.exp(3 * u).sum(), atol=1e-12)
    assert q[0, 0] == 1.0


def test_no_nan_for_extreme_lambda_and_payoffs():
    rng = np.random.default_rng(2)
    a = rng.uniform(-1e6, 1e6, (50, 3, 3))
    b = rng.uniform(-1e6, 1e6, (50, 3, 3))
    p, q = ch.logit_qre(a, b, np.full(50, 3), np.full(50, 3), np.full(50, 1e-3))
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(q))
    u = rng.uniform(0, 1, (50, 2, 3, 3))
    p, q = ch.logit_qre(u[:, 0], u[:, 1], np.full(50, 3), np.full(50, 3), np.full(50, 1e4))
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(1), 1) and np.allclose(q.sum(1), 1)


def test_normalisation_is_affine_invariant_and_flat_payoffs_are_half():
    mask = np.ones((1, 2, 2), bool)
    u = np.array([[[3.0, 1.0], [2.0, -1.0]]])
    assert np.allclose(ch.normalise(u, mask), ch.normalise(7 * u - 4, mask))
    assert ch.normalise(u, mask).min() == 0 and ch.normalise(u, mask).max() == 1
    assert np.all(ch.normalise(np.full((1, 2, 2), 4.0), mask) == 0.5)


GAME = """
meta: {id: game, title: a two-player game for the engine tests, as_of: 2015-10-05}
sources:
  t: {judgement: {by: tests, date: 2026-11-25, rationale: synthetic numbers for the engine tests}}
actors:
  - {id: turkey, level: regional, src: t}
  - {id: russia, level: international, src: t}
  - {id: assad, level: local, src: t}
factions:
  - {id: regime, members: [assad], src: t}
  - {id: rebels, src: t}
  - {id: russia, members: [russia], src: t}
issues: []
games:
  - id: turkey-russia
    src: t
    players:
      turkey: [seek-deal-with-russia, use-force-against-russian-forces]
      russia: [escalate, hold]
    lambda: LAMBDA
    switch_prob: SWITCH
    INITIAL
    payoffs:
      - {player: turkey, strategy: seek-deal-with-russia, constant: 0.5, features: {"territory-trend:regime": 2.0}}
      - {player: turkey, strategy: use-force-against-russian-forces, against: {russia: hold}, constant: 1.0, features: {"forces-share:russia": -3.0}}
      - {player: russia, strategy: escalate, constant: 1.0}
"""


def _params(m, lam="4.0", switch="0.2", initial="", start=0):
    """Params compiled from GAME for members start … start + m − 1."""
    from realpolitik.compile import draws
    from realpolitik.compile.choice import params
    from realpolitik.scenario import loads_scenario

    text = GAME.replace("LAMBDA", lam).replace("SWITCH", switch).replace("INITIAL", initial)
    return params(draws(loads_scenario(text), MemberRNG(0, start, start + m)))


def _features(params, m, trend=0.0, forces=0.0):
    """The (member, K) feature matrix: constant 1, territory-trend:regime, forces-share:russia."""
    x = np.ones((m, len(params.features)))
    x[:, params.features.index("territory-trend:regime")] = trend
    x[:, params.features.index("forces-share:russia")] = forces
    return {"features": x}


def test_compiled_game_steps_persistently_with_keyed_draws():
    m = 4000
    params = _params(m)
    assert params.strategies[:2] == ("seek-deal-with-russia", "use-force-against-russian-forces")
    assert params.coef.shape[0] == 1 and params.features[0] == "constant"
    state = ch.init_state(params, m)
    rng = MemberRNG(11, 0, m)
    state, out = ch.step(state, params, _features(params, m), 0, rng)
    assert np.allclose(out.strategy_prob.sum(axis=2), 1)
    assert np.all(out.acted.sum(axis=2) == 1)
    first = state.strategy.copy()
    # switch_prob 0.2: about 20 % redraw, so at most ~20 % change strategy in a month
    state, out = ch.step(state, params, _features(params, m), 1, rng)
    changed = (state.strategy != first).any(axis=2).mean()
    assert 0.02 < changed < 0.2
    # a redraw follows the QRE mixture
    freq = out.acted[:, 0, 0].mean()
    t = out.strategy_prob[0, 0, 0]
    assert abs(freq - t) < 4 * np.sqrt(t * (1 - t) / m)


def test_switch_prob_zero_keeps_the_initial_strategy():
    params = _params(
        50, switch="0.0", initial="initial: {turkey: use-force-against-russian-forces}"
    )
    state = ch.init_state(params, 50)
    rng = MemberRNG(1, 0, 50)
    for month in range(6):
        state, out = ch.step(state, params, _features(params, 50), month, rng)
        assert np.all(out.acted[:, 0, 1]) and not out.acted[:, 0, 0].any()


def test_interventions_hold_or_exclude_a_strategy():
    """do(): +1 makes the player hold the strategy whatever its draw; −1 keeps it out of the draw."""
    m = 400
    params = _params(m, switch="1.0")
    rng = MemberRNG(2, 0, m)
    force = np.zeros((m, 1, 2, ch.MAX_STRATEGIES))
    force[:, 0, 0, 1] = 1  # turkey holds use-force
    st, out = ch.step(ch.init_state(params, m), params,
                      {**_features(params, m), "intervention": force}, 0, rng)  # fmt: skip
    assert out.acted[:, 0, 1].all()
    force[:, 0, 0, 1] = -1  # … or never takes it
    for month in range(1, 4):
        st, out = ch.step(st, params, {**_features(params, m), "intervention": force}, month, rng)
        assert not out.acted[:, 0, 1].any() and out.acted[:, 0, 0].all()


def test_features_move_payoffs_in_the_documented_direction():
    params = _params(2)
    x = _features(params, 2)
    x["features"][:, params.features.index("territory-trend:regime")] = [0.05, -0.05]
    _, out = ch.step(ch.init_state(params, 2), params, x, 0, MemberRNG(1, 0, 2))
    deal = out.strategy_prob[:, 0, 0]
    assert deal[0] > deal[1]  # a rising regime makes a deal with Russia more attractive to Turkey


def test_results_do_not_depend_on_member_chunking():
    from realpolitik.engines import member_slice

    params = _params(9, lam="{dist: uniform, low: 0, high: 8}")

    def run(a, b):
        sub = member_slice(params, a, b)
        st = ch.init_state(sub, b - a)
        rng = MemberRNG(3, a, b)
        for month in range(3):
            st, out = ch.step(st, sub, _features(sub, b - a), month, rng)
        return out

    whole, left, right = run(0, 9), run(0, 4), run(4, 9)
    assert np.array_equal(whole.acted, np.concatenate([left.acted, right.acted]))
    assert np.allclose(
        whole.strategy_prob, np.concatenate([left.strategy_prob, right.strategy_prob])
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("lambda: LAMBDA", "lambda: -1.0", "lambda must lie"),
        ("switch_prob: SWITCH", "switch_prob: 1.5", "switch_prob must lie"),
        ('"forces-share:russia"', '"gdp"', "unknown feature"),
        ('"forces-share:russia"', '"territory-share:atlantis"', "known faction"),
    ],
)
def test_bad_games_are_refused_with_clear_errors(old, new, message):
    from realpolitik.scenario import loads_scenario

    text = GAME.replace(old, new).replace("LAMBDA", "4").replace("SWITCH", "0.2")
    with pytest.raises(ScenarioError, match=message):
        loads_scenario(text.replace("INITIAL", ""))


def test_bad_payoff_shape_and_lambda_helpers():
    with pytest.raises(ScenarioError, match="wrong shape"):
        ch.check_payoffs(np.zeros((2, 3, 2)), 2, 3)
    ch.check_payoffs(np.zeros((2, 2, 3)), 2, 3)
    ch.check_payoffs(np.zeros(3), 3, 0)
    with pytest.raises(ScenarioError, match="λ must be"):
        ch.logit_qre(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), [2], [2], [-0.1])
