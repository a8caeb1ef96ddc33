"""The inbox, opening and marking notifications, the nav count, preferences, and a unit's group
robots page (validation, bound, test message, delivery log)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.notifications.models import Delivery, Notification, NotificationPreference, UnitWebhook

CST = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=CST)
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

pytestmark = pytest.mark.django_db


def _note(user, n=1, url="/items/7/", read=False, kind="due_today"):
    return Notification.objects.create(
        recipient=user, kind=kind, key=f"item:7:{kind}:{n}", url=url,
        params={"code": f"Z-{n}", "unit": "甲街道", "deadline": "2026-03-10 18:00", "title": "占道经营"},
        created_at=NOW + dt.timedelta(minutes=n), read_at=NOW if read else None,
    )


def test_inbox_lists_newest_first_in_the_readers_language(client, people):
    staff = people["staff"]
    _note(staff, 1, read=True)
    _note(staff, 2)
    _note(people["other_staff"], 3)
    client.force_login(staff)
    page = client.get(reverse("notifications:inbox")).content.decode()
    first = "甲街道的整改事项 Z-2 今天 2026-03-10 18:00 到期：占道经营"
    second = "甲街道的整改事项 Z-1 今天 2026-03-10 18:00 到期：占道经营"
    assert first in page and second in page and page.index(first) < page.index(second)
    assert "Z-3" not in page
    english = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The session's language is not set: the browser's is read.
    assert "Item Z-2 of 甲街道 is due today at 2026-03-10 18:00: 占道经营" in english


def test_inbox_unread_filter_and_paging(client, people):
    staff = people["staff"]
    for n in range(1, 46):
        _note(staff, n, read=n % 2 == 0)
    client.force_login(staff)
    response = client.get(reverse("notifications:inbox"), {"unread": "1", "per_page": "20"})
    codes = [f"Z-{n} " for n in range(45, 0, -2)]   # the 23 unread
    page = response.content.decode()
    assert [code in page for code in codes] == [True] * 20 + [False] * 3
    assert response.context["next_url"] is not None and "unread=1" in response.context["next_url"]
    rest = client.get(reverse("notifications:inbox") + response.context["next_url"]).content.decode()
    assert [code in rest for code in codes] == [False] * 20 + [True] * 3


def test_inbox_and_nav_count_query_counts(client, people, django_assert_num_queries):
    staff = people["staff"]
    for n in range(1, 31):
        _note(staff, n)
    client.force_login(staff)
    # session, user, the page of notifications, the robots' units (memberships, charges),
    # the unread count in the nav: the same for 30 rows as for 3.
    with django_assert_num_queries(6):
        client.get(reverse("notifications:inbox"))
    Notification.objects.filter(pk__in=Notification.objects.order_by("pk").values("pk")[:27]).delete()
    with django_assert_num_queries(6):
        client.get(reverse("notifications:inbox"))


def test_nav_shows_the_unread_count_capped_at_99(client, people, django_assert_num_queries):
    staff = people["staff"]
    client.force_login(staff)
    page = client.get(reverse("task-mine")).content.decode()
    assert 'id="nav-inbox"' in page and 'id="nav-unread"' not in page
    # Phones: the bell beside the menu button, outside the menu, named by its count.
    assert 'id="nav-inbox-compact" aria-label="消息"' in page and 'id="nav-unread-compact"' not in page
    _note(staff, 1)
    _note(staff, 2, read=True)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("task-mine")).content.decode()
    # Both bells show the one unread count.
    assert len([q for q in queries if '"notifications_notification"' in q["sql"]]) == 1
    assert 'id="nav-unread">1<span class="visually-hidden"> 未读</span>' in page
    assert ('id="nav-inbox-compact" aria-label="1 条未读消息"><i class="bi bi-bell" aria-hidden="true">'
            '</i> <span class="badge rounded-pill text-bg-light" id="nav-unread-compact">1</span></a>'
            in page)
    Notification.objects.bulk_create([
        Notification(recipient=staff, kind="due_today", key=f"k{n}", url="/", created_at=NOW)
        for n in range(99)
    ])
    page = client.get(reverse("task-mine")).content.decode()
    assert 'id="nav-unread">99+<span' in page
    assert 'aria-label="99+ 条未读消息"' in page and 'id="nav-unread-compact">99+</span>' in page


def test_opening_marks_read_and_goes_to_the_object(client, people):
    note = _note(people["staff"], 1)
    client.force_login(people["staff"])
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/items/7/"
    note.refresh_from_db()
    assert note.read_at == NOW + dt.timedelta(hours=1)


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)",
                                 "items/7/", "/\\evil.example"])
def test_opening_a_notification_with_a_foreign_link_goes_to_the_inbox(client, people, url):
    note = _note(people["staff"], 1, url=url)
    client.force_login(people["staff"])
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_another_persons_notification_is_not_found(client, people):
    note = _note(people["other_staff"], 1)
    client.force_login(people["staff"])
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_read_and_mark_all_read(client, people):
    staff = people["staff"]
    first, second, third = _note(staff, 1), _note(staff, 2), _note(staff, 3)
    theirs = _note(people["other_staff"], 4)
    client.force_login(staff)
    assert client.get(reverse("notifications:read", args=[first.pk])).status_code == 405
    assert client.get(reverse("notifications:read-all")).status_code == 405
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = client.post(reverse("notifications:read", args=[first.pk]), {"unread": "1"})
    assert response["Location"] == reverse("notifications:inbox") + "?unread=1"
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk")) == [second, third, theirs]
    response = client.post(reverse("notifications:read-all"), follow=True)
    assert "2 条消息已标为已读。" in response.content.decode()
    assert list(Notification.objects.filter(read_at__isnull=True)) == [theirs]


def test_csrf_is_required_to_mark_read(people):
    from django.test import Client

    note = _note(people["staff"], 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["staff"])
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 403


def test_preferences_are_edited_by_their_owner(client, people):
    staff = people["staff"]
    client.force_login(staff)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="21:00"' in page and 'value="08:00"' in page
    response = client.post(reverse("notifications:preferences"),
                           {"quiet_start": "22:30", "quiet_end": "07:00"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=staff)
    assert (preference.by_email, preference.quiet_start, preference.quiet_end) == (
        False, dt.time(22, 30), dt.time(7, 0))
    response = client.post(reverse("notifications:preferences"), {"quiet_start": "25:00",
                                                                   "quiet_end": "07:00"})
    assert response.status_code == 400
    assert NotificationPreference.objects.get(user=staff).quiet_start == dt.time(22, 30)


def _robots(unit):
    return reverse("notifications:unit-webhooks", args=[unit.pk])


def test_coordinator_adds_a_robot_and_sees_it_masked(client, tree, people):
    client.force_login(people["coordinator"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(_robots(tree["street_a"]), {
            "kind": "wecom", "url": WECOM, "quiet_start": "21:00", "quiet_end": "08:00",
            "is_active": "on"})
    assert response.status_code == 302
    webhook = UnitWebhook.objects.get()
    assert (webhook.unit, webhook.url, webhook.created_by, webhook.created_at) == (
        tree["street_a"], WECOM, people["coordinator"], NOW)
    page = client.get(_robots(tree["street_a"])).content.decode()
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••5aaa" in page
    assert "693a91f6" not in page
    assert '<button class="btn btn-primary" type="submit">保存</button>' in page


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"url": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, "url", "网址必须以 https:// 开头。"),
    ({"url": "https://10.0.0.1/cgi-bin/webhook/send?key=k"}, "url",
     "服务器只能调用以下主机：qyapi.weixin.qq.com, oapi.dingtalk.com。"),
    ({"url": "https://example.com/robot"}, "url",
     "服务器只能调用以下主机：qyapi.weixin.qq.com, oapi.dingtalk.com。"),
    ({"url": "https://qyapi.weixin.qq.com.example.com/x"}, "url",
     "服务器只能调用以下主机：qyapi.weixin.qq.com, oapi.dingtalk.com。"),
    ({"url": "https://user:pw@qyapi.weixin.qq.com/x"}, "url", "网址中不能包含用户名或密码。"),
    ({"url": "https://qyapi.weixin.qq.com/?key=" + "k" * 468}, "url",
     "确保该变量包含不超过 500 字符 (目前字符数 501)。"),
    ({"secret": "SEC123"}, "secret", "只有钉钉机器人有加签密钥。"),
    ({"secret": "S" * 101, "kind": "dingtalk"}, "secret",
     "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
])
def test_bad_robots_are_refused_with_a_message(client, tree, people, data, field, error):
    client.force_login(people["coordinator"])
    response = client.post(_robots(tree["street_a"]), {
        "kind": "wecom", "url": WECOM, "quiet_start": "21:00", "quiet_end": "08:00", **data})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert UnitWebhook.objects.count() == 0


def test_at_most_five_robots_per_unit(client, tree, people):
    client.force_login(people["coordinator"])
    for _n in range(5):
        UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=WECOM, created_at=NOW)
    response = client.post(_robots(tree["street_a"]), {
        "kind": "wecom", "url": WECOM, "quiet_start": "21:00", "quiet_end": "08:00"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["每个单位最多设置 5 个群机器人。"]
    assert UnitWebhook.objects.count() == 5


def test_robots_page_scope_and_role(client, tree, people, member):
    district = member(tree["district_a"], "coordinator")
    client.force_login(district)
    page = client.get(_robots(tree["district_a"])).content.decode()
    assert f'<a href="{_robots(tree["street_a"])}">甲街道</a>' in page   # the units below
    assert _robots(tree["city"]) not in page                              # not theirs above
    assert _robots(tree["district_a"]) in client.get(_robots(tree["street_a"])).content.decode()
    assert client.get(_robots(tree["street_a"])).status_code == 200
    assert client.get(_robots(tree["street_b"])).status_code == 404
    client.force_login(people["staff"])
    assert client.get(_robots(tree["street_a"])).status_code == 403
    assert client.post(_robots(tree["street_a"]), {"kind": "wecom", "url": WECOM}).status_code == 403
    assert UnitWebhook.objects.count() == 0


def test_test_message_reaches_the_robot_and_the_log(client, tree, people, robot_server,
                                                    django_capture_on_commit_callbacks):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=robot_server.url(),
                                         quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0),
                                         created_at=NOW)
    client.force_login(people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:webhook-test", args=[webhook.pk]))
    assert response.status_code == 302
    name = str(people["coordinator"])
    assert robot_server.posts[0]["body"]["text"]["content"] == (
        f"创城督办系统测试消息，由{name}发送。\nhttps://ct.example.org/")
    page = client.get(_robots(tree["street_a"])).content.decode()
    assert "已发送" in page and f"创城督办系统测试消息，由{name}发送。" in page
    assert Delivery.objects.get().status == "sent"


def test_one_test_message_per_robot_per_minute(client, tree, people, member, robot_server,
                                              django_capture_on_commit_callbacks):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=robot_server.url(),
                                         quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0),
                                         created_at=NOW)
    other = member(tree["street_a"], "coordinator")
    url = reverse("notifications:webhook-test", args=[webhook.pk])

    def click(who, at):
        client.force_login(who)
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert response.redirect_chain == [(_robots(tree["street_a"]), 302)]
        return [str(message) for message in response.context["messages"]]

    on_its_way = "测试消息正在发送，结果见下方发送记录。"
    too_soon = "不到一分钟前刚发送过测试消息，请一分钟后再试。"
    assert click(people["coordinator"], NOW + dt.timedelta(seconds=5)) == [on_its_way]
    assert click(people["coordinator"], NOW + dt.timedelta(seconds=30)) == [too_soon]
    assert click(other, NOW + dt.timedelta(seconds=59)) == [too_soon]   # per robot, whoever clicks
    assert click(other, NOW + dt.timedelta(minutes=1)) == [on_its_way]
    assert list(Delivery.objects.order_by("pk").values_list("key", "created_at", "status")) == [
        ("test:2026-03-10T02:00Z", NOW + dt.timedelta(seconds=5), "sent"),
        ("test:2026-03-10T02:01Z", NOW + dt.timedelta(minutes=1), "sent"),
    ]
    assert len(robot_server.posts) == 2


def test_removing_a_robot_needs_confirmation_and_the_role(client, tree, people):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=WECOM, created_at=NOW)
    client.force_login(people["staff"])
    assert client.post(reverse("notifications:webhook-delete", args=[webhook.pk]),
                       {"confirm": "1"}).status_code == 403
    client.force_login(people["coordinator"])
    url = reverse("notifications:webhook-delete", args=[webhook.pk])
    assert client.post(url).status_code == 400
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert UnitWebhook.objects.count() == 0


def test_delivery_log_shows_the_last_50(client, tree, people, django_assert_max_num_queries):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=WECOM, created_at=NOW)
    Delivery.objects.bulk_create([
        Delivery(webhook=webhook, channel="wecom", key=f"k{n}", target=f"webhook:{webhook.pk}",
                 text=f"消息{n:03d}", status="failed", attempts=5, last_error="HTTP 500",
                 created_at=NOW + dt.timedelta(minutes=n)) for n in range(60)
    ])
    client.force_login(people["coordinator"])
    response = client.get(_robots(tree["street_a"]))
    log = response.context["log"]
    assert [row.text for row in log] == [f"消息{n:03d}" for n in range(59, 9, -1)]
    page = response.content.decode()
    assert page.count("HTTP 500") == 50


@pytest.mark.parametrize("model", ["notification", "notificationpreference", "unitwebhook", "delivery"])
def test_admin_lists_the_notification_models(admin_client, tree, model):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=WECOM, created_at=NOW)
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k", target="webhook:1",
                                       text="t", created_at=NOW)
    assert admin_client.get(f"/admin/notifications/{model}/").status_code == 200
    page = admin_client.get(f"/admin/notifications/delivery/{delivery.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()   # read-only


def test_admin_applies_the_allow_list(admin_client, tree):
    data = {"unit": tree["street_a"].pk, "kind": "wecom", "url": "https://10.0.0.1/x",
            "quiet_start": "21:00", "quiet_end": "08:00"}
    response = admin_client.post("/admin/notifications/unitwebhook/add/", data)
    assert response.status_code == 200 and UnitWebhook.objects.count() == 0
    data["url"] = WECOM
    assert admin_client.post("/admin/notifications/unitwebhook/add/", data).status_code == 302
    assert UnitWebhook.objects.get().url == WECOM
