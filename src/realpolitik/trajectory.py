"""The trajectory contract (DESIGN.md, "Contracts"): month axis, variables, coordinates, attributes.

Month axis. ``ds.month`` holds month labels as ``'YYYY-MM'`` strings (numpy ``<U7``), consecutive and
increasing. A month's value is the state at the **end** of that month (its last instant). The first
label may be the *initial row*: the state at the end of the month before the first simulated month
(the scenario's initial conditions, before any step); ``attrs["first_step"]`` names the first
simulated month, so the axis is ``[first_step - 1, first_step, …, end]`` when an initial row exists,
and ``[first_step, …, end]`` when not. In the initial row events (``acted``) are false and flows
(``losses``, flow series) are never read; windows and calendar-year sums use simulated months only.

Reading a date D (a calendar day, read at the end of that day):

* discrete states (holder, settled, acted, "holds"): the value at the end of D's month;
* continuous values (control shares, positions, alignment, series): linear interpolation between
  month-ends, v(D) = v(m−1) + (v(m) − v(m−1))·f with m = D's month and f = day(D)/days_in_month(D),
  so the last day of a month reads exactly that month-end; the first row of the axis, having no
  previous month-end, uses its own value.

Variables (dims in this order; any may be absent, more may be added):

=============== =================================== ==================================================
variable        dims                                meaning
=============== =================================== ==================================================
control         member, month, faction, region      share of region area held (sums to 1 incl. contested)
forces          member, month, faction, region      fighters
losses          member, month, faction, region      fighters lost in the month
office_holder   member, month, office               index into the ``actor`` coordinate, −1 = vacant
position        member, month, issue, actor         bargaining positions, 0–100 (NaN: no stance)
issue_outcome   member, month, issue                forecast outcome of the bargaining model, 0–100
settled         member, month, issue                bool: settled in that month or before
alignment       member, month, actor                0 = with the United States … 1 = with Russia
strategy_prob   member, month, course               probability of that course that month
acted           member, month, course               bool: the actor took that course that month
series          member, month, series_id            numeric series, see ``series_unit``/``series_kind``
=============== =================================== ==================================================

A *course* is one actor's strategy: the ``course`` dimension is labelled ``'actor/strategy'`` with the
coordinates ``course_actor`` and ``course_strategy``. (An actor × strategy grid would be 95 % empty:
each actor has a few of the scenario's strategies, and at 10,000 members it would not fit in memory.)

The series dimension is ``series_id``, not ``series``: xarray cannot hold a 3-D data variable that
shares its name with one of its dimensions (it silently turns it into a coordinate).

Coordinates on non-member dims:

* ``region_kind`` (``governorate`` | ``site`` | ``composite``), ``region_parent`` (a governorate id
  for a site or a composite, ``''`` for a governorate), ``region_area`` (km² on the declared area
  basis; NaN for a point site; a composite's is the sum of its parts'), ``region_population``
  (persons; NaN if unknown), ``region_composite`` (for a site that is a *part* of a composite, the
  composite's id; ``''`` otherwise). Governorates partition the country; sites lie inside them, so
  national totals sum over governorates only and no area is counted twice.
* A *composite* region (a divided city: ``aleppo-city`` made of its east and west) has no ground of
  its own: its ``control`` is the area-weighted control of its parts, Σ_p a_p·control[f, p] / Σ_p a_p,
  its ``forces`` and ``losses`` the sums over its parts (so a country's total of fighters sums the
  regions whose ``region_kind`` is not ``composite``); a faction *holds* it when it holds every
  part (share > θ in each), so it *captures* it in the month the last part falls
  (:func:`composite_parts`). Composites come after every region on the map.
* ``series_unit`` on ``series_id`` (the declared unit: ``persons``, ``persons-per-calendar-year``, ``count``,
  ``count-since-YYYY-MM-DD``, ``percent-of-syria``) and ``series_kind`` (as the scenario's series
  kinds): ``stock`` (a level at each month-end), ``flow`` (the amount during that month; never read
  in the initial row) or ``count`` (a running count of events at each month-end, e.g. vetoes).

Attributes: ``scenario_id``, ``scenario_hash``, ``counterfactual`` (``''`` for the base run),
``root_seed``, ``package_version``, ``first_step`` (``'YYYY-MM'``) — no wall-clock time, so the same
seed gives the same bytes —
``actor_faction`` (JSON object ``{actor: faction}``; a name that is itself a faction maps to itself),
``capture_threshold`` (a faction *holds* a region when its control share is strictly above it;
default 0.5) and ``area_basis`` (the scenario's declared area basis, e.g. ``cbs-official``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from . import __version__, batched
from .errors import Problem

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CONTESTED = "contested"
DEFAULT_CAPTURE_THRESHOLD = 0.5
REGION_KINDS = ("governorate", "site", "composite")
SERIES_KINDS = ("stock", "flow", "count")
REQUIRED_ATTRS = (
    "scenario_id",
    "scenario_hash",
    "counterfactual",
    "root_seed",
    "package_version",
    "first_step",
    "actor_faction",
)

VARIABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "control": (("member", "month", "faction", "region"), "f"),
    "forces": (("member", "month", "faction", "region"), "f"),
    "losses": (("member", "month", "faction", "region"), "f"),
    "office_holder": (("member", "month", "office"), "i"),
    "position": (("member", "month", "issue", "actor"), "f"),
    "issue_outcome": (("member", "month", "issue"), "f"),
    "settled": (("member", "month", "issue"), "b"),
    "alignment": (("member", "month", "actor"), "f"),
    "strategy_prob": (("member", "month", "course"), "f"),
    "acted": (("member", "month", "course"), "b"),
    "series": (("member", "month", "series_id"), "f"),
}
_DTYPE_NAMES = {"f": "floating", "i": "integer", "b": "bool"}

# query unit -> (base unit, series kinds it can be computed from)
UNITS = {
    "persons": ("persons", ("stock",)),
    "persons-per-calendar-year": ("persons", ("flow",)),
    "count-since-YYYY-MM-DD": ("count", ("count", "stock", "flow")),
    "percent-of-syria": ("percent-of-syria", ("stock",)),
}
SERIES_UNITS = (*UNITS, "count")
_SINCE_RE = re.compile(r"^count-since-(\d{4}-\d{2}-\d{2})$")


def parse_unit(unit: str) -> tuple[str, dt.date | None]:
    """``(key in UNITS or 'count', since-date)``; ValueError for an unknown unit or a bad date."""
    if unit in UNITS or unit == "count":
        return unit, None
    m = _SINCE_RE.match(unit)
    if not m:
        raise ValueError(f"unknown unit {unit!r}")
    return "count-since-YYYY-MM-DD", dt.date.fromisoformat(m.group(1))


def unit_base(unit: str) -> str:
    """What a unit measures: persons, count or percent-of-syria."""
    key, _ = parse_unit(unit)
    return "count" if key == "count" else UNITS[key][0]


# --- month axis -------------------------------------------------------------------------------


def month_label(d: dt.date | str) -> str:
    """``'YYYY-MM'`` of a date (or check and return a label)."""
    if isinstance(d, str):
        if not MONTH_RE.match(d):
            raise ValueError(f"not a month label 'YYYY-MM': {d!r}")
        return d
    return f"{d.year:04d}-{d.month:02d}"


def _ym(label: str) -> tuple[int, int]:
    m = MONTH_RE.match(label)
    if not m:
        raise ValueError(f"not a month label 'YYYY-MM': {label!r}")
    return int(m.group(1)), int(m.group(2))


def shift_month(label: str, k: int) -> str:
    """The label ``k`` months after ``label`` (negative ``k``: before)."""
    y, m = _ym(label)
    n = y * 12 + (m - 1) + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def month_index(start: str | dt.date, month: str | dt.date) -> int:
    """Whole months from ``start``'s month to ``month``'s month (negative when before)."""
    a, b = _ym(month_label(start)), _ym(month_label(month))
    return (b[0] * 12 + b[1]) - (a[0] * 12 + a[1])


def month_labels(start: str | dt.date, end: str | dt.date) -> np.ndarray:
    """Every label from ``start``'s month to ``end``'s month inclusive (``<U7`` array)."""
    n = month_index(start, end) + 1
    if n < 1:
        raise ValueError(f"end {end} is before start {start}")
    first = month_label(start)
    return np.array([shift_month(first, k) for k in range(n)], dtype="<U7")


def month_end(label: str) -> dt.date:
    """Last day of the month (the month-end instant is the end of that day)."""
    y, m = _ym(label)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def day_fraction(d: dt.date) -> float:
    """f = day / days_in_month: the share of D's month elapsed at the end of day D (1 on the last day)."""
    return d.day / calendar.monthrange(d.year, d.month)[1]


