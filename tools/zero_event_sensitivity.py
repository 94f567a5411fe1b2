"""How much the forecasts rest on the prior of the zero-event reference classes.

Every base rate is a Gamma(k + a, E) posterior (scenario ``meta.base_rate_prior`` = a, Jeffreys ½).
With k = 0 the rate is all prior: 0 events in 13 months gives a/13 a month. This script lists the
reference classes with no events, then forecasts every published question whose query reads one of
them (a ``choice`` on a zero-event act, a ``settlement`` of an issue whose class is empty) with
a = ⅓ (Kerman's neutral prior), ½ (Jeffreys) and 1 (uniform), on common random numbers (the same
members and seed: only the base-rate draws move).

    .venv/bin/python tools/zero_event_sensitivity.py [--members 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from realpolitik import api
from realpolitik.scenario import load_scenario
from realpolitik.scenario.quantities import Fixed

ROOT = Path(__file__).resolve().parents[1]
PRIORS = (1 / 3, 0.5, 1.0)


def zero_event_classes(s) -> dict[str, tuple[str, float]]:
    """{course or issue id: (kind, exposure)} for every reference class with 0 events."""
    out = {}
    for a in s.actions:
        if a.base_rate.events == 0:
            out[f"{a.actor}/{a.id}"] = ("act", a.base_rate.exposure)
    for i in s.issues:
        br = i.settlement.base_rate if i.settlement else None
        if br is not None and br.events == 0:
            out[i.id] = ("settlement", br.exposure)
    return out


def with_prior(s, a: float):
    prior = Fixed(value=a, src=s.meta.base_rate_prior.src)
    meta = s.meta.model_copy(update={"base_rate_prior": prior})
    return s.model_copy(update={"meta": meta})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios/syria-2015.yaml"))
    ap.add_argument("--questions", default=str(ROOT / "data/questions/questions-syria-2015.yaml"))
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    s = load_scenario(args.scenario)
    classes = zero_event_classes(s)
    print("zero-event reference classes (monthly mean rate a/E at a = 1/3, 1/2, 1):")
    for k, (kind, e) in classes.items():
        rates = "  ".join(f"{a / e:.4f}" for a in PRIORS)
        print(f"  {kind:10s} {k:55s} E = {e:6g}   {rates}")
    qs = [
        q for q in api.read_questions(args.questions)
        if (q.query.kind == "choice" and f"{q.query.actor}/{q.query.strategy}" in classes)
        or (q.query.kind == "settlement" and q.query.issue in classes)
    ]  # fmt: skip
    runs = {a: api.forecast(with_prior(s, a), qs, args.members, args.seed) for a in PRIORS}
    print(f"\nforecasts ({args.members} members, seed {args.seed}; p = (k + 1/2)/(n + 1)):")
    print(f"  {'question':55s} " + " ".join(f"a={a:.2f}" for a in PRIORS))
    for j, q in enumerate(qs):
        ps = " ".join(f"{runs[a][j].p:6.3f}" for a in PRIORS)
        print(f"  {q.id:55s} {ps}")


if __name__ == "__main__":
    main()
