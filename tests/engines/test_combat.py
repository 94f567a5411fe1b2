"""Territory engine: bad input, invariants, supply reachability, comparative statics.

Every coefficient here is synthetic (drawn from wide ranges), never the flagship scenario's: the tests
check mechanics, invariants and directions, not any historical outcome.
"""

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.engines import combat, member_slice
from realpolitik.engines import run as run_engine
from realpolitik.geo import load_syria
from realpolitik.rng import MemberRNG

SYRIA = load_syria()
FACTIONS = ("regime", "rebels", "isis", "sdf", "other")


def synthetic(structure, n, seed, control0=None, forces0=None, **over):
    """Params with coefficients drawn uniformly from wide, plausible ranges (per member)."""
    rng = np.random.default_rng(seed)
    F, R = len(structure["factions"]), len(structure["regions"])
    if control0 is None:
        control0 = rng.dirichlet(np.ones(F), size=(n, R)).transpose(0, 2, 1)
    if forces0 is None:
        forces0 = rng.uniform(0, 5000, (n, F, R)) * (control0 > 0)
    hostile = np.broadcast_to(1.0 - np.eye(F), (n, F, F)).copy()

    def u(lo, hi, shape=()):
        return rng.uniform(lo, hi, (n, *shape))

    kw = dict(
        control0=control0,
        forces0=forces0,
        hostility=hostile,
        attrition=hostile * u(0.01, 0.05)[:, None, None],
        p=u(0.8, 1.2),
        q=u(0.0, 0.3),
        hold_threshold=u(0.3, 0.6),
        csf_decisiveness=u(0.5, 2.0),
        max_advance_km_day=u(0.5, 3.0),
        attack_density=u(20.0, 200.0),
        assault_share=u(0.2, 1.0),
        offensive_ratio=u(2.0, 4.0),
        garrison_per_capita=u(0.0005, 0.003),
        garrison_per_front_km=u(2.0, 10.0),
        supply_decay=u(0.05, 0.3),
        supply_recovery=u(0.1, 0.5),
        siege_fall_rate=u(0.1, 1.0),
        air_m_max=u(0.5, 2.0),
        air_s0=u(100.0, 1000.0),
        redeploy_rate=u(0.05, 0.3),
        demobilisation_rate=u(0.0, 0.02),
        recruitment_rate=u(0, 5e-5, (F,)),
        substeps=4,
    )
    kw.update(over)
    return combat.Params(**structure, **kw)


def flagship_structure(**over):
    kw = dict(
        bases={"regime": ["damascus", "latakia"], "isis": ["raqqa-city"]},
        supply_access={"regime": ["lebanon"], "rebels": ["turkey"], "isis": ["iraq"]},
        guerrilla=("isis",),
        static=("other",),
        site_depth_km=10.0,
    )
    kw.update(over)
    return combat.map_structure(SYRIA, FACTIONS, **kw)


def chain_structure(n_regions, factions, base=None, access=None, sites=()):
    """Regions 0–1–2–… in a line; supply node 'x' next to the last region; sites are children."""
    R, F = n_regions, len(factions)
    adj = np.zeros((R, R), bool)
    parent = -np.ones(R, int)
    for r in range(1, R):
        up = r - 1 if r not in sites else sites[r]
        adj[r, up] = adj[up, r] = True
        if r in sites:
            parent[r] = up
    supply_adj = np.zeros((1, R), bool)
    supply_adj[0, max(r for r in range(R) if r not in sites)] = True
    return dict(
        factions=tuple(factions),
        regions=tuple(f"r{r}" for r in range(R)),
        supply_nodes=("x",),
        adjacency=adj,
        supply_adjacency=supply_adj,
        border_km=adj * 50.0,
        internal_front_km=np.full(R, 30.0),
        depth_km=np.full(R, 60.0),
        area_km2=np.full(R, 3600.0),
        population=np.where(parent < 0, 2e5, 0.0),
        is_site=parent >= 0,
        parent=parent,
        guerrilla=np.zeros(F, bool),
        static=np.zeros(F, bool),
        base=np.zeros((F, R), bool) if base is None else base,
        supply_access=np.zeros((F, 1), bool) if access is None else access,
    )


