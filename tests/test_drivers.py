"""The driver contract: labels bound once at compile time, gathers and scatters by label, features
by label, as_of values for every driver, unknown names refused."""

import numpy as np
import pytest

from realpolitik import features
from realpolitik.compile import alignment as compile_alignment
from realpolitik.compile import draws
from realpolitik.drivers import REGISTRY, Coords, Put, PutFlat, Take, driver
from realpolitik.engines import alignment
from realpolitik.errors import ScenarioError
from realpolitik.rng import MemberRNG
from realpolitik.scenario import loads_scenario

COORDS = Coords({"actor": ("usa", "russia", "iraq", "egypt"), "faction": ("regime", "rebels")})


def test_take_gathers_by_label_in_the_engines_order():
    store = {"alignment": np.array([[0.0, 1.0, 0.4, 0.5], [0.1, 0.9, 0.3, 0.6]])}
    at = COORDS.index("actor", ["egypt", "usa", None], "<t>", "actors")
    got = Take("alignment", (at,), fill=0.5).read(store)
    np.testing.assert_array_equal(got, [[0.5, 0.0, 0.5], [0.6, 0.1, 0.5]])
    square = {"support": np.arange(2 * 16, dtype=float).reshape(2, 4, 4)}
    idx = COORDS.index("actor", ["iraq", "russia"], "<t>", "actors")
    got = Take("support", (idx, idx)).read(square)
    np.testing.assert_array_equal(got[1], [[16 + 10, 16 + 9], [16 + 6, 16 + 5]])


def test_take_with_an_index_array_of_any_shape_on_a_one_dimensional_driver():
    store = {"intervention": np.array([[1.0, -1.0, 0.0]])}
    idx = np.array([[2, 0], [-1, 1]])
    np.testing.assert_array_equal(
        Take("intervention", (idx,), fill=0.0).read(store), [[[0, 1], [0, -1]]]
    )


def test_put_and_putflat_write_only_their_labels():
    store = {"alignment": np.full((2, 4), 7.0), "acted": np.zeros((1, 5))}

    class Out:
        alignment = np.array([[0.2, 0.3], [0.4, 0.5]])
        acted = np.array([[[1.0, 2.0], [3.0, 4.0]]])

    at = COORDS.index("actor", ["iraq", "usa"], "<t>", "actors")
    Put("alignment", "alignment", (at,)).write(store, Out)
    np.testing.assert_array_equal(store["alignment"], [[0.3, 7, 0.2, 7], [0.5, 7, 0.4, 7]])
    PutFlat("acted", "acted", np.array([[4, -1], [0, 2]])).write(store, Out)
    np.testing.assert_array_equal(store["acted"], [[3, 0, 4, 0, 1]])


def test_features_read_by_label():
    store = {"territory_share": np.array([[0.3, 0.0], [0.1, 0.2]])}
    b = features.bind("holds-ground:rebels", COORDS)
    np.testing.assert_array_equal(b.value(store, 2), [0.0, 1.0])
    b = features.bind("territory-share:regime", COORDS)
    np.testing.assert_array_equal(b.value(store, 2), [0.3, 0.1])
    with pytest.raises(ScenarioError, match="known faction"):
        features.bind("territory-share:atlantis", COORDS)
    with pytest.raises(ScenarioError, match="unknown feature"):
        features.bind("gdp:regime", COORDS)


def test_unknown_driver_names_are_refused_with_the_valid_ones():
    with pytest.raises(ScenarioError, match="unknown driver") as e:
        driver("fighting-scope")
    assert "fighting_scope" in str(e.value)
    assert all(name == name.lower() and "-" not in name for name in REGISTRY)


DIFFERENT_ORDERS = """
meta: {id: orders, title: two engines with their own actor orders, as_of: 2015-10-05}
sources:
  t: {judgement: {by: tests, date: 2026-12-07, rationale: synthetic numbers for a binding test}}
actors:
  - {id: hezbollah, level: regional, src: t}
  - {id: usa, level: international, capabilities: {cinc: 0.14}, alignment: 0, src: t}
  - {id: egypt, level: regional, capabilities: {cinc: 0.01}, alignment: 0.45, src: t}
  - {id: russia, level: international, capabilities: {cinc: 0.04}, alignment: 1, src: t}
  - {id: iraq, level: regional, capabilities: {cinc: 0.005}, alignment: 0.3, src: t}
relations:
  - {from: russia, to: iraq, type: support, kind: arms, intensity: 0.8, src: t}
issues: []
alignment:
  src: t
  players: [russia, iraq, usa, egypt]
  size: [cinc]
  anchors: {usa: A, russia: B}
  weights: {propensity: 1.0, support: 0.1}
  beta: 3000
"""


def test_an_engine_with_its_own_actor_order_reads_and_writes_the_right_entries():
    """The alignment model's players are (russia, iraq, usa, egypt); the scenario's actors are
    (hezbollah, usa, egypt, russia, iraq). The support driver (actor × partner, scenario order)
    reaches the engine as player × player, and its output lands on the right actors."""
    s = loads_scenario(DIFFERENT_ORDERS)
    d = draws(s, MemberRNG(1, 0, 3))
    spec = compile_alignment.compile(d)
    assert spec.params.actors == ("russia", "iraq", "usa", "egypt")
    support = spec.inputs["support"].read(d.drivers0)
    assert support.shape == (3, 4, 4)
    assert (support[:, 0, 1] == 0.8).all() and support.sum() == pytest.approx(3 * 0.8)
    store = {k: v.copy() for k, v in d.drivers0.items()}
    state, out = alignment.step(
        alignment.init_state(spec.params, 3), spec.params,
        {k: r.read(store) for k, r in spec.inputs.items()}, 0, MemberRNG(1, 0, 3),
    )  # fmt: skip
    for put in spec.outputs:
        put.write(store, out)
    actors = list(d.coords.of("actor"))
    for player, k in zip(spec.params.actors, range(4), strict=True):
        np.testing.assert_array_equal(
            store["alignment"][:, actors.index(player)], out.alignment[:, k]
        )
    assert np.isnan(store["alignment"][:, actors.index("hezbollah")]).all()  # not a player: as_of


def test_every_driver_has_an_as_of_value_of_its_labelled_shape():
    s = loads_scenario(DIFFERENT_ORDERS)
    d = draws(s, MemberRNG(1, 0, 2))
    for name in REGISTRY:
        assert d.drivers0[name].shape == (2, *d.coords.shape(name)), name
    assert (d.drivers0["capability_factor"] == 1).all() and (d.drivers0["appoint"] == -1).all()
