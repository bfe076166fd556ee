"""portfolio — project-portfolio scenario modeller for regional development plans.

The Python API mirrors the command line: ``load_scenario`` reads and validates a scenario file.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("portfolio")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
