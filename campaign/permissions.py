"""Who sees what, and who may do what.

A person sees the subtrees of the units they belong to and of the units they take charge of
(包联). Everything is fetched through a `visible_*` query: out of scope is a 404; in scope
without the right is a 403 (the view asks a `can_*` predicate).
"""

from django.conf import settings
from django.db.models import Q, QuerySet

from campaign.enums import Role
from campaign.models import Campaign, LeaderCharge, Membership, Point, Unit, User
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


def read_roles(user: User) -> tuple[list[Membership], list[LeaderCharge]]:
    """The person's memberships and charges (包联) with their units, for a page that lists them
    (the home page); the scope is made from these rows instead of being read again."""
    memberships = list(Membership.objects.filter(user=user).select_related("unit", "unit__campaign")
                       .order_by("unit__path", "role"))
    charges = list(user.charges.select_related("unit", "unit__campaign").order_by("unit__path"))
    if getattr(user, "_campaign_scope", None) is None:
        roles = [(membership.unit.path, membership.role) for membership in memberships]
        roles += [(charge.unit.path, Role.LEADER) for charge in charges]
        user._campaign_scope = (  # type: ignore[attr-defined]  # as _scope keeps it
            outermost([path for path, _role in roles]), roles)
    return memberships, charges


def scope_q(user: User, field: str = "unit") -> Q:
    """A filter on `<field>__path` for the objects of units in the user's scope."""
    if user.is_superuser:
        return Q()
    return paths_q(_scope(user)[0], field)


def scope_paths(user: User) -> list[str]:
    """The outermost paths of the user's scope (what visible_units reads), sorted."""
    return sorted(_scope(user)[0])


def campaign_scope_q(user: User, field: str = "unit") -> Q:
    """scope_q for objects that carry their campaign: a campaign whose every root unit is in the
    user's scope (a city's office, a leader over the whole city) is filtered by `campaign_id`
    on the object itself, the rest by path as in scope_q. The same rows; the difference is for
    the planner: with no join to the units table, a city-wide list walks the index of its sort
    order and stops after a page, instead of collecting a million rows per unit and sorting."""
    if user.is_superuser:
        # Every campaign, said as campaigns: the lists' indexes lead with the campaign.
        return Q(campaign_id__in=list(Campaign.objects.values_list("pk", flat=True)))
    whole, rest = _whole_campaigns(user)
    query = paths_q(rest, field) if rest else Q(pk__in=[])
    if whole:
        query = Q(campaign_id__in=whole) | query if rest else Q(campaign_id__in=whole)
    return query


def _whole_campaigns(user: User) -> tuple[list[int], list[str]]:
    """(campaigns the scope covers whole, the other scope paths); one query when the scope
    holds a root unit, none otherwise; kept on the user object like _scope."""
    cached = getattr(user, "_campaign_whole", None)
    if cached is None:
        paths = _scope(user)[0]
        roots = {path for path in paths if depth(path) == 0}
        every_root: dict[int, set[str]] = {}
        if roots:
            for campaign_id, path in Unit.objects.filter(
                parent=None, campaign_id__in=Unit.objects.filter(path__in=roots).values("campaign_id")
            ).values_list("campaign_id", "path"):
                every_root.setdefault(campaign_id, set()).add(path)
        whole = sorted(pk for pk, campaign_roots in every_root.items() if campaign_roots <= roots)
        covered = {path for pk in whole for path in every_root[pk]}
        cached = (whole, [path for path in paths if path not in covered])
        user._campaign_whole = cached  # type: ignore[attr-defined]  # a per-request cache on the instance
    return cached


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


def must_use_second_factor(user: User) -> bool:
    """Whether the person must set up two-step verification (an authenticator app) before they
    reach anything: administrators (staff or superuser) and coordinators anywhere, while
    TWO_FACTOR_REQUIRED is on. Everyone else may set it up, and may turn it off."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or holds_role_anywhere(user, Role.COORDINATOR)


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


def is_campaign_office(user: User, campaign: Campaign) -> bool:
    """A coordinator at a root of the campaign's tree (创城办), or a superuser: who sets the
    campaign's own rules (its working-day calendar, its supervision rules)."""
    return office_campaigns(user).filter(pk=campaign.pk).exists()


def can_edit_calendar(user: User, campaign: Campaign) -> bool:
    """The working-day calendar (local days off, years entered by hand) is the campaign
    office's."""
    return is_campaign_office(user, campaign)
