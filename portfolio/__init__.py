"""portfolio — project-portfolio scenario modeller for regional development plans.

The Python API mirrors the command line: ``load_scenario`` reads and validates a scenario file.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("portfolio")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .problems import InputError, Problem  # noqa: E402
from .scenario import load_scenario  # noqa: E402

__all__ = ["__version__", "load_scenario", "InputError", "Problem"]
