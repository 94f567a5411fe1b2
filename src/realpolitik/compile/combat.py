"""Scenario → the territory engine (engines/combat.py) on the scenario's map.

Structure (shared by all members):

* factions: the scenario's factions, plus ``contested`` when a region's control names it (the
  ``faction`` labels); static factions (``Faction.static``, and ``contested``) never fight;
* regions: ``regions.nodes`` in file order; adjacency and ``border_km`` from ``regions.adjacency``
  plus an edge from each site to its parent; supply nodes and their ``adjacent`` regions from
  ``regions.supply_nodes``; faction f may use node s if f is in s's ``open_to`` or s is in f's
  ``supply_nodes``; bases from ``Faction.bases``;
* population, area, depth and internal front: the mean of each quantity (the map is one for all
  members); a governorate's depth and internal front default to √area; a site with an area is
  treated the same, a point site as a ``combat.site_depth_km`` square; sites hold no population (it
  is counted in the parent).

Per member: control0, forces0 and the hostility matrix are the as_of drivers (:mod:`.asof`);
attrition a_ij = attrition · X_ref^(1 − p − q_ij), with q_ij = 1 for Deitchman area fire (a
conventional firer i on a guerrilla j) and q otherwise, so that at strength X_ref every law loses
``attrition`` fighters per month per enemy fighter; hold_threshold = ``regions.capture_threshold``;
recruitment_rate = ``Faction.recruitment`` (the gross monthly recruitment at as_of) divided by the
residents the faction holds at as_of (0 if unset); every other coefficient from ``combat:``.

Inputs: ``air_sorties``, ``fire_factor``, ``reinforcements``, ``deployments``,
``combat_hostility`` (the drivers of the same names; faction labels are the engine's own).
"""

from __future__ import annotations

import numpy as np

from ..drivers import Put, Take
from ..engines import combat as engine
from ..errors import fail
from ..scenario.schema import Scenario
from . import Draws, EngineSpec
from .asof import geography, mean

_COEFFICIENTS = (
    "csf_decisiveness", "max_advance_km_day", "attack_density", "offensive_ratio",
    "garrison_per_capita",
    "garrison_per_front_km", "supply_decay", "supply_recovery", "siege_fall_rate", "air_m_max",
    "air_s0", "redeploy_rate", "demobilisation_rate",
)  # fmt: skip


def applies(s: Scenario) -> bool:
    return s.combat is not None and s.regions is not None


def structure(s: Scenario) -> dict:
    """The member-independent Params fields (see the module docstring)."""
    factions = s.combat_factions()
    nodes, supply = s.regions.nodes, s.regions.supply_nodes
    regions = [r.id for r in nodes]
    F, R, S = len(factions), len(regions), len(supply)
    ri = {r: i for i, r in enumerate(regions)}
    geo = geography(s)
    is_site = ~geo.governorate
    parent = np.where(is_site, geo.home, -1)
    adjacency, border = np.zeros((R, R), bool), np.zeros((R, R))
    for e in s.regions.adjacency:
        i, j = ri[e.a], ri[e.b]
        adjacency[i, j] = adjacency[j, i] = True
        border[i, j] = border[j, i] = e.border_km or 0.0
    for k in np.nonzero(is_site)[0]:
        adjacency[k, parent[k]] = adjacency[parent[k], k] = True
    site_km = mean(s.combat.site_depth_km)
    area = np.where(np.isnan(geo.area), site_km**2, geo.area)  # a point site: a site_km square
    length = np.where(is_site & np.isnan(geo.area), site_km, np.sqrt(area))
    depth = np.array([mean(r.depth_km, d) for r, d in zip(nodes, length, strict=True)])
    front = np.array([mean(r.internal_front_km, d) for r, d in zip(nodes, length, strict=True)])
    by_id = {f.id: f for f in s.factions}
    base, access = np.zeros((F, R), bool), np.zeros((F, S), bool)
    supply_adjacency = np.zeros((S, R), bool)
    node_index = {n.id: k for k, n in enumerate(supply)}
    for k, node in enumerate(supply):
        supply_adjacency[k, [ri[r] for r in node.adjacent]] = True
        for f in node.open_to:
            access[factions.index(f), k] = True
    for i, f in enumerate(factions):
        faction = by_id.get(f)
        if faction is None:
            continue
        base[i, [ri[r] for r in faction.bases]] = True
        access[i, [node_index[x] for x in faction.supply_nodes]] = True
    return dict(
        factions=tuple(factions),
        regions=tuple(regions),
        supply_nodes=tuple(n.id for n in supply),
        adjacency=adjacency,
        supply_adjacency=supply_adjacency,
        border_km=border,
        internal_front_km=front,
        depth_km=depth,
        area_km2=area,
        population=geo.population,
        is_site=is_site,
        parent=parent,
        guerrilla=np.array([by_id[f].guerrilla if f in by_id else False for f in factions]),
        static=np.array([by_id[f].static if f in by_id else True for f in factions]),
        base=base,
        supply_access=access,
    )


def params(d: Draws) -> engine.Params:
    """Engine Params for the members of ``d`` (see the module docstring)."""
    s, samples, n = d.scenario, d.samples, d.n
    st = structure(s)
    F = len(st["factions"])

    def coef(name):
        return np.asarray(samples[f"combat.{name}"], float)

    p, q = coef("p"), coef("q")
    guerrilla = st["guerrilla"]
    deitchman = guerrilla[None, :] & ~guerrilla[:, None]
    q_ij = np.where(deitchman[None], 1.0, q[:, None, None])
    scale = coef("attrition")[:, None, None]
    x_ref = coef("reference_fighters")[:, None, None]
    attrition = scale * x_ref ** (1.0 - p[:, None, None] - q_ij) * (1.0 - np.eye(F))
    residents = d.drivers0["control"] @ st["population"]  # (M, F) residents held at as_of
    recruitment = np.zeros((n, F))
    for f in s.factions:
        if f.recruitment is not None:
            k = st["factions"].index(f.id)
            if not (residents[:, k] > 0).all():
                fail(
                    d.where,
                    f"factions.{f.id}.recruitment",
                    "a faction that recruits must hold "
                    "residents at as_of (recruitment scales with the residents it holds)",
                    f.id,
                )
            recruitment[:, k] = samples[f"factions.{f.id}.recruitment"] / residents[:, k]
    out = engine.Params(
        **st,
        control0=d.drivers0["control"],
        forces0=d.drivers0["forces"],
        hostility=d.drivers0["combat_hostility"],
        attrition=attrition,
        p=p,
        q=q,
        hold_threshold=np.asarray(samples["regions.capture_threshold"], float),
        **{name: coef(name) for name in _COEFFICIENTS},
        recruitment_rate=recruitment,
        substeps=s.combat.substeps,
    )
    engine.validate(out)
    return out


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    whole = (None,)
    inputs = {
        "air_sorties": Take("air_sorties", (None, None)),
        "fire_factor": Take("fire_factor", whole),
        "reinforcements": Take("reinforcements", whole),
        "deployments": Take("deployments", (None, None)),
        "combat_hostility": Take("combat_hostility", (None, None)),
    }
    outputs = tuple(Put(k, k, (None, None)) for k in ("control", "forces", "losses"))
    return EngineSpec("combat", params(d), inputs, outputs)
