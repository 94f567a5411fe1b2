"""The scenario language: pydantic v2 models, ``extra="forbid"`` everywhere.

Only ``meta``, ``actors`` and ``issues`` are required, so a small bargaining data set is a valid
scenario. Cross-references (ids that must exist, trees, dates in order, shares summing to 1) are
checked after parsing by :mod:`realpolitik.scenario.checks`, with file:line:column for each problem.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .quantities import (
    Beta,
    Citation,
    Dirichlet,
    Fixed,
    Gamma,
    Judgement,
    LogNormal,
    Normal,
    Sourced,
    Strict,
    Triangular,
    TruncNormal,
    Uniform,
)

SCHEMA_VERSION = 1

DIST_TYPES = {
    "uniform": Uniform,
    "triangular": Triangular,
    "normal": Normal,
    "truncnormal": TruncNormal,
    "lognormal": LogNormal,
    "beta": Beta,
    "gamma": Gamma,
}
_QUANTITY_TYPES = (Fixed, *DIST_TYPES.values())


def _flatten_errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    return "; ".join(parts)


def _parse_quantity(v: Any):
    """A number, ``{value: …}`` or ``{dist: …}``; errors say which distributions exist."""
    if isinstance(v, _QUANTITY_TYPES):
        return v
    if isinstance(v, bool):
        raise PydanticCustomError("quantity", "expected a number or a distribution, got a boolean")
    if isinstance(v, int | float):
        if not np.isfinite(v):
            raise PydanticCustomError(
                "quantity", "must be a finite number (NaN/inf are not allowed)"
            )
        return float(v)
    if isinstance(v, dict):
        if "dist" in v:
            cls = DIST_TYPES.get(v["dist"]) if isinstance(v["dist"], str) else None
            if cls is None:
                raise PydanticCustomError(
                    "quantity",
                    "unknown distribution '{dist}'; valid: {valid}",
                    {"dist": v["dist"], "valid": ", ".join(DIST_TYPES)},
                )
        elif "value" in v:
            cls = Fixed
        else:
            raise PydanticCustomError(
                "quantity",
                "expected a number, {{value: …}} or {{dist: …}} (one of {valid})",
                {"valid": ", ".join(DIST_TYPES)},
            )
        try:
            return cls.model_validate(v)
        except ValidationError as exc:
            raise PydanticCustomError(
                "quantity",
                "malformed {kind}: {detail}",
                {"kind": v.get("dist", "value"), "detail": _flatten_errors(exc)},
            ) from None
    raise PydanticCustomError(
        "quantity", "expected a number or a distribution, got {t}", {"t": type(v).__name__}
    )


Quantity = Annotated[Any, BeforeValidator(_parse_quantity)]
"""A number, a sourced fixed value (``{value: …}``) or a distribution (``{dist: …}``)."""

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_id(v: str) -> str:
    if not _ID.match(v):
        raise PydanticCustomError(
            "id", "ids are kebab-case (lowercase letters, digits and '-'), got '{v}'", {"v": v}
        )
    return v


Id = Annotated[str, AfterValidator(_check_id)]


def _parse_month(v: Any) -> str:
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
        return v
    raise PydanticCustomError("month", "expected a month as YYYY-MM, got '{v}'", {"v": v})


Month = Annotated[str, BeforeValidator(_parse_month)]

Level = Literal["international", "regional", "local"]
ActorKind = Literal[
    "state",
    "alliance",
    "organisation",
    "bloc",
    "person",
    "government",
    "armed-group",
    "institution",
]
Unit = str  # checked in checks.py: persons | persons-per-calendar-year | count-since-YYYY-MM-DD | percent-of-syria


class Meta(Strict):
    id: Id
    title: str
    schema_version: Literal[1] = SCHEMA_VERSION
    as_of: dt.date = Field(description="knowledge cut-off: nothing measured after it may be used")
    start: Month | None = None
    end: Month | None = None
    area_basis: Literal["official-cbs", "polygon"] | None = None
    seed_file: str | None = Field(
        default=None, description="the analysis, relative to the scenario file"
    )
    description: str | None = None
    feature_sd: dict[str, Quantity] = Field(
        default_factory=dict,
        description="assumed sd of each hazard driver (feature name or spec), for the doubling cap",
    )
    base_rate_prior: Quantity | None = Field(
        default=None,
        description="pseudo-events a added to every reference class: rate ~ Gamma(k + a, E); "
        "½ (Jeffreys) when absent",
    )


class SourceEntry(Strict):
    """A named source that values refer to with ``src: <id>``: exactly one of cite / judgement."""

    cite: Citation | None = None
    judgement: Judgement | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.cite is None) == (self.judgement is None):
            raise ValueError("a source has exactly one of `cite` or `judgement`")
        return self


class Actor(Sourced):
    id: Id
    name: str | None = None
    level: Level
    kind: ActorKind = "state"
    capabilities: dict[str, Quantity] = Field(default_factory=dict)
    alignment: Quantity | None = Field(
        default=None, description="0 = with the United States … 1 = with Russia"
    )
    ideal_point: Quantity | None = Field(
        default=None,
        description="UN General Assembly ideal point (Bailey, Strezhnev & Voeten 2017)",
    )
    description: str | None = None


class Faction(Sourced):
    """Armed actors fighting as one side. ``bases`` are regions whose supply never fails."""

    id: Id
    name: str | None = None
    members: list[Id] = Field(default_factory=list)
    bases: list[Id] = Field(default_factory=list)
    supply_nodes: list[Id] = Field(default_factory=list)
    guerrilla: bool = False
    parameters: dict[str, Quantity] = Field(default_factory=dict)
    recruitment: Quantity | None = Field(
        default=None, description="combat: new fighters per month, gross [persons/month]"
    )
    static: bool = Field(
        default=False, description="combat: shares frozen, never fights (e.g. an occupied zone)"
    )


SupportKind = Literal[
    "air", "ground", "advisers", "arms", "financial", "diplomatic", "humanitarian", "intelligence"
]


class Relation(Sourced):
    """A typed, directed relation. ``support`` has a kind; ``intensity`` is on 0–1."""

    from_: Id = Field(alias="from")
    to: Id
    type: Literal["support", "hostility", "alliance", "propensity"]
    kind: SupportKind | None = None
    intensity: Quantity = 1.0
    since: dt.date | None = None

    @property
    def label(self) -> str:
        """The relation's stable name: ``from>to:type`` plus ``:kind`` when it has one (its key for
        merge patches, random numbers and the ``relation`` dim of the drivers)."""
        return relation_label(self.from_, self.to, self.type, self.kind)


def relation_label(source: str, target: str, rtype: str, kind: str | None = None) -> str:
    return f"{source}>{target}:{rtype}" + (f":{kind}" if kind else "")


class Scale(Strict):
    low: str = Field(description="what 0 means")
    high: str = Field(description="what 100 means")


class Stance(Sourced):
    position: Quantity
    salience: Quantity
    capability: Quantity | None = None


class BaseRate(Sourced):
    """A reference-class base rate: monthly rate (k + ½)/exposure (Jeffreys), exposure in months."""

    events: int = Field(ge=0)
    exposure: float = Field(gt=0, description="exposure in months (units × months at risk)")
    reference_class: str = Field(min_length=5)

    @property
    def rate(self) -> float:
        return (self.events + 0.5) / self.exposure


class Settlement(Sourced):
    rule: Literal["hazard", "band"] = "hazard"
    base_rate: BaseRate | None = None
    slope: Quantity | None = None
    band: Quantity | None = None
    min_outcome: Quantity | None = Field(
        default=None,
        description="the issue settles only while its outcome is at least this (0-100): an "
        "agreement on what the scale's high end names (e.g. a transition that replaces Assad)",
    )


class Issue(Sourced):
    id: Id
    name: str | None = None
    scale: Scale | None = None
    capability: str | None = Field(
        default=None,
        description="actor capability key used when a stance gives none, or `leverage`: the "
        "actor's leverage in the war, recomputed every month (the `leverage` section)",
    )
    veto_players: list[Id] = Field(default_factory=list)
    positions: dict[Id, Stance]
    settlement: Settlement | None = None


class Office(Sourced):
    id: Id
    name: str | None = None
    holder: Id
    successors: list[Id] = Field(default_factory=list)


ControlShares = Annotated[Any, BeforeValidator(lambda v: _parse_control(v))]


def _parse_control(v: Any):
    if isinstance(v, Dirichlet):
        return v
    if isinstance(v, dict) and v.get("dist") == "dirichlet":
        try:
            return Dirichlet.model_validate(v)
        except ValidationError as exc:
            raise PydanticCustomError(
                "control", "malformed dirichlet: {d}", {"d": _flatten_errors(exc)}
            ) from None
    if isinstance(v, dict):
        shares = {}
        for k, x in v.items():
            if isinstance(x, bool) or not isinstance(x, int | float) or not np.isfinite(x) or x < 0:
                raise PydanticCustomError(
                    "control", "share of '{k}' must be a number >= 0, got {x}", {"k": k, "x": x}
                )
            shares[k] = float(x)
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise PydanticCustomError(
                "control",
                "control shares must sum to 1, they sum to {s}",
                {"s": f"{sum(shares.values()):.6g}"},
            )
        return Dirichlet(dist="dirichlet", mean=shares, concentration=1e12)
    raise PydanticCustomError("control", "expected shares {{faction: share}} or a dirichlet", {})


class Region(Sourced):
    id: Id
    name: str | None = None
    kind: Literal["governorate", "city", "enclave", "corridor", "site"] = "governorate"
    parent: Id | None = None
    area_km2: Quantity | None = None
    point: bool = False
    population: Quantity | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    control: ControlShares | None = None
    depth_km: Quantity | None = Field(
        default=None, description="combat: depth an advance covers to take it all (default √area)"
    )
    internal_front_km: Quantity | None = Field(
        default=None, description="combat: front inside it if shared with an enemy (default √area)"
    )


class Adjacency(Strict):
    a: Id
    b: Id
    border_km: float | None = Field(default=None, gt=0)


class SupplyNode(Sourced):
    """An external supply node (a border crossing region): adjacent regions, factions it supplies."""

    id: Id
    name: str | None = None
    adjacent: list[Id]
    open_to: list[Id] = Field(default_factory=list)


class Deployment(Sourced):
    faction: Id
    region: Id
    fighters: Quantity


class Regions(Sourced):
    nodes: list[Region]
    adjacency: list[Adjacency] = Field(default_factory=list)
    supply_nodes: list[SupplyNode] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    capture_threshold: Quantity = 0.5


EffectKind = Literal["forces", "relation", "series", "settle", "office", "salience", "sorties"]


class Effect(Sourced):
    """What an act, a game strategy or an event does when it happens, applied by the coupled
    simulation at the start of the next month (an event's: in its own month):

    * ``forces``: ``amount`` fighters join (> 0) or leave (< 0) ``faction``: in ``region`` if given;
      else joining fighters are spread over its supplied regions and leaving ones leave every region
      in proportion to its fighters there;
    * ``relation``: the intensity of ``actor>target:relation[:relation_kind]`` changes by ``amount``
      (a relation not declared starts at 0);
    * ``sorties``: the sortie rate of every air group flown by ``faction`` is multiplied by
      1 + ``amount``;
    * ``series``: the flow feeding ``series`` (the onward migration of sea arrivals) is multiplied
      by 1 + ``amount``;
    * ``settle``: ``issue`` is settled; ``office``: ``actor`` takes ``office``;
    * ``salience``: ``actor``'s salience on ``issue`` changes by ``amount``.
    """

    kind: EffectKind
    faction: Id | None = None
    region: Id | None = None
    actor: Id | None = None
    target: Id | None = None
    issue: Id | None = None
    series: Id | None = None
    office: Id | None = None
    relation: Literal["support", "hostility", "alliance", "propensity"] | None = None
    relation_kind: SupportKind | None = None
    amount: Quantity | None = None

    @property
    def relation_label(self) -> str:
        return relation_label(self.actor, self.target, self.relation, self.relation_kind)


class Payoff(Sourced):
    """u_player(strategy | against) = constant + Σ coefficient·feature (features from the fixed registry)."""

    player: Id
    strategy: Id
    against: dict[Id, Id] = Field(default_factory=dict)
    constant: Quantity = 0.0
    features: dict[str, Quantity] = Field(default_factory=dict)


class Game(Sourced):
    id: Id
    name: str | None = None
    players: dict[Id, list[Id]]
    lambda_: Quantity = Field(alias="lambda")
    switch_prob: Quantity
    initial: dict[Id, Id] = Field(
        default_factory=dict, description="each player's strategy at the start"
    )
    payoffs: list[Payoff] = Field(default_factory=list)
    effects: dict[Id, list[Effect]] = Field(
        default_factory=dict, description="what adopting a strategy does, by strategy id"
    )

    @field_validator("players")
    @classmethod
    def _players(cls, v):
        for player, strategies in v.items():
            if len(strategies) < 2:
                raise ValueError(f"player {player!r} needs at least two strategies")
            if len(set(strategies)) != len(strategies):
                raise ValueError(f"player {player!r} lists a strategy twice")
        return v


class AlignmentModel(Sourced):
    """Settings of the landscape / heat-bath alignment model (engines/alignment.py).

    Players are ``players`` (default: every actor with an ``alignment`` value); a player's size is its
    first capability named in ``size``; the
    initial propensity p_ij is ``weights[ideal_point]``·(1 − 2|x_i − x_j|/R) with x the actors'
    ``ideal_point`` and R = ``ideal_point_range`` where both actors have one and R is declared, else
    (the stand-in) ``weights[ideal_point]``·(1 − 2|a_i − a_j|) on the initial alignments a; plus Σ over
    the declared relations between i and j (either direction) of ``weights[type]``·intensity, clipped
    to [−1, 1]; ``anchors`` pin actors to camp ``A`` (with the United States) or ``B`` (with Russia).
    """

    players: list[Id] = Field(default_factory=list)
    size: list[str] = Field(
        min_length=1, description="capabilities used as size s_i, first present wins"
    )
    beta: Quantity = Field(description="inverse temperature per unit of size²")
    ideal_point_range: Quantity | None = Field(
        default=None,
        description="R: range of the UNGA ideal points over all UN members that session",
    )
    weights: dict[Literal["ideal_point", "propensity", "alliance", "support", "hostility"], float]
    anchors: dict[Id, Literal["A", "B"]]
    sweeps: int = Field(default=1, ge=1, le=100)
    eta_support: Quantity = 0.0
    eta_hostility: Quantity = 0.0
    eta_balance: Quantity = 0.0
    ctd_updates: int = Field(default=0, ge=0, le=10000)


class Action(Sourced):
    """A hazard act: ``id`` is the strategy id in the vocabulary, ``actor`` the actor it belongs to."""

    id: Id
    actor: Id
    participants: list[Id] = Field(default_factory=list)
    once: bool = True
    description: str | None = None
    base_rate: BaseRate
    drivers: dict[str, Quantity] = Field(default_factory=dict)
    requires: list[str] = Field(
        default_factory=list,
        description="features that must be > 0 for the act to be possible (e.g. `taken:` of the "
        "rupture a reconciliation ends)",
    )
    effects: list[Effect] = Field(default_factory=list)
    cap_exception: list[str] = Field(
        default_factory=list, description="drivers whose source allows more than doubling the odds"
    )


SeriesKind = Literal["stock", "flow", "count"]


class Series(Sourced):
    id: Id
    unit: Unit
    kind: SeriesKind = "stock"
    start: Quantity
    start_date: dt.date
    faction: Id | None = Field(
        default=None,
        description="percent-of-syria series: the faction whose territory change since the start "
        "it measures (start + 100·(share − share at as_of))",
    )
    description: str | None = None


class Event(Sourced):
    id: Id
    date: dt.date
    description: str
    effects: list[Effect] = Field(default_factory=list)


class Do(Strict):
    """Fix an action or strategy from a date: the actor takes (``value: true``) or never takes it."""

    actor: Id
    strategy: Id
    from_: dt.date = Field(alias="from")
    value: bool = True


class Counterfactual(Strict):
    id: Id
    description: str
    patch: dict[str, Any] | None = Field(
        default=None,
        description="JSON merge patch (RFC 7396); lists of items with ids are patched by id",
    )
    do: list[Do] = Field(default_factory=list)


FORMS = ("add", "scale", "exp", "logit", "accumulate")
TARGET_DIMS = (
    "actor", "partner", "faction", "enemy", "issue", "relation", "course", "air_group", "region",
    "office",
)  # fmt: skip
Labels = str | list[str] | None


class Target(Strict):
    """Where a coupling rule acts: a ``movable`` driver (realpolitik.drivers) and, for each of its
    dims, one id, a list of ids or ``'*'`` (every id)."""

    driver: str
    actor: Labels = None
    partner: Labels = None
    faction: Labels = None
    enemy: Labels = None
    issue: Labels = None
    relation: Labels = None
    course: Labels = None
    air_group: Labels = None
    region: Labels = None
    office: Labels = None


def _one_or_more(v):
    return [v] if isinstance(v, dict) else v


class Rule(Sourced):
    """A causal chain of the analysis as data (realpolitik.coupling): each month, with x the value of
    the feature ``reads`` (``lag`` months before), x_ref its value at as_of in the base scenario
    (``reference: as_of``, the default) or 0 (``reference: zero``) and m the ``magnitude``, every
    target y in ``moves`` becomes

    * ``add``: y + m·(x − x_ref);  ``scale``: y·max(0, 1 + m·(x − x_ref));
    * ``exp``: y·exp(m·(x − x_ref));  ``logit``: logistic(logit y + m·(x − x_ref));
    * ``accumulate``: a state driver grows by m·x a month (x itself, a rate), persisting;

    then clipped to ``cap`` [low, high] if given. ``seed`` quotes the sentence of the analysis the rule
    models."""

    id: Id
    reads: str = Field(description="a registry feature, e.g. territory-trend:regime")
    moves: Annotated[list[Target], BeforeValidator(_one_or_more)] = Field(min_length=1)
    form: Literal["add", "scale", "exp", "logit", "accumulate"]
    reference: Literal["as_of", "zero"] = Field(
        default="as_of",
        description="x_ref: the feature at as_of in the base scenario (a level the judged values "
        "already hold), or zero (a force absent from the as_of state, e.g. a signal that drives a "
        "monthly drift)",
    )
    magnitude: Quantity
    cap: list[float] | None = Field(default=None, min_length=2, max_length=2)
    lag: int = Field(default=0, ge=0, le=24, description="months between the read and the move")
    description: str | None = None


from .leverage import Leverage  # noqa: E402  (uses Quantity)
from .military import CombatModel  # noqa: E402  (uses Quantity)
from .sections import Council, Leadership, Population  # noqa: E402  (sections use Quantity)


class Scenario(Strict):
    meta: Meta
    sources: dict[Id, SourceEntry] = Field(default_factory=dict)
    actors: list[Actor]
    factions: list[Faction] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    issues: list[Issue]
    offices: list[Office] = Field(default_factory=list)
    regions: Regions | None = None
    alignment: AlignmentModel | None = None
    games: list[Game] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    series: list[Series] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    counterfactuals: list[Counterfactual] = Field(default_factory=list)
    leadership: list[Leadership] = Field(default_factory=list)
    council: Council | None = None
    population: Population | None = None
    combat: CombatModel | None = None
    leverage: Leverage | None = None
    coupling: list[Rule] = Field(default_factory=list)

    # lookups -----------------------------------------------------------------------------
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    def faction_of(self) -> dict[str, str]:
        return {m: f.id for f in self.factions for m in f.members}

    def region_ids(self) -> list[str]:
        return [r.id for r in self.regions.nodes] if self.regions else []

    def combat_factions(self) -> list[str]:
        """The factions, plus ``contested`` when some region's control names it."""
        ids = [f.id for f in self.factions]
        used = {
            k
            for r in (self.regions.nodes if self.regions else ())
            if r.control
            for k in r.control.mean_
        }
        return ids + ["contested"] if "contested" in used else ids

    def courses(self) -> list[tuple[str, str]]:
        """Every (actor, strategy) declared: game strategies, hazard actions, council acts."""
        return [(a, st) for a, strategies in self.strategies().items() for st in strategies]

    def relation_labels(self) -> list[str]:
        """Declared relations, then relations that effects create (intensity 0 at as_of)."""
        out = [r.label for r in self.relations]
        for e in self.effects():
            if e.kind == "relation" and e.relation_label not in out:
                out.append(e.relation_label)
        return out

    def effects(self) -> list[Effect]:
        """Every effect of an act, a game strategy or an event."""
        out = [e for a in self.actions for e in a.effects]
        out += [e for g in self.games for es in g.effects.values() for e in es]
        return out + [e for ev in self.events for e in ev.effects]

    def labels(self) -> dict[str, tuple[str, ...]]:
        """The ids of every dim of the drivers and the trajectory (realpolitik.drivers.Coords)."""
        return {
            "actor": tuple(self.actor_ids()),
            "faction": tuple(self.combat_factions()),
            "region": tuple(self.region_ids()),
            "issue": tuple(i.id for i in self.issues),
            "office": tuple(o.id for o in self.offices),
            "relation": tuple(self.relation_labels()),
            "course": tuple(f"{a}/{st}" for a, st in self.courses()),
            "air_group": tuple(a.id for a in self.combat.air) if self.combat else (),
            "series_id": tuple(x.id for x in self.series),
        }

    def strategies(self) -> dict[str, list[str]]:
        """Every declared strategy by actor: QRE game strategies and hazard actions."""
        out: dict[str, list[str]] = {}
        for g in self.games:
            for player, strats in g.players.items():
                out.setdefault(player, []).extend(strats)
        for a in self.actions:
            out.setdefault(a.actor, []).append(a.id)
        for a in self.council.acts if self.council else ():
            out.setdefault(a.actor, []).append(a.id)
        return out

    def known_ids(self) -> dict[str, set[str]]:
        """Ids by kind, for checking the ids that questions use."""
        return {
            "actor": set(self.actor_ids()),
            "region": set(self.region_ids()),
            "issue": {i.id for i in self.issues},
            "office": {o.id for o in self.offices},
            "series": {s.id for s in self.series},
            "faction": {f.id for f in self.factions},
            **{f"strategy:{actor}": set(s) for actor, s in self.strategies().items()},
        }
