"""The server under load: 2,000 requests from 20 concurrent clients on its read endpoints (goal
≥ 500 requests/s, p99 ≤ 100 ms, 0 errors).

Starts ``realpolitik serve`` on a free port of 127.0.0.1 with a temporary store (removed at the
end), runs two small runs of the flagship through the API (its base and a counterfactual, 20
members, same seed) so that every read endpoint has something to read, asks each endpoint once
(filling the server's caches: that first forecast and comparison are timed apart), then sends the
requests round-robin over the read endpoints from 20 keep-alive HTTP/1.1 connections (asyncio, one
request in flight per connection) and prints requests/s, the latency percentiles, the errors (any
status but 200, or a broken connection), the server's process and worker counts, the machine, and
the CPU seconds of the server, of this client and of the whole machine during the load (the
machine is shared: other processes' CPU time is printed beside). The same load is then sent again
while a 400-member run simulates on the server's worker, and printed beside (not in the RESULT
lines).

    python bench/serve_load.py [requests] [clients]
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from _machine import cpu_name

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
GOAL_RPS, GOAL_P99_MS = 500, 100


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, body: dict | None = None, timeout: float = 600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def start_server(store: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "realpolitik", "serve", "--port", str(port), "--store",
           str(store), "--workers", "1", "--max-members", "1000"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode()}")
        try:
            get(base, "/api/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 300 s")


def run(base: str, **body) -> dict:
    job = get(base, "/api/runs", body)
    while job["state"] in ("queued", "running"):
        time.sleep(0.2)
        job = get(base, f"/api/jobs/{job['id']}")
    if job["state"] != "done":
        raise SystemExit(f"run failed: {job['error']}")
    return job


async def client(port: int, paths: list[str], latencies: list, errors: list) -> None:
    """One keep-alive connection sending its share of requests one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            t0 = time.perf_counter()
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                await writer.drain()
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                if b" 200 " not in status:
                    errors.append(f"{path}: {status.decode().strip()}")
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors.append(f"{path}: {type(exc).__name__}")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()


async def load(port: int, paths: list[str], requests: int, clients: int):
    every = [paths[i % len(paths)] for i in range(requests)]
    latencies: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(client(port, every[k::clients], latencies, errors)
                           for k in range(clients)))  # fmt: skip
    return time.perf_counter() - t0, np.array(latencies), errors


def main(requests: int = 2000, clients: int = 20) -> None:
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="realpolitik-serve-bench-") as tmp:
        port = free_port()
        t0 = time.perf_counter()
        server = start_server(Path(tmp) / "runs.duckdb", port)
        base = f"http://127.0.0.1:{port}"
        try:
            health = get(base, "/api/health")
            print(f"server: PID {server.pid}, 1 uvicorn process (one event loop, its thread pool), "
                  f"{health['workers']} simulation worker process(es); up in "
                  f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
            t0 = time.perf_counter()
            a = run(base, scenario="syria-2015", members=20, seed=1)["run_id"]
            b = run(base, scenario="syria-2015", members=20, seed=1,
                    counterfactual="no-russian-intervention")["run_id"]  # fmt: skip
            print(f"two runs of 20 members through the API in {time.perf_counter() - t0:.1f} s")
            jobs = get(base, "/api/jobs")
            paths = ["/api/runs", f"/api/runs/{a}", f"/api/runs/{b}", "/api/scenarios",
                     "/api/scenarios/syria-2015", f"/api/jobs/{jobs[0]['id']}", "/api/health",
                     f"/api/runs/{a}/forecast", f"/api/compare?a={b}&b={a}"]  # fmt: skip
            for p in paths:  # the first ask fills the caches
                t0 = time.perf_counter()
                get(base, p)
                first = time.perf_counter() - t0
                if "forecast" in p or "compare" in p:
                    print(f"first {p}: {1000 * first:.0f} ms (computed, then cached)")
            server_cpu, my_cpu, busy = proc_cpu(server.pid), time.process_time(), machine_busy()
            wall, lat, errors = asyncio.run(load(port, paths, requests, clients))
            server_cpu = proc_cpu(server.pid) - server_cpu
            my_cpu = time.process_time() - my_cpu
            others = max(0.0, machine_busy() - busy - server_cpu - my_cpu)
            # the same load again while a run simulates on the worker (beside, not the headline)
            job = get(base, "/api/runs", {"scenario": "syria-2015", "members": 400, "seed": 2})
            while get(base, f"/api/jobs/{job['id']}")["state"] == "queued":
                time.sleep(0.05)
            busy_wall, busy_lat, busy_errors = asyncio.run(load(port, paths, requests, clients))
            still = get(base, f"/api/jobs/{job['id']}")["state"] == "running"
        finally:
            server.terminate()
            server.wait(30)
    rps = len(lat) / wall
    p50, p90, p99 = (1000 * np.quantile(lat, q) for q in (0.5, 0.9, 0.99))
    print(f"load: {len(lat):,} requests from {clients} concurrent keep-alive clients over "
          f"{len(paths)} read endpoints in {wall:.2f} s: {rps:,.0f} requests/s; latency p50 "
          f"{p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, max {1000 * lat.max():.1f} ms; "
          f"{len(errors)} errors")  # fmt: skip
    for e in errors[:5]:
        print(f"  error {e}")
    print(f"the same load while a 400-member run simulates on the worker"
          f"{'' if still else ' (the run ended before the load did)'}: "
          f"{len(busy_lat) / busy_wall:,.0f} requests/s, p99 "
          f"{1000 * np.quantile(busy_lat, 0.99):.1f} ms, {len(busy_errors)} errors")  # fmt: skip
    print(f"CPU seconds during the load: server {server_cpu:.2f}, this client {my_cpu:.2f}, "
          f"other processes {others:.2f} (of {wall * (os.cpu_count() or 1):.2f} available)")  # fmt: skip
    ok = not errors
    print(f"RESULT serve_rps {rps:.0f} req/s goal >= {GOAL_RPS} "
          f"{'ok' if rps >= GOAL_RPS and ok else 'short'}")  # fmt: skip
    print(f"RESULT serve_p99 {p99:.1f} ms goal <= {GOAL_P99_MS} "
          f"{'ok' if p99 <= GOAL_P99_MS and ok else 'short'}")  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
