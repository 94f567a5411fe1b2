"""Displacement stocks and flows, and conflict deaths.

Stocks (persons, int64, so people are conserved exactly): ``resident`` (in Syria, not displaced),
``idp``, ``registered`` and ``unregistered`` refugees in the neighbouring countries, ``europe``
(Syrians who crossed the Mediterranean) and ``dead`` (the SOHR-style cumulative toll). Monthly flows,
each rounded to whole persons and clipped to its source stock:

    displaced  = δ·F·resident                       resident → idp
    returned   = r·idp                              idp → resident
    fled       = x·F·b·idp                          idp → region (ρ registered, 1 − ρ not)
    registered = κ·unregistered                     unregistered → registered
    onward     = o·(1 + η·europe/region)·s(m)·(1 − ε·D)·region      region → europe (by sea)
    civilians  = c·F·(resident + idp);  combatants = ω·L   resident → dead

``F`` is the geographic scope of fighting in populated regions: the population share of regions with
fighting that month (Melander & Öberg 2007, *Civil Wars* 9(2): the scope of fighting, not its
intensity, drives the magnitude of forced migration); see :func:`fighting_scope`. ``b`` is border
openness, ``ρ``/``κ`` registration, both cut by the share ``s_L`` of new refugees going to Lebanon once
Lebanon stops UNHCR registration (May 2015). ``η·europe/region`` is a migrant-network term (cumulative
causation: Massey et al. 1993, *Population and Development Review* 19(3)); ``s(m) = 1 + a·cos(2π(m −
m_peak)/12)`` sea-crossing seasonality; ``D`` the EU–Turkey deal indicator (0–1) and ``ε`` its effect.
``L`` are the combat engine's losses, ``ω`` the share SOHR documents.

Series: ``syrian-refugees-registered-region`` = registered; ``syrian-refugees-worldwide`` = registered
+ europe + abroad_other (persons outside the region and Europe); ``mediterranean-sea-arrivals-europe`` =
onward / (1 − non-Syrian share) (monthly flow; the unit persons-per-calendar-year sums them);
``conflict-deaths-sohr-cumulative`` = dead; ``regime-territory-net-change-since-2015-09-29`` =
regime territory − its as_of value (percent of Syria, from ``control``: :func:`territory_share`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

STOCKS = ("resident", "idp", "registered", "unregistered", "europe", "dead")
SERIES = (
    "syrian-refugees-registered-region",
    "syrian-refugees-worldwide",
    "mediterranean-sea-arrivals-europe",
    "conflict-deaths-sohr-cumulative",
    "regime-territory-net-change-since-2015-09-29",
)
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

    displace: np.ndarray  # δ
    return_rate: np.ndarray  # r
    flee: np.ndarray  # x
    border_open: np.ndarray  # b, 0–1
    registration: np.ndarray  # ρ, share of new refugees registered on arrival
    catch_up: np.ndarray  # κ, monthly registration of the unregistered
    lebanon_share: np.ndarray  # s_L, share of new refugees going to Lebanon
    onward: np.ndarray  # o
    network: np.ndarray  # η
    season_amplitude: np.ndarray  # a
    deal_effect: np.ndarray  # ε, 0–1
    civilian_rate: np.ndarray  # c, deaths per person per unit F
    sohr_coverage: np.ndarray  # ω
    non_syrian_share: np.ndarray  # of Mediterranean sea arrivals, 0–1
    abroad_other: np.ndarray  # persons, refugees outside the region and Europe
    territory_ref: np.ndarray  # regime territory at as_of, percent of Syria
    initial: np.ndarray  # (M, 6) int64 initial stocks in STOCKS order
    start_month_of_year: int  # calendar month (1–12) of step 0
    lebanon_closed_from: int  # step index from which Lebanon registers no one
    season_peak: int = 8  # calendar month of the sea-crossing peak
    stocks: ClassVar[tuple[str, ...]] = STOCKS
    series_ids: ClassVar[tuple[str, ...]] = SERIES
    flows: ClassVar[tuple[str, ...]] = FLOWS


@dataclass
class State:
    stocks: np.ndarray  # (M, 6) int64


@dataclass(frozen=True)
class Outputs:
    stocks: np.ndarray  # (M, 6) int64 at month end, STOCKS order
    series: np.ndarray  # (M, 5) float, SERIES order
    flows: np.ndarray  # (M, 7) int64 persons this month, FLOWS order

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "stocks": ("stock",),
        "series": ("series_id",),
        "flows": ("flow",),
    }


def init_state(params: Params, n_members: int) -> State:
    init = np.asarray(params.initial, np.int64)
    if init.shape != (n_members, len(STOCKS)) or np.any(init < 0):
        raise ValueError(f"initial stocks must be non-negative, shape ({n_members}, {len(STOCKS)})")
    return State(stocks=init.copy())


def fighting_scope(
    losses: np.ndarray, population: np.ndarray, threshold: float = 0.0
) -> np.ndarray:
    """(M,) population share of regions with fighting: Σ_f losses[m, f, r] > threshold."""
    fighting = np.asarray(losses, float).sum(axis=1) > threshold
    pop = np.asarray(population, float)
    return fighting @ pop / pop.sum()


def territory_share(control: np.ndarray, area: np.ndarray, faction: int) -> np.ndarray:
    """(M,) a faction's share of Syria in percent from control (M, F, R) and region areas (R,)."""
    area = np.asarray(area, float)
    return 100.0 * (np.asarray(control, float)[:, faction, :] @ area) / area.sum()


