"""Coupling rules: the forms' arithmetic by hand, every flagship rule's direction, bad rules refused
with their location, and explain's accounting on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import realpolitik as rp
from realpolitik import features
from realpolitik.compile import draws
from realpolitik.coupling import CompiledRule
from realpolitik.errors import ScenarioError
from realpolitik.explain import explain, links, switch_off
from realpolitik.rng import MemberRNG
from realpolitik.scenario import loads_scenario

from .conftest import ROOT


def rule(form, magnitude, reference=0.0, cap=None, targets=(("fire_factor", np.array([0])),)):
    m = np.atleast_1d(np.asarray(magnitude, float))
    return CompiledRule(
        "r", features.Bound("x", "territory_trend", 0, "value"), form, m,
        np.full(m.shape, reference), targets, cap, 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    "form, y0, expected",
    [
        ("add", 2.0, 2.0 + 0.5 * (0.3 - 0.1)),
        ("scale", 2.0, 2.0 * (1 + 0.5 * 0.2)),
        ("exp", 2.0, 2.0 * np.exp(0.5 * 0.2)),
        ("logit", 0.25, 1 / (1 + np.exp(-(np.log(1 / 3) + 0.5 * 0.2)))),
        ("accumulate", 2.0, 2.0 + 0.5 * 0.3),  # reads x itself, a rate
    ],
)
def test_forms_by_hand(form, y0, expected):
    store = {"fire_factor": np.array([[y0, 7.0]])}
    states = {"fire_factor": store["fire_factor"].copy()}
    rule(form, 0.5, reference=0.1).apply(store, np.array([0.3]), states)
    assert store["fire_factor"][0, 0] == pytest.approx(expected, rel=1e-12)
    assert store["fire_factor"][0, 1] == 7.0  # untouched entry
    persisted = states["fire_factor"][0, 0]
    assert persisted == (pytest.approx(expected) if form == "accumulate" else y0)


def test_scale_never_goes_negative_and_caps_clip():
    store = {"fire_factor": np.array([[1.0]])}
    rule("scale", -10.0).apply(store, np.array([1.0]), {})
    assert store["fire_factor"][0, 0] == 0.0
    store = {"fire_factor": np.array([[1.0]])}
    rule("add", 10.0, cap=(0.0, 1.5)).apply(store, np.array([1.0]), {})
    assert store["fire_factor"][0, 0] == 1.5


# --- every flagship rule moves its target the documented way ---------------------------------------

# +1: the target rises when the read rises above its reference (with a positive-magnitude draw)
DIRECTION = {
    "russian-arms-raise-regime-fire": +1,  # more Russian re-equipment, more regime fire
    "iranian-ground-support-regime-manpower": +1,
    "iran-reinforces-a-losing-regime": -1,  # a rising regime trend: Iran draws down
    "momentum-raises-regime-side-leverage": +1,
    "momentum-raises-rebel-leverage": +1,
    "russian-commitment-hardens-assad": +1,
    "iranian-commitment-hardens-assad": +1,
    "russian-presence-draws-baghdad": +1,
    "russian-presence-draws-cairo": +1,
    "settlement-ends-regime-rebel-war": -1,  # a settlement lowers regime-rebel hostility
    "settlement-turns-forces-on-isis": +1,
    "russia-builds-ties-with-generals": +1,
    **{
        f"{backer}-{rule}": sign
        for backer in ("turkey", "saudi-arabia")
        for rule, sign in (
            ("escalation-arms-the-rebels", +1),  # the escalation posture arms the rebels more
            ("deal-arms-the-rebels-less", -1),
            ("deal-concedes-on-assad", -1),  # looking for a deal: less resistance to compromise
            ("arms-raise-rebel-fire", +1),
        )
    },
}


@pytest.fixture(scope="module")
def flagship_rules():
    doc = rp.load(ROOT / "scenarios/syria-2015.yaml")
    d = draws(doc.scenario, MemberRNG(4, 0, 200))
    plan = rp.compile_run(doc, 200, 4).loop
    return doc, d, {r.id: r for r in plan.rules}


def test_every_flagship_rule_has_a_documented_direction(flagship_rules):
    doc, _, rules = flagship_rules
    assert set(rules) == set(DIRECTION) == {r.id for r in doc.scenario.coupling}
    assert all(r.seed and r.description for r in doc.scenario.coupling)


@pytest.mark.parametrize("rule_id", sorted(DIRECTION))
def test_more_magnitude_moves_the_target_further_the_documented_way(flagship_rules, rule_id):
    """x one unit above its reference: the target moves in the documented direction, and further
    with twice the magnitude (until a cap binds)."""
    _, d, rules = flagship_rules
    r = rules[rule_id]
    n = r.magnitude.size
    x = r.reference + (1.0 if r.form != "accumulate" else 0.5)
    if r.form == "accumulate":
        x = np.full(n, 0.5)
    moved = []
    for scale in (0.0, 1.0, 2.0):
        store = {k: v.copy() for k, v in d.drivers0.items()}
        states = {k: v.copy() for k, v in d.drivers0.items()}
        if r.form == "logit":
            store[r.targets[0][0]][...] = 0.5
        scaled = CompiledRule(r.id, r.reads, r.form, r.magnitude * scale, r.reference, r.targets,
                              r.cap, r.lag)  # fmt: skip
        scaled.apply(store, x, states)
        name, idx = r.targets[0]
        moved.append(store[name].reshape(n, -1)[:, idx].mean(axis=1))
    zero, one, two = moved
    sign = DIRECTION[rule_id]
    assert np.all(sign * (one - zero) >= 0) and np.any(sign * (one - zero) > 0)
    assert np.all(sign * (two - one) >= -1e-12)


# --- bad rules are refused with their location ----------------------------------------------------

BASE = """
meta: {id: rules, title: rules, as_of: 2015-10-05, start: 2015-10, end: 2016-03}
sources:
  t: {judgement: {by: tests, date: 2026-12-07, rationale: synthetic numbers for rule checks}}
