"""The ``portfolio`` command: a thin layer over the Python API.

Every command turns bad input into one clear message per problem (``FILE:LINE: key.path: ...``) and
exit status 2, never a traceback. Set PORTFOLIO_DEBUG=1 to see tracebacks of internal errors.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .problems import InputError
from .simulate import MemoryLimitError
from .store import OutputError

EXIT_INPUT = 2


def _friendly(func):
    """Run a command; print input problems and exit 2; hide tracebacks of other errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was run.", err=True)
            sys.exit(EXIT_INPUT)
        except (MemoryLimitError, OutputError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:  # disk full, permission denied, ... while writing outputs
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"error: {exc.strerror or exc}{where}; nothing was written to the output folder", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 — the last line of defence for planners
            if os.environ.get("PORTFOLIO_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "(this is a bug in portfolio; rerun with PORTFOLIO_DEBUG=1 for details)", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="portfolio")
def main():
    """Project-portfolio scenario modeller for regional development plans.

    Loads scenarios (investment, an energy base, major-project schedules) and runs Monte Carlo growth
    simulations to test whether average GDP growth stays at or above a target.
    """


@main.command(epilog="Example: portfolio validate scenarios/chuxiong/*.yaml")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@_friendly
def validate(files, overrides):
    """Check scenario files; print one OK line per valid file."""
    from .scenario import label_for, load_scenario

    problems = []
    for path in files:
        try:
            scenario = load_scenario(path, overrides)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        click.echo(f"OK {label_for(path)}: {scenario.meta.name} — {len(scenario.projects)} projects, "
                   f"{len(scenario.targets)} targets, {scenario.meta.base_year + 1}–{scenario.meta.horizon}")
    if problems:
        raise InputError(problems)


@main.command(epilog="Example: portfolio show scenarios/chuxiong/airport-cancelled.yaml --explain")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--explain", is_flag=True, help="Show the file and line each value came from.")
@_friendly
def show(file, overrides, explain):
    """Print the fully resolved scenario (after extends, registers and --set) as YAML."""
    from .resolved_yaml import dump
    from .scenario import load_scenario, origin

    scenario = load_scenario(file, overrides)
    resolved = origin(scenario)
    click.echo(dump(resolved.data, resolved.provenance if explain else None), nl=False)


STREAM_DRAWS_ABOVE = 200_000  # larger runs stream draws.parquet instead of keeping inputs in memory


def _positive(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be a positive whole number, got {value}")
    return value


@main.command(epilog="Example: portfolio run scenarios/chuxiong/baseline.yaml --draws 20000")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=int, callback=_positive, help="Number of Monte Carlo draws (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("--sampler", type=click.Choice(["mc", "lhs"]), help="Monte Carlo or Latin hypercube.")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder (default outputs/<scenario>-<timestamp>/).")
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@click.option("--workers", type=int, default=1, show_default=True, callback=_positive,
              help="Local worker processes (results do not depend on it).")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of the text summary.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path),
              help="Observed growth (CSV/XLSX: year, growth or gdp); those years are fixed in every draw.")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path),
              help="Project ledger (CSV/XLSX: project, report_date, status, ...) to condition schedules on.")