def _flow(rate, stock):
    return np.minimum(np.rint(np.clip(rate, 0, None) * stock).astype(np.int64), stock)


def step(state: State, params: Params, drivers: Mapping[str, np.ndarray], month, rng=None):
    """Drivers: ``fighting-scope`` (M,) 0–1; ``combat-losses`` (M,) persons this month;
    ``eu-turkey-deal`` (M,) 0–1; ``regime-territory`` (M,) percent (optional);
    ``border-open`` (M,) overrides ``border_open`` (optional). Deterministic: ``rng`` is unused."""
    p = params
    s = state.stocks
    n = s.shape[0]
    res, idp, reg, unreg, eur, dead = (s[:, i] for i in range(6))
    f = np.broadcast_to(np.asarray(drivers["fighting-scope"], float), (n,))
    losses = np.broadcast_to(np.asarray(drivers.get("combat-losses", 0.0), float), (n,))
    deal = np.broadcast_to(np.asarray(drivers.get("eu-turkey-deal", 0.0), float), (n,))
    border = np.broadcast_to(np.asarray(drivers.get("border-open", p.border_open), float), (n,))
    closed = float(month >= p.lebanon_closed_from)
    rho = p.registration * (1 - p.lebanon_share * closed)
    kappa = p.catch_up * (1 - p.lebanon_share * closed)
    moy = (p.start_month_of_year - 1 + month) % 12 + 1
    season = 1 + p.season_amplitude * np.cos(2 * np.pi * (moy - p.season_peak) / 12)
    region = reg + unreg
    ratio = np.divide(eur, region, out=np.zeros(n), where=region > 0)
    o = p.onward * (1 + p.network * ratio) * season * (1 - p.deal_effect * deal)

    displaced = _flow(p.displace * f, res)
    civ = np.minimum(np.rint(p.civilian_rate * f * (res + idp)).astype(np.int64), res - displaced)
    comb = np.minimum(np.rint(p.sohr_coverage * losses).astype(np.int64), res - displaced - civ)
    returned = _flow(p.return_rate, idp)
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
    terr = drivers.get("regime-territory")
    change = np.zeros(n) if terr is None else np.asarray(terr, float) - p.territory_ref
    series = np.stack(
        [
            new[:, 2],
            new[:, 2] + new[:, 4] + p.abroad_other,
            onward / (1 - p.non_syrian_share),
            new[:, 5],
            np.broadcast_to(change, (n,)),
        ],
        axis=1,
    ).astype(float)
    flows = np.stack([displaced, returned, fled, onward, civ, comb, caught], axis=1)
    return State(stocks=new), Outputs(stocks=new, series=series, flows=flows)
