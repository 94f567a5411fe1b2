"""Numba kernels of the EUM round; the model, its equations and sources are in ``bargaining.py``.

Each block works on one problem (one member × issue) whose ``m`` active actors have been gathered
into compact arrays; ``eum_run`` runs rounds for many problems in parallel (``prange`` over chunks of
problems, scratch allocated once per chunk). The blocks are generic in the float type (constants are
made with ``x.dtype.type``). For float64 — the reference tests — powers use libm; for float32 —
ensembles — ``fpow`` uses the branch-free ``exp``/``log`` below (relative error ≲ 2e-6, like libm's
float32 powf near 0) so that LLVM vectorises the n² and n³ loops. Inner loops run over ``mp`` = m
rounded up to a multiple of ``LANES``; the padding entries (copies of x[0] with zero weight and
salience, r = 1) add exact zeros or are masked, so no scalar remainder loop runs. The summation
order depends only on the problem, so a problem gives bit-identical results in any batch.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

# No fast-math: with 'reassoc' or 'contract' LLVM may compute a vectorised loop's body and its scalar
# remainder (or alignment peel) differently, so a member's numbers would depend on its place in the
# batch (DESIGN.md: identical numbers for any chunking).
_JIT = {"cache": True, "error_model": "numpy"}

LANES = 16
T_CASES, T_ALWAYS_1, T_GEOMETRIC = 0, 1, 2
NONE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3


@intrinsic
def _f32_bits(typingctx, x):
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(types.float32), codegen


@intrinsic
def _bits_f32(typingctx, i):
    if not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        if v.type.width != 32:
            v = builder.trunc(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())

    return types.float32(i), codegen


_F = np.float32


@njit(**_JIT)
def _log_f32(x):
    """ln x for float32 x ≥ 0 (exponent split, atanh series on [√½, √2)); ln 0 := −1e30."""
    i = _f32_bits(x)
    e = (i >> 23) - 127
    mant = _bits_f32((i & 0x007FFFFF) | 0x3F800000)
    big = mant > _F(1.4142135)
    mant = mant * _F(0.5) if big else mant
    e = e + 1 if big else e
    t = (mant - _F(1)) / (mant + _F(1))
    t2 = t * t
    poly = t * (_F(2) + t2 * (_F(2 / 3) + t2 * (_F(0.4) + t2 * (_F(2 / 7) + t2 * _F(2 / 9)))))
    res = _F(e) * _F(0.6931471805599453) + poly
    return res if x > _F(1.1754944e-38) else _F(-1e30)


@njit(**_JIT)
def _exp_f32(y):
    """e^y for float32 y ≤ ~88 (Cody–Waite reduction, degree-7 Taylor); 0 below e^−87."""
    y = max(y, _F(-100))
    n = math.floor(y * _F(1.4426950408889634) + _F(0.5))
    r = y - n * _F(0.693145751953125) - n * _F(1.428606765330187e-06)
    p = r * (_F(1 / 120) + r * (_F(1 / 720) + r * _F(1 / 5040)))
    p = _F(1) + r * (_F(1) + r * (_F(0.5) + r * (_F(1 / 6) + r * (_F(1 / 24) + p))))
    scale = _bits_f32((np.int32(n) + 127) << 23)
    return p * scale if n >= _F(-126) else _F(0)


def fpow(base, rho):
    """base**rho for base in [0, 1], rho > 0 (0**rho = 0): ``fexp(rho · flog(base))``."""
    raise NotImplementedError  # replaced inside jitted code by the overload below


def flog(base):
    """ln base for base ≥ 0, with ln 0 = −inf (float64) or −1e30 (float32), so fexp(ρ·ln 0) = 0."""
    raise NotImplementedError


def fexp(y):
    """e^y (0 for y = −inf or, in float32, below e^−87)."""
    raise NotImplementedError


@overload(flog, jit_options=_JIT)
def _flog_impl(base):
    if base == types.float32:
        return lambda base: _log_f32(base)
    return lambda base: math.log(base) if base > 0.0 else -math.inf


@overload(fexp, jit_options=_JIT)
def _fexp_impl(y):
    if y == types.float32:
        return lambda y: _exp_f32(y)
    return lambda y: math.exp(y)


@overload(fpow, jit_options=_JIT)
def _fpow_impl(base, rho):
    return lambda base, rho: fexp(rho * flog(base))


@njit(**_JIT)
def padded(m):
    """m rounded up to a multiple of LANES."""
    return (m + LANES - 1) // LANES * LANES


@njit(**_JIT)
def pad(x, s, w, r, m, mp):
    """Fill entries m … mp−1: x = x[0], s = w = 0, r = 1 (they then add exact zeros)."""
    for k in range(m, mp):
        x[k] = x[0]
        s[k] = s[0] - s[0]
        w[k] = s[k]
        r[k] = s[k] + 1


@njit(**_JIT)
def weighted_median(x, w, m, mp):
    """Median voter (§3.2): the lowest held position y whose weight at or below it, Σ_{x_k ≤ y} w_k,
    reaches W/2 (so an exact tie goes to the lower position); W = 0 falls back to equal weights."""
    one = x.dtype.type(1.0)
    zero = one - one
    total = zero
    for k in range(mp):
        total += w[k] if k < m else zero
    equal = not total > 0.0
    if equal:
        total = x.dtype.type(m)
    half = total / (one + one)
    best = x.dtype.type(np.inf)
    for c in range(m):
        y = x[c]
        acc = zero
        if equal:
            for k in range(mp):
                acc += one if (k < m and x[k] <= y) else zero
        else:  # padding entries have w = 0
            for k in range(mp):
                acc += w[k] if x[k] <= y else zero
        if acc >= half and y < best:
            best = y
    return best if best < np.inf else x[0]


@njit(**_JIT)
def medians(x, w, active):
    """Weighted median of the active entries of each row (NaN for a row with none)."""
    out = np.empty(x.shape[0], x.dtype)
    for p in range(x.shape[0]):
        xa = x[p][active[p]]
        out[p] = weighted_median(xa, w[p][active[p]], len(xa), len(xa)) if len(xa) else np.nan
    return out


@njit(**_JIT)
def weighted_mean(x, w, m):
    """x̄ = Σ w x / Σ w (equal weights if Σ w = 0)."""
    num = x[0] - x[0]
    den = num
    for i in range(m):
        num += w[i] * x[i]
        den += w[i]
    if den > 0.0:
        return num / den
    num = x[0] - x[0]
    for i in range(m):
        num += x[i]
    return num / x.dtype.type(m)


@njit(**_JIT)
def vote_sums(x, w, rho, m, mp, invd, f, a_sum, b_sum, ld=None):
    """Votes of one pass (§3.2–3.3); returns the CODE denominator D.

    f[k, a] = w_k·(|x_k − x_a|/Δ)^{r_k}, so v_k(x_i, x_j) = f[k, j] − f[k, i];
    A_ab = Σ_k |f[k, a] − f[k, b]| (symmetric), B_a = Σ_k f[k, a], D = Σ_{a<b} 2·A_ab.
    ``rho`` None means every r_k = 1 (pass 1); otherwise ``ld`` holds ln(|x_a − x_k|/Δ) (see
    :func:`log_tables`). The voter loop is outermost and every sum over k runs k = 0, 1, … (as a
    plain sum would), so the inner loops carry no reduction and vectorise without fast-math; A_ab is
    summed whole for every a < m, b < mp (|u − v| = |v − u| exactly, so A is symmetric bit for bit;
    entries b ≥ m are never read). Padding voters (w = 0) would add +0 to sums of terms ≥ 0, which
    changes no bit (inputs are finite), so only the m real voters are summed.
    """
    zero = x[0] - x[0]
    for k in range(m):
        xk = x[k]
        wk = w[k]
        if rho is None:
            for a in range(m):
                f[k, a] = wk * (abs(xk - x[a]) * invd)
        else:  # ln d is symmetric: row k of ld
            rk = rho[k]
            for a in range(m):
                f[k, a] = wk * fexp(rk * ld[k, a])
        for a in range(m, mp):  # padding positions sit at x[0]
            f[k, a] = f[k, 0]
    for a in range(m):
        b_sum[a] = zero
        for b in range(mp):
            a_sum[a, b] = zero
    for k in range(m):
        for a in range(m):
            b_sum[a] += f[k, a]
    for k in range(m):
        fk = f[k]
        for a in range(m):
            fa = fk[a]
            row_a = a_sum[a]
            for b in range(mp):
                row_a[b] += abs(fa - fk[b])
    big_d = zero
    for a in range(m):
        for b in range(a + 1, m):
            big_d += a_sum[a, b]
    return big_d + big_d


@njit(**_JIT)
def probabilities(m, a_sum, b_sum, big_d, paper, p):
    """The matrix P_ij of one pass (tests and traces; the round computes it on the fly)."""
    for i in range(m):
        for j in range(m):
            p[i, j] = _p(a_sum[i, j], b_sum[i], b_sum[j], _inv2(big_d), paper)


@njit(**_JIT, inline="always")
def _p(a_ij, b_i, b_j, inv2d, paper):
    """P_ij (§3.3) = Σ_k max(0, v_k(x_i, x_j)) / D (CODE; ``inv2d`` = 1/(2D), 0 if D = 0) or
    / Σ_k |v_k| (PAPER, eq. 31), with Σ_k max(0, v_k) = (A_ij + B_j − B_i)/2; 0 for coincident
    positions (then A_ij = 0)."""
    num2 = max(a_ij - a_ij, a_ij + b_j - b_i)
    if paper:
        return num2 / (a_ij + a_ij) if a_ij > 0.0 else a_ij - a_ij
    return num2 * inv2d


@njit(**_JIT, inline="always")
def _inv2(big_d):
    return (big_d / big_d) / (big_d + big_d) if big_d > 0.0 else big_d - big_d


@njit(**_JIT, inline="always")
def t_rule(xi, xj, mu, rule):
    """T_ij (§3.5): whether j's uncoerced move to μ helps the challenger i."""
    if rule == T_ALWAYS_1:
        return True
    if rule == T_GEOMETRIC:
        return abs(xi - mu) < abs(xi - xj)
    if min(xi, mu) < xj < max(xi, mu):  # case 2: j between i and μ
        return False
    if min(xj, mu) < xi < max(xj, mu) and abs(xi - mu) > abs(xi - xj):  # case 3B
        return False
    return True


