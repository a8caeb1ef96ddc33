"""Changes to the command tree. The tree's `path` and `depth` are written only here; how a
path is spelled and queried is campaign.tree's."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from campaign import tree
from campaign.audit.recorders import record_update
from campaign.models import Campaign, Unit


class TreeError(Exception):
    pass


@transaction.atomic
def create_unit(*, parent: Unit | None, **fields) -> Unit:
    campaign = parent.campaign if parent else fields.pop("campaign")
    fields.pop("campaign", None)
    unit = Unit.objects.create(campaign=campaign, parent=parent, path="", **fields)
    unit.path = tree.child_path(parent, unit.pk)
    unit.depth = tree.depth(unit.path)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def move_unit(unit: Unit, *, parent: Unit | None) -> Unit:
    """Hang a unit (with its subtree) under another parent, rewriting the subtree's paths."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if parent is not None:
        if tree.is_within(parent.path, unit.path):
            raise TreeError("A unit cannot be moved under itself or its own subtree.")
        if parent.campaign_id != unit.campaign_id:
            raise TreeError("A unit cannot be moved to another campaign.")
    old_path = unit.path
    new_path = tree.child_path(parent, unit.pk)
    depth_shift = tree.depth(new_path) - unit.depth
    Unit.objects.filter(tree.subtree_q([old_path])).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_shift,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    # No save() ran: the audit is told itself (paths and the tree's version are derived, not audited).
    record_update(unit, {"parent": (unit.parent_id, parent.pk if parent else None)})
    Campaign.objects.filter(pk=unit.campaign_id).update(tree_version=F("tree_version") + 1)
    unit.refresh_from_db()
    return unit
