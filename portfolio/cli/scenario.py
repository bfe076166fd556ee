"""Scenario files: `portfolio validate`, `show`, `schema` and `init`."""
from __future__ import annotations

from pathlib import Path

import click

from portfolio.cli.common import echo_json, friendly
from portfolio.problems import InputError


@click.command(epilog="Example: portfolio validate scenarios/chuxiong/*.yaml scenarios/chuxiong/sweeps/*.yaml")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@friendly
def validate(files, overrides):
    """Check scenario files (and sweep files); print one OK line per valid file."""
    from portfolio.runs.sweep import is_sweep_file, load_sweep
    from portfolio.scenario.information import sources_after
    from portfolio.scenario.loading import label_for, load_scenario

    problems = []
    late: dict = {}                      # (as_of, source) -> the files that cite it
    for path in files:
        try:
            if is_sweep_file(path):
                if overrides:
                    raise click.UsageError(f"--set applies to scenario files, not to the sweep file {path}")
                sweep = load_sweep(path)
                click.echo(f"OK {label_for(path)}: sweep {sweep.name} — {_count(len(sweep.cases), 'case')} of "
                           f"{sweep.draws:,} draws on {', '.join(s.written for s in sweep.scenarios)}")
                continue
            scenario = load_scenario(path, overrides)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        click.echo(f"OK {label_for(path)}: {scenario.meta.name} — {_count(len(scenario.projects), 'project')}, "
                   f"{_count(len(scenario.targets), 'target')}, {scenario.meta.base_year + 1}–{scenario.meta.horizon}")
        for source in sources_after(scenario.meta):
            late.setdefault((str(scenario.meta.as_of), source), []).append(label_for(path))
    for (as_of, source), where in late.items():
        files = where[0] if len(where) == 1 else f"{len(where)} files"
        click.echo(f"note: {files} cite a source dated after their information date (meta.as_of {as_of}); "
                   f"it should not inform a default (mark it '[after as_of: why]' if it does not): {source}")
    if problems:
        raise InputError(problems)


@click.command(epilog="Example: portfolio show scenarios/chuxiong/airport-cancelled.yaml --explain")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--explain", is_flag=True, help="Show the file and line each value came from.")
@friendly
def show(file, overrides, explain):
    """Print the fully resolved scenario (after extends, registers and --set) as YAML."""
    from portfolio.scenario.loading import load_scenario, origin
    from portfolio.scenario.resolved_yaml import dump

    scenario = load_scenario(file, overrides)
    resolved = origin(scenario)
    click.echo(dump(resolved.data, resolved.provenance if explain else None), nl=False)


@click.command(epilog="Example: portfolio schema > scenario.schema.json")
@friendly
def schema():
    """Print the JSON Schema of the scenario format (for editors)."""
    from portfolio.scenario.schema import json_schema

    echo_json(json_schema())


@click.command(epilog="Example: portfolio init my-region")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty folder (overwrites the scaffold files).")
@friendly
def init(directory, force):
    """Create a new region's scenario scaffold (valid as generated, with comments)."""
    from portfolio.scenario.scaffold import write_scaffold

    written = write_scaffold(directory, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: portfolio validate {written[0]}")


def _count(n: int, noun: str) -> str:
    """``1 target``, ``2 targets``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
