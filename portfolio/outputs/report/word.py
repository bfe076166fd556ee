"""A report as a Word document: by default laid out as a Chinese planning draft after GB/T 9704-2012
(the format of official documents), or in the styles of a unit's own template.

The official layout: A4 with the standard text block (top 37 mm, bottom 35 mm, left 28 mm, right
26 mm: 156 × 225 mm); body 仿宋_GB2312 三号 (16 pt) at a fixed 28.9 pt line pitch (22 lines a page),
first lines indented two characters; the title 方正小标宋简体 二号 (22 pt) centred; headings numbered
一、 (黑体), （一） (楷体_GB2312), 1. and （1） (仿宋_GB2312); tables in 五号 (10.5 pt) with a caption 表1
above, charts with a caption 图1 below; page numbers as "— 1 —" in 宋体 四号 (14 pt) at the outer edge
(odd pages right, even pages left). Latin text is Times New Roman. Fonts are named, not embedded: on a
machine without them Word and LibreOffice substitute a similar face.

``template=REF.docx`` keeps the template's page setup and styles (Normal, Title, Subtitle, Heading 1–4,
Caption, Table Grid — a style the template lacks falls back to Normal) and replaces its body.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from portfolio import __version__
from portfolio.outputs import texts as L
from portfolio.outputs.folders import save_zip_atomic
from portfolio.outputs.report.document import Report, Table
from portfolio.scenario.cells import neutral

#: the fonts of the official layout, by role (East Asian name, Latin name)
FONTS = {"body": ("仿宋_GB2312", "Times New Roman"), "title": ("方正小标宋简体", "Times New Roman"),
         "heading1": ("黑体", "Times New Roman"), "heading2": ("楷体_GB2312", "Times New Roman"),
         "page_number": ("宋体", "Times New Roman")}
#: margins of the GB/T 9704 text block [cm]: top, bottom, left (binding side), right
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}
BODY_PT, TITLE_PT, TABLE_PT, CAPTION_PT, PAGE_NUMBER_PT = 16, 22, 10.5, 12, 14
LINE_PITCH_PT = 28.9            # 22 lines in the 225 mm text block
_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers; 1 ≤ n ≤ 99)."""
    if not 1 <= n <= 99:
        raise ValueError(f"chinese_number: {n} is outside 1–99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_DIGITS[tens] + "十")
    return head + (_CHINESE_DIGITS[ones] if ones else "")


class Numbering:
    """Heading numbers by level: 一、（一）1.（1） in Chinese; 1. 1.1 1.1.1 in English."""

    def __init__(self, lang: str):
        self.lang = lang
        self.counts = [0, 0, 0, 0]

    def next(self, level: int) -> str:
        self.counts[level - 1] += 1
        for deeper in range(level, len(self.counts)):
            self.counts[deeper] = 0
        n = self.counts[level - 1]
        if self.lang == "zh":
            return (f"{chinese_number(n)}、", f"（{chinese_number(n)}）", f"{n}.", f"（{n}）")[level - 1]
        return ".".join(str(c) for c in self.counts[:level]) + (". " if level == 1 else " ")


def write_docx(report: Report, out: Path, template: str | Path | None = None) -> None:
    """Write ``report`` as DOCX: the official layout, or ``template``'s page setup and styles."""
    import docx

    if template is not None:
        template = Path(template)
        if not template.is_file():
            from portfolio.problems import UserError

            raise UserError(f"template not found: {template}")
        document = docx.Document(str(template))
        _clear_body(document)
    else:
        document = docx.Document()
        _official_layout(document)
    writer = _Writer(document, report.lang, official=template is None)
    writer.write(report)
    document.core_properties.title = report.title
    document.core_properties.created = dt.datetime(2000, 1, 1)
    save_zip_atomic(out, document.save)


# ----------------------------------------------------------------------------------- page and styles
def _official_layout(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Cm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    section.footer_distance = Cm(2.5)
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal, *FONTS["body"], BODY_PT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PITCH_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Pt(2 * BODY_PT)
    plan = {"Title": (FONTS["title"], TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, 0),
            "Subtitle": (FONTS["heading2"], BODY_PT, WD_ALIGN_PARAGRAPH.CENTER, 0),
            "Heading 1": (FONTS["heading1"], BODY_PT, None, 2 * BODY_PT),
            "Heading 2": (FONTS["heading2"], BODY_PT, None, 2 * BODY_PT),
            "Heading 3": (FONTS["body"], BODY_PT, None, 2 * BODY_PT),
            "Heading 4": (FONTS["body"], BODY_PT, None, 2 * BODY_PT),
            "Caption": (FONTS["body"], CAPTION_PT, WD_ALIGN_PARAGRAPH.CENTER, 0)}
    for name, ((east, latin), size, align, indent) in plan.items():
        style = styles[name]
        _fonts(style, east, latin, size)
        style.font.bold = name == "Heading 3"
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        pf = style.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(0) if name != "Caption" else Pt(LINE_PITCH_PT / 2)
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(
            TITLE_PT * 1.6 if name == "Title" else CAPTION_PT * 1.5 if name == "Caption" else LINE_PITCH_PT)
        pf.first_line_indent = Pt(indent)
        if align is not None:
            pf.alignment = align
        pf.keep_with_next = name != "Caption"
        _no_border(style)
    table_caption = styles.add_style("Table Caption", 1)          # 1: a paragraph style
    table_caption.base_style = styles["Caption"]
    _fonts(table_caption, FONTS["heading1"][0], FONTS["heading1"][1], CAPTION_PT)
    table_caption.paragraph_format.keep_with_next = True
    table_caption.paragraph_format.space_after = Pt(3)
    cell = styles.add_style("Table Text", 1)
    cell.base_style = normal
    _fonts(cell, *FONTS["body"], TABLE_PT)
    cf = cell.paragraph_format
    cf.first_line_indent, cf.alignment = Pt(0), WD_ALIGN_PARAGRAPH.LEFT
    cf.line_spacing = 1.0
    _page_numbers(document)


def _fonts(style, east_asian: str, latin: str, size_pt: float) -> None:
    """Name the style's fonts outright (no theme fonts), East Asian and Latin, and its size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = latin
    style.font.size = Pt(size_pt)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _no_border(style) -> None:
    """Drop the rule python-docx's default Title style draws under itself."""
    from docx.oxml.ns import qn

    ppr = style.element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _page_numbers(document) -> None:
    """"— N —" in 宋体 四号, at the outer edge: odd pages right, even pages left (one character in)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        para.alignment = align
        pf = para.paragraph_format
        pf.first_line_indent = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            pf.left_indent = Pt(PAGE_NUMBER_PT)
        _run(para, "— ", FONTS["page_number"], PAGE_NUMBER_PT)
        _field(para, "PAGE", FONTS["page_number"], PAGE_NUMBER_PT)
        _run(para, " —", FONTS["page_number"], PAGE_NUMBER_PT)


def _run(para, text: str, fonts: tuple[str, str] | None = None, size_pt: float | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = para.add_run(text)
    if fonts:
        run.font.name = fonts[1]
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), fonts[0])
    if size_pt:
        run.font.size = Pt(size_pt)
    return run


def _field(para, instruction: str, fonts, size_pt: float) -> None:
    """A field (``PAGE``): begin, the instruction, separate, a placeholder result "1", end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def element(tag: str, **attributes):
        item = OxmlElement(tag)
        for name, value in attributes.items():
            item.set(qn(name), value)
        _run(para, "", fonts, size_pt)._element.append(item)
        return item

    element("w:fldChar", **{"w:fldCharType": "begin"})
    element("w:instrText", **{"xml:space": "preserve"}).text = f" {instruction} "
    element("w:fldChar", **{"w:fldCharType": "separate"})
    _run(para, "1", fonts, size_pt)
    element("w:fldChar", **{"w:fldCharType": "end"})


def _clear_body(document) -> None:
    """Remove a template's body content, keeping its final section properties (page setup)."""
    from docx.oxml.ns import qn

    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


# ------------------------------------------------------------------------------------ table widths
CELL_PADDING_PT = 2 * 5.4 + 1           # Word's default cell margins (0.19 cm a side) and a rule
LATIN_EM = 0.55                         # a Latin letter or digit: at least Times New Roman's widest common
LONG_WORD = 12                          # longer pieces (identifiers, paths) are broken wherever they must be
SHORT_CJK = 4                           # Chinese runs this long (能源, 里程碑, 计划开工) stay on one line
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def longest_word_pt(text: str, size_pt: float) -> float:
    """The width of the longest piece of ``text`` a line should not break [pt]: a run of Latin letters and
    digits (``LATIN_EM`` each, counted up to ``LONG_WORD`` characters), or a run of Chinese characters
    (1 em each, counted up to ``SHORT_CJK``: a longer run breaks between characters, as Chinese does)."""
    widest = 0.0
    for word in str(text).split():
        for piece in re.split(f"({_CJK.pattern}+)", word):
            if not piece:
                continue
            em = min(len(piece), SHORT_CJK) if _CJK.match(piece) else LATIN_EM * min(len(piece), LONG_WORD)
            widest = max(widest, em)
    return widest * size_pt


def word_widths(table: Table, size_pt: float) -> list[int]:
    """Each column's narrowest width that keeps its longest word on one line [EMU] (headers bold)."""
    from docx.shared import Pt

    return [Pt(CELL_PADDING_PT + max([longest_word_pt(table.header[i], size_pt * 1.1)] +
                                     [longest_word_pt(row[i], size_pt) for row in table.rows if i < len(row)]))
            for i in range(len(table.header))]


def fitting_size(table: Table, total, size_pt: float, smallest_pt: float = 7.5) -> float:
    """The largest type size ≤ ``size_pt`` (in half points, down to ``smallest_pt``) at which every column
    keeps its longest word on one line within ``total`` [EMU]."""
    while size_pt > smallest_pt and sum(word_widths(table, size_pt)) >= total:
        size_pt -= 0.5
    return size_pt


def column_widths(table: Table, total, size_pt: float) -> list[int]:
    """Column widths [EMU] summing to ``total``: the table's relative widths, widened where a column's
    longest word would not fit (so Word never breaks "Energy" into "Ene rgy"), the others narrowed."""
    n = len(table.header)
    shares = list(table.widths or [1] * n)
    need = word_widths(table, size_pt)
    if sum(need) >= total:                       # too many words to fit: widths in proportion to the need
        return [int(total * w / sum(need)) for w in need]
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        room = total - sum(fixed.values())
        share = sum(shares[i] for i in free)
        widths = {i: room * shares[i] / share for i in free}
        short = [i for i in free if widths[i] < need[i]]
        if not short:
            break
        fixed.update({i: need[i] for i in short})
    widths.update(fixed)
    return [int(widths[i]) for i in range(n)]


# ----------------------------------------------------------------------------------------- content
class _Writer:
    def __init__(self, document, lang: str, official: bool):
        self.document, self.lang, self.official = document, lang, official
        self.numbers = Numbering(lang)
        self.tables = 0
        section = document.sections[-1]
        self.text_width = section.page_width - section.left_margin - section.right_margin

    def style(self, name: str):
        """The named style, or the nearest one a template has (Table Caption → Caption → Normal)."""
        styles = self.document.styles
        for candidate in (name, "Caption" if name == "Table Caption" else None, "Normal"):
            if candidate and candidate in styles:
                return styles[candidate]
        return styles["Normal"]

    def para(self, text: str, style: str = "Normal", bold: bool = False):
        para = self.document.add_paragraph(style=self.style(style))
        run = para.add_run(text)
        run.bold = bold or None
        return para

    def heading(self, text: str, level: int) -> None:
        self.para(self.numbers.next(level) + text, f"Heading {level}")

    def write(self, report: Report) -> None:
        lang = report.lang
        self.para(report.title, "Title")
        if report.subtitle:
            self.para(report.subtitle, "Subtitle")
        self.para(report.headline, bold=True)
        self.heading(L.text("report.key_figures", lang), 1)
        self.table(report.key_figures, L.text("report.key_figures", lang))
        self.heading(L.text("report.charts", lang), 1)
        for chart in report.charts:
            self.chart(chart)
        if report.sections is None:
            self.heading(L.text("report.assumptions", lang), 1)
            self.para(L.text("report.assumptions_intro", lang))
            self.table(report.assumptions, L.text("report.assumptions", lang), size=TABLE_PT - 2)
            self.heading(L.text("report.projects_table", lang), 2)
            self.table(report.projects, L.text("report.projects_table", lang), size=TABLE_PT - 2)
            for heading, intro, table in report.extra_sections or []:
                self.heading(heading, 2)
                self.para(intro)
                self.table(table, heading)
        else:
            for heading, intro, table in report.sections:
                self.heading(heading, 1)
                self.para(intro)
                self.table(table, heading)
        self.heading(L.text("report.method", lang), 1)
        for n, note in enumerate(report.notes, start=1):
            self.para(f"{n}. {note}")
        self.heading(L.text("report.caveats_title", lang), 2)
        for n, note in enumerate(report.caveats, start=1):
            self.para(f"{n}. {note}")
        self.heading(L.text("report.manifest", lang), 1)
        self.table(report.manifest, L.text("report.manifest", lang))
        self.para(L.text("report.generated", lang, version=__version__))

    def chart(self, chart) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        para = self.document.add_paragraph(style=self.style("Normal"))
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf = para.paragraph_format
        pf.first_line_indent, pf.keep_with_next = Pt(0), True
        pf.line_spacing = 1.0                   # an exact line pitch would crop the picture
        para.add_run().add_picture(io.BytesIO(chart.png), width=min(self.text_width, Cm(16)))
        self.para(chart.caption, "Caption")

    def table(self, table: Table, title: str, size: float = TABLE_PT) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        if not table.header:
            return
        self.tables += 1
        self.para(L.text("report.table_caption", self.lang, n=self.tables, text=title), "Table Caption")
        t = self.document.add_table(rows=1, cols=len(table.header))
        try:
            t.style = self.document.styles["Table Grid"]
        except KeyError:
            pass
        t.autofit = False
        size = fitting_size(table, self.text_width, size)
        widths = column_widths(table, self.text_width, size)
        for column, width in zip(t.columns, widths):   # the table grid (Word and LibreOffice read it)
            column.width = width
        trpr = t.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")           # the header row repeats on every page
        repeat.set(qn("w:val"), "true")
        trpr.append(repeat)
        cell_style = self.style("Table Text") if self.official else self.style("Normal")
        for row_number, row in enumerate([table.header, *table.rows]):
            cells = t.rows[0].cells if row_number == 0 else t.add_row().cells
            for cell, text, width in zip(cells, row, widths):
                cell.width = width
                para = cell.paragraphs[0]
                para.style = cell_style
                if not self.official:
                    para.paragraph_format.first_line_indent = Pt(0)
                run = para.add_run(str(neutral(str(text))))
                run.font.size = Pt(size)
                if row_number == 0:
                    run.bold = True
                    shading = OxmlElement("w:shd")
                    shading.set(qn("w:val"), "clear")
                    shading.set(qn("w:fill"), "EDEDED")
                    cell._tc.get_or_add_tcPr().append(shading)
