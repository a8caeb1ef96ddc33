"""Demo accounts for a new user to try the app with (never on a production install)."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from campaign.enums import Role, TaskCategory
from campaign.models import LeaderCharge, Membership, Task, Unit, User
from campaign.tasks.services import ChildSpec, create_task, report_progress, split_task

DEMO_PASSWORD = "demo-pass-2026"

# The street whose staff the `street` account is: the demo makes sure, whatever the day, that
# it holds an item in every state (its pages are the ones a visitor to the demo tries first).
DEMO_STREET = "xhl-jh"

# username, display name, [(unit key, role, title)], [unit keys taken charge of (包联)]
DEMO_ACCOUNTS = [
    ("coordinator", "王协调（演示）", [("ty-hq", Role.COORDINATOR, "创城办")], []),
    ("inspector", "李督查（演示）", [("ty-hq", Role.INSPECTOR, "督查组")], []),
    ("street", "张街道（演示）", [(DEMO_STREET, Role.UNIT_STAFF, "街道创城专干")], []),
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


def _demo_photo(label: str, colour: str) -> SimpleUploadedFile:
    """A made-up site photo: a coloured street with a sign, drawn with Pillow."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill="#9e9e9e")            # the road
    draw.rectangle((60, 120, 260, 330), fill="#f5f5f5", outline="#555555", width=4)
    draw.rectangle((360, 80, 580, 330), fill="#fafafa", outline="#555555", width=4)
    draw.text((80, 140), f"DEMO {label}", fill="#b71c1c")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


@transaction.atomic
def create_demo_tasks() -> int:
    """A task tree under 杏花岭区 dated around today, with reports in every status (done,
    on track, behind, overdue), a correction and a report past its target. Runs once: a
    second call finds the tree and adds nothing. Returns the number of tasks created."""
    if Task.objects.filter(key="demo-xhl-lanes").exists():
        return 0
    units = {unit.key: unit for unit in Unit.objects.filter(key__in=[
        "ty-xhl", "xhl-jh", "xhl-sq", "xhl-ddg", "xhl-gl"])}
    district = User.objects.get(username="district")
    street = User.objects.get(username="street")
    leader = User.objects.get(username="leader")
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    top = create_task(
        unit=units["ty-xhl"], key="demo-xhl-lanes", code="DEMO-XHL-1", title="背街小巷提质（演示）",
        category=TaskCategory.BACK_STREET, start=today - 90 * day, due=today + 30 * day,
        target=Decimal(40), measure="条", lead=leader, by=district,
        description="演示数据：区创城办把40条背街小巷分到4个街道。",
    )
    jianhe, sanqiao, dadongguan, gulou = split_task(top, [
        ChildSpec(units["xhl-jh"], Decimal(12), lead=leader),
        ChildSpec(units["xhl-sq"], Decimal(10)),
        ChildSpec(units["xhl-ddg"], Decimal(10)),
        ChildSpec(units["xhl-gl"], Decimal(8)),
    ], by=district)
    # 涧河: done, with a corrected report and photos.
    report_progress(jianhe, quantity=Decimal(3), reported_on=today - 60 * day, by=street,
                    note="文庙巷等3条完成立面和路面整治", uploads=[_demo_photo("1", "#90caf9")])
    wrong = report_progress(jianhe, quantity=Decimal(9), reported_on=today - 20 * day, by=street,
                            note="第二批")
    report_progress(jianhe, quantity=Decimal(7), reported_on=today - 20 * day, by=street, corrects=wrong,
                    note="多报了2条：其中2条只完成了路面", uploads=[_demo_photo("2", "#a5d6a7")])
    report_progress(jianhe, quantity=Decimal(2), reported_on=today - 7 * day, by=street,
                    note="余下2条立面完工")
    # The demo street account works for 涧河 only; the other streets get staff of their own.
    colleague = _demo_staff("sanqiao", "孙专干（演示）", units["xhl-sq"])
    report_progress(sanqiao, quantity=Decimal(8), reported_on=today - 5 * day, by=colleague,
                    note="按计划推进", uploads=[_demo_photo("3", "#ffe082")])
    report_progress(dadongguan, quantity=Decimal(3), reported_on=today - 30 * day,
                    by=_demo_staff("dadongguan", "钱专干（演示）", units["xhl-ddg"]), note="拆违进度慢")
    assert gulou  # 鼓楼: nothing reported yet: behind
    overdue = create_task(
        unit=units["xhl-jh"], key="demo-jh-stairs", code="DEMO-JH-2", title="老旧小区楼道清理（演示）",
        category=TaskCategory.OLD_COMPOUND, start=today - 60 * day, due=today - 3 * day,
        target=Decimal(20), measure="个", lead=leader, by=district,
    )
    report_progress(overdue, quantity=Decimal(14), reported_on=today - 10 * day, by=street,
                    note="剩余6个小区物业未配合", uploads=[_demo_photo("4", "#ef9a9a")])
    toilets = create_task(
        unit=units["xhl-jh"], key="demo-jh-toilets", code="DEMO-JH-3", title="公厕提档改造（演示）",
        category=TaskCategory.INFRASTRUCTURE, start=today - 40 * day, due=today + 20 * day,
        target=Decimal(5), measure="座", by=district,
    )
    report_progress(toilets, quantity=Decimal(6), reported_on=today - 2 * day, by=street,
                    over_target_reason="居民要求，涧河公园旁加改1座", note="6座全部完工")
    return 7


def _demo_staff(username: str, name: str, unit: Unit) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.UNIT_STAFF,
                                     defaults={"title": "街道创城专干"})
    return user
