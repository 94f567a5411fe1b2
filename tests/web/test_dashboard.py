"""The dashboard in Chromium against a live server: start a small run and watch its progress bar
complete, open its report (every region on the map; the month slider changes the map), start a
counterfactual on the same seed and compare the two runs; nothing is fetched from anywhere but the
server. Screenshots go to test-artifacts/serve/."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

FLAGSHIP = "syria-2015"
CF = "no-russian-intervention"
MEMBERS = 20
SEED = 7


@pytest.fixture(scope="module")
def region_ids():
    import realpolitik as rp
    from realpolitik.web.catalogue import ROOT

    doc = rp.load(ROOT / "scenarios" / f"{FLAGSHIP}.yaml")
    return {n.id for n in doc.scenario.regions.nodes}


def start_run(page, counterfactual: str | None = None) -> tuple[str, list, list]:
    """Fill the form, start, and follow the new job's row until it is done: (run id, progress
    values seen, states seen)."""
    page.select_option("#scenario", FLAGSHIP)
    page.select_option("#counterfactual", counterfactual or "")
    page.fill("#members", str(MEMBERS))
    page.fill("#seed", str(SEED))
    before = page.locator("[data-testid=job]").count()
    page.click("#start-run")
    expect(page.locator("[data-testid=job]")).to_have_count(before + 1)
    job = page.locator("[data-testid=job]").first  # the newest is on top
    values, states = [], []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        values.append(float(job.locator("progress").evaluate("e => e.value")))
        states.append(job.get_attribute("data-state"))
        if states[-1] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert states[-1] == "done", job.inner_text()
    return job.get_attribute("data-run"), values, states


def test_dashboard_run_report_map_slider_and_compare(page, live_server, artifacts, region_ids):
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else foreign.append(r.url))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/")
    expect(page.locator("[data-testid=scenarios]")).to_contain_text(FLAGSHIP)

    # a small run: its progress bar moves and completes
    base, values, states = start_run(page)
    assert values[-1] == 1.0 and values == sorted(values)
    assert any(0 < v < 1 for v in values), values  # seen part done (chunks of 5 members)
    assert "running" in states
    expect(page.locator(f"#runs-body tr[data-run='{base}']")).to_contain_text("done")
    page.screenshot(path=artifacts / "dashboard-run-done.png", full_page=True)

    # a counterfactual on the same seed
    cf, _, _ = start_run(page, CF)

    # the base run's report, from the job's link: every region on the map
    with page.context.expect_page() as opened:
        page.locator(f"[data-testid=job][data-run='{base}'] a", has_text="report").click()
    report = opened.value
    report.set_viewport_size({"width": 1280, "height": 900})
    report.wait_for_load_state(timeout=300_000)
    report.wait_for_function("window.REPORT_READY === true", timeout=120_000)
    shown = report.evaluate("""() => {
        const gd = document.getElementById('fig-map');
        const regions = [];
        for (const t of gd.data) {
            if (t.meta && t.meta.region) regions.push(t.meta.region);
            if (t.meta && t.meta.regions) regions.push(...t.meta.regions);
        }
        const sites = gd.data.find(t => t.meta && t.meta.regions);
        return {regions, traces: gd.data.length,
                drawn: gd.querySelectorAll('.scatterlayer .trace').length,
                fills: gd.querySelectorAll('.scatterlayer .trace path.js-fill').length,
                points: gd.querySelectorAll('.scatterlayer .trace .point').length,
                sites: sites.x.length};
    }""")  # fmt: skip
    assert set(shown["regions"]) == region_ids
    assert shown["drawn"] == shown["traces"] and shown["fills"] == shown["traces"] - 1
    assert shown["points"] == shown["sites"]
    the_map = report.locator("#fig-map")
    the_map.scroll_into_view_if_needed()
    before_png = the_map.screenshot(path=artifacts / "report-map-first-month.png")
    colours = """() => {
        const gd = document.getElementById('fig-map');
        return JSON.stringify(gd.data.map(t => t.fillcolor || t.marker.color));
    }"""
    before = report.evaluate(colours)

    # move the slider to the last month: the map changes
    rail = the_map.locator(".slider-rail-touch-rect").bounding_box()
    report.mouse.click(rail["x"] + rail["width"] - 3, rail["y"] + rail["height"] / 2)
    report.wait_for_function(
        f"() => ({colours})() !== {before!r}", timeout=30_000
    )  # fmt: skip
    active = report.evaluate("document.getElementById('fig-map').layout.sliders[0].active")
    assert active > 0
    report.wait_for_timeout(300)
    after_png = the_map.screenshot(path=artifacts / "report-map-last-month.png")
    assert after_png != before_png
    report.screenshot(path=artifacts / "report.png")

    # compare the counterfactual with the base run: one row per question
    questions = next(s for s in page.request.get(live_server + "/api/scenarios").json()
                     if s["id"] == FLAGSHIP)["questions"]  # fmt: skip
    page.bring_to_front()
    page.select_option("#run-a", cf)
    page.select_option("#run-b", base)
    page.click("#compare-runs")
    rows = page.locator("[data-testid=differences] tbody tr")
    expect(rows).to_have_count(questions, timeout=120_000)
    expect(page.locator("[data-testid=compare-result]")).to_contain_text("same seed")
    assert rows.first.locator("td").count() == 6
    page.locator("#compare").screenshot(path=artifacts / "dashboard-compare.png")
    assert foreign == []  # offline: every request went to the server


def test_the_form_shows_the_servers_reason_for_a_bad_run(page, live_server, artifacts):
    page.goto(live_server + "/")
    page.select_option("#scenario", FLAGSHIP)
    page.fill("#members", "5000")  # above the server's --max-members 100
    page.click("#start-run")
    expect(page.locator("#form-error")).to_contain_text("at most 100 members")
    page.locator("#start").screenshot(path=artifacts / "dashboard-form-error.png")


def test_the_api_docs_render_offline(page, live_server, artifacts):
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else foreign.append(r.url))
    page.goto(live_server + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/runs").first).to_be_visible(
        timeout=60_000
    )
    assert page.locator(".opblock").count() >= 10
    page.screenshot(path=artifacts / "api-docs.png")
    assert foreign == []  # Swagger UI from the server's own files


def test_cancel_then_resume_from_the_dashboard(page, live_server, artifacts):
    page.goto(live_server + "/")
    page.select_option("#scenario", FLAGSHIP)
    page.select_option("#counterfactual", "")
    page.fill("#members", "100")  # 4 chunks of 25 on the one worker
    page.fill("#seed", "11")
    page.click("#start-run")
    job = page.locator("[data-testid=job]").first
    expect(job).to_have_attribute("data-state", "running", timeout=120_000)
    job.locator("button.cancel").click()
    expect(job).to_have_attribute("data-state", "cancelled", timeout=120_000)
    run_id = job.get_attribute("data-run")
    row = page.locator(f"#runs-body tr[data-run='{run_id}']")
    expect(row).to_contain_text("interrupted")
    row.locator("button.resume").click()
    resumed = page.locator("[data-testid=job]").first
    expect(resumed).to_have_attribute("data-run", run_id)
    expect(resumed).to_have_attribute("data-state", "done", timeout=300_000)
    expect(row).to_contain_text("100 / 100")
    page.screenshot(path=artifacts / "dashboard-cancel-resume.png", full_page=True)