def run(params, months, seed=5, drivers=None):
    return run_engine(combat, params, params.n_members, months, seed, drivers=drivers)


# ---------------------------------------------------------------- bad input


def test_valid_synthetic_flagship_params_pass():
    combat.validate(synthetic(flagship_structure(), 3, 0))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: {"forces0": -p.forces0 - 1}, "forces0: negative strengths"),
        (lambda p: {"control0": p.control0 * 0.9}, "do not sum to 1"),
        (lambda p: {"supply_decay": p.supply_decay + 1.0}, "effectiveness .* can go negative"),
        (lambda p: {"supply_adjacency": np.zeros_like(p.supply_adjacency)}, "disconnected"),
        (lambda p: {"attrition": -p.attrition}, "attrition: negative"),
        (lambda p: {"hostility": p.hostility + 1.0}, "hostility"),
        (lambda p: {"p": np.full(4, 1.0)}, r"p: shape \(4,\)"),
        (lambda p: {"air_s0": p.air_s0 * np.nan}, "NaN"),
    ],
)
def test_bad_params_raise_clear_errors(change, message):
    params = synthetic(flagship_structure(), 3, 0)
    with pytest.raises(ValueError, match=message):
        combat.validate(replace(params, **change(params)))


def test_unknown_ids_raise():
    with pytest.raises(ValueError, match=r"unknown region id\(s\) \['alepo'\]; valid: .*aleppo"):
        flagship_structure(bases={"regime": ["alepo"]})
    with pytest.raises(ValueError, match="unknown supply node id.*turkey"):
        flagship_structure(supply_access={"regime": ["turkiye"]})
    with pytest.raises(ValueError, match="unknown faction id"):
        flagship_structure(guerrilla=("daesh",))


# ---------------------------------------------------------------- supply reachability


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_supply_reach_matches_networkx(seed):
    """Vectorised propagation vs networkx on the subgraph of held regions, per member."""
    rng = np.random.default_rng(seed)
    M, F, R = 6, 3, int(rng.integers(2, 12))
    g = nx.gnp_random_graph(R, float(rng.uniform(0.1, 0.6)), seed=int(seed))
    adj = nx.to_numpy_array(g, nodelist=range(R)) > 0
    held = rng.random((M, F, R)) < 0.6
    sources = rng.random((M, F, R)) < 0.15
    got = combat.supply_reach(held, adj, sources)
    for m in range(M):
        for f in range(F):
            sub = g.subgraph([r for r in range(R) if held[m, f, r]])
            want = set()
            for s in np.nonzero(sources[m, f] & held[m, f])[0]:
                want |= nx.node_connected_component(sub, s)
            assert set(np.nonzero(got[m, f])[0]) == want


# ---------------------------------------------------------------- invariants


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_shares_stay_valid_on_random_graphs_and_forces(seed):
    """Shares in [0, 1] summing to 1, forces ≥ 0, everything finite, on random graphs and inputs."""
    rng = np.random.default_rng(seed)
    R, F = int(rng.integers(2, 8)), int(rng.integers(2, 5))
    g = nx.connected_watts_strogatz_graph(R, 2, 0.5, seed=int(seed)) if R > 2 else nx.path_graph(R)
    adj = nx.to_numpy_array(g, nodelist=range(R)) > 0
    n_sites = int(rng.integers(0, R))
    is_site = np.zeros(R, bool)
    is_site[rng.choice(R, n_sites, replace=False)] = True
    parent = np.where(is_site, rng.integers(0, R, R), -1)
    parent = np.where(parent == np.arange(R), -1, parent)
    base = rng.random((F, R)) < 0.2
    structure = chain_structure(R, [f"f{i}" for i in range(F)], base=base)
    structure.update(
        adjacency=adj,
        border_km=adj * rng.uniform(5, 300, (R, R)),
        is_site=parent >= 0,
        parent=parent,
        guerrilla=rng.random(F) < 0.5,
        supply_access=rng.random((F, 1)) < 0.5,
    )
    n = 8
    control0 = rng.dirichlet(np.full(F, 0.3), size=(n, R)).transpose(0, 2, 1)
    forces0 = rng.choice([0.0, 1.0, 50.0, 1e5], (n, F, R)) * rng.random((n, F, R))
    params = synthetic(structure, n, seed, control0=control0, forces0=forces0)
    combat.validate(params)
    sorties = rng.uniform(0, 2000, (n, F, R))
    ds = run(params, 4, drivers=lambda m: {"air_sorties": sorties})
    for name in ("control", "forces", "losses", "intensity"):
        assert np.isfinite(ds[name].values).all(), name
    ctrl = ds.control.values
    assert (ctrl >= -1e-12).all() and (ctrl <= 1 + 1e-12).all()
    assert np.abs(ctrl.sum(axis=2) - 1).max() <= 1e-9
    assert (ds.forces.values >= 0).all() and (ds.losses.values >= 0).all()


