"""The state at ``as_of``: the labels of every dim, and every driver's value before the first month.

Per member, from the sampled values (:func:`realpolitik.scenario.sampling.sample_scenario`):

* ``control`` (M, F, R): the regions' Dirichlet control draws (sites included), renormalised;
  ``forces`` (M, F, R): the declared deployments; ``losses`` 0 (no month has been fought yet);
* ``territory_share`` (M, F): :func:`realpolitik.trajectory.national_shares` of ``control`` on the
  governorates' areas (one definition, shared with the simulation and the resolvers);
  ``territory_trend`` 0 (no earlier state is declared); ``forces_share`` each faction's fighters over
  all fighters; ``population_share`` the same shares on residents;
* ``leverage`` (M, A): each actor's bargaining leverage from those shares and its support relations
  (:mod:`.leverage`; NaN without a ``leverage`` section);
* ``fighting_scope``: the population share of governorates (with their sites) where two mutually
  hostile factions both have fighters (where the first month's fighting will be);
* ``position``/``issue_outcome`` are filled by the bargaining engine's initial state, ``settled`` 0;
* ``alignment`` (M, A): the actors' ``alignment`` draws, NaN for an actor without one;
* ``office_holder``: each office's declared holder;
* ``relation_intensity``: each relation's intensity draw (0 for a relation only effects create);
  ``support``/``hostility`` (actor × partner): the strongest intensity of that type from one to the
  other; ``combat_hostility`` (faction × enemy): the strongest hostility between any of their members,
  either way (combat is mutual: a faction that is attacked fires back), zero diagonal;
* ``air_sorties`` (M, F, R): each ``combat.air`` group's sorties per day × 30.44 on the faction it
  supports, spread over its regions by the group's strike priority (:func:`air_sorties`);
* modifiers at their neutral value (``realpolitik.drivers.NEUTRAL``); ``strategy_prob`` NaN,
  ``acted`` 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import features
from ..drivers import NEUTRAL, REGISTRY, Coords
from ..engines.combat import DAYS_PER_MONTH
from ..errors import fail
from ..scenario.quantities import as_dist
from ..scenario.schema import Scenario
from ..trajectory import national_shares
from .leverage import spec as leverage_spec


def coords(s: Scenario) -> Coords:
    return Coords(s.labels())


def mean(q, default: float = 0.0) -> float:
    """A structural number (the same for every member): the quantity's mean."""
    return default if q is None else float(as_dist(q).mean())


@dataclass(frozen=True)
class Geography:
    """Member-independent region data: areas and populations (means), the governorate mask, and
    each region's governorate (itself, or a site's parent)."""

    area: np.ndarray  # (R,) km², NaN for a point site
    population: np.ndarray  # (R,) residents, 0 for a site (counted in its parent)
    governorate: np.ndarray  # (R,) bool
    home: np.ndarray  # (R,) index of the region's governorate


def geography(s: Scenario) -> Geography:
    nodes = s.regions.nodes if s.regions else []
    ids = [r.id for r in nodes]
    gov = np.array([r.kind == "governorate" for r in nodes], bool)
    area = np.array([mean(r.area_km2, np.nan) for r in nodes])
    pop = np.where(gov, [mean(r.population) for r in nodes], 0.0)
    home = np.array([ids.index(r.parent) if r.parent else i for i, r in enumerate(nodes)], np.int64)
    return Geography(area, pop, gov, home)


def control0(s: Scenario, samples, c: Coords, n: int) -> np.ndarray:
    factions, regions = list(c.of("faction")), list(c.of("region"))
    out = np.zeros((n, len(factions), len(regions)))
    for k, node in enumerate(s.regions.nodes):
        for f in node.control.mean_ if node.control is not None else ():
            out[:, factions.index(f), k] = samples[f"regions.nodes.{node.id}.control.{f}"]
    total = out.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        missing = [regions[k] for k in np.nonzero((total <= 0).any(axis=(0, 1)))[0]]
        fail(s.meta.id, "regions.nodes", "regions without control shares", missing)
    return out / total


def forces0(s: Scenario, samples, c: Coords, n: int) -> np.ndarray:
    factions, regions = list(c.of("faction")), list(c.of("region"))
    out = np.zeros((n, len(factions), len(regions)))
    for d in s.regions.deployments:
        key = f"regions.deployments.{d.faction}@{d.region}.fighters"
        out[:, factions.index(d.faction), regions.index(d.region)] += samples[key]
    return out


