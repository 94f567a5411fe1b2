"""Territory engine: multi-sided attrition, ground changing hands, supply and sieges, air support.

Arrays are member × faction × region (M, F, R); regions are governorates and sites (a region tree,
see :mod:`realpolitik.geo`); S external supply nodes. One call of :func:`step` is one month:

1. **Supply** (graph reachability: a search per member and faction inside one compiled,
   member-parallel kernel; :func:`supply_reach`): faction f's sources are its bases while it holds
   any of them and the regions it holds next to the external supply nodes open to it; supply spreads through regions f holds
   (share > θ, the contract's capture threshold). A region is *supplied* if reached or next to a
   reached region. Effectiveness e ← min(1, e + recovery) if supplied, else e ← e·(1 − decay).
2. **Air support** saturates: m = 1 + m_max·(1 − exp(−sorties/s0)).
3. **Force-to-space** (Quinlivan 1995, *Parameters* 25(4); cf. Goode 2009, *Parameters* 39(4), who
   finds success rising with force density rather than a sharp threshold — hence coefficients,
   not a rule): holding ties down G = g_pop·population·share + g_front·front_km, where front_km
   sums the borders between a held region and hostile-held neighbours, plus the region's internal
   front if it is shared with an enemy. Uncommitted, and fit to attack,
   U = min(max(X − G, 0), ω·X) in a governorate: only a share ω of a faction's fighters (assault
   units, mobile reserves; the rest are local defence forces) can take open ground, whatever the
   garrison needs; in a site (a city, an enclave, a corridor) U = max(X − G, 0): street by street
   every fighter present takes part.
4. **Offensive feasibility** (Mearsheimer 1989, *International Security* 13(4), the 3:1 rule):
   f can attack in r if U > 0, hostile ground is there, and e·m·U ≥ ratio·Σ_j h_fj·e_j·m_j·X_j.
5. **Ground** (Hirshleifer 1989, *Public Choice* 63): attacker i takes from defender j with
   contest success π_ij = (φ_ij·A_i)^k / ((φ_ij·A_i)^k + D_j^k), A = e·m·U, D = e·m·X, where
   φ_ij = h_ij·X_j / Σ_l h_il·X_l splits i's strength over the enemies in the region as its fire
   is split in step 7 (by their ground h·s where none has fighters): a side fighting two enemies
   in one region does not attack each with its whole force. How much ground an attack
   can cover is bounded by its rate of advance and its frontage: attacker i advances at most v_max
   (km/day; Helmbold 1990, CAA-RP-90-1) over 30.44 days on a frontage of min(depth_r, U_i/ρ) km —
   ρ fighters per km of attack frontage, so a thinly manned side attacks on a narrow front — so its
   reach is κ_ir = min(1, v_max·30.44·min(depth_r, U_i/ρ)/area_r), a share of the region's area
   (with the full width, depth_r = √area_r, it is v_max·30.44/depth_r). j loses
   s_j·min(1, Σ_i g_ij), g_ij = κ_ir·h_ij·feasible_i·π_ij, shared among attackers ∝ g_ij. Shares are
   conserved and stay in [0, 1].
6. **Sieges**: a site held (> θ) by a cut-off faction falls in the month with probability
   1 − exp(−λ·(1 − e)) if a hostile faction is in the site or a region adjacent to it (its parent,
   a neighbouring part of a divided city, a corridor); its share passes to those besiegers
   ∝ h·(D_site + Σ_{n adjacent} D_n) and its garrison is lost. A site's size does not enter: a
   site with an area (e.g. the part of a divided city) is besieged like a point site.
7. **Attrition**: the multi-sided generalised Lanchester law of :mod:`.lanchester` in ``substeps``
   Euler sub-steps, firer multiplier c = e·m.
8. **Turnover, recruitment and redeployment**: a faction that recruits loses a share δ of its
   fighters a month to desertion, defection and demobilisation (an expeditionary force, which does
   not recruit, changes only by reinforcement and withdrawal), so its strength tends to
   r_f·Σ_r population_r·s_fr/δ when it is not fighting; it recruits r_f·Σ_r population_r·s_fr
   fighters a month (r_f per resident it holds: losing populated ground shrinks its recruiting
   base); a fraction of the supplied forces beyond their region's garrison G (garrisons stay),
   plus the recruits and reinforcements, is sent where the faction is short of what each supplied
   region needs: ∝ max(W_fr − X'_fr, 0), X' the forces left in place, with

       W_fr = G_fr + ratio·Σ_j h_fj·X_jr + ρ·depth_r·Σ_j h_fj·s_jr,

   the garrison, the force that makes an attack on the enemies there feasible (step 4's ratio),
   and the enemy-held ground to take: a full-width attack on r needs ρ·depth_r fighters (step 5's
   frontage bound), so ground an enemy holds draws that many in proportion to its share s_jr,
   whether or not the enemy has fighters on it (an undefended or emptied site can be stormed).
   Reserves go to the fronts where a faction is weakest against what it needs, not thinly
   everywhere: every shortfall is met in proportion, up to the pool, and what no front needs goes
   back where the forces are. Supplied regions include those next to f's supply network, so f
   seeks the enemy ground it is supplied next to. Cut-off forces stay put, and a faction with no
   supplied region and no base raises no recruits.

``static`` factions (e.g. Israeli-held Golan, or a ``contested`` slot) never fight or change shares.

Params (M members, F factions, R regions, S supply nodes); "per month" is per calendar month:

=======================  =========  ==============================================================
field                    shape      meaning [unit]
=======================  =========  ==============================================================
factions, regions,       tuples     ids (dataset coordinates)
supply_nodes
adjacency                (R, R)     bool, regions adjacent (sites to their parent)
supply_adjacency         (S, R)     bool, supply node next to region
border_km                (R, R)     shared border length [km]
internal_front_km        (R,)       front length inside a region shared with an enemy [km]
depth_km                 (R,)       depth an advance must cover to take the whole region [km]
area_km2                 (R,)       area over which the region's ground is contested [km²]
population               (R,)       residents [persons] (a site's own; its governorate the rest)
is_site                  (R,)       bool, region is a site (can be besieged)
parent                   (R,)       parent region index, -1 for a governorate
guerrilla                (F,)       bool, Deitchman area fire against this faction
static                   (F,)       bool, shares frozen, no fighting
base                     (F, R)     bool, home regions: supply sources while any share is held
supply_access            (F, S)     bool, supply node open to faction
control0                 (M, F, R)  initial shares of each region's area [0–1, sum 1 over F]
forces0                  (M, F, R)  initial fighters [persons]
hostility                (M, F, F)  fire-allocation weights / hostility [0–1], zero diagonal
attrition                (M, F, F)  a_ij, i's kill rate on j [per month × fighters^(1−p−q_ij)]
p, q                     (M,)       Lanchester exponents: firer, target [–]
hold_threshold           (M,)       θ, held means share > θ (capture_threshold) [0–1)
csf_decisiveness         (M,)       Hirshleifer k [–]
max_advance_km_day       (M,)       v_max [km/day]
assault_share            (M,)       ω, share of a faction's fighters fit to attack [0–1]
attack_density           (M,)       ρ, fighters per km of attack frontage [persons/km]
offensive_ratio          (M,)       local force ratio needed to attack [–] (3:1 rule → 3)
garrison_per_capita      (M,)       g_pop [fighters per resident held]
garrison_per_front_km    (M,)       g_front [fighters per km of front]
supply_decay             (M,)       effectiveness lost per month cut off [0–1]
supply_recovery          (M,)       effectiveness regained per month supplied [≥ 0]
siege_fall_rate          (M,)       λ [per month]
air_m_max, air_s0        (M,)       air multiplier ceiling [–], sortie scale [sorties per month]
redeploy_rate            (M,)       share of supplied forces beyond the garrison re-spread a month
demobilisation_rate      (M,)       δ, share of a recruiting faction's fighters leaving a month [0–1]
recruitment_rate         (M, F)     new fighters per month per resident held [1/month]
substeps                 int        Euler sub-steps per month for attrition
=======================  =========  ==============================================================

Inputs (``drivers``, optional keys): ``air_sorties`` (M, F) or (M, F, R) [sorties/month];
``fire_factor`` (M, F) multiplying a faction's fire and strength like the air multiplier (m·φ);
``reinforcements`` (M, F) pooled and ``deployments`` (M, F, R) placed [fighters; negative =
withdrawal, capped at the mobile pool or at the region's forces]; ``combat_hostility`` (M, F, F); ``supply_access``
(M, F, S) bool. Unknown keys are ignored; non-finite values, negative sorties or factors, or
hostility outside [0, 1] raise ValueError. A besieged garrison's fall is drawn from the stream keyed
``combat/{month}/siege/{faction}/{site}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

import numba
import numpy as np

from .. import batched
from ..rng import MemberRNG
from . import MEMBER
from .lanchester import attrition_substeps, fire_matrices

DAYS_PER_MONTH = 30.44


def _member():
    return field(metadata=MEMBER)


@dataclass(frozen=True)
class Params:
    factions: tuple[str, ...]
    regions: tuple[str, ...]
    supply_nodes: tuple[str, ...]
    adjacency: np.ndarray
    supply_adjacency: np.ndarray
    border_km: np.ndarray
    internal_front_km: np.ndarray
    depth_km: np.ndarray
    area_km2: np.ndarray
    population: np.ndarray
    is_site: np.ndarray
    parent: np.ndarray
    guerrilla: np.ndarray
    static: np.ndarray
    base: np.ndarray
    supply_access: np.ndarray
    control0: np.ndarray = _member()
    forces0: np.ndarray = _member()
    hostility: np.ndarray = _member()
    attrition: np.ndarray = _member()
    p: np.ndarray = _member()
    q: np.ndarray = _member()
    hold_threshold: np.ndarray = _member()
    csf_decisiveness: np.ndarray = _member()
    max_advance_km_day: np.ndarray = _member()
    assault_share: np.ndarray = _member()
    attack_density: np.ndarray = _member()
    offensive_ratio: np.ndarray = _member()
    garrison_per_capita: np.ndarray = _member()
    garrison_per_front_km: np.ndarray = _member()
    supply_decay: np.ndarray = _member()
    supply_recovery: np.ndarray = _member()
    siege_fall_rate: np.ndarray = _member()
    air_m_max: np.ndarray = _member()
    air_s0: np.ndarray = _member()
    redeploy_rate: np.ndarray = _member()
    demobilisation_rate: np.ndarray = _member()
    recruitment_rate: np.ndarray = _member()
    substeps: int = 4

    @property
    def n_members(self) -> int:
        return self.control0.shape[0]


_MEMBER_FIELDS = {f.name for f in fields(Params) if f.metadata.get("member")}


@dataclass
class State:
    control: np.ndarray  # (M, F, R)
    forces: np.ndarray  # (M, F, R)
    effectiveness: np.ndarray  # (M, F, R)


@dataclass(frozen=True)
class Outputs:
    control: np.ndarray  # (M, F, R) shares at month end
    forces: np.ndarray  # (M, F, R) fighters at month end
    losses: np.ndarray  # (M, F, R) fighters lost in the month (attrition + surrendered garrisons)
    intensity: np.ndarray  # (M, R) fighter losses in the region in the month
    offensive_feasible: np.ndarray  # (M, F, R) bool
    supplied: np.ndarray  # (M, F, R) bool

    DIMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "control": ("faction", "region"),
        "forces": ("faction", "region"),
        "losses": ("faction", "region"),
        "intensity": ("region",),
        "offensive_feasible": ("faction", "region"),
        "supplied": ("faction", "region"),
    }


def validate(params: Params) -> None:
    """Raise ValueError listing every problem (shapes, signs, shares, supply graph)."""
    P = params
    F, R, S = len(P.factions), len(P.regions), len(P.supply_nodes)
    M = P.control0.shape[0] if np.ndim(P.control0) == 3 else 0
    bad: list[str] = []
    shapes = {
        "adjacency": (R, R), "supply_adjacency": (S, R), "border_km": (R, R),
        "internal_front_km": (R,), "depth_km": (R,), "area_km2": (R,), "population": (R,),
        "is_site": (R,),
        "parent": (R,), "guerrilla": (F,), "static": (F,), "base": (F, R),
        "supply_access": (F, S), "control0": (M, F, R), "forces0": (M, F, R),
        "hostility": (M, F, F), "attrition": (M, F, F), "recruitment_rate": (M, F),
    }  # fmt: skip
    for name in _MEMBER_FIELDS - set(shapes):
        shapes[name] = (M,)
    for name, shape in shapes.items():
        v = np.asarray(getattr(P, name))
        if v.shape != shape:
            bad.append(f"{name}: shape {v.shape}, expected {shape}")
        elif v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            bad.append(f"{name}: contains NaN or inf")
    if bad:
        raise ValueError("invalid combat Params:\n  " + "\n  ".join(bad))

    def check(ok, text):
        if not np.all(ok):
            bad.append(text)

    check(P.forces0 >= 0, "forces0: negative strengths")
    check((P.control0 >= 0) & (P.control0 <= 1), "control0: shares outside [0, 1]")
    sums = P.control0.sum(axis=1)
    worst = np.unravel_index(np.argmax(np.abs(sums - 1)), sums.shape)
    check(
        np.abs(sums - 1) <= 1e-6,
        f"control0: shares do not sum to 1 over factions (member {worst[0]}, region "
        f"{P.regions[worst[1]]!r}: sum {sums[worst]:.6g})",
    )
    check((P.hostility >= 0) & (P.hostility <= 1), "hostility: weights outside [0, 1]")
    check(np.diagonal(P.hostility, axis1=1, axis2=2) == 0, "hostility: a faction hostile to itself")
    check(P.attrition >= 0, "attrition: negative coefficients")
    for name in ("p", "q", "garrison_per_capita", "garrison_per_front_km", "supply_recovery",
                 "siege_fall_rate", "air_m_max", "max_advance_km_day", "recruitment_rate"):  # fmt: skip
        check(getattr(P, name) >= 0, f"{name}: negative values")
    for name in ("csf_decisiveness", "offensive_ratio", "air_s0", "attack_density"):
        check(getattr(P, name) > 0, f"{name}: must be > 0")
    check(
        (P.supply_decay >= 0) & (P.supply_decay <= 1),
        "supply_decay: must lie in [0, 1], otherwise effectiveness e·(1 − decay) can go negative",
    )
    check((P.hold_threshold >= 0) & (P.hold_threshold < 1), "hold_threshold: must be in [0, 1)")
    check((P.redeploy_rate >= 0) & (P.redeploy_rate <= 1), "redeploy_rate: must be in [0, 1]")
    check((P.assault_share >= 0) & (P.assault_share <= 1), "assault_share: must be in [0, 1]")
    check((P.demobilisation_rate >= 0) & (P.demobilisation_rate <= 1),
          "demobilisation_rate: must be in [0, 1]")  # fmt: skip
    check((P.depth_km > 0) & (P.internal_front_km >= 0) & (P.area_km2 > 0),
          "depth_km > 0, area_km2 > 0, internal_front_km >= 0")  # fmt: skip
    check(P.border_km >= 0, "border_km: negative lengths")
    check(np.array_equal(P.adjacency, P.adjacency.T), "adjacency: not symmetric")
    check(~np.diagonal(P.adjacency), "adjacency: a region adjacent to itself")
    lonely = [n for n, row in zip(P.supply_nodes, P.supply_adjacency, strict=True) if not row.any()]
    check(not lonely, f"supply nodes adjacent to no region (disconnected): {lonely}")
    check(int(P.substeps) >= 1, "substeps: must be >= 1")
    if bad:
        raise ValueError("invalid combat Params:\n  " + "\n  ".join(bad))


def init_state(params: Params, n_members: int) -> State:
    if params.n_members != n_members:
        raise ValueError(f"Params hold {params.n_members} members, asked for {n_members}")
    return State(
        control=params.control0.astype(float).copy(),
        forces=params.forces0.astype(float).copy(),
        effectiveness=np.ones_like(params.forces0, dtype=float),
    )


def _csr(adjacency):
    """Neighbour lists of a boolean adjacency matrix: (indptr, indices)."""
    rows, cols = np.nonzero(adjacency)
    return np.r_[0, np.cumsum(np.bincount(rows, minlength=adjacency.shape[0]))], cols


@numba.njit(cache=True)
def _bfs(passable, source, indptr, indices, reach, stack):  # pragma: no cover - compiled
    """reach ← nodes connected to a source through passable nodes (sources must be passable)."""
    top = 0
    for r in range(passable.size):
        reach[r] = source[r] and passable[r]
        if reach[r]:
            stack[top] = r
            top += 1
    while top > 0:
        top -= 1
        r = stack[top]
        for k in range(indptr[r], indptr[r + 1]):
            nb = indices[k]
            if passable[nb] and not reach[nb]:
                reach[nb] = True
                stack[top] = nb
                top += 1


@numba.njit(parallel=True, cache=True)
def _reach_all(held, sources, indptr, indices):  # pragma: no cover - compiled
    M, F, R = held.shape
    out = np.zeros((M, F, R), np.bool_)
    for m in numba.prange(M):
        stack = np.empty(R, np.int64)
        for f in range(F):
            _bfs(held[m, f], sources[m, f], indptr, indices, out[m, f], stack)
    return out


def supply_reach(held, adjacency, sources):
    """Regions reached from ``sources`` through ``held`` regions, for every member and faction.

    held, sources (M, F, R) bool; adjacency (R, R) bool. A graph search per (member, faction) inside
    one compiled, member-parallel kernel (the one :func:`step` uses).
    """
    indptr, indices = _csr(np.asarray(adjacency, bool))
    return _reach_all(np.asarray(held, bool), np.asarray(sources, bool), indptr, indices)


@numba.njit(parallel=True, cache=True)
def _posture(  # pragma: no cover - compiled
    control, X, eff, mult, hostile, indptr, indices, border_km, base, ext, theta,
    recovery, decay, g_pop, g_front, population, internal_km, ratio, live, assault, is_site,
):  # fmt: skip
    """Steps 1, 3 and 4 of the module docstring for every member: supply, effectiveness, garrisons,
    uncommitted forces and offensive feasibility. Returns (supplied, e, att, dfn, garrison,
    feasible)."""
    M, F, R = control.shape
    supplied = np.zeros((M, F, R), np.bool_)
    feasible = np.zeros((M, F, R), np.bool_)
    e = np.empty((M, F, R))
    att = np.empty((M, F, R))
    dfn = np.empty((M, F, R))
    garrison = np.empty((M, F, R))
    for m in numba.prange(M):
        held = np.empty((F, R), np.bool_)
        passable = np.empty(R, np.bool_)
        source = np.empty(R, np.bool_)
        reach = np.empty(R, np.bool_)
        stack = np.empty(R, np.int64)
        enemy_held = np.empty(R, np.bool_)
        for f in range(F):
            for r in range(R):
                held[f, r] = control[m, f, r] > theta[m]
        for f in range(F):
            for r in range(R):
                home = base[f, r] and control[m, f, r] > 0.0  # a base supplies while any is held
                passable[r] = held[f, r] or home
                source[r] = home or (held[f, r] and ext[m, f, r])
            _bfs(passable, source, indptr, indices, reach, stack)
            for r in range(R):
                sup = reach[r] or ext[m, f, r]
                for k in range(indptr[r], indptr[r + 1]):
                    sup = sup or reach[indices[k]]
                supplied[m, f, r] = sup
                old = eff[m, f, r]
                e[m, f, r] = min(1.0, old + recovery[m]) if sup else old * (1.0 - decay[m])
                dfn[m, f, r] = e[m, f, r] * mult[m, f, r] * X[m, f, r]
        for f in range(F):  # needs every faction's defence, hence a second pass
            for r in range(R):
                enemy_held[r] = False
                for j in range(F):
                    if hostile[m, f, j] > 0.0 and held[j, r]:
                        enemy_held[r] = True
            for r in range(R):
                enemy_here = False
                for j in range(F):
                    if hostile[m, f, j] > 0.0 and control[m, j, r] > 0.0:
                        enemy_here = True
                front = 0.0
                if held[f, r]:
                    for k in range(indptr[r], indptr[r + 1]):
                        if enemy_held[indices[k]]:
                            front += border_km[r, indices[k]]
                if enemy_here and control[m, f, r] > 0.0:
                    front += internal_km[r]
                g = g_pop[m] * population[r] * control[m, f, r] + g_front[m] * front
                garrison[m, f, r] = g
                u = max(X[m, f, r] - g, 0.0)
                if not is_site[r]:
                    u = min(u, assault[m] * X[m, f, r])
                att[m, f, r] = e[m, f, r] * mult[m, f, r] * u
                if u > 0.0 and enemy_here and live[f]:
                    facing = 0.0
                    for j in range(F):
                        facing += hostile[m, f, j] * dfn[m, j, r]
                    feasible[m, f, r] = att[m, f, r] >= ratio[m] * facing
    return supplied, e, att, dfn, garrison, feasible


@numba.njit(parallel=True, cache=True)
def _ground(control, X, att, dfn, hostile, feasible, kappa, k):  # pragma: no cover - compiled
    """Contest-success transfer of shares (step 5 of the module docstring); kappa (M, F, R) is each
    attacker's reach. Attacker i's strength is split over the enemies in r as its fire is, by
    φ_ij = h_ij·X_j / Σ_l h_il·X_l (by their ground h_ij·s_j where no enemy has fighters)."""
    M, F, R = control.shape
    out = control.copy()
    for m in numba.prange(M):
        g = np.empty(F)
        by_men = np.empty(F)
        by_ground = np.empty(F)
        for r in range(R):
            attackers = 0
            for i in range(F):
                attackers += feasible[m, i, r]
                by_men[i] = 0.0
                by_ground[i] = 0.0
                if feasible[m, i, r]:
                    for j in range(F):
                        by_men[i] += hostile[m, i, j] * X[m, j, r]
                        by_ground[i] += hostile[m, i, j] * control[m, j, r]
            if attackers == 0:
                continue
            for j in range(F):
                sj = control[m, j, r]
                if sj <= 0.0:
                    continue
                dk = dfn[m, j, r] ** k[m]
                total = 0.0
                for i in range(F):
                    g[i] = 0.0
                    if not (feasible[m, i, r] and hostile[m, i, j] > 0.0):
                        continue
                    if by_men[i] > 0.0:
                        share = hostile[m, i, j] * X[m, j, r] / by_men[i]
                    else:
                        share = hostile[m, i, j] * sj / by_ground[i]
                    ak = (att[m, i, r] * share) ** k[m]
                    if ak + dk > 0.0:
                        g[i] = kappa[m, i, r] * hostile[m, i, j] * ak / (ak + dk)
                        total += g[i]
                if total <= 0.0:
                    continue
                lost = sj * min(1.0, total)
                out[m, j, r] -= lost
                for i in range(F):
                    out[m, i, r] += lost * g[i] / total
            for i in range(F):  # rounding must not carry a share out of [0, 1]
                out[m, i, r] = min(1.0, max(0.0, out[m, i, r]))
    return out


@numba.njit(parallel=True, cache=True)
def _redeploy(X, garrison, supplied, control, hostile, base, population, rate, reinf, mobile_rate,
              density, depth, ratio):  # pragma: no cover - compiled  # fmt: skip
    """Step 8's recruitment and redeployment for every member (module docstring): the pool (the
    supplied forces beyond the garrison × the mobile rate, recruits, reinforcements) fills each
    supplied region's shortfall max(W − X', 0) in proportion, up to the pool; the rest goes where
    the forces stay (else where they are, else to the bases)."""
    M, F, R = X.shape
    out = np.empty_like(X)
    for m in numba.prange(M):
        stay = np.empty(R)
        short = np.empty(R)
        for f in range(F):
            pool = reinf[m, f]
            residents = 0.0
            for r in range(R):
                residents += control[m, f, r] * population[r]
            pool += rate[m, f] * residents
            for r in range(R):
                moved = 0.0
                if supplied[m, f, r]:
                    moved = mobile_rate[m] * max(X[m, f, r] - garrison[m, f, r], 0.0)
                stay[r] = X[m, f, r] - moved
                pool += moved
            pool = max(pool, 0.0)
            total = 0.0
            for r in range(R):
                short[r] = 0.0
                if not supplied[m, f, r]:
                    continue
                hx = 0.0
                hs = 0.0
                for j in range(F):
                    hx += hostile[m, f, j] * X[m, j, r]
                    hs += hostile[m, f, j] * control[m, j, r]
                need = garrison[m, f, r] + ratio[m] * hx + density[m] * depth[r] * hs
                short[r] = max(need - stay[r], 0.0)
                total += short[r]
            fill = min(1.0, pool / total) if total > 0.0 else 0.0
            rest = max(pool - fill * total, 0.0)  # not −ε when the pool is all used
            bsum = 0.0
            for r in range(R):
                if supplied[m, f, r]:
                    bsum += stay[r]
            kind = 0  # where the rest goes: 0 stay, 1 forces, 2 bases, 3 nowhere
            if bsum <= 0.0:
                kind = 1
                for r in range(R):
                    if supplied[m, f, r]:
                        bsum += X[m, f, r]
            if bsum <= 0.0:
                kind = 2
                for r in range(R):
                    bsum += 1.0 if base[f, r] else 0.0
            if bsum <= 0.0:
                kind = 3
            for r in range(R):
                w = 0.0
                if kind == 0 and supplied[m, f, r]:
                    w = stay[r]
                elif kind == 1 and supplied[m, f, r]:
                    w = X[m, f, r]
                elif kind == 2 and base[f, r]:
                    w = 1.0
                spread = w / bsum if kind < 3 else 0.0
                out[m, f, r] = stay[r] + short[r] * fill + rest * spread
    return out


def _check_drivers(drivers) -> None:
    for key in ("air_sorties", "reinforcements", "deployments", "combat_hostility", "fire_factor"):
        if key in drivers and not np.all(np.isfinite(drivers[key])):
            raise ValueError(f"combat driver {key!r} contains NaN or inf")
    for key in ("air_sorties", "fire_factor"):
        if np.any(np.asarray(drivers.get(key, 0.0)) < 0):
            raise ValueError(f"combat driver {key!r} must be >= 0")
    h = np.asarray(drivers.get("combat_hostility", 0.0))
    if np.any((h < 0) | (h > 1)):
        raise ValueError("combat driver 'combat_hostility' must lie in [0, 1]")


def step(state: State, params: Params, drivers, month: int, rng: MemberRNG):
    """Advance one month; returns (State, Outputs). See the module docstring for the order."""
    P, drivers = params, drivers or {}
    _check_drivers(drivers)
    M, F, R = state.control.shape
    col = (slice(None), None, None)
    live = ~P.static
    hostile = np.asarray(drivers.get("combat_hostility", P.hostility), float)
    hostile = hostile * live[None, :, None] * live[None, None, :]
    control, X = state.control.copy(), state.forces.copy()

    # 1–4. supply and effectiveness, air support, force-to-space, offensive feasibility
    access = np.asarray(drivers.get("supply_access", P.supply_access), np.float32)
    ext = np.broadcast_to((access @ P.supply_adjacency.astype(np.float32)) > 0, (M, F, R)).copy()
    sorties = np.asarray(drivers.get("air_sorties", np.zeros((M, F))), float)
    pm = (slice(None), None) + (None,) * (sorties.ndim - 2)
    mult = 1.0 + P.air_m_max[pm] * (1.0 - np.exp(-sorties / P.air_s0[pm]))
    mult = np.broadcast_to(mult if mult.ndim == 3 else mult[..., None], (M, F, R)).copy()
    if "fire_factor" in drivers:
        mult *= np.asarray(drivers["fire_factor"], float).reshape(M, F, 1)
    indptr, indices = _csr(P.adjacency)
    supplied, e, att, dfn, garrison, feasible = _posture(
        control, X, state.effectiveness, mult, hostile, indptr, indices, P.border_km, P.base,
        ext, P.hold_threshold, P.supply_recovery, P.supply_decay, P.garrison_per_capita,
        P.garrison_per_front_km, P.population, P.internal_front_km, P.offensive_ratio, live,
        P.assault_share, P.is_site,
    )  # fmt: skip
    c = e * mult

    # 5. ground
    share = np.where(P.is_site[None, None, :], 1.0, P.assault_share[col])
    uncommitted = np.minimum(np.maximum(X - garrison, 0.0), share * X)
    frontage = np.minimum(P.depth_km, uncommitted / P.attack_density[col])
    reach = P.max_advance_km_day[col] * DAYS_PER_MONTH * frontage / P.area_km2
    control = _ground(control, X, att, dfn, hostile, feasible, np.minimum(1.0, reach),
                      P.csf_decisiveness)  # fmt: skip

    # 6. sieges (site columns of the members where a garrison falls)
    losses = np.zeros_like(X)
    sites = np.nonzero(P.is_site)[0]
    besieged = (control[:, :, sites] > P.hold_threshold[col]) & ~supplied[:, :, sites]
    if besieged.any():
        u = np.ones((M, F, sites.size))
        fs, ks = np.nonzero(besieged.any(axis=0))
        keys = [
            f"combat/{month}/siege/{P.factions[f]}/{P.regions[sites[k]]}"
            for f, k in zip(fs, ks, strict=True)
        ]
        u[:, fs, ks] = rng.uniform_many(keys).T
        rate = P.siege_fall_rate[col] * (1.0 - e[:, :, sites])
        falls = besieged & (u < -np.expm1(-rate))
        mm = np.nonzero(falls.any(axis=(1, 2)))[0]
        falls = falls[mm]
        at = np.ix_(mm, np.arange(F), sites)
        ctrl, x, gone = control[at], X[at], np.zeros((mm.size, F, sites.size))
        near = dfn[mm] + batched.matmul(dfn[mm], P.adjacency.T)  # the site and its neighbours
        around = near[:, :, sites]
        for j in np.nonzero(falls.any(axis=(0, 2)))[0]:
            weight = hostile[mm, :, j, None] * around  # besiegers of j's garrisons
            total = weight.sum(axis=1)
            fell = falls[:, j] & (total > 0)
            ctrl += weight * np.where(fell, ctrl[:, j] / np.where(fell, total, 1.0), 0.0)[:, None]
            ctrl[:, j] = np.where(fell, 0.0, ctrl[:, j])
            gone[:, j] = np.where(fell, x[:, j], 0.0)
            x[:, j] = np.where(fell, 0.0, x[:, j])
        control[at], X[at], losses[at] = ctrl, x, gone

    # 7. attrition
    a1, a2 = fire_matrices(P.attrition, hostile, P.p, P.guerrilla)
    n_sub = int(P.substeps)
    X, lost = attrition_substeps(X, a1, a2, hostile, c, P.p, P.q, 1.0 / n_sub, n_sub)
    losses += lost

    # 8. turnover, recruitment and redeployment
    X = X * (1.0 - P.demobilisation_rate[:, None, None] * (P.recruitment_rate > 0)[:, :, None])
    reinf = np.asarray(drivers.get("reinforcements", np.zeros((M, F))), float)
    if "deployments" in drivers:
        X = np.maximum(X + np.asarray(drivers["deployments"], float), 0.0)
    X = _redeploy(X, garrison, supplied, control, hostile, P.base, P.population,
                  P.recruitment_rate, reinf, P.redeploy_rate, P.attack_density, P.depth_km,
                  P.offensive_ratio)  # fmt: skip

    new = State(control=control, forces=X, effectiveness=e)
    return new, Outputs(
        control=control,
        forces=X,
        losses=losses,
        intensity=losses.sum(axis=1),
        offensive_feasible=feasible,
        supplied=supplied,
    )


def map_structure(
    syria, factions, bases, supply_access, guerrilla=(), static=(), site_depth_km=None
):
    """The structural (non-member) Params fields from a :class:`realpolitik.geo.SyriaMap`.

    bases {faction: [region ids]}, supply_access {faction: [supply node ids]}, guerrilla/static: faction
    ids. A governorate's depth and internal front are its characteristic length √area; sites have no
    area, so ``site_depth_km`` (scenario value) gives both. Unknown ids raise ValueError.
    """
    F, R = len(factions), len(syria.regions)

    def idx(ids, valid, what):
        unknown = [i for i in ids if i not in valid]
        if unknown:
            raise ValueError(f"unknown {what} id(s) {unknown}; valid: {', '.join(valid)}")
        return [valid.index(i) for i in ids]

    for group in (bases, supply_access):
        idx(list(group), list(factions), "faction")
    base = np.zeros((F, R), bool)
    for f, regions in bases.items():
        base[factions.index(f), idx(regions, list(syria.regions), "region")] = True
    access = np.zeros((F, len(syria.supply_nodes)), bool)
    for f, nodes in supply_access.items():
        access[factions.index(f), idx(nodes, list(syria.supply_nodes), "supply node")] = True
    flags = [
        np.isin(np.arange(F), idx(list(g), list(factions), "faction")) for g in (guerrilla, static)
    ]
    if site_depth_km is None and syria.is_site.any():
        raise ValueError("site_depth_km is required: sites have no area to derive a depth from")
    length = np.where(syria.is_site, site_depth_km or 0.0, syria.length_km)
    return dict(
        factions=tuple(factions),
        regions=syria.regions,
        supply_nodes=syria.supply_nodes,
        adjacency=syria.adjacency,
        supply_adjacency=syria.supply_adjacency,
        border_km=syria.border_km,
        internal_front_km=length,
        depth_km=length,
        area_km2=length**2,
        population=syria.population,
        is_site=syria.is_site,
        parent=syria.parent,
        guerrilla=flags[0],
        static=flags[1],
        base=base,
        supply_access=access,
    )
