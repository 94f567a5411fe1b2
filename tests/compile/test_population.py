import numpy as np

from realpolitik.compile.population import params as population_params
from realpolitik.engines import population as pop
from realpolitik.engines import run

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
