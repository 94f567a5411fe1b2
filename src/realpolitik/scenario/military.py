"""The ``combat:`` section: coefficients of the territory engine (engines/combat.py), with provenance.

Every coefficient is a ``Quantity`` (fixed or a distribution, sampled per member); units are those of
the engine's Params table. Per-faction ``recruitment`` and ``static`` live on ``Faction``, per-region
``depth_km`` and ``internal_front_km`` on ``Region`` (schema.py). compile/combat.py turns a scenario
into engine Params; :func:`check_combat` adds the cross-reference checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, model_validator

from .quantities import Sourced, as_dist
from .schema import Id, Quantity


class AirSupport(Sourced):
    """Air sorties flown for a faction: ``sorties_per_day`` directly, or ``parameter``, the name of a
    parameter of faction ``by`` (e.g. russia's ``sorties_per_day``). Per month = per day × 30.44.
    ``priority`` weighs the enemy factions struck: each month the sorties go to the regions where
    the supported faction has fighters, in proportion to Σ_e priority_e · (e's fighters there)."""

    id: Id
    by: Id = Field(description="the faction or actor flying the sorties")
    supports: Id = Field(description="the faction whose fire the sorties multiply")
    parameter: str | None = None
    sorties_per_day: Quantity | None = None
    priority: dict[Id, Quantity] = Field(
        default_factory=dict, description="weight of each enemy faction in where the sorties go"
    )

    @model_validator(mode="after")
    def _one(self):
        if (self.parameter is None) == (self.sorties_per_day is None):
            raise ValueError("an air entry has exactly one of `parameter` or `sorties_per_day`")
        return self


class CombatModel(Sourced):
    """Coefficients of the territory engine. ``attrition`` is the monthly loss a side suffers per
    enemy fighter facing it when both number ``reference_fighters`` (aimed and Deitchman area fire then
    agree); the compiled coefficient is a = attrition · reference_fighters^(1 − p − q)."""

    attrition: Quantity = Field(description="losses per enemy fighter per month at the reference")
    reference_fighters: Quantity = Field(description="strength at which `attrition` is stated")
    p: Quantity = Field(description="Lanchester exponent on the firer")
    q: Quantity = Field(description="Lanchester exponent on the target")
    csf_decisiveness: Quantity = Field(description="Hirshleifer contest-success exponent k")
    max_advance_km_day: Quantity = Field(description="maximum opposed advance [km/day]")
    attack_density: Quantity = Field(
        description="fighters per km of attack frontage: a side with U uncommitted fighters "
        "attacks on at most U/attack_density km"
    )
    offensive_ratio: Quantity = Field(description="local force ratio needed to attack")
    garrison_per_capita: Quantity = Field(description="fighters tied down per resident held")
    garrison_per_front_km: Quantity = Field(description="fighters tied down per km of front")
    supply_decay: Quantity = Field(description="effectiveness lost per month cut off, in [0, 1]")
    supply_recovery: Quantity = Field(description="effectiveness regained per month supplied")
    siege_fall_rate: Quantity = Field(description="monthly fall hazard of a fully degraded site")
    air_m_max: Quantity = Field(description="ceiling of the air multiplier minus one")
    air_s0: Quantity = Field(description="sortie scale of the air multiplier [sorties/month]")
    redeploy_rate: Quantity = Field(description="share of supplied forces re-spread per month")
    demobilisation_rate: Quantity = Field(
        description="share of a recruiting faction's fighters who leave a month (desertion, "
        "defection, demobilisation)"
    )
    site_depth_km: Quantity = Field(description="depth and internal front of a site [km]")
    substeps: int = Field(default=4, ge=1, le=100, description="Euler sub-steps per month")
    air: list[AirSupport] = Field(default_factory=list)


_POSITIVE = (
    "reference_fighters", "csf_decisiveness", "offensive_ratio", "air_s0", "site_depth_km",
    "attack_density",
)  # fmt: skip
_NONNEGATIVE = (
    "attrition", "p", "q", "max_advance_km_day", "garrison_per_capita", "garrison_per_front_km",
    "supply_recovery", "siege_fall_rate", "air_m_max",
)  # fmt: skip
_UNIT = ("supply_decay", "redeploy_rate", "demobilisation_rate")


def _positive(path, q, what) -> Iterator[tuple]:
    """> 0: a distribution's support may start at 0 (lognormal, gamma), its draws are still > 0."""
    from .findings import bounded as _bounded

    yield from _bounded(path, q, 0, float("inf"), what)
    if q is not None and as_dist(q).bounds()[1] <= 0:
        yield (path, f"{what} must be > 0", as_dist(q).bounds()[1], ())


def check_combat(s) -> Iterator[tuple]:
    """Findings ``(path, message, value, options)`` for the combat section and the per-faction and
    per-region combat fields."""
    from .findings import bounded as _bounded
    from .findings import ref as _ref

    inf = float("inf")
    for i, f in enumerate(s.factions):
        yield from _bounded(("factions", i, "recruitment"), f.recruitment, 0, inf, "recruitment")
    for i, r in enumerate(s.regions.nodes if s.regions else ()):
        p = ("regions", "nodes", i)
        yield from _positive((*p, "depth_km"), r.depth_km, "a depth")
        yield from _bounded((*p, "internal_front_km"), r.internal_front_km, 0, inf, "a front")
    m = s.combat
    if m is None:
        return
    if s.regions is None:
        yield (("combat",), "the combat model needs a `regions` section", None, ())
    for name in _POSITIVE:
        yield from _positive(("combat", name), getattr(m, name), name)
    for name in _NONNEGATIVE:
        yield from _bounded(("combat", name), getattr(m, name), 0, inf, name)
    for name in _UNIT:
        yield from _bounded(("combat", name), getattr(m, name), 0, 1, name)
    factions = {f.id: f for f in s.factions}
    seen: set[str] = set()
    for j, a in enumerate(m.air):
        p = ("combat", "air", j)
        if a.id in seen:
            yield ((*p, "id"), "duplicate air entry id", a.id, ())
        seen.add(a.id)
        yield from _ref((*p, "supports"), a.supports, set(factions), "faction")
        if a.parameter is not None:
            if a.by not in factions:
                yield ((*p, "by"), "`parameter` needs `by` to be a faction", a.by, tuple(factions))
            elif a.parameter not in factions[a.by].parameters:
                yield (
                    (*p, "parameter"),
                    "not a parameter of that faction",
                    a.parameter,
                    tuple(factions[a.by].parameters),
                )
        else:
            yield from _ref((*p, "by"), a.by, set(factions) | set(s.actor_ids()), "faction/actor")
            yield from _bounded((*p, "sorties_per_day"), a.sorties_per_day, 0, inf, "sorties")
        if not a.priority:
            yield ((*p, "priority"), "an air group needs a `priority` over enemy factions", None,
                   tuple(factions))  # fmt: skip
        for enemy, w in a.priority.items():
            yield from _ref((*p, "priority", enemy), enemy, set(factions), "faction")
            yield from _bounded((*p, "priority", enemy), w, 0, inf, "a priority")
