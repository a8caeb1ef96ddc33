import datetime as dt
from decimal import Decimal as D

import pytest

from campaign.enums import Role
from campaign.models import LeaderCharge
from inspections.models import Bulletin
from tests import factories

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
    assert "草稿" in page.locator("#bulletin-status").inner_text()
    rows = page.locator("#ranking-table tbody tr")
    assert rows.nth(1).locator("td").first.inner_text() == "2"
    assert rows.nth(2).locator("td").first.inner_text() == "2"        # a tie
    page.locator("#publish-button").click()
    assert "已发布" in page.locator(".alert").first.inner_text()
    assert "第1版" in page.locator("#bulletin-status").inner_text()
    assert Bulletin.objects.get().published_by == coordinator
    page.get_by_role("button", name="退出").click()

    login("xhl-leader")
    page.get_by_role("link", name="排名").click()
    assert "杏花岭区 2019-07" in page.locator("h1").inner_text()
    page.get_by_role("link", name="月通报（打印）").click()
    assert "2019年7月创城工作月通报" in page.locator(".bulletin-title").inner_text()
    assert "涧河街道" in page.locator("#bulletin").inner_text()
    page.get_by_role("link", name="返回排名").click()
    page.locator("#ranking-table").get_by_role("link", name="涧河街道").click()
    assert "谁丢分" in page.locator("h1").inner_text()
    visits = page.locator("#lost-visits .lost-visit")
    assert visits.count() == 3
    assert "涧河街道占道经营" in visits.first.inner_text()
    assert "第4名" in page.locator("#score-summary").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("#lost-visits").is_visible()
