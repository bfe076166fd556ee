"""A report as a document — headline, tables, charts with captions, notes — and its three renderings:
one self-contained HTML file (charts and a subset of the CJK font embedded), Markdown with image files,
and DOCX for Word (A4, 16 cm charts, Microsoft YaHei as the East Asian font)."""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from portfolio import __version__
from portfolio.outputs import texts as L


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None     # relative column widths (DOCX)


@dataclass
class Chart:
    kind: str
    caption: str
    png: bytes


@dataclass
class Report:
    lang: str
    title: str
    subtitle: str
    headline: str
    key_figures: Table
    charts: list[Chart]
    assumptions: Table
    projects: Table
    notes: list[str]
    caveats: list[str]
    manifest: Table
    sections: list | None = None   # [(heading, intro, Table)] in place of assumptions and projects
    extra_sections: list | None = None   # [(heading, intro, Table)] after the projects table (schedule risk)


CSS = """
body{font-family:"Report Sans","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
 "Helvetica Neue",Arial,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;
 line-height:1.55;font-size:15px}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;
 padding-bottom:.2rem} .sub{color:#666;margin-top:0}
.headline{font-size:1.05rem;background:#f4f7fb;border-left:4px solid #0072B2;padding:.7rem 1rem}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:.6rem 0}
th,td{border:1px solid #d0d0d0;padding:.25rem .4rem;vertical-align:top;text-align:left}
th{background:#f0f0f0} td.num{white-space:nowrap}
figure{margin:1.2rem 0} figure img{width:100%;height:auto;border:0}
figcaption{font-size:13px;color:#333;margin-top:.3rem}
code{font-size:12px;word-break:break-all} footer{color:#888;font-size:12px;margin:2rem 0}
@media print{body{max-width:none;margin:0}}
"""


_NUMBER_CELL = re.compile(r"^[0-9.,:%+\-–\[\]() P]{1,24}$")   # a number, a date, a range: never broken


def _html_cell(value) -> str:
    text = str(value)
    cls = ' class="num"' if _NUMBER_CELL.match(text) else ""
    return f"<td{cls}>{html.escape(text)}</td>"


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    lang = report.lang
    parts = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f"<title>{html.escape(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
             f"<h1>{html.escape(report.title)}</h1>\n<p class=\"sub\">{html.escape(report.subtitle)}</p>\n",
             f'<p class="headline">{html.escape(report.headline)}</p>\n',
             f"<h2>{html.escape(L.text('report.key_figures', lang))}</h2>\n{_html_table(report.key_figures)}\n",
             f"<h2>{html.escape(L.text('report.charts', lang))}</h2>\n"]
    for chart in report.charts:
        data = base64.b64encode(chart.png).decode("ascii")
        parts.append(f'<figure id="{chart.kind}"><img src="data:image/png;base64,{data}" '
                     f'alt="{html.escape(chart.caption)}"><figcaption>{html.escape(chart.caption)}</figcaption></figure>\n')
    if report.sections is None:
        parts += [f"<h2>{html.escape(L.text('report.assumptions', lang))}</h2>\n",
                  f"<p>{html.escape(L.text('report.assumptions_intro', lang))}</p>\n{_html_table(report.assumptions)}\n",
                  f"<h3>{html.escape(L.text('report.projects_table', lang))}</h3>\n{_html_table(report.projects)}\n"]
        for heading, intro, table in report.extra_sections or []:
            parts += [f"<h3>{html.escape(heading)}</h3>\n<p>{html.escape(intro)}</p>\n{_html_table(table)}\n"]
    else:
        for heading, intro, table in report.sections:
            parts += [f"<h2>{html.escape(heading)}</h2>\n<p>{html.escape(intro)}</p>\n{_html_table(table)}\n"]
    parts += [f"<h2>{html.escape(L.text('report.method', lang))}</h2>\n<ul>",
              "".join(f"<li>{html.escape(n)}</li>" for n in report.notes), "</ul>\n",
              f"<h3>{html.escape(L.text('report.caveats_title', lang))}</h3>\n<ul>",
              "".join(f"<li>{html.escape(n)}</li>" for n in report.caveats), "</ul>\n",
              f"<h2>{html.escape(L.text('report.manifest', lang))}</h2>\n{_html_table(report.manifest)}\n",
              f"<footer>{html.escape(L.text('report.generated', lang, version=__version__))}</footer>\n</body>\n</html>\n"]
    return "".join(parts)


def embedded_font_css(text: str) -> str:
    """An @font-face with the chart font cut down to the characters of ``text`` (about 200 kB for a
    Chinese report), so the page shows Chinese the same on any machine; "" if that cannot be made."""
    try:
        from fontTools import subset

        from portfolio.outputs.style import font_path

        options = subset.Options()
        options.notdef_outline = True
        options.name_IDs = ["*"]
        font = subset.load_font(str(font_path()), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted({c for c in text if ord(c) >= 32})))
        subsetter.subset(font)
        buffer = io.BytesIO()
        subset.save_font(font, buffer, options)
    except Exception:  # noqa: BLE001 — the page falls back to the reader's own fonts
        return ""
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return ('@font-face{font-family:"Report Sans";font-style:normal;font-weight:100 900;'
            f'src:url(data:font/otf;base64,{data}) format("opentype")}}\n')


