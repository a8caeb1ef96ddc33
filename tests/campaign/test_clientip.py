"""The client's address behind trusted proxies (campaign.clientip), and what counts it."""

import pytest
from django.test import RequestFactory

from campaign.clientip import client_ip, throttle_address
from tests.factories import make_jpeg

NGINX = ["127.0.0.1", "::1"]


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


def test_behind_a_trusted_proxy_the_address_it_received_from_is_the_client(settings):
    settings.TRUSTED_PROXIES = NGINX
    assert client_ip(_request("127.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request("::1", "2001:db8::7")) == "2001:db8::7"


def test_what_the_client_wrote_left_of_the_proxy_entry_is_not_believed(settings):
    settings.TRUSTED_PROXIES = NGINX
    assert client_ip(_request("127.0.0.1", "10.9.9.9, 198.51.100.4")) == "198.51.100.4"


def test_a_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = NGINX
    assert client_ip(_request("198.51.100.4", "127.0.0.1")) == "198.51.100.4"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]      # nginx, and the load balancers
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5")) == "203.0.113.9"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "203.0.113.9, junk"])
def test_a_missing_or_malformed_header_gives_the_proxy(settings, forwarded):
    settings.TRUSTED_PROXIES = NGINX
    assert client_ip(_request("127.0.0.1", forwarded)) == "127.0.0.1"


@pytest.mark.parametrize(("forwarded", "client"), [
    ("203.0.113.5:51000", "203.0.113.5"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("[2001:db8::1]", "2001:db8::1"),
    ("::ffff:203.0.113.5", "203.0.113.5"),
    ("10.9.9.9, 203.0.113.5:51000", "203.0.113.5"),
])
def test_a_port_brackets_and_an_ipv4_mapped_form_are_read_as_the_address(settings, forwarded, client):
    settings.TRUSTED_PROXIES = NGINX
    assert client_ip(_request("127.0.0.1", forwarded)) == client


def test_a_proxy_on_a_dual_stack_socket_is_still_trusted(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(_request("::ffff:127.0.0.1", "203.0.113.9")) == "203.0.113.9"


@pytest.mark.parametrize(("remote", "counted"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
    ("2001:db8:1:2::", "2001:db8:1:2::"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("", ""),
])
def test_the_throttles_count_an_ipv6_client_by_its_64(settings, remote, counted):
    settings.TRUSTED_PROXIES = []
    request = _request(remote)
    assert throttle_address(request) == counted
    assert client_ip(request) == remote                # the audit's: the full address


@pytest.mark.django_db
def test_citizen_reports_are_counted_per_ipv6_network(client, settings, campaign):
    from inspections.views.reports import REPORTS_PER_HOUR

    def report(address: str) -> int:
        return client.post("/report/", {"description": "井盖缺失", "location": "胜利街口",
                                        "photos": make_jpeg()}, REMOTE_ADDR=address).status_code

    statuses = [report(f"2001:db8:7:7::{n + 1:x}") for n in range(REPORTS_PER_HOUR + 1)]
    assert statuses == [200] * REPORTS_PER_HOUR + [429]
    assert report("2001:db8:7:8::1") == 200             # another network


@pytest.mark.django_db
def test_citizen_reports_are_counted_per_client_behind_the_proxy(client, settings, campaign):
    from inspections.views.reports import REPORTS_PER_HOUR

    settings.TRUSTED_PROXIES = NGINX

    def report(address: str) -> int:
        return client.post("/report/", {"description": "井盖缺失", "location": "胜利街口",
                                        "photos": make_jpeg()},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address).status_code

    assert [report("203.0.113.9") for _ in range(REPORTS_PER_HOUR)] == [200] * REPORTS_PER_HOUR
    assert report("203.0.113.9") == 429
    assert report("198.51.100.4") == 200        # another citizen behind the same nginx


@pytest.mark.django_db
def test_login_failures_lock_the_client_not_everyone_behind_the_proxy(client, settings, member, tree):
    settings.TRUSTED_PROXIES = NGINX
    user = member(tree["city"], "coordinator", username="office")
    user.set_password("right-pass-2026")
    user.save()

    def log_in(password: str, address: str) -> int:
        return client.post("/accounts/login/", {"username": "office", "password": password},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address).status_code

    for _ in range(settings.LOGIN_PAIR_LIMIT - 1):
        assert log_in("wrong", "203.0.113.9") == 200
    assert log_in("wrong", "203.0.113.9") == 429
    assert log_in("right-pass-2026", "203.0.113.9") == 429
    assert log_in("right-pass-2026", "198.51.100.4") == 302     # the real user, elsewhere


def test_a_bad_trusted_proxy_setting_is_refused():
    from tests.campaign.test_deploy import _manage

    result = _manage("check", DJANGO_TRUSTED_PROXIES="127.0.0.1,nginx")
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES must list addresses or networks, not 'nginx'" in result.stderr
