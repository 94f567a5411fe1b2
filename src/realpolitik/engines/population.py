"""Displacement stocks and flows, and conflict deaths.

Stocks (persons, int64, so people are conserved exactly): ``resident`` (in Syria, not displaced),
``idp``, ``registered`` and ``unregistered`` refugees in the neighbouring countries, ``europe``
(Syrians who crossed the Mediterranean) and ``dead`` (the SOHR-style cumulative toll). Monthly flows,
each rounded to whole persons and clipped to its source stock:

    displaced  = δ·F·resident                       resident → idp
    returned   = (r + r_c·q(F))·idp                 idp → resident
    fled       = x·F·b·A(region)·idp                idp → region (ρ registered, 1 − ρ not)
    registered = κ·unregistered                     unregistered → registered
    onward     = o·(π/π*)^β·s(m)·φ·region            region → europe (by sea)
    civilians  = c·F·(resident + idp);  combatants = ω·k·L   resident → dead

``F`` is the geographic scope of fighting in populated regions: the population share of regions with
fighting that month (Melander & Öberg 2007, *Civil Wars* 9(2): the scope of fighting, not its
intensity, drives the magnitude of forced migration); see :func:`fighting_scope`. ``b`` is border
openness, ``A`` host absorption (below), ``ρ``/``κ`` registration, both cut by the share ``s_L`` of new
refugees going to Lebanon once Lebanon stops UNHCR registration (May 2015): registration decides who
is counted, ``A`` who crosses. ``s(m) = 1 + a·cos(2π(m − m_peak)/12)`` is sea-crossing
seasonality, ``φ`` the input ``onward_factor`` (1 unless an act such as a returns deal changes the
crossings). ``L`` are the fighters lost that month (input ``combat_losses``: removed from the fight,
killed, disabled, captured or fallen with a garrison), ``k`` the share of them killed, ``ω`` the share
of the killed that SOHR documents.

The migrant network (:func:`network_multiplier`). Onward movement rises with the diaspora already
at the destination (cumulative causation: Massey et al. 1993, *Population and Development Review*
19(3): 431–466). The network is measured by the migration prevalence ratio ``π = europe / (europe +
region)``, the share of the refugees outside Syria who are already in Europe (the community-level
network measure of Massey & Espinosa 1997, *American Journal of Sociology* 102(4): 939–999), and
enters with a constant elasticity ``β`` — the log-linear diaspora term of gravity models of
bilateral migration (Beine, Docquier & Özden 2011, *Journal of Development Economics* 95(1): 30–41:
log flows on log diaspora; in a cross-section with origin fixed effects, the elasticity on the
diaspora in persons and on the diaspora as a share of the origin's population is one coefficient).
``π*`` is a reference prevalence, so ``o`` is the monthly onward rate per refugee in the region when
``π = π*``.

For 0 ≤ β ≤ 1 the term is monotone and concave in ``π``, and bounded: the per-refugee rate never
exceeds ``o·(1/π*)^β·s·φ`` however large Europe's stock grows, and Europe's proportional growth
``onward/europe`` falls as Europe grows (to 0 as europe/region → ∞), so the network cannot drive
exponential growth. (The term it replaces, ``o·(1 + η·europe/region)``, gave ``onward ≈ o·η·europe``
once the network dominated: exponential growth at ``o·η`` a month, until the region emptied.)

Host absorption (:func:`absorption`). The neighbouring states admit refugees while their
communities can absorb them and close their borders as the stock on their soil grows: Jacobsen
(1996, "Factors Influencing the Policy Responses of Host Governments to Mass Refugee Influxes",
*International Migration Review* 30(3): 655–678) lists "political calculations about the local
community's absorption capacity" among the factors of a host government's response. No published
model gives the stock at which a host closes, so the form and its values are a declared judgement
(the scenario's ``j-host-capacity``). The engine keeps one refugee stock for the region,
``S = registered + unregistered`` at the start of the month, and lets the doors still open narrow
linearly as it grows:

    A(S) = clip((K − S) / (K − S₀), 0, 1)

1 up to the onset ``S₀``, 0 from the capacity ``K`` on, non-increasing in between (a step at ``K``
if ``K ≤ S₀``; 1 everywhere if ``K = ∞``). The doors as they stood when ``x`` was fitted (Lebanon
and Jordan restricting entry in 2013–15, Turkey open) are inside ``x``, so ``S₀`` is the region's
stock at the cut-off and the fit is unchanged; ``K`` adds to the stock of the hosts that had closed
the room left in the one still open: its population times the refugees per inhabitant at which a
neighbour closed (UNHCR, Global Trends 2014: Jordan 87 and Lebanon 232 per 1,000 at end-2014).
Refugees who cannot cross stay displaced inside Syria; onward movement to Europe frees room.

Returns (:func:`calm_share`). The displaced go home where the fighting has stopped:
``q(F) = (1 − F/F₀)_+`` is the share of them whose home governorate no longer sees fighting, if they
came from the governorates fighting at ``F₀`` (the fighting scope at as_of) in proportion to their
population and the fighting recedes from whole governorates; ``r_c`` is the monthly return rate of
those (a declared judgement from the returns to Kobani and Tal Abyad in 2015, the scenario's
``j-returns-calm``). ``q`` is 0 at and above ``F₀`` — no returns at the as_of scope, as none were
observed before the cut-off, so the fit is unchanged — and rises to 1 as the fighting stops
everywhere; ``r`` is a constant rate (0 in the fit). Returnees are residents again, displaced again
if the fighting comes back.

Measures (output ``measures``, in :data:`MEASURES` order): ``registered-region`` = registered;
``worldwide`` = registered + europe + abroad_other (persons outside the region and Europe);
``sea-arrivals`` = onward / (1 − non-Syrian share) (a monthly flow); ``deaths`` = dead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from . import MEMBER

STOCKS = ("resident", "idp", "registered", "unregistered", "europe", "dead")
MEASURES = ("registered-region", "worldwide", "sea-arrivals", "deaths")
MEASURE_KINDS = ("stock", "stock", "flow", "stock")
FLOWS = (
    "displaced",
    "returned",
    "fled",
    "onward",
    "civilian_deaths",
    "combat_deaths",
    "registered_catch_up",
)


@dataclass(frozen=True)
class Params:
    """Rates per month, each (M,)."""

    start_month_of_year: int  # calendar month (1–12) of step 0
    lebanon_closed_from: int  # step index from which Lebanon registers no one

    displace: np.ndarray = field(metadata=MEMBER)  # δ
    return_rate: np.ndarray = field(metadata=MEMBER)  # r
    flee: np.ndarray = field(metadata=MEMBER)  # x
    border_open: np.ndarray = field(metadata=MEMBER)  # b, 0–1
    host_onset: np.ndarray = field(metadata=MEMBER)  # S₀, persons in the region: A = 1 up to it
    host_capacity: np.ndarray = field(metadata=MEMBER)  # K, persons in the region: A = 0 from it
    return_calm: np.ndarray = field(metadata=MEMBER)  # r_c, of the IDPs whose home is calm
    scope_ref: np.ndarray = field(metadata=MEMBER)  # F₀, the fighting scope with no returns
    registration: np.ndarray = field(
        metadata=MEMBER
    )  # ρ, share of new refugees registered on arrival
    catch_up: np.ndarray = field(metadata=MEMBER)  # κ, monthly registration of the unregistered
    lebanon_share: np.ndarray = field(
        metadata=MEMBER
    )  # s_L, share of new refugees going to Lebanon
    onward: np.ndarray = field(metadata=MEMBER)  # o, per refugee in the region when π = π*
    network_elasticity: np.ndarray = field(metadata=MEMBER)  # β, 0–1
    prevalence_ref: np.ndarray = field(metadata=MEMBER)  # π*, 0–1 (exclusive of 0)
    season_amplitude: np.ndarray = field(metadata=MEMBER)  # a
    civilian_rate: np.ndarray = field(metadata=MEMBER)  # c, deaths per person per unit F
    sohr_coverage: np.ndarray = field(metadata=MEMBER)  # ω
    killed_share: np.ndarray = field(metadata=MEMBER)  # k, of the fighters lost, 0–1
    non_syrian_share: np.ndarray = field(metadata=MEMBER)  # of Mediterranean sea arrivals, 0–1
    abroad_other: np.ndarray = field(
        metadata=MEMBER
    )  # persons, refugees outside the region and Europe
    initial: np.ndarray = field(metadata=MEMBER)  # (M, 6) int64 initial stocks in STOCKS order
    season_peak: int = 8  # calendar month of the sea-crossing peak
    stocks: ClassVar[tuple[str, ...]] = STOCKS
    measures: ClassVar[tuple[str, ...]] = MEASURES
    flows: ClassVar[tuple[str, ...]] = FLOWS


@dataclass
class State:
    stocks: np.ndarray  # (M, 6) int64


@dataclass(frozen=True)
class Outputs:
    stocks: np.ndarray  # (M, 6) int64 at month end, STOCKS order
    measures: np.ndarray  # (M, 4) float, MEASURES order
    flows: np.ndarray  # (M, 7) int64 persons this month, FLOWS order

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "stocks": ("stock",),
        "measures": ("measure",),
        "flows": ("flow",),
    }


def init_state(params: Params, n_members: int) -> State:
    init = np.asarray(params.initial, np.int64)
    if init.shape != (n_members, len(STOCKS)) or np.any(init < 0):
        raise ValueError(f"initial stocks must be non-negative, shape ({n_members}, {len(STOCKS)})")
    return State(stocks=init.copy())


def network_multiplier(europe, region, elasticity, ref):
    """``(π/π*)^β`` with ``π = europe / (europe + region)`` (0 when both are 0), elementwise."""
    europe = np.asarray(europe, float)
    total = europe + np.asarray(region, float)
    prevalence = np.divide(
        europe, total, out=np.zeros(np.broadcast(europe, total).shape), where=total > 0
    )
    return (prevalence / ref) ** elasticity


def absorption(region, onset, capacity):
    """Host absorption ``A(S) = clip((K − S) / (K − S₀), 0, 1)``, elementwise: the share of the
    flight rate the neighbours still admit with ``region`` refugees on their soil. 1 where ``K`` is
    infinite; a step down at ``K`` where ``K ≤ S₀``."""
    region, onset, capacity = np.broadcast_arrays(
        np.asarray(region, float), np.asarray(onset, float), np.asarray(capacity, float)
    )
    finite = np.isfinite(capacity)
    span = np.where(finite, np.maximum(capacity - onset, 1.0), 1.0)
    room = np.where(finite, capacity - region, 1.0)
    return np.where(finite, np.clip(room / span, 0.0, 1.0), 1.0)


def calm_share(scope, ref):
    """``q(F) = (1 − F/F₀)_+``, elementwise: the share of the displaced whose home governorate no
    longer sees fighting (0 where ``F₀ = 0``)."""
    scope, ref = np.broadcast_arrays(np.asarray(scope, float), np.asarray(ref, float))
    share = 1.0 - np.divide(scope, ref, out=np.ones_like(scope), where=ref > 0)
    return np.clip(share, 0.0, 1.0)


def _flow(rate, stock):
    return np.minimum(np.rint(np.clip(rate, 0, None) * stock).astype(np.int64), stock)


def step(state: State, params: Params, drivers: Mapping[str, np.ndarray], month, rng=None):
    """Inputs: ``fighting_scope`` (M,) 0–1; ``combat_losses`` (M,) persons this month (optional, 0);
    ``onward_factor`` (M,) (optional, 1). Deterministic: ``rng`` is unused."""
    p = params
    s = state.stocks
    n = s.shape[0]
    res, idp, reg, unreg, eur, dead = (s[:, i] for i in range(6))
    f = np.broadcast_to(np.asarray(drivers["fighting_scope"], float), (n,))
    losses = np.broadcast_to(np.asarray(drivers.get("combat_losses", 0.0), float), (n,))
    factor = np.broadcast_to(np.asarray(drivers.get("onward_factor", 1.0), float), (n,))
    region = reg + unreg
    border = p.border_open * absorption(region, p.host_onset, p.host_capacity)
    closed = float(month >= p.lebanon_closed_from)
    rho = p.registration * (1 - p.lebanon_share * closed)
    kappa = p.catch_up * (1 - p.lebanon_share * closed)
    moy = (p.start_month_of_year - 1 + month) % 12 + 1
    season = 1 + p.season_amplitude * np.cos(2 * np.pi * (moy - p.season_peak) / 12)
    net = network_multiplier(eur, region, p.network_elasticity, p.prevalence_ref)
    o = p.onward * net * season * factor

    displaced = _flow(p.displace * f, res)
    civ = np.minimum(np.rint(p.civilian_rate * f * (res + idp)).astype(np.int64), res - displaced)
    comb = np.minimum(
        np.rint(p.sohr_coverage * p.killed_share * losses).astype(np.int64), res - displaced - civ
    )
    returned = _flow(p.return_rate + p.return_calm * calm_share(f, p.scope_ref), idp)
    fled = _flow(p.flee * f * border, idp - returned)
    fled_reg = np.rint(rho * fled).astype(np.int64)
    caught = _flow(kappa, unreg)
    onward = _flow(o, region)
    on_reg = np.rint(onward * np.divide(reg, region, out=np.zeros(n), where=region > 0)).astype(
        np.int64
    )
    on_reg = np.minimum(on_reg, reg)
    on_unreg = np.minimum(onward - on_reg, unreg - caught)
    onward = on_reg + on_unreg

    new = np.stack(
        [
            res - displaced - civ - comb + returned,
            idp + displaced - returned - fled,
            reg + fled_reg + caught - on_reg,
            unreg + (fled - fled_reg) - caught - on_unreg,
            eur + onward,
            dead + civ + comb,
        ],
        axis=1,
    )
    flows = np.stack([displaced, returned, fled, onward, civ, comb, caught], axis=1)
    return State(stocks=new), Outputs(stocks=new, measures=measures(p, new, onward), flows=flows)


def measures(p: Params, stocks: np.ndarray, onward: np.ndarray) -> np.ndarray:
    """(M, 4) the :data:`MEASURES` from stocks (M, 6) and the month's onward flow (M,)."""
    return np.stack(
        [
            stocks[:, 2],
            stocks[:, 2] + stocks[:, 4] + p.abroad_other,
            onward / (1 - p.non_syrian_share),
            stocks[:, 5],
        ],
        axis=1,
    ).astype(float)
