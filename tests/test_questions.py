"""Question schema, loader and resolvers, on hand-built synthetic trajectories (tests/questions_fixtures.py).

Toy run: initial row 2015-12, simulated months 2016-01 … 2016-12; governorates north (area 100,
population 3000) and south (area 300, population 1000); site north-city inside north.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.errors import ScenarioError
from realpolitik.questions import (
    KINDS,
    QUANTILES,
    check_ids,
    forecast,
    known_from_vocabulary,
    load_questions,
    loads_questions,
    resolve,
    vocabulary,
)
from realpolitik.questions.loader import parse_questions
from realpolitik.trajectory import check_trajectory
from realpolitik.yamlio import Positions
from tests.questions_fixtures import put, question, set_city, set_control, toy, toy_city

QDIR = Path(__file__).resolve().parents[1] / "data" / "questions"
HEAD = "- id: x\n  level: local\n  text: t\n"


def q(kind: str, **fields) -> object:
    """A question from query fields (dates as ISO strings, quoted for YAML)."""
    body = ", ".join(
        f"'{k}': '{v}'" if isinstance(v, str) else f"'{k}': {v}" for k, v in fields.items()
    )
    return question(f"{{kind: {kind}, {body}}}")


def error_of(fn, *args) -> str:
    with pytest.raises(ScenarioError) as exc:
        fn(*args)
    return str(exc.value)


# --- the real question files -------------------------------------------------------------------


def test_real_question_and_outcome_files_load():
    questions = load_questions(QDIR / "questions-syria-2015.yaml")
    outcomes = load_questions(QDIR / "outcomes-dev.yaml", outcomes=True)
    assert len(questions) == 50 and len(outcomes) == 15
    assert {x.query.kind for x in questions} == set(KINDS)
    assert {x.id for x in outcomes} <= {x.id for x in questions}
    assert all(x.outcome is not None and x.resolves and x.source for x in outcomes)
    # YAML 1.2: the key 'on' stays a string key and the date a date
    held = next(x for x in outcomes if x.id == "isis-holds-palmyra-2017-06-30")
    assert held.query.on.isoformat() == "2017-06-30" and held.outcome is False


def test_every_id_used_is_in_the_vocabulary_and_unknown_ids_are_located():
    questions = load_questions(QDIR / "questions-syria-2015.yaml")
    known = known_from_vocabulary(QDIR / "question-vocabulary.yaml")
    used = vocabulary(questions)
    assert all(used[k] <= known[k] for k in used)
    assert "seek-deal-with-russia" in used["strategy:turkey"]
    assert check_ids(questions, known) == []
    known["region"].discard("palmyra")
    known["strategy:turkey"].discard("seek-deal-with-russia")
    problems = check_ids(questions, known)
    assert {p.value for p in problems} == {"'palmyra'", "'seek-deal-with-russia'"}
    for p in problems:
        assert p.file.endswith("questions-syria-2015.yaml") and p.line is not None
    strat = next(p for p in problems if p.value == "'seek-deal-with-russia'")
    assert (
        strat.path.endswith("query.strategy")
        and "use-force-against-russian-forces" in strat.options
    )
    assert len([p for p in problems if p.value == "'palmyra'"]) == 2  # regime captures, isis holds


def test_outcome_fields_belong_to_outcome_files_only():
    text = error_of(load_questions, QDIR / "outcomes-dev.yaml")
    assert "'outcome' belongs in outcome files only" in text and "outcomes-dev.yaml:" in text
    text = error_of(load_questions, QDIR / "questions-syria-2015.yaml", True)
    assert "missing field (an outcome file needs outcome, resolves, source)" in text


@pytest.mark.parametrize(
    "query, outcome, fragment",
    [
        (
            "{kind: holds, actor: a, region: r, 'on': 2016-01-01}",
            "3",
            "true or false (binary question)",
        ),
        (
            "{kind: value, series: s, 'on': 2016-01-01, unit: persons}",
            "true",
            "a number (numeric question)",
        ),
        (
            "{kind: control, actor: a, measure: territory, 'on': 2016-01-01}",
            ".nan",
            "a finite number",
        ),
        (
            "{kind: control, actor: a, measure: territory, 'on': 2016-01-01}",
            "'53'",
            "a finite number",
        ),
    ],
)
def test_outcome_must_fit_the_question(query, outcome, fragment):
    text = f"{HEAD}  query: {query}\n  outcome: {outcome}\n  resolves: 2016-01-02\n  source: s\n"
    with pytest.raises(ScenarioError) as exc:
        loads_questions(text, "o.yaml", outcomes=True)
    (problem,) = exc.value.problems
    assert (problem.line, problem.path) == (5, "[0].outcome") and fragment in problem.message
    fixed = "false" if "holds" in query else "53"
    good = text.replace(f"outcome: {outcome}", f"outcome: {fixed}")
    assert loads_questions(good, "o.yaml", outcomes=True)[0].outcome in (False, 53.0)


# --- bad question files: one located problem per mistake ------------------------------------------

# (query, the text the problem points at on line 4, field path, message fragment, one valid option)
BAD = [
    (
        "{kind: holdz, actor: a, region: r, 'on': 2016-01-01}",
        "holdz",
        "query.kind",
        "unknown query kind",
        "holds_office",
    ),
    ("{actor: a}", "{actor", "query.kind", "missing field 'kind'", "captures"),
    ("{kind: holds, actor: a, 'on': 2016-01-01}", "{kind", "query.region", "missing field", None),
    (
        "{kind: holds, actor: a, region: r, 'on': 2016-01-01, at: 1}",
        "at:",
        "query.at",
        "unknown field",
        "region",
    ),
    (
        "{kind: value, series: s, 'on': 2016-12-31, unit: furlongs}",
        "furlongs",
        "query.unit",
        "unknown unit",
        "persons",
    ),
    (
        "{kind: value, series: s, 'on': 2016-12-31, unit: count-since-2017-01-01}",
        "count-",
        "query.unit",
        "after 'on'",
        None,
    ),
    (
        "{kind: control, actor: a, measure: area, 'on': 2016-01-01}",
        "area",
        "query.measure",
        "not one of",
        "population",
    ),
    (
        "{kind: control, actor: a, measure: territory, 'on': 2016-01-01, op: '>'}",
        "{kind",
        "query.value",
        "both 'op'",
        None,
    ),
    (
        "{kind: control, actor: a, measure: territory, 'on': 2016-01-01, op: '~', value: 3}",
        "'~'",
        "query.op",
        "not one of",
        ">=",
    ),
    (
        "{kind: control, actor: a, measure: territory, 'on': 2016-01-01, op: '>', value: 130}",
        "130",
        "query.value",
        "less than or equal to 100",
        None,
    ),
    (
        "{kind: position, issue: i, 'on': 2016-01-01, min: '3', max: 5}",
        "'3'",
        "query.min",
        "valid number",
        None,
    ),
    (
        "{kind: position, issue: i, 'on': 2016-01-01, min: 30, max: 20}",
        "20}",
        "query.max",
        "min must not exceed max",
        None,
    ),
    (
        "{kind: captures, actor: a, region: r, from: 2016-05-01, to: 2016-01-01}",
        "2016-01",
        "query.to",
        "'from' is after",
        None,
    ),
    (
        "{kind: choice, actor: a, strategy: s, from: '2016-02-30', to: 2016-03-01}",
        "'2016-02-30'",
        "query.from",
        "a date",
        None,
    ),
    (
        "{kind: settlement, issue: i, by: 2016-01-01 10:00:00}",
        "2016",
        "query.by",
        "without a time",
        None,
    ),
    (
        "{kind: aligned, actor: a, with: b, over: b, 'on': 2016-01-01}",
        "b, 'on'",
        "query.over",
        "must differ",
        None,
    ),
    (
        "{kind: holds_office, actor: '', office: o, 'on': 2016-01-01}",
        "''",
        "query.actor",
        "at least 1 character",
        None,
    ),
    ("[1, 2]", "[1", "query", "expected a mapping", None),
]


@pytest.mark.parametrize("query, token, path, fragment, option", BAD)
def test_bad_query_gives_one_located_problem(query, token, path, fragment, option):
    line = "  query: " + query
    with pytest.raises(ScenarioError) as exc:
        loads_questions(HEAD + line + "\n", "bad.yaml")
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.column) == ("bad.yaml", 4, line.index(token) + 1)
    assert problem.path == "[0]." + path and fragment in str(problem)
    assert option is None or option in problem.options


def test_bad_question_fields_and_duplicates_are_each_reported():
    text = (
        "- id: a\n  level: globe\n  text: t\n  query: {kind: settlement, issue: i, by: 2016-01-01}\n"
        "- id: a\n  level: local\n  text: t\n  extra: 1\n  query: {kind: settlement, issue: i, by: 2016-01-01}\n"
        "- 5\n"
    )
    with pytest.raises(ScenarioError) as exc:
        loads_questions(text, "bad.yaml")
    got = {(p.path, p.line, p.column): p for p in exc.value.problems}
    assert set(got) == {("[0].level", 2, 10), ("[1].id", 5, 7), ("[1].extra", 8, 3), ("[2]", 10, 3)}
    assert "duplicate question id (first at line 1)" in got[("[1].id", 5, 7)].message
    assert (
        "international" in got[("[0].level", 2, 10)].options
        and "query" in got[("[1].extra", 8, 3)].options
    )
    assert "a YAML list" in error_of(loads_questions, "id: a\n", "bad.yaml")


QUESTION = {
    "id": "x",
    "level": "local",
    "text": "t",
    "query": {"kind": "holds", "actor": "a", "region": "r", "on": "2016-01-01"},
}
JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = st.sampled_from(
    ["id", "level", "text", "query", "article", "outcome", "resolves", "source", "extra"]
)
QFIELDS = st.sampled_from(
    ["kind", "actor", "region", "on", "from", "to", "op", "value", "unit", "with", "min"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), FIELDS, QFIELDS, JUNK | st.sampled_from(KINDS)), max_size=4),
    st.booleans(),
)
def test_fuzzed_questions_load_or_raise_only_scenario_errors(edits, outcomes):
    item = {**QUESTION, "query": dict(QUESTION["query"])}
    for in_query, field, qfield, value in edits:
        if in_query and isinstance(item.get("query"), dict):
            item["query"][qfield] = value
        else:
            item[field] = value
    try:
        parse_questions([item], Positions("fuzz.yaml"), outcomes)
    except ScenarioError as exc:
        assert exc.problems and all(p.file == "fuzz.yaml" and p.message for p in exc.problems)


# --- resolvers, kind by kind ---------------------------------------------------------------------


def test_settlement_any_month_up_to_by_month():
    ds = toy()
    put(ds, "settled", True, since="2016-04", member=0, issue="transition")
    put(ds, "settled", True, since="2016-02", member=2, issue="transition")
    put(ds, "settled", True, since="2016-01", issue="ceasefire")
    assert resolve(q("settlement", issue="transition", by="2016-03-31"), ds).tolist() == [
        False,
        False,
        True,
    ]
    # by 2016-04-01 overlaps April: April's settlement counts
    assert resolve(q("settlement", issue="transition", by="2016-04-01"), ds).tolist() == [
        True,
        False,
        True,
    ]
    assert forecast(q("settlement", issue="transition", by="2016-12-31"), ds) == pytest.approx(
        2 / 3
    )
    assert "date outside the simulated months (2016-01 to 2016-12)" in error_of(
        resolve, q("settlement", issue="transition", by="2015-12-31"), ds
    )
    assert "unknown issue" in error_of(resolve, q("settlement", issue="peace", by="2016-03-31"), ds)


def test_position_interpolates_issue_outcome():
    ds = toy()
    put(ds, "issue_outcome", 10.0, until="2016-02", issue="transition")
    put(ds, "issue_outcome", 40.0, since="2016-03", issue="transition")
    put(ds, "issue_outcome", 90.0, member=1, issue="transition")
    # 2016-03-16: 10 + (40 - 10)·16/31 = 25.48
    assert resolve(
        q("position", issue="transition", on="2016-03-16", min=20, max=30), ds
    ).tolist() == [True, False, True]
    assert (
        resolve(q("position", issue="transition", on="2016-03-15", min=25.5, max=30), ds).tolist()
        == [False] * 3
    )
    assert resolve(
        q("position", issue="transition", on="2016-03-31", min=40, max=40), ds
    ).tolist() == [True, False, True]
    assert "missing (NaN) issue_outcome" in error_of(
        resolve, q("position", issue="ceasefire", on="2016-03-16", min=0, max=1), ds
    )


def test_control_territory_and_population_count_governorates_once():
    ds = toy()
    set_control(ds, "north", "2016-03", {"regime": 0.6, "rebels": 0.4})
    set_control(ds, "south", "2015-12", {"isis": 0.5})
    set_control(
        ds, "north-city", "2015-12", {"regime": 1.0}
    )  # a site: already inside north's shares
    ended = dict(actor="regime", measure="territory", on="2016-03-31")
    # territory: north weighs 100/400; population: north weighs 3000/4000
    assert resolve(q("control", **ended), ds) == pytest.approx([15.0] * 3)
    assert resolve(q("control", **{**ended, "measure": "population"}), ds) == pytest.approx(
        [45.0] * 3
    )
    assert resolve(q("control", **{**ended, "actor": "isis"}), ds) == pytest.approx([37.5] * 3)
    # before north changes hands the regime holds 0 % although it holds the site north-city
    assert resolve(q("control", **{**ended, "on": "2016-02-29"}), ds) == pytest.approx([0.0] * 3)
    # interpolated: 2016-03-02 -> 0.6·2/31 of north -> 0.25·100·0.6·2/31 = 0.9677 %
    mid = resolve(q("control", actor="assad", measure="territory", on="2016-03-02"), ds)
    assert mid == pytest.approx([0.25 * 100 * 0.6 * 2 / 31] * 3)
    assert resolve(q("control", **ended, op=">=", value=15.0), ds).tolist() == [True] * 3
    assert resolve(q("control", **ended, op=">", value=15.0), ds).tolist() == [False] * 3
    quantiles = forecast(q("control", **ended), ds)
    assert list(quantiles) == list(QUANTILES) and quantiles[0.5] == pytest.approx(15.0)


def test_control_of_an_actor_reads_its_faction():
    ds = toy()
    set_control(ds, "south", "2016-01", {"rebels": 1.0})
    # turkey -> faction rebels (attrs['actor_faction']); 'rebels' is itself a faction
    assert resolve(
        q("control", actor="turkey", measure="territory", on="2016-01-31"), ds
    ) == pytest.approx([75.0] * 3)
    assert resolve(
        q("control", actor="rebels", measure="territory", on="2016-01-31"), ds
    ) == pytest.approx([75.0] * 3)
    text = error_of(resolve, q("control", actor="usa", measure="territory", on="2016-01-31"), ds)
    assert "actor has no faction" in text and "turkey" in text


def test_holds_reads_end_of_month_above_threshold():
    ds = toy()
    set_control(ds, "north-city", "2016-03", {"regime": 0.6})
    set_control(ds, "north-city", "2016-03", {"regime": 0.5}, member=1)
    holds = dict(actor="assad", region="north-city")
    assert resolve(q("holds", **holds, on="2016-03-01"), ds).tolist() == [
        True,
        False,
        True,
    ]  # end of March
    assert resolve(q("holds", **holds, on="2016-02-29"), ds).tolist() == [False, False, False]
    ds.attrs["capture_threshold"] = 0.4
    assert resolve(q("holds", **holds, on="2016-03-01"), ds).tolist() == [True, True, True]
    assert "unknown region" in error_of(
        resolve, q("holds", actor="assad", region="east", on="2016-03-01"), ds
    )


def test_captures_needs_the_month_before_from_not_held():
    ds = toy()
    set_control(ds, "north-city", "2016-03", {"regime": 1.0}, member=0)  # taken in March
    set_control(ds, "north-city", "2015-12", {"regime": 1.0}, member=1)  # held from the start
    set_control(
        ds, "north-city", "2016-02", {"regime": 1.0}, member=2
    )  # Feb, lost Mar-Apr, back in May
    set_control(ds, "north-city", "2016-03", {"rebels": 1.0}, member=2)
    set_control(ds, "north-city", "2016-05", {"regime": 1.0}, member=2)
    cap = dict(actor="regime", region="north-city")
    # the month before 2016-01-05 is the initial row (2015-12): member 1 already held it
    assert resolve(
        q("captures", **cap, **{"from": "2016-01-05", "to": "2016-06-30"}), ds
    ).tolist() == [True, False, True]
    # window edge: to 2016-02-29 ends before March, to 2016-03-01 overlaps it
    assert resolve(
        q("captures", **cap, **{"from": "2016-01-05", "to": "2016-02-29"}), ds
    ).tolist() == [False, False, True]
    assert resolve(
        q("captures", **cap, **{"from": "2016-03-01", "to": "2016-03-01"}), ds
    ).tolist() == [True, False, False]
    # from April: read at the end of March, member 0 already held it, member 2 did not
    assert resolve(
        q("captures", **cap, **{"from": "2016-04-01", "to": "2016-05-01"}), ds
    ).tolist() == [False, False, True]
    assert resolve(
        q("captures", **cap, **{"from": "2016-03-10", "to": "2016-04-30"}), ds
    ).tolist() == [True, False, False]
    assert "outside the simulated months" in error_of(
        resolve, q("captures", **cap, **{"from": "2015-12-15", "to": "2016-02-01"}), ds
    )
    bare = toy(initial=False)
    assert "the month before 'from'" in error_of(
        resolve, q("captures", **cap, **{"from": "2016-01-05", "to": "2016-02-01"}), bare
    )


def test_a_composite_is_held_when_every_part_is():
    """A divided city (a composite of parts): holds = share > θ in each part, whatever the
    composite's own (area-weighted) column says."""
    ds = toy_city()
    set_city(ds, "capital-west", "2015-12", {"regime": 1.0})
    set_city(ds, "capital-east", "2015-12", {"rebels": 1.0})
    holds = dict(actor="assad", region="capital")
    assert resolve(q("holds", **holds, on="2016-01-31"), ds).tolist() == [False] * 3
    set_city(ds, "capital-east", "2016-03", {"regime": 0.9, "rebels": 0.1})  # 0.925 overall
    set_city(ds, "capital-east", "2016-03", {"regime": 0.5, "rebels": 0.5}, member=1)
    set_city(ds, "capital-west", "2016-03", {"rebels": 1.0}, member=2)
    assert resolve(q("holds", **holds, on="2016-03-31"), ds).tolist() == [True, False, False]
    # member 2: the regime holds 0.675 of the city's area, but not the west
    assert float(ds["control"].sel(member=2, month="2016-03", faction="regime",
                                   region="capital")) == pytest.approx(0.675)  # fmt: skip
    # a part alone resolves as a site
    part = dict(actor="assad", region="capital-east")
    assert resolve(q("holds", **part, on="2016-03-31"), ds).tolist() == [True, False, True]
    assert check_trajectory(ds) == []


