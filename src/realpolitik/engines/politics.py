"""Leadership and a security council.

**Leader exit** (for each office o with a leadership model): two competing discrete-time risks a
month,

    logit h_army  = logit h0_coup + ln ρ_cp + β_ties·(ties − ties_ref) + β_col·collapse
    logit h_other = logit h0_exit            + β_col·collapse

``h0_coup`` is a reference-class coup rate (Powell & Thyne 2011, *JPR* 48(2): successful coups per
country-month), ``h0_exit`` a leader-exit rate for the other routes (Goemans, Gleditsch & Chiozza 2009,
*JPR* 46(2), Archigos: exits per leader-month in the reference class), both (k + ½)/E. ``ρ_cp ≤ 1``
is the odds factor of coup-proofing (Quinlivan 1999, *International Security* 24(2): communal
loyalty, parallel militaries and competing security services make coups rarer). ``ties`` is the army
command's ties with the patron (0–1, input ``ties``) and ``collapse = max(0, T(t−L) − T(t))`` the
faction's loss of territory over the last ``L`` months (percentage points, input ``territory``). One
uniform ``u`` (keyed ``politics/{month}/{office}``) decides: ``u < h_army`` → the army command takes
over (``successor_army``; ``exit_route`` 1, which decides the office's transition issue);
``h_army ≤ u < h_army + (1 − h_army)·h_other`` → another exit (``successor_other``, route 2). Exit is
absorbing (successors are not modelled). Input ``appoint`` (M, O) ≥ 0 puts that actor in office (an
event); appointing ``successor_army`` counts as the army route.

**The council**: drafts of type ``k`` are tabled as a Poisson process,
``λ_k = λ0_k·exp(γ_k·(e − e_ref))``, ``λ0_k = (k + ½)/E`` from the record of drafts, ``e`` an
escalation input. A draft's content on the 0–100 scale of pressure on the target government is its
sponsor's position moved a fraction ω_k toward the permanent member farthest from it (the veto
pivot; Krehbiel 1998, *Pivotal Politics*). Voters are the P permanent members, one elected member
holding a seat over months [from, to) (the *seat*), and the other elected members, who vote alike
(the *group*, ``elected_seats`` − 1 of them while the seat is held, else ``elected_seats``). Each
voter ``j`` compares the draft ``c`` with the status quo ``q`` under quadratic spatial utility with
logistic errors (ordered logit, yes / abstain / no; Enelow & Hinich 1984; Poole & Rosenthal 1985):

    d_j = [(q − p_j)² − (c − p_j)²] / 100² + α_j·(1 − 2|a_j − a_sponsor|)
    P(yes) = σ(β d_j − τ),  P(no) = σ(−β d_j − τ)

with ``a`` the voters' alignment (input ``voter_alignment``, 0 = with the US … 1 = with Russia) and
``α_j`` its weight. A permanent member's no is a veto; a draft is adopted when no permanent member
votes no and at least 9 of the 15 vote yes. Drafts and votes draw from streams keyed by the draft
type (and voter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import special

from . import MEMBER

ARMY, OTHER = 1, 2  # exit routes (0: in office)


def _member():
    return field(metadata=MEMBER)


@dataclass(frozen=True)
class LeaderParams:
    """Per member and office (M, O) unless noted; rates are monthly probabilities."""

    offices: tuple[str, ...]  # (O,)
    incumbent: np.ndarray  # (O,) actor index of the holder at as_of
    successor_army: np.ndarray  # (O,) actor index after an army-command exit
    successor_other: np.ndarray  # (O,) actor index after any other exit
    coup_base: np.ndarray = _member()  # h0_coup
    exit_base: np.ndarray = _member()  # h0_exit
    coup_proof_odds: np.ndarray = _member()  # ρ_cp in (0, 1]
    beta_ties: np.ndarray = _member()  # log-odds per unit of army ties (0–1)
    beta_collapse: np.ndarray = _member()  # log-odds per point of territory lost over `lag`
    ties_ref: np.ndarray = _member()  # ties at as_of (base scenario)
    territory_ref: np.ndarray = _member()  # territory at as_of (percent)
    lag: int = 6

    def __post_init__(self):
        for name in ("coup_base", "exit_base"):
            v = np.asarray(getattr(self, name))
            if np.any((v <= 0) | (v >= 1)):
                raise ValueError(f"{name} must lie in (0, 1)")
        if np.any(np.asarray(self.coup_proof_odds) <= 0) or self.lag < 1:
            raise ValueError("coup_proof_odds must be > 0 and lag >= 1")


@dataclass(frozen=True)
class CouncilParams:
    """K draft types; V = P + 2 voters: the P permanent members, the seat, the elected group."""

    types: tuple[str, ...]  # (K,)
    voters: tuple[str, ...]  # (V,) labels
    n_permanent: int  # P
    sponsor: np.ndarray  # (K,) int voter index
    draft_rate: np.ndarray = _member()  # (M, K) λ0 per month
    escalation_coef: np.ndarray = _member()  # (M, K) γ
    escalation_ref: np.ndarray = _member()  # (M,) e at as_of (base scenario)
    compromise: np.ndarray = _member()  # (M, K) ω in [0, 1]
    position: np.ndarray = _member()  # (M, V) ideal points 0–100
    alignment_weight: np.ndarray = _member()  # (M, V) α
    precision: np.ndarray = _member()  # (M,) β
    abstain: np.ndarray = _member()  # (M,) τ >= 0
    status_quo: np.ndarray = _member()  # (M,) q, 0–100
    seat_from: np.ndarray = _member()  # (M,) int: months [from, to) the seat is held
    seat_to: np.ndarray = _member()  # (M,) int (to <= from: never)
    elected_seats: int = 10
    max_drafts: int = 4  # per type per month (P(N > 4) < 1e-3 for λ <= 0.5)

    @property
    def seat(self) -> int:
        return self.n_permanent


@dataclass(frozen=True)
class Params:
    leader: LeaderParams
    council: CouncilParams

    @property
    def offices(self) -> tuple[str, ...]:
        return self.leader.offices

    @property
    def draft_types(self) -> tuple[str, ...]:
        return self.council.types

    @property
    def voters(self) -> tuple[str, ...]:
        return self.council.voters


@dataclass
class State:
    holder: np.ndarray  # (M, O) int actor index
    exit_route: np.ndarray  # (M, O) int 0 in office, 1 army, 2 other
    territory_hist: np.ndarray  # (M, O, lag) territory, oldest first
    vetoes: np.ndarray  # (M, V) int cumulative vetoes cast since the start


@dataclass(frozen=True)
class Outputs:
    office_holder: np.ndarray  # (M, O) int actor index
    exit_prob: np.ndarray  # (M, O) the holder's exit probability this month (0 once gone)
    exit_route: np.ndarray  # (M, O) int 0 in office, 1 army, 2 other
    drafts: np.ndarray  # (M, K) int drafts tabled this month
    adopted: np.ndarray  # (M, K) int drafts adopted
    vetoed: np.ndarray  # (M, K, V) int drafts each permanent member vetoed this month
    yes: np.ndarray  # (M, K, V) int yes votes on tabled drafts (the group counts once)
    p_no: np.ndarray  # (M, K, V) P(no) on each type's draft
    vetoes: np.ndarray  # (M, V) int cumulative vetoes since the start

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "office_holder": ("office",),
        "exit_prob": ("office",),
        "exit_route": ("office",),
        "drafts": ("draft_type",),
        "adopted": ("draft_type",),
        "vetoed": ("draft_type", "voter"),
        "yes": ("draft_type", "voter"),
        "p_no": ("draft_type", "voter"),
        "vetoes": ("voter",),
    }


def init_state(params: Params, n_members: int) -> State:
    lp = params.leader
    hist = np.broadcast_to(
        np.asarray(lp.territory_ref, float)[..., None], (n_members, len(lp.offices), lp.lag)
    ).copy()
    return State(
        holder=np.broadcast_to(lp.incumbent, (n_members, len(lp.offices))).astype(np.int64),
        exit_route=np.zeros((n_members, len(lp.offices)), np.int64),
        territory_hist=hist,
        vetoes=np.zeros((n_members, len(params.council.voters)), np.int64),
    )


def exit_hazards(lp: LeaderParams, ties, collapse):
    """(h_army, h_other), each (M, O)."""
    shift = lp.beta_collapse * collapse
    h_army = special.expit(
        special.logit(lp.coup_base)
        + np.log(lp.coup_proof_odds)
        + lp.beta_ties * (ties - lp.ties_ref)
        + shift
    )
    h_other = special.expit(special.logit(lp.exit_base) + shift)
    return h_army, h_other


def _leader_step(state: State, lp: LeaderParams, drivers, month, rng):
    shape = state.holder.shape
    terr = np.broadcast_to(np.asarray(drivers.get("territory", lp.territory_ref), float), shape)
    ties = np.broadcast_to(np.asarray(drivers.get("ties", lp.ties_ref), float), shape)
    collapse = np.maximum(0.0, state.territory_hist[..., 0] - terr)
    h_army, h_other = exit_hazards(lp, ties, collapse)
    u = rng.uniform_many([f"politics/{month}/{o}" for o in lp.offices]).T
    sitting = state.exit_route == 0
    army = sitting & (u < h_army)
    other = sitting & ~army & (u < h_army + (1 - h_army) * h_other)
    route = np.where(army, ARMY, np.where(other, OTHER, state.exit_route))
    holder = np.where(army, lp.successor_army, np.where(other, lp.successor_other, state.holder))
    appoint = np.broadcast_to(np.asarray(drivers.get("appoint", -1), np.int64), shape)
    named = appoint >= 0
    holder = np.where(named, appoint, holder)
    route = np.where(named, np.where(appoint == lp.successor_army, ARMY, OTHER), route)
    hist = np.concatenate([state.territory_hist[..., 1:], terr[..., None]], axis=-1)
    exit_prob = np.where(sitting, h_army + (1 - h_army) * h_other, 0.0)
    return holder, route, hist, exit_prob


def draft_content(cp: CouncilParams) -> np.ndarray:
    """(M, K) content of each type's draft: sponsor moved ω toward the farthest permanent member."""
    pos = cp.position
    ps = pos[:, cp.sponsor]  # (M, K)
    perm = pos[:, : cp.n_permanent]
    lo, hi = perm.min(1, keepdims=True), perm.max(1, keepdims=True)
    far = np.where(np.abs(lo - ps) >= np.abs(hi - ps), lo, hi)
    return ps + cp.compromise * (far - ps)


