"""What `ginny bus top/echo` compute and print, on fixed inputs (golden output)."""
from __future__ import annotations

from fsw.bus.introspect import TOP_HEADER, RateMeter, describe, format_table, top_cells, top_row
from fsw.bus.stats import TopicStats
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS, NS_PER_S

from .samples import SAMPLES


def test_rate_meter_over_a_sliding_window() -> None:
    meter = RateMeter(window_ns=NS_PER_S)
    for i in range(31):
        meter.add(i * NS_PER_S // 30)
    assert abs(meter.rate_hz(NS_PER_S) - 30.0) < 1e-9
    assert meter.rate_hz(5 * NS_PER_S) == 0.0  # everything aged out


def test_top_table_golden() -> None:
    stats = TopicStats(received=300, gaps=2, malformed=1, last_recv_ns=10 * NS_PER_S - 20 * NS_PER_MS, publishers={"camera"})
    meter = RateMeter()
    for i in range(61):
        meter.add(8 * NS_PER_S + i * 2 * NS_PER_S // 60)
    rows = [top_cells(top_row("navcam", stats, meter, 10 * NS_PER_S)),
            top_cells(top_row("rte", TopicStats(), RateMeter(), 0))]
    assert format_table(TOP_HEADER, rows) == (
        "topic   pubs  rate Hz  msgs  gaps  errors  age ms\n"
        "navcam     1     30.0   300     2       1      20\n"
        "rte        0      0.0     0     0       0       -")


def test_describe_golden() -> None:
    lines = [describe(Received(t, "nav", 7, SAMPLES[t], 0)) for t in ("navcam", "imu", "cmd", "health.procs")]
    assert lines == [
        "navcam nav#7 t_ns=1700000000123456789 frame_seq=1620 exposure_us=250 "
        "pixels=<image 640x480 uint8 mean 125.0>",
        "imu nav#7 t_ns=1700000000123456789 gyro_radps=[0.01, -0.02, 0.03] accel_mps2=[0.1, -0.2, -3.71] "
        "temperature_c=25",
        "cmd nav#7 t_ns=1700000000123456789 cmd_id=77 name='SET_PARAM' target='control' "
        "args={name: 'kp', value: 1.5}",
        "health.procs nav#7 t_ns=1700000000123456789 processes=[(name='nav' pid=4242 state=READY cpu_pct=12.5 "
        "rss_bytes=50000000 restarts=1 heartbeat_age_ms=42 cpu_s=3.25)]",
    ]
