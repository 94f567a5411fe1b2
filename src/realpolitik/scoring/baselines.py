"""Baselines: simple forecasts of the same questions, scored beside the model. None reads an outcome
(each gets the questions with their outcome fields removed: :func:`blind`).

* **uniform** — p = ½ for every binary question; numeric questions are excluded.
* **persistence** — the ``as_of`` state continues: each question is resolved, member by member, on
  the *frozen* trajectory (every month equal to the initial row); binary p = the share of members
  resolving true, clipped to [0.05, 0.95]; numeric: the members' frozen values, plus for a ``persons``
  stock series with sourced pre-cut-off observations (``data/questions/persistence-trends.yaml``)
  the least-squares trend b (persons a day) times the days from the series' ``start_date`` to ``on``.
* **base_rate** — each act's reference-class rate h = (k + ½)/E and nothing else: p = 1 − (1 − h)^n
  over the n simulated months of the window (a joint act: its whole rate h0); a ``settlement``
  question: the issue's settlement base rate, the months up to ``by``; ``holds_office`` of the
  ``as_of`` holder: (1 − h_coup − h_exit)^n (the leader-exit reference classes). Game strategies,
  council acts and kinds without a reference class (positions, control, holds, captures, alignment,
  numeric) are excluded and counted.
* **analyst** — the analysis's estimative words in each question's ``article``, coded in
  ``data/questions/analyst-probabilities.yaml`` with the ICD 203 bands (see that file); a question
  without estimative words is excluded and counted, never set to ½.
* **compromise** — for ``position`` questions: the capability × salience weighted mean of the
  ``as_of`` positions, x̄ = Σ c_i s_i x_i / Σ c_i s_i per member (the members' own draws), p = (k + ½)/(n + 1)
  with k members in [min, max] (the "compromise model" that expected-utility models find hard to beat on
  EU decisions). Other kinds are excluded.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .. import yamlio
from ..errors import ScenarioError
from ..questions.resolve import resolve
from ..questions.schema import is_numeric
from ..trajectory import month_index

CLIP = (0.05, 0.95)
NAMES = ("uniform", "persistence", "base_rate", "analyst", "compromise")
REASONS = (
    "no quote",
    "no estimative words",
    "estimative words about another event",
    "numeric question",
)


@dataclass(frozen=True)
class Forecast:
    """One forecaster's forecast of one question: ``p`` (binary), ``members`` (numeric ensemble), or
    the reason it is ``excluded``."""

    p: float | None = None
    members: np.ndarray | None = None
    excluded: str | None = None


def blind(questions) -> list:
    """The questions without their outcome fields (what every baseline sees)."""
    return [
        q.model_copy(update={"outcome": None, "resolves": None, "source": None}) for q in questions
    ]


def uniform(questions) -> dict[str, Forecast]:
    return {
        q.id: Forecast(excluded="numeric question") if is_numeric(q.query) else Forecast(p=0.5)
        for q in questions
    }


def frozen(ds: xr.Dataset) -> xr.Dataset:
    """The trajectory with every month equal to its initial row (views, no copies)."""
    out = {}
    for name, da in ds.data_vars.items():
        first = da.isel(month=slice(0, 1)).values
        out[name] = (da.dims, np.broadcast_to(first, da.shape) if "month" in da.dims else da.values)
    return xr.Dataset(out, coords=ds.coords, attrs=ds.attrs)


def trends(path: Path, as_of: dt.date) -> dict[str, float]:
    """Series id → pre-cut-off slope (persons a day) from ``persistence-trends.yaml``."""
    data, _ = yamlio.load(path)
    out = {}
    for entry in data:
        rows = list(csv.DictReader(open(path.parent / entry["file"], encoding="utf-8")))
        start = as_of - dt.timedelta(days=round(30.4375 * entry["months"]))
        pts = [
            ((dt.date.fromisoformat(r["date"]) - as_of).days, float(r["persons"]))
            for r in rows
            if r["kind"] == entry["kind"]
            and start <= dt.date.fromisoformat(r["date"]) <= as_of
            and dt.date.fromisoformat(r["published"]) <= as_of
        ]
        if len(pts) >= 2:
            x, y = np.array(pts).T
            out[entry["series"]] = float(np.polyfit(x, y, 1)[0])
    return out


def persistence(questions, ds: xr.Dataset, scenario, slopes: dict[str, float]) -> dict:
    still = frozen(ds)
    start = {s.id: s.start_date for s in scenario.series}
    out = {}
    for q in questions:
        x = resolve(q, still)
        if is_numeric(q.query):
            slope = slopes.get(getattr(q.query, "series", None), 0.0)
            if slope and q.query.unit == "persons":
                x = x + slope * (q.query.on - start[q.query.series]).days
            out[q.id] = Forecast(members=np.asarray(x, float))
        else:
            out[q.id] = Forecast(p=float(np.clip(np.mean(x), *CLIP)))
    return out


def _months(first: str, start: dt.date | None, stop: dt.date) -> int:
    """Simulated months overlapping [start, stop] (from the first simulated month if start is None
    or earlier)."""
    lo = 0 if start is None else max(0, month_index(first, start))
    return month_index(first, stop) - lo + 1


def base_rate(questions, scenario, first: str) -> dict[str, Forecast]:
    acts = {(a.actor, a.id): a for a in scenario.actions}
    council = {(a.actor, a.id) for a in (scenario.council.acts if scenario.council else ())}
    issues = {i.id: i for i in scenario.issues}
    leaders = {lead.id: lead for lead in scenario.leadership}
    holders = {o.id: o.holder for o in scenario.offices}
    out = {}
    for q in questions:
        k = q.query
        p, why = None, "no reference class for this kind"
        if k.kind == "choice":
            act = acts.get((k.actor, k.strategy))
            if act is not None:
                n = _months(first, k.from_, k.to)
                p = 1.0 - (1.0 - act.base_rate.rate) ** n
            else:
                why = "council act" if (k.actor, k.strategy) in council else "game strategy"
                why += ": no reference class of its own"
        elif k.kind == "settlement":
            rule = issues[k.issue].settlement if k.issue in issues else None
            if rule is not None and rule.rule == "hazard" and rule.base_rate is not None:
                p = 1.0 - (1.0 - rule.base_rate.rate) ** _months(first, None, k.by)
            else:
                why = "the issue has no settlement base rate"
        elif k.kind == "holds_office" and k.office in leaders:
            if holders.get(k.office) == k.actor:
                lead = leaders[k.office]
                p = (1.0 - lead.coup.rate - lead.exit.rate) ** _months(first, None, k.on)
            else:
                why = "not the as_of holder: no reference class for taking office"
        out[q.id] = Forecast(p=p) if p is not None else Forecast(excluded=why)
    return out


def compromise(questions, bargaining) -> dict[str, Forecast]:
    """``bargaining``: the compiled bargaining Params of the run's members (or None)."""
    out = {}
    for q in questions:
        k = q.query
        if k.kind != "position" or bargaining is None or k.issue not in bargaining.issues:
            out[q.id] = Forecast(excluded="not a bargaining position question")
            continue
        i = bargaining.issues.index(k.issue)
        x = np.asarray(bargaining.position, float)[:, i]
        w = (np.asarray(bargaining.capability, float) * np.asarray(bargaining.salience, float))[
            :, i
        ]
        mean = (w * x).sum(axis=1) / w.sum(axis=1)
        hits = int(np.sum((k.min <= mean) & (mean <= k.max)))
        out[q.id] = Forecast(p=(hits + 0.5) / (mean.size + 1))
    return out