def relation_intensity(s: Scenario, samples, c: Coords, n: int) -> np.ndarray:
    out = np.zeros((n, len(c.of("relation"))))
    for r in s.relations:
        out[:, c.of("relation").index(r.label)] = samples[f"relations.{r.label}.intensity"]
    return out


@dataclass(frozen=True)
class RelationMaps:
    """Where each relation label's intensity goes in the actor × partner and faction × enemy
    matrices (−1: nowhere)."""

    rtype: np.ndarray  # (L,) str: support | hostility | alliance | propensity
    source: np.ndarray  # (L,) actor index
    target: np.ndarray  # (L,) actor index
    source_faction: np.ndarray  # (L,) faction index or −1
    target_faction: np.ndarray  # (L,) faction index or −1


def relation_maps(s: Scenario, c: Coords) -> RelationMaps:
    actors = list(c.of("actor"))
    factions = list(c.of("faction"))
    owner = s.faction_of()
    labels = c.of("relation")
    rtype, src, tgt = [], [], []
    for label in labels:
        head, rt = label.split(":", 2)[:2]
        a, b = head.split(">")
        rtype.append(rt)
        src.append(actors.index(a))
        tgt.append(actors.index(b))
    fs = [factions.index(owner[actors[i]]) if actors[i] in owner else -1 for i in src]
    ft = [factions.index(owner[actors[i]]) if actors[i] in owner else -1 for i in tgt]
    return RelationMaps(np.array(rtype), np.array(src), np.array(tgt), np.array(fs), np.array(ft))


def strongest(intensity: np.ndarray, rm: RelationMaps, rtype: str, n_actors: int) -> np.ndarray:
    """(M, A, A): the strongest intensity of relations of ``rtype`` from actor to partner."""
    out = np.zeros((intensity.shape[0], n_actors, n_actors))
    for k in np.nonzero(rm.rtype == rtype)[0]:
        i, j = rm.source[k], rm.target[k]
        out[:, i, j] = np.maximum(out[:, i, j], intensity[:, k])
    return out


def combat_hostility(intensity: np.ndarray, rm: RelationMaps, n_factions: int) -> np.ndarray:
    """(M, F, F): the strongest hostility between members of two factions, either way."""
    out = np.zeros((intensity.shape[0], n_factions, n_factions))
    for k in np.nonzero(rm.rtype == "hostility")[0]:
        f, g = rm.source_faction[k], rm.target_faction[k]
        if f < 0 or g < 0 or f == g:
            continue
        v = np.maximum(out[:, f, g], np.maximum(intensity[:, k], 0.0))
        out[:, f, g] = v
        out[:, g, f] = np.maximum(out[:, g, f], v)
    return out


@dataclass(frozen=True)
class AirGroups:
    """``combat.air``: each group's flyer (a faction or actor id), the faction it supports, its
    sorties per month (M, G) before ``sortie_factor`` and its strike priority over factions
    (M, G, F)."""

    by: tuple[str, ...]
    supports: np.ndarray  # (G,) faction index
    sorties: np.ndarray  # (M, G)
    priority: np.ndarray  # (M, G, F)

    def slice(self, start, stop):
        return AirGroups(self.by, self.supports, self.sorties[start:stop],
                         self.priority[start:stop])  # fmt: skip


def air_groups(s: Scenario, samples, c: Coords, n: int) -> AirGroups:
    groups = s.combat.air if s.combat else []
    factions = list(c.of("faction"))
    sorties = np.zeros((n, len(groups)))
    priority = np.zeros((n, len(groups), len(factions)))
    for g, a in enumerate(groups):
        if a.parameter is not None:
            per_day = samples[f"factions.{a.by}.parameters.{a.parameter}"]
        else:
            per_day = samples[f"combat.air.{a.id}.sorties_per_day"]
        sorties[:, g] = per_day * DAYS_PER_MONTH
        for enemy in a.priority:
            priority[:, g, factions.index(enemy)] = samples[f"combat.air.{a.id}.priority.{enemy}"]
    supports = np.array([factions.index(a.supports) for a in groups], np.int64)
    return AirGroups(tuple(a.by for a in groups), supports, sorties, priority)


def air_sorties(groups: AirGroups, factor: np.ndarray, forces: np.ndarray) -> np.ndarray:
    """(M, F, R): each air group's sorties × its sortie_factor, on the faction it supports, spread
    over the regions where that faction has fighters in proportion to Σ_e priority_e · X_e there
    (the enemies it strikes first), or to its own fighters where none of them is present."""
    out = np.zeros(forces.shape)
    for g, f in enumerate(groups.supports):
        present = forces[:, f] > 0
        weight = np.einsum("mf,mfr->mr", groups.priority[:, g], forces) * present
        total = weight.sum(axis=1, keepdims=True)
        own = forces[:, f] * present
        weight = np.where(total > 0, weight, own)
        total = weight.sum(axis=1, keepdims=True)
        share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
        out[:, f] += (groups.sorties[:, g] * factor[:, g])[:, None] * share
    return out


