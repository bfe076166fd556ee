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


def console_main() -> None:
    """The ``portfolio`` console command (and ``python -m portfolio.cli``): ``main``, then a quick exit.

    After a large run Python's own shutdown (clearing the modules and objects of pandas, numba and
    pyarrow) took 0.3–0.5 s (100,000 draws, measured against ``os._exit``). Every file the command wrote is
    closed when ``main`` returns, so the process then runs the ``atexit`` handlers, flushes the standard
    streams and ends at once, with ``main``'s exit status; while another (non-daemon) thread still runs,
    it exits as usual instead."""
    import atexit
    import os
    import sys
    import threading

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):          # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:             # another Python: the usual exit
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):         # closed, or a reader that went away
            pass
    os._exit(code)

