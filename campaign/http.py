"""Reading hand-editable request values without ever failing, and answering with a private photo
or a spreadsheet download.

Shared by the views of both apps, so a malformed parameter is handled the same way everywhere.
"""

import logging
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, TypeGuard

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Photo, User
from campaign.spreadsheets import XLSX_CONTENT_TYPE, write_xlsx
from campaign.storage import STORAGE_ERRORS, is_missing

logger = logging.getLogger(__name__)

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


def photo_response(photo: Photo, *, thumb: bool = False) -> HttpResponseBase:
    """The photo's file, streamed from whichever store holds it, for a viewer the caller has
    already checked. Never a redirect to the store: its objects are private. A missing file is a
    404; a store that cannot be read (object store down, disk failing) is a 503, never a 500."""
    field = photo.thumbnail if thumb else photo.image
    if not field.name:
        raise Http404
    handle = None
    try:
        handle = field.open("rb")
        # FileResponse reads the size here: an object store's file is fetched now, inside the try,
        # so that its failure is answered before any byte is sent.
        response = FileResponse(handle, content_type="image/jpeg")
    except STORAGE_ERRORS as error:
        if handle is not None:
            handle.close()
        if is_missing(error):
            raise Http404 from error
        logger.warning("Photo %s not served: the photo store failed", photo.pk, exc_info=True)
        return _store_unavailable()
    # Private data: kept by no browser cache (campaign.nostore sets it on every response too).
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _store_unavailable() -> HttpResponse:
    # Plain text: shown in place of an image, or when a photo is opened on its own; it needs
    # nothing from the database or the templates.
    response = HttpResponse(
        _("The photo cannot be shown right now: the photo store is not available. Try again in a "
          "few minutes."),
        status=503, content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response


def xlsx_download(rows: Iterable[Sequence[Any]], *, name: str, sheet: str) -> FileResponse:
    """An XLSX attachment named `name`-YYYYmmdd-HHMM.xlsx (local time). Written to a temporary
    file, then streamed from it: memory holds one batch of rows at any size."""
    handle = tempfile.TemporaryFile()
    try:
        write_xlsx(handle, rows, sheet=sheet)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"{name}-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
