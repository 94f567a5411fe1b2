"""Discrete acts as discrete-time event-history hazards (DESIGN.md, "Choice").

Each act ``a`` has one or more *willingness rows* ``w`` (one per participant of a joint act). Row ``w``
has a monthly hazard (discrete-time logit hazard; Box-Steffensmeier & Jones, *Event History Modeling*,
2004, ch. 5)

    logit h_w(t) = logit h0_w + Σ_k β_wk · (x_k(t) − x_k,as_of)

over named drivers ``x_k`` (state features: alignment between the parties, battlefield trend, QRE
probabilities of related strategies, threat levels). With every driver at its ``as_of`` value the hazard
is exactly the base rate ``h0_w``.

Base rate: a reference class with ``k`` events in ``E`` unit-months at risk gives the Jeffreys estimate
``h0 = (k + ½)/E`` (the posterior mean of a Poisson rate under the Jeffreys prior); its posterior
``Gamma(k + ½, rate=E)`` may instead be sampled per member (:func:`sample_base_rate`), capped at
``H_MAX``.

Joint acts (a basing deal, the EU–Turkey deal, trilateral talks) need every party: each participant
draws its own willingness each month from its own uniform, and the act happens only when all are
willing, so ``P(act) = Π_w h_w``. A joint act's reference-class rate ``h0`` is split evenly,
``h0_w = h0^(1/n)`` (:func:`split_joint_rate`), so the product at ``as_of`` is exactly ``h0``.

``once`` acts are absorbing: after the first occurrence the hazard is 0. An act may ``require``
drivers: while any of them is ≤ 0 its hazard is 0 (a reconciliation needs the rupture it ends). Interventions (``do:``, the
``intervention`` input, +1 / −1 / 0 per act) make an act happen that month / never / leave it to its
hazard; +1 overrides an unmet requirement, but a one-off act that has happened does not happen again. What an act does (its effects) is applied by the coupled simulation, not here.

Inputs (``drivers``): ``features`` (M, D), the current values of the D drivers in ``Params.drivers``
order; ``intervention`` (M, A) optional. Each willingness row draws from its own keyed stream
``actions/{month}/{row label}`` (row label ``act/party``), so adding an act changes no other act's
draws.

Coefficient cap: a one-standard-deviation change in a driver at most doubles the odds,
``|β·sd| ≤ ln 2``, unless the coefficient is flagged as a sourced exception
(:func:`coefficient_cap_violations`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import special, stats

from .. import batched
from . import MEMBER

H_MAX = 0.999  # cap on a sampled monthly hazard (a Gamma draw may exceed 1 for tiny exposures)
LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class Params:
    """Compiled hazard actions. M members, A acts, W willingness rows, D drivers."""

    actions: tuple[str, ...]  # (A,) labels, e.g. "actor/strategy"
    drivers: tuple[str, ...]  # (D,) feature names
    row_labels: tuple[str, ...]  # (W,) keys of the rows' random streams, e.g. "act/party"
    row_action: np.ndarray  # (W,) int, the act each willingness row belongs to
    once: np.ndarray  # (A,) bool
    base_rate: np.ndarray = field(metadata=MEMBER)  # (M, W) monthly hazard h0_w in (0, 1)
    beta: np.ndarray = field(metadata=MEMBER)  # (M, W, D) log-odds per driver unit
    x_ref: np.ndarray = field(metadata=MEMBER)  # (M, D) driver values at as_of (base scenario)
    requires: np.ndarray | None = None  # (A, D) bool: act a is possible only while x_d > 0

    def __post_init__(self):
        m, w = self.base_rate.shape
        if self.beta.shape != (m, w, len(self.drivers)) or self.x_ref.shape != (
            m,
            len(self.drivers),
        ):
            raise ValueError("beta must be (M, W, D) and x_ref (M, D)")
        if self.row_action.shape != (w,) or np.shape(self.once) != (len(self.actions),):
            raise ValueError("row_action must be (W,) and once (A,)")
        if len(self.row_labels) != w or len(set(self.row_labels)) != w:
            raise ValueError("every willingness row needs its own label")
        if np.any((self.base_rate <= 0) | (self.base_rate >= 1)):
            raise ValueError("base rates must lie in (0, 1)")
        if set(np.unique(self.row_action)) != set(range(len(self.actions))):
            raise ValueError("every act needs at least one willingness row")
        if self.requires is not None and np.shape(self.requires) != (
            len(self.actions),
            len(self.drivers),
        ):
            raise ValueError("requires must be (A, D)")

    @property
    def membership(self) -> np.ndarray:
        """(W, A) 0/1 matrix: row w belongs to act a."""
        out = np.zeros((len(self.row_action), len(self.actions)))
        out[np.arange(len(self.row_action)), self.row_action] = 1.0
        return out


@dataclass
class State:
    done: np.ndarray  # (M, A) bool: the act has happened at least once
    count: np.ndarray  # (M, A) int: times it has happened


@dataclass(frozen=True)
class Outputs:
    prob: np.ndarray  # (M, A) probability the act happens this month (0 for a spent ``once`` act)
    acted: np.ndarray  # (M, A) bool

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {"prob": ("action",), "acted": ("action",)}


def init_state(params: Params, n_members: int) -> State:
    a = len(params.actions)
    return State(done=np.zeros((n_members, a), bool), count=np.zeros((n_members, a), np.int64))


def jeffreys_rate(events: int, exposure: float) -> float:
    """(k + ½)/E: the Jeffreys-prior posterior mean of a monthly rate."""
    if events < 0 or exposure <= 0:
        raise ValueError("need events >= 0 and exposure > 0")
    return (events + 0.5) / exposure


def sample_base_rate(events: int, exposure: float, u: np.ndarray, prior: float = 0.5) -> np.ndarray:
    """Inverse-CDF draws from the posterior Gamma(k + a, rate=E), capped at ``H_MAX``; a = ½ is the
    Jeffreys prior (a = ⅓ Kerman's neutral prior, a = 1 the uniform one)."""
    return np.minimum(stats.gamma.ppf(u, events + prior, scale=1.0 / exposure), H_MAX)


def split_joint_rate(h0, n_parties: int):
    """Per-party willingness whose product over ``n_parties`` is ``h0``."""
    return np.asarray(h0, float) ** (1.0 / n_parties)


def coefficient_cap_violations(beta: np.ndarray, sd: np.ndarray, sourced: np.ndarray | None = None):
    """(row, driver) pairs where ``max over members |β·sd| > ln 2`` and no sourced exception is flagged.

    ``beta`` (M, W, D) or (W, D); ``sd`` (D,) the driver's standard deviation; ``sourced`` (W, D) bool.
    """
    b = np.abs(np.asarray(beta, float))
    b = b.max(axis=0) if b.ndim == 3 else b
    effect = b * np.asarray(sd, float)[None, :]
    bad = effect > LN2 * (1 + 1e-12)
    if sourced is not None:
        bad &= ~np.asarray(sourced, bool)
    return [(int(w), int(d), float(effect[w, d])) for w, d in zip(*np.nonzero(bad), strict=True)]


def hazards(params: Params, x: np.ndarray) -> np.ndarray:
    """(M, W) willingness hazards ``expit(logit h0 + β·(x − x_ref))``."""
    shift = np.matmul(params.beta, (x - params.x_ref)[:, :, None])[:, :, 0]
    return special.expit(special.logit(params.base_rate) + shift)


def step(state: State, params: Params, drivers: Mapping[str, np.ndarray], month, rng):
    """One month: returns (State, Outputs)."""
    n = state.done.shape[0]
    x = np.asarray(drivers.get("features", np.zeros((n, 0))), float)
    if x.shape != (n, len(params.drivers)):
        raise ValueError(f"actions: features must be (M, {len(params.drivers)}), got {x.shape}")
    h = hazards(params, x)
    u = rng.uniform_many([f"actions/{month}/{label}" for label in params.row_labels]).T
    unwilling = (u >= h).astype(float)
    member = params.membership
    force = np.asarray(drivers.get("intervention", np.zeros((n, len(params.actions)))))
    done = state.done & params.once[None, :]
    unmet = np.zeros_like(done)
    if params.requires is not None and params.requires.any():
        unmet = ((x[:, None, :] <= 0) & params.requires[None]).any(axis=2)
    blocked = done | (unmet & ~(force > 0))  # do() overrides a requirement, not a done one-off act
    acted = ((batched.matmul(unwilling, member) == 0) | (force > 0)) & ~blocked & ~(force < 0)
    prob = np.where(force > 0, 1.0, np.exp(batched.matmul(np.log(h), member)))
    prob = prob * ~blocked * ~(force < 0)
    new = State(done=state.done | acted, count=state.count + acted)
    return new, Outputs(prob=prob, acted=acted)
