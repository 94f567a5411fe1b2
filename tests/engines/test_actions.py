import numpy as np
import pytest
from scipy import special

from realpolitik.engines import actions as act
from realpolitik.rng import MemberRNG

M = 20_000


def make(h0_rows, row_action, beta, once, n_actions, x_ref=0.0, m=M):
    w, d = np.asarray(beta).shape
    parties = {}
    labels = []
    for a in row_action:
        parties[a] = parties.get(a, 0) + 1
        labels.append(f"a{a}/party{parties[a]}")
    return act.Params(
        actions=tuple(f"a{i}" for i in range(n_actions)),
        drivers=tuple(f"x{k}" for k in range(d)),
        row_labels=tuple(labels),
        row_action=np.asarray(row_action),
        once=np.asarray(once, bool),
        base_rate=np.tile(np.asarray(h0_rows, float), (m, 1)),
        beta=np.tile(np.asarray(beta, float), (m, 1, 1)),
        x_ref=np.full((m, d), x_ref),
    )


def features(x, m=M):
    return {"features": np.tile(np.asarray(x, float), (m, 1))}


def run_month(params, x, month=0, seed=1, m=M, **extra):
    st = act.init_state(params, m)
    return act.step(st, params, {**features(x, m), **extra}, month, MemberRNG(seed, 0, m))


def test_jeffreys_rate_and_posterior_mean():
    assert act.jeffreys_rate(3, 70) == pytest.approx(3.5 / 70)
    u = MemberRNG(5, 0, 50_000).uniform("h0")
    draws = act.sample_base_rate(3, 70.0, u)
    # Gamma(3.5, rate 70): mean 0.05, sd sqrt(3.5)/70
    assert abs(draws.mean() - 0.05) < 4 * np.sqrt(3.5) / 70 / np.sqrt(len(draws))
    assert np.all(draws <= act.H_MAX)


def test_drivers_at_as_of_reproduce_base_rate():
    # act 0 single party h0 = 0.05; act 1 joint of two parties with joint rate 0.04
    h_joint = act.split_joint_rate(0.04, 2)
    p = make(
        [0.05, h_joint, h_joint], [0, 1, 1], [[0.5], [0.3], [-0.2]], [False, False], 2, x_ref=1.7
    )
    _, out = run_month(p, [1.7])
    for a, h0 in ((0, 0.05), (1, 0.04)):
        se = np.sqrt(h0 * (1 - h0) / M)
        assert out.prob[:, a] == pytest.approx(h0)
        assert abs(out.acted[:, a].mean() - h0) < 4 * se


def test_response_direction_and_size():
    sd = 2.0
    beta = np.array([[np.log(2) / sd], [-np.log(2) / sd]])
    p = make([0.05, 0.05], [0, 1], beta, [False, False], 2)
    _, out = run_month(p, [sd])  # +1 sd: odds double for act 0, halve for act 1
    up = special.expit(special.logit(0.05) + np.log(2))
    down = special.expit(special.logit(0.05) - np.log(2))
    for a, h in ((0, up), (1, down)):
        assert abs(out.acted[:, a].mean() - h) < 4 * np.sqrt(h * (1 - h) / M)
    assert out.acted[:, 0].mean() > 0.05 > out.acted[:, 1].mean()


def test_once_acts_happen_at_most_once_and_repeatable_acts_repeat():
    m = 2000
    p = make([0.3, 0.3], [0, 1], [[0.0], [0.0]], [True, False], 2, m=m)
    st = act.init_state(p, m)
    rng = MemberRNG(3, 0, m)
    total = np.zeros((m, 2), int)
    for t in range(24):
        st, out = act.step(st, p, features([0.0], m), t, rng)
        total += out.acted
        assert np.all(out.prob[st.done[:, 0] & ~out.acted[:, 0], 0] == 0)
    assert total[:, 0].max() == 1
    assert total[:, 1].max() > 1
    assert np.array_equal(total, st.count)


def test_joint_act_needs_every_party():
    # party 2 is pushed to ~0 willingness by its driver: the joint act cannot happen
    p = make([0.5, 0.5], [0, 0], [[0.0, 0.0], [0.0, -40.0]], [False], 1)
    _, out = run_month(p, [0.0, 1.0])
    assert out.acted.sum() == 0
    _, out = run_month(p, [0.0, 0.0])
    assert abs(out.acted[:, 0].mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / M)