def test_a_composite_is_captured_when_its_last_part_falls():
    ds = toy_city()
    set_city(ds, "capital-west", "2015-12", {"regime": 1.0})
    set_city(ds, "capital-east", "2015-12", {"rebels": 1.0})
    set_city(ds, "capital-east", "2016-05", {"regime": 1.0}, member=0)  # the east falls in May
    set_city(ds, "capital-west", "2016-02", {"rebels": 1.0}, member=1)  # west lost in Feb,
    set_city(ds, "capital-east", "2016-04", {"regime": 1.0}, member=1)  # east taken in April,
    set_city(ds, "capital-west", "2016-07", {"regime": 1.0}, member=1)  # the west back in July
    cap = dict(actor="regime", region="capital")
    spring = {"from": "2016-01-01", "to": "2016-05-31"}
    year = {"from": "2016-01-01", "to": "2016-12-31"}
    late = {"from": "2016-06-01", "to": "2016-12-31"}
    assert resolve(q("captures", **cap, **spring), ds).tolist() == [True, False, False]
    assert resolve(q("captures", **cap, **year), ds).tolist() == [True, True, False]
    # held at the end of May already: no capture from June on, except where the last part fell
    assert resolve(q("captures", **cap, **late), ds).tolist() == [False, True, False]


def test_a_composite_without_its_parts_is_a_located_error():
    ds = toy_city().drop_vars("region_composite")
    text = error_of(resolve, q("holds", actor="assad", region="capital", on="2016-03-31"), ds)
    assert "query.region" in text and "composite region without parts" in text


