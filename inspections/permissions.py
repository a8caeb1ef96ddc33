"""Who sees which inspections, items and photos, and who may take which step.

Every object is fetched through a `visible_*` query (out of scope: 404); a `can_*` predicate
says whether the person holds the role for a step (no right: 403). Whether the step is legal in
the item's current status is the workflow's business (inspections.workflow.allowed).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campaign.enums import Role, UnitKind
from campaign.models import Campaign, Photo, Point, Standard, Unit, User
from campaign.permissions import (
    campaign_root,
    campaign_scope_q,
    has_role,
    holds_role_anywhere,
    is_campaign_office,
    managed_units,
    office_campaigns,
    office_root_paths,
    paths_q,
    role_paths,
    scope_q,
    units_with_role,
    visible_units,
)
from inspections.enums import CitizenReportStatus, EventAction, FeedbackRating, RoundKind
from inspections.models import (
    CitizenReport,
    Finding,
    Inspection,
    InspectionRound,
    Rectification,
    RectificationEvent,
    ReportFeedback,
    RoundQuerySet,
)

INSPECTING = (Role.COORDINATOR, Role.INSPECTOR)
# Units that can answer for an item (commands, work groups and offices only pass them on).
RESPONSIBLE_KINDS = (UnitKind.STREET, UnitKind.LANE_OFFICE, UnitKind.COMMUNITY,
                     UnitKind.DEPARTMENT, UnitKind.DISTRICT)


def role_q(user: User, roles: tuple[str, ...], field: str = "unit") -> Q:
    """Objects of units under a unit where the user holds one of `roles` (all, for a
    superuser)."""
    if user.is_superuser:
        return Q()
    return paths_q(role_paths(user, roles), field)


def visible_rectifications(user: User) -> QuerySet[Rectification]:
    """The items of the units the user sees."""
    return Rectification.objects.filter(campaign_scope_q(user))


def own_visits(user: User, start: dt.datetime, end: dt.datetime) -> QuerySet[Inspection]:
    """The visits the person made in [start, end) that they may still see: the home page's
    "my visits this month" and the list it links to."""
    return visible_inspections(user).filter(inspector=user, visited_at__gte=start,
                                            visited_at__lt=end)


def visible_inspections(user: User, *, today: dt.date | None = None) -> QuerySet[Inspection]:
    """Inspectors and coordinators see the visits in their scope at once; the inspected units
    (and leaders) see a visit made in a round only after that round has ended, so an
    unannounced round stays unannounced (不发通知、不打招呼)."""
    today = today or timezone.localdate()
    public = Q(round__isnull=True) | Q(round__ends_on__lt=today)
    return Inspection.objects.filter(
        role_q(user, INSPECTING, "unit") | (scope_q(user) & public)
    )


def visible_rounds(user: User, *, today: dt.date | None = None) -> RoundQuerySet:
    today = today or timezone.localdate()
    return InspectionRound.objects.filter(
        role_q(user, INSPECTING, "unit") | (scope_q(user) & Q(ends_on__lt=today))
    )


def visible_mock_evaluations(user: User) -> RoundQuerySet:
    """Mock evaluations (模拟测评) of units in the person's scope; who may read the report is
    can_read_mock_evaluation."""
    return InspectionRound.objects.filter(scope_q(user), kind=RoundKind.MOCK)


# The report is for the offices, inspectors and leaders over the mock's unit, not for the units
# it checks.
MOCK_READERS = (Role.COORDINATOR, Role.INSPECTOR, Role.LEADER)


def can_read_mock_evaluation(user: User, mock: InspectionRound) -> bool:
    return has_role(user, mock.unit, *MOCK_READERS)


def readable_mock_evaluations(user: User) -> RoundQuerySet:
    """What the list of mock evaluations shows: those whose report the person may read."""
    return visible_mock_evaluations(user).filter(role_q(user, MOCK_READERS))


def can_start_mock_evaluation(user: User, unit: Unit) -> bool:
    """Coordinators start mock evaluations for their subtree."""
    return has_role(user, unit, Role.COORDINATOR)


def mock_evaluation_units(user: User) -> QuerySet[Unit]:
    """The units a person may start a mock evaluation for."""
    return units_with_role(user, Role.COORDINATOR)


def visible_photos(user: User, *, today: dt.date | None = None) -> QuerySet[Photo]:
    """A photo is seen by whoever sees its unit, or an item it documents (a re-routed item
    takes its before-photos along to the new unit). A photo taken in a round not yet ended
    stays with those inspecting there, unless it documents an item (the unit must see what to
    fix): the visit itself stays unannounced."""
    if user.is_superuser:
        return Photo.objects.all()
    today = today or timezone.localdate()
    items = visible_rectifications(user)
    on_finding = Finding.objects.filter(
        photos=OuterRef("pk"), rectification__in=items.values("pk")
    )
    on_event = RectificationEvent.objects.filter(
        photos=OuterRef("pk"), rectification__in=items.values("pk")
    )
    secret_visit = Inspection.objects.filter(
        photos=OuterRef("pk"), round__ends_on__gte=today
    ).exclude(role_q(user, INSPECTING, "unit"))
    secret_finding = Finding.objects.filter(
        photos=OuterRef("pk"), inspection__round__ends_on__gte=today
    ).exclude(role_q(user, INSPECTING, "inspection__unit"))
    return Photo.objects.filter(
        scope_q(user) | Q(Exists(on_finding)) | Q(Exists(on_event))
    ).exclude(
        (Q(Exists(secret_visit)) | Q(Exists(secret_finding))) & ~Q(Exists(on_event))
    )


def can_inspect(user: User, unit: Unit) -> bool:
    """Plan rounds, record visits and file items for this unit."""
    return has_role(user, unit, *INSPECTING)


def can_file(user: User, unit: Unit) -> bool:
    """File an item for this unit (from a visit, a report or on its own)."""
    return has_role(user, unit, *INSPECTING)


def inspecting_units(user: User) -> QuerySet[Unit]:
    """The units the user may plan rounds for, visit and file items for."""
    return units_with_role(user, *INSPECTING)


def can_inspect_somewhere(user: User) -> bool:
    """Whether "plan a round", "record a visit" and "file an item" are offered at all."""
    return holds_role_anywhere(user, *INSPECTING)


def can_take_steps_somewhere(user: User) -> bool:
    """Whether the item list offers to select items for a bulk step: the person holds a role
    some step asks for somewhere (a leader only reads)."""
    return holds_role_anywhere(user, Role.UNIT_STAFF, *INSPECTING)


def can_acknowledge(user: User, item: Rectification) -> bool:
    """Sign for an item (签收): the unit's own staff."""
    return has_role(user, item.unit, Role.UNIT_STAFF)


