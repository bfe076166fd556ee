"""Calibration from history: `portfolio calibrate` (registered on the `portfolio` group)."""
from __future__ import annotations

from .cli import main  # noqa: F401 — commands below register on the group
