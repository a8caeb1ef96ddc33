"""Two coordinators issuing at once (PostgreSQL: the numbering row is locked)."""

import pytest
from django.db import connection

from inspections.models import Notice
from inspections.notices.services import issue_notice
from tests import factories
from tests.inspections.notices.conftest import ISSUED, at
from tests.inspections.test_concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_two_notices_at_once_get_two_numbers(tree, cast):
    def issue(by):
        return lambda: issue_notice(unit=tree["street_a"], subject="督办", body="请整改", by=by,
                                    reply_by=at(2026, 10, 12, 18, 0), now=ISSUED)

    # Both in the name of the city (the office's coordinator and a second one).
    second = factories.UserFactory(username="coord2")
    factories.MembershipFactory(user=second, unit=tree["city"], role="coordinator")
    results = race(issue(cast["coordinator"]), issue(second))
    assert all(isinstance(result, Notice) for result in results), results
    assert sorted(Notice.objects.values_list("code", flat=True)) == [
        "市督〔2026〕1号", "市督〔2026〕2号"]
