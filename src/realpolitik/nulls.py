"""Mechanism nulls: an engine held at its ``as_of`` state, for ablation (``realpolitik ablate``).

``compile_run(..., hold=("combat", …))`` names mechanisms; the coupled loop then runs each named
mechanism's null instead of its engine (every other engine, rule and keyed draw is unchanged, so
the ablated run shares the base run's random numbers):

=============  ===========  ========================================================================
mechanism      engines      null
=============  ===========  ========================================================================
``combat``     combat       not stepped: control, forces and losses stay at ``as_of``
``bargaining`` bargaining   positions and outcomes fixed at ``as_of``; the issue settles with the
                            ``as_of`` hazard h0 (D = D0 in logit h = logit h0 − slope·(D − D0)), on
                            the engine's own keyed draws ``bargaining/<month>/<issue>``
``alignment``  alignment    not stepped: alignments stay at ``as_of``
``choice``     choice       the games are played on their ``as_of`` payoffs (features held at
                            ``as_of``): the as_of quantal-response equilibrium, every month
``acts``       actions      the hazard acts at their reference-class base rates (drivers held at
                            ``as_of``, so β·(x − x_ref) = 0); ``do()`` still applies
=============  ===========  ========================================================================
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .engines.bargaining import settlement_hazard, veto_distance
from .errors import Problem, ScenarioError

MECHANISMS = {
    "combat": "combat",
    "bargaining": "bargaining",
    "alignment": "alignment",
    "choice": "choice",
    "acts": "actions",
}
FROZEN = ("combat", "alignment")  # engines that are simply not stepped
AS_OF_INPUTS = ("choice", "actions")  # engines stepped on their as_of feature inputs


def engines(hold) -> frozenset[str]:
    """The engines the mechanisms in ``hold`` name; an unknown mechanism is a located error."""
    bad = [m for m in hold if m not in MECHANISMS]
    if bad:
        raise ScenarioError(
            [
                Problem(
                    "<arguments>", None, None, "hold", "unknown mechanism", m, tuple(MECHANISMS)
                )
                for m in bad
            ]  # fmt: skip
        )
    return frozenset(MECHANISMS[m] for m in hold)


def step(e, state, inputs: dict, as_of: dict, month: int, rng):
    """One month of engine ``e``'s null: (state, outputs), outputs None when nothing is written."""
    if e.name in FROZEN:
        return state, None
    if e.name == "bargaining":
        return _bargaining(state, e.params, inputs, month, rng)
    held = {k: (v if k == "intervention" else as_of[k]) for k, v in inputs.items()}
    return e.module.step(state, e.params, held, month, rng)


def _bargaining(state, params, inputs: dict, month: int, rng):
    m, n_issue, _ = state.position.shape
    base = np.broadcast_to(params.hazard_base, (m, n_issue))
    slope = np.broadcast_to(params.hazard_slope, (m, n_issue))
    h = np.where(
        state.settled, 0.0, settlement_hazard(state.distance0, state.distance0, base, slope)
    )
    u = np.stack([rng.uniform(f"bargaining/{month}/{issue}") for issue in params.issues], 1)
    cap = np.broadcast_to(params.capability, state.position.shape)
    _, spread = veto_distance(state.position, cap, np.asarray(params.veto, bool), state.delta)
    with np.errstate(invalid="ignore"):
        in_band = spread <= np.broadcast_to(np.asarray(params.band, float), (m, n_issue))
    forced = np.asarray(inputs.get("settle", np.zeros((m, n_issue))), bool)
    state.settled = state.settled | (u < h) | in_band | forced
    out = SimpleNamespace(
        position=state.position, issue_outcome=state.outcome, settled=state.settled
    )
    return state, out
