"""Who may read and publish rankings.

A peer group is named by its parent. Anyone may read the rankings of a peer group whose parent
is in their scope, or is an ancestor of a unit they belong to or take charge of: a street's
staff read the bulletin their street is ranked in, but open only their own street's details.
"""

from django.db.models import Q, QuerySet

from campaign import tree
from campaign.enums import Role
from campaign.models import Campaign, LeaderCharge, Membership, Unit, User
from campaign.permissions import has_role, visible_units


def visible_peer_parents(user: User) -> QuerySet[Unit]:
    if user.is_superuser:
        return Unit.objects.all()
    paths = list(Membership.objects.filter(user=user).values_list("unit__path", flat=True))
    paths += LeaderCharge.objects.filter(leader=user).values_list("unit__path", flat=True)
    ancestors = {pk for path in paths for pk in tree.parse(path)}
    return Unit.objects.filter(Q(pk__in=visible_units(user).values("pk")) | Q(pk__in=ancestors))


def can_publish_bulletin(user: User, parent: Unit) -> bool:
    """The coordinators of the peer group's parent (or above) publish its bulletin."""
    return has_role(user, parent, Role.COORDINATOR)


def can_edit_scoring(user: User, campaign: Campaign, roots: list[Unit]) -> bool:
    """Only the campaign office (a coordinator at a root of the campaign's tree) changes the
    scoring settings."""
    return any(root.campaign_id == campaign.pk and has_role(user, root, Role.COORDINATOR)
               for root in roots)
