"""Strategic choice of third parties: normal-form games solved for the logit QRE, batched.

Games (McKelvey & Palfrey 1995, *Games Econ. Behav.* 10): each player ``i`` mixes with

    σ_i(s) = exp(λ·ū_i(s, σ_-i)) / Σ_t exp(λ·ū_i(t, σ_-i)),

where ``ū_i`` is the expected payoff against the other player's mixture. Payoffs are linear in named
registry features (:mod:`realpolitik.features`), ``u = constant + Σ_k c_k f_k``, and are rescaled to
[0, 1] per player and member before solving, ``u' = (u − min u)/(max u − min u)`` over the player's
profile cells (Signorino 1999, *APSR* 93(2)), so that λ has one meaning across games (an indifferent
player — max = min — gets u' = ½ everywhere).

The solution is the **principal branch** traced from λ = 0 (uniform play): with ``x`` the row
player's log-odds against its first strategy, the fixed point is ``x = h(x, λ)``, ``h_i = λ·(ū_1(i) −
ū_1(0))`` with the column player's mixture ``q = softmax(λ·Bᵀp(x))`` eliminated. It is followed
along an increasing λ grid (steps of 0.2 growing by 12 % per step, each member stopping at its own λ),
with a secant predictor and Newton correctors on ``x − h(x, λ) = 0`` (analytic Jacobian), for all
members × games in one numba kernel (:mod:`._qre_kernels`), in the log-odds of the player with
fewer strategies. Where the branch may fold back in λ — det ∂G/∂x fell below 0.25, a corrector
moved more than 0.25 in log-odds, or the residual stayed high — the game is re-traced by
pseudo-arclength continuation in (x, λ) (tangent turning < 6° and corrector < 0.1·step per accepted
step), taking the branch's first crossing of λ, as Gambit's ``logit_solve_lambda`` does. A
one-player game (a decision problem) is the same with a column player of one strategy:
σ = softmax(λu), the logit choice rule.

Persistence (DESIGN, "Choice"): a player's chosen strategy is state. Each month, with probability
``switch_prob`` (and always in the first month unless ``initial`` fixes it), the player redraws its
strategy from that month's QRE mixture, using the keyed uniforms ``choice/{month}/{game}/{actor}``
(switch, draw). Interventions (``do:``; input ``intervention`` (M, G, 2, S): +1 hold that strategy
from now on, −1 never adopt it, 0 free): a held strategy is the player's, whatever the draw; an
excluded one is removed from the mixture the player draws from (the others renormalised).

Inputs (``drivers``): ``features`` (M, K), the K feature values in ``Params.features`` order (the
constant first); ``intervention`` optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..errors import fail
from ..rng import MemberRNG
from . import MEMBER, _qre_kernels

MAX_STRATEGIES = 4

# --------------------------------------------------------------------------------------------
# the batched solver


def _softmax(z: np.ndarray, mask: np.ndarray) -> np.ndarray:
    z = np.where(mask, z, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _residual_jacobian(x, lam, A, B, mr, mc, with_lambda=False):
    """G(x) = x − h(x, λ) and its Jacobian, shapes (N, S−1) and (N, S−1, S−1) (and ∂G/∂λ)."""
    n, s = mr.shape
    p = _softmax(np.concatenate([np.zeros((n, 1)), x], axis=1), mr)
    lam_ = lam[:, None]
    v = (p[:, None, :] @ B)[:, 0]
    q = _softmax(lam_ * v, mc)
    w = (A @ q[:, :, None])[:, :, 0]
    free = mr[:, 1:]
    g = np.where(free, x - lam_ * (w[:, 1:] - w[:, :1]), 0.0)
    dp = (p[:, :, None] * np.eye(s)[None] - p[:, :, None] * p[:, None, :])[:, :, 1:]
    dq_dv = q[:, :, None] * np.eye(s)[None] - q[:, :, None] * q[:, None, :]
    dv = lam[:, None, None] * (np.swapaxes(B, 1, 2) @ dp)
    dw = A @ (dq_dv @ dv)
    dh = lam[:, None, None] * (dw[:, 1:, :] - dw[:, :1, :])
    jac = np.eye(s - 1)[None] - np.where(free[:, :, None], dh, 0.0)
    if not with_lambda:
        return g, jac
    dw_dlam = (A @ (dq_dv @ v[:, :, None]))[:, :, 0]
    g_lam = -(w[:, 1:] - w[:, :1]) - lam_ * (dw_dlam[:, 1:] - dw_dlam[:, :1])
    return g, jac, np.where(free, g_lam, 0.0)


def _solve_small(jac, rhs):
    """Batched solve of J·d = r for the tiny systems here (closed forms for sizes 1 and 2)."""
    k = jac.shape[-1]
    if k == 1:
        return rhs / jac[:, :, 0]
    if k == 2:
        det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
        d0 = (jac[:, 1, 1] * rhs[:, 0] - jac[:, 0, 1] * rhs[:, 1]) / det
        d1 = (jac[:, 0, 0] * rhs[:, 1] - jac[:, 1, 0] * rhs[:, 0]) / det
        return np.stack([d0, d1], axis=1)
    return np.linalg.solve(jac, rhs[..., None])[..., 0]


def _newton(x, lam, A, B, mr, mc):
    """One Newton step; also returns the Jacobian at the starting point."""
    g, jac = _residual_jacobian(x, lam, A, B, mr, mc)
    return x + np.clip(_solve_small(jac, -g), -10.0, 10.0), jac


def _lambda_grid(lam_max: float, first: float, growth: float) -> np.ndarray:
    grid, step, lam = [0.0], first, 0.0
    while lam < lam_max:
        lam = min(lam + step, lam_max)
        grid.append(lam)
        step *= growth
    return np.array(grid)


def _trace(A, B, rows, lam, first=0.2, growth=1.12, n_newton=2):
    """Continuation in λ (numba kernel, one game per iteration); returns x, the final residual,
    the smallest det(∂G/∂x) met and the largest corrector move."""
    grid = _lambda_grid(float(lam.max(initial=0.0)), first, growth)
    return _qre_kernels.trace(
        np.ascontiguousarray(A),
        np.ascontiguousarray(B),
        np.ascontiguousarray(lam),
        rows,
        grid,
        n_newton,
        _qre_kernels.n_chunks(),
    )


def _polish(x, lam, A, B, mr, mc):
    """Newton at the target λ until the relative residual is below 1e-14 (or 30 steps)."""
    x = x.copy()
    g, _ = _residual_jacobian(x, lam, A, B, mr, mc)
    res = _relative(g, x)
    todo = np.nonzero(res >= 1e-14)[0]
    for _ in range(30):
        if not len(todo):
            break
        x[todo] = _newton(x[todo], lam[todo], A[todo], B[todo], mr[todo], mc[todo])[0]
        g, _ = _residual_jacobian(x[todo], lam[todo], A[todo], B[todo], mr[todo], mc[todo])
        res[todo] = _relative(g, x[todo])
        todo = todo[res[todo] >= 1e-14]
    return x, res


def _relative(g, x):
    """Residual relative to the size of the log-odds (which grow like λ)."""
    return np.max(np.abs(g), axis=1, initial=0.0) / (1.0 + np.max(np.abs(x), axis=1, initial=0.0))


def _arclength(A, B, mr, mc, lam, h0=0.02, h_max=0.1, max_steps=20000):
    """Pseudo-arclength continuation of (x, λ) from λ = 0 to each target λ (first crossing).

    Used where λ-continuation meets a fold of the branch (det ∂G/∂x → 0), where the branch turns
    back in λ (Turocy 2005, *Games Econ. Behav.* 51). Predictor along the tangent of [∂G/∂x | ∂G/∂λ],
    Newton corrector on the augmented system; the step halves on failure.
    """
    n, s = mr.shape
    y = np.zeros((n, s))  # (x, λ)
    t = np.zeros((n, s))
    t[:, -1] = 1.0
    h = np.full(n, h0)
    done = lam <= 0
    out = np.zeros((n, s - 1))
    for _ in range(max_steps):
        act = ~done
        if not act.any():
            break
        ya, ta, ha = y[act], t[act], h[act]
        a_, b_, r_, c_ = A[act], B[act], mr[act], mc[act]
        _, jac, g_lam = _residual_jacobian(ya[:, :-1], ya[:, -1], a_, b_, r_, c_, True)
        aug = np.concatenate(
            [np.concatenate([jac, g_lam[:, :, None]], axis=2), ta[:, None, :]], axis=1
        )
        rhs = np.zeros((len(ya), s))
        rhs[:, -1] = 1.0
        tan = np.linalg.solve(aug, rhs[..., None])[..., 0]
        tan /= np.linalg.norm(tan, axis=1, keepdims=True)
        pred = ya + ha[:, None] * tan
        yn = pred.copy()
        for _ in range(4):
            g, jac, g_lam = _residual_jacobian(yn[:, :-1], yn[:, -1], a_, b_, r_, c_, True)
            aug = np.concatenate(
                [np.concatenate([jac, g_lam[:, :, None]], axis=2), tan[:, None, :]], axis=1
            )
            rhs = -np.concatenate([g, np.einsum("ns,ns->n", tan, yn - pred)[:, None]], axis=1)
            yn = yn + np.linalg.solve(aug, rhs[..., None])[..., 0]
        g, _ = _residual_jacobian(yn[:, :-1], yn[:, -1], a_, b_, r_, c_)
        ok = _relative(g, yn) < 1e-9
        ok &= np.linalg.norm(yn - pred, axis=1) < 0.1 * ha  # small curvature over the step
        _, jac_n, g_lam_n = _residual_jacobian(yn[:, :-1], yn[:, -1], a_, b_, r_, c_, True)
        aug = np.concatenate(
            [np.concatenate([jac_n, g_lam_n[:, :, None]], axis=2), tan[:, None, :]], axis=1
        )
        rhs = np.zeros((len(yn), s))
        rhs[:, -1] = 1.0
        tan_n = np.linalg.solve(aug, rhs[..., None])[..., 0]
        tan_n /= np.linalg.norm(tan_n, axis=1, keepdims=True)
        ok &= np.einsum("ns,ns->n", tan_n, tan) > 0.995  # the tangent turns by < 6° per step
        crossed = ok & (yn[:, -1] >= lam[act])
        ids = np.nonzero(act)[0]
        if crossed.any():
            rise = yn[:, -1] - ya[:, -1]
            frac = np.divide(lam[act] - ya[:, -1], rise, out=np.ones_like(rise), where=rise > 0)
            xi = ya[crossed, :-1] + frac[crossed, None] * (yn[crossed, :-1] - ya[crossed, :-1])
            c = crossed
            out[ids[c]] = _polish(xi, lam[act][c], a_[c], b_[c], r_[c], c_[c])[0]
            done[ids[c]] = True
        y[ids[ok]] = yn[ok]
        t[ids[ok]] = tan[ok]
        cap = h_max * np.maximum(1.0, y[ids, -1] / 5.0)  # the branch straightens as λ grows
        h[ids] = np.where(ok, np.minimum(ha * 1.3, cap), ha * 0.5)
    if not done.all():
        raise FloatingPointError(f"logit QRE branch not traced for {int((~done).sum())} games")
    return _polish(out, lam, A, B, mr, mc)


def logit_qre(
    row_payoff: np.ndarray,
    col_payoff: np.ndarray,
    n_row: np.ndarray,
    n_col: np.ndarray,
    lam: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Logit QRE on the principal branch for a batch of bimatrix games.

    ``row_payoff[n, a, b]`` / ``col_payoff[n, a, b]`` are the row / column player's payoffs when row
    plays ``a`` and column plays ``b`` (padded to a common size S; only ``a < n_row[n]``,
    ``b < n_col[n]`` are read). Returns the mixtures ``p`` (N, S) and ``q`` (N, S), zero on padding.
    Games are grouped by shape: a player with one strategy makes it a logit choice (closed form);
    otherwise the branch is traced in the log-odds of the player with fewer strategies.
    """
    A = np.asarray(row_payoff, float)
    B = np.asarray(col_payoff, float)
    n, s, _ = A.shape
    lam = np.broadcast_to(np.asarray(lam, float), (n,)).copy()
    check_lambda(lam)
    n_row = np.broadcast_to(np.asarray(n_row, int), (n,))
    n_col = np.broadcast_to(np.asarray(n_col, int), (n,))
    p = np.zeros((n, s))
    q = np.zeros((n, s))
    shape_key = n_row * (s + 1) + n_col
    for key in np.unique(shape_key).tolist():
        rows, cols = divmod(key, s + 1)
        k = np.nonzero(shape_key == key)[0]
        a, b, lk = A[k, :rows, :cols], B[k, :rows, :cols], lam[k]
        if cols == 1:
            p[k, :rows] = _softmax(lk[:, None] * a[:, :, 0], np.ones((len(k), rows), bool))
            q[k, 0] = 1.0
        elif rows == 1:
            q[k, :cols] = _softmax(lk[:, None] * b[:, 0, :], np.ones((len(k), cols), bool))
            p[k, 0] = 1.0
        elif rows <= cols:
            p[k, :rows], q[k, :cols] = _solve_block(a, b, lk)
        else:
            q[k, :cols], p[k, :rows] = _solve_block(np.swapaxes(b, 1, 2), np.swapaxes(a, 1, 2), lk)
    return p, q


