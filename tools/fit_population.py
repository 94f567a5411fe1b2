"""Fit the free parameters of engines/population.py to the pre-cut-off series (Jan 2014 – Sep 2015).

Data: data/population/*.csv (UNHCR registered refugees and IDPs, SOHR cumulative deaths, UNHCR/IOM sea
arrivals). Nothing measured after 2015-09-30 is used. Least squares on log residuals (scipy
``least_squares``, trust-region reflective, bounded).

Two fits, the same way: the forecasting fit on every observation to September 2015 (the scenario's
parameters; its residuals are an in-sample consistency check), and the hold-out fit on the
observations to March 2015, which predicts those of April – September 2015 beside persistence and a
linear trend fitted on the same observations.

The migrant-network term of the onward (sea) flow is chosen among the candidate forms of
:data:`FORMS`, each fitted and held out the same way: the engine's own form (the diaspora elasticity
on the migration prevalence ratio) and two it was compared with, the linear term it replaced and a
diaspora elasticity on Europe's stock in persons. A candidate other than the engine's runs through
the engine with β = 0 (no network term of its own) and its network term as the ``onward_factor``
input, computed each month from the stocks at the start of the month — the same arithmetic as
inside the engine. Each candidate's forecasting fit is also projected to December 2024 with the
fighting held at its 2014–15 scope (a stability check, not a forecast: no later data enter).

Host absorption and returns (the engine's ``host_onset``/``host_capacity`` and ``return_calm``).
Returns are ``r_c (1 − F/F0)_+`` with F0 the fit's fighting scope, so 0 in every run here (F is held
at F0). Host absorption's onset is the region's stock at the cut-off: the fitted months are the doors
as they stood, so the fits run without it (``capacity = ∞``; with it, parameters the optimiser tries
on its way that overshoot the region's stock in sample would be throttled by a mechanism that
describes later months). :func:`absorption_check` verifies that at the fitted parameters the fitted
months are identical with host absorption at the scenario's values, and projects the chosen form to
2024 without it and at the capacity's low, central and high values. The network-form comparison
projects each form without host absorption, as the forms were compared.

Writes data/population/fit.json and prints the tables for FIT.md.
Run: ``.venv/bin/python tools/fit_population.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from realpolitik.engines import population as pop

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "population"
START = dt.date(2014, 1, 1)  # step 0 = January 2014; initial stocks are end-December 2013
CUTOFF = dt.date(2015, 9, 30)  # last measurement date the forecasting fit may use
HOLDOUT_FIT_TO = dt.date(2015, 3, 31)  # the hold-out fit ends here; April – September are predicted
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
    # pi*: the prevalence europe / (europe + region) at the cut-off from sourced counts: 429,000
    # Syrian asylum applicants in Europe (UNHCR, 24 Sep 2015) over 429,000 + 4,135,000 registered in
    # the region (UNHCR's 4,013,000 of 9 Jul 2015 + 2.7 months at +45,000; the scenario's initial
    # stocks). The onward rate o is the rate per refugee at this prevalence.
    "prevalence_ref": 0.093996,
    # Host absorption (scenario population.host_onset, host_capacity; j-host-capacity): openness 1
    # up to the region's stock at the cut-off (the scenario's initial 4,135,000 registered + 53,921
    # unregistered), 0 at the capacity, drawn uniformly on [8.97, 20.23] million (central 14.6 M).
    # Off in the fits (the fitted months are the doors as they stood): see absorption_check.
    "host_onset": 4_188_921,
    "host_capacity": 14_600_000,
    "host_capacity_range": (8_970_000, 20_230_000),
    # Returns (scenario population.return_calm, mode; j-returns-calm): r_c (1 - F/F0)_+ with F0 the
    # fit's fighting scope, so 0 throughout the fit (F is held at F0).
    "return_calm": 0.05,
}
FREE = (
    "registered0", "displace", "flee", "onward", "network_elasticity", "season_amplitude",
    "combat_deaths",
)  # fmt: skip
NETWORK = FREE.index("network_elasticity")  # the slot of each form's network parameter
X0 = np.array([2.4e6, 0.01, 0.02, 0.001, 0.5, 0.3, 4000.0])
LO = np.array([1.8e6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
HI = np.array([3.0e6, 0.2, 0.2, 0.05, 1.0, 0.95, 20000.0])


def _linear(eta, europe, region):
    """The replaced term 1 + η·europe/region (Massey et al. 1993, as first implemented)."""
    return 1 + eta * np.divide(europe, region, out=np.zeros_like(europe), where=region > 0)


def _stock_elasticity(beta, europe, region):
    """(europe/europe0)^β: the diaspora elasticity on Europe's stock in persons (Beine, Docquier &
    Özden 2011's log-linear term, normalised at the fit's initial stock)."""
    return (europe / FIXED["europe0"]) ** beta


# name -> (network parameter, its start, lower and upper bound, multiplier or None for the engine's)
FORMS = {
    "prevalence-elasticity": ("beta", 0.5, 0.0, 1.0, None),
    "linear": ("eta", 5.0, 0.0, 2000.0, _linear),
    "stock-elasticity": ("beta", 0.5, 0.0, 1.0, _stock_elasticity),
}
# The hold-out fit's sea arrivals rest on one observation (2014's total) for three parameters (o,
# the network parameter, the seasonal amplitude): a ridge of equally good fits. Each form is also
# held out from these starts of its network parameter × those of the amplitude, to show the spread.
RIDGE_STARTS = {
    "prevalence-elasticity": (0.2, 0.5, 0.9),
    "linear": (5.0, 50.0, 300.0),
    "stock-elasticity": (0.2, 0.5, 0.9),
}
RIDGE_AMPLITUDES = (0.3, 0.6, 0.9)
PROFILE = (0.2, 0.4, 0.6, 0.8, 1.0)  # elasticities at which the forecasting fit is profiled
CHOSEN = "prevalence-elasticity"
PROJECT_TO = dt.date(2024, 12, 31)  # the flagship's last month


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


def targets(since: dt.date = START, until: dt.date = CUTOFF):
    """(label, kind, date, observed, relative sd) of every observation dated in [since, until]."""
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
    assert all(t[2] <= CUTOFF for t in out)
    return [t for t in out if since <= t[2] <= until]


def build(theta, form: str = CHOSEN, capacity: float = np.inf) -> pop.Params:
    """The engine's Params for one member, with host capacity ``capacity`` (``np.inf``, the default:
    no host absorption, as in the fitted months)."""
    r0, displace, flee, onward, network, amp, combat = theta
    beta = network if FORMS[form][4] is None else 0.0
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
        return_calm=one(f["return_calm"]),
        scope_ref=one(f["fighting_scope"]),
        flee=one(flee),
        border_open=one(1.0),
        host_onset=one(f["host_onset"]),
        host_capacity=one(capacity),
        registration=one(1.0),
        catch_up=one(0.0),
        lebanon_share=one(f["lebanon_share"]),
        onward=one(onward),
        network_elasticity=one(beta),
        prevalence_ref=one(f["prevalence_ref"]),
        season_amplitude=one(amp),
        civilian_rate=one(civ_rate),
        sohr_coverage=one(1.0),
        killed_share=one(1.0),  # the fitted combat_losses are deaths
        non_syrian_share=one(f["non_syrian_share"]),
        abroad_other=one(0.0),
        initial=np.array(
            [[round(resident0), f["idp0"], round(r0), 0, f["europe0"], f["dead0"]]], np.int64
        ),
        start_month_of_year=1,
        lebanon_closed_from=LEBANON_CLOSED,
        season_peak=f["season_peak"],
    )


def simulate(theta, form: str = CHOSEN, n_months: int = N_MONTHS, capacity=np.inf, flows=False):
    """Initial stocks (6,), month-end stocks (n_months, 6) and monthly sea arrivals (n_months,) from
    January 2014, with the fighting held at its 2014–15 scope (and, with ``flows``, the monthly
    flows (n_months, 7)). A candidate form other than the engine's enters as the ``onward_factor``
    input, from the stocks at the start of each month. ``capacity``: as in :func:`build`."""
    params = build(theta, form, capacity)
    g = FORMS[form][4]
    d = {
        "fighting_scope": np.array([FIXED["fighting_scope"]]),
        "combat_losses": np.array([theta[-1]]),
        "onward_factor": np.ones(1),
    }
    state = pop.init_state(params, 1)
    stocks, arrivals, moved = [], [], []
    for month in range(n_months):
        if g is not None:
            s = state.stocks.astype(float)
            d["onward_factor"] = g(theta[NETWORK], s[:, 4], s[:, 2] + s[:, 3])
        state, out = pop.step(state, params, d, month)
        stocks.append(out.stocks[0])
        arrivals.append(out.measures[0, pop.MEASURES.index("sea-arrivals")])
        moved.append(out.flows[0])
    if flows:
        return params.initial[0], np.array(stocks), np.array(arrivals), np.array(moved)
    return params.initial[0], np.array(stocks), np.array(arrivals)


def predict(theta, rows=None, form: str = CHOSEN):
    """(label, observed, model, sd) for ``rows`` (default: every target to the cut-off)."""
    init, stocks, arrivals = simulate(theta, form)
    preds = []
    for label, kind, date, obs, sd in targets() if rows is None else rows:
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


def residuals(theta, rows=None, form: str = CHOSEN):
    return np.array([np.log(v / o) / sd for _, o, v, sd in predict(theta, rows, form)])


def bounds(form: str = CHOSEN):
    """Start and bounds of the free parameters, the network slot set by the form."""
    _, x0, lo, hi, _ = FORMS[form]
    x, low, high = X0.copy(), LO.copy(), HI.copy()
    x[NETWORK], low[NETWORK], high[NETWORK] = x0, lo, hi
    return x, low, high


def fit(rows=None, form: str = CHOSEN, start=None):
    """Least squares of :func:`residuals` from the form's start (or ``start``) within its bounds."""
    x0, lo, hi = bounds(form)
    x0 = x0 if start is None else np.asarray(start, float)
    return least_squares(
        residuals, x0, args=(rows, form), bounds=(lo, hi), x_scale=np.abs(x0), method="trf",
        diff_step=1e-3,
    )  # fmt: skip


