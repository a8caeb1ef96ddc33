"""Changes to the command tree. The tree's `path` and `depth` are written only here.

A path is the zero-padded ids from the root, "00000001/00000007/": a subtree is one prefix
query, and ordering by path lists each parent before its children, siblings in creation order."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from campaign.models import Unit


class TreeError(Exception):
    pass


@transaction.atomic
def create_unit(*, parent: Unit | None, **fields) -> Unit:
    campaign = parent.campaign if parent else fields.pop("campaign")
    fields.pop("campaign", None)
    unit = Unit.objects.create(campaign=campaign, parent=parent, path="", **fields)
    unit.path = _path(parent, unit.pk)
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def move_unit(unit: Unit, *, parent: Unit | None) -> Unit:
    """Hang a unit (with its subtree) under another parent, rewriting the subtree's paths."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if parent is not None:
        if parent.path.startswith(unit.path):
            raise TreeError("A unit cannot be moved under itself or its own subtree.")
        if parent.campaign_id != unit.campaign_id:
            raise TreeError("A unit cannot be moved to another campaign.")
    old_path = unit.path
    new_path = _path(parent, unit.pk)
    depth_shift = (parent.depth + 1 if parent else 0) - unit.depth
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_shift,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    unit.refresh_from_db()
    return unit


def _path(parent: Unit | None, pk: int) -> str:
    return f"{parent.path if parent else ''}{pk:08d}/"
