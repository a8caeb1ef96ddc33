import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q

from campaign.enums import TaskStatus
from campaign.models import Photo, Progress, Task
from campaign.tasks.services import attach_progress


@pytest.mark.django_db
def test_seed_demo_adds_tasks_in_every_status_once(settings):
    settings.DEBUG = True
    with time_machine.travel(dt.datetime(2026, 5, 20, 12), tick=False):
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo", verbosity=0)
        tasks = list(Task.objects.filter(Q(code__startswith="DEMO") | Q(parent__code="DEMO-XHL-1")))
        attach_progress(tasks, within=Task.objects.all())
    assert len(tasks) == 7
    assert {task.status for task in tasks} == set(TaskStatus)
    assert Progress.objects.filter(corrects__isnull=False, reported_by__isnull=False).count() == 1
    assert Progress.objects.exclude(over_target_reason="").count() == 1
    assert Photo.objects.filter(progress_reports__isnull=False).distinct().count() == 4
    assert {task.code: task.status for task in tasks}["DEMO-XHL-1"] == TaskStatus.BEHIND
