"""The ``portfolio`` command: a thin layer over the Python API.

Every command turns bad input into one clear message per problem (``FILE:LINE: key.path: ...``) and
exit status 2, never a traceback. Set PORTFOLIO_DEBUG=1 to see tracebacks of internal errors.
The command modules import only click at the top, so `portfolio --help` and `--version` start fast.
"""
from __future__ import annotations

import click

from portfolio.cli import analysis, calibrate, outputs, planning, run, scenario, sweep
from portfolio.cli.common import safe_console


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="portfolio", prog_name="portfolio")   # read only when asked
def main():
    """Project-portfolio scenario modeller for regional development plans.

    Loads scenarios (investment, an energy base, major-project schedules) and runs Monte Carlo growth
    simulations to test whether average GDP growth stays at or above a target.
    """
    safe_console()


for command in (scenario.validate, scenario.show, scenario.workbook, scenario.diff, run.run, planning.compare,
                planning.goal_seek, planning.robust, planning.explore, calibrate.required, calibrate.calibrate,
                calibrate.backtest, planning.rerun,
                outputs.chart, outputs.report, outputs.export, analysis.sensitivity, analysis.discover, sweep.sweep,
                run.bench, scenario.schema, scenario.init):
    main.add_command(command)
