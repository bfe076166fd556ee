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


if __name__ == "__main__":  # pragma: no cover
    main()
