"""The task fixtures load, match the seed documents' figures, and load idempotently."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from campaign.enums import TaskStatus
from campaign.models import Progress, Task
from campaign.tasks.services import attach_progress

D = Decimal


@pytest.mark.django_db
def test_task_seeds_match_the_documents(capsys):
    call_command("load_seeds")
    assert "task created: 16" in capsys.readouterr().out
    targets = {
        task.key: (task.unit.key, task.target, task.measure) for task in Task.objects.select_related("unit")
    }
    assert targets["xhl-back-streets"] == ("ty-xhl", D(162), "条")
    assert targets["xhl-old-compounds"] == ("ty-xhl", D(897), "个")
    assert targets["xhl-markets"] == ("ty-xhl", D(11), "个")
    assert targets["ty-back-streets"] == ("ty-hq", D(975), "条")
    assert targets["ty-old-compounds"] == ("ty-hq", D(2835), "个")
    assert targets["ty-markets"] == ("ty-hq", D(81), "个")
    assert targets["jy-old-compounds"] == ("ty-jy", D(100), "%")
    linfen = Task.objects.get(key="lf-liangcheng")
    assert sorted(linfen.children.values_list("target", flat=True)) == [D(3), D(3), D(3)]
    tasks = list(Task.objects.all())
    attach_progress(tasks, within=Task.objects.all(), today=dt.date(2019, 10, 31))
    done = {task.key: task.done for task in tasks}
    assert done["jy-old-compounds"] == D("90.5")
    assert done["xhl-old-compounds"] == D(897)
    assert {task.key: task.status for task in tasks}["jy-old-compounds"] == TaskStatus.ON_TRACK
    assert all(task.source for task in tasks)
    assert all(report.source and report.reported_by is None for report in Progress.objects.all())


@pytest.mark.django_db
def test_task_seeds_load_twice_changes_nothing(capsys):
    call_command("load_seeds")
    before = list(Task.objects.values_list("pk", "path", "target", "code"))
    reports = Progress.objects.count()
    capsys.readouterr()
    call_command("load_seeds")
    assert "nothing changed" in capsys.readouterr().out
    assert list(Task.objects.values_list("pk", "path", "target", "code")) == before
    assert Progress.objects.count() == reports


@pytest.mark.django_db
def test_a_changed_seed_figure_becomes_a_correction(tmp_path, capsys):
    for name in ("campaigns.json", "units.json", "standards.json"):
        text = (settings.SEEDS_DIR / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text, encoding="utf-8")
    records = json.loads((settings.SEEDS_DIR / "tasks.json").read_text(encoding="utf-8"))
    (tmp_path / "tasks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    call_command("load_seeds", dir=str(tmp_path))
    jinyuan = next(record for record in records if record["key"] == "jy-old-compounds")
    jinyuan["progress"][0]["quantity"] = 91
    (tmp_path / "tasks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    call_command("load_seeds", dir=str(tmp_path))
    assert "progress figure corrected: 1" in capsys.readouterr().out
    reports = Progress.objects.filter(task__key="jy-old-compounds").order_by("pk")
    assert [(report.quantity, report.corrects_id) for report in reports] == [
        (D("90.5"), None), (D(91), reports[0].pk),
    ]


def test_every_task_record_cites_a_seed_document():
    records = json.loads((settings.SEEDS_DIR / "tasks.json").read_text(encoding="utf-8"))
    documents = {path.name for path in (settings.BASE_DIR.parent / "shared" / "seeds").glob("*.txt")} or None
    for record in records:
        assert record["source"].endswith(".txt") and record["note"]
        if documents:
            assert record["source"] in documents
