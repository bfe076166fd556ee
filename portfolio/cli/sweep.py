"""``portfolio sweep``: many scenario variants at once, locally or on a Dask cluster, resumable."""
from __future__ import annotations


import shlex
import sys
import time
from pathlib import Path

import click

from portfolio.cli.common import EXIT_INPUT, command_line, friendly


def _fail(message: str, code: int = EXIT_INPUT):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command(epilog="Example: portfolio sweep scenarios/chuxiong/sweep-investment-tfp.yaml --workers 2")
@click.argument("sweep_file", metavar="SWEEP.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local worker processes, each running whole cases (results do not depend on it).")
@click.option("--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster: its scheduler, e.g. "
              "tcp://host:8786 (workers need portfolio installed; scenario files are sent to them).")
@click.option("--dask-local", type=click.IntRange(min=1), metavar="N",
              help="Start a Dask cluster of N local processes for this sweep (stopped at the end).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for a Dask scheduler and its first worker, or for a lost scheduler.")
@click.option("--resume", is_flag=True, help="Continue an interrupted sweep (in --out DIR, default the newest "
              "unfinished outputs/sweep-<name>-*/): only the missing cases run.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder (default outputs/sweep-<name>-<timestamp>/).")
@click.option("--no-charts", is_flag=True, help="Do not draw the heatmap of a two-factor grid.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Chart language (default: the scenario's).")
@click.option("--quiet", is_flag=True, help="No progress bar and no table.")
@friendly
def sweep(sweep_file, workers, scheduler, dask_local, timeout, resume, out, no_charts, lang, quiet):
    """Run every case of a sweep file (factors over --set paths, scenario lists) as a full Monte Carlo run.

    Writes one table (results.csv, results.parquet: each case's inputs, the probability of each target,
    average growth quantiles, key outputs), every case's summary (cases/<id>.json, written as each case
    finishes) and, for a two-factor grid, a heatmap. An interrupted sweep resumes with --resume.
    """
    from portfolio.runs.executors import ExecutorError, make_executor
    from portfolio.runs.sweep import CaseError, SweepFolder, SweepFolderError, default_folder, latest_unfinished, load_sweep

    if scheduler is not None and dask_local is not None:
        raise click.UsageError("give either --scheduler ADDRESS or --dask-local N, not both")
    if (scheduler is not None or dask_local is not None) and workers != 1:
        raise click.UsageError("--workers is for local processes; a Dask cluster has its own workers "
                               "(--dask-local N starts N)")
    command = command_line()
    began = time.time()
    loaded = load_sweep(sweep_file)
    if out is None:
        out = latest_unfinished(loaded) if resume else default_folder(loaded)
        if out is None:
            _fail(f"no unfinished sweep folder outputs/sweep-{loaded.name}-*/ to resume; give --out DIR")
    try:
        folder = SweepFolder.open(loaded, out, resume=resume)
    except SweepFolderError as exc:
        _fail(str(exc))
    resume_command = _resume_command(sweep_file, out, workers, scheduler, dask_local)
    missing = folder.missing()
    total = len(loaded.cases)
    executor = make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local, timeout=timeout)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        if missing:
            with executor:
                folder.begin(resume_command)
                if not quiet:
                    done = total - len(missing)
                    where = executor.describe()
                    on = (f"{where['workers']} local process{'es' if where['workers'] != 1 else ''}"
                          if where["kind"] == "local" else f"Dask ({where['scheduler']}, {where['workers']} workers)")
                    click.echo(f"Sweep {loaded.name}: {total} cases of {loaded.draws:,} draws, seed {loaded.seed}"
                               + (f"; {done} already done" if done else "") + f"; running {len(missing)} on {on}",
                               err=True)
                with _bar(len(missing), show_progress) as advance:
                    folder.run(executor, missing, on_case=lambda case: advance())
                info = executor.describe()
        else:
            folder.begin(resume_command)
            info = {"kind": "none", "workers": 0}
            if not quiet:
                click.echo(f"Sweep {loaded.name}: all {total} cases are already done; writing the table.", err=True)
    except KeyboardInterrupt:
        folder.mark()
        click.echo(f"\ninterrupted: {len(folder.done)} of {total} cases are done and kept in {folder.folder}\n"
                   f"resume with: {resume_command}", err=True)
        sys.exit(130)
    except (ExecutorError, CaseError) as exc:
        kept = ""
        if folder.cases_dir.is_dir():
            folder.mark()
            kept = (f"\n{len(folder.done)} of {total} cases are done and kept in {folder.folder}\n"
                    f"resume with: {resume_command}")
        _fail(f"{exc}{kept}")
    table = folder.finish(command=command, executor=info, started=began, charts=not no_charts, lang=lang)
    if not quiet:
        click.echo(format_table(table, loaded))
    click.echo(f"Sweep folder: {folder.folder}")


def _resume_command(sweep_file: Path, out: Path, workers: int, scheduler, dask_local) -> str:
    words = ["portfolio", "sweep", str(sweep_file), "--resume", "--out", str(out)]
    if scheduler:
        words += ["--scheduler", scheduler]
    elif dask_local:
        words += ["--dask-local", str(dask_local)]
    elif workers != 1:
        words += ["--workers", str(workers)]
    return " ".join(shlex.quote(w) for w in words)


class _bar:
    """A progress bar with an ETA on stderr (only when it is a terminal and not --quiet)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.bar = total, enabled, None

    def __enter__(self):
        if self.enabled:
            self.bar = click.progressbar(length=self.total, label="cases", file=sys.stderr, show_eta=True,
                                         show_percent=True, show_pos=True, width=30)
            self.bar.__enter__()
        return self.advance

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def format_table(table, sweep, limit: int = 15) -> str:
    """The first rows of the results: case, its inputs, P(first target), average growth P10/P50/P90."""
    targets = [c for c in table.columns if c.startswith("p_") and not c.endswith(("_ci_low", "_ci_high"))]
    inputs = (["scenario"] if len(sweep.scenarios) > 1 else []) + [f.path for f in sweep.factors]
    columns = ["case"] + inputs + targets[:1] + ["average_growth_p10", "average_growth_p50", "average_growth_p90"]
    shown = table[columns].head(limit).copy()
    for c in targets[:1] + ["average_growth_p10", "average_growth_p50", "average_growth_p90"]:
        shown[c] = shown[c].map(lambda v: "–" if v != v else f"{v * 100:.1f}%")
    text = shown.to_string(index=False)
    if len(table) > limit:
        text += f"\n… {len(table) - limit} more cases in results.csv"
    return text
