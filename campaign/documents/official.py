"""Chinese official documents (公文) laid out as GB/T 9704—2012 says, as .docx.

The builder owns the layout; callers own the words. A document is built in order of reading and
written at the end, so the annex note (附件说明) and the signature land where the standard puts them
whatever order the caller adds things in::

    doc = OfficialDocument(
        office="杏花岭区创建全国文明城市指挥部办公室",   # 发文机关标志 (red heading)
        number="杏创城〔2026〕8号",                     # 发文字号; "" for a draft
        title="关于2026年10月创城工作排名情况的通报",   # 标题
        addressee="各街乡指挥组、各工作小组",           # 主送机关 (the colon is added)
        date=datetime.date(2026, 11, 30),               # 成文日期, Arabic numerals
        signer="",                                      # 发文机关署名; default: office
        draft_mark="",                                  # e.g. "草稿": top left, in 黑体
        copies_to=["市委办公厅", "市政府办公厅"],       # 抄送机关 (版记)
        printer="杏花岭区创建全国文明城市指挥部办公室", # 印发机关 (版记); no 版记 without it
        printed=datetime.date(2026, 11, 30),            # 印发日期; None: the line has no date
    )
    doc.paragraph("现将……通报如下：")                  # body paragraph, two characters indented
    doc.heading("排名情况")                             # 一、 (黑体); level=2 （一） (楷体),
                                                        # level=3 1. (仿宋 bold), level=4 （1）
    doc.table(["名次", "单位", "得分"], rows, widths_mm=[20, 96, 40], align="ccr")
    annex = doc.annex("各单位问题明细")                 # 附件: a new page, same methods
    annex.table(...)
    data = doc.to_bytes()

Page (GB/T 9704—2012 §5): A4; top margin 37 mm, left (binding) 28 mm, type area 156 × 225 mm
(so right 26 mm, bottom 35 mm); 22 lines of 28 characters (the document grid, and every body line
exactly 225 mm / 22 high). Fonts are named as the standard names them (方正小标宋简体, 仿宋_GB2312,
黑体, 楷体_GB2312, 宋体), for East Asian and Latin text alike: the office's WPS or Word has them; a
server converting to PDF substitutes what it has. Sizes: heading red 小标宋 (as large as fits one
line, at most 小初), title 二号 (22 pt), body 三号 (16 pt), page numbers 四号 (14 pt) "— 1 —",
odd pages at the right and even pages at the left, one character in from the edge of the type area.
Tables are not specified by the standard: 仿宋 小四 (12 pt) by default, the header row repeated on
every page.

The imprint (版记, §7.4) ends the document, after the annexes: 抄送 and 印发 in 四号仿宋 between
rules as wide as the type area (thick 0.35 mm above and below, thin 0.25 mm between them). It
follows the last line of text, kept together on one page; python-docx cannot pin it to the
bottom of the last page (that takes a frame, which Word and LibreOffice place differently).
"""

from __future__ import annotations

import copy
import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

__all__ = [
    "Annex",
    "OfficialDocument",
    "chinese_numeral",
    "document_date",
    "FONT_BODY",
    "FONT_HEI",
    "FONT_KAI",
    "FONT_SONG",
    "FONT_TITLE",
]

# The names GB/T 9704—2012 gives; WPS and Word in an office have them installed.
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_SONG = "宋体"

RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_LEFT = Mm(28)
TYPE_WIDTH = Mm(156)
TYPE_HEIGHT = Mm(225)
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

SIZE_HEADING_MAX = Pt(36)  # 小初
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_PAGE_NUMBER = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四
SIZE_IMPRINT = Pt(14)  # 四号

# The imprint's rules in eighths of a point, as Word stores a border: 0.35 mm ≈ 1 pt (thick),
# 0.25 mm ≈ 0.75 pt (thin).
RULE_THICK = 8
RULE_THIN = 6

