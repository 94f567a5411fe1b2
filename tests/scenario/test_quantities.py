"""Distributions: inverse CDFs against scipy, keyed sampling invariants, Dirichlet shares."""

import numpy as np
import pytest
from scipy import stats

from realpolitik.scenario import load_scenario, loads_scenario
from realpolitik.scenario.quantities import (
    Beta,
    Dirichlet,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    TruncNormal,
    Uniform,
    central,
    sample,
)
from realpolitik.scenario.sampling import sample_scenario

U = np.linspace(0.001, 0.999, 101)
CASES = [
    (Uniform(dist="uniform", low=2, high=5), stats.uniform(2, 3)),
    (Triangular(dist="triangular", low=1, mode=2, high=5), stats.triang(0.25, loc=1, scale=4)),
    (Normal(dist="normal", mean=3, sd=2), stats.norm(3, 2)),
    (
        TruncNormal(dist="truncnormal", mean=0.5, sd=0.3, low=0, high=1),
        stats.truncnorm(-5 / 3, 5 / 3, 0.5, 0.3),
    ),
    (LogNormal(dist="lognormal", median=20000, sigma=0.3), stats.lognorm(0.3, scale=20000)),
    (Beta(dist="beta", a=2, b=5, low=10, high=20), stats.beta(2, 5, loc=10, scale=10)),
    (Gamma(dist="gamma", shape=4.5, rate=48), stats.gamma(4.5, scale=1 / 48)),
]


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=[c[0].dist for c in CASES])
def test_inverse_cdf_matches_scipy(dist, ref):
    np.testing.assert_allclose(dist.ppf(U), ref.ppf(U), rtol=1e-9, atol=1e-12)
    assert central(dist) == pytest.approx(ref.mean(), rel=1e-9)


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=[c[0].dist for c in CASES])
def test_keyed_samples_follow_the_distribution(dist, ref):
    x = sample(dist, 11, "p", 0, 20000)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-4


def test_dirichlet_shares_sum_to_one_with_the_declared_mean_and_spread():
    d = Dirichlet(
        dist="dirichlet",
        mean={"regime": 0.6, "rebels": 0.3, "isis": 0.1, "sdf": 0.0},
        concentration=20,
    )
    x = d.sample(5, "regions.nodes.aleppo.control", 0, 40000)
    total = sum(x.values())
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert (x["sdf"] == 0).all()
    for name, m in d.mean_.items():
        assert x[name].mean() == pytest.approx(m, abs=0.005)
        assert x[name].var() == pytest.approx(m * (1 - m) / 21, rel=0.05, abs=1e-9)


def test_scenario_draws_are_chunk_invariant_and_keyed_by_id(mini_path, mini_text):
    s = load_scenario(mini_path)
    whole = sample_scenario(s, 9, 0, 30)
    parts = [sample_scenario(s, 9, a, b) for a, b in [(0, 7), (7, 8), (8, 30)]]
    for key, draws in whole.items():
        np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), draws)
    # adding an unrelated actor in front changes no other draw
    extra = mini_text.replace(
        "actors:\n", "actors:\n  - {id: china, level: international, src: dev}\n", 1
    )
    s2 = loads_scenario(extra)
    again = sample_scenario(s2, 9, 0, 30)
    for key, draws in whole.items():
        np.testing.assert_array_equal(again[key], draws)
    # a different root seed changes the uncertain draws
    other = sample_scenario(s, 10, 0, 30)
    assert not np.allclose(
        other["actors.rebels.capabilities.cinc"], whole["actors.rebels.capabilities.cinc"]
    )
