"""Scenario + sampled members → everything the coupled simulation needs (:class:`Compiled`).

One entry point, :func:`compile`, with one signature; each engine has one module here with the same
function, ``compile(d: Draws) -> EngineSpec``: the engine's frozen, member-leading ``Params``, the
inputs it reads (driver readers whose label positions are bound here, once) and the drivers its
outputs write. A counterfactual is compiled against its base scenario: every reference value x_ref
(of a hazard's drivers, a leader's covariates, a coupling rule) is the *base* scenario's as_of state,
so a counterfactual's changes act through the mechanisms instead of moving their reference point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np

from .. import features
from ..drivers import Coords, Put
from ..engines import member_slice
from ..rng import MemberRNG
from ..scenario.sampling import sample_scenario
from ..scenario.schema import Do, Scenario

ENGINE_ORDER = ("combat", "bargaining", "alignment", "choice", "actions", "politics", "population")
SECOND_PHASE = ("population",)  # stepped after combat, on the fighting of the same month


@dataclass(frozen=True)
class Draws:
    """What every engine's ``compile`` receives: the scenario, its members' draws, their keyed
    random numbers, the labels of every dim, and the base scenario's as_of drivers (references)."""

    scenario: Scenario
    samples: dict[str, np.ndarray]
    rng: MemberRNG
    coords: Coords
    drivers0: dict[str, np.ndarray]  # this scenario's as_of drivers
    reference: Any  # realpolitik.compile.asof.Reference: the base scenario's as_of state

    @property
    def n(self) -> int:
        return self.rng.n

    @property
    def where(self) -> str:
        return self.scenario.meta.id

    def x_ref(self, spec: str, path: str) -> np.ndarray:
        """(M,) the reference value of a feature: the base scenario's as_of value (this scenario's
        when the base lacks the label, e.g. a relation only the counterfactual declares)."""
        from .asof import Reference

        if features.problem(spec, self.reference.coords) is None:
            return self.reference.feature(spec, self.where, path)
        return Reference(self.coords, self.drivers0).feature(spec, self.where, path)


@dataclass(frozen=True)
class EngineSpec:
    """One engine as the simulation runs it: its module name, Params, the readers of its inputs
    (name → ``Take``/``Features``/…) and where its outputs go (``Put``s and extra extractors)."""

    name: str
    params: Any
    inputs: dict[str, Any]
    outputs: tuple[Put, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self):
        return import_module(f"realpolitik.engines.{self.name}")

    def slice(self, start: int, stop: int) -> EngineSpec:
        return EngineSpec(
            self.name, member_slice(self.params, start, stop), self.inputs, self.outputs,
            {k: _slice(v, start, stop) for k, v in self.extra.items()},
        )  # fmt: skip


@dataclass(frozen=True)
class Compiled:
    """A scenario (or counterfactual) compiled for a range of members: picklable, and sliceable by
    member (:meth:`slice`)."""

    scenario_id: str
    scenario_hash: str
    counterfactual: str
    root_seed: int
    first_member: int
    start: str  # first simulated month, YYYY-MM
    months: tuple[str, ...]  # simulated months
    coords: Coords
    engines: dict[str, EngineSpec]
    drivers0: dict[str, np.ndarray]  # as_of values of every driver (member-leading)
    loop: Any  # realpolitik.compile.loop.Loop: derivations, effects, do(), series, rules
    layout: dict[str, Any]  # trajectory layout (coords/attrs arguments)
    hold: frozenset[str] = frozenset()  # engines run as their null (realpolitik.nulls)

    @property
    def n_members(self) -> int:
        return next(iter(self.drivers0.values())).shape[0]

    def slice(self, start: int, stop: int) -> Compiled:
        """Members ``first_member + start … first_member + stop − 1`` (local indices)."""
        return Compiled(
            self.scenario_id, self.scenario_hash, self.counterfactual, self.root_seed,
            self.first_member + start, self.start, self.months, self.coords,
            {k: e.slice(start, stop) for k, e in self.engines.items()},
            {k: v[start:stop] for k, v in self.drivers0.items()},
            self.loop.slice(start, stop), self.layout, self.hold,
        )  # fmt: skip


def _slice(v, start, stop):
    if hasattr(v, "slice"):
        return v.slice(start, stop)
    return v


def scenario_hash(s: Scenario) -> str:
    """SHA-256 of the validated scenario (its canonical JSON): identical inputs, identical hash."""
    return hashlib.sha256(s.model_dump_json(by_alias=True).encode()).hexdigest()


def draws(
    scenario: Scenario,
    rng: MemberRNG,
    base: Scenario | None = None,
    samples: dict[str, np.ndarray] | None = None,
) -> Draws:
    """The members' draws of ``scenario``: samples (given, or keyed draws), labels, as_of drivers,
    and the references of ``base`` (the scenario itself when None)."""
    from . import asof

    if samples is None:
        samples = sample_scenario(scenario, rng.root_seed, rng.start, rng.stop)
    coords = asof.coords(scenario)
    drivers0 = asof.initial_drivers(scenario, samples, coords, rng.n)
    if base is None:
        reference = asof.Reference(coords, drivers0)
    else:
        base_samples = sample_scenario(base, rng.root_seed, rng.start, rng.stop)
        base_coords = asof.coords(base)
        reference = asof.Reference(
            base_coords, asof.initial_drivers(base, base_samples, base_coords, rng.n)
        )
    return Draws(scenario, samples, rng, coords, drivers0, reference)


def compile(  # noqa: A001 - the package's one entry point
    scenario: Scenario,
    members: int,
    rng: MemberRNG,
    counterfactual: tuple[str, Scenario, tuple[Do, ...]] | None = None,
    samples: dict[str, np.ndarray] | None = None,
) -> Compiled:
    """Compile ``scenario`` (or, with ``counterfactual`` = (id, patched scenario, do list), that
    counterfactual of it) for the ``members`` members of ``rng`` (global indices rng.start …);
    ``samples`` replaces the members' keyed draws of the simulated scenario's values (Morris
    screening sets some of them to a design's values)."""
    from . import loop

    if members != rng.n:
        raise ValueError(f"members ({members}) must equal the rng's member range ({rng.n})")
    cf_id, s, dos = counterfactual if counterfactual is not None else ("", scenario, ())
    d = draws(s, rng, scenario if counterfactual is not None else None, samples)
    engines = {}
    for name in ENGINE_ORDER:
        module = import_module(f"{__name__}.{name}")
        if module.applies(s):
            engines[name] = module.compile(d)
    plan = loop.compile_loop(d, engines, dos)
    return Compiled(
        scenario_id=s.meta.id,
        scenario_hash=scenario_hash(s),
        counterfactual=cf_id,
        root_seed=rng.root_seed,
        first_member=rng.start,
        start=plan.months[0],
        months=plan.months,
        coords=d.coords,
        engines=engines,
        drivers0=d.drivers0,
        loop=plan,
        layout=loop.layout(s, d.coords),
    )