def names(form: str = CHOSEN) -> tuple[str, ...]:
    """The free parameters' names, the network slot named by the form."""
    return FREE if form == CHOSEN else (*FREE[:NETWORK], FORMS[form][0], *FREE[NETWORK + 1 :])


def _series(label: str) -> str:
    return label.split()[0]


def naive_forecasts(train, test):
    """Persistence and linear-trend forecasts of each held-out target from the training rows.

    Persistence: a stock's last value (registered, IDP); a cumulative count's last value plus its
    last interval's daily rate (SOHR); 2015 sea arrivals to date at 2014's daily rate. Trend: the
    least-squares line through a series' training values (None with fewer than two)."""
    out = []
    for label, _, date, _, _ in test:
        series = _series(label)
        if series == "sea":
            annual = next(o for _, k, _, o, _ in train if k == "annual")
            start = dt.date(date.year, 1, 1)
            out.append((annual * ((date - start).days + 1) / 365, None))
            continue
        past = sorted((d, o) for lab, _, d, o, _ in train if _series(lab) == series)
        days = np.array([(d - past[0][0]).days for d, _ in past], float)
        vals = np.array([o for _, o in past])
        ahead = (date - past[0][0]).days
        if series == "sohr":
            rate = (vals[-1] - vals[-2]) / (days[-1] - days[-2])
            persist = vals[-1] + rate * (ahead - days[-1])
        else:
            persist = vals[-1]
        trend = np.polyval(np.polyfit(days, vals, 1), ahead) if len(past) > 1 else None
        out.append((float(persist), None if trend is None else float(trend)))
    return out


