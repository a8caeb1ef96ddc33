import datetime as dt

import pytest
import time_machine

from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def test_finding_deadline_is_bounded(tree, people):
    from inspections.forms import FindingForm

    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign)
    with time_machine.travel(NOW, tick=False):
        form = FindingForm({"criterion": criterion.pk, "deadline": "2028-01-01T10:00"},
                           criteria=[criterion])
        assert not form.is_valid()
    assert form.errors["deadline"] == ["截止时间最多只能定在一年以内（到2027-03-01为止）。"]
