"""What the coupled loop itself needs (realpolitik.simulate): derivations, effects, do(), rules,
series.

* **Effects** (of a hazard act in a month it happens, of a game strategy in the month a player
  adopts it, of an event in its own month) are applied at the start of the next month (an event's:
  of its month). Amounts are sampled per member (key ``…effects.<kind><j>.amount``).
* **do()** (a counterfactual's interventions) becomes the ``intervention`` driver: from the month
  of ``from`` on, +1 (the course is taken) or −1 (never); a later entry for the same course wins.
  Only hazard acts and game strategies can be fixed; a council act cannot (it is an outcome of the
  council's votes: patch the voters instead).
* **Rules**: the ``coupling:`` section, compiled and ordered (:mod:`realpolitik.coupling`).
* **Transitions**: a leader's exit through the army command (``exit_route`` 1) settles the office's
  ``transition_issue`` in that month (and the bargaining engine is told to settle it next month);
  the other way round, a negotiated settlement of that issue hands the office to
  ``settlement_successor`` the next month, if the as_of holder still holds it (:class:`Succession`).
* **Series**: each scenario series comes from one mechanism: a population measure
  (``population.series``), a veto count (``council.vetoes_series``), or a faction's territory change
  (a ``percent-of-syria`` series with ``faction``: start + 100·(share − share at as_of)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .. import coupling, features
from ..engines.population import MEASURE_KINDS, MEASURES
from ..errors import fail
from ..scenario.quantities import Fixed, as_dist
from ..scenario.schema import Do, Scenario
from ..trajectory import course_label, month_index, month_labels
from . import Draws, EngineSpec
from .asof import AirGroups, Geography, RelationMaps, air_groups, geography, relation_maps
from .leverage import LeverageSpec
from .leverage import spec as leverage_spec

TREND_MONTHS = 3


@dataclass(frozen=True)
class Effect:
    """One effect: fired by a course (``on`` 'act' / 'adopt') or in an event's month."""

    on: str  # "act" | "adopt" | "event"
    course: int  # the course index (act, adopt), −1 for an event
    month: int  # the event's month index, −1 otherwise
    kind: str
    target: tuple[int, ...]
    amount: np.ndarray  # (M,)

    def slice(self, start: int, stop: int) -> Effect:
        return Effect(self.on, self.course, self.month, self.kind, self.target,
                      self.amount[start:stop])  # fmt: skip


@dataclass(frozen=True)
class Succession:
    """A leadership's ``settlement_successor``: when ``issue`` settles while ``incumbent`` still
    holds ``office``, the successor takes it the next month (an ``office`` effect)."""

    office: int
    issue: int
    incumbent: int
    effect: Effect  # kind "office", target (office, successor)

    def slice(self, start: int, stop: int) -> Succession:
        return Succession(self.office, self.issue, self.incumbent,
                          self.effect.slice(start, stop))  # fmt: skip


@dataclass(frozen=True)
class SeriesSource:
    """Where a series comes from: ``population`` measure k, ``vetoes`` of voter k, or ``territory``
    of faction k (start + 100·(share − reference))."""

    kind: str
    index: int
    start: np.ndarray  # (M,)
    reference: np.ndarray  # (M,)

    def slice(self, start: int, stop: int) -> SeriesSource:
        return SeriesSource(self.kind, self.index, self.start[start:stop],
                            self.reference[start:stop])  # fmt: skip


@dataclass(frozen=True)
class Loop:
    months: tuple[str, ...]
    geography: Geography | None
    relations: RelationMaps
    air: AirGroups | None
    effects: tuple[Effect, ...]
    intervention: np.ndarray  # (T, C) int8
    initially_held: np.ndarray  # (C,) bool: game strategies held at as_of
    rules: tuple[coupling.CompiledRule, ...]  # in application order
    series: tuple[SeriesSource, ...]  # in the scenario's series order
    transitions: tuple[tuple[int, int], ...] = ()  # (office, issue): an army-route exit settles
    successions: tuple[Succession, ...] = ()  # a negotiated settlement hands the office over
    leverage: LeverageSpec | None = None  # the leverage driver's weights and maps

    def slice(self, start: int, stop: int) -> Loop:
        return Loop(
            self.months, self.geography, self.relations,
            self.air.slice(start, stop) if self.air is not None else None,
            tuple(e.slice(start, stop) for e in self.effects), self.intervention,
            self.initially_held, tuple(r.slice(start, stop) for r in self.rules),
            tuple(x.slice(start, stop) for x in self.series), self.transitions,
            successions=tuple(x.slice(start, stop) for x in self.successions),
            leverage=self.leverage.slice(start, stop) if self.leverage is not None else None,
        )  # fmt: skip