def window_months(start: dt.date, stop: dt.date) -> list[str]:
    """Labels of every month that overlaps the closed window [start, stop]."""
    return list(month_labels(start, stop))


def first_step(ds: xr.Dataset) -> str:
    """The first simulated month (``attrs['first_step']``, else the first label)."""
    return str(ds.attrs.get("first_step", str(ds["month"].values[0])))


def actor_faction(ds: xr.Dataset) -> dict[str, str]:
    """The actor → faction map stored as JSON in ``attrs['actor_faction']``."""
    raw = ds.attrs.get("actor_faction", "{}")
    return dict(json.loads(raw)) if isinstance(raw, str) else dict(raw)


# --- builder ----------------------------------------------------------------------------------


def national_shares(control: np.ndarray, weight: np.ndarray, governorate: np.ndarray) -> np.ndarray:
    """Each faction's share of the country: Σ_g w_g·control[…, f, g] / Σ_g w_g over the governorates
    g (sites lie inside a governorate and are never counted twice); control (…, F, R) → (…, F).

    The one definition of a territory (w = area) or population (w = residents) share, used by
    compile (the as_of drivers), the simulation (the ``territory_share`` driver) and the resolvers.
    """
    w = np.where(np.asarray(governorate, bool), np.asarray(weight, float), 0.0)
    return batched.dot(control, w / w.sum())


