"""Scenario → :class:`realpolitik.engines.choice.Params`: the ``games:`` with their sampled numbers.

Feature names in payoffs are bound against the scenario's factions, actors and issues (the registry in
:mod:`realpolitik.features`). Strategies need not all be vocabulary ids: a game may include a status
quo (``status-quo``) besides the courses the questions ask about.
"""

from __future__ import annotations

import numpy as np

from ..engines import choice as engine
from ..scenario.schema import Scenario
from ..scenario.walk import item_label


def coords(s: Scenario) -> dict[str, list[str]]:
    """The ids that feature arguments may name."""
    return {
        "faction": [f.id for f in s.factions],
        "actor": s.actor_ids(),
        "issue": [i.id for i in s.issues],
    }


def compile_choice(s: Scenario, samples: dict[str, np.ndarray], n_members: int) -> engine.Params:
    games = []
    for g in s.games:
        key = f"games.{g.id}"
        payoffs = []
        for i, pay in enumerate(g.payoffs):
            pk = f"{key}.payoffs.{item_label(pay, i)}"
            payoffs.append(
                {
                    "player": pay.player,
                    "strategy": pay.strategy,
                    "against": dict(pay.against),
                    "constant": samples[f"{pk}.constant"],
                    "features": {f: samples[f"{pk}.features.{f}"] for f in pay.features},
                }
            )
        games.append(
            {
                "id": g.id,
                "players": {a: list(st) for a, st in g.players.items()},
                "lambda": samples[f"{key}.lambda"],
                "switch_prob": samples[f"{key}.switch_prob"],
                "initial": dict(g.initial),
                "payoffs": payoffs,
            }
        )
    return engine.compile_games(games, n_members, coords(s), where=s.meta.id)
