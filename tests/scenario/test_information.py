"""The information date (meta.as_of): which cited sources are later than what a scenario may know."""
from __future__ import annotations

import datetime as dt
import pytest

from portfolio import InputError, load_scenario
from portfolio.scenario.information import dates_in, sources_after
from tests.conftest import CHUXIONG, MINIMAL


def test_dates_in_free_text():
    assert dates_in("kunming.cn 2021-06-04: a goal") == [dt.date(2021, 6, 4)]
    assert dates_in("Flyvbjerg & Gardner 2023, Appendix A") == [dt.date(2023, 1, 1)]
    assert dates_in("NBS 2021-02 communique; 2016-2019 6.8%") == [dt.date(2021, 2, 1), dt.date(2016, 1, 1),
                                                                  dt.date(2019, 1, 1)]
    assert dates_in("8.5% growth, 2500 亿元, 10.3%") == []             # numbers that are not years


def _meta(as_of, sources):
    from portfolio.scenario.schema import Meta

    return Meta(name="m", title={"zh": "m", "en": "m"}, region={"zh": "r", "en": "r"}, base_year=2020,
                horizon=2025, as_of=as_of, sources=sources)


def test_sources_after_the_information_date_are_listed_unless_marked():
    meta = _meta("2021-06-17", ["a report of 2021-06-04", "a bulletin of 2021-07-01", "a 2024 study",
                                "a 2023 compilation [after as_of: the same 2002 data]"])
    assert sources_after(meta) == ["a bulletin of 2021-07-01", "a 2024 study"]
    assert sources_after(_meta(None, ["a 2024 study"])) == []              # no as_of: nothing to check


def test_as_of_must_come_after_the_observed_base_year(write):
    text = MINIMAL.replace("  base_year: 2020\n", "  base_year: 2020\n  as_of: 2020-06-01\n")
    assert "as_of" in text
    with pytest.raises(InputError, match=r"meta\.as_of: 2020-06-01 is not after the base year 2020"):
        load_scenario(write("early.yaml", text))


def test_the_chuxiong_pack_cites_only_its_two_known_later_sources():
    """The mid-2021 pack must stay a fair test of what could be known then: any new source dated later
    fails here until it is removed, marked, or added to the known list in the pack's README."""
    meta = load_scenario(CHUXIONG / "baseline.yaml").meta
    assert meta.as_of == dt.date(2021, 6, 17)
    late = sources_after(meta)
    assert len(late) == 2
    assert any("GDP 2020 = 1372" in s for s in late) and any("emission factors" in s for s in late)


def test_validate_names_the_later_sources_once_for_all_files(cli):
    out = cli("validate", str(CHUXIONG / "baseline.yaml"))
    assert out.exit_code == 0, out.output
    assert out.output.count("baseline.yaml cites a source dated after its information date (meta.as_of 2021-06-17)") == 2
    both = cli("validate", str(CHUXIONG / "baseline.yaml"), str(CHUXIONG / "energy-late.yaml"))
    notes = [line for line in both.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 2 and all(line.startswith("note: 2 files cite") for line in notes)