def test_holds_office_at_end_of_month():
    ds = toy()
    put(ds, "office_holder", 0, office="president")  # assad
    put(ds, "office_holder", 1, since="2016-07", member=0, office="president")  # makhlouf
    put(ds, "office_holder", -1, since="2016-09", member=2, office="president")  # vacant
    office = dict(actor="assad", office="president")
    assert resolve(q("holds_office", **office, on="2016-06-30"), ds).tolist() == [True, True, True]
    assert resolve(q("holds_office", **office, on="2016-07-01"), ds).tolist() == [False, True, True]
    assert resolve(q("holds_office", **office, on="2016-09-01"), ds).tolist() == [
        False,
        True,
        False,
    ]
    assert resolve(
        q("holds_office", actor="makhlouf", office="president", on="2016-07-01"), ds
    ).tolist() == [
        True,
        False,
        False,
    ]
    assert "unknown actor" in error_of(
        resolve, q("holds_office", actor="sisi", office="president", on="2016-07-01"), ds
    )


def test_aligned_interpolates_and_is_strict():
    ds = toy()
    put(ds, "alignment", 1.0, actor="russia")
    put(ds, "alignment", 0.0, actor="usa")
    put(ds, "alignment", 0.5, until="2016-02", actor="iran")
    put(ds, "alignment", 0.9, since="2016-03", actor="iran")
    put(ds, "alignment", 0.1, since="2016-03", member=1, actor="iran")
    al = dict(actor="iran", over="usa", **{"with": "russia"})
    # end of Feb: 0.5 is equidistant -> not closer (strict <)
    assert resolve(q("aligned", **al, on="2016-02-29"), ds).tolist() == [False] * 3
    # 2016-03-01: 0.5 + 0.4/31 = 0.513 -> closer to Russia; member 1: 0.5 - 0.4/31 -> closer to the US
    assert resolve(q("aligned", **al, on="2016-03-01"), ds).tolist() == [True, False, True]
    flipped = dict(actor="iran", over="russia", **{"with": "usa"})
    assert resolve(q("aligned", **flipped, on="2016-03-01"), ds).tolist() == [False, True, False]


