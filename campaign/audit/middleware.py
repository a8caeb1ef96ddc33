"""Two middlewares of the audit trail.

`ChangeContextMiddleware`: django-auditlog's, which tells its receivers who is acting, but with
the address from campaign.clientip (auditlog's own believes the first X-Forwarded-For entry,
which anyone can write, and X-Forwarded-Port likewise: no port is stored).

`RefusalMiddleware`: a 403 or 404 answered to a logged-in person on an object's page (a URL
pattern with an id in it) is a security event: someone looked for what they may not see.
"""

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse

from campaign.audit.enums import SecurityKind
from campaign.audit.recorders import address_of, record_event

REFUSED = {403, 404}


class ChangeContextMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return address_of(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None


def is_object_url(kwargs: dict) -> bool:
    """A URL naming an object: a `pk` or `id` in it, or a `<thing>_pk` / `<thing>_id`."""
    return any(name in ("pk", "id") or name.endswith(("_pk", "_id")) for name in kwargs)


class RefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSED:
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            if (match is not None and is_object_url(match.kwargs) and user is not None
                    and user.is_authenticated):
                record_event(SecurityKind.REFUSED, request=request, user=user,
                             path=request.get_full_path(), status=response.status_code)
        return response


