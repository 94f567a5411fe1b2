"""Scenario → :class:`realpolitik.engines.combat.Params` (the territory engine on the scenario's map).

Structure (shared by all members):

* factions: the scenario's factions, plus ``contested`` when a region's control names it; static
  factions (``Faction.static``, and ``contested``) never fight;
* regions: ``regions.nodes`` in file order; adjacency and ``border_km`` from ``regions.adjacency``
  plus an edge from each site to its parent; supply nodes and their ``adjacent`` regions from
  ``regions.supply_nodes``; faction f may use node s if f is in s's ``open_to`` or s is in f's
  ``supply_nodes``; bases from ``Faction.bases``;
* population, depth and internal front: the mean of each quantity (the map is one for all members);
  a governorate's depth and internal front default to √area, a site's to ``combat.site_depth_km``;
  sites hold no population (it is counted in the parent).

Per member (the sampled draws):

* control0 from the regions' Dirichlet control draws (sites included), renormalised to sum 1;
* forces0 = Σ of the deployments' ``fighters`` per (faction, region);
* hostility h_fg = max over hostility relations between a member of f and a member of g, in
  either direction, of their intensity (combat is mutual: a faction that is attacked fires back);
  actors outside every faction are ignored; zero diagonal;
* attrition a_ij = attrition · X_ref^(1 − p − q_ij), with q_ij = 1 for Deitchman area fire (a
  conventional firer i on a guerrilla j) and q otherwise, so that at strength X_ref every law loses
  ``attrition`` fighters per month per enemy fighter;
* hold_threshold = ``regions.capture_threshold``; recruitment = ``Faction.recruitment`` (0 if unset);
  every other coefficient from the ``combat:`` block.

:func:`air_sorties` gives the ``air_sorties`` driver (M, F) [sorties/month] from ``combat.air``.
"""

from __future__ import annotations

import numpy as np

from ..engines import combat as engine
from ..scenario.checks import CONTESTED
from ..scenario.quantities import as_dist
from ..scenario.schema import Scenario

_COEFFICIENTS = (
    "csf_decisiveness", "max_advance_km_day", "offensive_ratio", "garrison_per_capita",
    "garrison_per_front_km", "supply_decay", "supply_recovery", "siege_fall_rate", "air_m_max",
    "air_s0", "redeploy_rate",
)  # fmt: skip


def _mean(q, default=0.0) -> float:
    return default if q is None else float(as_dist(q).mean())


def faction_ids(s: Scenario) -> list[str]:
    ids = [f.id for f in s.factions]
    used = {k for r in s.regions.nodes if r.control is not None for k in r.control.mean_}
    return ids + [CONTESTED] if CONTESTED in used else ids


def structure(s: Scenario) -> dict:
    """The member-independent Params fields (see the module docstring)."""
    if s.combat is None or s.regions is None:
        raise ValueError("the scenario needs `regions` and `combat` sections for the combat engine")
    factions = faction_ids(s)
    nodes, supply = s.regions.nodes, s.regions.supply_nodes
    regions = [r.id for r in nodes]
    F, R, S = len(factions), len(regions), len(supply)
    ri = {r: i for i, r in enumerate(regions)}
    parent = np.array([ri[r.parent] if r.parent else -1 for r in nodes])
    is_site = parent >= 0
    adjacency, border = np.zeros((R, R), bool), np.zeros((R, R))
    for e in s.regions.adjacency:
        i, j = ri[e.a], ri[e.b]
        adjacency[i, j] = adjacency[j, i] = True
        border[i, j] = border[j, i] = e.border_km or 0.0
    for k in np.nonzero(is_site)[0]:
        adjacency[k, parent[k]] = adjacency[parent[k], k] = True
    site_km = _mean(s.combat.site_depth_km)
    length = np.array(
        [
            site_km if site else np.sqrt(_mean(r.area_km2))
            for r, site in zip(nodes, is_site, strict=True)
        ]
    )
    depth = np.array([_mean(r.depth_km, d) for r, d in zip(nodes, length, strict=True)])
    front = np.array([_mean(r.internal_front_km, d) for r, d in zip(nodes, length, strict=True)])
    population = np.where(is_site, 0.0, [_mean(r.population) for r in nodes])
    by_id = {f.id: f for f in s.factions}
    base, access = np.zeros((F, R), bool), np.zeros((F, S), bool)
    supply_adjacency = np.zeros((S, R), bool)
    for k, node in enumerate(supply):
        supply_adjacency[k, [ri[r] for r in node.adjacent]] = True
        for f in node.open_to:
            access[factions.index(f), k] = True
    for i, f in enumerate(factions):
        faction = by_id.get(f)
        if faction is None:
            continue
        base[i, [ri[r] for r in faction.bases]] = True
        access[
            i, [next(k for k, n in enumerate(supply) if n.id == x) for x in faction.supply_nodes]
        ] = True
    return dict(
        factions=tuple(factions),
        regions=tuple(regions),
        supply_nodes=tuple(n.id for n in supply),
        adjacency=adjacency,
        supply_adjacency=supply_adjacency,
        border_km=border,
        internal_front_km=front,
        depth_km=depth,
        population=population,
        is_site=is_site,
        parent=parent,
        guerrilla=np.array([by_id[f].guerrilla if f in by_id else False for f in factions]),
        static=np.array([by_id[f].static if f in by_id else True for f in factions]),
        base=base,
        supply_access=access,
    )


