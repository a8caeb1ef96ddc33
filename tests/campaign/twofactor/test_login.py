"""The second step of signing in: a code from the app, or a recovery code."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from campaign.audit.models import SecurityEvent
from campaign.twofactor import services
from tests import factories
from tests.campaign.twofactor.conftest import app_code

VERIFY = reverse("two-factor:verify")


def verify_url(next_url):
    return f"{VERIFY}?{urlencode({'next': next_url})}"


@pytest.mark.django_db
def test_login_with_code_keeps_next_through_both_steps(client, enrolled, password_login, sent):
    user = factories.UserFactory(username="wang")
    enrolled(user)
    sent.clear()
    response = password_login(user, next_url="/units/")
    assert response.status_code == 302 and response["Location"] == "/units/"
    # The password alone reaches nothing: the page asks for the code, keeping `next`.
    response = client.get("/units/")
    assert response.status_code == 302 and response["Location"] == verify_url("/units/")
    page = client.get(response["Location"]).content.decode()
    assert "身份验证器应用" in page and 'name="next" value="/units/"' in page
    session_key = client.session.session_key
    response = client.post(VERIFY, {"code": app_code(user), "next": "/units/"})
    assert response.status_code == 302 and response["Location"] == "/units/"
    assert client.get("/units/").status_code == 200
    # A new session key once verified, as at any change of privilege.
    assert client.session.session_key != session_key
    assert [(name, kwargs["user"], kwargs["what"]) for name, kwargs in sent] == [
        ("second_factor_passed", user, "app")]


@pytest.mark.django_db
def test_code_with_spaces_is_accepted(client, enrolled, password_login):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    code = app_code(user)
    response = client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.django_db
def test_every_page_but_the_code_page_and_log_out_waits_for_the_code(client, enrolled, password_login):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    assert client.get(reverse("home"))["Location"] == verify_url("/")
    assert client.get(reverse("two-factor:status"))["Location"] == verify_url(reverse("two-factor:status"))
    # Setting up a new app would replace the second factor: it too waits for the code.
    assert client.get(reverse("two-factor:setup"))["Location"] == verify_url(reverse("two-factor:setup"))
    # A POST elsewhere is turned away without coming back to it afterwards.
    assert client.post(reverse("two-factor:recovery-codes"))["Location"] == VERIFY
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


@pytest.mark.django_db
def test_wrong_code_is_refused_and_announced(client, enrolled, password_login, sent):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    sent.clear()
    right = app_code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "验证码错误或已使用过" in response.content.decode()
    assert "还可尝试 4 次" in response.content.decode()
    assert [(name, kwargs["user"], kwargs["request"].path) for name, kwargs in sent] == [
        ("second_factor_failed", user, VERIFY)]
    assert client.get(reverse("home"))["Location"] == verify_url("/")


@pytest.mark.django_db
def test_malformed_code_is_a_form_error_not_a_try(client, enrolled, password_login, sent):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    sent.clear()
    response = client.post(VERIFY, {"code": "12ab"})
    assert response.status_code == 200
    assert "请输入身份验证器应用显示的 6 位数字验证码，或一个 8 位恢复码" in response.content.decode()
    assert sent == []


@pytest.mark.django_db
def test_a_wrong_code_makes_the_next_try_wait(client, enrolled, password_login, clock):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    right = app_code(user)
    client.post(VERIFY, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    # At once, even the right code is not checked (django-otp's throttle: 1 s after one failure).
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 200
    assert "错误次数过多" in response.content.decode()
    clock.shift(dt.timedelta(seconds=2))
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.django_db
def test_repeated_wrong_codes_end_the_session(client, enrolled, password_login, clock, settings, sent):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    sent.clear()
    for attempt in range(settings.TWO_FACTOR_FAILURE_LIMIT):
        clock.shift(dt.timedelta(seconds=2 ** attempt))   # past the throttle's wait each time
        response = client.post(VERIFY, {"code": "000000" if app_code(user) != "000000" else "111111"})
    assert response.status_code == 429
    assert "验证码错误次数过多" in response.content.decode()
    assert ">429<" not in response.content.decode()          # what to do, not the HTTP status
    assert [name for name, _kwargs in sent] == ["second_factor_failed"] * settings.TWO_FACTOR_FAILURE_LIMIT
    # Signed out: the password is needed again, and the device still makes a try wait.
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert services.app_device(user).throttling_failure_count == settings.TWO_FACTOR_FAILURE_LIMIT


@pytest.mark.django_db
def test_a_used_code_is_refused_the_second_time(client, enrolled, password_login):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    code = app_code(user)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))
    password_login(user)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "验证码错误或已使用过" in response.content.decode()


@pytest.mark.django_db
def test_recovery_code_works_once(client, enrolled, password_login, clock, sent):
    user = factories.UserFactory()
    codes = enrolled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    password_login(user)
    sent.clear()
    mark = SecurityEvent.objects.order_by("id").last().pk
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert services.recovery_codes_left(user) == 9
    assert [(name, kwargs["what"]) for name, kwargs in sent] == [
        ("second_factor_passed", "recovery_code")]
    # The audit names it: the person may have lost their phone.
    assert list(SecurityEvent.objects.filter(pk__gt=mark).values_list("kind", "user", "details")) == [
        ("recovery_login", user.pk, {"what": "recovery_code"})]
    client.post(reverse("logout"))
    password_login(user)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert "验证码错误或已使用过" in response.content.decode()
    clock.shift(dt.timedelta(seconds=2))
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


@pytest.mark.django_db
def test_next_elsewhere_is_not_followed(client, enrolled, password_login):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    response = client.post(VERIFY, {"code": app_code(user), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.django_db
def test_without_a_device_nobody_is_asked_for_a_code(client, password_login):
    user = factories.UserFactory()
    password_login(user)
    assert client.get(reverse("home")).status_code == 200
    # The code page itself has nothing to ask.
    assert client.get(VERIFY)["Location"] == reverse("home")


@pytest.mark.django_db
def test_code_page_is_for_signed_in_people(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_code_page_refuses_other_methods(client, enrolled, password_login):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    assert client.put(VERIFY).status_code == 405


@pytest.mark.django_db
def test_pages_before_the_code_show_no_nav(client, enrolled, password_login):
    """Even a page no gate stands before (a 404) offers only logging out until the code is in."""
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    for nav in ('id="nav-account"', 'id="nav-inbox"', 'id="nav-inbox-compact"', 'id="nav-search"'):
        assert nav not in page
    assert f'action="{reverse("logout")}"' in page
    # Nor does the page have the phone keep the queue page: that fetch would only be sent to the
    # code page, a second request in the session racing the code's form.
    assert "data-queue=" not in page
    client.post(VERIFY, {"code": app_code(user)})
    page = client.get("/no-such-page/").content.decode()
    assert 'id="nav-account"' in page and 'id="nav-search"' in page
    assert f'data-queue="{reverse("offline:queue")}"' in page


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_pages_before_setting_up_show_no_nav(client, tree, member, password_login):
    coordinator = member(tree["city"], "coordinator")
    password_login(coordinator)
    page = client.get("/no-such-page/").content.decode()
    assert 'id="nav-account"' not in page and 'id="nav-search"' not in page
    assert "data-queue=" not in page
