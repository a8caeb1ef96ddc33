"""Who calls: `Authorization: Bearer <key>` of an active integration token (integrations.tokens),
and how often: REQUESTS_PER_MINUTE per token (settings.API_REQUESTS_PER_MINUTE), counted in the
"counters" cache that every app server shares. A session cookie is never read here: a browser
signed in to the site cannot be led into calling the API."""

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from campaign.ratelimit import count_hit
from integrations import tokens
from integrations.models import ApiToken

WINDOW = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


class WriteRefused(Exception):
    """A read-only token asked to write."""


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token)
        if found is None:
            return None
        hit = count_hit(f"api-rate:{found.pk}", window=WINDOW)
        if hit.count > settings.API_REQUESTS_PER_MINUTE:
            raise RateLimited(retry_after=hit.retry_after)
        return found


def token_of(request: HttpRequest) -> ApiToken:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token


def writing_token(request: HttpRequest) -> ApiToken:
    """The token of a request that writes: WriteRefused (403) for a read-only one."""
    token = token_of(request)
    if not token.can_write:
        raise WriteRefused
    return token
