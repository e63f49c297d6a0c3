"""fprime-gds flies ginny: the real F Prime ground system (headless) against `ginny sim --ground --fprime`,
commands sent with fprime-cli, events and channels read back with fprime-gds's own test API, a file downlinked
into fprime-gds's storage, malformed frames from a second ground each counted, and a channel seen updating in
fprime-gds's web UI. (The test API's awaits return None or a short list on a timeout: every one is checked.)"""
from __future__ import annotations

from pathlib import Path
from typing import Any

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


def seen(found: Any, what: str) -> Any:
    assert found, f"fprime-gds did not see {what}"
    return found


def events_in_order(gds: FprimeGds, preds: list, start: int, timeout_s: float = 90) -> list:
    """(A command may wait a while on a loaded two-core machine: the lockstep vehicle runs flat out while it
    waits for the ground, and fprime-cli and fprime-gds are Python processes of their own.)"""
    found = gds.api.await_event_sequence(preds, start=start, timeout=timeout_s)
    assert len(found) == len(preds), f"fprime-gds saw {len(found)} of {preds}"
    return found


def completed(gds: FprimeGds, command: str, start: int) -> list:
    """fprime-gds's dispatcher events for one command: dispatched, then completed."""
    api, opcode = gds.api, gds.api.translate_command_name(command)
    return events_in_order(gds, [api.get_event_pred("cmdDisp.OpCodeDispatched", [opcode, None]),
                                 api.get_event_pred("cmdDisp.OpCodeCompleted", [opcode])], start)


def test_the_vehicle_says_its_f_prime_link_has_no_authentication(gds: FprimeGds) -> None:
    """Once the stack is up, and to each ground that connects: fprime-gds's own event log has both."""
    api = gds.api
    for name in ("comm.FPRIME_LINK_OPEN", "comm.FPRIME_GROUND_CONNECTED"):
        event = seen(api.await_event(name, start=0, timeout=60), name)
        assert "no authentication" in event.get_args()[0].val
        assert str(event.get_severity()) == "EventSeverity.WARNING_LO"
    assert "127.0.0.1:" in api.await_event("comm.FPRIME_LINK_OPEN", start=0, timeout=1).get_args()[0].val


def test_a_refused_command_is_an_opcode_error_with_its_reason(gds: FprimeGds) -> None:
    api = gds.api
    start = api.get_event_test_history().size()
    gds.send("control.CAPTURE_RTE", "99999", "480")
    opcode = api.translate_command_name("control.CAPTURE_RTE")
    why = satisfying("the reason", lambda text: "width_px=99999 is above the maximum" in text)
    events_in_order(gds, [api.get_event_pred("cmdDisp.OpCodeDispatched", [opcode, None]),
                          api.get_event_pred("cmdDisp.CommandResponse", [opcode, why]),
                          api.get_event_pred("cmdDisp.OpCodeError", [opcode, "VALIDATION_ERROR"])], start)


def test_a_file_comes_down_into_fprime_gds(gds: FprimeGds) -> None:
    start = gds.api.get_event_test_history().size()
    gds.send("comm.DOWNLINK_FILE", "stack.toml")
    completed(gds, "comm.DOWNLINK_FILE", start)
    want = (gds.vehicle.out / "stack.toml").read_bytes()
    got = gds.files / "fprime-downlink" / "stack.toml"
    seen(gds.api.await_telemetry("comm.fprime_packets_down", satisfying(
        "the file whole", lambda n: got.exists() and got.read_bytes() == want), timeout=60), "the file whole")


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
            assert "0x9" in first  # the world's channels are 0x9000 on
            page.wait_for_function("([name, before]) => [...document.querySelectorAll('tr')].some("
                                   "r => r.offsetParent && r.innerText.includes(name) && r.innerText !== before)",
                                   arg=["world.sim_s", first], timeout=30_000)
        finally:
            browser.close()


def test_malformed_frames_on_the_fprime_link_are_each_counted_and_the_vehicle_goes_on(gds: FprimeGds) -> None:
    """A second ground beside fprime-gds sends 300 malformed frames (fprime-gds's framers, decoded by its
    decoders): each bad packet gets exactly one refusal event, each bad CRC is counted, noise is skipped."""
    from ground.fprimelink import fuzz_fprime
    r = fuzz_fprime(gds.dictionary, gds.port, gds.framing, 300, seed=7)
    assert r["fprime_fuzz_refusals"] == r["fprime_fuzz_refusals_expected"] > 150
    assert r["fprime_fuzz_bad_checks"] == r["fprime_fuzz_bad_checks_expected"] > 10
    assert r["fprime_fuzz_bytes_discarded"] >= r["fprime_fuzz_bytes_discarded_expected"]  # and fprime-gds's keepalives
    start = gds.api.get_event_test_history().size()
    gds.send("comm.NO_OP")  # fprime-gds still commands it
    completed(gds, "comm.NO_OP", start)


def test_fprime_cli_flies_the_vehicle_and_fprime_gds_sees_it(gds: FprimeGds) -> None:
    """Last: the flight ends the simulation."""
    api = gds.api
    start = api.get_event_test_history().size()
    for command, args in (("comm.NO_OP", ()), ("nav.NO_OP", ()),
                          ("control.PLAN_UPLOAD", ("jump", (PLANS / "jump.toml").read_text())),
                          ("control.SPIN_UP_S_PRM_SET", ("3.0",)),  # an F Prime parameter: SET_PARAM spin_up_s
                          ("control.ARM", ()), ("control.PLAN_START", ())):
        at = api.get_event_test_history().size()
        gds.send(command, *args)
        completed(gds, command, at)
    seen(api.await_event("comm.NO_OP", start=start, timeout=10), "comm's NO_OP event")
    seen(api.await_event("control.PARAM_SET", [satisfying("spin_up_s 3", lambda t: "spin_up_s" in t and "3" in t)],
                         start=start, timeout=10), "the parameter set")
    mode = lambda text: api.get_event_pred("control.MODE", [satisfying(text, lambda t: t.startswith(text))])
    events_in_order(gds, [mode("ARMED -> SPIN_UP"), mode("SPIN_UP -> TAKEOFF"), mode("TAKEOFF -> FLY"),
                          mode("FLY -> LAND"), mode("LAND -> LANDED")], start, timeout_s=180)
    samples = api.get_telemetry_test_history().retrieve()  # the LANDED event says the outcome: the simulation
    value = lambda name: [c.get_val() for c in samples if c.template.get_full_name() == name]  # ends with it
    assert max(value("vehicle.altitude_m")) > 2.5  # the jump's 3 m
    heights = value("vehicle.height_m")  # the simulation may end before a sample from the ground goes down:
    assert heights[-1] < max(heights) / 2  # the last ones show the descent (the LANDED event says the rest)
    assert {"SPIN_UP", "TAKEOFF", "FLY", "LAND"} <= set(value("vehicle.mode"))
