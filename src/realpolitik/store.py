"""The run store: DuckDB, embedded, one file, with each run's chunk files beside it.

Where: ``--store PATH``, else ``$REALPOLITIK_STORE``, else ``~/.realpolitik/runs.duckdb``; the chunk
files of run ``ID`` live in ``<folder>/<stem>/ID/`` next to the database (paths in the tables are
relative to the folder, so a store can be moved whole).

Tables (schema :data:`SCHEMA_VERSION`, recorded in ``meta``):

* ``runs``: id, scenario id, hash (the trajectory's ``scenario_hash``) and path, counterfactual,
  seed, members, chunk size, package version, lock-file hash, code hash, created, status
  (``running``, ``interrupted``, ``failed``, ``done``), the driver's pid and host, finished;
* ``chunks``: run, first member, count, file, checksum (SHA-256 of the file).

Writes: a chunk's bytes go to a temporary file that is fsynced, renamed into place (and its folder
fsynced); only then is its row inserted, in one transaction. So a row always names a complete file,
and a file without a row (a run killed between the two) is ignored and replaced on resume. DuckDB
admits one writer at a time: connections are opened per transaction, a lock held by another process
is waited for up to ``$REALPOLITIK_STORE_TIMEOUT`` seconds (default 10) and then reported with its
holder. A store of another schema version is refused, with ``realpolitik store migrate`` named where
:data:`MIGRATIONS` leads to this version.

A long-lived process (``realpolitik serve``) *holds* its store (:meth:`Store.hold`): one read-write
connection open for its life, shared by every :class:`Store` of that path in the process (a cursor per
transaction), so no other process writes to it meanwhile; a note beside the database
(``<store>.holder.json``: pid, host, what holds it) lets another process's refusal say who holds it,
at once rather than after the timeout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import Problem, ScenarioError

SCHEMA_VERSION = 1
DEFAULT_PATH = "~/.realpolitik/runs.duckdb"
MIGRATIONS: dict[int, Callable] = {}  # version v -> function(con) that brings a v store to v + 1

_TABLES = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE runs (
        id VARCHAR PRIMARY KEY, scenario_id VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL,
        scenario_path VARCHAR NOT NULL, counterfactual VARCHAR NOT NULL, seed BIGINT NOT NULL,
        members BIGINT NOT NULL, chunk BIGINT NOT NULL, package_version VARCHAR NOT NULL,
        lock_hash VARCHAR NOT NULL, code_hash VARCHAR NOT NULL, created TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL, pid BIGINT, host VARCHAR, finished TIMESTAMP)""",
    """CREATE TABLE chunks (
        run VARCHAR NOT NULL, first_member BIGINT NOT NULL, count BIGINT NOT NULL,
        file VARCHAR NOT NULL, checksum VARCHAR NOT NULL, PRIMARY KEY (run, first_member))""",
)
_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")
_HELD: dict[Path, object] = {}  # store path -> the DuckDB connection this process holds it by
_HELD_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunInfo:
    """One row of ``runs``; :attr:`state` is the status as it stands (a ``running`` run whose
    driver is gone is ``interrupted``)."""

    id: str
    scenario_id: str
    scenario_hash: str
    scenario_path: str
    counterfactual: str
    seed: int
    members: int
    chunk: int
    package_version: str
    lock_hash: str
    code_hash: str
    created: dt.datetime
    status: str
    pid: int | None
    host: str | None
    finished: dt.datetime | None

    @property
    def state(self) -> str:
        if self.status == "running" and not self.driver_alive:
            return "interrupted"
        return self.status

    @property
    def driver_alive(self) -> bool:
        """Whether the driver of a ``running`` run still lives (assumed so on another host)."""
        if self.status != "running":
            return False
        if self.pid is None or self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["status"] = self.state
        for k in ("created", "finished"):
            out[k] = None if out[k] is None else out[k].isoformat(timespec="seconds")
        return out


@dataclass(frozen=True)
class Chunk:
    """One row of ``chunks``: members ``first … first + count − 1`` in ``file`` (absolute)."""

    first: int
    count: int
    file: Path
    checksum: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lock_hash() -> str:
    """SHA-256 of the project's ``requirements.lock`` beside the package's source, '' if absent."""
    lock = Path(__file__).resolve().parents[2] / "requirements.lock"
    return sha256(lock.read_bytes()) if lock.is_file() else ""


