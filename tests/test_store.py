"""The run store: schema, runs and chunks, atomic registration, one writer at a time, schema
versions and migrations, removal. No simulation here (a toy trajectory stands in for a chunk)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest
import xarray as xr
from typer.testing import CliRunner

from realpolitik import store as store_mod
from realpolitik.chunks import encode, open_lazy
from realpolitik.cli import app
from realpolitik.errors import ScenarioError
from realpolitik.store import RunInfo, Store

from .questions_fixtures import toy

RUN = dict(scenario_id="toy", scenario_hash="h" * 64, scenario_path="/nowhere/toy.yaml",
           counterfactual="", seed=1, members=6, chunk=3, package_version="0.1.0")  # fmt: skip


@pytest.fixture
def st(tmp_path) -> Store:
    return Store(tmp_path / "runs.duckdb", timeout=0.3)


def chunk(lo: int, hi: int) -> bytes:
    ds = toy(hi - lo)
    return encode(ds.assign_coords(member=ds["member"] + lo))


def cli(*args):
    result = CliRunner().invoke(
        app, list(args), env={"COLUMNS": "200", "REALPOLITIK_STORE_TIMEOUT": "0.3"}
    )
    assert "Traceback" not in result.output
    return result


def test_a_new_store_has_the_schema_and_keeps_runs_and_chunks(st):
    assert st.runs() == [] and not st.path.exists()  # reading creates nothing
    info = st.create(**RUN)
    assert len(info.id) == 8 and info.status == "running" and info.state == "running"
    assert st.get(info.id) == info and [r.id for r in st.runs()] == [info.id]
    assert len(info.lock_hash) == 64 and len(info.code_hash) == 64
    with duckdb.connect(str(st.path), read_only=True) as con:
        version = con.execute("SELECT value FROM meta").fetchall()
    assert version == [(str(store_mod.SCHEMA_VERSION),)]
    c = st.add_chunk(info.id, 3, 3, chunk(3, 6))
    st.add_chunk(info.id, 0, 3, chunk(0, 3))
    assert [x.first for x in st.chunks(info.id)] == [0, 3]
    assert c.file.parent == st.run_dir(info.id) and not list(c.file.parent.glob(".*"))
    assert st.verify(info.id) == []
    ds = open_lazy([x.file for x in st.chunks(info.id)])
    assert list(ds["member"].values) == list(range(6))
    xr.testing.assert_identical(ds["control"].isel(member=[1, 4]).load(),
                                xr.concat([toy(3), toy(3)], "member")["control"]
                                .isel(member=[1, 4]).assign_coords(member=[1, 4]))  # fmt: skip
    ds.close()
    st.set_status(info.id, "done")
    assert st.get(info.id).state == "done" and st.get(info.id).finished is not None


def test_a_corrupt_or_missing_chunk_file_is_found(st):
    info = st.create(**RUN)
    a = st.add_chunk(info.id, 0, 3, chunk(0, 3))
    b = st.add_chunk(info.id, 3, 3, chunk(3, 6))
    a.file.write_bytes(a.file.read_bytes()[:-1] + b"x")
    b.file.unlink()
    assert [c.first for c in st.verify(info.id)] == [0, 3]


def test_a_running_run_whose_driver_is_gone_reads_as_interrupted(st):
    info = st.create(**RUN)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout  # fmt: skip
    with duckdb.connect(str(st.path)) as con:
        con.execute("UPDATE runs SET pid = ? WHERE id = ?", [int(dead), info.id])
    assert st.get(info.id).status == "running" and st.get(info.id).state == "interrupted"


def test_unknown_run_ids_are_one_clear_error(st):
    info = st.create(**RUN)
    with pytest.raises(ScenarioError) as e:
        st.get("nope")
    assert str(e.value) == f"{st.path}: run id: unknown run (got nope); valid: {info.id}"
    r = cli("runs", "show", "nope", "--store", str(st.path))
    assert r.exit_code == 2 and "unknown run" in r.output and info.id in r.output


def test_a_second_writer_gets_a_clear_error_naming_the_holder(st):
    info = st.create(**RUN)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(st.path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ScenarioError) as e:
            st.add_chunk(info.id, 0, 3, chunk(0, 3))
        assert "in use by another writer" in str(e.value) and f"PID {holder.pid}" in str(e.value)
        r = cli("run", "scenarios/syria-2015.yaml", "-n", "2", "--store", str(st.path))
        assert r.exit_code == 2 and f"PID {holder.pid}" in r.output
    finally:
        holder.kill()
        holder.wait()
    assert st.chunks(info.id) == [] and [r.id for r in st.runs()] == [info.id]  # store unchanged


def test_another_schema_version_is_refused_and_migrated_where_a_migration_exists(st, monkeypatch):
    info = st.create(**RUN)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with pytest.raises(ScenarioError, match="no migration exists"):
        st.runs()
    r = cli("store", "migrate", "--store", str(st.path))
    assert r.exit_code == 2 and "no migration exists" in r.output

    def add_note(con):
        con.execute("ALTER TABLE runs ADD COLUMN note VARCHAR")

    monkeypatch.setitem(store_mod.MIGRATIONS, 1, add_note)
    with pytest.raises(ScenarioError, match="realpolitik store migrate"):
        st.get(info.id)
    r = cli("runs", "--store", str(st.path))
    assert r.exit_code == 2 and "store migrate" in r.output
    r = cli("store", "migrate", "--store", str(st.path))
    assert r.exit_code == 0 and "schema 1 → 2" in r.output
    with duckdb.connect(str(st.path), read_only=True) as con:
        assert "note" in [c[0] for c in con.execute("DESCRIBE runs").fetchall()]
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 1)  # a store newer than this realpolitik
    with pytest.raises(ScenarioError, match="store schema 2, this realpolitik uses 1"):
        st.runs()


def test_a_database_that_is_not_a_run_store_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (a INT)")
    with pytest.raises(ScenarioError, match="not a realpolitik run store"):
        Store(path).runs()


def test_remove_deletes_rows_and_files_together(st):
    keep, gone = st.create(**RUN), st.create(**RUN)
    for info in (keep, gone):
        st.add_chunk(info.id, 0, 3, chunk(0, 3))
    st.set_status(gone.id, "done")
    r = cli("runs", "rm", gone.id, "--store", str(st.path))
    assert r.exit_code == 0 and "1 chunks" in r.output
    assert not st.run_dir(gone.id).exists() and st.chunks(gone.id) == []
    assert [x.id for x in st.runs()] == [keep.id] and len(st.chunks(keep.id)) == 1
    r = cli("runs", "rm", keep.id, "--store", str(st.path))  # its driver (this process) lives
    assert r.exit_code == 2 and "running" in r.output and st.chunks(keep.id)


def test_store_folders_that_are_missing_or_read_only_are_one_clear_error(tmp_path):
    missing = Store(tmp_path / "no" / "runs.duckdb")
    with pytest.raises(ScenarioError, match="the folder does not exist"):
        missing.create(**RUN)
    if os.geteuid() == 0:  # root writes through a mode of 0o555: use a folder no one may write
        locked = Store("/sys/runs.duckdb")
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        locked = Store(tmp_path / "ro" / "runs.duckdb")
    with pytest.raises(ScenarioError, match="the folder is not writable"):
        locked.create(**RUN)
    assert not missing.path.parent.exists() and not locked.path.exists()


def test_runs_lists_as_table_and_json(st):
    import json

    a = st.create(**RUN)
    st.add_chunk(a.id, 0, 3, chunk(0, 3))
    r = cli("runs", "--store", str(st.path), "--format", "json")
    assert r.exit_code == 0
    (row,) = json.loads(r.output)
    assert row["id"] == a.id and row["members"] == 6 and row["stored"] == 3
    assert row["status"] == "running" and row["scenario"] == "toy" and row["seed"] == 1
    r = cli("runs", "--store", str(st.path))
    assert r.exit_code == 0 and a.id in r.output and "toy" in r.output
    r = cli("runs", "show", a.id, "--store", str(st.path), "--verify")
    assert r.exit_code == 0 and "3 of 6 members" in r.output and "checksums" in r.output
    assert isinstance(st.get(a.id), RunInfo)


def test_a_held_store_is_shared_in_its_process_and_refused_to_others_naming_the_holder(tmp_path):
    st = Store(tmp_path / "runs.duckdb", timeout=5)
    with st.hold("realpolitik serve at http://127.0.0.1:1"):
        info = Store(st.path).create(**RUN)  # another Store of the path: the held connection
        Store(st.path).add_chunk(info.id, 0, 3, chunk(0, 3))
        assert [c.count for c in st.chunks(info.id)] == [3] and st.stored() == {info.id: 3}
        assert st.holder_note.is_file()
        with pytest.raises(ScenarioError, match="already holds"):
            with st.hold():
                pass
        t0 = time.monotonic()
        r = subprocess.run(
            [sys.executable, "-c", "import sys; from realpolitik.store import Store; "
             "Store(sys.argv[1], timeout=30).runs()", str(st.path)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert r.returncode != 0 and time.monotonic() - t0 < 20  # at once, not after the timeout
        assert f"held by realpolitik serve at http://127.0.0.1:1 (PID {os.getpid()})" in r.stderr
    assert not st.holder_note.exists()
    assert [x.id for x in Store(st.path).runs()] == [info.id]  # released: an ordinary store again
