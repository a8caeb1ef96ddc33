"""An administrator removes a person's second factor (a lost phone)."""

import pytest
from django.urls import reverse

from campaign.twofactor import services
from tests import factories
from tests.campaign.twofactor.conftest import PASSWORD, app_code


@pytest.fixture
def admin_client(client):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client, admin


def reset(client, *users):
    return client.post(reverse("admin:campaign_user_changelist"), {
        "action": "reset_two_factor", "_selected_action": [user.pk for user in users]})


@pytest.mark.django_db
def test_admin_reset_removes_the_devices(admin_client, enrolled, sent):
    client, admin = admin_client
    person, bystander, without = (factories.UserFactory() for _ in range(3))
    enrolled(person)
    enrolled(bystander)
    sent.clear()
    response = reset(client, person, without)
    assert response.status_code == 302
    assert services.app_device(person) is None and services.recovery_codes_left(person) == 0
    assert services.app_device(bystander) is not None
    assert [(name, kwargs["user"], kwargs["by"]) for name, kwargs in sent] == [
        ("second_factor_reset", person, admin)]
    page = client.get(response["Location"]).content.decode()
    assert "已为 1 人重置两步验证：其所有会话均已退出登录，下次登录时需重新设置。" in page
    assert "如手机可能已落入他人之手，或密码可能已被他人知悉，请同时为其设置新密码" in page


@pytest.mark.django_db
def test_user_page_shows_the_state_and_a_reset_button(admin_client, enrolled):
    client, _admin = admin_client
    person = factories.UserFactory()
    enrolled(person)
    page = client.get(reverse("admin:campaign_user_change", args=[person.pk])).content.decode()
    assert 'id="two-factor-reset"' in page and f'name="_selected_action" value="{person.pk}"' in page
    assert "已启用，还剩 10 个恢复码" in page
    # The admin's own device pages keep the secret hidden.
    device = services.app_device(person)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in page


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_after_a_reset_the_person_sets_up_again(client, tree, member, enrolled, password_login):
    coordinator = member(tree["city"], "coordinator")
    enrolled(coordinator)
    password_login(coordinator)
    client.post(reverse("two-factor:verify"), {"code": app_code(coordinator)})
    assert client.get(reverse("home")).status_code == 200
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    services.remove_second_factor(coordinator, by=admin, request=None)
    # The session verified by the removed app has ended: the password, then a new app.
    response = client.get(reverse("home"))
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/")
    password_login(coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor:setup"))


@pytest.mark.django_db
@pytest.mark.two_factor_required
def test_reset_ends_every_session_of_the_person(tree, member, enrolled, sent):
    """Someone with the password alone, waiting at the code page when the administrator resets
    the person's second factor, is not sent on to set up an app of their own."""
    from django.test import Client

    coordinator = member(tree["city"], "coordinator")
    enrolled(coordinator)
    credentials = {"username": coordinator.username, "password": PASSWORD}
    owner, intruder = Client(), Client()
    owner.post(reverse("login"), credentials)
    owner.post(reverse("two-factor:verify"), {"code": app_code(coordinator)})
    intruder.post(reverse("login"), credentials)
    assert intruder.get(reverse("home"))["Location"] == f"{reverse('two-factor:verify')}?next=%2F"
    bystander = factories.UserFactory()
    onlooker = Client()
    onlooker.force_login(bystander)
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    sent.clear()
    services.remove_second_factor(coordinator, by=admin, request=None)
    for browser in (intruder, owner):
        response = browser.get(reverse("two-factor:setup"))
        assert (response.status_code, response["Location"]) == (
            302, f"{reverse('login')}?next={reverse('two-factor:setup')}")
    assert onlooker.get(reverse("home")).status_code == 200
    # The audit records the reset, not a "log out everywhere" by the person.
    assert [name for name, _kwargs in sent] == ["second_factor_reset"]


@pytest.mark.django_db
def test_reset_is_for_staff_with_the_right(client, enrolled):
    person = factories.UserFactory()
    enrolled(person)
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    response = reset(client, person)
    assert response.status_code == 403
    assert services.app_device(person) is not None


@pytest.mark.django_db
def test_reset_from_the_shell(enrolled, sent):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.test import Client

    person = factories.UserFactory(username="lost-phone")
    enrolled(person)
    sent.clear()
    session = Client()
    session.force_login(person)
    out = StringIO()
    call_command("reset_two_factor", "lost-phone", stdout=out)
    assert out.getvalue() == (
        "已移除 lost-phone 的两步验证：其所有会话均已退出登录；如其角色要求，下次登录时需重新设置。\n"
        "如手机可能已落入他人之手，或密码可能已被他人知悉，请同时为其设置新密码：在此之前，仅凭密码即可设置新的身份验证器应用。\n"
        "设置新密码：manage.py changepassword lost-phone\n")
    assert services.app_device(person) is None
    assert session.get(reverse("home"))["Location"] == f"{reverse('login')}?next=/"
    assert [(name, kwargs["user"], kwargs["by"]) for name, kwargs in sent] == [
        ("second_factor_reset", person, None)]
    out = StringIO()
    call_command("reset_two_factor", "lost-phone", stdout=out)
    assert out.getvalue() == "lost-phone 未设置两步验证。\n"
    with pytest.raises(CommandError, match="没有用户名为“nobody”的用户。"):
        call_command("reset_two_factor", "nobody")


@pytest.mark.django_db
def test_device_pages_only_show(admin_client, enrolled):
    """Removing a second factor is the reset (which ends the person's sessions and is recorded),
    not deleting or editing a device on django-otp's pages."""
    client, _admin = admin_client
    person = factories.UserFactory()
    enrolled(person)
    for device in (services.app_device(person), services.StaticDevice.objects.get(user=person)):
        meta = device._meta
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[device.pk])
        delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[device.pk])
        assert client.get(change).status_code == 200
        assert client.post(change, {"name": "changed", "confirmed": ""}).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
        device.refresh_from_db()
        assert device.confirmed and device.name != "changed"
    assert services.recovery_codes_left(person) == 10
