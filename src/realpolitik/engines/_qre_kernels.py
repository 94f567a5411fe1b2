"""Numba kernels of the logit-QRE branch tracing in :mod:`realpolitik.engines.choice` (one game per
iteration): λ-continuation (:func:`trace`) and, where it meets a fold, pseudo-arclength continuation
(:func:`arclength`).

For the row player's log-odds ``x`` (k = rows − 1 of them) and the column player's mixture
``q = softmax(λ·Bᵀp(x))``,

    G(x) = x − λ·(w_{1..k} − w_0),   w = A q,
    ∂G/∂x = I − λ·(∂w_{1..k} − ∂w_0),  ∂w = A·(diag q − q qᵀ)·λBᵀ·(diag p − p pᵀ)[:, 1:],

followed along the λ grid with a secant predictor and ``n_newton`` Newton correctors (steps clipped to
±10), then polished at the target λ until the relative residual ``max|G| / (1 + max|x|)`` is below
1e-14 (at most 30 steps). Games are processed in chunks, in parallel, with scratch arrays per chunk.
Only the two small helpers (:func:`_solve`, :func:`_relative`) are inlined by numba: inlining the
residuals and the arclength helpers too made the first compilation of both tracers take 110 s
instead of 18 s on this machine, for about 15 % of QRE speed (``bench/choice.py``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange


@njit(cache=True, error_model="numpy")
def _residual(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac):
    """Fill g = G(x) (k) and jac = ∂G/∂x (k × k) for one game; p, q, w and the rest are scratch."""
    k = rows - 1
    top = 0.0
    for i in range(k):
        if x[i] > top:
            top = x[i]
    p[0] = np.exp(-top)
    tot = p[0]
    for i in range(k):
        p[i + 1] = np.exp(x[i] - top)
        tot += p[i + 1]
    for i in range(rows):
        p[i] /= tot
    top = -np.inf
    for j in range(s):
        v = 0.0
        for i in range(rows):
            v += p[i] * b[i, j]
        q[j] = lam * v
        if q[j] > top:
            top = q[j]
    tot = 0.0
    for j in range(s):
        q[j] = np.exp(q[j] - top)
        tot += q[j]
    for j in range(s):
        q[j] /= tot
    for i in range(rows):
        acc = 0.0
        for j in range(s):
            acc += a[i, j] * q[j]
        w[i] = acc
    for i in range(k):
        g[i] = x[i] - lam * (w[i + 1] - w[0])
    # dp[i, c] = ∂p_i/∂x_c, c = 0..k−1 (the log-odds of strategy c + 1)
    for i in range(rows):
        for c in range(k):
            dp[i, c] = (p[i] if i == c + 1 else 0.0) - p[i] * p[c + 1]
    # dv[j, c] = λ Σ_i B_ij dp[i, c]
    for j in range(s):
        for c in range(k):
            acc = 0.0
            for i in range(rows):
                acc += b[i, j] * dp[i, c]
            dv[j, c] = lam * acc
    # dqv[j, c] = Σ_l (q_j δ_jl − q_j q_l) dv[l, c]
    for j in range(s):
        for c in range(k):
            acc = 0.0
            for m in range(s):
                acc += ((q[j] if j == m else 0.0) - q[j] * q[m]) * dv[m, c]
            dqv[j, c] = acc
    for i in range(rows):
        for c in range(k):
            acc = 0.0
            for j in range(s):
                acc += a[i, j] * dqv[j, c]
            dw[i, c] = acc
    for i in range(k):
        for c in range(k):
            jac[i, c] = (1.0 if i == c else 0.0) - lam * (dw[i + 1, c] - dw[0, c])


@njit(cache=True, inline="always", error_model="numpy")
def _solve(jac, rhs, k, lu, d):
    """d = jac⁻¹·rhs (closed forms for k ≤ 2, Gaussian elimination with partial pivoting for k = 3);
    returns det(jac)."""
    if k == 1:
        d[0] = rhs[0] / jac[0, 0]
        return jac[0, 0]
    if k == 2:
        det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
        d[0] = (jac[1, 1] * rhs[0] - jac[0, 1] * rhs[1]) / det
        d[1] = (jac[0, 0] * rhs[1] - jac[1, 0] * rhs[0]) / det
        return det
    for i in range(k):
        for c in range(k):
            lu[i, c] = jac[i, c]
        d[i] = rhs[i]
    det = 1.0
    for c in range(k):
        piv = c
        for i in range(c + 1, k):
            if abs(lu[i, c]) > abs(lu[piv, c]):
                piv = i
        if piv != c:
            det = -det
            for m in range(k):
                lu[c, m], lu[piv, m] = lu[piv, m], lu[c, m]
            d[c], d[piv] = d[piv], d[c]
        det *= lu[c, c]
        for i in range(c + 1, k):
            f = lu[i, c] / lu[c, c]
            for m in range(c, k):
                lu[i, m] -= f * lu[c, m]
            d[i] -= f * d[c]
    for i in range(k - 1, -1, -1):
        acc = d[i]
        for m in range(i + 1, k):
            acc -= lu[i, m] * d[m]
        d[i] = acc / lu[i, i]
    return det


@njit(cache=True, inline="always", error_model="numpy")
def _relative(g, x, k):
    big_g = 0.0
    big_x = 0.0
    for i in range(k):
        big_g = max(big_g, abs(g[i]))
        big_x = max(big_x, abs(x[i]))
    return big_g / (1.0 + big_x)


@njit(cache=True, error_model="numpy")
def _polish(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac, lu, d, k):
    """Newton at a fixed λ until the relative residual is below 1e-14 (at most 30 steps, each
    component's step clipped to ±10); returns the residual."""
    _residual(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac)
    res = _relative(g, x, k)
    it = 0
    while res >= 1e-14 and it < 30:
        for i in range(k):
            g[i] = -g[i]
        _solve(jac, g, k, lu, d)
        for i in range(k):
            x[i] += min(10.0, max(-10.0, d[i]))
        _residual(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac)
        res = _relative(g, x, k)
        it += 1
    return res


@njit(parallel=True, cache=True, error_model="numpy")
def trace(a_all, b_all, lam_all, rows, grid, n_newton, n_chunks):
    """Principal-branch continuation for games (n, s, s) with ``rows`` row strategies.

    Returns x (n, s − 1; zero beyond rows − 1), the final relative residual, the smallest det ∂G/∂x
    met and the largest corrector move of a predicted point.
    """
    n, s, _ = a_all.shape
    k = rows - 1
    x_out = np.zeros((n, s - 1))
    res_out = np.empty(n)
    det_out = np.empty(n)
    jump_out = np.empty(n)
    size = (n + n_chunks - 1) // n_chunks
    for chunk in prange(n_chunks):
        p = np.empty(s)
        q = np.empty(s)
        w = np.empty(s)
        dp = np.empty((s, max(k, 1)))
        dv = np.empty((s, max(k, 1)))
        dqv = np.empty((s, max(k, 1)))
        dw = np.empty((s, max(k, 1)))
        g = np.empty(k)
        jac = np.empty((k, k))
        lu = np.empty((k, k))
        d = np.empty(k)
        x = np.empty(k)
        x_prev = np.empty(k)
        x_pred = np.empty(k)
        for t in range(chunk * size, min(n, (chunk + 1) * size)):
            a = a_all[t]
            b = b_all[t]
            lam = lam_all[t]
            for i in range(k):
                x[i] = 0.0
                x_prev[i] = 0.0
            l_cur = 0.0
            l_prev = 0.0
            min_det = 1.0
            jump = 0.0
            for level in grid[1:]:
                l_new = min(level, lam)
                if not l_new > l_cur:
                    break
                d_prev = l_cur - l_prev
                ratio = (l_new - l_cur) / d_prev if d_prev > 0 else 0.0
                for i in range(k):
                    x_pred[i] = x[i] + (x[i] - x_prev[i]) * ratio
                    x_prev[i] = x[i]
                    x[i] = x_pred[i]
                l_prev = l_cur
                l_cur = l_new
                det = 1.0
                for _ in range(n_newton):
                    _residual(x, l_cur, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac)
                    for i in range(k):
                        g[i] = -g[i]
                    det = _solve(jac, g, k, lu, d)
                    for i in range(k):
                        x[i] += min(10.0, max(-10.0, d[i]))
                for i in range(k):
                    jump = max(jump, abs(x[i] - x_pred[i]))
                min_det = min(min_det, det)
            # polish at the target λ
            res = _polish(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac, lu, d, k)
            for i in range(k):
                x_out[t, i] = x[i]
            res_out[t] = res
            det_out[t] = min_det
            jump_out[t] = jump
    return x_out, res_out, det_out, jump_out


def n_chunks() -> int:
    return 8 * numba.get_num_threads()


@njit(cache=True, error_model="numpy")
def _residual_lam(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac, v, dq, g_lam):
    """``_residual`` plus g_lam = ∂G/∂λ: with v = Bᵀp, ∂q/∂λ = (diag q − q qᵀ)·v and
    ∂G_i/∂λ = −(w_{i+1} − w_0) − λ·(A ∂q/∂λ)_{i+1} + λ·(A ∂q/∂λ)_0."""
    _residual(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac)
    for j in range(s):
        acc = 0.0
        for i in range(rows):
            acc += p[i] * b[i, j]
        v[j] = acc
    qv = 0.0
    for j in range(s):
        qv += q[j] * v[j]
    for j in range(s):
        dq[j] = q[j] * (v[j] - qv)
    dw0 = 0.0
    for j in range(s):
        dw0 += a[0, j] * dq[j]
    for i in range(rows - 1):
        acc = 0.0
        for j in range(s):
            acc += a[i + 1, j] * dq[j]
        g_lam[i] = -(w[i + 1] - w[0]) - lam * (acc - dw0)


@njit(cache=True, error_model="numpy")
def _augmented(jac, g_lam, row, k, aug):
    """aug = [[∂G/∂x | ∂G/∂λ], [row]] ((k + 1) × (k + 1))."""
    for i in range(k):
        for c in range(k):
            aug[i, c] = jac[i, c]
        aug[i, k] = g_lam[i]
    for c in range(k + 1):
        aug[k, c] = row[c]


@njit(cache=True, error_model="numpy")
def _unit_tangent(jac, g_lam, row, k, aug, rhs, lu, out):
    """The tangent of the branch: [∂G/∂x | ∂G/∂λ]·τ = 0 with row·τ = 1, normalised."""
    _augmented(jac, g_lam, row, k, aug)
    for i in range(k):
        rhs[i] = 0.0
    rhs[k] = 1.0
    _solve(aug, rhs, k + 1, lu, out)
    norm = 0.0
    for i in range(k + 1):
        norm += out[i] * out[i]
    norm = np.sqrt(norm)
    for i in range(k + 1):
        out[i] /= norm


@njit(parallel=True, cache=True, error_model="numpy")
def arclength(a_all, b_all, lam_all, rows, h0, h_max, max_steps, n_chunks):
    """Pseudo-arclength continuation of (x, λ) from λ = 0 to each game's target λ (first crossing),
    then Newton at the target until the relative residual is below 1e-14 (at most 30 steps).

    For games where λ-continuation meets a fold (det ∂G/∂x → 0) and the branch turns back in λ
    (Turocy 2005, *Games Econ. Behav.* 51): predictor along the tangent of [∂G/∂x | ∂G/∂λ], four
    Newton correctors on the augmented system (the tangent as last row), a step accepted when the
    residual is < 1e-9, the corrector moved < 0.1 step and the tangent turned by < 6°; the step
    grows ×1.3 on success (capped at h_max·max(1, λ/5)) and halves on failure. Returns x and the
    final relative residual (inf where the branch was not traced within ``max_steps``).
    """
    n, s, _ = a_all.shape
    k = rows - 1
    x_out = np.zeros((n, s - 1))
    res_out = np.empty(n)
    size = (n + n_chunks - 1) // n_chunks
    for chunk in prange(n_chunks):
        p = np.empty(s)
        q = np.empty(s)
        w = np.empty(s)
        v = np.empty(s)
        dq = np.empty(s)
        dp = np.empty((s, max(k, 1)))
        dv = np.empty((s, max(k, 1)))
        dqv = np.empty((s, max(k, 1)))
        dw = np.empty((s, max(k, 1)))
        g = np.empty(k)
        g_lam = np.empty(k)
        jac = np.empty((k, k))
        aug = np.empty((k + 1, k + 1))
        lu = np.empty((k + 1, k + 1))
        rhs = np.empty(k + 1)
        d = np.empty(k + 1)
        y = np.empty(k + 1)
        t = np.empty(k + 1)
        tan = np.empty(k + 1)
        tan_n = np.empty(k + 1)
        pred = np.empty(k + 1)
        yn = np.empty(k + 1)
        x = np.empty(k)
        for m in range(chunk * size, min(n, (chunk + 1) * size)):
            a = a_all[m]
            b = b_all[m]
            lam = lam_all[m]
            for i in range(k + 1):
                y[i] = 0.0
                t[i] = 0.0
            t[k] = 1.0
            h = h0
            done = lam <= 0.0
            for i in range(k):
                x[i] = 0.0
            for _ in range(max_steps):
                if done:
                    break
                _residual_lam(y[:k], y[k], a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac,
                              v, dq, g_lam)  # fmt: skip
                _unit_tangent(jac, g_lam, t, k, aug, rhs, lu, tan)
                for i in range(k + 1):
                    pred[i] = y[i] + h * tan[i]
                    yn[i] = pred[i]
                for _c in range(4):
                    _residual_lam(yn[:k], yn[k], a, b, rows, s, p, q, w, dp, dqv, dv, dw, g,
                                  jac, v, dq, g_lam)  # fmt: skip
                    _augmented(jac, g_lam, tan, k, aug)
                    along = 0.0
                    for i in range(k + 1):
                        along += tan[i] * (yn[i] - pred[i])
                    for i in range(k):
                        rhs[i] = -g[i]
                    rhs[k] = -along
                    _solve(aug, rhs, k + 1, lu, d)
                    for i in range(k + 1):
                        yn[i] += d[i]
                _residual_lam(yn[:k], yn[k], a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac,
                              v, dq, g_lam)  # fmt: skip
                big_g = 0.0
                for i in range(k):
                    big_g = max(big_g, abs(g[i]))
                big_y = 0.0
                moved = 0.0
                for i in range(k + 1):
                    big_y = max(big_y, abs(yn[i]))
                    moved += (yn[i] - pred[i]) ** 2
                ok = big_g / (1.0 + big_y) < 1e-9 and np.sqrt(moved) < 0.1 * h
                _unit_tangent(jac, g_lam, tan, k, aug, rhs, lu, tan_n)
                turn = 0.0
                for i in range(k + 1):
                    turn += tan_n[i] * tan[i]
                ok = ok and turn > 0.995
                if ok and yn[k] >= lam:
                    rise = yn[k] - y[k]
                    frac = (lam - y[k]) / rise if rise > 0 else 1.0
                    for i in range(k):
                        x[i] = y[i] + frac * (yn[i] - y[i])
                    done = True
                    break
                if ok:
                    for i in range(k + 1):
                        y[i] = yn[i]
                        t[i] = tan[i]
                cap = h_max * max(1.0, y[k] / 5.0)
                h = min(h * 1.3, cap) if ok else h * 0.5
            if not done:
                res_out[m] = np.inf
                continue
            res = _polish(x, lam, a, b, rows, s, p, q, w, dp, dqv, dv, dw, g, jac, lu, d, k)
            for i in range(k):
                x_out[m, i] = x[i]
            res_out[m] = res
    return x_out, res_out
