"""An administrator removes a person's second factor (a lost phone)."""

import pytest
from django.urls import reverse

from campaign.twofactor import services
from tests import factories
from tests.campaign.twofactor.conftest import app_code


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
    assert "已为 1 人重置两步验证" in client.get(response["Location"]).content.decode()


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
    # The session verified by the removed app is no longer: straight to setting up a new one.
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor:setup"))
    client.post(reverse("logout"))
    password_login(coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor:setup"))


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

    person = factories.UserFactory(username="lost-phone")
    enrolled(person)
    sent.clear()
    out = StringIO()
    call_command("reset_two_factor", "lost-phone", stdout=out)
    assert out.getvalue() == ("Two-step verification removed for lost-phone: they set it up again at "
                              "their next sign-in if their role requires it.\n")
    assert services.app_device(person) is None
    assert [(name, kwargs["user"], kwargs["by"]) for name, kwargs in sent] == [
        ("second_factor_reset", person, None)]
    out = StringIO()
    call_command("reset_two_factor", "lost-phone", stdout=out)
    assert out.getvalue() == "lost-phone had no two-step verification set up.\n"
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("reset_two_factor", "nobody")
