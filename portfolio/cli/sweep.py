"""``portfolio sweep``: many scenario variants at once, locally or on a Dask cluster, resumable."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from portfolio.cli.common import Progress, cluster, command_line, executor_options, friendly
from portfolio.outputs.kinds import LANGS


@click.command(epilog="Example: portfolio sweep scenarios/chuxiong/sweeps/investment-tfp.yaml --workers 2")
@click.argument("sweep_file", metavar="SWEEP.yaml", type=click.Path(dir_okay=False, path_type=Path))
@executor_options("Local worker processes, each running whole cases (results do not depend on it).")
@click.option("--resume", is_flag=True, help="Continue an interrupted sweep (in --out DIR, default the newest "
              "unfinished outputs/sweep-<name>-*/): only the missing cases run.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder (default outputs/sweep-<name>-<timestamp>/).")
@click.option("--no-charts", is_flag=True, help="Do not draw the heatmap of a two-factor grid.")
@click.option("--lang", type=click.Choice(LANGS), help="Chart language (default: the scenario's).")
@click.option("--quiet", is_flag=True, help="No progress bar and no table.")
@friendly
def sweep(sweep_file, workers, scheduler, dask_local, timeout, resume, out, no_charts, lang, quiet):
    """Run every case of a sweep file (factors over --set paths, scenario lists) as a full Monte Carlo run.

    Writes one table (results.csv, results.parquet: each case's inputs, the probability of each target,
    average growth quantiles, key outputs), every case's summary (cases/<id>.json, written as each case
    finishes) and, for a two-factor grid, a heatmap. An interrupted sweep resumes with --resume.
    """
    from portfolio.runs.executors import LocalExecutor
    from portfolio.runs.sweep import (
        SweepInterrupted,
        format_table,
        load_sweep,
        run_sweep,
        sweep_folder,
    )

    executor = cluster(workers, scheduler, dask_local, timeout) or LocalExecutor(workers)
    loaded = load_sweep(sweep_file)
    out = sweep_folder(loaded, out, resume)
    total = len(loaded.cases)
    running = {"n": 0}

    def started(done: int, missing: list, where: dict) -> None:
        running["n"] = len(missing)
        if quiet:
            return
        if not missing:
            click.echo(f"Sweep {loaded.name}: all {total} cases are already done; writing the table.", err=True)
            return
        on = (f"{where['workers']} local process{'es' if where['workers'] != 1 else ''}"
              if where["kind"] == "local" else f"Dask ({where['scheduler']}, {where['workers']} workers)")
        click.echo(f"Sweep {loaded.name}: {total} cases of {loaded.draws:,} draws, seed {loaded.seed}"
                   + (f"; {done} already done" if done else "") + f"; running {len(missing)} on {on}", err=True)

    with Progress(not quiet, "cases", show_pos=True) as advance:
        try:
            run = run_sweep(loaded, out, executor, resume=resume, charts=not no_charts, lang=lang,
                            on_start=started, on_case=lambda case: advance(1, running["n"]),
                            command=command_line(),
                            resume_command=_resume_command(sweep_file, out, workers, scheduler, dask_local))
        except SweepInterrupted as exc:
            click.echo(f"\n{exc}", err=True)
            sys.exit(130)
    if not quiet:
        click.echo(format_table(run.table, loaded))
    click.echo(f"Sweep folder: {run.folder}")


def _resume_command(sweep_file: Path, out: Path, workers: int, scheduler, dask_local) -> str:
    words = ["portfolio", "sweep", str(sweep_file), "--resume", "--out", str(out)]
    if scheduler:
        words += ["--scheduler", scheduler]
    elif dask_local:
        words += ["--dask-local", str(dask_local)]
    elif workers != 1:
        words += ["--workers", str(workers)]
    return " ".join(shlex.quote(w) for w in words)
