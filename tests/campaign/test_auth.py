import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_login_and_logout(client):
    factories.UserFactory(username="wang")
    response = client.post(reverse("login"), {"username": "wang", "password": "pass-word-123"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405   # logging out is a POST
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_gives_a_clear_message_and_keeps_the_username(client):
    factories.UserFactory(username="wang")
    response = client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码错误" in page
    assert 'value="wang"' in page


@pytest.mark.django_db
def test_repeated_failures_lock_the_account(client, settings):
    factories.UserFactory(username="wang")
    for _ in range(settings.LOGIN_PAIR_LIMIT):
        client.post(reverse("login"), {"username": "wang", "password": "wrong"})
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "wang", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_login_page_has_csrf_protection(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    factories.UserFactory(username="wang")
    response = strict.post(reverse("login"), {"username": "wang", "password": "pass-word-123"})
    assert response.status_code == 403
