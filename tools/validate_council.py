"""Hold-out check of the Security Council process (engines/politics.py) on the record of drafts on Syria.

Draft rates λ_k = (k + ½)/24 per type from the drafts put to a vote in October 2011 – September 2013
(24 months); the engine then runs the next 24 months (October 2013 – September 2015) and its Russian
veto count is compared with the record's. The vote parameters are the tests' judgements
(tests/engines/test_politics.py: council_params; the scenario's are chosen the same way, to reproduce
the record's pattern, so they are not out of sample). Baselines fitted the same way: a Poisson count
of Russian vetoes with the Jeffreys rate of the first 24 months, and persistence (the first 24
months' count). Writes data/unsc/holdout.json and prints the numbers for the README.

    .venv/bin/python tools/validate_council.py
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines.test_politics import (  # noqa: E402
    DRAFTS,
    RUSSIA,
    TYPES,
    council_params,
    leader_params,
    run,
)

from realpolitik.engines import politics as pol  # noqa: E402

OUT = ROOT / "data" / "unsc" / "holdout.json"
START, SPLIT, END = "2011-10-01", "2013-10-01", "2015-10-01"
MONTHS = 24  # in each half
MEMBERS, SEED = 10_000, 2015


def record(since: str = START, before: str = END) -> list[dict]:
    """Drafts put to a vote with since <= date < before."""
    with open(DRAFTS, newline="") as fh:
        return [r for r in csv.DictReader(fh) if since <= r["date"] < before]


def russian_vetoes(rows) -> int:
    return sum(r["russia"] == "no" for r in rows)


def holdout() -> dict:
    train, test = record(before=SPLIT), record(since=SPLIT)
    observed = russian_vetoes(test)
    params = pol.Params(
        leader_params(MEMBERS), council_params(MEMBERS, before=SPLIT, months=MONTHS)
    )
    state, outs = run(params, MONTHS, seed=SEED)
    vetoes = state.vetoes[:, RUSSIA]
    drafts = np.stack([o.drafts for o in outs]).sum(0).mean(0)
    base_mean = (russian_vetoes(train) + 0.5) / MONTHS * MONTHS
    return {
        "fit": [START, SPLIT],
        "predict": [SPLIT, END],
        "observed_vetoes": observed,
        "model": {
            "draft_rate_per_month": dict(
                zip(TYPES, map(float, params.council.draft_rate[0]), strict=True)
            ),
            "mean": float(vetoes.mean()),
            "interval_90": [float(v) for v in np.quantile(vetoes, [0.05, 0.95])],
            "p_observed": float(np.mean(vetoes == observed)),
            "p_at_most_observed": float(np.mean(vetoes <= observed)),
            "mean_drafts": dict(zip(TYPES, map(float, drafts), strict=True)),
        },
        "poisson_baseline": {
            "mean": float(base_mean),
            "p_observed": float(stats.poisson.pmf(observed, base_mean)),
            "p_at_most_observed": float(stats.poisson.cdf(observed, base_mean)),
        },
        "persistence": russian_vetoes(train),
        "observed_drafts": {t: sum(r["type"] == t for r in test) for t in TYPES},
        "members": MEMBERS,
    }


def main():
    result = holdout()
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    m, b = result["model"], result["poisson_baseline"]
    print(f"Russian vetoes {SPLIT} – {END}: observed {result['observed_vetoes']}")
    print(
        f"model: mean {m['mean']:.2f}, 90 % interval {m['interval_90']}, "
        f"P(= obs) {m['p_observed']:.3f}, P(<= obs) {m['p_at_most_observed']:.3f}"
    )
    print(
        f"Poisson on vetoes: mean {b['mean']:.2f}, P(= obs) {b['p_observed']:.3f}, "
        f"P(<= obs) {b['p_at_most_observed']:.3f}; persistence {result['persistence']}"
    )
    print("drafts by type, predicted mean / observed:")
    for t in TYPES:
        print(f"  {t}: {m['mean_drafts'][t]:.2f} / {result['observed_drafts'][t]}")


if __name__ == "__main__":
    main()
