"""Scenario sections for the leadership, Security Council and population engines (issue 7).

Every number is a ``Quantity`` (fixed or a distribution, with provenance) so that it is linted and
sampled like the rest of the scenario; reference-class rates are ``BaseRate`` ({events, exposure,
reference_class}, monthly rate (k + ½)/E). The engines' equations are in
:mod:`realpolitik.engines.politics` and :mod:`realpolitik.engines.population`.
:func:`check_sections` adds the cross-reference checks that pydantic cannot do field by field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field

from .findings import bounded as _bounded
from .findings import ref as _ref
from .quantities import Sourced, as_dist
from .schema import BaseRate, Id, Month, Quantity, Scale

ELECTED = "elected"  # the voter group of the other elected members
POPULATION_SERIES = ("registered-region", "worldwide", "sea-arrivals", "deaths")


class Leadership(Sourced):
    """Leader exit from one office (engines/politics.py, ``LeaderParams``). ``id`` is the office id."""

    id: Id
    coup: BaseRate = Field(description="successful coups (the army route) per country-month")
    exit: BaseRate = Field(description="exits by any other route per leader-month")
    coup_proof_odds: Quantity = Field(description="odds factor of coup-proofing, > 0 (<= 1 lowers)")
    beta_ties: Quantity = Field(
        description="log-odds per unit (0-1) of the army's ties with Russia"
    )
    beta_collapse: Quantity = Field(description="log-odds per percentage point of territory lost")
    lag: int = Field(default=6, ge=1, description="months over which territory loss is measured")
    ties: str = Field(
        description="relation label 'from>to:type[:kind]' whose intensity is the ties at as_of"
    )
    faction: Id = Field(description="the faction whose territory collapse drives exit")
    successor_army: Id
    successor_other: Id
    transition_issue: Id | None = Field(
        default=None, description="issue settled by an exit through the army command"
    )
    settlement_successor: Id | None = Field(
        default=None,
        description="who takes the office when `transition_issue` settles by negotiation while "
        "the as_of holder is still in office",
    )


class DraftType(Sourced):
    """A kind of draft resolution: tabling rate, sponsor (a voter key), compromise ω, escalation γ."""

    id: Id
    base_rate: BaseRate
    sponsor: str
    compromise: Quantity
    escalation_coef: Quantity = 0.0


class Voter(Sourced):
    position: Quantity = Field(description="ideal point on the council scale, 0-100")
    alignment_weight: Quantity = 0.0


class Seat(Sourced):
    """An elected seat held by ``actor`` over [from, to] (months, inclusive) with ``probability``."""

    actor: Id
    from_: Month = Field(alias="from")
    to: Month
    probability: Quantity


class CouncilAct(Sourced):
    """A strategy (vocabulary id) resolved by the council process, taken in a month when: ``veto`` —
    ``actor`` (a permanent member) vetoes a draft (of ``draft_type``, or of any type); ``adopted`` — a
    draft of ``draft_type`` is adopted; ``yes`` — ``actor`` (a voter) votes for a draft of
    ``draft_type`` (the seat holder only while it holds the seat)."""

    id: Id
    actor: Id
    outcome: Literal["veto", "adopted", "yes"]
    draft_type: Id | None = None
    description: str | None = None


class Council(Sourced):
    """The UN Security Council process (engines/politics.py, ``CouncilParams``)."""

    scale: Scale | None = None
    permanent: list[Id] = Field(
        min_length=1, description="the permanent members (actor ids), who hold a veto"
    )
    voters: dict[str, Voter] = Field(
        description="the permanent members by actor id, the seat holder, and `elected` (the other "
        "elected members, voting alike)"
    )
    elected_seats: int = Field(default=10, ge=1, description="elected members on the Council")
    draft_types: list[DraftType]
    precision: Quantity
    abstention: Quantity
    status_quo: Quantity
    escalation: str = Field(
        default="territory-trend:regime", description="registry feature driving draft rates"
    )
    seat: Seat
    acts: list[CouncilAct] = Field(default_factory=list)
    vetoes_series: Id | None = Field(
        default=None, description="a count series of the vetoes cast by `vetoes_by` since the start"
    )
    vetoes_by: Id | None = None


class Stocks(Sourced):
    """Initial stocks (persons) at the start of the run, in engines.population.STOCKS order."""

    resident: Quantity
    idp: Quantity
    registered: Quantity
    unregistered: Quantity
    europe: Quantity
    dead: Quantity


class Population(Sourced):
    """Displacement and deaths (engines/population.py, ``Params``); rates are per month."""

    displace: Quantity
    return_rate: Quantity
    return_calm: Quantity = Field(
        description="monthly return rate of the displaced whose home governorate has no fighting"
    )
    flee: Quantity
    border_open: Quantity
    host_onset: Quantity = Field(
        description="refugees in the region (persons) up to which the neighbours admit at the rate b"
    )
    host_capacity: Quantity = Field(
        description="refugees in the region (persons) at which the neighbours' borders are closed"
    )
    registration: Quantity
    catch_up: Quantity
    lebanon_share: Quantity
    onward: Quantity
    network_elasticity: Quantity
    prevalence_ref: Quantity
    season_amplitude: Quantity
    civilian_rate: Quantity
    sohr_coverage: Quantity
    killed_share: Quantity = Field(
        description="share of the fighters lost (removed from the fight) who are killed"
    )
    non_syrian_share: Quantity
    abroad_other: Quantity
    season_peak: int = Field(default=8, ge=1, le=12)
    lebanon_closed_from: Month
    initial: Stocks
    series: dict[Literal["registered-region", "worldwide", "sea-arrivals", "deaths"], Id] = Field(
        default_factory=dict, description="the scenario series each engine output feeds"
    )


_POP_BOUNDS = {
    "displace": (0, 1),
    "return_rate": (0, 1),
    "return_calm": (0, 1),
    "flee": (0, 1),
    "border_open": (0, 1),
    "host_onset": (0, np.inf),
    "host_capacity": (0, np.inf),
    "registration": (0, 1),
    "catch_up": (0, 1),
    "lebanon_share": (0, 1),
    "onward": (0, 1),
    "network_elasticity": (0, 1),
    "prevalence_ref": (1e-9, 1),
    "season_amplitude": (0, 1),
    "civilian_rate": (0, 1),
    "sohr_coverage": (0, 1),
    "killed_share": (0, 1),
    "non_syrian_share": (0, 0.999),
    "abroad_other": (0, np.inf),
}


def check_sections(s) -> Iterator[tuple]:
    """Findings ``(path, message, value, options)`` for leadership, council, population, feature sds
    and the actions' ``cap_exception`` flags."""
    from ..features import REGISTRY

    actors = set(s.actor_ids())
    factions = {f.id for f in s.factions}
    issues = {i.id for i in s.issues}
    series = {x.id for x in s.series}
    offices = {o.id: o for o in s.offices}
    seen: set[str] = set()
    for i, ld in enumerate(s.leadership):
        p = ("leadership", i)
        if ld.id in seen:
            yield ((*p, "id"), "duplicate office in leadership", ld.id, ())
        seen.add(ld.id)
        yield from _ref((*p, "id"), ld.id, set(offices), "office")
        yield from _ref((*p, "faction"), ld.faction, factions, "faction")
        yield from _ref((*p, "transition_issue"), ld.transition_issue, issues, "issue")
        if ld.settlement_successor is not None and ld.transition_issue is None:
            yield ((*p, "transition_issue"), "a settlement successor needs a `transition_issue`",
                   None, tuple(sorted(issues)))  # fmt: skip
        for f in ("successor_army", "successor_other", "settlement_successor"):
            if getattr(ld, f) is None:
                continue
            yield from _ref((*p, f), getattr(ld, f), actors, "actor")
            office = offices.get(ld.id)
            if office is not None and office.successors and getattr(ld, f) not in office.successors:
                yield (
                    (*p, f),
                    "not a successor of the office",
                    getattr(ld, f),
                    tuple(office.successors),
                )
        yield from _ref((*p, "ties"), ld.ties, set(s.relation_labels()), "relation")
        yield from _bounded((*p, "coup_proof_odds"), ld.coup_proof_odds, 0, np.inf, "odds")
    if s.council is not None:
        yield from _check_council(s, actors, series)
    if s.population is not None:
        pop = s.population
        for name, (lo, hi) in _POP_BOUNDS.items():
            yield from _bounded(("population", name), getattr(pop, name), lo, hi, name)
        onset_hi = as_dist(pop.host_onset).bounds()[1]
        cap_lo = as_dist(pop.host_capacity).bounds()[0]
        if not cap_lo > onset_hi:
            yield (("population", "host_capacity"),
                   "the capacity must exceed the onset in every member (its lowest value above the "
                   "onset's highest)", cap_lo, ())  # fmt: skip
        for name in Stocks.model_fields:
            if name not in Sourced.model_fields:
                q = getattr(pop.initial, name)
                yield from _bounded(("population", "initial", name), q, 0, np.inf, "a stock")
        for role, sid in pop.series.items():
            yield from _ref(("population", "series", role), sid, series, "series")
    for name, q in s.meta.feature_sd.items():
        p = ("meta", "feature_sd", name)
        if name.partition(":")[0] not in REGISTRY:
            yield (p, "unknown feature", name, tuple(REGISTRY))
        yield from _bounded(p, q, 1e-12, np.inf, "a feature sd")
        if not (isinstance(q, Sourced) and q.has_provenance()):
            yield (p, "a feature sd needs its source ({value: …, src: …})", as_dist(q).mean(), ())
    if s.meta.base_rate_prior is not None:
        q = s.meta.base_rate_prior
        yield from _bounded(("meta", "base_rate_prior"), q, 1e-6, 10, "a prior pseudo-count")
        if not (isinstance(q, Sourced) and q.has_provenance()):
            yield (("meta", "base_rate_prior"), "the prior needs its source ({value: …, src: …})",
                   as_dist(q).mean(), ())  # fmt: skip
    for i, a in enumerate(s.actions):
        for j, name in enumerate(a.cap_exception):
            if name not in a.drivers:
                yield (
                    ("actions", i, "cap_exception", j),
                    "not a driver of this action",
                    name,
                    tuple(a.drivers),
                )
    yield from _check_acts(s)


