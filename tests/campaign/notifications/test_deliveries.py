"""notify's deliveries and their carrying: the WeCom and DingTalk payloads (DingTalk's signature
checked by the stand-in server's side), email through a local SMTP server, retries with backoff,
independence of channels, quiet hours, and once-only delivery."""

import base64
import datetime as dt
import hashlib
import hmac
import threading
import time
from email import message_from_bytes, policy
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections

from campaign.notifications import jobs
from campaign.notifications.models import Delivery, Notification, NotificationPreference, UnitWebhook
from campaign.notifications.services import Message, notify

CST = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=CST)   # a Tuesday morning, outside quiet hours
TEXT = "甲街道的整改事项 Z-7 今天 2026-03-10 18:00 到期：占道经营\nhttps://ct.example.org/items/7/"

pytestmark = pytest.mark.django_db


def _message(unit, key="item:7:due_today:2026-03-10"):
    return Message(key=key, kind="due_today", url="/items/7/", unit_id=unit.pk,
                   params={"code": "Z-7", "unit": "甲街道", "deadline": "2026-03-10 18:00",
                           "title": "占道经营"})


def _webhook(unit, url, kind="wecom", **fields):
    return UnitWebhook.objects.create(unit=unit, kind=kind, url=url, created_at=NOW, **fields)


def _notify(capture, message, recipients, now=NOW):
    with time_machine.travel(now, tick=False), capture(execute=True):
        return notify(message, recipients, now=now)


def test_wecom_robot_gets_the_chinese_text_with_the_link(tree, robot_server,
                                                         django_capture_on_commit_callbacks):
    webhook = _webhook(tree["street_a"], robot_server.url())
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [])
    assert robot_server.posts == [{"method": "POST", "path": "/cgi-bin/webhook/send",
                                   "query": {"key": "abcdef123456"},
                                   "body": {"msgtype": "text", "text": {"content": TEXT}}}]
    delivery = Delivery.objects.get()
    assert (delivery.webhook, delivery.channel, delivery.target, delivery.status, delivery.attempts,
            delivery.sent_at, delivery.last_error) == (
        webhook, "wecom", f"webhook:{webhook.pk}", "sent", 1, NOW, "")


def test_dingtalk_robot_signs_with_its_secret(tree, robot_server, django_capture_on_commit_callbacks):
    secret = "SEC0123456789abcdef"
    _webhook(tree["street_a"], robot_server.url("/robot/send?access_token=tok9876543210"),
             kind="dingtalk", secret=secret)
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [])
    [post] = robot_server.posts
    assert post["path"] == "/robot/send"
    assert post["body"] == {"msgtype": "text", "text": {"content": TEXT}}
    query = post["query"]
    assert set(query) == {"access_token", "timestamp", "sign"}
    assert query["access_token"] == "tok9876543210"
    assert query["timestamp"] == str(int(NOW.timestamp() * 1000))
    expected = base64.b64encode(hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == expected   # parse_qsl already URL-decoded it once
    assert Delivery.objects.get().status == "sent"


def test_dingtalk_signature_is_url_encoded():
    from campaign.notifications.channels import dingtalk_signed

    url = dingtalk_signed("https://oapi.dingtalk.com/robot/send?access_token=t", "s", now_ms=1700000000000)
    digest = base64.b64encode(hmac.new(b"s", b"1700000000000\ns", hashlib.sha256).digest()).decode()
    head, sign = url.split("&sign=")
    assert head == "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000"
    assert unquote_plus(sign) == digest and "+" not in sign and "/" not in sign and "=" not in sign


def test_email_reaches_the_smtp_server(tree, member, smtp_server, django_capture_on_commit_callbacks):
    staff = member(tree["street_a"], email="zhang@example.org")
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [staff])
    [envelope] = smtp_server
    assert envelope.rcpt_tos == ["zhang@example.org"]
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.target, delivery.status, delivery.attempts, delivery.text) == (
        "email", f"user:{staff.pk}", "sent", 1, TEXT)
    assert delivery.notification == Notification.objects.get(recipient=staff)
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["To"] == "zhang@example.org"
    assert mail["Subject"] == TEXT.splitlines()[0]
    assert mail.get_content().replace("\r\n", "\n").strip() == TEXT


