"""The server's HTTP API and dashboard (FastAPI): scenarios, runs, jobs, forecasts, comparisons, reports.

    app = create_app(Settings(store=Path("runs.duckdb")))     # then uvicorn.run(app, ...)

The app holds its store for its life (:meth:`realpolitik.store.Store.hold`), so it is the store's
only writer and its caches of run summaries, forecasts and comparisons are exact: they are rebuilt
only when one of its own jobs changes something (:attr:`realpolitik.web.jobs.Jobs.version`); a
finished run never changes. Scenarios are named by id from the configured folders
(:mod:`realpolitik.web.catalogue`); bad parameters are 422 with the reason, unknown names 404, a
run not finished yet 409, one run too many 429. ``/docs`` serves Swagger UI from local files.

Read endpoints answer from the caches in the event loop (no thread hop per request); what must be
computed (a forecast, a comparison, the run summaries after a change) runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Body, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from .. import __version__
from ..api import max_members
from ..errors import ScenarioError
from ..runs import RESUMABLE
from ..store import Store
from .catalogue import NAME, Catalogue, default_folders
from .jobs import ACTIVE, Busy, Jobs

HERE = Path(__file__).resolve().parent
RUN_ID = r"^[0-9a-f]{8}$"
JOB_ID = r"^[0-9a-f]{12}$"
JSON = "application/json"


@dataclass
class Settings:
    """What ``realpolitik serve`` configures."""

    store: Path | None = None
    scenarios: list[Path] = field(default_factory=default_folders)
    max_members: int = 10_000
    max_concurrent_runs: int = 2
    workers: int | None = None
    url: str = ""  # where the server listens (named in the store's holder note)


def _an_id(value: str | None) -> str | None:
    if value is not None and not Catalogue.valid_name(value):
        raise ValueError("not an id: scenarios and counterfactuals are named by id (GET "
                         "/api/scenarios), never by a path")  # fmt: skip
    return value


Id = Annotated[str, AfterValidator(_an_id), WithJsonSchema({"type": "string", "pattern": NAME})]


class RunRequest(BaseModel):
    """A run to start: a scenario of the catalogue by id, and how to run it."""

    model_config = ConfigDict(extra="forbid")
    scenario: Id = Field(description="a scenario id (GET /api/scenarios)")
    members: int = Field(200, ge=1, description="ensemble members (at most the server's limit)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="the root seed")
    counterfactual: Id | None = Field(None, description="a counterfactual id of the scenario")


class JobOut(BaseModel):
    id: str
    scenario: str
    counterfactual: str | None
    members: int
    seed: int
    state: str = Field(description="queued | running | done | failed | cancelled")
    done: int = Field(description="members stored so far")
    fraction: float
    run_id: str | None
    error: str | None
    seconds: float
    cancel: bool = Field(description="cancellation asked")


class RunOut(BaseModel):
    id: str
    scenario_id: str
    counterfactual: str
    seed: int
    members: int
    stored: int
    status: str
    created: str
    finished: str | None
    questions: int
    report: str


def _invalid(where: str, field_name: str, msg: str) -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors."""
    return HTTPException(422, [{"loc": [where, field_name], "msg": msg, "type": "value_error"}])


def _json(data) -> Response:
    return Response(json.dumps(data).encode(), media_type=JSON)


