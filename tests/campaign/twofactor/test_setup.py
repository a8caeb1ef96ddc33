"""Setting up an authenticator app, the recovery codes, the status page and turning it off."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.twofactor import services
from campaign.twofactor.views import PENDING_KEY
from tests import factories
from tests.campaign.twofactor.conftest import NOW, PASSWORD, app_code, code_for, secret_on

SETUP = reverse("two-factor:setup")
CODES = reverse("two-factor:recovery-codes")


def setup_url(next_url):
    return f"{SETUP}?{urlencode({'next': next_url})}"


def codes_on(page):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_required_person_cannot_reach_anything_before_setting_up(client, tree, member, password_login):
    coordinator = member(tree["street_a"], "coordinator")
    response = password_login(coordinator, next_url="/units/")
    assert response["Location"] == "/units/"
    for path in ("/", "/units/", reverse("notifications:inbox"), reverse("two-factor:status"),
                 reverse("two-factor:verify")):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, setup_url(path))
    # The phone's service worker installs from the set-up page: its files and the offline page
    # (which name nobody) are served, not sent on to the set-up page, where the worker's fetch
    # would start a second set-up racing the person's own.
    for name in ("pwa:service-worker", "pwa:manifest", "pwa:offline"):
        assert client.get(reverse(name)).status_code == 200
    page = client.get(setup_url("/units/")).content.decode()
    assert 'id="setup-required"' in page
    # Only logging out is offered in the nav.
    assert 'id="nav-search"' not in page
    assert client.post(reverse("logout"))["Location"] == reverse("login")


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_administrators_must_set_up_too(client, password_login):
    admin = factories.UserFactory(is_staff=True)
    password_login(admin)
    assert client.get(reverse("admin:index"))["Location"] == setup_url(reverse("admin:index"))


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_superusers_without_staff_must_set_up_too(client, password_login):
    superuser = factories.UserFactory(is_staff=False, is_superuser=True)
    password_login(superuser)
    assert client.get("/units/")["Location"] == setup_url("/units/")


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_other_people_may_go_without(client, tree, member, password_login):
    staff = member(tree["street_a"], "unit_staff")
    password_login(staff)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("two-factor:status")).content.decode()
    assert "仅凭密码即可登录" in page


@pytest.mark.django_db
def test_coordinators_go_without_when_the_setting_is_off(client, tree, member, password_login):
    coordinator = member(tree["city"], "coordinator")
    password_login(coordinator)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_setting_up_an_app(client, tree, member, password_login, clock, sent):
    coordinator = member(tree["city"], "coordinator")
    password_login(coordinator, next_url="/units/")
    response = client.get(setup_url("/units/"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "身份验证器应用" in page and "微信、企业微信" in page
    # The QR code is drawn into the page: no image from elsewhere, no data: URI, no inline style.
    assert '<svg width="' in page and 'class="qr-code"' in page
    assert 'src="data:' not in page and "style=" not in page
    secret = secret_on(page)
    assert secret == TOTPDevice.objects.get(pk=client.session[PENDING_KEY], user=coordinator,
                                            confirmed=False).bin_key
    # Reloading shows the same secret (the app being set up is kept).
    assert secret_on(client.get(SETUP).content.decode()) == secret

    response = client.post(SETUP, {"code": code_for(secret, NOW), "next": "/units/"})
    assert response.status_code == 302
    assert response["Location"] == f"{CODES}?{urlencode({'next': '/units/'})}"
    page = client.get(response["Location"]).content.decode()
    codes = codes_on(page)
    assert len(codes) == 10
    assert sorted(codes) == sorted(services.StaticToken.objects.filter(
        device__user=coordinator).values_list("token", flat=True))
    assert 'href="/units/"' in page
    # Shown once.
    assert codes_on(client.get(CODES).content.decode()) == []
    assert client.get("/units/").status_code == 200
    assert [(name, kwargs["user"], kwargs["what"]) for name, kwargs in sent] == [
        ("second_factor_enrolled", coordinator, "app"), ("second_factor_passed", coordinator, "app")]


@pytest.mark.django_db
def test_setting_up_ends_the_sessions_opened_with_the_password_alone(client, password_login, clock):
    from django.test import Client

    user = factories.UserFactory()
    elsewhere = Client()
    assert elsewhere.post(reverse("login"), {"username": user.username, "password": "pass-word-123"}
                          ).status_code == 302
    assert elsewhere.get("/units/").status_code == 200
    password_login(user)
    secret = secret_on(client.get(SETUP).content.decode())
    assert client.post(SETUP, {"code": code_for(secret, NOW)}).status_code == 302
    # This browser stays signed in; the other one, which never gave a code, is logged out.
    assert client.get("/units/").status_code == 200
    response = elsewhere.get("/units/")
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/units/")


@pytest.mark.django_db
def test_a_wrong_code_does_not_turn_it_on(client, password_login, clock, sent):
    user = factories.UserFactory()
    password_login(user)
    secret = secret_on(client.get(SETUP).content.decode())
    wrong = f"{(int(code_for(secret, NOW)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert services.app_device(user) is None
    # Announced, as a wrong code at sign-in is.
    assert [(name, kwargs["user"], kwargs["what"], kwargs["request"].path) for name, kwargs in sent] == [
        ("second_factor_failed", user, "setup", SETUP)]


@pytest.mark.django_db
def test_a_right_code_right_after_a_wrong_one_says_to_wait(client, password_login, clock):
    # django-otp's throttle refuses every code for a moment after a wrong one: the page says to
    # wait, not that the right code is wrong.
    user = factories.UserFactory()
    password_login(user)
    secret = secret_on(client.get(SETUP).content.decode())
    right = code_for(secret, NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post(SETUP, {"code": wrong})
    page = client.post(SETUP, {"code": right}).content.decode()
    assert "验证码错误次数过多，请稍候，于 09:00:11 之后再试。" in page
    assert "验证码不正确" not in page
    assert services.app_device(user) is None
    clock.move_to(NOW + dt.timedelta(seconds=1))
    assert client.post(SETUP, {"code": right}).status_code == 302
    assert services.app_device(user) is not None


@pytest.mark.django_db
def test_moving_to_a_new_phone_replaces_the_app_and_the_codes(client, enrolled, password_login, clock):
    user = factories.UserFactory()
    old_codes = enrolled(user)
    old = services.app_device(user)
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": app_code(user)})
    clock.shift(dt.timedelta(seconds=30))
    page = client.get(SETUP).content.decode()
    assert "转到新的身份验证器应用" in page
    secret = secret_on(page)
    response = client.post(SETUP, {"code": code_for(secret, dt.datetime.now(dt.UTC))})
    assert response.status_code == 302
    assert services.app_device(user).bin_key == secret
    assert not type(old).objects.filter(pk=old.pk).exists()
    assert not set(old_codes) & set(codes_on(client.get(CODES).content.decode()))


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old(client, enrolled, password_login, sent):
    user = factories.UserFactory()
    old_codes = enrolled(user)
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": app_code(user)})
    page = client.get(CODES).content.decode()
    assert "还剩 10 个恢复码" in page and codes_on(page) == []
    sent.clear()
    response = client.post(CODES)
    assert response.status_code == 302
    new_codes = codes_on(client.get(response["Location"]).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert services.recovery_codes_left(user) == 10
    assert [(name, kwargs["what"]) for name, kwargs in sent] == [("second_factor_enrolled", "recovery_codes")]


@pytest.mark.django_db
def test_recovery_codes_need_a_verified_session(client, password_login):
    user = factories.UserFactory()
    password_login(user)
    assert client.get(CODES)["Location"] == reverse("two-factor:status")
    assert client.post(CODES)["Location"] == reverse("two-factor:status")
    assert services.recovery_codes_left(user) == 0


@pytest.mark.django_db
def test_turning_it_off_where_optional(client, enrolled, password_login, sent, clock):
    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": app_code(user)})
    clock.shift(dt.timedelta(seconds=30))
    assert client.get(reverse("two-factor:disable")).status_code == 200
    sent.clear()
    response = client.post(reverse("two-factor:disable"), {"code": app_code(user)})
    assert response.status_code == 302 and response["Location"] == reverse("two-factor:status")
    assert services.app_device(user) is None and services.recovery_codes_left(user) == 0
    assert [(name, kwargs["by"]) for name, kwargs in sent] == [("second_factor_reset", user)]
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_turning_it_off_is_refused_where_required(client, tree, member, enrolled, password_login):
    coordinator = member(tree["city"], "coordinator")
    enrolled(coordinator)
    password_login(coordinator)
    client.post(reverse("two-factor:verify"), {"code": app_code(coordinator)})
    assert client.get(reverse("two-factor:disable")).status_code == 403
    assert client.post(reverse("two-factor:disable"), {"code": "123456"}).status_code == 403
    assert services.app_device(coordinator) is not None


@pytest.mark.django_db
def test_status_page_and_account_section(client, enrolled, password_login, rf):
    from django.template.loader import render_to_string

    user = factories.UserFactory()
    enrolled(user)
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": app_code(user)})
    page = client.get(reverse("two-factor:status")).content.decode()
    assert "已启用" in page and "还剩 10 个恢复码" in page
    assert 'id="nav-account"' in page
    request = rf.get("/accounts/")
    request.user = user
    section = render_to_string("registration/_account_two_factor.html", request=request)
    assert 'id="account-two-factor"' in section and "已启用" in section
    assert reverse("two-factor:disable") in section


@pytest.mark.django_db
def test_set_up_secret_belongs_to_the_session_that_showed_it(clock):
    """Someone with only the password opens the set-up page and leaves; the person then sets up:
    the secret the other one saw confirms nothing."""
    from django.test import Client

    person = factories.UserFactory(username="victim")
    credentials = {"username": "victim", "password": PASSWORD}
    intruder = Client()
    intruder.post(reverse("login"), credentials)
    seen_by_intruder = secret_on(intruder.get(SETUP).content.decode())
    intruder.post(reverse("logout"))
    browser = Client()
    browser.post(reverse("login"), credentials)
    secret = secret_on(browser.get(SETUP).content.decode())
    assert secret != seen_by_intruder
    # One set-up at a time: the secret the intruder saw is gone.
    assert [device.bin_key for device in TOTPDevice.objects.filter(user=person)] == [secret]
    assert browser.post(SETUP, {"code": code_for(secret, NOW)}).status_code == 302

    clock.move_to(NOW + dt.timedelta(seconds=60))
    intruder.post(reverse("login"), credentials)
    response = intruder.post(reverse("two-factor:verify"),
                             {"code": code_for(seen_by_intruder, NOW + dt.timedelta(seconds=60))})
    assert response.status_code == 200
    assert "验证码错误或已使用过" in response.content.decode()
    assert intruder.get(reverse("home"))["Location"] == f"{reverse('two-factor:verify')}?next=%2F"


@pytest.mark.django_db
def test_set_up_started_again_elsewhere_shows_a_new_secret(clock, sent):
    from django.test import Client

    person = factories.UserFactory(username="twice")
    first, second = Client(), Client()
    for browser in (first, second):
        browser.post(reverse("login"), {"username": "twice", "password": PASSWORD})
    old = secret_on(first.get(SETUP).content.decode())
    second.get(SETUP)
    # The secret the first browser showed went when the second started: its code is not checked
    # against the new one, and the page shows another secret to scan.
    response = first.post(SETUP, {"code": code_for(old, NOW)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "二维码已更换" in page
    new = secret_on(page)
    assert new != old
    assert services.app_device(person) is None and sent == []
    assert first.post(SETUP, {"code": code_for(new, NOW)})["Location"] == CODES
    assert services.app_device(person).bin_key == new


@pytest.mark.django_db
def test_new_recovery_codes_in_a_session_signed_in_with_one(client, enrolled, password_login):
    """Lost phone: signed in with a recovery code, the person makes new ones. The session stays
    verified (its device is kept) and the new codes are shown."""
    user = factories.UserFactory()
    old_codes = enrolled(user)
    static = services.StaticDevice.objects.get(user=user)
    password_login(user)
    assert client.post(reverse("two-factor:verify"), {"code": old_codes[0]})["Location"] == reverse("home")
    response = client.post(CODES)
    assert response["Location"] == CODES
    response = client.get(CODES)
    assert response.status_code == 200
    new_codes = codes_on(response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert client.get(reverse("home")).status_code == 200
    assert list(services.StaticDevice.objects.filter(user=user).values_list("pk", flat=True)) == [static.pk]
    tokens = services.StaticToken.objects.filter(device=static).values_list("token", flat=True)
    assert sorted(tokens) == sorted(new_codes)


@pytest.mark.django_db
def test_moving_to_a_new_phone_in_a_session_signed_in_with_a_recovery_code(
        client, enrolled, password_login, clock):
    user = factories.UserFactory()
    old_codes = enrolled(user)
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": old_codes[0]})
    secret = secret_on(client.get(SETUP).content.decode())
    response = client.post(SETUP, {"code": code_for(secret, dt.datetime.now(dt.UTC))})
    assert response["Location"] == CODES
    assert len(codes_on(client.get(CODES).content.decode())) == 10
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_turning_it_off_ends_the_other_sessions(client, enrolled, password_login, clock):
    from django.test import Client

    user = factories.UserFactory()
    enrolled(user)
    elsewhere = Client()
    elsewhere.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    elsewhere.post(reverse("two-factor:verify"), {"code": app_code(user)})
    assert elsewhere.get("/units/").status_code == 200
    clock.shift(dt.timedelta(seconds=30))
    password_login(user)
    client.post(reverse("two-factor:verify"), {"code": app_code(user)})
    clock.shift(dt.timedelta(seconds=30))
    response = client.post(reverse("two-factor:disable"), {"code": app_code(user)}, follow=True)
    assert "两步验证已关闭。本设备保持登录，其他设备均已退出登录。" in response.content.decode()
    assert client.get("/units/").status_code == 200
    response = elsewhere.get("/units/")
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/units/")
