"""Print the README's generated tables from the code and the flagship scenario.

.venv/bin/python tools/readme_tables.py rules     # the coupling rules (reads, moves, form, magnitude)
.venv/bin/python tools/readme_tables.py acts      # hazard acts: base rate, drivers, requires, effects
.venv/bin/python tools/readme_tables.py leverage  # each actor's as_of leverage at central values
"""

from __future__ import annotations

import sys
from pathlib import Path

from realpolitik.compile.asof import coords, initial_drivers
from realpolitik.scenario import load_scenario
from realpolitik.scenario.quantities import describe
from realpolitik.scenario.sampling import central_samples

ROOT = Path(__file__).resolve().parents[1]


def _moves(target) -> str:
    fields = target.model_dump(exclude={"driver"}, exclude_none=True)
    where = ", ".join(
        f"{k} {v if isinstance(v, str) else '/'.join(v)}" for k, v in sorted(fields.items())
    )
    return f"`{target.driver}` {where}"


def rules(s) -> None:
    print("| rule | reads | moves | form, magnitude |")
    print("|---|---|---|---|")
    for r in s.coupling:
        ref = " (reference zero)" if r.reference == "zero" else ""
        cap = f", cap [{r.cap[0]:g}, {r.cap[1]:g}]" if r.cap else ""
        lag = f", lag {r.lag}" if r.lag else ""
        moves = "; ".join(_moves(t) for t in r.moves)
        print(
            f"| `{r.id}` | `{r.reads}`{ref} | {moves} | {r.form}, {describe(r.magnitude)}{cap}{lag} |"
        )


def acts(s) -> None:
    print("| act | base rate (k + a)/E | drivers (logit per unit) | requires | effects |")
    print("|---|---|---|---|---|")
    a_prior = 0.5 if s.meta.base_rate_prior is None else describe(s.meta.base_rate_prior)
    for a in s.actions:
        br = a.base_rate
        rate = f"({br.events} + {a_prior})/{br.exposure:g}"
        drivers = ", ".join(f"`{k}` {describe(v)}" for k, v in a.drivers.items()) or "—"
        req = ", ".join(f"`{x}`" for x in a.requires) or "—"
        effects = "; ".join(
            f"{e.kind} {describe(e.amount) if e.amount is not None else ''}".strip() for e in a.effects
        ) or "—"  # fmt: skip
        print(f"| `{a.actor}/{a.id}` | {rate} | {drivers} | {req} | {effects} |")


def leverage(s) -> None:
    c = coords(s)
    lev = initial_drivers(s, central_samples(s), c, 1)["leverage"][0]
    cinc = {a.id: a.capabilities.get("cinc") for a in s.actors}
    print("| actor | leverage at as_of | CINC (the old capability) |")
    print("|---|---|---|")
    for a, v in sorted(zip(c.of("actor"), lev, strict=True), key=lambda t: -t[1]):
        old = describe(cinc[a]) if cinc.get(a) is not None else "—"
        print(f"| {a} | {v:.3f} | {old} |")


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "rules"
    s = load_scenario(ROOT / "scenarios/syria-2015.yaml")
    {"rules": rules, "acts": acts, "leverage": leverage}[what](s)


if __name__ == "__main__":
    main()
