"""Validate the attrition kernel that the simulation steps on two historical battles.

The kernel is :func:`realpolitik.engines.lanchester.attrition_substeps` (with
:func:`~realpolitik.engines.lanchester.fire_matrices`), the one :func:`realpolitik.engines.combat.step`
calls each month. Here it runs with one side per faction and one region, so its multi-sided law
reduces to the generalised two-sided law dX/dt = −a·Y^p·X^q, dY/dt = −b·X^p·Y^q.

**Iwo Jima** (Engel 1954, data/lanchester/iwo_jima.csv): square law (p = 1, q = 0) with US landings
P(t) and no Japanese reinforcements, dM/dt = P(t) − A·N, dN/dt = −B·M, N(0) = 21,500. Observed: US
active strength M on days 1–35. Fitted by least squares on M (equivalently on cumulative US
casualties, since M = landed − casualties), in sample (days 1–35) and on the first half (days 1–18)
to predict the second (days 19–35), beside baselines with no Lanchester term fitted the same way:
constant daily losses C(t) = k·t, a power law C(t) = c·t^γ, and (hold-out only) persistence, no
further losses after the last fitted day.

**Ardennes** (ACSDB via Wiper et al. 2000; provenance partly unverified, data/lanchester/README.md):
daily losses L_X = a·Y^p·X^q, L_Y = b·X^p·Y^q fitted by least squares on logs (Bracken 1995), on
days 2–17 to predict days 18–33 one day ahead from the observed strengths; the predicted losses are
the kernel's over one day. Baselines fitted the same way: the square law (p = 1, q = 0), constant
losses (the training geometric mean), and persistence (yesterday's losses).

Writes data/lanchester/validation.json and prints the tables for the README.

    .venv/bin/python tools/validate_lanchester.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from realpolitik.engines.lanchester import attrition_substeps, fire_matrices

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "lanchester"
OUT = DATA / "validation.json"

N0 = 21_500  # Japanese garrison (Engel)
ENGEL_A, ENGEL_B = 0.0544, 0.0106  # Engel's estimates, from the same 36 days
TRAIN_DAYS = 18  # Iwo Jima: fit days 1–18 of 36, predict 19–35 (day 36 has no observation)
HOURS, SUBSTEPS = 24, 4  # landings arrive in hourly instalments; 4 Euler sub-steps per hour
ARDENNES_TRAIN = 16  # Ardennes: fit the first 16 of 32 days (2–17), predict days 18–33


def two_sided(x0, y0, a, b, p, q, t_end, substeps, calls=1, add_x=0.0):
    """Run the production kernel for K members with two sides in one region.

    ``x0, y0, a, b, p, q`` broadcast to (K,); a is Y's kill rate on X, b is X's on Y. ``calls`` kernel
    calls of ``substeps`` Euler sub-steps cover ``t_end``; ``add_x`` (scalar or (calls,)) is added to
    X before each call. Returns X and Y after every call, each (K, calls).
    """
    x0, y0, a, b, p, q = np.broadcast_arrays(*(np.asarray(v, float) for v in (x0, y0, a, b, p, q)))
    k = x0.size
    forces = np.stack([x0.ravel(), y0.ravel()], axis=1)[:, :, None].copy()
    attr = np.zeros((k, 2, 2))  # attr[i, j]: i's kill rate on j
    attr[:, 0, 1], attr[:, 1, 0] = b.ravel(), a.ravel()
    w = np.broadcast_to(np.array([[0.0, 1.0], [1.0, 0.0]]), (k, 2, 2)).copy()
    p, q = p.ravel().copy(), q.ravel().copy()
    a1, a2 = fire_matrices(attr, w, p, np.zeros(2, bool))
    c = np.ones_like(forces)
    add = np.broadcast_to(np.asarray(add_x, float), (calls,))
    dt = t_end / calls / substeps
    out = np.empty((2, k, calls))
    for n in range(calls):
        forces[:, 0, 0] += add[n]
        forces, _ = attrition_substeps(forces, a1, a2, w, c, p, q, dt, substeps)
        out[:, :, n] = forces[:, :, 0].T
    return out[0], out[1]


# --- Iwo Jima --------------------------------------------------------------------------------


def load_iwo():
    d = pd.read_csv(DATA / "iwo_jima.csv")
    landings = d["us_reinforcements"].to_numpy(float)
    landed = d["us_landed_cum"].to_numpy(float)
    active = d["us_active"].dropna().to_numpy(float)  # days 1–35
    return landings, landed, active


def engel_run(a, b, landings):
    """US and Japanese strength (K, days) at each day's end: Engel's equations on the kernel, each
    day's landings in ``HOURS`` equal instalments, one kernel call of ``SUBSTEPS`` per hour."""
    days = len(landings)
    m, n = two_sided(
        0.0,
        N0,
        a,
        b,
        1.0,
        0.0,
        float(days),
        SUBSTEPS,
        days * HOURS,
        np.repeat(landings / HOURS, HOURS),
    )
    return m[:, HOURS - 1 :: HOURS], n[:, HOURS - 1 :: HOURS]


