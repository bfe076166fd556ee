"""Scenario files: `portfolio validate`, `show`, `workbook`, `diff`, `schema` and `init`."""
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
        files = f"{where[0]} cites" if len(where) == 1 else f"{len(where)} files cite"
        their = "its" if len(where) == 1 else "their"
        click.echo(f"note: {files} a source dated after {their} information date (meta.as_of {as_of}); "
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


@click.command(epilog="Example: portfolio workbook scenarios/chuxiong/baseline.yaml --out baseline.xlsx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The workbook to write (.xlsx).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a value (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite an existing workbook.")
@friendly
def workbook(file, out, overrides, force):
    """Write the resolved scenario as an Excel workbook that runs as the same scenario.

    One sheet per section, a row per input (value or distribution, unit, where it came from) and a row
    per project; edit it in Excel, then `portfolio run FILE.xlsx` (validate, show and compare read it too).
    """
    from portfolio.outputs.folders import save_zip_atomic
    from portfolio.scenario.workbook import write_workbook

    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"--out must end in .xlsx, got {out.name}")
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; pass --force to overwrite it")
    write_workbook(file, out, overrides, save=save_zip_atomic)     # a full disk leaves no truncated file
    click.echo(f"wrote {out}: edit it in Excel, then run it with: portfolio run {out}")


@click.command(epilog="Example: portfolio diff scenarios/chuxiong/baseline.yaml scenarios/chuxiong/energy-late.yaml")
@click.argument("first", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("second", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@friendly
def diff(first, second, as_json):
    """The inputs that differ between two resolved scenarios (YAML or workbooks), one line each: both
    values, the unit of a bare number, and the file:line each value came from."""
    from portfolio.scenario.diff import change_text, diff_scenarios

    changes = diff_scenarios(first, second)
    if as_json:
        echo_json({"first": str(first), "second": str(second), "changes": [c.as_dict() for c in changes]})
        return
    if not changes:
        click.echo(f"{first} and {second} are the same scenario (no input differs)")
        return
    click.echo(f"{_count(len(changes), 'input')} differ between {first} and {second}:")
    for change in changes:
        click.echo("  " + change_text(change))


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