def _solve_block(A, B, lam):
    """Games of one shape (rows ≤ cols), traced in the row player's log-odds."""
    n, rows, cols = A.shape
    s = cols
    pad_a = np.zeros((n, s, s))
    pad_b = np.zeros((n, s, s))
    # the QRE is unchanged by shifting a player's payoffs and by (u, λ) → (u/c, λc): solve on a
    # common scale, so that continuation steps mean the same in every game
    pad_a[:, :rows] = A - A.min(axis=(1, 2), keepdims=True)
    pad_b[:, :rows] = B - B.min(axis=(1, 2), keepdims=True)
    scale = np.maximum(pad_a.max(axis=(1, 2)), pad_b.max(axis=(1, 2)))
    scale = np.where(scale > 0, scale, 1.0)
    A, B, lam = pad_a / scale[:, None, None], pad_b / scale[:, None, None], lam * scale
    mr = np.broadcast_to(np.arange(s) < rows, (n, s))
    mc = np.ones((n, s), bool)
    x, res, min_det, jump = _trace(A, B, rows, lam)
    hard = (res > 1e-10) | (min_det < 0.25) | (jump > 0.25)
    if hard.any():
        x[hard], res[hard] = _arclength(A[hard], B[hard], mr[hard], mc[hard], lam[hard])
    if not np.all(res < 1e-8):
        raise FloatingPointError(f"logit QRE did not converge for {int((res >= 1e-8).sum())} games")
    p = _softmax(np.concatenate([np.zeros((n, 1)), x], axis=1), mr)
    q = _softmax(lam[:, None] * (p[:, None, :] @ B)[:, 0], mc)
    return p[:, :rows], q


