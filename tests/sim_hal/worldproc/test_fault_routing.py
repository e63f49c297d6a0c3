"""Where each fault of a flight goes: the world, the supervisor or the radio; a plan may carry its own."""
from __future__ import annotations

import pytest

from fsw.comm.radio import LinkFault
from fsw.control.plan import parse_plan
from sim_hal.run.plancheck import split_faults


def test_faults_are_sent_where_they_are_applied() -> None:
    f = split_faults(["navcam.drop@54", "proc.nav.hang@20", "link.loss@5:10:30", "link.outage@8:2"], ground=True)
    assert f.device == ["navcam.drop@54"] and f.process == ["proc.nav.hang@20"]
    assert f.link == [LinkFault("loss", 5.0, 10.0, 30.0), LinkFault("outage", 8.0, 2.0, 0.0)]


@pytest.mark.parametrize("spec, reason", [
    ("link.outage@3:2", "need --ground"),
    ("proc.world.kill@3", "no flight process 'world'"),
    ("navcam.explode@3", "navcam.explode"),
])
def test_a_fault_that_cannot_be_applied_is_refused(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        split_faults([spec], ground=False)


def test_a_plan_carries_its_faults() -> None:
    plan = parse_plan('name = "p"\ntakeoff_altitude_m = 3.0\nwaypoints = []\nfaults = ["navcam.drop@20"]\n', "p")
    assert plan.faults == ["navcam.drop@20"]
