"""Scenario → :class:`realpolitik.engines.population.Params` (displacement and deaths).

Every rate is the sampled ``population.<field>``; initial stocks ``population.initial.<stock>`` are
rounded to whole persons. Step 0 is ``meta.start``: ``start_month_of_year`` is its calendar month and
``lebanon_closed_from`` the months from it to ``population.lebanon_closed_from`` (negative when the
closure began before the run). ``territory_ref`` is the regime faction's territory at as_of (percent of
Syria, :mod:`.asof`) for the ``regime-territory-net-change`` series.
"""

from __future__ import annotations

import numpy as np

from ..engines import population as engine
from ..scenario.schema import Scenario
from .asof import months_between, territory_percent

RATES = (
    "displace",
    "return_rate",
    "flee",
    "border_open",
    "registration",
    "catch_up",
    "lebanon_share",
    "onward",
    "network",
    "season_amplitude",
    "deal_effect",
    "civilian_rate",
    "sohr_coverage",
    "non_syrian_share",
    "abroad_other",
)


def compile_population(
    s: Scenario, samples: dict[str, np.ndarray], n_members: int, faction: str = "regime"
) -> engine.Params:
    p = s.population
    if p is None:
        raise ValueError("the scenario has no `population` section")
    start = s.meta.start or f"{s.meta.as_of:%Y-%m}"
    initial = np.stack([samples[f"population.initial.{k}"] for k in engine.STOCKS], 1)
    return engine.Params(
        **{k: np.asarray(samples[f"population.{k}"], float) for k in RATES},
        territory_ref=territory_percent(s, samples, faction, n_members),
        initial=np.rint(np.maximum(initial, 0)).astype(np.int64),
        start_month_of_year=int(start[5:7]),
        lebanon_closed_from=months_between(start, p.lebanon_closed_from),
        season_peak=p.season_peak,
    )
