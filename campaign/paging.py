"""Keyset pagination: a page starts after the last row of the previous one (`?after=<cursor>`),
so the thousandth page costs what the first does and rows filed meanwhile neither repeat nor
vanish. A sort is a tuple of fields ending with a unique one (the id breaks ties); a sort by a
unique field alone has a cursor of just its value.

The cursor reads `<sort value>~<id>` (a moment in ISO form with its offset), or the bare value
for a unique sort. A cursor that cannot be read means the first page, never an error."""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

PER_PAGE_CHOICES = (20, 50, 100, 200)
PER_PAGE = 50

# A long list's count stops here and reads "1000+": counting 400,000 pending items on every
# view would cost more than the page.
COUNT_CAP = 1000


def capped_count(queryset: QuerySet) -> int:
    """How many rows match, read up to COUNT_CAP + 1 (more than COUNT_CAP: show "1000+"): an
    index read that stops, whatever the table holds."""
    return queryset.order_by()[: COUNT_CAP + 1].count()


def per_page(value: str | None) -> int:
    """The page size asked for, if it is one of PER_PAGE_CHOICES; else the default."""
    try:
        size = int(value if value is not None else PER_PAGE)
    except (TypeError, ValueError):
        return PER_PAGE
    return size if size in PER_PAGE_CHOICES else PER_PAGE


def parse_cursor(value: str, fields: tuple[str, ...], model: type[models.Model]) -> tuple | None:
    """The position a cursor names, typed as the sort fields are; None for the first page."""
    head, _sep, tail = value.rpartition("~")
    if not head and not tail:
        return None
    if len(fields) == 1:
        return (value,)
    try:
        pk = int(tail)
        if isinstance(model._meta.get_field(fields[0]), models.DateTimeField):
            moment = dt.datetime.fromisoformat(head)
            if timezone.is_naive(moment):
                return None
            # The database compares in UTC: a moment that has none (year 1 at +14:00) is no cursor.
            return (moment.astimezone(dt.UTC), pk)
        return (head, pk)
    except (ValueError, OverflowError):
        return None


def cursor_of(row: models.Model, fields: tuple[str, ...]) -> str:
    """The cursor of the page that starts after `row`."""
    value = getattr(row, fields[0])
    if len(fields) == 1:
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return f"{value}~{row.pk}"


def after(queryset: QuerySet, fields: tuple[str, ...], position: tuple, descending: bool) -> QuerySet:
    """The rows past `position` in the sort order."""
    op = "lt" if descending else "gt"
    if len(fields) == 1:
        return queryset.filter(**{f"{fields[0]}__{op}": position[0]})
    first, second = fields
    # The plain range on the first field lets the planner walk the index from the cursor
    # (a bare OR of the two cases is read by SQLite as two scans and a sort).
    return queryset.filter(**{f"{first}__{op}e": position[0]}).filter(
        Q(**{f"{first}__{op}": position[0]}) | Q(**{f"{second}__{op}": position[1]})
    )


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None   # None on the last page
    position: tuple | None    # None on the first page


def keyset_page(queryset: QuerySet, *, fields: tuple[str, ...], descending: bool, cursor: str,
                size: int) -> KeysetPage:
    """One page of `queryset` in the order of `fields`, after `cursor` ("" or unreadable: from the
    start). One query: a row more than the page tells whether another page follows."""
    position = parse_cursor(cursor, fields, queryset.model)
    ordered = queryset.order_by(*[f"-{field}" if descending else field for field in fields])
    if position:
        ordered = after(ordered, fields, position, descending)
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, cursor_of(rows[-1], fields) if more else None, position)