def split():
    """The hold-out's training rows (to March 2015) and test rows (April – September 2015)."""
    return targets(until=HOLDOUT_FIT_TO), targets(since=HOLDOUT_FIT_TO + dt.timedelta(1))


def holdout(form: str = CHOSEN):
    """Fit to March 2015, predict April – September 2015 beside persistence and a linear trend.

    Also the identifiability of the fit: singular values of the Jacobian of the residuals with
    respect to the relative parameter changes (J·diag θ), relative to the largest."""
    train, test = split()
    res = fit(train, form)
    sv = np.linalg.svd(res.jac * res.x[None, :], compute_uv=False)
    rows = []
    for (label, obs, model, _), (persist, trend) in zip(
        predict(res.x, test, form), naive_forecasts(train, test), strict=True
    ):
        rows.append(
            {"target": label, "observed": obs, "model": round(model), "persistence": round(persist),
             "trend": None if trend is None else round(trend)}
        )  # fmt: skip

    def score(key, subset):
        return float(np.mean([abs(np.log(r[key] / r["observed"])) for r in subset]))

    with_trend = [r for r in rows if r["trend"] is not None]
    return {
        "fit_to": HOLDOUT_FIT_TO.isoformat(),
        "n_fitted": len(train),
        "free": dict(zip(names(form), map(float, res.x), strict=True)),
        "relative_singular_values": [float(v) for v in sv / sv[0]],
        "rows": rows,
        "mean_abs_log_error": {
            "model": score("model", rows),
            "persistence": score("persistence", rows),
            "model_where_trend": score("model", with_trend),
            "trend": score("trend", with_trend),
        },
    }