def write_html(report: Report, out: Path) -> None:
    page = render_html(report)
    page = page.replace("<style>", "<style>" + embedded_font_css(page), 1)
    out.write_text(page, encoding="utf-8")


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.header) + " |",
             "|" + "|".join(" --- " for _ in table.header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def write_markdown(report: Report, out: Path) -> None:
    """``out`` plus its images in ``<stem>_files/<kind>.png`` beside it (relative links)."""
    lang = report.lang
    images = out.parent / f"{out.stem}_files"
    images.mkdir(parents=True, exist_ok=True)
    parts = [f"# {report.title}", "", f"*{report.subtitle}*", "", f"**{report.headline}**", "",
             f"## {L.text('report.key_figures', lang)}", "", _md_table(report.key_figures), "",
             f"## {L.text('report.charts', lang)}", ""]
    for chart in report.charts:
        (images / f"{chart.kind}.png").write_bytes(chart.png)
        parts += [f"![{chart.caption}]({images.name}/{chart.kind}.png)", "", f"*{chart.caption}*", ""]
    if report.sections is None:
        parts += [f"## {L.text('report.assumptions', lang)}", "", L.text("report.assumptions_intro", lang), "",
                  _md_table(report.assumptions), "", f"### {L.text('report.projects_table', lang)}", "",
                  _md_table(report.projects), ""]
        for heading, intro, table in report.extra_sections or []:
            parts += [f"### {heading}", "", intro, "", _md_table(table), ""]
    else:
        for heading, intro, table in report.sections:
            parts += [f"## {heading}", "", intro, "", _md_table(table), ""]
    parts += [f"## {L.text('report.method', lang)}", ""]
    parts += [f"- {n}" for n in report.notes]
    parts += ["", f"### {L.text('report.caveats_title', lang)}", ""] + [f"- {n}" for n in report.caveats]
    parts += ["", f"## {L.text('report.manifest', lang)}", "", _md_table(report.manifest), "",
              f"_{L.text('report.generated', lang, version=__version__)}_", ""]
    out.write_text("\n".join(parts), encoding="utf-8")


def write_docx(report: Report, out: Path) -> None:
    """A Word document: A4, 2.5 cm margins (16 cm of text width, the charts' width)."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    lang = report.lang
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin = section.bottom_margin = Cm(2.2)
    east_asian = "Microsoft YaHei"
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.name = "Calibri" if name == "Normal" else style.font.name
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asian)
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = report.title
    document.core_properties.created = dt.datetime(2000, 1, 1)
    document.add_heading(report.title, level=0)
    sub = document.add_paragraph(report.subtitle)
    sub.runs[0].font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    para = document.add_paragraph()
    run = para.add_run(report.headline)
    run.bold = True
    document.add_heading(L.text("report.key_figures", lang), level=1)
    _docx_table(document, report.key_figures)
    document.add_heading(L.text("report.charts", lang), level=1)
    for chart in report.charts:
        document.add_picture(io.BytesIO(chart.png), width=Cm(16))
        caption = document.add_paragraph(chart.caption, style="Caption")
        caption.paragraph_format.space_after = Pt(10)
    if report.sections is None:
        document.add_heading(L.text("report.assumptions", lang), level=1)
        document.add_paragraph(L.text("report.assumptions_intro", lang))
        _docx_table(document, report.assumptions, size=7.5)
        document.add_heading(L.text("report.projects_table", lang), level=2)
        _docx_table(document, report.projects, size=7.5)
        for heading, intro, table in report.extra_sections or []:
            document.add_heading(heading, level=2)
            document.add_paragraph(intro)
            _docx_table(document, table, size=8)
    else:
        for heading, intro, table in report.sections:
            document.add_heading(heading, level=1)
            document.add_paragraph(intro)
            _docx_table(document, table, size=8)
    document.add_heading(L.text("report.method", lang), level=1)
    for note in report.notes:
        document.add_paragraph(note, style="List Bullet")
    document.add_heading(L.text("report.caveats_title", lang), level=2)
    for note in report.caveats:
        document.add_paragraph(note, style="List Bullet")
    document.add_heading(L.text("report.manifest", lang), level=1)
    _docx_table(document, report.manifest, size=8)
    document.add_paragraph(L.text("report.generated", lang, version=__version__))
    document.save(out)


def _docx_table(document, table: Table, size: float = 9) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    t = document.add_table(rows=1, cols=len(table.header))
    t.style = "Table Grid"
    t.autofit = False
    widths = [Cm(16 * w) for w in (table.widths or [1 / len(table.header)] * len(table.header))]
    for column, width in zip(t.columns, widths):   # the table grid (Word and LibreOffice read it)
        column.width = width
    header = t.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for cell, text, width in zip(header.cells, table.header, widths):
        cell.width = width
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(size)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "EDEDED")
        cell._tc.get_or_add_tcPr().append(shading)
    for row in table.rows:
        cells = t.add_row().cells
        for cell, text, width in zip(cells, row, widths):
            cell.width = width
            cell.text = ""
            cell.paragraphs[0].add_run(str(text)).font.size = Pt(size)