def code_hash() -> str:
    """SHA-256 over the package's Python files (path and content): resuming with other code would
    not finish the run it started."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _problem(where: str, field: str, message: str, value=None, options=()) -> ScenarioError:
    shown = None if value is None else str(value)
    return ScenarioError([Problem(where, None, None, field, message, shown, tuple(options))])


class Store:
    """A run store at ``path`` (see the module docstring)."""

    def __init__(self, path: str | Path | None = None, timeout: float | None = None):
        raw = path or os.environ.get("REALPOLITIK_STORE") or DEFAULT_PATH
        self.default = not path and not os.environ.get("REALPOLITIK_STORE")
        self.path = Path(raw).expanduser().absolute()
        env = os.environ.get("REALPOLITIK_STORE_TIMEOUT", "10")
        self.timeout = float(env) if timeout is None else timeout

    @property
    def folder(self) -> Path:
        return self.path.parent

    def run_dir(self, run_id: str) -> Path:
        return self.folder / self.path.stem / run_id

    def error(self, field: str, message: str, value=None, options=()) -> ScenarioError:
        return _problem(str(self.path), field, message, value, options)

    # --- connections ------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """The store's folder exists (the default one is created) and takes new files."""
        if self.default:
            self.folder.mkdir(parents=True, exist_ok=True)
        if not self.folder.is_dir():
            raise _problem("<arguments>", "--store", "the folder does not exist", self.folder)
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise _problem("<arguments>", "--store", "the store file is read-only", self.path)
        try:
            probe = self.folder / f".realpolitik-probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise _problem(
                "<arguments>",
                "--store",
                f"the folder is not writable ({exc.strerror})",
                self.folder,
            ) from None

    @property
    def holder_note(self) -> Path:
        return self.path.with_name(self.path.name + ".holder.json")

    @contextmanager
    def hold(self, holder: str = "realpolitik"):
        """Hold the store while the context lasts: one read-write connection, opened now (the
        schema created or checked) and shared by every :class:`Store` of this path in this process;
        the note ``<store>.holder.json`` says who holds it (``holder``) until the context ends."""
        import duckdb

        with _HELD_LOCK:
            if self.path in _HELD:
                raise self.error("--store", "this process already holds the store")
            with self.connect(write=True):  # waits for (or reports) another writer; checks schema
                pass
            con = duckdb.connect(str(self.path))
            _HELD[self.path] = con
        note = {"pid": os.getpid(), "host": socket.gethostname(), "holder": holder}
        self.holder_note.write_text(json.dumps(note) + "\n")
        try:
            yield self
        finally:
            with _HELD_LOCK:
                _HELD.pop(self.path, None)
            self.holder_note.unlink(missing_ok=True)
            con.close()

    def _held_by(self, pid: str) -> str | None:
        """Who holds the store, from its note, if the note is that lock holder's."""
        try:
            note = json.loads(self.holder_note.read_text())
        except (OSError, ValueError):
            return None
        if str(note.get("pid")) != pid or note.get("host") != socket.gethostname():
            return None
        return str(note.get("holder") or "another process")

    @contextmanager
    def connect(self, write: bool = False, migrating: bool = False):
        """A DuckDB connection (None when reading a store that does not exist yet), closed after;
        a store of another schema version is refused unless ``migrating``. In a process that holds
        the store (:meth:`hold`), a cursor of the held connection."""
        import duckdb

        held = _HELD.get(self.path)
        if held is not None:
            cur = held.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        if not write and not self.path.exists():
            yield None
            return
        if write:
            self.check_writable()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                break
            except duckdb.Error as exc:
                held = _HOLDER.search(str(exc))
                if held is None:
                    raise self.error("--store", "cannot open the store", exc) from None
                holder = self._held_by(held.group(2))
                if holder is not None:
                    raise self.error(
                        "--store",
                        f"the store is held by {holder} (PID {held.group(2)}): use it through "
                        "that process, stop it, or give another --store",
                    ) from None
                if time.monotonic() >= deadline:
                    raise self.error(
                        "--store",
                        f"the store is in use by another writer: {held.group(1)} (PID "
                        f"{held.group(2)}); waited {self.timeout:g} s (REALPOLITIK_STORE_TIMEOUT)",
                    ) from None
                time.sleep(0.05 + 0.05 * secrets.randbelow(100) / 100)
        try:
            yield None if self._version(con, write, migrating) is None else con
        finally:
            con.close()

    def _version(self, con, write: bool, migrating: bool = False) -> int | None:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if not tables:
            if not write:
                return None
            con.execute("BEGIN TRANSACTION")
            for sql in _TABLES:
                con.execute(sql)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            con.execute("COMMIT")
            return SCHEMA_VERSION
        if "meta" not in tables:
            raise self.error("--store", "not a realpolitik run store (no meta table)")
        version = int(
            con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
        )
        if version != SCHEMA_VERSION and not migrating:
            raise self.error("--store", *self._wrong_version(version))
        return version

    def _wrong_version(self, version: int) -> tuple[str, str]:
        if version < SCHEMA_VERSION and all(
            v in MIGRATIONS for v in range(version, SCHEMA_VERSION)
        ):
            return (
                f"store schema {version}, this realpolitik uses {SCHEMA_VERSION}: run "
                f"`realpolitik store migrate --store {self.path}`",
                str(version),
            )
        return (
            f"store schema {version}, this realpolitik uses {SCHEMA_VERSION} and no migration "
            "exists between them: use a realpolitik of that schema, or another store",
            str(version),
        )

    def migrate(self) -> tuple[int, int]:
        """Bring the store to :data:`SCHEMA_VERSION`, one transaction per step; (from, to)."""
        if not self.path.exists():
            raise self.error("--store", "no store at this path")
        with self.connect(write=True, migrating=True) as con:
            start = version = self._version(con, True, migrating=True)
            if version > SCHEMA_VERSION:
                raise self.error("--store", *self._wrong_version(version))
            while version < SCHEMA_VERSION:
                if version not in MIGRATIONS:
                    raise self.error("--store", *self._wrong_version(version))
                con.execute("BEGIN TRANSACTION")
                MIGRATIONS[version](con)
                version += 1
                con.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)]
                )
                con.execute("COMMIT")
        return start, version

    # --- runs ------------------------------------------------------------------------------------

    def create(self, **values) -> RunInfo:
        """Insert a new ``running`` run (a fresh id) and return it."""
        now = dt.datetime.now().replace(microsecond=0)
        with self.connect(write=True) as con:
            taken = {r[0] for r in con.execute("SELECT id FROM runs").fetchall()}
            run_id = secrets.token_hex(4)
            while run_id in taken:
                run_id = secrets.token_hex(4)
            row = dict(id=run_id, **values, lock_hash=lock_hash(), code_hash=code_hash(),
                       created=now, status="running", pid=os.getpid(),
                       host=socket.gethostname(), finished=None)  # fmt: skip
            names = [f.name for f in fields(RunInfo)]
            con.execute(
                f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[n] for n in names],
            )
        return RunInfo(**row)

    def runs(self) -> list[RunInfo]:
        with self.connect() as con:
            if con is None:
                return []
            return [
                RunInfo(*r)
                for r in con.execute("SELECT * FROM runs ORDER BY created, id").fetchall()
            ]

    def get(self, run_id: str) -> RunInfo:
        with self.connect() as con:
            rows = [] if con is None else con.execute(
                "SELECT * FROM runs WHERE id = ?", [run_id]
            ).fetchall()  # fmt: skip
        if not rows:
            known = [r.id for r in self.runs()]
            raise self.error("run id", "unknown run", run_id, known)
        return RunInfo(*rows[0])

    def set_status(self, run_id: str, status: str) -> None:
        """``running`` claims the run for this process; ``done`` records the finishing time."""
        finished = dt.datetime.now().replace(microsecond=0) if status == "done" else None
        with self.connect(write=True) as con:
            con.execute(
                "UPDATE runs SET status = ?, pid = ?, host = ?, finished = ? WHERE id = ?",
                [status, os.getpid(), socket.gethostname(), finished, run_id],
            )

    def remove(self, run_id: str) -> int:
        """Delete a run's rows (one transaction), then its files; the number of chunks removed."""
        self.get(run_id)
        with self.connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            n = con.execute("SELECT count(*) FROM chunks WHERE run = ?", [run_id]).fetchall()[0][0]
            con.execute("DELETE FROM chunks WHERE run = ?", [run_id])
            con.execute("DELETE FROM runs WHERE id = ?", [run_id])
            con.execute("COMMIT")
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)
        return int(n)

    # --- chunks ----------------------------------------------------------------------------------

    def chunks(self, run_id: str) -> list[Chunk]:
        """The registered chunks of a run, by first member."""
        with self.connect() as con:
            rows = [] if con is None else con.execute(
                "SELECT first_member, count, file, checksum FROM chunks WHERE run = ? "
                "ORDER BY first_member", [run_id],
            ).fetchall()  # fmt: skip
        return [Chunk(int(a), int(b), self.folder / f, s) for a, b, f, s in rows]

    def stored(self) -> dict[str, int]:
        """{run id: members stored} for every run with a chunk (one query)."""
        with self.connect() as con:
            rows = [] if con is None else con.execute(
                "SELECT run, sum(count) FROM chunks GROUP BY run"
            ).fetchall()  # fmt: skip
        return {r: int(n) for r, n in rows}

    def add_chunk(self, run_id: str, first: int, count: int, data: bytes) -> Chunk:
        """Write a chunk's file (temporary name, fsync, rename, fsync the folder), then register it
        in one transaction."""
        folder = self.run_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"m{first:09d}-{count}.nc"
        tmp = folder / f".{name}.part"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / name)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        chunk = Chunk(first, count, folder / name, sha256(data))
        with self.connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                [run_id, first, count, str(chunk.file.relative_to(self.folder)), chunk.checksum],
            )
            con.execute("COMMIT")
        return chunk

    def verify(self, run_id: str) -> list[Chunk]:
        """The registered chunks whose file is missing or does not match its checksum."""
        return [
            c for c in self.chunks(run_id)
            if not c.file.is_file() or sha256(c.file.read_bytes()) != c.checksum
        ]  # fmt: skip
