"""Scenario → the displacement and deaths engine (engines/population.py).

Every rate is the sampled ``population.<field>``; initial stocks ``population.initial.<stock>`` are
rounded to whole persons. Step 0 is ``meta.start``: ``start_month_of_year`` is its calendar month and
``lebanon_closed_from`` the months from it to ``population.lebanon_closed_from`` (negative when the
closure began before the run). ``scope_ref`` (F₀, below which displaced people go home) is the base
scenario's as_of fighting scope, the feature ``fighting-scope`` (a counterfactual keeps its base's
reference, so its changes act through the fighting instead of moving F₀).

Inputs: ``fighting_scope`` and ``combat_losses`` of the same month (population is stepped after
combat) and ``onward_factor``. The engine's measures feed the series named in ``population.series``
(compile/loop.py).
"""

from __future__ import annotations

import numpy as np

from ..drivers import Take
from ..engines import population as engine
from ..scenario.schema import Scenario
from ..trajectory import month_index
from . import Draws, EngineSpec

RATES = (
    "displace", "return_rate", "return_calm", "flee", "border_open", "host_onset", "host_capacity",
    "registration", "catch_up", "lebanon_share",
    "onward", "network_elasticity", "prevalence_ref", "season_amplitude", "civilian_rate",
    "sohr_coverage", "killed_share", "non_syrian_share", "abroad_other",
)  # fmt: skip


def applies(s: Scenario) -> bool:
    return s.population is not None and s.regions is not None


def params(d: Draws) -> engine.Params:
    s, samples = d.scenario, d.samples
    p = s.population
    start = s.meta.start or f"{s.meta.as_of:%Y-%m}"
    initial = np.stack([samples[f"population.initial.{k}"] for k in engine.STOCKS], 1)
    return engine.Params(
        start_month_of_year=int(start[5:7]),
        lebanon_closed_from=month_index(start, p.lebanon_closed_from),
        **{k: np.asarray(samples[f"population.{k}"], float) for k in RATES},
        scope_ref=np.asarray(d.x_ref("fighting-scope", "population.return_calm"), float),
        initial=np.rint(np.maximum(initial, 0)).astype(np.int64),
        season_peak=p.season_peak,
    )


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    inputs = {name: Take(name, ()) for name in ("fighting_scope", "combat_losses", "onward_factor")}
    return EngineSpec("population", params(d), inputs)
