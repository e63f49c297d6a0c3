"""fprime-gds flies ginny: the real F Prime ground system (headless) against `ginny sim --ground --fprime`,
commands sent with fprime-cli, events and channels read back with fprime-gds's own test API, a file downlinked
into fprime-gds's storage, and a channel seen updating in fprime-gds's web UI."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.system.fprime import FprimeGds, satisfying
from tests.system.ground import PLANS

pytestmark = pytest.mark.timeout(300)
pytest.importorskip("fprime_gds")
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def gds(tmp_path_factory: pytest.TempPathFactory) -> FprimeGds:
    g = FprimeGds(tmp_path_factory.mktemp("fprime")).start()
    yield g
    g.stop()


def _completed(gds: FprimeGds, command: str, start: int, timeout_s: float = 30):
    """fprime-gds's dispatcher events for one command: dispatched, then completed."""
    opcode = gds.api.translate_command_name(command)
    return gds.api.await_event_sequence([gds.api.get_event_pred("cmdDisp.OpCodeDispatched", [opcode, None]),
                                         gds.api.get_event_pred("cmdDisp.OpCodeCompleted", [opcode])],
                                        start=start, timeout=timeout_s)


def test_a_refused_command_is_an_opcode_error_with_its_reason(gds: FprimeGds) -> None:
    api = gds.api
    start = api.get_event_test_history().size()
    gds.send("control.CAPTURE_RTE", "99999", "480")
    opcode = api.translate_command_name("control.CAPTURE_RTE")
    api.await_event_sequence([api.get_event_pred("cmdDisp.CommandResponse",
                                                 [opcode, satisfying("the reason", lambda text: "width_px=99999 is above" in text)]),
                              api.get_event_pred("cmdDisp.OpCodeError", [opcode, "VALIDATION_ERROR"])],
                             start=start, timeout=30)


def test_a_file_comes_down_into_fprime_gds(gds: FprimeGds) -> None:
    start = gds.api.get_event_test_history().size()
    gds.send("comm.DOWNLINK_FILE", "stack.toml")
    _completed(gds, "comm.DOWNLINK_FILE", start)
    want = (gds.vehicle.out / "stack.toml").read_bytes()
    got = gds.files / "fprime-downlink" / "stack.toml"
    gds.api.await_telemetry("comm.fprime_packets_down", satisfying(
        "the file whole", lambda n: got.exists() and got.read_bytes() == want), timeout=60)


def test_the_web_ui_shows_a_ginny_channel_updating(gds: FprimeGds) -> None:
    from playwright.sync_api import sync_playwright
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{gds.gui_port}/", wait_until="domcontentloaded")
            page.get_by_text("Channels", exact=True).first.click()
            page.locator("input:visible").first.fill("world.sim_s")
            row = page.locator("tr:visible", has_text="world.sim_s")
            row.wait_for(timeout=30_000)
            first = row.inner_text()
            page.wait_for_function("([name, before]) => [...document.querySelectorAll('tr')].some("
                                   "r => r.offsetParent && r.innerText.includes(name) && r.innerText !== before)",
                                   arg=["world.sim_s", first], timeout=30_000)
            assert "0x9" in first  # the world's channels are 0x9000 on
        finally:
            browser.close()


def test_fprime_cli_flies_the_vehicle_and_fprime_gds_sees_it(gds: FprimeGds) -> None:
    """Last: the flight ends the simulation."""
    api = gds.api
    api.await_telemetry("vehicle.mode", "IDLE", timeout=60)
    start = api.get_event_test_history().size()
    gds.send("comm.NO_OP")
    _completed(gds, "comm.NO_OP", start)
    api.await_event("comm.NO_OP", start=start, timeout=10)
    gds.send("nav.NO_OP")
    _completed(gds, "nav.NO_OP", start)
    for command, args in (("control.PLAN_UPLOAD", ("hop", (PLANS / "hop.toml").read_text())),
                          ("control.ARM", ()), ("control.PLAN_START", ())):
        at = api.get_event_test_history().size()
        gds.send(command, *args)
        _completed(gds, command, at)
    api.await_event("control.MODE", ["SPIN_UP -> TAKEOFF: flying hop"], start=start, timeout=60)
    api.await_telemetry("vehicle.altitude_m", satisfying("above 3 m", lambda v: v > 3.0), timeout=120)
    api.await_event("control.MODE", [satisfying("LANDED", lambda text: text.startswith("LAND -> LANDED"))],
                    start=start, timeout=180)
    api.await_telemetry("vehicle.mode", "LANDED", timeout=30)
    api.await_telemetry("control.mode", "LANDED", timeout=30)
