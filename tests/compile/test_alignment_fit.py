"""Calibration of the landscape model on the as_of state (maximum pseudo-likelihood)."""

import importlib.util

import numpy as np
import pytest

from realpolitik.compile.alignment import fit_logit_fractional, fit_weights
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

from ..conftest import ROOT

_spec = importlib.util.spec_from_file_location("fit_alignment", ROOT / "tools" / "fit_alignment.py")
TOOL = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(TOOL)


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


@pytest.fixture(scope="module")
def fit():
    s = load_scenario(ROOT / "scenarios/syria-2015.yaml")
    samples = sample_scenario(s, TOOL.FIT_SEED, 0, TOOL.FIT_MEMBERS)
    return s, samples, fit_weights(s, samples)


def test_flagship_holds_the_fitted_weights(fit):
    """The scenario's alignment weights and beta are what tools/fit_alignment.py computes from it."""
    s, _, (beta, weights, _) = fit
    for k, w in weights.items():
        assert s.alignment.weights.get(k, 0.0) == pytest.approx(w, rel=1e-3, abs=1e-4), k
    assert s.alignment.beta.median == pytest.approx(beta, rel=1e-3)


def test_fit_is_an_in_sample_consistency_check_of_the_authors_judgements(fit):
    """The targets are the author's October 2015 judgements (11 players, 4 non-zero weights), so
    this is in sample: the fitted alignments are closer to them than their mean (the intercept-only
    model, fitted the same way). The tool's design reproduces compile.alignment.fit_weights."""
    s, samples, (beta, weights, diag) = fit
    players, x, y, lower, upper = TOOL.design(s, samples)
    assert players == diag["players"] and np.array_equal(y, diag["target"])
    theta = fit_logit_fractional(x, y, lower, upper)
    assert theta == pytest.approx([beta * w for w in weights.values()], rel=1e-6, abs=1e-9)
    assert np.abs(diag["fitted"] - y).mean() < np.abs(y.mean() - y).mean()


def test_leave_one_out_beats_the_mean_of_the_other_players(fit):
    """Refitted without each player in turn, the model predicts that player's judgement better on
    average than the mean of the others' (both fitted on the same 10 players). Still the author's
    judgements, not outcomes: a cross-validation, not a forecast check."""
    s, samples, _ = fit
    _, y, model, mean = TOOL.leave_one_out(s, samples)
    assert np.abs(model - y).mean() < np.abs(mean - y).mean()