# One line of the type area: 225 mm / 22 = 28.99 pt; Word's own template rounds to 579 twips.
LINE_PITCH_TWIPS = 579
LINE_HEIGHT = Pt(LINE_PITCH_TWIPS / 20)
# 28 characters of 三号 are 448 pt, the type area 442.2 pt wide: each character is condensed by
# a quarter point (in twentieths of a point), so 28 fit (441 pt) and a 29th does not.
CHAR_SPACING = -5

_EMU_PER_PT = 12700


def chinese_numeral(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九: the numbers of first-level headings (一、)."""
    if not 0 < n < 100:
        raise ValueError(f"heading number out of range: {n}")
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    head = "" if tens == 1 else digits[tens]
    return head + "十" + (digits[ones] if ones else "")


def document_date(day: datetime.date) -> str:
    """成文日期 in Arabic numerals without leading zeros, as GB/T 9704—2012 §7.3.5.2: 2026年11月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def text_width(text: str) -> float:
    """Width in body characters: a full-width (CJK) character is one, anything else a half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def _set_fonts(element, name: str) -> None:
    """Name the font for Latin and East Asian text alike (w:rFonts ascii/hAnsi/eastAsia/cs).

    `element` is a run or a style (its w:rPr is made if missing) or a w:rPr itself."""
    rpr = element.get_or_add_rPr() if hasattr(element, "get_or_add_rPr") else element
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    # Without a hint Word picks the Latin slot for quotes and dashes shared by both scripts.
    fonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph: Paragraph, text: str, *, font: str, size: Length, bold: bool = False,
         color: RGBColor | None = None, scale: int | None = None):
    run = paragraph.add_run(text)
    _set_fonts(run._r, font)
    run.font.size = size
    if bold:
        run.font.bold = True
    if color is not None:
        run.font.color.rgb = color
    if scale is not None and scale != 100:
        # Character scale (w:w): squeezes a long office name into one line of the type area.
        w = OxmlElement("w:w")
        w.set(qn("w:val"), str(scale))
        run._r.get_or_add_rPr().insert_element_before(
            w, "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
            "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
            "w:eastAsianLayout", "w:specVanish", "w:oMath")
    return run


def _no_grid(paragraph: Paragraph) -> None:
    """Let a paragraph keep its own line height instead of snapping to the 22-line grid."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(
        snap, "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
        "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
        "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
    )


def _body_spacing(paragraph: Paragraph, *, exact: Length = LINE_HEIGHT) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = exact


