"""Reading hand-editable request values without ever failing, and answering with a private photo.

Shared by the views of both apps, so a malformed parameter is handled the same way everywhere.
"""

import re
from typing import TypeGuard

from django.http import FileResponse, Http404, HttpRequest

from campaign.models import Photo, User

_ID = re.compile(r"[0-9]{1,12}")


def is_id(value: str | None) -> TypeGuard[str]:
    """ASCII digits only ("²".isdigit() is true but int("²") fails), at most 12 of them."""
    return value is not None and _ID.fullmatch(value) is not None


class AuthenticatedHttpRequest(HttpRequest):
    """For annotations only: LoginRequiredMiddleware lets no anonymous visitor reach a view that
    is not marked login_not_required, so `request.user` is a campaign User there."""

    user: User


def int_param(request: HttpRequest, name: str, *, default: int, low: int, high: int) -> int:
    """`?name=` as an int held to [low, high]; anything unreadable gives the default."""
    value = request.GET.get(name, "")
    if not is_id(value.lstrip("-")):
        return default
    return max(low, min(int(value), high))


def photo_response(photo: Photo, *, thumb: bool = False, max_age: int = 3600) -> FileResponse:
    """The photo's file, for a viewer the caller has already checked; a missing file is a 404."""
    field = photo.thumbnail if thumb else photo.image
    try:
        handle = field.open("rb")
    except (OSError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
