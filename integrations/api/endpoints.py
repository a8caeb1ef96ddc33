"""The API's operations (/api/v1/…). Reads go through integrations.api.scope (out of scope: 404);
writes go through the workflow and services the pages use, as the token's account."""

import datetime as dt
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from campaign.calendar import UnknownYear
from campaign.models import Criterion
from campaign.periods import Month
from inspections import services, workflow
from inspections.enums import RectificationStatus
from inspections.models import Bulletin, CitizenReport, MonthlyScore, Rectification, RectificationEvent
from inspections.permissions import can_file
from integrations.api import idempotency, paging, schemas
from integrations.api.auth import token_of, writing_token
from integrations.api.scope import token_bulletins, token_items, token_points, token_tasks, token_units
from integrations.models import ApiToken

router = Router()

MAX_ID = 2**62
Id = Path(..., ge=1, le=MAX_ID)
Limit = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT)
Cursor = Query("", max_length=paging.MAX_CURSOR_LENGTH, description="The `next` of the previous page.")
UnitFilter = Query(None, ge=1, le=MAX_ID, description="A unit and its subtree.")
UpdatedSince = Query(None, description="Items with a step recorded at or after this moment.")

ERRORS = {400: schemas.Error, 401: schemas.Error, 404: schemas.Error, 429: schemas.Error}
WRITE_ERRORS = {**ERRORS, 403: schemas.Error, 422: schemas.Error}


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    """A moment from the request, with its offset, in UTC; 400 without one or out of range."""
    if timezone.is_naive(value):
        raise HttpError(400, _("%(name)s needs a UTC offset, e.g. 2026-03-01T08:00:00+08:00.")
                        % {"name": name})
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise HttpError(400, _("%(name)s is out of range.") % {"name": name}) from None


# ---- items -------------------------------------------------------------------------------------

@router.get("/items", response={200: schemas.ItemPage, **ERRORS}, url_name="items", operation_id="item_list",
            summary="Rectification items, in the order they were filed")
def item_list(request: HttpRequest, status: RectificationStatus | None = None,
              unit: int | None = UnitFilter, created_since: dt.datetime | None = None,
              updated_since: dt.datetime | None = UpdatedSince, cursor: str = Cursor, limit: int = Limit):
    token = token_of(request)
    items = token_items(token)
    if status:
        items = items.filter(status=status)
    if unit is not None:
        within = token_units(token).filter(pk=unit).first()
        if within is None:
            raise HttpError(400, _("No such unit in this token's scope."))
        items = items.filter(unit__path__startswith=within.path)
    if created_since is not None:
        items = items.filter(created_at__gte=_utc(created_since, "created_since"))
    if updated_since is not None:
        since = _utc(updated_since, "updated_since")
        items = items.filter(Exists(RectificationEvent.objects.filter(
            rectification=OuterRef("pk"), recorded_at__gte=since)))
    rows, after = paging.page(items, cursor=cursor, limit=limit)
    return {"items": rows, "next": after}


def _item_detail(token, pk: int) -> Rectification:
    events = RectificationEvent.objects.order_by("created_at", "pk").prefetch_related("photos")
    return get_object_or_404(token_items(token).prefetch_related(Prefetch("events", queryset=events)),
                             pk=pk)


@router.get("/items/{pk}", response={200: schemas.ItemDetailOut, **ERRORS}, url_name="item",
            operation_id="item_detail",
            summary="One item with its events (oldest first)")
def item_detail(request: HttpRequest, pk: int = Id):
    return _item_detail(token_of(request), pk)


@router.post("/items", response={201: schemas.ItemDetailOut, 200: schemas.ItemDetailOut, **WRITE_ERRORS},
             url_name="item-create", operation_id="item_create", summary="File an item (立案) for a unit")
def item_create(request: HttpRequest, body: schemas.ItemIn):
    """Filed as the token's account, which must be allowed to file for the unit. Without a
    deadline, the criterion's default period (3 days without a criterion) counted from now.
    Send an `Idempotency-Key` (a UUID) to make a retry safe: the second request files nothing and
    answers 200 with the first one's item."""
    token = writing_token(request)
    unit = token_units(token).filter(pk=body.unit_id).select_related("campaign").first()
    if unit is None:
        raise HttpError(400, _("No such unit in this token's scope."))
    if not can_file(token.user, unit):
        raise HttpError(403, _("This token's account may not file items for this unit."))
    point = None
    if body.point_id is not None:
        point = token_points(token).filter(pk=body.point_id, campaign_id=unit.campaign_id).first()
        if point is None:
            raise HttpError(400, _("No such point in this token's scope."))
    criterion = None
    if body.criterion_id is not None:
        criterion = Criterion.objects.for_unit(unit).filter(pk=body.criterion_id).first()
        if criterion is None:
            raise HttpError(400, _("No such criterion in the standard of this unit."))
    now = timezone.now()
    period = None
    if body.deadline is None:
        period = services.deadline_period(criterion)
        try:
            deadline = services.counted_deadline(unit.campaign, now, period)
        except UnknownYear as error:
            raise HttpError(400, str(error)) from None
    else:
        deadline = _utc(body.deadline, "deadline")

    def create() -> Rectification:
        return workflow.file_rectification(
            unit=unit, title=body.title, description=body.description, deadline=deadline,
            by=token.user, point=point, criterion=criterion, at=now, period=period)

    try:
        pk, replayed = idempotency.file_once(request, token, create, lambda item: item.pk)
    except workflow.TransitionError as error:
        raise HttpError(400, str(error)) from None
    return Status(200 if replayed else 201, _item_detail(token, pk))


