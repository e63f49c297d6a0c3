"""Fuzzed outside input (hypothesis): bus message headers, flight logs, plan and stack config files, ground
commands, fault specs and replay datasets. None may raise anything but its own clear error type.

GINNY_FUZZ_EXAMPLES=10000 runs that many inputs per test (the campaign figure); by default a few hundred."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

from fsw.bus.message import DecodeError, Envelope
from sim_hal.backend.topics import sim_registry
from fsw.config import ConfigError
from fsw.control.plan import load_plan
from fsw.logger.logfile import FILE_MAGIC, Kind, NotALog, ReadReport, frame, read_records
from fsw.comm.radio import parse_link_fault
from fsw.config.sensors import load_sensors
from fsw.config.stack import load_stack
from fsw.health.faults import parse_process_fault
from fsw.nav.replay import DatasetError, load_dataset
from fsw.runtime.commands import CommandRejected, default_dictionary
from sim_hal.model.faults import FaultSpecError, parse_fault
from tests.fsw.bus.samples import SAMPLES

EXAMPLES = os.environ.get("GINNY_FUZZ_EXAMPLES")


def examples(default: int) -> int:
    return int(EXAMPLES) if EXAMPLES else default


REGISTRY = sim_registry()
SENSORS = load_sensors()
TOPICS = sorted(t for t in SAMPLES if REGISTRY[t].codec.payload_index < 0)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.floats(), st.text(max_size=20),
                    st.binary(max_size=20))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=6) | st.dictionaries(st.text(max_size=8), c,
                                                                                       max_size=4), max_leaves=20)


@settings(max_examples=examples(400), deadline=None)
@given(topic=st.sampled_from(TOPICS), data=st.binary(max_size=300))
def test_random_bytes_never_crash_a_decoder(topic: str, data: bytes) -> None:
    try:
        REGISTRY[topic].codec.decode(topic, data)
    except DecodeError:
        pass


@settings(max_examples=examples(400), deadline=None)
@given(topic=st.sampled_from(TOPICS), fields=st.lists(values, max_size=12), version=st.integers(0, 3))
def test_well_formed_msgpack_with_wrong_contents_is_a_decode_error(topic: str, fields: list, version: int) -> None:
    header = msgpack.packb([version, "nav", 1, fields], use_bin_type=True)
    try:
        REGISTRY[topic].codec.decode(topic, header)
    except DecodeError:
        pass


@settings(max_examples=examples(300), deadline=None)
@given(topic=st.sampled_from(TOPICS), cut=st.integers(0, 2000), flips=st.lists(st.integers(0, 2000), max_size=8))
def test_damaged_logs_read_without_crashing(topic: str, cut: int, flips: list[int]) -> None:
    header, _ = REGISTRY[topic].codec.encode(SAMPLES[topic], Envelope("nav", 1))
    data = bytearray(FILE_MAGIC + b"".join(frame(Kind.MESSAGE, topic, i, header) for i in range(6)))
    for f in flips:
        if f < len(data):
            data[f] ^= 0x5A
    report = ReadReport()
    try:
        records = list(read_records(bytes(data[:cut]), report))
    except NotALog:
        return
    for r in records:  # what survives the CRC decodes or says why not
        try:
            REGISTRY[topic].codec.decode(topic, r.body)
        except DecodeError:
            pass


@settings(max_examples=examples(300), deadline=None)
@given(text=st.text(max_size=400))
def test_random_plan_files_are_refused_with_a_config_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "plan.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_plan(path)
        except ConfigError:
            pass


@settings(max_examples=examples(300), deadline=None)
@given(table=st.dictionaries(st.sampled_from(["name", "takeoff_altitude_m", "waypoints", "limits", "terrain",
                                              "captures", "start_hold_s", "other"]), values, max_size=6))
def test_plan_tables_of_any_shape_are_refused_with_a_config_error(table: dict) -> None:
    import tomli_w

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "plan.toml"
        try:
            path.write_text(tomli_w.dumps(table), encoding="utf-8")
        except (TypeError, ValueError):
            return  # not expressible as TOML
        try:
            load_plan(path)
        except ConfigError:
            pass


@settings(max_examples=examples(300), deadline=None)
@given(name=st.sampled_from([c.name for c in default_dictionary()] + ["NOPE", ""]),
       args=st.dictionaries(st.text(max_size=12) | st.sampled_from(["width_px", "name", "value", "text", "spec"]),
                            values, max_size=4))
def test_ground_commands_are_validated_or_rejected_with_a_result(name: str, args: dict) -> None:
    try:
        default_dictionary().validate(name, args)
    except CommandRejected as exc:
        assert exc.result.name in ("INVALID_COMMAND", "VALIDATION_ERROR", "FORMAT_ERROR")


@settings(max_examples=examples(300), deadline=None)
@given(spec=st.text(max_size=40) | st.from_regex(r"(proc|link|navcam|imu)\.[a-z]{1,8}@[0-9.:=]{0,12}", fullmatch=True))
def test_fault_specs_parse_or_are_refused_with_the_reason(spec: str) -> None:
    for parse in (parse_fault, parse_process_fault, parse_link_fault):
        try:
            parse(spec)
        except FaultSpecError as exc:
            assert exc.reason


@settings(max_examples=examples(200), deadline=None)
@given(table=st.dictionaries(st.sampled_from(["stack", "health", "nav", "flight", "comm", "logger", "board",
                                              "processes", "other"]), values, max_size=5))
def test_stack_configs_of_any_shape_are_refused_with_a_config_error(table: dict) -> None:
    import tomli_w

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "stack.toml"
        try:
            path.write_text(tomli_w.dumps(table), encoding="utf-8")
        except (TypeError, ValueError):
            return
        try:
            load_stack(path)
        except ConfigError:
            pass


@settings(max_examples=examples(200), deadline=None)
@given(imu=st.text(max_size=300), cam=st.text(max_size=200), alt=st.text(max_size=200))
def test_replay_datasets_of_any_content_are_refused_naming_the_file(imu: str, cam: str, alt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "mav0"
        for sub, text in (("imu0", imu), ("cam0", cam), ("altimeter0", alt)):
            (root / sub).mkdir(parents=True)
            (root / sub / "data.csv").write_text(text, encoding="utf-8")
        try:
            load_dataset(d, SENSORS)
        except DatasetError as exc:
            assert "mav0" in str(exc) or d in str(exc)
