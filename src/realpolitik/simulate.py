"""The coupled monthly simulation: every engine feeding the others, month by month (DESIGN.md).

Each month t, for a batch of members:

1. **Start of the month.** The effects fired in month t − 1 (acts that happened, game strategies
   adopted) and those of events dated in month t are applied; the loop's drivers are derived from
   the engines' outputs of month t − 1 and the loop's states (territory share and its 3-month trend,
   forces and population shares, support/hostility from the relations' intensities, combat
   hostility, air sorties, the actors' leverage);
   ``do()`` interventions of month t are set; the coupling rules move their targets
   (:mod:`realpolitik.coupling`), and a rule's move of a relation's intensity is carried into the
   drivers derived from it.
2. **The engines** step in the order combat, bargaining, alignment, choice, actions, politics —
   each reads the drivers as they stand at the start of the month, so their order does not matter —
   and their outputs are written to the drivers. Then the fighting of month t is summarised
   (``fighting_scope``, ``combat_losses``) and **population** steps on it (the deaths and
   displacement of that month's fighting).
3. **End of the month.** The council's acts are read from its votes; the effects of what happened
   are queued for month t + 1; the trajectory assembler records the month.

Engines named in ``Compiled.hold`` run as their nulls (:mod:`realpolitik.nulls`, for ablation):
held at ``as_of``, or stepped on their ``as_of`` inputs; the trajectory's ``hold`` attribute lists
them.

Members are run in chunks of ``chunk`` (memory stays bounded by the chunk, not the ensemble); every
draw is keyed by member, so the result is identical for any chunking.
"""

from __future__ import annotations

import sys
import time
import types
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from . import nulls
from .compile import SECOND_PHASE, Compiled
from .compile.asof import (
    air_sorties,
    combat_hostility,
    fighting_scope,
    forces_share,
    strongest,
)
from .compile.loop import TREND_MONTHS
from .drivers import NEUTRAL, REGISTRY
from .engines.politics import ARMY
from .rng import MemberRNG
from .trajectory import layout, national_shares, trajectory_attrs

STATE_DRIVERS = tuple(k for k, d in REGISTRY.items() if d.state)
MONTH_DRIVERS = ("reinforcements", "deployments", "settle", "appoint", "fire_factor",
                 "capability_factor")  # fmt: skip
DTYPES = {
    "control": np.float32, "forces": np.float32, "losses": np.float32, "position": np.float32,
    "issue_outcome": np.float32, "alignment": np.float32, "strategy_prob": np.float32,
    "settled": np.bool_, "acted": np.bool_, "office_holder": np.int16, "series": np.float64,
}  # fmt: skip


@dataclass
class Carry:
    """What the loop carries from month to month besides the engines' states."""

    states: dict[str, np.ndarray]  # the state drivers (relation intensities, sortie factors, …)
    share_hist: np.ndarray | None  # (M, 3, F) territory shares at the last three month starts
    fired: list  # (Effect, mask) to apply at the start of the next month
    held: np.ndarray  # (M, C) bool: courses taken last month (for adoptions)
    settle: np.ndarray  # (M, I) bool: issues settled by a transition (told to bargaining)
    was_settled: np.ndarray  # (M, I) bool: issues settled by the end of last month
    reads: dict[str, list] = field(default_factory=dict)  # rule id -> past reads (lagged rules)


