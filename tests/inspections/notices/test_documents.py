"""The supervision notice as an official document (.docx) and its PDF."""

import io
from unittest import mock

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from campaign.documents import pdf
from campaign.documents.official import FONT_BODY, FONT_TITLE
from tests import factories

pytestmark = pytest.mark.django_db
needs_soffice = pytest.mark.skipif(pdf.soffice_path() is None,
                                   reason="LibreOffice (soffice) is not installed here; CI has it")


@pytest.fixture
def item(tree, cast):
    return factories.RectificationFactory(unit=tree["street_a"], title="占道经营")


@pytest.fixture
def notice(tree, cast, issue, item):
    tree["city"].document_office = "市创建全国文明城市指挥部办公室"
    tree["city"].save(update_fields=["document_office"])
    task = factories.TaskFactory(unit=tree["street_a"], title="背街小巷整治")
    return issue(items=[item], tasks=[task], body="第一段。\n\n第二段。")


def read(response):
    return Document(io.BytesIO(b"".join(response.streaming_content)))


def test_notice_docx(client, cast, notice, item):
    factories.login(client, cast["staff"])
    response = client.get(reverse("inspections:notice-docx", args=[notice.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    document = read(response)
    lines = [p.text for p in document.paragraphs]
    assert "市创建全国文明城市指挥部办公室" in lines
    assert "市督〔2026〕1号" in lines
    title = next(p for p in document.paragraphs if p.text == "关于背街小巷整治滞后的督办通知")
    assert title.runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FONT_TITLE
    assert title.runs[0].font.size == Pt(22)
    body = next(p for p in document.paragraphs if p.text == "第一段。")
    assert body.runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FONT_BODY
    assert "第二段。" in lines and "甲街道：" in lines
    assert "请于 2026-10-09 23:59 前书面回复。" in lines
    # The signature and date, then the imprint (版记): no bodies to copy to, so no 抄送 line.
    assert lines[-6:] == ["市创建全国文明城市指挥部办公室", "2026年9月29日", "", "",
                          "市创建全国文明城市指挥部办公室\t2026年9月29日印发", ""]
    assert not any(line.startswith("抄送") for line in lines)
    printed = document.paragraphs[-2]
    assert printed.runs[0].font.size == Pt(14)
    assert printed._p.pPr.find(qn("w:ind")).get(qn("w:leftChars")) == "100"
    items, tasks = document.tables
    assert [c.text for c in items.rows[1].cells][:3] == [item.code, "占道经营", "甲街道"]
    assert [c.text for c in tasks.rows[1].cells][1:3] == ["背街小巷整治", "甲街道"]


def test_notice_docx_out_of_scope_is_404(client, tree, member, notice):
    factories.login(client, member(tree["district_b"], "coordinator", username="b"))
    assert client.get(reverse("inspections:notice-docx", args=[notice.pk])).status_code == 404
    assert client.get(reverse("inspections:notice-pdf", args=[notice.pk])).status_code == 404
    assert client.get("/notices/99999999999999999999/notice.docx").status_code == 404


def test_notice_pdf_unavailable_offers_the_docx(client, cast, notice):
    factories.login(client, cast["staff"])
    with mock.patch("campaign.documents.pdf.soffice_path", return_value=None):
        response = client.get(reverse("inspections:notice-pdf", args=[notice.pk]))
    assert response.status_code == 503
    assert reverse("inspections:notice-docx", args=[notice.pk]) in response.content.decode()
    assert "本服务器暂不能生成 PDF" in response.content.decode()


@needs_soffice
def test_notice_pdf(client, cast, notice):
    import pypdfium2

    factories.login(client, cast["staff"])
    response = client.get(reverse("inspections:notice-pdf", args=[notice.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    document = pypdfium2.PdfDocument(data)
    # The red heading and title fill the top of page 1; the tasks and the signature go over.
    assert len(document) == 2
    text = document[0].get_textpage().get_text_range().replace(" ", "")
    assert "关于背街小巷整治滞后的督办通知" in text and "市督〔2026〕1号" in text
    last = document[1].get_textpage().get_text_range().replace(" ", "")
    assert "2026年9月29日" in last
    assert "2026年9月29日印发" in last.replace("\t", "")
