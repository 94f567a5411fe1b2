"""The ``realpolitik`` command line (Typer + Rich). Bad input exits with code 2 and located messages."""

from __future__ import annotations

import dataclasses
import json
from contextlib import contextmanager
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


@contextmanager
def _progress(total: int, label: str = "simulating"):
    """A Rich progress bar on stderr (members/s, time left); yields ``advance(k)``, which also
    takes ``total=``/``completed=`` to reset them (a resumed run starts part done)."""
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )  # fmt: skip

    columns = (
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("members"),
        TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
    )  # fmt: skip
    start = time.perf_counter()
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("members", total=total, rate="")
        state = {"base": 0}

        def advance(k: int = 0, **reset):
            if reset:
                state["base"] = reset.get("completed", 0)
                bar.update(task, **reset)
                return
            done = bar.tasks[0].completed + k
            rate = (done - state["base"]) / (time.perf_counter() - start)
            bar.update(task, advance=k, rate=f"{rate:,.0f} members/s")

        yield advance


def _simulate(doc, members: int, seed: int, counterfactual: str | None, chunk: int = 500):
    """The coupled simulation in this process with a progress bar; exit 2 on bad input."""
    from .api import compile_run
    from .simulate import simulate

    try:
        compiled = compile_run(doc, members, seed, counterfactual)
    except ScenarioError as exc:
        _fail(exc)
    with _progress(members) as advance:
        return simulate(compiled, chunk, progress=advance)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "csv", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     fmt, ("table", "csv", "json"))]))  # fmt: skip


Backend = Annotated[str, typer.Option("--backend", help="local (processes here) | ray")]
Workers = Annotated[
    int | None,
    typer.Option("--workers", "-w", help="parallel workers (default: this machine's cores; Ray: "
                 "the cluster's CPUs)"),
]  # fmt: skip
ChunkOpt = Annotated[
    int | None,
    typer.Option("--chunk", help="members per chunk (default: min(500, members/workers))"),
]
Address = Annotated[
    str | None,
    typer.Option("--address", help="a Ray cluster: host:port, ray://host:port or auto (default: "
                 "start Ray here)"),
]  # fmt: skip
StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="the run store (default: $REALPOLITIK_STORE, else "
                 "~/.realpolitik/runs.duckdb)"),
]  # fmt: skip


def _store(path: Path | None):
    from .store import Store

    return Store(path)


def _open_run(run_id: str, store: Path | None):
    from .runs import open_run

    try:
        return open_run(run_id, _store(store))
    except ScenarioError as exc:
        _fail(exc)


@app.command()
def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="a scenario file (YAML); not needed with --resume")
    ] = None,
    members: Members = 1000,
    seed: Seed = 0,
    counterfactual: Counterfactual = None,
    backend: Backend = "local",
    workers: Workers = None,
    chunk: ChunkOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="also export the trajectory (netCDF)")
    ] = None,
    store: StoreOpt = None,
    address: Address = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="finish an interrupted run (its id)")
    ] = None,
):
    """Simulate a scenario (or a counterfactual) in chunks of members on parallel workers, into the
    run store; prints the run id as it starts. Ctrl-C leaves a run that --resume finishes."""
    import time

    from .runs import run as start

    if scenario is None and resume is None:
        _fail(ScenarioError([Problem("<arguments>", None, None, "SCENARIO",
                                     "give a scenario file, or --resume RUN_ID")]))  # fmt: skip
    if output is not None and not output.parent.is_dir():
        _fail(ScenarioError([Problem("<arguments>", None, None, "--output",
                                     "the folder does not exist",
                                     str(output.parent))]))  # fmt: skip
    doc = _load_doc(scenario) if scenario is not None else None
    st = _store(store)
    t0 = time.perf_counter()
    run_id = None
    with _progress(members) as advance:

        def started(info, stored, be):
            nonlocal run_id
            run_id = info.id
            what = info.scenario_id + (f", {info.counterfactual}" if info.counterfactual else "")
            verb = f"resumed ({stored:,} members stored)" if resume else "started"
            plural = "s" * (be.workers > 1)
            out.print(f"run {info.id} {verb}: {what}, {info.members:,} members, seed {info.seed}, "
                      f"chunks of {info.chunk:,} on {be.workers} {be.kind} worker{plural}; "
                      f"store {st.path}", soft_wrap=True)  # fmt: skip
            advance(total=info.members, completed=stored)

        try:
            r = start(doc if doc is not None else scenario, members, seed, counterfactual,
                      backend=backend, workers=workers, chunk=chunk, address=address, store=st,
                      resume=resume, on_start=started, progress=advance)  # fmt: skip
        except ScenarioError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            if run_id is None:
                raise typer.Exit(130) from None
            err.print(f"interrupted: run {run_id} keeps its stored chunks; finish it with "
                      f"realpolitik run --resume {run_id} --store {st.path}",
                      soft_wrap=True)  # fmt: skip
            raise typer.Exit(130) from None
        except Exception as exc:  # a worker died (e.g. out of memory): say so, keep the run
            if run_id is None:
                raise
            err.print(f"[red]failed[/red] run {run_id}: {type(exc).__name__}: {exc}; its stored "
                      f"chunks are kept: realpolitik run --resume {run_id} --store {st.path}",
                      soft_wrap=True)  # fmt: skip
            raise typer.Exit(1) from None
    info = r.info
    seconds = time.perf_counter() - t0
    out.print(f"run {r.id} done: {info.members:,} members in {seconds:,.1f} s")
    if output is not None:
        r.export(output)
        out.print(f"wrote {output}")


