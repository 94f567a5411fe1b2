"""Runs: an ensemble simulated chunk by chunk into the store, resumed after a crash, read back.

    run = rp.run("scenarios/syria-2015.yaml", members=10_000, seed=1)   # workers = cores
    run.id; run.dataset()                        # lazy: nothing read until asked
    run.forecast("data/questions/questions-syria-2015.yaml")
    rp.run(resume=run.id)                        # finishes an interrupted run
    rp.compare(rp.open_run(a), rp.open_run(b), questions)

A run's chunks are pure functions of (scenario, seed, counterfactual, member range), so a resumed
run — registered chunks skipped (their checksums checked), files without a row ignored, the rest
simulated — is the run never interrupted. Resuming requires the same scenario hash and the same
code (:func:`realpolitik.store.code_hash`).

Questions resolve member by member, so a stored run is answered chunk by chunk (one chunk in memory)
and gives exactly the answers of the whole trajectory in memory. :func:`compare` pairs two runs'
resolutions on their common members: d_m = x_m(A) − x_m(B), mean d̄ ± 1.645·sd(d)/√n (90 %); on the
same seed the runs share every unchanged draw (common random numbers), so d is the change alone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__, ensemble
from .api import Answer, _doc, check_members, counterfactual_spec, read_questions, summarise
from .errors import ScenarioError
from .store import RunInfo, Store, code_hash

Z90 = 1.6448536269514722
RESUMABLE = ("interrupted", "failed")


def _questions(questions) -> tuple:
    return tuple(read_questions(questions) if isinstance(questions, str | Path) else questions)


def job(doc, seed: int, counterfactual: str | None = None, questions=()) -> ensemble.Job:
    """The :class:`realpolitik.ensemble.Job` of a scenario document."""
    return ensemble.Job(doc.scenario, counterfactual_spec(doc, counterfactual), int(seed),
                        _questions(questions))  # fmt: skip


class Run:
    """A run in a store: its record, its chunks, its trajectory (lazily) and its answers."""

    def __init__(self, store: Store, run_id: str):
        self.store = store
        self.id = run_id

    def __repr__(self) -> str:
        return f"Run({self.id!r}, store={str(self.store.path)!r})"

    @property
    def info(self) -> RunInfo:
        return self.store.get(self.id)

    def files(self, partial: bool = False) -> list[Path]:
        """The chunk files in member order (all of them unless ``partial``)."""
        info, chunks = self.info, self.store.chunks(self.id)
        stored = sum(c.count for c in chunks)
        if not partial and stored < info.members:
            raise self.store.error(
                "run id", f"run is {info.state}: {stored:,} of {info.members:,} members stored; "
                f"finish it with `realpolitik run --resume {self.id}`", self.id,
            )  # fmt: skip
        return [c.file for c in chunks]

    def dataset(self, partial: bool = False) -> xr.Dataset:
        """The trajectory, read lazily from its chunk files (``chunks.open_lazy``)."""
        from .chunks import open_lazy

        return open_lazy(self.files(partial))

    def resolve(self, questions) -> dict[str, np.ndarray]:
        """{question id: per-member resolutions}, chunk by chunk (one chunk in memory)."""
        from .chunks import load
        from .questions.resolve import resolve

        qs = _questions(questions)
        parts: dict[str, list] = {q.id: [] for q in qs}
        for f in self.files():
            ds = load(f)
            for q in qs:
                parts[q.id].append(resolve(q, ds))
        return {k: np.concatenate(v) for k, v in parts.items()}

    def forecast(self, questions) -> list[Answer]:
        """Every question answered from the store (the same answers as in memory)."""
        qs = _questions(questions)
        x = self.resolve(qs)
        return [summarise(q, x[q.id]) for q in qs]

    def export(self, path: str | Path) -> None:
        """The whole trajectory as one netCDF-4 file (streamed, one chunk in memory)."""
        from .chunks import export

        export(self.files(), path)


def open_run(run_id: str, store: str | Path | Store | None = None) -> Run:
    """A stored run by id (ScenarioError for an unknown id)."""
    st = store if isinstance(store, Store) else Store(store)
    st.get(run_id)
    return Run(st, run_id)


def run(
    scenario=None,
    members: int = 1000,
    seed: int = 0,
    counterfactual: str | None = None,
    *,
    backend: str | object = "local",
    workers: int | None = None,
    chunk: int | None = None,
    address: str | None = None,
    store: str | Path | Store | None = None,
    resume: str | None = None,
    on_start: Callable[[RunInfo, int, object], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Run:
    """Simulate a run into the store (or finish run ``resume``) and return it.

    ``backend`` is ``local``/``ray`` or an entered :mod:`realpolitik.ensemble` backend (reused, not
    closed); ``on_start(info, members_stored, backend)`` is called once the run is registered,
    ``progress(k)`` after each chunk of k members. Every argument is checked before the store is
    touched."""
    st = store if isinstance(store, Store) else Store(store)
    if resume is not None:
        info = st.get(resume)
        doc = _doc(scenario or info.scenario_path)
        the_job = job(doc, info.seed, info.counterfactual or None)
        _check_resumable(st, info, the_job)
        members, chunk = info.members, info.chunk
    else:
        check_members(members)
        if chunk is not None:
            ensemble.chunk_size(members, chunk, 1)
        doc = _doc(scenario)
        the_job = job(doc, seed, counterfactual)
    be = ensemble.backend(backend, workers, address) if isinstance(backend, str) else backend
    st.check_writable()
    with be if isinstance(backend, str) else nullcontext(be):  # a caller's backend stays open
        if resume is None:
            from .compile import scenario_hash

            chunk = ensemble.chunk_size(members, chunk, be.workers)
            info = st.create(
                scenario_id=the_job.target.meta.id, scenario_hash=scenario_hash(the_job.target),
                scenario_path=str(Path(doc.path).absolute()) if doc.path else "",
                counterfactual=counterfactual or "", seed=int(seed), members=members, chunk=chunk,
                package_version=__version__,
            )  # fmt: skip
            stored = set()
        else:
            for stale in st.run_dir(info.id).glob(".*.part"):
                stale.unlink()
            stored = {c.first for c in st.chunks(info.id)}
            st.set_status(info.id, "running")
        if on_start is not None:
            done = sum(hi - lo for lo, hi in ensemble.plan(members, chunk) if lo in stored)
            on_start(info, done, be)
        todo = [c for c in ensemble.plan(members, chunk) if c[0] not in stored]
        _execute(st, info.id, the_job, todo, be, progress)
    return Run(st, info.id)


def _check_resumable(st: Store, info: RunInfo, the_job: ensemble.Job) -> None:
    from .compile import scenario_hash

    if info.state == "done":
        raise st.error("--resume", "the run is already complete", info.id)
    if info.state == "running":
        raise st.error("--resume", f"the run is running (driver PID {info.pid} on {info.host})",
                       info.id)  # fmt: skip
    if scenario_hash(the_job.target) != info.scenario_hash:
        raise st.error("--resume", "the scenario changed since the run started (its hash differs)",
                       info.scenario_path)  # fmt: skip
    if code_hash() != info.code_hash:
        raise st.error("--resume", "realpolitik's code changed since the run started; start a new "
                       "run", info.id)  # fmt: skip
    bad = st.verify(info.id)
    if bad:
        raise st.error("--resume", "a registered chunk file is missing or corrupt", bad[0].file)


def _execute(st: Store, run_id: str, the_job, todo, be, progress) -> None:
    def done(lo: int, hi: int, data: bytes) -> None:
        st.add_chunk(run_id, lo, hi - lo, data)
        if progress is not None:
            progress(hi - lo)

    try:
        be.run(the_job, todo, done)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            st.set_status(run_id, status)
        except ScenarioError:
            pass  # the store is held elsewhere: the run reads as interrupted once this process ends
        raise
    st.set_status(run_id, "done")


def forecast(
    scenario,
    questions,
    members: int = 1000,
    seed: int = 0,
    counterfactual: str | None = None,
    *,
    backend: str = "local",
    workers: int | None = None,
    chunk: int | None = None,
    address: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Answer]:
    """Answer questions on a scenario without storing its trajectory: each worker resolves the
    questions on its chunk and returns only the per-member answers."""
    check_members(members)
    qs = _questions(questions)
    the_job = job(_doc(scenario), seed, counterfactual, qs)
    parts: dict[int, dict] = {}

    def done(lo, hi, result):
        parts[lo] = result
        if progress is not None:
            progress(hi - lo)

    with ensemble.backend(backend, workers, address) as be:
        size = ensemble.chunk_size(members, chunk, be.workers)
        be.run(the_job, ensemble.plan(members, size), done)
    x = {q.id: np.concatenate([parts[lo][q.id] for lo in sorted(parts)]) for q in qs}
    return [summarise(q, x[q.id]) for q in qs]


@dataclass(frozen=True)
class Difference:
    """One question's paired difference A − B over ``members`` common members: the mean of each
    run (p for a binary question), the mean difference and its 90 % interval."""

    question: str
    numeric: bool
    members: int
    a: float
    b: float
    mean: float
    low: float
    high: float


def compare(
    a: Run, b: Run, questions, resolved_b: dict | None = None, resolved_a: dict | None = None
) -> list[Difference]:
    """Paired differences A − B on the members both runs hold (see the module docstring);
    ``resolved_a``/``resolved_b``: a run's resolutions ({id: per-member values}) when the caller
    already has them."""
    from .questions.schema import is_numeric

    qs = _questions(questions)
    n = min(a.info.members, b.info.members)
    xa = resolved_a if resolved_a is not None else a.resolve(qs)
    xb = resolved_b if resolved_b is not None else b.resolve(qs)
    if qs:  # resolutions given for fewer members: pair those
        n = min(n, len(xa[qs[0].id]), len(xb[qs[0].id]))
    out = []
    for q in qs:
        u = np.asarray(xa[q.id][:n], float)
        v = np.asarray(xb[q.id][:n], float)
        d = u - v
        half = Z90 * d.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
        m = float(d.mean())
        out.append(Difference(q.id, is_numeric(q.query), n, float(u.mean()), float(v.mean()), m,
                              m - half, m + half))  # fmt: skip
    return out
