"""One rule, one place: the PENDING set, overdue, the step registry and the only writer of
Rectification.status."""

import ast
import datetime as dt
import inspect
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from inspections import forms, permissions, workflow
from inspections.enums import PENDING
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from tests.inspections.test_workflow import bring_to

ROOT = Path(__file__).resolve().parents[2]


def test_pending_is_waiting_for_the_units_fix():
    """Sent back to the dispatcher (回退) is not the unit's to fix, so not pending (DOMAIN.md)."""
    assert set(PENDING) == {S.OPEN, S.ACKNOWLEDGED, S.REWORK}
    assert workflow.UNFINISHED == {S.OPEN, S.ACKNOWLEDGED, S.REWORK, S.RETURNED_TO_DISPATCH}


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "overdue"), [
    (S.OPEN, True), (S.ACKNOWLEDGED, True), (S.REWORK, True), (S.SUBMITTED, False),
    (S.RETURNED_TO_DISPATCH, False), (S.CLOSED, False), (S.VOIDED, False),
])
def test_overdue_is_the_same_for_one_item_and_for_the_queryset(status, overdue, item, people,
                                                                photo):
    item = bring_to(status, item, people, photo)
    later = item.deadline + dt.timedelta(seconds=1)
    assert item.is_overdue(later) is overdue
    assert Rectification.objects.overdue(later).filter(pk=item.pk).exists() is overdue
    # At the deadline itself nothing is overdue yet.
    assert item.is_overdue(item.deadline) is False
    assert not Rectification.objects.overdue(item.deadline).exists()


def test_every_step_has_a_slug_a_form_a_predicate_and_a_function():
    slugs = [step.slug for step in workflow.STEPS.values()]
    assert len(set(slugs)) == len(slugs) == 8
    for action, step in workflow.STEPS.items():
        assert step.action == action
        form_class = import_string(step.form)
        assert issubclass(form_class, forms.StepForm)
        assert step.may.__module__ == permissions.__name__ and step.may.__name__.startswith("can_")
        assert step.run.__module__ == workflow.__name__
        assert reverse("inspections:rectification-step", args=[7, step.slug]) == f"/items/7/{step.slug}/"


def test_a_slug_outside_the_registry_has_no_url():
    with pytest.raises(NoReverseMatch):
        reverse("inspections:rectification-step", args=[7, "frobnicate"])


@pytest.mark.parametrize("action", list(workflow.STEPS))
def test_each_form_gives_arguments_its_step_takes(action):
    """What a form hands on (services.take_step turns `uploads` into `photos`) is exactly
    the keyword arguments its step's function asks for, the required ones included."""
    step = workflow.STEPS[action]
    form = import_string(step.form).__new__(import_string(step.form))
    form.cleaned_data = {name: None for name in import_string(step.form).base_fields}
    given = set(form.arguments())
    if "uploads" in given:
        given = given - {"uploads"} | {"photos"}
    parameters = inspect.signature(step.run).parameters
    accepted = {name for name in parameters if name not in ("item", "by", "version", "at")}
    required = {name for name in accepted if parameters[name].default is inspect.Parameter.empty}
    assert required <= given <= accepted


def test_only_close_has_a_separation_of_duties():
    assert [action for action, step in workflow.STEPS.items() if step.duty] == ["closed"]
    assert workflow.STEPS["closed"].duty.conflict is permissions.has_submitted


# ---- nothing but the workflow writes Rectification.status -----------------------------------

# The objects whose `.status` is not an item's: a task (derived, set in memory, never stored),
# a citizen report (triaged by services), a supervision notice (inspections.notices.services)
# and a delivery (campaign.notifications.jobs).
OTHER_STATUSES = {"task", "report", "notice", "delivery"}


def status_writes(source: str, path: str) -> list[str]:
    """Where `source` may write an item's status: `status=` given when creating or updating a
    Rectification (or any `.update(status=…)`), `status` in a bulk update's fields, or an
    assignment to `<x>.status` (other than the allowed ones)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            keywords = {keyword.arg for keyword in node.keywords}
            method = func.rsplit(".", 1)[-1]
            if "status" in keywords and ("Rectification" in func.split(".")[0] or method in (
                    "update", "bulk_update", "update_or_create") or (
                    "rectification" in func.lower() and method in ("create", "get_or_create"))):
                found.append(f"{path}:{node.lineno} {func}(status=…)")
            if method == "bulk_update" and "status" in ast.unparse(node):
                found.append(f"{path}:{node.lineno} {func}([… status …])")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (isinstance(part, ast.Attribute) and part.attr == "status"
                            and ast.unparse(part.value) not in OTHER_STATUSES):
                        found.append(f"{path}:{node.lineno} {ast.unparse(part)} = …")
    return found


def test_the_scan_finds_the_ways_of_writing_a_status():
    source = """
Rectification.objects.create(code="x", status=S.OPEN)
Rectification(code="x", status="closed")
items.filter(unit=u).update(status="voided")
Rectification.objects.bulk_update(rows, ["status", "deadline"])
item.status = S.CLOSED
before, item.status = item.status, S.REWORK
"""
    assert len(status_writes(source, "x.py")) == 6


def test_nothing_but_the_workflow_writes_an_items_status():
    found = []
    for package in ("campaign", "inspections"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative == "inspections/workflow.py":
                continue
            found += status_writes(path.read_text(encoding="utf-8"), relative)
    assert found == []


def test_the_admin_cannot_change_an_item():
    model_admin = admin.site._registry[Rectification]
    request = RequestFactory().get("/admin/")
    request.user = type("Superuser", (), {"is_superuser": True, "is_active": True,
                                          "is_staff": True})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