class Views:
    """The read endpoints' bodies, cached: run summaries per jobs version, forecasts and
    comparisons of finished runs for good."""

    def __init__(self, store: Store, catalogue: Catalogue, jobs: Jobs):
        self.store, self.catalogue, self.jobs = store, catalogue, jobs
        self._runs: tuple[int, list[dict], dict[str, dict], bytes] | None = None
        self._lock = threading.Lock()
        self.forecasts: dict[str, bytes] = {}
        self.compares: dict[tuple[str, str], bytes] = {}
        self.scenarios = json.dumps([e.as_dict() for e in catalogue.entries.values()]).encode()
        self.scenario = {k: json.dumps(e.as_dict()).encode() for k, e in catalogue.entries.items()}

    def _questions(self, scenario_id: str) -> tuple:
        entry = self.catalogue.entries.get(scenario_id)
        return entry.questions if entry else ()

    def fresh(self) -> tuple[list[dict], dict[str, dict], bytes] | None:
        """The cached run summaries if no job changed anything since (else None)."""
        cached = self._runs
        return cached[1:] if cached is not None and cached[0] == self.jobs.version else None

    def runs(self) -> tuple[list[dict], dict[str, dict], bytes]:
        cached = self.fresh()
        if cached is not None:
            return cached
        with self._lock:
            version = self.jobs.version
            stored = self.store.stored()
            rows = []
            for info in reversed(self.store.runs()):  # newest first
                d = info.as_dict()
                rows.append({k: d[k] for k in ("id", "scenario_id", "counterfactual", "seed",
                                               "members", "status", "created", "finished")}
                            | {"stored": stored.get(info.id, 0),
                               "questions": len(self._questions(info.scenario_id)),
                               "report": f"/runs/{info.id}/report"})  # fmt: skip
            by_id = {r["id"]: r for r in rows}
            self._runs = (version, rows, by_id, json.dumps(rows).encode())
            return self._runs[1:]

    def run(self, run_id: str, rows: dict | None = None) -> dict:
        row = (rows if rows is not None else self.runs()[1]).get(run_id)
        if row is None:
            raise HTTPException(404, f"unknown run {run_id!r}")
        return row

    def finished(self, run_id: str) -> dict:
        row = self.run(run_id)
        if row["status"] != "done":
            raise HTTPException(409, f"run {run_id} is {row['status']} "
                                f"({row['stored']:,} of {row['members']:,} members stored)")  # fmt: skip
        return row

    def questions(self, row: dict) -> tuple:
        qs = self._questions(row["scenario_id"])
        if not qs:
            raise HTTPException(404, f"no questions for scenario {row['scenario_id']!r} (looked "
                                f"for data/questions/questions-{row['scenario_id']}.yaml)")  # fmt: skip
        return qs

    def forecast(self, run_id: str) -> bytes:
        if run_id not in self.forecasts:
            from ..runs import open_run

            row = self.finished(run_id)
            answers = open_run(run_id, self.store).forecast(self.questions(row))
            self.forecasts[run_id] = json.dumps({
                "run": run_id, "scenario": row["scenario_id"],
                "counterfactual": row["counterfactual"] or None, "seed": row["seed"],
                "members": row["members"], "answers": [a.as_dict() for a in answers],
            }).encode()  # fmt: skip
        return self.forecasts[run_id]

    def compare(self, a: str, b: str) -> bytes:
        if (a, b) not in self.compares:
            from ..runs import compare, open_run

            ra, rb = self.finished(a), self.finished(b)
            if ra["scenario_id"] != rb["scenario_id"]:
                raise HTTPException(422, f"runs {a} and {b} are of different scenarios "
                                    f"({ra['scenario_id']}, {rb['scenario_id']})")  # fmt: skip
            diffs = compare(open_run(a, self.store), open_run(b, self.store), self.questions(ra))
            self.compares[(a, b)] = json.dumps({
                "a": ra, "b": rb, "same_seed": ra["seed"] == rb["seed"],
                "members": diffs[0].members if diffs else 0,
                "differences": [d.__dict__ for d in diffs],
            }).encode()  # fmt: skip
        return self.compares[(a, b)]


def _report(store: Store, row: dict, rows: list[dict], locks: dict, guard: threading.Lock) -> Path:
    """The run's HTML report, written once into the store's folder (beside its chunks). A base
    run's report shows the finished counterfactual runs of its scenario and seed, so the file is
    keyed by them: a counterfactual run finished later gives a new report."""
    import hashlib

    try:
        from ..report.html import write_report
    except ImportError:
        raise HTTPException(503, "this build of realpolitik has no HTML report "
                            "(realpolitik.report.html)") from None  # fmt: skip
    cfs = sorted(r["id"] for r in rows if not row["counterfactual"] and r["counterfactual"]
                 and r["status"] == "done" and r["scenario_id"] == row["scenario_id"]
                 and r["seed"] == row["seed"])  # fmt: skip
    key = hashlib.sha256(" ".join(cfs).encode()).hexdigest()[:8]
    out = store.run_dir(row["id"]) / f"report-{key}.html"
    with guard:
        lock = locks.setdefault(row["id"], threading.Lock())
    with lock:
        if not out.is_file():
            tmp = out.with_name(f".report-{os.getpid()}.html")
            try:
                write_report(row["id"], tmp, store=store.path, members=row["members"],
                             seed=row["seed"])  # fmt: skip
            except ScenarioError as exc:
                raise HTTPException(422, str(exc)) from None
            os.replace(tmp, out)
    return out