def vote_probabilities(cp: CouncilParams, content, alignment):
    """(P(yes), P(no)), each (M, K, V): ordered-logit spatial votes."""
    p = cp.position[:, None, :]
    q = cp.status_quo[:, None, None]
    c = content[:, :, None]
    d = ((q - p) ** 2 - (c - p) ** 2) / 100.0**2
    a_s = np.take_along_axis(
        alignment, np.broadcast_to(cp.sponsor, (alignment.shape[0], len(cp.sponsor))), 1
    )
    d = d + cp.alignment_weight[:, None, :] * (
        1 - 2 * np.abs(alignment[:, None, :] - a_s[:, :, None])
    )
    z = cp.precision[:, None, None] * d
    tau = cp.abstain[:, None, None]
    return special.expit(z - tau), special.expit(-z - tau)


def poisson_ppf(u: np.ndarray, lam: np.ndarray, cap: int) -> np.ndarray:
    """min(F⁻¹(u), cap) for Poisson(λ): the number of k < cap with CDF(k) < u (inverse CDF)."""
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    k = np.zeros(np.shape(u))
    for j in range(1, cap + 1):
        k += u > cdf
        pmf = pmf * lam / j
        cdf += pmf
    return k


def _council_step(state: State, cp: CouncilParams, drivers, month, rng):
    n = state.holder.shape[0]
    K, V, P, D = len(cp.types), len(cp.voters), cp.n_permanent, cp.max_drafts
    e = np.broadcast_to(np.asarray(drivers.get("escalation", cp.escalation_ref), float), (n,))
    lam = cp.draft_rate * np.exp(cp.escalation_coef * (e - cp.escalation_ref)[:, None])
    u_drafts = rng.uniform_many([f"politics/{month}/{t}" for t in cp.types]).T
    n_drafts = poisson_ppf(u_drafts, lam, D)
    alignment = np.broadcast_to(
        np.asarray(drivers.get("voter_alignment", np.full(V, 0.5)), float), (n, V)
    )
    p_yes, p_no = vote_probabilities(cp, draft_content(cp), alignment)
    seated = ((cp.seat_from <= month) & (month < cp.seat_to))[:, None, None]
    # uniforms (M, K, D, V + group - 1): one stream per (type, voter); the group's members share one
    u = np.empty((n, K, D, V - 1 + cp.elected_seats))
    keys = [f"politics/{month}/{t}/{v}" for t in cp.types for v in cp.voters[:-1]]
    u[..., : V - 1] = np.moveaxis(rng.uniform_many(keys, D).reshape(K, V - 1, n, D), (0, 1), (1, 3))
    group = rng.uniform_many([f"politics/{month}/{t}/{cp.voters[-1]}" for t in cp.types],
                             (D, cp.elected_seats))  # fmt: skip
    u[..., V - 1 :] = np.moveaxis(group, 0, 1)
    tabled = np.arange(D)[None, None, :] < n_drafts[:, :, None]  # (M, K, D)
    py, pn = p_yes[:, :, None, :], p_no[:, :, None, :]
    uv, ug = u[..., : V - 1], u[..., V - 1 :]
    no = (uv[..., :P] < pn[..., :P]) & tabled[..., None]  # permanent members' noes (vetoes)
    yes_v = (uv > 1 - py[..., : V - 1]) & tabled[..., None]
    yes_v[..., P] &= seated
    group = np.arange(cp.elected_seats)[None, None, None, :] < cp.elected_seats - seated[..., None]
    yes_g = ((ug > 1 - py[..., V - 1 :]) & group).sum(-1) * tabled
    n_yes = yes_v.sum(-1) + yes_g
    adopted = ~no.any(-1) & (n_yes >= 9) & tabled
    vetoed = np.zeros((n, K, V), np.int64)
    vetoed[..., :P] = no.sum(2)
    yes = np.concatenate([yes_v.sum(2), (yes_g > 0).sum(2)[..., None]], axis=-1)
    vetoes = state.vetoes + vetoed.sum(1)
    return vetoes, {
        "drafts": n_drafts.astype(np.int64),
        "adopted": adopted.sum(2),
        "vetoed": vetoed,
        "yes": yes.astype(np.int64),
        "p_no": p_no,
        "vetoes": vetoes,
    }


def step(state: State, params: Params, drivers: Mapping[str, np.ndarray], month, rng):
    """Inputs (optional; as_of values otherwise): ``territory`` (M, O) percent, ``ties`` (M, O)
    0–1, ``appoint`` (M, O) actor index or −1, ``escalation`` (M,), ``voter_alignment`` (M, V)."""
    holder, route, hist, exit_prob = _leader_step(state, params.leader, drivers, month, rng)
    vetoes, council = _council_step(state, params.council, drivers, month, rng)
    new = State(holder=holder, exit_route=route, territory_hist=hist, vetoes=vetoes)
    return new, Outputs(office_holder=holder, exit_prob=exit_prob, exit_route=route, **council)
