"""The Content-Security-Policy (campaign.csp) on every kind of answer, no-store on every answer
but the static files (campaign.nostore), and no inline script or style in any template."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.urls import reverse

from campaign.csp import content_security_policy, tile_source
from tests import factories

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")


def _headers(response) -> tuple[int, str, str]:
    return response.status_code, response["Content-Security-Policy"], response["Cache-Control"]


@pytest.fixture
def failing_urls(settings, client):
    settings.ROOT_URLCONF = "tests.campaign.error_urls"
    client.raise_request_exception = False
    return client


@pytest.fixture
def item(people, tree):
    return factories.file_item(tree["street_a"], by=people["coordinator"])


def test_site_page_has_the_policy_and_no_store(client, people):
    factories.login(client, people["staff"])
    assert _headers(client.get(reverse("home"))) == (200, POLICY, "no-store")


def test_login_page_has_the_policy_and_djangos_never_cache(client, db):
    assert _headers(client.get(reverse("login"))) == (
        200, POLICY, "max-age=0, no-cache, no-store, must-revalidate, private")


def test_citizen_report_form_has_the_policy_and_no_store(client, tree):
    url = reverse("inspections:report-create") + f"?campaign={tree['city'].campaign.key}"
    assert _headers(client.get(url)) == (200, POLICY, "no-store")


def test_print_sheet_has_the_policy_and_no_store(client, people, item):
    factories.login(client, people["coordinator"])
    response = client.get(reverse("inspections:rectification-print", args=[item.pk]))
    assert _headers(response) == (200, POLICY, "no-store")


def test_export_has_the_policy_and_no_store(client, people, item):
    factories.login(client, people["coordinator"])
    response = client.get(reverse("inspections:ledger-export-csv"))
    assert _headers(response) == (200, POLICY, "no-store")
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_photo_has_the_policy_and_no_store(client, people, tree):
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    factories.login(client, people["staff"])
    for name in ("inspections:photo", "inspections:photo-thumb"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert (*_headers(response), response["Content-Type"]) == (
            200, POLICY, "no-store", "image/jpeg")


def test_admin_has_the_policy_and_no_store(client, db):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    # Django's admin marks its pages never_cache; the stricter header is kept.
    assert "no-store" in response["Cache-Control"]


def test_404_page_has_the_policy_and_no_store(client, people):
    factories.login(client, people["staff"])
    assert _headers(client.get("/no-such-page/")) == (404, POLICY, "no-store")


def test_403_page_has_the_policy_and_no_store(client, people):
    factories.login(client, people["staff"])
    assert _headers(client.get(reverse("inspections:report-list"))) == (403, POLICY, "no-store")


def test_500_page_has_the_policy_and_no_store(failing_urls, db):
    assert _headers(failing_urls.get("/broken/")) == (500, POLICY, "no-store")


def test_503_page_has_the_policy_and_no_store(failing_urls, db):
    assert _headers(failing_urls.get("/database-down/")) == (503, POLICY, "no-store")


def test_maintenance_page_has_the_policy_and_no_store(client, settings, tmp_path):
    settings.MAINTENANCE_FILE = tmp_path / "maintenance"
    settings.MAINTENANCE_FILE.touch()
    assert _headers(client.get(reverse("login"))) == (503, POLICY, "no-store")


def test_static_file_has_the_policy_but_may_be_cached(client, db, settings):
    settings.WHITENOISE_USE_FINDERS = True     # served by WhiteNoise, as in production
    response = client.get(static("campaign/site.css"))
    assert (response.status_code, response["Content-Security-Policy"]) == (200, POLICY)
    assert "no-store" not in response.get("Cache-Control", "")


def test_policy_allows_images_from_the_tile_server():
    policy = content_security_policy("https://tiles.example.gov.cn:8443/{z}/{x}/{y}.png")
    assert policy["img-src"] == ["'self'", "data:", "https://tiles.example.gov.cn:8443"]


@pytest.mark.parametrize(("url", "source"), [
    ("", None),
    ("/tiles/{z}/{x}/{y}.png", None),
    ("https://tiles.example.gov.cn/{z}/{x}/{y}.png", "https://tiles.example.gov.cn"),
    ("http://10.0.0.5:8080/osm/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ("https://user:secret@tiles.example.gov.cn/{z}/{x}/{y}.png", "https://tiles.example.gov.cn"),
])
def test_tile_source_is_the_tile_urls_origin(url, source):
    assert tile_source(url) == source


@pytest.mark.parametrize("url", [
    "ftp://tiles.example.gov.cn/{z}/{x}/{y}.png",
    "https://tiles.{s}.example.gov.cn/{z}/{x}/{y}.png",
    "https://{s}/{z}/{x}/{y}.png",
    "//tiles.example.gov.cn/{z}/{x}/{y}.png",
])
def test_tile_source_refuses_what_is_no_http_origin(url):
    with pytest.raises(ImproperlyConfigured, match="CAMPAIGN_MAP_TILES"):
        tile_source(url)


TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A <script> element with a body (no src): JSON data (json_script) is allowed, as it runs nothing.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def _inline_code(text: str) -> list[str]:
    return [match.group(0).strip() for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER,
                                                   JAVASCRIPT_URL)
            for match in pattern.finditer(text)]


def test_no_template_has_inline_script_or_style():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 100
    found = {str(path.relative_to(TEMPLATES)): _inline_code(path.read_text())
             for path in templates}
    assert {name: code for name, code in found.items() if code} == {}


@pytest.mark.parametrize(("html", "found"), [
    ('<script src="/static/x.js"></script>', []),
    ('{{ data|json_script:"map-config" }}', []),
    ('<script type="application/json" id="x">{}</script>', []),
    ("<script>alert(1)</script>", ["<script>"]),
    ('<div class="a" style="width: 3%">', ["style="]),
    ("<style>p { color: red }</style>", ["<style"]),
    ('<button onclick="window.print()">', ['onclick="']),
    ('<a href="javascript:void(0)">', ["javascript:"]),
    ('<rect width="37.5" height="1" class="fill-danger"/>', []),
])
def test_inline_code_check_finds_what_the_policy_blocks(html, found):
    assert _inline_code(html) == found
