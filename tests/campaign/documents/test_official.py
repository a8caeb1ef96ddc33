import datetime
import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

from campaign.documents.official import (
    FONT_BODY,
    FONT_HEI,
    FONT_KAI,
    FONT_TITLE,
    OfficialDocument,
    chinese_numeral,
    document_date,
)


def east_asian_font(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def ascii_font(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:ascii"))


def sample() -> OfficialDocument:
    doc = OfficialDocument(
        office="杏花岭区创建全国文明城市指挥部办公室", number="杏创城〔2026〕8号",
        title="关于2026年10月创城工作排名情况的通报", addressee="各街乡指挥组",
        date=datetime.date(2026, 11, 30))
    doc.paragraph("现将排名情况通报如下。")
    doc.heading("排名情况")
    doc.heading("街乡指挥组", level=2)
    doc.table(["名次", "单位", "得分"], [[1, "涧河街道", "95.50"], [2, "巨轮街道", None]],
              widths_mm=[20, 96, 40], align="clr")
    doc.heading("问责")
    annex = doc.annex("各单位失分明细")
    annex.heading("涧河街道")
    return doc


def read(doc: OfficialDocument):
    return Document(io.BytesIO(doc.to_bytes()))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"),
                                         (23, "二十三"), (99, "九十九")])
def test_chinese_numeral(n, text):
    assert chinese_numeral(n) == text


@pytest.mark.parametrize("n", [0, 100, -1])
def test_chinese_numeral_out_of_range(n):
    with pytest.raises(ValueError):
        chinese_numeral(n)


def test_document_date_has_no_leading_zeros():
    assert document_date(datetime.date(2026, 1, 5)) == "2026年1月5日"


def test_page_is_a4_with_the_standard_margins_and_22_lines():
    document = read(sample())
    section = document.sections[0]
    # Stored in twips: millimetres to one decimal.
    def mm(length):
        return round(Emu(length).mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")


def test_masthead_number_title_and_fonts():
    document = read(sample())
    paragraphs = document.paragraphs
    heading = next(p for p in paragraphs if p.text == "杏花岭区创建全国文明城市指挥部办公室")
    run = heading.runs[0]
    assert east_asian_font(run) == FONT_TITLE
    assert str(run.font.color.rgb) == "FF0000"
    # 18 characters across 156 mm (442.2 pt): 24 pt each.
    assert run.font.size == Pt(24)
    number = next(p for p in paragraphs if p.text == "杏创城〔2026〕8号")
    assert east_asian_font(number.runs[0]) == FONT_BODY
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    title = next(p for p in paragraphs if p.text == "关于2026年10月创城工作排名情况的通报")
    assert east_asian_font(title.runs[0]) == FONT_TITLE
    assert ascii_font(title.runs[0]) == FONT_TITLE
    assert title.runs[0].font.size == Pt(22)
    assert "各街乡指挥组：" in texts(document)


def test_body_headings_numbered_by_level_with_their_fonts():
    document = read(sample())
    by_text = {p.text: p for p in document.paragraphs}
    body = by_text["现将排名情况通报如下。"]
    assert east_asian_font(body.runs[0]) == FONT_BODY
    assert body.runs[0].font.size == Pt(16)
    assert body._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert east_asian_font(by_text["一、排名情况"].runs[0]) == FONT_HEI
    assert east_asian_font(by_text["（一）街乡指挥组"].runs[0]) == FONT_KAI
    # A new first-level heading; the annex numbers its own headings from one.
    assert "二、问责" in by_text
    assert [t for t in texts(document) if t.endswith("涧河街道")] == ["一、涧河街道"]


def test_table_rows_and_header():
    document = read(sample())
    (table,) = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["名次", "单位", "得分"], ["1", "涧河街道", "95.50"], ["2", "巨轮街道", ""]]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert east_asian_font(table.rows[1].cells[1].paragraphs[0].runs[0]) == FONT_BODY
    assert table.rows[1].cells[1].paragraphs[0].runs[0].font.size == Pt(12)


def test_annex_note_signature_date_and_annex_page():
    lines = texts(read(sample()))
    note = lines.index("附件：各单位失分明细")
    # 附件说明 (§7.3.4): two characters in, the name after "附件：" wrapping under itself (a hanging
    # indent of three characters from five: Word's schema has no negative first-line indent).
    paragraph = next(p for p in read(sample()).paragraphs if p.text == "附件：各单位失分明细")
    ind = paragraph._p.pPr.find(qn("w:ind"))
    assert (ind.get(qn("w:leftChars")), ind.get(qn("w:hangingChars")), ind.get(qn("w:firstLine"))) == (
        "500", "300", None)
    assert lines[note + 3:note + 5] == ["杏花岭区创建全国文明城市指挥部办公室", "2026年11月30日"]
    annex = lines.index("附件")
    assert annex > note
    assert lines[annex + 2] == "各单位失分明细"


def test_page_numbers_odd_right_even_left():
    document = read(sample())
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.text == even.text == "— 1 —"
    assert (odd.alignment, even.alignment) == (2, 0)
    assert "PAGE" in odd._p.xml


