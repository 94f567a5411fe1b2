"""Logit QRE (principal branch) against pygambit fixtures; limits; persistence; bad input."""

import json
from pathlib import Path

import numpy as np
import pytest

from realpolitik.engines import choice as ch
from realpolitik.errors import ScenarioError
from realpolitik.features import evaluate, parse
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


def test_matches_pygambit_fixtures_to_1e_6():
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


COORDS = {
    "faction": ["regime", "rebels", "russia"],
    "actor": ["turkey", "russia"],
    "issue": ["assad-role"],
}
VOCAB = {
    "turkey": ["seek-deal-with-russia", "use-force-against-russian-forces"],
    "russia": ["escalate", "hold"],
}


def _game(**over):
    game = {
        "id": "turkey-russia",
        "players": {"turkey": list(VOCAB["turkey"]), "russia": ["escalate", "hold"]},
        "lambda": 4.0,
        "switch_prob": 0.2,
        "payoffs": [
            {
                "player": "turkey",
                "strategy": "seek-deal-with-russia",
                "constant": 0.5,
                "features": {"territory-trend:regime": 2.0},
            },
            {
                "player": "turkey",
                "strategy": "use-force-against-russian-forces",
                "against": {"russia": "hold"},
                "constant": 1.0,
                "features": {"forces-share:russia": -3.0},
            },
            {"player": "russia", "strategy": "escalate", "constant": 1.0},
        ],
    }
    game.update(over)
    return game


def test_compiled_game_steps_persistently_with_keyed_draws():
    m = 4000
    params = ch.compile_games([_game()], m, COORDS, VOCAB)
    assert params.strategies[:2] == tuple(VOCAB["turkey"]) and params.coef.shape[0] == 1
    state = ch.init_state(params, m)
    rng = MemberRNG(11, 0, m)
    state, out = ch.step(state, params, {}, 0, rng)
    assert np.allclose(out.strategy_prob.sum(axis=2), 1)
    assert np.all(out.acted.sum(axis=2) == 1)
    first = state.strategy.copy()
    # switch_prob 0.2: about 20 % redraw, so at most ~20 % change strategy in a month
    state, out = ch.step(state, params, {}, 1, rng)
    changed = (state.strategy != first).any(axis=2).mean()
    assert 0.02 < changed < 0.2
    # a redraw follows the QRE mixture
    freq = out.acted[:, 0, 0].mean()
    t = out.strategy_prob[0, 0, 0]
    assert abs(freq - t) < 4 * np.sqrt(t * (1 - t) / m)


def test_switch_prob_zero_keeps_the_initial_strategy():
    params = ch.compile_games(
        [_game(switch_prob=0.0, initial={"turkey": "use-force-against-russian-forces"})],
        50,
        COORDS,
        VOCAB,
    )
    state = ch.init_state(params, 50)
    rng = MemberRNG(1, 0, 50)
    for month in range(6):
        state, out = ch.step(state, params, {}, month, rng)
        assert np.all(out.acted[:, 0, 1]) and not out.acted[:, 0, 0].any()


def test_features_move_payoffs_in_the_documented_direction():
    params = ch.compile_games([_game()], 2, COORDS, VOCAB)
    share = np.array([[0.3, 0.5, 0.2], [0.3, 0.5, 0.2]])
    drivers = {
        "territory_share": share,
        "territory_share_3m_ago": share - np.array([[0.05], [-0.05]]),
    }
    _, out = ch.step(ch.init_state(params, 2), params, drivers, 0, MemberRNG(1, 0, 2))
    deal = out.strategy_prob[:, 0, 0]
    assert deal[0] > deal[1]  # a rising regime makes a deal with Russia more attractive to Turkey


def test_results_do_not_depend_on_member_chunking():
    params = ch.compile_games([_game(**{"lambda": np.linspace(0, 8, 9)})], 9, COORDS, VOCAB)

    def run(a, b):
        sub = ch.Params(
            **{**params.__dict__, "lam": params.lam[a:b], "switch_prob": params.switch_prob[a:b]}
        )
        st = ch.init_state(sub, b - a)
        rng = MemberRNG(3, a, b)
        for month in range(3):
            st, out = ch.step(st, sub, {}, month, rng)
        return out

    whole, left, right = run(0, 9), run(0, 4), run(4, 9)
    assert np.array_equal(whole.acted, np.concatenate([left.acted, right.acted]))
    assert np.allclose(
        whole.strategy_prob, np.concatenate([left.strategy_prob, right.strategy_prob])
    )


def test_feature_defaults_apply_when_a_driver_is_missing():
    bound = [parse("constant", COORDS), parse("holds-ground:rebels", COORDS)]
    assert np.all(evaluate(bound, {}, np.array([0.0, 1.0]), 3) == [[1, 1]] * 3)
    got = evaluate(bound, {"territory_share": np.array([[0.5, 0.0, 0.5]])}, np.zeros(2), 1)
    assert got.tolist() == [[1.0, 0.0]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lambda": -1.0}, "λ must be"),
        ({"switch_prob": 1.5}, "probability"),
        ({"players": {"turkey": ["seek-deal-with-russia", "invade-mars"]}}, "unknown strategy"),
        (
            {
                "payoffs": [
                    {
                        "player": "turkey",
                        "strategy": "seek-deal-with-russia",
                        "features": {"gdp": 1},
                    }
                ]
            },
            "unknown feature",
        ),
        (
            {
                "payoffs": [
                    {
                        "player": "turkey",
                        "strategy": "seek-deal-with-russia",
                        "features": {"territory-share:atlantis": 1},
                    }
                ]
            },
            "known faction",
        ),
    ],
)
def test_bad_games_are_refused_with_clear_errors(change, message):
    with pytest.raises(ScenarioError, match=message):
        ch.compile_games([_game(**change)], 3, COORDS, VOCAB)


def test_bad_payoff_shape_and_lambda_helpers():
    with pytest.raises(ScenarioError, match="wrong shape"):
        ch.check_payoffs(np.zeros((2, 3, 2)), 2, 3)
    ch.check_payoffs(np.zeros((2, 2, 3)), 2, 3)
    ch.check_payoffs(np.zeros(3), 3, 0)
    with pytest.raises(ScenarioError, match="λ must be"):
        ch.logit_qre(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), [2], [2], [-0.1])
