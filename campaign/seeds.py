"""Loading the fixtures in `seeds/` (built from the source documents) idempotently.

Records are matched by their `key`, so a second load updates nothing and creates nothing.
"""

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from campaign.enums import DayCount, DeadlineDays, PointKind, TaskCategory, UnitKind
from campaign.models import Campaign, Category, Criterion, Progress, Standard, Task, Unit
from campaign.services import create_unit, move_unit
from campaign.tasks.services import TaskError, create_task


class SeedError(Exception):
    pass


def _read(directory: Path, name: str) -> list[dict]:
    path = directory / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SeedError(f"{path}: {error}") from error


def _sync[M: models.Model](model: type[M], lookup: dict, values: dict, counter: Counter) -> M:
    """Create or update one row; counts only real changes, so a second load reports none."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        counter[f"{model._meta.model_name} created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counter[f"{model._meta.model_name} updated"] += 1
    return obj


@transaction.atomic
def load_seeds(directory: Path) -> Counter:
    counter: Counter = Counter()
    campaigns = {}
    for record in _read(directory, "campaigns.json"):
        campaigns[record["key"]] = _sync(
            Campaign,
            {"key": record["key"]},
            {
                "name": record["name"],
                "city": record["city"],
                "start": dt.date.fromisoformat(record["start"]),
                "end": dt.date.fromisoformat(record["end"]),
                "source": record["source"],
                "note": record.get("note", ""),
            },
            counter,
        )
    _load_units(_read(directory, "units.json"), campaigns, counter)
    _load_standards(_read(directory, "standards.json"), campaigns, counter)
    if (directory / "tasks.json").exists():
        _load_tasks(_read(directory, "tasks.json"), campaigns, counter)
    return counter


def _load_units(records: list[dict], campaigns: dict, counter: Counter) -> None:
    units: dict[tuple[str, str], Unit] = {
        (unit.campaign.key, unit.key): unit
        for unit in Unit.objects.exclude(key="").select_related("campaign", "parent")
    }
    for order, record in enumerate(records):
        if record["kind"] not in UnitKind.values:
            raise SeedError(f"unit {record['key']}: unknown kind {record['kind']!r}")
        campaign = campaigns[record["campaign"]]
        parent = units[(campaign.key, record["parent"])] if record["parent"] else None
        values = {
            "kind": record["kind"],
            "name": record["name"],
            "code": record["code"],
            "order": order,
            "placeholder": bool(record.get("placeholder")),
            "source": record["source"],
            "note": record.get("note", ""),
        }
        unit = units.get((campaign.key, record["key"]))
        if unit is None:
            unit = create_unit(parent=parent, campaign=campaign, key=record["key"], **values)
            counter["unit created"] += 1
        else:
            if unit.parent_id != (parent.pk if parent else None):
                unit = move_unit(unit, parent=parent)
                counter["unit moved"] += 1
            unit = _sync(Unit, {"pk": unit.pk}, values, counter)
        units[(campaign.key, record["key"])] = unit


def _load_standards(records: list[dict], campaigns: dict, counter: Counter) -> None:
    keyed_units = Unit.objects.exclude(key="").select_related("campaign")
    units = {(unit.campaign.key, unit.key): unit for unit in keyed_units}
    for record in records:
        campaign = campaigns[record["campaign"]]
        try:
            bound = {units[(campaign.key, key)] for key in record["units"]}
        except KeyError as error:
            raise SeedError(f"standard {record['key']}: unknown unit {error}") from error
        standard = _sync(
            Standard,
            {"campaign": campaign, "key": record["key"]},
            {"name": record["name"], "source": record["source"], "note": record.get("note", "")},
            counter,
        )
        # The seeds state where a standard applies: a binding made on the page is undone here
        # like any other seeded value.
        if set(standard.units.all()) != bound:
            standard.units.set(bound)
            counter["standard binding updated"] += 1
        for category_order, category_record in enumerate(record["categories"]):
            category = _sync(
                Category,
                {"standard": standard, "key": category_record["key"]},
                {
                    "name": category_record["name"],
                    "order": category_order,
                    "source": category_record["source"],
                    "note": category_record.get("note", ""),
                },
                counter,
            )
            for order, item in enumerate(category_record["criteria"]):
                kinds = item.get("point_kinds", [])
                if set(kinds) - set(PointKind.values):
                    raise SeedError(f"criterion {item['key']}: unknown point kinds {kinds}")
                if item["deadline_days"] not in DeadlineDays.values:
                    raise SeedError(f"criterion {item['key']}: bad deadline_days")
                deadline_count = item.get("deadline_count", DayCount.NATURAL)
                if deadline_count not in DayCount.values:
                    raise SeedError(f"criterion {item['key']}: bad deadline_count")
                _sync(
                    Criterion,
                    {"category": category, "key": item["key"]},
                    {
                        "name": item["name"],
                        "order": order,
                        "points": Decimal(str(item["points"])),
                        "deadline_days": item["deadline_days"],
                        "deadline_count": deadline_count,
                        "point_kinds": kinds,
                        "placeholder": bool(item.get("placeholder")),
                        "source": item["source"],
                        "note": item.get("note", ""),
                    },
                    counter,
                )


def _load_tasks(records: list[dict], campaigns: dict, counter: Counter) -> None:
    """Tasks with the figures the documents report. A figure is a progress report with no
    reporter and the document as its source; a changed figure becomes a correcting report."""
    keyed_units = Unit.objects.exclude(key="").select_related("campaign")
    units = {(unit.campaign.key, unit.key): unit for unit in keyed_units}
    keyed_tasks = Task.objects.exclude(key="").select_related("campaign")
    tasks = {(task.campaign.key, task.key): task for task in keyed_tasks}
    for record in records:
        if record["category"] not in TaskCategory.values:
            raise SeedError(f"task {record['key']}: unknown category {record['category']!r}")
        campaign = campaigns[record["campaign"]]
        try:
            unit = units[(campaign.key, record["unit"])]
            parent = tasks[(campaign.key, record["parent"])] if record["parent"] else None
        except KeyError as error:
            raise SeedError(f"task {record['key']}: unknown unit or parent {error}") from error
        values = {
            "unit": unit, "title": record["title"], "category": record["category"],
            "start": dt.date.fromisoformat(record["start"]), "due": dt.date.fromisoformat(record["due"]),
            "target": Decimal(str(record["target"])).quantize(Decimal("0.01")), "measure": record["measure"],
            "source": record["source"], "note": record.get("note", ""),
        }
        task = tasks.get((campaign.key, record["key"]))
        if task is None:
            try:
                task = create_task(**values, parent=parent, code=record["code"], key=record["key"], by=None)
            except TaskError as error:
                raise SeedError(f"task {record['key']}: {error}") from error
            counter["task created"] += 1
        else:
            task = _sync(Task, {"pk": task.pk}, values, counter)
        tasks[(campaign.key, record["key"])] = task
        for figure in record.get("progress", []):
            _sync_figure(task, figure, counter)


def _sync_figure(task: Task, figure: dict, counter: Counter) -> None:
    day = dt.date.fromisoformat(figure["reported_on"])
    quantity = Decimal(str(figure["quantity"])).quantize(Decimal("0.01"))
    current = Progress.objects.filter(
        task=task, reported_by=None, reported_on=day, correction__isnull=True
    ).first()
    if current is not None and current.quantity == quantity:
        return
    Progress.objects.create(
        task=task, quantity=quantity, reported_on=day, note=figure.get("note", ""),
        source=figure["source"], corrects=current,
        reported_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),
        over_target_reason=figure.get("over_target_reason", ""),
    )
    counter["progress figure corrected" if current else "progress figure created"] += 1
