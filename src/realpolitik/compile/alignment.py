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

Inputs: ``support`` and ``hostility`` at (player, player) (the drift); output ``alignment`` at the
players (every other actor keeps its as_of alignment).
"""

from __future__ import annotations

import numpy as np

from ..drivers import Put, Take
from ..engines import alignment as engine
from ..errors import fail
from ..scenario.schema import Scenario
from . import Draws, EngineSpec


def applies(s: Scenario) -> bool:
    return s.alignment is not None


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
        fail("alignment", "alignment.ideal_point_range", "must be > 0", r.min())
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


COMPONENTS = ("ideal_point", "propensity", "alliance", "support", "hostility")


def components(s: Scenario, samples: dict[str, np.ndarray]):
    """(players, size (M, n), initial (M, n), {component: f (M, n, n)}): the propensity's parts before
    weighting — the ideal-point term u_ij and, per relation type, Σ intensity over the relations
    between i and j in either direction."""
    m = s.alignment
    ids = players(s)
    index = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    by_id = {a.id: a for a in s.actors}
    size_key = {a: next(c for c in m.size if c in by_id[a].capabilities) for a in ids}
    size = np.stack([samples[f"actors.{a}.capabilities.{size_key[a]}"] for a in ids], axis=1)
    initial = np.stack([samples[f"actors.{a}.alignment"] for a in ids], axis=1)
    parts = {k: np.zeros((size.shape[0], n, n)) for k in COMPONENTS}
    parts["ideal_point"] = ideal_point_term(s, ids, samples, initial)
    for r in s.relations:
        if r.from_ not in index or r.to not in index or r.type not in parts:
            continue
        i, j = index[r.from_], index[r.to]
        value = samples[f"relations.{r.label}.intensity"]
        parts[r.type][:, i, j] += value
        parts[r.type][:, j, i] += value
    for f in parts.values():
        f[:, np.arange(n), np.arange(n)] = 0.0
    return ids, size, initial, parts


def params(d: Draws) -> engine.Params:
    s, samples = d.scenario, d.samples
    m = s.alignment
    ids, size, initial, parts = components(s, samples)
    p = sum(m.weights.get(k, 0.0) * f for k, f in parts.items())
    np.clip(p, -1.0, 1.0, out=p)
    anchor = np.array([{"A": 1, "B": -1}.get(m.anchors.get(a, ""), 0) for a in ids])
    out = engine.Params(
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
    engine.check(out, where="alignment")
    return out


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    p = params(d)
    at = d.coords.index("actor", p.actors, d.where, "alignment.players")
    inputs = {"support": Take("support", (at, at)), "hostility": Take("hostility", (at, at))}
    return EngineSpec("alignment", p, inputs, (Put("alignment", "alignment", (at,)),))


def fit_weights(
    s: Scenario, samples: dict[str, np.ndarray]
) -> tuple[float, dict[str, float], dict]:
    """Calibrate β and the component weights on the ``as_of`` configuration (maximum pseudo-likelihood,
    Besag 1975): each free player's probability of Russia's camp given the others' initial camps,
    P_i(B) = logistic(−β ΔE_i) with ΔE_i = 2 s_i Σ_j s_j p_ij S_j and p_ij = Σ_k w_k f^k_ij, should match
    its initial alignment a_i. With θ_k = β w_k the log-odds are linear in θ, so this is a logistic
    regression with fractional outcomes a_i, θ_k ≥ 0 for the attracting components and ≤ 0 for
    hostility. β is then the largest |Σ_k θ_k f^k_ij| (so that every p_ij lies in [−1, 1] unclipped) and
    w_k = θ_k/β. Uses the members' mean of every input. Returns (β, weights, diagnostics)."""
    ids, size, initial, parts = components(s, samples)
    size, initial = size.mean(axis=0), initial.mean(axis=0)
    f = {k: v.mean(axis=0) for k, v in parts.items()}
    spin = np.where(initial > 0.5, -1.0, 1.0)
    anchors = s.alignment.anchors
    free = np.array([a not in anchors for a in ids])
    keys = [k for k in COMPONENTS if np.any(f[k])]
    # X_ik = 2 s_i Σ_j s_j f^k_ij S_j, so log-odds(B) = −Σ_k θ_k X_ik
    x = np.stack(
        [2 * size * (f[k] * size[None, :] * spin[None, :]).sum(axis=1) for k in keys], axis=1
    )
    lower = np.array([-np.inf if k == "hostility" else 0.0 for k in keys])
    upper = np.array([0.0 if k == "hostility" else np.inf for k in keys])
    theta = fit_logit_fractional(x[free], initial[free], lower, upper)
    x, y = x[free], initial[free]
    raw = sum(t * f[k] for t, k in zip(theta, keys, strict=True))
    beta = float(np.abs(raw).max())
    weights = {k: float(t / beta) for t, k in zip(theta, keys, strict=True)}
    fitted = 1 / (1 + np.exp(x @ theta))
    return (
        beta,
        weights,
        {
            "players": [a for a, fr in zip(ids, free, strict=True) if fr],
            "target": y,
            "fitted": fitted,
        },
    )


def fit_logit_fractional(
    x: np.ndarray, y: np.ndarray, lower, upper, ridge: float = 1e-6
) -> np.ndarray:
    """θ maximising Σ_i y_i log σ(−x_i·θ) + (1 − y_i) log σ(x_i·θ) within [lower, upper] (a logistic
    regression on fractional outcomes, columns scaled to unit maximum, a tiny ridge for uniqueness)."""
    from scipy.optimize import minimize

    scale = np.abs(x).max(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale

    def loss(theta):
        eta = -(z @ theta)  # log-odds of y = 1
        value = (y * np.logaddexp(0.0, -eta) + (1 - y) * np.logaddexp(0.0, eta)).sum()
        prob = 1 / (1 + np.exp(-eta))
        return value + ridge * theta @ theta, -(z.T @ (prob - y)) + 2 * ridge * theta

    bounds = list(zip(np.asarray(lower) * scale, np.asarray(upper) * scale, strict=True))
    bounds = [
        (None if not np.isfinite(a) else a, None if not np.isfinite(b) else b) for a, b in bounds
    ]
    res = minimize(
        loss,
        np.zeros(x.shape[1]),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"gtol": 1e-10, "ftol": 1e-14, "maxiter": 10000},
    )
    return res.x / scale