def _check_council(s, actors, series) -> Iterator[tuple]:
    c = s.council
    p = ("council",)
    need = {*c.permanent, c.seat.actor, ELECTED}
    for j, a in enumerate(c.permanent):
        yield from _ref((*p, "permanent", j), a, actors, "actor")
    for key in need - set(c.voters):
        yield ((*p, "voters"), "missing voter", key, tuple(sorted(need)))
    for key, v in c.voters.items():
        if key not in need:
            yield ((*p, "voters", key), "not a council voter", key, tuple(sorted(need)))
        if key != ELECTED:
            yield from _ref((*p, "voters", key), key, actors, "actor")
        yield from _bounded((*p, "voters", key, "position"), v.position, 0, 100, "a position")
    types = [t.id for t in c.draft_types]
    for j, t in enumerate(c.draft_types):
        q = (*p, "draft_types", j)
        if types.index(t.id) != j:
            yield ((*q, "id"), "duplicate draft type", t.id, ())
        if t.sponsor not in c.voters:
            yield ((*q, "sponsor"), "not a council voter", t.sponsor, tuple(c.voters))
        yield from _bounded((*q, "compromise"), t.compromise, 0, 1, "a compromise")
    yield from _bounded((*p, "status_quo"), c.status_quo, 0, 100, "the status quo")
    yield from _bounded((*p, "abstention"), c.abstention, 0, np.inf, "abstention")
    yield from _bounded((*p, "precision"), c.precision, 0, np.inf, "precision")
    yield from _bounded((*p, "seat", "probability"), c.seat.probability, 0, 1, "a probability")
    if c.seat.from_ > c.seat.to:
        yield ((*p, "seat", "to"), "seat ends before it starts", c.seat.to, ())
    yield from _ref((*p, "vetoes_series"), c.vetoes_series, series, "series")
    if (c.vetoes_series is None) != (c.vetoes_by is None):
        yield ((*p, "vetoes_by"), "give both `vetoes_series` and `vetoes_by`", c.vetoes_by, ())
    yield from _ref((*p, "vetoes_by"), c.vetoes_by, set(c.permanent), "permanent member")
    from ..features import REGISTRY

    if c.escalation.partition(":")[0] not in REGISTRY:
        yield ((*p, "escalation"), "unknown feature", c.escalation, tuple(REGISTRY))
    for j, a in enumerate(c.acts):
        q = (*p, "acts", j)
        yield from _ref((*q, "actor"), a.actor, actors, "actor")
        yield from _ref((*q, "draft_type"), a.draft_type, set(types), "draft type")
        if a.outcome in ("adopted", "yes") and a.draft_type is None:
            yield ((*q, "draft_type"), f"a {a.outcome!r} act needs `draft_type`", None, types)
        if a.outcome == "veto" and a.actor not in c.permanent:
            yield ((*q, "actor"), "only a permanent member vetoes", a.actor, tuple(c.permanent))
        if a.outcome == "yes" and a.actor not in (*c.permanent, c.seat.actor):
            yield ((*q, "actor"), "not a voter", a.actor, (*c.permanent, c.seat.actor))


def _check_acts(s) -> Iterator[tuple]:
    """A council act must not also be declared as a game strategy or a hazard action."""
    if s.council is None:
        return
    other = {(a.actor, a.id) for a in s.actions}
    other |= {(pl, st) for g in s.games for pl, sts in g.players.items() for st in sts}
    for j, a in enumerate(s.council.acts):
        if (a.actor, a.id) in other:
            yield (
                ("council", "acts", j, "id"),
                "strategy declared both as a council act and as an action or game strategy",
                a.id,
                (),
            )
