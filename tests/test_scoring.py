"""Score functions against the reference libraries (properscoring 0.1, scoringrules 0.10) on shared
cases to 1e-12; the decomposition's identity; calibration; the keyed bootstrap."""

from __future__ import annotations

import numpy as np
import properscoring as ps
import pytest
import scoringrules as sr
from hypothesis import given
from hypothesis import strategies as st

from realpolitik.rng import uniforms
from realpolitik.scoring import scores

TOL = 1e-12


def cases(n=200, seed=11):
    u = uniforms(seed, "test/cases", 0, n, 2)
    return u[:, 0], u[:, 1] < u[:, 0]  # p, o (outcomes drawn from p: a reliable forecaster)


def test_brier_agrees_with_properscoring_and_scoringrules():
    p, o = cases()
    ours = scores.brier(p, o)
    np.testing.assert_allclose(ours, ps.brier_score(o.astype(float), p), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours, sr.brier_score(o.astype(float), p), rtol=0, atol=TOL)
    assert scores.brier([0.5], [True])[0] == 0.25  # the 0-1 scale


def test_log_score_agrees_with_scoringrules():
    p, o = cases()
    np.testing.assert_allclose(
        scores.log_score(p, o), sr.log_score(o.astype(float), p), rtol=0, atol=TOL
    )


@pytest.mark.parametrize("m", [2, 3, 10, 1000])
def test_fair_crps_agrees_with_scoringrules(m):
    u = uniforms(5, f"test/crps/{m}", 0, 30, m + 1)
    x = 1e6 * u[:, :m] + 3e5 * u[:, :1]  # persons-sized numbers, skewed members
    y = 1e6 * u[:, m]
    ours = scores.crps_fair(x, y)
    ref = sr.crps_ensemble(y, x, estimator="fair")
    np.testing.assert_allclose(ours, ref, rtol=TOL)


def test_fair_crps_is_properscoring_crps_with_the_unbiased_spread():
    """CRPS_F = CRPS (the plug-in estimator) + Σ|x_i − x_j|·(1/(2M²) − 1/(2M(M−1)))."""
    u = uniforms(6, "test/crps/ps", 0, 20, 51)
    x, y = u[:, :50], u[:, 50]
    m = x.shape[1]
    pairs = np.abs(x[:, :, None] - x[:, None, :]).sum(axis=(1, 2))
    expected = ps.crps_ensemble(y, x) + pairs * (1 / (2 * m * m) - 1 / (2 * m * (m - 1)))
    np.testing.assert_allclose(scores.crps_fair(x, y), expected, rtol=0, atol=TOL)


def test_crps_of_identical_members_is_the_absolute_error():
    assert scores.crps_fair(np.full((1, 7), 4.0), np.array([1.5]))[0] == pytest.approx(2.5)


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=60))
def test_the_decomposition_is_exact(pairs):
    p = np.array([a for a, _ in pairs])
    o = np.array([b for _, b in pairs])
    d = scores.decompose(p, o)
    total = d.reliability - d.resolution + d.uncertainty + d.within_variance - d.within_covariance
    assert total == pytest.approx(scores.brier(p, o).mean(), abs=1e-12)
    assert d.reliability >= 0 and d.resolution >= 0 and 0 <= d.uncertainty <= 0.25


def test_one_forecast_per_bin_has_no_within_bin_terms():
    p = np.array([0.05, 0.35, 0.95])
    d = scores.decompose(p, np.array([0, 1, 1]))
    assert d.within_variance == 0 and d.within_covariance == 0


def test_ece_is_zero_for_a_perfectly_calibrated_bin_and_grows_with_miscalibration():
    o = np.array([1, 0, 0, 0] * 5, bool)
    assert scores.ece(np.full(20, 0.25), o) == pytest.approx(0.0)
    assert scores.ece(np.full(20, 0.65), o) == pytest.approx(0.4)


def test_consistency_bars_cover_a_reliable_forecaster_and_are_keyed():
    p, o = cases(2000)
    r = scores.reliability(p, o, seed=3)
    inside = (r.observed >= r.low - 1e-12) & (r.observed <= r.high + 1e-12)
    assert inside.sum() >= 8  # 90 % bars: about one bin in ten outside
    assert np.all(r.low <= r.forecast + 1e-12) and np.all(r.forecast <= r.high + 1e-12)
    again = scores.reliability(p, o, seed=3)
    np.testing.assert_array_equal(r.low, again.low)
    other = scores.reliability(p, o, seed=4)
    assert not np.array_equal(r.low, other.low)


def test_a_miscalibrated_forecaster_falls_outside_its_bars():
    p, o = cases(2000)
    r = scores.reliability(np.clip(p + 0.3, 0, 1), o, seed=3)
    populated = r.count > 50
    assert np.sum((r.observed < r.low)[populated]) >= 3


def test_the_bootstrap_is_keyed_reproducible_and_paired():
    p, o = cases(40)
    a, b = scores.brier(p, o), scores.brier(np.full(40, 0.5), o)
    ci = scores.bootstrap(scores.mean, (a,), seed=1, key="model/brier")
    assert ci == scores.bootstrap(scores.mean, (a,), seed=1, key="model/brier")
    assert ci != scores.bootstrap(scores.mean, (a,), seed=2, key="model/brier")
    assert ci != scores.bootstrap(scores.mean, (a,), seed=1, key="other")
    lo, hi = ci
    assert lo <= a.mean() <= hi
    # paired: the difference of a forecaster with itself is exactly 0 in every resample
    assert scores.bootstrap(scores.paired_difference, (a, a), 1, "d") == (0.0, 0.0)
    lo, hi = scores.bootstrap(scores.paired_difference, (a, b), 1, "d")
    assert lo <= (a - b).mean() <= hi


def test_skill_is_one_minus_the_ratio():
    a, b = np.array([[0.1, 0.1]]), np.array([[0.3, 0.1]])
    assert scores.skill(a, b)[0] == pytest.approx(0.5)
    assert np.isnan(scores.skill(a, np.zeros((1, 2)))[0])
