"""Mechanism nulls (realpolitik.nulls): each held mechanism stays at its as_of state, the rest of the
run is the coupled simulation on the same keyed draws. Mechanics only."""

from __future__ import annotations

import numpy as np
import pytest

import realpolitik as rp
from realpolitik.api import compile_run
from realpolitik.errors import ScenarioError
from realpolitik.nulls import MECHANISMS
from realpolitik.simulate import simulate

from .conftest import ROOT

N, SEED = 24, 5


@pytest.fixture(scope="module")
def doc():
    return rp.load(ROOT / "scenarios/syria-2015.yaml")


@pytest.fixture(scope="module")
def base(doc):
    return simulate(compile_run(doc, N, SEED))


def held(doc, *mechanisms, chunk=1000):
    return simulate(compile_run(doc, N, SEED, hold=mechanisms), chunk)


def constant(da) -> bool:
    """Every month equals the initial row (NaN equal to NaN)."""
    a = da.transpose("member", "month", ...).values
    return bool(
        np.array_equal(a, np.broadcast_to(a[:, :1], a.shape), equal_nan=a.dtype.kind == "f")
    )


def test_holding_nothing_is_the_coupled_run(doc, base):
    ds = held(doc)
    assert ds.identical(base) and "hold" not in ds.attrs


def test_held_combat_keeps_control_and_forces_at_as_of(doc, base):
    ds = held(doc, "combat")
    assert ds.attrs["hold"] == "combat"
    assert constant(ds["control"]) and constant(ds["forces"])
    assert not constant(base["control"])


def test_held_alignment_is_frozen(doc):
    ds = held(doc, "alignment")
    assert constant(ds["alignment"])


def test_held_bargaining_fixes_positions_and_settles_at_the_base_rate(doc):
    ds = held(doc, "bargaining")
    assert constant(ds["position"]) and constant(ds["issue_outcome"])
    settled = ds["settled"].values
    assert (np.diff(settled.astype(int), axis=1) >= 0).all()  # absorbing


def test_held_acts_fire_at_their_base_rates(doc):
    c = compile_run(doc, N, SEED, hold=("acts",))
    ds = simulate(c)
    p = c.engines["actions"].params
    h0 = np.stack(
        [np.prod(p.base_rate[:, p.row_action == a], axis=1) for a in range(len(p.actions))], 1
    )
    prob = ds["strategy_prob"].sel(course=list(p.actions)).isel(month=slice(1, None)).values
    spent = ds["acted"].sel(course=list(p.actions)).isel(month=slice(1, None)).values
    spent = np.cumsum(spent, axis=1) - spent > 0  # acted in an earlier month
    once = p.once[None, None, :] & spent
    live = ~once
    expected = np.broadcast_to(h0[:, None, :], prob.shape)
    np.testing.assert_allclose(prob[live], expected[live], rtol=2e-6)
    assert (prob[once] == 0).all()


def test_held_choice_plays_the_as_of_game_every_month(doc):
    ds = held(doc, "choice")
    courses = [
        f"{actor}/{strategy}"
        for game in doc.scenario.games
        for actor, strategies in game.players.items()
        for strategy in strategies
    ]
    prob = ds["strategy_prob"].sel(course=courses).isel(month=slice(1, None)).values
    assert courses and np.allclose(prob, prob[:, :1], atol=1e-6)  # the same QRE every month


def test_a_held_run_is_identical_for_any_chunking(doc):
    a = held(doc, "combat", "acts")
    b = held(doc, "combat", "acts", chunk=7)
    assert a.identical(b)


def test_an_unknown_mechanism_is_a_located_error(doc):
    with pytest.raises(ScenarioError) as exc:
        compile_run(doc, N, SEED, hold=("diplomacy",))
    p = exc.value.problems[0]
    assert p.value == "diplomacy" and set(p.options) == set(MECHANISMS)
