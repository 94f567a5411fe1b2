"""Ensembles at scale on the flagship: bit-identical results for any worker count, chunk size and
backend; answers read from the store equal those computed in memory; a run killed with SIGKILL or
stopped with Ctrl-C resumes to the run never interrupted; bad input is one clear line, exit 2, and
the store unchanged.

The Ray test needs the ``ray`` extra (``make test`` installs it) and is skipped without it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import realpolitik as rp
from realpolitik import ensemble
from realpolitik.api import answer, read_questions
from realpolitik.cli import app
from realpolitik.errors import ScenarioError
from realpolitik.runs import forecast as forecast_streamed
from realpolitik.store import Store

from .conftest import ROOT
from .test_simulate import DEV, QUESTIONS, generated_questions

FLAGSHIP = ROOT / "scenarios/syria-2015.yaml"
SEED = 5


@pytest.fixture(scope="module")
def doc():
    return rp.load(FLAGSHIP)


@pytest.fixture(scope="module")
def st(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("store") / "runs.duckdb", timeout=5)


def cli(*args, **env):
    runner = CliRunner()
    env = {"COLUMNS": "200", "REALPOLITIK_STORE_TIMEOUT": "5", **env}
    result = runner.invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    return result


def assert_same_run(a: rp.Run, b: rp.Run) -> None:
    """Bit for bit: every variable, coordinate and attribute of a, and of b's first members as
    many, read variable by variable."""
    da, db = a.dataset(), b.dataset()
    db = db.isel(member=slice(0, da.sizes["member"]))
    assert da.attrs == db.attrs and list(da.data_vars) == list(db.data_vars)
    for name in da.variables:
        np.testing.assert_array_equal(da[name].values, db[name].values, err_msg=name)


def test_chunks_cover_the_run_and_bad_sizes_are_refused():
    assert ensemble.plan(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert ensemble.chunk_size(10_000, None, 2) == 500 and ensemble.chunk_size(30, None, 2) == 15
    assert ensemble.chunk_size(30, 30, 2) == 30
    for bad in (0, -1, 31, 1.5):
        with pytest.raises(ScenarioError, match="--chunk"):
            ensemble.chunk_size(30, bad, 2)
    with pytest.raises(ScenarioError, match="more than"):
        ensemble.chunk_size(200_000, 1, 2)


def test_ctrl_c_while_waiting_is_raised_between_waits_and_the_handler_is_restored():
    """A Ctrl-C during the wait is held until ``check()``; the chunks already finished are handed
    to ``done`` in order up to it, and SIGINT's handler is Python's again afterwards."""
    got = []

    def wait_any(handles):
        os.kill(os.getpid(), signal.SIGINT)  # pressed while the driver waits
        time.sleep(0.05)  # the handler runs here: no KeyboardInterrupt inside the wait
        return set(list(handles)[:1])

    def drive(wait_any, check):
        ensemble._drive(lambda lo, hi: (lo, hi), wait_any, lambda h: h, 2, ensemble.plan(6, 2),
                        lambda lo, hi, r: got.append(r), {}, check)  # fmt: skip

    inherited = signal.signal(
        signal.SIGINT, signal.default_int_handler
    )  # pytest may run with it ignored
    try:
        with pytest.raises(KeyboardInterrupt), ensemble._ctrl_c_between_waits() as check:
            drive(wait_any, check)
        assert got == [] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with ensemble._ctrl_c_between_waits() as check:
            drive(lambda hs: set(hs), check)
        assert got == [(0, 2), (2, 4), (4, 6)]
    finally:
        signal.signal(signal.SIGINT, inherited)


# --- bit identity -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_2w_50(doc, st):
    """550 members on two worker processes in chunks of 50."""
    return rp.run(doc, 550, SEED, workers=2, chunk=50, store=st)


@pytest.mark.slow
def test_one_worker_and_chunks_of_500_give_the_same_bits_as_two_workers_and_chunks_of_50(
    doc, st, run_2w_50
):
    one = rp.run(doc, 550, SEED, workers=1, chunk=500, store=st)
    assert [c.count for c in st.chunks(one.id)] == [500, 50]
    assert len(st.chunks(run_2w_50.id)) == 11
    assert_same_run(one, run_2w_50)


@pytest.mark.ray
def test_ray_gives_the_same_bits_as_local_processes(doc, st, run_2w_50):
    pytest.importorskip("ray")
    on_ray = rp.run(doc, 100, SEED, backend="ray", workers=2, chunk=30, store=st)
    assert [c.count for c in st.chunks(on_ray.id)] == [30, 30, 30, 10]
    assert_same_run(on_ray, run_2w_50)  # its members 0-99, from chunks of 50 on local processes


# --- answers from the store ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(doc, st):
    """40 members in chunks of 15 (the last one short), and the same run in memory."""
    return rp.run(doc, 40, SEED, workers=1, chunk=15, store=st), rp.simulate(doc, 40, SEED)


def test_the_stored_trajectory_is_the_one_in_memory(small, tmp_path):
    stored, memory = small
    ds = stored.dataset()
    assert ds["control"].dtype == np.float32 and ds["office_holder"].dtype == np.int16
    xr.testing.assert_identical(ds.load(), memory)
    stored.export(tmp_path / "run.nc")
    xr.testing.assert_identical(xr.load_dataset(tmp_path / "run.nc"), memory)
    part = stored.dataset()["forces"].isel(member=[3, 17, 31], month=slice(5, 9))
    np.testing.assert_array_equal(
        part, memory["forces"].isel(member=[3, 17, 31], month=slice(5, 9))
    )


@pytest.mark.parametrize("path", [QUESTIONS, DEV], ids=["published", "dev"])
def test_every_question_answers_the_same_from_the_store_as_in_memory(small, path):
    stored, memory = small
    qs = read_questions(path)
    expected = [answer(q, memory) for q in qs]
    assert stored.forecast(qs) == expected  # chunk by chunk
    lazy = stored.dataset()
    assert [answer(q, lazy) for q in qs] == expected  # on the lazy Dataset
    lazy.close()


def test_every_vocabulary_question_resolves_the_same_on_the_lazy_dataset(small, doc):
    from realpolitik.questions.resolve import resolve

    from .questions_fixtures import question

    stored, memory = small
    lazy = stored.dataset()
    for k, text in enumerate(generated_questions(doc, memory)):
        q = question(text, f"g{k}")
        np.testing.assert_array_equal(resolve(q, lazy), resolve(q, memory), err_msg=text)
    lazy.close()


def test_forecasting_a_scenario_streams_answers_without_storing(doc, small):
    qs = read_questions(QUESTIONS)
    got = forecast_streamed(doc, qs, 40, SEED, workers=1, chunk=7)
    assert got == [answer(q, small[1]) for q in qs]


def test_forecast_and_compare_read_runs_from_the_store(doc, st, small):
    stored, memory = small
    cf = rp.run(doc, 40, SEED, "no-russian-intervention", workers=1, chunk=20, store=st)
    r = cli("forecast", stored.id, "-q", QUESTIONS, "--store", st.path, "--format", "json")
    assert r.exit_code == 0 and f'"run": "{stored.id}"' in r.output
    r = cli("compare", stored.id, cf.id, "-q", QUESTIONS, "--store", st.path)
    text = " ".join(r.output.split())
    assert r.exit_code == 0 and "40 common members" in text and "90 % interval" in text
    diffs = {d.question: d for d in rp.compare(stored, cf, QUESTIONS)}
    qs = {q.id: q for q in read_questions(QUESTIONS)}
    from realpolitik.questions.resolve import resolve

    cf_lazy = cf.dataset()
    for qid, d in diffs.items():
        x = np.asarray(resolve(qs[qid], memory), float) - resolve(qs[qid], cf_lazy)
        assert d.members == 40 and d.mean == pytest.approx(x.mean()) and d.low <= d.mean <= d.high


# --- interrupted runs ----------------------------------------------------------------------------


def start_cli_run(st, *args):
    """A ``realpolitik run`` in its own process group, with Ctrl-C's default action whatever this
    process inherited (a shell's background job ignores SIGINT, and so would the run: an ignored
    signal stays ignored across exec, a handled one is reset to the default); returns (process,
    run id)."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        p = subprocess.Popen(
            [sys.executable, "-m", "realpolitik", "run", str(FLAGSHIP), "--store", str(st.path),
             "--seed", str(SEED), *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            cwd=ROOT,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, inherited)
    line = p.stdout.readline()
    assert line.startswith("run "), line + p.stderr.read()
    return p, line.split()[1]


