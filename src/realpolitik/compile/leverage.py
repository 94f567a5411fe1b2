"""The ``leverage`` driver: each actor's bargaining capability from the war's state (scenario/leverage.py
gives the formula and its sources).

    c_i = w_presence·σ_i·X_f(i) + w_ground·σ_i·P_f(i) + w_patronage·Σ_g min(1, S_ig)·(X_g + P_g)/2
          + w_veto·v_i

X the factions' shares of all fighters (``forces_share``), P their shares of the residents held
(``population_share``, :func:`realpolitik.trajectory.national_shares` on residents: each
governorate's residents weighted by the share of its area the faction holds, so residents are read
as spread evenly over a governorate), σ the actor's
share of its faction by the ``split`` capability, S the summed intensity of its support relations
of the counted kinds to the members of faction g ≠ its own, v the institutional veto (1/|holders|). Computed by the simulation every month after combat, so leverage
follows the battlefield and a patron's commitment (an intervention that zeroes a support relation
takes its leverage with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..drivers import Coords
from ..scenario.schema import Scenario


@dataclass(frozen=True)
class LeverageSpec:
    weights: np.ndarray  # (M, 4): presence, ground, patronage, veto
    split: np.ndarray  # (M, A, F): σ, the actor's share of its faction
    patron: np.ndarray  # (L, A, F) 0/1: relation L counts toward actor A's support of faction F
    veto: np.ndarray  # (A,): 1/|holders| for a holder, else 0

    def slice(self, start: int, stop: int) -> LeverageSpec:
        return LeverageSpec(self.weights[start:stop], self.split[start:stop], self.patron,
                            self.veto)  # fmt: skip

    def value(self, forces_share, population_share, relation_intensity) -> np.ndarray:
        """(M, A) the actors' leverage (module docstring)."""
        w = self.weights
        own = w[:, 0, None] * forces_share + w[:, 1, None] * population_share  # (M, F)
        m, (_, n_act, n_fac) = own.shape[0], self.patron.shape
        support = np.zeros((m, n_act, n_fac))
        for k, a, f in zip(*np.nonzero(self.patron), strict=True):  # a handful of relations
            support[:, a, f] += np.maximum(relation_intensity[:, k], 0.0)
        np.minimum(support, 1.0, out=support)
        client = 0.5 * (forces_share + population_share)  # (M, F)
        return (
            np.matmul(self.split, own[:, :, None])[:, :, 0]
            + w[:, 2, None] * np.matmul(support, client[:, :, None])[:, :, 0]
            + w[:, 3, None] * self.veto[None, :]
        )


def spec(s: Scenario, samples, c: Coords, n: int) -> LeverageSpec | None:
    m = s.leverage
    if m is None:
        return None
    actors, factions = list(c.of("actor")), list(c.of("faction"))
    weights = np.stack(
        [samples[f"leverage.{k}"] for k in ("presence", "ground", "patronage", "veto")], axis=1
    ).reshape(n, 4)
    split = np.zeros((n, len(actors), len(factions)))
    owner = s.faction_of()
    for f in s.factions:
        k = factions.index(f.id)
        members = [a for a in f.members if a in actors]
        if len(members) == 1:
            split[:, actors.index(members[0]), k] = 1.0
            continue
        size = np.stack([samples[f"actors.{a}.capabilities.{m.split}"] for a in members], 1)
        total = size.sum(axis=1, keepdims=True)
        share = np.divide(size, total, out=np.full_like(size, 1 / len(members)), where=total > 0)
        for j, a in enumerate(members):
            split[:, actors.index(a), k] = share[:, j]
    labels = c.of("relation")
    patron = np.zeros((len(labels), len(actors), len(factions)))
    kinds = set(m.kinds)
    for k, label in enumerate(labels):  # from>to:type[:kind], effects' relations included
        head, rtype, *kind = label.split(":")
        source, target = head.split(">")
        if rtype != "support" or not kinds.intersection(kind) or target not in owner:
            continue
        g = owner[target]
        if owner.get(source) == g:  # support inside one's own faction is not leverage over it
            continue
        patron[k, actors.index(source), factions.index(g)] = 1.0
    veto = np.zeros(len(actors))
    for holder in m.veto_holders:
        veto[actors.index(holder)] = 1.0 / len(m.veto_holders)
    return LeverageSpec(weights, split, patron, veto)