def test_flagship_run_invariants_and_outputs():
    params = synthetic(flagship_structure(), 20, 1)
    ds = run(params, 6)
    assert ds.control.dims == ("member", "month", "faction", "region")
    assert np.abs(ds.control.sum("faction") - 1).max() <= 1e-9
    assert np.allclose(ds.intensity, ds.losses.sum("faction"))
    other = ds.control.sel(faction="other")
    assert np.allclose(other, params.control0[:, None, FACTIONS.index("other")])
    assert ds.offensive_feasible.dtype == bool


def test_advance_is_capped_by_the_maximum_rate():
    """Helmbold cap: outside sieges no faction gains more than v_max·30.44/depth of a region a month."""
    structure = chain_structure(3, ["a", "b"])
    structure["depth_km"] = np.full(3, 500.0)
    structure["area_km2"] = np.full(3, 500.0**2)
    params = synthetic(structure, 50, 2, siege_fall_rate=np.zeros(50))
    ds = run(params, 3)
    gain = np.diff(np.concatenate([params.control0[:, None], ds.control.values], axis=1), axis=1)
    cap = params.max_advance_km_day * combat.DAYS_PER_MONTH / structure["depth_km"][0]
    assert (gain.max(axis=(1, 2, 3)) <= np.minimum(cap, 1) + 1e-12).all()


def test_a_thinly_manned_attack_takes_less_ground():
    """The frontage bound: with the same odds (both sides scaled alike) an attacker with fewer
    uncommitted fighters attacks on a narrower front, so it takes less of the region a month."""
    structure = chain_structure(3, ["a", "b"])
    n = 40
    base = synthetic(structure, n, 6, siege_fall_rate=np.zeros(n), offensive_ratio=np.full(n, 1.5),
                     garrison_per_capita=np.zeros(n), garrison_per_front_km=np.zeros(n),
                     attack_density=np.full(n, 100.0))  # fmt: skip
    taken = []
    for scale in (0.05, 1.0):
        params = combat.Params(**{**base.__dict__, "forces0": base.forces0 * scale})
        ds = run(params, 1)
        lost = params.control0 - ds.control.values[:, 0]  # (member, faction, region)
        taken.append(np.abs(lost).sum(axis=(1, 2)))
    assert taken[0].mean() < taken[1].mean()


def test_an_attack_on_two_enemies_is_split_between_them():
    """φ_ij: a fighting b and c in one region attacks each with a share of its strength, so b loses
    less ground to a than when c's fighters are not there (same b, same a, same draws)."""
    structure = chain_structure(1, ["a", "b", "c"])
    n = 40
    control0 = np.broadcast_to(np.array([[0.4], [0.3], [0.3]]), (n, 3, 1)).copy()
    forces = np.broadcast_to(np.array([[20000.0], [3000.0], [3000.0]]), (n, 3, 1)).copy()
    common = dict(siege_fall_rate=np.zeros(n), offensive_ratio=np.full(n, 1.5),
                  garrison_per_capita=np.zeros(n), garrison_per_front_km=np.zeros(n))  # fmt: skip
    base = synthetic(structure, n, 8, control0=control0, forces0=forces, **common)
    lost = []
    for c_fighters in (3000.0, 0.0):
        f0 = forces.copy()
        f0[:, 2] = c_fighters
        params = combat.Params(**{**base.__dict__, "forces0": f0})
        _, out = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(5, 0, n))
        lost.append(params.control0[:, 1, 0] - out.control[:, 1, 0])
    assert (lost[0] <= lost[1] + 1e-12).all() and (lost[0] < lost[1]).any()


