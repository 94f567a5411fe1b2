"""Scenario → :class:`realpolitik.engines.actions.Params` (hazard actions).

* Rows: one willingness row per party (``participants``, or the declaring ``actor`` alone). A joint
  act's reference-class rate h0 is split evenly, h0_w = h0^(1/n), so all parties together reproduce h0.
* Base rate: the Jeffreys mean (k + ½)/E, or with ``rng`` a per-member draw from Gamma(k + ½, rate E)
  keyed ``actions.<id>.base_rate``.
* Drivers act on the declaring actor's row (its own willingness), so the act's odds move by
  exp(β·(x − x_ref)) as declared, whatever the number of parties. β = the sampled coefficient
  ``actions.<id>.drivers.<feature>``; x_ref = the feature at as_of (:mod:`.asof`).
* Doubling cap: |β·sd| ≤ ln 2 for every member's draw, with sd from ``meta.feature_sd`` (the spec,
  else the feature name), unless the driver is listed in the action's ``cap_exception``; a driver
  without a declared sd is refused.
* Effects: ``(action, kind, target, magnitude)`` with the sampled ``amount``.
"""

from __future__ import annotations

import numpy as np

from ..engines import actions as engine
from ..errors import Problem, ScenarioError
from ..rng import MemberRNG
from ..scenario.quantities import central
from ..scenario.schema import Scenario
from .asof import reference_values


def feature_sd(s: Scenario, spec: str) -> float | None:
    """Assumed sd of a driver: ``meta.feature_sd[spec]``, else ``[feature name]``, else None."""
    for key in (spec, spec.partition(":")[0]):
        if key in s.meta.feature_sd:
            return central(s.meta.feature_sd[key])
    return None


def _target(e) -> str:
    parts = {
        "relation": f"{e.actor}>{e.target}:{e.relation}",
        "forces": e.faction + (f"@{e.region}" if e.region else "") if e.faction else "",
        "sorties": e.faction or "",
        "series": e.series or "",
        "settle": e.issue or "",
        "office": f"{e.office}={e.actor}",
        "salience": f"{e.actor}:{e.issue}",
        "control": f"{e.faction}@{e.region}",
    }
    return parts.get(e.kind) or str(e.target or e.actor or "")


def base_rate(events: int, exposure: float, key: str, n: int, rng: MemberRNG | None):
    """(M,) monthly base rate: the Jeffreys mean, or keyed Gamma(k + ½, E) draws."""
    if rng is None:
        return np.full(n, engine.jeffreys_rate(events, exposure))
    return engine.sample_base_rate(events, exposure, rng.uniform(key))


def compile_actions(
    s: Scenario, samples: dict[str, np.ndarray], n_members: int, rng: MemberRNG | None = None
) -> engine.Params:
    n = n_members
    drivers: list[str] = []
    for a in s.actions:
        drivers += [d for d in a.drivers if d not in drivers]
    d_index = {d: k for k, d in enumerate(drivers)}
    rows, rates, betas, effects, problems = [], [], [], [], []
    for i, a in enumerate(s.actions):
        parties = a.participants or [a.actor]
        own = parties.index(a.actor) if a.actor in parties else 0
        h0 = base_rate(
            a.base_rate.events, a.base_rate.exposure, f"actions.{a.id}.base_rate", n, rng
        )
        for w in range(len(parties)):
            rows.append(i)
            rates.append(engine.split_joint_rate(h0, len(parties)))
            beta = np.zeros((n, len(drivers)))
            if w == own:
                for spec in a.drivers:
                    beta[:, d_index[spec]] = samples[f"actions.{a.id}.drivers.{spec}"]
                    problems += _cap(s, a, i, spec, beta[:, d_index[spec]])
            betas.append(beta)
        for j, e in enumerate(a.effects):
            amount = samples.get(f"actions.{a.id}.effects.{e.kind}{j}.amount", np.zeros(n))
            effects.append(engine.Effect(i, e.kind, _target(e), np.asarray(amount, float)))
    if problems:
        raise ScenarioError(problems)
    x_ref = (
        reference_values(s, samples, drivers, n, "actions.drivers") if drivers else np.zeros((n, 0))
    )
    return engine.Params(
        actions=tuple(f"{a.actor}/{a.id}" for a in s.actions),
        drivers=tuple(drivers),
        row_action=np.asarray(rows, np.int64),
        base_rate=np.stack(rates, 1) if rates else np.zeros((n, 0)),
        beta=np.stack(betas, 1) if betas else np.zeros((n, 0, len(drivers))),
        x_ref=x_ref,
        once=np.array([a.once for a in s.actions], bool),
        effects=tuple(effects),
    )


def _cap(s: Scenario, a, i, spec, beta) -> list[Problem]:
    path = f"actions[{i}].drivers.{spec}"
    if spec in a.cap_exception:
        return []
    sd = feature_sd(s, spec)
    if sd is None:
        return [
            Problem(s.meta.id, None, None, path, "no sd for this driver in meta.feature_sd", spec)
        ]
    worst = float(np.max(np.abs(beta) * sd)) if beta.size else 0.0
    if worst > engine.LN2 * (1 + 1e-12):
        return [
            Problem(
                s.meta.id,
                None,
                None,
                path,
                "a one-sd change more than doubles the odds (|beta*sd| > ln 2); "
                "list the driver in `cap_exception` only if a source says so",
                f"{worst:.3g}",
            )
        ]
    return []
