"""The batched multi-sided Lanchester attrition kernel that :func:`.combat.step` calls each month.

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

Validated on Engel's (1954) Iwo Jima data and the Ardennes campaign by tools/validate_lanchester.py
(in and out of sample, beside baselines fitted the same way; README "Validation").
"""

from __future__ import annotations

import numba
import numpy as np


def fire_matrices(a, w, p, guerrilla):
    """Per-member matrices for :func:`attrition_substeps`: A1 (q law) and A2 (Deitchman area fire
    on guerrillas), both a_ij·w_ij^p; a, w (M, F, F), p (M,), guerrilla (F,) bool."""
    wp = np.where(w > 0, np.abs(w) ** p[:, None, None], 0.0)
    deitchman = guerrilla[None, :] & ~guerrilla[:, None]  # firer i conventional, target j guerrilla
    base = a * wp
    return np.where(deitchman, 0.0, base), np.where(deitchman, base, 0.0)


@numba.njit(inline="always")
def _expk(lv, e):
    """v^e from lv = ln v (−inf for v = 0): 0 for v = 0, 1 for e = 0 and v > 0."""
    if lv == -np.inf:
        return 0.0
    if e == 0.0:
        return 1.0
    return np.exp(e * lv)


@numba.njit(parallel=True, cache=True)
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
        lx = np.empty(F)
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
            fire = False  # anyone present fires at anyone present?
            for a in range(n):
                for b in range(n):
                    w[a, b] = W[m, idx[a], idx[b]]
                    a1[a, b] = A1[m, idx[a], idx[b]]
                    a2[a, b] = A2[m, idx[a], idx[b]]
                    fire = fire or (w[a, b] > 0.0 and (a1[a, b] > 0.0 or a2[a, b] > 0.0))
            if not fire:
                continue
            for _ in range(n_sub):
                for a in range(n):  # powers from one log per strength: v^e = exp(e·ln v)
                    lx[a] = np.log(x[a]) if x[a] > 0.0 else -np.inf
                for a in range(n):  # z_i = c_i·(X_i/S_i)^p, S_i = Σ_k w_ik·X_k
                    s = 0.0
                    for b in range(n):
                        s += w[a, b] * x[b]
                    z[a] = cc[a] * _expk(lx[a] - np.log(s), pm) if s > 0.0 else 0.0
                for b in range(n):  # loss_j = X_j^(p+q)·Σ_i A1_ij·z_i + X_j^(p+1)·Σ_i A2_ij·z_i
                    v1 = 0.0
                    v2 = 0.0
                    for a in range(n):
                        v1 += a1[a, b] * z[a]
                        v2 += a2[a, b] * z[a]
                    d = _expk(lx[b], pq) * v1
                    if v2 > 0.0:
                        d += _expk(lx[b], pm) * x[b] * v2
                    dl[b] = min(x[b], dt * d)
                for b in range(n):
                    x[b] -= dl[b]
            for b in range(n):
                lost[m, idx[b], r] = out[m, idx[b], r] - x[b]
                out[m, idx[b], r] = x[b]
    return out, lost
