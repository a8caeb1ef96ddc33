import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.calendar import describe
from inspections.enums import NoticeStatus
from inspections.models import Notice
from inspections.notices import services
from tests import factories
from tests.inspections.notices.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(tree, cast):
    return factories.file_item(tree["street_a"], by=cast["coordinator"], title="占道经营",
                               deadline=at(2026, 10, 20, 18, 0))


def _form(unit, **fields):
    return {"unit": unit.pk, "subject": "占道经营反复出现", "body": "请立即整改。",
            "item_codes": "", "task_codes": "", "reply_by": "", "reply_days": "3",
            "reply_count": "working", **fields}


# ---- issuing ------------------------------------------------------------------------------

def test_issue_from_an_item_page_names_it(client, tree, cast, item):
    factories.login(client, cast["coordinator"])
    page = client.get(reverse("inspections:rectification-detail", args=[item.pk]))
    url = f"{reverse('inspections:notice-create')}?item={item.pk}"
    assert f'href="{url}"' in page.content.decode()
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial == {"unit": tree["street_a"], "item_codes": item.code,
                                            "subject": "占道经营"}
    response = client.post(url, _form(tree["street_a"], item_codes=item.code))
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    assert (notice.code, notice.reply_by) == ("市督〔2026〕1号", at(2026, 10, 9, 23, 59, 59))
    assert list(notice.rectifications.all()) == [item]


def test_issue_from_a_task_page_names_it(client, tree, cast):
    task = factories.TaskFactory(unit=tree["street_a"], title="背街小巷整治")
    factories.login(client, cast["district"])
    page = client.get(reverse("task-detail", args=[task.pk])).content.decode()
    url = f"{reverse('inspections:notice-create')}?task={task.pk}"
    assert f'href="{url}"' in page
    client.post(url, _form(tree["street_a"], task_codes=task.code))
    notice = Notice.objects.get()
    assert (notice.code, list(notice.tasks.all())) == ("甲督〔2026〕1号", [task])


