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

    def nearest(self, unit: Unit, roles: tuple[str, ...], *,
                above: bool = False) -> tuple[int | None, list[User]]:
        """The nearest unit at (or, with `above`, strictly above) `unit` where someone holds one
        of `roles`, and those people, each once: who must act, without telling every level up to
        the city. (None, []) when no such level exists."""
        ids = tree.parse(unit.path)
        if above:
            ids = ids[:-1]
        for unit_id in reversed(ids):
            found = _unique(user for role in roles
                            for user in self.by_unit_role.get((unit_id, role), []))
            if found:
                return unit_id, found
        return None, []

    def escalation(self, unit: Unit) -> tuple[int, list[User]]:
        """The first escalation step (an overdue item, a late notice): the coordinators of the
        nearest level strictly above the unit that has any (a district command without accounts
        is passed over), and that level's unit (whose group robots are told too); a root's own
        coordinators. With nobody above: the parent, and no people (its robots still hear)."""
        if unit.parent_id is None:
            return unit.pk, self.at(unit.pk, Role.COORDINATOR)
        level, coordinators = self.nearest(unit, (Role.COORDINATOR,), above=True)
        return (unit.parent_id, []) if level is None else (level, coordinators)

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