def fit_engel(landings, active, days):
    """Least-squares (A, B) on US strength of days 1…``days``: a 30 × 30 log grid in one batched
    kernel run (A 0.005–0.5, B 0.0005–0.05 per day), then trust-region refinement."""
    grid_a, grid_b = np.meshgrid(np.geomspace(0.005, 0.5, 30), np.geomspace(5e-4, 0.05, 30))
    m, _ = engel_run(grid_a.ravel(), grid_b.ravel(), landings)
    best = np.argmin(((m[:, :days] - active[:days]) ** 2).sum(axis=1))
    start = np.array([grid_a.ravel()[best], grid_b.ravel()[best]])
    fit = least_squares(
        lambda th: engel_run(th[0], th[1], landings)[0][0, :days] - active[:days],
        start,
        x_scale=start,
        diff_step=1e-4,
        bounds=(0.0, np.inf),
    )
    return fit.x


def constant_loss(t, casualties):
    """Least-squares k of C(t) = k·t."""
    return float(np.sum(casualties * t) / np.sum(t * t))


def power_law(t, casualties):
    """Least-squares (c, γ) of C(t) = c·t^γ, started from the log-log line."""
    start = np.polyfit(np.log(t), np.log(casualties), 1)[::-1]
    start[0] = np.exp(start[0])
    fit = least_squares(lambda th: th[0] * t ** th[1] - casualties, start, x_scale=np.abs(start))
    return fit.x


def rmse(model, observed):
    return float(np.sqrt(np.mean((np.asarray(model) - observed) ** 2)))


def iwo_jima():
    """In-sample (days 1–35) and hold-out (fit 1–18, predict 19–35) RMSE of US strength."""
    landings, landed, active = load_iwo()
    days = len(active)
    t = np.arange(1.0, days + 1)
    casualties = landed[:days] - active
    out = {"in_sample": {}, "hold_out": {}}
    m_engel = engel_run(ENGEL_A, ENGEL_B, landings)[0][0, :days]
    out["in_sample"]["lanchester_engel_estimates"] = {
        "params": {"A": ENGEL_A, "B": ENGEL_B},
        "rmse": rmse(m_engel, active),
    }
    for name, h in (("in_sample", days), ("hold_out", TRAIN_DAYS)):
        fit, test = slice(0, h), slice(h, days)
        a, b = fit_engel(landings, active, h)
        k = constant_loss(t[fit], casualties[fit])
        c, g = power_law(t[fit], casualties[fit])
        models = {
            "lanchester_kernel": ({"A": a, "B": b}, engel_run(a, b, landings)[0][0, :days]),
            "power_law": ({"c": c, "gamma": g}, landed[:days] - c * t**g),
            "constant_loss": ({"k": k}, landed[:days] - k * t),
        }
        if name == "hold_out":
            models["persistence"] = ({}, landed[:days] - casualties[h - 1])
        for key, (params, m) in models.items():
            row = {"params": {p: float(v) for p, v in params.items()}}
            if name == "in_sample":
                row["rmse"] = rmse(m, active)
            else:  # persistence has nothing fitted: no error on the fitted days
                row["rmse_fit"] = rmse(m[fit], active[fit]) if params else None
                row["rmse"] = rmse(m[test], active[test])
            out[name][key] = row
    out["fit_days"], out["days"] = TRAIN_DAYS, days
    # Data check: Engel's estimator B = N(0) / Σ M(t) over 36 days, day 35 carried to day 36.
    out["engel_b_from_data"] = float(N0 / (active.sum() + active[-1]))
    return out


# --- Ardennes --------------------------------------------------------------------------------


def load_ardennes():
    d = pd.read_csv(DATA / "ardennes.csv")
    cols = ("allied_forces", "german_forces", "allied_casualties", "german_casualties")
    return d["day"].to_numpy(), *(d[c].to_numpy(float) for c in cols)


def fit_exponents(x, y, loss_x, loss_y):
    """Bracken-style least squares on logs with shared exponents and separate coefficients:
    log L_X = log a + p·log Y + q·log X,  log L_Y = log b + p·log X + q·log Y. Returns (a, b, p, q)."""
    design, target = log_design(x, y, loss_x, loss_y)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return float(np.exp(coef[0])), float(np.exp(coef[1])), float(coef[2]), float(coef[3])