# --------------------------------------------------------------------------------------------
# validation helpers


def _fail(path: str, message: str, value=None, options=(), where: str = "<params>"):
    fail(where, path, message, value, options)


def check_lambda(lam, path: str = "lambda", where: str = "<params>") -> None:
    lam = np.asarray(lam, float)
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        _fail(
            path, "λ must be finite and ≥ 0", lam.min(initial=0.0) if lam.size else lam, where=where
        )


def check_payoffs(
    payoffs, n_row: int, n_col: int, path: str = "payoffs", where: str = "<params>"
) -> None:
    """A payoff table must have shape (2, n_row, n_col) (or (n_row,) for a decision problem)."""
    arr = np.asarray(payoffs, float)
    want = (n_row,) if n_col == 0 else (2, n_row, n_col)
    if arr.shape != want:
        _fail(path, f"payoffs have the wrong shape, expected {want}", arr.shape, where=where)
    if not np.all(np.isfinite(arr)):
        _fail(path, "payoffs must be finite", where=where)


def normalise(u: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rescale each player's payoffs to [0, 1] over its valid cells (Signorino 1999); ½ if flat."""
    big = np.where(mask, u, np.inf).min(axis=(-2, -1), keepdims=True)
    top = np.where(mask, u, -np.inf).max(axis=(-2, -1), keepdims=True)
    span = top - big
    out = np.divide(u - big, span, out=np.full(u.shape, 0.5), where=span > 0)
    return np.where(mask, out, 0.0)


# --------------------------------------------------------------------------------------------
# engine interface


@dataclass(frozen=True)
class Params:
    """Games G (≤ 2 players, ≤ MAX_STRATEGIES strategies each), padded to S strategies.

    ``coef[m|0, g, p, a, b, k]`` is player p's coefficient on feature k in profile (a, b) (feature 0 is
    ``constant``); ``lam[m, g]``; ``switch_prob[m, g, p]``; ``initial[g, p]`` a local strategy index
    or −1 (drawn in the first month). ``player_actor[g, p]`` indexes ``actors`` (−1: no second
    player); ``strategy_index[g, p, s]`` indexes ``strategies`` (−1: padding).
    """

    games: tuple[str, ...]
    actors: tuple[str, ...]
    strategies: tuple[str, ...]
    features: tuple[str, ...]  # (K,) feature specs, "constant" first
    player_actor: np.ndarray
    n_strategies: np.ndarray
    strategy_index: np.ndarray
    initial: np.ndarray
    coef: np.ndarray = field(metadata=MEMBER)
    lam: np.ndarray = field(metadata=MEMBER)
    switch_prob: np.ndarray = field(metadata=MEMBER)


@dataclass
class State:
    strategy: np.ndarray  # (member, G, 2) local strategy index, −1 = not chosen yet


@dataclass(frozen=True)
class Outputs:
    strategy_prob: np.ndarray  # (member, actor, strategy)
    acted: np.ndarray  # (member, actor, strategy) bool
    payoff: np.ndarray  # (member, G, 2, S, S) normalised payoffs (0 on padded strategy slots)

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "strategy_prob": ("actor", "strategy"),
        "acted": ("actor", "strategy"),
        "payoff": ("game", "player", "row", "column"),
    }


