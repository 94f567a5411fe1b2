"""Which mechanism earns its keep: each mechanism replaced by its null (:mod:`realpolitik.nulls`),
each coupling rule switched off (:func:`realpolitik.explain.switch_off`), on common random numbers,
and the change in the scores against the recorded outcomes.

Per question: the Brier score of the model run and of the ablated run (binary), and for numeric
questions the skill against persistence, CRPSS = 1 − CRPS/CRPS_persistence (persistence from the
base run's initial row, which the ablated run shares). Per level (and all questions):
ΔBrier = mean(BS_null − BS_model) and ΔCRPSS = mean(CRPSS_model − CRPSS_null), both > 0 when the
mechanism improves the score, each with a paired bootstrap 90 % interval (keyed
``ablate/<mechanism>/<level>/…``). Verdict: *helps* when the interval lies above 0, *hurts* below,
*no clear change* when it straddles 0, *no effect* when no score moved.
"""

from __future__ import annotations

import numpy as np

from ..api import compile_run
from ..explain import switch_off
from ..nulls import MECHANISMS
from ..questions.resolve import resolve
from ..questions.schema import LEVELS, is_numeric
from ..simulate import simulate
from . import baselines as bl
from . import scores

NULL = {  # one line per mechanism of realpolitik.nulls.MECHANISMS
    "combat": "control held at as_of",
    "bargaining": "positions fixed",
    "alignment": "frozen",
    "choice": "as_of game (base-rate strategy)",
    "acts": "reference-class base rates",
}


def question_scores(questions, outcomes: dict, ds, persistence_crps: dict) -> dict[str, float]:
    """id → Brier (binary) or CRPSS against persistence (numeric), for questions with an outcome."""
    out = {}
    for q in questions:
        y = outcomes.get(q.id)
        if y is None:
            continue
        x = resolve(q, ds)
        if is_numeric(q.query):
            ref = persistence_crps[q.id]
            crps = scores.crps_fair(np.asarray(x, float)[None, :], np.array([y]))[0]
            out[q.id] = float(1 - crps / ref) if ref > 0 else float("nan")
        else:
            p = (np.sum(x) + 0.5) / (x.size + 1)
            out[q.id] = float(scores.brier(p, y))
    return out


def ablate(doc, questions, outcomes: dict, members: int, seed: int, mechanisms=None, rules=None):
    """Rows (mechanism × level) of the changes in the scores (module docstring)."""
    mechanisms = list(MECHANISMS) if mechanisms is None else mechanisms
    rules = [r.id for r in doc.scenario.coupling] if rules is None else rules
    runs = [(m, NULL[m], compile_run(doc, members, seed, hold=(m,))) for m in mechanisms]
    runs += [(f"rule {r}", "off", compile_run(switch_off(doc, r), members, seed)) for r in rules]
    base = simulate(compile_run(doc, members, seed))
    blind = bl.blind(questions)
    still = bl.persistence(blind, base, doc.scenario, {})
    ref = {
        q.id: float(scores.crps_fair(still[q.id].members[None, :], np.array([outcomes[q.id]]))[0])
        for q in questions
        if is_numeric(q.query) and q.id in outcomes
    }
    model = question_scores(questions, outcomes, base, ref)
    rows = []
    for name, null, compiled in runs:
        off = question_scores(questions, outcomes, simulate(compiled), ref)
        for level in ("all", *LEVELS):
            rows.append(_row(name, null, level, questions, model, off, seed))
    return rows


def _row(name, null, level, questions, model, off, seed) -> dict:
    qs = [q for q in questions if q.id in model and level in ("all", q.level)]
    binary = [q.id for q in qs if not is_numeric(q.query)]
    numeric = [q.id for q in qs if is_numeric(q.query) and np.isfinite(model[q.id])]
    db = np.array([off[i] - model[i] for i in binary])
    dc = np.array([model[i] - off[i] for i in numeric])
    key = f"ablate/{name}/{level}"
    ci_b = scores.bootstrap(scores.mean, (db,), seed, f"{key}/brier")
    ci_c = scores.bootstrap(scores.mean, (dc,), seed, f"{key}/crpss")
    return {
        "mechanism": name,
        "null": null,
        "level": level,
        "n_binary": len(binary),
        "d_brier": float(db.mean()) if db.size else None,
        "d_brier_ci": list(ci_b) if db.size else None,
        "n_numeric": len(numeric),
        "d_crpss": float(dc.mean()) if dc.size else None,
        "d_crpss_ci": list(ci_c) if dc.size else None,
        "verdict": _verdict(db, ci_b, dc, ci_c),
    }


def _verdict(db, ci_b, dc, ci_c) -> str:
    if not np.any(db) and not np.any(dc):
        return "no effect"
    lows = [ci[0] for d, ci in ((db, ci_b), (dc, ci_c)) if d.size and np.any(d)]
    highs = [ci[1] for d, ci in ((db, ci_b), (dc, ci_c)) if d.size and np.any(d)]
    if all(lo > 0 for lo in lows):
        return "helps"
    if all(hi < 0 for hi in highs):
        return "hurts"
    return "no clear change"
