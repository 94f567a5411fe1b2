"""Lanchester attrition laws, their estimators, and the batched multi-sided kernel.

Generalised two-sided law (Helmbold 1965; Bracken 1995, *Naval Research Logistics* 42:559–577)::

    dX/dt = -a · Y^p · X^q        dY/dt = -b · X^p · Y^q

``p`` is the exponent on the firing side, ``q`` on the side taking losses (the issue writes the same
law as X^q·Y^p). Special cases: square (aimed fire) p=1, q=0, invariant b·X² − a·Y²; linear (area
fire) p=1, q=1, invariant b·X − a·Y; logarithmic p=0, q=1.

Multi-sided (Kress, Caulkins, Feichtinger, Grass & Seidl 2018, *EJOR* 264(1); Kress, Lin & MacKay
2018, *Operations Research* 66(4)): faction i splits its fire over its enemies with allocation
φ_ij = w_ij·X_j / Σ_k w_ik·X_k (w = hostility weights ≥ 0), and::

    dX_j/dt = -Σ_i a_ij · c_i · (φ_ij·X_i)^p · X_j^(q_ij)

with c_i ≥ 0 the firer's multiplier (effectiveness × air support). With two sides φ = 1 and this is
the generalised law above. Deitchman (1962, *Operations Research* 10(6)) guerrilla option: a
guerrilla target hit by a non-guerrilla firer suffers area fire, q_ij = 1 (the guerrilla's own aimed
fire keeps the law's q).

Engel (1954, *JORSA* 2(2)) Iwo Jima: dM/dt = P(t) − A·N, dN/dt = −B·M, with Engel's estimators
B = N(0) / Σ_t M(t) and A = (US casualties) / Σ_t N(t).
"""

from __future__ import annotations

import numba
import numpy as np


def generalized_rhs(x, y, a, b, p, q):
    """(dX/dt, dY/dt) of the generalised two-sided law, as the textbook ODE (0^0 = 1)."""
    dx = -a * _pow(y, p) * _pow(x, q)
    dy = -b * _pow(x, p) * _pow(y, q)
    return dx, dy


def _pow(v, e):
    return np.maximum(np.asarray(v, float), 0.0) ** e


def integrate_two_sided(x0, y0, a, b, p, q, t_end, n_steps, rate_x=None):
    """RK4 for the generalised law from t=0 to ``t_end`` in ``n_steps`` steps.

    ``rate_x(t)`` is an optional reinforcement rate added to dX/dt, read at each step's midpoint and
    held over the step (exact for rates constant between steps). Returns arrays (t, X, Y).
    """
    h = t_end / n_steps
    t = np.linspace(0.0, t_end, n_steps + 1)
    xs, ys = np.empty(n_steps + 1), np.empty(n_steps + 1)
    xs[0], ys[0] = x0, y0

    for k in range(n_steps):
        x, y = xs[k], ys[k]
        extra = rate_x(t[k] + h / 2) if rate_x else 0.0

        def f(x, y, extra=extra):
            dx, dy = generalized_rhs(x, y, a, b, p, q)
            return dx + extra, dy

        k1 = f(x, y)
        k2 = f(x + h / 2 * k1[0], y + h / 2 * k1[1])
        k3 = f(x + h / 2 * k2[0], y + h / 2 * k2[1])
        k4 = f(x + h * k3[0], y + h * k3[1])
        xs[k + 1] = x + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        ys[k + 1] = y + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return t, xs, ys


def square_law_invariant(x, y, a, b):
    """b·X² − a·Y², constant along a square-law trajectory (dX/dt = −aY, dY/dt = −bX)."""
    return b * np.asarray(x) ** 2 - a * np.asarray(y) ** 2


def linear_law_closed_form(x0, y0, a, b, t):
    """X(t) for dX/dt = −aXY, dY/dt = −bXY: with c = b·X0 − a·Y0, X is logistic,
    dX/dt = cX − bX², so X(t) = c·X0 / (b·X0 − (b·X0 − c)·e^(−ct)); X(t) = X0/(1 + bX0t) if c = 0."""
    t = np.asarray(t, float)
    c = b * x0 - a * y0
    if abs(c) < 1e-12 * max(b * x0, 1e-300):
        return x0 / (1.0 + b * x0 * t)
    return c * x0 / (b * x0 - (b * x0 - c) * np.exp(-c * t))


def engel_model(landings, A, B, N0, steps_per_day=24):
    """Engel's Iwo Jima model, landings of day d spread evenly over [d−1, d]; end-of-day (M, N)."""
    landings = np.asarray(landings, float)
    days = len(landings)
    _, m, n = integrate_two_sided(
        0.0,
        N0,
        A,
        B,
        1.0,
        0.0,
        float(days),
        days * steps_per_day,
        rate_x=lambda s: landings[min(int(s), days - 1)],
    )
    return m[steps_per_day::steps_per_day], n[steps_per_day::steps_per_day]