def _indent_chars(paragraph: Paragraph, *, first_line: float = 0, left: float = 0,
                  right: float = 0, hanging: float = 0, size: Length = SIZE_BODY) -> None:
    """Indents counted in characters (w:firstLineChars …) with the twips Word falls back on."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    twips_per_char = int(size) / _EMU_PER_PT * 20
    for name, chars in (("firstLine", first_line), ("left", left), ("right", right),
                        ("hanging", hanging)):
        if chars:
            ind.set(qn(f"w:{name}"), str(round(chars * twips_per_char)))
            ind.set(qn(f"w:{name}Chars"), str(round(chars * 100)))


def _bottom_rule(paragraph: Paragraph, *, color: str, size_eighths: int, space_pt: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    ppr.insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
        "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange",
    )


def _page_field(paragraph: Paragraph, *, font: str, size: Length) -> None:
    run = _run(paragraph, "", font=font, size=size)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


def _fill_copy(paragraph: Paragraph, prototype, text: str) -> None:
    """Put a copy of `prototype` (a formatted one-run w:p) in place of `paragraph`, with `text`."""
    element = copy.deepcopy(prototype)
    run = element.find(qn("w:r"))
    for old in run.findall(qn("w:t")) + run.findall(qn("w:br")) + run.findall(qn("w:tab")):
        run.remove(old)
    if text:
        t = OxmlElement("w:t")
        t.text = text
        if text != text.strip():
            t.set(qn("xml:space"), "preserve")
        run.append(t)
    paragraph._p.addprevious(element)
    paragraph._p.getparent().remove(paragraph._p)


_ALIGN = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER,
          "r": WD_ALIGN_PARAGRAPH.RIGHT}


@dataclass
class _Table:
    columns: list[str]
    rows: list[list[str]]
    widths_mm: list[float] | None
    align: str
    caption: str
    size: Length


@dataclass
class _Block:
    kind: str  # "paragraph", "heading", "table", "blank"
    text: str = ""
    level: int = 0
    lead: str = ""
    table: _Table | None = None


@dataclass
class _Body:
    """What a caller writes into: the main text or an annex. Headings are numbered here."""

    blocks: list[_Block] = field(default_factory=list)
    _counters: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    def paragraph(self, text: str, *, lead: str = "") -> None:
        """A body paragraph, indented two characters; `lead` (if any) starts it in bold."""
        self.blocks.append(_Block("paragraph", text=text, lead=lead))

    def blank(self) -> None:
        """An empty body line (the standard's 空一行)."""
        self.blocks.append(_Block("blank"))

    def heading(self, text: str, *, level: int = 1) -> str:
        """A numbered heading: 一、(黑体) （一）(楷体) 1.(仿宋 bold) （1）(仿宋). Returns its number."""
        if level not in (1, 2, 3, 4):
            raise ValueError(f"heading level must be 1 to 4, not {level}")
        self._counters[level - 1] += 1
        for deeper in range(level, 4):
            self._counters[deeper] = 0
        n = self._counters[level - 1]
        number = {1: f"{chinese_numeral(n)}、", 2: f"（{chinese_numeral(n)}）", 3: f"{n}.",
                  4: f"（{n}）"}[level]
        self.blocks.append(_Block("heading", text=number + text, level=level))
        return number

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[object]], *,
              widths_mm: Sequence[float] | None = None, align: str = "",
              caption: str = "", size: Length = SIZE_TABLE) -> None:
        """A ruled table across the type area; the header row repeats on every page.

        `widths_mm` should add up to 156 (the type area); `align` is one letter per column
        (l, c, r; default l). Cells are written with str(); None is written empty. The caller
        bounds the rows.
        """
        columns = [str(c) for c in columns]
        body = [["" if v is None else str(v) for v in row] for row in rows]
        for row in body:
            if len(row) != len(columns):
                raise ValueError(f"row has {len(row)} cells for {len(columns)} columns")
        if widths_mm is not None and len(widths_mm) != len(columns):
            raise ValueError("one width per column")
        if any(a not in _ALIGN for a in align):
            raise ValueError(f"alignment letters are l, c, r: {align!r}")
        self.blocks.append(_Block("table", table=_Table(
            columns, body, list(widths_mm) if widths_mm else None,
            align.ljust(len(columns), "l"), caption, size)))


@dataclass
class Annex(_Body):
    """An annex (附件): starts a new page with 附件N at the top left and its title on line 3."""

    title: str = ""
    number: int = 0


