"""The leverage driver (compile/leverage.py): the formula against a direct computation, its
invariants and directions, the bargaining engine reading it, and bad input."""

import numpy as np
import pytest

from realpolitik.compile.leverage import spec as leverage_spec
from realpolitik.engines import bargaining
from realpolitik.errors import ScenarioError
from realpolitik.scenario import loads_scenario

from ..conftest import ROOT
from .conftest import make_draws

FLAGSHIP = ROOT / "scenarios/syria-2015.yaml"
N = 64


@pytest.fixture(scope="module")
def d(flagship, samples):
    return make_draws(flagship, {k: v[:N] for k, v in samples.items()})


def _direct(s, samples, drivers, coords, m):
    """Leverage of every actor in member m, by loops over the scenario (module docstring's formula)."""
    factions = list(coords.of("faction"))
    X, P = drivers["forces_share"][m], drivers["population_share"][m]
    rel = dict(zip(coords.of("relation"), drivers["relation_intensity"][m], strict=True))
    w = {k: samples[f"leverage.{k}"][m] for k in ("presence", "ground", "patronage", "veto")}
    lev = s.leverage
    owner = s.faction_of()
    out = {}
    for a in coords.of("actor"):
        v = 0.0
        if a in owner:
            f = next(x for x in s.factions if x.id == owner[a])
            if len(f.members) == 1:
                sigma = 1.0
            else:
                size = {b: samples[f"actors.{b}.capabilities.bargaining"][m] for b in f.members}
                sigma = size[a] / sum(size.values())
            k = factions.index(f.id)
            v += sigma * (w["presence"] * X[k] + w["ground"] * P[k])
        for g in s.factions:
            if g.id == owner.get(a):
                continue
            total = sum(
                max(x, 0.0)
                for label, x in rel.items()
                if label.startswith(f"{a}>")
                and label.split(">")[1].split(":")[0] in g.members
                and label.split(":")[1] == "support"
                and label.split(":")[2:]
                and label.split(":")[2] in lev.kinds
            )
            k = factions.index(g.id)
            v += w["patronage"] * min(1.0, total) * 0.5 * (X[k] + P[k])
        if a in lev.veto_holders:
            v += w["veto"] / len(lev.veto_holders)
        out[a] = v
    return out


def test_leverage_at_as_of_is_the_formula(flagship, d):
    actors = list(d.coords.of("actor"))
    for m in (0, 17, N - 1):
        want = _direct(flagship, d.samples, d.drivers0, d.coords, m)
        got = d.drivers0["leverage"][m]
        np.testing.assert_allclose(got, [want[a] for a in actors], rtol=1e-12, atol=1e-15)


def test_the_armed_components_add_up_to_their_weights(d):
    """Σ_i σ_i X_f = Σ_f X_f over the factions with members (the ``contested`` slot has none), so
    the presence and ground components of all actors sum to w_presence·ΣX + w_ground·ΣP over those
    factions; the veto component to w_veto."""
    spec = leverage_spec(d.scenario, d.samples, d.coords, d.n)
    D = d.drivers0
    no_patrons = np.zeros_like(D["relation_intensity"])
    total = spec.value(D["forces_share"], D["population_share"], no_patrons).sum(axis=1)
    w = spec.weights
    held = np.array([f in {x.id for x in d.scenario.factions} for f in d.coords.of("faction")])
    assert not held.all()  # the flagship has a contested slot: the sum is not trivially 1
    X, P = D["forces_share"][:, held].sum(axis=1), D["population_share"][:, held].sum(axis=1)
    np.testing.assert_allclose(total, w[:, 0] * X + w[:, 1] * P + w[:, 3], rtol=1e-12)
    np.testing.assert_allclose(spec.split.sum(axis=1)[:, held], 1.0)


