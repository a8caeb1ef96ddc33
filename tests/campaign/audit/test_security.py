"""Security events: each kind is recorded with the person, the time and the address that
campaign.clientip vouches for; refused object pages too, bounded per person per minute."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from campaign import signals
from campaign.audit.models import SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def rows(after: int = 0):
    return list(SecurityEvent.objects.filter(id__gt=after).order_by("id").values_list(
        "kind", "username", "address", "path", "status", "details"))


def logged_in(client, user) -> int:
    """Log in (a login event itself), and the id events after it will have more than."""
    client.force_login(user)
    return SecurityEvent.objects.order_by("id").values_list("id", flat=True).last() or 0


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    # A client that says it is 6.6.6.6 on the left; the proxy vouches for 10.9.8.7.
    return {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.9.8.7", "REMOTE_ADDR": "127.0.0.1"}


def test_login_and_logout_are_recorded(client, behind_proxy):
    user = factories.UserFactory(username="wang")
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("login"), {"username": "wang", "password": "pass-word-123"}, **behind_proxy)
        client.post(reverse("logout"), **behind_proxy)
    assert rows() == [("login", "wang", "10.9.8.7", "", None, {}),
                      ("logout", "wang", "10.9.8.7", "", None, {})]
    assert set(SecurityEvent.objects.values_list("user", "at")) == {(user.pk, NOW)}


def test_a_failed_login_records_the_username_tried(client, behind_proxy):
    client.post(reverse("login"), {"username": "nobody", "password": "x"}, **behind_proxy)
    assert rows() == [("login_failed", "nobody", "10.9.8.7", "", None, {})]
    assert SecurityEvent.objects.get().user is None


def test_a_lockout_is_recorded(client, settings):
    factories.UserFactory(username="wang")
    for _ in range(settings.LOGIN_PAIR_LIMIT):
        client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    kinds = [kind for kind, *_rest in rows()]
    assert kinds.count("login_failed") == settings.LOGIN_PAIR_LIMIT
    assert kinds.count("locked_out") == 1
    assert ("locked_out", "wang", "127.0.0.1", "", None, {}) in rows()


@pytest.mark.parametrize(("signal", "kind", "extra", "details"), [
    (signals.second_factor_failed, "2fa_failed", {}, {}),
    (signals.second_factor_failed, "2fa_failed", {"what": "setup"}, {"what": "setup"}),
    (signals.second_factor_passed, "2fa_passed", {"what": "app"}, {"what": "app"}),
    (signals.second_factor_passed, "recovery_login", {"what": "recovery_code"},
     {"what": "recovery_code"}),
    (signals.second_factor_enrolled, "2fa_enrolled", {"what": "app"}, {"what": "app"}),
    (signals.second_factor_reset, "2fa_reset", {"by": "admin"}, {"by": "boss"}),
    (signals.logged_out_everywhere, "logout_all", {}, {}),
    (signals.password_changed, "password_changed", {}, {}),
    (signals.session_expired, "session_expired", {"reason": "idle"}, {"reason": "idle"}),
])
def test_each_security_signal_is_recorded(signal, kind, extra, details):
    user = factories.UserFactory(username="wang")
    if extra.get("by"):
        extra = {"by": factories.UserFactory(username="boss")}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")
    with time_machine.travel(NOW, tick=False):
        signal.send(sender=None, request=request, user=user, **extra)
    assert rows() == [(kind, "wang", "10.0.0.5", "", None, details)]
    assert SecurityEvent.objects.get().at == NOW


def test_a_signal_sent_from_a_command_has_no_address():
    user = factories.UserFactory(username="wang")
    signals.second_factor_reset.send(sender=None, request=None, user=user)
    assert rows() == [("2fa_reset", "wang", None, "", None, {})]


def test_a_404_on_an_object_page_is_recorded(client, people, tree):
    mark = logged_in(client, people["staff"])
    url = reverse("inspections:unit-detail", args=[tree["street_b"].pk])
    assert client.get(url + "?x=1").status_code == 404
    assert rows(mark) == [("refused", "staff", "127.0.0.1", url + "?x=1", 404, {})]


def test_a_403_on_an_object_page_is_recorded(client, people, tree):
    mark = logged_in(client, people["staff"])
    task = factories.TaskFactory(unit=tree["street_a"])
    url = reverse("task-split", args=[task.pk])
    assert client.get(url).status_code == 403
    assert rows(mark) == [("refused", "staff", "127.0.0.1", url, 403, {})]


def test_a_refusal_without_an_object_or_a_person_is_not_recorded(client, people):
    assert client.get(reverse("inspections:unit-detail", args=[1])).status_code == 302   # to login
    mark = logged_in(client, people["staff"])
    assert client.get("/no-such-page/").status_code == 404
    assert client.get(reverse("audit:changes")).status_code == 403
    assert rows(mark) == []


def test_refusals_are_bounded_per_person_per_minute(client, people, tree, settings):
    settings.AUDIT_EVENTS_PER_MINUTE = 3
    mark = logged_in(client, people["staff"])
    url = reverse("inspections:unit-detail", args=[tree["street_b"].pk])
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(5):
            client.get(url)
        assert len(rows(mark)) == 3
        clock.shift(dt.timedelta(seconds=61))
        client.get(url)
    assert len(rows(mark)) == 4


def test_failed_logins_are_bounded_per_address_per_minute(client, settings):
    settings.AUDIT_EVENTS_PER_MINUTE = 2
    settings.AXES_FAILURE_LIMIT = 100
    for name in ("a", "b", "c", "d"):
        client.post(reverse("login"), {"username": name, "password": "x"})
    assert [username for _kind, username, *_rest in rows()] == ["a", "b"]


def test_failed_logins_are_bounded_per_ipv6_network_not_per_address(client, settings):
    """An IPv6 client can take any address of its /64: rotating gives no fresh quota. The rows
    keep the full address."""
    settings.AUDIT_EVENTS_PER_MINUTE = 2
    settings.AXES_FAILURE_LIMIT = 100
    for name, suffix in (("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")):
        client.post(reverse("login"), {"username": name, "password": "x"},
                    REMOTE_ADDR=f"2001:db8:1:2::{suffix}")
    client.post(reverse("login"), {"username": "e", "password": "x"}, REMOTE_ADDR="2001:db8:1:3::1")
    assert [(username, address) for _kind, username, address, *_rest in rows()] == [
        ("a", "2001:db8:1:2::1"), ("b", "2001:db8:1:2::2"), ("e", "2001:db8:1:3::1")]
    assert list(SecurityEvent.objects.order_by("id").values_list("counted_address", flat=True)) == [
        "2001:db8:1:2::", "2001:db8:1:2::", "2001:db8:1:3::"]


def test_a_username_longer_than_an_account_can_have_is_refused_before_the_audit(client):
    client.post(reverse("login"), {"username": "x" * 200, "password": "x"})
    assert not SecurityEvent.objects.exists()


def test_a_long_username_is_cut_to_the_column():
    from campaign.audit.enums import SecurityKind
    from campaign.audit.recorders import record_event

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.1")
    record_event(SecurityKind.LOGIN_FAILED, request=request, username="x" * 200)
    assert SecurityEvent.objects.get().username == "x" * 150


def test_a_request_without_an_address_records_none():
    user = factories.UserFactory(username="wang")
    request = RequestFactory().get("/", REMOTE_ADDR="")
    signals.password_changed.send(sender=None, request=request, user=user)
    assert rows() == [("password_changed", "wang", None, "", None, {})]
