"""Idle (30 minutes) and absolute (12 hours) session timeouts (campaign.accounts.timeouts)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaign import signals
from campaign.accounts.timeouts import SEEN, STARTED
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LOGIN = reverse("login")


@pytest.fixture
def expirations():
    sent = []

    def record(sender, request, user, reason, **kwargs):
        sent.append((user.username, reason))

    signals.session_expired.connect(record)
    yield sent
    signals.session_expired.disconnect(record)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def log_in(client):
    factories.UserFactory(username="wang")
    response = client.post(LOGIN, {"username": "wang", "password": "pass-word-123"})
    assert response.status_code == 302


def at(clock, **delta):
    clock.move_to(T0 + dt.timedelta(**delta))


def test_a_session_survives_29_idle_minutes_and_ends_after_31(client, clock, expirations):
    log_in(client)
    at(clock, minutes=29)
    assert client.get(reverse("unit-tree")).status_code == 200
    at(clock, minutes=29 + 31)
    response = client.get(reverse("unit-tree") + "?q=1")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/units/%3Fq%3D1"
    assert expirations == [("wang", "idle")]
    page = client.get(response["Location"]).content.decode()
    assert "您已超过 30 分钟未操作，已自动退出。请重新登录。" in page
    assert client.get(reverse("home")).status_code == 302         # logged out for good


def test_the_idle_message_in_english(client, clock):
    log_in(client)
    at(clock, minutes=31)
    response = client.get(reverse("home"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You were logged out after 30 minutes without activity. Please log in again." in (
        response.content.decode())


def test_a_session_ends_12_hours_after_log_in_however_active(client, clock, expirations):
    log_in(client)
    for minutes in range(25, 12 * 60, 25):
        at(clock, minutes=minutes)
        assert client.get(reverse("home")).status_code == 200
    at(clock, hours=11, minutes=59)
    assert client.get(reverse("home")).status_code == 200
    at(clock, hours=12, minutes=1)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(f"{LOGIN}?next=/", 302)]
    assert "登录会话最长 12 小时，您已自动退出。请重新登录。" in response.content.decode()
    assert expirations == [("wang", "absolute")]


def test_the_activity_stamp_is_written_at_most_once_a_minute(client, clock):
    log_in(client)
    start = T0.timestamp()
    assert (client.session[STARTED], client.session[SEEN]) == (start, start)
    at(clock, seconds=59)
    client.get(reverse("home"))
    assert client.session[SEEN] == start
    at(clock, seconds=61)
    client.get(reverse("home"))
    assert client.session[SEEN] == start + 61
    assert client.session[STARTED] == start


def test_the_timeouts_are_settings(client, clock, settings):
    settings.SESSION_IDLE = dt.timedelta(minutes=5)
    log_in(client)
    at(clock, minutes=6)
    response = client.get(reverse("home"), follow=True)
    assert "您已超过 5 分钟未操作，已自动退出。请重新登录。" in response.content.decode()


def test_a_form_sent_after_the_timeout_brings_back_the_page_it_was_sent_from(client, clock):
    log_in(client)
    at(clock, minutes=31)
    response = client.post(reverse("logout"), HTTP_REFERER="http://testserver/units/list/?page=2")
    assert response["Location"] == f"{LOGIN}?next=/units/list/%3Fpage%3D2"


def test_a_form_sent_from_elsewhere_after_the_timeout_goes_to_the_log_in_page(client, clock):
    log_in(client)
    at(clock, minutes=31)
    response = client.post(reverse("logout"), HTTP_REFERER="https://example.com/units/")
    assert response["Location"] == LOGIN


def test_a_malformed_referer_after_the_timeout_goes_to_the_log_in_page(client, clock):
    log_in(client)
    at(clock, minutes=31)
    response = client.post(reverse("logout"), HTTP_REFERER="http://[::1/units/")
    assert response["Location"] == LOGIN


def test_a_session_from_before_the_stamps_starts_its_clocks_at_its_next_request(client, clock):
    factories.login(client, factories.UserFactory())
    session = client.session
    del session[STARTED], session[SEEN]
    session.save()
    at(clock, hours=6)
    assert client.get(reverse("home")).status_code == 200
    assert client.session[STARTED] == (T0 + dt.timedelta(hours=6)).timestamp()


def test_any_log_in_starts_the_clocks(client, clock):
    factories.login(client, factories.UserFactory())      # force_login: no view, no middleware
    assert (client.session[STARTED], client.session[SEEN]) == (T0.timestamp(), T0.timestamp())
