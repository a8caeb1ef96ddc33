"""Bulk steps: read the selection, load it with one query, take the step item by item.

Nothing here writes an item: every item goes through its step's own function in
inspections.workflow (its lock, version check, legality, separation of duties, right and
event, in its own transaction). One item refused leaves the others to go on.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.models import Unit, User
from inspections import permissions, workflow
from inspections.enums import EventAction as A
from inspections.models import Rectification

# At most this many items at once: the page size's largest choice, and a bound on the locks
# and writes one request takes.
MAX_ITEMS = 200

# The steps offered in bulk, in the registry's order. Sending back (回退) and submitting a fix
# are a unit's judgement on one item (a reason, after-photos of that place): one at a time.
BULK_ACTIONS: tuple[str, ...] = (
    A.ACKNOWLEDGED, A.CLOSED, A.RETURNED, A.EXTENDED, A.REROUTED, A.VOIDED,
)

# A selected item travels as "<pk>" (from the list) or "<pk>:<version>" (from the step's form:
# the version its page showed, checked by the step).
TOKEN = re.compile(r"(\d{1,12})(?::(\d{1,9}))?")


class SelectionError(Exception):
    """The selection as a whole is refused (nothing was done); the message is for the person."""


@dataclass(frozen=True)
class Selection:
    """The ids chosen, in the order given, each with the version its page showed (or None)."""

    versions: dict[int, int | None]

    @property
    def ids(self) -> list[int]:
        return list(self.versions)


def read_selection(values: Iterable[str]) -> Selection:
    """The selection from the posted `item` values: whole numbers only, at least one, at most
    MAX_ITEMS (duplicates count once)."""
    values = [value.strip() for value in values]
    if not values:
        raise SelectionError(_("Select at least one item."))
    versions: dict[int, int | None] = {}
    for value in values:
        match = TOKEN.fullmatch(value)
        if match is None:
            raise SelectionError(_("“%(value)s” is not an item number. Nothing was done.")
                                 % {"value": value[:20]})
        versions[int(match[1])] = int(match[2]) if match[2] is not None else None
        if len(versions) > MAX_ITEMS:
            break
    if len(versions) > MAX_ITEMS:
        raise SelectionError(ngettext(
            "At most %(max)d item can be changed at once. Nothing was done: select fewer.",
            "At most %(max)d items can be changed at once. Nothing was done: select fewer.",
            MAX_ITEMS) % {"max": MAX_ITEMS})
    return Selection(versions)


def selected_items(user: User, selection: Selection) -> list[Rectification]:
    """The selected items the person sees, in the order given, with what the steps read (one
    query); ids out of scope or unknown are simply absent (reported as not found)."""
    found = visible_items(user).in_bulk(selection.ids)
    return [found[pk] for pk in selection.ids if pk in found]


def visible_items(user: User) -> QuerySet[Rectification]:
    return permissions.visible_rectifications(user).select_related("unit", "campaign", "criterion")


def offered_steps(user: User, items: list[Rectification]) -> list[workflow.Step]:
    """The bulk steps the person may take on at least one of the items (the registry's check:
    legal from the item's status and the step's predicate)."""
    return [workflow.STEPS[action] for action in BULK_ACTIONS
            if any(workflow.allowed(item, action) and workflow.STEPS[action].may(user, item)
                   for item in items)]


def may_take(step: workflow.Step, user: User, items: list[Rectification]) -> bool:
    """Whether the person holds the step's right on at least one of the items (the step's
    predicate; whether it is legal from each item's status now is the step's own check)."""
    return any(step.may(user, item) for item in items)


@dataclass(frozen=True)
class Outcome:
    """What became of one selected id: done, refused (with the step's own message) or not found
    (`item` None: out of the person's scope or no such item, said alike)."""

    pk: int
    item: Rectification | None
    done: bool
    message: str = ""


def already_done(item: Rectification, action: str, by: User) -> bool:
    """Whether the item's latest step is this very step by this person: a second submit of the
    same form (a double click) that the version check refused."""
    last = item.events.order_by("-pk").values_list("action", "actor_id").first()
    return last == (action, by.pk)


def take_bulk_step(
    step: workflow.Step, user: User, selection: Selection, items: list[Rectification],
    arguments: Callable[[Rectification], dict],
) -> list[Outcome]:
    """Take `step` on every selected item the person sees (`items`: selected_items), one at a
    time, each through the step's own function in its own transaction; `arguments(item)` gives
    the step's keyword arguments for that item (and may refuse it with a TransitionError)."""
    found = {item.pk: item for item in items}
    outcomes = []
    for pk, version in selection.versions.items():
        item = found.get(pk)
        if item is None:
            outcomes.append(Outcome(pk, None, False, _("Not found.")))
            continue
        try:
            done = step.run(item, by=user, version=version, **arguments(item))
        except workflow.StaleVersionError as error:
            message = (_("Already done (a second submit of the same form).")
                       if already_done(item, step.action, user) else str(error))
            outcomes.append(Outcome(pk, item, False, message))
        except workflow.TransitionError as error:
            outcomes.append(Outcome(pk, item, False, str(error)))
        else:
            outcomes.append(Outcome(pk, done, True))
    return outcomes


def reroute_targets(user: User, items: list[Rectification]) -> QuerySet[Unit]:
    """The units the person may hand any of the items to (permissions.reroute_targets, for each
    campaign among the items); the step still checks each item against its own campaign."""
    targets = Unit.objects.none()
    for item in {item.campaign_id: item for item in items}.values():
        targets = targets | permissions.reroute_targets(user, item)
    return targets.order_by("path")