def test_interventions_force_or_block_an_act():
    """do(): +1 makes the act happen that month (probability 1), −1 blocks it (probability 0)."""
    m = 500
    p = make([0.1, 0.1], [0, 1], [[0.0], [0.0]], [True, False], 2, m=m)
    force = np.tile([1, -1], (m, 1))
    _, out = run_month(p, [0.0], m=m, intervention=force)
    assert out.acted[:, 0].all() and not out.acted[:, 1].any()
    assert (out.prob[:, 0] == 1).all() and (out.prob[:, 1] == 0).all()


def test_adding_acts_leaves_the_other_acts_draws_unchanged():
    """Each willingness row draws from its own keyed stream: 3 → 5 acts keeps the first three's."""
    m = 3000
    three = make([0.3, 0.2, 0.4], [0, 1, 2], [[0.0]] * 3, [False] * 3, 3, m=m)
    five = make([0.3, 0.2, 0.4, 0.5, 0.1], [0, 1, 2, 3, 4], [[0.0]] * 5, [False] * 5, 5, m=m)
    for month in range(4):
        a = run_month(three, [0.0], month, m=m)[1].acted
        b = run_month(five, [0.0], month, m=m)[1].acted
        assert np.array_equal(a, b[:, :3])


def test_coefficient_cap():
    beta = np.array([[0.3, 0.1], [0.5, 0.0]])
    sd = np.array([2.0, 1.0])  # effects 0.6, 0.1 / 1.0, 0.0
    assert act.coefficient_cap_violations(beta, sd) == [(1, 0, 1.0)]
    assert act.coefficient_cap_violations(beta, sd, sourced=np.array([[0, 0], [1, 0]], bool)) == []


def test_chunking_invariance_and_missing_driver():
    m = 101
    p = make([0.2], [0], [[0.1]], [False], 1, m=m)
    st = act.init_state(p, m)
    whole = act.step(st, p, features([1.0], m), 4, MemberRNG(9, 0, m))[1].acted
    parts = []
    for a, b in ((0, 40), (40, m)):
        sub = make([0.2], [0], [[0.1]], [False], 1, m=b - a)
        parts.append(
            act.step(
                act.init_state(sub, b - a), sub, features([1.0], b - a), 4, MemberRNG(9, a, b)
            )[1].acted
        )
    assert np.array_equal(whole, np.concatenate(parts))
    with pytest.raises(ValueError, match="features must be"):
        act.step(st, p, {}, 0, MemberRNG(9, 0, m))


def test_an_act_that_requires_a_driver_waits_for_it():
    """``requires``: the hazard is 0 while the required driver is <= 0, the base rate once it is > 0."""
    n = 4000
    p = act.Params(
        actions=("a/x",), drivers=("taken:a/y",), row_labels=("x/a",),
        row_action=np.array([0]), once=np.array([False]),
        base_rate=np.full((n, 1), 0.3), beta=np.zeros((n, 1, 1)), x_ref=np.zeros((n, 1)),
        requires=np.array([[True]]),
    )  # fmt: skip
    rng = MemberRNG(5, 0, n)
    state = act.init_state(p, n)
    _, out = act.step(state, p, {"features": np.zeros((n, 1))}, 0, rng)
    assert not out.acted.any() and (out.prob == 0).all()
    _, out = act.step(state, p, {"features": np.ones((n, 1))}, 1, rng)
    assert abs(out.acted.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)
    np.testing.assert_allclose(out.prob, 0.3)
    forced = {"features": np.zeros((n, 1)), "intervention": np.ones((n, 1))}
    _, out = act.step(state, p, forced, 2, rng)  # do() overrides the requirement
    assert out.acted.all() and (out.prob == 1).all()


def test_do_does_not_repeat_a_one_off_act():
    m = 50
    p = make([0.1], [0], [[0.0]], [True], 1, m=m)
    state, out = run_month(p, [0.0], m=m, intervention=np.ones((m, 1)))
    assert out.acted.all()
    _, again = act.step(state, p, {**features([0.0], m), "intervention": np.ones((m, 1))}, 1,
                        MemberRNG(1, 0, m))  # fmt: skip
    assert not again.acted.any() and (again.prob == 0).all()
