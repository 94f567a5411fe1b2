"""The flagship's issues compile into bargaining Params; the settlement hazard starts at its base rate."""

import numpy as np
import pytest

from realpolitik.compile.bargaining import params as compile_bargaining
from realpolitik.engines import bargaining
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario

from ..conftest import DATA, ROOT
from .conftest import make_draws


@pytest.fixture(scope="module")
def flagship():
    return load_scenario(ROOT / "scenarios/syria-2015.yaml")


def test_flagship_compiles_and_steps(flagship):
    s, n = flagship, 32
    params = compile_bargaining(make_draws(s, n=n, seed=5))
    assert params.position.shape == (n, len(s.issues), len(params.actors))
    assert params.issues == tuple(i.id for i in s.issues)
    for k, issue in enumerate(s.issues):
        assert set(np.array(params.actors)[params.veto[k]]) == set(issue.veto_players)
        assert ((params.salience[:, k] > 0).sum(axis=1) >= 2).all()
        if issue.settlement and issue.settlement.base_rate:
            assert (params.hazard_base[:, k] > 0).all()
    state = bargaining.init_state(params, n)
    for month in range(1, 4):
        state, out = bargaining.step(state, params, {}, month, MemberRNG(1, 0, n))
    assert np.isfinite(np.asarray(out.issue_outcome, float)).all()
    lo, hi = params.position.min(axis=2), params.position.max(axis=2)
    assert ((out.issue_outcome >= lo - 1e-3) & (out.issue_outcome <= hi + 1e-3)).all()


def test_actor_without_a_stance_takes_no_part():
    s = load_scenario(DATA / "mini.yaml")
    params = compile_bargaining(make_draws(s, n=4, seed=1))
    assert "rebels" not in params.actors  # no stance on any issue
    # capabilities come from the actor's capability named by the issue
    j = params.actors.index("usa")
    np.testing.assert_allclose(params.capability[:, 0, j], 0.14)


def test_keyed_gamma_base_rates_are_chunk_invariant(flagship):
    s = flagship
    whole = compile_bargaining(make_draws(s, n=40, seed=9))
    a = compile_bargaining(make_draws(s, n=15, seed=9))
    b = compile_bargaining(make_draws(s, n=25, seed=9, start=15))
    np.testing.assert_array_equal(np.concatenate([a.hazard_base, b.hazard_base]), whole.hazard_base)
    assert whole.hazard_base.std(axis=0).max() > 0  # drawn, not fixed
