"""The threads health checks run on: one long-lived daemon thread per lane, made on first use
in each process.

Threads, so that a request stops waiting for a service that hangs (a cache that accepts the
connection and never answers) when its time is up: only another thread can give up on a
blocked socket. Long-lived, because what a check sets up is kept per thread and is costly to
make again: the S3 client (about 200 ms to build: boto3 loads its service models) and the
cache's connection; the database connection is kept as a request thread's would be
(CONN_MAX_AGE). Never queued: while a lane is still stuck in an earlier probe, the next
request finds it busy and reports its checks failing at once, so a hung service ties up one
thread per lane and process, never one per request."""

import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from functools import partial
from queue import SimpleQueue
from typing import Any, Protocol

from django.db import close_old_connections

logger = logging.getLogger(__name__)

type Job = tuple[Callable[[], Any], Future[Any]]


class Lane:
    """A daemon thread that runs one job at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: SimpleQueue[Job] = SimpleQueue()
        self._current: Future[Any] | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._work, name=f"healthz-{name}", daemon=True).start()

    @property
    def busy(self) -> bool:
        current = self._current
        return current is not None and not current.done()

    def submit(self, job: Callable[[], Any]) -> Future[Any] | None:
        """The job's future; None when the lane is still busy with an earlier job."""
        with self._lock:
            if self.busy:
                return None
            future: Future[Any] = Future()
            self._current = future
        self._jobs.put((job, future))
        return future

    def _work(self) -> None:
        while True:
            job, future = self._jobs.get()
            future.set_running_or_notify_cancel()
            # The thread's database connection follows Django's rules for a request thread:
            # one past its age (CONN_MAX_AGE; 0: after each job) or broken is closed before the
            # job and after it, and one kept is checked before reuse (CONN_HEALTH_CHECKS).
            close_old_connections()
            try:
                future.set_result(job())
            except BaseException as error:  # handed to whoever waits, like an executor does
                future.set_exception(error)
            finally:
                close_old_connections()


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


class Check(Protocol):
    name: str  # what the answer calls it
    lane: str  # checks of one lane run one after the other, on its thread

    def run(self) -> None: ...  # returns when healthy, raises otherwise


def run_checks(checks: Iterable[Check], *, timeout: float) -> dict[str, str | None]:
    """Each check's name and why it failed (None: healthy), within `timeout` seconds: a check
    still running then, or whose lane is still stuck in an earlier probe, has failed. The
    reasons are for the log only."""
    checks = list(checks)
    by_lane: dict[str, list[Check]] = {}
    for check in checks:
        by_lane.setdefault(check.lane, []).append(check)
    futures = {name: lane(name).submit(partial(_reasons, group)) for name, group in by_lane.items()}
    wait([future for future in futures.values() if future is not None], timeout=timeout)
    found: dict[str, str | None] = {}
    for name, group in by_lane.items():
        future = futures[name]
        if future is None:
            reasons = ["still stuck in an earlier probe"] * len(group)
        elif not future.done():
            reasons = [f"no answer within {timeout:g} s"] * len(group)
        else:
            reasons = future.result()
        found.update(zip((check.name for check in group), reasons, strict=True))
    failing = [f"{name}: {reason}" for name, reason in found.items() if reason is not None]
    if failing:
        logger.warning("healthz failing: %s", "; ".join(failing))
    return {check.name: found[check.name] for check in checks}


def _reasons(checks: list[Check]) -> list[str | None]:
    """Runs the checks one after the other (on their lane): why each failed, None if it did not."""
    reasons: list[str | None] = []
    for check in checks:
        try:
            check.run()
        except Exception as error:
            reasons.append(f"{type(error).__name__}: {error}")
        else:
            reasons.append(None)
    return reasons
