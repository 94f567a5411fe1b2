"""The flagship's games and alignment model compile into engine Params and step without NaN."""

import csv

import numpy as np
import pytest

from realpolitik.compile import choice as compile_choice_module
from realpolitik.compile.alignment import params as alignment_params
from realpolitik.compile.alignment import players
from realpolitik.engines import alignment, choice
from realpolitik.errors import ScenarioError
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario, loads_scenario
from realpolitik.scenario.sampling import sample_scenario

from ..conftest import ROOT
from .conftest import make_draws

N = 64


def compile_alignment(s, samples, n):
    return alignment_params(make_draws(s, samples, n=n))


def compile_choice(s, samples, n):
    return compile_choice_module.params(make_draws(s, samples, n=n))


@pytest.fixture(scope="module")
def flagship():
    s = load_scenario(ROOT / "scenarios/syria-2015.yaml")
    return s, sample_scenario(s, 2015, 0, N)


def test_games_compile_and_step(flagship):
    s, samples = flagship
    d = make_draws(s, samples, n=N)
    params = compile_choice_module.params(d)
    assert params.lam.shape == (N, len(s.games))
    state = choice.init_state(params, N)
    spec = compile_choice_module.compile(d)
    inputs = {k: r.read(d.drivers0) for k, r in spec.inputs.items()}
    state, out = choice.step(state, params, inputs, 0, MemberRNG(1, 0, N))
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


def test_a_warmer_iraq_russia_propensity_moves_iraq_towards_russia(flagship):
    """Direction (landscape theory): raising p(iraq, russia) lowers the energy of Iraq in Russia's camp."""
    s, samples = flagship
    n = 2000
    samples = sample_scenario(s, 2015, 0, n)
    key = "relations.iraq>russia:propensity.intensity"
    iraq = players(s).index("iraq")

    def mean_alignment(intensity):
        params = compile_alignment(s, {**samples, key: np.full(n, intensity)}, n)
        state = alignment.init_state(params, n)
        for month in range(6):
            state, out = alignment.step(state, params, {}, month, MemberRNG(7, 0, n))
        return out.alignment[:, iraq].mean()

    assert mean_alignment(1.0) > mean_alignment(-1.0) + 0.02


# --- the ideal-point term on UN General Assembly ideal points (issue 6) -----------------------------

TINY = """
meta: {id: tiny, title: tiny, as_of: 2015-10-05, start: 2015-10, end: 2016-03, area_basis: official-cbs}
sources:
  dev: {judgement: {by: tests, date: 2026-11-25, rationale: synthetic numbers}}
actors:
  - {id: usa, level: international, capabilities: {cinc: 0.14}, alignment: 0, ideal_point: 2.6, src: dev}
  - {id: russia, level: international, capabilities: {cinc: 0.04}, alignment: 1, ideal_point: 0.1, src: dev}
  - {id: iraq, level: regional, capabilities: {cinc: 0.005}, alignment: 0.4, ideal_point: IRAQ, src: dev}
  - {id: egypt, level: regional, capabilities: {cinc: 0.01}, alignment: 0.5, ideal_point: -1.5, src: dev}
  - {id: rebels, level: local, kind: armed-group, capabilities: {cinc: 0.001}, alignment: 0.1, src: dev}
relations:
  - {from: usa, to: iraq, type: propensity, kind: arms, intensity: 0.2, src: dev}
  - {from: egypt, to: iraq, type: propensity, intensity: 0.3, src: dev}
issues: []
alignment:
  src: dev
  size: [cinc]
  anchors: {usa: A, russia: B}
  weights: {ideal_point: 0.5, propensity: 1.0}
  beta: 3000
  ideal_point_range: RANGE
"""


def tiny(iraq=-0.9, range_="4.8", members=4):
    s = loads_scenario(TINY.replace("IRAQ", str(iraq)).replace("RANGE", range_))
    params = compile_alignment(s, sample_scenario(s, 1, 0, members), members)
    return params, {a: i for i, a in enumerate(params.actors)}


def test_ideal_points_give_the_ideal_point_term_hand_computed():
    """p_ij = 0.5·(1 − 2|x_i − x_j|/R) + relations, where both have ideal points; else the stand-in."""
    params, i = tiny()
    p = params.propensity[0]
    assert p[i["usa"], i["iraq"]] == pytest.approx(0.5 * (1 - 2 * 3.5 / 4.8) + 0.2)  # -0.0291667
    assert p[i["egypt"], i["iraq"]] == pytest.approx(0.5 * (1 - 2 * 0.6 / 4.8) + 0.3)  # 0.675
    assert p[i["usa"], i["russia"]] == pytest.approx(-0.0208333, abs=1e-6)
    # a non-state actor has no ideal point: its pairs use 1 − 2|a_i − a_j| on the alignments
    assert p[i["rebels"], i["usa"]] == pytest.approx(0.5 * (1 - 2 * 0.1))
    assert p[i["rebels"], i["iraq"]] == pytest.approx(0.5 * (1 - 2 * 0.3))
    np.testing.assert_allclose(params.propensity, np.swapaxes(params.propensity, 1, 2))


def test_without_a_range_the_alignment_stand_in_is_used():
    s = loads_scenario(TINY.replace("IRAQ", "-0.9").replace("  ideal_point_range: RANGE\n", ""))
    params = compile_alignment(s, sample_scenario(s, 1, 0, 2), 2)
    i = {a: k for k, a in enumerate(params.actors)}
    assert params.propensity[0, i["usa"], i["iraq"]] == pytest.approx(0.5 * (1 - 2 * 0.4) + 0.2)


def test_a_non_positive_range_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="ideal_point_range"):
        tiny(range_="0")


def test_an_ideal_point_closer_to_russia_moves_iraq_towards_russia():
    """Direction: Iraq's ideal point moved from near the US (2.0) to Russia's (0.1) raises p(iraq,
    russia), lowers p(iraq, usa), and raises Iraq's alignment under the heat bath."""
    n = 2000
    out = {}
    for x in (2.0, 0.1):
        params, i = tiny(iraq=x, members=n)
        state = alignment.init_state(params, n)
        for month in range(6):
            state, o = alignment.step(state, params, {}, month, MemberRNG(3, 0, n))
        out[x] = (params.propensity[0], o.alignment[:, i["iraq"]].mean())
    (near_us, a_us), (near_ru, a_ru) = out[2.0], out[0.1]
    assert near_ru[i["iraq"], i["russia"]] > near_us[i["iraq"], i["russia"]]
    assert near_ru[i["iraq"], i["usa"]] < near_us[i["iraq"], i["usa"]]
    assert a_ru > a_us + 0.2


def test_flagship_ideal_point_term_matches_the_data_file(flagship):
    """china–israel has no relation: u = 1 − 2|x_CHN − x_ISR|/R from data/alignment (−0.383289)."""
    from realpolitik.compile.alignment import components

    s, samples = flagship
    with open(ROOT / "data/alignment/unga-ideal-points-session69.csv", newline="") as f:
        x = {r["iso3c"]: float(r["ideal_point"]) for r in csv.DictReader(f)}
    r = max(x.values()) - min(x.values())
    ids, _, _, parts = components(s, samples)
    c, il = ids.index("china"), ids.index("israel")
    expected = 1 - 2 * abs(x["CHN"] - x["ISR"]) / r
    assert expected == pytest.approx(-0.383289, abs=1e-5)
    np.testing.assert_allclose(parts["ideal_point"][:, c, il], expected, atol=1e-6)