def test_choice_any_month_overlapping_the_window():
    ds = toy()
    put(
        ds,
        "acted",
        True,
        since="2016-03",
        until="2016-03",
        member=[0, 2],
        actor="russia",
        strategy="veto",
    )
    ch = dict(actor="russia", strategy="veto")
    assert resolve(
        q("choice", **ch, **{"from": "2016-03-31", "to": "2016-04-15"}), ds
    ).tolist() == [True, False, True]
    assert (
        resolve(q("choice", **ch, **{"from": "2016-01-01", "to": "2016-02-29"}), ds).tolist()
        == [False] * 3
    )
    assert (
        resolve(q("choice", **ch, **{"from": "2016-04-01", "to": "2016-12-31"}), ds).tolist()
        == [False] * 3
    )
    assert forecast(
        q("choice", **ch, **{"from": "2016-01-01", "to": "2016-12-31"}), ds
    ) == pytest.approx(2 / 3)
    assert "outside the simulated months" in error_of(
        resolve, q("choice", **ch, **{"from": "2016-06-01", "to": "2017-01-01"}), ds
    )
    assert "unknown strategy" in error_of(
        resolve,
        q("choice", actor="russia", strategy="nuke", **{"from": "2016-01-01", "to": "2016-02-01"}),
        ds,
    )


