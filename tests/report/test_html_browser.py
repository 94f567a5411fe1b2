"""The report in a real browser (Debian's Chromium through pytest-playwright): nothing fetched while
it loads, the map draws every region, the slider changes the map; screenshots in test-artifacts/."""

from __future__ import annotations

import pytest

from ..conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_function("window.REPORT_READY === true", timeout=60_000)


def test_the_report_loads_offline_with_no_request_and_no_error(flagship_report, offline_page):
    path, _, figs, _ = flagship_report
    page, requests, errors = offline_page
    _open(page, path)
    page.wait_for_load_state("networkidle")
    assert requests == []
    assert errors == []
    drawn = page.evaluate("""() => [...document.querySelectorAll('div[data-figure]')]
        .filter(d => d.querySelector('.main-svg') && d.data && d.data.length > 0).length""")
    assert drawn == len(figs)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)


def _map_fills(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('#fig-map path.js-fill')]
        .map(p => p.style.fill + '/' + p.style.fillOpacity)""")


def test_the_map_draws_every_region_and_the_slider_moves_it(flagship_report, offline_page):
    path, _, figs, ds = flagship_report
    page, requests, _ = offline_page
    _open(page, path)
    kinds = [str(k) for k in ds["region_kind"].values]
    polygons = sum(k == "governorate" for k in kinds)
    points = len(kinds) - polygons
    page.locator("#fig-map").scroll_into_view_if_needed()
    before = _map_fills(page)
    assert len(before) == polygons
    assert page.locator("#fig-map .scatterlayer .trace:last-child .point").count() == points
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#fig-map").screenshot(path=str(ARTIFACTS / "map-first-month.png"))

    rail = page.locator("#fig-map .slider-rail-rect").bounding_box()
    page.mouse.click(rail["x"] + rail["width"] - 2, rail["y"] + rail["height"] / 2)
    page.wait_for_function(
        "document.getElementById('fig-map')._fullLayout.sliders[0].active > 0", timeout=10_000
    )
    page.wait_for_timeout(300)
    after = _map_fills(page)
    active = page.evaluate("document.getElementById('fig-map')._fullLayout.sliders[0].active")
    label = figs["map"]["frames"][active]["name"]
    assert f"month: {label}" in page.locator("#fig-map .slider-container").text_content()
    assert after != before
    page.locator("#fig-map").screenshot(path=str(ARTIFACTS / "map-last-month.png"))
    assert requests == []