def log_design(x, y, loss_x, loss_y):
    """Design matrix (2n, 4) and target (2n,) of :func:`fit_exponents`."""
    x, y, lx, ly = (np.asarray(v, float) for v in (x, y, loss_x, loss_y))
    n = len(x)
    design = np.zeros((2 * n, 4))
    design[:n, 0], design[n:, 1] = 1.0, 1.0
    design[:, 2] = np.r_[np.log(y), np.log(x)]
    design[:, 3] = np.r_[np.log(x), np.log(y)]
    return design, np.r_[np.log(lx), np.log(ly)]


def kernel_daily_losses(x, y, a, b, p, q, substeps=24):
    """Each side's losses over one day from the observed strengths (one member per day)."""
    x1, y1 = two_sided(x, y, a, b, p, q, 1.0, substeps)
    return x - x1[:, 0], y - y1[:, 0]


def loss_errors(pred_x, pred_y, obs_x, obs_y):
    """Mean |log(predicted/observed)| and RMSE [persons per day] over both sides' daily losses."""
    pred, obs = np.r_[pred_x, pred_y], np.r_[obs_x, obs_y]
    return {"mean_abs_log": float(np.mean(np.abs(np.log(pred / obs)))), "rmse": rmse(pred, obs)}


def ardennes():
    day, x, y, lx, ly = load_ardennes()
    n, h = len(day), ARDENNES_TRAIN
    out = {"in_sample": {}, "hold_out": {}, "fit_days": [int(day[0]), int(day[h - 1])]}
    for name, fit, test in (
        ("in_sample", slice(0, n), slice(0, n)),
        ("hold_out", slice(0, h), slice(h, n)),
    ):
        a, b, p, q = fit_exponents(x[fit], y[fit], lx[fit], ly[fit])
        sq_a = float(np.exp(np.mean(np.log(lx[fit] / y[fit]))))  # p = 1, q = 0: log L_X − log Y
        sq_b = float(np.exp(np.mean(np.log(ly[fit] / x[fit]))))
        const_x, const_y = (float(np.exp(np.mean(np.log(v[fit])))) for v in (lx, ly))
        rows = {
            "generalised_kernel": (
                {"a": a, "b": b, "p": p, "q": q},
                kernel_daily_losses(x[test], y[test], a, b, p, q),
            ),
            "square_law_kernel": (
                {"a": sq_a, "b": sq_b},
                kernel_daily_losses(x[test], y[test], sq_a, sq_b, 1.0, 0.0),
            ),
            "constant_loss": (
                {"allied": const_x, "german": const_y},
                (
                    np.full(test.stop - test.start, const_x),
                    np.full(test.stop - test.start, const_y),
                ),
            ),
        }
        if name == "hold_out":
            rows["persistence"] = ({}, (lx[h - 1 : n - 1], ly[h - 1 : n - 1]))
        for key, (params, (px, py)) in rows.items():
            out[name][key] = {"params": params, **loss_errors(px, py, lx[test], ly[test])}
    return out


def _params(d):
    return ", ".join(f"{k} = {v:.4g}" for k, v in d.items()) or "—"


def main():
    result = {"iwo_jima": iwo_jima(), "ardennes": ardennes()}
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    iwo, ard = result["iwo_jima"], result["ardennes"]
    print(f"Iwo Jima: Engel's B = N(0)/ΣM(t) from the data: {iwo['engel_b_from_data']:.5f}")
    e = iwo["in_sample"]["lanchester_engel_estimates"]
    print(f"in sample, Engel's A, B: RMSE {e['rmse']:,.0f}")
    print("| model | in sample (days 1–35) | RMSE | fitted on days 1–18 | RMSE 1–18 | RMSE 19–35 |")
    for key, row in iwo["hold_out"].items():
        ins = iwo["in_sample"].get(key, {"params": {}, "rmse": float("nan")})
        fit = "—" if row["rmse_fit"] is None else f"{row['rmse_fit']:,.0f}"
        print(
            f"| {key} | {_params(ins['params'])} | {ins['rmse']:,.0f} | {_params(row['params'])} "
            f"| {fit} | {row['rmse']:,.0f} |"
        )
    print(
        "\nArdennes, daily losses: | sample | model | params | mean |log error| | RMSE [persons/day] |"
    )
    for name in ("in_sample", "hold_out"):
        for key, row in ard[name].items():
            print(
                f"| {name} | {key} | {_params(row['params'])} | {row['mean_abs_log']:.3f} "
                f"| {row['rmse']:,.0f} |"
            )


if __name__ == "__main__":
    main()