def ridge(form: str = CHOSEN):
    """The hold-out fit from every start of :data:`RIDGE_STARTS` × :data:`RIDGE_AMPLITUDES`: its
    training cost, fitted network parameter and amplitude, and mean |log error| on the test rows."""
    train, test = split()
    out = []
    for net in RIDGE_STARTS[form]:
        for amp in RIDGE_AMPLITUDES:
            x0 = bounds(form)[0]
            x0[NETWORK], x0[FREE.index("season_amplitude")] = net, amp
            res = fit(train, form, x0)
            err = np.mean([abs(np.log(v / o)) for _, o, v, _ in predict(res.x, test, form)])
            out.append(
                {"start": [net, amp], "cost": float(res.cost), "network": float(res.x[NETWORK]),
                 "season_amplitude": float(res.x[FREE.index("season_amplitude")]),
                 "mean_abs_log_error": float(err)}
            )  # fmt: skip
    return out


def profile():
    """The forecasting fit of the engine's form with its elasticity β held at each value of
    :data:`PROFILE`: the cost (−log-likelihood under the stated relative sds, up to a constant) and
    the fitted onward rate o. Costs within 1.92 of the best bound a 95 % likelihood-ratio interval."""
    out = []
    x0, lo, hi = bounds()
    for beta in PROFILE:
        start, low, high = x0.copy(), lo.copy(), hi.copy()
        start[NETWORK], low[NETWORK], high[NETWORK] = beta, beta - 1e-9, beta + 1e-9
        res = least_squares(
            residuals, start, args=(None, CHOSEN), bounds=(low, high), x_scale=np.abs(x0),
            method="trf", diff_step=1e-3,
        )  # fmt: skip
        out.append(
            {"beta": beta, "cost": float(res.cost), "onward": float(res.x[FREE.index("onward")])}
        )
    return out


def project(theta, form: str = CHOSEN, capacity=np.inf):
    """A fitted form run on to December 2024 with the fighting held at its 2014–15 scope: sea
    arrivals by calendar year, and the stocks in Europe and in the region at the end of 2024.
    A stability check of the form's extrapolation (no data after the cut-off enter). Without host
    absorption unless ``capacity`` is given (the forms were compared without it)."""
    n = (PROJECT_TO.year - START.year) * 12 + PROJECT_TO.month - START.month + 1
    _, stocks, arrivals = simulate(theta, form, n, capacity)
    years = range(2016, PROJECT_TO.year + 1)
    per_year = {
        str(y): float(arrivals[(y - START.year) * 12 : (y - START.year + 1) * 12].sum())
        for y in years
    }
    return {
        "sea_arrivals_by_year": per_year,
        "europe_end": int(stocks[-1, 4]),
        "region_end": int(stocks[-1, 2] + stocks[-1, 3]),
        "peak_year": max(per_year, key=per_year.get),
    }


def _in_year(monthly: np.ndarray, year: int) -> np.ndarray:
    """The months of a calendar year from a monthly series that starts in January 2014."""
    return monthly[(year - START.year) * 12 : (year - START.year + 1) * 12]


