"""Planning questions: compare, goal seek, rerun (registered on the `portfolio` group)."""
from __future__ import annotations

from pathlib import Path

import click

from portfolio.cli.common import cluster, command_line, destination, echo_json, executor_options, folder_options, friendly


@click.command(epilog="Example: portfolio compare scenarios/chuxiong/baseline.yaml "
                     "scenarios/chuxiong/energy-late.yaml --draws 20000")
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=click.IntRange(min=1), help="Draws per scenario (default: the first scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed shared by all scenarios.")
@click.option("--sampler", type=click.Choice(["mc", "lhs"]))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value in every scenario.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path), help="Observed growth (CSV/XLSX).")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path), help="Project ledger (CSV/XLSX).")
@executor_options("Local worker processes (results do not depend on it). With 1, the chunks of draws run "
                  "on this process's threads, one per core (PORTFOLIO_THREADS=N sets fewer).")
@folder_options("outputs/compare-<timestamp>/", "the comparison charts", "comparison.json")
@friendly
def compare(scenarios, draws, seed, sampler, overrides, actuals, ledger, workers, scheduler, dask_local, timeout,
            out, force, no_charts, lang, as_json):
    """Compare scenarios on the same draws (common random numbers): probabilities and paired differences."""
    import contextlib

    from portfolio.analysis.compare import compare as run_compare
    from portfolio.analysis.compare import format_comparison

    if len(scenarios) < 2:
        raise click.UsageError("give at least two scenario files")
    dask = cluster(workers, scheduler, dask_local, timeout)
    out = destination(out, "compare", force, inputs=[*scenarios, actuals, ledger])
    with dask or contextlib.nullcontext() as executor:
        comparison = run_compare(scenarios, draws=draws, seed=seed, workers=workers, sampler=sampler,
                                 overrides=overrides, actuals=actuals, ledger=ledger, executor=executor)
    folder = comparison.save(out, force=force, command=command_line(), charts=not no_charts, lang=lang)
    if as_json:
        echo_json((folder / "comparison.json").read_text(encoding="utf-8"))
    else:
        click.echo(format_comparison(comparison))
        click.echo(f"Comparison folder: {folder}")


@click.command("goal-seek", epilog="Example: portfolio goal-seek scenarios/chuxiong/baseline.yaml "
                                  "--lever economy.investment_rate --probability 0.5 --draws 4000")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lever", required=True, help="Input path (economy.tfp_growth, projects.ID.capex, "
              "projects.ID.planned_start) or capex_scale.")
@click.option("--probability", type=float, required=True, help="Target probability level, e.g. 0.5.")
@click.option("--bounds", type=(float, float), metavar="LOW HIGH", help="Search range of the lever (base units).")
@click.option("--target", help="Target name (default: the scenario's first target).")
@click.option("--draws", type=click.IntRange(min=100), help="Draws per evaluation (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value first.")
@click.option("--actuals", type=click.Path(dir_okay=False, path_type=Path), help="Observed growth (CSV/XLSX).")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path), help="Project ledger (CSV/XLSX).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@friendly
def goal_seek(scenario, lever, probability, bounds, target, draws, seed, overrides, actuals, ledger, workers,
              as_json):
    """Find the value of an input at which the probability of a target reaches a level."""
    from portfolio.analysis.goalseek import GoalSeekError
    from portfolio.analysis.goalseek import goal_seek as seek
    from portfolio.scenario.loading import load_scenario

    loaded = load_scenario(scenario, overrides)
    try:
        found = seek(loaded, lever, probability, bounds=bounds, target=target, draws=draws, seed=seed,
                     workers=workers, actuals=actuals, ledger=ledger)
    except GoalSeekError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    if as_json:
        echo_json(found.as_dict())
        return
    what = f"the median of {lever}" if found.median else lever
    click.echo(f"P({found.target}) reaches {found.probability:.0%} at {what} = {found.show(found.value)} "
               f"± {found.show_tolerance()} (95% Monte Carlo tolerance; {found.draws:,} draws, seed {found.seed})")
    click.echo(f"  the scenario's own value {found.show(found.current)} gives P = {found.current_probability:.1%}")
    click.echo("  grid: " + ", ".join(f"{found.show(x)} → {p:.1%}" for x, p in found.grid))
    for line in found.why:
        click.echo(f"  why: {line}")


