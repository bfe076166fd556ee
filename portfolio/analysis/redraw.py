"""Redraw the charts of any saved output folder — a run, a comparison, a sensitivity analysis, a scenario
discovery or a sweep — from its files, in either language, without simulating anything (``portfolio chart``)."""
from __future__ import annotations

from pathlib import Path

from portfolio.outputs.folders import FolderError, folder_kind

#: the folders whose charts can be redrawn
REDRAWN = ("run", "comparison", "sensitivity", "discovery", "sweep")


def draw_folder_charts(folder, lang: str | None = None, formats=("png", "svg"), kinds=None, out=None,
                       executor=None) -> list[Path]:
    """Redraw the charts of ``folder`` into ``out`` (default where they were written: ``charts/`` of a
    run or comparison, the folder itself for a sensitivity analysis, a discovery or a sweep) → the files
    written.

    ``lang`` defaults to the folder's language; ``kinds`` picks run charts (a run folder only);
    ``executor`` (an entered ``LocalExecutor``) shares a run's charts among its processes."""
    folder = Path(folder)
    kind = folder_kind(folder) if folder.is_dir() else None
    if kinds and kind not in (None, "run"):
        raise FolderError(f"{folder}: a {kind} folder has charts of its own; --kind names the charts of a run folder")
    if kind == "comparison":
        from portfolio.outputs.charts_compare import draw_comparison_folder_charts

        return draw_comparison_folder_charts(folder, lang=lang, formats=formats, out=out)
    if kind == "sensitivity":
        from portfolio.analysis.sensitivity import draw_sensitivity_charts

        return draw_sensitivity_charts(folder, lang=lang, formats=formats, out=out)
    if kind == "sweep":
        from portfolio.runs.sweep import draw_sweep_charts

        return draw_sweep_charts(folder, lang=lang, formats=formats, out=out)
    if kind == "discovery":
        from portfolio.analysis.discovery import draw_discovery_charts

        return draw_discovery_charts(folder, lang=lang, formats=formats, out=out)
    from portfolio.outputs.charts import draw_run_charts

    return draw_run_charts(folder, lang=lang, formats=formats, kinds=kinds, out=out, executor=executor)
