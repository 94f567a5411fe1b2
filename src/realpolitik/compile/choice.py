"""Scenario → the strategic-choice engine (engines/choice.py): the ``games:`` with their draws.

Each game: ``players`` {actor: [strategy, …]} (one or two), ``lambda``, ``switch_prob``, optional
``initial`` {actor: strategy} and ``payoffs``: {player, strategy, against: {other: strategy},
constant, features: {feature: coefficient}}; an entry without ``against`` applies to every opposing
strategy; profile cells with no entry are 0. Payoff features are registry features
(:mod:`realpolitik.features`) bound to the scenario's labels: the engine's ``features`` input.
Strategies need not all be vocabulary ids: a game may include a status quo.

Inputs: ``features`` (the constant, then every payoff feature) and ``intervention`` at each
(game, player, strategy)'s course. Outputs: ``strategy_prob`` and ``acted`` of those courses (a
strategy is ``acted`` in every month the player holds it).
"""

from __future__ import annotations

import numpy as np

from .. import features
from ..drivers import PutFlat, Take
from ..engines import choice as engine
from ..errors import fail
from ..scenario.schema import Scenario
from ..scenario.walk import item_label
from ..trajectory import course_label
from . import Draws, EngineSpec


def applies(s: Scenario) -> bool:
    return bool(s.games)


def params(d: Draws) -> engine.Params:
    """Params from the scenario's games and their sampled numbers (see the module docstring)."""
    s, samples, n = d.scenario, d.samples, d.n
    where = d.where
    specs: list[str] = ["constant"]
    for g in s.games:
        for pay in g.payoffs:
            specs += [f for f in pay.features if f not in specs]
    actors: list[str] = []
    strategies: list[str] = []
    S = engine.MAX_STRATEGIES
    n_g, k = len(s.games), len(specs)
    player_actor = np.full((n_g, 2), -1)
    n_strat = np.ones((n_g, 2), int)
    sidx = np.full((n_g, 2, S), -1)
    initial = np.full((n_g, 2), -1)
    coef = np.zeros((n, n_g, 2, S, S, k))
    lam = np.zeros((n, n_g))
    switch = np.zeros((n, n_g, 2))
    for gi, g in enumerate(s.games):
        base = f"games[{gi}]"
        key = f"games.{g.id}"
        players = list(g.players)
        if len(players) > 2:
            fail(where, f"{base}.players", "a game has one or two players", players)
        for pi, actor in enumerate(players):
            strats = list(g.players[actor])
            if len(strats) > S:
                fail(where, f"{base}.players.{actor}", f"at most {S} strategies per player", strats)
            strategies += [x for x in strats if x not in strategies]
            if actor not in actors:
                actors.append(actor)
            player_actor[gi, pi] = actors.index(actor)
            n_strat[gi, pi] = len(strats)
            sidx[gi, pi, : len(strats)] = [strategies.index(x) for x in strats]
            if actor in g.initial:
                initial[gi, pi] = strats.index(g.initial[actor])
        lam[:, gi] = samples[f"{key}.lambda"]
        engine.check_lambda(lam[:, gi], f"{base}.lambda", where)
        switch[:, gi, :] = np.asarray(samples[f"{key}.switch_prob"])[:, None]
        for qi, pay in enumerate(g.payoffs):
            pk = f"{key}.payoffs.{item_label(pay, qi)}"
            pi = players.index(pay.player)
            mine = g.players[pay.player].index(pay.strategy)
            cols = range(1)
            if len(players) == 2:
                theirs = g.players[players[1 - pi]]
                cols = [theirs.index(v) for v in pay.against.values()] or range(len(theirs))
            terms = {"constant": samples[f"{pk}.constant"]}
            terms.update({f: samples[f"{pk}.features.{f}"] for f in pay.features})
            for name, value in terms.items():
                for c in cols:
                    a, b = (mine, c) if pi == 0 else (c, mine)
                    coef[:, gi, pi, a, b, specs.index(name)] += value
    if np.all(coef == coef[:1]):
        coef = coef[:1]
    return engine.Params(
        games=tuple(g.id for g in s.games),
        actors=tuple(actors),
        strategies=tuple(strategies),
        features=tuple(specs),
        player_actor=player_actor,
        n_strategies=n_strat,
        strategy_index=sidx,
        initial=initial,
        coef=coef,
        lam=lam,
        switch_prob=switch,
    )


def course_index(d: Draws, p: engine.Params) -> np.ndarray:
    """(G, 2, S) the course of each (game, player, strategy slot); −1 for padding."""
    labels = list(d.coords.of("course"))
    out = np.full(p.strategy_index.shape, -1)
    for gi, pi, si in zip(*np.nonzero(p.strategy_index >= 0), strict=True):
        actor = p.actors[p.player_actor[gi, pi]]
        out[gi, pi, si] = labels.index(
            course_label(actor, p.strategies[p.strategy_index[gi, pi, si]])
        )
    return out


def actor_strategy_courses(d: Draws, p: engine.Params) -> np.ndarray:
    """(A, S) the course of each (engine actor, engine strategy) cell of the outputs; −1 if none."""
    labels = {x: i for i, x in enumerate(d.coords.of("course"))}
    return np.array(
        [[labels.get(course_label(a, st), -1) for st in p.strategies] for a in p.actors]
    )


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    p = params(d)
    inputs = {
        "features": features.bind_all(p.features, d.coords, d.where, "games.payoffs.features"),
        "intervention": Take("intervention", (course_index(d, p),), fill=0.0),
    }
    cells = actor_strategy_courses(d, p)
    outputs = (PutFlat("strategy_prob", "strategy_prob", cells), PutFlat("acted", "acted", cells))
    return EngineSpec("choice", p, inputs, outputs)
