import numpy as np

from realpolitik.compile.population import compile_population
from realpolitik.engines import population as pop

N = 500


def test_flagship_compiles_and_conserves_people(flagship, samples):
    sub = {k: v[:N] for k, v in samples.items()}
    p = compile_population(flagship, sub, N)
    assert p.initial.shape == (N, len(pop.STOCKS)) and p.initial.dtype == np.int64
    assert (p.start_month_of_year, p.lebanon_closed_from) == (10, -5)  # Oct 2015; May 2015
    fields = [f for f in vars(p) if isinstance(getattr(p, f), np.ndarray)]
    assert all(np.all(np.isfinite(getattr(p, f))) for f in fields)
    d = {"fighting-scope": np.full(N, 0.834), "combat-losses": np.zeros(N)}
    run = pop.simulate(p, lambda t: d, 12)
    assert np.all(run["stocks"].sum(-1) == p.initial.sum(-1))  # no combat losses: people conserved
    assert np.all(np.diff(run["series"]["conflict-deaths-sohr-cumulative"], axis=0) >= 0)
    # the fitted rates carry the pre-cut-off pace: about 1,400 civilian deaths a month at F = 0.834
    assert 800 < run["flows"]["civilian_deaths"][0].mean() < 2000
