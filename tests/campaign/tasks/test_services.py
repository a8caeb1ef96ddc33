"""campaign.tasks.services: status rule, roll-up arithmetic, splitting and progress reports."""

import datetime as dt
import importlib
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.enums import Role, TaskStatus
from campaign.models import LeaderCharge, Photo, Progress, Task
from campaign.photos import PhotoError
from campaign.tasks.services import (
    ChildSpec,
    SplitError,
    TaskError,
    attach_progress,
    create_task,
    report_progress,
    split_task,
    task_status,
)
from tests import factories

D = Decimal
START, DUE = dt.date(2019, 1, 1), dt.date(2019, 1, 10)   # ten days, both counted


@pytest.mark.parametrize(("today", "done", "expected"), [
    (dt.date(2018, 12, 31), D(0), TaskStatus.ON_TRACK),     # before the start
    (dt.date(2019, 1, 1), D(0), TaskStatus.ON_TRACK),       # start day: no day is over yet
    (dt.date(2019, 1, 2), D("9.99"), TaskStatus.BEHIND),    # 1 of 10 days over: 10 expected
    (dt.date(2019, 1, 2), D(10), TaskStatus.ON_TRACK),
    (dt.date(2019, 1, 10), D(89), TaskStatus.BEHIND),       # due day: 9 of 10 days over
    (dt.date(2019, 1, 10), D(90), TaskStatus.ON_TRACK),
    (dt.date(2019, 1, 11), D(99), TaskStatus.OVERDUE),      # the day after the due date
    (dt.date(2019, 1, 11), D(100), TaskStatus.DONE),
    (dt.date(2019, 1, 5), D(100), TaskStatus.DONE),         # done early
    (dt.date(2019, 1, 5), D(120), TaskStatus.DONE),         # past the target
])
def test_task_status_at_boundaries(today, done, expected):
    assert task_status(done, D(100), START, DUE, today) == expected


def test_task_status_one_day_task():
    day = dt.date(2019, 5, 1)
    assert task_status(D(0), D(5), day, day, day) == TaskStatus.ON_TRACK
    assert task_status(D(0), D(5), day, day, day + dt.timedelta(days=1)) == TaskStatus.OVERDUE


@pytest.fixture
def split_tree(tree):
    """city task 100 → district A 60 (→ street A 30, lane A 30), district B 40."""
    top = factories.TaskFactory(unit=tree["city"], target=D(100), start=START, due=DUE)
    halves = [ChildSpec(tree["district_a"], D(60)), ChildSpec(tree["district_b"], D(40))]
    a, b = split_task(top, halves, by=None)
    a1, a2 = split_task(a, [ChildSpec(tree["street_a"], D(30)), ChildSpec(tree["lane_a"], D(30))], by=None)
    return {"top": top, "a": a, "b": b, "a1": a1, "a2": a2}


@pytest.mark.django_db
def test_rollup_sums_uncorrected_reports_of_the_subtree(split_tree):
    t = split_tree
    first = factories.ProgressFactory(task=t["a1"], quantity=D(10))
    wrong = factories.ProgressFactory(task=t["a1"], quantity=D(5))
    factories.ProgressFactory(task=t["a1"], quantity=D(8), corrects=wrong)   # 5 was wrong: 8
    factories.ProgressFactory(task=t["a2"], quantity=D("7.5"))
    factories.ProgressFactory(task=t["b"], quantity=D(40))
    assert first.pk
    tasks = list(Task.objects.all())
    with time_machine.travel(dt.datetime(2019, 1, 6, 12), tick=False):
        attach_progress(tasks, within=Task.objects.all())
    done = {task.pk: task.done for task in tasks}
    assert done[t["a1"].pk] == D("18")
    assert done[t["a2"].pk] == D("7.5")
    assert done[t["a"].pk] == D("25.5")
    assert done[t["b"].pk] == D("40")
    assert done[t["top"].pk] == D("65.5")
    by_pk = {task.pk: task for task in tasks}
    # 5 of 10 days over on 2019-01-06: half the target expected.
    assert by_pk[t["top"].pk].status == TaskStatus.ON_TRACK      # 65.5 ≥ 50
    assert by_pk[t["a"].pk].status == TaskStatus.BEHIND          # 25.5 < 30
    assert by_pk[t["b"].pk].status == TaskStatus.DONE
    assert by_pk[t["top"].pk].child_count == 2 and by_pk[t["top"].pk].children_gap == D(0)
    assert by_pk[t["a1"].pk].report_count == 2                   # the corrected report is left out
    assert by_pk[t["a"].pk].percent == D("42.5")
    assert by_pk[t["top"].pk].time_percent == D(50)


