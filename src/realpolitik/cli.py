"""The ``realpolitik`` command line (Typer + Rich). Bad input exits with code 2 and located messages."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .errors import Problem, ScenarioError

app = typer.Typer(
    help="realpolitik: make a geopolitical analysis runnable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
questions_app = typer.Typer(help="Forecast questions.", no_args_is_help=True)
app.add_typer(questions_app, name="questions")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

FileArg = Annotated[Path, typer.Argument(help="a scenario file (YAML)")]
MaxBytes = Annotated[int, typer.Option(help="refuse files larger than this many bytes")]


def _fail(exc: ScenarioError) -> None:
    for p in exc.problems:
        err.print(f"[red]error[/red] {p}", markup=True, soft_wrap=True)
    err.print(f"{len(exc.problems)} problem(s)")
    raise typer.Exit(2)


def _load_doc(path: Path, max_bytes: int = 10 * 1024 * 1024):
    from .scenario import load_doc

    try:
        return load_doc(path, max_bytes=max_bytes)
    except ScenarioError as exc:
        _fail(exc)


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="print the version")] = False,
) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit()


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="scenario files")],
    max_bytes: MaxBytes = 10 * 1024 * 1024,
):
    """Check scenario files: schema, ids, trees, dates, shares. Exit 2 on any problem."""
    from .scenario import load_doc

    problems = []
    for f in files:
        try:
            doc = load_doc(f, max_bytes=max_bytes)
            s = doc.scenario
            out.print(
                f"[green]ok[/green] {f}: {s.meta.id} — {len(s.actors)} actors, {len(s.issues)} issues, "
                f"{len(s.regions.nodes) if s.regions else 0} regions, {len(s.actions)} actions, "
                f"{len(s.games)} games, {len(s.series)} series"
            )
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        _fail(ScenarioError(problems))


@app.command()
def show(file: FileArg):
    """A readable briefing of a scenario: actors by level, factions, relations, issues, regions."""
    from .report.briefing import briefing

    briefing(_load_doc(file).scenario, out)


@app.command()
def lint(file: FileArg):
    """Check provenance: seed quotations, the knowledge cut-off, values without a source."""
    from .report.briefing import print_lint
    from .scenario.provenance import lint as run_lint

    doc = _load_doc(file)
    report = run_lint(doc)
    print_lint(report, out)
    if not report.ok:
        _fail(ScenarioError(report.problems))


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write to this file")
    ] = None,
):
    """Export the scenario language as JSON Schema (for editor completion)."""
    from .scenario.schema import Scenario

    text = json.dumps(Scenario.model_json_schema(by_alias=True), indent=2)
    if output:
        output.write_text(text + "\n")
        out.print(f"wrote {output}")
    else:
        print(text)


@app.command()
def diff(a: FileArg, b: FileArg):
    """Values that differ between two scenarios, with their sources."""
    from .report.briefing import print_diff

    print_diff(_load_doc(a), _load_doc(b), out)


@app.command()
def bargain(
    file: FileArg,
    issue: Annotated[str, typer.Option("--issue", "-i", help="the issue id")],
    rounds: Annotated[int, typer.Option("--rounds", "-n", min=1, max=1000, help="EUM rounds")] = 10,
    q: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="P(status quo) when not challenging")
    ] = 1.0,
    no_capitulation: Annotated[
        bool, typer.Option(help="turn off Fig. 6's capitulation offers")
    ] = False,
):
    """A readable playthrough of the expected-utility model on one issue (central values)."""
    from .compile.bargaining import trace_from_scenario
    from .engines.bargaining import Flags

    doc = _load_doc(file)
    try:
        text = trace_from_scenario(
            doc.scenario, issue, rounds, Flags(q=q, capitulation=not no_capitulation)
        )
    except ScenarioError as exc:
        _fail(ScenarioError([dataclasses.replace(p, file=str(file)) for p in exc.problems]))
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _check_questions(file: Path, doc) -> int:
    """Load a question file; check its ids exist in the scenario and that a mechanism owns each
    strategy and series it asks about; exit 2 on any problem."""
    from . import yamlio
    from .ownership import unowned
    from .questions import check_ids
    from .questions.loader import parse_questions

    try:
        data, pos = yamlio.load(file)
        is_outcome_file = isinstance(data, list) and any(
            isinstance(q, dict) and "outcome" in q for q in data
        )
        qs = parse_questions(data, pos, outcomes=is_outcome_file)
    except ScenarioError as exc:
        _fail(exc)
    problems = check_ids(qs, doc.scenario.known_ids())
    if not problems:
        problems = unowned(qs, doc.scenario)
    if problems:
        _fail(ScenarioError(problems))
    return len(qs)


@questions_app.command("validate")
def questions_validate(
    file: Annotated[Path, typer.Argument(help="a question (or outcome) file")],
    scenario: Annotated[
        Path, typer.Option("--scenario", "-s", help="the scenario the questions are asked of")
    ],
):
    """Check a question file and that every id it uses exists in the scenario."""
    doc = _load_doc(scenario)
    n = _check_questions(file, doc)
    out.print(
        f"[green]ok[/green] {file}: {n} questions; every id they use exists in {doc.scenario.meta.id} "
        "and is owned by a mechanism"
    )


Members = Annotated[int, typer.Option("--members", "-n", help="ensemble members")]
Seed = Annotated[int, typer.Option("--seed", help="the root seed (every draw is keyed from it)")]
Counterfactual = Annotated[
    str | None, typer.Option("--counterfactual", "-c", help="a counterfactual id of the scenario")
]
Questions = Annotated[Path, typer.Option("--questions", "-q", help="a question (or outcome) file")]
Format = Annotated[str, typer.Option("--format", "-f", help="table | csv | json")]


def _simulate(doc, members: int, seed: int, counterfactual: str | None, chunk: int = 500):
    """The coupled simulation with a progress bar (members/s, time left); exit 2 on bad input."""
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )  # fmt: skip

    from .api import compile_run
    from .simulate import simulate

    try:
        compiled = compile_run(doc, members, seed, counterfactual)
    except ScenarioError as exc:
        _fail(exc)
    columns = (
        TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("members"),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
    )  # fmt: skip
    start = time.perf_counter()
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("members", total=members, rate="")

        def advance(k):
            done = bar.tasks[0].completed + k
            rate = f"{done / (time.perf_counter() - start):,.0f} members/s"
            bar.update(task, advance=k, rate=rate)

        return simulate(compiled, chunk, progress=advance)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "csv", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     fmt, ("table", "csv", "json"))]))  # fmt: skip


@app.command()
def run(
    scenario: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="the trajectory (netCDF)")],
    members: Members = 1000,
    seed: Seed = 0,
    counterfactual: Counterfactual = None,
):
    """Simulate a scenario (or a counterfactual) and write its trajectory as netCDF."""
    doc = _load_doc(scenario)
    if not output.parent.is_dir():
        _fail(ScenarioError([Problem("<arguments>", None, None, "--output",
                                     "the folder does not exist", str(output.parent))]))  # fmt: skip
    ds = _simulate(doc, members, seed, counterfactual)
    from .trajectory import write_netcdf

    write_netcdf(ds, output)
    out.print(
        f"wrote {output}: {members} members × {ds.sizes['month'] - 1} months "
        f"({doc.scenario.meta.id}{', ' + counterfactual if counterfactual else ''}, seed {seed})"
    )


@app.command()
def forecast(
    scenario: FileArg,
    questions: Questions,
    members: Members = 1000,
    seed: Seed = 0,
    counterfactual: Counterfactual = None,
    format: Format = "table",  # noqa: A002
):
    """Answer every question of a file: p = (k + ½)/(n + 1) for a binary question, quantiles for a
    numeric one."""
    from .api import answer
    from .report import forecasts as view

    _check_format(format)
    doc = _load_doc(scenario)
    qs = _questions(questions, doc)
    ds = _simulate(doc, members, seed, counterfactual)
    answers = [answer(q, ds) for q in qs]
    if format == "json":
        print(view.as_json(answers, scenario=doc.scenario.meta.id, counterfactual=counterfactual,
                           seed=seed, members=members))  # fmt: skip
    elif format == "csv":
        print(view.as_csv(answers), end="")
    else:
        view.table(answers, out)


@app.command()
def explain(
    scenario: FileArg,
    questions: Questions = Path("data/questions/questions-syria-2015.yaml"),
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule",
            "-r",
            help="a coupling rule id or actions.<act>.drivers.<feature> "
            "(repeatable; default: every coupling rule)",
        ),
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option("--question", help="only these question ids (repeatable; default: all)"),
    ] = None,
    members: Members = 500,
    seed: Seed = 0,
    counterfactual: Counterfactual = None,
):
    """Each rule's effect on each question: the run as sampled minus the run with the rule's
    magnitude at zero, on common random numbers, with a 90 % interval (in the base run, or in a
    counterfactual)."""
    from .explain import explain as run_explain
    from .report import forecasts as view

    doc = _load_doc(scenario)
    qs = _questions(questions, doc)
    if question:
        known = [q.id for q in qs]
        for qid in question:
            if qid not in known:
                _fail(ScenarioError([Problem(str(questions), None, None, "--question",
                                             "unknown question id", qid, tuple(known))]))  # fmt: skip
        qs = [q for q in qs if q.id in question]
    links = rule or [r.id for r in doc.scenario.coupling]
    try:
        effects = run_explain(doc, links, qs, members, seed, counterfactual)
    except ScenarioError as exc:
        _fail(exc)
    view.effects_table(effects, out)


def _questions(path: Path, doc) -> list:
    from .api import read_questions
    from .questions import check_ids

    try:
        qs = read_questions(path)
    except ScenarioError as exc:
        _fail(exc)
    problems = check_ids(qs, doc.scenario.known_ids())
    if problems:
        _fail(ScenarioError(problems))
    return qs


@app.command()
def demo(
    scenario: Annotated[Path, typer.Option(help="the flagship scenario")] = Path(
        "scenarios/syria-2015.yaml"
    ),
    questions: Annotated[Path, typer.Option(help="its questions")] = Path(
        "data/questions/questions-syria-2015.yaml"
    ),
    members: Members = 1000,
    seed: Seed = 2015,
):
    """What `make demo` shows: the flagship validated and linted, then simulated (every engine
    coupled) and what the ensemble says at each level, with ranges."""
    from .api import answer
    from .report import forecasts as view
    from .report.briefing import print_lint, state_summary, summary
    from .scenario.provenance import lint as run_lint

    doc = _load_doc(scenario)
    summary(doc.scenario, out)
    report = run_lint(doc)
    print_lint(report, out, verbose=False)
    if not report.ok:
        _fail(ScenarioError(report.problems))
    n = _check_questions(questions, doc)
    out.print(
        f"[green]ok[/green] {n} forecast questions; every id exists and is owned by a mechanism"
    )
    out.rule(f"The coupled simulation: {members} members, seed {seed}")
    ds = _simulate(doc, members, seed, None)
    state_summary(ds, out)
    view.table([answer(q, ds) for q in _questions(questions, doc)], out, "The questions")
    out.print("p: (k + ½)/(n + 1) of n members, [90 % interval of that Monte Carlo estimate]; "
              "numeric: the ensemble's median and 5–95 % range.")  # fmt: skip


# --- scores (issue 13): score, backtest, ablate --------------------------------------------------

Outcomes = Annotated[
    Path | None,
    typer.Option("--outcomes", "-o", help="an outcome file (default: the outcomes in --questions)"),
]
Diagram = Annotated[
    Path, typer.Option("--diagram", help="where to write the reliability diagram (PNG)")
]
Analyst = Annotated[
    Path | None,
    typer.Option(
        help="the analyst's coded probabilities (default: data/questions/analyst-probabilities.yaml)"
    ),
]


def _data_file(name: str) -> Path | None:
    """``data/questions/<name>`` under the working directory, else under the source checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "data/questions" / name).is_file():
            return root / "data/questions" / name
    return None