# --- value: the unit rules -----------------------------------------------------------------------


def test_value_persons_is_the_interpolated_stock():
    ds = toy()
    put(ds, "series", 1000.0, until="2016-02", series_id="refugees")
    put(ds, "series", 1300.0, since="2016-03", series_id="refugees")
    # 2016-03-10: 1000 + 300·10/31
    got = resolve(q("value", series="refugees", on="2016-03-10", unit="persons"), ds)
    assert got == pytest.approx([1000 + 300 * 10 / 31] * 3)
    assert resolve(
        q("value", series="refugees", on="2015-12-20", unit="persons"), ds
    ) == pytest.approx([1000.0] * 3)


def test_value_persons_per_calendar_year_sums_the_monthly_flows():
    ds = toy()
    put(ds, "series", np.arange(1.0, 13.0), since="2016-01", series_id="arrivals")
    for on in ("2016-12-31", "2016-06-30", "2016-01-01"):
        got = resolve(q("value", series="arrivals", on=on, unit="persons-per-calendar-year"), ds)
        assert got == pytest.approx([78.0] * 3)
    short = toy(end="2016-11")
    put(short, "series", 1.0, since="2016-01", series_id="arrivals")
    assert "outside the simulated months" in error_of(
        resolve,
        q("value", series="arrivals", on="2016-06-30", unit="persons-per-calendar-year"),
        short,
    )
    text = error_of(resolve, q("value", series="arrivals", on="2016-06-30", unit="persons"), ds)
    assert "unit does not fit series 'arrivals' (flow in persons-per-calendar-year)" in text
    assert "valid: persons-per-calendar-year" in text