@njit(**_JIT, inline="always")
def no_challenge_q(d, d_mu, t, rho, q, one):
    """(1 − Q)·[T·U_b + (1 − T)·U_w] (eqs. 22–24), the Q < 1 part of E^nc."""
    two = one + one
    half = one / two
    g = (d_mu + d) * (half / two)
    base = max(half - g, one - one) if t else min(half + g, one)
    return (one - q) * (two - (two + two) * fpow(base, rho))


@njit(**_JIT, inline="always")
def utilities(d, rho, one):
    """(U_s, U_f, U_sq) of a pair at normalised distance d, evaluated with exponent ρ (eqs. 15, 16,
    24): 2 − 4(½ − ½d)^ρ, 2 − 4(½ + ½d)^ρ, 2 − 4(½)^ρ."""
    two = one + one
    four = two + two
    half = one / two
    us = two - four * fpow(max(half - half * d, one - one), rho)
    uf = two - four * fpow(half + half * d, rho)
    return us, uf, two - four * fpow(half, rho)


@njit(**_JIT)
def security_exponents(x, s, m, mp, invd, mu, a_sum, b_sum, big_d, paper, q, rule, sec, big_r, r):
    """Pass 1 (ρ = 1): security S_i = Σ_{j≠i} E(j→i), then R_i and r_i (§3.7, eqs. 32–34)."""
    one = x.dtype.type(1.0)
    zero = one - one
    two = one + one
    usq = two - (two + two) * (one / two)
    inv2d = _inv2(big_d)
    for i in range(m):
        sec[i] = zero
    for j in range(m):  # j outermost: each S_i sums j = 0, 1, … with no reduction in the i loop
        xj = x[j]
        for i in range(m):  # j = i adds exactly 0 here (d = 0, P = 0, U_s = U_f = 0)
            d = abs(x[i] - xj) * invd
            us = d + d
            p_ji = _p(a_sum[j, i], b_sum[j], b_sum[i], inv2d, paper)  # A is symmetric
            sec[i] += s[i] * (p_ji * us - (one - p_ji) * us) + (one - s[i]) * us - q * usq
    for _ in range(m, mp):  # the padding entries' exact zeros, as a plain sum over mp would add
        for i in range(m):
            sec[i] += zero
    if q != 1.0:
        for i in range(m):
            for j in range(m):
                if j != i:
                    d = abs(x[i] - x[j]) * invd
                    t = t_rule(x[j], x[i], mu, rule)
                    sec[i] -= no_challenge_q(d, abs(x[j] - mu) * invd, t, one, q, one)
    s_max = sec[0]
    s_min = sec[0]
    for i in range(m):
        s_max = max(s_max, sec[i])
        s_min = min(s_min, sec[i])
    third = one / (one + two)
    for i in range(m):
        rr = (sec[i] + sec[i] - s_max - s_min) / (s_max - s_min) if s_max > s_min else one - one
        big_r[i] = min(one, max(-one, rr))
        r[i] = (one - big_r[i] * third) / (one + big_r[i] * third)


