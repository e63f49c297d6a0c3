"""The simulator's topics: between the world and the sim backend, and the world's truth and summary. The sim
backend adds them to the registry when a stack is built on it (`hal.backend.backend_topics`); the flight
software's own registry (`fsw.bus.topics.default_registry`) does not know them."""
from __future__ import annotations

from fsw.bus import messages as m
from fsw.bus.topics import EVERY_PROCESS, Delivery, Topic, TopicRegistry, default_registry
from sim_hal.backend import messages as sm


def sim_topics() -> list[Topic]:
    q = Delivery.QUEUE
    return [
        Topic("sim.clock", sm.ClockTick, "world", q, 1_000),
        Topic("sim.sensors", sm.SimSensors, "world", q, 5_000, hal=True),
        Topic("sim.navcam", m.NavcamFrame, "world", q, 16, hal=True),
        Topic("sim.rte", m.ColourImage, "world", q, 4, hal=True),
        Topic("sim.truth", sm.SimTruth, "world", q, 5_000),
        Topic("sim.actuators", m.ActuatorCommand, "control", q, 5_000, hal=True),
        Topic("sim.rte.request", m.RteRequest, "camera", q, 16, hal=True),
        # a lockstep participant's time source says what it has taken in (sim_hal/backend/timesource.py)
        Topic("sim.progress", sm.LockstepProgress, EVERY_PROCESS, q, 1_000, hal=True),
    ]


def sim_registry() -> TopicRegistry:
    """The flight software's topics and the simulator's: what a stack on the sim backend, the world and the
    tools that read its logs use."""
    return default_registry().extended(sim_topics())
