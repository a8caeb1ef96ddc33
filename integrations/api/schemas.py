"""What the API reads and writes, as the OpenAPI document states it (/api/openapi.json)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator

from inspections.forms import MAX_REPORT_DESCRIPTION


def _storable(value: str) -> str:
    """Text a database column can hold: no NUL character (PostgreSQL refuses it) and no lone
    surrogate (it has no UTF-8 form)."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text is not valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class Error(Schema):
    detail: str | list = Field(description="What was wrong (a list for a body or parameter "
                                           "that failed validation).")


class UnitOut(Schema):
    id: int
    campaign_id: int
    parent_id: int | None
    kind: str
    code: str
    name: str
    depth: int


class PointOut(Schema):
    id: int
    unit_id: int
    kind: str
    code: str
    name: str
    address: str
    latitude: str | None
    longitude: str | None
    is_active: bool

    @staticmethod
    def resolve_latitude(obj) -> str | None:
        return _text(obj.latitude)

    @staticmethod
    def resolve_longitude(obj) -> str | None:
        return _text(obj.longitude)


class TaskOut(Schema):
    id: int
    unit_id: int
    parent_id: int | None
    code: str
    title: str
    description: str
    category: str
    start: dt.date
    due: dt.date
    target: str = Field(description="The target quantity as a decimal string.")
    measure: str
    lead_id: int | None

    @staticmethod
    def resolve_target(obj) -> str:
        return str(obj.target)


class ItemOut(Schema):
    id: int
    code: str
    unit_id: int
    source: str
    point_id: int | None
    criterion_id: int | None
    title: str
    description: str
    status: str
    deadline: dt.datetime
    rework_count: int
    method: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None


class EventOut(Schema):
    id: int
    action: str
    from_status: str
    to_status: str
    actor_id: int
    created_at: dt.datetime
    note: str
    photo_ids: list[int] = Field(description="The event's photos (their files are not served "
                                             "by the API).")

    @staticmethod
    def resolve_photo_ids(obj) -> list[int]:
        return [photo.pk for photo in obj.photos.all()]


class ItemDetailOut(ItemOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())


class ScoreOut(Schema):
    unit_id: int
    unit_name: str
    visits: int
    inspection_score: str | None
    due: int
    on_time: int
    recurrences: int = Field(description="Recurrences (复发) filed in the month in the unit's "
                                         "area that cost points; 0 when the bulletin deducted none.")
    score: str | None
    ranked: bool
    rank: int | None
    previous_rank: int | None
    group_size: int
    flagged: bool


class RankingOut(Schema):
    id: int
    month: str = Field(description="YYYY-MM")
    parent_id: int = Field(description="The unit whose children this bulletin ranks.")
    revision: int
    published_at: dt.datetime | None
    scores: list[ScoreOut]


class ItemPage(Schema):
    items: list[ItemOut]
    next: str | None = Field(description="The cursor of the next page; null on the last page.")


class UnitPage(Schema):
    items: list[UnitOut]
    next: str | None


class PointPage(Schema):
    items: list[PointOut]
    next: str | None


class TaskPage(Schema):
    items: list[TaskOut]
    next: str | None


class RankingPage(Schema):
    items: list[RankingOut]
    next: str | None


class ItemIn(Schema):
    unit_id: int = Field(ge=1, le=2**62)
    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=5000)
    deadline: dt.datetime | None = Field(None, description="With its offset; none: the "
                                                          "criterion's default period from now.")
    point_id: int | None = Field(None, ge=1, le=2**62)
    criterion_id: int | None = Field(None, ge=1, le=2**62)


class ReportIn(Schema):
    description: Text = Field(min_length=1, max_length=MAX_REPORT_DESCRIPTION)
    location: Text = Field(min_length=1, max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    category_id: int | None = Field(None, ge=1, le=2**62)


class ReportOut(Schema):
    id: int
    tracking_code: str
    status: str
    created_at: dt.datetime

