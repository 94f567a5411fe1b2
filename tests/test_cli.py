"""The command line: each command on the test scenario and the flagship; bad input exits 2, no traceback."""

import json

from typer.testing import CliRunner

from realpolitik.cli import app

from .conftest import DATA, ROOT

runner = CliRunner()
MINI = str(DATA / "mini.yaml")
FLAGSHIP = str(ROOT / "scenarios/syria-2015.yaml")
QUESTIONS = str(ROOT / "data/questions/questions-syria-2015.yaml")


def run(*args):
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result


def test_validate_and_show():
    r = run("validate", MINI, FLAGSHIP)
    assert r.exit_code == 0 and "ok" in r.output and "syria-2015" in r.output
    r = run("show", MINI)
    assert r.exit_code == 0
    for text in ("Actors by level", "Who backs whom", "Issue", "Who holds what", "idlib-city"):
        assert text in r.output


def test_lint_reports_counts():
    r = run("lint", MINI)
    assert r.exit_code == 0 and "lint ok" in r.output and "judgement" in r.output


def test_schema_is_json_schema(tmp_path):
    target = tmp_path / "schema.json"
    r = run("schema", "--output", str(target))
    assert r.exit_code == 0
    schema = json.loads(target.read_text())
    assert schema["title"] == "Scenario" and {"meta", "actors", "issues"} <= set(schema["required"])


def test_diff_lists_changed_values(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(
        (DATA / "mini.yaml").read_text().replace("usa: {position: 90", "usa: {position: 70")
    )
    other.write_text(other.read_text().replace("../../data/seed", str(ROOT / "data/seed")))
    r = run("diff", MINI, str(other))
    assert (
        r.exit_code == 0
        and "issues.assad-role.positions.usa.position" in r.output
        and "1 value(s) differ" in r.output
    )


def test_questions_validate():
    r = run("questions", "validate", QUESTIONS, "--scenario", FLAGSHIP)
    assert r.exit_code == 0 and "50 questions" in r.output
    r = run("questions", "validate", QUESTIONS, "--scenario", MINI)
    assert r.exit_code == 2 and "unknown" in r.output


def test_bargain_trace():
    r = run(
        "bargain",
        str(ROOT / "data/bargaining/eu-emission-standards.yaml"),
        "--issue",
        "emission-delay",
        "--rounds",
        "1",
    )
    assert r.exit_code == 0 and "round 1" in r.output and "median" in r.output
    r = run("bargain", FLAGSHIP, "--issue", "nope")
    assert r.exit_code == 2 and "valid: assad-role" in r.output


def test_missing_file_exits_2():
    r = run("validate", "does-not-exist.yaml")
    assert r.exit_code == 2 and "cannot read file" in r.output


def test_questions_validate_reads_outcome_files_and_reports_unowned(tmp_path):
    r = run(
        "questions",
        "validate",
        str(ROOT / "data/questions/outcomes-dev.yaml"),
        "--scenario",
        FLAGSHIP,
    )
    assert r.exit_code == 0, r.output
    # a question about a series no mechanism owns is reported
    q = tmp_path / "q.yaml"
    q.write_text(
        "- id: vetoes\n  level: international\n  text: How many?\n"
        "  query: {kind: value, series: vetoes, 'on': 2016-01-31, unit: count-since-2015-10-05}\n"
        "  article: null\n"
    )
    r = run("questions", "validate", str(q), "--scenario", MINI)
    assert r.exit_code == 2 and "vetoes" in r.output and "q.yaml:" in r.output


def test_demo_prints_a_summary_of_the_flagship_and_ends_with_the_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo's store is ./.realpolitik-demo
    report = tmp_path / "demo.html"
    r = run("demo", "--scenario", FLAGSHIP, "--questions", QUESTIONS, "--members", "12",
            "--workers", "1", "--report", str(report))  # fmt: skip
    assert r.exit_code == 0, r.output
    for text in ("international actors", "issue assad-role", "lint ok", "50 forecast questions"):
        assert text in r.output
    assert report.is_file() and (tmp_path / ".realpolitik-demo/runs.duckdb").is_file()
    assert r.output.rstrip().endswith(str(report.resolve())) or str(report) in r.output
