"""The server's runs: one pool of worker processes shared by at most N concurrent runs.

Each run is :func:`realpolitik.runs.run` driven from a thread of its own on the shared
:class:`Pool` (the chunks of concurrent runs queue on the same W processes, so the machine runs W
simulations at a time whatever the number of runs). A :class:`Job` records what was asked and how
far it got (members stored, from the run's ``progress`` callback); :attr:`Jobs.version` grows with
every change, which is what the read endpoints' caches key on.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass

from .. import ensemble
from ..errors import ScenarioError

ACTIVE = ("queued", "running")


class Cancelled(Exception):
    """Raised in a run's driver when its job is cancelled (at the next chunk)."""


def _warm() -> int:
    """Run in each worker once: the simulation's imports and compiled kernels loaded."""
    import os

    import realpolitik.simulate  # noqa: F401

    return os.getpid()


class Pool:
    """W spawned worker processes shared by concurrent runs: a failing run drops only its own
    chunks in flight (``ensemble.Local`` would end every worker), and a broken pool is replaced."""

    kind = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or ensemble.cores()
        self.local = ensemble.Local(self.workers)
        self._lock = threading.Lock()

    def __enter__(self):
        self.local.__enter__()
        for _ in range(self.workers):  # spawn and warm every worker now, not at the first run
            self.local.pool.submit(_warm)
        return self

    def __exit__(self, *exc):
        self.local.__exit__(*exc)
        return False

    def run(self, job, chunks, done) -> None:
        pool = self.local.pool
        pending: dict = {}
        try:
            ensemble._drive(
                lambda lo, hi: pool.submit(ensemble.work, job, lo, hi),
                lambda fs: wait(fs, return_when=FIRST_COMPLETED)[0],
                lambda f: f.result(),
                2 * self.workers, chunks, done, pending,
            )  # fmt: skip
        except BaseException as exc:
            for f in pending:
                f.cancel()
            if isinstance(exc, BrokenProcessPool):
                self._replace(pool)
            raise

    def _replace(self, broken) -> None:
        with self._lock:
            if self.local.pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self.local.pool = None
                self.local.__exit__(None, None, None)
                self.local = ensemble.Local(self.workers)
                self.local.__enter__()


@dataclass
class Job:
    """One run asked of the server: its parameters, state (queued, running, done, failed,
    cancelled), members stored so far, the run's id once it is registered, and the error if it
    failed."""

    id: str
    scenario: str
    counterfactual: str | None
    members: int
    seed: int
    state: str = "queued"
    done: int = 0
    run_id: str | None = None
    error: str | None = None
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    cancel: bool = False

    def as_dict(self) -> dict:
        out = asdict(self)
        out["fraction"] = self.done / self.members if self.members else 0.0
        end = self.finished or time.time()
        out["seconds"] = round(end - self.started, 3) if self.started else 0.0
        return out


class Busy(Exception):
    """Raised when the server already runs its maximum of concurrent runs."""


class Jobs:
    """The jobs of one server, run on one :class:`Pool` by at most ``max_concurrent`` threads."""

    def __init__(self, store, workers: int | None, max_concurrent: int):
        self.store = store
        self.max_concurrent = max_concurrent
        self.pool = Pool(workers)
        self.threads = ThreadPoolExecutor(max_concurrent, thread_name_prefix="realpolitik-run")
        self.jobs: dict[str, Job] = {}
        self.version = 0
        self._lock = threading.Lock()

    @property
    def workers(self) -> int:
        return self.pool.workers

    def __enter__(self):
        self.pool.__enter__()
        return self

    def __exit__(self, *exc):
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.pool.__exit__(*exc)
        return False

    def _bump(self) -> None:
        with self._lock:
            self.version += 1

    def active(self) -> int:
        return sum(j.state in ACTIVE for j in self.jobs.values())

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def start(self, doc, members: int, seed: int, counterfactual: str | None,
              resume: str | None = None) -> Job:  # fmt: skip
        """Queue a run of ``doc``, or the end of run ``resume`` (Busy if ``max_concurrent`` runs
        are already active)."""
        with self._lock:
            if self.active() >= self.max_concurrent:
                raise Busy(f"the server already runs {self.max_concurrent} run(s) at once "
                           "(--max-concurrent-runs); try again when one has finished")  # fmt: skip
            job_id = secrets.token_hex(6)
            job = Job(job_id, doc.scenario.meta.id, counterfactual, members, seed,
                      run_id=resume, created=time.time())  # fmt: skip
            self.jobs[job_id] = job
        self._bump()
        self.threads.submit(self._run, job, doc, resume)
        return job

    def cancel(self, job_id: str) -> Job:
        """Ask an active job to stop: before its next chunk is stored (the chunks in flight are
        dropped); its run is left ``interrupted``, with the chunks stored so far."""
        job = self.jobs[job_id]
        job.cancel = True
        if job.state == "queued" and job.run_id is None:
            self._bump()
        return job

    def _run(self, job: Job, doc, resume: str | None = None) -> None:
        from ..runs import run

        if job.cancel:  # cancelled while queued
            job.state, job.finished = "cancelled", time.time()
            self._bump()
            return

        def on_start(info, stored, _backend):
            job.run_id, job.done, job.state, job.started = info.id, stored, "running", time.time()
            self._bump()
            if job.cancel:
                raise Cancelled

        def progress(k: int):
            job.done += k
            self._bump()
            if job.cancel and job.done < job.members:
                raise Cancelled

        # a quarter of the usual chunk for small runs, so that the progress bar moves (a run's
        # result does not depend on its chunks)
        chunk = max(1, min(ensemble.DEFAULT_CHUNK, -(-job.members // (4 * self.workers))))
        try:
            run(doc, job.members, job.seed, job.counterfactual, backend=self.pool,
                chunk=None if resume else chunk, store=self.store, resume=resume,
                on_start=on_start, progress=progress)  # fmt: skip
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
            if job.run_id is not None:  # resumable: realpolitik run --resume ID
                self.store.set_status(job.run_id, "interrupted")
        except ScenarioError as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # a worker died: the run keeps its chunks (resumable)
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
        job.finished = time.time()
        self._bump()
