"""The driver contract (DESIGN.md, "Drivers"): the quantities one engine reads from the others.

A *driver* is a member-leading array with named dimensions whose labels are the scenario's ids
(:class:`Coords`). Every driver has one name in one namespace (snake_case), one owner — the engine
that produces it, or ``loop`` for what the coupled simulation derives or applies (territory share,
its trend, fighting scope, relation intensities, the modifiers coupling rules move) — and a unit.

Policies:

* **Labels, not positions.** An engine sees its inputs in its own label order; the simulation
  gathers them from the drivers with index maps bound once, at compile time, from labels
  (:class:`Take`). An engine output is scattered back the same way (:class:`Put`), so an engine whose
  actors are a subset, or in another order, reads and writes the right entries.
* **As-of values.** Every driver starts the run at its ``as_of`` value compiled from the scenario
  (``realpolitik.compile.asof``); an entry no engine writes (an actor outside the alignment model,
  say) keeps it. Never 0 by default, never a KeyError in month 40.
* **Unknown names fail at compile time.** A coupling rule, feature or engine input naming a driver
  not in :data:`REGISTRY` is a compile-time error naming it and the valid names.
* ``movable`` drivers may be moved by coupling rules (:mod:`realpolitik.coupling`); ``state``
  drivers persist from month to month (effects and ``accumulate`` rules change them), the others are
  recomputed every month before the rules apply.

=====================  ==============  ==========  =====  ======================================
driver                 dims            owner       flags  meaning [unit]
=====================  ==============  ==========  =====  ======================================
control                faction,region  combat             share of the region's area held [0-1]
forces                 faction,region  combat             fighters [persons]
losses                 faction,region  combat             fighters lost in the month [persons]
territory_share        faction         loop               share of the country's area, governorates [0-1]
territory_trend        faction         loop               territory_share minus its value 3 months before
forces_share           faction         loop               the faction's share of all fighters [0-1]
population_share       faction         loop               governorates' residents × area share held [0-1]
fighting_scope         -               loop               population share of governorates with losses [0-1]
combat_losses          -               loop               fighters lost in the country this month [persons]
position               issue,actor     bargaining         bargaining position [0-100]
issue_outcome          issue           bargaining         weighted-median outcome [0-100]
settled                issue           bargaining         1 once the issue is settled [0/1]
alignment              actor           alignment          0 = with the United States … 1 = with Russia
leverage               actor           loop               capability on ``capability: leverage`` issues
office_holder          office          politics           index into the actor labels, −1 vacant
strategy_prob          course          loop               probability of the course this month [0-1]
acted                  course          loop               1 if the course was taken this month [0/1]
taken                  course          loop        S      1 once the course has been taken [0/1]
relation_intensity     relation        loop        S M    intensity of each declared relation
support                actor,partner   loop        M      Σ support intensity from actor to partner
hostility              actor,partner   loop        M      Σ hostility intensity from actor to partner
combat_hostility       faction,enemy   loop        M      fire allocation / hostility weight [0-1]
air_sorties            faction,region  loop        M      sorties flown for the faction there [per month]
sortie_factor          air_group       loop        S      multiplier of an air group's sortie rate
reinforcements         faction         loop        M      fighters added this month (− withdrawn)
deployments            faction,region  loop        M      fighters placed in the region this month
fire_factor            faction         loop        M      multiplier of the faction's fire [–]
salience_shift         issue,actor     loop        S M    added to the actor's salience [−1..1]
capability_factor      issue,actor     loop        M      multiplier of the actor's capability [–]
onward_factor          -               loop        S M    multiplier of the onward (sea) migration rate
settle                 issue           loop               1: the issue is settled this month (events)
appoint                office          loop               actor index put in office by an event, −1
intervention           course          loop               do(): +1 the course is taken, −1 never, 0 free
=====================  ==============  ==========  =====  ======================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import fail

# dims that share another dim's labels (a square matrix needs two names)
SAME_LABELS = {"partner": "actor", "enemy": "faction"}


@dataclass(frozen=True)
class Driver:
    name: str
    dims: tuple[str, ...]
    owner: str
    unit: str
    meaning: str
    movable: bool = False
    state: bool = False
    dtype: str = "f8"


def _d(name, dims, owner, unit, meaning, flags="", dtype="f8") -> Driver:
    return Driver(name, tuple(dims), owner, unit, meaning, "M" in flags, "S" in flags, dtype)


REGISTRY: dict[str, Driver] = {
    d.name: d
    for d in (
        _d("control", ("faction", "region"), "combat", "0-1", "share of the region's area held"),
        _d("forces", ("faction", "region"), "combat", "persons", "fighters"),
        _d("losses", ("faction", "region"), "combat", "persons", "fighters lost in the month"),
        _d("territory_share", ("faction",), "loop", "0-1", "share of the country's area"),
        _d("territory_trend", ("faction",), "loop", "0-1", "territory_share minus 3 months ago"),
        _d("forces_share", ("faction",), "loop", "0-1", "share of all fighters"),
        _d(
            "population_share",
            ("faction",),
            "loop",
            "0-1",
            "residents held: each governorate's × the area share held",
        ),
        _d("fighting_scope", (), "loop", "0-1", "population share of governorates with losses"),
        _d("combat_losses", (), "loop", "persons", "fighters lost this month"),
        _d("position", ("issue", "actor"), "bargaining", "0-100", "bargaining position"),
        _d("issue_outcome", ("issue",), "bargaining", "0-100", "weighted-median outcome"),
        _d("settled", ("issue",), "bargaining", "0/1", "1 once settled"),
        _d("alignment", ("actor",), "alignment", "0-1", "0 = with the US … 1 = with Russia"),
        _d("leverage", ("actor",), "loop", "-", "capability on the leverage issues"),
        _d("office_holder", ("office",), "politics", "index", "actor index, -1 vacant", "", "i8"),
        _d("strategy_prob", ("course",), "loop", "0-1", "probability of the course this month"),
        _d("acted", ("course",), "loop", "0/1", "1 if the course was taken this month"),
        _d("taken", ("course",), "loop", "0/1", "1 once the course has been taken", "S"),
        _d("relation_intensity", ("relation",), "loop", "-1..1", "relation intensity", "SM"),
        _d("support", ("actor", "partner"), "loop", "0-1", "support from actor to partner", "M"),
        _d("hostility", ("actor", "partner"), "loop", "0-1", "hostility actor to partner", "M"),
        _d("combat_hostility", ("faction", "enemy"), "loop", "0-1", "fire allocation", "M"),
        _d("air_sorties", ("faction", "region"), "loop", "per month", "sorties flown for it", "M"),
        _d("sortie_factor", ("air_group",), "loop", "-", "multiplier of the sortie rate", "S"),
        _d("reinforcements", ("faction",), "loop", "persons", "fighters added this month", "M"),
        _d("deployments", ("faction", "region"), "loop", "persons", "fighters placed", "M"),
        _d("fire_factor", ("faction",), "loop", "-", "multiplier of the faction's fire", "M"),
        _d("salience_shift", ("issue", "actor"), "loop", "-1..1", "added to salience", "SM"),
        _d("capability_factor", ("issue", "actor"), "loop", "-", "capability multiplier", "M"),
        _d("onward_factor", (), "loop", "-", "multiplier of the onward migration rate", "SM"),
        _d("settle", ("issue",), "loop", "0/1", "1: settled this month by an event"),
        _d("appoint", ("office",), "loop", "index", "actor put in office, -1 none", "", "i8"),
        _d("intervention", ("course",), "loop", "-1/0/1", "do(): +1 taken, -1 never, 0 free"),
    )
}

# neutral values of the modifiers (the as_of value of a driver that only rules and effects move)
NEUTRAL = {
    "taken": 0.0,
    "reinforcements": 0.0,
    "deployments": 0.0,
    "fire_factor": 1.0,
    "salience_shift": 0.0,
    "capability_factor": 1.0,
    "onward_factor": 1.0,
    "sortie_factor": 1.0,
    "settle": 0.0,
    "appoint": -1,
    "intervention": 0.0,
}


def driver(name: str, where: str = "<compile>", path: str = "driver") -> Driver:
    """The registry entry, or a located error naming the valid drivers."""
    if name not in REGISTRY:
        fail(where, path, "unknown driver", name, tuple(REGISTRY))
    return REGISTRY[name]


@dataclass(frozen=True)
class Coords:
    """The labels of every dim, from the scenario (compile/asof.py builds it)."""

    labels: Mapping[str, tuple[str, ...]]

    def of(self, dim: str) -> tuple[str, ...]:
        return tuple(self.labels.get(SAME_LABELS.get(dim, dim), ()))

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(len(self.of(d)) for d in REGISTRY[name].dims)

    def index(self, dim: str, ids: Sequence[str], where: str, path: str) -> np.ndarray:
        """Positions of ``ids`` among the dim's labels (−1 for the id ``None``); unknown ids fail."""
        known = self.of(dim)
        pos = {x: i for i, x in enumerate(known)}
        bad = [x for x in ids if x is not None and x not in pos]
        if bad:
            fail(where, path, f"unknown {dim} id", bad[0], known)
        return np.array([-1 if x is None else pos[x] for x in ids], np.int64)


