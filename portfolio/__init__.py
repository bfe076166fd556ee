"""portfolio — project-portfolio scenario modeller for regional development plans.

The Python API is the command line's: ``load_scenario`` reads and validates a scenario file,
``simulate`` runs it. Names are imported on first use, so ``import portfolio`` is instant.
"""
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("portfolio")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

# name → module that defines it (imported on first access)
_API = {
    "load_scenario": "portfolio.scenario.loading",
    "simulate": "portfolio.runs.simulate",
    "InputError": "portfolio.problems",
    "Problem": "portfolio.problems",
    "UserError": "portfolio.problems",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'portfolio' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))