def _is_scenario(target: str) -> bool:
    return Path(target).exists() or target.endswith((".yaml", ".yml")) or "/" in target


@app.command()
def forecast(
    target: Annotated[str, typer.Argument(help="a scenario file, or the id of a stored run")],
    questions: Questions,
    members: Members = 1000,
    seed: Seed = 0,
    counterfactual: Counterfactual = None,
    format: Format = "table",  # noqa: A002
    backend: Backend = "local",
    workers: Workers = None,
    chunk: ChunkOpt = None,
    address: Address = None,
    store: StoreOpt = None,
):
    """Answer every question of a file: p = (k + ½)/(n + 1) for a binary question, quantiles for a
    numeric one. A scenario is simulated (in chunks on the workers, nothing stored); a run id is
    answered from the store (--members, --seed, --counterfactual are the run's)."""
    from .api import read_questions
    from .report import forecasts as view
    from .runs import forecast as answer_scenario

    _check_format(format)
    try:
        if _is_scenario(target):
            doc = _load_doc(Path(target))
            qs = _questions(questions, doc)
            with _progress(members) as advance:
                answers = answer_scenario(doc, qs, members, seed, counterfactual, backend=backend,
                                          workers=workers, chunk=chunk, address=address,
                                          progress=advance)  # fmt: skip
            meta = dict(scenario=doc.scenario.meta.id, counterfactual=counterfactual, seed=seed,
                        members=members)  # fmt: skip
        else:
            r = _open_run(target, store)
            info = r.info
            answers = r.forecast(read_questions(questions))
            meta = dict(run=r.id, scenario=info.scenario_id,
                        counterfactual=info.counterfactual or None, seed=info.seed,
                        members=info.members)  # fmt: skip
    except ScenarioError as exc:
        _fail(exc)
    if format == "json":
        print(view.as_json(answers, **meta))
    elif format == "csv":
        print(view.as_csv(answers), end="")
    else:
        view.table(answers, out)


TableOrJson = Annotated[str, typer.Option("--format", "-f", help="table | json")]
runs_app = typer.Typer(help="The run store: list (the default), show, rm.")
app.add_typer(runs_app, name="runs")
store_app = typer.Typer(help="The run store itself.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@runs_app.callback(invoke_without_command=True)
def runs_list(
    ctx: typer.Context,
    format: TableOrJson = "table",  # noqa: A002
    store: StoreOpt = None,
):
    """List the stored runs: id, scenario, counterfactual, seed, members, stored, status."""
    from .report import runs as view

    if ctx.invoked_subcommand is not None:
        return
    if format not in ("table", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     format, ("table", "json"))]))  # fmt: skip
    st = _store(store)
    try:
        rows = [(info, sum(c.count for c in st.chunks(info.id))) for info in st.runs()]
    except ScenarioError as exc:
        _fail(exc)
    if format == "json":
        print(view.runs_json(rows))
    else:
        view.runs_table(rows, out, str(st.path))


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="a run id")],
    store: StoreOpt = None,
    verify: Annotated[bool, typer.Option(help="check every chunk file's checksum")] = False,
):
    """One run: its record, chunks and size on disk."""
    from .report import runs as view

    r = _open_run(run_id, store)
    view.run_detail(r.info, r.store.chunks(r.id), out, r.store.verify(r.id) if verify else None)


