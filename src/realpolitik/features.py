"""The fixed registry of named state features: one value per member, read from a driver by label.

A feature is written ``name`` or ``name:argument`` (``territory-trend:regime``,
``relation:russia>regime:support:air``): the argument is an id on the driver's dim (a faction, actor,
issue, relation label or course ``actor/strategy``). Features are how a hazard (an act's
``drivers``), a game payoff (``features``) and a coupling rule (``reads``) see the state; each is a
:class:`Bound` feature — a driver and a flat index fixed at compile time — so it reads the right entry
whatever the order of any engine's labels. There is no ``eval``: a payoff is ``constant + Σ c_k f_k``.

===================  ==================  ===================================================
feature              driver              value
===================  ==================  ===================================================
constant             —                   1
territory-share:F    territory_share     the faction's share of the country's area (0–1)
territory-trend:F    territory_trend     its change over the last three months
forces-share:F       forces_share        its share of all fighters in the country
population-share:F   population_share    its share of the country's residents
leverage:A           leverage            the actor's leverage on the war's issues
holds-ground:F       territory_share     1 while it holds any ground, else 0
alignment:A          alignment           0 = with the United States … 1 = with Russia
settled:I            settled             1 once the issue is settled
relation:R           relation_intensity  the relation's intensity (R = ``from>to:type[:kind]``)
acted:C              acted               1 in a month the course ``actor/strategy`` is taken
taken:C              taken               1 once the course has been taken (a rupture, a deal)
fighting-scope       fighting_scope      population share of governorates with fighting
===================  ==================  ===================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .drivers import REGISTRY as DRIVERS
from .drivers import Coords
from .errors import fail


@dataclass(frozen=True)
class Feature:
    name: str
    driver: str | None  # None: the constant
    dim: str | None  # the dim the argument names (None: no argument)
    transform: str  # "value" | "positive" | "one"
    description: str


REGISTRY: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("constant", None, None, "one", "1 (an intercept)"),
        Feature("territory-share", "territory_share", "faction", "value",
                "the faction's share of the country's area"),
        Feature("territory-trend", "territory_trend", "faction", "value",
                "change of the faction's territory share over the last three months"),
        Feature("forces-share", "forces_share", "faction", "value",
                "the faction's share of all fighters in the country"),
        Feature("population-share", "population_share", "faction", "value",
                "the faction's share of the country's residents"),
        Feature("leverage", "leverage", "actor", "value",
                "the actor's bargaining leverage (the `leverage` section)"),
        Feature("holds-ground", "territory_share", "faction", "positive",
                "1 while the faction holds any territory, else 0"),
        Feature("alignment", "alignment", "actor", "value",
                "the actor's alignment, 0 = with the United States … 1 = with Russia"),
        Feature("settled", "settled", "issue", "value", "1 once the issue is settled"),
        Feature("relation", "relation_intensity", "relation", "value",
                "the intensity of a declared relation `from>to:type[:kind]`"),
        Feature("acted", "acted", "course", "value", "1 in a month the course is taken"),
        Feature("taken", "taken", "course", "value", "1 once the course has been taken"),
        Feature("fighting-scope", "fighting_scope", None, "value",
                "population share of governorates with fighting this month"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Bound:
    """A feature with its argument resolved to a flat index into its driver's labelled dims."""

    spec: str
    driver: str | None
    index: int
    transform: str

    def value(self, store: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        if self.driver is None:
            return np.ones(n)
        x = np.asarray(store[self.driver], float).reshape(n, -1)[:, max(self.index, 0)]
        return (x > 0).astype(float) if self.transform == "positive" else x


def split(spec: str) -> tuple[str, str]:
    name, _, arg = str(spec).partition(":")
    return name, arg


def problem(spec: str, coords: Coords) -> tuple[str, tuple[str, ...]] | None:
    """Why ``spec`` is not a registry feature bound to a known id — (message, valid options) — or
    None when it is."""
    name, arg = split(spec)
    feat = REGISTRY.get(name)
    if feat is None:
        return "unknown feature", tuple(REGISTRY)
    if feat.dim is None:
        return (f"feature {name!r} takes no argument", ()) if arg else None
    ids = coords.of(feat.dim)
    if arg not in ids:
        return (
            f"feature {name!r} needs a known {feat.dim} id as `{name}:<{feat.dim}>`",
            tuple(f"{name}:{x}" for x in ids),
        )
    return None


def bind(spec: str, coords: Coords, where: str = "<compile>", path: str = "features") -> Bound:
    """Resolve ``name`` / ``name:arg`` against the registry and the labels, or raise located."""
    found = problem(spec, coords)
    if found is not None:
        fail(where, path, found[0], spec, found[1])
    name, arg = split(spec)
    feat = REGISTRY[name]
    if feat.driver is None:
        return Bound(spec, None, -1, feat.transform)
    dims = DRIVERS[feat.driver].dims
    index = coords.of(feat.dim).index(arg) if feat.dim else 0
    assert len(dims) <= 1, "features read one-dimensional drivers"
    return Bound(spec, feat.driver, index, feat.transform)


@dataclass(frozen=True)
class Features:
    """An engine input: the (member, K) matrix of K bound features."""

    bound: tuple[Bound, ...]

    def read(self, store: Mapping[str, np.ndarray]) -> np.ndarray:
        n = _members(store)
        out = np.empty((n, len(self.bound)))
        for k, b in enumerate(self.bound):
            out[:, k] = b.value(store, n)
        if not np.all(np.isfinite(out)):
            bad = [b.spec for k, b in enumerate(self.bound) if not np.all(np.isfinite(out[:, k]))]
            raise FloatingPointError(f"non-finite feature values: {bad}")
        return out


def bind_all(
    specs: Sequence[str], coords: Coords, where: str = "<compile>", path: str = "features"
) -> Features:
    return Features(tuple(bind(s, coords, where, f"{path}.{s}") for s in specs))


def _members(store: Mapping[str, np.ndarray]) -> int:
    return next(iter(store.values())).shape[0]


@dataclass(frozen=True)
class Single:
    """An engine input: one bound feature's (member,) values."""

    bound: Bound

    def read(self, store: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.bound.value(store, _members(store))