def test_garrisons_stay_when_forces_are_redeployed():
    """Only forces beyond a region's garrison are re-spread: a rear region holding exactly its
    garrison keeps it while the faction's other forces move to the front."""
    structure = chain_structure(3, ["a", "b"])
    n = 20
    control0 = np.broadcast_to(np.array([[1.0, 0.6, 0.0], [0.0, 0.4, 1.0]]), (n, 2, 3)).copy()
    rear = 0.005 * 2e5  # garrison of r0: g_pop·population·share (no front there)
    forces0 = np.broadcast_to(np.array([[rear, 5000.0, 0.0], [0.0, 3000.0, 5000.0]]), (n, 2, 3))
    params = synthetic(structure, n, 9, control0=control0, forces0=forces0.copy(),
                       garrison_per_capita=np.full(n, 0.005), redeploy_rate=np.full(n, 0.25),
                       recruitment_rate=np.zeros((n, 2)), demobilisation_rate=np.zeros(n),
                       siege_fall_rate=np.zeros(n))  # fmt: skip
    ds = run(params, 1)
    assert (ds.forces.values[:, 0, 0, 0] >= rear - 1e-6).all()


def test_reserves_go_to_the_front_short_of_what_it_needs():
    """Step 8: a faction's pool fills shortfalls first. Front r1, where a outnumbers b 10:1, needs
    nothing more; front r2, where b holds ground with as many fighters as a, is short, so the
    fighters a moves arrive there, not at r1; the faction's total is conserved."""
    base = np.array([[True, False, False], [False, False, True]])  # a's base r0 supplies it
    structure = chain_structure(3, ["a", "b"], base=base)
    n = 20
    control0 = np.broadcast_to(np.array([[1.0, 0.5, 0.5], [0.0, 0.5, 0.5]]), (n, 2, 3)).copy()
    forces0 = np.broadcast_to(np.array([[6000.0, 20000.0, 2000.0], [0.0, 2000.0, 2000.0]]),
                              (n, 2, 3)).copy()  # fmt: skip
    zero = np.zeros(n)
    params = synthetic(structure, n, 4, control0=control0, forces0=forces0,
                       recruitment_rate=np.zeros((n, 2)), demobilisation_rate=zero,
                       siege_fall_rate=zero, attrition=np.zeros((n, 2, 2)),
                       garrison_per_capita=zero, garrison_per_front_km=zero,
                       attack_density=np.full(n, 1.0), offensive_ratio=np.full(n, 3.0),
                       hold_threshold=np.full(n, 0.4))  # fmt: skip
    state, _ = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(2, 0, n))
    after = state.forces[:, 0]
    mobile = params.redeploy_rate[:, None] * forces0[:, 0]  # no garrisons: all of it may move
    stay, pool = forces0[:, 0] - mobile, mobile.sum(axis=1)
    h = params.hostility[:, 0, 1]
    need = 3.0 * h[:, None] * forces0[:, 1] + 60.0 * h[:, None] * control0[:, 1]
    short = np.maximum(need - stay, 0.0)
    assert (short[:, 1] == 0).all() and (short[:, 2] > 0).all()
    # the short front gets its shortfall (or the whole pool) before anything goes back to r1
    assert (after[:, 2] >= stay[:, 2] + np.minimum(pool, short[:, 2]) - 1e-6).all()
    back = np.maximum(pool - short[:, 2], 0.0)
    assert (after[:, 1] <= stay[:, 1] + back + 1e-6).all()
    np.testing.assert_allclose(after.sum(axis=1), forces0[:, 0].sum(axis=1))


def test_results_do_not_depend_on_chunking():
    params = synthetic(flagship_structure(), 12, 3)
    whole = run_engine(combat, params, 12, 5, 9)
    part = run_engine(combat, member_slice(params, 4, 12), 8, 5, 9, start=4)
    assert np.array_equal(whole.control.values[4:], part.control.values)
    assert np.array_equal(whole.forces.values[4:], part.forces.values)


# ---------------------------------------------------------------- comparative statics