@click.command(epilog="Example: portfolio robust scenarios/chuxiong/baseline.yaml --lever economy.investment_rate "
                     "--lever projects.airport.planned_start=2021:2024 --objective probability --objective p10")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lever", "levers", multiple=True, required=True, metavar="PATH[=LOW:HIGH]",
              help="A lever and its range (repeat, 1 to 6): an input path, projects.ID.planned_start (decimal "
                   "years) or capex_scale; default range as goal-seek's.")
@click.option("--objective", "objectives", multiple=True, type=click.Choice(["probability", "p10"]),
              help="probability: P(target); p10: the worst decile of the target's outcome. Two give the Pareto "
                   "front. Default probability.")
@click.option("--target", help="Target name (default: the scenario's first target).")
@click.option("--budget", type=float, metavar="YI",
              help="At most this much portfolio capex spent in the target's window (亿元, mean over the draws).")
@click.option("--trials", type=click.IntRange(min=2), default=60, show_default=True,
              help="Settings simulated (the scenario's own first).")
@click.option("--draws", type=click.IntRange(min=100), help="Draws per setting (default: the scenario's, at most 4000).")
@click.option("--seed", type=click.IntRange(min=0))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value first.")
@folder_options("outputs/robust-<timestamp>/", "the search chart", "robust.json")
@friendly
def robust(scenario, levers, objectives, target, budget, trials, draws, seed, overrides, out, force, no_charts, lang,
           as_json):
    """The settings of several levers that maximise P(target) or its worst decile across the uncertainty,
    on common random numbers, within a budget; two objectives give the Pareto front. The best settings
    are simulated again on fresh draws: quote those probabilities."""
    from portfolio.analysis.robust import robust_choice
    from portfolio.cli.common import Progress
    from portfolio.scenario.loading import load_scenario

    loaded = load_scenario(scenario, overrides)
    folder = destination(out, "robust", force, inputs=[scenario])
    with Progress(not as_json, "searching") as advance:
        found = robust_choice(loaded, levers, objectives or ("probability",), target=target, budget=budget,
                              trials=trials, draws=draws, seed=seed, on_trial=advance)
    found.save(folder, force=force, command=command_line(), charts=not no_charts,
               lang=lang or loaded.meta.language)
    if as_json:
        echo_json((folder / "robust.json").read_text(encoding="utf-8"))
        return
    click.echo(found.format())
    click.echo(f"Folder: {folder}")


@click.command(epilog="Example: portfolio rerun outputs/chuxiong-baseline-20261126-101500")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from-manifest", is_flag=True, help="Rerun from the manifest's resolved scenario even if "
              "input files changed.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@friendly
def rerun(run_dir, from_manifest, workers):
    """Reproduce a run from its manifest bit for bit, or say which input file changed."""
    from portfolio.runs.rerun import rerun as do_rerun

    report = do_rerun(run_dir, from_manifest=from_manifest, workers=workers)
    for line in report.lines():
        click.echo(line, err=not report.reproduced)
    raise SystemExit(0 if report.reproduced else 1)


@click.command(epilog="Example: portfolio explore scenarios/chuxiong/baseline.yaml --lang en")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draws", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Draws per re-simulation (the scenario's seed: common random numbers).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed (default: the scenario's).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value first.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (another than 127.0.0.1 lets the network in).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0, help="Port (default: a free one).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Page language (default: the scenario's; a button switches).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs/explore"),
              show_default=True, help="Where 'save as scenario' writes NAME.yaml.")
@click.option("--no-browser", is_flag=True, help="Print the address only; do not open a browser.")
@friendly
def explore(scenario, draws, seed, overrides, host, port, lang, out, no_browser):
    """A local web page with the scenario's levers, for meetings: delay or cancel projects, move the
    investment rate and TFP growth, scale capex; each change re-simulates in about a second. Ctrl-C stops it."""
    import webbrowser

    from portfolio.analysis.explore import Explorer, serve, url

    explorer = Explorer(scenario, draws=draws, seed=seed, base_overrides=overrides, out=out, lang=lang)
    server = serve(explorer, host, port)
    address = url(server)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the page", err=True)
    click.echo(f"portfolio explore: {address}  (Ctrl-C to stop)")
    if not no_browser:
        webbrowser.open(address)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
