"""The audit page: administrators only, filtered, newest first, paged, exported; its rows cannot
be added, changed or deleted in the admin."""

import datetime as dt
import io

import pytest
import time_machine
from auditlog.context import set_actor
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook

from campaign.audit.enums import SecurityKind
from campaign.audit.models import ChangeEntry, SecurityEvent
from campaign.audit.recorders import record_event
from campaign.models import Point, Unit
from tests import factories

pytestmark = pytest.mark.django_db

# 2019-03-02 09:30 in Shanghai: years before the fixtures' own rows (made now).
DAY_ONE = dt.datetime(2019, 3, 2, 1, 30, tzinfo=dt.UTC)
RANGE = {"since": "2019-03-01", "until": "2019-03-03"}
DAY_TWO = DAY_ONE + dt.timedelta(days=1)


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def history(tree, people):
    """On day one the coordinator (from 10.0.0.1) renames street A; on day two the inspector
    (from 10.0.0.2) creates and deletes a point."""
    street = Unit.objects.get(pk=tree["street_a"].pk)
    mark = ChangeEntry.objects.order_by("id").last().pk
    with time_machine.travel(DAY_ONE, tick=False), set_actor(people["coordinator"], remote_addr="10.0.0.1"):
        street.name = "新街道"
        street.save()
    with time_machine.travel(DAY_TWO, tick=False), set_actor(people["inspector"], remote_addr="10.0.0.2"):
        point = factories.PointFactory(unit=street, code="P-1", name="=1+1")
        point_pk = point.pk
        point.delete()
    return {"street": street, "point_pk": point_pk, "mark": mark}


def shown(response) -> list[tuple]:
    return [(e.action, e.content_type.model, e.object_id) for e in response.context["entries"]]


def test_others_get_403(client, people):
    for person in people.values():
        client.force_login(person)
        for name in ("audit:changes", "audit:changes-export", "audit:security", "audit:security-export"):
            assert client.get(reverse(name)).status_code == 403, (person, name)


def test_the_permission_opens_it_to_staff_without_being_superuser(client, people):
    user = people["staff"]
    user.user_permissions.add(Permission.objects.get(codename="read_audit"))
    client.force_login(user)
    assert client.get(reverse("audit:changes")).status_code == 403      # not an administrator
    user.is_staff = True
    user.save()
    assert client.get(reverse("audit:changes")).status_code == 200
    assert 'id="nav-audit"' in client.get(reverse("audit:security")).content.decode()


def test_a_post_is_refused(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("audit:changes")).status_code == 405


@pytest.mark.parametrize(("query", "expected"), [
    ({"since": "2019-03-03"}, [(2, "point"), (0, "point")]),
    ({"until": "2019-03-02", "object_type": "unit"}, [(1, "unit")]),
    ({"person": "coord"}, [(1, "unit")]),
    ({"address": "10.0.0.2"}, [(2, "point"), (0, "point")]),
    ({"action": "2"}, [(2, "point")]),
    ({"object_type": "point"}, [(2, "point"), (0, "point")]),
])
def test_the_filters_choose_exact_rows_newest_first(client, admin_user, history, query, expected):
    client.force_login(admin_user)
    if "object_type" in query:
        query["object_type"] = ContentType.objects.get(model=query["object_type"]).pk
    response = client.get(reverse("audit:changes"), {**RANGE, **query})
    assert response.status_code == 200
    assert [(action, model) for action, model, _id in shown(response)] == expected


def test_the_object_id_filter(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("audit:changes"), {"object_type": ContentType.objects.get(model="unit").pk,
                                                     "object_id": history["street"].pk,
                                                     **RANGE})
    assert shown(response) == [(1, "unit", history["street"].pk)]
    assert "新街道" in response.content.decode()


def test_pages_follow_one_another(client, admin_user, history):
    client.force_login(admin_user)
    first = client.get(reverse("audit:changes"), {**RANGE, "per_page": 20})
    assert len(shown(first)) == 3 and first.context["next_url"] is None
    rows = list(ChangeEntry.objects.filter(pk__gt=history["mark"]).order_by("-timestamp", "-id"))
    assert [e.pk for e in first.context["entries"]] == [e.pk for e in rows]


