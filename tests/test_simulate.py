"""The coupled simulation on the flagship: the trajectory contract, reproducibility (chunking,
bytes, common random numbers), every question resolvable, effects, do() and counterfactuals.

Mechanics, invariants and directions only: no test asserts a historical outcome or the analysis's
own forecast."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import realpolitik as rp
from realpolitik.api import answer, read_questions
from realpolitik.questions import check_ids
from realpolitik.questions.resolve import resolve
from realpolitik.rng import MemberRNG
from realpolitik.scenario.loader import parse
from realpolitik.scenario.patch import merge_patch
from realpolitik.simulate import simulate
from realpolitik.trajectory import check_trajectory, national_shares
from realpolitik.yamlio import load as load_yaml

from .conftest import ROOT

QUESTIONS = ROOT / "data/questions/questions-syria-2015.yaml"
DEV = ROOT / "data/questions/outcomes-dev.yaml"
VOCAB = ROOT / "data/questions/question-vocabulary.yaml"
N, SEED = 100, 3


@pytest.fixture(scope="module")
def doc():
    return rp.load(ROOT / "scenarios/syria-2015.yaml")


@pytest.fixture(scope="module")
def run100(doc):
    return rp.simulate(doc, members=N, seed=SEED)


def patched(doc, patch):
    return parse(merge_patch(doc.data, patch), doc.positions, doc.path)


def test_the_trajectory_conforms_to_the_contract(run100, doc):
    ds = run100
    assert check_trajectory(ds) == []
    assert ds.attrs["scenario_id"] == "syria-2015" and ds.attrs["first_step"] == "2015-10"
    assert "created" not in ds.attrs and len(ds.attrs["scenario_hash"]) == 64
    assert list(ds["month"].values[:2]) == ["2015-09", "2015-10"]
    assert ds["month"].values[-1] == "2024-12" and ds.sizes["month"] == 112
    assert not ds["acted"].isel(month=0).any()  # nothing happens in the initial row
    assert ds["control"].dtype == np.float32 and ds["office_holder"].dtype == np.int16
    # shares sum to one, forces are non-negative, no NaN where the contract needs numbers
    np.testing.assert_allclose(ds["control"].sum("faction"), 1.0, atol=1e-5)
    assert (ds["forces"] >= 0).all()
    for name in ("control", "forces", "issue_outcome", "series"):
        assert np.isfinite(ds[name].values).all(), name
    holder = ds["office_holder"].values
    assert ((holder >= 0) & (holder < ds.sizes["actor"])).all()
    # the initial row is the as_of state
    c = rp.compile_run(doc, N, SEED)
    on_map = ds["region_kind"].values != "composite"  # composites follow the map's regions
    assert list(ds["region"].values[on_map]) == list(c.coords.of("region"))
    np.testing.assert_allclose(
        ds["control"].isel(month=0, region=on_map), c.drivers0["control"], rtol=1e-6
    )
    assert (ds["settled"].isel(month=0) == 0).all()


def test_results_do_not_depend_on_chunking_or_member_range(doc):
    c = rp.compile_run(doc, 12, SEED)
    whole = simulate(c, chunk=12)
    xr.testing.assert_identical(whole, simulate(c, chunk=5))
    part = simulate(rp.compile_run(doc, 7, SEED, first_member=5))
    np.testing.assert_array_equal(part["member"], np.arange(5, 12))
    for name in whole.data_vars:
        np.testing.assert_array_equal(whole[name].values[5:], part[name].values, name)
    # rp.simulate compiles each chunk as it runs: the same dataset as compiling all members first
    xr.testing.assert_identical(whole, rp.simulate(doc, 12, SEED, chunk=5))


def test_the_same_seed_gives_the_same_bytes(doc, tmp_path):
    from realpolitik.trajectory import write_netcdf

    for name in ("a", "b"):
        write_netcdf(rp.simulate(doc, members=6, seed=9), tmp_path / f"{name}.nc")
    assert (tmp_path / "a.nc").read_bytes() == (tmp_path / "b.nc").read_bytes()
    other = rp.simulate(doc, members=6, seed=10)
    assert not np.array_equal(
        other["control"].values, xr.load_dataset(tmp_path / "a.nc")["control"]
    )


@pytest.mark.parametrize("path", [QUESTIONS, DEV], ids=["published", "dev"])
def test_every_question_resolves(run100, doc, path):
    qs = read_questions(path)
    assert check_ids(qs, doc.scenario.known_ids()) == []
    for q in qs:
        a = answer(q, run100)
        assert a.members == N
        if a.p is not None:
            assert 0 < a.p < 1
        else:
            assert all(np.isfinite(v) for v in a.quantiles.values())


def test_every_place_question_can_go_either_way(doc):
    """Mechanics, not outcomes: over 200 members, every place a published holds/captures question
    names (a site or a divided city) is taken by the question's actor in some members and not in
    others over the whole run (the question's window widened to the run, so what is tested is the
    map, the garrisons and the supply graph, not the pace), and its question, in its own window,
    is not certain."""
    import datetime as dt

    ds = rp.simulate(doc, members=200, seed=2015)
    kind = dict(zip(ds["region"].values, ds["region_kind"].values, strict=True))
    asked = [q for q in read_questions(QUESTIONS) if q.query.kind in ("holds", "captures")]
    assert {kind[q.query.region] for q in asked} <= {"site", "composite"} and len(asked) >= 10
    first, last = dt.date(2015, 10, 5), dt.date(2024, 12, 31)
    for q in asked:
        x = resolve(q, ds)
        assert x.sum() < x.size, (q.id, int(x.sum()))
        if q.query.kind == "captures":
            whole = q.query.model_copy(update={"from_": first, "to": last})
            y = resolve(whole, ds)
        else:
            held = [q.query.model_copy(update={"on": d}) for d in (first, last)]
            y = resolve(held[0], ds) != resolve(held[1], ds)  # changed hands in the run
            y = y if y.any() else resolve(held[1], ds)
        assert 0 < y.sum() < y.size, (q.id, int(y.sum()))


def generated_questions(doc, ds) -> list[str]:
    """One question per vocabulary id and every query kind that applies to it."""
    vocab, _ = load_yaml(VOCAB)
    s = doc.scenario
    factions = s.faction_of()
    armed = [a for a in vocab["actors"] if a in factions]
    aligned = [a for a in vocab["actors"] if np.isfinite(ds["alignment"].sel(actor=a)).all()]
    on, window = "'on': 2017-06-30", "from: 2016-01-01, to: 2017-12-31"
    out = []
    for issue in vocab["issues"]:
        out += [f"{{kind: settlement, issue: {issue}, by: 2018-12-31}}",
                f"{{kind: position, issue: {issue}, {on}, min: 0, max: 50}}"]  # fmt: skip
    for actor in armed:
        out += [f"{{kind: control, actor: {actor}, measure: {m}, {on}}}"
                for m in ("territory", "population")]  # fmt: skip
        out += [f"{{kind: control, actor: {actor}, measure: territory, {on}, op: '>', value: 10}}"]
        for region in vocab["regions"]:
            out += [f"{{kind: holds, actor: {actor}, region: {region}, {on}}}",
                    f"{{kind: captures, actor: {actor}, region: {region}, {window}}}"]  # fmt: skip
    for actor in vocab["actors"]:
        for office in vocab["offices"]:
            out.append(f"{{kind: holds_office, actor: {actor}, office: {office}, {on}}}")
    for actor in aligned:
        out.append(f"{{kind: aligned, actor: {actor}, with: russia, over: usa, {on}}}")
    for actor, strategies in vocab["strategies"].items():
        for strategy in strategies:
            out.append(f"{{kind: choice, actor: {actor}, strategy: {strategy}, {window}}}")
    for series, unit in vocab["series"].items():
        if not series.startswith("control:"):  # control:territory is the control kind itself
            out.append(f"{{kind: value, series: {series}, 'on': 2017-12-31, unit: {unit}}}")
    return out


def test_a_generated_question_for_every_vocabulary_id_and_kind_resolves(run100, doc):
    from .questions_fixtures import question

    queries = generated_questions(doc, run100)
    kinds = {q.split(",")[0].removeprefix("{kind: ") for q in queries}
    assert kinds == {"settlement", "position", "control", "holds", "captures", "holds_office",
                     "aligned", "choice", "value"}  # fmt: skip
    for k, text in enumerate(queries):
        x = resolve(question(text, f"g{k}"), run100)
        assert x.shape == (N,) and np.all(np.isfinite(np.asarray(x, float))), text


# --- common random numbers ------------------------------------------------------------------------


def test_adding_two_acts_leaves_every_other_acts_draws(doc):
    """Two acts without effects removed: every other act happens in exactly the same members and
    months (each act's willingness draws are keyed by its id, not its position)."""
    gone = ("invoke-article-5", "join-multilateral-syria-talks")
    fewer = patched(doc, {"actions": {a: None for a in gone}})
    assert all(not a.effects for a in doc.scenario.actions if a.id in gone)
    full, less = rp.simulate(doc, members=40, seed=5), rp.simulate(fewer, members=40, seed=5)
    kept = [c for c in less["course"].values]
    xr.testing.assert_identical(full["acted"].sel(course=kept), less["acted"])
    np.testing.assert_array_equal(full["control"].values, less["control"].values)


def test_a_counterfactual_that_changes_nothing_is_the_base_run_bit_for_bit(doc):
    noop = patched(doc, {"counterfactuals": {"nothing": {"description": "changes nothing"}}})
    base = rp.simulate(noop, members=20, seed=4)
    same = rp.simulate(noop, members=20, seed=4, counterfactual="nothing")
    assert same.attrs["counterfactual"] == "nothing"
    for name in base.data_vars:
        np.testing.assert_array_equal(base[name].values, same[name].values, name)


def test_removing_russias_air_group_leaves_unrelated_draws_identical(doc, monkeypatch):
    """Every draw a run uses is recorded by key: the counterfactual uses the same keys for every
    hazard and gets the same uniforms for each (they depend on seed, key and member only)."""
    seen: dict[str, dict[str, np.ndarray]] = {"base": {}, "cf": {}}
    original = MemberRNG.uniform_many

    def recording(run):
        def uniform_many(self, keys, shape=()):
            u = original(self, keys, shape)
            seen[run].update({self.prefix + key: x for key, x in zip(keys, u, strict=True)})
            return u

        return uniform_many

    monkeypatch.setattr(MemberRNG, "uniform_many", recording("base"))
    rp.simulate(doc, members=10, seed=6)
    monkeypatch.setattr(MemberRNG, "uniform_many", recording("cf"))
    rp.simulate(doc, members=10, seed=6, counterfactual="no-russian-intervention")
    hazards = [k for k in seen["base"] if k.startswith("actions/")]
    assert hazards and set(hazards) == {k for k in seen["cf"] if k.startswith("actions/")}
    for key in hazards:
        np.testing.assert_array_equal(seen["base"][key], seen["cf"][key], key)


# --- counterfactuals, effects, do() ---------------------------------------------------------------


@pytest.mark.parametrize(
    "cf",
    ["no-russian-intervention", "assad-departs-2016", "turkey-escalates", "russia-doubles-down"],
)
def test_every_flagship_counterfactual_runs(doc, cf):
    ds = rp.simulate(doc, members=8, seed=2, counterfactual=cf)
    assert check_trajectory(ds) == [] and ds.attrs["counterfactual"] == cf


def regime_share(ds, month):
    gov = ds["region_kind"].values == "governorate"
    area = np.nan_to_num(ds["region_area"].values)
    f = list(ds["faction"].values).index("regime")
    return national_shares(ds["control"].sel(month=month).values, area, gov)[:, f]


def test_no_russian_intervention_costs_the_regime_ground(doc):
    """Mechanism direction: without Russia's air group and re-equipment (no air multiplier, a lower
    fire factor) the regime holds less ground, member by member on common draws."""
    base = rp.simulate(doc, members=60, seed=8)
    cf = rp.simulate(doc, members=60, seed=8, counterfactual="no-russian-intervention")
    for month in ("2016-03", "2016-12"):
        d = regime_share(cf, month) - regime_share(base, month)
        assert d.mean() < 0 and np.mean(d < 0) > 0.6, month


def test_an_office_event_and_the_army_route_settle_the_transition(doc):
    ds = rp.simulate(doc, members=10, seed=1, counterfactual="assad-departs-2016")
    actors = list(ds["actor"].values)
    holder = ds["office_holder"].sel(office="syria-president")
    assert (holder.sel(month="2015-12") == actors.index("assad")).all()
    assert (holder.sel(month="2016-01") == actors.index("army-command")).all()
    settled = ds["settled"].sel(issue="negotiated-transition-replacing-assad")
    assert settled.sel(month="2016-01").all()


def test_do_makes_turkey_intervene_and_its_force_enter_aleppo(doc):
    ds = rp.simulate(doc, members=10, seed=1, counterfactual="turkey-escalates")
    course = "turkey/ground-intervention-in-syria"
    acted = ds["acted"].sel(course=course)
    # a one-off act: forced in its month, then spent
    assert acted.sel(month="2015-11").all() and not acted.sel(month=slice("2015-12", None)).any()
    forces = ds["forces"].sel(faction="turkey").sum("region")
    assert (forces.sel(month="2015-10") == 0).all() and (forces.sel(month="2015-12") > 0).all()
    for posture in ("turkey/counter-escalate", "saudi-arabia/counter-escalate"):  # held postures
        assert ds["acted"].sel(course=posture).sel(month=slice("2015-11", None)).all()


def test_the_escalation_posture_makes_its_acts_likelier_and_arms_the_rebels(doc):
    """On common draws, holding the escalation posture from Nov 2015 (turkey-escalates) raises the
    odds of the acts that express it (a Saudi step up, a Turkish use of force), and the rebels'
    backers' arms raise their fire: the rebels hold more ground than in the base run."""
    base = rp.simulate(doc, members=80, seed=21)
    cf = rp.simulate(doc, members=80, seed=21, counterfactual="turkey-escalates")
    window = slice("2015-12", "2017-12")
    for course in ("saudi-arabia/escalate-support-to-rebels",
                   "turkey/use-force-against-russian-forces"):  # fmt: skip
        p_base = base["strategy_prob"].sel(course=course, month=window).mean()
        p_cf = cf["strategy_prob"].sel(course=course, month=window).mean()
        assert float(p_cf) > float(p_base), course
    f = list(base["faction"].values).index("rebels")
    gov = base["region_kind"].values == "governorate"
    area = np.nan_to_num(base["region_area"].values)
    share = {
        k: national_shares(ds["control"].sel(month="2016-12").values, area, gov)[:, f]
        for k, ds in (("base", base), ("cf", cf))
    }
    assert (share["cf"] - share["base"]).mean() > 0


@pytest.mark.parametrize("cf", ["no-russian-intervention", "turkey-escalates"])
def test_a_counterfactual_moves_all_three_levels(doc, cf):
    """Issue 11: bargaining (international), alignment (regional) and third-party choice (regional
    and local) all move, not only combat — member by member on common draws."""
    base = rp.simulate(doc, members=60, seed=5)
    alt = rp.simulate(doc, members=60, seed=5, counterfactual=cf)
    window = slice("2016-01", "2018-12")
    moved = {
        "bargaining": np.abs(alt["issue_outcome"].sel(month=window).values
                             - base["issue_outcome"].sel(month=window).values).max(),
        "alignment": np.nanmax(np.abs(alt["alignment"].sel(month=window).values
                                      - base["alignment"].sel(month=window).values)),
        "choice": np.abs(alt["strategy_prob"].sel(course="saudi-arabia/counter-escalate",
                                                  month=window).values
                         - base["strategy_prob"].sel(course="saudi-arabia/counter-escalate",
                                                     month=window).values).max(),
        "combat": np.abs(alt["control"].sel(month=window).values
                         - base["control"].sel(month=window).values).max(),
    }  # fmt: skip
    for level, change in moved.items():
        assert change > 1e-6, (cf, level)


def test_a_reconciliation_needs_the_rupture_it_ends(doc):
    """`requires`: Turkey-Russia reconciliation is possible only once a Turkish use of force against
    Russian forces has been taken (the `taken` driver, 1 from that month on)."""
    ds = rp.simulate(doc, members=120, seed=9)
    force = ds["acted"].sel(course="turkey/use-force-against-russian-forces").values
    deal = ds["acted"].sel(course="turkey/seek-deal-with-russia").values
    prob = ds["strategy_prob"].sel(course="turkey/seek-deal-with-russia").values
    taken_before = np.cumsum(force, axis=1) > 0
    # month t's hazard reads `taken` at the start of t: set by the end of month t - 1
    ruptured = np.concatenate([np.zeros_like(taken_before[:, :1]), taken_before[:, :-1]], axis=1)
    assert not deal[~ruptured].any()
    assert np.nan_to_num(prob[~ruptured][1:]).max() == 0
    assert force.any(axis=1).sum() > 0 and deal.any()


def test_a_negotiated_transition_hands_the_presidency_to_the_army_command(doc):
    """A settlement of the transition issue while Assad holds office moves the presidency to the
    leadership's settlement_successor the next month; a settlement event in Jan 2016 shows it."""
    event = {
        "events": {
            "deal-2016-01": {
                "date": "2016-01-10",
                "description": "a negotiated transition (test)",
                "judgement": {
                    "by": "the tests",
                    "date": "2026-12-07",
                    "rationale": "a test event: the issue settles",
                },
                "effects": [{"kind": "settle", "issue": "negotiated-transition-replacing-assad"}],
            }
        }
    }
    ds = rp.simulate(patched(doc, event), members=12, seed=1)
    actors = list(ds["actor"].values)
    holder = ds["office_holder"].sel(office="syria-president")
    settled = ds["settled"].sel(issue="negotiated-transition-replacing-assad")
    first = settled.argmax("month").values
    checked = 0
    for m in range(12):
        t = int(first[m])
        was_assad = int(holder.isel(member=m, month=t)) == actors.index("assad")
        if was_assad and t + 1 < holder.sizes["month"]:
            assert int(holder.isel(member=m, month=t + 1)) == actors.index("army-command")
            checked += 1
    assert checked >= 6  # Assad still holds office in Jan 2016 in most members


def test_an_act_effect_is_applied_in_the_month_after(doc):
    """Russia's withdrawal (-1,000 fighters, sorties ×0.4) shows in the month after the act."""
    ds = rp.simulate(doc, members=40, seed=12)
    course = "russia/withdraw-main-force"
    acted = ds["acted"].sel(course=course).values  # (member, month)
    forces = ds["forces"].sel(faction="russia").sum("region").values
    hits = [(m, t) for m, t in zip(*np.nonzero(acted), strict=True) if t + 1 < acted.shape[1]]
    assert hits, "no member withdrew in 40 (base rate ~2 % a month)"
    for m, t in hits:
        assert forces[m, t + 1] < forces[m, t] - 900