def _two_faction_front(n, seed, **over):
    """Faction a holds r0 (its base), b holds r1 (supplied from node x); they fight over both."""
    base = np.array([[True, False], [False, False]])
    access = np.array([[False], [True]])
    structure = chain_structure(2, ["a", "b"], base=base, access=access)
    control0 = np.broadcast_to(np.array([[0.7, 0.3], [0.3, 0.7]]), (n, 2, 2)).copy()
    rng = np.random.default_rng(seed + 1)
    forces0 = rng.uniform(2000, 8000, (n, 2, 2))
    return synthetic(structure, n, seed, control0=control0, forces0=forces0, **over)


def test_air_support_lowers_expected_ground_losses():
    """Reason: the multiplier raises the supported side's defence in the contest (and its fire),
    so over an ensemble it should lose less ground than without air support (same draws)."""
    params = _two_faction_front(400, 11)
    air = np.zeros((400, 2))
    air[:, 0] = 800.0
    base = run(params, 6)
    helped = run(params, 6, drivers=lambda m: {"air_sorties": air})

    def ground_lost(ds):
        start = params.control0[:, 0].sum(axis=1)
        return np.maximum(start - ds.control.sel(faction="a").isel(month=-1).sum("region"), 0)

    lost_base, lost_air = ground_lost(base).values, ground_lost(helped).values
    assert lost_air.mean() < lost_base.mean()
    assert (lost_air > 0.05).mean() < (lost_base > 0.05).mean()


def test_cutting_supply_raises_a_sites_fall_probability():
    """Reason: a cut-off garrison loses effectiveness each month and can then fall to a siege;
    the same garrison with an open supply line cannot be besieged. Same draws in both arms."""
    n = 400
    F = 2
    base = np.zeros((F, 3), bool)
    access = np.array([[True], [False]])
    structure = chain_structure(3, ["a", "b"], base=base, access=access, sites={2: 1})
    # r0–r1 chain, site r2 inside r1; node x is next to r1 (the last governorate)
    control0 = np.broadcast_to(np.array([[0.2, 0.7, 1.0], [0.8, 0.3, 0.0]]), (n, F, 3)).copy()
    forces0 = np.broadcast_to(np.array([[500.0, 2000.0, 800.0], [4000.0, 3000.0, 0.0]]), (n, F, 3))
    params = synthetic(structure, n, 21, control0=control0, forces0=forces0.copy())
    open_line = run(params, 6)
    closed = run(params, 6, drivers=lambda m: {"supply_access": np.zeros((n, F, 1), bool)})

    def fell(ds):
        held = ds.control.sel(faction="a", region="r2") > params.hold_threshold[:, None]
        return (~held).any("month").values.mean()

    assert fell(closed) > fell(open_line)
    assert not closed.supplied.sel(faction="a", region="r2").isel(month=0).values.any()


def test_more_uncommitted_manpower_raises_offensive_feasibility():
    """Reason: an offensive needs uncommitted forces at the threshold ratio; adding fighters beyond
    the garrison requirement can only raise the attacker's ratio."""
    params = _two_faction_front(400, 31)
    more = params.forces0.copy()
    more[:, 0] *= 2.0
    feasible = run(params, 1).offensive_feasible.sel(faction="a").isel(month=0).any("region")
    feasible_more = (
        run(replace(params, forces0=more), 1)
        .offensive_feasible.sel(faction="a")
        .isel(month=0)
        .any("region")
    )
    assert feasible_more.values.mean() > feasible.values.mean()
    assert (feasible_more.values >= feasible.values).all()


