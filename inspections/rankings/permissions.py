"""Who may read and publish rankings.

A peer group is named by its parent, and read one of two ways:

- its parent is in the person's scope (a unit they belong to or take charge of, or one below):
  the whole group, the live draft of a month included. The draft is where the coordinators
  check the figures before publishing them, and every unit in it is theirs to see anyway.
- it is the group a unit of theirs is ranked in (the parent of a unit they belong to or take
  charge of): its published bulletins only. A bulletin is published to the units it ranks;
  the draft of siblings outside one's scope is not, nor is any group further up (a street's
  staff do not read the city's draft of the districts).

Out of both, the group is not found (404); a unit's own details open only within one's scope.
"""

from django.db.models import Q, QuerySet

from campaign import tree
from campaign.enums import Role
from campaign.models import Campaign, Unit, User
from campaign.permissions import has_role, role_paths, roles_in, visible_units


def _own_group_parent_ids(user: User) -> set[int]:
    """The parents of the units the user belongs to or takes charge of (from the cached scope)."""
    return {tree.ancestor_ids(path)[-1] for path in role_paths(user, tuple(Role.values))
            if tree.depth(path) > 0}


def visible_peer_parents(user: User) -> QuerySet[Unit]:
    """The parents whose peer group the user may open: in their scope (drafts and bulletins) or
    the parent of a unit of theirs (bulletins only, `can_read_draft`)."""
    if user.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(Q(pk__in=visible_units(user).values("pk"))
                               | Q(pk__in=_own_group_parent_ids(user)))


def can_read_draft(user: User, parent: Unit) -> bool:
    """Whether the user reads the live draft of the group under `parent` (and its months not
    yet published), not only its published bulletins: the parent is in their scope."""
    return user.is_superuser or bool(roles_in(user, parent))


def can_publish_bulletin(user: User, parent: Unit) -> bool:
    """The coordinators of the peer group's parent (or above) publish its bulletin."""
    return has_role(user, parent, Role.COORDINATOR)


def can_edit_scoring(user: User, campaign: Campaign, roots: list[Unit]) -> bool:
    """Only the campaign office (a coordinator at a root of the campaign's tree) changes the
    scoring settings."""
    return any(root.campaign_id == campaign.pk and has_role(user, root, Role.COORDINATOR)
               for root in roots)
