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
        network_elasticity=0.7,
        prevalence_ref=0.1,
        season_amplitude=0.5,
        civilian_rate=1e-4,
        sohr_coverage=0.7,
        killed_share=0.5,
        non_syrian_share=0.5,
        abroad_other=1e5,
        host_onset=0.0,
        host_capacity=np.inf,  # no host absorption unless a test sets it
        return_calm=0.0,
        scope_ref=1.0,
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


def _random_params(m, seed):
    """Params with host absorption and returns switched on, every member different (fixture values
    only, not a model draw): capacities from below the onset (a step) to infinite, return rates up
    to 1 a month."""
    rng = np.random.default_rng(seed)
    p = params(m)
    onset = rng.uniform(0, 2e7, m)
    capacity = onset + rng.uniform(-5e6, 3e7, m)
    capacity[::7] = np.inf
    return pop.Params(
        **{
            **p.__dict__,
            "host_onset": onset,
            "host_capacity": capacity,
            "return_rate": rng.uniform(0, 0.05, m),
            "return_calm": rng.uniform(0, 1, m),
            "scope_ref": rng.uniform(0, 1, m),
            "flee": rng.uniform(0, 0.5, m),
            "displace": rng.uniform(0, 0.5, m),
        }
    )


def test_people_are_conserved_exactly():
    m = 64
    p = _random_params(m, 0)
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


def test_each_flow_stays_within_its_source_stock():
    """Every month, each flow is at most the stock it leaves (displacement and deaths the residents,
    returns and flight the IDPs, onward movement and registration the refugees in the region)."""
    m = 64
    p = _random_params(m, 2)
    rng = np.random.default_rng(4)
    st = pop.init_state(p, m)
    for t in range(36):
        d = {
            "fighting_scope": rng.uniform(0, 1, m),
            "combat_losses": rng.uniform(0, 1e7, m),
            "onward_factor": rng.uniform(0, 2, m),
        }
        res, idp, reg, unreg = (st.stocks[:, i] for i in range(4))
        st, out = pop.step(st, p, d, t)
        f = dict(zip(pop.FLOWS, out.flows.T, strict=True))
        assert np.all(out.flows >= 0)
        assert np.all(f["displaced"] + f["civilian_deaths"] + f["combat_deaths"] <= res)
        assert np.all(f["returned"] + f["fled"] <= idp)
        assert np.all(f["onward"] <= reg + unreg)
        assert np.all(f["registered_catch_up"] <= unreg)


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


# --- the migrant-network term: a diaspora elasticity on the migration prevalence ratio -------------


def test_network_term_is_monotone_concave_and_bounded_in_the_prevalence():
    """(π/π*)^β with π = europe / (europe + region): for every elasticity 0 ≤ β ≤ 1 it rises with
    Europe's stock, is concave in π, and never exceeds (1/π*)^β however large europe/region grows."""
    beta = np.linspace(0.0, 1.0, 11)[:, None]  # one row per elasticity, batched
    ref = 0.09
    region = 4e6
    europe = region * np.logspace(-4, 9, 400)[None, :]  # europe/region from 1e-4 to 1e9
    g = pop.network_multiplier(europe, region, beta, ref)
    assert np.all(np.diff(g, axis=1) >= 0)
    assert np.all(g <= (1 / ref) ** beta * (1 + 1e-12))
    prevalence = np.linspace(0, 1, 201)[None, :]
    h = pop.network_multiplier(prevalence, 1 - prevalence, beta, ref)
    np.testing.assert_allclose(h, (prevalence / ref) ** beta)
    assert np.all(np.diff(h[1:], n=2, axis=1) <= 1e-12)  # β = 0 is flat; β ≤ 1 concave
    assert np.all(pop.network_multiplier(0.0, 0.0, beta, ref)[1:] == 0)  # no one outside Syria


def _onward_flow(p, europe, region, month=0):
    """The onward flow of one step from stocks with the given Europe and region (all registered)."""
    m = europe.shape[0]
    init = np.zeros((m, 6), np.int64)
    init[:, 2], init[:, 4] = region, europe
    q = pop.Params(**{**p.__dict__, "initial": init})
    _, out = pop.step(pop.init_state(q, m), q, drivers(m, scope=0.0, losses=0.0)(month), month)
    return out.flows[:, pop.FLOWS.index("onward")]


