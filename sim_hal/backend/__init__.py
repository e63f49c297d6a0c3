"""The sim backend of the HAL: every device contract served by the simulated world over the bus, the sim
topics and messages it adds to the registry, and the time source that drives a simulated flight clock."""
from sim_hal.backend.devices import SimBackend
from sim_hal.backend.topics import sim_topics as TOPICS

__all__ = ["SimBackend", "TOPICS"]
