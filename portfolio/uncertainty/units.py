"""Units: parse numbers written with a unit (including Chinese units) into each kind's base unit.

Base units: money 亿元 (1e8 CNY); power MW; energy GWh; durations years (a month 1/12, a week 7/365.25,
a day 1/365.25; also 个月, 周, 天); hours h/yr; tariffs CNY/kWh;
capex per kW CNY/kW; emission factors kg CO2/kWh; fractions as plain fractions (0.1 = 10%).
"""
from __future__ import annotations

import math
import re
import unicodedata

from portfolio.problems import short

#: a day as a fraction of a year: the mean calendar year (365.25 days); a month is 1/12 year
DAYS_PER_YEAR = 365.25

# kind -> {unit text (lower-case, spaces removed): factor to the base unit}
_MONEY = {
    "亿元": 1.0, "亿": 1.0, "億元": 1.0, "万元": 1e-4, "萬元": 1e-4, "元": 1e-8, "CNY": 1e-8,
    "RMB": 1e-8, "百万元": 1e-2, "十亿元": 10.0, "bn CNY": 10.0, "billion CNY": 10.0,
    "million CNY": 1e-2, "万亿元": 1e4,
}
_PER_YEAR = ("/年", "/yr", "/year", "/a")

UNITS: dict[str, dict[str, float]] = {
    "money": _MONEY,
    "money_per_year": {u + s: f for u, f in _MONEY.items() for s in _PER_YEAR} | _MONEY,
    "power": {"kW": 1e-3, "千瓦": 1e-3, "MW": 1.0, "兆瓦": 1.0, "GW": 1e3, "吉瓦": 1e3, "万千瓦": 10.0,
              "万kW": 10.0, "亿千瓦": 1e5},
    "energy": {"kWh": 1e-6, "千瓦时": 1e-6, "度": 1e-6, "MWh": 1e-3, "GWh": 1.0, "TWh": 1e3,
               "万千瓦时": 1e-2, "万kWh": 1e-2, "亿千瓦时": 100.0, "亿kWh": 100.0, "亿度": 100.0},
    "fraction": {"%": 0.01, "pp": 0.01, "‰": 1e-3},
    "ratio": {"%": 0.01, "x": 1.0, "×": 1.0},
    "duration": {"y": 1.0, "yr": 1.0, "yrs": 1.0, "year": 1.0, "years": 1.0, "年": 1.0, "a": 1.0,
                 "month": 1 / 12, "months": 1 / 12, "个月": 1 / 12, "月": 1 / 12, "mo": 1 / 12,
                 "week": 7 / DAYS_PER_YEAR, "weeks": 7 / DAYS_PER_YEAR, "wk": 7 / DAYS_PER_YEAR,
                 "wks": 7 / DAYS_PER_YEAR, "w": 7 / DAYS_PER_YEAR, "周": 7 / DAYS_PER_YEAR,
                 "星期": 7 / DAYS_PER_YEAR, "个星期": 7 / DAYS_PER_YEAR,
                 "day": 1 / DAYS_PER_YEAR, "days": 1 / DAYS_PER_YEAR, "d": 1 / DAYS_PER_YEAR,
                 "天": 1 / DAYS_PER_YEAR, "日": 1 / DAYS_PER_YEAR},
    "hours": {"h": 1.0, "hours": 1.0, "hour": 1.0, "小时": 1.0, "h/yr": 1.0, "h/年": 1.0, "h/a": 1.0},
    "tariff": {"元/kWh": 1.0, "元/千瓦时": 1.0, "元/度": 1.0, "CNY/kWh": 1.0, "元/MWh": 1e-3, "CNY/MWh": 1e-3},
    "cost_per_kw": {"元/kW": 1.0, "元/千瓦": 1.0, "CNY/kW": 1.0, "元/W": 1e3, "CNY/W": 1e3, "元/瓦": 1e3,
                    "万元/MW": 10.0, "亿元/GW": 100.0, "元/kWh": 1.0, "CNY/kWh": 1.0},
    "emission_factor": {"kg/kWh": 1.0, "t/MWh": 1.0, "g/kWh": 1e-3, "kgCO2/kWh": 1.0, "tCO2/MWh": 1.0},
    "count": {},
    "plain": {},
}

