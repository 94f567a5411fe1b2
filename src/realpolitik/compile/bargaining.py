"""Scenario → :class:`realpolitik.engines.bargaining.Params`.

Actors are every actor with a stance on some issue, in scenario order; an actor without a stance on an
issue takes no part in it (salience 0). Per member and issue: positions, saliences and capabilities
(the stance's ``capability``, else the actor's capability named by the issue's ``capability``); veto
players; the settlement hazard's base rate (Jeffreys mean (k + ½)/E of the issue's reference class, or
with ``rng`` keyed Gamma(k + ½, E) draws) and slope; the agreement band (NaN when absent). An issue
with ``rule: band`` has no hazard (h0 = 0); one with no ``settlement`` never settles.
"""

from __future__ import annotations

import numpy as np

from ..engines import bargaining as engine
from ..rng import MemberRNG
from ..scenario.schema import Scenario
from .actions import base_rate


def compile_bargaining(
    s: Scenario,
    samples: dict[str, np.ndarray],
    n_members: int,
    rng: MemberRNG | None = None,
    dtype: type = np.float32,
) -> engine.Params:
    actors = [a.id for a in s.actors if any(a.id in i.positions for i in s.issues)]
    shape = (n_members, len(s.issues), len(actors))
    position, salience, capability = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    veto = np.zeros(shape[1:], bool)
    h0, slope = np.zeros(shape[:2]), np.zeros(shape[:2])
    band = np.full(shape[:2], np.nan)
    for k, issue in enumerate(s.issues):
        key = f"issues.{issue.id}"
        for actor, stance in issue.positions.items():
            j = actors.index(actor)
            position[:, k, j] = samples[f"{key}.positions.{actor}.position"]
            salience[:, k, j] = samples[f"{key}.positions.{actor}.salience"]
            capability[:, k, j] = (
                samples[f"{key}.positions.{actor}.capability"]
                if stance.capability is not None
                else samples[f"actors.{actor}.capabilities.{issue.capability}"]
            )
            veto[k, j] = actor in issue.veto_players
        rule = issue.settlement
        if rule is None:
            continue
        if rule.rule == "hazard" and rule.base_rate is not None:
            br = rule.base_rate
            h0[:, k] = base_rate(
                br.events, br.exposure, f"{key}.settlement.base_rate", n_members, rng
            )
            slope[:, k] = samples[f"{key}.settlement.slope"] if rule.slope is not None else 0.0
        if rule.band is not None:
            band[:, k] = samples[f"{key}.settlement.band"]
    return engine.Params(
        actors=tuple(actors),
        issues=tuple(i.id for i in s.issues),
        position=position,
        salience=salience,
        capability=capability,
        veto=veto,
        hazard_base=h0,
        hazard_slope=slope,
        band=band,
        dtype=dtype,
    )