def _outcomes(questions: list, path: Path | None, where: Path) -> dict:
    """id → outcome from ``path`` (an outcome file whose queries match the questions'), else from
    the question file itself; exit 2 if there are none."""
    from .api import read_questions
    from .scoring.backtest import outcomes_by_id

    if path is None:
        found = outcomes_by_id(questions)
        if not found:
            _fail(ScenarioError([Problem(str(where), None, None, "--outcomes", "the question file "
                  "has no outcomes: give an outcome file with --outcomes", None)]))  # fmt: skip
        return found
    try:
        recorded = read_questions(path)
    except ScenarioError as exc:
        _fail(exc)
    by_id = {q.id: q for q in questions}
    problems = [
        o.problem(("query",), f"the outcome's query differs from the question's in {where}", o.id)
        for o in recorded
        if o.id in by_id and o.query != by_id[o.id].query
    ]
    if not any(o.outcome is not None for o in recorded):
        problems.append(Problem(str(path), None, None, "outcome", "not an outcome file", None))
    if problems:
        _fail(ScenarioError(problems))
    return outcomes_by_id(questions, recorded)


def _report(doc, ds, compiled, qs, outcomes, seed, members, analyst, fmt, diagram, title):
    """Score ``ds`` against ``outcomes`` beside the baselines; print the table or the JSON object and
    write the reliability diagram."""
    from .report import scores as view
    from .scoring import backtest as bt
    from .scoring import baselines as bl

    try:
        table = None
        path = analyst or _data_file("analyst-probabilities.yaml")
        if path is not None:
            table = bl.load_analyst(path, qs)
        trends = _data_file("persistence-trends.yaml")
        slopes = bl.trends(trends, doc.scenario.meta.as_of) if trends else {}
    except ScenarioError as exc:
        _fail(exc)
    scored = bt.score_questions(qs, outcomes, ds, doc.scenario, compiled, table, slopes)
    meta = {"scenario": doc.scenario.meta.id, "seed": seed, "members": members,
            "diagram": str(diagram)}  # fmt: skip
    report = bt.Report(scored, seed, meta).as_json()
    view.diagram(report, diagram, f"{title}\n{report['model']['n_binary']} binary questions")
    if fmt == "json":
        print(json.dumps(report))
    else:
        view.table(report, out, title)
        out.print(f"wrote the reliability diagram to {diagram}")


