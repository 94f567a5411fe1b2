"""The fixed registry of named state features that payoffs (and hazards) may be linear in.

A payoff is ``u = constant + Σ_k c_k · f_k`` where each ``f_k`` is a feature named here — never a
formula: there is no ``eval``. A feature is written ``name`` or ``name:argument`` (for instance
``territory-trend:regime``), the argument being a faction, actor or issue id. Each feature reads one
entry of ``drivers`` (the other engines' outputs of the previous month, member-leading arrays):

===========================  =========================================  ===============================
driver key                   shape                                      meaning
===========================  =========================================  ===============================
``territory_share``          (member, faction)                          share of Syria's area held, 0–1
``territory_share_3m_ago``   (member, faction)                          the same, three months earlier
``forces``                   (member, faction, region)                  fighters
``alignment``                (member, actor)                            0 = with the US … 1 = with Russia
``settled``                  (member, issue)                            bool, issue settled by then
===========================  =========================================  ===============================

When a driver is missing (the first month, or an engine that is not run) the feature takes the
default value given by the caller (the scenario's baseline), so a run never sees NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import fail


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    unit: str
    arg: str | None  # "faction" | "actor" | "issue" | None
    driver: str | None  # drivers key read (None: constant)
    compute: Callable[[Mapping[str, np.ndarray], int], np.ndarray]


def _share(d, i):
    return d["territory_share"][:, i]


def _trend(d, i):
    return d["territory_share"][:, i] - d["territory_share_3m_ago"][:, i]


def _forces_share(d, i):
    per_faction = d["forces"].sum(axis=-1)
    total = per_faction.sum(axis=-1)
    return np.divide(
        per_faction[:, i], total, out=np.zeros_like(total, dtype=float), where=total > 0
    )


def _holds_ground(d, i):
    return (d["territory_share"][:, i] > 0).astype(float)


def _alignment(d, i):
    return d["alignment"][:, i]


def _settled(d, i):
    return d["settled"][:, i].astype(float)


REGISTRY: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            "constant",
            "1 (an intercept; payoffs also have `constant`)",
            "1",
            None,
            None,
            lambda d, i: None,
        ),
        Feature(
            "territory-share",
            "share of Syria's area the faction holds (control × area, summed over regions)",
            "fraction",
            "faction",
            "territory_share",
            _share,
        ),
        Feature(
            "territory-trend",
            "change of the faction's territory share over the last three months (the seed's 'trend')",
            "fraction",
            "faction",
            "territory_share",
            _trend,
        ),
        Feature(
            "forces-share",
            "the faction's fighters as a share of all fighters in Syria (e.g. forces-share:russia is "
            "the cost of confronting Russia)",
            "fraction",
            "faction",
            "forces",
            _forces_share,
        ),
        Feature(
            "holds-ground",
            "1 while the faction holds any territory (e.g. the rebels' survival), else 0",
            "0/1",
            "faction",
            "territory_share",
            _holds_ground,
        ),
        Feature(
            "alignment",
            "the actor's alignment score, 0 = with the United States … 1 = with Russia",
            "0-1",
            "actor",
            "alignment",
            _alignment,
        ),
        Feature(
            "settled", "1 once the issue is settled, else 0", "0/1", "issue", "settled", _settled
        ),
    )
}


@dataclass(frozen=True)
class BoundFeature:
    """A registry feature with its argument resolved to an index on the driver's axis."""

    spec: str
    feature: Feature
    index: int


def problem(spec: str, coords: Mapping[str, Sequence[str]]) -> tuple[str, tuple[str, ...]] | None:
    """Why ``spec`` (``name`` or ``name:id``) is not a registry feature bound to a known id — (message,
    valid options) — or None when it is."""
    name, _, arg = str(spec).partition(":")
    feat = REGISTRY.get(name)
    if feat is None:
        return "unknown feature", tuple(REGISTRY)
    if feat.arg is None:
        return (f"feature {name!r} takes no argument", ()) if arg else None
    ids = list(coords.get(feat.arg, ()))
    if arg not in ids:
        return (
            f"feature {name!r} needs a known {feat.arg} id as `{name}:<{feat.arg}>`",
            tuple(f"{name}:{x}" for x in ids),
        )
    return None


def parse(
    spec: str,
    coords: Mapping[str, Sequence[str]],
    where: str = "<params>",
    path: str = "features",
) -> BoundFeature:
    """Resolve ``name`` / ``name:arg`` against the registry and the coordinate ids, or raise."""
    found = problem(spec, coords)
    if found is not None:
        fail(where, path, found[0], spec, found[1])
    name, _, arg = str(spec).partition(":")
    feat = REGISTRY[name]
    if feat.arg is None:
        return BoundFeature(spec, feat, -1)
    return BoundFeature(spec, feat, list(coords[feat.arg]).index(arg))


def evaluate(
    bound: Sequence[BoundFeature],
    drivers: Mapping[str, np.ndarray],
    defaults: np.ndarray,
    n_members: int,
) -> np.ndarray:
    """Feature values, shape (member, K); a missing driver gives the default; NaN is refused."""
    out = np.empty((n_members, len(bound)))
    defaults = np.broadcast_to(np.asarray(defaults, float), (len(bound),))
    for k, b in enumerate(bound):
        f = b.feature
        needed = (
            (f.driver, "territory_share_3m_ago") if f.name == "territory-trend" else (f.driver,)
        )
        if f.driver is None:
            out[:, k] = 1.0
        elif all(key in drivers for key in needed):
            out[:, k] = f.compute(drivers, b.index)
        else:
            out[:, k] = defaults[k]
    if not np.all(np.isfinite(out)):
        bad = [b.spec for k, b in enumerate(bound) if not np.all(np.isfinite(out[:, k]))]
        raise FloatingPointError(f"non-finite feature values: {bad}")
    return out