def months(s: Scenario) -> tuple[str, ...]:
    start = s.meta.start or f"{s.meta.as_of:%Y-%m}"
    if s.meta.end is None:
        fail(s.meta.id, "meta.end", "a simulation needs `meta.end` (the last month)")
    return tuple(str(x) for x in month_labels(start, s.meta.end))


def _effects(d: Draws, labels: list[str]) -> list[Effect]:
    s, n, c = d.scenario, d.n, d.coords
    first = months(s)[0]
    out = []
    sources = []
    for a in s.actions:
        for j, e in enumerate(a.effects):
            key = f"actions.{a.id}.effects"
            sources.append(("act", course_label(a.actor, a.id), -1, e, key, j))
    for g in s.games:
        for strategy, effects in g.effects.items():
            actor = next(p for p, sts in g.players.items() if strategy in sts)
            for j, e in enumerate(effects):
                key = f"games.{g.id}.effects.{strategy}"
                sources.append(("adopt", course_label(actor, strategy), -1, e, key, j))
    for ev in s.events:
        for j, e in enumerate(ev.effects):
            month = month_index(first, f"{ev.date:%Y-%m}")
            sources.append(("event", None, month, e, f"events.{ev.id}.effects", j))
    for on, course, month, e, key, j in sources:
        path = f"{key}[{j}]"
        amount = d.samples[f"{key}.{e.kind}{j}.amount"] if e.amount is not None else np.zeros(n)
        if e.kind == "forces":
            target = (c.of("faction").index(e.faction),
                      c.of("region").index(e.region) if e.region else -1)  # fmt: skip
        elif e.kind == "relation":
            target = (c.of("relation").index(e.relation_label), int(e.relation == "propensity"))
        elif e.kind == "sorties":
            groups = [
                g for g, by in enumerate(c.of("air_group")) if s.combat.air[g].by == e.faction
            ]
            if not groups:
                fail(d.where, f"{path}.faction", "no air group is flown by this faction", e.faction,
                     tuple({a.by for a in s.combat.air}) if s.combat else ())  # fmt: skip
            target = tuple(groups)
        elif e.kind == "series":
            roles = s.population.series if s.population else {}
            if roles.get("sea-arrivals") != e.series:
                fail(
                    d.where,
                    f"{path}.series",
                    "only the sea-arrivals series' flow can be scaled",
                    e.series,
                    (roles.get("sea-arrivals"),) if "sea-arrivals" in roles else (),
                )
            target = ()
        elif e.kind == "settle":
            target = (c.of("issue").index(e.issue),)
        elif e.kind == "office":
            target = (c.of("office").index(e.office), c.of("actor").index(e.actor))
        else:  # salience
            target = (c.of("issue").index(e.issue), c.of("actor").index(e.actor))
        idx = labels.index(course) if course is not None else -1
        out.append(Effect(on, idx, month, e.kind, target, np.asarray(amount, float)))
    return out


def _interventions(d: Draws, dos: tuple[Do, ...], n_months: int) -> np.ndarray:
    s = d.scenario
    labels = list(d.coords.of("course"))
    out = np.zeros((n_months, len(labels)), np.int8)
    council = {(a.actor, a.id) for a in s.council.acts} if s.council else set()
    first = months(s)[0]
    for j, do in enumerate(dos):
        if (do.actor, do.strategy) in council:
            fail(
                d.where,
                f"do[{j}].strategy",
                "a council act cannot be fixed by do(): it is the "
                "outcome of the votes (patch the council's voters instead)",
                do.strategy,
            )
        k = labels.index(course_label(do.actor, do.strategy))
        out[max(0, month_index(first, f"{do.from_:%Y-%m}")) :, k] = 1 if do.value else -1
    return out


def _series(d: Draws, engines: dict[str, EngineSpec]) -> list[SeriesSource]:
    s, n = d.scenario, d.n
    roles = {sid: role for role, sid in (s.population.series.items() if s.population else ())}
    council = s.council
    out = []
    for i, x in enumerate(s.series):
        path = f"series[{i}]"
        start = np.asarray(d.samples[f"series.{x.id}.start"], float)
        if x.id in roles and "population" in engines:
            k = MEASURES.index(roles[x.id])
            if MEASURE_KINDS[k] != x.kind:
                fail(d.where, f"{path}.kind", f"the population measure {roles[x.id]!r} is a "
                     f"{MEASURE_KINDS[k]}", x.kind, (MEASURE_KINDS[k],))  # fmt: skip
            out.append(SeriesSource("population", k, start, np.zeros(n)))
        elif council is not None and x.id == council.vetoes_series and "politics" in engines:
            voters = engines["politics"].params.council.voters
            out.append(SeriesSource("vetoes", voters.index(council.vetoes_by), start, np.zeros(n)))
        elif x.unit == "percent-of-syria" and x.faction is not None and "combat" in engines:
            f = d.coords.of("faction").index(x.faction)
            ref = 100.0 * d.x_ref(f"territory-share:{x.faction}", f"{path}.faction")
            out.append(SeriesSource("territory", f, start, ref))
        else:
            fail(
                d.where,
                f"{path}.id",
                "no mechanism produces this series (a population role, "
                "the council's vetoes_series, or a percent-of-syria series with `faction`)",
                x.id,
            )
    return out