def test_europe_growth_rate_from_onward_movement_falls_as_europe_grows():
    """At a fixed region, the onward flow rises with Europe's stock but Europe's proportional
    growth onward/europe falls, toward 0 since the flow stays below the full network's
    o·(1/π*)^β·region — the network cannot make Europe's stock grow exponentially (the linear term
    1 + η·europe/region it replaced gave onward/europe a floor of o·η·s)."""
    europe = np.rint(np.logspace(4, 9, 60)).astype(np.int64)
    region = 4_000_000
    for beta in (0.4, 0.7, 1.0):
        p = params(len(europe), network_elasticity=beta, onward=0.01, season_amplitude=0.0)
        flow = _onward_flow(p, europe, region)
        assert np.all(np.diff(flow) >= 0), beta
        growth = flow / europe
        assert np.all(np.diff(growth) < 0), beta
        cap = 0.01 * (1 / p.prevalence_ref) ** beta * region  # the full network's flow
        assert np.all(flow <= np.ceil(cap)), beta  # so onward/europe <= cap/europe -> 0


def test_onward_rate_per_refugee_is_bounded_by_the_full_network():
    """However the stocks stand, the month's onward flow is at most o·(1/π*)^β·s·φ of the region."""
    m = 200
    rng = np.random.default_rng(3)  # fixture values only
    beta = rng.uniform(0, 1, m)
    p = params(m, network_elasticity=0.0, onward=0.02, season_amplitude=0.9)
    p = pop.Params(**{**p.__dict__, "network_elasticity": beta})
    europe = rng.integers(0, 10**9, m)
    region = rng.integers(1, 10**7, m)
    for month in range(12):
        flow = _onward_flow(p, europe, region, month)
        moy = (p.start_month_of_year - 1 + month) % 12 + 1
        season = 1 + 0.9 * np.cos(2 * np.pi * (moy - p.season_peak) / 12)
        cap = 0.02 * (1 / p.prevalence_ref) ** beta * season * region
        assert np.all(flow <= np.ceil(cap))


def test_flagship_members_onward_rates_stay_bounded_and_europe_growth_slows():
    """The flagship's sampled population parameters, run alone for its 111 months with fighting
    everywhere (scope 1) and no deal: in every member and month the onward flow is at most
    o·(1/π*)^β·s of the region, and Europe's proportional growth from onward movement (per unit of
    seasonality) is lower in the last year than in the first (the linear term kept it near o·η)."""
    from realpolitik.compile import draws
    from realpolitik.compile import population as compile_population
    from realpolitik.rng import MemberRNG
    from realpolitik.scenario import load_scenario

    s = load_scenario(ROOT / "scenarios" / "syria-2015.yaml")
    m = 64
    p = compile_population.params(draws(s, MemberRNG(5, 0, m)))
    months = 111
    ds = run(pop, p, m, months, 0, drivers(m, scope=1.0, losses=0.0))
    onward = ds.flows.sel(flow="onward").values.astype(float)  # (member, month)
    before = np.concatenate([p.initial[:, None, :], ds.stocks.values[:, :-1]], 1)
    europe, region = before[..., 4], before[..., 2] + before[..., 3]
    moy = (p.start_month_of_year - 1 + np.arange(months)) % 12 + 1
    season = 1 + p.season_amplitude[:, None] * np.cos(2 * np.pi * (moy - p.season_peak) / 12)
    cap = p.onward[:, None] * (1 / p.prevalence_ref[:, None]) ** p.network_elasticity[:, None]
    assert np.all(onward <= np.ceil(cap * season * region))
    growth = onward / (europe * season)
    assert np.all(growth[:, -12:].mean(1) < growth[:, :12].mean(1))


def test_candidate_forms_run_through_the_engine_as_its_own_form_does():
    """The fit tool runs a candidate network form through the engine with β = 0 and the form as
    the ``onward_factor`` input: given the engine's own multiplier that way, it reproduces the
    engine's trajectory exactly, so the candidates are compared like for like."""
    mod = _fit_module()
    theta = np.array([json.loads(FIT.read_text())["free"][k] for k in mod.FREE])
    theta[mod.NETWORK] = 0.7
    ref = mod.FIXED["prevalence_ref"]
    own = lambda b, e, r: pop.network_multiplier(e, r, b, ref)  # noqa: E731
    mod.FORMS["engine-as-input"] = ("beta", 0.5, 0.0, 1.0, own)
    _, a_stocks, a_sea = mod.simulate(theta, mod.CHOSEN, 60)
    _, b_stocks, b_sea = mod.simulate(theta, "engine-as-input", 60)
    assert np.array_equal(b_stocks, a_stocks) and np.array_equal(b_sea, a_sea)


