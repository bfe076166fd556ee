"""The planning-draft report of a run folder or of a comparison folder (``portfolio report``)."""
from __future__ import annotations

from pathlib import Path

from portfolio.outputs.folders import folder_kind
from portfolio.outputs.kinds import REPORT_FORMATS as FORMATS
from portfolio.outputs.report.document import write_html, write_markdown
from portfolio.outputs.report.word import write_docx


def write_report(folder, fmt: str = "html", lang: str | None = None, out=None, template=None,
                 sections=None) -> Path:
    """Write the report of a run or comparison folder; return the file written (default
    RUN_DIR/report_<lang>.<fmt>). ``template`` (DOCX only): a Word file whose page setup and styles the
    report takes instead of the official GB/T 9704 layout. ``sections(lang)``: more sections for a run's
    report, [(heading, intro, Table)], after its schedule risk (e.g. scenario discovery's boxes)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    if template is not None and fmt != "docx":
        raise ValueError(f"a template is for the docx format, not {fmt}")
    if folder_kind(folder) == "comparison":
        from portfolio.outputs.report.comparison import build_comparison

        report = build_comparison(folder, lang)
    else:
        from portfolio.outputs.report.run import build
        from portfolio.outputs.rundata import RunData

        report = build(RunData.from_folder(folder), lang)
        if sections is not None:
            report.extra_sections = [*(report.extra_sections or []), *sections(report.lang)]
    out = Path(out) if out is not None else Path(folder) / f"report_{report.lang}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "docx":
        write_docx(report, out, template)
    else:
        {"html": write_html, "md": write_markdown}[fmt](report, out)
    return out


__all__ = ["FORMATS", "write_report"]