@pytest.mark.parametrize("series", ["vetoes", "vetoes-cum"])
def test_value_count_since_is_the_difference_of_the_cumulative_count(series):
    ds = toy()
    monthly = np.array([0, 1, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0.0])  # initial row, Jan … Dec
    if series == "vetoes":  # a flow: its initial row is no month of the run and is never read
        put(ds, "series", np.r_[np.nan, monthly[1:]], series_id=series)
    else:  # kind count: the running count at each month-end
        put(ds, "series", np.cumsum(monthly), series_id=series)
    # C(end Jun) = 4; C(Jan 16) = 0 + 1·16/31
    got = resolve(q("value", series=series, on="2016-06-30", unit="count-since-2016-01-16"), ds)
    assert got == pytest.approx([4 - 16 / 31] * 3)
    # C(end Mar) = 3; C(Feb 10) = 1
    got = resolve(q("value", series=series, on="2016-03-31", unit="count-since-2016-02-10"), ds)
    assert got == pytest.approx([2.0] * 3)
    assert "date outside the run" in error_of(
        resolve, q("value", series=series, on="2016-03-31", unit="count-since-2015-11-30"), ds
    )


def test_value_percent_of_syria_and_unit_errors():
    ds = toy()
    put(ds, "series", 2.0, until="2016-01", series_id="gain")
    put(ds, "series", 5.0, since="2016-02", series_id="gain")
    got = resolve(q("value", series="gain", on="2016-02-15", unit="percent-of-syria"), ds)
    assert got == pytest.approx([2 + 3 * 15 / 29] * 3)  # February 2016 has 29 days
    assert "unit does not fit" in error_of(
        resolve, q("value", series="refugees", on="2016-02-15", unit="percent-of-syria"), ds
    )
    assert "missing (NaN)" in error_of(
        resolve, q("value", series="deaths", on="2016-02-15", unit="persons"), ds
    )
    assert "date outside the run (2015-12 to 2016-12)" in error_of(
        resolve, q("value", series="gain", on="2017-01-01", unit="percent-of-syria"), ds
    )
    assert "unknown series" in error_of(
        resolve, q("value", series="nope", on="2016-02-15", unit="persons"), ds
    )