def test_network_form_comparison_is_stored():
    """fit.json's comparison of network forms (FIT.md, 'Network form'; quoted in the README) is
    what the tool computes: each candidate's fitted parameters, hold-out predictions and errors (from
    the default start and across the ridge of starts) and its projection, and the profile of the
    chosen form's elasticity; the engine's form is the chosen one."""
    mod = _fit_module()
    stored = json.loads(FIT.read_text())
    assert stored["chosen_form"] == mod.CHOSEN and mod.FORMS[mod.CHOSEN][4] is None
    theta = np.array([stored["free"][k] for k in mod.FREE])
    got = mod.candidates(theta, stored["cost"], stored["holdout"])
    assert got.keys() == stored["candidates"].keys() == mod.FORMS.keys()
    for form, c in got.items():
        s = stored["candidates"][form]
        assert c["holdout_model"] == s["holdout_model"], form
        assert c["projection"] == s["projection"], form
        assert c["cost"] == pytest.approx(s["cost"], rel=1e-9), form
        assert c["mean_abs_log_error"] == pytest.approx(s["mean_abs_log_error"], rel=1e-9), form
        for k, v in c["free"].items():
            assert v == pytest.approx(s["free"][k], rel=1e-9), (form, k)
        for a, b in zip(c["holdout_ridge"], s["holdout_ridge"], strict=True):
            assert a["start"] == b["start"], form
            for k in ("cost", "network", "season_amplitude", "mean_abs_log_error"):
                assert a[k] == pytest.approx(b[k], rel=1e-9), (form, a["start"], k)
    for a, b in zip(mod.profile(), stored["profile"], strict=True):
        assert a == pytest.approx(b, rel=1e-9)


# --- host absorption and returns -------------------------------------------------------------------


def test_openness_lies_in_the_unit_interval_and_does_not_rise_with_the_stock():
    """A(S) = clip((K − S)/(K − S₀), 0, 1): 1 up to the onset, 0 from the capacity on, within [0, 1]
    and non-increasing in the region's stock for every onset and capacity (a step at K when K ≤ S₀;
    1 everywhere when K is infinite)."""
    onset = np.array([0.0, 1e6, 4e6, 4e6, 4e6, 9e6])[:, None]  # one row per (S₀, K), batched
    capacity = np.array([5e6, 2e6, 9e6, 4e6, np.inf, 3e6])[:, None]
    stock = np.linspace(0, 3e7, 3001)[None, :]
    a = pop.absorption(stock, onset, capacity)
    assert np.all((a >= 0) & (a <= 1))
    assert np.all(np.diff(a, axis=1) <= 0)
    below = (stock <= onset) & (stock < capacity)  # (K ≤ S₀: shut from K on)
    assert np.all(a[below] == 1)
    assert np.all(a[np.broadcast_to(stock >= capacity, a.shape)] == 0)
    assert np.all(a[4] == 1)  # infinite capacity: no absorption limit
    np.testing.assert_allclose(pop.absorption(6.5e6, 4e6, 9e6), 0.5)


def _fled_over(p, months, scope=0.8):
    ds = run(pop, p, p.initial.shape[0], months, 0, drivers(p.initial.shape[0], scope=scope))
    return ds.flows.sel(flow="fled").sum("month").values, ds.stocks.isel(month=-1)


def test_a_larger_host_capacity_lets_more_flee():
    """Members alike but for the capacity (ascending, the last infinite), starting with the region
    above the onset: the larger the capacity, the more people cross over two years and the fewer stay
    displaced inside Syria; with the region already at a member's capacity, no one crosses."""
    capacity = np.array([5e6, 6e6, 8e6, 1.2e7, 2e7, np.inf])
    m = capacity.size
    init = np.tile(np.array([8e6, 7e6, 5e6, 0, 4e5, 2e5], np.int64), (m, 1))
    p = params(m, network_elasticity=0.0, onward=0.0, host_onset=4e6)
    p = pop.Params(**{**p.__dict__, "host_capacity": capacity, "initial": init})
    fled, end = _fled_over(p, 24)
    assert fled[0] == 0  # the region holds 5 M = K: the doors are shut
    assert np.all(np.diff(fled) > 0)
    assert np.all(np.diff(end.sel(stock="idp").values) < 0)


