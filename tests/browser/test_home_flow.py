"""A leader in charge of two districts (包联, no membership) reads their home page on a desk
and on a phone."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import LeaderCharge
from campaign.periods import Month
from inspections.models import Bulletin, MonthlyScore
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published(district, months: int) -> None:
    """`months` published months before this one, district ranked 2nd of 2, flagged last month."""
    month = Month.of(timezone.localdate())
    city = district.parent
    for n in range(months, 0, -1):
        shown = month
        for _step in range(n):
            shown = shown.previous()
        bulletin = Bulletin.objects.create(
            campaign=city.campaign, parent=city, month=shown.first_day, inspection_weight=D("0.8"),
            min_sample=3, bottom_n=1, streak_k=3)
        MonthlyScore.objects.create(
            bulletin=bulletin, campaign=city.campaign, month=shown.first_day, unit=district,
            parent=city, kind=district.kind, visits=5, due=4, on_time=3, score=D(80 + n),
            ranked=True, rank=2, group_size=2, in_bottom=True, streak=3, flagged=n == 1)


def test_leader_home_at_desk_and_phone_widths(page, live_server, login):
    city = factories.UnitFactory(parent=None, kind="headquarters", name="太原市创城指挥部")
    districts = [factories.UnitFactory(parent=city, kind="district", name=name, order=n)
                 for n, name in enumerate(["杏花岭区", "晋源区"])]
    streets = [factories.UnitFactory(parent=districts[0], kind="street", name=name, order=n)
               for n, name in enumerate(["巨轮街道", "三桥街道"])]
    leader = factories.UserFactory(username="taiyuan-leader", name="包联领导")
    for district in districts:
        LeaderCharge.objects.create(leader=leader, unit=district, title="包联领导")
    now = timezone.now()
    filer = factories.UserFactory()
    for street, overdue in zip(streets, (3, 1), strict=True):
        for n in range(overdue):
            factories.RectificationFactory(unit=street, status="open", created_by=filer,
                                           created_at=now - dt.timedelta(days=10),
                                           deadline=now - dt.timedelta(days=n + 1))
    _published(districts[0], 6)

    page.set_viewport_size({"width": 1280, "height": 900})
    login("taiyuan-leader")
    first = page.locator(f"#leader-{districts[0].pk}")
    expect(first).to_contain_text("杏花岭区：您包联的单位")
    expect(page.locator(f"#leader-{districts[1].pk}")).to_contain_text("晋源区：您包联的单位")
    expect(page.locator("body")).not_to_contain_text("尚未加入任何单位")
    expect(first.locator('[data-figure="overdue"]')).to_have_text("4")
    expect(first.locator('[data-figure="flagged"]')).to_contain_text("问责")
    expect(first.locator('svg[aria-label="近 6 个月已发布得分"]')).to_have_count(1)
    expect(first.locator("table").first.locator("tbody tr")).to_have_count(6)
    units = first.locator(f'[data-charts="{districts[0].pk}"]')
    expect(units).to_contain_text("按单位统计的逾期事项")
    expect(units.locator("tr", has_text="巨轮街道").get_by_role("link")).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 812})
    expect(first).to_be_visible()
    expect(page.locator(f"#leader-{districts[1].pk}")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), page.evaluate(
        "document.documentElement.scrollWidth")
    assert_accessible(page)

    first.locator('[data-figure="overdue"]').click()
    expect(page.locator("table tbody tr")).to_have_count(4)
