"""The flagship's games and alignment model compile into engine Params and step without NaN."""

import numpy as np
import pytest

from realpolitik.compile.alignment import compile_alignment, players
from realpolitik.compile.choice import compile_choice
from realpolitik.engines import alignment, choice
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

from ..conftest import ROOT

N = 64


@pytest.fixture(scope="module")
def flagship():
    s = load_scenario(ROOT / "scenarios/syria-2015.yaml")
    return s, sample_scenario(s, 2015, 0, N)


def test_games_compile_and_step(flagship):
    s, samples = flagship
    params = compile_choice(s, samples, N)
    assert params.lam.shape == (N, len(s.games))
    state = choice.init_state(params, N)
    state, out = choice.step(state, params, {}, 0, MemberRNG(1, 0, N))
    prob = np.asarray(out.strategy_prob)
    assert np.isfinite(prob).all()
    # every player's probabilities over its strategies sum to one
    for g in s.games:
        for actor, strats in g.players.items():
            a = params.actors.index(actor)
            idx = [params.strategies.index(x) for x in strats]
            np.testing.assert_allclose(prob[:, a, idx].sum(axis=1), 1.0, atol=1e-9)


def test_alignment_compiles_from_relations(flagship):
    s, samples = flagship
    if s.alignment is None:
        pytest.skip("the flagship declares no alignment model")
    params = compile_alignment(s, samples, N)
    n = len(players(s))
    assert params.propensity.shape == (N, n, n)
    np.testing.assert_allclose(params.propensity, np.swapaxes(params.propensity, 1, 2))
    state = alignment.init_state(params, N)
    # the initial alignment is the actors' declared alignment
    np.testing.assert_allclose(state.alignment, params.initial)
    state, out = alignment.step(state, params, {}, 0, MemberRNG(1, 0, N))
    assert np.isfinite(out.alignment).all() and ((out.alignment >= 0) & (out.alignment <= 1)).all()
    us, ru = params.actors.index("usa"), params.actors.index("russia")
    assert (out.camp[:, us] == 1).all() and (out.camp[:, ru] == -1).all()


def test_a_warmer_iraq_russia_propensity_moves_iraq_towards_russia(flagship):
    """Direction (landscape theory): raising p(iraq, russia) lowers the energy of Iraq in Russia's camp."""
    s, samples = flagship
    n = 2000
    samples = sample_scenario(s, 2015, 0, n)
    base = compile_alignment(s, samples, n)
    warm = dict(samples)
    key = "relations.iraq>russia:propensity.intensity"
    warm[key] = np.minimum(samples[key] + 0.5, 1.0)
    moved = compile_alignment(s, warm, n)
    iraq = base.actors.index("iraq")

    def mean_alignment(params):
        state = alignment.init_state(params, n)
        for month in range(6):
            state, out = alignment.step(state, params, {}, month, MemberRNG(7, 0, n))
        return out.alignment[:, iraq].mean()

    assert mean_alignment(moved) > mean_alignment(base) + 0.02
