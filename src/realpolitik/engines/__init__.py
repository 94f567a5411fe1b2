"""One module per mechanism, each behind the same pure interface (DESIGN.md, "Engines").

Every engine module defines:

* ``Params`` — a frozen dataclass of numpy arrays compiled from a scenario; the member-leading
  fields are declared with ``field(metadata=MEMBER)`` (so :func:`member_slice` can cut any chunk of
  members out of them, and out of a ``State``, whose every array is member-leading);
* ``State`` — a dataclass of member-leading arrays;
* ``Outputs`` — a frozen dataclass of member-leading numpy arrays whose ClassVar
  ``DIMS = {field: dims after member}`` names every field's dimensions (DESIGN.md's names where they
  apply: actor, faction, region, issue, office, strategy, series_id, …);
* ``init_state(params, n_members) -> State``;
* ``step(state, params, drivers, month, rng) -> (State, Outputs)`` where ``drivers`` is a mapping of the
  other engines' outputs of the previous month, ``month`` the month index from the scenario's start and
  ``rng`` a :class:`realpolitik.rng.MemberRNG` for the chunk of members being stepped. Every draw
  is keyed by the engine, the month and the *id* of the item it is for (``actions/{month}/{row}``,
  ``bargaining/{month}/{issue}``, …), never by a position in a vector, so adding an item changes no
  other item's draws.

No engine loops over members: every operation is vectorised over the leading member axis. Engines
import neither the scenario package nor compile, and hold no scenario id: labels arrive in Params.

:func:`run` steps one engine alone and returns an ``xarray.Dataset`` with dims (member, month, …).
Month ``t`` holds the outputs of the step with month index ``t`` (the state at the end of month
``t``); the initial state is not a row — read it from ``init_state``. Coordinate labels of a dim
``d`` come from the Params attribute named like ``d`` in the plural (``actors``, ``issues``,
``strategies``, ``series_ids``…; a property or ClassVar where no field fits); dims without one (a
game's ``player``, padded strategy slots) get no labels.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from types import ModuleType

import numpy as np
import xarray as xr

from ..rng import MemberRNG

ENGINES = ("actions", "alignment", "bargaining", "choice", "combat", "politics", "population")
MEMBER = {"member": True}  # dataclass field metadata: the array's first axis is the member axis


def member_slice(obj, start: int, stop: int):
    """A copy of a Params or State dataclass holding members ``start … stop−1`` only: State fields
    and Params fields declared ``field(metadata=MEMBER)`` are cut along their first axis unless
    that axis has length 1 (shared by every member); nested dataclasses are cut the same way."""
    is_state = not type(obj).__dataclass_params__.frozen
    kw = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            kw[f.name] = member_slice(v, start, stop)
        elif (is_state or f.metadata.get("member")) and isinstance(v, np.ndarray) and v.ndim:
            kw[f.name] = v if v.shape[0] == 1 else v[start:stop]
        else:
            kw[f.name] = v
    return type(obj)(**kw)


def _plural(dim: str) -> str:
    return dim[:-1] + "ies" if dim.endswith("y") else dim + "s"


def labels(params, dim: str) -> list | None:
    """Coordinate labels of ``dim`` from ``params`` (the plural attribute), or None."""
    value = getattr(params, _plural(dim), None)
    if callable(value):
        value = value()
    return None if value is None else list(value)


def run(
    engine: str | ModuleType,
    params,
    n_members: int,
    n_months: int,
    root_seed: int,
    drivers: Mapping | Callable[[int], Mapping] | None = None,
    start: int = 0,
) -> xr.Dataset:
    """Run one engine for members ``start … start+n_members−1`` over months ``0 … n_months−1``.

    ``params`` hold exactly those members; ``drivers`` is None (as_of values), one mapping used every
    month, or ``drivers(month) -> mapping``. Attrs: ``engine``, ``root_seed``.
    """
    if n_months < 1 or n_members < 1:
        raise ValueError(f"need n_members >= 1 and n_months >= 1, got {n_members}, {n_months}")
    module = importlib.import_module(f"{__name__}.{engine}") if isinstance(engine, str) else engine
    name = module.__name__.rsplit(".", 1)[-1]
    rng = MemberRNG(root_seed, start, start + n_members)
    state = module.init_state(params, n_members)
    names = [f.name for f in dataclasses.fields(module.Outputs)]
    keep: dict[str, list] = {k: [] for k in names}
    for month in range(n_months):
        d = drivers(month) if callable(drivers) else (drivers or {})
        state, out = module.step(state, params, d, month, rng)
        for k in names:
            keep[k].append(np.asarray(getattr(out, k)))
    coords: dict[str, object] = {
        "member": np.arange(start, start + n_members),
        "month": np.arange(n_months),
    }
    data = {}
    for k in names:
        dims = ("member", "month", *module.Outputs.DIMS[k])
        arr = np.stack(keep[k], axis=1)
        data[k] = (dims, arr)
        for dim, size in zip(dims[2:], arr.shape[2:], strict=False):
            lab = labels(params, dim)
            if lab is not None and dim not in coords:
                if len(lab) != size:
                    raise ValueError(f"{name}: {len(lab)} {dim} labels for a dim of size {size}")
                coords[dim] = lab
    return xr.Dataset(data, coords=coords, attrs={"engine": name, "root_seed": int(root_seed)})
