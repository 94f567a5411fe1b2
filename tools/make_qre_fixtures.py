"""Generate logit-QRE reference fixtures with pygambit (McKelvey & Palfrey 1995; Gambit's tracer).

Run with pygambit 16.7.0, the ``reference`` extra (it builds from source, ~6 min):

    make .venv/.stamp-reference
    .venv/bin/python tools/make_qre_fixtures.py tests/data/qre_fixtures.json

Random games of shapes 2×2, 2×3, 3×2 and 3×3 with payoffs drawn uniform on [0, 1] and rounded to
4 decimals (so both sides read identical numbers). For each game it records

* ``logit_solve_lambda`` at λ ∈ {0.5, 2, 8, 25} (the λ Gambit actually reached is stored), and
* two points of ``logit_solve_branch`` (the principal branch from λ = 0), the last with λ ≤ 60.

The output is JSON: the pinned pygambit version, the seed, and one record per (game, λ) with the
row / column payoff matrices and both players' mixed strategies.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pygambit as gbt

PINNED = "16.7.0"
SEED = 20151001
SHAPES = [(2, 2), (2, 3), (3, 2), (3, 3)]
GAMES_PER_SHAPE = 55
LAMBDAS = [0.5, 2.0, 8.0, 25.0]


def _profile(p, shape):
    return [[float(p[str(i + 1)][str(j + 1)]) for j in range(n)] for i, n in enumerate(shape)]


def main(out: str) -> None:
    if gbt.__version__ != PINNED:
        raise SystemExit(f"pygambit {gbt.__version__} found, fixtures are pinned to {PINNED}")
    rng = np.random.default_rng(SEED)
    records = []
    for shape in SHAPES:
        for _ in range(GAMES_PER_SHAPE):
            a = np.round(rng.uniform(0, 1, shape), 4)
            b = np.round(rng.uniform(0, 1, shape), 4)
            game = gbt.Game.from_arrays(a, b)
            base = {"shape": list(shape), "row_payoff": a.tolist(), "col_payoff": b.tolist()}
            for q in gbt.qre.logit_solve_lambda(game, lam=LAMBDAS):
                p, c = _profile(q.profile, shape)
                records.append(
                    {**base, "method": "logit_solve_lambda", "lam": float(q.lam), "p": p, "q": c}
                )
            branch = [b_ for b_ in gbt.qre.logit_solve_branch(game) if 0 < b_.lam <= 60]
            for q in (branch[len(branch) // 3], branch[-1]):
                p, c = _profile(q.profile, shape)
                records.append(
                    {**base, "method": "logit_solve_branch", "lam": float(q.lam), "p": p, "q": c}
                )
    doc = {
        "generator": "tools/make_qre_fixtures.py",
        "pygambit": gbt.__version__,
        "seed": SEED,
        "convention": "sigma_i(s) proportional to exp(lam * u_i(s)) on the raw payoffs",
        "records": records,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    n_games = len(SHAPES) * GAMES_PER_SHAPE
    print(f"wrote {len(records)} records for {n_games} games to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/qre_fixtures.json")
