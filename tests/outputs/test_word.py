"""The Word report: laid out as a Chinese planning draft after GB/T 9704 (fonts by name, standard margins,
numbered headings 一、（一）, captions 表1/图1, page numbers "— N —"), or in a unit's own template; no table
column narrower than its longest word."""
from __future__ import annotations

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from portfolio.outputs.report import write_report
from portfolio.outputs.report.document import Table
from portfolio.outputs.report.word import (CELL_PADDING_PT, Numbering, chinese_number, column_widths,
                                           longest_word_pt)
from test_charts import CHUXIONG, shared_run
from test_report import run_cli


@pytest.fixture(scope="session")
def chuxiong_run(tmp_path_factory):
    return shared_run(tmp_path_factory, "chuxiong", CHUXIONG)


@pytest.fixture(scope="module")
def zh_docx(chuxiong_run, tmp_path_factory):
    return docx.Document(str(write_report(chuxiong_run, "docx", "zh", tmp_path_factory.mktemp("w") / "r.docx")))


def _east_asian(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_chinese_heading_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 19, 20, 21, 99)] == \
        ["一", "九", "十", "十一", "十九", "二十", "二十一", "九十九"]
    zh, en = Numbering("zh"), Numbering("en")
    assert [zh.next(1), zh.next(2), zh.next(2), zh.next(3), zh.next(4), zh.next(1), zh.next(2)] == \
        ["一、", "（一）", "（二）", "1.", "（1）", "二、", "（一）"]
    assert [en.next(1), en.next(2), en.next(1)] == ["1. ", "1.1 ", "2. "]


def test_the_page_is_the_official_text_block(zh_docx):
    section = zh_docx.sections[0]
    assert (round(section.page_width.cm, 2), round(section.page_height.cm, 2)) == (21.0, 29.7)   # twips
    assert [round(m.cm, 2) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)] == [3.7, 3.5, 2.8, 2.6]
    assert round((section.page_width - section.left_margin - section.right_margin) / 360_000, 2) == 15.6   # cm


def test_fonts_are_named_for_each_role(zh_docx):
    styles = zh_docx.styles
    assert (_east_asian(styles["Normal"]), styles["Normal"].font.size) == ("仿宋_GB2312", Pt(16))
    assert styles["Normal"].font.name == "Times New Roman"
    assert (_east_asian(styles["Title"]), styles["Title"].font.size) == ("方正小标宋简体", Pt(22))
    assert _east_asian(styles["Heading 1"]) == "黑体" and _east_asian(styles["Heading 2"]) == "楷体_GB2312"
    for name in ("Heading 1", "Heading 2", "Title"):       # no theme font may override the named one
        fonts = styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
    assert styles["Normal"].paragraph_format.first_line_indent == Pt(32)     # two characters


def test_headings_are_numbered_and_tables_and_figures_captioned(zh_docx):
    paragraphs = zh_docx.paragraphs
    first = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert first[:3] == ["一、主要结果", "二、图表", "三、主要假设"]
    assert [p.text for p in paragraphs if p.style.name == "Heading 2"][0] == "（一）项目假设"
    tables = [p.text for p in paragraphs if p.style.name == "Table Caption"]
    assert tables[0] == "表1 主要结果" and len(tables) == len(zh_docx.tables)
    assert [t.split(" ")[0] for t in tables] == [f"表{n}" for n in range(1, len(tables) + 1)]
    figures = [p.text for p in paragraphs if p.style.name == "Caption"]
    assert figures[0].startswith("图1 ") and len(figures) == len(zh_docx.inline_shapes)
    caption = next(p for p in paragraphs if p.text == "表1 主要结果")._p
    assert caption.getnext().tag == qn("w:tbl")                     # the caption stands above its table


def test_page_numbers_are_dashed_at_the_outer_edge(zh_docx):
    section = zh_docx.sections[0]
    assert zh_docx.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        para = footer.paragraphs[0]
        xml = para._p.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        assert para.text.startswith("— ") and para.text.endswith(" —")
        assert para.alignment.name.lower() == align


def test_no_column_is_narrower_than_its_longest_word(chuxiong_run, tmp_path):
    """The defect: 'Ene rgy', 'Planne d start' in the English projects table."""
    document = docx.Document(str(write_report(chuxiong_run, "docx", "en", tmp_path / "en.docx")))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                size = max((r.font.size.pt for p in cell.paragraphs for r in p.runs if r.font.size), default=10.5)
                need = Pt(CELL_PADDING_PT + longest_word_pt(cell.text, size))
                assert cell.width >= need - 635, (cell.text, cell.width, need)      # Word keeps twips


def test_column_widths_fill_the_text_width_and_keep_their_proportions_where_words_fit():
    table = Table(["Kind", "Source"], [["Agriculture", "a long sentence of short words"]], [0.05, 0.95])
    widths = column_widths(table, Cm(15.6), 8.5)
    assert abs(sum(widths) - Cm(15.6)) <= 2
    assert widths[0] >= Pt(CELL_PADDING_PT + longest_word_pt("Agriculture", 8.5))
    even = column_widths(Table(["a", "b"], [["x", "y"]], [1, 3]), Cm(16), 9)
    assert even[1] == pytest.approx(3 * even[0], abs=2)


def test_a_units_template_gives_the_page_setup_and_styles(chuxiong_run, tmp_path):
    template = docx.Document()
    section = template.sections[0]
    section.left_margin = section.right_margin = Cm(2.0)
    template.styles["Normal"].font.name = "Unit Serif"
    template.styles["Normal"].font.size = Pt(12)
    template.add_paragraph("TEMPLATE BODY TEXT")
    template.save(tmp_path / "unit.docx")
    out = tmp_path / "report.docx"
    result = run_cli("report", chuxiong_run, "--format", "docx", "--lang", "zh", "--template", tmp_path / "unit.docx",
                     "--out", out)
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert round(document.sections[0].left_margin.cm, 2) == 2.0
    assert document.styles["Normal"].font.name == "Unit Serif" and document.styles["Normal"].font.size == Pt(12)
    text = [p.text for p in document.paragraphs]
    assert "TEMPLATE BODY TEXT" not in text and "一、主要结果" in text
    assert all(abs(s.width.cm - 16) < 0.05 for s in document.inline_shapes)          # 17 cm of text: 16 cm charts
    assert "Table Caption" not in [s.name for s in document.styles]                 # the template's styles only


def test_a_template_is_for_docx_only(chuxiong_run, tmp_path):
    docx.Document().save(tmp_path / "t.docx")
    result = run_cli("report", chuxiong_run, "--format", "html", "--template", tmp_path / "t.docx")
    assert result.exit_code == 2 and "--template is for --format docx" in result.output
