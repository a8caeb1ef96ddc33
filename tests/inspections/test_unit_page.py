"""The unit page: campaign's page with the unit's figures filled in on the server by
inspections.views.figures.unit_detail (no script fetches them)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import LeaderCharge
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 12, 2, 0, tzinfo=dt.UTC)


def page_of(client, user, unit, query=""):
    client.force_login(user)
    return client.get(reverse("inspections:unit-detail", args=[unit.pk]) + query)


@pytest.fixture
def items(tree, people):
    """This month: two items in street A (one in its lane office), one in street B;
    in May: one in street A."""
    for unit, at in [(tree["street_a"], NOW), (tree["lane_a"], NOW), (tree["street_b"], NOW),
                     (tree["street_a"], MAY)]:
        with time_machine.travel(at - dt.timedelta(days=1), tick=False):
            factories.file_item(unit, by=people["inspector"], deadline=at + dt.timedelta(days=3))


@time_machine.travel(NOW, tick=False)
def test_the_figures_are_in_the_page_itself(client, tree, people, items):
    response = page_of(client, people["coordinator"], tree["street_a"])
    page = response.content.decode()
    assert response.status_code == 200
    assert "本单位及下级单位 2026年11月 立案的整改事项 2 件" in page
    assert 'id="unit-figures"' in page
    assert "fetch(" not in page and "data-figures" not in page and "partial" not in page
    # The unit's own part of the page is still there around the figures.
    assert "甲区" in page and "甲巷长办公室" in page


@time_machine.travel(NOW, tick=False)
def test_the_figures_cover_the_unit_and_the_units_below_it_only(client, tree, people, items):
    assert page_of(client, people["staff"], tree["lane_a"]).context["figures"].filed == 1
    assert page_of(client, people["staff"], tree["street_a"]).context["figures"].filed == 2
    assert page_of(client, people["coordinator"], tree["city"]).context["figures"].filed == 3


@time_machine.travel(NOW, tick=False)
def test_out_of_scope_is_404_with_no_figures(client, tree, people, items):
    response = page_of(client, people["staff"], tree["street_b"])
    assert response.status_code == 404
    assert "乙街道" not in response.content.decode() and "unit-figures" not in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_month_asked_for_is_the_month_shown(client, tree, people, items):
    response = page_of(client, people["staff"], tree["street_a"], "?month=2026-05")
    page = response.content.decode()
    assert response.context["figures"].filed == 1
    assert "本单位及下级单位 2026年5月 立案的整改事项 1 件" in page
    assert "整改指标 · 2026-05" in page
    figures_url = reverse("inspections:unit-figures", args=[tree["street_a"].pk])
    assert f'href="{figures_url}?month=2026-05"' in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("value", ["2019-13", "abc", "%00", "9" * 500, "2026-5-1", ""])
def test_a_malformed_month_shows_the_current_month(client, tree, people, items, value):
    response = page_of(client, people["staff"], tree["street_a"], f"?month={value}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "本单位及下级单位 2026年11月 立案的整改事项 2 件" in page
    assert ("不是有效的月份" in page) == bool(value)


@time_machine.travel(NOW, tick=False)
def test_the_unit_page_runs_a_fixed_number_of_queries(client, tree, people, items,
                                                      django_assert_num_queries):
    """Sixteen: the session, the user, the user's scope (memberships, charges), the nav's counts
    of citizen reports and unread notifications, the unit, its ancestors, children, members,
    leaders, the leaders of its ancestors, and four for the figures (the data stamp, then the
    three counts: items, overdue now, follow-up answers; new items make the cache read again);
    no more for a unit with more of any of them."""
    client.force_login(people["coordinator"])
    url = reverse("inspections:unit-detail", args=[tree["street_a"].pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(4):
        lane = factories.UnitFactory(parent=tree["street_a"], kind="lane_office", name=f"巷{n}")
        factories.UnitFactory(parent=lane, kind="community", name=f"社区{n}")
        factories.MembershipFactory(unit=tree["street_a"], role="unit_staff")
        LeaderCharge.objects.create(leader=factories.UserFactory(), unit=tree["street_a"])
        LeaderCharge.objects.create(leader=factories.UserFactory(), unit=tree["district_a"])
        factories.file_item(lane, by=people["inspector"], deadline=NOW + dt.timedelta(days=1))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)
    assert len(small.captured_queries) == 16