def test_issuing_is_for_coordinators_above(client, tree, cast, item):
    factories.login(client, cast["staff"])
    assert client.get(f"{reverse('inspections:notice-create')}?item={item.pk}").status_code == 403
    assert client.get(reverse("inspections:notice-create")).status_code == 403
    factories.login(client, cast["other_staff"])   # the item is out of their scope
    assert client.get(f"{reverse('inspections:notice-create')}?item={item.pk}").status_code == 404
    factories.login(client, cast["street_coordinator"])   # not strictly above street A
    assert client.get(f"{reverse('inspections:notice-create')}?item={item.pk}").status_code == 403


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"reply_by": "2026-09-28T10:00", "reply_days": ""}, None, "回复期限不能早于现在。"),
    ({"reply_by": "", "reply_days": ""}, "reply_by", "请填写回复期限，或回复的天数。"),
    ({"reply_days": "367"}, "reply_days", "确保该值小于或等于366。"),
    ({"item_codes": "NOPE-1"}, "item_codes", "没有此整改事项：NOPE-1。"),
])
def test_bad_input_is_said_and_nothing_saved(client, tree, cast, fields, field, message):
    factories.login(client, cast["coordinator"])
    response = client.post(reverse("inspections:notice-create"), _form(tree["street_a"], **fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[field or "__all__"] == [message]
    assert Notice.objects.count() == 0


def test_a_year_the_calendar_does_not_know_is_a_form_error(client, tree, cast, clock):
    clock.move_to(at(2026, 12, 28, 10, 0))
    factories.login(client, cast["coordinator"])
    response = client.post(reverse("inspections:notice-create"),
                           _form(tree["street_a"], reply_days="5"))
    assert response.status_code == 400
    assert "2027" in response.context["form"].errors["__all__"][0]
    assert Notice.objects.count() == 0


def test_too_many_item_codes_are_refused_by_the_form(client, tree, cast):
    factories.login(client, cast["coordinator"])
    codes = "\n".join(f"X-{n}" for n in range(51))
    response = client.post(reverse("inspections:notice-create"),
                           _form(tree["street_a"], item_codes=codes))
    assert response.context["form"].errors["item_codes"] == [
        "一份督办单最多列出 50 个整改事项（您选择了 51 个）。"]


# ---- the list, the page and the steps -----------------------------------------------------

def test_the_list_marks_late_replies_and_filters(client, tree, cast, issue, clock):
    late = issue(reply_by=at(2026, 9, 30, 18, 0))
    on_time = issue(reply_by=at(2026, 10, 12, 18, 0), unit=tree["lane_a"])
    issue(unit=tree["street_b"])   # outside street A's staff's scope
    clock.move_to(at(2026, 10, 8, 9, 0))
    factories.login(client, cast["staff"])
    response = client.get(reverse("inspections:notice-list"))
    assert [(notice.code, notice.late) for notice in response.context["notices"]] == [
        (on_time.code, False), (late.code, True)]
    assert response.content.decode().count("notice-late") == 1
    filtered = client.get(reverse("inspections:notice-list"), {"unit": tree["lane_a"].pk})
    assert [notice.code for notice in filtered.context["notices"]] == [on_time.code]
    services.close_notice(late, by=cast["coordinator"])
    closed = client.get(reverse("inspections:notice-list"), {"status": NoticeStatus.CLOSED})
    assert [notice.code for notice in closed.context["notices"]] == [late.code]


def test_reply_with_a_photo_then_close(client, tree, cast, issue):
    notice = issue()
    url = notice.get_absolute_url()
    factories.login(client, cast["staff"])
    page = client.get(url)
    assert page.context["steps"] == {"reply": True, "return": False, "close": False}
    assert page.context["reply_period"] == describe(3, "working")
    response = client.post(reverse("inspections:notice-reply", args=[notice.pk]),
                           {"text": "已清理完毕", "photos": [factories.make_jpeg()]})
    assert response.status_code == 302
    photo = notice.replies.get().photos.get()
    factories.login(client, cast["coordinator"])
    page = client.get(url)
    assert page.context["steps"] == {"reply": False, "return": True, "close": True}
    assert "已清理完毕" in page.content.decode()
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 200
    factories.login(client, cast["other_staff"])
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404
    factories.login(client, cast["coordinator"])
    client.post(reverse("inspections:notice-close", args=[notice.pk]), {"note": "同意"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED


def test_return_needs_a_reason_and_a_date(client, cast, issue):
    notice = issue()
    services.reply_notice(notice, text="已整改", by=cast["staff"])
    factories.login(client, cast["coordinator"])
    url = reverse("inspections:notice-return", args=[notice.pk])
    response = client.post(url, {"reason": "", "reply_days": "", "reply_count": "working"})
    assert response.status_code == 400
    assert set(response.context["return_form"].errors) == {"reason", "reply_by"}
    response = client.post(url, {"reason": "照片不清", "reply_days": "1", "reply_count": "working"})
    notice.refresh_from_db()
    assert (response.status_code, notice.status, notice.reply_by) == (
        302, NoticeStatus.OPEN, at(2026, 9, 30, 23, 59, 59))


def test_steps_refuse_the_wrong_people_and_get(client, cast, issue):
    notice = issue()
    factories.login(client, cast["staff"])
    assert client.post(reverse("inspections:notice-close", args=[notice.pk])).status_code == 403
    assert client.get(reverse("inspections:notice-reply", args=[notice.pk])).status_code == 405
    factories.login(client, cast["coordinator"])
    assert client.post(reverse("inspections:notice-reply", args=[notice.pk]),
                       {"text": "x"}).status_code == 403
    factories.login(client, cast["other_staff"])
    assert client.get(notice.get_absolute_url()).status_code == 404


def test_a_step_out_of_turn_is_said(client, cast, issue):
    notice = issue()
    factories.login(client, cast["coordinator"])
    services.close_notice(notice, by=cast["coordinator"])
    response = client.post(reverse("inspections:notice-close", args=[notice.pk]), {"note": ""})
    assert response.status_code == 409
    assert "督办单 市督〔2026〕1号 当前为“已结案”，不能进行此操作。" in response.content.decode()


def test_the_print_view(client, tree, cast, issue, item):
    task = factories.TaskFactory(unit=tree["street_a"], title="背街小巷整治")
    notice = issue(items=[item], tasks=[task])
    factories.login(client, cast["staff"])
    html = client.get(reverse("inspections:notice-print", args=[notice.pk])).content.decode()
    for text in ("督办单", "市督〔2026〕1号", "<strong>甲街道</strong>：", "背街小巷整治滞后",
                 "请于限期内整改并书面回复。", item.code, "占道经营", task.code,
                 "请于 2026-10-09 23:59 前书面回复。", "市指挥部", "2026-09-29"):
        assert text in html, text
    assert "navbar" not in html
    css = (factories.__file__.rsplit("/tests/", 1)[0]
           + "/inspections/static/inspections/print.css")
    assert "@page { size: A4" in open(css).read()


# ---- links back ---------------------------------------------------------------------------

def test_the_item_page_lists_its_notices_in_one_query(client, tree, cast, issue, item):
    factories.login(client, cast["staff"])
    url = reverse("inspections:rectification-detail", args=[item.pk])
    first = issue(items=[item])
    client.get(url)   # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert [notice.code for notice in page.context["notices"]] == [first.code]
    issue(items=[item])
    issue(items=[item])
    with CaptureQueriesContext(connection) as three:
        page = client.get(url)
    assert [notice.code for notice in page.context["notices"]] == [
        "市督〔2026〕3号", "市督〔2026〕2号", "市督〔2026〕1号"]
    assert len(three) == len(one)
    assert f'href="{first.get_absolute_url()}"' in page.content.decode()


def test_the_task_page_lists_its_notices(client, tree, cast, issue):
    task = factories.TaskFactory(unit=tree["street_a"])
    notice = issue(tasks=[task])
    factories.login(client, cast["staff"])
    html = client.get(reverse("task-detail", args=[task.pk])).content.decode()
    assert f'href="{notice.get_absolute_url()}"' in html and "市督〔2026〕1号" in html
    assert "notice-issue" not in html   # staff issue nothing


def test_the_admin_shows_notices_read_only(client, issue):
    notice = issue()
    factories.login(client, factories.UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("admin:inspections_notice_changelist")).status_code == 200
    page = client.get(reverse("admin:inspections_notice_change", args=[notice.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_the_list_is_paged_newest_first(client, cast, issue, clock):
    for minute in range(21):
        issue(now=at(2026, 9, 29, 10, minute))
    factories.login(client, cast["staff"])
    first = client.get(reverse("inspections:notice-list"), {"per_page": "20"})
    numbers = [notice.number for notice in first.context["notices"]]
    assert numbers == list(range(21, 1, -1))
    second = client.get(reverse("inspections:notice-list") + first.context["next_url"])
    assert [notice.number for notice in second.context["notices"]] == [1]
    assert second.context["next_url"] is None


@pytest.mark.parametrize("value", ["²", "１", "-1", "9" * 19, "abc"])
def test_a_malformed_item_or_task_parameter_is_not_found(client, cast, value):
    factories.login(client, cast["coordinator"])
    for name in ("item", "task"):
        response = client.get(reverse("inspections:notice-create"), {name: value})
        assert response.status_code == 404


def test_a_count_wins_over_a_picked_reply_date(client, tree, cast):
    """As on the items' and tasks' forms: 3 working days from 2026-09-29 end on 10-09."""
    factories.login(client, cast["coordinator"])
    client.post(reverse("inspections:notice-create"),
                _form(tree["street_a"], reply_by="2026-10-20T18:00", reply_days="3"))
    notice = Notice.objects.get()
    assert (notice.reply_by, notice.reply_days, notice.reply_count) == (
        at(2026, 10, 9, 23, 59, 59), 3, "working")


def test_the_addressee_choices_read_as_the_tree(client, tree, cast):
    factories.login(client, cast["coordinator"])
    page = client.get(reverse("inspections:notice-create")).content.decode()
    assert f'<option value="{tree["district_a"].pk}">\u3000甲区</option>' in page
    assert f'<option value="{tree["street_a"].pk}">\u3000\u3000甲街道</option>' in page
