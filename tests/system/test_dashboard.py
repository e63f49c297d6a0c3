"""The web dashboard in headless Chromium (Debian's package, driven by Playwright): the page loads, a chart
follows a simulated flight flown from the ground, a NO_OP sent from the command panel shows OK, a bad argument
is stopped in the page, and the link indicator turns red when the link is cut."""
from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import wait_until
from tests.system.ground import PLANS, GroundFlight, connected, free_port, outage_spec

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def web(flight: GroundFlight) -> str:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "ground", "--endpoint", flight.endpoint,
                             "--keys", str(flight.keys), "web", "--port", str(port), "--truth", flight.truth],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    wait_until(lambda: _up(url), 30, lambda: proc.poll() is None or pytest.fail(proc.communicate()[0]),
               what="the dashboard to serve")
    yield url
    proc.terminate()
    proc.communicate(timeout=15)


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def page(web: str):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        pg = browser.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(web)
        yield pg
        browser.close()
        assert errors == [], errors


def test_the_page_loads_with_its_charts_and_a_live_link(page) -> None:
    assert page.title() == "ginny ground station"
    page.wait_for_function("document.getElementById('chart-altitude').data !== undefined")
    page.wait_for_selector("#link.up", timeout=45_000)
    options = page.eval_on_selector_all("#cmd-name option", "os => os.map(o => o.value)")
    assert {"NO_OP", "ARM", "PLAN_UPLOAD", "FAULT_INJECT", "HEALTH_REPORT"} <= set(options)


def test_no_op_from_the_command_panel_shows_ok(page) -> None:
    page.select_option("#cmd-name", "NO_OP")
    page.click("#cmd-send")
    page.wait_for_function("document.getElementById('cmd-result').textContent.startsWith('NO_OP OK')")
    page.wait_for_selector("#events td:text('NO_OP')", timeout=15_000)


def test_a_bad_argument_is_stopped_in_the_page(page) -> None:
    page.select_option("#cmd-name", "CAPTURE_RTE")
    page.fill("input[name=width_px]", "5")
    page.click("#cmd-send")
    result = page.text_content("#cmd-result")
    assert "VALIDATION_ERROR" in result and "not sent" in result and "width_px" in result


def test_the_link_indicator_turns_red_when_the_link_is_cut(flight, page) -> None:
    ground = connected(flight)
    try:
        spec = outage_spec(ground)
    finally:
        ground.link.close()
    page.select_option("#cmd-name", "FAULT_INJECT")
    page.fill("input[name=spec]", spec)
    page.click("#cmd-send")
    page.wait_for_function("document.getElementById('cmd-result').textContent.startsWith('FAULT_INJECT OK')")
    page.wait_for_selector("#link.down", timeout=25_000)
    assert page.text_content("#link") == "LINK DOWN"
    page.wait_for_selector("#link.up", timeout=45_000)


def test_a_chart_follows_a_flight_flown_from_the_ground(flight, page) -> None:
    ground = connected(flight)
    try:
        ground.send_and_assert_command("PLAN_UPLOAD", {"name": "hop", "text": (PLANS / "hop.toml").read_text()})
        ground.send_and_assert_command("ARM")
        ground.send_and_assert_command("PLAN_START")
        page.wait_for_function("Math.max(...document.getElementById('chart-altitude').data[0].y) > 2.0",
                               timeout=120_000)
        page.wait_for_function("document.getElementById('chart-map').data[1].x.length > 10")  # the truth too
    finally:
        ground.link.close()
