"""Who sees what, and who may do what.

A person sees the subtrees of the units they belong to and of the units they take charge of
(包联). Everything is fetched through a `visible_*` query: out of scope is a 404; in scope
without the right is a 403 (the view asks a `can_*` predicate).
"""

from django.db.models import Q, QuerySet

from campaign.enums import Role
from campaign.models import Campaign, Membership, Point, Unit, User
from campaign.tree import depth, is_within, outermost, subtree_q


def _scope(user: User) -> tuple[list[str], list[tuple[str, str]]]:
    """Scope paths and (path, role) pairs, read once per request and kept on the user object."""
    cached = getattr(user, "_campaign_scope", None)
    if cached is None:
        roles = [
            (path, role)
            for path, role in Membership.objects.filter(user=user).values_list("unit__path", "role")
        ]
        # Taking charge of a unit (包联) makes one its leader: they watch its whole subtree.
        roles += [(path, Role.LEADER) for path in user.charges.values_list("unit__path", flat=True)]
        paths = [path for path, _role in roles]
        cached = (outermost(paths), roles)
        user._campaign_scope = cached  # type: ignore[attr-defined]  # a per-request cache on the instance
    return cached


def scope_q(user: User, field: str = "unit") -> Q:
    """A filter on `<field>__path` for the objects of units in the user's scope."""
    if user.is_superuser:
        return Q()
    return paths_q(_scope(user)[0], field)


def role_paths(user: User, roles: tuple[str, ...]) -> list[str]:
    """The paths of the units where the user holds one of `roles` (or takes charge, for leaders)."""
    return sorted({path for path, role in _scope(user)[1] if role in roles})


def paths_q(paths: list[str], field: str = "unit") -> Q:
    """Objects of units in any of the subtrees at `paths` (none when `paths` is empty)."""
    return subtree_q(paths, f"{field}__path")


def visible_units(user: User) -> QuerySet[Unit]:
    """The units of the subtrees the user belongs to or takes charge of."""
    if user.is_superuser:
        return Unit.objects.all()
    paths = _scope(user)[0]
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(paths))


def visible_points(user: User) -> QuerySet[Point]:
    """The points whose responsible unit the user sees."""
    return Point.objects.filter(scope_q(user))


def roles_in(user: User, unit: Unit) -> set[str]:
    """The roles the user holds at this unit or at one of its ancestors."""
    if not user.is_authenticated:
        return set()
    return {role for path, role in _scope(user)[1] if is_within(unit.path, path)}


def has_role(user: User, unit: Unit, *roles: str) -> bool:
    """Whether the user holds one of `roles` at this unit or above it (a superuser holds all)."""
    if user.is_superuser:
        return True
    return bool(roles_in(user, unit) & set(roles))


def user_roles(user: User) -> set[str]:
    """Every role the user holds anywhere (to decide what menus to show)."""
    if user.is_superuser:
        return set(Role.values)
    return {role for _path, role in _scope(user)[1]}


def holds_role_anywhere(user: User, *roles: str) -> bool:
    """Whether the user holds one of `roles` at some unit: decides whether a list page offers
    a "new …" button, without a query beyond the cached scope."""
    return user.is_superuser or any(role in roles for _path, role in _scope(user)[1])


def units_with_role(user: User, *roles: str) -> QuerySet[Unit]:
    """Units under a unit where the user holds one of `roles` (e.g. re-routing targets)."""
    if user.is_superuser:
        return Unit.objects.all()
    paths = role_paths(user, roles)
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(paths))


def managed_units(user: User) -> QuerySet[Unit]:
    """Units the user manages as a coordinator: their subtrees' tasks, points and registers."""
    return units_with_role(user, Role.COORDINATOR)


def managed_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns in which the user coordinates some unit (whose points they import, export)."""
    return Campaign.objects.filter(pk__in=managed_units(user).values("campaign_id"))


def campaign_root(campaign_id: int) -> Unit | None:
    """The campaign office's unit: the first root of the campaign's command tree. Its
    coordinators edit the standard; citizen reports' photos belong to it."""
    return Unit.objects.filter(campaign_id=campaign_id, parent=None).order_by("pk").first()


def office_root_paths(user: User) -> list[str]:
    """The root units (a campaign's office, 创城办) where the user is a coordinator."""
    return [path for path in role_paths(user, (Role.COORDINATOR,)) if depth(path) == 0]


def office_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns whose office (a coordinator at the root of the tree) the user belongs to."""
    if user.is_superuser:
        return Campaign.objects.all()
    return Campaign.objects.filter(units__path__in=office_root_paths(user)).distinct()