class OfficialDocument(_Body):
    """One 公文: 版头 (red heading, number, red rule), 主体 (title, addressee, body, annex note,
    signature and date) and annexes; `to_bytes()` writes the .docx."""

    def __init__(self, *, office: str, title: str, number: str = "", addressee: str = "",
                 date: datetime.date | None = None, signer: str = "", draft_mark: str = "",
                 copies_to: Sequence[str] = (), printer: str = "",
                 printed: datetime.date | None = None) -> None:
        super().__init__()
        self.office = office
        self.number = number
        self.title = title
        self.addressee = addressee
        self.date = date
        self.signer = signer or office
        self.draft_mark = draft_mark
        self.copies_to = [name for name in copies_to if name]
        self.printer = printer
        self.printed = printed
        self.annexes: list[Annex] = []

    def annex(self, title: str) -> Annex:
        """Add an annex; write into the returned object with the same methods as the body."""
        annex = Annex(title=title, number=len(self.annexes) + 1)
        self.annexes.append(annex)
        return annex

    # -- writing -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        document = Document()
        self._setup(document)
        self._write_masthead(document)
        self._write_blocks(document, self.blocks)
        self._write_annex_note(document)
        self._write_signature(document)
        for annex in self.annexes:
            self._write_annex(document, annex)
        self._write_imprint(document)
        handle = io.BytesIO()
        document.save(handle)
        return handle.getvalue()

    def _setup(self, document) -> None:
        # The grid's character pitch counts from the document default size: make that 三号 too.
        defaults = document.styles.element.find(qn("w:docDefaults"))
        rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        for tag in ("w:sz", "w:szCs"):
            rpr_default.find(qn(tag)).set(qn("w:val"), str(int(SIZE_BODY.pt * 2)))
        _set_fonts(rpr_default, FONT_BODY)
        condense = OxmlElement("w:spacing")
        condense.set(qn("w:val"), str(CHAR_SPACING))
        rpr_default.find(qn("w:sz")).addprevious(condense)
        spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        normal = document.styles["Normal"]
        _set_fonts(normal.element, FONT_BODY)
        normal.font.size = SIZE_BODY
        lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            normal.element.get_or_add_rPr().append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
        lang.set(qn("w:val"), "zh-CN")
        pf = normal.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)

        section = document.sections[0]
        section.start_type = WD_SECTION_START.NEW_PAGE
        section.page_width = PAGE_WIDTH
        section.page_height = PAGE_HEIGHT
        section.top_margin = MARGIN_TOP
        section.left_margin = MARGIN_LEFT
        section.right_margin = Emu(PAGE_WIDTH - MARGIN_LEFT - TYPE_WIDTH)
        section.bottom_margin = Emu(PAGE_HEIGHT - MARGIN_TOP - TYPE_HEIGHT)
        section.header_distance = Mm(15)
        # The page number's dash line sits about 7 mm below the type area (§7.5).
        section.footer_distance = Mm(25)
        self._grid(section)

        document.settings.odd_and_even_pages_header_footer = True
        for footer, align, indent in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            _no_grid(paragraph)
            _indent_chars(paragraph, size=SIZE_PAGE_NUMBER, **{indent: 1})
            _run(paragraph, "— ", font=FONT_SONG, size=SIZE_PAGE_NUMBER)
            _page_field(paragraph, font=FONT_SONG, size=SIZE_PAGE_NUMBER)
            _run(paragraph, " —", font=FONT_SONG, size=SIZE_PAGE_NUMBER)

    @staticmethod
    def _grid(section) -> None:
        """22 lines to the page: the line grid (w:docGrid type="lines"). The 28 characters come
        from the character spacing set with the fonts (`CHAR_SPACING`), not from a character grid:
        LibreOffice reads a negative w:charSpace as a wide pitch (18 characters a line), and the
        PDF is LibreOffice's rendering of this very file."""
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
        grid.attrib.pop(qn("w:charSpace"), None)

    def _line(self, document, text: str = "", *, font: str = FONT_BODY, size: Length = SIZE_BODY,
              align=None, bold: bool = False) -> Paragraph:
        paragraph = document.add_paragraph()
        _body_spacing(paragraph)
        if align is not None:
            paragraph.alignment = align
        if text:
            _run(paragraph, text, font=font, size=size, bold=bold)
        return paragraph

    def _write_masthead(self, document) -> None:
        first = self._line(document)
        if self.draft_mark:
            # Where 份号/密级 would stand (§7.2.1–7.2.2): top left of the type area, 三号黑体.
            _run(first, self.draft_mark, font=FONT_HEI, size=SIZE_BODY)
        heading = self._line(document, align=WD_ALIGN_PARAGRAPH.CENTER)
        # The red heading's top edge 35 mm below the top of the type area (§7.2.3).
        heading.paragraph_format.space_before = Emu(Mm(35) - LINE_HEIGHT)
        size, scale = self._heading_size()
        _no_grid(heading)
        heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        _run(heading, self.office, font=FONT_TITLE, size=size, color=RED, scale=scale)
        self._line(document)
        self._line(document)
        number = self._line(document, self.number, align=WD_ALIGN_PARAGRAPH.CENTER)
        # The red rule 4 mm under the number line, as wide as the type area (§7.2.5).
        _bottom_rule(number, color="FF0000", size_eighths=12, space_pt=11)
        self._line(document)
        self._line(document)
        title = self._line(document, align=WD_ALIGN_PARAGRAPH.CENTER)
        _no_grid(title)
        title.paragraph_format.line_spacing = Pt(35)
        _run(title, self.title, font=FONT_TITLE, size=SIZE_TITLE)
        if self.addressee:
            self._line(document)
            self._line(document, self.addressee + "：")

    def _heading_size(self) -> tuple[Length, int]:
        """As large as fits one line (at most 小初); below 二号, squeeze the characters instead."""
        width_pt = int(TYPE_WIDTH) / _EMU_PER_PT
        chars = max(text_width(self.office), 1)
        size_pt = min(int(SIZE_HEADING_MAX.pt), int(width_pt / chars))
        if size_pt >= SIZE_TITLE.pt:
            return Pt(size_pt), 100
        return SIZE_TITLE, max(33, int(100 * width_pt / (chars * SIZE_TITLE.pt)))

    def _write_blocks(self, document, blocks: list[_Block]) -> None:
        for block in blocks:
            if block.kind == "blank":
                self._line(document)
            elif block.kind == "paragraph":
                paragraph = self._line(document)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                _indent_chars(paragraph, first_line=2)
                if block.lead:
                    _run(paragraph, block.lead, font=FONT_BODY, size=SIZE_BODY, bold=True)
                _run(paragraph, block.text, font=FONT_BODY, size=SIZE_BODY)
            elif block.kind == "heading":
                font, bold = {1: (FONT_HEI, False), 2: (FONT_KAI, False), 3: (FONT_BODY, True),
                              4: (FONT_BODY, False)}[block.level]
                paragraph = self._line(document, block.text, font=font, bold=bold)
                paragraph.paragraph_format.keep_with_next = True
                _indent_chars(paragraph, first_line=2)
            elif block.kind == "table" and block.table is not None:
                self._write_table(document, block.table)

    def _write_table(self, document, spec: _Table) -> None:
        if spec.caption:
            caption = self._line(document, spec.caption, font=FONT_HEI,
                                 align=WD_ALIGN_PARAGRAPH.CENTER)
            caption.paragraph_format.keep_with_next = True
        table: Table = document.add_table(rows=1 + len(spec.rows), cols=len(spec.columns))
        table.style = document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = spec.widths_mm or [156 / len(spec.columns)] * len(spec.columns)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
        rows = table.rows
        # Each column's first body cell is formatted through python-docx; the cells below get a
        # copy of its paragraph with their own text (ten times faster on a thousand rows).
        prototypes: dict[int, object] = {}
        for index, (row, values) in enumerate(zip(rows, [spec.columns, *spec.rows], strict=True)):
            # A row is never split across two pages.
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            for column, (cell, value, width, align) in enumerate(
                    zip(row.cells, values, widths, spec.align, strict=True)):
                cell.width = Mm(width)
                paragraph = cell.paragraphs[0]
                if index > 0 and column in prototypes:
                    _fill_copy(paragraph, prototypes[column], value)
                    continue
                _no_grid(paragraph)
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if index == 0 else _ALIGN[align]
                _run(paragraph, value, font=FONT_HEI if index == 0 else FONT_BODY, size=spec.size)
                if index > 0:
                    prototypes[column] = copy.deepcopy(paragraph._p)
        # The header row repeats on every page (after w:cantSplit, as the schema orders them).
        rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        # A line after the table, so a following table or paragraph does not merge into it.
        self._line(document)

    def _write_annex_note(self, document) -> None:
        """附件说明 (§7.3.4): one blank line under the body, two characters in."""
        if not self.annexes:
            return
        self._line(document)
        many = len(self.annexes) > 1
        for annex in self.annexes:
            name = f"{annex.number}. {annex.title}" if many else annex.title
            if annex.number == 1:
                paragraph = self._line(document, f"附件：{name}")
                _indent_chars(paragraph, left=5, hanging=3)
            else:
                paragraph = self._line(document, name)
                _indent_chars(paragraph, left=5)

    def _write_signature(self, document) -> None:
        """署名 and 成文日期 without a seal (§7.3.5.2): the signer two characters from the right,
        the date one line below, starting two characters further right; a longer date is set
        two characters from the right and the signer moves left accordingly."""
        if self.date is None:
            return
        date_text = document_date(self.date)
        signer_w, date_w = text_width(self.signer), text_width(date_text)
        right_signer, right_date = 2.0, signer_w - date_w
        if right_date < 2:
            right_date, right_signer = 2.0, date_w - signer_w + 4
        self._line(document)
        self._line(document)
        signer = self._line(document, self.signer, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(signer, right=right_signer)
        signer.paragraph_format.keep_with_next = True
        date = self._line(document, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(date, right=right_date)

    def _write_annex(self, document, annex: Annex) -> None:
        """附件 (§8): a new page; 附件N in 黑体 at the top left, its title centred on line 3."""
        label = f"附件{annex.number}" if len(self.annexes) > 1 else "附件"
        first = self._line(document, label, font=FONT_HEI)
        first.paragraph_format.page_break_before = True
        self._line(document)
        title = self._line(document, align=WD_ALIGN_PARAGRAPH.CENTER)
        _no_grid(title)
        title.paragraph_format.line_spacing = Pt(35)
        _run(title, annex.title, font=FONT_TITLE, size=SIZE_TITLE)
        self._line(document)
        self._write_blocks(document, annex.blocks)


    def _write_imprint(self, document) -> None:
        """版记 (§7.4), written when there is an issuing office (印发机关) to print: a blank line,
        then a thick rule; 抄送 (if any), one character in on both sides, wrapped lines aligned
        after the colon, the bodies separated by ，and closed by 。, and a thin rule; the office
        one character in and the date of printing one character from the right on one line;
        a thick rule. Rules span the type area; nothing of it is split across two pages."""
        if not self.printer:
            return
        self._line(document)
        self._rule(document, RULE_THICK)
        if self.copies_to:
            copies = self._line(document, "抄送：" + "，".join(self.copies_to) + "。",
                                size=SIZE_IMPRINT)
            _indent_chars(copies, left=4, hanging=3, right=1, size=SIZE_IMPRINT)
            copies.paragraph_format.keep_together = True
            copies.paragraph_format.keep_with_next = True
            self._rule(document, RULE_THIN)
        printed = self._line(document, self.printer, size=SIZE_IMPRINT)
        _indent_chars(printed, left=1, right=1, size=SIZE_IMPRINT)
        printed.paragraph_format.keep_with_next = True
        if self.printed is not None:
            # Right-aligned at the right indent: tab stops count from the type area's left edge.
            printed.paragraph_format.tab_stops.add_tab_stop(
                Emu(TYPE_WIDTH - SIZE_IMPRINT), WD_TAB_ALIGNMENT.RIGHT)
            _run(printed, "\t" + document_date(self.printed) + "印发", font=FONT_BODY,
                 size=SIZE_IMPRINT)
        self._rule(document, RULE_THICK, keep_with_next=False)

    def _rule(self, document, size_eighths: int, *, keep_with_next: bool = True) -> Paragraph:
        """A black rule across the type area: the bottom border of an empty paragraph without
        indents, two points high."""
        rule = self._line(document)
        _no_grid(rule)
        rule.paragraph_format.line_spacing = Pt(2)
        if keep_with_next:
            rule.paragraph_format.keep_with_next = True
        _bottom_rule(rule, color="000000", size_eighths=size_eighths, space_pt=0)
        return rule