class Trajectory:
    """The trajectory assembler: preallocated arrays in the contract's layout and dtypes
    (DESIGN.md, "Trajectory"), filled chunk by chunk and month by month."""

    def __init__(self, c: Compiled, members: int | None = None):
        """Room for ``members`` members from ``c.first_member`` (default: c's own members)."""
        lay = dict(c.layout)
        self.c = c
        self.coords, sizes = layout(
            c.start, lay.pop("end"), c.n_members if members is None else members,
            **{k: lay[k] for k in ("factions", "regions", "offices", "issues", "actors",
                                  "courses", "series")},
            first_member=c.first_member,
        )  # fmt: skip
        self.attrs = trajectory_attrs(
            c.start, actor_faction=lay["actor_faction"],
            capture_threshold=lay["capture_threshold"], area_basis=lay["area_basis"],
            scenario_id=c.scenario_id, scenario_hash=c.scenario_hash,
            counterfactual=c.counterfactual, root_seed=c.root_seed,
        )  # fmt: skip
        if c.hold:
            self.attrs["hold"] = ",".join(sorted(c.hold))
        from .trajectory import VARIABLES, composite_weights

        # composite regions (after the map's regions): control area-weighted, forces/losses summed;
        # per weighting, each composite column's parts and their weights
        weights = composite_weights(lay["regions"]) if lay["regions"] else None
        self.composite = None
        if weights is not None and weights[0].shape[1]:
            self.composite = tuple(
                [
                    (np.flatnonzero(w[:, j]), w[np.flatnonzero(w[:, j]), j])
                    for j in range(w.shape[1])
                ]
                for w in weights
            )
        # month-major buffers: each month's record is one contiguous block (first-touch page faults
        # and copies stay sequential); the Dataset sees them as (member, month, …) views
        self.vars = {}
        for name, (dims, _) in VARIABLES.items():
            if all(d in sizes for d in dims) and self._produced(name):
                shape = [sizes["month"], sizes["member"], *(sizes[d] for d in dims[2:])]
                self.vars[name] = (dims, np.empty(shape, DTYPES[name]))

    def _produced(self, name: str) -> bool:
        e = self.c.engines
        need = {
            "control": "combat", "forces": "combat", "losses": "combat", "office_holder": "politics",
            "position": "bargaining", "issue_outcome": "bargaining", "settled": "bargaining",
            "alignment": "alignment",
        }  # fmt: skip
        return need.get(name) in e or name not in need

    def record(self, lo: int, t: int, store: dict, series: np.ndarray | None) -> None:
        """Row ``t`` (0 = the initial row) of members ``lo …`` from the drivers."""
        for name, (_, arr) in self.vars.items():
            value = series if name == "series" else store[name]
            if self.composite is not None and name in ("control", "forces", "losses"):
                area, member = self.composite
                n_map, rows = value.shape[-1], slice(lo, lo + value.shape[0])
                arr[t, rows, :, :n_map] = value
                for j, (parts, w) in enumerate(area if name == "control" else member):
                    total = value[..., parts[0]] * w[0]  # parts summed in order: row by row
                    for p, wp in zip(parts[1:], w[1:], strict=True):
                        total = total + value[..., p] * wp
                    arr[t, rows, :, n_map + j] = total
                continue
            arr[t, lo : lo + value.shape[0]] = value

    def dataset(self) -> xr.Dataset:
        data = {k: (dims, np.moveaxis(buf, 0, 1)) for k, (dims, buf) in self.vars.items()}
        return xr.Dataset(data, coords=self.coords, attrs=self.attrs)


def simulate(
    c: Compiled,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
    timings: dict | None = None,
) -> xr.Dataset:
    """Run the compiled scenario and return its trajectory (an ``xarray.Dataset``).

    ``progress(k)`` is called after each chunk with the number of members it ran; ``timings``, if
    given, collects the seconds spent in each engine and in the loop."""
    return simulate_chunks(c.slice, c.n_members, chunk, progress, timings)


def simulate_chunks(
    compile_chunk: Callable[[int, int], Compiled],
    members: int,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
    timings: dict | None = None,
) -> xr.Dataset:
    """:func:`simulate`, with each chunk compiled only when it runs: ``compile_chunk(lo, hi)`` gives
    members lo … hi − 1 (counted from the first), so one chunk's parameters are in memory at a time.
    Every draw is keyed by member, so the trajectory is the same bits as compiling all at once.
    ``timings`` (a ``defaultdict(float)``) also gets the seconds spent compiling."""
    out = None
    for lo in range(0, members, chunk):
        hi = min(members, lo + chunk)
        t0 = time.perf_counter()
        c = compile_chunk(lo, hi)
        if timings is not None:
            timings["compile"] += time.perf_counter() - t0
        if out is None:
            out = Trajectory(c, members)
        run_chunk(c, out, lo, timings)
        del c
        if progress is not None:
            progress(hi - lo)
    return out.dataset()


def run_chunk(c: Compiled, out: Trajectory, lo: int = 0, timings: dict | None = None) -> None:
    """Simulate the members of ``c`` and record them at rows ``lo …`` of ``out``."""
    clock = timings if timings is not None else defaultdict(float)
    t0 = time.perf_counter()
    n = c.n_members
    rng = MemberRNG(c.root_seed, c.first_member, c.first_member + n)
    store = {k: v.copy() for k, v in c.drivers0.items()}
    states = {name: e.module.init_state(e.params, n) for name, e in c.engines.items()}
    if "bargaining" in c.engines:
        _initial_bargaining(c, store, states["bargaining"])
    carry = Carry(
        states={k: store[k].copy() for k in STATE_DRIVERS},
        share_hist=np.repeat(store["territory_share"][:, None], TREND_MONTHS, 1)
        if "combat" in c.engines else None,
        fired=[],
        held=np.broadcast_to(c.loop.initially_held, store["acted"].shape).copy(),
        settle=np.zeros(store["settle"].shape, bool),
        was_settled=store["settled"] > 0,
    )  # fmt: skip
    as_of = {name: {k: r.read(store) for k, r in c.engines[name].inputs.items()}
             for name in c.hold}  # fmt: skip
    out.record(lo, 0, store, _series(c, store, None, initial=True))
    clock["loop"] += time.perf_counter() - t0
    for t in range(len(c.months)):
        t0 = time.perf_counter()
        _begin_month(c, t, store, carry)
        clock["loop"] += time.perf_counter() - t0
        outputs = {}
        for name, e in c.engines.items():
            if name in SECOND_PHASE:
                continue
            outputs[name] = _step(e, states, store, t, rng, clock, as_of.get(name))
        t0 = time.perf_counter()
        if "combat" in c.engines:
            losses = store["losses"].sum(axis=1)
            store["fighting_scope"] = fighting_scope(losses, c.loop.geography)
            store["combat_losses"] = losses.sum(axis=1)
        clock["loop"] += time.perf_counter() - t0
        for name in SECOND_PHASE:
            if name in c.engines:
                outputs[name] = _step(
                    c.engines[name], states, store, t, rng, clock, as_of.get(name)
                )
        t0 = time.perf_counter()
        _end_month(c, t, store, carry, outputs)
        out.record(lo, t + 1, store, _series(c, store, outputs))
        clock["loop"] += time.perf_counter() - t0


