"""Member chunks on local processes or Ray.

A run of n members is cut into chunks [lo, hi) of ``chunk`` members (the last may be shorter). A
chunk is compiled and simulated where it runs: every draw is keyed by (root seed, key, member), so
members [lo, hi) compiled alone are exactly that slice of the whole ensemble, and the result is the
same, bit for bit, for any chunk size, worker count or backend. A worker returns its chunk encoded
(the trajectory as a compressed chunk file's bytes, :func:`realpolitik.chunks.encode`) or, for a
forecast, each question's per-member resolution; the driver alone writes (:mod:`realpolitik.store`).

Backends (each a context manager with ``run(job, chunks, done)``, ``done(lo, hi, result)`` called in
the driver as each chunk arrives):

* :class:`Inline`: this process (one worker);
* :class:`Local`: W spawned processes (the default, W = the machine's cores);
* :class:`Ray`: tasks on a local ``ray.init`` or on the cluster at ``address`` (the ``ray`` extra).

Each worker pins its numeric threads to one (``NUMBA/OMP/OPENBLAS/MKL_NUM_THREADS`` set before it
imports numpy, and numba's thread count), so W workers use W cores. At most 2·W chunks are in
flight on local processes (W on Ray, whose cluster may have more CPUs than W), so the driver holds a
bounded number of results whatever the size of the run. On any exception in the driver (Ctrl-C
included, read between waits: :func:`_ctrl_c_between_waits`) the chunks in flight are dropped and
the workers stopped.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import Problem, ScenarioError

DEFAULT_CHUNK = 500
MAX_CHUNK = 10_000  # members in one chunk (a worker holds its whole trajectory)
MAX_CHUNKS = 100_000  # chunks in one run (a file each)
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
THREAD_VARS = ("NUMBA_NUM_THREADS", *BLAS_VARS)
BACKENDS = ("local", "ray")
POLL = 0.25  # seconds between looks for a Ctrl-C while the driver waits for chunks


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _bad(field: str, message: str, value=None, options=()) -> ScenarioError:
    shown = None if value is None else repr(value)
    return ScenarioError([Problem("<arguments>", None, None, field, message, shown, options)])


@dataclass(frozen=True)
class Job:
    """What every chunk of a run needs: the scenario, the counterfactual as :func:`compile` takes it
    (id, patched scenario, do list) or None, the root seed, and the questions to resolve (none: the
    chunk's trajectory is returned)."""

    scenario: object  # realpolitik.scenario.Scenario
    counterfactual: tuple | None
    seed: int
    questions: tuple = ()

    @property
    def target(self):
        """The scenario that is simulated (the counterfactual's patched one, if any)."""
        return self.scenario if self.counterfactual is None else self.counterfactual[1]

    def compiled(self, lo: int, hi: int):
        """Members ``lo … hi − 1`` compiled (global indices)."""
        from .compile import compile
        from .rng import MemberRNG

        return compile(self.scenario, hi - lo, MemberRNG(self.seed, lo, hi), self.counterfactual)


def work(job: Job, lo: int, hi: int):
    """One chunk, where it runs: its trajectory's chunk file (bytes), or {question id: per-member
    resolutions} when the job has questions."""
    from .chunks import encode
    from .questions.resolve import resolve
    from .simulate import simulate

    ds = simulate(job.compiled(lo, hi), chunk=hi - lo)
    if job.questions:
        return {q.id: resolve(q, ds) for q in job.questions}
    return encode(ds)


def chunk_size(members: int, chunk: int | None, workers: int) -> int:
    """The chunk size to use: ``chunk`` checked, or min(500, ⌈members / workers⌉)."""
    if chunk is None:
        return max(1, min(DEFAULT_CHUNK, -(-members // max(1, workers))))
    if not isinstance(chunk, int) or not 1 <= chunk <= min(members, MAX_CHUNK):
        raise _bad("--chunk", f"must be an integer in [1, {min(members, MAX_CHUNK):,}] "
                   f"(at most the run's {members:,} members)", chunk)  # fmt: skip
    if math.ceil(members / chunk) > MAX_CHUNKS:
        raise _bad("--chunk", f"{members:,} members in chunks of {chunk} make more than "
                   f"{MAX_CHUNKS:,} chunks (one file each)", chunk)  # fmt: skip
    return chunk


def plan(members: int, chunk: int) -> list[tuple[int, int]]:
    """Every chunk [lo, hi) of a run."""
    return [(lo, min(members, lo + chunk)) for lo in range(0, members, chunk)]


def check_workers(workers: int | None) -> int | None:
    if workers is not None and (not isinstance(workers, int) or not 1 <= workers <= 4096):
        raise _bad("--workers", "must be an integer in [1, 4096]", workers)
    return workers


Done = Callable[[int, int, object], None]


def _drive(
    submit,
    wait_any,
    result,
    limit: int,
    chunks,
    done: Done,
    pending: dict,
    check: Callable[[], None] = lambda: None,
) -> None:
    """Keep ``limit`` chunks in flight; as some finish, submit the next ones, then hand the finished
    to ``done`` in member order (``pending`` maps each handle in flight to its chunk). ``check()``
    runs after every wait and every ``done`` (it raises to stop)."""
    todo = list(chunks)[::-1]

    def refill():
        while todo and len(pending) < limit:
            lo, hi = todo.pop()
            pending[submit(lo, hi)] = (lo, hi)

    refill()
    while pending:
        ready = sorted((pending.pop(h), h) for h in wait_any(pending))
        check()
        refill()
        for (lo, hi), h in ready:
            done(lo, hi, result(h))
            check()


@contextmanager
def _ctrl_c_between_waits():
    """Yield ``check()``, which raises KeyboardInterrupt once Ctrl-C has been pressed.

    While the driver waits for chunks Ctrl-C only sets a flag, read by ``check()`` between waits: a
    KeyboardInterrupt raised inside ``concurrent.futures.wait`` can leave a future's lock held, and
    the pool's manager thread then blocks on it for ever (shutdown hangs). Off the main thread (the
    dashboard's jobs), or where SIGINT is ignored or has the caller's own handler, nothing changes."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):  # fmt: skip
        yield lambda: None
        return
    pressed: list[bool] = []

    def check() -> None:
        if pressed:
            pressed.clear()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, lambda *_: pressed.append(True))
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)


class Inline:
    """One worker: this process (numba and BLAS pinned to one thread while it runs, as in a spawned
    worker)."""

    kind = "local"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, job: Job, chunks: Sequence[tuple[int, int]], done: Done) -> None:
        import numba
        from threadpoolctl import threadpool_limits

        before = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            with threadpool_limits(1):
                for lo, hi in chunks:
                    done(lo, hi, work(job, lo, hi))
        finally:
            numba.set_num_threads(before)


def _pin(threads: int) -> None:
    """A worker's start: numeric threads pinned, Ctrl-C left to the driver."""
    os.environ.update({v: str(threads) for v in THREAD_VARS})
    import numba

    numba.set_num_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _environ(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Local:
    """W spawned worker processes (``concurrent.futures``, the ``spawn`` start method)."""

    kind = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or cores()
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self):
        import multiprocessing

        import numpy  # noqa: F401  the driver's BLAS loads before the workers' variables are set

        self._env = _environ({v: "1" for v in BLAS_VARS})
        self._env.__enter__()  # for the pool's life: workers are spawned on demand
        self.pool = ProcessPoolExecutor(
            self.workers, multiprocessing.get_context("spawn"), initializer=_pin, initargs=(1,)
        )
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self._env.__exit__(None, None, None)
        return False

    def run(self, job: Job, chunks: Sequence[tuple[int, int]], done: Done) -> None:
        pending: dict = {}
        with _ctrl_c_between_waits() as check:
            try:
                _drive(
                    lambda lo, hi: self.pool.submit(work, job, lo, hi),
                    lambda hs: wait(hs, timeout=POLL, return_when=FIRST_COMPLETED)[0],
                    lambda f: f.result(),
                    2 * self.workers, chunks, done, pending, check,
                )  # fmt: skip
            except BaseException:
                self._stop(pending)  # a second Ctrl-C meanwhile is ignored
                raise

    def _stop(self, pending) -> None:
        """Drop the chunks in flight and end the workers now (a Ctrl-C does not wait for them)."""
        for f in pending:
            f.cancel()
        for p in list((self.pool._processes or {}).values()):  # no public way to end them at once
            p.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail with one clear line unless something listens at a Ray ``address`` (``auto`` is left to
    Ray: it fails fast when no cluster runs here)."""
    if address == "auto":
        return
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    default = 10001 if address.startswith("ray://") else 6379
    try:
        host, port = parts.hostname, parts.port or default
    except ValueError:
        host = None
    if not host:
        raise _bad("--address", "not a Ray address (host:port, ray://host:port or auto)", address)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _bad("--address", f"cannot reach a Ray cluster at {host}:{port} ({reason})",
                   address) from None  # fmt: skip


class Ray:
    """Tasks on Ray: a local ``ray.init`` with W CPUs, or the cluster at ``address`` (W defaults to
    its CPUs). Ray is shut down on exit only if this backend started it."""

    kind = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None):
        self.workers = workers
        self.address = address
        self.started = False

    def __enter__(self):
        try:
            import ray
        except ImportError:
            raise _bad("--backend", "Ray is not installed: pip install 'realpolitik[ray]'",
                       "ray") from None  # fmt: skip
        if self.address:
            _reachable(self.address)
        if not ray.is_initialized():
            import logging

            env = {"env_vars": {v: "1" for v in THREAD_VARS}}
            # Ray starts its workers at niceness 15; a Ray of our own runs them as local ones run
            nice = {} if self.address else {"RAY_worker_niceness": "0"}
            try:
                with _environ(nice):
                    ray.init(
                        address=self.address,
                        num_cpus=None if self.address else (self.workers or cores()),
                        include_dashboard=False, log_to_driver=False,
                        logging_level=logging.ERROR, runtime_env=env,
                    )  # fmt: skip
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray instance"
                raise _bad("--address", f"cannot start or join Ray at {where}: "
                           f"{str(exc).splitlines()[0]}", self.address) from None  # fmt: skip
            self.started = True
        self.workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(num_cpus=1, max_retries=0)(work)
        return self

    def __exit__(self, *exc):
        import ray

        if self.started:
            ray.shutdown()
            self.started = False
        return False

    def run(self, job: Job, chunks: Sequence[tuple[int, int]], done: Done) -> None:
        import ray

        job_ref = ray.put(job)
        pending: dict = {}
        with _ctrl_c_between_waits() as check:
            try:
                _drive(
                    lambda lo, hi: self._task.remote(job_ref, lo, hi),
                    lambda refs: ray.wait(list(refs), num_returns=1, timeout=POLL)[0],
                    ray.get,
                    self.workers, chunks, done, pending, check,
                )  # fmt: skip
            except BaseException:
                for ref in pending:
                    ray.cancel(ref, force=True)
                raise


def backend(kind: str = "local", workers: int | None = None, address: str | None = None):
    """The backend for ``--backend``/``--workers``/``--address`` (not yet entered)."""
    check_workers(workers)
    if kind not in BACKENDS:
        raise _bad("--backend", "unknown backend", kind, BACKENDS)
    if address and kind != "ray":
        raise _bad("--address", "only with --backend ray", address)
    if kind == "ray":
        return Ray(workers, address)
    return Inline() if (workers or cores()) == 1 else Local(workers)
