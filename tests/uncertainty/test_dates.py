"""Dates: every written form planners and spreadsheets use, and decimal years back to dates."""
from __future__ import annotations

import datetime as dt

import pytest

from portfolio.uncertainty.dates import calendar_date, date_text, decimal_year, parse_year
from portfolio.uncertainty.units import UnitError, parse_quantity


@pytest.mark.parametrize("text", ["2023-05-19", "2023/5/19", "2023.5.19", "2023年5月19日", "2023年5月19号",
                                  "2023-05-19 00:00:00", "2023-05-19T00:00", " 2023 年 5 月 19 日 "])
def test_the_written_forms_of_one_day(text):
    assert decimal_year(text) == decimal_year(dt.date(2023, 5, 19)) == 2023 + 138 / 365


@pytest.mark.parametrize("text", ["2023-05", "2023/5", "2023年5月"])
def test_a_month_is_its_first_day(text):
    assert decimal_year(text) == decimal_year(dt.date(2023, 5, 1))


def test_one_dot_is_a_decimal_year_and_two_dots_a_date():
    assert parse_year("2023.5") == 2023.5
    assert parse_year("2023.5.1") == decimal_year(dt.date(2023, 5, 1))


@pytest.mark.parametrize("text, reason", [("2023/2/30", "day is out of range"), ("2023年13月", "month must be"),
                                          ("2023-00-10", "month must be")])
def test_impossible_dates_say_why(text, reason):
    with pytest.raises(UnitError, match=f"'{text}' is not a valid date \\({reason}"):
        parse_year(text)


@pytest.mark.parametrize("text", ["19/5/2023", "May 2023", "2023-5-"])
def test_ambiguous_dates_are_refused_with_the_forms_accepted(text):
    with pytest.raises(UnitError, match="expected a year"):
        parse_year(text)


@pytest.mark.parametrize("year", [2023, 2024, 2100])           # common, leap, and a century that is not leap
def test_every_day_of_a_year_comes_back_as_itself(year):
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert calendar_date(decimal_year(day)) == day
        assert date_text(decimal_year(day)) == day.isoformat()
        day += dt.timedelta(days=1)


def test_date_text_precisions_and_rounding():
    assert date_text(2024.5, "month") == "2024-07"                 # 2024 is leap: day 183 = 2 July
    assert date_text(2024.5) == "2024-07-02"
    assert date_text(2024.9999) == "2025-01-01"                    # rounds into the next year
    assert date_text(float("nan")) == ""


@pytest.mark.parametrize("text, years", [("6 weeks", 42 / 365.25), ("2 周", 14 / 365.25), ("30 天", 30 / 365.25),
                                         ("90 days", 90 / 365.25), ("1 wk", 7 / 365.25), ("18 个月", 1.5),
                                         ("3 个星期", 21 / 365.25), ("2 年", 2.0)])
def test_durations_in_days_weeks_months_and_years(text, years):
    assert parse_quantity(text, "duration") == pytest.approx(years, rel=1e-15)
