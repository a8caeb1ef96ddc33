"""Included at "api/" by campaign/urls.py (by name: campaign never imports integrations)."""

from django.urls import URLPattern, URLResolver

from integrations.api.api import api

_patterns, _app, _namespace = api.urls
app_name = "api"


def _open(patterns: list) -> list:
    """The site requires a login for every page (LoginRequiredMiddleware); the API authenticates
    its own callers by token, so its views are marked as needing no session."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _open(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


urlpatterns = _open(_patterns)
