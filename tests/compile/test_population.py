from pathlib import Path

import numpy as np
import pytest

from realpolitik.compile.population import params as population_params
from realpolitik.engines import population as pop
from realpolitik.engines import run
from realpolitik.errors import ScenarioError
from realpolitik.scenario import loads_scenario

from .conftest import make_draws

N = 500


def test_flagship_compiles_and_conserves_people(flagship, samples):
    sub = {k: v[:N] for k, v in samples.items()}
    p = population_params(make_draws(flagship, sub))
    assert p.initial.shape == (N, len(pop.STOCKS)) and p.initial.dtype == np.int64
    assert (p.start_month_of_year, p.lebanon_closed_from) == (10, -5)  # Oct 2015; May 2015
    fields = [f for f in vars(p) if isinstance(getattr(p, f), np.ndarray)]
    assert all(np.all(np.isfinite(getattr(p, f))) for f in fields)
    d = {"fighting_scope": np.full(N, 0.834), "combat_losses": np.zeros(N)}
    ds = run(pop, p, N, 12, 0, d)
    # no combat losses: people conserved
    assert np.all(ds.stocks.sum("stock") == p.initial.sum(-1)[:, None])
    assert np.all(ds.measures.sel(measure="deaths").diff("month") >= 0)
    # the fitted rates carry the pre-cut-off pace: about 1,400 civilian deaths a month at F = 0.834
    assert 800 < ds.flows.sel(flow="civilian_deaths", month=0).mean() < 2000


def test_flagship_host_absorption_and_returns_are_neutral_at_as_of(flagship, samples):
    """The flagship's returns reference is its as_of fighting scope (the same in every member), its
    host capacity exceeds the onset in every member, and the onset is the region's stock at the start:
    in the first month, at the as_of scope, no one returns and the doors are as open as in the fit."""
    sub = {k: v[:N] for k, v in samples.items()}
    d = make_draws(flagship, sub)
    p = population_params(d)
    np.testing.assert_array_equal(p.scope_ref, d.drivers0["fighting_scope"])
    assert np.all(p.host_capacity > p.host_onset)
    region = p.initial[:, 2] + p.initial[:, 3]
    assert np.all(pop.absorption(region, p.host_onset, p.host_capacity) == 1)
    inputs = {"fighting_scope": p.scope_ref, "combat_losses": np.zeros(N)}
    out = pop.step(pop.init_state(p, N), p, inputs, 0)[1]
    assert np.all(out.flows[:, pop.FLOWS.index("returned")] == 0)


def test_a_capacity_below_the_onset_is_refused():
    text = (Path(__file__).resolve().parents[2] / "scenarios" / "syria-2015.yaml").read_text()
    old = "host_capacity: {dist: uniform, low: 8970000,"
    assert old in text
    with pytest.raises(ScenarioError, match="the capacity must exceed the onset"):
        loads_scenario(text.replace(old, "host_capacity: {dist: uniform, low: 4000000,"))
