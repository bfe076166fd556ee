"""The planning-draft report of a run folder or of a comparison folder (``portfolio report``)."""
from __future__ import annotations

from pathlib import Path

from portfolio.outputs.folders import folder_kind
from portfolio.outputs.kinds import REPORT_FORMATS as FORMATS
from portfolio.outputs.report.document import write_docx, write_html, write_markdown


def write_report(folder, fmt: str = "html", lang: str | None = None, out=None) -> Path:
    """Write the report of a run folder; return the file written (default RUN_DIR/report_<lang>.<fmt>)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    if folder_kind(folder) == "comparison":
        from portfolio.outputs.report.comparison import build_comparison

        report = build_comparison(folder, lang)
    else:
        from portfolio.outputs.report.run import build
        from portfolio.outputs.rundata import RunData

        report = build(RunData.from_folder(folder), lang)
    out = Path(out) if out is not None else Path(folder) / f"report_{report.lang}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    {"html": write_html, "md": write_markdown, "docx": write_docx}[fmt](report, out)
    return out


__all__ = ["FORMATS", "write_report"]
