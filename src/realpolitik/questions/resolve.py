"""Resolve a question against a trajectory, per member (DESIGN.md, "Forecast questions" and "Contracts").

Date rules (see :mod:`realpolitik.trajectory` for the month axis):

* discrete state on D = the value at the end of D's month (index m);
* continuous value on D = v[m−1] + (v[m] − v[m−1])·day(D)/days_in_month(D); v[m] on the first row;
* a window [from, to] = every month overlapping it; each must be a simulated month (≥ first_step);
* "not held at from" = the state at the end of the month before from's month (may be the initial row).

Kinds: ``settled`` any in months ≤ by; ``issue_outcome(on)`` ∈ [min, max]; territory (population)
share = 100·Σ_g w_g·control[f, g] / Σ_g w_g over governorates g (w = ``region_area`` or
``region_population``), interpolated, compared with ``op value`` if given; holds = control[f, r] >
θ at the end of on's month (θ = ``attrs['capture_threshold']``, default 0.5), and for a composite
region (``region_kind`` 'composite') control[f, p] > θ in every part p; captures = holds at some
month of the window and not at the end of the month before it (a composite: the last part falls); holds_office = holder index is
the actor's; aligned = |a−a_with| < |a−a_over| (interpolated); choice = ``acted`` of the course
``actor/strategy`` any in the window;
value: ``persons``/``percent-of-syria`` = stock interpolated on D; ``persons-per-calendar-year`` =
Σ of the flow over the 12 months of D's year; ``count-since-S`` = C(D) − C(S), C the cumulative
count interpolated (a count or stock series as stored, or the running sum of a flow series over
the simulated months, 0 at the initial row).
"""

from __future__ import annotations

import datetime as dt
import operator

import numpy as np
import xarray as xr

from ..errors import ScenarioError
from ..trajectory import (
    DEFAULT_CAPTURE_THRESHOLD,
    UNITS,
    actor_faction,
    composite_parts,
    course_label,
    day_fraction,
    first_step,
    month_label,
    national_shares,
    parse_unit,
    shift_month,
    unit_base,
)
from ..yamlio import Positions
from .schema import Question, is_numeric

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


class _Reader:
    """Reads one query's pieces from a trajectory; every failure is a located ScenarioError."""

    def __init__(self, ds: xr.Dataset, question: Question | None, query):
        self.ds, self.question, self.query = ds, question, query
        self.labels = [str(m) for m in ds["month"].values]
        self.index = {label: i for i, label in enumerate(self.labels)}
        self.first = self.index.get(first_step(ds), 0)

    def fail(self, field: str, message: str, value=None, options=()):
        path = ("query", field)
        if self.question is not None:
            problem = self.question.problem(path, message, value, options)
        else:
            problem = Positions(f"<{self.query.kind} query>").problem(path, message, value, options)
        raise ScenarioError([problem])

    def var(self, name: str) -> xr.DataArray:
        if name not in self.ds.data_vars:
            self.fail(
                "kind",
                f"the trajectory has no {name!r} variable",
                self.query.kind,
                sorted(self.ds.data_vars),
            )
        return self.ds[name]

    def pick(self, da: xr.DataArray, dim: str, key: str, field: str) -> xr.DataArray:
        known = [str(x) for x in self.ds[dim].values] if dim in self.ds.coords else []
        if key not in known:
            self.fail(field, f"unknown {dim.removesuffix('_id')} in the trajectory", key, known)
        return da.sel({dim: key})

    def faction(self, actor: str) -> str:
        mapping = actor_faction(self.ds)
        factions = [str(f) for f in self.ds["faction"].values]
        faction = mapping.get(actor, actor if actor in factions else None)
        if faction is None:
            self.fail(
                "actor", "actor has no faction (attrs['actor_faction'])", actor, sorted(mapping)
            )
        return faction

    def month(self, d: dt.date, field: str, simulated: bool = False) -> int:
        label = month_label(d)
        lo = self.first if simulated else 0
        i = self.index.get(label, -1)
        if not lo <= i:
            first = self.labels[lo]
            what = "the simulated months" if simulated else "the run"
            self.fail(field, f"date outside {what} ({first} to {self.labels[-1]})", str(d))
        return i

    def window(self, start: dt.date, stop: dt.date) -> list[int]:
        """Indices of the months overlapping [start, stop] (the axis is consecutive)."""
        i, j = self.month(start, "from", simulated=True), self.month(stop, "to", simulated=True)
        return list(range(i, j + 1))

    def at_end(self, da: xr.DataArray, d: dt.date, field: str = "on") -> xr.DataArray:
        """Discrete state: the value at the end of D's month."""
        return da.isel(month=self.month(d, field))

    def at(self, da: xr.DataArray, d: dt.date, field: str = "on") -> xr.DataArray:
        """Continuous value: linear between the month-ends around D (own value on the first row)."""
        i = self.month(d, field)
        cur = da.isel(month=i)
        if i == 0:
            return cur
        prev = da.isel(month=i - 1)
        return prev + (cur - prev) * day_fraction(d)

    def finite(self, x: xr.DataArray, field: str, what: str) -> np.ndarray:
        values = np.asarray(x.transpose("member").values, dtype=float)
        if not np.all(np.isfinite(values)):
            self.fail(field, f"the trajectory has missing (NaN) {what} on that date")
        return values

    def held(self, actor: str, region: str) -> xr.DataArray:
        """(member, month) bool: the actor's faction holds the region (share > θ); a composite
        when it holds every part."""
        control = self.pick(self.var("control"), "faction", self.faction(actor), "actor")
        self.pick(control, "region", region, "region")
        parts = composite_parts(self.ds, region)
        if parts == []:
            self.fail("region", "composite region without parts in the trajectory (coordinate "
                      "'region_composite')", region)  # fmt: skip
        control = control.sel(region=parts or [region])
        if np.isnan(control.values).any():
            self.fail("region", "the trajectory has missing (NaN) control shares", region)
        theta = float(self.ds.attrs.get("capture_threshold", DEFAULT_CAPTURE_THRESHOLD))
        return (control > theta).all("region")