def create_app(settings: Settings | None = None) -> FastAPIOffline:
    """The app for ``settings`` (its store is held and its worker pool started at startup)."""
    settings = settings or Settings()
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app):
        store = Store(settings.store)
        store.check_writable()
        holder = "realpolitik serve" + (f" at {settings.url}" if settings.url else "")
        with (
            store.hold(holder),
            Jobs(store, settings.workers, settings.max_concurrent_runs) as jobs,
        ):
            catalogue = await asyncio.to_thread(Catalogue, settings.scenarios)
            state.update(store=store, jobs=jobs, catalogue=catalogue,
                         views=Views(store, catalogue, jobs), locks={},
                         guard=threading.Lock())  # fmt: skip
            yield
        state.clear()

    app = FastAPIOffline(
        title="realpolitik", version=__version__, lifespan=lifespan,
        description="Scenarios, runs, forecasts and comparisons of a realpolitik run store; "
        "the dashboard is at /.",
    )  # fmt: skip
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    app.state.settings = settings

    async def _runs():
        """The run summaries: cached, or rebuilt off the event loop (a store query)."""
        return state["views"].fresh() or await asyncio.to_thread(state["views"].runs)

    def limit() -> int:
        return min(settings.max_members, max_members())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request):
        entries = state["catalogue"].entries.values()
        return templates.TemplateResponse(
            request, "index.html",
            {"scenarios": [e.as_dict() for e in entries], "max_members": limit(),
             "max_concurrent": settings.max_concurrent_runs, "workers": state["jobs"].workers,
             "version": __version__, "store": str(state["store"].path)},
        )  # fmt: skip

    @app.get("/api/health", tags=["server"])
    async def health() -> dict:
        """The server's limits, workers and active runs."""
        jobs = state["jobs"]
        return {"ok": True, "version": __version__, "workers": jobs.workers,
                "active_runs": jobs.active(), "max_concurrent_runs": settings.max_concurrent_runs,
                "max_members": limit(), "store": str(state["store"].path)}  # fmt: skip

    @app.get("/api/scenarios", tags=["scenarios"])
    async def scenarios() -> Response:
        """Every scenario of the configured folders (invalid ones with their problems)."""
        return Response(state["views"].scenarios, media_type=JSON)

    @app.get("/api/scenarios/{name}", tags=["scenarios"])
    async def scenario(name: Annotated[str, PathParam(pattern=NAME)]) -> Response:
        """One scenario, by id."""
        body = state["views"].scenario.get(name) if Catalogue.valid_name(name) else None
        if body is None:
            raise HTTPException(404, f"unknown scenario {name!r}")
        return Response(body, media_type=JSON)

    @app.get("/api/runs", tags=["runs"], response_model=list[RunOut])
    async def runs() -> Response:
        """The store's runs, newest first (members stored, status, report link)."""
        return Response((await _runs())[2], media_type=JSON)

    @app.get("/api/runs/{run_id}", tags=["runs"], response_model=RunOut)
    async def run(run_id: Annotated[str, PathParam(pattern=RUN_ID)]) -> Response:
        """One run."""
        return _json(state["views"].run(run_id, (await _runs())[1]))

    @app.post("/api/runs", tags=["runs"], status_code=202, response_model=JobOut)
    def start(req: Annotated[RunRequest, Body()]) -> Response:
        """Start a run in the server's worker pool; follow it at /api/jobs/{id} (or its events)."""
        entry = state["catalogue"].get(req.scenario)
        if entry is None:
            raise _invalid("body", "scenario", f"unknown scenario {req.scenario!r}; known: "
                           f"{', '.join(state['catalogue'].ids())}")  # fmt: skip
        if entry.doc is None or not entry.doc.scenario.meta.end:
            raise _invalid("body", "scenario", f"scenario {req.scenario!r} cannot be run ("
                           + ("; ".join(entry.problems) or "it has no meta.end") + ")")  # fmt: skip
        if req.members > limit():
            raise _invalid("body", "members", f"at most {limit():,} members on this server "
                           "(--max-members)")  # fmt: skip
        cfs = [c.id for c in entry.doc.scenario.counterfactuals]
        if req.counterfactual is not None and req.counterfactual not in cfs:
            raise _invalid("body", "counterfactual", f"unknown counterfactual "
                           f"{req.counterfactual!r} of {req.scenario}; known: {', '.join(cfs)}")  # fmt: skip
        try:
            job = state["jobs"].start(entry.doc, req.members, req.seed, req.counterfactual)
        except Busy as exc:
            raise HTTPException(429, str(exc)) from None
        return Response(json.dumps(job.as_dict()).encode(), status_code=202, media_type=JSON)

    @app.post("/api/runs/{run_id}/resume", tags=["runs"], status_code=202, response_model=JobOut)
    async def resume(run_id: Annotated[str, PathParam(pattern=RUN_ID)]) -> Response:
        """Finish an interrupted or failed run (its stored chunks kept) in the server's pool; 409
        unless it is interrupted or failed, 422 if its scenario is not among the server's."""
        row = state["views"].run(run_id, (await _runs())[1])
        if row["status"] not in RESUMABLE:
            raise HTTPException(409, f"run {run_id} is {row['status']}: only an interrupted or "
                                "failed run is resumed")  # fmt: skip
        entry = state["catalogue"].get(row["scenario_id"])
        if entry is None or entry.doc is None:
            raise HTTPException(422, f"run {run_id} is of scenario {row['scenario_id']!r}, which "
                                "this server does not offer (--scenarios)")  # fmt: skip
        try:
            job_ = state["jobs"].start(entry.doc, row["members"], row["seed"],
                                       row["counterfactual"] or None, resume=run_id)  # fmt: skip
        except Busy as exc:
            raise HTTPException(429, str(exc)) from None
        return Response(json.dumps(job_.as_dict()).encode(), status_code=202, media_type=JSON)

    @app.get("/api/jobs", tags=["jobs"], response_model=list[JobOut])
    async def jobs() -> Response:
        """Every run started by this server since it started, newest first."""
        return _json([j.as_dict() for j in reversed(state["jobs"].jobs.values())])

    def _job(job_id: str):
        job = state["jobs"].get(job_id)
        if job is None:
            raise HTTPException(404, f"unknown job {job_id!r}")
        return job

    @app.get("/api/jobs/{job_id}", tags=["jobs"], response_model=JobOut)
    async def job(job_id: Annotated[str, PathParam(pattern=JOB_ID)]) -> Response:
        """A job's progress (poll it, or follow its events)."""
        return _json(_job(job_id).as_dict())

    @app.post("/api/jobs/{job_id}/cancel", tags=["jobs"], status_code=202, response_model=JobOut)
    def cancel(job_id: Annotated[str, PathParam(pattern=JOB_ID)]) -> Response:
        """Stop a queued or running job at its next chunk; its run keeps the chunks stored so far
        (status ``interrupted``: ``realpolitik run --resume ID`` finishes it). 409 if it has
        ended."""
        job_ = _job(job_id)
        if job_.state not in ("queued", "running"):
            raise HTTPException(409, f"job {job_id} is {job_.state}")
        job_ = state["jobs"].cancel(job_id)
        return Response(json.dumps(job_.as_dict()).encode(), status_code=202, media_type=JSON)

    @app.get("/api/jobs/{job_id}/events", tags=["jobs"])
    async def events(job_id: Annotated[str, PathParam(pattern=JOB_ID)], request: Request):
        """Server-sent events (``progress``): the job as JSON at each change (looked at every
        0.2 s, no thread held per listener), until it is done or failed."""
        job_ = _job(job_id)

        async def stream():
            last = None
            while True:
                key = (job_.state, job_.done, job_.run_id)
                if key != last:
                    last = key
                    yield f"event: progress\ndata: {json.dumps(job_.as_dict())}\n\n"
                if job_.state not in ACTIVE or await request.is_disconnected():
                    return
                await asyncio.sleep(0.2)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})  # fmt: skip

    @app.get("/api/runs/{run_id}/forecast", tags=["runs"])
    async def forecast(run_id: Annotated[str, PathParam(pattern=RUN_ID)]) -> Response:
        """Every question of the run's scenario answered from the store (cached)."""
        views = state["views"]
        body = views.forecasts.get(run_id) or await asyncio.to_thread(views.forecast, run_id)
        return Response(body, media_type=JSON)

    @app.get("/api/compare", tags=["runs"])
    async def compare(
        a: Annotated[str, Query(pattern=RUN_ID, description="run A's id")],
        b: Annotated[str, Query(pattern=RUN_ID, description="run B's id")],
    ) -> Response:
        """Paired differences A − B per question on the members both runs hold, with 90 %
        intervals (:func:`realpolitik.runs.compare`)."""
        views = state["views"]
        body = views.compares.get((a, b)) or await asyncio.to_thread(views.compare, a, b)
        return Response(body, media_type=JSON)

    @app.get("/runs/{run_id}/report", response_class=FileResponse, tags=["runs"])
    def report(run_id: Annotated[str, PathParam(pattern=RUN_ID)]):
        """The run's HTML report (written on first request, then served from the store's folder)."""
        row = state["views"].finished(run_id)
        rows = state["views"].runs()[0]
        out = _report(state["store"], row, rows, state["locks"], state["guard"])
        return FileResponse(out, media_type="text/html")

    return app
