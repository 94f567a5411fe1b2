"""Backtests: honesty (outcomes never reach a forecast or a baseline), the published JSON object for
any question file in the vocabulary, unresolvable questions counted, the baselines' definitions, the
base-rate-only flag, ablation and bad input. Mechanics and directions only: no test asserts how well
the model scores."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import realpolitik as rp
from realpolitik.api import compile_run, forecast, read_questions
from realpolitik.cli import app
from realpolitik.errors import ScenarioError
from realpolitik.nulls import MECHANISMS
from realpolitik.questions.loader import loads_questions
from realpolitik.scoring import backtest as bt
from realpolitik.scoring import baselines as bl
from realpolitik.scoring.ablate import NULL, ablate
from realpolitik.simulate import simulate

from .conftest import ROOT

SCENARIO = ROOT / "scenarios/syria-2015.yaml"
DEV = ROOT / "data/questions/outcomes-dev.yaml"
QUESTIONS = ROOT / "data/questions/questions-syria-2015.yaml"
ANALYST = ROOT / "data/questions/analyst-probabilities.yaml"
N, SEED = 40, 7
runner = CliRunner()


@pytest.fixture(scope="module")
def doc():
    return rp.load(SCENARIO)


@pytest.fixture(scope="module")
def run(doc):
    c = compile_run(doc, N, SEED)
    return c, simulate(c)


def altered(path: Path, tmp_path: Path) -> Path:
    """The outcome file with every outcome changed (binary flipped, numbers doubled)."""
    text = path.read_text()
    text = text.replace("outcome: true", "outcome: TMP").replace("outcome: false", "outcome: true")
    text = text.replace("outcome: TMP", "outcome: false")
    for old in ("53.4", "7.1", "4850000"):
        text = text.replace(f"outcome: {old}", f"outcome: {2 * float(old)}")
    out = tmp_path / "altered.yaml"
    out.write_text(text)
    return out


def report(doc, c, ds, qs, outcomes):
    table = bl.load_analyst(ANALYST, read_questions(QUESTIONS))
    slopes = bl.trends(ROOT / "data/questions/persistence-trends.yaml", doc.scenario.meta.as_of)
    return bt.score_questions(qs, outcomes, ds, doc.scenario, c, table, slopes)


def test_forecasts_and_baselines_ignore_the_outcomes(doc, run, tmp_path):
    c, ds = run
    qs = read_questions(DEV)
    bad = altered(DEV, tmp_path)
    changed = read_questions(bad)
    assert [q.outcome for q in qs] != [q.outcome for q in changed]
    a = [x.as_dict() for x in forecast(ds, DEV)]
    assert a == [x.as_dict() for x in forecast(ds, bad)]
    assert a == [x.as_dict() for x in forecast(ds, bl.blind(qs))]
    first = report(doc, c, ds, qs, bt.outcomes_by_id(qs))
    second = report(doc, c, ds, changed, bt.outcomes_by_id(changed))
    for s, t in zip(first, second, strict=True):
        assert s.forecast == t.forecast and s.share == t.share
        for name in bl.NAMES:
            f, g = s.baselines[name], t.baselines[name]
            assert f.p == g.p and f.excluded == g.excluded
            assert (f.members is None) == (g.members is None)
            if f.members is not None:
                np.testing.assert_array_equal(f.members, g.members)


def test_backtest_json_is_the_published_object(tmp_path):
    png = tmp_path / "rel.png"
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(DEV), "--members", "30",
                            "--seed", "2", "--format", "json", "--diagram", str(png)])  # fmt: skip
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["scale"] == "brier-0-1" and obj["n_questions"] == 15 and obj["unresolvable"] == 0
    assert {"brier", "log", "crps", "ece", "brier_ci"} <= set(obj["model"])
    assert set(obj["baselines"]) == {"uniform", "persistence", "base_rate", "analyst", "compromise"}
    for q in obj["questions"]:
        assert {"id", "forecast", "outcome", "brier", "base_rate_only"} <= set(q)
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"
    again = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(DEV), "--members",
                                "30", "--seed", "2", "--format", "json", "--diagram", str(png)])  # fmt: skip
    assert again.stdout == r.stdout  # the bootstrap is keyed: the same seed, the same intervals


NEW = """
- id: assad-president-2019-06-30
  level: local
  text: Will Assad hold the presidency on 2019-06-30?
  query: {kind: holds_office, actor: assad, office: syria-president, 'on': 2019-06-30}
  outcome: true
  resolves: 2019-06-30
  source: a test
- id: regime-captures-raqqa-city-2016
  level: local
  text: Will the regime capture Raqqa city in 2016?
  query: {kind: captures, actor: regime, region: raqqa-city, from: 2016-01-01, to: 2016-12-31}
  outcome: false
  resolves: 2016-12-31
  source: a test
