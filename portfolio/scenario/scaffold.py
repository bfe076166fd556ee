"""``portfolio init``: a new region's scenario scaffold, valid as generated."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from portfolio.problems import InputError, Problem

FILES = ("scenario.yaml", "projects.csv")


def write_scaffold(directory: Path, force: bool = False) -> list[Path]:
    """Write the scaffold files into ``directory``; refuse a non-empty folder unless ``force``."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InputError([Problem(str(directory), None, "", "exists and is not a folder")])
    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError([Problem(str(directory), None, "", "folder is not empty (use --force to write "
                                  "the scaffold files into it anyway)")])
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        text = resources.files("portfolio.scenario").joinpath("templates", name).read_text(encoding="utf-8")
        target = directory / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
