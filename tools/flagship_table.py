"""The README's table "The flagship at three levels": what the analysis said, beside what the ensemble says.

Reads data/questions/analysis-claims.yaml (each claim quotes the analysis and names the question that
tests it), checks every quotation against the seed, answers the questions on one ensemble and prints a
markdown table: the level, the quotation, the question, the analysis's reading (with its ICD 203
probability where data/questions/analyst-probabilities.yaml codes one) and the ensemble's answer.

    .venv/bin/python tools/flagship_table.py [--members 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from realpolitik import api, yamlio
from realpolitik.scenario.provenance import normalise

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    claims = yamlio.load(ROOT / "data/questions/analysis-claims.yaml")[0]["claims"]
    coded = {
        q["id"]: q.get("p")
        for q in yamlio.load(ROOT / "data/questions/analyst-probabilities.yaml")[0]["questions"]
    }
    seed = normalise((ROOT / "data/seed/mei-2015-10-russia-syria.txt").read_text())
    missing = [c["quote"] for c in claims if normalise(c["quote"]) not in seed]
    if missing:
        raise SystemExit(f"quotations not in the seed: {missing}")
    wanted = {c["question"] for c in claims}
    questions = [
        q
        for q in api.read_questions(ROOT / "data/questions/questions-syria-2015.yaml")
        if q.id in wanted
    ]
    answers = {
        a.id: a
        for a in api.forecast(
            ROOT / "scenarios/syria-2015.yaml", questions, args.members, args.seed
        )
    }
    print(f"({args.members} members, seed {args.seed})\n")
    print("| level | the analysis | question | its reading | the ensemble |")
    print("|---|---|---|---|---|")
    for c in claims:
        a = answers[c["question"]]
        if a.p is not None:
            said = f"p = {a.p:.2f}"
        else:
            q = a.quantiles
            said = f"median {q[0.5]:,.3g} (90 %: {q[0.05]:,.3g} – {q[0.95]:,.3g})"
        reading = c["reading"]
        if coded.get(a.id) is not None:
            reading += f" (ICD 203: p = {coded[a.id]:.2f})"
        print(f"| {c['level']} | “{c['quote']}” | `{a.id}` | {reading} | {said} |")


if __name__ == "__main__":
    main()