def test_step_uses_keyed_draws_only():
    """A cut-off garrison falls with probability 1 − exp(−λ(1 − e)) ≈ ½ here, so the outcome rests on
    the draws. Keyed draws mean: a member's fall depends on (root seed, month, member) only — the same
    for any chunk of members and on a repeated call — and changes with the seed and the month."""
    n, F = 200, 2
    structure = chain_structure(3, ["a", "b"], base=np.array([[False] * 3, [True, False, False]]),
                                access=np.zeros((F, 1), bool), sites={2: 1})  # fmt: skip
    control0 = np.broadcast_to(np.array([[0.2, 0.7, 1.0], [0.8, 0.3, 0.0]]), (n, F, 3)).copy()
    forces0 = np.broadcast_to(np.array([[500.0, 2000.0, 800.0], [4000.0, 3000.0, 0.0]]), (n, F, 3))
    params = synthetic(structure, n, 4, control0=control0, forces0=forces0.copy(),
                       supply_decay=np.full(n, 0.5), siege_fall_rate=np.full(n, 1.4))  # fmt: skip

    def fell(seed=1, month=0, start=0, stop=n):
        p = member_slice(params, start, stop)
        rng = MemberRNG(seed, start, stop)
        _, out = combat.step(combat.init_state(p, stop - start), p, {}, month, rng)
        return out.control[:, 0, 2] == 0.0  # faction a lost the site r2

    base = fell()
    assert 0.3 < base.mean() < 0.7  # the draws decide, so the checks below have teeth
    assert np.array_equal(fell(), base)  # a repeated call draws the same numbers
    assert np.array_equal(fell(start=60, stop=140), base[60:140])  # any chunk of members
    assert not np.array_equal(fell(seed=2), base)  # another root seed, other draws
    assert not np.array_equal(fell(month=1), base)  # another month, other draws


def test_cut_off_effectiveness_decays_at_the_monthly_rate():
    """A garrison with no supply path loses the fraction δ of its effectiveness each month."""
    n, F = 6, 2
    structure = chain_structure(2, ["a", "b"], access=np.array([[False], [True]]))
    control0 = np.broadcast_to(np.array([[0.9, 0.1], [0.1, 0.9]]), (n, F, 2)).copy()
    forces0 = np.broadcast_to(np.array([[100.0, 0.0], [0.0, 100.0]]), (n, F, 2)).copy()
    params = synthetic(structure, n, 8, control0=control0, forces0=forces0)
    state, rng = combat.init_state(params, n), MemberRNG(1, 0, n)
    for month in range(3):
        state, out = combat.step(state, params, {}, month, rng)
    assert not out.supplied[:, 0, 0].any() and out.supplied[:, 1, 1].all()
    assert np.allclose(state.effectiveness[:, 0, 0], (1 - params.supply_decay) ** 3)
    assert np.allclose(state.effectiveness[:, 1, 1], 1.0)


@pytest.mark.parametrize(
    "drivers, message",
    [
        ({"air_sorties": np.full((3, 5), np.nan)}, "NaN"),
        ({"air_sorties": -np.ones((3, 5))}, "air_sorties' must be >= 0"),
        ({"combat_hostility": np.full((3, 5, 5), 2.0)}, r"hostility' must lie in \[0, 1\]"),
        ({"fire_factor": -np.ones((3, 5))}, "fire_factor' must be >= 0"),
    ],
)
def test_bad_drivers_raise(drivers, message):
    params = synthetic(flagship_structure(), 3, 0)
    with pytest.raises(ValueError, match=message):
        combat.step(combat.init_state(params, 3), params, drivers, 0, MemberRNG(1, 0, 3))


def test_withdrawals_never_make_forces_negative():
    params = synthetic(flagship_structure(), 3, 0)
    pulled = {"reinforcements": -1e7 * np.ones((3, 5))}
    placed = {"deployments": -1e7 * np.ones((3, 5, len(params.regions)))}
    for drivers in (pulled, placed):
        state, out = combat.step(
            combat.init_state(params, 3), params, drivers, 0, MemberRNG(1, 0, 3)
        )
        assert (state.forces >= 0).all() and np.isfinite(state.forces).all()


# ---------------------------------------------------------------- places: storming, sieges, corridors


