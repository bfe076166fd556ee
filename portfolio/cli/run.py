"""`portfolio run` (simulate a scenario into a run folder) and `portfolio bench`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from portfolio.cli.common import cluster, command_line, echo_json, executor_options, friendly, positive, Progress
from portfolio.outputs.kinds import LANGS


@click.command(epilog="Example: portfolio run scenarios/chuxiong/baseline.yaml --draws 20000")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=int, callback=positive, help="Number of Monte Carlo draws (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("--sampler", type=click.Choice(["mc", "lhs"]), help="Monte Carlo or Latin hypercube.")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder (default outputs/<scenario>-<timestamp>/).")
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@executor_options("Local worker processes (results do not depend on it). With 1, the chunks of draws run "
                  "on this process's threads, one per core (PORTFOLIO_THREADS=N sets fewer).")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of the text summary.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path),
              help="Observed growth (CSV/XLSX: year, growth or gdp); those years are fixed in every draw.")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path),
              help="Project ledger (CSV/XLSX: project, report_date, status, ...) to condition schedules on.")
@click.option("--no-charts", is_flag=True, help="Do not draw the charts into the run folder.")
@click.option("--lang", type=click.Choice(LANGS), help="Chart language (default: the scenario's meta.language).")
@friendly
def run(scenario, draws, seed, sampler, overrides, out, force, workers, scheduler, dask_local, timeout, quiet,
        as_json, actuals, ledger, no_charts, lang):
    """Simulate a scenario and write a run folder; print the summary."""
    import contextlib

    from portfolio.outputs.textsummary import format_summary
    from portfolio.runs.runner import run as run_into_folder

    dask = cluster(workers, scheduler, dask_local, timeout)
    progress = Progress(not quiet, "simulating")

    def summary_first(result) -> None:      # the summary as soon as it is known; the folder and charts follow
        progress.finish()
        if not (quiet or as_json):
            click.echo(format_summary(result.summary()))
            if not no_charts:
                click.echo("Writing the run folder and drawing the charts…", err=True)

    with dask or contextlib.nullcontext() as executor, progress as advance:
        result = run_into_folder(scenario, out, draws=draws, seed=seed, sampler=sampler, workers=workers,
                                 overrides=overrides, actuals=actuals, ledger=ledger, charts=not no_charts,
                                 lang=lang, force=force, command=command_line(), on_draws=advance,
                                 executor=executor, on_summary=summary_first)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        echo_json((result.folder / "summary.json").read_text(encoding="utf-8"))
    elif not quiet:
        click.echo(f"Run folder: {result.folder}")


@click.command(epilog="Example: portfolio bench --case run-100k --repeats 3",
              context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Run the speed benchmarks (wall time, draws/s, peak memory); --help for the cases."""
    from portfolio.runs.bench import main as bench_main

    sys.exit(bench_main(list(args)))


