"""The item pages as people read them: local times, phone cards, filter labels, counts, the
nav, the tracking page and the print view."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from inspections import services, workflow
from inspections.models import CitizenReport
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def login(client, user):
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)   # the deadlines below are days after NOW
def test_extended_deadline_reads_in_local_time(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"],
                               deadline=dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC))
    workflow.extend_deadline(item, by=people["coordinator"], version=item.version,
                             deadline=dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC),
                             reason="雨天")
    body = login(client, people["staff"]).get(item.get_absolute_url()).content.decode()
    assert "整改期限 2026-11-29 23:59 → 2026-12-10 18:00" in body
    assert "2026-11-29T" not in body


def test_list_has_phone_cards_and_counted_quick_filters(client, tree, people):
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        _items_in_every_bucket(tree, people)
    with time_machine.travel(NOW, tick=False):
        page = login(client, people["staff"]).get(reverse("inspections:rectification-list"))
    assert page.context["quick"] == {"open": 3, "due_soon": 1, "overdue": 1, "rework": 1}
    body = page.content.decode()
    quick = body[body.index('id="quick-filters"'):body.index("</div>", body.index('id="quick-filters"'))]
    assert re.findall(r'text-bg-\w+">(\d+)<', quick) == ["3", "1", "1", "1"]
    cards = body[body.index('id="item-cards"'):body.index('id="item-table"')]
    assert cards.count("list-group-item-action") == 4
    overdue_card = cards[cards.index("逾期的") - 400:cards.index("逾期的") + 400]
    assert 'class="text-danger fw-bold"' in overdue_card
    soon_card = cards[cards.index("快到期"):]
    assert 'class="text-danger fw-bold"' not in soon_card[:soon_card.index("</a>")]


def _items_in_every_bucket(tree, people):
    inspector = people["inspector"]
    overdue = factories.file_item(tree["street_a"], by=inspector, title="逾期的",
                                  deadline=NOW - dt.timedelta(days=1))
    factories.file_item(tree["street_a"], by=inspector, title="快到期",
                        deadline=NOW + dt.timedelta(days=1))
    factories.file_item(tree["street_a"], by=inspector, title="还早",
                        deadline=NOW + dt.timedelta(days=10))
    reworked = factories.file_item(tree["lane_a"], by=inspector, title="返工的",
                                   deadline=NOW + dt.timedelta(days=10))
    photo = factories.store_photo_for(tree["lane_a"], by=people["staff"])
    reworked = workflow.submit(reworked, by=people["staff"], version=None, photos=[photo])
    workflow.return_for_rework(reworked, by=people["coordinator"], version=None, reason="不彻底")
    factories.file_item(tree["street_b"], by=inspector, deadline=NOW - dt.timedelta(days=1))
    return overdue


def test_filters_fold_on_phones_and_say_all(client, tree, people):
    with time_machine.travel(NOW, tick=False):
        body = login(client, people["staff"]).get(
            reverse("inspections:rectification-list")).content.decode()
    assert 'data-bs-target="#item-filter"' in body and "筛选" in body
    assert "---------" not in body
    status = body[re.search(r'<select[^>]*name="status"[^>]*>', body).end():]
    month = body[re.search(r'<select[^>]*name="month"[^>]*>', body).end():]
    assert status.startswith('<option value="">全部</option>')
    assert month.startswith(
        '<option value="">全部</option><option value="2026-11">2026-11</option>'
        '<option value="2026-10">2026-10</option>')


def test_an_older_month_in_the_query_stays_chosen(client, tree, people):
    with time_machine.travel(NOW, tick=False):
        body = login(client, people["staff"]).get(
            reverse("inspections:rectification-list") + "?month=2019-07").content.decode()
    assert '<option value="2019-07" selected>2019-07</option>' in body


def test_coordinator_nav_counts_new_citizen_reports(client, tree, people):
    campaign = tree["city"].campaign
    for text in ("路灯不亮", "井盖缺失"):
        services.report_problem(campaign=campaign, description=text, location="东巷口")
    body = login(client, people["coordinator"]).get(reverse("home")).content.decode()
    link = body[body.index('id="nav-reports"'):]
    assert link.startswith('id="nav-reports">市民随手拍 <span class="badge rounded-pill '
                           'text-bg-light">2</span>')
    staff_body = login(client, people["staff"]).get(reverse("home")).content.decode()
    assert 'id="nav-reports"' not in staff_body


def test_language_switcher_names_each_language_in_itself(client, people):
    body = login(client, people["staff"]).get(reverse("home")).content.decode()
    assert ">English</option>" in body and ">简体中文</option>" in body and "英语" not in body


def test_step_error_is_shown_on_the_form_and_anchored(client, item, people):
    response = login(client, people["staff"]).post(
        reverse("inspections:rectification-step", args=[item.pk, "submit"]),
        {"version": item.version, "note": "已清理"})
    assert response.status_code == 400
    body = response.content.decode()
    form = body[body.index('id="step-submit"'):body.index("</form>", body.index('id="step-submit"'))]
    assert f'action="/items/{item.pk}/submit/#step-submit"' in body
    assert "未提交：请按各栏下方的提示修改。" in form and "field-error" in form
    assert "已清理" in form   # what was typed is kept


def test_visit_form_starts_with_one_finding_grouped_by_category(client, tree, people):
    standard = factories.StandardFactory(campaign=tree["city"].campaign)
    streets = factories.CategoryFactory(standard=standard, name="街巷环境", order=1)
    shops = factories.CategoryFactory(standard=standard, name="门店秩序", order=2)
    factories.CriterionFactory(category=streets, name="路面整洁", points=2)
    factories.CriterionFactory(category=shops, name="不出店经营", points=1)
    factories.CriterionFactory(category=shops, name="只限农贸市场", point_kinds=["market"])
    point = factories.PointFactory(unit=tree["street_a"], kind="street")
    body = login(client, people["inspector"]).get(
        reverse("inspections:visit-create", args=[point.pk])).content.decode()
    assert body.count('class="card mb-3 finding" id="finding-') == 1
    assert 'name="finding-TOTAL_FORMS" value="1"' in body
    first = body[body.index('name="finding-0-criterion"'):]
    first = first[:first.index("</select>")]
    assert '<optgroup label="街巷环境">' in first and '<optgroup label="门店秩序">' in first
    assert "路面整洁 (−2)" in first and "不出店经营 (−1)" in first and "只限农贸市场" not in first


def test_unit_figures_name_the_month_and_link_the_counts(client, tree, people):
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        factories.file_item(tree["street_a"], by=people["inspector"],
                            deadline=NOW - dt.timedelta(days=1))
    unit = tree["street_a"]
    with time_machine.travel(NOW, tick=False):
        body = login(client, people["coordinator"]).get(
            reverse("inspections:unit-figures", args=[unit.pk])).content.decode()
    assert "本单位及下级单位 2026年11月 立案的整改事项 1 件" in body
    assert f'<a href="/items/?unit={unit.pk}&amp;overdue=on">1</a>' in body
    assert f'href="/items/?unit={unit.pk}&amp;month=2026-11&amp;status=closed" id="closed-link">0<' \
           in body


# ---- the citizen's tracking page ----------------------------------------------------------

def _track(client, report):
    return client.get(reverse("inspections:report-track") + f"?code={report.tracking_code}")


@time_machine.travel(NOW, tick=False)   # the deadline below is days after NOW
def test_tracking_page_explains_each_stage(client, tree, people):
    report = services.report_problem(campaign=tree["city"].campaign, description="路灯不亮",
                                     location="东巷口")
    body = _track(client, report).content.decode()
    assert "您的反映已收到，创建办将尽快核实并交办责任单位。" in body and 'id="item-status"' not in body

    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                  deadline=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC),
                                  by=people["coordinator"])
    body = _track(client, report).content.decode()
    assert "您的反映已受理并交办责任单位，整改期限为 2026-12-01 18:00。" in body
    assert '<span class="badge status-open">待整改</span>' in body
    assert 'id="after-photos"' not in body

    fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])
    body = _track(client, report).content.decode()
    assert "责任单位已报整改完成，创建办正在核查。" in body and 'id="after-photos"' not in body

    workflow.close(item, by=people["coordinator"], version=None, method="management")
    body = _track(client, report).content.decode()
    assert "您反映的问题已整改完毕，经现场核查已结案。" in body
    assert '<span class="badge status-closed">已结案</span>' in body
    photo_url = reverse("inspections:report-track-photo", args=[report.tracking_code, fix.pk])
    assert photo_url in body
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_after_photo_is_only_for_the_reports_own_closed_item(client, tree, people):
    campaign = tree["city"].campaign
    report = services.report_problem(campaign=campaign, description="路灯不亮", location="东巷口")
    other = services.report_problem(campaign=campaign, description="井盖缺失", location="西巷口")
    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                  deadline=timezone.now() + dt.timedelta(days=3),
                                  by=people["coordinator"])
    fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
    stray = factories.store_photo_for(tree["street_a"], by=people["staff"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])

    def url(code, pk):
        return reverse("inspections:report-track-photo", args=[code, pk])

    assert client.get(url(report.tracking_code, fix.pk)).status_code == 404   # not closed yet
    workflow.close(item, by=people["coordinator"], version=None, method="management")
    assert client.get(url(report.tracking_code, fix.pk)).status_code == 200
    assert client.get(url(other.tracking_code, fix.pk)).status_code == 404
    assert client.get(url(report.tracking_code, stray.pk)).status_code == 404
    assert client.get(url("NOPE", fix.pk)).status_code == 404
    assert client.post(url(report.tracking_code, fix.pk)).status_code == 405


def test_rejected_report_says_so(client, tree, people):
    report = services.report_problem(campaign=tree["city"].campaign, description="x",
                                     location="y")
    services.reject_report(report, reason="重复反映", by=people["coordinator"])
    body = _track(client, CitizenReport.objects.get(pk=report.pk)).content.decode()
    assert "创建办未受理您的反映，原因见下。" in body and "重复反映" in body


# ---- the print view -----------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)   # the deadlines below are days after NOW
def test_print_view_of_one_item(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"], title="占道经营",
                               deadline=dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC))
    workflow.extend_deadline(item, by=people["coordinator"], version=None,
                             deadline=dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC),
                             reason="雨天")
    client = login(client, people["staff"])
    url = reverse("inspections:rectification-print", args=[item.pk])
    assert url in client.get(item.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert item.code in body and "占道经营" in body and tree["street_a"].name in body
    assert "2026-12-10 18:00" in body and "整改期限 2026-11-29 23:59 → 2026-12-10 18:00" in body
    assert 'id="mainnav"' not in body and "inspections/print.css" in body
    assert client.post(url).status_code == 405
    client.force_login(people["other_staff"])
    missing = client.get(url)
    assert missing.status_code == 404 and item.code not in missing.content.decode()
