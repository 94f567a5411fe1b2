import datetime as dt
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from realpolitik.engines import population as pop
from realpolitik.engines import run

ROOT = Path(__file__).resolve().parents[2]
FIT = ROOT / "data" / "population" / "fit.json"


def params(m, **kw):
    rng = np.random.default_rng(0)  # fixture values only (not a model draw)
    base = dict(
        displace=0.02,
        return_rate=0.005,
        flee=0.02,
        border_open=1.0,
        registration=0.9,
        catch_up=0.05,
        lebanon_share=0.2,
        onward=0.002,
        network=50.0,
        season_amplitude=0.5,
        civilian_rate=1e-4,
        sohr_coverage=0.7,
        non_syrian_share=0.5,
        abroad_other=1e5,
    )
    base.update(kw)
    fields = {k: np.full(m, float(v)) for k, v in base.items()}
    init = rng.integers(0, 10_000_000, size=(m, 6)).astype(np.int64)
    return pop.Params(**fields, initial=init, start_month_of_year=10, lebanon_closed_from=-5)


def drivers(m, scope=0.8, losses=5000.0, onward=1.0):
    return lambda t: {
        "fighting_scope": np.full(m, scope),
        "combat_losses": np.full(m, losses),
        "onward_factor": np.full(m, onward),
    }


def test_people_are_conserved_exactly():
    m = 64
    p = params(m)
    rng = np.random.default_rng(1)
    st = pop.init_state(p, m)
    total = st.stocks.sum(1)
    for t in range(36):
        d = {
            "fighting_scope": rng.uniform(0, 1, m),
            "combat_losses": rng.uniform(0, 1e7, m),  # large enough to hit the clipping
            "onward_factor": rng.uniform(0, 2, m),
        }
        st, out = pop.step(st, p, d, t)
        assert np.array_equal(st.stocks.sum(1), total)
        assert st.stocks.min() >= 0
        assert np.all(np.isfinite(out.measures))


def test_fighting_scope_drives_displacement():
    m = 4
    lo = run(pop, params(m), m, 12, 0, drivers(m, scope=0.2)).flows.sum("month")
    hi = run(pop, params(m), m, 12, 0, drivers(m, scope=0.9)).flows.sum("month")
    for flow in ("displaced", "fled", "civilian_deaths"):
        assert np.all(hi.sel(flow=flow) > lo.sel(flow=flow)), flow


def test_onward_factor_scales_sea_crossings():
    m = 4
    sea = dict(measure="sea-arrivals", month=0)
    off = run(pop, params(m), m, 6, 0, drivers(m)).measures.sel(sea)
    on = run(pop, params(m), m, 6, 0, drivers(m, onward=0.2)).measures.sel(sea)
    np.testing.assert_allclose(on, 0.2 * off, rtol=1e-3)


def test_lebanon_closure_lowers_registration():
    m = 4
    open_ = params(m)
    closed = pop.Params(**{**open_.__dict__, "lebanon_closed_from": 0})
    never = pop.Params(**{**open_.__dict__, "lebanon_closed_from": 999})
    a = run(pop, closed, m, 6, 0, drivers(m)).stocks.isel(month=-1)
    b = run(pop, never, m, 6, 0, drivers(m)).stocks.isel(month=-1)
    assert np.all(a.sel(stock="registered") < b.sel(stock="registered"))
    assert np.all(a.sel(stock="unregistered") > b.sel(stock="unregistered"))


def test_series_definitions():
    m = 3
    p = params(m)
    out = pop.step(pop.init_state(p, m), p, drivers(m)(2), 2)[1]
    measures = dict(zip(pop.MEASURES, out.measures.T, strict=True))
    flows = dict(zip(pop.FLOWS, out.flows.T, strict=True))
    assert np.array_equal(measures["registered-region"], out.stocks[:, 2])
    assert np.array_equal(measures["worldwide"], out.stocks[:, 2] + out.stocks[:, 4] + 1e5)
    assert np.allclose(measures["sea-arrivals"], flows["onward"] / 0.5)
    assert np.array_equal(measures["deaths"], out.stocks[:, 5])


def _fit_module():
    spec = importlib.util.spec_from_file_location(
        "fit_population", ROOT / "tools" / "fit_population.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_stored_fit_is_what_the_tool_computes_from_pre_cutoff_series():
    """fit.json holds what the tool computes from observations dated on or before 2015-09-30: its
    predictions and cost. This is the in-sample consistency check of FIT.md; it sets no tolerance
    on the errors themselves (the hold-out below judges them)."""
    fit = json.loads(FIT.read_text())
    mod = _fit_module()
    theta = np.array([fit["free"][k] for k in mod.FREE])
    rows = mod.predict(theta)
    assert len(rows) >= 15
    assert all(dt.date.fromisoformat(lab.split()[-1]) <= dt.date(2015, 9, 30) for lab, *_ in rows)
    stored = {r["target"]: r["model"] for r in fit["residuals"]}
    assert all(stored[lab] == pytest.approx(v, abs=1.0) for lab, _, v, _ in rows)
    cost = 0.5 * np.sum(mod.residuals(theta) ** 2)
    assert cost == pytest.approx(fit["cost"], rel=1e-9)


@pytest.fixture(scope="module")
def holdout():
    return _fit_module().holdout()


def test_holdout_fit_uses_only_its_months_and_is_stored(holdout):
    """The hold-out fit sees no observation after March 2015, predicts every later one, and
    fit.json's hold-out table (quoted in FIT.md and the README) is what the tool computes."""
    mod = _fit_module()
    train = mod.targets(until=mod.HOLDOUT_FIT_TO)
    test = mod.targets(since=mod.HOLDOUT_FIT_TO + dt.timedelta(1))
    assert max(t[2] for t in train) <= dt.date(2015, 3, 31) < min(t[2] for t in test)
    assert len(train) + len(test) == len(mod.targets())
    stored = json.loads(FIT.read_text())["holdout"]
    assert holdout["rows"] == stored["rows"]
    assert holdout["mean_abs_log_error"] == pytest.approx(stored["mean_abs_log_error"], rel=1e-9)


def test_holdout_model_beats_persistence_fitted_on_the_same_months(holdout):
    """Out of sample (April – September 2015) the model's mean |log error| over the held-out targets
    is below persistence's, both built from the observations to March 2015 (FIT.md)."""
    err = holdout["mean_abs_log_error"]
    assert err["model"] < err["persistence"]
