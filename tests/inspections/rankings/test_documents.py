"""The bulletin as an official document: its number, the .docx read back, the PDF drawn."""

import datetime as dt
import io
from decimal import Decimal as D
from unittest import mock

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from campaign.documents import pdf
from campaign.documents.official import FONT_BODY, FONT_TITLE
from campaign.models import Criterion, Point
from inspections.models import Bulletin, BulletinSequence
from inspections.rankings.services import publish_bulletin, revise_bulletin
from tests import factories
from tests.inspections.conftest import visit
from tests.inspections.rankings.conftest import JULY, NOW, three_ranked

pytestmark = pytest.mark.django_db
DOCX = reverse("inspections:bulletin-docx")
PDF = reverse("inspections:bulletin-pdf")
needs_soffice = pytest.mark.skipif(pdf.soffice_path() is None,
                                   reason="LibreOffice (soffice) is not installed here; CI has it")


def east_asian(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def params(district, **extra):
    return {"parent": district["unit"].pk, "month": "2019-07", **extra}


@pytest.fixture
def published(district, coordinator):
    district["unit"].document_office = "甲区创建全国文明城市指挥部办公室"
    district["unit"].document_copies_to = "市委办公厅、 市政府办公厅，"
    district["unit"].save(update_fields=["document_office", "document_copies_to"])
    # Names of a fixed length whatever the factories' sequences reached: the layout (and so
    # the page count) does not depend on the order the tests ran in.
    for n, point in enumerate(district["points"].values()):
        Point.objects.filter(pk=point.pk).update(code=f"P{n:05d}", name="背街小巷")
    three_ranked(district, deductions=("10", "20", "30", "40"))
    lost = visit(district["points"][district["streets"][3].pk], "40")
    finding = factories.FindingFactory(inspection=lost, points=D("40"), note="")
    Criterion.objects.filter(pk=finding.criterion_id).update(name="占道经营")
    bulletin, _created = publish_bulletin(district["unit"].campaign, JULY, district["unit"],
                                          by=coordinator, now=NOW)
    return bulletin


def test_publication_numbers_per_issuer_and_year(district):
    campaign = district["unit"].campaign
    three_ranked(district)
    july, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    three_ranked(district, month=8)
    august, _created = publish_bulletin(campaign, JULY.next(), district["unit"], by=None, now=NOW)
    assert (july.code, august.code) == ("甲创城〔2019〕1号", "甲创城〔2019〕2号")
    corrected = revise_bulletin(august, by=None, reason="更正", now=NOW)
    assert (corrected.year, corrected.number, corrected.code) == (2019, 3, "甲创城〔2019〕3号")
    assert BulletinSequence.objects.get(issuer=district["unit"], year=2019).last == 3


def test_publication_skips_a_code_another_issuer_holds(district):
    """乙区 with the same prefix: its 1号 is taken, so 甲区's first is 2号."""
    campaign = district["unit"].campaign
    other = district["tree"]["district_b"]
    Bulletin.objects.create(campaign=campaign, parent=other, month=JULY.first_day,
                            inspection_weight=D("0.8"), min_sample=3, bottom_n=1, streak_k=3,
                            code="甲创城〔2019〕1号")
    district["unit"].bulletin_prefix = "甲创城"
    district["unit"].save(update_fields=["bulletin_prefix"])
    three_ranked(district)
    bulletin, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    assert bulletin.code == "甲创城〔2019〕2号"


def test_docx_of_a_published_bulletin(client, district, coordinator, published):
    client.force_login(coordinator)
    response = client.get(DOCX, params(district))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "2019-07" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    lines = [p.text for p in document.paragraphs]
    heading = next(p for p in document.paragraphs if p.text == "甲区创建全国文明城市指挥部办公室")
    assert str(heading.runs[0].font.color.rgb) == "FF0000"
    assert "甲创城〔2019〕1号" in lines
    title = next(p for p in document.paragraphs if p.text.startswith("关于2019年7月"))
    assert east_asian(title.runs[0]) == FONT_TITLE and title.runs[0].font.size == Pt(22)
    body = next(p for p in document.paragraphs if "通报如下" in p.text)
    assert east_asian(body.runs[0]) == FONT_BODY and body.runs[0].font.size == Pt(16)
    ranking, visits, missed = document.tables[0], document.tables[1], None
    assert [[c.text for c in row.cells][:3] for row in ranking.rows] == [
        ["排名", "单位", "月得分"], ["1", "甲街道", "90.00"], ["2", "丙街道", "80.00"],
        ["3", "丁街道", "70.00"], ["4", "戊街道", "60.00"]]
    assert missed is None and len(document.tables) == 2
    # The annex: 戊街道's visits that lost points (three of 40, one of 40 with its finding).
    assert [row.cells[0].text for row in visits.rows[1:]] == ["甲街道"] * 3 + ["丙街道"] * 3 + [
        "丁街道"] * 3 + ["戊街道"] * 4
    assert "附件：各单位失分明细" in lines and "附件" in lines
    assert "2019年9月1日" in lines
    # The imprint (版记) ends it, after the annex: printed the day it was published.
    assert lines[-5:] == ["", "抄送：市委办公厅，市政府办公厅。", "",
                          "甲区创建全国文明城市指挥部办公室\t2019年9月1日印发", ""]
    assert lines.index("附件") < len(lines) - 5
    assert visits._tbl.getnext() is not None  # the annex table comes before the imprint
    copies, printed = document.paragraphs[-4], document.paragraphs[-2]
    for run in copies.runs + printed.runs:
        assert east_asian(run) == FONT_BODY and run.font.size == Pt(14)
    section = document.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_docx_of_a_draft_is_marked_and_has_no_number(client, district, coordinator):
    three_ranked(district)
    client.force_login(coordinator)
    response = client.get(DOCX, params(district))
    lines = [p.text for p in Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs]
    assert lines[0] == "草稿（未发布）"
    assert not any("〔2019〕" in line for line in lines)
    # Not printed yet: the imprint names the office but no date, and the unit copies to none.
    assert lines[-3:] == ["", district["unit"].name, ""]
    assert not any("印发" in line or line.startswith("抄送") for line in lines)


def test_docx_of_a_correction_names_what_it_corrects(client, district, coordinator, revised):
    client.force_login(coordinator)
    response = client.get(DOCX, params(district))
    lines = [p.text for p in Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs]
    assert "甲创城〔2019〕2号" in lines
    assert any(line.endswith("（修订）") for line in lines)
    assert any("甲创城〔2019〕1号" in line and "甲街道督查记录更正" in line for line in lines)
    # The superseded revision stays readable, with its own number.
    response = client.get(DOCX, params(district, revision=1))
    assert "-r1.docx" in response["Content-Disposition"]
    lines = [p.text for p in Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs]
    assert "甲创城〔2019〕1号" in lines


@pytest.mark.parametrize("query", [{"parent": "abc"}, {"month": "2019-13"}, {"revision": "x"},
                                   {"kind": "nonsense"}])
def test_bad_parameters_fall_back_never_500(client, district, coordinator, published, query):
    client.force_login(coordinator)
    assert client.get(DOCX, {**params(district), **query}).status_code == 200


def test_out_of_scope_group_is_404(client, district, member, published):
    client.force_login(member(district["tree"]["district_b"], role="coordinator"))
    assert client.get(DOCX, params(district)).status_code == 404
    assert client.get(PDF, params(district)).status_code == 404


def test_pdf_unavailable_offers_the_docx(client, district, coordinator, published):
    client.force_login(coordinator)
    with mock.patch("campaign.documents.pdf.soffice_path", return_value=None):
        response = client.get(PDF, params(district))
    assert response.status_code == 503
    page = response.content.decode()
    assert "PDF" in page and f'href="{DOCX}?parent={district["unit"].pk}&amp;month=2019-07"' in page


def test_pdf_timeout_is_503(client, district, coordinator, published, settings, tmp_path):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    settings.DOCUMENT_PDF_SOFFICE = str(slow)
    settings.DOCUMENT_PDF_TIMEOUT = 1
    client.force_login(coordinator)
    assert client.get(PDF, params(district)).status_code == 503


@needs_soffice
def test_pdf_pages_show_the_chinese_text(client, district, coordinator, published):
    import pypdfium2

    client.force_login(coordinator)
    response = client.get(PDF, params(district))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    document = pypdfium2.PdfDocument(data)
    # Page 1: heading, number, title and the start of the body; the table; the annex page, which
    # its table fills, so the imprint (版记), never split, takes a page of its own.
    assert len(document) == 4
    last = document[3].get_textpage().get_text_range().replace(" ", "")
    assert "抄送：市委办公厅，市政府办公厅。" in last
    assert "甲区创建全国文明城市指挥部办公室" in last and "2019年9月1日印发" in last
    first = document[0].get_textpage().get_text_range()
    assert "甲区创建全国文明城市指挥部办公室" in first
    assert "甲创城〔2019〕1号" in first.replace(" ", "")
    image = document[0].render(scale=0.5).to_pil().convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 1000


def test_data_migration_numbers_published_bulletins_in_publication_order(district):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("inspections.migrations.0019_bulletin_number")
    campaign = district["unit"].campaign
    three_ranked(district)
    july, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    corrected = revise_bulletin(july, by=None, reason="更正", now=NOW + dt.timedelta(days=1))
    # Published the year before, though entered later: numbered in its own year.
    earlier = Bulletin.objects.create(
        campaign=campaign, parent=district["unit"], month=JULY.previous().first_day, revision=1,
        is_current=True, published_at=NOW.replace(year=2018), inspection_weight=D("0.8"),
        min_sample=3, bottom_n=1, streak_k=3)
    Bulletin.objects.update(year=None, number=None, code="")
    BulletinSequence.objects.all().delete()
    migration.number_published(apps, None)
    codes = dict(Bulletin.objects.values_list("pk", "code"))
    assert codes == {july.pk: "甲创城〔2019〕1号", corrected.pk: "甲创城〔2019〕2号",
                     earlier.pk: "甲创城〔2018〕1号"}
    assert sorted(BulletinSequence.objects.values_list("year", "last")) == [(2018, 1), (2019, 2)]
