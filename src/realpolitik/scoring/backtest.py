"""A backtest: the model's forecasts and the baselines', scored against recorded outcomes.

Binary questions are scored with the Brier and log scores (means over questions, 90 % keyed
bootstrap intervals), the decomposition, ECE and the reliability table; numeric questions with the
fair CRPS per question (in its own unit) and, across questions, the mean skill against persistence
CRPSS_q = 1 − CRPS_model,q / CRPS_persistence,q. Each baseline is scored on the binary questions it
covers, beside the model on the same questions: its Brier, the model's skill against it
BSS = 1 − BS̄_model/BS̄_baseline and the paired difference BS̄_model − BS̄_baseline, each with a paired
bootstrap interval. A question without an outcome, or that the trajectory cannot resolve, is counted
as unresolvable, never dropped silently.

**Base-rate-only flag.** A question whose forecast comes ≥ 90 % from its own base-rate parameter θ
(a hazard act's reference-class rate, an issue's settlement base rate, the office's leader-exit
rates: keyed per-member draws) is flagged. The share is the first-order variance decomposition
S = Var(E[q | θ]) / Var(q) over the ensemble, E[q | θ] estimated on 20 equal-count bins of θ, where
q_m is the member's probability of the event given its path, 1 − Π_t (1 − h_m,t) over the window
for a hazard act (h = strategy_prob; after a once act fires, its last hazard carried forward), and its 0/1 resolution for the other kinds (whose per-month hazard the
trajectory does not record, so the Bernoulli noise counts against the flag).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ..errors import ScenarioError
from ..questions.resolve import resolve
from ..questions.schema import is_numeric
from ..trajectory import course_label, first_step, month_label
from . import baselines as bl
from . import scores

FLAG_SHARE = 0.9
SHARE_BINS = 20


@dataclass
class Scored:
    id: str
    level: str
    kind: str
    numeric: bool
    forecast: float | None = None  # p, or the median
    members: np.ndarray | None = None
    outcome: bool | float | None = None
    unresolvable: str | None = None
    share: float | None = None  # base-rate share of the forecast variance
    baselines: dict[str, bl.Forecast] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return self.unresolvable is None

    @property
    def base_rate_only(self) -> bool:
        return self.share is not None and self.share >= FLAG_SHARE


def outcomes_by_id(questions, outcome_questions=None) -> dict:
    """id → outcome, from ``outcome_questions`` (an outcome file) or the questions themselves."""
    source = questions if outcome_questions is None else outcome_questions
    return {q.id: q.outcome for q in source if q.outcome is not None}


def score_questions(questions, outcomes: dict, ds: xr.Dataset, scenario, compiled, analyst, slopes):
    """Resolve, forecast and attach baselines and outcomes: a list of :class:`Scored`."""
    out, resolved = [], []
    for q in questions:
        s = Scored(q.id, q.level, q.query.kind, is_numeric(q.query))
        try:
            x = resolve(q, ds)
        except ScenarioError as exc:
            s.unresolvable = f"the trajectory cannot resolve it: {exc.problems[0].message}"
            out.append(s)
            continue
        if s.numeric:
            s.members = np.asarray(x, float)
            s.forecast = float(np.median(s.members))
        else:
            s.forecast = (float(np.sum(x)) + 0.5) / (x.size + 1)
        s.share = base_rate_share(q, x, ds, compiled)
        s.outcome = outcomes.get(q.id)
        if s.outcome is None:
            s.unresolvable = "no outcome"
        out.append(s)
        resolved.append(q)
    blind = bl.blind(resolved)
    first = first_step(ds)
    by_name = {
        "uniform": bl.uniform(blind),
        "persistence": bl.persistence(blind, ds, scenario, slopes),
        "base_rate": bl.base_rate(blind, scenario, first),
        "analyst": analyst.forecasts(blind)
        if analyst is not None
        else {q.id: bl.Forecast(excluded="no analyst file") for q in blind},
        "compromise": bl.compromise(blind, _params(compiled, "bargaining")),
    }
    for s in out:
        if s.id in by_name["uniform"]:
            s.baselines = {name: f[s.id] for name, f in by_name.items()}
    return out


def _params(compiled, engine: str):
    e = compiled.engines.get(engine) if compiled is not None else None
    return e.params if e is not None else None


def base_rate_share(q, x: np.ndarray, ds: xr.Dataset, compiled) -> float | None:
    """S = Var(E[q|θ])/Var(q) for a question with its own base-rate parameter θ (module docstring)."""
    k = q.query
    theta, prob = None, np.asarray(x, float)
    if k.kind == "choice" and (p := _params(compiled, "actions")) is not None:
        label = course_label(k.actor, k.strategy)
        if label in p.actions:
            a = p.actions.index(label)
            theta = np.prod(p.base_rate[:, p.row_action == a], axis=1)
            labels = [str(m) for m in ds["month"].values]
            lo = max(labels.index(month_label(k.from_)), labels.index(first_step(ds)))
            hi = labels.index(month_label(k.to))
            window = {"course": label, "month": slice(lo, hi + 1)}
            h = np.nan_to_num(
                ds["strategy_prob"]
                .sel(course=label)
                .isel(month=window["month"])
                .values.astype(float)
            )
            acted = ds["acted"].sel(course=label).isel(month=window["month"]).values
            spent = (np.cumsum(acted, axis=1) - acted) > 0  # a once act is spent after it fires
            last = np.maximum.accumulate(np.where(spent, 0, np.arange(h.shape[1])), axis=1)
            prob = 1.0 - np.prod(1.0 - np.take_along_axis(h, last, axis=1), axis=1)
    elif k.kind == "settlement" and (p := _params(compiled, "bargaining")) is not None:
        if k.issue in p.issues:
            theta = np.asarray(p.hazard_base, float)[:, p.issues.index(k.issue)]
    elif k.kind == "holds_office" and (p := _params(compiled, "politics")) is not None:
        lead = p.leader
        if k.office in lead.offices:
            o = lead.offices.index(k.office)
            theta = np.asarray(lead.coup_base)[:, o] + np.asarray(lead.exit_base)[:, o]
    if theta is None or theta.shape[0] != prob.shape[0]:
        return None
    return first_order_share(theta, prob)


def first_order_share(theta: np.ndarray, q: np.ndarray, bins: int = SHARE_BINS) -> float | None:
    """Var(E[q|θ])/Var(q) with E[q|θ] the mean of q on equal-count bins of θ; None if Var(q) = 0."""
    total = np.var(q)
    if total <= 0:
        return None
    order = np.argsort(theta, kind="stable")
    groups = np.array_split(q[order], min(bins, q.size))
    between = sum(g.size * (g.mean() - q.mean()) ** 2 for g in groups if g.size) / q.size
    return float(min(between / total, 1.0))


@dataclass
class Report:
    """Every number the score/backtest outputs show (:meth:`as_json` is the published object)."""

    questions: list[Scored]
    seed: int
    meta: dict = field(default_factory=dict)

    def binary(self) -> list[Scored]:
        return [s for s in self.questions if s.scored and not s.numeric]

    def numeric(self) -> list[Scored]:
        return [s for s in self.questions if s.scored and s.numeric]

    def model(self) -> dict:
        b = self.binary()
        p = np.array([s.forecast for s in b])
        o = np.array([bool(s.outcome) for s in b])
        bs, ls = scores.brier(p, o), scores.log_score(p, o)
        out = {
            "n_binary": len(b),
            "n_numeric": len(self.numeric()),
            "brier": _mean(bs),
            "brier_ci": _ci(scores.bootstrap(scores.mean, (bs,), self.seed, "model/brier")),
            "log": _mean(ls),
            "log_ci": _ci(scores.bootstrap(scores.mean, (ls,), self.seed, "model/log")),
            "ece": scores.ece(p, o) if b else None,
            "decomposition": scores.decompose(p, o).as_dict() if b else None,
        }
        out["crps"] = self.crps()
        return out

    def crps(self) -> dict:
        n = self.numeric()
        model = {s.id: _crps(s.members, s.outcome) for s in n}
        ref = {s.id: _crps(s.baselines["persistence"].members, s.outcome) for s in n}
        skill = np.array([1 - model[i] / ref[i] if ref[i] > 0 else np.nan for i in model], float)
        ok = skill[np.isfinite(skill)]
        return {
            "by_question": model,
            "persistence": ref,
            "crpss_persistence": _mean(ok),
            "crpss_ci": _ci(scores.bootstrap(scores.mean, (ok,), self.seed, "model/crpss")),
            "crpss_undefined": int(skill.size - ok.size),
        }

    def baseline(self, name: str) -> dict:
        b = self.binary()
        cover = [s for s in b if s.baselines[name].p is not None]
        reasons = Counter(
            s.baselines[name].excluded
            for s in self.questions
            if s.scored and s.baselines and s.baselines[name].excluded is not None
        )
        o = np.array([bool(s.outcome) for s in cover])
        pm = np.array([s.forecast for s in cover])
        pb = np.array([s.baselines[name].p for s in cover])
        bm, bb = scores.brier(pm, o), scores.brier(pb, o)
        boot = scores.bootstrap
        return {
            "n": len(cover),
            "excluded": sum(reasons.values()),
            "excluded_reasons": dict(reasons),
            "brier": _mean(bb),
            "brier_ci": _ci(boot(scores.mean, (bb,), self.seed, f"{name}/brier")),
            "log": _mean(scores.log_score(pb, o)),
            "model_brier": _mean(bm),
            "bss": _num(1 - bm.mean() / bb.mean()) if cover and bb.mean() > 0 else None,
            "bss_ci": _ci(boot(scores.skill, (bm, bb), self.seed, f"{name}/skill")),
            "model_minus": _mean(bm - bb),
            "model_minus_ci": _ci(
                boot(scores.paired_difference, (bm, bb), self.seed, f"{name}/diff")
            ),
        }

    def reliability(self) -> scores.Reliability | None:
        b = self.binary()
        if not b:
            return None
        p = np.array([s.forecast for s in b])
        o = np.array([bool(s.outcome) for s in b])
        return scores.reliability(p, o, self.seed)

    def as_json(self) -> dict:
        rel = self.reliability()
        return {
            "scale": "brier-0-1",
            **self.meta,
            "n_questions": len(self.questions),
            "scored": len(self.binary()) + len(self.numeric()),
            "unresolvable": sum(not s.scored for s in self.questions),
            "unresolved": [
                {"id": s.id, "reason": s.unresolvable} for s in self.questions if not s.scored
            ],
            "base_rate_only": sum(s.base_rate_only for s in self.questions),
            "model": self.model(),
            "baselines": {name: self.baseline(name) for name in bl.NAMES},
            "reliability": rel.rows() if rel is not None else [],
            "questions": [self._question(s) for s in self.questions],
        }

    def _question(self, s: Scored) -> dict:
        row = {
            "id": s.id,
            "level": s.level,
            "kind": s.kind,
            "forecast": _num(s.forecast),
            "outcome": s.outcome if not isinstance(s.outcome, float) else _num(s.outcome),
            "brier": None,
            "log": None,
            "crps": None,
            "base_rate_only": s.base_rate_only,
            "base_rate_share": _num(s.share),
            "baselines": {
                name: _num(
                    f.p
                    if f.p is not None
                    else np.median(f.members)
                    if f.members is not None
                    else None
                )
                for name, f in s.baselines.items()
            },
        }
        if s.scored and not s.numeric:
            row["brier"] = float(scores.brier(s.forecast, s.outcome))
            row["log"] = float(scores.log_score(s.forecast, s.outcome))
        elif s.scored:
            row["crps"] = _crps(s.members, s.outcome)
        return row


def _crps(members, y) -> float:
    return float(scores.crps_fair(members[None, :], np.array([y]))[0])


def _num(x) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _mean(a) -> float | None:
    return _num(np.mean(a)) if len(a) else None


def _ci(pair) -> list:
    return [_num(pair[0]), _num(pair[1])]
