"""Scenario → the hazard-act engine (engines/actions.py).

* Rows: one willingness row per party (``participants``, or the declaring ``actor`` alone), labelled
  ``act/party`` (the key of its random stream). A joint act's reference-class rate h0 is split
  evenly, h0_w = h0^(1/n), so all parties together reproduce h0.
* Base rate: per member a keyed draw from the Jeffreys posterior Gamma(k + ½, rate E) of the
  reference class (key ``actions.<id>.base_rate``), whose mean is (k + ½)/E.
* Drivers act on the declaring actor's row (its own willingness), so the act's odds move by
  exp(β·(x − x_ref)) as declared, whatever the number of parties. β = the sampled coefficient
  ``actions.<id>.drivers.<feature>``; x_ref = the feature at as_of in the base scenario.
* ``requires``: features that must be > 0 for the act to be possible (bound like the drivers, with
  no coefficient).
* Doubling cap: |β·sd| ≤ ln 2 for every member's draw, with sd from ``meta.feature_sd`` (the spec,
  else the feature name), unless the driver is listed in the action's ``cap_exception``; a driver
  without a declared sd is refused.

Inputs: ``features`` (the acts' drivers, bound to their labels) and ``intervention`` at the acts'
courses. Outputs: ``strategy_prob`` and ``acted`` of those courses.
"""

from __future__ import annotations

import numpy as np

from .. import features
from ..drivers import Put, Take
from ..engines import actions as engine
from ..errors import Problem, ScenarioError
from ..rng import MemberRNG
from ..scenario.quantities import central
from ..scenario.schema import Scenario
from ..trajectory import course_label
from . import Draws, EngineSpec


def applies(s: Scenario) -> bool:
    return bool(s.actions)


def feature_sd(s: Scenario, spec: str) -> float | None:
    """Assumed sd of a driver: ``meta.feature_sd[spec]``, else ``[feature name]``, else None."""
    for key in (spec, spec.partition(":")[0]):
        if key in s.meta.feature_sd:
            return central(s.meta.feature_sd[key])
    return None


def prior_events(s: Scenario) -> float:
    """The pseudo-events a every reference class gets (``meta.base_rate_prior``; Jeffreys ½)."""
    q = s.meta.base_rate_prior
    return 0.5 if q is None else central(q)


def base_rate(events: int, exposure: float, key: str, rng: MemberRNG, prior: float = 0.5):
    """(M,) monthly base rates: keyed draws from the posterior Gamma(k + a, E), a = ``prior``
    (:func:`prior_events`; ½, the Jeffreys prior, by default)."""
    return engine.sample_base_rate(events, exposure, rng.uniform(key), prior)


def params(d: Draws) -> engine.Params:
    s, samples, n = d.scenario, d.samples, d.n
    drivers: list[str] = []
    for a in s.actions:
        drivers += [x for x in [*a.drivers, *a.requires] if x not in drivers]
    d_index = {x: k for k, x in enumerate(drivers)}
    rows, labels, rates, betas, problems = [], [], [], [], []
    for i, a in enumerate(s.actions):
        parties = a.participants or [a.actor]
        own = parties.index(a.actor) if a.actor in parties else 0
        h0 = base_rate(a.base_rate.events, a.base_rate.exposure, f"actions.{a.id}.base_rate", d.rng,
                       prior_events(s))  # fmt: skip
        for w, party in enumerate(parties):
            rows.append(i)
            labels.append(f"{a.id}/{party}")
            rates.append(engine.split_joint_rate(h0, len(parties)))
            beta = np.zeros((n, len(drivers)))
            if w == own:
                for spec in a.drivers:
                    beta[:, d_index[spec]] = samples[f"actions.{a.id}.drivers.{spec}"]
                    problems += _cap(s, a, i, spec, beta[:, d_index[spec]])
            betas.append(beta)
    if problems:
        raise ScenarioError(problems)
    x_ref = np.stack([d.x_ref(x, f"actions.drivers.{x}") for x in drivers], 1) if drivers else None
    return engine.Params(
        actions=tuple(course_label(a.actor, a.id) for a in s.actions),
        drivers=tuple(drivers),
        row_labels=tuple(labels),
        row_action=np.asarray(rows, np.int64),
        once=np.array([a.once for a in s.actions], bool),
        base_rate=np.stack(rates, 1),
        beta=np.stack(betas, 1),
        x_ref=x_ref if x_ref is not None else np.zeros((n, 0)),
        requires=np.array([[x in a.requires for x in drivers] for a in s.actions], bool).reshape(
            len(s.actions), len(drivers)
        ),
    )


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    p = params(d)
    at = d.coords.index("course", p.actions, d.where, "actions")
    inputs = {
        "features": features.bind_all(p.drivers, d.coords, d.where, "actions.drivers"),
        "intervention": Take("intervention", (at,), fill=0.0),
    }
    outputs = (Put("strategy_prob", "prob", (at,)), Put("acted", "acted", (at,)))
    return EngineSpec("actions", p, inputs, outputs)


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
