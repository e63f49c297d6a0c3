"""The topic registry: for each topic, its message type, its publisher and its delivery policy."""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fsw.bus import messages as m
from fsw.bus.message import Codec, Message

EVERY_PROCESS = "*"
MAX_BUNDLE = 100  # messages of a stream topic in one bus message; a bigger bundle is malformed


class Delivery(enum.Enum):
    """LATEST: a reader wants the newest value and older ones may be dropped (sensor streams, images).
    QUEUE: every message matters and waits in a deep queue (commands, events, IMU samples)."""

    LATEST = "latest"
    QUEUE = "queue"


@dataclass(frozen=True)
class Topic:
    name: str
    message: type[Message]
    publisher: str  # process name, or EVERY_PROCESS for topics that every flight process publishes
    delivery: Delivery
    hwm: int  # ZeroMQ high-water mark on both ends, in messages
    max_header_bytes: int = 64 * 1024
    hal: bool = False  # carried by the sim HAL backend's own sockets, not by the process's runtime
    stream: bool = False  # a high-rate stream nobody waits on message by message: its publisher may send it
    # in bundles ([processes.X] bundle)
    codec: Codec = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codec", Codec.for_class(self.message))


class UnknownTopic(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class TopicRegistry:
    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics = {t.name: t for t in topics}

    def __getitem__(self, name: str) -> Topic:
        try:
            return self._topics[name]
        except KeyError:
            raise UnknownTopic(f"unknown topic {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._topics

    def __iter__(self) -> Iterator[Topic]:
        return iter(self._topics.values())

    def extended(self, topics: Iterable[Topic]) -> "TopicRegistry":
        """This registry with more topics (a HAL backend's own, added when the stack is built)."""
        return TopicRegistry([*self, *topics])

    def published_by(self, process: str) -> list[Topic]:
        """Every topic `process` publishes, its HAL backend's included (they set the tcp port order)."""
        return [t for t in self if t.publisher in (process, EVERY_PROCESS)]


def default_registry() -> TopicRegistry:
    """Every topic of the flight software's bus (a HAL backend may add its own: `TopicRegistry.extended`)."""
    q, latest = Delivery.QUEUE, Delivery.LATEST
    return TopicRegistry([
        Topic("heartbeat", m.Heartbeat, EVERY_PROCESS, q, 100),
        Topic("event", m.Event, EVERY_PROCESS, q, 10_000),
        Topic("tlm", m.Telemetry, EVERY_PROCESS, q, 1_000),
        Topic("cmd.ack", m.CommandAck, EVERY_PROCESS, q, 1_000),
        Topic("cmd", m.Command, "comm", q, 1_000),
        Topic("health.procs", m.ProcessStats, "health", latest, 4),
        Topic("board.health", m.BoardHealth, "health", latest, 4),
        Topic("imu", m.ImuSample, "control", q, 2_000, stream=True),
        Topic("altimeter", m.AltimeterSample, "control", q, 200),
        # queued, not latest-value: 10 Hz, and the flight log must hold every sample (a dropped one would make
        # two logs of the same lockstep flight differ)
        Topic("inclinometer", m.InclinometerSample, "control", q, 200),
        # every command: nav learns the takeoff time from them
        Topic("actuators", m.ActuatorCommand, "control", q, 2_000, stream=True),
        Topic("rte.request", m.RteRequest, "control", q, 16),
        # frames queue (0.4 s deep): nav must see every one, in order; a drop is a counted gap, never a skip
        Topic("navcam", m.NavcamFrame, "camera", q, 12),
        Topic("rte", m.ColourImage, "camera", q, 8),
        Topic("nav.state", m.NavState, "nav", q, 200),
        Topic("nav.track", m.NavTrack, "nav", q, 200),
    ])