@pytest.mark.parametrize("query", [
    {"since": "yesterday"}, {"object_id": "1e9"}, {"object_id": "99999999999999999999"},
    {"address": "10.0.0.999"}, {"action": "9"}, {"object_type": "x"},
    {"since": "2019-03-04", "until": "2019-03-01"}, {"person": "x" * 200},
])
def test_a_malformed_filter_is_a_400_with_no_rows(client, admin_user, history, query):
    client.force_login(admin_user)
    response = client.get(reverse("audit:changes"), query)
    assert response.status_code == 400
    assert shown(response) == []
    assert client.get(reverse("audit:changes-export"), query).status_code == 400


@pytest.mark.parametrize(("name", "query", "field"), [
    ("audit:changes", {"until": "9999-12-31"}, "until"),
    ("audit:changes", {"since": "0001-01-01"}, "since"),
    ("audit:security", {"since": "0001-01-01"}, "since"),
    ("audit:security", {"until": "9999-12-31"}, "until"),
    ("audit:security", {"since": "1999-12-31"}, "since"),
    ("audit:changes", {"until": "2101-01-01"}, "until"),
])
def test_a_date_out_of_range_is_a_form_error(client, admin_user, history, events, name, query, field):
    client.force_login(admin_user)
    response = client.get(reverse(name), query)
    assert response.status_code == 400
    assert response.context["form"].errors == {field: ["请输入 2000-01-01 至 2100-12-31 之间的日期。"]}
    assert client.get(reverse(f"{name}-export"), query).status_code == 400


@pytest.mark.parametrize("name", ["audit:changes", "audit:security"])
def test_the_range_edges_are_taken(client, admin_user, name):
    client.force_login(admin_user)
    query = {"since": "2000-01-01", "until": "2100-12-31"}
    assert client.get(reverse(name), query).status_code == 200
    assert client.get(reverse(f"{name}-export"), query).status_code == 200


@pytest.mark.parametrize("address", ["1.2.3.4:80", "[2001:db8::1]:443", "10.0.0.999"])
def test_an_address_with_a_port_is_asked_for_without(client, admin_user, address):
    client.force_login(admin_user)
    response = client.get(reverse("audit:security"), {"address": address})
    assert response.status_code == 400
    assert response.context["form"].errors == {"address": ["请输入 IP 地址（不含端口）"]}


def test_a_malformed_cursor_is_the_first_page(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("audit:changes"), {**RANGE, "after": "garbage~x"})
    assert response.status_code == 200 and len(shown(response)) == 3


def test_the_export_holds_the_filtered_rows_formula_safe(client, admin_user, history, people):
    client.force_login(admin_user)
    response = client.get(reverse("audit:changes-export"),
                          {**RANGE, "address": "10.0.0.2", "action": "0"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["时间", "操作人", "地址", "操作", "对象类型", "对象编号", "对象", "改动"]
    assert len(values) == 2
    time, person, address, action, kind, object_id, name, changes = values[1]
    assert (time, person, address, action, kind, object_id) == (
        "2019-03-03 09:30:00", "insp", "10.0.0.2", "新建", "点位", history["point_pk"])
    assert name == "P-1 =1+1"
    assert sheet["G2"].data_type == "s"        # text, never a formula
    assert "名称: =1+1" in changes        # a creation: its values


def test_the_export_is_bounded(client, admin_user, history, settings):
    settings.AUDIT_EXPORT_MAX_ROWS = 2
    client.force_login(admin_user)
    response = client.get(reverse("audit:changes-export"), RANGE)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 3     # the headers and the 2 newest rows


@pytest.fixture
def events(people):
    with time_machine.travel(DAY_ONE, tick=False):
        record_event(SecurityKind.LOGIN_FAILED, request=None, username="ghost")
    with time_machine.travel(DAY_TWO, tick=False):
        record_event(SecurityKind.LOGIN, request=None, user=people["staff"])
        record_event(SecurityKind.REFUSED, request=None, user=people["staff"], path="/units/9/", status=404)


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["refused", "login", "login_failed"]),
    ({"kind": "refused"}, ["refused"]),
    ({"person": "ghost"}, ["login_failed"]),
    ({"since": "2019-03-03"}, ["refused", "login"]),
    ({"until": "2019-03-02"}, ["login_failed"]),
])
def test_the_security_filters(client, admin_user, events, query, expected):
    client.force_login(admin_user)
    response = client.get(reverse("audit:security"), {**RANGE, **query})
    assert [e.kind for e in response.context["events"]] == expected