def composite_parts(ds: xr.Dataset, region: str) -> list[str] | None:
    """The parts of ``region`` if it is a composite (``region_kind`` 'composite': the regions whose
    ``region_composite`` names it; ``[]`` if none does), else None."""
    if "region_kind" not in ds.coords or "region" not in ds.coords:
        return None
    ids = [str(r) for r in ds["region"].values]
    if region not in ids or str(ds["region_kind"].values[ids.index(region)]) != "composite":
        return None
    if "region_composite" not in ds.coords:
        return []
    return [r for r, c in zip(ids, ds["region_composite"].values, strict=True) if str(c) == region]


def composite_weights(regions: Mapping[str, Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """For a layout whose composites come after every region on the map: (A, S), each
    (R_map, K): column k of A holds composite k's parts' area weights a_p / Σ a_p (control), of S
    ones on its parts (forces, losses). ``x @ A`` gives the composites' columns."""
    ids = list(regions)
    composite = [rid for rid, r in regions.items() if r.get("parts")]
    n_map = len(ids) - len(composite)
    if any(ids.index(c) < n_map for c in composite):
        raise ValueError("composite regions must come after every region on the map")
    A, S = np.zeros((n_map, len(composite))), np.zeros((n_map, len(composite)))
    for k, c in enumerate(composite):
        parts = [ids.index(p) for p in regions[c]["parts"]]
        area = np.array([_num(regions[ids[p]].get("area")) for p in parts])
        A[parts, k] = area / area.sum()
        S[parts, k] = 1.0
    return A, S


def course_label(actor: str, strategy: str) -> str:
    """The label of one actor's course of action on the ``course`` dimension."""
    return f"{actor}/{strategy}"


def layout(
    start: str | dt.date,
    end: str | dt.date,
    n_members: int,
    *,
    factions: Sequence[str] = (),
    regions: Mapping[str, Mapping] | None = None,
    offices: Sequence[str] = (),
    issues: Sequence[str] = (),
    actors: Sequence[str] = (),
    courses: Sequence[tuple[str, str]] = (),
    series: Mapping[str, Mapping] | None = None,
    initial: bool = True,
    first_member: int = 0,
) -> tuple[dict[str, object], dict[str, int]]:
    """(coords, sizes) of a trajectory: the month axis (with the initial row when ``initial``), the
    labelled dims and their coordinates. ``regions`` maps id → {kind, parent, area, population,
    parts} (``parts``: a composite's part ids; its area defaults to the sum of theirs);
    ``courses`` are (actor, strategy) pairs; ``series`` maps id → {unit, kind}; ``contested`` is
    appended to ``factions`` if missing."""
    regions = dict(regions or {})
    series = dict(series or {})
    labels = month_labels(shift_month(month_label(start), -1) if initial else start, end)
    if factions and CONTESTED not in factions:
        factions = [*factions, CONTESTED]
    coords: dict[str, object] = {
        "member": np.arange(first_member, first_member + n_members),
        "month": labels,
    }
    sizes = {"member": n_members, "month": len(labels)}
    for dim, ids in (
        ("faction", factions),
        ("region", list(regions)),
        ("office", offices),
        ("issue", issues),
        ("actor", actors),
        ("course", [course_label(a, st) for a, st in courses]),
        ("series_id", list(series)),
    ):
        if len(ids):
            coords[dim] = np.array(list(ids), dtype=str)
            sizes[dim] = len(ids)
    if regions:
        meta = list(regions.values())
        whole = {p: rid for rid, r in regions.items() for p in r.get("parts") or ()}
        area = {
            rid: sum(_num(regions[p].get("area")) for p in r["parts"])
            if r.get("parts") and r.get("area") is None else _num(r.get("area"))
            for rid, r in regions.items()
        }  # fmt: skip
        coords["region_kind"] = (
            "region",
            np.array([r.get("kind", "governorate") for r in meta], dtype=str),
        )
        coords["region_parent"] = (
            "region",
            np.array([r.get("parent") or "" for r in meta], dtype=str),
        )
        coords["region_area"] = ("region", np.array(list(area.values()), dtype=float))
        coords["region_population"] = (
            "region",
            np.array([_num(r.get("population")) for r in meta], dtype=float),
        )
        coords["region_composite"] = (
            "region",
            np.array([whole.get(rid, "") for rid in regions], dtype=str),
        )
    if len(courses):
        coords["course_actor"] = ("course", np.array([a for a, _ in courses], dtype=str))
        coords["course_strategy"] = ("course", np.array([st for _, st in courses], dtype=str))
    if series:
        coords["series_unit"] = (
            "series_id",
            np.array([s["unit"] for s in series.values()], dtype=str),
        )
        coords["series_kind"] = (
            "series_id",
            np.array([s.get("kind", "stock") for s in series.values()], dtype=str),
        )
    return coords, sizes


def trajectory_attrs(
    first_step: str | dt.date,
    *,
    actor_faction: Mapping[str, str] | None = None,
    capture_threshold: float = DEFAULT_CAPTURE_THRESHOLD,
    area_basis: str = "",
    scenario_id: str = "",
    scenario_hash: str = "",
    counterfactual: str = "",
    root_seed: int = 0,
) -> dict[str, object]:
    """The contract's attributes (no wall-clock time: the same run gives the same bytes)."""
    return {
        "scenario_id": scenario_id,
        "scenario_hash": scenario_hash,
        "counterfactual": counterfactual,
        "root_seed": int(root_seed),
        "package_version": __version__,
        "first_step": month_label(first_step),
        "actor_faction": json.dumps(dict(actor_faction or {}), sort_keys=True),
        "capture_threshold": float(capture_threshold),
        "area_basis": area_basis,
    }


def make_empty_trajectory(
    start: str | dt.date,
    end: str | dt.date,
    n_members: int,
    *,
    factions: Sequence[str] = (),
    regions: Mapping[str, Mapping] | None = None,
    offices: Sequence[str] = (),
    issues: Sequence[str] = (),
    actors: Sequence[str] = (),
    courses: Sequence[tuple[str, str]] = (),
    series: Mapping[str, Mapping] | None = None,
    actor_faction: Mapping[str, str] | None = None,
    initial: bool = True,
    capture_threshold: float = DEFAULT_CAPTURE_THRESHOLD,
    area_basis: str = "",
    scenario_id: str = "",
    scenario_hash: str = "",
    counterfactual: str = "",
    root_seed: int = 0,
) -> xr.Dataset:
    """A contract-conforming Dataset: floats NaN, flags False, ``office_holder`` −1 (see
    :func:`layout`). A variable is created only when its dims are all given (e.g. no ``control``
    without regions)."""
    coords, sizes = layout(
        start, end, n_members, factions=factions, regions=regions, offices=offices,
        issues=issues, actors=actors, courses=courses, series=series, initial=initial,
    )  # fmt: skip
    fill = {"f": np.nan, "i": -1, "b": False}
    dtype = {"f": float, "i": np.int64, "b": bool}
    data_vars = {}
    for name, (dims, kind) in VARIABLES.items():
        if all(d in sizes for d in dims):
            shape = tuple(sizes[d] for d in dims)
            data_vars[name] = (dims, np.full(shape, fill[kind], dtype=dtype[kind]))
    attrs = trajectory_attrs(
        start, actor_faction=actor_faction, capture_threshold=capture_threshold,
        area_basis=area_basis, scenario_id=scenario_id, scenario_hash=scenario_hash,
        counterfactual=counterfactual, root_seed=root_seed,
    )  # fmt: skip
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def write_netcdf(ds: xr.Dataset, path) -> None:
    """Write a trajectory as compressed netCDF-4, atomically (a temporary file renamed into place,
    so a reader never sees half a file)."""
    import os
    from pathlib import Path

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars}
    ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    os.replace(tmp, path)


# --- validator --------------------------------------------------------------------------------


def check_trajectory(ds: xr.Dataset, tol: float = 1e-6) -> list[Problem]:
    """Every way ``ds`` departs from the contract (empty list: conforms)."""
    out: list[Problem] = []

    def bad(path: str, message: str, value=None, options: Iterable[str] = ()):
        out.append(
            Problem(
                "<trajectory>",
                None,
                None,
                path,
                message,
                None if value is None else repr(value),
                tuple(options),
            )
        )

    if "member" not in ds.dims or "month" not in ds.dims:
        bad("", "a trajectory needs dims 'member' and 'month'", sorted(map(str, ds.dims)))
        return out
    _check_months(ds, bad)
    for key in REQUIRED_ATTRS:
        if key not in ds.attrs:
            bad(f"attrs.{key}", "missing attribute")
    for name, (dims, kind) in VARIABLES.items():
        if name not in ds.data_vars:
            continue
        var = ds[name]
        if var.dims != dims:
            bad(name, f"dims must be {dims}", var.dims)
        if not _dtype_ok(var.dtype, kind):
            bad(name, f"dtype must be {_DTYPE_NAMES[kind]}", str(var.dtype))
    _check_factions(ds, bad, tol)
    _check_regions(ds, bad)
    _check_composites(ds, bad)
    _check_series(ds, bad)
    if "course" in ds.coords:
        for c in ("course_actor", "course_strategy"):
            if c not in ds.coords:
                bad("course", f"missing coordinate {c!r}")
    if "office_holder" in ds and "actor" in ds.coords:
        v = ds["office_holder"].values
        if v.size and (v.min() < -1 or v.max() >= ds.sizes["actor"]):
            bad(
                "office_holder",
                f"values must index the actor coordinate (−1..{ds.sizes['actor'] - 1})",
            )
    elif "office_holder" in ds:
        bad("office_holder", "needs an 'actor' coordinate to index")
    return out


def _dtype_ok(dtype: np.dtype, kind: str) -> bool:
    return {
        "f": np.issubdtype(dtype, np.floating),
        "i": np.issubdtype(dtype, np.integer),
        "b": dtype == np.bool_,
    }[kind]


def _check_months(ds: xr.Dataset, bad) -> None:
    labels = [str(x) for x in ds["month"].values]
    wrong = [x for x in labels if not MONTH_RE.match(x)]
    if wrong:
        bad("month", "month labels must be 'YYYY-MM' strings", wrong[0])
        return
    if labels != list(month_labels(labels[0], labels[-1])):
        bad("month", "months must be consecutive and increasing", labels)
        return
    fs = ds.attrs.get("first_step")
    if fs is not None and fs not in labels[:2]:
        bad(
            "attrs.first_step",
            "must be the first month label or the one after it (initial row)",
            fs,
            labels[:2],
        )


def _check_factions(ds: xr.Dataset, bad, tol: float) -> None:
    if "faction" not in ds.coords:
        return
    factions = [str(f) for f in ds["faction"].values]
    try:
        mapping = actor_faction(ds)
    except (ValueError, TypeError):
        bad(
            "attrs.actor_faction",
            "must be a JSON object {actor: faction}",
            ds.attrs["actor_faction"],
        )
        mapping = {}
    for actor, faction in mapping.items():
        if faction not in factions:
            bad(f"attrs.actor_faction.{actor}", "unknown faction", faction, factions)
    thr = ds.attrs.get("capture_threshold", DEFAULT_CAPTURE_THRESHOLD)
    if not 0 <= float(thr) < 1:
        bad("attrs.capture_threshold", "must lie in [0, 1)", thr)
    if "control" in ds:
        if CONTESTED not in factions:
            bad("faction", f"control needs a '{CONTESTED}' faction", factions)
        total = ds["control"].sum("faction", skipna=False).values
        finite = total[np.isfinite(total)]
        if finite.size and np.abs(finite - 1).max() > tol:
            bad(
                "control",
                "shares must sum to 1 over factions",
                float(finite[np.argmax(np.abs(finite - 1))]),
            )


def _check_regions(ds: xr.Dataset, bad) -> None:
    if "region" not in ds.coords:
        return
    need = ("region_kind", "region_parent", "region_area", "region_population")
    missing = [c for c in need if c not in ds.coords]
    if missing:
        bad("region", "missing region coordinates", missing, need)
        return
    ids = [str(r) for r in ds["region"].values]
    kinds = dict(zip(ids, (str(k) for k in ds["region_kind"].values), strict=True))
    for rid, kind, parent in zip(ids, kinds.values(), ds["region_parent"].values, strict=True):
        if kind not in REGION_KINDS:
            bad(f"region_kind[{rid}]", "unknown region kind", kind, REGION_KINDS)
        elif kind == "site" and kinds.get(str(parent)) != "governorate":
            bad(f"region_parent[{rid}]", "a site's parent must be a governorate", str(parent))
        elif kind == "governorate" and str(parent):
            bad(f"region_parent[{rid}]", "a governorate has no parent", str(parent))
    if "governorate" not in kinds.values():
        bad("region_kind", "no governorate: national shares need the governorates")
    area = ds["region_area"].values[ds["region_kind"].values == "governorate"]
    if np.any(~np.isfinite(area)) or np.any(area <= 0):
        bad("region_area", "every governorate needs a positive area")
    if "area_basis" not in ds.attrs:
        bad("attrs.area_basis", "missing attribute (the scenario's declared area basis)")


def _check_composites(ds: xr.Dataset, bad, tol: float = 1e-4) -> None:
    """Composites: in a governorate, made of sites of the same governorate with areas; their area
    the sum of their parts', their control the parts' area-weighted control (float32: ``tol``)."""
    if "region_kind" not in ds.coords or "region_parent" not in ds.coords:
        return
    ids = [str(r) for r in ds["region"].values]
    kinds = [str(k) for k in ds["region_kind"].values]
    if "composite" not in kinds:
        return
    if "region_composite" not in ds.coords:
        bad("region", "composite regions need the coordinate 'region_composite'")
        return
    parent = dict(zip(ids, (str(p) for p in ds["region_parent"].values), strict=True))
    kind = dict(zip(ids, kinds, strict=True))
    area = dict(zip(ids, ds["region_area"].values.astype(float), strict=True))
    whole = dict(zip(ids, (str(c) for c in ds["region_composite"].values), strict=True))
    for rid, c in whole.items():
        if c and (kind[rid] != "site" or kind.get(c) != "composite"):
            bad(f"region_composite[{rid}]", "only a site can be a part, and only of a composite",
                c, [r for r in ids if kind[r] == "composite"])  # fmt: skip
    for rid in (r for r in ids if kind[r] == "composite"):
        if kind.get(parent[rid]) != "governorate":
            bad(f"region_parent[{rid}]", "a composite's parent must be a governorate", parent[rid])
        parts = [p for p in ids if whole[p] == rid]
        if not parts:
            bad("region_composite", f"composite {rid!r} has no parts")
            continue
        for p in parts:
            if parent[p] != parent[rid]:
                bad(f"region_parent[{p}]", f"a part must lie in its composite's governorate "
                    f"({parent[rid]!r})", parent[p])  # fmt: skip
        a = np.array([area[p] for p in parts])
        if not np.all(np.isfinite(a) & (a > 0)):
            bad(f"region_area[{rid}]", "every part of a composite needs a positive area",
                dict(zip(parts, a.tolist(), strict=True)))  # fmt: skip
            continue
        if not np.isclose(area[rid], a.sum(), rtol=1e-6):
            bad(f"region_area[{rid}]", "a composite's area must be the sum of its parts'",
                float(area[rid]), [f"{a.sum():g}"])  # fmt: skip
        if "control" in ds:
            c = ds["control"]
            want = (c.sel(region=parts) * xr.DataArray(a / a.sum(), dims="region")).sum("region")
            gap = np.abs(c.sel(region=rid).values - want.values)
            gap = gap[np.isfinite(gap)]
            if gap.size and gap.max() > tol:
                bad(f"control[{rid}]", "a composite's control must be its parts' area-weighted "
                    "control", float(gap.max()))  # fmt: skip


def _check_series(ds: xr.Dataset, bad) -> None:
    if "series_id" not in ds.coords:
        return
    for c in ("series_unit", "series_kind"):
        if c not in ds.coords:
            bad("series_id", f"missing coordinate {c!r}")
            return
    for sid, unit, kind in zip(
        ds["series_id"].values, ds["series_unit"].values, ds["series_kind"].values, strict=True
    ):
        if str(kind) not in SERIES_KINDS:
            bad(f"series_kind[{sid}]", "unknown series kind", str(kind), SERIES_KINDS)
        try:
            parse_unit(str(unit))
        except ValueError:
            bad(f"series_unit[{sid}]", "unknown unit", str(unit), SERIES_UNITS)
