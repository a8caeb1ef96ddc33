"""Who sees which supervision notices, and who may issue, reply to, return and close them.

See: whoever's scope covers the addressed unit or the issuing one (out of scope: 404). Issue:
coordinators of a unit strictly above the addressee. Reply: staff and coordinators of the
addressee (at it or above it, below the issuing unit: the issuer does not answer its own notice).
Return a reply and close: coordinators of the issuing unit (or above). Whether a step is legal in
the notice's current status is the services' business (`services.STEPS`).
"""

from django.db.models import Q, QuerySet

from campaign.enums import Role
from campaign.models import Unit, User
from campaign.permissions import campaign_scope_q, has_role, holds_role_anywhere, role_paths, scope_q
from campaign.tree import is_within
from inspections.models import Notice


def visible_notices(user: User) -> QuerySet[Notice]:
    """The notices addressed to, or issued by, a unit the user sees."""
    if user.is_superuser:
        return Notice.objects.all()
    # The issuer lies above the addressee when the notice is issued; the second term keeps the
    # issuer's people seeing it should the tree be rearranged later.
    return Notice.objects.filter(campaign_scope_q(user) | scope_q(user, "issuer"))


def notices_naming(user: User, **named) -> list[Notice]:
    """The notices the user sees that name an item (`rectifications=item`) or a task
    (`tasks=task`), newest first: one query, for the item's and the task's pages."""
    return list(visible_notices(user).filter(**named).order_by("-issued_at", "-pk"))


def _strictly_above(paths: list[str], unit: Unit) -> list[str]:
    return [path for path in paths if is_within(unit.path, path) and path != unit.path]


def issuing_unit(user: User, addressee: Unit) -> Unit | None:
    """The unit a notice to `addressee` is issued in the name of: the nearest unit strictly above
    it where the user is a coordinator (a superuser's: the unit's parent); None if none."""
    paths = _strictly_above(role_paths(user, (Role.COORDINATOR,)), addressee)
    if paths:
        return Unit.objects.get(path=max(paths, key=len))
    if user.is_superuser and addressee.parent_id:
        return addressee.parent
    return None


def can_issue(user: User, addressee: Unit) -> bool:
    """Issue a notice to this unit: a coordinator of a unit strictly above it."""
    if user.is_superuser:
        return addressee.parent_id is not None
    return bool(_strictly_above(role_paths(user, (Role.COORDINATOR,)), addressee))


def can_issue_somewhere(user: User) -> bool:
    """Whether "issue a notice" is offered on the list (the cached scope, no query)."""
    return holds_role_anywhere(user, Role.COORDINATOR)


def issuing_targets(user: User) -> QuerySet[Unit]:
    """The units the user may address a notice to: strictly below a unit they coordinate."""
    if user.is_superuser:
        return Unit.objects.filter(parent__isnull=False)
    paths = role_paths(user, (Role.COORDINATOR,))
    if not paths:
        return Unit.objects.none()
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(path__startswith=path) & ~Q(path=path)
    return Unit.objects.filter(query)


def can_reply(user: User, notice: Notice) -> bool:
    """Reply for the addressed unit: its staff and coordinators (at it or above it, below the
    issuing unit)."""
    if user.is_superuser:
        return True
    paths = role_paths(user, (Role.UNIT_STAFF, Role.COORDINATOR))
    return any(is_within(notice.unit.path, path) and not is_within(notice.issuer.path, path)
               for path in paths)


def can_decide(user: User, notice: Notice) -> bool:
    """Return a reply (not accepted) or close the notice: the issuing unit's coordinators."""
    return has_role(user, notice.issuer, Role.COORDINATOR)
