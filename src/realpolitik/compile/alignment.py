"""Scenario → :class:`realpolitik.engines.alignment.Params`.

Players are ``alignment.players`` (default: the actors with an ``alignment`` value). Per member:

* size s_i = the actor's first capability named in ``alignment.size``;
* propensity p_ij = clip(w_ideal·(1 − 2|a_i − a_j|) + Σ_r w[type_r]·intensity_r, −1, 1), with a the
  initial alignments on the US–Russia axis (the ideal-point rule of engines/alignment.py, with the
  scenario's alignment as the ideal point) and r the relations between i and j in either direction
  (``alignment.weights``); symmetric with a zero diagonal;
* initial alignment = the actor's ``alignment`` draw (camp B, with Russia, where it is above ½);
* anchors pin the actors named in ``alignment.anchors`` to camp A or B.
"""

from __future__ import annotations

import numpy as np

from ..engines import alignment as engine
from ..scenario.schema import Scenario
from ..scenario.walk import relation_label


def players(s: Scenario) -> list[str]:
    return list(s.alignment.players) or [a.id for a in s.actors if a.alignment is not None]


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
    p = m.weights.get("ideal_point", 0.0) * (
        1 - 2 * np.abs(initial[:, :, None] - initial[:, None, :])
    )
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
