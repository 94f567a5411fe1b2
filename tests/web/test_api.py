"""The server's JSON API in process (TestClient): scenarios by id only, 422 with the reason for bad
parameters, the member and concurrency limits, runs with progress, forecasts and comparisons, the
report route's cache, offline docs, and the store it holds refused to a CLI run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from realpolitik.cli import app as cli_app
from realpolitik.store import Store
from realpolitik.web.app import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = "syria-2015"
CF = "no-russian-intervention"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An app on a fresh store: 1 worker, at most 50 members and 1 run at a time."""
    store = tmp_path_factory.mktemp("serve-api") / "runs.duckdb"
    settings = Settings(store=store, scenarios=[ROOT / "scenarios"], max_members=50,
                        max_concurrent_runs=1, workers=1)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client, store


def wait(client, job_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def reason(r) -> str:
    detail = r.json()["detail"]
    return detail if isinstance(detail, str) else "; ".join(d["msg"] for d in detail)


def test_scenarios_are_listed_and_named_by_id(server):
    client, _ = server
    listed = {s["id"]: s for s in client.get("/api/scenarios").json()}
    assert FLAGSHIP in listed and listed[FLAGSHIP]["valid"] and listed[FLAGSHIP]["runnable"]
    assert CF in [c["id"] for c in listed[FLAGSHIP]["counterfactuals"]]
    assert listed[FLAGSHIP]["questions"] > 0
    assert client.get(f"/api/scenarios/{FLAGSHIP}").json()["id"] == FLAGSHIP
    assert client.get("/api/scenarios/nope").status_code == 404


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..", ".hidden", "syria-2015.yaml",
     "..%2Fscenarios%2Fsyria-2015.yaml", "scenarios%2Fsyria-2015.yaml"],
)  # fmt: skip
def test_a_path_never_names_a_scenario(server, name):
    client, _ = server
    assert client.get(f"/api/scenarios/{name}").status_code in (404, 422)


@pytest.mark.parametrize(
    "scenario",
    ["../scenarios/syria-2015.yaml", "/etc/passwd", str(ROOT / "scenarios/syria-2015.yaml"),
     "scenarios/syria-2015.yaml", "syria-2015.yaml", "..", ""],
)  # fmt: skip
def test_a_run_of_a_path_is_refused_with_422(server, scenario):
    client, _ = server
    r = client.post("/api/runs", json={"scenario": scenario, "members": 2})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "scenario"]
    assert "by id" in reason(r) or "unknown scenario" in reason(r)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"members": 0}, "members", "greater than or equal to 1"),
        ({"members": 51}, "members", "at most 50 members"),
        ({"members": "many"}, "members", "valid integer"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"counterfactual": "nope"}, "counterfactual", "unknown counterfactual 'nope'"),
        ({"scenario": "nope"}, "scenario", "unknown scenario 'nope'"),
        ({"scenario": "assad-role-small"}, "scenario", "cannot be run"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_bad_parameters_are_422_with_the_reason(server, body, field, words):
    client, _ = server
    r = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 2} | body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert words in reason(r)


@pytest.mark.parametrize("path", ["/api/runs/XYZ", "/api/runs/../../etc", "/api/jobs/1",
                                  "/api/compare?a=1&b=2", "/runs/%2Fetc%2Fpasswd/report"])  # fmt: skip
def test_malformed_ids_are_422_or_404(server, path):
    client, _ = server
    assert client.get(path).status_code in (404, 422)


def test_a_run_with_its_progress_forecast_and_a_paired_comparison(server):
    client, _ = server
    r = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 12, "seed": 5})
    assert r.status_code == 202, r.text
    first = r.json()
    busy = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 12, "seed": 5})
    assert busy.status_code == 429 and "--max-concurrent-runs" in reason(busy)  # 1 at a time
    base = wait(client, first["id"])
    assert base["state"] == "done" and base["done"] == 12 and base["fraction"] == 1.0
    r = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 12, "seed": 5,
                                       "counterfactual": CF})  # fmt: skip
    job = r.json()
    with client.stream("GET", f"/api/jobs/{job['id']}/events") as events:  # server-sent events
        states = [line for line in events.iter_lines() if line.startswith("data:")]
    assert '"state": "done"' in states[-1] and len(states) >= 2
    cf = client.get(f"/api/jobs/{job['id']}").json()

    runs = {r["id"]: r for r in client.get("/api/runs").json()}
    assert runs[base["run_id"]]["status"] == "done" and runs[base["run_id"]]["stored"] == 12
    assert runs[cf["run_id"]]["counterfactual"] == CF
    assert client.get(f"/api/runs/{cf['run_id']}").json()["members"] == 12
    answers = client.get(f"/api/runs/{base['run_id']}/forecast").json()["answers"]
    assert answers and all(a["members"] == 12 for a in answers)

    c = client.get(f"/api/compare?a={cf['run_id']}&b={base['run_id']}").json()
    assert c["same_seed"] and c["members"] == 12 and len(c["differences"]) == len(answers)
    for d in c["differences"]:
        assert d["low"] <= d["mean"] <= d["high"]
        assert d["mean"] == pytest.approx(d["a"] - d["b"])
    same = client.get(f"/api/compare?a={base['run_id']}&b={base['run_id']}").json()
    assert all(d["mean"] == 0 for d in same["differences"])
    assert client.get("/api/compare?a=00000000&b=00000000").status_code == 404