@runs_app.command("rm")
def runs_rm(run_id: Annotated[str, typer.Argument(help="a run id")], store: StoreOpt = None):
    """Remove a run: its rows and its files together."""
    r = _open_run(run_id, store)
    info = r.info
    if info.state == "running":
        _fail(r.store.error("run id", f"the run is running (driver PID {info.pid} on {info.host})",
                            run_id))  # fmt: skip
    try:
        n = r.store.remove(run_id)
    except ScenarioError as exc:
        _fail(exc)
    out.print(f"removed run {run_id} ({n} chunks)")


@store_app.command("migrate")
def store_migrate(store: StoreOpt = None):
    """Bring a store written by an older realpolitik to this version's schema."""
    try:
        before, after = _store(store).migrate()
    except ScenarioError as exc:
        _fail(exc)
    what = f"schema {before} → {after}" if before != after else f"already at schema {after}"
    out.print(f"store {_store(store).path}: {what}")


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="run A's id")],
    run_b: Annotated[str, typer.Argument(help="run B's id")],
    questions: Questions = Path("data/questions/questions-syria-2015.yaml"),
    format: TableOrJson = "table",  # noqa: A002
    store: StoreOpt = None,
):
    """Paired differences A − B on the members both runs hold, with 90 % intervals (on the same seed
    the runs share every unchanged draw, so a difference is the change alone)."""
    from .api import read_questions
    from .report import runs as view
    from .runs import compare as pair

    if format not in ("table", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     format, ("table", "json"))]))  # fmt: skip
    a, b = _open_run(run_a, store), _open_run(run_b, store)
    try:
        diffs = pair(a, b, read_questions(questions))
    except ScenarioError as exc:
        _fail(exc)
    ia, ib = a.info, b.info
    label = {r.id: f"{i.scenario_id}{'/' + i.counterfactual if i.counterfactual else ''}, seed "
             f"{i.seed}" for r, i in ((a, ia), (b, ib))}  # fmt: skip
    if format == "json":
        print(view.differences_json(diffs, a=a.id, b=b.id, same_seed=ia.seed == ib.seed))
        return
    n = diffs[0].members if diffs else min(ia.members, ib.members)
    title = f"A − B: {a.id} ({label[a.id]}) − {b.id} ({label[b.id]}), {n:,} common members"
    view.differences_table(diffs, out, title)
    if ia.seed != ib.seed:
        out.print("The runs have different seeds: the pairs share no draws, so the interval is "
                  "that of two independent samples' difference of means.")  # fmt: skip


@app.command()
def sensitivity(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="a stored run's id")],
    question: Annotated[str, typer.Option("--question", help="the question id")],
    questions: Questions = Path("data/questions/questions-syria-2015.yaml"),
    top: Annotated[int, typer.Option("--top", help="rows of the table")] = 15,
    morris: Annotated[
        bool, typer.Option("--morris", help="also Morris screening by section (extra runs)")
    ] = False,
    trajectories: Annotated[int, typer.Option(help="Morris trajectories")] = 10,
    morris_members: Annotated[
        int, typer.Option("--morris-members", help="members per Morris design point")
    ] = 20,
    format: TableOrJson = "table",  # noqa: A002
    workers: Workers = None,
    store: StoreOpt = None,
):
    """Which uncertain inputs drive a question's forecast: PAWN and Borgonovo's δ on the run's own
    members (no extra runs), against the noise floor of dummy inputs; --morris adds screening."""
    from .report import sensitivity as view
    from .sensitivity import of_run

    if format not in ("table", "json"):
        _fail(ScenarioError([Problem("<arguments>", None, None, "--format", "unknown format",
                                     format, ("table", "json"))]))  # fmt: skip
    r = _open_run(run_id, store)
    try:
        result = of_run(r, question, questions, morris=morris, trajectories=trajectories,
                        morris_members=morris_members, workers=workers)  # fmt: skip
    except ScenarioError as exc:
        _fail(exc)
    if format == "json":
        print(json.dumps(result.as_dict(top=top)))
    else:
        view.table(result, out, top)


