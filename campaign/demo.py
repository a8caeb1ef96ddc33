"""Demo accounts for a new user to try the app with (never on a production install)."""

from django.db import transaction

from campaign.enums import Role
from campaign.models import LeaderCharge, Membership, Unit, User

DEMO_PASSWORD = "demo-pass-2026"

# username, display name, [(unit key, role, title)], [unit keys taken charge of (包联)]
DEMO_ACCOUNTS = [
    ("coordinator", "王协调（演示）", [("ty-hq", Role.COORDINATOR, "创城办")], []),
    ("inspector", "李督查（演示）", [("ty-hq", Role.INSPECTOR, "督查组")], []),
    ("street", "张街道（演示）", [("xhl-jh", Role.UNIT_STAFF, "街道创城专干")], []),
    ("leader", "赵领导（演示）", [], ["ty-xhl", "ty-jy"]),
    ("district", "刘区创城办（演示）", [("ty-xhl", Role.COORDINATOR, "区创城办")], []),
    ("linfen", "陈协调（演示）", [("lf-hq", Role.COORDINATOR, "创建办")], []),
]


@transaction.atomic
def create_demo_accounts() -> list[str]:
    """Create or refresh the demo accounts; returns their usernames."""
    units = {unit.key: unit for unit in Unit.objects.exclude(key="")}
    names = []
    for username, name, memberships, charges in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(username=username, defaults={"name": name})
        user.name = name
        user.set_password(DEMO_PASSWORD)
        user.save()
        for key, role, title in memberships:
            Membership.objects.update_or_create(
                user=user, unit=units[key], role=role, defaults={"title": title}
            )
        for key in charges:
            LeaderCharge.objects.update_or_create(
                leader=user, unit=units[key], defaults={"title": "包联领导"}
            )
        names.append(username)
    admin, _created = User.objects.get_or_create(
        username="admin", defaults={"name": "系统管理员（演示）", "is_staff": True,
                                    "is_superuser": True}
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    names.append("admin")
    return names