# ---- citizen reports ---------------------------------------------------------------------------

@router.post("/reports", response={201: schemas.ReportOut, 200: schemas.ReportOut, **WRITE_ERRORS},
             url_name="report-create",
             operation_id="report_create", summary="File a citizen report (随手拍) without photos")
def report_create(request: HttpRequest, body: schemas.ReportIn):
    """For the campaign of the token's unit; it waits for the campaign office's triage like a
    report from the public form. Photos are not taken through the API. `Idempotency-Key` as for
    items."""
    token = writing_token(request)
    campaign = token.unit.campaign
    category = None
    if body.category_id is not None:
        category = services.public_categories(campaign).filter(pk=body.category_id).first()
        if category is None:
            raise HttpError(400, _("Choose one of the categories offered."))

    def create() -> CitizenReport:
        return services.report_problem(
            campaign=campaign, description=body.description, location=body.location,
            latitude=body.latitude, longitude=body.longitude, category=category)

    try:
        pk, replayed = idempotency.file_once(request, token, create, lambda report: report.pk)
    except services.InspectionError as error:
        raise HttpError(400, str(error)) from None
    return Status(200 if replayed else 201, CitizenReport.objects.get(pk=pk))


# ---- units, points, tasks: a list and a detail each ------------------------------------------

def _list_and_detail(name: str, scope: Callable[[ApiToken], QuerySet], out: type, page: type) -> None:
    """GET /<name>s (a cursor page of the token's scope, in id order) and GET /<name>s/{pk}."""

    @router.get(f"/{name}s", response={200: page, **ERRORS}, url_name=f"{name}s",
                operation_id=f"{name}_list", summary=f"The {name}s of the token's subtree")
    def listing(request: HttpRequest, cursor: str = Cursor, limit: int = Limit):
        rows, after = paging.page(scope(token_of(request)), cursor=cursor, limit=limit)
        return {"items": rows, "next": after}

    @router.get(f"/{name}s/{{pk}}", response={200: out, **ERRORS}, url_name=name,
                operation_id=f"{name}_detail", summary=f"One {name}")
    def detail(request: HttpRequest, pk: int = Id):
        return get_object_or_404(scope(token_of(request)), pk=pk)


_list_and_detail("unit", token_units, schemas.UnitOut, schemas.UnitPage)
_list_and_detail("point", token_points, schemas.PointOut, schemas.PointPage)
_list_and_detail("task", token_tasks, schemas.TaskOut, schemas.TaskPage)


# ---- rankings ----------------------------------------------------------------------------------

def _with_scores(bulletins):
    scores = MonthlyScore.objects.select_related("unit").order_by("rank", "unit__path", "pk")
    return bulletins.prefetch_related(Prefetch("scores", queryset=scores))


def _ranking_out(bulletin: Bulletin) -> dict:
    return {
        "id": bulletin.pk, "month": str(Month.of(bulletin.month)), "parent_id": bulletin.parent_id,
        "revision": bulletin.revision, "published_at": bulletin.published_at,
        "scores": [{
            "unit_id": score.unit_id, "unit_name": score.unit.name, "visits": score.visits,
            "inspection_score": None if score.inspection_score is None else str(score.inspection_score),
            "due": score.due, "on_time": score.on_time, "recurrences": score.recurrences,
            "score": None if score.score is None else str(score.score),
            "ranked": score.ranked, "rank": score.rank, "previous_rank": score.previous_rank,
            "group_size": score.group_size, "flagged": score.flagged,
        } for score in bulletin.scores.all()],
    }


@router.get("/rankings", response={200: schemas.RankingPage, **ERRORS}, url_name="rankings",
            operation_id="ranking_list",
            summary="Published monthly bulletins (current revisions), in the order they were stored")
def ranking_list(request: HttpRequest, cursor: str = Cursor, limit: int = Limit):
    rows, after = paging.page(_with_scores(token_bulletins(token_of(request))), cursor=cursor,
                              limit=limit)
    return {"items": [_ranking_out(bulletin) for bulletin in rows], "next": after}


@router.get("/rankings/{month}", response={200: list[schemas.RankingOut], **ERRORS},
            url_name="ranking-month",
            operation_id="ranking_month", summary="The published bulletins of one month (YYYY-MM)")
def ranking_month(request: HttpRequest, month: str = Path(..., max_length=7, pattern=r"^\d{4}-\d{2}$")):
    parsed = Month.parse(month)
    if parsed is None:
        raise HttpError(400, _("A month reads YYYY-MM, e.g. 2026-03."))
    bulletins = _with_scores(token_bulletins(token_of(request)).filter(month=parsed.first_day))
    return [_ranking_out(bulletin) for bulletin in bulletins.order_by("parent__path", "pk")]