def test_stock_below_the_onset_leaves_flight_as_without_absorption():
    """While the region's stock stays below the onset, host absorption changes nothing (as in the
    fitted months): the trajectory is identical to one with no capacity at all."""
    m = 8
    init = np.tile(np.array([8e6, 7e6, 2e6, 0, 4e5, 2e5], np.int64), (m, 1))
    p = params(m, host_onset=1e9)
    p = pop.Params(**{**p.__dict__, "initial": init, "host_capacity": np.linspace(2e9, 9e9, m)})
    bare = pop.Params(**{**p.__dict__, "host_capacity": np.full(m, np.inf)})
    a = run(pop, p, m, 24, 0, drivers(m)).stocks.values
    b = run(pop, bare, m, 24, 0, drivers(m)).stocks.values
    assert np.array_equal(a, b)


def test_returns_are_zero_at_the_reference_scope_and_rise_as_the_fighting_recedes():
    """q(F) = (1 − F/F₀)_+ is 0 at and above the as_of scope F₀, 1 with no fighting, and
    non-increasing in F; in the engine (constant rate 0) no one returns at F ≥ F₀ and the month's
    returns rise as the fighting scope falls below it."""
    ref = np.array([0.2, 0.5, 0.963, 1.0])[:, None]
    scope = np.linspace(0, 1, 501)[None, :]
    q = pop.calm_share(scope, ref)
    assert np.all((q >= 0) & (q <= 1)) and np.all(np.diff(q, axis=1) <= 0)
    assert np.all(q[np.broadcast_to(scope >= ref, q.shape)] == 0)
    assert np.all(q[:, 0] == 1)
    assert np.all(pop.calm_share(0.3, 0.0) == 0)  # no fighting at as_of: nothing to come back to

    f0 = 0.834
    scopes = np.array([1.0, 0.9, f0, 0.8, 0.6, 0.4, 0.2, 0.0])  # one member per scope
    m = scopes.size
    init = np.tile(np.array([8e6, 7e6, 4e6, 0, 4e5, 2e5], np.int64), (m, 1))
    p = params(m, return_rate=0.0, return_calm=0.05, scope_ref=f0)
    p = pop.Params(**{**p.__dict__, "initial": init})
    d = {"fighting_scope": scopes, "combat_losses": np.zeros(m), "onward_factor": np.ones(m)}
    _, out = pop.step(pop.init_state(p, m), p, d, 0)
    returned = out.flows[:, pop.FLOWS.index("returned")]
    assert np.all(returned[scopes >= f0] == 0)
    below = returned[scopes <= f0]
    assert np.all(np.diff(below) > 0)
    assert returned[-1] == round(0.05 * 7e6)  # no fighting: every displaced person's home is calm


def test_stored_absorption_check_is_what_the_tool_computes():
    """fit.json's host-absorption check (FIT.md, 'Host absorption and returns') is what the tool
    computes: with host absorption at the scenario's central capacity the fitted months are identical
    to the fit's own (openness 1 throughout, no returns), so the fitted parameters stand; and the
    projections at the capacity's low, central and high values."""
    mod = _fit_module()
    stored = json.loads(FIT.read_text())
    theta = np.array([stored["free"][k] for k in mod.FREE])
    got = mod.absorption_check(theta)
    assert got == stored["absorption"]
    assert got["in_sample_identical_without"] and got["in_sample_min_openness"] == 1.0
    assert got["in_sample_returns"] == 0
    assert stored["fixed"]["host_onset"] > got["in_sample_max_region"]


def test_combatant_deaths_are_the_documented_share_of_the_killed_share_of_the_losses():
    """combatants = ω·k·L: with no fighting scope (no civilian deaths), the dead grow by rint(ω·k·L)
    for every killed share k, and not at all with k = 0."""
    m = 5
    k = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    p = pop.Params(**{**params(m).__dict__, "killed_share": k})
    st = pop.init_state(p, m)
    new, _ = pop.step(st, p, drivers(m, scope=0.0, losses=8000.0)(0), 0)
    dead = pop.STOCKS.index("dead")
    grown = new.stocks[:, dead] - st.stocks[:, dead]
    np.testing.assert_array_equal(grown, np.rint(0.7 * k * 8000.0).astype(np.int64))
