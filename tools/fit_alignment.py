"""Calibrate the flagship's landscape model on its as_of alignments and print the YAML to paste.

    .venv/bin/python tools/fit_alignment.py [scenarios/syria-2015.yaml]

Maximum pseudo-likelihood (Besag 1975) of each free player's initial alignment given the others' initial
camps — a fit to the pre-cut-off state only (see realpolitik.compile.alignment.fit_weights).
tests/compile/test_alignment_fit.py checks that the scenario holds what this prints.
"""

import sys

from realpolitik.compile.alignment import fit_weights
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

FIT_SEED, FIT_MEMBERS = 0, 512


def main(path: str = "scenarios/syria-2015.yaml") -> None:
    s = load_scenario(path)
    beta, weights, diag = fit_weights(s, sample_scenario(s, FIT_SEED, 0, FIT_MEMBERS))
    for actor, target, fitted in zip(diag["players"], diag["target"], diag["fitted"], strict=True):
        print(f"#   {actor:14s} as_of {target:.2f}  fitted {fitted:.2f}")
    print("  weights: {" + ", ".join(f"{k}: {v:.4g}" for k, v in weights.items()) + "}")
    print(f"  beta: {{dist: lognormal, median: {beta:.4g}, sigma: 0.5}}")


if __name__ == "__main__":
    main(*sys.argv[1:])
