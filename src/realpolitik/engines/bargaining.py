"""Bargaining: Bueno de Mesquita's expected-utility model (EUM), batched, with a settlement hazard.

The model is the one formalised by Scholz, Calbert & Smith, "Unravelling Bueno De Mesquita's group
decision model", *Proc. ICAART 2011* pp. 18–30 (DOI 10.5220/0003121500180030; journal version *J.
Theoretical Politics* 23(4):510–531, 2011); equation numbers below are the ICAART ones. The choices
that reproduce their published Table 2 and Figs 7–11 are those of the project spec
(``shared/refs/eum.md``), which match J. McKibben-Sanders' replication (github
jmckib/bdm-scholz-expected-utility-model @ 55f63e9f) to every printed digit.

One issue, actors i with position x_i, capability c_i ≥ 0, salience s_i ∈ [0, 1]; only actors with
s_i > 0 take part. w_i = c_i·s_i, W = Σ w_i, Δ = range of the initial positions (fixed). d_ij =
|x_i − x_j|/Δ. One round:

1. μ = median voter = the w-weighted median of the held positions (Condorcet winner, eq. 29).
2. Pass 1 (all r = 1). Votes v_k(y, z; ρ) = w_k·[(|x_k − z|/Δ)^ρ − (|x_k − y|/Δ)^ρ] (eqs. 26–28).
   P_ij = Σ_k max(0, v_k(x_i, x_j; r_k)) / D, D = Σ_k Σ_a Σ_b |v_k(x_a, x_b; r_k)| (the CODE form,
   as in Scholz' code; PAPER form eq. 31: / Σ_k |v_k(x_i, x_j; 1)|).
3. Utilities with the evaluator's exponent ρ (eqs. 15, 16, 22–24):
   U_s = 2 − 4(½ − ½d_ij)^ρ, U_f = 2 − 4(½ + ½d_ij)^ρ, U_b = 2 − 4(½ − ¼(d_iμ + d_ij))^ρ,
   U_w = 2 − 4(½ + ¼(d_iμ + d_ij))^ρ, U_sq = 2 − 4(½)^ρ, and
   E(i→j) = s_j[P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq − (1 − Q)[T_ij U_b + (1 − T_ij) U_w]
   (eqs. 5–7, 25a): the *target's* salience s_j is the probability that it resists, so salience is
   each actor's unwillingness to concede.
4. Security S_i = Σ_{j≠i} E(j→i) (pass 1); R_i = (2S_i − max S − min S)/(max S − min S);
   r_i = (1 − R_i/3)/(1 + R_i/3) ∈ [½, 2] (eqs. 32–34; r = 1 if all S are equal).
5. Pass 2 with the new r: each i evaluates a_ij = E_i(i→j) and b_ij = E_i(j→i), both with ρ = r_i.
6. Offers from i's viewpoint (Fig. 6): b > a > 0 conflict, i moves to x_j; a < 0 < b, b > |a|
   compromise, x_i + (x_j − x_i)|a|/b (eq. 36); a < 0 < b, b < |a| capitulation, to x_j. Selection
   (§6.2): conflict (least move), else compromise (min K_ij = (|a|x_i + |b|x_j)/(|a| + |b|)), else
   capitulation (least move); ties to the lowest actor index. All moves are simultaneous.

``Flags`` holds the spec's §4 alternatives (defaults reproduce Scholz). The rounds never stabilise in
general (Scholz §8), so **a round count does not decide settlement**: in the engine one round is one
month and a monthly **settlement hazard** decides when an issue is settled:

    logit h = logit h0 − slope·(D − D0),

D the capability-weighted mean distance between the issue's veto players V,
D = Σ_{i<j∈V} c_i c_j |x_i − x_j| / (Δ·Σ_{i<j∈V} c_i c_j) ∈ [0, 1] (0 if |V| < 2), and D0 = D at the
start (the ``as_of`` state), so the hazard equals its base rate h0 while the veto players keep their
``as_of`` positions and capabilities, and falls (slope > 0) as they drift apart. h0 comes from a
pre-cut-off reference class (e.g. civil-conflict terminations by negotiated settlement per conflict-
month in the UCDP Conflict Termination data, Kreutz 2010, *JPR* 47(2):243–250; Cunningham 2006, *AJPS*
50(4):875–892, on veto players lengthening civil wars), the slope from a sourced distribution: both
arrive as arrays. Optional **agreement band**: the issue also settles when every pair of veto
players is within ``band``·Δ. Settlement is absorbing: a settled issue's positions and outcome stay
frozen. Inputs (optional): ``salience_shift`` (member|1, issue|1, actor) added to the saliences of
active actors, clipped to [0, 1] (> 0: the actor concedes less), ``leverage`` (member, actor), the
capability of the month where ``Params.leverage`` marks it (issue-specific influence recomputed from
the war, compile/leverage.py), ``capability_factor`` (same shape as the saliences) multiplying
capabilities (NaN driver values are ignored), and ``settle`` (member, issue) bool, which
settles an issue that month (an event, or a leader's exit that decides it). An issue with a
``min_outcome`` settles (by hazard or band) only in months its outcome is at least that: the
agreement the issue names (a transition that replaces Assad) is on the high side of its scale. Each issue's monthly
settlement draw is keyed ``bargaining/{month}/{issue}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numba
import numpy as np
import xarray as xr

from ..errors import Problem, ScenarioError
from ..rng import MemberRNG
from . import MEMBER
from . import _eum_kernels as K

OFFERS = ("none", "conflict", "compromise", "capitulation")


@dataclass(frozen=True)
class Flags:
    """The spec's §4 choices. Defaults (SCHOLZ-CODE) reproduce Scholz et al.'s published numbers.

    * ``prob_form``: "code" (P over the all-pairs denominator D, Scholz' code) or "paper" (eq. 31);
    * ``other_eu_exponent``: "mover" (b_ij with r_i, i's viewpoint) or "other" (r_j, eq. 25b);
    * ``compromise_choice``: "k" (min K_ij, Scholz' code) or "least_move" (min |Δx|, §6.2 text);
    * ``capitulation``: Fig. 6's Compel− region moves i to x_j (off = McKibben-Sanders' code);
    * ``t_rule``: "cases" (Figs 1–4), "always_1", or "geometric" (|x_i − μ| < |x_i − x_j|);
    * ``q``: probability of the status quo when i does not challenge (Scholz: 1.0);
    * ``range``: Δ = "initial" range of positions (fixed) or "current" range each round.
    """

    prob_form: Literal["code", "paper"] = "code"
    other_eu_exponent: Literal["mover", "other"] = "mover"
    compromise_choice: Literal["k", "least_move"] = "k"
    capitulation: bool = True
    t_rule: Literal["cases", "always_1", "geometric"] = "cases"
    q: float = 1.0
    range: Literal["initial", "current"] = "initial"

    def kernel(self) -> tuple:
        rules = {"cases": K.T_CASES, "always_1": K.T_ALWAYS_1, "geometric": K.T_GEOMETRIC}
        for name, value, valid in (
            ("prob_form", self.prob_form, ("code", "paper")),
            ("other_eu_exponent", self.other_eu_exponent, ("mover", "other")),
            ("compromise_choice", self.compromise_choice, ("k", "least_move")),
            ("t_rule", self.t_rule, tuple(rules)),
            ("range", self.range, ("initial", "current")),
        ):
            if value not in valid:
                raise ValueError(f"flag {name}={value!r}; valid: {', '.join(valid)}")
        if not 0.0 <= self.q <= 1.0:
            raise ValueError(f"flag q={self.q!r} must lie in [0, 1]")
        return (
            self.prob_form == "paper",
            self.other_eu_exponent == "other",
            self.compromise_choice == "least_move",
            bool(self.capitulation),
            rules[self.t_rule],
            self.range == "current",
        )

    def describe(self) -> str:
        return (
            f"prob_form={self.prob_form} other_eu_exponent={self.other_eu_exponent} "
            f"compromise_choice={self.compromise_choice} "
            f"capitulation={'on' if self.capitulation else 'off'} t_rule={self.t_rule} "
            f"Q={self.q:g} range={self.range}"
        )


# --------------------------------------------------------------------------------------------
# input checks


def check_inputs(
    position, salience, capability, actors=None, issues=None, where: str = "<arrays>"
) -> None:
    """Raise ScenarioError naming issue, actor and field for NaN/inf, capabilities < 0, saliences
    outside [0, 1] and issues with fewer than two actors of salience > 0. Arrays (..., issue, actor)
    or (..., actor)."""
    arrays = {"position": position, "salience": salience, "capability": capability}
    arrays = {k: np.asarray(v, float) for k, v in arrays.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    arrays = {
        k: np.broadcast_to(v, shape).reshape(-1, *shape[-2:])
        if len(shape) > 1
        else v.reshape(1, 1, -1)
        for k, v in arrays.items()
    }
    n_issue, n = next(iter(arrays.values())).shape[-2:]
    actors = list(actors) if actors is not None else [str(k) for k in range(n)]
    issues = list(issues) if issues is not None else [str(k) for k in range(n_issue)]
    probs = []

    def bad(i, k, fld, msg, value):
        path = f"issues[{issues[i]}].positions[{actors[k]}].{fld}"
        probs.append(Problem(where, None, None, path, msg, f"{value!r}"))

    rules = (
        ("position", lambda v: ~np.isfinite(v), "must be a finite number"),
        ("salience", lambda v: ~(np.isfinite(v) & (v >= 0) & (v <= 1)), "must lie in [0, 1]"),
        ("capability", lambda v: ~(np.isfinite(v) & (v >= 0)), "must be finite and ≥ 0"),
    )
    for fld, test, msg in rules:
        for row, i, k in zip(*np.nonzero(test(arrays[fld])), strict=True):
            bad(i, k, fld, msg, float(arrays[fld][row, i, k]))
    active = (arrays["salience"] > 0).sum(axis=-1).min(axis=0)
    for i in np.nonzero(active < 2)[0]:
        probs.append(
            Problem(
                where,
                None,
                None,
                f"issues[{issues[i]}].positions",
                "an issue needs at least two actors with salience > 0",
                str(int(active[i])),
            )
        )
    if probs:
        raise ScenarioError(probs)


# --------------------------------------------------------------------------------------------
# rounds


def _n_chunks() -> int:
    return 8 * numba.get_num_threads()


def _initial_range(x: np.ndarray, active: np.ndarray) -> np.ndarray:
    hi = np.where(active, x, -np.inf).max(axis=-1)
    lo = np.where(active, x, np.inf).min(axis=-1)
    return np.where(np.isfinite(hi - lo), hi - lo, 0.0).astype(x.dtype)


def _kernel_rounds(x, s, c, active, delta, frozen, n_rounds: int, flags: Flags):
    """Run the numba kernel on problems (P, n); returns the eight (n_rounds, P, …) outputs."""
    p, n = x.shape
    dt = x.dtype
    outs = (
        np.empty((n_rounds, p, n), dt),
        np.empty((n_rounds, p), dt),
        np.empty((n_rounds, p), dt),
        np.empty((n_rounds, p, n), dt),
        np.empty((n_rounds, p, n), np.int16),
        np.empty((n_rounds, p, n), np.int8),
        np.empty((n_rounds, p, n), dt),
        np.empty((n_rounds, p, n), dt),
    )
    K.eum_run(
        np.ascontiguousarray(x), np.ascontiguousarray(s, dt), np.ascontiguousarray(c, dt),
        np.ascontiguousarray(active), np.ascontiguousarray(delta, dt),
        np.ascontiguousarray(frozen), int(n_rounds), flags.kernel(), dt.type(flags.q), outs,
        _n_chunks(),
    )  # fmt: skip
    return outs


def run_rounds(
    positions,
    saliences,
    capabilities,
    n_rounds: int,
    flags: Flags = Flags(),  # noqa: B008 (frozen)
    *,
    actors=None,
    issues=None,
    dtype=np.float64,
) -> xr.Dataset:
    """Run ``n_rounds`` EUM rounds on one problem (actor,), a batch (member, actor) or
    (member, issue, actor). Returns a Dataset over ``round`` 0…n_rounds (0 = initial state) with
    ``position``, ``median``, ``mean``, and per round ≥ 1: ``risk`` (r_i), ``target`` (index of the
    actor i moved toward, −1 none), ``offer`` (0 none, 1 conflict, 2 compromise, 3 capitulation),
    ``eu_a``/``eu_b`` (i's (a, b) for the chosen offer)."""
    x = np.asarray(positions, dtype)
    shape = np.broadcast_shapes(x.shape, np.shape(saliences), np.shape(capabilities))
    if not 1 <= len(shape) <= 3:
        raise ValueError(
            f"expected (actor,), (member, actor) or (member, issue, actor), got {shape}"
        )
    lead, n = shape[:-1], shape[-1]
    flat = (int(np.prod(lead)), n)
    x = np.broadcast_to(x, shape).reshape(flat)
    s = np.broadcast_to(np.asarray(saliences, dtype), shape).reshape(flat)
    c = np.broadcast_to(np.asarray(capabilities, dtype), shape).reshape(flat)
    active = s > 0
    delta = _initial_range(x, active)
    outs = _kernel_rounds(x, s, c, active, delta, np.zeros(flat[0], bool), n_rounds, flags)
    pos, med, mean, risk, target, kind, ea, eb = outs
    nan = np.full((1, *flat), np.nan, dtype)

    def stack(first, rest):
        a = np.concatenate([first, rest])
        return a.reshape((n_rounds + 1, *lead, *a.shape[2:]))

    lead_dims = ("member", "issue")[: len(lead)]
    with_actor = (*lead_dims[:1], "round", *lead_dims[1:], "actor")
    no_actor = with_actor[:-1]

    def order(a, dims):  # round axis first → its place after member
        return np.moveaxis(a, 0, dims.index("round")) if lead else a

    data = {
        "position": (with_actor, stack(x[None], pos)),
        "median": (no_actor, stack(_median0(x, s * c, active)[None], med)),
        "mean": (no_actor, stack(_mean0(x, s * c, active)[None], mean)),
        "risk": (with_actor, stack(nan, risk)),
        "target": (with_actor, stack(np.full((1, *flat), -1, np.int16), target)),
        "offer": (with_actor, stack(np.zeros((1, *flat), np.int8), kind)),
        "eu_a": (with_actor, stack(nan, ea)),
        "eu_b": (with_actor, stack(nan, eb)),
    }
    data = {k: (dims, order(v, dims)) for k, (dims, v) in data.items()}
    coords = {"round": np.arange(n_rounds + 1)}
    coords["actor"] = list(actors) if actors is not None else [f"a{k}" for k in range(n)]
    if issues is not None and "issue" in lead_dims:
        coords["issue"] = list(issues)
    ds = xr.Dataset(data, coords=coords)
    ds["offer"].attrs = {"flag_values": [0, 1, 2, 3], "flag_meanings": " ".join(OFFERS)}
    ds.attrs = {"model": "EUM (Scholz, Calbert & Smith 2011)", "flags": flags.describe()}
    ds.attrs.update({f"flag_{k}": str(v) for k, v in flags.__dict__.items()})
    return ds


def _median0(x, w, active):
    return K.medians(
        np.ascontiguousarray(x), np.ascontiguousarray(w, x.dtype), np.ascontiguousarray(active)
    )


def _mean0(x, w, active):
    w = np.where(active, w, 0)
    tot = w.sum(axis=-1)
    plain = np.where(active, x, 0).sum(-1) / np.maximum(active.sum(-1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * x).sum(-1) / tot, plain).astype(x.dtype)


def intermediates(position, salience, capability, flags: Flags = Flags()) -> dict:  # noqa: B008
    """Round-1 quantities of one problem in float64, for checks and traces: μ, D and P of both
    passes, security S, R, r, and the pass-2 views a[i, j] = E_i(i→j), b[i, j] = E_i(j→i)
    (over the active actors, in input order)."""
    s_all = np.asarray(salience, float)
    active = s_all > 0
    m = int(active.sum())
    work = K.make_work(m, s_all)
    keys, f, a_sum, b_sum, sec, big_r, r, ea, eb = work[:9]
    ld, lm, lp = work[14:17]
    mp = K.padded(m)
    x, s, w = np.zeros(mp), np.zeros(mp), np.zeros(mp)
    x[:m] = np.asarray(position, float)[active]
    s[:m] = s_all[active]
    w[:m] = np.asarray(capability, float)[active] * s[:m]
    K.pad(x, s, w, r, m, mp)
    paper, b_other, _, _, rule, _ = flags.kernel()
    rng = x[:m].max() - x[:m].min()
    invd = 1.0 / rng if rng > 0 else 0.0
    mu = K.weighted_median(x, w, m, mp)
    out = {"median": mu, "active": np.nonzero(active)[0]}
    out["D1"] = K.vote_sums(x, w, None, m, mp, invd, f, a_sum, b_sum)
    out["P1"] = np.empty((m, m))
    K.probabilities(m, a_sum, b_sum, out["D1"], paper, out["P1"])
    args = (x, s, m, mp, invd, mu, a_sum, b_sum, out["D1"], paper, flags.q, rule)
    K.security_exponents(*args, sec, big_r, r)
    out.update(security=sec[:m].copy(), R=big_r[:m].copy(), r=r[:m].copy())
    K.log_tables(x, m, mp, invd, ld, lm, lp)
    out["D2"] = out["D1"] if paper else K.vote_sums(x, w, r, m, mp, invd, f, a_sum, b_sum, ld)
    out["P2"] = np.empty((m, m))
    K.probabilities(m, a_sum, b_sum, out["D2"], paper, out["P2"])
    args = (x, s, m, mp, invd, mu, a_sum, b_sum, out["D2"], paper, r, flags.q, rule, b_other)
    K.views(*args, ea, eb, lm, lp)
    out.update(a=ea[:m, :m].copy(), b=eb[:m, :m].copy())
    return out


# --------------------------------------------------------------------------------------------
# trace


def format_trace(ds: xr.Dataset, issue=None, member: int = 0) -> str:
    """A readable round-by-round account (like OpenSpiel's playthroughs) of a ``run_rounds``
    Dataset: positions, risk exponents, every move with its type, partner and (a, b), μ and x̄."""
    if "member" in ds.dims:
        ds = ds.isel(member=member)
    if "issue" in ds.dims:
        ds = ds.sel(issue=issue) if issue is not None else ds.isel(issue=0)
    names = [str(a) for a in ds["actor"].values]
    width = max(len(a) for a in names)
    pos = ds["position"].values
    active = np.ones(len(names), bool) if len(ds["round"]) < 2 else ~np.isnan(ds["risk"][1].values)
    label = f" — issue {issue}" if issue is not None else ""
    lines = [
        f"EUM playthrough{label}: {int(active.sum())} active of {len(names)} actors, "
        f"rounds 0–{int(ds['round'][-1])}",
        f"flags: {ds.attrs.get('flags', '')}",
        "",
        "round 0 (initial)",
    ]
    for k, a in enumerate(names):
        tag = "" if active[k] else "  (salience 0: not taking part)"
        lines.append(f"  {a:<{width}}  {pos[0, k]:.6f}{tag}")
    lines.append(f"  median {float(ds['median'][0]):.6f}   mean {float(ds['mean'][0]):.6f}")
    for t in range(1, len(ds["round"])):
        lines += ["", f"round {t}"]
        risk = ds["risk"].values[t]
        lines.append(
            "  risk r: " + ", ".join(f"{a} {risk[k]:.4f}" for k, a in enumerate(names) if active[k])
        )
        stay = []
        for k, a in enumerate(names):
            kind = int(ds["offer"].values[t, k])
            if kind == 0:
                if active[k]:
                    stay.append(a)
                continue
            j = names[int(ds["target"].values[t, k])]
            what = {
                1: f"conflict, yields to {j}",
                2: f"compromise with {j}",
                3: f"capitulates to {j}",
            }
            lines.append(
                f"  {a:<{width}}  {what[kind]:<{width + 20}} {pos[t - 1, k]:.6f} → {pos[t, k]:.6f}"
                f"   a={float(ds['eu_a'].values[t, k]):+.6f} b={float(ds['eu_b'].values[t, k]):+.6f}"
            )
        if stay:
            lines.append("  stay: " + ", ".join(stay))
        lines.append(f"  median {float(ds['median'][t]):.6f}   mean {float(ds['mean'][t]):.6f}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# engine interface


@dataclass(frozen=True)
class Params:
    """Arrays (member|1, issue, actor): ``position``, ``salience`` ∈ [0, 1] (> 0 = takes part),
    ``capability`` ≥ 0; ``veto`` (issue, actor) bool, the issue's veto players; (member|1, issue):
    ``hazard_base`` h0 ∈ [0, 1] (monthly settlement probability at the ``as_of`` distance),
    ``hazard_slope`` (per unit of the normalised veto-player distance D), ``band`` (agreement band
    as a share of Δ; NaN = off), ``min_outcome`` (the issue settles only while its outcome is at
    least this; −inf = always); ``leverage`` (issue, actor) bool or None: where the capability is
    the ``leverage`` driver of the month (the one given is its as_of value). ``dtype`` float32 for
    ensembles, float64 for reference runs."""

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    veto: np.ndarray
    position: np.ndarray = field(metadata=MEMBER)
    salience: np.ndarray = field(metadata=MEMBER)
    capability: np.ndarray = field(metadata=MEMBER)
    hazard_base: np.ndarray = field(metadata=MEMBER)
    hazard_slope: np.ndarray = field(metadata=MEMBER)
    band: np.ndarray | float = field(default=np.nan, metadata=MEMBER)
    min_outcome: np.ndarray | float = field(default=-np.inf, metadata=MEMBER)
    leverage: np.ndarray | None = None
    flags: Flags = field(default_factory=Flags)
    dtype: type = np.float32


@dataclass
class State:
    position: np.ndarray  # (member, issue, actor)
    delta: np.ndarray  # (member, issue) Δ, the initial range of active positions
    distance0: np.ndarray  # (member, issue) D0, veto-player distance at as_of
    settled: np.ndarray  # (member, issue) bool, absorbing
    outcome: np.ndarray  # (member, issue) weighted median; frozen once settled


@dataclass(frozen=True)
class Outputs:
    position: np.ndarray  # (member, issue, actor) end of month
    issue_outcome: np.ndarray  # (member, issue) weighted median (frozen once settled)
    mean: np.ndarray  # (member, issue) weighted mean
    settled: np.ndarray  # (member, issue) bool: settled this month or before
    hazard: np.ndarray  # (member, issue) this month's settlement probability (0 once settled)
    distance: np.ndarray  # (member, issue) D
    target: np.ndarray  # (member, issue, actor) int16 actor moved toward, −1 none
    offer: (
        np.ndarray
    )  # (member, issue, actor) int8: 0 none, 1 conflict, 2 compromise, 3 capitulation

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "position": ("issue", "actor"),
        "issue_outcome": ("issue",),
        "mean": ("issue",),
        "settled": ("issue",),
        "hazard": ("issue",),
        "distance": ("issue",),
        "target": ("issue", "actor"),
        "offer": ("issue", "actor"),
    }


def _member(a, n_members: int, dtype=None) -> np.ndarray:
    a = np.asarray(a, dtype)
    return np.broadcast_to(a, (n_members, *a.shape[1:])) if a.shape[0] == 1 else a


def veto_distance(position, capability, veto, delta) -> tuple[np.ndarray, np.ndarray]:
    """(D, spread): D = Σ_{i<j∈V} c_i c_j |x_i − x_j| / (Δ Σ_{i<j∈V} c_i c_j) ∈ [0, 1] and
    spread = max_{i,j∈V} |x_i − x_j|/Δ, per (member, issue); both 0 with < 2 veto players,
    zero capability weight or Δ = 0."""
    m, n_issue, _ = position.shape
    d = np.zeros((m, n_issue))
    spread = np.zeros((m, n_issue))
    rng = np.where(delta > 0, delta, np.inf)  # Δ = 0: every distance is 0
    for i in range(n_issue):  # issues are few; the veto players of one issue are a fixed set
        v = np.nonzero(veto[i])[0]
        if len(v) < 2:
            continue
        x = position[:, i, v].astype(float)
        c = capability[:, i, v].astype(float)
        gap = np.abs(x[:, :, None] - x[:, None, :])
        cc = c[:, :, None] * c[:, None, :]
        den = cc.sum(axis=(1, 2)) - (c * c).sum(axis=1)
        num = (cc * gap).sum(axis=(1, 2))
        d[:, i] = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) / rng[:, i]
        spread[:, i] = gap.max(axis=(1, 2)) / rng[:, i]
    return d, spread


def settlement_hazard(distance, distance0, base, slope) -> np.ndarray:
    """h with logit h = logit h0 − slope·(D − D0); h0 = 0 or 1 stays 0 or 1."""
    base = np.asarray(base, float)
    with np.errstate(divide="ignore"):
        logit0 = np.log(base) - np.log1p(-base)
    z = logit0 - np.asarray(slope, float) * (np.asarray(distance) - distance0)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # logistic, overflow-free


def _effective(params: Params, drivers: Mapping, n_members: int):
    s = _member(params.salience, n_members, params.dtype)
    c = _member(params.capability, n_members, params.dtype)
    active = s > 0
    if (
        drivers.get("leverage") is not None
        and params.leverage is not None
        and params.leverage.any()
    ):
        lev = np.asarray(drivers["leverage"], params.dtype)[:, None, :]
        c = np.where(params.leverage, np.maximum(np.nan_to_num(lev), 0), c).astype(params.dtype)
    if drivers.get("salience_shift") is not None:  # NaN shifts count as 0
        shift = np.nan_to_num(np.asarray(drivers["salience_shift"], params.dtype))
        s = np.where(active, np.clip(s + shift, 0, 1), 0).astype(params.dtype)
    if drivers.get("capability_factor") is not None:  # NaN factors count as 1
        factor = np.asarray(drivers["capability_factor"], params.dtype)
        c = (c * np.maximum(np.nan_to_num(factor, nan=1.0), 0)).astype(params.dtype)
    return np.broadcast_to(s, c.shape), np.broadcast_to(c, s.shape), active


def init_state(params: Params, n_members: int) -> State:
    x = np.array(_member(params.position, n_members, params.dtype))
    s, c, active = _effective(params, {}, n_members)
    delta = _initial_range(x, np.broadcast_to(active, x.shape))
    d0, _ = veto_distance(x, c, np.asarray(params.veto, bool), delta)
    m, n_issue, n = x.shape
    w = (s * c).reshape(-1, n)
    outcome = _median0(x.reshape(-1, n), w, np.broadcast_to(active, x.shape).reshape(-1, n))
    settled = np.zeros((m, n_issue), bool)
    return State(x, delta, d0, settled, outcome.reshape(m, n_issue))


def step(state: State, params: Params, drivers: Mapping, month: int, rng: MemberRNG):
    """One EUM round per unsettled issue, then the monthly settlement draw."""
    m, n_issue, n = state.position.shape
    s, c, active = _effective(params, drivers, m)
    active = np.broadcast_to(active, (m, n_issue, n))
    outs = _kernel_rounds(
        state.position.reshape(-1, n),
        np.broadcast_to(s, (m, n_issue, n)).reshape(-1, n),
        np.broadcast_to(c, (m, n_issue, n)).reshape(-1, n),
        active.reshape(-1, n),
        state.delta.reshape(-1),
        state.settled.reshape(-1),
        1,
        params.flags,
    )
    pos, med, mean, _, target, kind, _, _ = (o[0] for o in outs)
    pos = pos.reshape(m, n_issue, n)
    veto = np.asarray(params.veto, bool)
    dist, spread = veto_distance(pos, np.broadcast_to(c, pos.shape), veto, state.delta)
    h = settlement_hazard(
        dist, state.distance0, _member(params.hazard_base, m), _member(params.hazard_slope, m)
    )
    reachable = med.reshape(m, n_issue) >= np.asarray(params.min_outcome, float)
    h = np.where(state.settled | ~reachable, 0.0, h)
    u = rng.uniform_many([f"bargaining/{month}/{issue}" for issue in params.issues]).T
    band = np.broadcast_to(np.asarray(params.band, float), (m, n_issue))
    with np.errstate(invalid="ignore"):
        in_band = (spread <= band) & reachable  # NaN band: never
    forced = np.asarray(drivers.get("settle", np.zeros((m, n_issue))), bool)
    settled = state.settled | (u < h) | in_band | forced
    outcome = np.where(state.settled, state.outcome, med.reshape(m, n_issue))
    new = State(pos, state.delta, state.distance0, settled, outcome)
    out = Outputs(
        position=pos,
        issue_outcome=outcome,
        mean=mean.reshape(m, n_issue),
        settled=settled,
        hazard=h,
        distance=dist,
        target=target.reshape(m, n_issue, n),
        offer=kind.reshape(m, n_issue, n),
    )
    return new, out
