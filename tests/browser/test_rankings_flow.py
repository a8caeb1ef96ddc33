import datetime as dt
import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.models import LeaderCharge
from inspections.models import Bulletin
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_publishes_and_a_leader_reads_the_bulletin_and_drill_down(page, live_server, login):
    district = factories.UnitFactory(kind="district", name="杏花岭区")
    streets = [factories.UnitFactory(parent=district, kind="street", name=name, order=n)
               for n, name in enumerate(["巨轮街道", "三桥街道", "鼓楼街道", "涧河街道"])]
    for street, lost in zip(streets, ["5", "10", "10", "30"], strict=True):
        point = factories.PointFactory(unit=street, name=f"{street.name}背街小巷")
        for day in (3, 13, 23):
            visit = factories.InspectionFactory(
                point=point, points_deducted=D(lost),
                visited_at=dt.datetime(2019, 7, day, 2, tzinfo=dt.UTC),
            )
            factories.FindingFactory(inspection=visit, points=D(lost), note=f"{street.name}占道经营")
    coordinator = factories.UserFactory(username="xhl-coordinator", name="区协调员")
    factories.MembershipFactory(user=coordinator, unit=district, role=Role.COORDINATOR)
    leader = factories.UserFactory(username="xhl-leader", name="包联领导")
    LeaderCharge.objects.create(leader=leader, unit=district, title="包联领导")

    login("xhl-coordinator")
    page.goto(f"{live_server.url}/rankings/?parent={district.pk}&month=2019-07")
    expect(page.locator("#bulletin-status")).to_contain_text("草稿")
    rows = page.locator("#ranking-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(1).locator("td").first).to_have_text("2")
    expect(rows.nth(2).locator("td").first).to_have_text("2")        # a tie
    assert_accessible(page)
    page.locator("#publish-button").click()
    expect(page.locator("#bulletin-status")).to_contain_text("第1版")
    expect(page.locator(".alert", has_text="已发布")).to_be_visible()
    assert Bulletin.objects.get().published_by == coordinator
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")   # logged out before logging in again

    login("xhl-leader")
    page.get_by_role("link", name="排名").click()
    expect(page.locator("h1")).to_contain_text("杏花岭区 2019-07")
    page.get_by_role("link", name="月通报（打印）").click()
    expect(page.locator(".bulletin-title")).to_contain_text("2019年7月创城工作月通报")
    expect(page.locator("#bulletin")).to_contain_text("涧河街道")
    assert_accessible(page)
    page.get_by_role("link", name="返回排名").click()
    expect(page).to_have_url(re.compile(r"/rankings/\?"))
    page.locator("#ranking-table").get_by_role("link", name="涧河街道").click()
    expect(page.locator("h1")).to_contain_text("谁丢分")
    visits = page.locator("#lost-visits .lost-visit")
    expect(visits).to_have_count(3)
    expect(visits.first).to_contain_text("涧河街道占道经营")
    expect(page.locator("#score-summary")).to_contain_text("第4名")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#lost-visits")).to_be_visible()
