"""Leadership and the UN Security Council.

**Leader exit** (office ``syria-president``): two competing discrete-time risks each month,

    logit h_army  = logit h0_coup + ln ρ_cp + β_ties·(ties − ties_as_of) + β_col·collapse
    logit h_other = logit h0_exit            + β_col·collapse

``h0_coup`` is a reference-class coup rate (Powell & Thyne 2011, *JPR* 48(2): successful coups per
country-month), ``h0_exit`` a leader-exit rate for the other routes (Goemans, Gleditsch & Chiozza 2009,
*JPR* 46(2), Archigos: exits per leader-month in the reference class), both (k + ½)/E. ``ρ_cp ≤ 1``
is the odds factor of coup-proofing (Quinlivan 1999, *International Security* 24(2): communal
loyalty, parallel militaries and competing security services make coups rarer). ``ties`` is the army
command's ties with Russia (0–1) and ``collapse = max(0, T(t−L) − T(t))`` the regime's loss of
territory over the last ``L`` months (percentage points). One uniform ``u`` decides: ``u < h_army``
→ the army command takes over (successor ``successor_army``; flags the settlement of
``negotiated-transition-replacing-assad``); ``h_army ≤ u < h_army + (1 − h_army)·h_other`` →
another exit (successor ``successor_other``). Exit is absorbing (successors are not modelled).

**Security Council**: drafts of type ``k`` are tabled as a Poisson process,
``λ_k = λ0_k·exp(γ_k·(e − e_as_of))``, ``λ0_k = (k + ½)/E`` from the record of drafts on Syria
(data/unsc/), ``e`` an escalation driver. A draft's content on the 0–100 scale of pressure on the
Syrian government is its sponsor's position moved a fraction ω_k toward the Permanent member farthest
from it (the veto pivot; Krehbiel 1998, *Pivotal Politics*). Each voter ``j`` (P5, Egypt while it
holds an elected seat, and the other elected members at a common position) compares the draft ``c``
with the status quo ``q`` under quadratic spatial utility with logistic errors (ordered logit, yes /
abstain / no; Enelow & Hinich 1984; Poole & Rosenthal 1985):

    d_j = [(q − p_j)² − (c − p_j)²] / 100² + α_j·(1 − 2|a_j − a_sponsor|)
    P(yes) = σ(β d_j − τ),  P(no) = σ(−β d_j − τ)

with ``a`` alignment (0 = with the US … 1 = with Russia) and ``α_j`` its weight. A Permanent member's
no is a veto; a draft is adopted when no Permanent member votes no and at least 9 of 15 vote yes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special, stats

P5 = ("china", "france", "russia", "uk", "usa")
RUSSIA = P5.index("russia")
N_ELECTED = 10
SERIES = ("russia-unsc-vetoes-on-syria",)  # cumulative Russian vetoes on Syria since the start
EVENTS = (  # per month, bool
    "unsc-veto-on-syria",  # Russia vetoed a draft on Syria
    "adopt-syria-roadmap-resolution",  # the Council adopted a draft of the roadmap type
    "vote-for-russian-unsc-draft-on-syria",  # seated Egypt voted yes on a Russian draft
)


@dataclass(frozen=True)
class LeaderParams:
    """Per member (M,) unless noted; rates are monthly probabilities."""

    coup_base: np.ndarray  # h0_coup
    exit_base: np.ndarray  # h0_exit
    coup_proof_odds: np.ndarray  # ρ_cp in (0, 1]
    beta_ties: np.ndarray  # log-odds per unit of army–Russia ties (0–1)
    beta_collapse: np.ndarray  # log-odds per percentage point of territory lost over `lag` months
    ties_ref: np.ndarray  # ties at as_of
    territory_ref: np.ndarray  # regime territory at as_of (percent of Syria)
    incumbent: int  # actor index of the holder at as_of
    successor_army: int  # actor index after an army-command exit
    successor_other: int  # actor index after any other exit
    lag: int = 6
    office: str = "syria-president"

    def __post_init__(self):
        for name in ("coup_base", "exit_base"):
            v = np.asarray(getattr(self, name))
            if np.any((v <= 0) | (v >= 1)):
                raise ValueError(f"{name} must lie in (0, 1)")
        if np.any(np.asarray(self.coup_proof_odds) <= 0) or self.lag < 1:
            raise ValueError("coup_proof_odds must be > 0 and lag >= 1")


@dataclass(frozen=True)
class CouncilParams:
    """K draft types, V = 5 + 1 + 1 voter groups (P5, Egypt, other elected members)."""

    types: tuple[str, ...]  # (K,) e.g. coercive, political, humanitarian, chemical
    sponsor: np.ndarray  # (K,) int voter index (0–4 P5, 5 Egypt, 6 elected)
    draft_rate: np.ndarray  # (M, K) λ0 per month
    escalation_coef: np.ndarray  # (M, K) γ
    escalation_ref: np.ndarray  # (M,) e at as_of
    compromise: np.ndarray  # (M, K) ω in [0, 1]
    position: np.ndarray  # (M, 7) ideal points 0–100 (P5, Egypt, elected)
    alignment_weight: np.ndarray  # (M, 7) α
    precision: np.ndarray  # (M,) β
    abstain: np.ndarray  # (M,) τ >= 0
    status_quo: np.ndarray  # (M,) q, 0–100
    egypt_seat_from: np.ndarray  # (M,) int: months [from, to) Egypt holds an elected seat
    egypt_seat_to: np.ndarray  # (M,) int (to <= from: never)
    roadmap_type: int  # index of the type whose adoption is `adopt-syria-roadmap-resolution`
    russian_type: int  # index of the type sponsored by Russia (Egypt's vote question)
    max_drafts: int = 4  # per type per month (P(N > 4) < 1e-3 for λ <= 0.5)


@dataclass(frozen=True)
class Params:
    leader: LeaderParams
    council: CouncilParams
    series_ids: ClassVar[tuple[str, ...]] = SERIES
    events: ClassVar[tuple[str, ...]] = EVENTS

    @property
    def offices(self) -> tuple[str, ...]:
        return (self.leader.office,)

    @property
    def draft_types(self) -> tuple[str, ...]:
        return self.council.types


@dataclass
class State:
    holder: np.ndarray  # (M,) int actor index of syria-president
    exit_route: np.ndarray  # (M,) int 0 = in office, 1 = army command, 2 = other
    territory_hist: np.ndarray  # (M, lag) regime territory, oldest first
    vetoes: np.ndarray  # (M,) int cumulative Russian vetoes on Syria since the start


@dataclass(frozen=True)
class Outputs:
    office_holder: np.ndarray  # (M, 1) int actor index
    exit_prob: np.ndarray  # (M, 1) the holder's exit probability this month (0 once gone)
    army_exit: np.ndarray  # (M, 1) bool: the army command took over this month
    transition_settled: np.ndarray  # (M,) bool: the holder left by the army-command route
    drafts: np.ndarray  # (M, K) int drafts tabled this month
    vetoes: np.ndarray  # (M, K) int drafts vetoed by a Permanent member
    adopted: np.ndarray  # (M, K) int drafts adopted
    russia_vetoes_month: np.ndarray  # (M,) int Russian vetoes this month
    p_russia_no: np.ndarray  # (M, K) P(Russia votes no) on each type's draft
    series: np.ndarray  # (M, len(SERIES)) int
    events: np.ndarray  # (M, len(EVENTS)) bool

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "office_holder": ("office",),
        "exit_prob": ("office",),
        "army_exit": ("office",),
        "transition_settled": (),
        "drafts": ("draft_type",),
        "vetoes": ("draft_type",),
        "adopted": ("draft_type",),
        "russia_vetoes_month": (),
        "p_russia_no": ("draft_type",),
        "series": ("series_id",),
        "events": ("event",),
    }


def init_state(params: Params, n_members: int) -> State:
    lp = params.leader
    hist = np.broadcast_to(np.asarray(lp.territory_ref, float)[:, None], (n_members, lp.lag)).copy()
    return State(
        holder=np.full(n_members, lp.incumbent, np.int64),
        exit_route=np.zeros(n_members, np.int64),
        territory_hist=hist,
        vetoes=np.zeros(n_members, np.int64),
    )


def exit_hazards(lp: LeaderParams, ties, collapse):
    """(h_army, h_other), each (M,)."""
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
    n = state.holder.shape[0]
    terr = np.broadcast_to(
        np.asarray(drivers.get("regime-territory", lp.territory_ref), float), (n,)
    )
    ties = np.broadcast_to(np.asarray(drivers.get("army-russia-ties", lp.ties_ref), float), (n,))
    collapse = np.maximum(0.0, state.territory_hist[:, 0] - terr)
    h_army, h_other = exit_hazards(lp, ties, collapse)
    u = rng.uniform(f"politics/{month}/leader-exit")
    sitting = state.exit_route == 0
    army = sitting & (u < h_army)
    other = sitting & ~army & (u < h_army + (1 - h_army) * h_other)
    route = np.where(army, 1, np.where(other, 2, state.exit_route))
    holder = np.where(army, lp.successor_army, np.where(other, lp.successor_other, state.holder))
    hist = np.concatenate([state.territory_hist[:, 1:], terr[:, None]], axis=1)
    out = {
        "office_holder": holder[:, None],
        "exit_prob": np.where(sitting, h_army + (1 - h_army) * h_other, 0.0)[:, None],
        "army_exit": army[:, None],
        "transition_settled": route == 1,
    }
    return holder, route, hist, out


def draft_content(cp: CouncilParams) -> np.ndarray:
    """(M, K) content of each type's draft: sponsor moved ω toward the farthest Permanent member."""
    pos = cp.position
    ps = pos[:, cp.sponsor]  # (M, K)
    p5 = pos[:, :5]
    far = np.where(
        np.abs(p5.min(1, keepdims=True) - ps) >= np.abs(p5.max(1, keepdims=True) - ps),
        p5.min(1, keepdims=True),
        p5.max(1, keepdims=True),
    )
    return ps + cp.compromise * (far - ps)