def test_draft_has_mark_and_no_number():
    doc = OfficialDocument(office="某办公室", title="标题", draft_mark="草稿")
    lines = texts(read(doc))
    assert lines[0] == "草稿"
    assert "〔" not in "".join(lines)


def test_long_office_name_is_squeezed_not_wrapped():
    doc = OfficialDocument(office="太原市" * 10, title="标题")
    run = next(p for p in read(doc).paragraphs if p.text == "太原市" * 10).runs[0]
    assert run.font.size == Pt(22)
    assert run._r.rPr.find(qn("w:w")).get(qn("w:val")) == "67"


@pytest.mark.parametrize(("columns", "rows", "kwargs"), [
    (["a", "b"], [[1]], {}),
    (["a", "b"], [[1, 2]], {"widths_mm": [156]}),
    (["a"], [[1]], {"align": "x"}),
])
def test_table_refuses_malformed_input(columns, rows, kwargs):
    with pytest.raises(ValueError):
        OfficialDocument(office="x", title="y").table(columns, rows, **kwargs)


def with_imprint(copies_to=("市委办公厅", "市政府办公厅"), printed=datetime.date(2026, 3, 5)):
    doc = sample()
    doc.copies_to = list(copies_to)
    doc.printer = "杏花岭区创建全国文明城市指挥部办公室"
    doc.printed = printed
    return doc


def rule(paragraph) -> tuple[str, str] | None:
    """(colour, size in eighths of a point) of the paragraph's bottom border, if any."""
    borders = paragraph._p.pPr.find(qn("w:pBdr"))
    if borders is None:
        return None
    bottom = borders.find(qn("w:bottom"))
    assert bottom.get(qn("w:val")) == "single"
    return bottom.get(qn("w:color")), bottom.get(qn("w:sz"))


def indents(paragraph) -> dict[str, str]:
    ind = paragraph._p.pPr.find(qn("w:ind"))
    return {} if ind is None else {qn_name.split("}")[1]: value for qn_name, value in ind.attrib.items()}


def test_imprint_ends_the_document_after_the_annexes():
    document = read(with_imprint())
    paragraphs = document.paragraphs
    lines = [p.text for p in paragraphs]
    # Thick rule, 抄送, thin rule, 印发 (office, tab, date), thick rule: the last five paragraphs.
    assert lines[-5:] == ["", "抄送：市委办公厅，市政府办公厅。", "",
                          "杏花岭区创建全国文明城市指挥部办公室\t2026年3月5日印发", ""]
    assert lines.index("各单位失分明细") < len(lines) - 5
    assert lines.index("一、涧河街道") < len(lines) - 5
    first, copies, between, printed, last = paragraphs[-5:]
    # 0.35 mm ≈ 1 pt and 0.25 mm ≈ 0.75 pt, in eighths of a point; the rules span the type area.
    black = "000000"
    assert [rule(p) for p in paragraphs[-5:]] == [(black, "8"), None, (black, "6"), None,
                                                  (black, "8")]
    assert indents(first) == indents(between) == indents(last) == {}
    for paragraph in (copies, printed):
        for run in paragraph.runs:
            assert east_asian_font(run) == FONT_BODY
            assert run.font.size == Pt(14)
    # One 四号 character is 280 twips: 抄送 one in on both sides, wrapped lines after the colon.
    assert indents(copies) == {"left": "1120", "leftChars": "400", "hanging": "840",
                               "hangingChars": "300", "right": "280", "rightChars": "100"}
    assert indents(printed) == {"left": "280", "leftChars": "100", "right": "280",
                                "rightChars": "100"}
    (stop,) = printed.paragraph_format.tab_stops
    assert stop.alignment == 2  # right
    # At the right indent: 156 mm (8844 twips) less one character.
    assert stop.position.twips == 8564
    # Never split across two pages.
    assert [p.paragraph_format.keep_with_next for p in paragraphs[-5:]] == [True] * 4 + [None]
    assert copies.paragraph_format.keep_together


def test_imprint_without_copies_has_only_the_printing_line_between_thick_rules():
    document = read(with_imprint(copies_to=[]))
    paragraphs = document.paragraphs
    assert not any(p.text.startswith("抄送") for p in paragraphs)
    assert [p.text for p in paragraphs[-3:]] == [
        "", "杏花岭区创建全国文明城市指挥部办公室\t2026年3月5日印发", ""]
    assert [rule(p) for p in paragraphs[-3:]] == [("000000", "8"), None, ("000000", "8")]
    assert ("000000", "6") not in [rule(p) for p in paragraphs]


def test_imprint_of_a_draft_has_no_date_and_none_without_an_office():
    document = read(with_imprint(printed=None))
    assert [p.text for p in document.paragraphs[-2:]] == ["杏花岭区创建全国文明城市指挥部办公室", ""]
    assert not document.paragraphs[-2].paragraph_format.tab_stops
    lines = texts(read(sample()))
    assert not any("印发" in line or line.startswith("抄送") for line in lines)
    assert lines[-1] == "一、涧河街道"