BASE_UNIT = {
    "money": "亿元", "money_per_year": "亿元/年", "power": "MW", "energy": "GWh", "fraction": "fraction",
    "ratio": "ratio", "duration": "years", "hours": "h/yr", "tariff": "CNY/kWh", "cost_per_kw": "CNY/kW",
    "emission_factor": "kg CO2/kWh", "count": "count", "plain": "number",
}

#: a number: thousands separated by commas only in groups of three (1,372 or 1,500.5), a decimal point
_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")
#: a comma that does not separate thousands: a decimal comma ('3,0', '1,5'), which must not read as 30 or 15
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,(?!\d{3}(?:\D|$))\d")


class UnitError(ValueError):
    """A quantity's unit is unknown or of the wrong kind."""


def _normalise(unit: str) -> str:
    return unit.replace(" ", "").replace("\u3000", "").lower()


def _as_typed(text: str) -> str:
    """Full-width digits, signs, ％ and separators (as a Chinese input method types them) as ASCII."""
    return unicodedata.normalize("NFKC", text)


def unit_factor(unit: str, kind: str) -> float:
    """Factor that converts a value in ``unit`` to the base unit of ``kind``; empty unit → 1."""
    key = _normalise(unit)
    if key == "" or key == _normalise(BASE_UNIT[kind]):
        return 1.0
    table = _LOOKUP[kind]
    if key in table:
        return table[key]
    other = [k for k, t in _LOOKUP.items() if key in t and k != kind]
    accepted = ", ".join(UNITS[kind]) or "none (a plain number)"
    if other:
        raise UnitError(f"unit '{unit}' is a unit of {other[0].replace('_', ' ')}, not of "
                        f"{kind.replace('_', ' ')} (expected {BASE_UNIT[kind]}; accepted: {accepted})")
    raise UnitError(f"unknown unit '{unit}' for {kind.replace('_', ' ')} (accepted: {accepted})")


_LOOKUP = {kind: {_normalise(unit): f for unit, f in table.items()} for kind, table in UNITS.items()}


def parse_number(text: str) -> float:
    """A float from text such as '1,372', '1,500.5', '２.５' or '2.5e3'; ValueError otherwise — also for a
    decimal comma ('3,0', '1,5'), which would otherwise read as 30 or 15."""
    text = _as_typed(text).strip()
    if _DECIMAL_COMMA.match(text) or not re.fullmatch(_NUMBER, text):
        raise ValueError(_comma_message(text) if "," in text else f"not a number: {short(text)}")
    return float(text.replace(",", ""))


def split_quantity(text: str) -> tuple[str, str] | None:
    """The number and the unit of a quantity as written: '1372 亿元' → ('1372', '亿元'), '10%' → ('10', '%');
    None if ``text`` does not start with a number."""
    match = _QUANTITY.match(text)
    return (match.group(1), match.group(2)) if match else None


def _comma_message(text: str) -> str:
    return (f"{short(text)}: a comma may only separate thousands (1,500); write decimals with a point "
            f"({short(text.replace(',', '.', 1))})")


def parse_quantity(value: object, kind: str) -> float:
    """A finite float in the base unit of ``kind`` from a number or a string with an optional unit."""
    if isinstance(value, bool):
        raise UnitError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:                  # an integer of hundreds of digits
            raise UnitError(f"expected a finite number, got {short(value)}") from None
    elif isinstance(value, str):
        typed = _as_typed(value)
        if _DECIMAL_COMMA.match(typed):
            raise UnitError(_comma_message(typed.strip()))
        parts = split_quantity(typed)
        if parts is None:
            raise UnitError(f"expected a number with an optional unit, got {short(value)}")
        result = parse_number(parts[0]) * unit_factor(parts[1], kind)
    else:
        raise UnitError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(result):
        raise UnitError(f"expected a finite number, got {short(value)}")
    return result



#: the order in which a unit written without its kind is looked up (``元/kWh`` is a tariff before a cost)
_KIND_ORDER = ("money", "money_per_year", "power", "energy", "tariff", "cost_per_kw", "duration", "hours",
               "emission_factor", "fraction")


def kind_of(unit: str) -> tuple[str, float] | None:
    """(kind, factor to the kind's base unit) of a unit as written ('万千瓦' → ('power', 10.0)), or None."""
    key = _normalise(unit)
    for kind in _KIND_ORDER:
        if key in _LOOKUP[kind]:
            return kind, _LOOKUP[kind][key]
    return None