@njit(**_JIT)
def views(x, s, m, mp, invd, mu, a_sum, b_sum, big_d, paper, r, q, rule, b_other, ea, eb, lm, lp):
    """Pass 2 (§3.6, §3.8): ea[i, j] = E_i(i→j), eb[i, j] = E_i(j→i), both with ρ = r_i
    (``b_other``: eb[i, j] = E_j(j→i), with ρ = r_j — the literal superscript of eq. 25b).
    E = s_target·[P·U_s + (1 − P)·U_f] + (1 − s_target)·U_s − Q·U_sq − (1 − Q)·[T·U_b + (1 − T)·U_w].
    Zero on the diagonal. ``lm``/``lp`` hold ln(½ ∓ ½d_ij) (:func:`log_tables`), so
    (½ ∓ ½d)^{r_i} = exp(r_i·ln(½ ∓ ½d)) costs one exp."""
    one = x.dtype.type(1.0)
    two = one + one
    four = two + two
    inv2d = _inv2(big_d)
    for i in range(m):
        xi = x[i]
        ri = r[i]
        usq = two - four * fpow(one / two, ri)
        for j in range(mp):  # entries j ≥ m are never read
            us = two - four * fexp(ri * lm[i, j])
            uf = two - four * fexp(ri * lp[i, j])
            p_ij = _p(a_sum[i, j], b_sum[i], b_sum[j], inv2d, paper)
            p_ji = _p(a_sum[i, j], b_sum[j], b_sum[i], inv2d, paper)
            ea[i, j] = s[j] * (p_ij * us + (one - p_ij) * uf) + (one - s[j]) * us - q * usq
            eb[i, j] = s[i] * (p_ji * us + (one - p_ji) * uf) + (one - s[i]) * us - q * usq
        if q != 1.0:
            for j in range(m):
                d = abs(xi - x[j]) * invd
                ea[i, j] -= no_challenge_q(
                    d, abs(xi - mu) * invd, t_rule(xi, x[j], mu, rule), ri, q, one
                )
                eb[i, j] -= no_challenge_q(
                    d, abs(x[j] - mu) * invd, t_rule(x[j], xi, mu, rule), ri, q, one
                )
    if b_other:  # eb[i, j] = E_j(j→i) = ea[j, i]
        for i in range(m):
            for j in range(i + 1, m):
                eb[i, j], eb[j, i] = ea[j, i], ea[i, j]
    for i in range(m):
        ea[i, i] = one - one
        eb[i, i] = one - one