QUESTIONS_FILE = "data/questions/questions-syria-2015.yaml"


@app.command()
def report(
    source: Annotated[
        str, typer.Argument(metavar="RUN_OR_SCENARIO", help="a stored run's id, or a scenario file")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write")] = Path(
        "report.html"
    ),
    members: Annotated[
        int, typer.Option("--members", "-n", help="ensemble members (a scenario only)")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="the root seed (a scenario only)")] = 1,
    counterfactual: Annotated[
        list[str] | None,
        typer.Option(
            "--counterfactual",
            "-c",
            help="counterfactuals to run beside a scenario "
            "(repeatable; default: every one of the scenario's)",
        ),
    ] = None,  # fmt: skip
    questions: Questions = Path("data/questions/questions-syria-2015.yaml"),
    max_members: Annotated[
        int | None,
        typer.Option(
            "--max-members",
            help="read only the run's first members (memory: the "
            "report holds them, about 0.3 GB per 1,000)",
        ),
    ] = None,  # fmt: skip
    store: StoreOpt = None,
):
    """One self-contained offline HTML report of a run (or of a scenario, run first into the store
    with its counterfactuals): the scenario, the map, fan charts, bargaining, alignment, choices,
    forecasts, scores, counterfactuals and the drivers of each forecast."""
    from .api import check_members
    from .report.html import write_report

    if not output.parent.is_dir():
        _fail(ScenarioError([Problem("<arguments>", None, None, "--output",
                                     "the folder does not exist", str(output.parent))]))  # fmt: skip
    if not questions.is_file():
        if questions != Path(QUESTIONS_FILE):
            _fail(ScenarioError([Problem("<arguments>", None, None, "--questions",
                                         "no such file", str(questions))]))  # fmt: skip
        questions = None  # the default, found beside the source checkout
    try:
        check_members(members)
        cfs = counterfactual or None
        if _is_scenario(source):
            doc = _load_doc(Path(source))
            runs = 1 + (len(cfs) if cfs is not None else len(doc.scenario.counterfactuals))
            with _progress(members * runs) as advance:
                path = write_report(source, output, store=store, members=members, seed=seed,
                                    progress=advance, questions=questions,
                                    counterfactuals=cfs, max_members=max_members)  # fmt: skip
        else:
            path = write_report(source, output, store=store, questions=questions,
                                counterfactuals=cfs, max_members=max_members)  # fmt: skip
    except ScenarioError as exc:
        _fail(exc)
    out.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


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


