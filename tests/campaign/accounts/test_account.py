"""My account: change one's own password, log out everywhere (campaign.accounts.views)."""

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.test import Client
from django.urls import reverse
from django.utils import translation

from campaign import signals
from campaign.demo import DEMO_PASSWORD
from campaign.models import User
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
EVERYWHERE = reverse("accounts:logout-everywhere")
OLD = "pass-word-123"
NEW = "lantern-river-42"


@pytest.fixture
def sent():
    """(signal name, username) of each account signal sent during the test."""
    events = []
    receivers = {}
    for name in ("logged_out_everywhere", "password_changed"):
        def record(sender, request, user, _name=name, **kwargs):
            events.append((_name, user.username))
        receivers[name] = record
        getattr(signals, name).connect(record)
    yield events
    for name, record in receivers.items():
        getattr(signals, name).disconnect(record)


def logged_in_twice(username="wang"):
    """Two browsers, each logged in through the log-in page."""
    factories.UserFactory(username=username)
    clients = Client(), Client()
    for client in clients:
        assert client.post(reverse("login"), {"username": username, "password": OLD}).status_code == 302
    return clients


def logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_the_account_page_has_its_sections_and_the_nav_links_to_it(client):
    factories.login(client, factories.UserFactory(username="wang"))
    page = client.get(ACCOUNT).content.decode()
    assert 'id="account-password"' in page and 'id="account-sessions"' in page
    assert f'action="{EVERYWHERE}"' in page
    assert 'name="old_password"' in page and 'name="new_password1"' in page
    assert f'href="{ACCOUNT}" id="nav-account"' in client.get(reverse("home")).content.decode()


def test_the_account_page_needs_a_log_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={ACCOUNT}"


