from pathlib import Path

import pytest

from realpolitik import yamlio
from realpolitik.ownership import conflicts, owners, unowned
from realpolitik.questions import load_questions
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sections import CouncilAct

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "data" / "questions" / "questions-syria-2015.yaml"


@pytest.fixture(scope="module")
def flagship():
    return load_scenario(ROOT / "scenarios" / "syria-2015.yaml")


def test_every_vocabulary_id_has_exactly_one_owner(flagship):
    vocab, _ = yamlio.load(ROOT / "data" / "questions" / "question-vocabulary.yaml")
    own = owners(flagship)
    assert conflicts(flagship) == {}
    for actor, strategies in vocab["strategies"].items():
        for st in strategies:
            assert (f"strategy:{actor}", st) in own, (actor, st)
    for sid in vocab["series"]:
        assert ("series", sid) in own, sid
    expect = {
        ("strategy:russia", "unsc-veto-on-syria"): "politics",
        ("strategy:unsc", "adopt-syria-roadmap-resolution"): "politics",
        ("strategy:egypt", "vote-for-russian-unsc-draft-on-syria"): "politics",
        ("series", "russia-unsc-vetoes-on-syria"): "politics",
        ("series", "syrian-refugees-worldwide"): "population",
        ("series", "regime-territory-net-change-since-2015-09-29"): "combat",
        ("strategy:turkey", "ground-intervention-in-syria"): "actions",  # a one-off act
        ("strategy:turkey", "counter-escalate"): "choice",  # a standing posture
        ("strategy:russia", "withdraw-main-force"): "actions",
    }
    assert {k: own[k] for k in expect} == expect


def test_flagship_questions_are_all_owned(flagship):
    assert unowned(load_questions(QUESTIONS), flagship) == []


def test_missing_and_doubly_declared_owners_are_reported(flagship):
    questions = load_questions(QUESTIONS)
    gone = flagship.model_copy(
        update={"actions": [a for a in flagship.actions if a.id != "withdraw-main-force"]}
    )
    problems = unowned(questions, gone)
    assert problems and all("withdraw-main-force" in (p.value or "") for p in problems)
    assert "no mechanism owns" in problems[0].message
    twice = CouncilAct(id="withdraw-main-force", actor="russia", outcome="veto")
    council = flagship.council.model_copy(update={"acts": [*flagship.council.acts, twice]})
    doubled = flagship.model_copy(update={"council": council})
    assert conflicts(doubled) == {
        ("strategy:russia", "withdraw-main-force"): ["actions", "politics"]
    }
    assert any("more than one mechanism" in p.message for p in unowned(questions, doubled))