def test_a_cancelled_run_stops_is_left_interrupted_and_is_resumed(server):
    client, _ = server
    job = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 40, "seed": 2}).json()
    while client.get(f"/api/jobs/{job['id']}").json()["state"] == "queued":
        time.sleep(0.02)  # registered: the run has an id (4 chunks of 10 members to go)
    r = client.post(f"/api/jobs/{job['id']}/cancel")
    assert r.status_code == 202 and r.json()["cancel"]
    job = wait(client, job["id"])
    assert job["state"] == "cancelled" and job["done"] < 40
    run = client.get(f"/api/runs/{job['run_id']}").json()
    assert run["status"] == "interrupted" and run["stored"] == job["done"]  # kept, resumable
    assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 409
    assert client.post("/api/jobs/000000000000/cancel").status_code == 404
    again = client.post(f"/api/runs/{job['run_id']}/resume")  # the same run, finished
    assert again.status_code == 202, again.text
    done = wait(client, again.json()["id"])
    assert done["state"] == "done" and done["run_id"] == job["run_id"] and done["done"] == 40
    assert client.get(f"/api/runs/{job['run_id']}").json()["stored"] == 40
    assert client.post(f"/api/runs/{job['run_id']}/resume").status_code == 409


def test_the_report_is_written_once_into_the_store_and_then_served(server, monkeypatch):
    client, store = server
    done = [r for r in client.get("/api/runs").json() if r["status"] == "done"]
    if not done:
        job = client.post("/api/runs", json={"scenario": FLAGSHIP, "members": 4}).json()
        wait(client, job["id"])
        done = [r for r in client.get("/api/runs").json() if r["status"] == "done"]
    run = done[0]
    calls = []

    def write_report(source, out, *, store=None, members=200, seed=1, progress=None):
        calls.append((source, store, members, seed))
        Path(out).write_text(f"<html><body>report of {source}</body></html>")
        return Path(out)

    fake = types.ModuleType("realpolitik.report.html")
    fake.write_report = write_report
    monkeypatch.setitem(sys.modules, "realpolitik.report.html", fake)
    for _ in range(2):
        r = client.get(f"/runs/{run['id']}/report")
        assert r.status_code == 200 and f"report of {run['id']}" in r.text
        assert r.headers["content-type"].startswith("text/html")
    assert calls == [(run["id"], store, run["members"], run["seed"])]  # written once, then cached
    assert len(list(Store(store).run_dir(run["id"]).glob("report-*.html"))) == 1
    assert client.get("/runs/00000000/report").status_code == 404


def test_openapi_and_offline_docs(server):
    client, _ = server
    spec = client.get("/openapi.json").json()
    assert {"/api/runs", "/api/scenarios", "/api/compare", "/api/jobs/{job_id}"} <= set(
        spec["paths"]
    )
    assert "RunRequest" in spec["components"]["schemas"]
    docs = client.get("/docs").text
    assert "http://" not in docs and "https://" not in docs  # no CDN: Swagger UI from local files
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        src = next(part.split('"')[0] for part in docs.split('="') if part.startswith("/") and asset in part)  # fmt: skip
        assert client.get(src).status_code == 200
    page = client.get("/").text
    assert "http://" not in page.replace("http://127", "") and "https://" not in page
    assert client.get("/static/app.js").status_code == 200


def test_a_cli_run_against_the_held_store_fails_clearly(server):
    _, store = server
    env = dict(os.environ, REALPOLITIK_STORE_TIMEOUT="0.5", COLUMNS="200",
               PYTHONPATH=str(ROOT / "src"))  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-m", "realpolitik", "run", str(ROOT / "scenarios/syria-2015.yaml"),
         "-n", "2", "-w", "1", "--store", str(store)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "held by realpolitik serve" in r.stderr and f"PID {os.getpid()}" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_serve_refuses_bad_options_with_exit_2(tmp_path):
    r = CliRunner().invoke(cli_app, ["serve", "--scenarios", str(tmp_path / "missing"),
                                     "--store", str(tmp_path / "runs.duckdb")])  # fmt: skip
    assert r.exit_code == 2 and "not a folder" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli_app, ["serve", "--workers", "0",
                                     "--store", str(tmp_path / "runs.duckdb")])  # fmt: skip
    assert r.exit_code == 2 and "--workers" in r.output


def test_serve_refuses_a_port_in_use_with_exit_2(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = CliRunner().invoke(cli_app, ["serve", "--port", str(port),
                                         "--store", str(tmp_path / "runs.duckdb")])  # fmt: skip
    assert r.exit_code == 2 and "cannot listen there" in r.output and "Traceback" not in r.output


def test_a_second_server_on_the_held_store_exits_2(server):
    _, store = server
    env = dict(os.environ, REALPOLITIK_STORE_TIMEOUT="0.5", PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([sys.executable, "-m", "realpolitik", "serve", "--port", "0", "--store",
                        str(store)], capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert r.returncode == 2 and "held by realpolitik serve" in r.stderr
    assert "Traceback" not in r.stderr