def hostility(s: Scenario, samples: dict[str, np.ndarray], factions, n_members: int) -> np.ndarray:
    """(M, F, F): max intensity of the hostility relations between the factions' members, either way."""
    from ..scenario.walk import relation_label

    owner = s.faction_of()
    h = np.zeros((n_members, len(factions), len(factions)))
    for r in s.relations:
        f, g = owner.get(r.from_), owner.get(r.to)
        if r.type != "hostility" or f is None or g is None or f == g:
            continue
        i, j = factions.index(f), factions.index(g)
        value = samples[f"relations.{relation_label(r)}.intensity"]
        h[:, i, j] = np.maximum(h[:, i, j], value)
        h[:, j, i] = np.maximum(h[:, j, i], value)
    return h


def compile_combat(s: Scenario, samples: dict[str, np.ndarray], n_members: int) -> engine.Params:
    """Engine Params for the members whose draws are ``samples`` (see the module docstring)."""
    st = structure(s)
    factions, regions = list(st["factions"]), list(st["regions"])
    M, F, R = n_members, len(factions), len(regions)
    control = np.zeros((M, F, R))
    for k, node in enumerate(s.regions.nodes):
        for f in node.control.mean_ if node.control is not None else ():
            control[:, factions.index(f), k] = samples[f"regions.nodes.{node.id}.control.{f}"]
    total = control.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        missing = [regions[k] for k in np.nonzero((total <= 0).any(axis=(0, 1)))[0]]
        raise ValueError(f"regions without control shares: {missing}")
    control /= total
    forces = np.zeros((M, F, R))
    for d in s.regions.deployments:
        key = f"regions.deployments.{d.faction}@{d.region}.fighters"
        forces[:, factions.index(d.faction), regions.index(d.region)] += samples[key]
    h = hostility(s, samples, factions, M)

    def coef(name):
        return np.asarray(samples[f"combat.{name}"], float)

    p, q = coef("p"), coef("q")
    guerrilla = st["guerrilla"]
    deitchman = guerrilla[None, :] & ~guerrilla[:, None]
    q_ij = np.where(deitchman[None], 1.0, q[:, None, None])
    scale = coef("attrition")[:, None, None]
    x_ref = coef("reference_fighters")[:, None, None]
    attrition = scale * x_ref ** (1.0 - p[:, None, None] - q_ij) * (1.0 - np.eye(F))
    recruitment = np.zeros((M, F))
    for f in s.factions:
        if f.recruitment is not None:
            recruitment[:, factions.index(f.id)] = samples[f"factions.{f.id}.recruitment"]
    params = engine.Params(
        **st,
        control0=control,
        forces0=forces,
        hostility=h,
        attrition=attrition,
        p=p,
        q=q,
        hold_threshold=np.asarray(samples["regions.capture_threshold"], float),
        **{name: coef(name) for name in _COEFFICIENTS},
        recruitment=recruitment,
        substeps=s.combat.substeps,
    )
    engine.validate(params)
    return params


def air_sorties(s: Scenario, samples: dict[str, np.ndarray], params: engine.Params) -> np.ndarray:
    """The ``air_sorties`` driver (M, F) [sorties/month]: Σ of the ``combat.air`` entries per
    supported faction, sorties per day × 30.44."""
    out = np.zeros((params.n_members, len(params.factions)))
    for a in s.combat.air:
        if a.parameter is not None:
            per_day = samples[f"factions.{a.by}.parameters.{a.parameter}"]
        else:
            per_day = samples[f"combat.air.{a.id}.sorties_per_day"]
        out[:, params.factions.index(a.supports)] += per_day * engine.DAYS_PER_MONTH
    return out