def init_state(params: Params, n_members: int) -> State:
    return State(np.broadcast_to(params.initial, (n_members, *params.initial.shape)).copy())


def payoffs(params: Params, feature_values: np.ndarray) -> np.ndarray:
    """Normalised payoffs (member, G, 2, S, S) from feature values (member, K)."""
    coef = params.coef
    if coef.shape[0] == 1:
        # a short sum over features rather than a BLAS product, whose idle worker threads spin
        # (burning more CPU than the product) after every call
        cells = coef[0].reshape(-1, coef.shape[-1])
        raw = feature_values[:, :1] * cells[:, 0]
        for k in range(1, cells.shape[1]):
            raw += feature_values[:, k : k + 1] * cells[:, k]
        raw = raw.reshape(-1, *coef.shape[1:-1])
    else:
        raw = np.einsum("mk,mgpabk->mgpab", feature_values, coef)
    s = coef.shape[3]
    idx = np.arange(s)
    n_row, n_col = params.n_strategies[:, 0], params.n_strategies[:, 1]
    mask = (idx[None, :, None] < n_row[:, None, None]) & (idx[None, None, :] < n_col[:, None, None])
    return normalise(raw, mask[None, :, None])


def step(state: State, params: Params, drivers: Mapping, month: int, rng: MemberRNG):
    m = state.strategy.shape[0]
    g = len(params.games)
    feats = np.asarray(drivers["features"], float)
    if feats.shape != (m, len(params.features)):
        raise ValueError(f"choice: features must be (M, {len(params.features)}), got {feats.shape}")
    u = payoffs(params, feats)
    s = u.shape[-1]
    n_row = np.broadcast_to(params.n_strategies[:, 0], (m, g)).reshape(-1)
    n_col = np.broadcast_to(params.n_strategies[:, 1], (m, g)).reshape(-1)
    p, q = logit_qre(
        u[:, :, 0].reshape(-1, s, s),
        u[:, :, 1].reshape(-1, s, s),
        n_row,
        n_col,
        params.lam.reshape(-1),
    )
    prob = np.stack([p.reshape(m, g, s), q.reshape(m, g, s)], axis=2)  # (m, g, 2, S)
    u_sw, u_draw = _uniforms(params, month, rng)
    switch = u_sw < params.switch_prob
    force = np.asarray(drivers.get("intervention", np.zeros(prob.shape)))
    pick = np.where(force < 0, 0.0, prob)
    total = pick.sum(axis=-1, keepdims=True)
    pick = np.where(total > 0, pick / np.where(total > 0, total, 1.0), prob)
    drawn = np.minimum(
        (np.cumsum(pick, axis=-1) < u_draw[..., None]).sum(axis=-1), params.n_strategies - 1
    )
    strategy = np.where(switch | (state.strategy < 0), drawn, state.strategy)
    held = force > 0
    strategy = np.where(held.any(axis=-1), held.argmax(axis=-1), strategy)
    excluded = np.take_along_axis(force, strategy[..., None], axis=-1)[..., 0] < 0
    strategy = np.where(excluded, drawn, strategy)
    return State(strategy), _outputs(params, prob, strategy, u)


