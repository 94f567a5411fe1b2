"""Scenario → the bargaining engine (engines/bargaining.py).

Actors are every actor with a stance on some issue, in scenario order; an actor without a stance on an
issue takes no part in it (salience 0). Per member and issue: positions, saliences and capabilities
(the stance's ``capability``, else the actor's capability named by the issue's ``capability``); veto
players; the settlement hazard's base rate (keyed Gamma(k + ½, E) draws of the issue's reference class)
and slope; the agreement band (NaN when absent). An issue with ``rule: band`` has no hazard (h0 = 0);
one with no ``settlement`` never settles.

Issues with ``capability: leverage`` take each actor's ``leverage`` driver as its capability (at as_of
here, then every month: compile/leverage.py), unless its stance gives one.

Inputs: ``salience_shift`` and ``capability_factor`` at (issue, the engine's actors), ``leverage`` at
the engine's actors, ``settle``.
Outputs: ``position``, ``issue_outcome`` and ``settled`` (positions at the engine's actors).

Also :func:`trace_from_scenario`, the playthrough of one issue at central values
(``realpolitik bargain``).
"""

from __future__ import annotations

import numpy as np

from ..drivers import Put, Take
from ..engines import bargaining as engine
from ..errors import Problem, ScenarioError
from ..scenario.quantities import central
from ..scenario.sampling import central_samples
from ..scenario.schema import Scenario
from . import Draws, EngineSpec
from .actions import base_rate, prior_events


def applies(s: Scenario) -> bool:
    return bool(s.issues)


def actors(s: Scenario) -> list[str]:
    return [a.id for a in s.actors if any(a.id in i.positions for i in s.issues)]


def params(d: Draws, dtype: type = np.float32) -> engine.Params:
    s, samples, n = d.scenario, d.samples, d.n
    ids = actors(s)
    shape = (n, len(s.issues), len(ids))
    position, salience, capability = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    veto = np.zeros(shape[1:], bool)
    leverage = np.zeros(shape[1:], bool)  # (issue, actor): capability from the leverage driver
    at_asof = d.drivers0["leverage"][:, d.coords.index("actor", ids, d.where, "issues.positions")]
    h0, slope = np.zeros(shape[:2]), np.zeros(shape[:2])
    band = np.full(shape[:2], np.nan)
    min_outcome = np.full(shape[:2], -np.inf)
    for k, issue in enumerate(s.issues):
        key = f"issues.{issue.id}"
        for actor, stance in issue.positions.items():
            j = ids.index(actor)
            position[:, k, j] = samples[f"{key}.positions.{actor}.position"]
            salience[:, k, j] = samples[f"{key}.positions.{actor}.salience"]
            if stance.capability is not None:
                capability[:, k, j] = samples[f"{key}.positions.{actor}.capability"]
            elif issue.capability == "leverage":
                capability[:, k, j] = at_asof[:, j]
                leverage[k, j] = True
            else:
                capability[:, k, j] = samples[f"actors.{actor}.capabilities.{issue.capability}"]
            veto[k, j] = actor in issue.veto_players
        rule = issue.settlement
        if rule is None:
            continue
        if rule.rule == "hazard" and rule.base_rate is not None:
            br = rule.base_rate
            h0[:, k] = base_rate(br.events, br.exposure, f"{key}.settlement.base_rate", d.rng,
                                 prior_events(s))  # fmt: skip
            slope[:, k] = samples[f"{key}.settlement.slope"] if rule.slope is not None else 0.0
        if rule.band is not None:
            band[:, k] = samples[f"{key}.settlement.band"]
        if rule.min_outcome is not None:
            min_outcome[:, k] = samples[f"{key}.settlement.min_outcome"]
    return engine.Params(
        actors=tuple(ids),
        issues=tuple(i.id for i in s.issues),
        veto=veto,
        position=position,
        salience=salience,
        capability=capability,
        leverage=leverage,
        hazard_base=h0,
        hazard_slope=slope,
        band=band,
        min_outcome=min_outcome,
        dtype=dtype,
    )


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    p = params(d)
    at = d.coords.index("actor", p.actors, d.where, "issues.positions")
    inputs = {
        "salience_shift": Take("salience_shift", (None, at)),
        "capability_factor": Take("capability_factor", (None, at)),
        "leverage": Take("leverage", (at,)),
        "settle": Take("settle", (None,)),
    }
    outputs = (
        Put("position", "position", (None, at)),
        Put("issue_outcome", "issue_outcome", (None,)),
        Put("settled", "settled", (None,)),
    )
    return EngineSpec("bargaining", p, inputs, outputs)


def issue_arrays(scenario: Scenario, issue_id: str) -> dict:
    """Central values of one scenario issue, actors in the order of its ``positions``: ``actors``,
    ``position``, ``salience``, ``capability`` (the stance's, else the actor's capability named by
    the issue's ``capability`` key, or its as_of leverage at central values) and ``veto``
    (bool)."""
    issue = next((i for i in scenario.issues if i.id == issue_id), None)
    if issue is None:
        options = tuple(i.id for i in scenario.issues)
        raise ScenarioError(
            [Problem("<scenario>", None, None, "issue", "unknown issue", issue_id, options)]
        )
    by_id = {a.id: a for a in scenario.actors}
    ids = list(issue.positions)
    if issue.capability == "leverage":  # as_of leverage at central values
        from .asof import coords, initial_drivers

        c = coords(scenario)
        lev = initial_drivers(scenario, central_samples(scenario), c, 1)["leverage"][0]
        actor_ids = list(c.of("actor"))
    cap = [
        central(st.capability) if st.capability is not None
        else float(lev[actor_ids.index(a)]) if issue.capability == "leverage"
        else central(by_id[a].capabilities[issue.capability])
        for a, st in issue.positions.items()
    ]  # fmt: skip
    return {
        "actors": ids,
        "position": np.array([central(st.position) for st in issue.positions.values()]),
        "salience": np.array([central(st.salience) for st in issue.positions.values()]),
        "capability": np.array(cap),
        "veto": np.array([a in issue.veto_players for a in ids]),
    }


def trace_from_scenario(
    scenario: Scenario, issue_id: str, n_rounds: int, flags: engine.Flags | None = None
) -> str:
    """``realpolitik bargain FILE --issue ID --rounds N``: the trace of one issue at central values."""
    arrays = issue_arrays(scenario, issue_id)
    ds = engine.run_rounds(
        arrays["position"], arrays["salience"], arrays["capability"], n_rounds,
        flags or engine.Flags(), actors=arrays["actors"],
    )  # fmt: skip
    return engine.format_trace(ds, issue=issue_id)