@click.option("--no-charts", is_flag=True, help="Do not draw the charts into the run folder.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Chart language (default: the scenario's meta.language).")
@_friendly
def run(scenario, draws, seed, sampler, overrides, out, force, workers, quiet, as_json, actuals, ledger,
        no_charts, lang):
    """Simulate a scenario and write a run folder; print the summary."""
    import datetime as dt

    from .scenario import load_scenario
    from .simulate import simulate
    from .store import OutputError, RunWriter
    from .textsummary import format_summary

    from .simulate import conditioning

    loaded = load_scenario(scenario, overrides)
    observed, reported = conditioning(loaded, actuals, ledger)
    n = draws or loaded.simulation.draws
    if out is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("outputs") / f"{loaded.meta.name}-{stamp}"
    try:
        writer = RunWriter(out, force=force)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    show_progress = not quiet and sys.stderr.isatty()
    with writer:
        streaming = n > STREAM_DRAWS_ABOVE
        stream = writer.stream_draws(None) if streaming else None
        with _progress(n, show_progress) as advance:
            def on_chunk(chunk):
                if stream is not None:
                    stream.years = chunk_years
                    stream.write_chunk(chunk)
                advance(chunk.stop - chunk.start)

            from .compiled import compile_scenario

            chunk_years = compile_scenario(loaded).years
            result = simulate(loaded, draws=n, seed=seed, sampler=sampler, workers=workers,
                              on_chunk=on_chunk, keep_inputs=not streaming, actuals=observed, ledger=reported)
        if streaming:
            result.draws_file = writer.stage / "draws.parquet"
        extras = None if no_charts else (lambda stage: _draw_charts(stage, lang))
        folder = writer.finish(result, command=_command_line(), extras=extras)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(json.loads((folder / "summary.json").read_text(encoding="utf-8")),
                              indent=2, ensure_ascii=False))
    elif not quiet:
        click.echo(format_summary(summary, str(folder)))


def _draw_charts(folder: Path, lang: str | None) -> None:
    """Draw the standard charts from the run folder's tables into folder/charts/.

    The manifest is not written yet, so the resolved scenario (language, technology labels) is taken
    from the scenario this command loaded: the same data the manifest will hold."""
    from .charts import draw_run_charts
    from .rundata import resolved_scenario
    from .scenario import load_scenario
    from .store import _plain

    scenario = None
    ctx = click.get_current_context(silent=True)
    try:
        if ctx is not None and ctx.params.get("scenario") is not None:
            scenario = resolved_scenario(load_scenario(ctx.params["scenario"], ctx.params.get("overrides") or ()))
            scenario = json.loads(json.dumps(_plain(scenario), ensure_ascii=False))   # as manifest.json
        draw_run_charts(folder, lang=lang, scenario=scenario, staging=True)
    except Exception as exc:  # noqa: BLE001 — a chart problem must not throw away the simulation
        if os.environ.get("PORTFOLIO_DEBUG"):
            raise
        click.echo(f"warning: charts not drawn ({type(exc).__name__}: {exc}); "
                   "draw them later with `portfolio chart RUN_DIR`", err=True)


def _command_line() -> str:
    """The command as typed, rebuilt from the parsed parameters (also right when called from Python)."""
    import shlex

    ctx = click.get_current_context()
    words = ctx.command_path.split()
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value in (None, False, ()) or (param.default is not None and value == param.default):
            continue
        values = value if isinstance(value, (tuple, list)) else [value]
        for item in values:
            if isinstance(param, click.Argument):
                words.append(str(item))
            elif param.is_flag:
                words.append(param.opts[0])
            else:
                words += [param.opts[0], str(item)]
    return " ".join(shlex.quote(w) for w in words)


class _progress:
    """A progress bar on stderr (only when it is a terminal and not --quiet)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.bar = total, enabled, None

    def __enter__(self):
        if self.enabled:
            self.bar = click.progressbar(length=self.total, label="simulating", file=sys.stderr,
                                         show_eta=True, show_percent=True, width=30)
            self.bar.__enter__()
        return self.advance

    def advance(self, k: int) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command(epilog="Example: portfolio bench --case run-100k --repeats 3",
              context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Run the speed benchmarks (wall time, draws/s, peak memory); --help for the cases."""
    from .bench import main as bench_main

    sys.exit(bench_main(list(args)))


@main.command(epilog="Example: portfolio schema > scenario.schema.json")
@_friendly
def schema():
    """Print the JSON Schema of the scenario format (for editors)."""
    from .schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command(epilog="Example: portfolio init my-region")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty folder (overwrites the scaffold files).")
@_friendly
def init(directory, force):
    """Create a new region's scenario scaffold (valid as generated, with comments)."""
    from .scaffold import write_scaffold

    written = write_scaffold(directory, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: portfolio validate {written[0]}")


# commands defined in their own modules register themselves on `main`
from . import cli_analysis, cli_calibrate, cli_outputs, cli_planning, cli_sweep  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    main()