def test_no_email_delivery_when_email_is_off_or_unwanted(tree, member, settings,
                                                         django_capture_on_commit_callbacks):
    settings.NOTIFY_BY_EMAIL = False
    staff = member(tree["street_a"], email="zhang@example.org")
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [staff])
    assert Delivery.objects.count() == 0
    settings.NOTIFY_BY_EMAIL = True
    other = member(tree["street_a"], email="li@example.org")
    NotificationPreference.objects.create(user=other, by_email=False)
    nobody = member(tree["street_a"], email="")
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"], key="k2"), [other, nobody])
    assert Notification.objects.filter(key="k2").count() == 2
    assert Delivery.objects.count() == 0


def test_notify_twice_makes_one_notification_and_one_delivery_each(
        tree, member, robot_server, smtp_server, django_capture_on_commit_callbacks):
    staff = member(tree["street_a"], email="zhang@example.org")
    _webhook(tree["street_a"], robot_server.url())
    message = _message(tree["street_a"])
    _notify(django_capture_on_commit_callbacks, message, [staff])
    _notify(django_capture_on_commit_callbacks, message, [staff], now=NOW + dt.timedelta(minutes=5))
    assert Notification.objects.filter(recipient=staff).count() == 1
    assert sorted(Delivery.objects.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1), ("wecom", "sent", 1)]
    assert len(robot_server.posts) == 1 and len(smtp_server) == 1


def test_failed_post_is_retried_with_backoff_until_it_fails(tree, robot_server,
                                                            django_capture_on_commit_callbacks):
    robot_server.script = [(500, {})] * 6
    _webhook(tree["street_a"], robot_server.url())
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [])
    delivery = Delivery.objects.get()
    seen = [(delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.last_error)]
    moment = NOW
    for wait in (1, 5, 30, 120, 360):
        # Not due a second early: the sweep leaves it.
        assert jobs.deliver_due(moment + dt.timedelta(minutes=wait, seconds=-1)) == 0
        moment += dt.timedelta(minutes=wait)
        with time_machine.travel(moment, tick=False):
            assert jobs.deliver_due(moment) == 1
        delivery.refresh_from_db()
        seen.append((delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.last_error))
    at = NOW
    assert seen == [
        ("pending", 1, at + dt.timedelta(minutes=1), "HTTP 500"),
        ("pending", 2, at + dt.timedelta(minutes=6), "HTTP 500"),
        ("pending", 3, at + dt.timedelta(minutes=36), "HTTP 500"),
        ("pending", 4, at + dt.timedelta(minutes=156), "HTTP 500"),
        ("pending", 5, at + dt.timedelta(minutes=516), "HTTP 500"),
        ("failed", 6, None, "HTTP 500"),
    ]
    assert jobs.deliver_due(moment + dt.timedelta(days=1)) == 0
    assert len(robot_server.posts) == 6


def test_retry_after_a_failure_succeeds(tree, robot_server, django_capture_on_commit_callbacks):
    robot_server.script = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    _webhook(tree["street_a"], robot_server.url())
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.last_error) == (
        "pending", 1, NOW + dt.timedelta(minutes=1), "errcode 310000: sign not match")
    later = NOW + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert jobs.deliver_due(later) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at, delivery.next_attempt_at,
            delivery.last_error) == ("sent", 2, later, None, "")
    assert len(robot_server.posts) == 2


def test_a_failing_channel_does_not_stop_the_others(tree, member, robot_server, smtp_server,
                                                    django_capture_on_commit_callbacks):
    from tests.campaign.notifications.conftest import _free_port

    staff = member(tree["street_a"], email="zhang@example.org")
    dead = _webhook(tree["street_a"], f"http://127.0.0.1:{_free_port()}/cgi-bin/webhook/send?key=x")
    alive = _webhook(tree["street_a"], robot_server.url())
    made = _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [staff])
    assert len(made) == 1
    statuses = {row.target: (row.status, row.attempts) for row in Delivery.objects.all()}
    assert statuses == {f"webhook:{dead.pk}": ("pending", 1), f"webhook:{alive.pk}": ("sent", 1),
                        f"user:{staff.pk}": ("sent", 1)}
    assert Delivery.objects.get(webhook=dead).last_error.startswith("URLError")
    assert len(robot_server.posts) == 1 and len(smtp_server) == 1


