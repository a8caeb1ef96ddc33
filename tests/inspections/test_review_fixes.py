"""The defects a security and logic review found in the closed loop, one test (or a few) each."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaign.spreadsheets import safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


# ---- 2: exports write no live formula -----------------------------------------------------

def test_safe_cell_makes_formulas_inert():
    assert [safe_cell(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "东街", 7]] == [
        "'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "东街", 7]


def test_ledger_exports_write_formulas_as_text(client, tree, people):
    factories.file_item(tree["street_a"], by=people["inspector"],
                        title='=HYPERLINK("http://evil.example","点此")')
    client = login(client, people["coordinator"])
    response = client.get(reverse("inspections:ledger-export-csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","点此")'
    response = client.get(reverse("inspections:ledger-export-xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://evil.example","点此")')


def test_points_export_writes_formulas_as_text(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="@cmd|' /C calc'!A0")
    client = login(client, people["coordinator"])
    text = client.get(reverse("inspections:points-export-csv")).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'@cmd|' /C calc'!A0"
    response = client.get(reverse("inspections:points-export-xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", "'@cmd|' /C calc'!A0")


def test_an_exported_formula_like_name_imports_back_unchanged(tree, people):
    from campaign.models import Point
    from inspections import services

    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="-东街-")
    data = services.read_table(services.export_points(Point.objects.all()).export("xlsx"), "p.xlsx")
    result = services.import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (result.updated, Point.objects.get().name) == (1, "-东街-")
