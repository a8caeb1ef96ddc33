"""Who is told: the people of a campaign by unit and role, read once per campaign (two queries:
memberships and leaders in charge, a few thousand rows for a city) so a run over a million
items never asks the database per item."""

from collections import defaultdict

from campaign import tree
from campaign.enums import Role
from campaign.models import Campaign, LeaderCharge, Membership, Unit, User


class People:
    def __init__(self, campaign: Campaign):
        self.by_unit_role: dict[tuple[int, str], list[User]] = defaultdict(list)
        self.leaders_by_unit: dict[int, list[User]] = defaultdict(list)
        memberships = (
            Membership.objects.filter(unit__campaign=campaign, user__is_active=True)
            .select_related("user").order_by("unit_id", "user_id")
        )
        for membership in memberships:
            self.by_unit_role[(membership.unit_id, membership.role)].append(membership.user)
        charges = (
            LeaderCharge.objects.filter(unit__campaign=campaign, leader__is_active=True)
            .select_related("leader").order_by("unit_id", "leader_id")
        )
        for charge in charges:
            self.leaders_by_unit[charge.unit_id].append(charge.leader)

    def at(self, unit_id: int, role: str) -> list[User]:
        """People holding `role` in the unit itself."""
        return list(self.by_unit_role.get((unit_id, role), []))

    def over(self, unit: Unit, role: str) -> list[User]:
        """People holding `role` in the unit or any unit above it (who see it), nearest first,
        each once."""
        return _unique(
            user for unit_id in reversed(tree.parse(unit.path))
            for user in self.by_unit_role.get((unit_id, role), [])
        )

    def staff(self, unit: Unit) -> list[User]:
        """The unit's own staff: who rectifies its items."""
        return self.at(unit.pk, Role.UNIT_STAFF)

    def parent_coordinators(self, unit: Unit) -> list[User]:
        """Coordinators of the unit above (the first escalation); a root's own coordinators."""
        parent_id = unit.parent_id or unit.pk
        return self.at(parent_id, Role.COORDINATOR)

    def leaders_in_charge(self, unit: Unit) -> list[User]:
        """Leaders in charge (包联) of the unit or a unit above it, nearest first; and failing
        those, the leaders who are members of a unit above it."""
        charged = _unique(
            user for unit_id in reversed(tree.parse(unit.path))
            for user in self.leaders_by_unit.get(unit_id, [])
        )
        return charged or self.over(unit, Role.LEADER)


def _unique(users) -> list[User]:
    seen: set[int] = set()
    out = []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out
