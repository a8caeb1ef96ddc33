"""The change list's values read as people read them: a choice by its label, a boolean as 是/否,
a related object by its name (a deleted one by its id), a moment in local time; an entry with
nothing on either side of a field leaves the field out."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from campaign.models import Point, Unit
from tests import factories

pytestmark = pytest.mark.django_db

# 2019-03-02 09:30 in Shanghai.
MOMENT = dt.datetime(2019, 3, 2, 1, 30, tzinfo=dt.UTC)
RANGE = {"since": "2019-03-01", "until": "2019-03-03"}


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def lines_of(response, instance) -> dict[str, tuple[str, str]]:
    """The fields of the instance's one change (not its creation)."""
    [entry] = [e for e in response.context["entries"] if e.object_id == instance.pk and e.action == 1
               and e.content_type.model == instance._meta.model_name]
    return {label: (before, after) for label, before, after in entry.lines}


def test_choices_related_objects_booleans_and_moments_read_in_words(admin_client, tree):
    with time_machine.travel(MOMENT, tick=False):
        point = Point.objects.create(campaign=tree["city"].campaign, unit=tree["street_a"],
                                     code="P-9", kind="market", name="菜市场")
        person = factories.UserFactory(username="li", date_joined=MOMENT)
        person.is_active = False
        person.save()
        point.unit = tree["street_b"]
        point.kind = "station"
        point.save()
    response = admin_client.get(reverse("audit:changes"), RANGE)
    point_lines = lines_of(response, point)
    assert point_lines["责任单位"] == ("甲街道", "乙街道")
    assert point_lines["类型"] == ("农贸市场", "交通场站")
    person_lines = lines_of(response, person)
    assert person_lines == {"启用": ("是", "否")}
    page = response.content.decode()
    # The creation shows its values: the moment in Shanghai time, no "—" before them.
    assert "2019-03-02 09:30" in page and "2019-03-02 01:30" not in page
    assert "True" not in page and "market" not in page
    export = admin_client.get(reverse("audit:changes-export"), RANGE)
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    changes = {(row[3].value, row[5].value): set(row[7].value.split("; "))
               for row in sheet.iter_rows(min_row=2) if row[4].value == "点位"}
    # The fields in the order the database keeps them (jsonb: its own).
    assert changes[("修改", point.pk)] == {"责任单位: 甲街道 → 乙街道", "类型: 农贸市场 → 交通场站"}
    assert {"责任单位: 甲街道", "类型: 农贸市场", "启用: 是"} < changes[("新建", point.pk)]


def test_a_deleted_related_object_reads_as_its_id(admin_client, tree):
    lane = Unit.objects.get(pk=tree["lane_a"].pk)
    with time_machine.travel(MOMENT, tick=False):
        point = Point.objects.create(campaign=tree["city"].campaign, unit=lane, code="P-8",
                                     kind="market", name="点")
        point.unit = tree["street_a"]
        point.save()
    gone = lane.pk
    lane.delete()
    response = admin_client.get(reverse("audit:changes"), RANGE)
    [change] = [e for e in response.context["entries"] if e.object_id == point.pk and e.action == 1]
    assert ("责任单位", f"#{gone}", "甲街道") in change.lines
