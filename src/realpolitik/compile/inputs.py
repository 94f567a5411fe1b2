"""Every uncertain input a run samples for each member, by name: what sensitivity analysis varies.

Two kinds of keyed draws make a member's inputs (DESIGN.md, "Random numbers"), both reproduced here
from (root seed, key, member) alone, so a stored run needs no copy of them:

* the scenario's distributions, :func:`realpolitik.scenario.sampling.sample_scenario` (a key per
  value: ``issues.assad-role.positions.russia.position``; a Dirichlet gives one entry per share);
* the reference-class base rates the engines' compilers draw from their Gamma posteriors
  (:func:`realpolitik.compile.actions.base_rate`) under the keys the compilers use:
  ``actions.<act>.base_rate``, ``issues.<issue>.settlement.base_rate``,
  ``leadership.<office>.coup`` and ``.exit``, ``council.draft_types.<type>.base_rate``, and the
  uniform ``council.seat.held`` that decides whether the contested Council seat is held.

The test suite checks these against the compiled Params of the same members.
"""

from __future__ import annotations

import numpy as np

from ..rng import MemberRNG
from ..scenario.sampling import sample_scenario
from ..scenario.schema import Scenario
from . import bargaining, politics
from .actions import base_rate, prior_events


def reference_rates(s: Scenario, rng: MemberRNG) -> dict[str, np.ndarray]:
    """{key: (M,) monthly rates} of every reference class the compilers draw, and the Council seat's
    uniform, for the members of ``rng``."""
    prior = prior_events(s)
    out: dict[str, np.ndarray] = {}

    def rate(br, key: str) -> None:
        out[key] = base_rate(br.events, br.exposure, key, rng, prior)

    for a in s.actions:
        rate(a.base_rate, f"actions.{a.id}.base_rate")
    if bargaining.applies(s):
        for issue in s.issues:
            rule = issue.settlement
            if rule is not None and rule.rule == "hazard" and rule.base_rate is not None:
                rate(rule.base_rate, f"issues.{issue.id}.settlement.base_rate")
    if politics.applies(s):
        for ld in s.leadership:
            rate(ld.coup, f"leadership.{ld.id}.coup")
            rate(ld.exit, f"leadership.{ld.id}.exit")
        for t in s.council.draft_types:
            rate(t.base_rate, f"council.draft_types.{t.id}.base_rate")
        out["council.seat.held"] = rng.uniform("council.seat.held")
    return out


def sampled_inputs(s: Scenario, root_seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """{key: (stop − start,) draws} of members ``start … stop − 1``: the scenario's sampled values,
    then the reference-class rates (module docstring)."""
    return {
        **sample_scenario(s, root_seed, start, stop),
        **reference_rates(s, MemberRNG(root_seed, start, stop)),
    }
