"""Calibrate the flagship's landscape model on its as_of alignments and print the YAML to paste.

    .venv/bin/python tools/fit_alignment.py [scenarios/syria-2015.yaml]

Maximum pseudo-likelihood (Besag 1975) of each free player's initial alignment given the others' initial
camps — a fit to the pre-cut-off state only (see realpolitik.compile.alignment.fit_weights).
tests/compile/test_alignment_fit.py checks that the scenario holds what this prints.

The targets are the scenario author's October 2015 judgements, so the fitted alignments are an
in-sample consistency check. No later observation exists to hold out; :func:`leave_one_out` refits
without each player in turn and predicts its judgement, beside the mean of the other players'
judgements (the intercept-only model, fitted the same way).
"""

import sys

import numpy as np

from realpolitik.compile.alignment import COMPONENTS, components, fit_logit_fractional, fit_weights
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

FIT_SEED, FIT_MEMBERS = 0, 512


def design(s, samples):
    """(players, X, y, lower, upper) of fit_weights' regression: log-odds(camp B) = −X·θ on the
    members' means, X_ik = 2 s_i Σ_j s_j f^k_ij S_j over the free players."""
    ids, size, initial, parts = components(s, samples)
    size, initial = size.mean(axis=0), initial.mean(axis=0)
    f = {k: v.mean(axis=0) for k, v in parts.items()}
    spin = np.where(initial > 0.5, -1.0, 1.0)
    free = np.array([a not in s.alignment.anchors for a in ids])
    keys = [k for k in COMPONENTS if np.any(f[k])]
    x = np.stack([2 * size * (f[k] * size * spin).sum(axis=1) for k in keys], axis=1)
    lower = np.array([-np.inf if k == "hostility" else 0.0 for k in keys])
    upper = np.array([0.0 if k == "hostility" else np.inf for k in keys])
    return [a for a, fr in zip(ids, free, strict=True) if fr], x[free], initial[free], lower, upper


def leave_one_out(s, samples):
    """Each free player's judgement predicted from a fit on the others: (players, target, model,
    mean of the others)."""
    players, x, y, lower, upper = design(s, samples)
    model, mean = np.empty(len(y)), np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        theta = fit_logit_fractional(x[keep], y[keep], lower, upper)
        model[i] = 1 / (1 + np.exp(x[i] @ theta))
        mean[i] = y[keep].mean()
    return players, y, model, mean


def main(path: str = "scenarios/syria-2015.yaml") -> None:
    s = load_scenario(path)
    samples = sample_scenario(s, FIT_SEED, 0, FIT_MEMBERS)
    beta, weights, diag = fit_weights(s, samples)
    for actor, target, fitted in zip(diag["players"], diag["target"], diag["fitted"], strict=True):
        print(f"#   {actor:14s} as_of {target:.2f}  fitted {fitted:.2f}")
    print("  weights: {" + ", ".join(f"{k}: {v:.4g}" for k, v in weights.items()) + "}")
    print(f"  beta: {{dist: lognormal, median: {beta:.4g}, sigma: 0.5}}")
    players, y, model, mean = leave_one_out(s, samples)
    print("leave-one-out: player, judgement, model, mean of the others")
    for row in zip(players, y, model, mean, strict=True):
        print(f"#   {row[0]:14s} {row[1]:.2f}  {row[2]:.2f}  {row[3]:.2f}")
    in_mean = np.abs(diag["target"].mean() - diag["target"]).mean()
    print(
        f"mean |error|: in sample model {np.abs(diag['fitted'] - diag['target']).mean():.3f}, "
        f"constant {in_mean:.3f}; leave-one-out model {np.abs(model - y).mean():.3f}, "
        f"constant {np.abs(mean - y).mean():.3f}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
