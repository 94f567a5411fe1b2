"""Alliance alignment: landscape theory with heat-bath dynamics, and structural balance.

Landscape theory (Axelrod & Bennett 1993, *BJPS* 23): actors of size ``s_i`` with symmetric
propensities ``p_ij ∈ [−1, 1]`` split into two camps X; the energy (total frustration) is

    E(X) = Σ_i Σ_{j≠i} s_i s_j p_ij d_ij(X),     d_ij = 1 if i and j are in different camps, else 0.

With spins S_i = +1 (camp A, with the United States) / −1 (camp B, with Russia), E = const −
Σ_{i<j} J_ij S_i S_j with J_ij = s_i s_j p_ij: a random-bond Ising model (Galam 1996, *Physica A*
230). Monthly **heat-bath** (Glauber) dynamics: actors are visited in turn (``sweeps`` per month)
and join camp A with probability

    P(i → A) = logistic(β·ΔE_i),   ΔE_i = E(i in B) − E(i in A) = 2 s_i Σ_j s_j p_ij S_j,

whose stationary law is Boltzmann, ∝ exp(−β E(X)); β → ∞ gives A&B's myopic descent to a local
minimum. Actors with ``anchor`` +1 / −1 (the United States / Russia) stay in A / B. The output
``alignment_i`` = P(i → B) at its last update (0 = with the United States … 1 = with Russia). Each
actor's heat-bath uniforms are keyed ``alignment/{month}/{actor}``.

Propensity drift (documented rules, per month, clipped to [−1, 1]):

* support: ``p_ij += η_s·(σ_ij + σ_ji)·(1 − p_ij)`` with ``σ`` = drivers["support"] (member, actor,
  actor), intensities 0–1 of military/financial/diplomatic support given from i to j that month;
* hostility: ``p_ij −= η_h·(χ_ij + χ_ji)·(1 + p_ij)`` with ``χ`` = drivers["hostility"];
* shared enemies and friends, continuous Heider dynamics (Kułakowski, Gawroński & Gronek 2005,
  *IJMPC* 16): ``p_ij += η_b·(1 − p_ij²)·Σ_k p_ik p_kj/(n − 2)``.

Recommended derivation of the initial ``p_ij`` (the scenario records it per pair):
``p_ij = w_u·(1 − 2|x_i − x_j|/R) + w_a·a_ij + w_t·t_ij`` with ``x`` the UNGA ideal points (Bailey,
Strezhnev & Voeten 2017) of the last pre-cut-off session, ``R`` their range over all members, ``a_ij``
= 1 for a defence pact, 0.5 for a neutrality/entente (ATOP/COW alliances), ``t_ij`` = 1 if SIPRI
records major arms transfers between them in the five years before the cut-off, −1 for an open
militarised dispute; weights summing to 1 (e.g. 0.5, 0.3, 0.2).

Structural balance: constrained triad dynamics (Antal, Krapivsky & Redner 2005, *PRE* 72, 036121)
on the signed graph σ_ij = sign(p_ij) of the start: each update picks a link; it flips if that lowers
the number of imbalanced triads, flips with probability ½ if the number is unchanged, and stays
otherwise, so the balance index (share of balanced triads, (1 + tr σ³ / (6·C(n,3)))/2) never
decreases. Exhaustive enumeration of the 2^(n−1) configurations (``enumerate_energies``) is for tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numba
import numpy as np

from ..errors import Problem, ScenarioError, short_repr
from ..rng import MemberRNG
from . import MEMBER


@dataclass(frozen=True)
class Params:
    """``size`` (member|1, n) ≥ 0; ``propensity`` (member|1, n, n) symmetric in [−1, 1], zero
    diagonal; ``beta`` (member,) inverse temperature per unit of size²; ``anchor`` (n,) +1 in A, −1
    in B, 0 free; ``sweeps`` heat-bath sweeps per month; ``eta_support``, ``eta_hostility``,
    ``eta_balance`` (member,) monthly drift rates; ``ctd_updates`` CTD link updates per month."""

    actors: tuple[str, ...]
    anchor: np.ndarray
    size: np.ndarray = field(metadata=MEMBER)
    propensity: np.ndarray = field(metadata=MEMBER)
    beta: np.ndarray = field(metadata=MEMBER)
    sweeps: int = 1
    eta_support: np.ndarray | float = field(default=0.0, metadata=MEMBER)
    eta_hostility: np.ndarray | float = field(default=0.0, metadata=MEMBER)
    eta_balance: np.ndarray | float = field(default=0.0, metadata=MEMBER)
    ctd_updates: int = 0
    # (member|1, n) starting alignment 0…1; camp B where > ½
    initial: np.ndarray | None = field(default=None, metadata=MEMBER)


@dataclass
class State:
    spin: np.ndarray  # (member, n) +1 camp A (with the US), −1 camp B (with Russia)
    propensity: np.ndarray  # (member or 1, n, n)
    sign: np.ndarray  # (member, n, n) ±1, the signed relation graph under CTD
    alignment: np.ndarray  # (member, n) P(i → B) at its last update
    balance: np.ndarray  # (member,) balance index of ``sign``, kept up to date by CTD


@dataclass(frozen=True)
class Outputs:
    alignment: np.ndarray  # (member, actor) 0 = with the US … 1 = with Russia
    camp: np.ndarray  # (member, actor) +1 A / −1 B
    energy: np.ndarray  # (member,) E(X)
    balance: np.ndarray  # (member,) share of balanced triads

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "alignment": ("actor",),
        "camp": ("actor",),
        "energy": (),
        "balance": (),
    }


# --------------------------------------------------------------------------------------------
# validation


def check(params: Params, where: str = "<params>") -> None:
    """Raise ScenarioError for propensities outside [−1, 1], asymmetric, bad sizes or β."""
    probs = []
    n = len(params.actors)
    p = np.asarray(params.propensity, float)
    s = np.asarray(params.size, float)

    def bad(path, msg, value=None, options=()):
        probs.append(
            Problem(
                where, None, None, path, msg, None if value is None else short_repr(value), options
            )
        )

    if p.ndim != 3 or p.shape[1:] != (n, n):
        bad("propensity", f"expected shape (member, {n}, {n})", p.shape)
    elif not np.all(np.isfinite(p)) or p.min() < -1 or p.max() > 1:
        i = np.unravel_index(np.nanargmax(np.abs(np.nan_to_num(p, nan=9.0))), p.shape)
        pair = f"{params.actors[i[1]]}–{params.actors[i[2]]}"
        bad(f"propensity[{pair}]", "propensities must lie in [−1, 1]", float(p[i]))
    elif not np.allclose(p, np.swapaxes(p, 1, 2)):
        bad("propensity", "propensities must be symmetric (p_ij = p_ji)")
    if s.ndim != 2 or s.shape[1] != n or not np.all(np.isfinite(s)) or np.any(s < 0):
        bad(
            "size",
            f"sizes must be finite, ≥ 0, shape (member, {n})",
            s.shape if s.ndim != 2 else s.min(),
        )
    beta = np.asarray(params.beta, float)
    if not np.all(np.isfinite(beta)) or np.any(beta < 0):
        bad("beta", "β must be finite and ≥ 0", beta.min())
    if probs:
        raise ScenarioError(probs)


# --------------------------------------------------------------------------------------------
# landscape


def energy(spin: np.ndarray, size: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """A&B energy Σ_i Σ_{j≠i} s_i s_j p_ij d_ij for spins (..., n)."""
    j = size[..., :, None] * size[..., None, :] * propensity
    field = (j @ spin[..., None])[..., 0]
    return (j.sum(axis=(-2, -1)) - (spin * field).sum(axis=-1)) / 2


def enumerate_energies(size: np.ndarray, propensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All 2^(n−1) two-camp configurations (actor 0 in A) and their energies — tests only, n ≤ 17."""
    n = len(size)
    if n > 17:
        raise ValueError("exhaustive enumeration is for n ≤ 17")
    codes = np.arange(2 ** (n - 1))
    bits = (codes[:, None] >> np.arange(n - 1)[None]) & 1
    spins = np.concatenate([np.ones((len(codes), 1)), 1 - 2 * bits], axis=1)
    return spins, energy(spins, size[None], propensity[None])


