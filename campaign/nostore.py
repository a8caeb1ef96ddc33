"""`Cache-Control: no-store` on every response Django's views make.

Almost every page, export and photo is private to the person signed in, and the few pages open to
anyone (the login page, the citizen report form, its thanks and tracking pages) carry a CSRF
token tied to the visitor's cookie or a report's tracking code: no browser or proxy should keep
any of them. Static files are answered by WhiteNoise before this middleware and keep their long
cache lifetimes. The rule reads nothing from the request, so it also holds on the 500 and 503
pages, when the database is what failed.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

NO_STORE = "no-store"


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # A view's own stricter header (never_cache's, the health check's) is kept as it is.
        if NO_STORE not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response