actors:
  - {id: usa, level: international, capabilities: {cinc: 0.14}, src: t}
  - {id: russia, level: international, capabilities: {cinc: 0.04}, src: t}
factions:
  - {id: regime, members: [russia], src: t}
issues:
  - id: x
    capability: cinc
    src: t
    positions: {usa: {position: 0, salience: 1}, russia: {position: 100, salience: 1}}
coupling:
RULES
"""
OK_RULE = """  - id: a
    reads: "territory-trend:regime"
    moves: {driver: capability_factor, issue: x, actor: russia}
    form: exp
    magnitude: 1
    src: t
    seed: "a quotation of six words or more"
"""


def load(rules: str):
    return loads_scenario(BASE.replace("RULES", rules), "rules.yaml")


def test_a_good_rule_loads():
    assert load(OK_RULE).coupling[0].id == "a"


@pytest.mark.parametrize(
    "old, new, message, where",
    [
        ("capability_factor", "moral", "unknown driver", "coupling[0].moves[0].driver"),
        ("capability_factor", "alignment", "cannot move this driver", "coupling[0].moves.0.driver"),
        ("form: exp", "form: square", "not one of the allowed values", "coupling[0].form"),
        ('"territory-trend:regime"', '"gdp:regime"', "unknown feature", "coupling[0].reads"),
        ("actor: russia", "actor: atlantis", "unknown actor id", "coupling[0].moves.0.actor"),
        ("issue: x, ", "", "give the issue ids", "coupling[0].moves.0.issue"),
    ],
)
def test_bad_rules_are_refused_with_file_line_column(old, new, message, where):
    with pytest.raises(ScenarioError) as e:
        load(OK_RULE.replace(old, new))
    text = str(e.value)
    assert message in text and "rules.yaml:" in text, text
    first = e.value.problems[0]
    assert first.line is not None and first.column is not None


def test_a_cycle_of_same_month_rules_is_refused_and_a_lag_breaks_it():
    loop = OK_RULE + OK_RULE.replace("id: a", "id: b").replace(
        '"territory-trend:regime"', '"settled:x"'
    ).replace("{driver: capability_factor, issue: x, actor: russia}",
              "{driver: salience_shift, issue: x, actor: russia}")  # fmt: skip
    assert load(loop)  # a reads a trend, b reads settled: no cycle
    self_loop = OK_RULE.replace(
        "{driver: capability_factor, issue: x, actor: russia}",
        "{driver: reinforcements, faction: regime}",
    ).replace('"territory-trend:regime"', '"relation:usa>russia:hostility"')
    ring = (
        '  - id: p\n    reads: "relation:usa>russia:hostility"\n'
        '    moves: {driver: relation_intensity, relation: "russia>usa:hostility"}\n'
        "    form: accumulate\n    magnitude: 0.1\n    src: t\n"
        '    seed: "a quotation of six words or more"\n'
        '  - id: q\n    reads: "relation:russia>usa:hostility"\n'
        '    moves: {driver: relation_intensity, relation: "usa>russia:hostility"}\n'
        "    form: accumulate\n    magnitude: 0.1\n    src: t\n"
        '    seed: "a quotation of six words or more"\n'
    )
    relations = (
        "relations:\n  - {from: usa, to: russia, type: hostility, intensity: 0.5, src: t}\n"
        "  - {from: russia, to: usa, type: hostility, intensity: 0.5, src: t}\ncoupling:"
    )
    text = BASE.replace("coupling:", relations).replace("RULES", ring)
    with pytest.raises(ScenarioError, match="a cycle of same-month rules") as e:
        loads_scenario(text, "rules.yaml")
    assert "p → q → p" in str(e.value) and e.value.problems[0].line is not None
    lagged = ring.replace("    form: accumulate\n    magnitude: 0.1\n    src: t\n    seed: \"a "
                          "quotation of six words or more\"\n  - id: q",
                          "    form: accumulate\n    lag: 1\n    magnitude: 0.1\n    src: t\n"
                          "    seed: \"a quotation of six words or more\"\n  - id: q", 1)  # fmt: skip
    assert loads_scenario(BASE.replace("coupling:", relations).replace("RULES", lagged))
    assert self_loop  # (a rule reading another driver than it moves is fine)


def test_a_do_naming_an_unknown_strategy_is_refused_with_its_location():
    text = BASE.replace(
        "coupling:\nRULES\n",
        "counterfactuals:\n  - id: cf\n    description: d\n"
        "    do:\n      - {actor: russia, strategy: invade-mars, from: 2015-11-01}\n",
    )
    with pytest.raises(ScenarioError, match="unknown strategy of that actor") as e:
        loads_scenario(text, "rules.yaml")
    assert "rules.yaml:" in str(e.value) and "counterfactuals[0].do[0].strategy" in str(e.value)


# --- explain ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc():
    return rp.load(ROOT / "scenarios/syria-2015.yaml")


def test_switching_a_rule_off_changes_only_its_magnitude(doc):
    off = switch_off(doc, "momentum-raises-regime-side-leverage")
    a = rp.compile_run(doc, 30, 1)
    b = rp.compile_run(off, 30, 1)
    ra = {r.id: r for r in a.loop.rules}
    rb = {r.id: r for r in b.loop.rules}
    assert (rb["momentum-raises-regime-side-leverage"].magnitude == 0).all()
    assert (ra["momentum-raises-regime-side-leverage"].magnitude > 0).any()
    for rid in set(ra) - {"momentum-raises-regime-side-leverage"}:
        np.testing.assert_array_equal(ra[rid].magnitude, rb[rid].magnitude)
    np.testing.assert_array_equal(a.drivers0["control"], b.drivers0["control"])
    assert len(links(doc)) == len(doc.scenario.coupling) + sum(
        len(x.drivers) for x in doc.scenario.actions
    )
    with pytest.raises(ScenarioError, match="unknown coupling rule"):
        switch_off(doc, "no-such-rule")


def test_explain_accounts_paired_differences_on_common_draws(doc):
    """explain's difference is the mean over members of (as sampled − off), both runs on the same
    draws; a rule already off explains nothing (identical runs)."""
    from realpolitik.api import read_questions
    from realpolitik.questions.resolve import resolve
    from realpolitik.simulate import simulate

    qs = [q for q in read_questions(ROOT / "data/questions/questions-syria-2015.yaml")
          if q.id in ("political-settlement-2016", "regime-territory-share-2017-12")]  # fmt: skip
    rid = "settlement-ends-regime-rebel-war"
    effects = explain(doc, [rid], qs, members=40, seed=2)
    base = simulate(rp.compile_run(doc, 40, 2))
    off = simulate(rp.compile_run(switch_off(doc, rid), 40, 2))
    for e, q in zip(effects, qs, strict=True):
        a, b = np.asarray(resolve(q, base), float), np.asarray(resolve(q, off), float)
        assert e.mean == pytest.approx((a - b).mean()) and e.sampled == pytest.approx(a.mean())
        assert e.low <= e.mean <= e.high
    nothing = explain(switch_off(doc, rid), [rid], qs, members=20, seed=2)
    assert all(e.mean == e.low == e.high == 0 for e in nothing)


def test_a_settlement_turns_the_regime_from_the_rebels(doc):
    """Integration of the settlement rules: with political-transition settled by an event in
    2016-01, the regime's and the rebels' losses to each other's fire fall against the same runs
    with the rule off."""
    from realpolitik.scenario.loader import parse
    from realpolitik.scenario.patch import merge_patch

    event = {"events": {"settle-2016": {
        "date": "2016-01-15", "description": "a settlement (test)",
        "judgement": {"by": "tests", "date": "2026-12-07", "rationale": "a forced settlement"},
        "effects": [{"kind": "settle", "issue": "political-transition"}]}}}  # fmt: skip
    settled = parse(merge_patch(doc.data, event), doc.positions, doc.path)
    on = rp.simulate(settled, members=30, seed=3)
    off = rp.simulate(switch_off(settled, "settlement-ends-regime-rebel-war"), members=30, seed=3)
    assert on["settled"].sel(issue="political-transition", month="2016-01").all()
    window = slice("2016-03", "2016-12")
    lost_on = (
        on["losses"].sel(faction=["regime", "rebels"], month=window).sum(["faction", "region"])
    )
    lost_off = (
        off["losses"].sel(faction=["regime", "rebels"], month=window).sum(["faction", "region"])
    )
    assert float(lost_on.mean()) < float(lost_off.mean())


def test_a_rules_move_of_a_relation_reaches_the_drivers_derived_from_it(doc):
    """A rule that moves a relation's intensity (Turkish escalation arming the rebels) moves the
    support, and Turkey's leverage, read the same month; a direct move of ``support`` by another rule
    (Russia's presence drawing Baghdad) is kept."""
    from realpolitik.simulate import _rederive_relations

    c = rp.compile_run(doc, 4, 1)
    store = {k: np.array(v, copy=True) for k, v in c.drivers0.items()}
    actors, relations = list(c.coords.of("actor")), list(c.coords.of("relation"))
    tk, rb, ru, iq = (actors.index(a) for a in ("turkey", "rebels", "russia", "iraq"))
    k = relations.index("turkey>rebels:support:arms")
    before = store["relation_intensity"].copy()
    store["support"][:, ru, iq] += 0.25  # a rule moving support directly
    support0, leverage0 = store["support"].copy(), store["leverage"].copy()
    store["relation_intensity"][:, k] = np.minimum(before[:, k] + 0.3, 1.0)
    _rederive_relations(c, store, before)
    assert (store["support"][:, tk, rb] > support0[:, tk, rb]).all()
    assert (store["leverage"][:, tk] > leverage0[:, tk]).all()
    np.testing.assert_array_equal(store["support"][:, ru, iq], support0[:, ru, iq])
    unmoved = np.ones(len(actors), bool)
    unmoved[tk] = False
    np.testing.assert_allclose(store["leverage"][:, unmoved], leverage0[:, unmoved])
