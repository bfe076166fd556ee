"""Commands that work on a saved run folder: charts, reports and exports."""
from __future__ import annotations

from pathlib import Path

import click

from portfolio.cli.common import friendly
from portfolio.outputs.kinds import CHART_FORMATS, CHART_KINDS, LANGS, REPORT_FORMATS

RUN_DIR = click.Path(file_okay=False, path_type=Path)


@click.command(epilog="Example: portfolio chart outputs/chuxiong-baseline-20261126-101500 --lang en --format pdf")
@click.argument("run_dir", type=RUN_DIR)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(CHART_KINDS),
              help="Chart to draw (repeatable; default all; run folders only).")
@click.option("--lang", type=click.Choice(LANGS), help="Language (default: the scenario's meta.language).")
@click.option("--format", "formats", multiple=True, type=click.Choice(CHART_FORMATS),
              help="File format (repeatable; default png and svg).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder (default: where the charts were written, RUN_DIR/charts for a run).")
@friendly
def chart(run_dir, kinds, lang, formats, out):
    """Re-draw the charts of a saved run, comparison, sensitivity or sweep folder (no re-simulation)."""
    from portfolio.analysis.redraw import draw_folder_charts
    from portfolio.runs.executors import drawing_executor

    with drawing_executor() as executor:
        written = draw_folder_charts(run_dir, lang=lang, formats=formats or ("png", "svg"), kinds=kinds or None,
                                     out=out, executor=executor)
    for path in written:
        click.echo(f"wrote {path}")


@click.command(epilog="Example: portfolio report outputs/chuxiong-baseline-20261126-101500 --format docx --lang zh")
@click.argument("run_dir", type=RUN_DIR)
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="html", show_default=True,
              help="HTML (one self-contained file), Markdown (with image files) or DOCX (Word).")
@click.option("--lang", type=click.Choice(LANGS), help="Language (default: the scenario's meta.language).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Report file (default RUN_DIR/report_<lang>.<format>).")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="DOCX only: a Word file whose page setup and styles to use (default: the GB/T 9704 layout).")
@click.option("--discovery", is_flag=True, help="A run's report also says when the target is missed and what has "
              "to go right (scenario discovery's PRIM boxes on the run's draws; a few seconds more).")
@friendly
def report(run_dir, fmt, lang, out, template, discovery):
    """Write the planning-draft report of a saved run or comparison.

    The DOCX follows the layout of Chinese official documents (GB/T 9704: 仿宋 body, 黑体 and 楷体
    headings numbered 一、（一）1.（1）, standard margins, page numbers), or a unit's own template.
    """
    if template is not None and fmt != "docx":
        raise click.UsageError("--template is for --format docx")
    if discovery:
        from portfolio.analysis.discovery import write_report_with_discovery as write
    else:
        from portfolio.outputs.report import write_report as write
    path = write(run_dir, fmt=fmt, lang=lang, out=out, template=template)
    click.echo(f"wrote {path}")


@click.command(epilog="Example: portfolio export outputs/chuxiong-baseline-20261126-101500 --xlsx chuxiong.xlsx")
@click.argument("run_dir", type=RUN_DIR)
@click.option("--xlsx", "xlsx", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write (summary, years, projects, energy, assumptions).")
@click.option("--lang", type=click.Choice(LANGS), help="Language of labels (default: the scenario's).")
@friendly
def export(run_dir, xlsx, lang):
    """Export a saved run to an Excel workbook."""
    from portfolio.outputs.export import write_xlsx

    path = write_xlsx(run_dir, xlsx, lang=lang)
    click.echo(f"wrote {path}")
