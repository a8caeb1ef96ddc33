"""Who sees and who may change campaign tasks (任务清单) and their progress reports.

Tasks are seen by everyone whose scope holds the task's unit. Coordinators of the unit (or of a
unit above it) manage its tasks; unit staff of the unit (or above) report progress; leaders read.
"""

from django.db.models import Q, QuerySet, Sum

from campaign.enums import Role
from campaign.models import Photo, Progress, Task, Unit, User
from campaign.permissions import has_role, scope_q


def visible_tasks(user: User) -> QuerySet[Task]:
    """The tasks of the units the user sees."""
    return Task.objects.filter(scope_q(user))


def visible_progress(user: User) -> QuerySet[Progress]:
    """The progress reports on tasks the user sees."""
    return Progress.objects.filter(scope_q(user, "task__unit"))


def visible_task_photos(user: User) -> QuerySet[Photo]:
    """Photos attached to a progress report, fetched only where the photo's unit is in scope."""
    return Photo.objects.filter(scope_q(user), progress_reports__isnull=False).distinct()


def can_create_task(user: User, unit: Unit) -> bool:
    """Create a task for this unit: a coordinator of it or above."""
    return has_role(user, unit, Role.COORDINATOR)


def can_manage_task(user: User, task: Task) -> bool:
    """Change or split a task: a coordinator of its unit or above."""
    return has_role(user, task.unit, Role.COORDINATOR)


def can_split_task(user: User, task: Task) -> bool:
    """Progress is reported on leaf tasks only, so a task that has reports is not split; a task
    whose children already add up to its target has nothing left to hand down."""
    return can_manage_task(user, task) and not _has_reports(task) and not _fully_split(task)


def can_report_progress(user: User, task: Task) -> bool:
    """Report progress on a leaf task: the staff of its unit or above."""
    return has_role(user, task.unit, Role.UNIT_STAFF) and not _has_children(task)


def can_correct_progress(user: User, report: Progress) -> bool:
    """Correct a report not yet corrected (a correction is a new report that points back)."""
    return can_report_progress(user, report.task) and not _is_corrected(report)


def can_import_tasks(user: User, unit: Unit) -> bool:
    """Import a task list under this unit: a coordinator of it or above."""
    return has_role(user, unit, Role.COORDINATOR)


# Lists annotate these counts (campaign.tasks.services.attach_progress) so a page asks no query per row;
# a lone object falls back to one query.
def _has_children(task: Task) -> bool:
    count = getattr(task, "child_count", None)
    return task.children.exists() if count is None else count > 0


def _has_reports(task: Task) -> bool:
    count = getattr(task, "report_count", None)
    return task.reports.exists() if count is None else count > 0


def _fully_split(task: Task) -> bool:
    if hasattr(task, "children_gap"):
        return task.children_gap == 0
    total = task.children.aggregate(total=Sum("target"))["total"]
    return total is not None and total == task.target


def _is_corrected(report: Progress) -> bool:
    flag = getattr(report, "is_corrected", None)
    return Progress.objects.filter(corrects=report).exists() if flag is None else flag


def leaders_over(units: QuerySet[Unit]) -> QuerySet[User]:
    """People who may lead a task of these units' campaigns: leaders in charge (包联) of a unit
    or holding the leader role. Whether they lead *this* unit is checked when the task is saved."""
    campaigns = units.values("campaign_id")
    return User.objects.filter(
        Q(charges__unit__campaign__in=campaigns)
        | Q(memberships__role=Role.LEADER, memberships__unit__campaign__in=campaigns)
    ).distinct().order_by("name", "username")