@njit(**_JIT)
def log_tables(x, m, mp, invd, ld, lm, lp):
    """ln d_ij, ln(½ − ½d_ij) and ln(½ + ½d_ij) for d_ij = |x_i − x_j|/Δ, i < m, j < mp: the logs the
    round's powers share (pass 2's votes and the utilities), each computed once per round."""
    one = x.dtype.type(1.0)
    half = one / (one + one)
    for i in range(m):
        xi = x[i]
        for j in range(mp):
            d = abs(xi - x[j]) * invd
            ld[i, j] = flog(d)
            lm[i, j] = flog(max(half - half * d, one - one))
            lp[i, j] = flog(half + half * d)


@njit(**_JIT)
def choose(x, m, mp, ea, eb, comp_least, capit, keys, new_x, target, kind, a_out, b_out):
    """Classify every (a_ij, b_ij), x_j ≠ x_i, from i's viewpoint (§3.8, Fig. 6) and select one offer
    (§3.9): conflict first (least move), then compromise (min K_ij, or least move), then
    capitulation (least move); ties go to the lowest index. ``keys`` (3, mp) is scratch: each
    type's key per j, +inf where j does not offer that type."""
    inf = x.dtype.type(np.inf)
    for i in range(m):
        xi = x[i]
        for j in range(mp):  # branch-free, vectorised
            xj = x[j]
            a = ea[i, j]
            b = eb[i, j]
            ok = j < m and xj != xi
            dist = abs(xj - xi)
            zone = ok and a < 0.0 < b
            k_comp = (
                abs((xi + (xj - xi) * (-a / b)) - xi)
                if comp_least
                else (-a * xi + b * xj) / (b - a)
            )
            keys[0, j] = dist if (ok and b > a > 0.0) else inf
            keys[1, j] = k_comp if (zone and b > -a) else inf
            keys[2, j] = dist if (zone and b < -a and capit) else inf
        new_x[i] = xi
        target[i] = -1
        kind[i] = NONE
        for t in range(3):
            best = -1
            key = inf
            for j in range(m):
                if keys[t, j] < key:
                    key = keys[t, j]
                    best = j
            if best >= 0:
                a = ea[i, best]
                b = eb[i, best]
                new_x[i] = xi + (x[best] - xi) * (-a / b) if t == 1 else x[best]
                target[i] = best
                kind[i] = t + 1
                a_out[i] = a
                b_out[i] = b
                break