def _step(e, states, store, t, rng, clock, as_of=None):
    """Step engine ``e`` (or, given its ``as_of`` inputs, its null: :mod:`realpolitik.nulls`)."""
    t0 = time.perf_counter()
    inputs = {k: r.read(store) for k, r in e.inputs.items()}
    if as_of is None:
        states[e.name], out = e.module.step(states[e.name], e.params, inputs, t, rng)
    else:
        states[e.name], out = nulls.step(e, states[e.name], inputs, as_of, t, rng)
    for put in e.outputs if out is not None else ():
        put.write(store, out)
    clock[e.name] += time.perf_counter() - t0
    return out


def _initial_bargaining(c: Compiled, store, state) -> None:
    """The initial row's positions and outcomes: the bargaining engine's initial state."""
    e = c.engines["bargaining"]
    for put in e.outputs:
        if put.name == "position":
            put.write(store, _Fields(position=state.position))
    store["issue_outcome"][:] = state.outcome


class _Fields:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _begin_month(c: Compiled, t: int, store, carry: Carry) -> None:
    for name in MONTH_DRIVERS:
        store[name][...] = NEUTRAL[name]
    store["settle"][carry.settle] = 1.0
    fired = carry.fired + [(e, None) for e in c.loop.effects if e.on == "event" and e.month == t]
    for effect, mask in fired:
        _apply(effect, mask, store, carry.states)
    carry.fired = []
    for name in STATE_DRIVERS:
        store[name] = carry.states[name].copy()
    _derive(c, store, carry)
    store["intervention"][:] = c.loop.intervention[t]
    before = store["relation_intensity"].copy()
    for rule in c.loop.rules:
        x = rule.reads.value(store, store["acted"].shape[0])
        if rule.lag:
            past = carry.reads.setdefault(rule.id, [x] * rule.lag)
            past.append(x)
            x = past.pop(0)
        rule.apply(store, x, carry.states)
    if not np.array_equal(before, store["relation_intensity"]):
        _rederive_relations(c, store, before)
    store["acted"][:] = False
    store["strategy_prob"][:] = np.nan


def _derive(c: Compiled, store, carry: Carry) -> None:
    """The loop's derived drivers at the start of a month (see the module docstring)."""
    rel = store["relation_intensity"]
    rm = c.loop.relations
    n_actors = store["support"].shape[1]
    store["support"] = strongest(rel, rm, "support", n_actors)
    store["hostility"] = strongest(rel, rm, "hostility", n_actors)
    if "combat" not in c.engines:
        return
    store["combat_hostility"] = combat_hostility(rel, rm, store["combat_hostility"].shape[1])
    geo = c.loop.geography
    share = national_shares(store["control"], np.nan_to_num(geo.area), geo.governorate)
    store["territory_share"] = share
    store["territory_trend"] = share - carry.share_hist[:, 0]
    carry.share_hist = np.concatenate([carry.share_hist[:, 1:], share[:, None]], axis=1)
    store["forces_share"] = forces_share(store["forces"])
    store["population_share"] = national_shares(store["control"], geo.population, geo.governorate)
    if c.loop.leverage is not None:
        store["leverage"] = c.loop.leverage.value(
            store["forces_share"], store["population_share"], rel
        )
    store["air_sorties"] = air_sorties(c.loop.air, store["sortie_factor"], store["forces"])


