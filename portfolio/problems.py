"""The errors a user sees: problems in input files, and requests that cannot be carried out.

A ``Problem`` prints as ``FILE:LINE: key.path: what is wrong (what was expected)``; ``InputError``
carries all problems found in one pass so that a user sees them at once. ``UserError`` is the base of
every other error whose message is meant for the user (an output folder in the way, a run that does
not fit in memory, an unfinished run folder, an unreachable scheduler): one line, no traceback; the
command line prints it and exits with status 2.
"""
from __future__ import annotations

from dataclasses import dataclass

Path = tuple  # a key path: ('projects', 'airport', 'capex')
MAX_MESSAGE = 400


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as it can be."""

    file: str
    line: int | None
    path: str
    message: str

    def __post_init__(self) -> None:
        # a message quotes at most the offending value: never let a whole input through
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", self.message[: MAX_MESSAGE - 3] + "...")
        if len(self.path) > 200:
            object.__setattr__(self, "path", self.path[:197] + "...")

    def __str__(self) -> str:
        where = location(self.file, self.line)
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class UserError(Exception):
    """A request that cannot be carried out as asked; the message is one line for the user."""


class InputError(Exception):
    """Invalid input; ``problems`` lists every problem found. The CLI prints them and exits 2."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.path, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def location(file: str, line: int | None) -> str:
    """Where a value is, as messages print it: ``FILE:LINE``, or ``FILE`` alone (a workbook's
    ``FILE.xlsx:Sheet!B12``, ``--set``)."""
    return f"{file}:{line}" if line else file


def dotted(path: Path) -> str:
    """('projects', 'airport', 'capex') → 'projects.airport.capex'; list indices as [i]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def short(value: object, limit: int = 60) -> str:
    """The offending value, quoted and cut to ``limit`` characters (never whole file contents)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(text: str, limit: int = 60) -> str:
    """Text cut to ``limit`` characters, without quotes."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