def _city(n, seed, control0, forces0, base, access, **over):
    """A governorate r0 with two sites: r1 (a part of a divided city, say) and r2 (the other part),
    r1–r2 adjacent; supply node x next to r0. Sites have areas of their own (40 and 60 km²)."""
    F = len(base)
    adj = np.zeros((3, 3), bool)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        adj[a, b] = adj[b, a] = True
    structure = dict(
        factions=tuple("abc"[:F]),
        regions=("r0", "r1", "r2"),
        supply_nodes=("x",),
        adjacency=adj,
        supply_adjacency=np.array([[True, False, False]]),
        border_km=np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 8.0], [0.0, 8.0, 0.0]]),
        internal_front_km=np.array([60.0, np.sqrt(40), np.sqrt(60)]),
        depth_km=np.array([60.0, np.sqrt(40), np.sqrt(60)]),
        area_km2=np.array([3600.0, 40.0, 60.0]),
        population=np.array([2e5, 0.0, 0.0]),
        is_site=np.array([False, True, True]),
        parent=np.array([-1, 0, 0]),
        guerrilla=np.zeros(F, bool),
        static=np.zeros(F, bool),
        base=np.asarray(base, bool),
        supply_access=np.asarray(access, bool),
    )
    c0 = np.broadcast_to(np.asarray(control0, float), (n, F, 3)).copy()
    x0 = np.broadcast_to(np.asarray(forces0, float), (n, F, 3)).copy()
    return synthetic(structure, n, seed, control0=c0, forces0=x0, **over)


def test_enemy_held_ground_draws_supplied_attackers():
    """Step 8: an undefended site b holds (no fighter of b anywhere near) draws a's supplied
    fighters in proportion to ρ·depth·h·share; with redeployment off nobody moves there."""
    n = 50
    args = dict(
        control0=[[1, 0, 1], [0, 1, 0]],
        forces0=[[8000, 0, 500], [0, 0, 0]],
        base=[[True, False, False], [False, True, False]],
        access=[[True], [False]],
    )
    params = _city(n, 3, **args, siege_fall_rate=np.zeros(n), recruitment_rate=np.zeros((n, 2)),
                   demobilisation_rate=np.zeros(n))  # fmt: skip
    state, out = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(1, 0, n))
    assert out.supplied[:, 0, 1].all()  # a is supplied next to the site (it holds the parent)
    moved = state.forces[:, 0, 1]
    assert (moved > 0).all()
    # the pool went where a is short of what it needs: the site's ground, at most the whole pool,
    # and no more than the ground asks for (ρ·depth·h·share)
    want_r1 = params.attack_density * params.depth_km[1] * params.hostility[:, 0, 1]
    assert (moved <= params.redeploy_rate * 8500 + 1e-6).all()
    assert (moved <= want_r1 + 1e-6).all()
    still = replace(params, redeploy_rate=np.zeros(n))
    state0, _ = combat.step(combat.init_state(still, n), still, {}, 0, MemberRNG(1, 0, n))
    assert (state0.forces[:, 0, 1] == 0).all()
    # and, once there, a storms the undefended site (no siege: b's base, and the rate is 0)
    held = run(params, 3).control.sel(faction="a", region="r1").isel(month=-1)
    assert (held.values > params.hold_threshold).mean() > 0.9
    assert (run(still, 3).control.sel(faction="a", region="r1") == 0).all()


def test_a_garrison_can_be_stormed_and_a_stronger_attack_storms_it_more_often():
    """A supplied garrison (b's base: never besieged) falls only to an assault; an attacker with
    more fighters to commit takes it more often, and takes the site's ground, not a siege's."""
    n = 300

    def taken(strength):
        params = _city(
            n, 7, control0=[[1, 0, 1], [0, 1, 0]], forces0=[[strength, 0, 500], [0, 1500, 0]],
            base=[[True, False, False], [False, True, False]], access=[[True], [False]],
            siege_fall_rate=np.zeros(n), recruitment_rate=np.zeros((n, 2)),
        )  # fmt: skip
        ds = run(params, 12)
        holds_some = ds.control.sel(faction="b", region="r1") > 0
        cut = ds.supplied.sel(faction="b", region="r1") == 0
        assert not (cut & holds_some).any()  # its base: never cut off while it holds any of it
        held = ds.control.sel(faction="a", region="r1") > params.hold_threshold[:, None]
        return held.any("month").values.mean()

    weak, strong = taken(2000.0), taken(40000.0)
    assert strong > weak and strong > 0.5


