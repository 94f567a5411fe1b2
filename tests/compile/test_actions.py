import numpy as np
import pytest
from scipy import special

from realpolitik.compile.actions import feature_sd
from realpolitik.compile.actions import params as compile_actions
from realpolitik.engines import actions as act
from realpolitik.errors import ScenarioError
from realpolitik.rng import MemberRNG

from .conftest import SEED, M, make_draws


@pytest.fixture(scope="module")
def params(flagship_draws):
    return compile_actions(flagship_draws)


def at(params, x):
    return {"features": x}


def test_shapes_and_finite(flagship, params):
    a, w, d = len(flagship.actions), len(params.row_action), len(params.drivers)
    assert params.base_rate.shape == (M, w) and params.beta.shape == (M, w, d)
    assert params.x_ref.shape == (M, d) and len(params.actions) == a
    assert w == sum(max(1, len(x.participants)) for x in flagship.actions)
    for arr in (params.base_rate, params.beta, params.x_ref):
        assert np.all(np.isfinite(arr))


def test_drivers_at_as_of_reproduce_each_base_rate(flagship, params):
    """At the as_of drivers each act's monthly probability is its keyed base-rate draw (the joint
    acts' parties multiply back to it), and the acts happen at that rate."""
    _, out = act.step(
        act.init_state(params, M), params, at(params, params.x_ref), 0, MemberRNG(3, 0, M)
    )
    for i, a in enumerate(flagship.actions):
        rows = np.flatnonzero(params.row_action == i)
        h0 = params.base_rate[:, rows].prod(axis=1)
        required = params.requires[i]
        if (params.x_ref[:, required] <= 0).any():  # waits for what it requires (none at as_of)
            assert (out.prob[:, i] == 0).all() and not out.acted[:, i].any(), a.id
            continue
        assert out.prob[:, i] == pytest.approx(h0), a.id
        se = np.sqrt(np.mean(h0 * (1 - h0)) / M)
        assert abs(out.acted[:, i].mean() - h0.mean()) < 4 * se + 1e-12, a.id


def test_each_driver_moves_its_act_in_the_declared_direction_within_the_cap(flagship, params):
    base = act.hazards(params, params.x_ref)
    for k, spec in enumerate(params.drivers):
        x = params.x_ref.copy()
        x[:, k] += feature_sd(flagship, spec)
        moved = act.hazards(params, x)
        for w in range(len(params.row_action)):
            b = params.beta[:, w, k]
            if not np.any(b):
                continue
            shift = special.logit(moved[:, w]) - special.logit(base[:, w])
            assert np.all(np.sign(shift) == np.sign(b)), spec
            assert np.all(np.abs(shift) <= np.log(2) + 1e-9), spec


@pytest.mark.parametrize(
    "act_id, spec, sign",
    [
        ("long-term-basing-agreement", "forces-share:russia", +1),  # a larger force needs bases
        ("convene-trilateral-talks-with-iran-and-turkey", "alignment:turkey", +1),
        ("migrant-return-deal-with-turkey", "alignment:turkey", -1),  # Turkey closer to the West
        # a held posture makes the acts expressing it likelier (issue 11)
        ("use-force-against-russian-forces", "acted:turkey/counter-escalate", +1),
        ("ground-intervention-in-syria", "acted:turkey/counter-escalate", +1),
        ("escalate-support-to-rebels", "acted:saudi-arabia/counter-escalate", +1),
        ("escalate-support-to-rebels", "acted:saudi-arabia/seek-political-deal", -1),
    ],
)
def test_documented_counterfactual_directions(flagship, params, act_id, spec, sign):
    i = next(j for j, a in enumerate(flagship.actions) if a.id == act_id)
    x = params.x_ref.copy()
    x[:, params.drivers.index(spec)] += feature_sd(flagship, spec)
    st = act.init_state(params, M)
    p0 = act.step(st, params, at(params, params.x_ref), 0, MemberRNG(3, 0, M))[1].prob[:, i]
    p1 = act.step(st, params, at(params, x), 0, MemberRNG(3, 0, M))[1].prob[:, i]
    assert np.all(np.sign(p1 - p0) == sign)


def test_the_prior_pseudo_count_sets_an_empty_class_rate(flagship, samples):
    """``meta.base_rate_prior`` a: a class with k events in E months gives Gamma(k + a, E) draws;
    for k = 0 the mean is a/E, so a = 1 doubles the Jeffreys (½) rate on the same uniforms."""
    from realpolitik.scenario.quantities import Fixed

    i = next(
        j
        for j, a in enumerate(flagship.actions)
        if a.base_rate.events == 0 and len(a.participants) <= 1
    )
    col = list(compile_actions(make_draws(flagship, samples, seed=11)).row_action).index(i)
    rates = {}
    for a in (0.5, 1.0):
        meta = flagship.meta.model_copy(update={"base_rate_prior": Fixed(value=a, src="j-drivers")})
        s = flagship.model_copy(update={"meta": meta})
        rates[a] = compile_actions(make_draws(s, samples, seed=11)).base_rate[:, col]
    e = flagship.actions[i].base_rate.exposure
    for a, r in rates.items():
        assert abs(r.mean() - a / e) < 4 * np.sqrt(a) / e / np.sqrt(M)
    assert (rates[1.0] > rates[0.5]).all()  # same uniforms, a larger shape: a larger quantile


def test_keyed_gamma_base_rates(flagship, samples):
    p = compile_actions(make_draws(flagship, samples, seed=11))
    i = next(j for j, a in enumerate(flagship.actions) if a.id == "withdraw-main-force")
    draws = p.base_rate[:, list(p.row_action).index(i)]
    mean, sd = 2.5 / 112, np.sqrt(2.5) / 112  # Gamma(k + 1/2, rate E)
    assert abs(draws.mean() - mean) < 4 * sd / np.sqrt(M)
    again = compile_actions(make_draws(flagship, samples, seed=11)).base_rate
    assert np.array_equal(p.base_rate, again)
    other = compile_actions(make_draws(flagship, samples, seed=SEED)).base_rate
    assert not np.array_equal(p.base_rate, other)


def test_doubling_cap_is_enforced_unless_a_source_says_more(flagship, samples):
    i = next(j for j, a in enumerate(flagship.actions) if a.id == "withdraw-main-force")
    a = flagship.actions[i]
    big = dict(a.drivers, **{"territory-trend:regime": 100.0})  # 100 * 0.02 = 2 > ln 2
    sub = {k: v[:10] for k, v in samples.items()}
    sub[f"actions.{a.id}.drivers.territory-trend:regime"] = np.full(10, 100.0)
    bad = flagship.model_copy(
        update={
            "actions": [
                *flagship.actions[:i],
                a.model_copy(update={"drivers": big}),
                *flagship.actions[i + 1 :],
            ]
        }
    )
    with pytest.raises(ScenarioError, match="doubles the odds"):
        compile_actions(make_draws(bad, sub))
    flagged = a.model_copy(update={"drivers": big, "cap_exception": ["territory-trend:regime"]})
    ok = flagship.model_copy(
        update={"actions": [*flagship.actions[:i], flagged, *flagship.actions[i + 1 :]]}
    )
    assert compile_actions(make_draws(ok, sub)).beta.max() == 100.0