def test_quiet_hours_hold_robot_and_email_until_morning(tree, member, robot_server, smtp_server,
                                                        django_capture_on_commit_callbacks):
    late = dt.datetime(2026, 3, 10, 22, 30, tzinfo=CST)
    morning = dt.datetime(2026, 3, 11, 8, 0, tzinfo=CST)
    leader = member(tree["district_a"], "leader", email="leader@example.org")
    _webhook(tree["street_a"], robot_server.url())
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [leader], now=late)
    assert sorted(Delivery.objects.values_list("channel", "status", "attempts", "next_attempt_at")) == [
        ("email", "held", 0, morning), ("wecom", "held", 0, morning)]
    assert robot_server.posts == [] and smtp_server == []
    assert jobs.deliver_due(morning - dt.timedelta(seconds=1)) == 0
    with time_machine.travel(morning, tick=False):
        assert jobs.deliver_due(morning) == 2
    assert sorted(Delivery.objects.values_list("channel", "status", "sent_at")) == [
        ("email", "sent", morning), ("wecom", "sent", morning)]
    assert len(robot_server.posts) == 1 and len(smtp_server) == 1


def test_own_quiet_hours_and_none(tree, member, smtp_server, django_capture_on_commit_callbacks):
    lunch = dt.datetime(2026, 3, 10, 13, 0, tzinfo=CST)
    napper = member(tree["street_a"], email="nap@example.org")
    NotificationPreference.objects.create(user=napper, quiet_start=dt.time(12, 0),
                                          quiet_end=dt.time(14, 0))
    owl = member(tree["street_a"], email="owl@example.org")
    NotificationPreference.objects.create(user=owl, quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0))
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [napper, owl], now=lunch)
    rows = {row.target: (row.status, row.next_attempt_at) for row in Delivery.objects.all()}
    assert rows == {f"user:{napper.pk}": ("held", dt.datetime(2026, 3, 10, 14, 0, tzinfo=CST)),
                    f"user:{owl.pk}": ("sent", None)}
    assert [envelope.rcpt_tos for envelope in smtp_server] == [["owl@example.org"]]


def test_a_held_delivery_is_held_again_if_released_inside_quiet_hours(tree, robot_server):
    webhook = _webhook(tree["street_a"], robot_server.url())
    night = dt.datetime(2026, 3, 10, 23, 0, tzinfo=CST)
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k", target="webhook:1",
                                       text="t", next_attempt_at=night, created_at=night)
    assert jobs.attempt(delivery.pk, now=night) == "held"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (0, dt.datetime(2026, 3, 11, 8, 0, tzinfo=CST))
    assert robot_server.posts == []