def _check_score_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     fmt, ("table", "json"))]))  # fmt: skip


@app.command()
def score(
    run: Annotated[Path, typer.Option("--run", "-r", help="a trajectory from `realpolitik run`")],
    scenario: Annotated[Path, typer.Option("--scenario", "-s", help="the scenario it ran")],
    questions: Questions,
    outcomes: Outcomes = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",  # noqa: A002
    diagram: Diagram = Path("reliability.png"),
    analyst: Analyst = None,
):
    """Score a run's forecasts against recorded outcomes, beside the baselines."""
    from .api import compile_run
    from .trajectory import check_trajectory

    _check_score_format(format)
    doc = _load_doc(scenario)
    qs = _questions(questions, doc)
    found = _outcomes(qs, outcomes, questions)
    ds = _read_run(run)
    problems = check_trajectory(ds)
    if ds.attrs.get("scenario_hash") != _hash(doc):
        problems.append(Problem(str(run), None, None, "attrs.scenario_hash",
                                f"the run is not of {scenario} as it stands",
                                ds.attrs.get("scenario_id")))  # fmt: skip
    if problems:
        _fail(ScenarioError(problems))
    seed, first = int(ds.attrs["root_seed"]), int(ds["member"].values[0])
    members = ds.sizes["member"]
    cf = ds.attrs.get("counterfactual") or None
    compiled = compile_run(doc, members, seed, cf, first_member=first)
    _report(doc, ds, compiled, qs, found, seed, members, analyst, format, diagram,
            f"Scores of {run.name}")  # fmt: skip