def resolve(question_or_query, ds: xr.Dataset) -> np.ndarray:
    """Per-member resolution: bool array (binary questions) or float array (numeric questions)."""
    question = question_or_query if isinstance(question_or_query, Question) else None
    query = question.query if question is not None else question_or_query
    r = _Reader(ds, question, query)
    out = _RESOLVERS[query.kind](query, r)
    return np.asarray(out.transpose("member").values if isinstance(out, xr.DataArray) else out)


def forecast(question_or_query, ds: xr.Dataset) -> float | dict[float, float]:
    """Share of members resolving true (binary), or quantiles at :data:`QUANTILES` (numeric)."""
    query = (
        question_or_query.query if isinstance(question_or_query, Question) else question_or_query
    )
    x = resolve(question_or_query, ds)
    if is_numeric(query):
        return dict(zip(QUANTILES, (float(v) for v in np.quantile(x, QUANTILES)), strict=True))
    return float(np.mean(x))


def _settlement(q, r: _Reader):
    settled = r.pick(r.var("settled"), "issue", q.issue, "issue")
    last = r.month(q.by, "by", simulated=True)
    return settled.isel(month=slice(0, last + 1)).any("month")


def _position(q, r: _Reader):
    outcome = r.pick(r.var("issue_outcome"), "issue", q.issue, "issue")
    x = r.finite(r.at(outcome, q.on), "on", "issue_outcome")
    return (q.min <= x) & (x <= q.max)


def _share(q, r: _Reader) -> np.ndarray:
    control = r.pick(r.var("control"), "faction", r.faction(q.actor), "actor")
    weight_name = "region_area" if q.measure == "territory" else "region_population"
    if weight_name not in r.ds.coords or "region_kind" not in r.ds.coords:
        r.fail(
            "measure", f"the trajectory has no {weight_name!r}/'region_kind' coordinates", q.measure
        )
    govs = r.ds["region_kind"].values == "governorate"
    w = r.ds[weight_name].values
    if not govs.any() or not np.all(np.isfinite(w[govs])):
        r.fail("measure", f"every governorate needs a finite {weight_name}", q.measure)
    at = r.at(control, q.on).transpose("member", "region").values
    share = national_shares(at[:, None, :], np.nan_to_num(w), govs)[:, 0]
    return r.finite(xr.DataArray(share * 100.0, dims="member"), "on", "control shares")


