import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs every property test on a fixed sequence of examples (reproducible, never flaky); a developer's
# run explores new examples each time and keeps failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _run_store(tmp_path_factory, monkeypatch):
    """No test writes to ~/.realpolitik: the run store defaults to one in the session's temp folder."""
    monkeypatch.setenv("REALPOLITIK_STORE", str(tmp_path_factory.getbasetemp() / "runs.duckdb"))


@pytest.fixture
def mini_path() -> Path:
    return DATA / "mini.yaml"


@pytest.fixture
def mini_text(mini_path) -> str:
    return mini_path.read_text()


FLAGSHIP = ROOT / "scenarios" / "syria-2015.yaml"
FLAGSHIP_QUESTIONS = ROOT / "data" / "questions" / "questions-syria-2015.yaml"
FLAGSHIP_OUTCOMES = ROOT / "data" / "questions" / "outcomes-dev.yaml"


@pytest.fixture(scope="session")
def flagship_runs(tmp_path_factory):
    """A small stored run of the flagship (40 members, seed 3) and its no-russian-intervention
    counterfactual on the same seed, in a session store: (store, base run, counterfactual run).
    Shared by the report, sensitivity and server tests."""
    import realpolitik as rp
    from realpolitik.store import Store

    st = Store(tmp_path_factory.mktemp("flagship-store") / "runs.duckdb", timeout=5)
    doc = rp.load(FLAGSHIP)
    base = rp.run(doc, 40, 3, workers=1, store=st)
    cf = rp.run(doc, 40, 3, "no-russian-intervention", workers=1, store=st)
    return st, base, cf


CHROMIUM = (
    "/usr/bin/chromium"  # Debian's, which the Makefile installs (Playwright cannot fetch one)
)
ARTIFACTS = ROOT / "test-artifacts"  # screenshots of the browser tests (gitignored)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (Playwright cannot download a browser here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def offline_page(browser):
    """A page whose context aborts every request not to a ``file:`` URL and records it:
    (page, recorded URLs, page errors)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    requests: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, requests, errors
    context.close()