def wait_for(condition, timeout=180.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_run_killed_with_sigkill_resumes_to_the_run_never_interrupted(st, small):
    p, run_id = start_cli_run(st, "-n", 40, "--chunk", 5, "--workers", 1)
    wait_for(lambda: len(st.chunks(run_id)) >= 2)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    kept = {c.first: c.file.stat().st_mtime_ns for c in st.chunks(run_id)}
    assert 2 <= len(kept) < 8 and st.get(run_id).state == "interrupted"
    folder = st.run_dir(run_id)
    unregistered = next(f"m{lo:09d}-5.nc" for lo in range(0, 40, 5) if lo not in kept)
    (folder / unregistered).write_bytes(b"half a file")  # a file whose row was never written
    (folder / f".{unregistered}.part").write_bytes(b"a temporary file")
    r = cli("run", "--resume", run_id, "--store", st.path, "--workers", 1)
    assert r.exit_code == 0, r.output
    assert f"run {run_id} resumed ({5 * len(kept)} members stored)" in r.output
    assert st.get(run_id).state == "done" and st.verify(run_id) == []
    assert {
        c.first: c.file.stat().st_mtime_ns for c in st.chunks(run_id) if c.first in kept
    } == kept
    assert not list(folder.glob(".*.part"))
    xr.testing.assert_identical(rp.open_run(run_id, st).dataset().load(), small[1])
    r = cli("run", "--resume", run_id, "--store", st.path)
    assert r.exit_code == 2 and "already complete" in r.output


def test_ctrl_c_stops_the_workers_and_leaves_a_resumable_run(st, small):
    p, run_id = start_cli_run(st, "-n", 40, "--chunk", 5, "--workers", 2)
    wait_for(lambda: len(st.chunks(run_id)) >= 1)
    os.kill(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and f"realpolitik run --resume {run_id}" in err
    assert "Traceback" not in err and st.get(run_id).status == "interrupted"
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-g", str(p.pid)], capture_output=True, text=True).stdout
    assert not [pid for pid in alive.split() if not _zombie(pid)], "workers left running"
    run = rp.run(resume=run_id, store=st, workers=1)
    assert run.info.state == "done"
    xr.testing.assert_identical(run.dataset().load(), small[1])


def _zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


# --- bad input -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["-n", 0], {}, "members: must be an integer in [1, 1,000,000] (got 0)"),
        (["-n", 101], {"REALPOLITIK_MAX_MEMBERS": "100"}, "must be an integer in [1, 100]"),
        (["-n", 10, "--chunk", 0], {}, "--chunk: must be an integer in [1, 10]"),
        (["-n", 10, "--chunk", 11], {}, "at most the run's 10 members"),
        (["-n", 10, "--workers", 0], {}, "--workers: must be an integer"),
        (["-n", 10, "--backend", "dask"], {}, "unknown backend (got 'dask'); valid: local, ray"),
        (["-n", 10, "-c", "nope"], {}, "unknown counterfactual"),
        (["--resume", "nope"], {}, "run id: unknown run (got nope)"),
        (["-n", 10, "--backend", "ray", "--address", "127.0.0.1:{port}"], {},
         "cannot reach a Ray cluster at 127.0.0.1:{port}"),
    ],
    ids=["zero", "limit", "chunk-0", "chunk-big", "workers", "backend", "cf", "run-id", "ray"],
)  # fmt: skip
def test_bad_run_arguments_are_one_clear_line_and_leave_the_store_unchanged(st, args, env, message):
    port = free_port()
    args = [str(a).format(port=port) for a in args]
    message = message.format(port=port)
    before = [(r.id, r.status) for r in st.runs()]
    files = sorted(st.folder.rglob("*"))
    target = [] if "--resume" in args else [FLAGSHIP]
    r = cli("run", *target, *args, "--store", st.path, **env)
    errors = [line for line in r.output.splitlines() if line.startswith("error ")]
    assert r.exit_code == 2 and len(errors) == 1 and message in errors[0], r.output
    assert [(r.id, r.status) for r in st.runs()] == before and sorted(st.folder.rglob("*")) == files


def test_unknown_run_ids_and_store_folders_are_one_clear_line(st, tmp_path):
    for args in (["forecast", "nope", "-q", QUESTIONS], ["runs", "show", "nope"],
                 ["runs", "rm", "nope"], ["compare", "nope", "nope2"]):  # fmt: skip
        r = cli(*args, "--store", st.path)
        assert r.exit_code == 2 and "unknown run (got nope)" in r.output, args
    r = cli("run", FLAGSHIP, "-n", 5, "--store", tmp_path / "missing" / "runs.duckdb")
    assert r.exit_code == 2 and "--store: the folder does not exist" in r.output
    assert not (tmp_path / "missing").exists()
