"""Cursor pages for the API: `limit` rows (1..MAX_LIMIT) after an opaque `cursor`, in id order,
read by campaign.paging's keyset walk (one query a page, whatever the page's number). The cursor
is the URL-safe base64 of the last row's id; one that cannot be read is refused (400), never read
as the first page, so an integration never silently starts over."""

import base64
import binascii

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from campaign.paging import keyset_page

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# A cursor is the base64 of an id: anything longer is not one of ours.
MAX_CURSOR_LENGTH = 40


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor names, as keyset_page reads it ("" for the first page); HttpError 400 for
    anything that is not a cursor this API gave out."""
    if not cursor:
        return ""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        # At most 18 digits: always within a 64-bit id column.
        if not text.isdigit() or len(text) > 18 or int(text) < 1:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, _("The cursor cannot be read: use the “next” value of a page "
                               "as it was given.")) from None
    return text


def page(queryset: QuerySet, *, cursor: str, limit: int) -> tuple[list, str | None]:
    """(rows, the next page's cursor or None on the last page)."""
    result = keyset_page(queryset, fields=("id",), descending=False, cursor=decode_cursor(cursor),
                         size=limit)
    return result.rows, encode_cursor(result.rows[-1].pk) if result.next_cursor else None