def absorption_check(theta):
    """Host absorption and returns at the scenario's values, for the chosen form's fit.

    In sample, with host absorption at the scenario's central capacity: the month-start openness A(S)
    over the fitted months (its minimum), the returns (their sum), and whether the fitted months'
    stocks and sea arrivals are identical to the fit's own, without host absorption (the fitted
    parameters are then those of the engine with it). Projection: the fit
    run on to December 2024 with the fighting held at its 2014–15 scope (F = F0: no returns), without
    host absorption and at the capacity's low, central and high values."""
    f = FIXED
    init, stocks, arrivals, moved = simulate(theta, capacity=f["host_capacity"], flows=True)
    _, bare_stocks, bare_arrivals = simulate(theta)
    before = np.vstack([init, stocks[:-1]])
    openness = pop.absorption(before[:, 2] + before[:, 3], f["host_onset"], f["host_capacity"])
    n = (PROJECT_TO.year - START.year) * 12 + PROJECT_TO.month - START.month + 1
    low, high = f["host_capacity_range"]
    runs = {}
    for label, cap in (("none", np.inf), ("low", low), ("central", f["host_capacity"]),
                       ("high", high)):  # fmt: skip
        _, st, arr, mv = simulate(theta, CHOSEN, n, cap, flows=True)
        fled = mv[:, pop.FLOWS.index("fled")]
        end = st[-1]
        start_of_last = st[-2]
        runs[label] = {
            "capacity": None if not np.isfinite(cap) else int(cap),
            "fled_2016": int(_in_year(fled, 2016).sum()),
            "fled_2024": int(_in_year(fled, 2024).sum()),
            "fled_2016_2024": int(fled[(2016 - START.year) * 12 :].sum()),
            "sea_arrivals_2016": float(_in_year(arr, 2016).sum()),
            "peak_region": int((st[:, 2] + st[:, 3]).max()),
            "end_2024": {k: int(end[i]) for i, k in enumerate(pop.STOCKS)},
            "outside_end_2024": int(end[2] + end[3] + end[4]),
            "openness_dec_2024": float(
                pop.absorption(start_of_last[2] + start_of_last[3], f["host_onset"], cap)
            ),
        }
    return {
        "in_sample_min_openness": float(openness.min()),
        "in_sample_max_region": int((stocks[:, 2] + stocks[:, 3]).max()),
        "in_sample_returns": int(moved[:, pop.FLOWS.index("returned")].sum()),
        "in_sample_identical_without": bool(
            np.array_equal(stocks, bare_stocks) and np.array_equal(arrivals, bare_arrivals)
        ),
        "projection": runs,
    }


def candidates(chosen_theta, chosen_cost, chosen_holdout):
    """Every form of :data:`FORMS`: forecasting-fit parameters and cost, hold-out errors and the
    projection (the chosen form's fits are passed in, not recomputed)."""
    out = {}
    for form in FORMS:
        if form == CHOSEN:
            theta, cost, h = chosen_theta, chosen_cost, chosen_holdout
        else:
            theta = fit(form=form).x
            cost = float(0.5 * np.sum(residuals(theta, form=form) ** 2))
            h = holdout(form)
        out[form] = {
            "free": dict(zip(names(form), map(float, theta), strict=True)),
            "cost": cost,
            "holdout_free": h["free"],
            "holdout_model": {r["target"]: r["model"] for r in h["rows"]},
            "mean_abs_log_error": h["mean_abs_log_error"],
            "holdout_ridge": ridge(form),
            "projection": project(theta, form),
        }
    return out


