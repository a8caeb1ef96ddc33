"""Rules stated on the models: when an item is on time, in Python and in SQL alike."""

import pytest

from inspections.models import Rectification, RectificationQuerySet, is_on_time, standing_fix_at
from tests.inspections.rankings.conftest import DAY, DEADLINE, MINUTE, item

pytestmark = pytest.mark.django_db

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