def _control(q, r: _Reader):
    share = _share(q, r)
    return share if q.op is None else _OPS[q.op](share, q.value)


def _holds(q, r: _Reader):
    return r.at_end(r.held(q.actor, q.region), q.on)


def _captures(q, r: _Reader):
    held = r.held(q.actor, q.region)
    months = r.window(q.from_, q.to)
    before = months[0] - 1
    if before < 0:
        label = shift_month(month_label(q.from_), -1)
        r.fail(
            "from",
            f"the run has no state for {label}, the month before 'from' (give an initial row)",
            str(q.from_),
        )
    return held.isel(month=months).any("month") & ~held.isel(month=before)


def _holds_office(q, r: _Reader):
    holder = r.pick(r.var("office_holder"), "office", q.office, "office")
    actors = [str(a) for a in r.ds["actor"].values] if "actor" in r.ds.coords else []
    if q.actor not in actors:
        r.fail("actor", "unknown actor in the trajectory", q.actor, actors)
    return r.at_end(holder, q.on) == actors.index(q.actor)


def _aligned(q, r: _Reader):
    alignment = r.var("alignment")
    a, w, o = (
        r.finite(r.at(r.pick(alignment, "actor", actor, field), q.on), field, "alignment")
        for actor, field in ((q.actor, "actor"), (q.with_, "with"), (q.over, "over"))
    )
    return np.abs(a - w) < np.abs(a - o)


def _choice(q, r: _Reader):
    acted = r.var("acted")
    courses = [str(c) for c in r.ds["course"].values] if "course" in r.ds.coords else []
    label = course_label(q.actor, q.strategy)
    if label not in courses:
        known = [c.split("/", 1)[1] for c in courses if c.startswith(f"{q.actor}/")]
        if not known:
            r.fail("actor", "the actor has no course of action in the trajectory", q.actor,
                   sorted({c.split("/", 1)[0] for c in courses}))  # fmt: skip
        r.fail("strategy", "unknown strategy of that actor in the trajectory", q.strategy, known)
    return acted.sel(course=label).isel(month=r.window(q.from_, q.to)).any("month")


def _value(q, r: _Reader):
    series = r.pick(r.var("series"), "series_id", q.series, "series")
    unit = str(series["series_unit"].values) if "series_unit" in series.coords else None
    kind = str(series["series_kind"].values) if "series_kind" in series.coords else None
    key, since = parse_unit(q.unit)
    base, kinds = UNITS[key]
    if unit is None or kind is None:
        r.fail(
            "series",
            "the trajectory's series need 'series_unit' and 'series_kind' coordinates",
            q.series,
        )
    try:
        unit_base(unit)
    except ValueError:
        r.fail("series", f"the series has an unknown unit {unit!r}", q.series)
    if unit_base(unit) != base or kind not in kinds:
        ok = [u for u, (b, ks) in UNITS.items() if b == unit_base(unit) and kind in ks]
        msg = f"unit does not fit series {q.series!r} ({kind} in {unit})"
        r.fail("unit", msg, q.unit, ok)
    if key == "persons-per-calendar-year":
        months = r.window(dt.date(q.on.year, 1, 1), dt.date(q.on.year, 12, 31))
        return r.finite(series.isel(month=months).sum("month", skipna=False), "on", "flows")
    if key == "count-since-YYYY-MM-DD":
        if kind == "flow":
            simulated = np.arange(series.sizes["month"]) >= r.first
            series = series.where(xr.DataArray(simulated, dims="month"), 0.0).cumsum(
                "month", skipna=False
            )
        return r.finite(r.at(series, q.on) - r.at(series, since, "unit"), "on", "counts")
    return r.finite(r.at(series, q.on), "on", q.series)


_RESOLVERS = {
    "settlement": _settlement,
    "position": _position,
    "control": _control,
    "holds": _holds,
    "captures": _captures,
    "holds_office": _holds_office,
    "aligned": _aligned,
    "choice": _choice,
    "value": _value,
}
