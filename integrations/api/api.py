"""The NinjaAPI instance: /api/v1/… and the OpenAPI 3 document at /api/openapi.json. No docs page:
ninja's loads Swagger UI from a CDN, which the site's Content-Security-Policy (and its rule of no
network at run time) forbids."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from integrations.api.auth import RateLimited, TokenAuth, WriteRefused
from integrations.api.endpoints import router

api = NinjaAPI(
    title="Campaign tracker API", version="1", urls_namespace="api", docs_url=None,
    openapi_url="/openapi.json", auth=TokenAuth(),
    description="Integration tokens (Authorization: Bearer <key>) read and write within their "
                "unit's subtree, as their account may.",
)
api.add_router("/v1/", router)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": _("A valid token is needed: Authorization: Bearer <key>.")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(WriteRefused)
def _read_only(request: HttpRequest, exc: WriteRefused) -> HttpResponse:
    return api.create_response(request, {"detail": _("This token may only read.")}, status=403)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(
        request, {"detail": _("Too many requests for this token: try again in %(seconds)s s.")
                  % {"seconds": exc.retry_after}}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # 400, as the site answers every malformed parameter (ninja's default is 422).
    return api.create_response(request, {"detail": exc.errors}, status=400)