@njit(**_JIT)
def eum_round(x, s, w, m, delta, q, paper, b_other, comp_least, capit, rule, range_current, work):
    """One round (§2) on compact arrays (room for ``padded(m)`` entries); returns μ at the start of
    the round. Fills ``work``'s new_x, r, target, kind, a, b; the caller applies new_x."""
    keys, f, a_sum, b_sum, sec, big_r, r, ea, eb, new_x, target, kind, av, bv, ld, lm, lp = work
    mp = padded(m)
    pad(x, s, w, r, m, mp)
    rng = delta
    if range_current:
        rng = np.max(x[:m]) - np.min(x[:m])
    invd = x.dtype.type(1.0) / rng if rng > 0.0 else rng - rng
    mu = weighted_median(x, w, m, mp)
    big_d = vote_sums(x, w, None, m, mp, invd, f, a_sum, b_sum)
    security_exponents(x, s, m, mp, invd, mu, a_sum, b_sum, big_d, paper, q, rule, sec, big_r, r)
    log_tables(x, m, mp, invd, ld, lm, lp)
    if not paper:  # PAPER's P has no exponents: pass 2 reuses pass 1's sums
        big_d = vote_sums(x, w, r, m, mp, invd, f, a_sum, b_sum, ld)
    views(x, s, m, mp, invd, mu, a_sum, b_sum, big_d, paper, r, q, rule, b_other, ea, eb, lm, lp)
    choose(x, m, mp, ea, eb, comp_least, capit, keys, new_x, target, kind, av, bv)
    return mu


