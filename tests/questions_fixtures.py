"""Synthetic trajectories for the question and trajectory tests (hand-built, via the contract builder).

The toy country has two governorates, ``north`` (area 100 km², 3000 people) and ``south`` (300 km²,
1000 people); ``north-city`` is a site of ``north`` (area 10) and ``oasis`` a point site of ``south``.
Months: an initial row 2015-12, then 2016-01 … 2016-12 simulated (``first_step`` 2016-01).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from realpolitik.questions import loads_questions
from realpolitik.trajectory import make_empty_trajectory

REGIONS = {
    "north": {"kind": "governorate", "area": 100.0, "population": 3000.0},
    "south": {"kind": "governorate", "area": 300.0, "population": 1000.0},
    "north-city": {"kind": "site", "parent": "north", "area": 10.0, "population": 500.0},
    "oasis": {"kind": "site", "parent": "south", "area": None, "population": None},
}
FACTIONS = ["regime", "rebels", "isis"]
ACTORS = ["assad", "makhlouf", "regime", "russia", "usa", "iran", "turkey"]
SERIES = {
    "refugees": {"unit": "persons", "kind": "stock"},
    "arrivals": {"unit": "persons-per-calendar-year", "kind": "flow"},
    "vetoes": {"unit": "count", "kind": "flow"},
    "deaths": {"unit": "persons", "kind": "stock"},
    "vetoes-cum": {"unit": "count-since-2015-12-31", "kind": "count"},
    "gain": {"unit": "percent-of-syria", "kind": "stock"},
}
ACTOR_FACTION = {"assad": "regime", "regime": "regime", "iran": "regime", "turkey": "rebels"}


def toy(
    n_members: int = 3, start: str = "2016-01", end: str = "2016-12", initial: bool = True
) -> xr.Dataset:
    """An empty toy trajectory; every region starts (and stays) 'contested' until a test sets it."""
    ds = make_empty_trajectory(
        start,
        end,
        n_members,
        factions=FACTIONS,
        regions=REGIONS,
        offices=["president"],
        issues=["transition", "ceasefire"],
        actors=ACTORS,
        courses=[(a, st) for a in ACTORS for st in ("veto", "deal")],
        series=SERIES,
        actor_faction=ACTOR_FACTION,
        initial=initial,
        area_basis="toy-official",
        scenario_id="toy",
        root_seed=7,
    )
    control = ds["control"]
    control[:] = 0.0
    control.loc[{"faction": "contested"}] = 1.0
    return ds


CITY = {  # a divided city in ``north``: a composite of two parts with areas
    "capital-east": {"kind": "site", "parent": "north", "area": 30.0, "population": None},
    "capital-west": {"kind": "site", "parent": "north", "area": 10.0, "population": None},
    "capital": {"kind": "composite", "parent": "north", "parts": ["capital-east", "capital-west"]},
}


def toy_city(n_members: int = 3) -> xr.Dataset:
    """The toy run with a divided city ``capital`` (parts ``capital-east``, area 30, and
    ``capital-west``, area 10); every region starts 'contested' (see :func:`set_city`)."""
    ds = make_empty_trajectory(
        "2016-01", "2016-12", n_members, factions=FACTIONS, regions={**REGIONS, **CITY},
        actors=ACTORS, actor_faction=ACTOR_FACTION, area_basis="toy-official", scenario_id="toy",
    )  # fmt: skip
    ds["control"][:] = 0.0
    ds["control"].loc[{"faction": "contested"}] = 1.0
    return ds


def set_city(ds: xr.Dataset, part: str, month: str, shares: dict[str, float], member=slice(None)):
    """Set a part's shares from ``month`` on and keep the composite's column its parts'
    area-weighted control (the contract)."""
    set_control(ds, part, month, shares, member)
    parts = [r for r in CITY if CITY[r].get("parent") and "parts" not in CITY[r]]
    area = np.array([CITY[p]["area"] for p in parts])
    ds["control"].loc[{"region": "capital"}] = (
        ds["control"].sel(region=parts) * xr.DataArray(area / area.sum(), dims="region")
    ).sum("region")


def set_control(
    ds: xr.Dataset, region: str, month: str, shares: dict[str, float], member=slice(None)
) -> None:
    """Set one region's shares for ``month`` onwards (the rest of the region's share goes to 'contested')."""
    months = ds["month"].values >= month
    r = list(ds["region"].values).index(region)
    for f, faction in enumerate(ds["faction"].values):
        value = (
            1.0 - sum(shares.values()) if faction == "contested" else shares.get(str(faction), 0.0)
        )
        ds["control"].values[member, months, f, r] = value


def question(query: str, qid: str = "q") -> object:
    """One question parsed from a flow-style YAML query, e.g. ``"{kind: holds, actor: assad, ...}"``."""
    text = f"- id: {qid}\n  level: local\n  text: t\n  query: {query}\n"
    return loads_questions(text, f"<{qid}>")[0]


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def month_index(ds: xr.Dataset, label: str) -> int:
    return int(np.flatnonzero(ds["month"].values == label)[0])


def put(
    ds: xr.Dataset,
    name: str,
    value,
    since: str = "",
    until: str = "9999-12",
    member=slice(None),
    **labels,
):
    """Set ``ds[name]`` to ``value`` for months in [since, until], the given member(s) and labels
    (``actor`` and ``strategy`` name a course)."""
    if "course" in ds[name].dims:
        labels["course"] = f"{labels.pop('actor')}/{labels.pop('strategy')}"
    months = ds["month"].values
    index = []
    for dim in ds[name].dims:
        if dim == "member":
            index.append(member)
        elif dim == "month":
            index.append((months >= since) & (months <= until))
        else:
            index.append(list(ds[dim].values).index(labels[dim]))
    ds[name].values[tuple(index)] = value