@dataclass(frozen=True)
class Take:
    """Read driver ``name`` at label positions ``index`` (one int array per dim, ``None`` keeping the
    whole dim; a one-dimensional driver may take an index array of any shape), −1 giving ``fill``,
    times ``scale``: an engine input in the engine's own label order."""

    name: str
    index: tuple[np.ndarray | None, ...]
    fill: float = np.nan
    scale: float = 1.0

    def read(self, store: Mapping[str, np.ndarray]) -> np.ndarray:
        out = np.asarray(store[self.name])
        axis = 1
        for idx in self.index:
            if idx is None:
                axis += 1
                continue
            idx = np.asarray(idx)
            out = np.take(out, np.where(idx >= 0, idx, 0), axis=axis)
            if (idx < 0).any():
                shape = (1,) * axis + idx.shape + (1,) * (out.ndim - axis - idx.ndim)
                out = np.where((idx >= 0).reshape(shape), out, self.fill)
            axis += idx.ndim
        return out * self.scale if self.scale != 1.0 else out


@dataclass(frozen=True)
class Put:
    """Write engine output ``field`` into driver ``name`` at label positions ``index`` (one int array
    per dim, ``None`` = the whole dim); the driver's other entries keep their values."""

    name: str
    field: str
    index: tuple[np.ndarray | None, ...]

    def write(self, store: dict[str, np.ndarray], outputs) -> None:
        value = np.asarray(getattr(outputs, self.field))
        target = store[self.name]
        if all(i is None for i in self.index):
            target[...] = value
            return
        sel = [slice(None)] + [slice(None) if i is None else i for i in self.index]
        if sum(i is not None for i in self.index) > 1:
            sel = [slice(None), *np.ix_(*[np.arange(target.shape[k + 1]) if i is None else i
                                         for k, i in enumerate(self.index)])]  # fmt: skip
        target[tuple(sel)] = value


@dataclass(frozen=True)
class PutFlat:
    """Write engine output ``field`` (M, …) into a one-dimensional driver: entry k of the output
    (flattened) goes to label position ``index.flat[k]``; −1 entries are not written."""

    name: str
    field: str
    index: np.ndarray

    def write(self, store: dict[str, np.ndarray], outputs) -> None:
        value = np.asarray(getattr(outputs, self.field))
        flat = self.index.reshape(-1)
        keep = flat >= 0
        store[self.name][:, flat[keep]] = value.reshape(value.shape[0], -1)[:, keep]