def test_a_patron_that_withdraws_its_support_loses_its_leverage(d):
    spec = leverage_spec(d.scenario, d.samples, d.coords, d.n)
    D = d.drivers0
    rel = D["relation_intensity"].copy()
    labels = list(d.coords.of("relation"))
    russia = list(d.coords.of("actor")).index("russia")
    base = spec.value(D["forces_share"], D["population_share"], rel)
    for k, label in enumerate(labels):
        if label.startswith("russia>") and label.split(":")[1] == "support":
            rel[:, k] = 0.0
    cut = spec.value(D["forces_share"], D["population_share"], rel)
    assert (cut[:, russia] < base[:, russia]).all()
    others = [i for i in range(cut.shape[1]) if i != russia]
    np.testing.assert_array_equal(cut[:, others], base[:, others])


def test_ground_gained_raises_the_faction_members_leverage(d):
    spec = leverage_spec(d.scenario, d.samples, d.coords, d.n)
    D = d.drivers0
    f = list(d.coords.of("faction")).index("rebels")
    g = list(d.coords.of("faction")).index("isis")
    pop = D["population_share"].copy()
    moved = np.minimum(0.05, pop[:, g])
    pop[:, f] += moved
    pop[:, g] -= moved
    base = spec.value(D["forces_share"], D["population_share"], D["relation_intensity"])
    more = spec.value(D["forces_share"], pop, D["relation_intensity"])
    a = list(d.coords.of("actor"))
    assert (more[:, a.index("rebels")] > base[:, a.index("rebels")]).all()
    assert (more[:, a.index("turkey")] > base[:, a.index("turkey")]).all()  # its patron too
    assert (more[:, a.index("isis")] < base[:, a.index("isis")]).all()


def test_bargaining_reads_the_leverage_driver_where_marked(d):
    from realpolitik.compile.bargaining import params

    P = params(d)
    assert P.leverage.any()
    actors = list(d.coords.of("actor"))
    at = [actors.index(a) for a in P.actors]
    k = P.issues.index("assad-role")
    j = P.actors.index("russia")
    np.testing.assert_array_equal(P.capability[:, k, j], d.drivers0["leverage"][:, at[j]])
    lev = d.drivers0["leverage"][:, at] * 2.0
    lev[:, j] *= 3.0
    s, c, _ = bargaining._effective(P, {"leverage": lev}, d.n)
    np.testing.assert_allclose(c[:, k, j], lev[:, j].astype(np.float32), rtol=1e-6)
    unmarked = ~P.leverage
    np.testing.assert_array_equal(
        c[:, unmarked], np.broadcast_to(P.capability, c.shape)[:, unmarked].astype(np.float32)
    )


@pytest.mark.parametrize(
    "old, new, where",
    [
        ("  split: bargaining\n", "  split: bargain\n", "factions"),
        ("  veto_holders: [russia, usa, china, uk, france]",
         "  veto_holders: [russia, usa, china, uk, frnace]", "leverage.veto_holders"),
        ("  kinds: [air, arms, ground, financial, advisers]",
         "  kinds: [air, arms, ground, financial, adviser]", "leverage.kinds"),
        ("  veto: {dist: triangular, low: 0.075, mode: 0.15, high: 0.225}",
         "  veto: -0.1", "leverage.veto"),
    ],
)  # fmt: skip
def test_bad_leverage_input_fails_at_load_with_its_location(old, new, where):
    text = FLAGSHIP.read_text()
    assert text.count(old) == 1
    with pytest.raises(ScenarioError) as err:
        loads_scenario(text.replace(old, new), str(FLAGSHIP))
    assert where in str(err.value)


def test_leverage_issues_need_the_section():
    text = FLAGSHIP.read_text()
    start = text.index("leverage:\n  src:")
    end = text.index("\n\n", start)
    with pytest.raises(ScenarioError) as err:
        loads_scenario(text[:start] + text[end + 2 :], str(FLAGSHIP))
    assert "needs a `leverage` section" in str(err.value)