def can_send_back(user: User, item: Rectification) -> bool:
    """Send an item back to the dispatcher as not the unit's (回退)."""
    return has_role(user, item.unit, Role.UNIT_STAFF)


def can_submit(user: User, item: Rectification) -> bool:
    """Submit the fix with after-photos."""
    return has_role(user, item.unit, Role.UNIT_STAFF)


def can_verify(user: User, item: Rectification) -> bool:
    """Close or return a submitted fix; the submitter is refused by the workflow and by
    `can_close`."""
    return has_role(user, item.unit, *INSPECTING)


def has_submitted(user: User, item: Rectification) -> bool:
    """Whether the user ever submitted a fix for the item."""
    return item.events.filter(action=EventAction.SUBMITTED, actor=user).exists()


def can_close(user: User, item: Rectification) -> bool:
    """Separation of duties: whoever submitted a fix for the item never closes it."""
    return can_verify(user, item) and not has_submitted(user, item)


def can_return(user: User, item: Rectification) -> bool:
    """Refuse a submitted fix (核查不通过): back to the unit for rework."""
    return can_verify(user, item)


def can_extend(user: User, item: Rectification) -> bool:
    """Extend the deadline, with a reason."""
    return has_role(user, item.unit, Role.COORDINATOR)


def can_reroute(user: User, item: Rectification) -> bool:
    """Hand the item to another unit."""
    return has_role(user, item.unit, Role.COORDINATOR)


def can_void(user: User, item: Rectification) -> bool:
    """Void the item as unfounded (不属实)."""
    return has_role(user, item.unit, Role.COORDINATOR)