def test_the_security_export(client, admin_user, events):
    client.force_login(admin_user)
    response = client.get(reverse("audit:security-export"), {**RANGE, "kind": "refused"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["时间", "事件", "用户名", "地址", "状态码", "路径", "详情"],
        ["2019-03-03 09:30:00", "拒绝访问", "staff", None, 404, "/units/9/", None],
    ]


def test_event_details_are_shown_in_words(client, admin_user, people):
    with time_machine.travel(DAY_ONE, tick=False):
        record_event(SecurityKind.RECOVERY_CODE_LOGIN, request=None, user=people["staff"],
                     details={"what": "recovery_code"})
        record_event(SecurityKind.SESSION_EXPIRED, request=None, user=people["staff"],
                     details={"reason": "idle"})
        record_event(SecurityKind.SECOND_FACTOR_RESET, request=None, user=people["staff"],
                     details={"by": "root"})
    client.force_login(admin_user)
    page = client.get(reverse("audit:security"), RANGE).content.decode()
    for text in ("使用恢复码登录", "方式：恢复码", "原因：长时间未操作", "操作人：root"):
        assert text in page, text
    assert "what" not in page and "recovery_code" not in page
    response = client.get(reverse("audit:security-export"), RANGE)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [(row[1].value, row[6].value) for row in sheet.iter_rows(min_row=2)] == [
        ("重置两步验证", "操作人：root"), ("会话过期", "原因：长时间未操作"),
        ("使用恢复码登录", "方式：恢复码")]


@pytest.mark.parametrize("name", ["audit:changes", "audit:security"])
def test_the_page_costs_the_same_queries_for_5_and_200_rows(client, admin_user, tree, name,
                                                              django_assert_num_queries):
    client.force_login(admin_user)
    url = reverse(name)
    client.get(url)   # content types cached, as in a running server

    def queries_for(count: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"per_page": 200}).status_code == 200
        return len(captured)

    for number in range(5):
        Point.objects.create(campaign=tree["city"].campaign, unit=tree["street_a"], code=f"Q{number}",
                             kind="market", name="点")
        record_event(SecurityKind.REFUSED, request=None, user=admin_user)
    few = queries_for(5)
    with time_machine.travel(DAY_ONE, tick=False):
        for number in range(200):
            Point.objects.create(campaign=tree["city"].campaign, unit=tree["street_a"], code=f"R{number}",
                                 kind="market", name="点")
            SecurityEvent.objects.create(at=DAY_ONE, kind="login", username=f"u{number}")
    # The changes name their related objects (the points' campaign and unit) in one query per
    # related model for the whole page.
    assert queries_for(200) == few <= 7


def test_audit_rows_are_read_only_in_the_admin(client, admin_user, history):
    client.force_login(admin_user)
    entry = ChangeEntry.objects.latest("id")
    event = SecurityEvent.objects.create(at=DAY_ONE, kind="login", username="x")
    for model, obj in (("changeentry", entry), ("securityevent", event)):
        assert client.get(reverse(f"admin:audit_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:audit_{model}_add")).status_code == 403
        assert client.get(reverse(f"admin:audit_{model}_delete", args=[obj.pk])).status_code == 403
        change = reverse(f"admin:audit_{model}_change", args=[obj.pk])
        assert client.get(change).status_code == 200          # shown, read only
        client.post(change, {"username": "changed", "object_repr": "changed"})
    assert SecurityEvent.objects.get(pk=event.pk).username == "x"
    assert ChangeEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr
