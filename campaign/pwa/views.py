"""The manifest, the service worker and the offline page: open to anyone (the browser fetches
the first two without asking the person, and the worker stores the third for whoever uses the
phone next), and none of them reads who is signed in."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.utils.translation import get_language, pgettext
from django.views.decorators.http import require_GET

from campaign.pwa.icons import THEME_COLOR
from campaign.pwa.shell import QUEUE_PAGE, build_shell, page_url

WORKER_TEMPLATE = "pwa/sw.js"


def manifest_data() -> dict:
    """The web app manifest in the active language (the <link> sends the language cookie)."""
    return {
        # The names under the phone's icon: shorter than the site's title (创城, not 创建工作).
        "name": pgettext("installed app", "Civilized City Campaign Tracker"),
        "short_name": pgettext("installed app", "Campaign"),
        "lang": get_language(),
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": THEME_COLOR,
        "icons": [
            {"src": static("campaign/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("campaign/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("campaign/icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }


@login_not_required
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    return HttpResponse(json.dumps(manifest_data(), ensure_ascii=False),
                        content_type="application/manifest+json; charset=utf-8")


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script, rendered so it names the real static URLs; its version changes with
    the shell's URLs and with its own code, and the browser then replaces the old caches."""
    template = get_template(WORKER_TEMPLATE)
    shell = build_shell(template.template.source)  # type: ignore[attr-defined]  # Django backend
    body = template.render({
        "version": shell.version,
        "shell_static": json.dumps(shell.static),
        "shell_pages": json.dumps(shell.pages),
        "offline_page": json.dumps(shell.offline_page),
        "queue_page": json.dumps(page_url(QUEUE_PAGE)),
    })
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


@login_not_required
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page shown for a page not kept when there is no network. Rendered without the
    request, like the 500 page: no person, no CSRF token, no session read, because the worker
    keeps one copy for whoever holds the phone."""
    return HttpResponse(render_to_string("pwa/offline.html", {"queue_url": page_url(QUEUE_PAGE)}))
