"""Calibration of the landscape model on the as_of state (maximum pseudo-likelihood)."""

import numpy as np
import pytest

from realpolitik.compile.alignment import fit_logit_fractional, fit_weights
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

from ..conftest import ROOT


def test_fractional_logit_recovers_known_coefficients():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3)) * [
        1e-4,
        3e-4,
        2e-4,
    ]  # energies are small numbers, as with CINC sizes
    theta = np.array([2000.0, 500.0, -1500.0])
    y = 1 / (1 + np.exp(x @ theta))  # P(camp B) = logistic(−x·θ)
    got = fit_logit_fractional(x, y, [0, 0, -np.inf], [np.inf, np.inf, 0])
    np.testing.assert_allclose(got, theta, rtol=1e-3)


def test_sign_constraints_hold():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(30, 2))
    y = 1 / (1 + np.exp(x @ np.array([-1.0, 1.0])))  # the first coefficient "wants" to be negative
    got = fit_logit_fractional(x, y, [0, 0], [np.inf, np.inf])
    assert got[0] == pytest.approx(0.0, abs=1e-9) and got[1] > 0


def test_flagship_holds_the_fitted_weights():
    """The scenario's alignment weights and beta are what tools/fit_alignment.py computes from it."""
    s = load_scenario(ROOT / "scenarios/syria-2015.yaml")
    beta, weights, diag = fit_weights(s, sample_scenario(s, 0, 0, 512))
    for k, w in weights.items():
        assert s.alignment.weights.get(k, 0.0) == pytest.approx(w, rel=1e-3, abs=1e-4), k
    assert s.alignment.beta.median == pytest.approx(beta, rel=1e-3)
    # the fit reproduces the declared alignments on average better than a coin
    assert np.abs(diag["fitted"] - diag["target"]).mean() < np.abs(0.5 - diag["target"]).mean()