@njit(**_JIT)
def make_work(n, dtype_like):
    """Zeroed scratch for ``eum_round`` with room for n actors (padded); r starts at 1."""
    dt = dtype_like.dtype
    n = padded(n)
    return (
        np.zeros((3, n), dt),
        np.zeros((n, n), dt),
        np.zeros((n, n), dt),
        np.zeros(n, dt),
        np.zeros(n, dt),
        np.zeros(n, dt),
        np.ones(n, dt),
        np.zeros((n, n), dt),
        np.zeros((n, n), dt),
        np.zeros(n, dt),
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.zeros(n, dt),
        np.zeros(n, dt),
        np.zeros((n, n), dt),
        np.zeros((n, n), dt),
        np.zeros((n, n), dt),
    )


@njit(**_JIT, parallel=True)
def eum_run(x0, sal, cap, active, delta, frozen, n_rounds, flags, q, outs, n_chunks):
    """Run ``n_rounds`` rounds for every problem p (rows of ``x0``) and write round t's end state to
    ``outs[*][t, p]`` (positions, median, mean, r, target, kind, a, b). Inactive actors keep their
    position and get target −1 and NaN r/a/b; ``frozen`` problems do not move. ``flags`` =
    (paper, b_other, comp_least, capitulation, T rule, range_current). Problems are split into
    ``n_chunks`` contiguous chunks run in parallel."""
    n_prob = x0.shape[0]
    n_chunks = max(1, min(n_prob, n_chunks))
    for ch in prange(n_chunks):
        _chunk(
            ch * n_prob // n_chunks,
            (ch + 1) * n_prob // n_chunks,
            x0,
            sal,
            cap,
            active,
            delta,
            frozen,
            n_rounds,
            flags,
            q,
            outs,
        )


@njit(**_JIT)
def _chunk(lo, hi, x0, sal, cap, active, delta, frozen, n_rounds, flags, q, outs):
    paper, b_other, comp_least, capit, rule, range_current = flags
    pos_out, med_out, mean_out, r_out, tgt_out, kind_out, a_out, b_out = outs
    n = x0.shape[1]
    nan = x0.dtype.type(np.nan)
    idx = np.empty(n, np.int64)
    x = np.zeros(padded(n), x0.dtype)
    s = np.zeros(padded(n), x0.dtype)
    w = np.zeros(padded(n), x0.dtype)
    work = make_work(n, x0)
    r = work[6]
    new_x, target, kind, av, bv = work[9], work[10], work[11], work[12], work[13]
    for p in range(lo, hi):
        m = 0
        for k in range(n):
            if active[p, k]:
                idx[m] = k
                x[m] = x0[p, k]
                s[m] = sal[p, k]
                w[m] = cap[p, k] * sal[p, k]
                m += 1
        for t in range(n_rounds):
            for k in range(n):
                pos_out[t, p, k] = x0[p, k] if t == 0 else pos_out[t - 1, p, k]
                r_out[t, p, k] = nan
                tgt_out[t, p, k] = -1
                kind_out[t, p, k] = NONE
                a_out[t, p, k] = nan
                b_out[t, p, k] = nan
            if m == 0:
                med_out[t, p] = nan
                mean_out[t, p] = nan
                continue
            if m >= 2 and not frozen[p]:
                eum_round(
                    x,
                    s,
                    w,
                    m,
                    delta[p],
                    q,
                    paper,
                    b_other,
                    comp_least,
                    capit,
                    rule,
                    range_current,
                    work,
                )
                for i in range(m):
                    k = idx[i]
                    x[i] = new_x[i]
                    pos_out[t, p, k] = new_x[i]
                    r_out[t, p, k] = r[i]
                    if kind[i] != NONE:
                        tgt_out[t, p, k] = idx[target[i]]
                        kind_out[t, p, k] = kind[i]
                        a_out[t, p, k] = av[i]
                        b_out[t, p, k] = bv[i]
            med_out[t, p] = weighted_median(x, w, m, padded(m))
            mean_out[t, p] = weighted_mean(x, w, m)
