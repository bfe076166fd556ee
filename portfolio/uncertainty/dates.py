"""Calendar dates as decimal years, the time axis of every scenario, and back.

Calendar year ``t`` is the interval ``[t, t+1)``; ``2021.5`` is about 2 July 2021. A date maps to
``year + (day_of_year - 1) / days_in_year``; ``calendar_date`` is the inverse (to the nearest day) and
``date_text`` writes a decimal year as a planner reads it (``2024-06-30`` or ``2024-06``).

Dates are read in the forms planners and spreadsheets write: ISO ``2023-05-19`` and ``2023-05``,
``2023/5/19`` and ``2023/5``, ``2023.5.19`` (two dots: a date; ``2023.5`` with one dot is a decimal year),
``2023年5月19日`` and ``2023年5月``, ISO with a time (``2023-05-19 00:00:00``, as CSV exports of Excel
dates look), and date objects (Excel date cells).
"""
from __future__ import annotations

import datetime as _dt
import numbers
import re

import numpy as np

from portfolio.problems import short
from portfolio.uncertainty.units import UnitError

_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})(?:/(\d{1,2}))?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?$"),
)


def _date_match(text: str):
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            return m
    return None


def decimal_year(value) -> float:
    """Convert a date-like value to a decimal year.

    Parameters
    ----------
    value : int, float, datetime.date, datetime.datetime or str
        A number is taken as a decimal year already. A date maps to
        ``year + (day_of_year - 1) / days_in_year`` (so 2021-07-01 -> 2021 + 181/365); a
        datetime adds the fraction of its day. Strings must be ISO ``"YYYY-MM-DD"`` or
        ``"YYYY-MM"`` (the first day of the month), or the other written forms of the module
        docstring (``2023/5/19``, ``2023年5月``, ...).

    Returns
    -------
    float
        Decimal year.

    Raises
    ------
    ValueError
        For booleans, unparseable strings, invalid calendar dates or other types.
    """
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise ValueError(f"decimal_year: expected a year or a date, got the boolean {value!r}")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        m = _date_match(value.strip())
        if not m:
            raise ValueError(f"decimal_year: cannot read {value!r}; use 'YYYY-MM-DD', 'YYYY-MM' or a number")
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        try:
            value = _dt.date(y, mo, d)
        except ValueError as exc:
            raise ValueError(f"decimal_year: {value!r} is not a valid date ({exc})") from None
    if isinstance(value, _dt.date):
        days = 366 if _is_leap(value.year) else 365
        frac = value.timetuple().tm_yday - 1
        if isinstance(value, _dt.datetime):
            frac += (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
        return value.year + frac / days
    raise ValueError(f"decimal_year: expected a number, a date or an ISO string, got {type(value).__name__} {value!r}")


def calendar_date(year: float) -> _dt.date:
    """The calendar date of a decimal year, to the nearest day (the inverse of ``decimal_year``)."""
    if not np.isfinite(year):
        raise ValueError(f"calendar_date: {year!r} is not a finite year")
    whole = int(np.floor(year))
    days = 366 if _is_leap(whole) else 365
    day = int(round((year - whole) * days))
    if day >= days:                                   # rounds up into the next year
        return _dt.date(whole + 1, 1, 1)
    return _dt.date(whole, 1, 1) + _dt.timedelta(days=day)


def date_text(year: float, precision: str = "day") -> str:
    """A decimal year as ``YYYY-MM-DD`` (``precision="day"``) or ``YYYY-MM`` (``"month"``); "" for NaN."""
    if year is None or not np.isfinite(year):
        return ""
    date = calendar_date(float(year))
    return date.isoformat() if precision == "day" else f"{date.year:04d}-{date.month:02d}"


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def parse_year(value) -> float:
    """A year as written in a scenario or a table (2023, 2023.5, '2023-05-19', a date) → decimal year;
    UnitError for anything else or a year outside 1900–2200."""
    if isinstance(value, bool):
        raise UnitError(f"expected a year, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value) if value.strip().replace(".", "", 1).isdigit() else value
        except ValueError:
            pass
    try:
        year = decimal_year(value)
    except OverflowError:                       # an integer of hundreds of digits
        raise UnitError(f"expected a year between 1900 and 2200, got {short(value)}") from None
    except (ValueError, TypeError) as exc:
        if isinstance(value, str) and _date_match(value.strip()):        # the right form, an impossible day
            reason = str(exc).rsplit("(", 1)[-1].rstrip(")")
            raise UnitError(f"{short(value)} is not a valid date ({reason})") from None
        raise UnitError(f"expected a year (2023, 2023.5 or a date such as '2023-05-19', '2023/5/19' or "
                        f"'2023年5月'), got {short(value)}") from None
    if not 1900 <= year <= 2200:
        raise UnitError(f"year {year:g} is outside 1900–2200")
    return year
