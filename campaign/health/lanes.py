"""The threads health checks run on: one long-lived daemon thread per lane, made on first use
in each process.

Threads, so that a request stops waiting for a service that hangs (a cache that accepts the
connection and never answers) when its time is up: only another thread can give up on a
blocked socket. Long-lived, because what a check sets up is kept per thread and is costly to
make again: the S3 client (about 200 ms to build: boto3 loads its service models) and the
cache's connection; the database connection is kept as a request thread's would be
(CONN_MAX_AGE). One probe at a time per lane: requests that come while a probe is under way
share its answer, and a probe that hangs ties up one thread per lane and process, never one
per request; once it is older than a request's timeout, requests report it at once."""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from functools import partial
from queue import SimpleQueue
from typing import Protocol

from django.db import close_old_connections

logger = logging.getLogger(__name__)

type Reasons = dict[str, str | None]  # a check's name: why it failed, None when it did not
type Job = tuple[Callable[[], Reasons], Future[Reasons]]


class Check(Protocol):
    name: str  # what the answer calls it
    lane: str  # checks of one lane run one after the other, on its thread

    def run(self) -> None: ...  # returns when healthy, raises otherwise


class Lane:
    """A daemon thread that runs one probe at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: SimpleQueue[Job] = SimpleQueue()
        self._current: Future[Reasons] | None = None
        self._started = 0.0
        self._lock = threading.Lock()
        threading.Thread(target=self._work, name=f"healthz-{name}", daemon=True).start()

    @property
    def busy(self) -> bool:
        current = self._current
        return current is not None and not current.done()

    def submit(self, job: Callable[[], Reasons]) -> tuple[Future[Reasons], float]:
        """The future of the job's answer and when it started (time.monotonic()). While a
        probe is under way, that one's instead: its job is the same (a lane's checks)."""
        with self._lock:
            if not self.busy:
                self._current, self._started = Future(), time.monotonic()
                self._jobs.put((job, self._current))
            assert self._current is not None
            return self._current, self._started

    def _work(self) -> None:
        while True:
            job, future = self._jobs.get()
            future.set_running_or_notify_cancel()
            # The thread's database connection follows Django's rules for a request thread:
            # one past its age (CONN_MAX_AGE; 0: after each job) or broken is closed before the
            # job and after it, and one kept is checked before reuse (CONN_HEALTH_CHECKS).
            # Nothing may end the thread: the lane would never answer again.
            try:
                close_old_connections()
                future.set_result(job())
            except BaseException as error:  # handed to whoever waits, like an executor does
                future.set_exception(error)
            try:
                close_old_connections()
            except Exception:
                logger.exception("healthz lane %s could not close its connections", self.name)


_lanes: dict[str, Lane] = {}
_lock = threading.Lock()


def lane(name: str) -> Lane:
    with _lock:
        if name not in _lanes:
            _lanes[name] = Lane(name)
        return _lanes[name]


def _forget_after_fork() -> None:
    # A forked child (gunicorn's workers, forked after preload_app) has none of the parent's
    # threads: it makes its own lanes.
    global _lock
    _lanes.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def run_checks(checks: Iterable[Check], *, timeout: float) -> Reasons:
    """Each check's name and why it failed (None: healthy), within `timeout` seconds: a check
    without an answer by then has failed, and so has one whose lane is still in a probe older
    than that (without waiting for it). The reasons are for the log, never for the answer."""
    checks = list(checks)
    by_lane: dict[str, list[Check]] = {}
    for check in checks:
        by_lane.setdefault(check.lane, []).append(check)
    probes = {name: lane(name).submit(partial(_run, group)) for name, group in by_lane.items()}
    now = time.monotonic()
    wait([future for future, started in probes.values() if now - started < timeout],
         timeout=timeout)
    found: Reasons = {}
    for name, (future, started) in probes.items():
        if future.done():
            found.update(future.result())
        else:
            ago = time.monotonic() - started
            found.update(dict.fromkeys((check.name for check in by_lane[name]),
                                       f"no answer in {ago:.0f} s (timeout {timeout:g} s)"))
    return {check.name: found.get(check.name, "not probed") for check in checks}


def _run(checks: list[Check]) -> Reasons:
    """Runs the checks one after the other (on their lane)."""
    reasons: Reasons = {}
    for check in checks:
        try:
            check.run()
        except Exception as error:
            reasons[check.name] = f"{type(error).__name__}: {error}"
        else:
            reasons[check.name] = None
    return reasons
