"""Shared by the benchmarks: a separate database, Django set up on it, and p50 timing."""

import os
import statistics
import time
from urllib.parse import urlparse, urlunparse


def use_bench_database(suffix: str = "bench") -> str:
    """Point Django at a database of its own (created when missing); returns its description."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlparse(url)
        name = f"{parts.path.lstrip('/') or 'campaign'}_{suffix}"
        _create_postgres(parts, name)
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{name}"))
        described = f"PostgreSQL database {name}"
    else:
        path = os.environ.get("BENCH_SQLITE_PATH", f"/tmp/campaign-{suffix}.sqlite3")
        os.environ["DJANGO_SQLITE_PATH"] = path
        described = f"SQLite file {path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", f"/tmp/campaign-{suffix}-media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return described


def _create_postgres(parts, name: str) -> None:
    import psycopg

    server = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def p50_interleaved(calls: dict, *, runs: int, warmup: int = 3) -> dict[str, float]:
    """Median wall time (ms) of each call, taking them in turn on every round, so a busy
    machine slows every page alike and the ratios stay fair."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def p50(call, *, runs: int, warmup: int = 3) -> float:
    """Median wall time of `call` in milliseconds."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
