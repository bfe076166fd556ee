"""Commands that work on a saved run folder: charts, reports and exports."""
from __future__ import annotations

from .cli import main  # noqa: F401 — commands below register on the group
