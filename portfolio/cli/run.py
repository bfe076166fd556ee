"""`portfolio run` (simulate a scenario into a run folder) and `portfolio bench`."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from portfolio.cli.common import Progress, command_line, friendly, positive


STREAM_DRAWS_ABOVE = 200_000  # larger runs stream draws.parquet instead of keeping inputs in memory


@click.command(epilog="Example: portfolio run scenarios/chuxiong/baseline.yaml --draws 20000")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=int, callback=positive, help="Number of Monte Carlo draws (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("--sampler", type=click.Choice(["mc", "lhs"]), help="Monte Carlo or Latin hypercube.")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder (default outputs/<scenario>-<timestamp>/).")
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@click.option("--workers", type=int, default=1, show_default=True, callback=positive,
              help="Local worker processes (results do not depend on it).")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of the text summary.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path),
              help="Observed growth (CSV/XLSX: year, growth or gdp); those years are fixed in every draw.")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path),
              help="Project ledger (CSV/XLSX: project, report_date, status, ...) to condition schedules on.")
@click.option("--no-charts", is_flag=True, help="Do not draw the charts into the run folder.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Chart language (default: the scenario's meta.language).")
@friendly
def run(scenario, draws, seed, sampler, overrides, out, force, workers, quiet, as_json, actuals, ledger,
        no_charts, lang):
    """Simulate a scenario and write a run folder; print the summary."""
    import datetime as dt

    from portfolio.scenario.loading import load_scenario
    from portfolio.runs.simulate import simulate
    from portfolio.outputs.folders import OutputError, RunWriter
    from portfolio.outputs.textsummary import format_summary

    from portfolio.runs.simulate import conditioning

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
        with Progress(n, show_progress) as advance:
            def on_chunk(chunk):
                if stream is not None:
                    stream.years = chunk_years
                    stream.write_chunk(chunk)
                advance(chunk.stop - chunk.start)

            from portfolio.model.compiled import compile_scenario

            chunk_years = compile_scenario(loaded).years
            result = simulate(loaded, draws=n, seed=seed, sampler=sampler, workers=workers,
                              on_chunk=on_chunk, keep_inputs=not streaming, actuals=observed, ledger=reported)
        if streaming:
            result.draws_file = writer.stage / "draws.parquet"
        extras = None if no_charts else (lambda stage: _draw_charts(stage, lang))
        folder = writer.finish(result, command=command_line(), extras=extras)
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
    from portfolio.outputs.charts import draw_run_charts
    from portfolio.outputs.rundata import resolved_scenario
    from portfolio.scenario.loading import load_scenario
    from portfolio.outputs.folders import _plain

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


@click.command(epilog="Example: portfolio bench --case run-100k --repeats 3",
              context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Run the speed benchmarks (wall time, draws/s, peak memory); --help for the cases."""
    from portfolio.runs.bench import main as bench_main

    sys.exit(bench_main(list(args)))