def can_manage_standard(user: User, unit: Unit) -> bool:
    """Edit the standard and the point register of the campaign whose root unit this is."""
    return has_role(user, unit, Role.COORDINATOR)


def visible_standards(user: User) -> QuerySet[Standard]:
    """The standards of every campaign in which the user sees some unit."""
    return Standard.objects.filter(campaign_id__in=visible_units(user).values("campaign_id"))


def can_edit_standard(user: User, standard: Standard) -> bool:
    """Change a standard's categories, criteria and bindings: the campaign's office (a
    coordinator at the first root of its tree)."""
    root = campaign_root(standard.campaign_id)
    return root is not None and can_manage_standard(user, root)


def can_edit_point(user: User, point: Point) -> bool:
    """Change a point: a coordinator of its responsible unit or above."""
    return has_role(user, point.unit, Role.COORDINATOR)


def can_manage_points(user: User) -> bool:
    """Whether "new point" (and import) is offered: the user coordinates some unit."""
    return holds_role_anywhere(user, Role.COORDINATOR)


def can_triage_reports(user: User) -> bool:
    """Triage citizen reports (随手拍): the campaign office only (a coordinator at a root).
    The nav, the item list and the report pages all ask this, so none offers what another
    refuses; it reads only the cached scope."""
    return user.is_superuser or bool(office_root_paths(user))


def visible_citizen_reports(user: User) -> QuerySet[CitizenReport]:
    """The reports of the campaigns whose office the user belongs to (no one else sees them:
    they hold a citizen's contact details)."""
    return CitizenReport.objects.filter(campaign__in=office_campaigns(user))


def reports_awaiting_triage(user: User) -> int | None:
    """How many new citizen reports wait for the user's triage; None for whoever may not
    triage. Counted once per request (kept on the user object): the nav and the home page
    both show it."""
    if not can_triage_reports(user):
        return None
    cached = getattr(user, "_reports_awaiting_triage", None)
    if cached is None:
        cached = visible_citizen_reports(user).filter(status=CitizenReportStatus.NEW).count()
        user._reports_awaiting_triage = cached  # type: ignore[attr-defined]  # per request
    return cached


def can_review_revisits(user: User) -> bool:
    """Look again at items a reporter was not satisfied with (回访不满意): whoever triages the
    reports, so the same office that filed the item hears the answer."""
    return can_triage_reports(user)


def revisits(user: User) -> QuerySet[Rectification]:
    """The items in the user's scope with a "not satisfied" follow-up answer nobody has looked
    at yet (none for whoever may not review them)."""
    if not can_review_revisits(user):
        return Rectification.objects.none()
    waiting = ReportFeedback.objects.filter(
        report__item=OuterRef("pk"), rating=FeedbackRating.NOT_SATISFIED, reviewed_at__isnull=True)
    return visible_rectifications(user).filter(Exists(waiting))


def revisits_awaiting(user: User) -> int | None:
    """How many items wait to be looked at again, for the home page; None for whoever may not
    review them (no query then)."""
    if not can_review_revisits(user):
        return None
    return revisits(user).count()


def can_publish_fix(user: User, item: Rectification) -> bool:
    """Choose the before- and after-photo of a fixed citizen report for the public page: the
    coordinators of the item's unit or above (the workflow's state, closed and from a report, is
    the service's check)."""
    return has_role(user, item.unit, Role.COORDINATOR)


def reroute_targets(user: User, item: Rectification) -> QuerySet[Unit]:
    """Units the coordinator may hand the item to: in their scope and the item's campaign,
    of a kind that answers for places."""
    return managed_units(user).filter(campaign_id=item.campaign_id, kind__in=RESPONSIBLE_KINDS)


def can_edit_supervision_rules(user: User, campaign: Campaign) -> bool:
    """Change when reminders go out and when overdue items escalate (督办): the campaign office
    (a coordinator at a root of the campaign's tree)."""
    return is_campaign_office(user, campaign)


def can_edit_supervision_rules_somewhere(user: User) -> bool:
    """Whether the nav offers the supervision rules at all: some campaign's office."""
    return user.is_superuser or bool(office_root_paths(user))
