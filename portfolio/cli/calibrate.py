"""Calibration, the back-test and the LTGM inversion: `portfolio calibrate`, `portfolio backtest` and
`portfolio required` (registered on the `portfolio` group)."""
from __future__ import annotations

from pathlib import Path

import click

from portfolio.cli.common import command_line, destination, echo_json, folder_options, friendly
from portfolio.outputs.kinds import LANGS


def _out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--out {out}: not a folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


@click.command(epilog="Example: portfolio required scenarios/chuxiong/baseline.yaml --out outputs/required")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", help="Name of an average_growth target (default: the first one).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for required.csv and the chart required.png/.svg.")
@click.option("--lang", type=click.Choice(LANGS), help="Chart language (default: the scenario's meta.language).")
@friendly
def required(scenario, target, overrides, out, lang):
    """The investment rate the economy outside the portfolio needs for a growth target (LTGM inversion).

    Evaluated at the scenario's central values (medians); shown next to the scenario's own rate path,
    with the rate needed when the portfolio's mean overlay is credited.
    """
    from portfolio.analysis.calibrate import save_figure
    from portfolio.analysis.required import (
        format_required,
        plot_required,
        required_investment,
    )
    from portfolio.scenario.loading import load_scenario

    loaded = load_scenario(scenario, overrides)
    frame = required_investment(loaded, target)
    click.echo(format_required(frame))
    if out is not None:
        folder = _out_dir(out)
        table = folder / "required.csv"
        from portfolio.outputs.folders import write_csv

        write_csv(frame, table, index=False, float_format="%.10g")
        language = lang or loaded.meta.language
        written = [table] + save_figure(lambda: plot_required(frame, language), folder / "required", language)
        for path in written:
            click.echo(f"wrote {path}")


@click.command(epilog="Example: portfolio calibrate scenarios/chuxiong/history-illustrative.csv --alpha 0.5 "
                     "--depreciation 0.096 --out outputs/calibration")
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--alpha", type=float, default=0.5, show_default=True, help="Capital share α.")
@click.option("--depreciation", type=float, default=0.096, show_default=True,
              help="Depreciation rate δ per year (9.6%: Zhang, Wu & Zhang 2004).")
@click.option("--gfcf-share", type=float, help="GFCF share κ of an 'investment' (fixed-asset investment) column.")
@click.option("--initial-capital", type=float, help="Capital stock at the start of the first year (default: Harberger).")
@click.option("--harberger-years", type=int, default=5, show_default=True,
              help="Growth years averaged for the Harberger initial stock K_0 = I_0/(g + δ).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for accounting.csv, capital.csv, economy.yaml and the chart accounting.png/.svg.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True, help="Chart language.")
@friendly
def calibrate(history, alpha, depreciation, gfcf_share, initial_capital, harberger_years, out, lang):
    """Calibrate the baseline economy from a yearly history (CSV/XLSX): capital stock by perpetual
    inventory, growth accounting with TFP as the residual, and an `economy:` block for a scenario.

    Columns: year, gdp (or growth), gfcf (or investment with --gfcf-share), employment; optional
    population, human_capital or schooling_years, note.
    """
    import pandas as pd

    from portfolio.analysis.calibrate import calibrate as run_calibration
    from portfolio.analysis.calibrate import (
        format_calibration,
        plot_accounting,
        read_history,
        save_figure,
    )

    table = read_history(history)
    result = run_calibration(table, alpha=alpha, depreciation=depreciation, gfcf_share=gfcf_share,
                             initial_capital=initial_capital, harberger_years=harberger_years)
    click.echo(format_calibration(result))
    if out is not None:
        folder = _out_dir(out)
        acc = result.accounting.copy()
        averages = result.averages.drop(columns="years").rename_axis("year")
        acc.index = acc.index.astype(str)
        both = pd.concat([acc, averages])
        from portfolio.outputs.folders import write_csv

        write_csv(both, folder / "accounting.csv", index_label="year", float_format="%.10g")
        write_csv(result.capital.to_frame("capital_start_of_year"), folder / "capital.csv", float_format="%.10g")
        (folder / "economy.yaml").write_text(result.to_yaml(), encoding="utf-8")
        written = [folder / "accounting.csv", folder / "capital.csv", folder / "economy.yaml"]
        written += save_figure(lambda: plot_accounting(result, lang), folder / "accounting", lang)
        for path in written:
            click.echo(f"wrote {path}")


def _origins(ctx, param, value):
    """'2010:2015' or '2010,2012,2014' → a list of years; None for the default."""
    if value is None:
        return None
    try:
        if ":" in value:
            a, b = (int(x) for x in value.split(":", 1))
            return list(range(a, b + 1))
        return [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"expected FIRST:LAST or a comma-separated list of years, got {value!r}") from None


@click.command(epilog="Example: portfolio backtest scenarios/chuxiong/history-illustrative.csv "
                     "--scenario scenarios/chuxiong/baseline.yaml --horizon 5")
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scenario", "template", type=click.Path(dir_okay=False, path_type=Path),
              help="The scenario whose uncertainty is tested (its cycle, contraction and TFP shocks); "
                   "default: the calibration's own spread only.")
@click.option("--horizon", type=click.IntRange(min=1, max=30), default=5, show_default=True,
              help="Years simulated from each origin.")
@click.option("--origins", callback=_origins, metavar="FIRST:LAST|Y1,Y2,...",
              help="Origin years (default: every year with 8 years of history before it).")
@click.option("--draws", type=click.IntRange(min=100), default=2000, show_default=True, help="Draws per origin.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Root seed.")
@click.option("--alpha", type=float, default=0.5, show_default=True, help="Capital share α for the calibration.")
@click.option("--depreciation", type=float, default=0.096, show_default=True, help="Depreciation δ per year.")
@click.option("--gfcf-share", type=float, help="GFCF share κ of an 'investment' column.")
@folder_options("outputs/backtest-<history>-<timestamp>/", "the PIT histogram and the fans", "backtest.json")
@friendly
def backtest(history, template, horizon, origins, draws, seed, alpha, depreciation, gfcf_share, out, force,
             no_charts, lang, as_json):
    """Rolling-origin back-test: calibrate on the history up to each origin, simulate the next years,
    and score what happened — coverage of the 50/80/90% intervals, the PIT histogram and the CRPS."""

    from portfolio.analysis.backtest import backtest as run_backtest
    from portfolio.analysis.calibrate import read_history

    folder = destination(out, f"backtest-{history.stem}", force, inputs=[history, template])
    table = read_history(history)
    result = run_backtest(table, template=template, horizon=horizon, origins=origins, draws=draws, seed=seed,
                          alpha=alpha, depreciation=depreciation, gfcf_share=gfcf_share)
    if lang is None:                      # the scenario's language, as the option's help says
        from portfolio.scenario.loading import load_scenario

        lang = load_scenario(template).meta.language if template is not None else "en"
    result.save(folder, force=force, charts=not no_charts, lang=lang, command=command_line())
    echo_json(result.summary()) if as_json else click.echo(result.format())
    if not as_json:
        click.echo(f"Back-test folder: {folder}")
