"""The day pack (issue 15): the pages a person needs for the day in the street, listed so the
service worker (campaign.pwa) can keep them on the phone. Here rather than in campaign.pwa
because it reads rounds and items (campaign never imports inspections).

Every URL comes through the visibility queries and the same role rules the pages apply: an
inspector's running rounds, the visit forms exactly as the round page links them, the points,
the items waiting for their verification; a unit's staff's pending items and the tasks they
report progress on. A fixed number of queries whatever the size (at most eight, the
person's scope included); at most MAX_URLS URLs.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaign.enums import Role, TaskStatus
from campaign.http import AuthenticatedHttpRequest
from campaign.models import Task, User
from campaign.permissions import visible_points
from campaign.pwa.shell import QUEUE_PAGE, page_url
from campaign.tasks.permissions import visible_tasks
from campaign.tasks.services import attach_progress
from inspections.enums import PENDING, RectificationStatus
from inspections.models import InspectionRound
from inspections.permissions import INSPECTING, role_q, visible_rectifications, visible_rounds

# What a phone keeps for a day: a round of 100 points is 201 pages; each page is some 20–60 KB
# of HTML, so the bound keeps a pack under ~20 MB of the phone's storage and the server's work
# for one press of the button to a few seconds.
MAX_URLS = 300
# Pages the phone fetches at a time while keeping the pack: quicker than one by one over a
# slow link, and a small load for the server (the worker caps it at 6).
FETCHES_AT_ONCE = 4


def day_pack_urls(user: User, today: dt.date, limit: int = MAX_URLS) -> tuple[list[str], bool]:
    """The URLs to keep for `user` on `today`, most needed first, and whether the list was cut
    at `limit`."""
    urls: list[str] = [reverse("home")]
    if queue := page_url(QUEUE_PAGE):
        urls.append(queue)

    # Rounds running today, for units the person inspects (the round page then links each
    # point's visit form), with their points in the round page's order.
    rounds = visible_rounds(user, today=today).filter(
        role_q(user, INSPECTING), starts_on__lte=today, ends_on__gte=today)
    inspectable = visible_points(user).filter(role_q(user, INSPECTING))
    sample = (
        InspectionRound.points.through.objects
        .filter(inspectionround__in=rounds.values("pk"), point__in=inspectable.values("pk"))
        .order_by("inspectionround__ends_on", "inspectionround_id", "point__unit__path",
                  "point__kind", "point__code")
        .values_list("inspectionround_id", "point_id")[:limit]
    )
    round_ids = list(rounds.order_by("ends_on", "pk").values_list("pk", flat=True)[:limit])
    by_round: dict[int, list[int]] = {pk: [] for pk in round_ids}
    for round_id, point_id in sample:
        by_round.setdefault(round_id, []).append(point_id)
    seen_points: set[int] = set()
    for round_id, point_ids in by_round.items():
        urls.append(reverse("inspections:round-detail", args=[round_id]))
        for point_id in point_ids:
            urls.append(f"{reverse('inspections:visit-create', args=[point_id])}?round={round_id}")
            if point_id not in seen_points:
                seen_points.add(point_id)
                urls.append(reverse("inspections:point-detail", args=[point_id]))

    # Items the person acts on: fixes waiting for their verification; their unit's pending
    # items (to acknowledge, fix, or send back).
    items = visible_rectifications(user).filter(
        (role_q(user, INSPECTING) & Q(status=RectificationStatus.SUBMITTED))
        | (role_q(user, (Role.UNIT_STAFF,)) & Q(status__in=PENDING))
    ).order_by("deadline", "pk").values_list("pk", flat=True)[:limit]
    urls += [reverse("inspections:rectification-detail", args=[pk]) for pk in items]

    # Leaf tasks of their units, started and not done: the task page and its report form.
    tasks = list(
        visible_tasks(user)
        .filter(role_q(user, (Role.UNIT_STAFF,)), start__lte=today)
        .exclude(Exists(Task.objects.filter(parent=OuterRef("pk"))))
        .order_by("due", "pk")[:limit]
    )
    leaf_ids = Task.objects.filter(pk__in=[task.pk for task in tasks])
    for task in attach_progress(tasks, within=leaf_ids, today=today):
        if task.status != TaskStatus.DONE:
            urls += [reverse("task-detail", args=[task.pk]), reverse("task-report", args=[task.pk])]

    return urls[:limit], len(urls) > limit


@require_GET
def day_pack(request: AuthenticatedHttpRequest) -> JsonResponse:
    urls, truncated = day_pack_urls(request.user, timezone.localdate())
    return JsonResponse({"urls": urls, "count": len(urls), "limit": MAX_URLS,
                         "truncated": truncated, "at_once": FETCHES_AT_ONCE})