DEMO_STORE = Path(".realpolitik-demo/runs.duckdb")
DEMO_COUNTERFACTUAL = "no-russian-intervention"


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
    report: Annotated[Path, typer.Option("--report", help="where to write the HTML report")] = Path(
        "realpolitik-demo-report.html"
    ),
    workers: Workers = None,
):
    """What `make demo` shows: the flagship validated and linted, then simulated (every engine
    coupled) and what the ensemble says at each level, with ranges; ends by writing the HTML report
    (with the no-Russian-intervention counterfactual on the same seed) and printing its path. The
    runs go to a fresh store in .realpolitik-demo/."""
    import shutil

    from .report import forecasts as view
    from .report.briefing import print_lint, state_summary, summary
    from .report.html import write_report
    from .runs import run as start
    from .scenario.provenance import lint as run_lint

    doc = _load_doc(scenario)
    summary(doc.scenario, out)
    lint_report = run_lint(doc)
    print_lint(lint_report, out, verbose=False)
    if not lint_report.ok:
        _fail(ScenarioError(lint_report.problems))
    n = _check_questions(questions, doc)
    out.print(
        f"[green]ok[/green] {n} forecast questions; every id exists and is owned by a mechanism"
    )
    if not report.parent.is_dir():
        _fail(ScenarioError([Problem("<arguments>", None, None, "--report",
                                     "the folder does not exist", str(report.parent))]))  # fmt: skip
    shutil.rmtree(DEMO_STORE.parent, ignore_errors=True)  # the demo's own store, fresh each time
    DEMO_STORE.parent.mkdir(parents=True)
    st = _store(DEMO_STORE)
    out.rule(f"The coupled simulation: {members} members, seed {seed}")
    try:
        with _progress(members) as advance:
            base = start(doc, members, seed, workers=workers, store=st, progress=advance)
        ds = base.dataset()
        state_summary(ds, out)
        view.table(base.forecast(_questions(questions, doc)), out, "The questions")
        out.print("p: (k + ½)/(n + 1) of n members, [90 % interval of that Monte Carlo estimate]; "
                  "numeric: the ensemble's median and 5–95 % range.")  # fmt: skip
        out.rule(f"The report (with the counterfactual {DEMO_COUNTERFACTUAL}, same seed)")
        with _progress(members, f"simulating {DEMO_COUNTERFACTUAL}") as advance:
            start(doc, members, seed, DEMO_COUNTERFACTUAL, workers=workers, store=st,
                  progress=advance)  # fmt: skip
        path = write_report(base.id, report, store=st, questions=questions)
    except ScenarioError as exc:
        _fail(exc)
    out.print(f"runs in {st.path} (browse them: realpolitik runs --store {st.path})")
    out.print(f"wrote the report: {path.resolve()}", soft_wrap=True)


def _listenable(host: str, port: int) -> list[Problem]:
    """No problem if ``host:port`` can be bound now, else one saying why."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [Problem("<arguments>", None, None, "--host/--port", f"cannot listen there "
                        f"({reason})", f"{host}:{port}")]  # fmt: skip
    return []


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="the port")] = 8000,
    store: StoreOpt = None,
    scenarios: Annotated[
        list[Path] | None,
        typer.Option("--scenarios", help="a folder of scenarios (repeatable; default: scenarios/)"),
    ] = None,
    max_members: Annotated[
        int, typer.Option(min=1, help="the largest run the server starts")
    ] = 10_000,
    max_concurrent_runs: Annotated[
        int, typer.Option(min=1, max=64, help="runs at once (more are refused: 429)")
    ] = 2,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            help="simulation worker processes, shared by the "
            "server's runs (default: this machine's cores)",
        ),
    ] = None,  # fmt: skip
):
    """The dashboard and JSON API (FastAPI): browse scenarios and runs, start runs on the server's
    worker pool with live progress, read reports, compare runs. The server holds its store: a CLI
    run against it is refused while it runs. API docs at /docs."""
    import uvicorn

    from .ensemble import check_workers
    from .web.app import Settings, create_app
    from .web.catalogue import default_folders

    folders = scenarios or default_folders()
    problems = [Problem("<arguments>", None, None, "--scenarios", "not a folder", str(f))
                for f in folders if not f.is_dir()]  # fmt: skip
    if not folders:
        problems.append(Problem("<arguments>", None, None, "--scenarios", "no scenarios folder "
                                "here: give one with --scenarios DIR"))  # fmt: skip
    try:
        check_workers(workers)
        with _store(store).connect(write=True):  # free, of this schema (created if new)
            pass
    except ScenarioError as exc:
        problems.extend(exc.problems)
    problems.extend(_listenable(host, port))
    if problems:
        _fail(ScenarioError(problems))
    url = f"http://{host}:{port}"
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning[/yellow] listening on {host}: the server has no "
                  "authentication; anyone who reaches it can start runs", soft_wrap=True)  # fmt: skip
    settings = Settings(store=store, scenarios=folders, max_members=max_members,
                        max_concurrent_runs=max_concurrent_runs, workers=workers, url=url)  # fmt: skip
    err.print(f"realpolitik serve: {url}/ (API docs {url}/docs); store {_store(store).path}; "
              "Ctrl-C stops it", soft_wrap=True)  # fmt: skip
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    except ScenarioError as exc:
        _fail(exc)


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