@pytest.mark.django_db
def test_rollup_does_not_mix_sibling_paths(tree):
    """A task's subtree must not take in a sibling whose path merely starts with the same
    characters ("00000005/" vs "000000051/"), whatever ids the database hands out."""
    first, other = factories.TaskFactory(unit=tree["city"]), factories.TaskFactory(unit=tree["city"])
    Task.objects.filter(pk=other.pk).update(path=f"{first.path[:-1]}1/")
    factories.ProgressFactory(task=other, quantity=D(3))
    first, other = Task.objects.get(pk=first.pk), Task.objects.get(pk=other.pk)
    attach_progress([first, other], within=Task.objects.all())
    assert (first.done, other.done) == (D(0), D(3))


@pytest.mark.django_db
def test_split_refuses_children_that_do_not_add_up(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(897), measure="个")
    with pytest.raises(TaskError) as error:
        split_task(top, [ChildSpec(tree["street_a"], D(400)), ChildSpec(tree["lane_a"], D(400))], by=None)
    assert str(error.value) == "下级任务合计 800 个，而本任务目标是 897 个：还差 97 个。"
    assert not Task.objects.filter(parent=top).exists()


@pytest.mark.django_db
def test_split_refuses_a_unit_outside_the_subtree(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    with pytest.raises(TaskError):
        split_task(top, [ChildSpec(tree["street_b"], D(10))], by=None)
    with pytest.raises(TaskError):
        split_task(top, [ChildSpec(tree["district_a"], D(10))], by=None)   # not below itself


@pytest.mark.django_db
def test_split_refuses_a_task_with_reports(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    factories.ProgressFactory(task=top)
    with pytest.raises(TaskError):
        split_task(top, [ChildSpec(tree["street_a"], D(10))], by=None)


@pytest.mark.django_db
def test_child_path_and_code(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    (child,) = split_task(top, [ChildSpec(tree["street_a"], D(10))], by=None)
    assert child.path == f"{top.pk:08d}/{child.pk:08d}/"
    assert child.code == f"{tree['street_a'].code}-T{child.pk}"
    assert child.title == f"{top.title}（甲街道）"
    assert child.measure == top.measure and child.due == top.due


@pytest.mark.django_db
def test_lead_must_be_a_leader_of_the_unit(tree, member):
    stranger = member(tree["district_b"], role=Role.LEADER)
    with pytest.raises(TaskError):
        factories.TaskFactory(unit=tree["district_a"], lead=stranger)
    leader = factories.UserFactory()
    LeaderCharge.objects.create(leader=leader, unit=tree["district_a"])
    assert factories.TaskFactory(unit=tree["district_a"], lead=leader).lead == leader


@pytest.fixture
def leaf(tree):
    return factories.TaskFactory(unit=tree["street_a"], target=D(10), start=START, due=dt.date(2019, 12, 31))


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
def test_report_past_target_needs_a_reason(leaf, member):
    staff = member(leaf.unit)
    report_progress(leaf, quantity=D(8), reported_on=dt.date(2019, 2, 1), by=staff)
    with pytest.raises(TaskError) as error:
        report_progress(leaf, quantity=D(3), reported_on=dt.date(2019, 2, 2), by=staff)
    assert "11" in str(error.value) and "10" in str(error.value)
    report_progress(leaf, quantity=D(3), reported_on=dt.date(2019, 2, 2), by=staff,
                    over_target_reason="群众要求，多整治一条")
    assert Progress.objects.filter(task=leaf).count() == 2


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
def test_correction_is_a_new_report_and_keeps_the_old(leaf, member):
    staff = member(leaf.unit)
    wrong = report_progress(leaf, quantity=D(9), reported_on=dt.date(2019, 2, 1), by=staff)
    with pytest.raises(TaskError):   # a correction needs a note
        report_progress(leaf, quantity=D(4), reported_on=dt.date(2019, 2, 1), by=staff, corrects=wrong)
    fixed = report_progress(leaf, quantity=D(4), reported_on=dt.date(2019, 2, 1), by=staff,
                            corrects=wrong, note="多报了5条")
    wrong.refresh_from_db()
    assert wrong.quantity == D(9) and fixed.corrects == wrong
    with pytest.raises(TaskError):   # only once
        report_progress(leaf, quantity=D(1), reported_on=dt.date(2019, 2, 1), by=staff,
                        corrects=wrong, note="again")
    task = Task.objects.get(pk=leaf.pk)
    attach_progress([task], within=Task.objects.all())
    assert task.done == D(4)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
@pytest.mark.parametrize(("quantity", "day", "message"), [
    (D(-1), dt.date(2019, 2, 1), "完成数量不能为负数。"),
    (D(1), dt.date(2019, 3, 2), "完成日期不能晚于今天。"),
    (D(1), dt.date(2018, 12, 31), "完成日期早于任务开始日期（2019-01-01）。"),
])
def test_report_refuses_bad_values(leaf, member, quantity, day, message):
    with pytest.raises(TaskError, match=f"^{re.escape(message)}$"):
        report_progress(leaf, quantity=quantity, reported_on=day, by=member(leaf.unit))


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
def test_report_on_a_split_task_is_refused(split_tree, member):
    with pytest.raises(TaskError, match="^该任务已分解：请在下级任务上报告进度。$"):
        report_progress(split_tree["a"], quantity=D(1), reported_on=dt.date(2019, 1, 2),
                        by=member(split_tree["a"].unit))


def _jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
def test_report_stores_photos_for_the_tasks_unit(leaf, member):
    report = report_progress(leaf, quantity=D(1), reported_on=dt.date(2019, 2, 1), by=member(leaf.unit),
                             uploads=[_jpeg(), _jpeg("b.jpg")])
    assert report.photos.count() == 2
    assert {photo.unit_id for photo in report.photos.all()} == {leaf.unit_id}


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2019, 3, 1, 12), tick=False)
def test_refused_photo_leaves_nothing_behind(leaf, member, settings):
    bad = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    with pytest.raises(PhotoError):
        report_progress(leaf, quantity=D(1), reported_on=dt.date(2019, 2, 1), by=member(leaf.unit),
                        uploads=[_jpeg(), bad])
    assert not Progress.objects.exists() and not Photo.objects.exists()
    stored = [path for path in (settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert stored == []


@pytest.mark.django_db
def test_create_task_refuses_a_used_code(tree):
    factories.TaskFactory(unit=tree["city"], code="X-1")
    with pytest.raises(TaskError):
        create_task(unit=tree["city"], code="X-1", title="t", category="other", start=START, due=DUE,
                    target=D(1), measure="个", by=None)


# Review of issue 5: per-row split errors (padded paths: tests/campaign/test_tree.py).

@pytest.mark.django_db
def test_migration_pads_stored_paths(tree):
    from django.apps import apps

    padding = importlib.import_module("campaign.migrations.0003_task_padded_paths")
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    (child,) = split_task(top, [ChildSpec(tree["street_a"], D(10))], by=None)
    Task.objects.filter(pk=top.pk).update(path=f"{top.pk}/")
    Task.objects.filter(pk=child.pk).update(path=f"{top.pk}/{child.pk}/")
    padding.pad(apps, None)
    assert Task.objects.get(pk=child.pk).path == f"{top.pk:08d}/{child.pk:08d}/"
    padding.unpad(apps, None)
    assert Task.objects.get(pk=child.pk).path == f"{top.pk}/{child.pk}/"


@pytest.mark.django_db
def test_split_reports_every_bad_row_and_refuses_a_unit_twice(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10), measure="个", start=START, due=DUE)
    children = [ChildSpec(tree["street_a"], D(4)), ChildSpec(tree["district_b"], D(3)),
                ChildSpec(tree["street_a"], D(3), due=dt.date(2019, 2, 1))]
    with pytest.raises(SplitError) as error:
        split_task(top, children, by=None)
    assert error.value.rows == {
        1: ["下级任务只能交给甲区的下级单位；乙区不在其下。"],
        2: ["下级任务的日期必须在上级任务的起止日期之内（2019-01-01 至 2019-01-10）。",
            "甲街道已有本任务的下级任务，同一单位只能分解一次。"],
    }
    assert str(error.value) == (
        "第 2 个下级任务：下级任务只能交给甲区的下级单位；乙区不在其下。 "
        "第 3 个下级任务：下级任务的日期必须在上级任务的起止日期之内（2019-01-01 至 2019-01-10）。 "
        "甲街道已有本任务的下级任务，同一单位只能分解一次。"
    )
    assert not top.children.exists()


@pytest.mark.django_db
def test_split_refuses_a_unit_that_already_has_a_child(tree):
    top = factories.TaskFactory(unit=tree["district_a"], target=D(10))
    split_task(top, [ChildSpec(tree["street_a"], D(10))], by=None)
    Task.objects.filter(pk=top.pk).update(target=D(20))
    message = "第 1 个下级任务：甲街道已有本任务的下级任务，同一单位只能分解一次。"
    with pytest.raises(SplitError, match=f"^{message}$"):
        split_task(top, [ChildSpec(tree["street_a"], D(10))], by=None)


@pytest.mark.django_db
def test_create_task_gives_every_problem_at_once(tree):
    leader = factories.UserFactory(name="赵")
    with pytest.raises(TaskError, match="^完成期限早于开始日期。 赵不是甲区的包联领导。$"):
        create_task(unit=tree["district_a"], title="t", category="market", start=DUE, due=START,
                    target=D(1), measure="个", lead=leader, by=None)
