"""A coordinator starts a mock evaluation (模拟测评) from the form and reads a mock's report."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from inspections import services
from inspections.mock.services import start_mock_evaluation
from inspections.models import InspectionRound
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISIT_DAY = timezone.make_aware(dt.datetime(2019, 7, 10, 10, 0))


def test_coordinator_starts_a_mock_and_reads_the_report(page, live_server, login):
    city = factories.UnitFactory(kind="headquarters", name="市指挥部")
    street = factories.UnitFactory(parent=city, kind="street", name="涧河街道")
    coordinator = factories.UserFactory(username="mock-coordinator", name="创城办")
    factories.MembershipFactory(user=coordinator, unit=city, role=Role.COORDINATOR)
    standard = factories.StandardFactory(campaign=city.campaign)
    piled = factories.CriterionFactory(category__standard=standard, category__name="市容环境",
                                       name="乱堆乱放", points=D("4"))
    factories.CriterionFactory(category=piled.category, name="乱贴乱画", points=D("6"))
    points = [factories.PointFactory(unit=street, kind="back_street", name=f"背街{n}")
              for n in range(3)]
    mock = start_mock_evaluation(unit=city, name="七月模拟测评", starts_on=dt.date(2019, 7, 1),
                                 ends_on=dt.date(2019, 7, 15), sample_size=3, by=coordinator,
                                 seed=5)
    with time_machine.travel(VISIT_DAY, tick=False):
        for point, findings in zip(points[:2], ([piled], []), strict=True):
            services.record_visit(point=point, by=coordinator, mode="covert",
                                  visited_at=VISIT_DAY, round=mock,
                                  findings=[services.FindingInput(criterion=c) for c in findings])

    login("mock-coordinator")
    page.locator("#nav-mock").click()
    expect(page.locator("#mock-table tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="七月模拟测评").click()
    expect(page.locator("#mock-progress")).to_have_text("已走访 2 / 3 个点位")
    expect(page.locator("#mock-rate")).to_have_text("80.0%")          # 4 of 20 points lost
    # The category heads its criteria: a row of its own, then the criterion's.
    expect(page.locator("#mock-criteria tbody tr").first).to_have_text("市容环境")
    expect(page.locator("#mock-criteria tbody tr").nth(1)).to_contain_text("50.0%")
    expect(page.locator("#mock-sample li")).to_have_count(3)
    assert_accessible(page)
    # On a phone the page does not scroll sideways (the tables scroll within their region).
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") == 375
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/mock/new/")
    page.locator("#id_unit").select_option(str(city.pk))
    page.get_by_label("名称").fill("八月模拟测评")
    page.get_by_label("开始日期").fill("2019-08-01")
    page.get_by_label("结束日期").fill("2019-08-15")
    page.get_by_label("抽取点位数").fill("2")
    assert_accessible(page)
    page.get_by_role("button", name="抽取点位").click()
    expect(page.locator("#mock-progress")).to_have_text("已走访 0 / 2 个点位")
    expect(page.locator("#mock-rate")).to_have_text("—")
    assert InspectionRound.objects.filter(kind="mock").count() == 2
