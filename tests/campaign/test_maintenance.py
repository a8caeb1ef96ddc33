import pytest
from django.urls import reverse

from campaign.maintenance import exempt


@pytest.fixture
def flag(settings, tmp_path):
    settings.MAINTENANCE_FILE = tmp_path / "maintenance"
    return settings.MAINTENANCE_FILE


def test_maintenance_file_makes_every_page_the_503_page_while_it_exists(
        client, people, flag, django_assert_num_queries):
    client.force_login(people["staff"])
    assert client.get(reverse("home")).status_code == 200
    flag.touch()
    with django_assert_num_queries(0):
        page = client.get(reverse("home"))
        form = client.post(reverse("login"), {"username": "staff", "password": "pass-word-123"})
    assert (page.status_code, page["Retry-After"]) == (503, "60")
    assert "<h1 class=\"h3\">维护中</h1>" in page.content.decode()
    assert form.status_code == 503
    flag.unlink()
    assert client.get(reverse("home")).status_code == 200


def test_maintenance_page_follows_the_browser_language(client, db, flag):
    flag.touch()
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert '<html lang="en">' in response.content.decode()
    assert "<h1 class=\"h3\">Under maintenance</h1>" in response.content.decode()


def test_health_check_is_answered_in_maintenance(client, db, flag):
    flag.touch()
    assert client.get("/healthz").status_code != 503
    assert client.get("/healthz/").status_code != 503


@pytest.mark.parametrize("path, exempted", [
    ("/healthz", True), ("/healthz/", True), ("/healthz/?format=json", True),
    ("/healthzz", False), ("/", False), ("/admin/healthz", False),
])
def test_only_the_health_check_is_exempt(path, exempted):
    assert exempt(path) is exempted


def test_no_maintenance_file_setting_means_no_maintenance_mode(client, people, settings):
    settings.MAINTENANCE_FILE = None
    client.force_login(people["staff"])
    assert client.get(reverse("home")).status_code == 200


def test_maintenance_is_not_logged_as_an_error(client, db, flag, caplog):
    flag.touch()
    with caplog.at_level("INFO"):
        assert client.get(reverse("login")).status_code == 503
    assert caplog.records == []