def vote_probabilities(cp: CouncilParams, content, alignment):
    """(P(yes), P(no)), each (M, K, 7): ordered-logit spatial votes."""
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


def _council_step(state: State, cp: CouncilParams, drivers, month, rng):
    n = state.holder.shape[0]
    m, k = cp.draft_rate.shape
    e = np.broadcast_to(np.asarray(drivers.get("escalation", cp.escalation_ref), float), (n,))
    lam = cp.draft_rate * np.exp(cp.escalation_coef * (e - cp.escalation_ref)[:, None])
    n_drafts = np.minimum(
        stats.poisson.ppf(rng.uniform(f"politics/{month}/unsc-drafts", k), lam), cp.max_drafts
    )
    alignment = np.broadcast_to(
        np.asarray(drivers.get("unsc-alignment", np.full(7, 0.5)), float), (n, 7)
    )
    p_yes, p_no = vote_probabilities(cp, draft_content(cp), alignment)
    egypt_on = ((cp.egypt_seat_from <= month) & (month < cp.egypt_seat_to))[:, None, None]
    # voters: P5, Egypt (if seated), and N_ELECTED − egypt_on other elected members
    u = rng.uniform(f"politics/{month}/unsc-votes", (k, cp.max_drafts, 6 + N_ELECTED))
    tabled = np.arange(cp.max_drafts)[None, None, :] < n_drafts[:, :, None]  # (M, K, D)
    py, pn = p_yes[:, :, None, :], p_no[:, :, None, :]
    u5, ue, uo = u[..., :5], u[..., 5], u[..., 6:]
    no5 = u5 < pn[..., :5]
    yes5 = u5 > 1 - py[..., :5]
    yes_e = (ue > 1 - py[..., 5]) & egypt_on
    seat = np.arange(N_ELECTED)[None, None, None, :] < N_ELECTED - egypt_on[..., None]
    yes_o = ((uo > 1 - py[..., 6:7]) & seat).sum(-1)
    yes = yes5.sum(-1) + yes_e + yes_o
    veto = no5.any(-1) & tabled
    adopted = ~no5.any(-1) & (yes >= 9) & tabled
    russia_vetoes = (no5[..., RUSSIA] & tabled).sum((1, 2))
    vetoes = state.vetoes + russia_vetoes
    r = cp.russian_type
    out = {
        "drafts": n_drafts.astype(np.int64),
        "vetoes": veto.sum(2),
        "adopted": adopted.sum(2),
        "russia_vetoes_month": russia_vetoes,
        "p_russia_no": p_no[:, :, RUSSIA],
        "series": vetoes[:, None],
        "events": np.stack(
            [
                russia_vetoes > 0,
                adopted[:, cp.roadmap_type].any(1),
                (yes_e[:, r] & tabled[:, r]).any(1),
            ],
            axis=1,
        ),
    }
    return vetoes, out


def step(state: State, params: Params, drivers: Mapping[str, np.ndarray], month, rng):
    """Drivers (optional, as_of values otherwise): ``regime-territory`` (M,) percent of Syria,
    ``army-russia-ties`` (M,) 0–1, ``escalation`` (M,), ``unsc-alignment`` (M, 7)."""
    holder, route, hist, out_l = _leader_step(state, params.leader, drivers, month, rng)
    vetoes, out_c = _council_step(state, params.council, drivers, month, rng)
    new = State(holder=holder, exit_route=route, territory_hist=hist, vetoes=vetoes)
    return new, Outputs(**out_l, **out_c)
