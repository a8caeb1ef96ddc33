"""Running calls at the same moment, for the tests of what two people (or two workers, or two
sends of one form) doing the same thing at once leave behind (PostgreSQL only: SQLite
serialises writers)."""

import threading
from collections.abc import Callable

from django.db import connections


def race(*calls: Callable[[], object]) -> list:
    """Run the calls in threads released together; returns each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:   # the loser's error is the result under test
            results[index] = error
        finally:
            connections.close_all()   # each thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results
