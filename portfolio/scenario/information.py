"""What a scenario may know: its information date (``meta.as_of``) and the sources it cites after it.

A scenario describes what was known at ``meta.as_of``; a source published after that date must not
inform its defaults. Sources are free text, so the check reads the dates written in them (``2021-06-04``,
``2021-06``, or a year standing alone, as in "Flyvbjerg & Gardner 2023") and lists every source whose
latest date is after ``as_of`` — unless the source says why it is there with the marker
``[after as_of: …]`` (for example a figure used only to describe, never as a default).
"""
from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?![\d.%])")
MARKER = "[after as_of:"


def dates_in(text: str) -> list[dt.date]:
    """The dates a text names; a bare year counts as 1 January of it, a month as its first day."""
    found = []
    for year, month, day in _DATE.findall(text):
        try:
            found.append(dt.date(int(year), int(month or 1), int(day or 1)))
        except ValueError:
            continue
    return found


def sources_after(meta) -> list[str]:
    """The sources in ``meta.sources`` dated after ``meta.as_of`` and not marked as allowed; [] without
    an ``as_of``."""
    if meta.as_of is None:
        return []
    late = []
    for source in meta.sources:
        if MARKER in source:
            continue
        dates = dates_in(source)
        if dates and max(dates) > meta.as_of:
            late.append(source)
    return late
