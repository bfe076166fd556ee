"""Analysis commands: `portfolio sensitivity` and `portfolio discover` (registered on the `portfolio`
group). Thin layers over ``portfolio.analysis.sensitivity`` and ``portfolio.analysis.discovery``."""
from __future__ import annotations

from pathlib import Path

import click

from portfolio.cli.common import cluster, command_line, echo_json, executor_options, folder_options, friendly
from portfolio.cli.common import destination as destination_folder
from portfolio.problems import InputError, Problem


def _percent_or_number(ctx, param, value):
    """``9%`` → 0.09; ``0.09`` → 0.09; ``2500`` → 2500."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise click.BadParameter(f"expected a number or a percentage such as 9%, got {value!r}") from None


@click.command(epilog="Example: portfolio sensitivity scenarios/chuxiong/baseline.yaml --method sobol -N 1024 "
                     "--params 'economy.*' --per-year  (and on a run folder, no new simulation: "
                     "portfolio sensitivity outputs/baseline --method pawn)")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--method", required=True,
              type=click.Choice(["tornado", "morris", "sobol", "efast", "pawn", "rbd-fast", "delta", "hdmr",
                                 "shapley"]),
              help="tornado/morris/sobol/efast evaluate a design on a scenario file; pawn/rbd-fast/delta/hdmr/"
                   "shapley read the draws of a run folder (hdmr and shapley stay right for correlated inputs; "
                   "shapley takes at most 9 --params).")
@click.option("--params", "params", multiple=True, metavar="PATH",
              help="Inputs to analyse by scenario path; globs and comma lists work "
                   "('projects.*.start_delay'). Default: the scenario's inputs given as distributions.")
@click.option("--outcome", metavar="NAME",
              help="average_growth (default: over the first growth target's window), "
                   "average_growth_<first>_<last>, growth_<year>, gdp_<year>, a target's name (its value), "
                   "probability[:<target>] (tornado only).")
@click.option("--per-year", is_flag=True, help="Indices for every year of the window (growth or GDP).")
@click.option("--window", type=(int, int), metavar="FIRST LAST", help="The window of average growth and --per-year.")
@click.option("-N", "size", type=click.IntRange(min=1), metavar="SIZE",
              help="sobol: base samples, a power of two (default 1024; runs N·(D+2)); efast: samples per input "
                   "(default 1024, > 64; runs N·D); morris: trajectories "
                   "(default 64); tornado with a probability: draws per swing (default 4096); "
                   "pawn/rbd-fast/delta/hdmr/shapley: use the first N valid draws (default all).")
@click.option("--second-order", is_flag=True, help="sobol: also second-order indices (runs N·(2D+2)).")
@click.option("--others", type=click.Choice(["median", "random"]), default="median", show_default=True,
              help="morris/sobol: the inputs not analysed at their medians, or drawn as in a Monte Carlo run.")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's or the run's).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a scenario value (repeatable).")
@executor_options("tornado/morris/sobol: local worker processes evaluating the design (results do not "
                  "depend on it).")
@folder_options("outputs/sensitivity-<scenario>-<method>-<timestamp>/", "the chart", "sensitivity.json")
@friendly
def sensitivity(source, method, params, outcome, per_year, window, size, second_order, others, seed, overrides,
                workers, scheduler, dask_local, timeout, out, force, no_charts, lang, as_json):
    """Which uncertain inputs move an outcome: tornado, Morris, Sobol', eFAST, PAWN, RBD-FAST, delta, HDMR or
    Shapley.

    Writes indices.csv and indices.parquet (method, outcome, year, parameter, label, index, value,
    conf_low, conf_high), sensitivity.json and a chart.
    """
    from portfolio.analysis.sensitivity import GIVEN_DATA_METHODS, run_sensitivity
    from portfolio.runs.executors import LocalExecutor

    given = method in GIVEN_DATA_METHODS
    if not source.exists():
        raise InputError([Problem(str(source), None, "", "no such file or folder")])
    if given and not source.is_dir():
        raise InputError([Problem(str(source), None, "",
                                  f"--method {method} reads the draws of a run folder, not a scenario file; "
                                  f"run `portfolio run {source} --out FOLDER` first, then "
                                  f"`portfolio sensitivity FOLDER --method {method}`")])
    if not given and source.is_dir():
        raise InputError([Problem(str(source), None, "",
                                  f"--method {method} evaluates a scenario file (a run folder is for "
                                  "pawn, rbd-fast, delta, hdmr and shapley)")])
    if given and overrides:
        raise click.UsageError("--set applies to a scenario file, not to a run folder")
    kwargs = dict(params=list(params) or None, outcome=outcome, per_year=per_year, window=window, lang=lang,
                  seed=seed, N=size, others=others, second_order=second_order)
    if given:
        stem = f"sensitivity-{source.resolve().name}-{method}"
        subject = source
    else:
        from portfolio.scenario.loading import load_scenario

        subject = load_scenario(source, overrides)
        stem = f"sensitivity-{subject.meta.name}-{method}"
    destination = destination_folder(out, stem, force, inputs=[source])
    dask = cluster(workers, scheduler, dask_local, timeout)
    if given and (dask is not None or workers != 1):
        raise click.UsageError(f"--method {method} reads a run's draws and simulates nothing: no workers or cluster")
    with (dask or LocalExecutor(workers)) as executor:
        result = run_sensitivity(subject, method, **kwargs, executor=None if given else executor)
    folder = result.save(destination, force=force, charts=not no_charts, lang=lang, command=command_line())
    if as_json:
        echo_json((folder / "sensitivity.json").read_text(encoding="utf-8"))
        return
    click.echo(result.format())
    click.echo(f"Folder: {folder}")


@click.command(epilog="Example: portfolio discover outputs/baseline --outcome average_growth --below 8%")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--outcome", metavar="NAME",
              help="A target's name (default: the first target; a miss is its outcome below its threshold) "
                   "or average_growth, growth_<year>, gdp_<year> with --below.")
@click.option("--below", callback=_percent_or_number, metavar="VALUE",
              help="The level below which the outcome counts as a miss (9% or 0.09; 亿元 for GDP).")
@click.option("--params", "params", multiple=True, metavar="PATH",
              help="Inputs to consider (paths, globs, comma lists). Default: every sampled input that varies.")
@click.option("--box", "box", type=click.IntRange(min=0), metavar="STEP",
              help="Report this step of the peeling trajectory instead of the best trade-off (not pruned).")
@click.option("--min-mass", type=click.FloatRange(0.001, 0.5), default=0.05, show_default=True,
              help="PRIM stops when the box holds less than this share of the draws.")
@click.option("--on", "on", type=click.Choice(["misses", "hits"]), default="misses", show_default=True,
              help="Describe the draws that miss, or those that meet the target: what has to go right.")
@click.option("--boxes", type=click.IntRange(1, 10), default=1, show_default=True,
              help="Covering: up to this many boxes, each found in the draws the earlier ones leave.")
@click.option("--bootstrap", type=click.IntRange(0, 1000), default=0, show_default=True, metavar="B",
              help="Re-run PRIM on B bootstrap resamples: how often each input is restricted (about 2 s each "
                   "on 10,000 draws).")
@click.option("--no-paste", is_flag=True, help="Report the peeled box without pasting it wider again.")
@click.option("--features/--no-features", default=True, show_default=True,
              help="Feature scoring: each input's extra-trees importance for the cases (about 2 s on 10,000 "
                   "draws × 250 inputs).")
@click.option("--cart/--no-cart", default=True, show_default=True,
              help="A shallow decision tree (CART) whose leaves of the cases are boxes (about 1 s).")
@click.option("--cart-depth", type=click.IntRange(1, 8), default=3, show_default=True, metavar="D",
              help="CART: at most D splits from the root to a leaf.")
@folder_options("outputs/discover-<run>-<timestamp>/", "the charts", "discovery.json")
@friendly
def discover(run_dir, outcome, below, params, box, min_mass, on, boxes, bootstrap, no_paste, features, cart,
             cart_depth, out, force, no_charts, lang, as_json):
    """When is the target missed — or, with --on hits, what has to go right? Regional sensitivity (KS),
    PRIM boxes (peeled and pasted; more with --boxes, their stability with --bootstrap), feature scoring
    and CART leaves on a run folder's draws.

    Writes regional.csv, prim_trajectory.csv, prim_box.csv (prim_boxes.csv, prim_stability.csv),
    feature_scores.csv, cart_boxes.csv, discovery.json and charts.
    """
    from portfolio.analysis.discovery import discover as run_discovery

    if run_dir.exists() and not run_dir.is_dir():
        raise InputError([Problem(str(run_dir), None, "", "not a run folder (give the folder `portfolio run` wrote)")])
    destination = destination_folder(out, f"discover-{run_dir.resolve().name}", force, inputs=[run_dir])
    found = run_discovery(run_dir, outcome=outcome, below=below, params=list(params) or None, lang=lang,
                          min_mass=min_mass, box=box, on=on, boxes=boxes, bootstrap=bootstrap, paste=not no_paste,
                          features=features, cart=cart, cart_depth=cart_depth)
    folder = found.save(destination, force=force, charts=not no_charts, lang=lang, command=command_line())
    if as_json:
        echo_json((folder / "discovery.json").read_text(encoding="utf-8"))
        return
    click.echo(found.format())
    click.echo(f"Folder: {folder}")
