"""The flagship's map, deployments, hostilities and `combat:` block compile into territory-engine
Params that validate and run; members do not depend on the chunk they are compiled in; bad combat
input fails at load time with its location."""

import numpy as np
import pytest

from realpolitik.compile.combat import params as compile_params
from realpolitik.engines import combat
from realpolitik.engines import run as run_engine
from realpolitik.errors import ScenarioError
from realpolitik.scenario import load_scenario, loads_scenario
from realpolitik.scenario.sampling import sample_scenario

from ..conftest import ROOT
from .conftest import make_draws


def compile_combat(s, samples, n=None):
    return compile_params(make_draws(s, samples, n=n))


def air_sorties(s, samples, P):
    return make_draws(s, samples).drivers0["air_sorties"]


FLAGSHIP = ROOT / "scenarios/syria-2015.yaml"
N, SEED = 32, 2015


@pytest.fixture(scope="module")
def flagship():
    s = load_scenario(FLAGSHIP)
    samples = sample_scenario(s, SEED, 0, N)
    return s, samples, compile_combat(s, samples, N)


def test_flagship_compiles_with_the_right_shapes(flagship):
    s, samples, P = flagship
    combat.validate(P)
    F, R = len(P.factions), len(P.regions)
    assert P.factions[: len(s.factions)] == tuple(f.id for f in s.factions)
    assert P.regions == tuple(s.region_ids()) and R == len(s.regions.nodes)
    assert P.control0.shape == P.forces0.shape == (N, F, R)
    assert P.hostility.shape == P.attrition.shape == (N, F, F)
    np.testing.assert_allclose(P.control0.sum(axis=1), 1.0, atol=1e-9)
    # every deployment is counted once
    keys = [f"regions.deployments.{d.faction}@{d.region}.fighters" for d in s.regions.deployments]
    np.testing.assert_allclose(P.forces0.sum(axis=(1, 2)), sum(samples[k] for k in keys))
    f, r = P.factions.index("russia"), P.regions.index("latakia")
    np.testing.assert_array_equal(
        P.forces0[:, f, r], samples["regions.deployments.russia@latakia.fighters"]
    )
    # sites hang off their parents; static factions (israel, contested) are flagged
    for k in np.nonzero(P.is_site)[0]:
        assert P.adjacency[k, P.parent[k]] and P.population[k] == 0
    assert P.static[P.factions.index("israel")] and P.static[P.factions.index("contested")]


def test_hostility_is_the_mutual_maximum_over_member_pairs(flagship):
    """Rule: h_fg = max intensity of hostility relations between members of f and g, either way."""
    _, samples, P = flagship
    f = P.factions.index
    np.testing.assert_allclose(P.hostility, np.swapaxes(P.hostility, 1, 2))
    # the file declares sdf > isis only; isis fires back with the same weight
    np.testing.assert_array_equal(
        P.hostility[:, f("isis"), f("sdf")], samples["relations.sdf>isis:hostility.intensity"]
    )
    # regime's members include hezbollah and assad; russia > isis is the only russia hostility
    assert (P.hostility[:, f("russia"), f("rebels")] == 0).all()
    assert (P.hostility[:, f("regime"), f("rebels")] == 1).all()


def test_twelve_months_run_without_nan_and_conserve_shares(flagship):
    s, samples, P = flagship
    sorties = air_sorties(s, samples, P)
    np.testing.assert_allclose(
        sorties[:, P.factions.index("regime")].sum(axis=1),
        samples["factions.russia.parameters.sorties_per_day"] * combat.DAYS_PER_MONTH,
    )
    ds = run_engine(combat, P, P.n_members, 12, SEED, drivers={"air_sorties": sorties})
    for name in ("control", "forces", "losses", "intensity"):
        assert np.isfinite(ds[name].values).all(), name
    c = ds["control"].values
    assert (c >= 0).all() and (c <= 1).all()
    np.testing.assert_allclose(c.sum(axis=2), 1.0, atol=1e-9)
    assert (ds["forces"].values >= 0).all()
    # static factions keep their ground
    i = P.factions.index("israel")
    np.testing.assert_array_equal(c[:, -1, i], P.control0[:, i])


def test_sorties_go_where_the_priority_enemies_are(flagship):
    """Rule: a group's sorties over regions ∝ Σ_e priority_e · X_e where its faction has fighters."""
    s, samples, P = flagship
    sorties = air_sorties(s, samples, P)
    f = P.factions.index
    X = P.forces0
    present = X[:, f("regime")] > 0
    isis = samples["combat.air.russian-air-group.priority.isis"]
    weight = (X[:, f("rebels")] + isis[:, None] * X[:, f("isis")]) * present
    expected = weight / weight.sum(axis=1, keepdims=True)
    got = sorties[:, f("regime")] / sorties[:, f("regime")].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # no sortie where the supported faction has nobody on the ground
    assert (sorties[:, f("regime")][~present] == 0).all()
    # the coalition strikes ISIS only: none of its sorties where the SDF faces no ISIS fighters
    sdf = sorties[:, f("sdf")]
    assert (sdf[(X[:, f("isis")] == 0)] == 0).all() and (sdf.sum(axis=1) > 0).all()


def test_members_do_not_depend_on_the_chunk(flagship):
    """Members 0–31 compiled and run in one chunk equal the same members in chunks 0–15 and 16–31."""
    s, samples, P = flagship

    def run(start, stop):
        smp = sample_scenario(s, SEED, start, stop)
        params = compile_combat(s, smp, stop - start)
        sorties = air_sorties(s, smp, params)
        ds = run_engine(
            combat, params, stop - start, 6, SEED, drivers={"air_sorties": sorties}, start=start
        )
        return params, ds

    whole, ds = run(0, N)
    parts = [run(0, N // 2), run(N // 2, N)]
    np.testing.assert_array_equal(np.concatenate([p.control0 for p, _ in parts]), whole.control0)
    np.testing.assert_array_equal(np.concatenate([p.attrition for p, _ in parts]), whole.attrition)
    for name in ("control", "forces"):
        joined = np.concatenate([d[name].values for _, d in parts])
        np.testing.assert_allclose(joined, ds[name].values, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("supports: regime,", "supports: regim,", "combat.air"),
        ("parameter: sorties_per_day,", "parameter: sortie_rate,", "combat.air"),
        (
            "supply_decay: {dist: triangular, low: 0.03, mode: 0.08, high: 0.2,",
            "supply_decay: {dist: triangular, low: 0.03, mode: 0.08, high: 1.2,",
            "combat.supply_decay",
        ),
        ("site_depth_km: {value: 10,", "site_depth_km: {value: 0,", "combat.site_depth_km"),
        (
            "recruitment: {dist: triangular, low: 300,",
            "recruitment: {dist: triangular, low: -300,",
            "recruitment",
        ),
    ],
)
def test_bad_combat_input_fails_at_load_with_its_location(old, new, where):
    text = FLAGSHIP.read_text()
    assert text.count(old) == 1
    with pytest.raises(ScenarioError) as err:
        loads_scenario(text.replace(old, new), str(FLAGSHIP))
    assert where in str(err.value)
