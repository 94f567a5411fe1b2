"""The state features at ``as_of``, from the scenario's initial state (the reference point x_ref of
hazards and of the Security Council's escalation driver).

Per member, from the sampled values (:func:`realpolitik.scenario.sampling.sample_scenario`):

* ``territory_share`` (M, F): Σ_g control_g[f]·area_g / Σ_g area_g over the governorates g (sites are
  inside a governorate and never counted twice), F = the scenario's factions in order;
* ``territory_share_3m_ago`` = ``territory_share``: no earlier state is declared, so every trend is 0
  at as_of (hazards depend on x − x_ref only, so this fixes the reference, not the dynamics);
* ``forces`` (M, F, R): the declared deployments by faction and governorate;
* ``alignment`` (M, A): the actors' ``alignment`` draws, NaN for actors without one (a driver on such
  an actor is refused by :func:`reference_values`);
* ``settled`` (M, I): 0 — no issue is settled at the start.
"""

from __future__ import annotations

import numpy as np

from .. import features
from ..errors import Problem, ScenarioError
from ..scenario.schema import Scenario


def coords(s: Scenario) -> dict[str, list[str]]:
    return {
        "faction": [f.id for f in s.factions],
        "actor": s.actor_ids(),
        "issue": [i.id for i in s.issues],
    }


def governorates(s: Scenario) -> list[str]:
    return [r.id for r in s.regions.nodes if r.kind == "governorate"] if s.regions else []


def as_of_drivers(s: Scenario, samples: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The registry's driver arrays at as_of (see the module docstring)."""
    fac = [f.id for f in s.factions]
    govs = governorates(s)
    share = np.zeros((n, len(fac)))
    if govs:
        area = np.stack([samples[f"regions.nodes.{g}.area_km2"] for g in govs], 1)
        for j, f in enumerate(fac):
            ctl = np.stack(
                [samples.get(f"regions.nodes.{g}.control.{f}", np.zeros(n)) for g in govs], 1
            )
            share[:, j] = (ctl * area).sum(1) / area.sum(1)
    forces = np.zeros((n, len(fac), len(govs)))
    if s.regions is not None:
        for d in s.regions.deployments:
            if d.region in govs:
                forces[:, fac.index(d.faction), govs.index(d.region)] += samples[
                    f"regions.deployments.{d.faction}@{d.region}.fighters"
                ]
    alignment = np.stack(
        [samples.get(f"actors.{a}.alignment", np.full(n, np.nan)) for a in s.actor_ids()], 1
    )
    return {
        "territory_share": share,
        "territory_share_3m_ago": share.copy(),
        "forces": forces,
        "alignment": alignment,
        "settled": np.zeros((n, len(s.issues)), bool),
    }


def reference_values(
    s: Scenario, samples: dict[str, np.ndarray], specs: list[str], n: int, where: str = "drivers"
) -> np.ndarray:
    """(M, D) feature values at as_of for feature specs like ``alignment:egypt``."""
    c = coords(s)
    bound = [features.parse(spec, c, s.meta.id, f"{where}.{spec}") for spec in specs]
    drivers = as_of_drivers(s, samples, n)
    with np.errstate(invalid="ignore"):
        try:
            return features.evaluate(bound, drivers, np.zeros(len(bound)), n)
        except FloatingPointError as exc:
            raise ScenarioError(
                [
                    Problem(
                        s.meta.id,
                        None,
                        None,
                        where,
                        "driver has no value at as_of (e.g. an actor without `alignment`)",
                        str(exc),
                    )
                ]
            ) from None


def territory_percent(s: Scenario, samples, faction: str, n: int) -> np.ndarray:
    """(M,) a faction's share of Syria's area at as_of, in percent."""
    fac = [f.id for f in s.factions]
    return 100.0 * as_of_drivers(s, samples, n)["territory_share"][:, fac.index(faction)]


def months_between(start: str, month: str) -> int:
    """Whole months from ``start`` (YYYY-MM) to ``month`` (YYYY-MM); negative when before."""
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)
