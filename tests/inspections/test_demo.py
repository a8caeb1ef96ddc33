import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from campaign.demo import create_demo_accounts
from inspections import demo
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification

pytestmark = pytest.mark.django_db


def test_demo_builds_every_state_and_refuses_to_run_twice():
    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    with time_machine.travel(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC), tick=False):
        counts = demo.build()
        statuses = dict(Rectification.objects.values_list("status").annotate(n=Count("pk")))
        overdue = Rectification.objects.overdue(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC)).count()
    assert counts["points"] == 18 * 12   # 12 streets of Xinghualing, 6 of Jinyuan
    assert counts["rounds"] == 2 * 8       # every ten days from 1 January, per district
    assert set(statuses) == set(S.values)
    assert overdue > 0
    assert Rectification.objects.filter(rework_count__gt=0).exists()
    # Real findings: named criteria in force where the point is, never a placeholder.
    assert not Rectification.objects.filter(title__contains="名称未见于资料").exists()
    assert not Rectification.objects.filter(criterion__placeholder=True).exists()
    assert not Rectification.objects.filter(point__unit__key__startswith="jy-",
                                            criterion__category__standard__key="ty-wbl-fine-mgmt").exists()
    with pytest.raises(demo.DemoError):
        demo.build()