def _uniforms(params: Params, month: int, rng: MemberRNG) -> tuple[np.ndarray, np.ndarray]:
    """(switch, draw) uniforms (M, G, 2), keyed by game and player (``choice/{month}/{game}/{actor}``);
    a game's missing second player gets uniforms that are never read."""
    out = np.ones((2, rng.n, len(params.games), 2))
    gi, pi = np.nonzero(params.player_actor >= 0)
    keys = [f"choice/{month}/{params.games[g]}/{params.actors[params.player_actor[g, p]]}"
            for g, p in zip(gi, pi, strict=True)]  # fmt: skip
    out[:, :, gi, pi] = np.moveaxis(rng.uniform_many(keys, 2), (0, 2), (2, 0))
    return out[0], out[1]


def _outputs(params: Params, prob, strategy, u) -> Outputs:
    m = prob.shape[0]
    shape = (m, len(params.actors), len(params.strategies))
    strategy_prob = np.zeros(shape)
    acted = np.zeros(shape, bool)
    gi, pi, si = np.nonzero(params.strategy_index >= 0)
    actor = params.player_actor[gi, pi]
    keep = actor >= 0
    gi, pi, si, actor = gi[keep], pi[keep], si[keep], actor[keep]
    col = params.strategy_index[gi, pi, si]
    strategy_prob[:, actor, col] = prob[:, gi, pi, si]
    acted[:, actor, col] = strategy[:, gi, pi] == si
    return Outputs(strategy_prob, acted, u)
