"""Rules stated on the models: when an item is on time, in Python and in SQL alike."""

import datetime as dt

import pytest

from inspections.models import Rectification, RectificationQuerySet, is_on_time, standing_fix_at
from tests.inspections.rankings.conftest import DAY, DEADLINE, MINUTE, item

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai

ON_TIME_CASES = [
    ([], False),
    ([("submitted", -MINUTE)], True),
    ([("submitted", 0 * MINUTE)], True),
    ([("submitted", MINUTE)], False),
    ([("submitted", -2 * MINUTE), ("returned", -MINUTE)], False),
    ([("submitted", -3 * MINUTE), ("returned", -2 * MINUTE), ("submitted", -MINUTE)], True),
    ([("submitted", -3 * MINUTE), ("returned", -MINUTE), ("submitted", MINUTE)], False),
    ([("submitted", -MINUTE), ("returned", -MINUTE)], False),
    ([("submitted", -MINUTE), ("returned", DAY)], False),
]


@pytest.mark.parametrize(("steps", "expected"), ON_TIME_CASES)
def test_the_sql_and_the_python_rule_agree(district, steps, expected):
    rectification = item(district["streets"][0], steps=steps)
    fix_at = standing_fix_at([(action, DEADLINE + offset) for action, offset in steps])
    assert is_on_time(DEADLINE, fix_at) is expected
    annotated = Rectification.objects.with_standing_fix().get(pk=rectification.pk)
    assert annotated.standing_fix_at == fix_at
    on_time = Rectification.objects.with_standing_fix().filter(RectificationQuerySet.ON_TIME)
    missed = Rectification.objects.with_standing_fix().filter(RectificationQuerySet.NOT_ON_TIME)
    assert (on_time.count(), missed.count()) == ((1, 0) if expected else (0, 1))


@pytest.mark.filed_at(NOW)
def test_an_item_sent_back_is_neither_overdue_nor_due_soon(tree, people, item):
    from campaign.periods import Month
    from inspections import services, workflow
    from inspections.models import Rectification

    workflow.send_back(item, by=people["staff"], version=0, reason="不归我们管")
    items = Rectification.objects.all()
    later = item.deadline + dt.timedelta(days=1)
    assert (items.overdue(later).count(), items.due_soon(NOW, later).count()) == (0, 0)
    item.refresh_from_db()
    assert item.is_pending is False
    figures = services.unit_figures(tree["street_a"], Month(2026, 3), now=later)
    assert figures.overdue_now == 0
