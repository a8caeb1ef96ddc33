"""inspections/views/registers.py: points (edit, import, export) and standards."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaign.models import Point
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db


def test_point_import_view_reports_rows_and_imports_nothing(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = f"code,name,kind,unit_code\nA1,东街,back_street,{tree['street_a'].code}\nA2,,飞机场,ZZ\n"
    client = login(client, people["coordinator"])
    response = client.post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", text.encode())})
    assert response.status_code == 400
    assert 'id="import-errors"' in response.content.decode() and Point.objects.count() == 0
    assert login(client, people["staff"]).get(reverse("inspections:points-import")).status_code == 403


def test_points_export(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], code="Z-9")
    response = login(client, people["coordinator"]).get(reverse("inspections:points-export-csv"))
    assert "Z-9" in response.content.decode("utf-8-sig")


def test_standard_editing_is_for_the_root_coordinator(client, tree, people, criterion):
    standard = criterion.category.standard
    url = reverse("inspections:criterion-edit", args=[standard.pk, criterion.pk])
    client = login(client, people["coordinator"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": criterion.category.pk, "key": criterion.key,
                                  "name": "新名称", "order": 0, "points": "4", "deadline_days": 7,
                                  "point_kinds": ["market"], "is_active": "on"})
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name, criterion.points, criterion.point_kinds) == ("新名称", 4, ["market"])
    assert login(client, people["inspector"]).get(url).status_code == 403


def test_points_export_writes_formulas_as_text(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="@cmd|' /C calc'!A0")
    client = login(client, people["coordinator"])
    text = client.get(reverse("inspections:points-export-csv")).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'@cmd|' /C calc'!A0"
    response = client.get(reverse("inspections:points-export-xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", "'@cmd|' /C calc'!A0")


def test_point_form_refuses_a_taken_code_with_a_message(client, tree, people):
    from campaign.models import Point

    factories.PointFactory(unit=tree["street_b"], code="P-1")
    response = login(client, people["coordinator"]).post(reverse("inspections:point-create"), {
        "code": "P-1", "name": "重复", "kind": "market", "unit": tree["street_a"].pk,
        "is_active": "on"})
    assert response.status_code == 200
    assert "本活动已有这个编号的点位。" in response.content.decode()
    assert Point.objects.count() == 1


def test_category_form_refuses_a_taken_key_with_a_message(client, tree, people):
    from campaign.models import Category

    category = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                          category__key="A1").category
    url = reverse("inspections:category-create", args=[category.standard.pk])
    response = login(client, people["coordinator"]).post(url, {"key": "A1", "name": "重复",
                                                               "order": 1})
    assert response.status_code == 200
    assert "这个测评标准已有这个编码的类别。" in response.content.decode()
    assert Category.objects.count() == 1


def test_points_import_page_says_points(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "编号,名称,类型,单位编码\nP1,东街,park," + tree["street_a"].code + "\n"
    response = login(client, people["coordinator"]).post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", text.encode())})
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有导入任何点位：请改正下列各行后重新上传文件。" in body and "没有导入任何任务" not in body
    assert "未知的点位类型“park”（可用：main_road (主次干道), back_street (背街小巷), " in body


def test_criterion_form_lists_each_point_kind_as_a_labelled_checkbox(client, tree, people, criterion):
    from campaign.enums import PointKind

    criterion.point_kinds = ["market"]
    criterion.save()
    url = reverse("inspections:criterion-edit", args=[criterion.category.standard.pk, criterion.pk])
    page = login(client, people["coordinator"]).get(url).content.decode()
    assert '<fieldset id="id_point_kinds">' in page
    assert page.count('type="checkbox" name="point_kinds"') == len(PointKind.choices)
    for index, (_value, label) in enumerate(PointKind.choices):
        assert f'<label class="form-check-label" for="id_point_kinds_{index}">{label}</label>' in page
    assert 'value="market" class="form-check-input" id="id_point_kinds_3" checked' in page


def test_standard_page_names_point_kinds_as_people_read_them(client, tree, people, criterion):
    from campaign.enums import PointKind

    criterion.point_kinds = ["market", "back_street"]
    criterion.save()
    page = login(client, people["coordinator"]).get(
        reverse("inspections:standard-detail", args=[criterion.category.standard.pk])).content.decode()
    assert f'<td class="small">{PointKind.MARKET.label}、{PointKind.BACK_STREET.label}</td>' in page
    assert "back_street" not in page


def _bad_points(rows: int, unit_code: str = "ZZ") -> bytes:
    lines = ["code,name,kind,unit_code"] + [f"B{n},点{n},飞机场,{unit_code}" for n in range(rows)]
    return "\n".join(lines).encode()


def test_points_import_lists_the_first_100_bad_rows_and_counts_the_rest(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(client, people["coordinator"]).post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", _bad_points(250))})
    body = response.content.decode()
    assert response.status_code == 400
    assert [error.row for error in response.context["result"].errors] == list(range(2, 102))
    assert body.count("<tr><td>") == 100
    assert "<tr><td>101</td>" in body and "<tr><td>102</td>" not in body
    assert '<p class="text-danger" id="import-errors-more">……另有 150 行错误，此处未列出。</p>' in body
    assert Point.objects.count() == 0


def test_points_import_report_of_the_largest_bad_file_stays_small(client, tree, people):
    """5,000 bad rows (the most a sheet may hold), each quoting a 900-character cell: the page
    lists 100 rows, each problem cut to 400 characters."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaign.importing import MAX_BYTES, MAX_ROWS

    content = _bad_points(MAX_ROWS, unit_code="Z" * 900)
    assert len(content) < MAX_BYTES
    response = login(client, people["coordinator"]).post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", content)})
    assert response.status_code == 400
    assert response.context["result"].more_errors == MAX_ROWS - 100
    assert len(response.content) < 120_000
