"""campaign.health.lanes: one probe at a time per lane, shared by the requests that come
while it runs; a probe that hangs is reported, not waited for again."""

import re
import threading
import time

from campaign.health import lanes


class Blocking:
    """A check that hangs until released."""

    lane = "test-blocking"

    def __init__(self, name: str, release: threading.Event) -> None:
        self.name, self.release, self.runs = name, release, 0

    def run(self) -> None:
        self.runs += 1
        if not self.release.wait(timeout=10):
            raise TimeoutError("never released")


def test_requests_during_a_probe_share_it():
    release = threading.Event()
    check = Blocking("shared", release)
    lane = lanes.lane(check.lane)
    first, started = lane.submit(lambda: {"shared": None} if check.run() is None else {})
    second, same_start = lane.submit(lambda: {"other": "never run"})
    assert (second, same_start) == (first, started)
    assert lane.busy
    release.set()
    assert first.result(timeout=5) == {"shared": None}
    assert check.runs == 1
    assert not lane.busy


def test_a_hanging_check_fails_at_the_timeout_then_at_once():
    release = threading.Event()
    check = Blocking("hangs", release)
    try:
        began = time.monotonic()
        (first,) = lanes.run_checks([check], timeout=0.3).values()
        assert 0.3 <= time.monotonic() - began < 1
        began = time.monotonic()
        (again,) = lanes.run_checks([check], timeout=0.3).values()
        assert time.monotonic() - began < 0.1
        for reason in (first, again):
            assert re.fullmatch(r"no answer in \d+ s \(timeout 0.3 s\)", reason)
        assert check.runs == 1
    finally:
        release.set()
    deadline = time.monotonic() + 5
    while lanes.lane(check.lane).busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lanes.run_checks([check], timeout=1) == {"hangs": None}


def test_a_failing_check_does_not_stop_the_others_of_its_lane():
    class Broken:
        name, lane = "broken", "test-mixed"

        def run(self) -> None:
            raise OSError("disk on fire")

    class Fine:
        name, lane = "fine", "test-mixed"

        def run(self) -> None:
            pass

    assert lanes.run_checks([Broken(), Fine()], timeout=2) == {
        "broken": "OSError: disk on fire", "fine": None}