def test_resolution_errors_point_at_the_question_in_its_file(tmp_path):
    path = tmp_path / "qs.yaml"
    path.write_text(HEAD + "  query: {kind: holds, actor: assad, region: east, 'on': 2016-03-01}\n")
    (loaded,) = load_questions(path)
    with pytest.raises(ScenarioError) as exc:
        resolve(loaded, toy())
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 4, "[0].query.region")
    assert "north-city" in problem.options
    # a bare query (no question) is named by its kind
    assert "<holds query>" in error_of(resolve, loaded.query, toy())


# --- properties ----------------------------------------------------------------------------------


@st.composite
def control_runs(draw):
    n = draw(st.integers(1, 6))
    ds = toy(n_members=n)
    raw = draw(st.lists(st.floats(0, 1), min_size=n * 13 * 2, max_size=n * 13 * 2))
    shares = np.array(raw).reshape(n, 13, 2)  # regime's share of north and of north-city
    for r, region in enumerate(["north", "north-city"]):
        put(ds, "control", shares[..., r], faction="regime", region=region)
        put(ds, "control", 1 - shares[..., r], faction="contested", region=region)
    return ds, draw(st.permutations(range(n)))


QUERIES = [
    ("holds", dict(actor="regime", region="north-city", on="2016-05-20")),
    (
        "captures",
        dict(actor="regime", region="north-city", **{"from": "2016-02-03", "to": "2016-07-09"}),
    ),
    ("control", dict(actor="regime", measure="territory", on="2016-04-11", op="<", value=10)),
    ("control", dict(actor="regime", measure="population", on="2016-04-11")),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(control_runs(), st.sampled_from(QUERIES))
def test_resolution_is_per_member_and_forecasts_are_probabilities(run, kind_fields):
    ds, perm = run
    question_ = q(kind_fields[0], **kind_fields[1])
    base = resolve(question_, ds)
    shuffled = ds.isel(member=list(perm))
    assert np.array_equal(resolve(question_, shuffled), base[list(perm)])
    fc = forecast(question_, ds)
    if isinstance(fc, dict):
        values = list(fc.values())
        assert values == sorted(values) and 0 <= values[0] and values[-1] <= 100
    else:
        assert 0.0 <= fc <= 1.0 and fc == pytest.approx(base.mean())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=13, max_size=13),
    st.dates(dt.date(2016, 1, 1), dt.date(2016, 12, 31)),
)
def test_interpolated_value_lies_between_the_bracketing_month_ends(values, day):
    ds = toy(n_members=1)
    put(ds, "series", np.array(values), series_id="refugees")
    got = resolve(q("value", series="refugees", on=day.isoformat(), unit="persons"), ds)[0]
    m = day.month  # row m is the end of D's month, row m - 1 the end of the previous one
    lo, hi = sorted((values[m - 1], values[m]))
    assert lo - 1e-6 <= got <= hi + 1e-6
    if (day + dt.timedelta(days=1)).day == 1:
        assert got == pytest.approx(values[m])
