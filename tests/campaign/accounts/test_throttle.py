"""Login throttling: per account at an address (5), per account (10), per address (30), within
a cool-off of 15 minutes (campaign.accounts.throttle)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
OFFICE = "10.1.1.1"
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def log_in(username: str, password: str, address: str, **headers) -> int:
    return _post(username, password, address, **headers).status_code


def _post(username: str, password: str, address: str, **headers):
    return Client().post(reverse("login"), {"username": username, "password": password},
                         REMOTE_ADDR=address, **headers)


def test_limits_are_the_documented_defaults(settings):
    assert (settings.LOGIN_PAIR_LIMIT, settings.LOGIN_ACCOUNT_LIMIT, settings.LOGIN_ADDRESS_LIMIT,
            settings.LOGIN_COOLOFF) == (5, 10, 30, dt.timedelta(minutes=15))


def test_guessing_across_many_accounts_from_one_address_locks_the_address():
    names = [factories.UserFactory(username=f"staff{n}").username for n in range(9)]
    statuses = [log_in(name, "wrong", "203.0.113.7") for name in names for _ in range(4)]
    assert statuses == [200] * 29 + [429] * 7      # the 30th failure from the address
    factories.UserFactory(username="tenth")
    assert log_in("tenth", PASSWORD, "203.0.113.7") == 429
    assert log_in("tenth", PASSWORD, "198.51.100.1") == 302         # elsewhere: not locked


def test_guessing_one_account_from_many_addresses_locks_the_account():
    factories.UserFactory(username="wang")
    statuses = [log_in("wang", "wrong", f"203.0.113.{n}") for n in range(10) for _ in range(4)]
    assert statuses == [200] * 9 + [429] * 31      # the 10th failure on the account
    assert log_in("wang", PASSWORD, "198.51.100.1") == 429
    factories.UserFactory(username="li")
    assert log_in("li", PASSWORD, "203.0.113.1") == 302             # the addresses are not locked


def test_a_colleagues_typos_do_not_lock_out_the_office():
    factories.UserFactory(username="zhang")
    factories.UserFactory(username="wang")
    assert [log_in("zhang", "wrong", OFFICE) for _ in range(5)] == [200] * 4 + [429]
    assert log_in("zhang", PASSWORD, OFFICE) == 429                 # zhang, at the office: locked
    assert log_in("wang", PASSWORD, OFFICE) == 302                  # wang, at the same address


def test_a_lockout_ends_after_the_cool_off_and_failures_while_locked_do_not_prolong_it():
    factories.UserFactory(username="wang")
    with time_machine.travel(T0, tick=False) as clock:
        assert [log_in("wang", "wrong", OFFICE) for _ in range(5)] == [200] * 4 + [429]
        clock.move_to(T0 + dt.timedelta(minutes=10))
        assert log_in("wang", "wrong", OFFICE) == 429               # the attacker keeps trying
        clock.move_to(T0 + dt.timedelta(minutes=14, seconds=59))
        assert log_in("wang", PASSWORD, OFFICE) == 429
        clock.move_to(T0 + dt.timedelta(minutes=15, seconds=1))
        assert log_in("wang", PASSWORD, OFFICE) == 302


def test_an_account_lockout_ends_after_the_cool_off():
    factories.UserFactory(username="wang")
    with time_machine.travel(T0, tick=False) as clock:
        for n in range(10):
            log_in("wang", "wrong", f"203.0.113.{n}")
        clock.move_to(T0 + dt.timedelta(minutes=14))
        assert log_in("wang", PASSWORD, OFFICE) == 429
        clock.move_to(T0 + dt.timedelta(minutes=15, seconds=1))
        assert log_in("wang", PASSWORD, OFFICE) == 302


def test_the_locked_out_page_says_when_to_try_again():
    factories.UserFactory(username="wang")
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            _post("wang", "wrong", OFFICE)
        chinese = _post("wang", "wrong", OFFICE).content.decode()
        english = _post("wang", "wrong", OFFICE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "请于 10:15 后再试（15\xa0分钟后）" in chinese
    assert "Try again after 10:15 (in 15\xa0minutes)" in english
    # What to do, not the HTTP status: no "429" above the title.
    assert "display-6" not in chinese and ">429<" not in chinese


def test_the_time_to_try_again_is_when_the_count_falls_below_the_limit():
    """Three failures at 10:00, two at 10:05 (another browser): at 10:15 the first three leave
    the count, and two are below the limit."""
    factories.UserFactory(username="wang")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            _post("wang", "wrong", OFFICE, HTTP_USER_AGENT="first browser")
        clock.move_to(T0 + dt.timedelta(minutes=5))
        for _ in range(2):
            response = _post("wang", "wrong", OFFICE, HTTP_USER_AGENT="second browser",
                             HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 429
        assert "Try again after 10:15 (in 10\xa0minutes)" in response.content.decode()
        clock.move_to(T0 + dt.timedelta(minutes=15, seconds=1))
        assert log_in("wang", PASSWORD, OFFICE) == 302


def test_a_good_log_in_resets_its_own_count_and_keeps_the_history():
    factories.UserFactory(username="wang")
    for _ in range(3):
        log_in("wang", "wrong", OFFICE)
    assert log_in("wang", PASSWORD, OFFICE) == 302
    assert AccessAttempt.objects.count() == 0
    assert list(AccessFailureLog.objects.values_list("username", "ip_address")) == [
        ("wang", OFFICE)] * 3
    # The count starts again: four more typos do not lock.
    assert [log_in("wang", "wrong", OFFICE) for _ in range(4)] == [200] * 4


def test_a_good_log_in_does_not_reset_the_count_of_other_accounts_at_the_address():
    """Someone with an account of their own cannot wipe the count of their guesses."""
    factories.UserFactory(username="mine")
    names = [factories.UserFactory(username=f"staff{n}").username for n in range(8)]
    for name in names:
        for _ in range(3):
            log_in(name, "wrong", "203.0.113.7")          # 24 failures
    assert [log_in("mine", "wrong", "203.0.113.7") for _ in range(4)] == [200] * 4
    assert log_in("mine", PASSWORD, "203.0.113.7") == 302  # resets mine's 4, not the other 24
    guesses = [log_in(name, "wrong", "203.0.113.7") for name in ("li", "zhao") for _ in range(3)]
    assert guesses == [200] * 5 + [429]                    # 24 + 6: the address's 30th failure


# ---- IPv6: a client is counted by its /64 -------------------------------------------------------

def test_guessing_from_many_addresses_of_one_ipv6_network_locks_the_network():
    """One subscriber holds a whole /64: a new address for each guess changes nothing."""
    names = [f"u{n}" for n in range(40)]
    statuses = [log_in(name, "wrong", f"2001:db8:5:6::{n + 1:x}") for n, name in enumerate(names)]
    assert statuses == [200] * 29 + [429] * 11        # the 30th failure from the /64
    factories.UserFactory(username="li")
    assert log_in("li", PASSWORD, "2001:db8:5:6:ffff::1") == 429    # the same /64
    assert log_in("li", PASSWORD, "2001:db8:5:7::1") == 302         # the next /64: not locked


def test_one_account_at_one_ipv6_network_is_the_pair():
    factories.UserFactory(username="wang")
    statuses = [log_in("wang", "wrong", f"2001:db8:5:6::{n + 1:x}") for n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert log_in("wang", PASSWORD, "2001:db8:5:6::abcd") == 429
    assert log_in("wang", PASSWORD, "2001:db8:9:9::1") == 302


def test_ipv4_addresses_are_counted_one_by_one():
    factories.UserFactory(username="wang")
    statuses = [log_in("wang", "wrong", f"203.0.113.{n}") for n in range(9)]
    assert statuses == [200] * 9                      # 9 addresses: no pair reaches 5


def test_the_throttle_keeps_the_network_and_the_audit_the_full_address():
    from campaign.audit.enums import SecurityKind
    from campaign.audit.models import SecurityEvent

    log_in("wang", "wrong", "2001:db8:5:6:a:b:c:d")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["2001:db8:5:6::"]
    assert list(SecurityEvent.objects.filter(kind=SecurityKind.LOGIN_FAILED).values_list(
        "address", flat=True)) == ["2001:db8:5:6:a:b:c:d"]


# ---- the account count does not apply at the account's usual addresses --------------------------

def _owner_logged_in_at_the_office(days_ago: int) -> None:
    """wang logged in at the office `days_ago` days before T0 (axes' AccessLog keeps it)."""
    factories.UserFactory(username="wang")
    with time_machine.travel(T0 - dt.timedelta(days=days_ago), tick=False):
        assert log_in("wang", PASSWORD, OFFICE) == 302


def _attacker_fails_10_times() -> list[int]:
    return [log_in("wang", "wrong", address) for address in ("198.51.100.1", "198.51.100.2")
            for _ in range(5)]


def test_an_attacker_locks_the_account_for_new_addresses_but_not_the_owners_office():
    _owner_logged_in_at_the_office(days_ago=29)
    with time_machine.travel(T0, tick=False):
        assert _attacker_fails_10_times() == [200] * 4 + [429] + [200] * 4 + [429]
        assert log_in("wang", PASSWORD, "203.0.113.50") == 429     # a new address: locked
        assert log_in("wang", PASSWORD, OFFICE) == 302             # the owner, at the office


def test_an_address_is_usual_for_30_days_after_a_log_in():
    _owner_logged_in_at_the_office(days_ago=31)
    with time_machine.travel(T0, tick=False):
        _attacker_fails_10_times()
        assert log_in("wang", PASSWORD, OFFICE) == 429


def test_an_address_is_usual_only_for_the_account_that_logged_in_there():
    _owner_logged_in_at_the_office(days_ago=1)
    factories.UserFactory(username="li")
    with time_machine.travel(T0, tick=False):
        for address in ("198.51.100.1", "198.51.100.2"):
            for _ in range(5):
                log_in("li", "wrong", address)
        assert log_in("li", PASSWORD, OFFICE) == 429


def test_the_pair_limit_still_holds_at_a_usual_address():
    _owner_logged_in_at_the_office(days_ago=1)
    with time_machine.travel(T0, tick=False):
        assert [log_in("wang", "wrong", OFFICE) for _ in range(5)] == [200] * 4 + [429]
        assert log_in("wang", PASSWORD, OFFICE) == 429


def test_an_ipv6_office_is_usual_across_its_network():
    factories.UserFactory(username="wang")
    with time_machine.travel(T0 - dt.timedelta(days=3), tick=False):
        assert log_in("wang", PASSWORD, "2001:db8:5:6::10") == 302
    with time_machine.travel(T0, tick=False):
        _attacker_fails_10_times()
        assert log_in("wang", PASSWORD, "2001:db8:5:6::99") == 302  # another machine, same /64


# ---- a username longer than the User model allows -------------------------------------------------

@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_the_model_allows_is_refused_before_anything_is_counted(url):
    """On PostgreSQL axes' AccessAttempt.username (255 characters) failed with a 500."""
    response = Client().post(url, {"username": "a" * 300, "password": "wrong"},
                             REMOTE_ADDR=OFFICE)
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "确保该变量包含不超过 150 字符 (目前字符数 300)。"]
    assert AccessAttempt.objects.count() == AccessFailureLog.objects.count() == 0
