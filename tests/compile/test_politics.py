import numpy as np
import pytest

from realpolitik.compile.politics import council, leader, voters
from realpolitik.engines import politics as pol
from realpolitik.rng import MemberRNG

from .conftest import make_draws

N = 2000


@pytest.fixture(scope="module")
def params(flagship, samples):
    d = make_draws(flagship, {k: v[:N] for k, v in samples.items()}, seed=5)
    return pol.Params(leader=leader(d), council=council(d))


def test_shapes_and_finite(flagship, params):
    cp, lp = params.council, params.leader
    k = len(flagship.council.draft_types)
    assert voters(flagship) == ["china", "france", "russia", "uk", "usa", "egypt", "elected"]
    assert cp.draft_rate.shape == (N, k) and cp.position.shape == (N, 7)
    for arr in (cp.draft_rate, cp.position, cp.compromise, lp.coup_base, lp.exit_base, lp.ties_ref):
        assert np.all(np.isfinite(arr))
    actors = flagship.actor_ids()
    assert (actors[lp.incumbent[0]], actors[lp.successor_army[0]]) == ("assad", "army-command")
    assert 5 < lp.territory_ref.mean() < 40  # regime's share of Syria at as_of, percent


def test_council_reproduces_the_pre_cutoff_russian_vetoes(params):
    """Run over 48 months (Oct 2011 - Sep 2015 record: 4 Russian vetoes)."""
    st = pol.init_state(params, N)
    rng = MemberRNG(2, 0, N)
    for t in range(48):
        st, _ = pol.step(st, params, {}, t, rng)
    russia = params.council.voters.index("russia")
    assert abs(st.vetoes[:, russia].mean() - 4.0) <= 1.0
    lo, hi = np.quantile(st.vetoes[:, russia], [0.1, 0.9])
    assert lo <= 4 <= hi


def test_egypt_holds_its_seat_with_the_declared_probability(params, samples):
    cp = params.council
    held = cp.seat_to > cp.seat_from
    assert abs(held.mean() - 0.95) < 4 * np.sqrt(0.95 * 0.05 / N)
    assert set(cp.seat_from) == {3}  # 2016-01 is month 3 from 2015-10


def test_leader_exit_base_rate_and_ties_direction(params):
    lp = params.leader
    h_army, h_other = pol.exit_hazards(lp, lp.ties_ref, 0.0)
    logit = np.log(lp.coup_base / (1 - lp.coup_base)) + np.log(lp.coup_proof_odds)
    assert np.allclose(h_army, 1 / (1 + np.exp(-logit)))  # coup-proofing scales the odds
    up = pol.exit_hazards(lp, lp.ties_ref + 0.15, 0.0)[0]
    assert np.all((up > h_army) == (lp.beta_ties > 0))
    worse = pol.exit_hazards(lp, lp.ties_ref, 10.0)[1]
    assert np.all(worse > h_other)
