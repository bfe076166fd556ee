"""Units: numbers with units, including Chinese units, convert to each kind's base unit."""
import pytest

from portfolio.uncertainty import units as U
from portfolio.uncertainty.units import UnitError, parse_quantity


@pytest.mark.parametrize("text, kind, expected", [
    ("24.5 亿元", "money", 24.5),
    ("3000万元", "money", 0.3),
    ("2.45e9 元", "money", 24.5),
    ("1.5 bn CNY", "money", 15.0),
    ("40 亿元/年", "money_per_year", 40.0),
    ("1000万千瓦", "power", 10_000.0),
    ("10 GW", "power", 10_000.0),
    ("933 MW", "power", 933.0),
    ("500 kW", "power", 0.5),
    ("9.3444 亿千瓦时", "energy", 934.44),
    ("5.2 TWh", "energy", 5200.0),
    ("10%", "fraction", 0.10),
    ("6 months", "duration", 0.5),
    ("18个月", "duration", 1.5),
    ("0.30 元/kWh", "tariff", 0.30),
    ("4.15 元/W", "cost_per_kw", 4150.0),
    ("1,372 亿元", "money", 1372.0),
    (7, "money", 7.0),
])
def test_units_convert_to_base(text, kind, expected):
    assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text, kind, fragment", [
    ("30 MW", "money", "unit of power, not of money"),
    ("30 furlongs", "money", "unknown unit 'furlongs'"),
    ("ten", "money", "expected a number"),
    ("nan", "money", "expected a number"),
    (True, "fraction", "expected a number"),
])
def test_wrong_or_unknown_units_are_errors(text, kind, fragment):
    with pytest.raises(UnitError, match=fragment):
        parse_quantity(text, kind)


# --- numbers as people type them -------------------------------------------------------------------------
@pytest.mark.parametrize("text, kind, value", [
    ("10％", "fraction", 0.10), ("１０％", "fraction", 0.10), ("６１．５ 亿元", "money", 61.5),
    ("1,500 MW", "power", 1500.0), ("1,500.5 MW", "power", 1500.5), ("2,500,000", "plain", 2.5e6),
    ("-1,234.5", "plain", -1234.5), ("１，５００ MW", "power", 1500.0), ("3.0", "plain", 3.0),
])
def test_full_width_forms_and_thousands_separators_are_read(text, kind, value):
    assert U.parse_quantity(text, kind) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["3,0", "1,5", "12,34", "0,5%", "1,0000", "1,5 MW", "３，０"])
def test_a_decimal_comma_is_refused_with_the_fix_never_misread(text):
    with pytest.raises(U.UnitError, match="a comma may only separate thousands"):
        U.parse_quantity(text, "plain" if "%" not in text and "MW" not in text else
                         ("fraction" if "%" in text else "power"))
    with pytest.raises(ValueError, match="a comma may only separate thousands"):
        U.parse_number(text.replace("%", "").replace(" MW", ""))