def _rederive_relations(c: Compiled, store, before: np.ndarray) -> None:
    """Carry the rules' moves of ``relation_intensity`` into the drivers derived from it (support,
    hostility, combat hostility, leverage) as the change d(rel_after) − d(rel_before), so a rule that
    moved one of those drivers directly keeps its move."""
    rel, rm = store["relation_intensity"], c.loop.relations
    n_actors = store["support"].shape[1]
    for name in ("support", "hostility"):
        store[name] = store[name] + (
            strongest(rel, rm, name, n_actors) - strongest(before, rm, name, n_actors)
        )
    if "combat" not in c.engines:
        return
    n_fac = store["combat_hostility"].shape[1]
    store["combat_hostility"] = store["combat_hostility"] + (
        combat_hostility(rel, rm, n_fac) - combat_hostility(before, rm, n_fac)
    )
    if c.loop.leverage is not None:
        shares = store["forces_share"], store["population_share"]
        store["leverage"] = store["leverage"] + (
            c.loop.leverage.value(*shares, rel) - c.loop.leverage.value(*shares, before)
        )


def _apply(effect, mask, store, states) -> None:
    """Apply one effect to the members where ``mask`` (None: all) holds."""
    n = store["acted"].shape[0]
    on = np.ones(n, bool) if mask is None else mask
    amount = np.where(on, effect.amount, 0.0)
    k = effect.kind
    if k == "forces":
        f, r = effect.target
        if r >= 0:
            store["deployments"][:, f, r] += amount
        else:  # joining fighters are spread by the combat engine; leaving ones leave every region
            store["reinforcements"][:, f] += np.maximum(amount, 0.0)
            here = store["forces"][:, f]
            total = here.sum(axis=1, keepdims=True)
            share = np.divide(here, total, out=np.zeros_like(here), where=total > 0)
            store["deployments"][:, f] += np.minimum(amount, 0.0)[:, None] * share
    elif k == "relation":
        i, propensity = effect.target
        v = states["relation_intensity"]
        v[:, i] = np.clip(v[:, i] + amount, -1.0 if propensity else 0.0, 1.0)
    elif k == "sorties":
        groups = list(effect.target)
        states["sortie_factor"][:, groups] *= np.maximum(0.0, 1.0 + amount)[:, None]
    elif k == "series":
        states["onward_factor"] *= np.maximum(0.0, 1.0 + amount)
    elif k == "settle":
        store["settle"][:, effect.target[0]] = np.where(
            on, 1.0, store["settle"][:, effect.target[0]]
        )
    elif k == "office":
        o, actor = effect.target
        store["appoint"][:, o] = np.where(on, actor, store["appoint"][:, o])
    else:  # salience
        i, a = effect.target
        states["salience_shift"][:, i, a] += amount


def _end_month(c: Compiled, t: int, store, carry: Carry, outputs) -> None:
    if "politics" in outputs:
        acts = c.engines["politics"].extra["acts"]
        store["acted"][:, acts.course] = acts.acted(outputs["politics"])
        for office, issue in c.loop.transitions:
            army = outputs["politics"].exit_route[:, office] == ARMY
            store["settled"][:, issue] = np.maximum(store["settled"][:, issue], army)
            carry.settle[:, issue] |= army
    for x in c.loop.successions:
        hands = (store["settled"][:, x.issue] > 0) & ~carry.was_settled[:, x.issue]
        hands &= store["office_holder"][:, x.office] == x.incumbent
        if hands.any():
            carry.fired.append((x.effect, hands))
    carry.was_settled = store["settled"] > 0
    acted = store["acted"] > 0
    carry.states["taken"] = np.maximum(carry.states["taken"], acted)
    for e in c.loop.effects:
        if e.on == "act":
            mask = acted[:, e.course]
        elif e.on == "adopt":
            mask = acted[:, e.course] & ~carry.held[:, e.course]
        else:
            continue
        if mask.any():
            carry.fired.append((e, mask))
    carry.held = acted


def _series(c: Compiled, store, outputs, initial: bool = False) -> np.ndarray | None:
    if not c.loop.series:
        return None
    n = store["acted"].shape[0]
    out = np.empty((n, len(c.loop.series)))
    share = None
    for j, src in enumerate(c.loop.series):
        if src.kind == "population":
            if initial:
                e = c.engines["population"]
                stocks = e.params.initial
                out[:, j] = e.module.measures(e.params, stocks, np.zeros(n))[:, src.index]
            else:
                out[:, j] = outputs["population"].measures[:, src.index]
        elif src.kind == "vetoes":
            out[:, j] = 0.0 if initial else outputs["politics"].vetoes[:, src.index]
        else:
            if share is None:
                geo = c.loop.geography
                share = national_shares(store["control"], np.nan_to_num(geo.area), geo.governorate)
            out[:, j] = src.start + 100.0 * share[:, src.index] - src.reference
    return out


class _CallableModule(types.ModuleType):
    """Importing this module binds ``realpolitik.simulate`` to it, where the Python API promises the
    function ``rp.simulate(scenario, members=…, seed=…, counterfactual=None)``: calling the module
    calls that function (:func:`realpolitik.api.simulate`)."""

    def __call__(self, *args, **kwargs):
        from .api import simulate as run

        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