def test_sweep_is_bounded_oldest_first_and_queues_once_per_lease(tree, robot_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    webhook = _webhook(tree["street_a"], robot_server.url())
    Delivery.objects.bulk_create([
        Delivery(webhook=webhook, channel="wecom", key=f"k{n}", target=f"webhook:{webhook.pk}", text="t",
                 next_attempt_at=NOW - dt.timedelta(minutes=n), created_at=NOW) for n in range(5)
    ])
    from django.tasks import default_task_backend

    keys = dict(Delivery.objects.values_list("pk", "key"))

    def queued():
        return [keys[result.args[0]] for result in default_task_backend.results]

    assert jobs.deliver_due(NOW, limit=3) == 3
    assert queued() == ["k4", "k3", "k2"]
    # A worker that is stopped does not make the queue grow: queued ones wait for the lease.
    assert jobs.deliver_due(NOW + dt.timedelta(minutes=1)) == 2
    assert jobs.deliver_due(NOW + dt.timedelta(minutes=15)) == 0
    assert jobs.deliver_due(NOW + dt.timedelta(minutes=15, seconds=1)) == 3
    assert queued() == ["k4", "k3", "k2", "k1", "k0", "k4", "k3", "k2"]
    assert robot_server.posts == []


def test_with_the_database_backend_a_retry_is_deferred_to_its_time(tree, robot_server, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    robot_server.script = [(500, {})]
    webhook = _webhook(tree["street_a"], robot_server.url())
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k", target="webhook:1",
                                       text="t", next_attempt_at=NOW, created_at=NOW, queued_at=NOW)
    assert jobs.attempt(delivery.pk, now=NOW) == "pending"
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.args_kwargs, queued.run_after) == (
        "campaign.notifications.jobs.deliver", {"args": [delivery.pk], "kwargs": {}},
        NOW + dt.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.queued_at == NOW + dt.timedelta(minutes=1)
    # The sweep leaves it to its deferred task (until the lease runs out).
    assert jobs.deliver_due(NOW + dt.timedelta(minutes=2)) == 0


@pytest.mark.parametrize("people_count", [2, 12])
def test_notify_queries_do_not_grow_with_the_recipients(tree, member, settings, people_count,
                                                        django_assert_num_queries):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.NOTIFY_BY_EMAIL = True
    people = [member(tree["street_a"], email=f"p{n}@example.org") for n in range(people_count)]
    _webhook(tree["street_a"], "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    # Notifications: who has it, insert. Deliveries: people with preferences, their notifications,
    # the unit's robots, insert, re-select.
    with django_assert_num_queries(7):
        notify(_message(tree["street_a"]), people, now=NOW)
    assert Delivery.objects.count() == people_count + 1


@pytest.mark.django_db(transaction=True)
def test_pages_can_write_while_a_robot_takes_its_time(tree, member, robot_server):
    """The send runs outside any transaction: on SQLite (one writer at a time) a page saves
    while the robot has not answered yet, and the delivery shows it is being sent."""
    staff = member(tree["street_a"])
    webhook = _webhook(tree["street_a"], robot_server.url())
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k",
                                       target=f"webhook:{webhook.pk}", text="t", next_attempt_at=NOW,
                                       created_at=NOW)
    robot_server.hold = threading.Event()
    outcome = []

    def work():
        try:
            outcome.append(jobs.attempt(delivery.pk, now=NOW))
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        assert robot_server.arrived.wait(5)
        started = time.monotonic()
        Notification.objects.create(recipient=staff, kind="due_today", key="k", url="/", created_at=NOW)
        assert time.monotonic() - started < 1
        assert list(Delivery.objects.values_list("status", "attempts", "next_attempt_at")) == [
            ("sending", 1, NOW + jobs.LEASE)]
        # Another worker leaves it to the one that is sending it.
        assert jobs.attempt(delivery.pk, now=NOW + dt.timedelta(seconds=1)) is None
    finally:
        robot_server.hold.set()
        worker.join(10)
    assert outcome == ["sent"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at, delivery.next_attempt_at) == (
        "sent", 1, NOW, None)
    assert len(robot_server.posts) == 1


def test_a_lapsed_claim_counts_as_a_failed_attempt_and_is_retried(tree, robot_server):
    """A worker that stopped mid-send leaves its delivery "sending": once the claim lapses, the
    sweep finds it, the attempt is counted as failed, and the retry follows the backoff."""
    webhook = _webhook(tree["street_a"], robot_server.url())
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k",
                                       target=f"webhook:{webhook.pk}", text="t", status="sending",
                                       attempts=1, next_attempt_at=NOW + jobs.LEASE, created_at=NOW)
    lapsed = NOW + jobs.LEASE
    assert jobs.deliver_due(lapsed - dt.timedelta(seconds=1)) == 0
    with time_machine.travel(lapsed, tick=False):
        assert jobs.deliver_due(lapsed) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.last_error) == (
        "pending", 1, lapsed + dt.timedelta(minutes=1),
        "the worker stopped before the outcome was recorded")
    assert robot_server.posts == []
    with time_machine.travel(lapsed + dt.timedelta(minutes=1), tick=False):
        assert jobs.deliver_due(lapsed + dt.timedelta(minutes=1)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (
        "sent", 2, lapsed + dt.timedelta(minutes=1))
    assert len(robot_server.posts) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_not_followed(tree, robot_server, intranet_server, status,
                                            django_capture_on_commit_callbacks):
    robot_server.script = [(status, {}, {"Location": intranet_server.url("/admin/")})]
    _webhook(tree["street_a"], robot_server.url())
    _notify(django_capture_on_commit_callbacks, _message(tree["street_a"]), [])
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending", 1, f"HTTP {status}: redirect refused")
    assert len(robot_server.posts) == 1 and intranet_server.posts == []
