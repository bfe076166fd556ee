"""portfolio — project-portfolio scenario modeller for regional development plans.

The Python API is the command line's, one call per command::

    import portfolio

    scenario = portfolio.load_scenario("scenarios/chuxiong/baseline.yaml")   # portfolio validate / show
    portfolio.workbook(scenario, "baseline.xlsx")                             # portfolio workbook (runs too)
    portfolio.diff("baseline.yaml", "baseline.xlsx")                         # portfolio diff: [Change, ...]
    result = portfolio.simulate(scenario, draws=20_000)                       # in memory
    result = portfolio.run(scenario, out="outputs/baseline")                  # portfolio run: a run folder
    run = portfolio.open_run("outputs/baseline")                              # a saved run: tables, charts
    portfolio.compare([...]), portfolio.goal_seek(...), portfolio.required_investment(...)
    portfolio.sensitivity(...), portfolio.discover(...), portfolio.sweep(...), portfolio.rerun(...)
    portfolio.explore("scenarios/chuxiong/baseline.yaml")                     # portfolio explore: .url, .stop()
    portfolio.report(...), portfolio.export(...), portfolio.calibrate(...), portfolio.backtest(...)

Names are imported on first use, so ``import portfolio`` is instant.
"""
from __future__ import annotations

# name → (module, attribute) that defines it; imported on first access
_API = {
    "load_scenario": ("portfolio.scenario.loading", "load_scenario"),
    "workbook": ("portfolio.scenario.workbook", "write_workbook"),
    "diff": ("portfolio.scenario.diff", "diff_scenarios"),
    "simulate": ("portfolio.runs.simulate", "simulate"),
    "run": ("portfolio.runs.runner", "run"),
    "open_run": ("portfolio.outputs.rundata", "open_run"),
    "compare": ("portfolio.analysis.compare", "compare"),
    "goal_seek": ("portfolio.analysis.goalseek", "goal_seek"),
    "robust_choice": ("portfolio.analysis.robust", "robust_choice"),
    "required_investment": ("portfolio.analysis.required", "required_investment"),
    "calibrate": ("portfolio.analysis.calibrate", "calibrate"),
    "read_history": ("portfolio.analysis.calibrate", "read_history"),
    "backtest": ("portfolio.analysis.backtest", "backtest"),
    "sensitivity": ("portfolio.analysis.sensitivity", "run_sensitivity"),
    "discover": ("portfolio.analysis.discovery", "discover"),
    "explore": ("portfolio.analysis.explore", "explore"),
    "load_sweep": ("portfolio.runs.sweep", "load_sweep"),
    "sweep": ("portfolio.runs.sweep", "run_sweep"),
    "rerun": ("portfolio.runs.rerun", "rerun"),
    "report": ("portfolio.outputs.report", "write_report"),
    "export": ("portfolio.outputs.export", "write_xlsx"),
    "charts": ("portfolio.analysis.redraw", "draw_folder_charts"),
    "LocalExecutor": ("portfolio.runs.executors", "LocalExecutor"),
    "DaskExecutor": ("portfolio.runs.executors", "DaskExecutor"),
    "InputError": ("portfolio.problems", "InputError"),
    "UserError": ("portfolio.problems", "UserError"),
    "Problem": ("portfolio.problems", "Problem"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("portfolio")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0+unknown"
    elif name in _API:
        import importlib

        module, attribute = _API[name]
        value = getattr(importlib.import_module(module), attribute)
    else:
        raise AttributeError(f"module 'portfolio' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