def fighting_scope(losses_or_contact: np.ndarray, geo: Geography) -> np.ndarray:
    """(M,): population share of governorates with fighting, a region (M, R) bool counting for its
    governorate (Melander & Öberg 2007: the scope, not the intensity, of fighting)."""
    n_r = geo.home.size
    to_gov = np.zeros((n_r, n_r))
    to_gov[np.arange(n_r), geo.home] = 1.0
    fighting = (np.asarray(losses_or_contact, float) @ to_gov) > 0
    return fighting @ geo.population / geo.population.sum()


def contact(forces: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """(M, R) bool: two mutually hostile factions both have fighters in the region."""
    present = forces > 0
    return np.einsum("mfr,mfg,mgr->mr", present, hostility > 0, present) > 0


def initial_drivers(s: Scenario, samples, c: Coords, n: int) -> dict[str, np.ndarray]:
    """Every driver of :data:`realpolitik.drivers.REGISTRY` at as_of (module docstring)."""
    out = {
        name: np.full(
            (n, *c.shape(name)), NEUTRAL.get(name, -1 if d.dtype == "i8" else np.nan), d.dtype
        )
        for name, d in REGISTRY.items()
    }
    out["acted"][:] = 0.0
    out["settled"][:] = 0.0
    out["office_holder"][:] = [c.of("actor").index(o.holder) for o in s.offices]
    rel = relation_intensity(s, samples, c, n)
    out["relation_intensity"] = rel
    rm = relation_maps(s, c)
    n_actors, n_factions = len(c.of("actor")), len(c.of("faction"))
    out["support"] = strongest(rel, rm, "support", n_actors)
    out["hostility"] = strongest(rel, rm, "hostility", n_actors)
    out["combat_hostility"] = combat_hostility(rel, rm, n_factions)
    out["alignment"] = np.stack(
        [samples.get(f"actors.{a}.alignment", np.full(n, np.nan)) for a in c.of("actor")], 1
    ).reshape(n, len(c.of("actor")))
    if s.regions is not None:
        geo = geography(s)
        control, forces = control0(s, samples, c, n), forces0(s, samples, c, n)
        out["control"], out["forces"] = control, forces
        out["losses"] = np.zeros_like(forces)
        out["territory_share"] = national_shares(control, np.nan_to_num(geo.area), geo.governorate)
        out["territory_trend"] = np.zeros((n, n_factions))
        out["forces_share"] = forces_share(forces)
        out["population_share"] = national_shares(control, geo.population, geo.governorate)
        lev = leverage_spec(s, samples, c, n)
        if lev is not None:
            out["leverage"] = lev.value(
                out["forces_share"], out["population_share"], out["relation_intensity"]
            )
        out["fighting_scope"] = fighting_scope(contact(forces, out["combat_hostility"]), geo)
        out["combat_losses"] = np.zeros(n)
        out["air_sorties"] = air_sorties(
            air_groups(s, samples, c, n), np.ones((n, len(c.of("air_group")))), forces
        )
    return out


def forces_share(forces: np.ndarray) -> np.ndarray:
    """(M, F): each faction's fighters as a share of all fighters (0 when there are none)."""
    per = forces.sum(axis=-1)
    total = per.sum(axis=-1, keepdims=True)
    return np.divide(per, total, out=np.zeros_like(per), where=total > 0)


@dataclass(frozen=True)
class Reference:
    """The base scenario's as_of state, where every reference value x_ref is read."""

    coords: Coords
    drivers: dict[str, np.ndarray]

    def feature(self, spec: str, where: str, path: str) -> np.ndarray:
        """(M,) the feature's value at as_of in the base scenario; refuses a non-finite value."""
        b = features.bind(spec, self.coords, where, path)
        value = b.value(self.drivers, next(iter(self.drivers.values())).shape[0])
        if not np.all(np.isfinite(value)):
            fail(where, path, "driver has no value at as_of (e.g. an actor without `alignment`)",
                 spec)  # fmt: skip
        return value

    def driver(self, name: str, index: int) -> np.ndarray:
        n = next(iter(self.drivers.values())).shape[0]
        return self.drivers[name].reshape(n, -1)[:, index]
