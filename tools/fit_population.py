"""Fit the free parameters of engines/population.py to the pre-cut-off series (Jan 2014 – Sep 2015).

Data: data/population/*.csv (UNHCR registered refugees and IDPs, SOHR cumulative deaths, UNHCR/IOM sea
arrivals). Nothing measured after 2015-09-30 is used. Least squares on log residuals (scipy
``least_squares``, trust-region reflective, bounded). Writes data/population/fit.json and prints the
table for FIT.md. Run: ``.venv/bin/python tools/fit_population.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from realpolitik.engines import population as pop
from realpolitik.engines import run

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "population"
START = dt.date(2014, 1, 1)  # step 0 = January 2014; initial stocks are end-December 2013
N_MONTHS = 21  # Jan 2014 – Sep 2015
LEBANON_CLOSED = (
    16  # May 2015 (UNHCR Lebanon suspended new registration at the government's request)
)

# Fixed inputs (documented in data/population/FIT.md).
FIXED = {
    "population_2011": 21_339_000,  # sum of data/syria/governorates.csv population_2011 (CBS)
    "idp0": 6_500_000,  # end 2013 (UNHCR, 29 Aug 2014: 6.5 million; OCHA SHARP 2014: 6.5 million)
    "europe0": 120_000,  # Syrians in Europe end 2013 (judgement: order of asylum claims 2011-2013)
    "dead0": 130_582,  # SOHR 2011-2013 yearly tolls
    "fighting_scope": 0.834,  # population share of governorates with >= 2 holders of >= 5% (control-2015-09)
    "non_syrian_share": 0.50,  # UNHCR, Syrians 50% of sea arrivals Jan-Sep 2015
    "civilian_share": 0.234,  # SOHR 2014: 17,790 civilians of 76,021 deaths
    "lebanon_share": 0.10,  # judgement: Lebanon's share of new registrations by early 2015
    "season_peak": 8,
}
FREE = ("registered0", "displace", "flee", "onward", "network", "season_amplitude", "combat_deaths")
X0 = np.array([2.4e6, 0.01, 0.02, 0.001, 5.0, 0.3, 4000.0])
LO = np.array([1.8e6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
HI = np.array([3.0e6, 0.2, 0.2, 0.05, 2000.0, 0.95, 20000.0])


def month_pos(date: dt.date) -> float:
    """Position of a date on the step axis: end of step t is t + 1 (0 = end of Dec 2013)."""
    days = (
        dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)
        - dt.date(date.year, date.month, 1)
    ).days
    return (date.year - START.year) * 12 + date.month - START.month + date.day / days


def at(values: np.ndarray, initial: float, pos: float) -> float:
    """Linear interpolation between month-ends of a stock series (values[t] = end of step t)."""
    xs = np.concatenate([[initial], values])
    return float(np.interp(pos, np.arange(len(xs)), xs))


def cumulative_since(flows: np.ndarray, start_step: int, pos: float) -> float:
    """Sum of monthly flows from step ``start_step`` to position ``pos`` (partial last month)."""
    cum = np.concatenate([[0.0], np.cumsum(flows[start_step:])])
    return float(np.interp(pos - start_step, np.arange(len(cum)), cum))


def load(name: str):
    with open(DATA / name, newline="") as fh:
        return [dict(r, date=dt.date.fromisoformat(r["date"])) for r in csv.DictReader(fh)]


def targets():
    """(label, kind, date, observed, relative sd) for every fitted observation, all <= 2015-09-30."""
    out = []
    for r in load("refugees_region.csv"):
        out.append(
            (
                "registered " + r["date"].isoformat(),
                "registered",
                r["date"],
                float(r["persons"]),
                0.05,
            )
        )
    for r in load("idps.csv"):
        out.append(("idp " + r["date"].isoformat(), "idp", r["date"], float(r["persons"]), 0.10))
    for r in load("sohr_deaths.csv"):
        if r["kind"] == "cumulative" and r["date"] >= START:
            out.append(
                ("sohr " + r["date"].isoformat(), "dead", r["date"], float(r["persons"]), 0.02)
            )
    for r in load("sea_arrivals.csv"):
        if r["route"] == "mediterranean" and r["kind"] in ("annual", "cumulative-2015"):
            out.append(
                (
                    "sea " + r["kind"] + " " + r["date"].isoformat(),
                    r["kind"],
                    r["date"],
                    float(r["persons"]),
                    0.15,
                )
            )
        if r["route"] == "italy+greece" and r["kind"] == "cumulative-2015":
            out.append(
                (
                    "sea cumulative-2015 " + r["date"].isoformat(),
                    r["kind"],
                    r["date"],
                    float(r["persons"]),
                    0.15,
                )
            )
    assert all(t[2] <= dt.date(2015, 9, 30) for t in out)
    return out


def build(theta) -> pop.Params:
    r0, displace, flee, onward, network, amp, combat = theta
    f = FIXED
    resident0 = f["population_2011"] - r0 - f["idp0"] - f["europe0"] - f["dead0"]
    civ_rate = (
        f["civilian_share"]
        / (1 - f["civilian_share"])
        * combat
        / (f["fighting_scope"] * (resident0 + f["idp0"]))
    )
    one = lambda v: np.array([float(v)])  # noqa: E731
    return pop.Params(
        displace=one(displace),
        return_rate=one(0.0),
        flee=one(flee),
        border_open=one(1.0),
        registration=one(1.0),
        catch_up=one(0.0),
        lebanon_share=one(f["lebanon_share"]),
        onward=one(onward),
        network=one(network),
        season_amplitude=one(amp),
        civilian_rate=one(civ_rate),
        sohr_coverage=one(1.0),
        non_syrian_share=one(f["non_syrian_share"]),
        abroad_other=one(0.0),
        initial=np.array(
            [[round(resident0), f["idp0"], round(r0), 0, f["europe0"], f["dead0"]]], np.int64
        ),
        start_month_of_year=1,
        lebanon_closed_from=LEBANON_CLOSED,
        season_peak=f["season_peak"],
    )


def history_drivers(combat: float):
    d = {"fighting_scope": np.array([FIXED["fighting_scope"]]), "combat_losses": np.array([combat])}
    return lambda t: d


def predict(theta):
    params = build(theta)
    ds = run(pop, params, 1, N_MONTHS, 0, history_drivers(theta[-1]))
    init = params.initial[0]
    stocks = ds.stocks.values[0]  # (month, stock)
    arrivals = ds.measures.sel(measure="sea-arrivals").values[0]
    preds = []
    for label, kind, date, obs, sd in targets():
        pos = month_pos(date)
        if kind == "registered":
            val = at(stocks[:, 2], init[2], pos)
        elif kind == "idp":
            val = at(stocks[:, 1], init[1], pos)
        elif kind == "dead":
            val = at(stocks[:, 5], init[5], pos)
        elif kind == "annual":
            val = cumulative_since(arrivals, 0, 12.0)
        else:
            val = cumulative_since(arrivals, 12, pos)
        preds.append((label, obs, val, sd))
    return preds


def residuals(theta):
    return np.array([np.log(v / o) / sd for _, o, v, sd in predict(theta)])


def main():
    fit = least_squares(
        residuals, X0, bounds=(LO, HI), x_scale=np.abs(X0), method="trf", diff_step=1e-3
    )
    theta = fit.x
    rows = predict(theta)
    result = {
        "free": dict(zip(FREE, map(float, theta), strict=True)),
        "fixed": FIXED,
        "lebanon_closed_from_step": LEBANON_CLOSED,
        "start": START.isoformat(),
        "n_months": N_MONTHS,
        "residuals": [
            {"target": lab, "observed": o, "model": round(v), "rel_error": v / o - 1, "rel_sd": sd}
            for lab, o, v, sd in rows
        ],
        "cost": float(fit.cost),
    }
    (DATA / "fit.json").write_text(json.dumps(result, indent=1) + "\n")
    for k, v in result["free"].items():
        print(f"| {k} | {v:.6g} |")
    for r in result["residuals"]:
        print(
            f"| {r['target']} | {r['observed']:,.0f} | {r['model']:,.0f} | {100 * r['rel_error']:+.1f}% |"
        )


if __name__ == "__main__":
    main()
