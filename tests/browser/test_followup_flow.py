"""The reporter answers the follow-up (回访) on a phone; the tracking page and the public page of
fixed reports pass axe-core."""

import pytest
from playwright.sync_api import expect

from inspections import services, workflow
from inspections.enums import EventAction
from inspections.followup import services as followup
from inspections.models import ReportFeedback
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reporter_answers_on_a_phone_and_the_fix_is_public(page, live_server, tree, people):
    report = services.report_problem(campaign=tree["city"].campaign, description="路灯不亮",
                                     location="东巷口", contact="13900001111",
                                     uploads=[factories.make_jpeg()])
    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮", deadline=None,
                                  by=people["coordinator"])
    services.take_step(workflow.STEPS[EventAction.SUBMITTED], item, by=people["staff"],
                       version=None, uploads=[factories.make_jpeg()])
    item.refresh_from_db()
    item = workflow.close(item, by=people["coordinator"], version=None, method="service")
    followup.publish(item, before=followup.before_photos(item).get(),
                     after=followup.after_photos(item).get(), by=people["coordinator"])

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/report/track/?code={report.tracking_code}")
    expect(page.locator("#report-feedback")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="提交评价").click()          # nothing chosen: refused
    expect(page.locator("#report-feedback .invalid-feedback").first).to_have_text(
        "请选择“满意”“基本满意”或“不满意”。")
    expect(page.locator("#report-stages li")).to_have_count(4)      # the page as it was
    page.get_by_label("不满意").check()
    page.get_by_label("意见（选填）").fill("晚上还是很暗")
    assert page.get_by_label("不满意").bounding_box()["height"] >= 16
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#feedback-answer")).to_contain_text("不满意")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    assert ReportFeedback.objects.get().comment == "晚上还是很暗"

    page.goto(f"{live_server.url}/report/fixed/")
    expect(page.locator("#fixed-list figure img")).to_have_count(2)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert "13900001111" not in page.content()
    assert_accessible(page)