def test_a_cut_off_part_falls_to_besiegers_in_the_neighbouring_part():
    """Step 6: a cut-off site falls to hostile fighters in the site or any neighbour — here only
    in the other part of the city, none in the parent."""
    n = 400
    params = _city(
        n, 11, control0=[[1, 1, 0], [0, 0, 1]], forces0=[[0, 800, 0], [0, 0, 3000]],
        base=[[False, False, False], [False, False, True]], access=[[False], [False]],
        supply_decay=np.full(n, 0.5), siege_fall_rate=np.full(n, 1.0),
        offensive_ratio=np.full(n, 1e6), redeploy_rate=np.zeros(n),
    )  # fmt: skip
    ds = run(params, 6)
    assert not ds.supplied.sel(faction="a", region="r1").any()
    lost = ds.control.sel(faction="b", region="r1").isel(month=-1) > 0.5
    assert lost.mean() > 0.3  # fell to b, whose fighters are only in r2
    assert (ds.forces.sel(faction="a", region="r1").isel(month=-1).values[lost.values] == 0).all()


def test_cutting_a_corridor_cuts_the_supply_of_the_part_beyond_it():
    """Chain: supply node x – corridor r2 (a site) – city part r3 (a site); faction b's only route
    to r3 runs through the corridor, so r3 is supplied while b holds the corridor and cut off,
    its effectiveness decaying, once a holds it."""
    n = 20
    adj = np.zeros((4, 4), bool)
    for a, b in ((0, 1), (1, 2), (2, 3), (1, 3)):
        adj[a, b] = adj[b, a] = True
    structure = chain_structure(4, ["a", "b"], base=np.array([[True] + [False] * 3,
                                                               [False] * 4]),
                                access=np.array([[False], [True]]))  # fmt: skip
    structure.update(
        adjacency=adj, border_km=adj * 10.0, supply_adjacency=np.array([[False, False, True, False]]),
        is_site=np.array([False, False, True, True]), parent=np.array([-1, -1, 1, 1]),
        population=np.array([2e5, 2e5, 0.0, 0.0]),
    )  # fmt: skip
    # a holds r0, r1 (the governorate around the city); b holds the corridor r2 and the part r3
    holds = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], float)
    x0 = np.array([[5000, 5000, 0, 0], [0, 0, 2000, 3000]], float)
    params = synthetic(structure, n, 2, control0=np.broadcast_to(holds, (n, 2, 4)).copy(),
                       forces0=np.broadcast_to(x0, (n, 2, 4)).copy())  # fmt: skip
    _, open_ = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(1, 0, n))
    assert open_.supplied[:, 1, 3].all()
    cut = holds.copy()
    cut[:, 2] = [1, 0]  # a has taken the corridor
    params = replace(params, control0=np.broadcast_to(cut, (n, 2, 4)).copy())
    state, closed = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(1, 0, n))
    assert not closed.supplied[:, 1, 3].any()
    assert np.allclose(state.effectiveness[:, 1, 3], 1 - params.supply_decay)


def test_a_lost_base_supplies_no_more():
    """Chain r0 – r1 – r2 – r3 – x: a's base is r0, and a holds r2 (not next to r0 or to x, which
    only b may use). While a holds some of r0, supply runs r0 → r1 (a holds it) → r2; once b holds
    all of r0 and r1, a's forces in r2 are cut off and their effectiveness decays."""
    n = 10
    structure = chain_structure(4, ["a", "b"], base=np.array([[True] + [False] * 3, [False] * 4]),
                                access=np.array([[False], [True]]))  # fmt: skip
    x0 = np.array([[3000, 3000, 3000, 0], [0, 0, 0, 3000]], float)
    for holds, supplied in (
        (np.array([[0.6, 1, 1, 0], [0.4, 0, 0, 1]], float), True),
        (np.array([[0, 0, 1, 0], [1, 1, 0, 1]], float), False),
    ):
        params = synthetic(structure, n, 3, control0=np.broadcast_to(holds, (n, 2, 4)).copy(),
                           forces0=np.broadcast_to(x0 * (holds > 0), (n, 2, 4)).copy())  # fmt: skip
        state, out = combat.step(combat.init_state(params, n), params, {}, 0, MemberRNG(1, 0, n))
        assert (out.supplied[:, 0, 2] == supplied).all()
        if not supplied:
            assert np.allclose(state.effectiveness[:, 0, 2], 1 - params.supply_decay)