def balance_index(sign: np.ndarray) -> np.ndarray:
    """Share of balanced triads of a complete signed graph (…, n, n), zero diagonal."""
    n = sign.shape[-1]
    s = sign * (1 - np.eye(n))
    tr = np.einsum("...ij,...ji->...", s @ s, s)
    return 0.5 * (1 + tr / (n * (n - 1) * (n - 2)))


def ctd_update(
    sign: np.ndarray, u_link: np.ndarray, u_accept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One constrained-triad-dynamics update per member (Antal, Krapivsky & Redner 2005), in place.

    Returns the signs and the change in the number of imbalanced triads (≤ 0)."""
    m, n, _ = sign.shape
    iu, ju = np.triu_indices(n, 1)
    link = np.minimum((u_link * len(iu)).astype(int), len(iu) - 1)
    i, j = iu[link], ju[link]
    rows = np.arange(m)
    prod = sign[rows, i, j][:, None] * sign[rows, i, :] * sign[rows, j, :]
    other = np.ones((m, n), bool)
    other[rows, i] = False
    other[rows, j] = False
    imbalanced = ((prod < 0) & other).sum(axis=1)
    change = (n - 2) - 2 * imbalanced  # imbalanced triads after the flip minus before
    flip = (change < 0) | ((change == 0) & (u_accept < 0.5))
    value = np.where(flip, -sign[rows, i, j], sign[rows, i, j])
    sign[rows, i, j] = value
    sign[rows, j, i] = value
    return sign, np.where(flip, change, 0)


# --------------------------------------------------------------------------------------------
# engine interface


def init_state(params: Params, n_members: int) -> State:
    n = len(params.actors)
    p = np.array(params.propensity, float)  # (1, n, n) stays shared until member drivers split it
    anchor = np.asarray(params.anchor)
    start = np.zeros((1, n)) if params.initial is None else np.asarray(params.initial, float)
    spin = np.where(start > 0.5, -1.0, 1.0)
    spin = np.where(anchor < 0, -1.0, np.where(anchor > 0, 1.0, spin))
    spin = np.broadcast_to(spin, (n_members, n)).copy()
    alignment = np.broadcast_to(
        start if params.initial is not None else (1 - spin) / 2, (n_members, n)
    )
    sign = np.broadcast_to(np.where(p >= 0, 1.0, -1.0) * (1 - np.eye(n)), (n_members, n, n)).copy()
    return State(spin, p, sign, alignment.copy(), balance_index(sign))


def _drift(p: np.ndarray, params: Params, drivers: Mapping) -> np.ndarray:
    def rate(x):
        return np.asarray(x, float).reshape(-1, 1, 1)

    n = p.shape[-1]
    new = p
    for key, eta, toward in (
        ("support", params.eta_support, 1.0),
        ("hostility", params.eta_hostility, -1.0),
    ):
        if key in drivers and np.any(eta):
            drive = np.asarray(drivers[key], float)
            touched = np.any(drive != 0, axis=0)  # drivers are sparse: touch those pairs only
            i, j = np.nonzero(np.triu(touched | touched.T, 1))
            if len(i):
                if new is p:
                    new = np.broadcast_to(p, (drive.shape[0], n, n)).copy()
                amount = np.asarray(eta, float).reshape(-1, 1) * (drive[:, i, j] + drive[:, j, i])
                step = amount * (toward - new[:, i, j])
                new[:, i, j] += step  # the pairs (i < j) are distinct: no repeated index
                new[:, j, i] += step
    if np.any(params.eta_balance) and n > 2:
        push = p @ p
        push *= 1 - p**2
        push *= rate(params.eta_balance) / (n - 2)
        new = new + push
    if new is p:
        return p
    diag = np.arange(n)
    new[:, diag, diag] = 0.0
    return np.clip(new, -1.0, 1.0, out=new)


@numba.njit(parallel=True, cache=True)
def _heat_bath(coupling, spin, prob_b, beta, players, u):  # pragma: no cover - compiled
    """Sweeps of the heat bath over ``players`` in turn, every member in parallel: player i joins
    camp A with probability logistic(β·ΔE_i), ΔE_i = 2 Σ_j J_ij S_j (J = coupling), in place."""
    m, sweeps, n = u.shape
    for k in numba.prange(m):
        for sweep in range(sweeps):
            for i in players:
                delta = 0.0
                for j in range(n):
                    delta += coupling[k, i, j] * spin[k, j]
                p_a = 0.5 * (1.0 + np.tanh(0.5 * beta[k] * 2.0 * delta))  # logistic, no overflow
                spin[k, i] = 1.0 if u[k, sweep, i] < p_a else -1.0
                prob_b[k, i] = 1.0 - p_a


def step(state: State, params: Params, drivers: Mapping, month: int, rng: MemberRNG):
    m, n = state.spin.shape
    p = _drift(state.propensity, params, drivers)
    size = np.asarray(params.size, float)
    coupling = p * size[:, :, None]
    coupling *= size[:, None, :]
    beta = np.broadcast_to(np.asarray(params.beta, float), (m,))
    free = np.asarray(params.anchor) == 0
    u = np.zeros((m, params.sweeps, n))
    players = np.nonzero(free)[0]  # one keyed stream per actor: adding a player changes no draw
    keys = [f"alignment/{month}/{params.actors[i]}" for i in players]
    u[:, :, players] = np.moveaxis(rng.uniform_many(keys, params.sweeps), 0, 2)
    spin = state.spin.copy()
    prob_b = state.alignment.copy()
    _heat_bath(np.ascontiguousarray(np.broadcast_to(coupling, (m, n, n))), spin, prob_b, beta,
               players, u)  # fmt: skip
    sign, balance = state.sign, state.balance
    if params.ctd_updates:
        sign, balance = sign.copy(), balance.copy()
        uc = rng.uniform(f"alignment/{month}/ctd", (params.ctd_updates, 2))
        per_triad = 6.0 / (n * (n - 1) * (n - 2))
        for k in range(params.ctd_updates):
            sign, change = ctd_update(sign, uc[:, k, 0], uc[:, k, 1])
            balance = balance - change * per_triad
    field = (coupling @ spin[:, :, None])[:, :, 0]
    e = (coupling.sum(axis=(1, 2)) - (spin * field).sum(axis=1)) / 2
    new = State(spin, p, sign, prob_b, balance)
    return new, Outputs(prob_b, spin, e, balance)