def engel_estimates(us_active, us_casualties, jp_lost, jp_strength):
    """Engel's estimators: B = Japanese lost / Σ M(t), A = US casualties / Σ N(t) (daily sums)."""
    return us_casualties / np.sum(jp_strength), jp_lost / np.sum(us_active)


def constant_loss_baseline(landed_cum, active):
    """Baseline without Lanchester dynamics: a constant daily casualty count k (least squares),
    active(t) = landed(t) − k·t for days t = 1…T. Returns (k, series)."""
    landed_cum, active = np.asarray(landed_cum, float), np.asarray(active, float)
    t = np.arange(1, len(active) + 1, dtype=float)
    k = np.sum((landed_cum - active) * t) / np.sum(t * t)
    return k, landed_cum - k * t


def fit_exponents(x, y, loss_x, loss_y):
    """Bracken-style least squares on logs with shared exponents and separate coefficients:
    log ΔX = log a + p·log Y + q·log X,  log ΔY = log b + p·log X + q·log Y. Returns (a, b, p, q)."""
    x, y, lx, ly = (np.asarray(v, float) for v in (x, y, loss_x, loss_y))
    n = len(x)
    design = np.zeros((2 * n, 4))
    design[:n, 0], design[n:, 1] = 1.0, 1.0
    design[:, 2] = np.r_[np.log(y), np.log(x)]
    design[:, 3] = np.r_[np.log(x), np.log(y)]
    coef, *_ = np.linalg.lstsq(design, np.r_[np.log(lx), np.log(ly)], rcond=None)
    return float(np.exp(coef[0])), float(np.exp(coef[1])), float(coef[2]), float(coef[3])


def fire_matrices(a, w, p, guerrilla):
    """Per-member matrices for :func:`attrition_substeps`: A1 (q law) and A2 (Deitchman area fire
    on guerrillas), both a_ij·w_ij^p; a, w (M, F, F), p (M,), guerrilla (F,) bool."""
    wp = np.where(w > 0, np.abs(w) ** p[:, None, None], 0.0)
    deitchman = guerrilla[None, :] & ~guerrilla[:, None]  # firer i conventional, target j guerrilla
    base = a * wp
    return np.where(deitchman, 0.0, base), np.where(deitchman, base, 0.0)


@numba.njit(inline="always", fastmath=True)
def _powk(v, e):
    if v <= 0.0:
        return 0.0
    if e == 1.0:
        return v
    if e == 0.0:
        return 1.0
    return v**e


@numba.njit(parallel=True, fastmath=True, cache=True)
def attrition_substeps(X, A1, A2, W, c, p, q, dt, n_sub):  # pragma: no cover - compiled
    """Integrate the multi-sided law over one month in ``n_sub`` explicit Euler sub-steps of ``dt``.

    X (M, F, R) fighters, A1/A2/W (M, F, F), c (M, F, R), p/q (M,). A side's loss in a sub-step is
    capped at its strength, so strengths stay ≥ 0. Returns (X at month end, losses (M, F, R)).
    """
    M, F, R = X.shape
    out = X.copy()
    lost = np.zeros_like(X)
    for m in numba.prange(M):
        idx = np.empty(F, np.int64)
        x = np.empty(F)
        cc = np.empty(F)
        w = np.empty((F, F))
        a1 = np.empty((F, F))
        a2 = np.empty((F, F))
        z = np.empty(F)
        dl = np.empty(F)
        pm, pq = p[m], p[m] + q[m]
        for r in range(R):
            n = 0  # factions present; presence can only end within the month
            for i in range(F):
                if out[m, i, r] > 0.0:
                    idx[n] = i
                    x[n] = out[m, i, r]
                    cc[n] = c[m, i, r]
                    n += 1
            if n < 2:
                continue
            for a in range(n):
                for b in range(n):
                    w[a, b] = W[m, idx[a], idx[b]]
                    a1[a, b] = A1[m, idx[a], idx[b]]
                    a2[a, b] = A2[m, idx[a], idx[b]]
            for _ in range(n_sub):
                for a in range(n):  # z_i = c_i·(X_i/S_i)^p, S_i = Σ_k w_ik·X_k
                    s = 0.0
                    for b in range(n):
                        s += w[a, b] * x[b]
                    z[a] = cc[a] * _powk(x[a] / s, pm) if s > 0.0 else 0.0
                for b in range(n):  # loss_j = X_j^(p+q)·Σ_i A1_ij·z_i + X_j^(p+1)·Σ_i A2_ij·z_i
                    v1 = 0.0
                    v2 = 0.0
                    for a in range(n):
                        v1 += a1[a, b] * z[a]
                        v2 += a2[a, b] * z[a]
                    d = _powk(x[b], pq) * v1
                    if v2 > 0.0:
                        d += _powk(x[b], pm) * x[b] * v2
                    dl[b] = min(x[b], dt * d)
                for b in range(n):
                    x[b] -= dl[b]
            for b in range(n):
                lost[m, idx[b], r] = out[m, idx[b], r] - x[b]
                out[m, idx[b], r] = x[b]
    return out, lost
