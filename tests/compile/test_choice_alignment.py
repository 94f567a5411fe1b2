"""The flagship's games and alignment model compile into engine Params and step without NaN."""

import numpy as np
import pytest

from realpolitik.compile.alignment import compile_alignment, players
from realpolitik.compile.choice import compile_choice
from realpolitik.engines import alignment, choice
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario, loads_scenario
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


TRIANGLE = """
meta: {id: triangle, title: Three-actor landscape, as_of: 2015-10-05}
sources:
  t: {judgement: {by: tests, date: 2026-11-25, rationale: synthetic numbers for a direction test}}
actors:
  - {id: usa, level: international, capabilities: {cinc: 0.14}, alignment: 0, src: t}
  - {id: russia, level: international, capabilities: {cinc: 0.04}, alignment: 1, src: t}
  - {id: iraq, level: regional, capabilities: {cinc: 0.005}, alignment: 0.5, src: t}
relations:
  - {from: iraq, to: russia, type: propensity, intensity: PROPENSITY, src: t}
  - {from: iraq, to: usa, type: propensity, intensity: 0.3, src: t}
issues:
  - id: x
    capability: cinc
    src: t
    positions: {usa: {position: 0, salience: 1}, russia: {position: 100, salience: 1}}
alignment:
  src: t
  size: [cinc]
  anchors: {usa: A, russia: B}
  weights: {propensity: 1.0}
  beta: 3000
"""


def test_a_warmer_iraq_russia_propensity_moves_iraq_towards_russia():
    """Direction (landscape theory): raising p(iraq, russia) lowers the energy of Iraq in Russia's camp,
    so Iraq's probability of joining Russia's camp rises."""
    n = 4000

    def mean_alignment(propensity):
        s = loads_scenario(TRIANGLE.replace("PROPENSITY", str(propensity)))
        params = compile_alignment(s, sample_scenario(s, 1, 0, n), n)
        state = alignment.init_state(params, n)
        state, out = alignment.step(state, params, {}, 0, MemberRNG(7, 0, n))
        return out.alignment[:, params.actors.index("iraq")].mean()

    cold, warm = mean_alignment(0.1), mean_alignment(0.8)
    assert warm > cold + 0.1
    # the heat-bath probability is the logistic of beta * dE (Galam 1996), computed by hand
    d_e = 2 * 0.005 * (0.14 * 0.3 - 0.04 * 0.8)  # camp B minus camp A, spins usa +1, russia -1
    assert warm == pytest.approx(1 / (1 + np.exp(3000 * d_e)), abs=0.02)
