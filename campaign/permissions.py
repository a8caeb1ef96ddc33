"""Who sees what, and who may do what.

A person sees the subtrees of the units they belong to and of the units they take charge of
(包联). Everything is fetched through a `visible_*` query: out of scope is a 404; in scope
without the right is a 403 (the view asks a `can_*` predicate).
"""

from django.db.models import Q, QuerySet

from campaign.enums import Role
from campaign.models import Membership, Point, Unit, User
from campaign.tree import is_within, outermost, subtree_q


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
        user._campaign_scope = cached
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
    if user.is_superuser:
        return Unit.objects.all()
    paths = _scope(user)[0]
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(paths))


def visible_points(user: User) -> QuerySet[Point]:
    return Point.objects.filter(scope_q(user))


def roles_in(user: User, unit: Unit) -> set[str]:
    """The roles the user holds at this unit or at one of its ancestors."""
    if not user.is_authenticated:
        return set()
    return {role for path, role in _scope(user)[1] if is_within(unit.path, path)}


def has_role(user: User, unit: Unit, *roles: str) -> bool:
    if user.is_superuser:
        return True
    return bool(roles_in(user, unit) & set(roles))


def user_roles(user: User) -> set[str]:
    """Every role the user holds anywhere (to decide what menus to show)."""
    if user.is_superuser:
        return set(Role.values)
    return {role for _path, role in _scope(user)[1]}


def can_manage_unit(user: User, unit: Unit) -> bool:
    return has_role(user, unit, Role.COORDINATOR)
