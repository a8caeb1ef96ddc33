"""The checks of /healthz one by one, run in the test's thread (the endpoint: test_views.py)."""

import datetime as dt

import pytest
import time_machine
from health_check.exceptions import ServiceUnavailable

from campaign.health.checks import TaskWorker
from campaign.notifications.jobs import deliver

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def db_tasks(settings, db):
    settings.TASKS = DB_TASKS
    settings.TASK_MAX_WAIT = dt.timedelta(minutes=5)


def test_worker_is_ok_with_nothing_waiting(db_tasks):
    TaskWorker().run()


def test_worker_fails_once_a_task_has_waited_longer_than_the_limit(db_tasks):
    with time_machine.travel(T0, tick=False) as clock:
        deliver.enqueue(1)
        clock.move_to(T0 + dt.timedelta(minutes=5))
        TaskWorker().run()
        clock.move_to(T0 + dt.timedelta(minutes=5, seconds=1))
        with pytest.raises(ServiceUnavailable, match="a task has waited more than 0:05:00 to be run"):
            TaskWorker().run()


def test_worker_counts_a_deferred_task_from_its_time(db_tasks):
    with time_machine.travel(T0, tick=False) as clock:
        deliver.using(run_after=T0 + dt.timedelta(hours=1)).enqueue(1)
        clock.move_to(T0 + dt.timedelta(hours=1, minutes=5))
        TaskWorker().run()
        clock.move_to(T0 + dt.timedelta(hours=1, minutes=5, seconds=1))
        with pytest.raises(ServiceUnavailable):
            TaskWorker().run()


def test_worker_is_ok_once_the_task_has_started(db_tasks):
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel(T0, tick=False) as clock:
        deliver.enqueue(1)
        DBTaskResult.objects.update(status="RUNNING", started_at=T0 + dt.timedelta(minutes=4))
        clock.move_to(T0 + dt.timedelta(hours=1))
        TaskWorker().run()


def test_the_limit_is_a_setting(db_tasks, settings):
    settings.TASK_MAX_WAIT = dt.timedelta(minutes=30)
    with time_machine.travel(T0, tick=False) as clock:
        deliver.enqueue(1)
        clock.move_to(T0 + dt.timedelta(minutes=30))
        TaskWorker().run()
        clock.move_to(T0 + dt.timedelta(minutes=30, seconds=1))
        with pytest.raises(ServiceUnavailable, match="0:30:00"):
            TaskWorker().run()
