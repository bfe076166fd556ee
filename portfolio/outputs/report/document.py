"""A report as a document — headline, tables, charts with captions, notes — and two of its renderings:
one self-contained HTML file (charts and a subset of the CJK font embedded) and Markdown with image
files. The Word rendering is ``report.word``."""
from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from portfolio import __version__
from portfolio.outputs import texts as L
from portfolio.outputs.folders import write_bytes_atomic, write_text_atomic
from portfolio.scenario.cells import markdown, neutral


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
table{border-collapse:collapse;width:100%;font-size:12.5px;margin:.6rem 0;table-layout:fixed}
th,td{border:1px solid #d0d0d0;padding:.25rem .4rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#f0f0f0} td.num{white-space:nowrap}
figure{margin:1.2rem 0} figure img{width:100%;height:auto;border:0}
figcaption{font-size:13px;color:#333;margin-top:.3rem}
code{font-size:12px;word-break:break-all} footer{color:#888;font-size:12px;margin:2rem 0}
@media print{body{max-width:none;margin:0}}
"""


_NUMBER_CELL = re.compile(r"^[0-9.,:%+\-–\[\]() P]{1,24}$")   # a number, a date, a range: never broken


_PATH_CELL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\[\]]+)+$")   # an input's path: economy.tfp_growth (not 0.030)


def _html_cell(value) -> str:
    text = str(neutral(str(value)))
    cls = ' class="num"' if _NUMBER_CELL.match(text) else ""
    shown = html.escape(text)
    if _PATH_CELL.match(text):                  # a long path breaks after a dot or an underscore
        shown = re.sub(r"([._])", r"\1<wbr>", shown)
    return f"<td{cls}>{shown}</td>"


def _html_table(table: Table) -> str:
    return html_table(table.header, table.rows, table.widths)


def html_table(header, rows, widths=None) -> str:
    """An HTML table, every cell escaped (numbers, dates and ranges kept on one line); ``widths`` the
    columns' shares of the text width."""
    head = "".join(f"<th>{html.escape(str(neutral(h)))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in rows)
    columns = ""
    if widths and len(widths) == len(header):
        total = sum(widths)
        columns = "<colgroup>" + "".join(f'<col style="width:{w / total * 100:.1f}%">' for w in widths) + "</colgroup>"
    return f"<table>{columns}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
    write_text_atomic(out, page)


def _md_cell(text) -> str:
    return markdown(text)


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.header) + " |",
             "|" + "|".join(" --- " for _ in table.header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def write_markdown(report: Report, out: Path) -> None:
    """``out`` plus its images in ``<stem>_files/<kind>.png`` beside it (relative links); each file written
    atomically, and a report that fails removes the images it added."""
    images = out.parent / f"{out.stem}_files"
    made = not images.exists()
    written: list[Path] = []
    try:
        _write_markdown(report, out, images, written)
    except BaseException:
        for path in written:                      # a failed report leaves nothing of its own behind
            path.unlink(missing_ok=True)
        if made and images.is_dir() and not any(images.iterdir()):
            images.rmdir()
        raise


def _write_markdown(report: Report, out: Path, images: Path, written: list) -> None:
    lang = report.lang
    images.mkdir(parents=True, exist_ok=True)
    parts = [f"# {markdown(report.title)}", "", f"*{markdown(report.subtitle)}*", "", f"**{markdown(report.headline)}**", "",
             f"## {L.text('report.key_figures', lang)}", "", _md_table(report.key_figures), "",
             f"## {L.text('report.charts', lang)}", ""]
    for chart in report.charts:
        image = images / f"{chart.kind}.png"
        if not image.exists():
            written.append(image)
        write_bytes_atomic(image, chart.png)
        parts += [f"![{markdown(chart.caption)}]({images.name}/{chart.kind}.png)", "", f"*{markdown(chart.caption)}*", ""]
    if report.sections is None:
        parts += [f"## {L.text('report.assumptions', lang)}", "", L.text("report.assumptions_intro", lang), "",
                  _md_table(report.assumptions), "", f"### {L.text('report.projects_table', lang)}", "",
                  _md_table(report.projects), ""]
        for heading, intro, table in report.extra_sections or []:
            parts += [f"### {markdown(heading)}", "", markdown(intro), "", _md_table(table), ""]
    else:
        for heading, intro, table in report.sections:
            parts += [f"## {markdown(heading)}", "", markdown(intro), "", _md_table(table), ""]
    parts += [f"## {L.text('report.method', lang)}", ""]
    parts += [f"- {markdown(n)}" for n in report.notes]
    parts += ["", f"### {L.text('report.caveats_title', lang)}", ""] + [f"- {markdown(n)}" for n in report.caveats]
    parts += ["", f"## {L.text('report.manifest', lang)}", "", _md_table(report.manifest), "",
              f"_{L.text('report.generated', lang, version=__version__)}_", ""]
    write_text_atomic(out, "\n".join(parts))
