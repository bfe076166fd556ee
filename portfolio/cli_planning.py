"""Planning questions: compare, required, goal-seek (registered on the `portfolio` group)."""
from __future__ import annotations

from .cli import main  # noqa: F401 — commands below register on the group

import datetime as dt
import json
from pathlib import Path

import click

from .cli import _command_line, _friendly


@main.command(epilog="Example: portfolio compare scenarios/chuxiong/baseline.yaml "
                     "scenarios/chuxiong/energy-late.yaml --draws 20000")
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=click.IntRange(min=1), help="Draws per scenario (default: the first scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed shared by all scenarios.")
@click.option("--sampler", type=click.Choice(["mc", "lhs"]))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value in every scenario.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path), help="Observed growth (CSV/XLSX).")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path), help="Project ledger (CSV/XLSX).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Comparison folder (default outputs/compare-<timestamp>/).")
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@click.option("--no-charts", is_flag=True, help="Do not draw the comparison charts.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Chart language.")
@click.option("--json", "as_json", is_flag=True, help="Print comparison.json instead of the table.")
@_friendly
def compare(scenarios, draws, seed, sampler, overrides, actuals, ledger, workers, out, force, no_charts, lang,
            as_json):
    """Compare scenarios on the same draws (common random numbers): probabilities and paired differences."""
    from .compare import compare as run_compare
    from .compare import format_comparison
    from .store import OutputError, check_destination

    if len(scenarios) < 2:
        raise click.UsageError("give at least two scenario files")
    if out is None:
        out = Path("outputs") / f"compare-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    try:
        check_destination(out, force)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    comparison = run_compare(scenarios, draws=draws, seed=seed, workers=workers, sampler=sampler,
                             overrides=overrides, actuals=actuals, ledger=ledger)
    folder = comparison.save(out, force=force, command=_command_line(), charts=not no_charts, lang=lang)
    if as_json:
        click.echo(json.dumps(json.loads((folder / "comparison.json").read_text(encoding="utf-8")),
                              indent=2, ensure_ascii=False))
    else:
        click.echo(format_comparison(comparison))
        click.echo(f"Comparison folder: {folder}")