- id: hezbollah-withdraws-2016
  level: regional
  text: Will Hezbollah withdraw from Syria in 2016?
  query: {kind: choice, actor: hezbollah, strategy: withdraw-forces-from-syria, from: 2016-01-01, to: 2016-12-31}
  outcome: false
  resolves: 2016-12-31
  source: a test
- id: deaths-2016
  level: local
  text: SOHR deaths at the end of 2016?
  query: {kind: value, series: conflict-deaths-sohr-cumulative, 'on': 2016-12-31, unit: persons}
  outcome: 310000
  resolves: 2016-12-31
  source: a test
"""


def test_unseen_questions_in_the_vocabulary_are_scored(tmp_path):
    path = tmp_path / "new.yaml"
    path.write_text(textwrap.dedent(NEW))
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(path), "--members", "20",
                            "--format", "json", "--diagram", str(tmp_path / "r.png")])  # fmt: skip
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["n_questions"] == 4 and obj["scored"] == 4
    by_id = {q["id"]: q for q in obj["questions"]}
    assert by_id["deaths-2016"]["crps"] is not None and by_id["deaths-2016"]["brier"] is None
    assert obj["baselines"]["analyst"]["excluded_reasons"] == {"not coded": 4}
    assert obj["baselines"]["base_rate"]["n"] == 2  # the office holder and the hazard act


def test_questions_without_an_outcome_are_counted_not_dropped(tmp_path):
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(QUESTIONS), "--outcomes",
                            str(DEV), "--members", "20", "--format", "json", "--diagram",
                            str(tmp_path / "r.png")])  # fmt: skip
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["n_questions"] == 50 and obj["scored"] == 15 and obj["unresolvable"] == 35
    assert {u["reason"] for u in obj["unresolved"]} == {"no outcome"}


def test_score_reads_a_saved_run(tmp_path):
    nc = tmp_path / "run.nc"
    r = runner.invoke(app, ["run", str(SCENARIO), "-o", str(nc), "-n", "20", "--seed", "4"])
    assert r.exit_code == 0, r.output
    args = ["--questions", str(DEV), "--format", "json", "--diagram", str(tmp_path / "r.png")]
    scored = runner.invoke(app, ["score", "--run", str(nc), "--scenario", str(SCENARIO), *args])
    assert scored.exit_code == 0, scored.output
    direct = runner.invoke(app, ["backtest", str(SCENARIO), "-n", "20", "--seed", "4", *args])
    a, b = json.loads(scored.stdout), json.loads(direct.stdout)
    assert a["model"] == b["model"] and a["baselines"] == b["baselines"]


@pytest.mark.parametrize(
    "args, text",
    [
        (["--format", "xml"], "--format: unknown format (got xml); valid: table, json"),
        (["--outcomes", str(QUESTIONS)], "outcome: not an outcome file"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(args, text, tmp_path):
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(DEV), "-n", "5", *args])
    assert r.exit_code == 2 and text in r.output and "Traceback" not in r.output


def test_an_outcome_whose_query_differs_is_located(tmp_path):
    bad = tmp_path / "o.yaml"
    bad.write_text(DEV.read_text().replace("by: 2016-03-31", "by: 2016-04-30", 1))
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(QUESTIONS), "--outcomes",
                            str(bad), "-n", "5"])  # fmt: skip
    assert r.exit_code == 2 and f"{bad}:" in r.output and "query differs" in r.output
    assert "nationwide-cessation-of-hostilities-2016q1" in r.output


def test_a_question_file_without_outcomes_needs_an_outcome_file():
    r = runner.invoke(app, ["backtest", str(SCENARIO), "--questions", str(QUESTIONS), "-n", "5"])
    assert r.exit_code == 2 and "has no outcomes" in r.output


# --- baselines ----------------------------------------------------------------------------------


def test_the_base_rate_baseline_is_the_reference_class_over_the_window(doc):
    q = loads_questions(textwrap.dedent(NEW), outcomes=True)[2]
    act = next(a for a in doc.scenario.actions if a.id == "withdraw-forces-from-syria")
    p = bl.base_rate([q], doc.scenario, "2015-10")[q.id].p
    assert p == pytest.approx(1 - (1 - (act.base_rate.events + 0.5) / act.base_rate.exposure) ** 12)


def test_persistence_is_the_frozen_initial_state_clipped(doc, run):
    _, ds = run
    qs = bl.blind(read_questions(DEV))
    f = bl.persistence(qs, ds, doc.scenario, {})
    for q in qs:
        if f[q.id].p is not None:
            assert 0.05 <= f[q.id].p <= 0.95
    share = f["regime-territory-share-2017-12"].members
    np.testing.assert_allclose(
        share,
        bl.persistence(
            qs[:0] + [qs[-3]],
            ds.isel(month=[0] * ds.sizes["month"]).assign_coords(month=ds["month"]),
            doc.scenario,
            {},
        )[qs[-3].id].members,
    )
    moved = bl.persistence(qs, ds, doc.scenario, {"syrian-refugees-registered-region": 100.0})
    days = (
        qs[-1].query.on
        - next(s for s in doc.scenario.series if s.id == qs[-1].query.series).start_date
    ).days
    np.testing.assert_allclose(moved[qs[-1].id].members - f[qs[-1].id].members, 100.0 * days)


def test_the_pre_cutoff_trend_uses_only_data_published_by_the_cutoff(doc):
    slopes = bl.trends(ROOT / "data/questions/persistence-trends.yaml", doc.scenario.meta.as_of)
    assert set(slopes) == {"syrian-refugees-registered-region", "conflict-deaths-sohr-cumulative"}
    assert all(v > 0 for v in slopes.values())  # both stocks grew before the cut-off


def test_the_analyst_table_codes_every_question_with_the_icd_203_midpoints():
    qs = read_questions(QUESTIONS)
    table = bl.load_analyst(ANALYST, qs)
    assert set(table.entries) == {q.id for q in qs}
    f = table.forecasts(qs)
    coded = {k: v.p for k, v in f.items() if v.p is not None}
    assert coded == {"political-settlement-2016": 0.325, "regime-captures-palmyra-2016h1": 0.675}
    assert all(v.excluded in bl.REASONS for v in f.values() if v.p is None)


def test_a_miscoded_analyst_probability_is_a_located_error(tmp_path):
    bad = tmp_path / "a.yaml"
    bad.write_text(ANALYST.read_text().replace("p: 0.325", "p: 0.3"))
    with pytest.raises(ScenarioError) as exc:
        bl.load_analyst(bad, read_questions(QUESTIONS))
    p = exc.value.problems[0]
    assert p.file == str(bad) and p.line is not None and p.path.endswith(".p")


def test_the_compromise_model_is_the_weighted_mean_of_positions(doc, run):
    c, _ = run
    q = next(q for q in read_questions(DEV) if q.query.kind == "position")
    b = c.engines["bargaining"].params
    i = b.issues.index(q.query.issue)
    w = b.capability[:, i].astype(float) * b.salience[:, i]
    mean = (w * b.position[:, i]).sum(1) / w.sum(1)
    k = np.sum((mean >= q.query.min) & (mean <= q.query.max))
    assert bl.compromise([q], b)[q.id].p == pytest.approx((k + 0.5) / (N + 1))


# --- the base-rate-only flag ---------------------------------------------------------------------


def test_the_first_order_share_is_one_for_a_function_and_small_for_noise():
    theta = np.linspace(0.01, 0.2, 1000)
    assert bt.first_order_share(theta, 1 - (1 - theta) ** 9) > 0.99  # 20 bins: within-bin loss
    noise = np.random.default_rng(0).random(1000)  # independent of theta
    assert bt.first_order_share(theta, noise) < 0.1
    assert bt.first_order_share(theta, np.ones(1000)) is None


def test_a_hazard_act_at_its_base_rate_is_flagged(doc):
    q = next(q for q in read_questions(DEV) if q.id == "russia-main-force-withdrawal-2016h1")
    held = compile_run(doc, N, SEED, hold=("acts",))
    ds = simulate(held)
    from realpolitik.questions.resolve import resolve

    share = bt.base_rate_share(q, resolve(q, ds), ds, held)
    assert share >= bt.FLAG_SHARE


# --- ablation -----------------------------------------------------------------------------------


def test_every_mechanism_has_a_null():
    assert set(NULL) == set(MECHANISMS)


def test_ablation_rows_per_level_and_reproducible(doc):
    qs = read_questions(DEV)
    out = bt.outcomes_by_id(qs)
    rows = ablate(doc, qs, out, 20, 3, ["alignment"], ["russian-presence-draws-cairo"])
    assert [(r["mechanism"], r["level"]) for r in rows] == [
        (m, lv)
        for m in ("alignment", "rule russian-presence-draws-cairo")
        for lv in ("all", "international", "regional", "local")
    ]
    assert all(r["verdict"] in ("helps", "hurts", "no clear change", "no effect") for r in rows)
    assert rows[0]["n_binary"] == 12 and rows[0]["n_numeric"] == 3
    assert ablate(doc, qs, out, 20, 3, ["alignment"], []) == rows[:4]
