"""Scenario → :class:`realpolitik.engines.alignment.Params`.

Players are ``alignment.players`` (default: the actors with an ``alignment`` value). Per member:

* size s_i = the actor's first capability named in ``alignment.size``;
* propensity p_ij = clip(w_ideal·u_ij + Σ_r w[type_r]·intensity_r, −1, 1) with r the relations
  between i and j in either direction (``alignment.weights``); symmetric with a zero diagonal. The
  ideal-point term of engines/alignment.py is u_ij = 1 − 2|x_i − x_j|/R on the actors' UN General
  Assembly ideal points x (``ideal_point``) and their range R over all UN members that session
  (``alignment.ideal_point_range``), for every pair where both actors have an ideal point and R is
  declared; other pairs (non-state actors, or no R) fall back to the stand-in
  u_ij = 1 − 2|a_i − a_j| on the initial alignments a (0 = with the US … 1 = with Russia);
* initial alignment = the actor's ``alignment`` draw (camp B, with Russia, where it is above ½);
* anchors pin the actors named in ``alignment.anchors`` to camp A or B.
"""

from __future__ import annotations

import numpy as np

from ..engines import alignment as engine
from ..errors import Problem, ScenarioError, short_repr
from ..scenario.schema import Scenario
from ..scenario.walk import relation_label


def players(s: Scenario) -> list[str]:
    return list(s.alignment.players) or [a.id for a in s.actors if a.alignment is not None]


def ideal_point_term(
    s: Scenario, ids: list[str], samples: dict[str, np.ndarray], initial: np.ndarray
) -> np.ndarray:
    """u_ij (member, n, n): 1 − 2|x_i − x_j|/R where both have ideal points, else 1 − 2|a_i − a_j|."""
    u = 1 - 2 * np.abs(initial[:, :, None] - initial[:, None, :])
    by_id = {a.id: a for a in s.actors}
    has = np.array([by_id[a].ideal_point is not None for a in ids])
    if s.alignment.ideal_point_range is None or not has.any():
        return u
    r = np.asarray(samples["alignment.ideal_point_range"], float)
    if not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ScenarioError(
            [
                Problem(
                    "alignment",
                    None,
                    None,
                    "alignment.ideal_point_range",
                    "must be > 0",
                    short_repr(r.min()),
                    (),
                )
            ]
        )
    x = np.stack(
        [
            samples[f"actors.{a}.ideal_point"] if h else np.zeros_like(r)
            for a, h in zip(ids, has, strict=True)
        ],
        axis=1,
    )
    both = has[:, None] & has[None, :]
    ideal = 1 - 2 * np.abs(x[:, :, None] - x[:, None, :]) / r[:, None, None]
    return np.where(both, ideal, u)


def compile_alignment(s: Scenario, samples: dict[str, np.ndarray], n_members: int) -> engine.Params:
    if s.alignment is None:
        raise ValueError("the scenario has no `alignment` section")
    m = s.alignment
    ids = players(s)
    index = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    by_id = {a.id: a for a in s.actors}
    size_key = {a: next(c for c in m.size if c in by_id[a].capabilities) for a in ids}
    size = np.stack([samples[f"actors.{a}.capabilities.{size_key[a]}"] for a in ids], axis=1)
    initial = np.stack([samples[f"actors.{a}.alignment"] for a in ids], axis=1)
    p = m.weights.get("ideal_point", 0.0) * ideal_point_term(s, ids, samples, initial)
    for r in s.relations:
        w = m.weights.get(r.type, 0.0)
        if w == 0.0 or r.from_ not in index or r.to not in index:
            continue
        i, j = index[r.from_], index[r.to]
        value = w * samples[f"relations.{relation_label(r)}.intensity"]
        p[:, i, j] += value
        p[:, j, i] += value
    p[:, np.arange(n), np.arange(n)] = 0.0
    np.clip(p, -1.0, 1.0, out=p)
    anchor = np.array([{"A": 1, "B": -1}.get(m.anchors.get(a, ""), 0) for a in ids])
    params = engine.Params(
        actors=tuple(ids),
        size=size,
        propensity=p,
        beta=samples["alignment.beta"],
        anchor=anchor,
        sweeps=m.sweeps,
        eta_support=samples["alignment.eta_support"],
        eta_hostility=samples["alignment.eta_hostility"],
        eta_balance=samples["alignment.eta_balance"],
        ctd_updates=m.ctd_updates,
        initial=initial,
    )
    engine.check(params, where="alignment")
    return params