@dataclass(frozen=True)
class AnalystTable:
    """``analyst-probabilities.yaml``: question id → (p or None, reason, hedge)."""

    entries: dict[str, dict]

    def forecasts(self, questions) -> dict[str, Forecast]:
        out = {}
        for q in questions:
            e = self.entries.get(q.id)
            if e is None:
                out[q.id] = Forecast(excluded="not coded")
            elif e.get("p") is None:
                out[q.id] = Forecast(excluded=e["excluded"])
            else:
                out[q.id] = Forecast(p=float(e["p"]))
        return out


def load_analyst(path: Path, questions=()) -> AnalystTable:
    """Read and check the coded table: each p is the midpoint of its hedge's band (1 − it for
    ``direction: no``), each hedge occurs in the question's ``article``, each exclusion has a reason."""
    data, pos = yamlio.load(path)
    bands = data["table"]["bands"]
    articles = {q.id: (q.article or "").lower() for q in questions}
    problems, entries = [], {}
    for i, e in enumerate(data["questions"]):
        at = ("questions", i)
        hedge = e.get("hedge")
        if hedge is None:
            if e.get("excluded") not in REASONS:
                problems.append(
                    pos.problem((*at, "excluded"), "unknown reason", e.get("excluded"), REASONS)
                )
        elif hedge not in bands:
            problems.append(
                pos.problem((*at, "hedge"), "not a term of the table", hedge, tuple(bands))
            )
        else:
            mid = sum(bands[hedge]) / 2
            want = mid if e.get("direction") == "yes" else 1 - mid
            if e.get("direction") not in ("yes", "no"):
                problems.append(
                    pos.problem(
                        (*at, "direction"), "not a direction", e.get("direction"), ("yes", "no")
                    )
                )
            elif abs(float(e.get("p", -1)) - want) > 1e-9:
                problems.append(
                    pos.problem(
                        (*at, "p"),
                        f"must be {want:g} for {hedge!r}, direction {e['direction']}",
                        e.get("p"),
                    )
                )
            if e["id"] in articles and hedge not in articles[e["id"]]:
                problems.append(
                    pos.problem((*at, "hedge"), "does not occur in the question's article", hedge)
                )
        entries[e["id"]] = e
    if problems:
        raise ScenarioError(problems)
    return AnalystTable(entries)