def main():
    theta = fit().x
    rows = predict(theta)
    cost = float(0.5 * np.sum(residuals(theta) ** 2))
    held = holdout()
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
        "cost": cost,
        "holdout": held,
        "chosen_form": CHOSEN,
        "candidates": candidates(theta, cost, held),
        "profile": profile(),
        "absorption": absorption_check(theta),
    }
    (DATA / "fit.json").write_text(json.dumps(result, indent=1) + "\n")
    for k, v in result["free"].items():
        print(f"| {k} | {v:.6g} |")
    for r in result["residuals"]:
        print(
            f"| {r['target']} | {r['observed']:,.0f} | {r['model']:,.0f} | {100 * r['rel_error']:+.1f}% |"
        )
    h = result["holdout"]
    print(f"hold-out: fitted to {h['fit_to']} ({h['n_fitted']} observations)")
    for k, v in h["free"].items():
        print(f"| {k} | {v:.6g} |")
    print("relative singular values", " ".join(f"{v:.1e}" for v in h["relative_singular_values"]))

    def pct(v, o):
        return "—" if v is None else f"{v:,.0f} ({100 * (v / o - 1):+.1f} %)"

    for r in h["rows"]:
        o = r["observed"]
        print(
            f"| {r['target']} | {o:,.0f} | {pct(r['model'], o)} | {pct(r['persistence'], o)} "
            f"| {pct(r['trend'], o)} |"
        )
    print(" ".join(f"{k} {v:.3f}" for k, v in h["mean_abs_log_error"].items()))
    print(
        "candidates: form | fitted network (o) | cost | hold-out network | hold-out sea errors "
        "| mean |log error| (4 with a trend) | range over the ridge starts (training costs)"
    )
    for form, c in result["candidates"].items():
        key = names(form)[NETWORK]
        sea = [
            f"{100 * (c['holdout_model'][r['target']] / r['observed'] - 1):+.1f} %"
            for r in h["rows"]
            if r["target"].startswith("sea")
        ]
        e = c["mean_abs_log_error"]
        errs = [r["mean_abs_log_error"] for r in c["holdout_ridge"]]
        costs = [r["cost"] for r in c["holdout_ridge"]]
        nets = [r["network"] for r in c["holdout_ridge"]]
        print(
            f"| {form} | {key} {c['free'][key]:.4g} (o {c['free']['onward']:.4g}) | {c['cost']:.3f} "
            f"| {key} {c['holdout_free'][key]:.4g} | {', '.join(sea)} | {e['model']:.3f} "
            f"({e['model_where_trend']:.3f}) | {min(errs):.3f}–{max(errs):.3f} ({key} "
            f"{min(nets):.3g}–{max(nets):.3g}; costs {min(costs):.4f}–{max(costs):.4f}) |"
        )
    print("profile of the elasticity: beta | cost | o")
    for r in result["profile"]:
        print(f"| {r['beta']:.1f} | {r['cost']:.3f} | {r['onward']:.5f} |")
    a = result["absorption"]
    print(
        f"absorption in sample: min openness {a['in_sample_min_openness']}, max region "
        f"{a['in_sample_max_region']:,}, returns {a['in_sample_returns']}, identical without "
        f"{a['in_sample_identical_without']}"
    )
    print("absorption projection: capacity | fled 2016 | fled 2024 | fled 2016-24 | sea 2016 | peak "
          "region | idp, region, Europe, outside end 2024 | openness Dec 2024")  # fmt: skip
    for label, r in a["projection"].items():
        e = r["end_2024"]
        cap = "none" if r["capacity"] is None else f"{r['capacity'] / 1e6:.2f} M"
        print(
            f"| {label} ({cap}) | {r['fled_2016'] / 1e6:.2f} M | {r['fled_2024'] / 1e6:.2f} M "
            f"| {r['fled_2016_2024'] / 1e6:.2f} M | {r['sea_arrivals_2016'] / 1e6:.2f} M "
            f"| {r['peak_region'] / 1e6:.2f} M | {e['idp'] / 1e6:.2f} M, "
            f"{(e['registered'] + e['unregistered']) / 1e6:.2f} M, {e['europe'] / 1e6:.2f} M, "
            f"{r['outside_end_2024'] / 1e6:.2f} M | {r['openness_dec_2024']:.2f} |"
        )
    print(
        "projection (F held): form | sea arrivals 2016 | peak year | 2024 | Europe, region end 2024"
    )
    for form, c in result["candidates"].items():
        pr = c["projection"]
        a, peak = pr["sea_arrivals_by_year"], pr["peak_year"]
        print(
            f"| {form} | {a['2016'] / 1e6:.2f} M | {a[peak] / 1e6:.2f} M ({peak}) "
            f"| {a['2024'] / 1e6:.2f} M | {pr['europe_end'] / 1e6:.2f} M, {pr['region_end'] / 1e6:.2f} M |"
        )


if __name__ == "__main__":
    main()
