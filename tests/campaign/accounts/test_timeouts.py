"""Idle (30 minutes) and absolute (12 hours) session timeouts (campaign.accounts.timeouts)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaign import signals
from campaign.accounts.timeouts import SEEN, STARTED, script_timings
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


# ---- the page's script keeps an active person's session (session.js, accounts:ping) ----------------

PING = reverse("accounts:ping")


def test_the_ping_starts_the_idle_clock_again(client, clock):
    log_in(client)
    at(clock, seconds=10)
    response = client.post(PING)
    assert (response.status_code, response.content) == (204, b"")
    assert client.session[SEEN] == T0.timestamp() + 10      # now, not once a minute
    assert client.session[STARTED] == T0.timestamp()


def test_pinging_keeps_a_person_typing_a_long_visit_logged_in(client, clock):
    log_in(client)
    for minutes in (5, 10, 15, 20, 25, 30, 35, 40, 45):     # typing: the script pings
        at(clock, minutes=minutes)
        assert client.post(PING).status_code == 204
    at(clock, minutes=45 + 29)
    response = client.post(reverse("logout"))              # the form, sent at last
    assert response["Location"] == reverse("login")        # logged out by the form, not the clock


def test_the_ping_does_not_outlast_the_absolute_timeout(client, clock, expirations):
    log_in(client)
    for minutes in range(25, 12 * 60, 25):
        at(clock, minutes=minutes)
        assert client.post(PING).status_code == 204
    at(clock, hours=12, minutes=1)
    assert client.post(PING).status_code == 302
    assert expirations == [("wang", "absolute")]


def test_the_ping_is_a_post_and_needs_a_log_in(client, clock):
    response = client.post(PING)
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?next={PING}")
    log_in(client)
    assert client.get(PING).status_code == 405


def test_a_signed_in_page_tells_the_script_the_time_left(client, clock):
    log_in(client)
    at(clock, seconds=45)                # the stamp is a minute's: still the log-in's
    page = client.get(reverse("home")).content.decode()
    assert (f'data-session-ping="{PING}" data-session-left="1755" data-session-idle="1800" '
            'data-session-ping-every="300" data-session-warn-before="120"') in page
    assert 'id="session-notice" role="alert" hidden' in page
    assert "campaign/session.js" in page


@pytest.mark.parametrize(("minutes", "timings"), [
    (30, (300, 120)),
    (15, (300, 120)),
    (6, (120, 120)),
    (5, (100, 100)),
    (3, (60, 60)),
    (1, (20, 20)),
])
def test_the_script_pings_and_warns_within_a_third_of_a_short_idle_timeout(minutes, timings):
    # With PING_EVERY (5 minutes) at or above the idle timeout, a typing person's pings came too
    # late to keep the session.
    assert script_timings(dt.timedelta(minutes=minutes)) == timings


def test_a_short_idle_timeout_tells_the_script_to_ping_sooner(client, clock, settings):
    settings.SESSION_IDLE = dt.timedelta(minutes=1)
    log_in(client)
    page = client.get(reverse("home")).content.decode()
    assert ('data-session-left="60" data-session-idle="60" data-session-ping-every="20" '
            'data-session-warn-before="20"') in page
    # The warning says whole minutes, rounded up.
    assert "如无操作，您将在 1 分钟后自动退出。" in page


def test_a_public_page_gives_the_script_nothing_to_do_for_a_visitor(client, campaign):
    page = client.get(reverse("inspections:report-create")).content.decode()
    assert "data-session-ping" not in page and 'id="session-notice"' not in page


# ---- an expired session on a public page ---------------------------------------------------------

def test_an_expired_session_on_a_public_page_shows_the_page_logged_out(client, clock, expirations,
                                                                        campaign):
    log_in(client)
    at(clock, minutes=31)
    response = client.get(reverse("inspections:report-create"))
    assert response.status_code == 200                       # the citizen form, not the log-in
    assert response.wsgi_request.user.is_anonymous
    assert "您已超过 30 分钟未操作，已自动退出。请重新登录。" in response.content.decode()
    assert expirations == [("wang", "idle")]
    assert client.get(reverse("home")).status_code == 302


def test_an_expired_session_on_the_log_in_page_shows_it(client, clock, expirations):
    log_in(client)
    at(clock, minutes=31)
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert expirations == [("wang", "idle")]


def test_an_expired_session_ends_even_where_no_view_answers(client, clock, expirations):
    log_in(client)
    at(clock, minutes=31)
    assert client.get("/no-such-page/").status_code == 404
    assert expirations == [("wang", "idle")]
    at(clock, minutes=32)
    assert client.get(reverse("home")).status_code == 302
    assert expirations == [("wang", "idle")]                 # ended once
