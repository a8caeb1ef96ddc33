"""The installable app: the manifest in the reader's language, the service worker naming the
real static URLs, the offline page, and the head every page carries."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from campaign.pwa import shell
from campaign.pwa.icons import ICON_DIR, ICONS, THEME_COLOR, draw_icon

pytestmark = pytest.mark.django_db


def _manifest(client, language):
    client.cookies["django_language"] = language
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    return json.loads(response.content)


@pytest.mark.parametrize(("language", "name", "short_name"), [
    ("zh-hans", "创城工作平台", "创城"),
    ("en", "Civilized City Campaign Tracker", "Campaign"),
])
def test_the_manifest_speaks_the_readers_language(client, language, name, short_name):
    manifest = _manifest(client, language)
    assert manifest == {
        "name": name, "short_name": short_name, "lang": language,
        "start_url": "/", "scope": "/", "id": "/", "display": "standalone",
        "theme_color": "#dc3545", "background_color": "#dc3545",
        "icons": [
            {"src": "/static/campaign/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/campaign/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/campaign/icons/icon-maskable-512.png", "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }


def test_the_icons_are_committed_at_their_sizes():
    from PIL import Image

    for name, (size, _maskable) in ICONS.items():
        with Image.open(ICON_DIR / name) as image:
            assert image.size == (size, size), name
    # The maskable icon keeps its flag inside the central safe circle: the corners and the edge
    # band are the theme colour.
    maskable = draw_icon(512, maskable=True)
    red = tuple(int(THEME_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    assert {maskable.getpixel((x, y)) for x in (60, 256, 450) for y in (60, 450)} == {red}


def test_the_worker_is_javascript_naming_the_real_static_urls(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    body = response.content.decode()
    built = shell.build_shell()
    static = json.loads(body.split("const SHELL_STATIC = ", 1)[1].split(";\n", 1)[0])
    assert static == built.static
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in static
    assert "/static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2" in static
    assert "/static/campaign/pwa.js" in static and "/static/campaign/site.css" in static
    # Files another part of the issue adds are left out until they exist.
    assert not any("offline_queue" in url for url in static) or shell.static_url(
        "campaign/offline_queue.js")
    assert 'const OFFLINE_PAGE = "/offline/";' in body
    assert f'const VERSION = "{shell.build_shell(_source()).version}";' in body
    # No escaping of the JSON by the template engine.
    assert 'const SHELL_STATIC = ["/static/' in body


def _source() -> str:
    from django.template.loader import get_template

    return get_template("pwa/sw.js").template.source


@override_settings(DEBUG=False, STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}})
def test_in_production_the_worker_names_the_hashed_files(client):
    # The collected manifest (make static, run by make test's setup) gives the hashed names.
    urls = shell.build_shell().static
    css = next(url for url in urls if "bootstrap.min" in url and url.endswith(".css"))
    assert css.startswith("/static/vendor/bootstrap/css/bootstrap.min.") and css != (
        "/static/vendor/bootstrap/css/bootstrap.min.css")


def test_the_version_changes_with_the_shell(monkeypatch):
    before = shell.build_shell("code").version
    assert shell.build_shell("code").version == before
    assert shell.build_shell("other code").version != before
    monkeypatch.setattr(shell, "STATIC_NAMES", (*shell.STATIC_NAMES, "campaign/print.js"))
    assert shell.build_shell("code").version != before


def test_names_that_do_not_resolve_yet_are_left_out(monkeypatch):
    monkeypatch.setattr(shell, "STATIC_NAMES", ("campaign/site.css", "campaign/not-yet.js"))
    monkeypatch.setattr(shell, "PAGE_NAMES", ("pwa:offline", "nowhere:page"))
    built = shell.build_shell()
    assert built.static == ["/static/campaign/site.css"]
    assert built.pages == ["/offline/"]


def test_the_offline_page_is_for_anyone_and_names_no_one(client, django_user_model):
    user = django_user_model.objects.create_user(username="wang", password="x")
    client.force_login(user)
    response = client.get("/offline/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "您已离线" in page and 'id="pwa-kept-list"' in page
    # The worker keeps one copy for whoever holds the phone: no person, no token, no session.
    assert "data-user" not in page and "csrfmiddlewaretoken" not in page and "wang" not in page
    assert client.logout() is None and client.get("/offline/").status_code == 200


def test_the_offline_page_links_the_queue(client):
    assert 'href="/offline/queue/"' in client.get("/offline/").content.decode()


def test_every_page_links_the_manifest_and_names_its_person(client, django_user_model):
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest" crossorigin="use-credentials">' in page
    assert '<meta name="theme-color" content="#dc3545">' in page
    assert 'href="/static/campaign/icons/apple-touch-icon-180.png"' in page
    # Nobody signed in: pwa.js deletes every kept page.
    assert 'data-worker="/sw.js" data-user=""' in page
    user = django_user_model.objects.create_user(username="wang", password="x")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert f'data-worker="/sw.js" data-user="{user.pk}"' in page
    assert 'id="pwa-keep-block"' not in page     # no unit: nothing to keep


def test_the_worker_and_the_manifest_refuse_a_post(client):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405


def test_the_shell_holds_every_file_the_frame_of_a_page_loads(client, django_user_model):
    """A page opened offline needs every script and style sheet the shared frame (base.html,
    _head_meta.html) loads: the shell stores each of them."""
    import re

    client.force_login(django_user_model.objects.create_user(username="li", password="x"))
    page = client.get(reverse("pwa:offline")).content.decode() + client.get("/").content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', page))
    assert loaded and loaded <= set(shell.build_shell().static), loaded - set(shell.build_shell().static)
