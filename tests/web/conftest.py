"""Fixtures of the server's tests: a live server in a subprocess on a free port of 127.0.0.1 with a
temporary store, and the screenshot folder (Debian's Chromium: ``browser_type_launch_args`` in
tests/conftest.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import ARTIFACTS, ROOT


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the server's browser tests save their screenshots (test-artifacts/serve/, ignored by
    git)."""
    folder = ARTIFACTS / "serve"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """``realpolitik serve`` in a subprocess (1 worker, at most 100 members, 2 runs at once) on a
    fresh store: yields its base URL; stopped (SIGTERM) at the end of the module."""
    store = tmp_path_factory.mktemp("serve-live") / "runs.duckdb"
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    log = open(store.with_name("serve.log"), "wb")  # noqa: SIM115  closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "realpolitik", "serve", "--port", str(port), "--store", str(store),
         "--workers", "1", "--max-members", "100", "--max-concurrent-runs", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(store.with_name("serve.log").read_text())
            try:
                _get(base + "/api/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