def _hash(doc) -> str:
    from .compile import scenario_hash

    return scenario_hash(doc.scenario)


def _read_run(path: Path):
    import xarray as xr

    try:
        return xr.load_dataset(path)
    except (OSError, ValueError) as exc:
        _fail(ScenarioError([Problem(str(path), None, None, "--run", "not a readable netCDF "
                                     f"trajectory ({type(exc).__name__})", None)]))  # fmt: skip


@app.command()
def backtest(
    scenario: FileArg,
    questions: Questions,
    outcomes: Outcomes = None,
    members: Members = 1000,
    seed: Seed = 0,
    format: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",  # noqa: A002
    diagram: Diagram = Path("reliability.png"),
    analyst: Analyst = None,
):
    """Simulate the scenario and score its forecasts against recorded outcomes, beside the
    baselines (uniform, persistence, base rate, the analyst, the compromise model)."""
    from .api import compile_run
    from .simulate import simulate

    _check_score_format(format)
    doc = _load_doc(scenario)
    qs = _questions(questions, doc)
    found = _outcomes(qs, outcomes, questions)
    try:
        compiled = compile_run(doc, members, seed)
    except ScenarioError as exc:
        _fail(exc)
    ds = simulate(compiled, 500)
    _report(doc, ds, compiled, qs, found, seed, members, analyst, format, diagram,
            f"Backtest of {doc.scenario.meta.id}, {members} members, seed {seed}")  # fmt: skip


@app.command()
def ablate(
    scenario: FileArg,
    questions: Questions,
    outcomes: Outcomes = None,
    members: Members = 200,
    seed: Seed = 0,
    mechanism: Annotated[
        list[str] | None,
        typer.Option(
            "--mechanism",
            "-m",
            help="combat | bargaining | alignment | choice | acts "
            "(repeatable; default: every one, and every coupling rule)",
        ),
    ] = None,  # fmt: skip
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="a coupling rule id (repeatable)")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",  # noqa: A002
):
    """Each mechanism replaced by its null and each coupling rule switched off, on common random
    numbers: the change in Brier and CRPSS against the outcomes, per level."""
    from .api import check_members
    from .nulls import engines
    from .report import scores as view
    from .scoring.ablate import ablate as run_ablate

    _check_score_format(format)
    doc = _load_doc(scenario)
    qs = _questions(questions, doc)
    found = _outcomes(qs, outcomes, questions)
    try:
        check_members(members)
        engines(mechanism or ())
        rows = run_ablate(doc, qs, found, members, seed, mechanism or ([] if rule else None),
                          rule or ([] if mechanism else None))  # fmt: skip
    except ScenarioError as exc:
        _fail(exc)
    if format == "json":
        print(json.dumps({"scale": "brier-0-1", "members": members, "seed": seed, "rows": rows}))
    else:
        view.ablation_table(rows, out, members, seed)
