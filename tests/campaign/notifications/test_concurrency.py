"""Two schedulers at once (PostgreSQL: real unique constraints under concurrency and row locks
with SKIP LOCKED): one notification, one delivery, one post."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from campaign.notifications import jobs
from campaign.notifications.models import Delivery, Notification, UnitWebhook
from campaign.notifications.services import Message, notify
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_two_notify_at_once_make_one_of_each_and_post_once(tree, member, robot_server):
    staff = member(tree["street_a"])
    UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=robot_server.url(),
                               quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0), created_at=NOW)
    message = Message(key="item:1:due_today:2026-03-10", kind="due_today", url="/items/1/",
                      unit_id=tree["street_a"].pk)
    results = race(lambda: notify(message, [staff], now=NOW), lambda: notify(message, [staff], now=NOW))
    assert not [r for r in results if isinstance(r, Exception)]
    assert Notification.objects.count() == 1
    assert list(Delivery.objects.values_list("status", "attempts")) == [("sent", 1)]
    assert len(robot_server.posts) == 1


def test_two_workers_on_one_delivery_send_it_once(tree, robot_server):
    webhook = UnitWebhook.objects.create(unit=tree["street_a"], kind="wecom", url=robot_server.url(),
                                         quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0),
                                         created_at=NOW)
    delivery = Delivery.objects.create(webhook=webhook, channel="wecom", key="k",
                                       target=f"webhook:{webhook.pk}", text="t", next_attempt_at=NOW,
                                       created_at=NOW)
    results = race(lambda: jobs.attempt(delivery.pk, now=NOW), lambda: jobs.attempt(delivery.pk, now=NOW))
    # The other worker skipped the locked row (None) or came after and found it sent.
    assert "sent" in results and set(results) <= {"sent", None}
    assert len(robot_server.posts) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
