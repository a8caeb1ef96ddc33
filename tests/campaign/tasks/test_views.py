"""Task views: happy paths, scoping (404), roles (403), methods (405), query counts, bad input."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from campaign.enums import Role
from campaign.models import LeaderCharge, Progress, Task
from campaign.tasks.services import ChildSpec, report_progress, split_task
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(dt.datetime(2019, 7, 1, 12), tick=False):
        yield


@pytest.fixture
def tasks(tree):
    """District A: 背街小巷 100 split into street A 60 + lane A 40; district B has a secret task."""
    top = factories.TaskFactory(unit=tree["district_a"], title="甲区背街小巷", target=D(100))
    street, lane = split_task(top, [ChildSpec(tree["street_a"], D(60)), ChildSpec(tree["lane_a"], D(40))],
                              by=None)
    secret = factories.TaskFactory(unit=tree["district_b"], title="乙区机密任务", target=D(5))
    return {"top": top, "street": street, "lane": lane, "secret": secret}


@pytest.fixture
def coordinator(tree, member):
    return member(tree["district_a"], role=Role.COORDINATOR, name="王协调")


@pytest.fixture
def staff(tree, member):
    return member(tree["street_a"], role=Role.UNIT_STAFF, name="张专干")


@pytest.fixture
def leader(tree):
    user = factories.UserFactory(name="赵领导")
    LeaderCharge.objects.create(leader=user, unit=tree["district_a"])
    return user


def test_board_shows_the_tree_with_rolled_up_progress(client, tasks, staff, coordinator):
    report_progress(tasks["street"], quantity=D(30), reported_on=dt.date(2019, 6, 1), by=staff)
    client.force_login(coordinator)
    page = client.get(reverse("task-board")).content.decode()
    assert "甲区背街小巷" in page and "甲街道" in page
    assert "乙区机密任务" not in page
    assert "30 / 100" in page and "30 / 60" in page
    assert 'data-status="behind"' in page        # July 1st: half the year is over, 30% done
    assert "新建任务" in page                     # coordinator sees the button


def test_board_filters_by_unit_status_category_and_lead(client, tasks, staff, coordinator, leader):
    report_progress(tasks["lane"], quantity=D(40), reported_on=dt.date(2019, 6, 1), by=staff)
    client.force_login(coordinator)
    page = client.get(reverse("task-board"), {"status": "done"}).content.decode()
    assert page.count('data-status="done"') == 1 and 'data-status="behind"' not in page
    page = client.get(reverse("task-board"), {"unit": tasks["lane"].unit_id}).content.decode()
    assert "甲区背街小巷（甲巷长办公室）" in page and "甲区背街小巷（甲街道）" not in page
    page = client.get(reverse("task-board"), {"category": "market"}).content.decode()
    assert 'id="no-tasks"' in page
    Task.objects.filter(pk=tasks["top"].pk).update(lead=leader)
    page = client.get(reverse("task-board"), {"lead": leader.pk}).content.decode()
    assert page.count("data-status=") == 1


@pytest.mark.parametrize(("query", "left_out"), [
    ({"unit": "abc"}, "单位"), ({"unit": "999999"}, "单位"), ({"status": "nonsense"}, "状态"),
    ({"category": "x"}, "类别"), ({"lead": "-1"}, "牵头领导"), ({"page": "abc"}, None),
    ({"page": "9999"}, None), ({"title": "\x00"}, "任务名称"),
    ({"unit": "1e9", "status": "late"}, "单位, 状态"),
])
def test_board_survives_bad_parameters(client, tasks, coordinator, query, left_out):
    """The bad filter is named and left out: the coordinator still sees all three tasks."""
    client.force_login(coordinator)
    response = client.get(reverse("task-board"), query)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == (
        [f"部分筛选条件无法识别，已忽略：{left_out}。"] if left_out else []
    )
    assert response.content.decode().count("data-status=") == 3


def test_board_unit_outside_scope_is_ignored(client, tasks, coordinator, tree):
    client.force_login(coordinator)
    page = client.get(reverse("task-board"), {"unit": tree["district_b"].pk}).content.decode()
    assert "乙区机密任务" not in page


def _board_queries(client, django_assert_num_queries, count):
    with django_assert_num_queries(count):
        response = client.get(reverse("task-board"))
    assert response.status_code == 200


def test_board_query_count_does_not_grow_with_the_board(client, tree, coordinator, django_assert_num_queries):
    """The same number of queries for 3 tasks and for 60 tasks with reports and photos."""
    def grow(size):
        for _ in range(size):
            top = factories.TaskFactory(unit=tree["district_a"], target=D(20))
            halves = [ChildSpec(tree["street_a"], D(10)), ChildSpec(tree["lane_a"], D(10))]
            child, _other = split_task(top, halves, by=None)
            factories.ProgressFactory(task=child, quantity=D(3))

    client.force_login(coordinator)
    grow(1)
    client.get(reverse("task-board"))   # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("task-board"))
    grow(20)
    assert Task.objects.count() == 63
    _board_queries(client, django_assert_num_queries, len(small.captured_queries))


def test_my_tasks_puts_behind_ones_first(client, tree, leader, staff):
    on_track = factories.TaskFactory(unit=tree["street_a"], title="按期任务", lead=leader, target=D(10))
    behind = factories.TaskFactory(unit=tree["street_a"], title="滞后任务", lead=leader, target=D(10),
                                   due=dt.date(2019, 12, 31))
    overdue = factories.TaskFactory(unit=tree["street_a"], title="逾期任务", lead=leader, target=D(10),
                                    due=dt.date(2019, 6, 30))
    factories.TaskFactory(unit=tree["street_a"], title="别人的任务", target=D(10))
    report_progress(on_track, quantity=D(6), reported_on=dt.date(2019, 6, 1), by=staff)
    assert behind and overdue
    client.force_login(leader)
    page = client.get(reverse("task-mine")).content.decode()
    assert page.index("逾期任务") < page.index("滞后任务") < page.index("按期任务")
    assert "别人的任务" not in page


def test_task_detail_shows_children_reports_and_buttons(client, tasks, staff, coordinator):
    report_progress(tasks["street"], quantity=D(12), reported_on=dt.date(2019, 6, 1), by=staff,
                    note="完成文庙巷")
    client.force_login(coordinator)
    page = client.get(reverse("task-detail", args=[tasks["top"].pk])).content.decode()
    assert "完成文庙巷" in page and "+12" in page
    assert "甲巷长办公室" in page
    assert reverse("task-split", args=[tasks["top"].pk]) not in page   # fully split already
    assert reverse("task-report", args=[tasks["top"].pk]) not in page
    client.force_login(staff)
    page = client.get(reverse("task-detail", args=[tasks["street"].pk])).content.decode()
    assert reverse("task-report", args=[tasks["street"].pk]) in page
    assert "?corrects=" in page
    assert reverse("task-split", args=[tasks["street"].pk]) not in page


def test_task_detail_says_where_children_do_not_add_up(client, tasks, coordinator):
    Task.objects.filter(pk=tasks["top"].pk).update(target=D(120))
    client.force_login(coordinator)
    page = client.get(reverse("task-detail", args=[tasks["top"].pk])).content.decode()
    gap = re.search(r'<div class="alert alert-danger py-2" id="children-gap">\s*(.*?)\s*</div>', page, re.S)
    assert gap.group(1) == "下级任务合计 100 条，与目标 120 条 不符（相差 20）。"


def test_task_detail_out_of_scope_is_404(client, tasks, staff):
    client.force_login(staff)
    response = client.get(reverse("task-detail", args=[tasks["secret"].pk]))
    assert response.status_code == 404
    assert "乙区机密任务" not in response.content.decode()


def test_create_task(client, tree, coordinator, leader):
    client.force_login(coordinator)
    assert client.get(reverse("task-create"), {"unit": tree["street_a"].pk}).status_code == 200
    response = client.post(reverse("task-create"), {
        "unit": tree["district_a"].pk, "title": "老旧小区改造", "category": "old_compound",
        "start": "2019-01-01", "due": "2019-12-31", "target": "897", "measure": "个", "lead": leader.pk,
    })
    task = Task.objects.get(title="老旧小区改造")
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert (task.target, task.lead, task.created_by) == (D(897), leader, coordinator)


def test_create_task_keeps_what_was_typed_on_error(client, tree, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("task-create"), {
        "unit": tree["district_a"].pk, "title": "老旧小区改造", "category": "old_compound",
        "start": "2019-12-31", "due": "2019-01-01", "target": "abc", "measure": "个",
    })
    page = response.content.decode()
    assert response.status_code == 200 and 'value="老旧小区改造"' in page
    assert "完成期限早于开始日期" in page


def test_create_task_refuses_a_unit_outside_scope(client, tree, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("task-create"), {
        "unit": tree["district_b"].pk, "title": "x", "category": "other", "start": "2019-01-01",
        "due": "2019-02-01", "target": "1", "measure": "个",
    })
    assert response.status_code == 200 and not Task.objects.filter(title="x").exists()


def test_create_task_needs_a_coordinator(client, staff):
    client.force_login(staff)
    assert client.get(reverse("task-create")).status_code == 403


def test_split_through_the_page(client, tree, coordinator):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(162), title="背街小巷")
    client.force_login(coordinator)
    url = reverse("task-split", args=[top.pk])
    assert client.get(url).status_code == 200
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0",
            "form-0-unit": tree["street_a"].pk, "form-0-target": "100",
            "form-1-unit": tree["lane_a"].pk, "form-1-target": "60"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "160" in response.content.decode() and "162" in response.content.decode()
    assert 'value="100"' in response.content.decode()     # what was typed is kept
    data["form-1-target"] = "62"
    response = client.post(url, data)
    assert response.status_code == 302
    assert sorted(top.children.values_list("target", flat=True)) == [D(62), D(100)]


@pytest.mark.parametrize("rows", ["abc", "-5", "9999"])
def test_split_page_survives_bad_rows(client, tasks, coordinator, rows):
    client.force_login(coordinator)
    assert client.get(reverse("task-split", args=[tasks["lane"].pk]), {"rows": rows}).status_code == 200


def test_split_scoping_and_roles(client, tasks, staff, coordinator):
    client.force_login(staff)
    assert client.get(reverse("task-split", args=[tasks["street"].pk])).status_code == 403
    assert client.get(reverse("task-split", args=[tasks["secret"].pk])).status_code == 404
    client.force_login(coordinator)
    assert client.put(reverse("task-split", args=[tasks["top"].pk])).status_code == 405


def test_report_through_the_page(client, tasks, staff):
    client.force_login(staff)
    url = reverse("task-report", args=[tasks["street"].pk])
    assert client.get(url).status_code == 200
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    response = client.post(url, {
        "quantity": "5", "reported_on": "2019-06-30", "note": "整治完成",
        "photos": [SimpleUploadedFile("a.jpg", buffer.getvalue(), "image/jpeg")],
    })
    assert response.status_code == 302
    report = Progress.objects.get()
    assert (report.quantity, report.reported_by, report.photos.count()) == (D(5), staff, 1)
    photo = report.photos.get()
    page = client.get(reverse("task-detail", args=[tasks["street"].pk])).content.decode()
    assert reverse("task-photo-thumb", args=[photo.pk]) in page
    response = client.get(reverse("task-photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_report_with_a_refused_photo_keeps_what_was_typed(client, tasks, staff):
    client.force_login(staff)
    response = client.post(reverse("task-report", args=[tasks["street"].pk]), {
        "quantity": "5", "reported_on": "2019-06-30", "note": "整治完成了三条巷",
        "photos": [SimpleUploadedFile("fake.jpg", b"GIF89a not really", "image/jpeg")],
    })
    page = response.content.decode()
    assert response.status_code == 200 and not Progress.objects.exists()
    assert "fake.jpg" in page and "整治完成了三条巷" in page and 'value="5"' in page


def test_report_past_the_target_asks_for_a_reason(client, tasks, staff):
    client.force_login(staff)
    url = reverse("task-report", args=[tasks["street"].pk])
    response = client.post(url, {"quantity": "61", "reported_on": "2019-06-30"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "按这份报告累计完成 61 条，超过目标 60 条。请填写超出目标的理由。"
    ]
    assert not Progress.objects.exists()
    response = client.post(url, {"quantity": "61", "reported_on": "2019-06-30",
                                 "over_target_reason": "新增一条"})
    assert response.status_code == 302


def test_correct_through_the_page(client, tasks, staff):
    wrong = report_progress(tasks["street"], quantity=D(9), reported_on=dt.date(2019, 6, 1), by=staff)
    client.force_login(staff)
    url = reverse("task-report", args=[tasks["street"].pk]) + f"?corrects={wrong.pk}"
    assert f"取代第 {wrong.pk} 号报告" in client.get(url).content.decode()
    response = client.post(url, {"quantity": "6", "reported_on": "2019-06-01", "note": "多报3条"},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已报告“甲区背街小巷（甲街道）”的进度。"]
    assert Progress.objects.get(corrects=wrong).quantity == D(6)
    response = client.get(url, follow=True)          # already corrected: said, not a bare 403
    assert response.redirect_chain == [(reverse("task-detail", args=[tasks["street"].pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == ["该进度报告已被更正过；请更正最新的那份报告。"]


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 30])
def test_correct_with_a_bad_number_is_a_new_report(client, tasks, staff, value):
    client.force_login(staff)
    response = client.get(reverse("task-report", args=[tasks["street"].pk]), {"corrects": value})
    assert response.status_code == 200


def test_correct_another_tasks_report_is_404(client, tasks, staff):
    other = report_progress(tasks["lane"], quantity=D(1), reported_on=dt.date(2019, 6, 1), by=staff)
    client.force_login(staff)
    response = client.get(reverse("task-report", args=[tasks["street"].pk]), {"corrects": other.pk})
    assert response.status_code == 404


def test_report_scoping_and_roles(client, tree, tasks, staff, coordinator, leader, member):
    client.force_login(staff)
    assert client.get(reverse("task-report", args=[tasks["secret"].pk])).status_code == 404
    client.force_login(member(tree["district_a"]))
    assert client.get(reverse("task-report", args=[tasks["top"].pk])).status_code == 403   # split task
    client.force_login(staff)
    assert client.delete(reverse("task-report", args=[tasks["street"].pk])).status_code == 405
    for user in (coordinator, leader):
        client.force_login(user)
        assert client.get(reverse("task-report", args=[tasks["street"].pk])).status_code == 403
        assert client.post(reverse("task-report", args=[tasks["street"].pk]),
                           {"quantity": "1", "reported_on": "2019-06-01"}).status_code == 403
    assert not Progress.objects.exists()


def test_photo_outside_scope_is_404(client, tree, tasks, member):
    other_staff = member(tree["street_b"])
    secret_leaf = factories.TaskFactory(unit=tree["street_b"], target=D(5))
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    report = report_progress(secret_leaf, quantity=D(1), reported_on=dt.date(2019, 6, 1), by=other_staff,
                             uploads=[SimpleUploadedFile("b.png", buffer.getvalue(), "image/png")])
    photo = report.photos.get()
    client.force_login(member(tree["street_a"]))
    assert client.get(reverse("task-photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("task-photo-thumb", args=[photo.pk])).status_code == 404
    client.force_login(other_staff)
    assert client.get(reverse("task-photo-thumb", args=[photo.pk])).status_code == 200
    assert client.post(reverse("task-photo", args=[photo.pk])).status_code == 405


def test_pages_need_a_login(client, tasks):
    response = client.get(reverse("task-board"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_split_of_a_reported_or_fully_split_task_says_why(client, tasks, staff, coordinator):
    report_progress(tasks["street"], quantity=D(1), reported_on=dt.date(2019, 6, 1), by=staff)
    client.force_login(coordinator)
    for task in (tasks["street"], tasks["top"]):
        response = client.get(reverse("task-split", args=[task.pk]), follow=True)
        assert response.redirect_chain[-1][0] == task.get_absolute_url()
        assert "现在不能分解" in response.content.decode()


def test_admin_lists_tasks_read_only(client, tasks):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:campaign_task_changelist")).status_code == 200
    assert client.get(reverse("admin:campaign_task_add")).status_code == 403


@pytest.mark.parametrize(("name", "query"), [
    ("task-board", {"unit": "9" * 25}), ("task-board", {"lead": "9" * 25}),
    ("task-create", {"unit": "9" * 25}), ("task-mine", {"page": "-1"}),
])
def test_huge_or_bad_numbers_never_500(client, tasks, coordinator, name, query):
    client.force_login(coordinator)
    assert client.get(reverse(name), query).status_code == 200


def test_report_with_a_huge_correction_number_is_404(client, tasks, staff):
    client.force_login(staff)
    response = client.get(reverse("task-report", args=[tasks["street"].pk]), {"corrects": "9" * 12})
    assert response.status_code == 404


@pytest.mark.parametrize(("today", "status"), [
    (dt.datetime(2019, 12, 31, 12), "behind"),     # the due day: 364 of 365 days over, 90 done
    (dt.datetime(2020, 1, 1, 0, 30), "overdue"),    # the first minutes after the due date, Beijing time
])
def test_board_status_at_the_due_date(client, tree, staff, coordinator, today, status):
    leaf = factories.TaskFactory(unit=tree["street_a"], title="到期任务", target=D(100))
    report_progress(leaf, quantity=D(90), reported_on=dt.date(2019, 6, 1), by=staff)
    zone = dt.timezone(dt.timedelta(hours=8))
    with time_machine.travel(today.replace(tzinfo=zone), tick=False):
        client.force_login(coordinator)
        page = client.get(reverse("task-board")).content.decode()
    assert f'data-status="{status}"' in page


# Review of issue 5: bad input, pagination, messages, visibility.

@pytest.mark.parametrize(("value", "per_page"), [("-5", 1), ("0", 50), ("1", 1), ("100000", 200)])
@pytest.mark.parametrize("name", ["task-board", "task-mine"])
def test_task_tables_hold_per_page_to_1_to_200(client, tasks, coordinator, name, value, per_page):
    Task.objects.update(lead=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse(name), {"per_page": value})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == per_page
    assert response.content.decode().count("data-status=") == min(per_page, 3)


@pytest.mark.parametrize("name", ["task-create", "task-import"])
def test_selects_offer_a_blank_choice_in_chinese(client, tree, coordinator, name):
    client.force_login(coordinator)
    page = client.get(reverse(name)).content.decode()
    assert '<option value="" selected>- 请选择 -</option>' in page
    assert "Select an option" not in page


def test_split_page_blank_choice_is_in_chinese(client, tasks, coordinator):
    Task.objects.filter(pk=tasks["lane"].pk).update(target=D(40))
    client.force_login(coordinator)
    top = factories.TaskFactory(unit=tree_unit(tasks), target=D(5))
    page = client.get(reverse("task-split", args=[top.pk])).content.decode()
    assert page.count('<option value="" selected>- 请选择 -</option>') == 4     # unit and lead, 2 rows


def tree_unit(tasks):
    return tasks["top"].unit


@pytest.mark.parametrize("value", ["²", "١٢", "1²"])
def test_create_with_a_non_ascii_digit_unit_is_ignored(client, tree, coordinator, value):
    client.force_login(coordinator)
    response = client.get(reverse("task-create"), {"unit": value})
    assert response.status_code == 200 and response.context["form"].initial == {}


@pytest.mark.parametrize("value", ["²", "١٢"])
def test_correct_with_a_non_ascii_digit_is_a_new_report(client, tasks, staff, value):
    client.force_login(staff)
    response = client.get(reverse("task-report", args=[tasks["street"].pk]), {"corrects": value})
    assert response.status_code == 200 and response.context["corrects"] is None
    assert [str(m) for m in response.context["messages"]] == [f"“{value}”不是进度报告编号：按新报告填写。"]


def test_export_with_a_bad_filter_queues_no_message(client, tasks, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("task-export"), {"unit": "abc"}).status_code == 400
    response = client.get(reverse("task-board"))
    assert [str(m) for m in response.context["messages"]] == []


@pytest.mark.parametrize(("query", "label"), [
    ({"unit": "out"}, "单位"), ({"unit": "abc"}, "单位"), ({"unit": "9" * 25}, "单位"),
    ({"lead": "9" * 25}, "牵头领导"), ({"status": "x"}, "状态"), ({"category": "飞机场"}, "类别"),
])
def test_export_with_an_out_of_scope_or_malformed_filter_exports_nothing(client, tree, tasks,
                                                                        coordinator, query, label):
    """As the ledger's export: a filter that cannot be read never widens the export to every
    task in scope; the board says why (400)."""
    if query.get("unit") == "out":
        query = {"unit": tree["district_b"].pk}
    client.force_login(coordinator)
    response = client.get(reverse("task-export"), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html") and "Content-Disposition" not in response
    assert [str(m) for m in response.context["messages"]] == [
        "没有导出任何数据：请先改正筛选条件。", f"部分筛选条件无法识别，已忽略：{label}。"]
    assert "乙区机密任务" not in response.content.decode()


def test_export_with_a_unit_in_scope_holds_that_subtree_only(client, tree, tasks, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("task-export"), {"unit": tree["street_a"].pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == [tasks["street"].title,
                                                                                tasks["lane"].title]


def test_one_more_row_keeps_what_was_typed(client, tree, coordinator):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(162), title="背街小巷")
    client.force_login(coordinator)
    url = reverse("task-split", args=[top.pk])
    assert 'name="add_row"' in client.get(url).content.decode()
    response = client.post(url, {
        "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "add_row": "1",
        "form-0-unit": tree["street_a"].pk, "form-0-target": "100", "form-0-title": "甲街道背街小巷",
        "form-1-target": "abc",
    })
    page = response.content.decode()
    assert response.status_code == 200 and not top.children.exists()
    assert len(response.context["formset"].forms) == 3
    assert 'value="甲街道背街小巷"' in page and 'name="form-0-target" value="100"' in page
    assert 'name="form-1-target" value="abc"' in page and 'name="form-2-target"' in page
    assert "invalid-feedback" not in page and "alert-danger" not in page      # nothing checked yet


def test_split_names_the_bad_rows(client, tree, coordinator):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10), title="背街小巷")
    client.force_login(coordinator)
    response = client.post(reverse("task-split", args=[top.pk]), {
        "form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0",
        "form-0-unit": tree["street_a"].pk, "form-0-target": "4",
        "form-1-unit": tree["lane_a"].pk, "form-1-target": "3", "form-1-due": "2020-01-31",
        "form-2-unit": tree["street_a"].pk, "form-2-target": "3",
    })
    assert response.status_code == 200 and not top.children.exists()
    assert response.context["split_error"] == (
        "第 2 个下级任务：下级任务的日期必须在上级任务的起止日期之内（2019-01-01 至 2019-12-31）。 "
        "第 3 个下级任务：甲街道已有本任务的下级任务，同一单位只能分解一次。"
    )
    forms = response.context["formset"].forms
    assert [form.non_field_errors() for form in forms] == [
        [], ["下级任务的日期必须在上级任务的起止日期之内（2019-01-01 至 2019-12-31）。"],
        ["甲街道已有本任务的下级任务，同一单位只能分解一次。"],
    ]


def test_split_success_message_counts_in_english_and_chinese(client, tree, coordinator):
    client.force_login(coordinator)
    for language, expected in [("en", "“A” split into 1 child task."),
                               ("zh-hans", "“B”已分解为 1 个下级任务。")]:
        top = factories.TaskFactory(unit=tree["district_a"], target=D(10), title=expected[1])
        client.cookies["django_language"] = language
        response = client.post(reverse("task-split", args=[top.pk]), {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0",
            "form-0-unit": tree["street_a"].pk, "form-0-target": "10",
        }, follow=True)
        assert [str(m) for m in response.context["messages"]] == [expected]


def test_task_page_pages_the_history(client, tasks, staff):
    for day in range(1, 102):
        at = dt.datetime(2019, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=day)
        factories.ProgressFactory(task=tasks["street"], quantity=D("0.1"), reported_at=at)
    client.force_login(staff)
    url = reverse("task-detail", args=[tasks["street"].pk])
    page = client.get(url).content.decode()
    assert page.count('id="report-') == 100
    counted = re.compile(r'id="reports-count">(.*?)</p>')
    assert counted.search(page).group(1) == "共 101 条报告，当前显示第 1–100 条，最新的在前。"
    assert 'href="?page=2#task-reports"' in page
    page = client.get(url, {"page": "2"}).content.decode()
    assert page.count('id="report-') == 1
    assert counted.search(page).group(1) == "共 101 条报告，当前显示第 101–101 条，最新的在前。"
    assert client.get(url, {"page": "x²"}).status_code == 200


def test_task_page_shows_only_visible_children_and_their_reports(client, tree, tasks, staff, coordinator):
    """A child moved to a unit outside the viewer's scope drops out of the page and its figures."""
    report_progress(tasks["street"], quantity=D(7), reported_on=dt.date(2019, 6, 1), by=staff)
    report_progress(tasks["lane"], quantity=D(5), reported_on=dt.date(2019, 6, 1), by=staff)
    Task.objects.filter(pk=tasks["lane"].pk).update(unit=tree["district_b"], title="搬走的任务")
    client.force_login(member_of(tree["district_a"]))
    response = client.get(reverse("task-detail", args=[tasks["top"].pk]))
    page = response.content.decode()
    assert [child.pk for child in response.context["children"]] == [tasks["street"].pk]
    assert "搬走的任务" not in page
    assert response.context["task"].done == D(7)


def member_of(unit):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, unit=unit, role=Role.COORDINATOR)
    return user


def test_task_page_lists_children_in_path_order(client, tree, coordinator):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    first, second = split_task(top, [ChildSpec(tree["street_a"], D(4)), ChildSpec(tree["lane_a"], D(6))],
                               by=None)
    client.force_login(coordinator)
    response = client.get(reverse("task-detail", args=[top.pk]))
    assert [child.pk for child in response.context["children"]] == [first.pk, second.pk]
