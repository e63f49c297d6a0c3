"""Every message: round trip, equality, golden bytes, and clear errors on bad input."""
from __future__ import annotations

import hashlib

import msgpack
import numpy as np
import pytest

from fsw.bus import messages as m
from fsw.bus.message import DecodeError, Envelope
from sim_hal.backend.topics import sim_registry

from .samples import SAMPLES, T

REGISTRY = sim_registry()  # the flight software's topics and the simulator's: every wire format
ENV = Envelope("nav", 5)

# sha256 of the header bytes of each sample (golden bytes: a change here is a wire-format change, which
# must bump the message's SCHEMA_VERSION).
GOLDEN = {
    "actuators": "3ac962a2125f44b4",
    "altimeter": "cea7e559b56bf2d1",
    "board.health": "59ab2a9e1052243a",
    "cmd": "01d2279772b83f82",
    "cmd.ack": "c1a470c82e41035c",
    "event": "0c4060b0ebe5d669",
    "health.procs": "24d73f991a7821ee",
    "heartbeat": "7b3c67c63b196a87",
    "imu": "2f954670445e262a",
    "inclinometer": "1435ae1de5c0382c",
    "nav.state": "906faa1d5fefa938",
    "nav.track": "1b14398a1ade0e99",
    "navcam": "d5e0784cc4c35139",
    "rte": "d8a32b454b030ce7",
    "rte.request": "51bf1409860898a9",
    "sim.actuators": "2a300ec183e8a7b8",
    "sim.clock": "2d1ab3062fab08ff",
    "sim.navcam": "35093985e2e4436b",
    "sim.progress": "2cbe4ea05ddebea4",
    "sim.rte": "7479f74849ffa373",
    "sim.rte.request": "d7d92ab1d9629fa9",
    "sim.sensors": "98b7c4a1fab9ed8f",
    "sim.truth": "46b305a8fd05ce03",
    "tlm": "ac541b6bc87b714d",
}


def test_every_topic_has_a_sample() -> None:
    assert {t.name for t in REGISTRY} == set(SAMPLES)


@pytest.mark.parametrize("topic", sorted(SAMPLES))
def test_round_trip(topic: str) -> None:
    codec = REGISTRY[topic].codec
    header, pixels = codec.encode(SAMPLES[topic], ENV)
    msg, env = codec.decode(topic, header, None if pixels is None else pixels.data)
    assert msg == SAMPLES[topic]
    assert env == ENV


@pytest.mark.parametrize("topic", sorted(SAMPLES))
def test_golden_bytes(topic: str) -> None:
    header, _ = REGISTRY[topic].codec.encode(SAMPLES[topic], ENV)
    assert hashlib.sha256(header).hexdigest()[:16] == GOLDEN[topic]


def test_golden_bytes_of_a_heartbeat_in_full() -> None:
    header, _ = REGISTRY["heartbeat"].codec.encode(SAMPLES["heartbeat"], ENV)
    expected = msgpack.packb([1, "nav", 5, [T, "nav", 4242, 1, 123456]])
    assert header == expected
    # [version 1, "nav", seq 5, [t_ns (uint64), "nav", pid 4242 (uint16), READY, boot id 123456 (uint32)]]
    assert header.hex() == "9401a36e617605" "95cf17979cfe3d85cd15" "a36e6176" "cd1092" "01" "ce0001e240"


def test_equality_compares_pixels() -> None:
    a = SAMPLES["navcam"]
    b = m.NavcamFrame(a.t_ns, a.frame_seq, a.exposure_us, a.pixels.copy())
    assert a == b
    b.pixels.flags.writeable = True
    b.pixels[0, 0] ^= 1
    assert a != b
    assert a != m.NavcamFrame(a.t_ns + 1, a.frame_seq, a.exposure_us, a.pixels)


def test_pixels_are_not_copied_on_decode() -> None:
    codec = REGISTRY["navcam"].codec
    header, pixels = codec.encode(SAMPLES["navcam"], ENV)
    buf = bytearray(pixels.tobytes())
    msg, _ = codec.decode("navcam", header, memoryview(buf))
    buf[0] = 99
    assert msg.pixels[0, 0] == 99


@pytest.mark.parametrize("bad, kind", [
    (b"\xc1\xc1\xc1", "malformed"),
    (msgpack.packb({"a": 1}), "malformed"),
    (msgpack.packb([2, "nav", 1, [T, "nav", 1, 1, 1]]), "version"),
    (msgpack.packb([1, "nav", -1, [T, "nav", 1, 1, 1]]), "malformed"),
    (msgpack.packb([1, "nav", 1, [T, "nav", 1, 9, 1]]), "malformed"),  # no ProcState 9
    (msgpack.packb([1, "nav", 1, [T, "nav", "x", 1, 1]]), "malformed"),
    (msgpack.packb([1, "nav", 1, [T, "nav", 1, 1]]), "malformed"),
])
def test_bad_headers_raise_decode_error(bad: bytes, kind: str) -> None:
    with pytest.raises(DecodeError) as err:
        REGISTRY["heartbeat"].codec.decode("heartbeat", bad)
    assert err.value.kind == kind


def test_image_payload_size_must_match_header() -> None:
    codec = REGISTRY["navcam"].codec
    header, pixels = codec.encode(SAMPLES["navcam"], ENV)
    with pytest.raises(DecodeError, match="pixel frame of 10 bytes"):
        codec.decode("navcam", header, b"0123456789")
    with pytest.raises(DecodeError, match="without a pixel frame"):
        codec.decode("navcam", header, None)


def test_float_fields_accept_ints_and_reject_text() -> None:
    codec = REGISTRY["altimeter"].codec
    msg, _ = codec.decode("altimeter", msgpack.packb([1, "c", 0, [T, 12, True]]))
    assert msg.range_m == 12.0 and isinstance(msg.range_m, float)
    with pytest.raises(DecodeError, match="range_m: expected float"):
        codec.decode("altimeter", msgpack.packb([1, "c", 0, [T, "12", True]]))


def test_bool_is_not_an_int() -> None:
    with pytest.raises(DecodeError, match="t_ns: expected int"):
        REGISTRY["sim.clock"].codec.decode("sim.clock", msgpack.packb([2, "w", 0, [True, 1, 0.0, 0]]))


def test_array_dtype_is_kept() -> None:
    codec = REGISTRY["navcam"].codec
    frame = m.NavcamFrame(T, 1, 1.0, np.zeros((4, 4), dtype=np.uint16))
    header, pixels = codec.encode(frame, ENV)
    msg, _ = codec.decode("navcam", header, pixels.data)
    assert msg.pixels.dtype == np.uint16 and msg == frame


def test_numpy_scalars_encode_as_plain_values() -> None:
    codec = REGISTRY["altimeter"].codec
    msg = m.AltimeterSample(T, np.float64(2.5), np.bool_(True))
    header, _ = codec.encode(msg, ENV)
    assert codec.decode("altimeter", header)[0] == m.AltimeterSample(T, 2.5, True)
    with pytest.raises(TypeError, match="cannot encode object"):
        REGISTRY["tlm"].codec.encode(m.Telemetry(T, "x", {"bad": object()}), ENV)