def _rules(d: Draws) -> list[coupling.CompiledRule]:
    s = d.scenario
    try:
        order = coupling.order(s.coupling, d.coords)
    except ValueError as exc:  # the loader reports it located; this guards compiled inputs
        fail(d.where, "coupling", "a cycle of same-month rules", str(exc))
    out = []
    for i in order:
        r = s.coupling[i]
        path = f"coupling[{i}]"
        reads = features.bind(r.reads, d.coords, d.where, f"{path}.reads")
        out.append(
            coupling.CompiledRule(
                id=r.id,
                reads=reads,
                form=r.form,
                magnitude=np.asarray(d.samples[f"coupling.{r.id}.magnitude"], float),
                reference=d.x_ref(r.reads, f"{path}.reads")
                if r.reference == "as_of"
                else np.zeros(d.n),
                targets=coupling.targets(r, d.coords, d.where, path),
                cap=tuple(r.cap) if r.cap else None,
                lag=r.lag,
            )
        )
    return out


def _initially_held(d: Draws) -> np.ndarray:
    labels = list(d.coords.of("course"))
    out = np.zeros(len(labels), bool)
    for g in d.scenario.games:
        for actor, strategy in g.initial.items():
            out[labels.index(course_label(actor, strategy))] = True
    return out


def compile_loop(d: Draws, engines: dict[str, EngineSpec], dos: tuple[Do, ...]) -> Loop:
    s = d.scenario
    labels = list(d.coords.of("course"))
    ms = months(s)
    return Loop(
        months=ms,
        geography=geography(s) if s.regions is not None else None,
        relations=relation_maps(s, d.coords),
        air=air_groups(s, d.samples, d.coords, d.n) if "combat" in engines else None,
        effects=tuple(_effects(d, labels)),
        intervention=_interventions(d, tuple(dos), len(ms)),
        initially_held=_initially_held(d),
        rules=tuple(_rules(d)),
        series=tuple(_series(d, engines)),
        transitions=tuple(
            (d.coords.of("office").index(ld.id), d.coords.of("issue").index(ld.transition_issue))
            for ld in s.leadership
            if ld.transition_issue is not None and "politics" in engines
        ),
        leverage=leverage_spec(s, d.samples, d.coords, d.n) if "combat" in engines else None,
        successions=tuple(_successions(d, engines)),
    )


def _successions(d: Draws, engines: dict[str, EngineSpec]) -> list[Succession]:
    s, c = d.scenario, d.coords
    if "politics" not in engines or "bargaining" not in engines:
        return []
    holders = {o.id: o.holder for o in s.offices}
    out = []
    for ld in s.leadership:
        if ld.settlement_successor is None:
            continue
        o = c.of("office").index(ld.id)
        target = (o, c.of("actor").index(ld.settlement_successor))
        effect = Effect("event", -1, -1, "office", target, np.zeros(d.n))
        out.append(Succession(o, c.of("issue").index(ld.transition_issue),
                              c.of("actor").index(holders[ld.id]), effect))  # fmt: skip
    return out


def layout(s: Scenario, coords) -> dict:
    """The trajectory's layout (realpolitik.trajectory.layout and trajectory_attrs arguments)."""
    nodes = s.regions.nodes if s.regions else []
    geo = geography(s) if s.regions else None
    regions = {
        r.id: {
            "kind": "governorate" if r.kind == "governorate" else "site",
            "parent": r.parent,
            "area": None if np.isnan(geo.area[k]) else float(geo.area[k]),
            "population": float(as_dist(r.population).mean()) if r.population is not None
            else None,
        }
        for k, r in enumerate(nodes)
    }  # fmt: skip
    threshold = s.regions.capture_threshold if s.regions else 0.5
    if not isinstance(threshold, float | int | Fixed):
        fail(s.meta.id, "regions.capture_threshold", "must be a fixed value: the trajectory's "
             "resolvers read one threshold", as_dist(threshold).mean())  # fmt: skip
    return {
        "end": s.meta.end,
        "factions": list(coords.of("faction")),
        "regions": regions,
        "offices": list(coords.of("office")),
        "issues": list(coords.of("issue")),
        "actors": list(coords.of("actor")),
        "courses": s.courses(),
        "series": {x.id: {"unit": x.unit, "kind": x.kind} for x in s.series},
        "actor_faction": json.loads(json.dumps(s.faction_of())),
        "capture_threshold": float(as_dist(threshold).mean()),
        "area_basis": s.meta.area_basis or "",
    }