def test_log_out_everywhere_ends_both_sessions(sent):
    here, there = logged_in_twice()
    response = here.post(EVERYWHERE, follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "您已在所有设备上退出登录（包括本设备）。" in response.content.decode()
    assert not logged_in(here) and not logged_in(there)
    assert sent == [("logged_out_everywhere", "wang")]
    assert User.objects.get(username="wang").session_epoch == 1
    # Logging in again works, and the new session holds.
    assert here.post(reverse("login"), {"username": "wang", "password": OLD}).status_code == 302
    assert logged_in(here)


def test_log_out_everywhere_ends_cached_sessions(settings):
    settings.SESSION_ENGINE = "campaign.sessions"       # cached_db, as with REDIS_URL
    here, there = logged_in_twice()
    assert logged_in(there)                              # its session now in the cache too
    here.post(EVERYWHERE)
    assert not logged_in(there)


def test_log_out_everywhere_leaves_other_people_logged_in():
    here, _there = logged_in_twice("wang")
    other = Client()
    factories.login(other, factories.UserFactory(username="li"))
    here.post(EVERYWHERE)
    assert logged_in(other)


def test_log_out_everywhere_is_a_post(client):
    factories.login(client, factories.UserFactory())
    assert client.get(EVERYWHERE).status_code == 405
    assert logged_in(client)


def test_the_session_hash_is_djangos_until_the_epoch_moves():
    """Adding the epoch logged nobody out: at 0 the hash is Django's own."""
    user = factories.UserFactory()
    assert user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(user)
    user.session_epoch = 1
    assert user.get_session_auth_hash() != AbstractBaseUser.get_session_auth_hash(user)


def test_changing_the_password_keeps_this_session_and_ends_the_others(sent):
    here, there = logged_in_twice()
    response = here.post(ACCOUNT, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
                         follow=True)
    assert response.redirect_chain == [(ACCOUNT, 302)]
    assert "密码已修改。本设备保持登录，其他设备均已退出登录。" in response.content.decode()
    assert logged_in(here) and not logged_in(there)
    assert sent == [("password_changed", "wang")]
    assert User.objects.get(username="wang").check_password(NEW)


@pytest.mark.parametrize(("old", "new1", "new2", "error"), [
    ("wrong-pass-1", NEW, NEW, "您输入的旧密码不正确，请重新输入。"),
    (OLD, "lantern42", "lantern42", "此密码太短，至少须包含 10 个字符。"),
    (OLD, "password123", "password123", "此密码过于常见。"),
    (OLD, "2026030212", "2026030212", "此密码全部为数字。"),
    (OLD, NEW, NEW + "x", "输入的两个密码不一致。"),
])
def test_a_refused_password_says_why_in_chinese(client, sent, old, new1, new2, error):
    factories.login(client, factories.UserFactory(username="wang"))
    response = client.post(ACCOUNT, {"old_password": old, "new_password1": new1, "new_password2": new2})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert User.objects.get(username="wang").check_password(OLD)
    assert sent == []


def test_the_password_rules_ask_for_ten_characters():
    validate_password("ten-chars!")
    with pytest.raises(Exception, match="至少须包含 10 个字符"):
        validate_password("nine-char")


def test_the_password_rules_say_you_politely():
    # Django's own Chinese says 你; the site says 您 (our catalogue names the messages).
    with translation.override("zh-hans"):
        assert password_validators_help_texts() == [
            "您的密码不能与您的其他个人信息过于相似。",
            "您的密码至少须包含 10 个字符。",
            "您的密码不能是常用密码。",
            "您的密码不能全部为数字。",
        ]


def test_the_demo_and_test_passwords_pass_the_rules():
    validate_password(DEMO_PASSWORD)
    validate_password(OLD)


# ---- a wrong current password is a failed log-in ---------------------------------------------------

HERE = "203.0.113.20"


def _change(client, old: str):
    return client.post(ACCOUNT, {"old_password": old, "new_password1": NEW, "new_password2": NEW},
                       REMOTE_ADDR=HERE)


def test_a_wrong_current_password_is_counted_and_audited_as_a_failed_log_in(client):
    from axes.models import AccessAttempt

    from campaign.audit.enums import SecurityKind
    from campaign.audit.models import SecurityEvent

    factories.login(client, factories.UserFactory(username="wang"))
    response = _change(client, "guess-one-1")
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["您输入的旧密码不正确，请重新输入。"]
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("wang", HERE, 1)
    # Axes keeps the form's fields: never the passwords typed.
    assert "guess-one-1" not in attempt.post_data and NEW not in attempt.post_data
    assert list(SecurityEvent.objects.filter(kind=SecurityKind.LOGIN_FAILED).values_list(
        "username", "address")) == [("wang", HERE)]


def test_wrong_current_passwords_end_the_session_at_the_pair_limit(client, settings):
    factories.login(client, factories.UserFactory(username="wang"))
    responses = [_change(client, f"guess-{n}") for n in range(settings.LOGIN_PAIR_LIMIT)]
    # The fifth locks the account at this address (axes' page, saying why) and ends the session.
    assert [response.status_code for response in responses] == [200] * 4 + [429]
    page = responses[-1].content.decode()
    assert "您已退出：当前密码连续输错 5 次。" in page and "请于" in page
    assert not logged_in(client)
    # As after five wrong passwords on the log-in page: locked here, not elsewhere.
    assert Client().post(reverse("login"), {"username": "wang", "password": OLD},
                         REMOTE_ADDR=HERE).status_code == 429
    assert Client().post(reverse("login"), {"username": "wang", "password": OLD},
                         REMOTE_ADDR="198.51.100.3").status_code == 302


def test_the_right_current_password_after_wrong_ones_changes_it(client):
    factories.login(client, factories.UserFactory(username="wang"))
    assert [_change(client, "guess").status_code for _ in range(3)] == [200] * 3
    assert _change(client, OLD).status_code == 302
    assert User.objects.get(username="wang").check_password(NEW)
    assert "_wrong_current_passwords" not in client.session


def test_wrong_current_passwords_from_changing_addresses_still_end_the_session(client, settings):
    """A phone moving between networks: no address reaches the pair limit, the session does."""
    factories.login(client, factories.UserFactory(username="wang"))
    addresses = ["203.0.113.21", "198.51.100.22"] * 3
    statuses = [client.post(ACCOUNT, {"old_password": "guess", "new_password1": NEW,
                                      "new_password2": NEW}, REMOTE_ADDR=address).status_code
                for address in addresses[:settings.LOGIN_PAIR_LIMIT]]
    assert statuses == [200] * 4 + [302]
    assert "您已退出：当前密码连续输错 5 次。" in client.get(reverse("login")).content.decode()
    assert not logged_in(client)
