"""A change entry's values as people read them. django-auditlog writes each value as text: a
choice by its key ("published"), a boolean as "True", a related object by its id ("5"), a moment
as naive UTC ("2026-03-02 01:30:00"). Here a choice reads as its label, a boolean as 是/否, a
related object by its name and a moment in local time, as the rest of the site writes them. The
primary key is left out (the entry names its object), and so is a field empty before and after.

The names of related objects come in one query per related model for a whole batch of entries
(a page, or a chunk of the export), never one per row."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.audit.models import ChangeEntry

# One line of an entry: (field as people read it, before, after).
Line = tuple[str, str, str]
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
EMPTY = (None, "None", "")


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _related(field: models.Field | None) -> type[models.Model] | None:
    """The model a foreign key (or one-to-one) field points at; None for any other field."""
    if field is not None and (field.many_to_one or field.one_to_one) and field.related_model:
        return field.related_model
    return None


def _key(model: type[models.Model], value: Any) -> Any:
    """The primary key that `value` (text) names, or None when it cannot be one."""
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


def _pairs(entry: ChangeEntry) -> Iterable[tuple[str, Any]]:
    return (entry.changes or {}).items()


def _names(entries: list[ChangeEntry]) -> dict[type[models.Model], dict[str, str]]:
    """{related model: {id as text: name}} of every related object the entries' values name:
    one query per related model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in _pairs(entry):
            related = _related(_field(model, name))
            if related is None or isinstance(change, dict):
                continue
            for value in change:
                if value not in EMPTY and (key := _key(related, value)) is not None:
                    wanted[related].add(key)
    names: dict[type[models.Model], dict[str, str]] = {}
    for related, keys in wanted.items():
        # A name made of the object's own foreign keys (a membership's person and unit) costs
        # no query each.
        own = [field.name for field in related._meta.concrete_fields if field.is_relation]
        objects = related._default_manager.all()
        found = (objects.select_related(*own) if own else objects).in_bulk(list(keys))
        names[related] = {str(key): str(obj) for key, obj in found.items()}
    return names


def _moment(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)        # as auditlog writes it
    return timezone.localtime(moment).strftime(DATETIME_FORMAT)


def _value(field: models.Field | None, value: Any, names: dict[type[models.Model], dict[str, str]]) -> str:
    if value in EMPTY:
        return ""
    text = str(value)
    if field is None:
        return text
    if (related := _related(field)) is not None:
        key = _key(related, text)
        # A related object deleted since: its id, as "#5".
        return names.get(related, {}).get(str(key), f"#{text}")
    if field.choices:
        labels = {str(key): str(label) for key, label in field.flatchoices}
        return labels.get(text, text)
    if isinstance(field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(text, text)
    if isinstance(field, models.DateTimeField):
        return _moment(text)
    return text


class _Values:
    """_value, remembered for a batch: an export repeats the same few choices and booleans, whose
    labels would otherwise be translated again for every row."""

    def __init__(self, names: dict[type[models.Model], dict[str, str]]):
        self.names = names
        self.seen: dict[tuple[models.Field | None, str], str] = {}

    def __call__(self, field: models.Field | None, value: Any) -> str:
        key = (field, str(value))
        if key not in self.seen:
            self.seen[key] = _value(field, value, self.names)
        return self.seen[key]


def change_lines(entries: list[ChangeEntry]) -> list[list[Line]]:
    """The lines of each entry, in order: (field label, before, after), values in words."""
    value_of = _Values(_names(entries))
    labels: dict[models.Field, str] = {}
    result = []
    for entry in entries:
        model = entry.content_type.model_class()
        lines = []
        for name, change in _pairs(entry):
            field = _field(model, name)
            if field is not None and field.primary_key:
                continue                       # the object column names it already
            if field is None:
                label = name
            else:
                if field not in labels:
                    labels[field] = str(field.verbose_name)
                label = labels[field]
            if isinstance(change, dict):       # a many-to-many field: what was added or removed
                sign = "+" if change.get("operation") == "add" else "−"
                objects = "、".join(str(value) for value in change.get("objects", []))
                lines.append((label, "", f"{sign} {objects}"))
            else:
                before, after = (value_of(field, value) for value in change)
                if before or after:            # nothing to nothing says nothing
                    lines.append((label, before, after))
        result.append(lines)
    return result
