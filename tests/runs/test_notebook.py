"""What a notebook sees of a run: short reprs and HTML views built from the summary as the terminal prints
it, tables indexed naturally (while the CSV files keep their columns), and the per-draw data long and as
an xarray Dataset."""
from __future__ import annotations

import html

import pandas as pd
import pytest

import portfolio
from portfolio.outputs.textsummary import format_summary
from tests.conftest import CHUXIONG


@pytest.fixture(scope="module")
def result():
    scenario = portfolio.load_scenario(CHUXIONG / "baseline.yaml", overrides=["meta.title.en=Base <b>&amp; plan</b>"])
    return portfolio.simulate(scenario, draws=400, seed=11)


@pytest.fixture(scope="module")
def saved(result, tmp_path_factory):
    return result.save(tmp_path_factory.mktemp("notebook") / "run", charts=False)


def _printed_target_lines(summary: dict) -> list[str]:
    names = [t["name"] for t in summary["targets"]]
    lines = format_summary(summary).splitlines()
    return [next(line for line in lines if line.split()[:1] == [name] and " P = " in line) for name in names]


def test_the_repr_is_a_few_lines_with_each_target_as_the_summary_prints_it(result):
    text = repr(result)
    summary = result.summary()
    assert len(text.splitlines()) == 2 + len(summary["targets"]) and len(text) < 2000
    assert summary["scenario"] in text.splitlines()[0]
    assert f"{summary['draws']:,} draws, seed {summary['seed']}" in text
    for line in _printed_target_lines(summary):
        assert line.strip() in text


def test_the_html_view_is_an_escaped_table_of_the_targets(result):
    page = result._repr_html_()
    summary = result.summary()
    assert "<b>&amp;" not in page and html.escape("Base <b>&amp; plan</b>") in page
    assert page.count("<tr>") == 1 + len(summary["targets"])
    for t in summary["targets"]:
        low, high = t["ci95"]
        assert f"<td class=\"num\">[{low * 100:.1f}%, {high * 100:.1f}%]</td>" in page
        assert f">{t['probability'] * 100:.1f}%<" in page


def test_a_saved_run_shows_the_same_targets(result, saved):
    run = portfolio.open_run(saved)
    n = len(result.summary()["targets"])
    assert repr(run).splitlines()[-n:] == repr(result).splitlines()[-n:]
    assert str(saved) in repr(run)
    assert result._repr_html_().split("<table>")[1] == run._repr_html_().split("<table>")[1]


def test_tables_are_indexed_naturally_and_the_csv_files_keep_their_columns(result, saved):
    years, projects, energy = result.years(), result.projects(), result.energy()
    assert years.index.name == "year" and list(years.index) == list(result.years_index)
    assert projects.index.name == "id" and list(projects.index) == [p.id for p in result.scenario.projects]
    assert energy.index.names == ["technology", "year"]
    run = portfolio.open_run(saved)
    for name, table in (("years", years), ("projects", projects), ("energy", energy)):
        flat = getattr(result, name)(indexed=False)
        pd.testing.assert_frame_equal(flat, table.reset_index())
        written = pd.read_csv(saved / f"{name}.csv")
        assert list(written.columns) == list(flat.columns)          # the file's columns, in order
        assert list(run.table(name, indexed=False).columns) == list(flat.columns)
        pd.testing.assert_index_equal(run.table(name).index, table.index, exact=False)
    assert years.loc[2025, "gdp_p50"] == pytest.approx(run.years.set_index("year").loc[2025, "gdp_p50"])


def test_the_long_view_round_trips_to_the_wide_table(result, saved):
    from portfolio.outputs.tidy import draws_wide

    wide = result.draws()
    long = result.draws(long=True)
    quantities = [c for c in wide.columns if c not in ("draw", "valid")]
    assert len(long) == len(wide) * len(quantities)
    pd.testing.assert_frame_equal(draws_wide(long), wide)
    gdp = long[(long.variable == "gdp") & (long.year == 2025)].set_index("draw")["value"]
    pd.testing.assert_series_equal(gdp, wide.set_index("draw")["gdp_2025"], check_names=False)
    start = long[(long.variable == "start") & (long.key == "airport")]
    assert start["value"].to_numpy().tolist() == pytest.approx(wide["start_airport"].tolist(), nan_ok=True)
    pd.testing.assert_frame_equal(portfolio.open_run(saved).draws(long=True), long)


def test_to_xarray_has_named_dimensions_and_the_values_of_draws(result, saved):
    pytest.importorskip("xarray")
    import numpy as np

    wide = result.draws()
    ds = result.to_xarray()
    assert {"draw", "year", "project", "target", "input", "technology"} <= set(ds.dims)
    assert list(ds.year.values) == list(result.years_index)
    for year in result.years_index:
        np.testing.assert_array_equal(ds.gdp.sel(year=year).values, wide[f"gdp_{year}"].to_numpy())
    np.testing.assert_array_equal(ds.growth.sel(year=result.years_index[0]).isnull(), True)
    for t in result.scenario.targets:
        np.testing.assert_array_equal(ds.outcome.sel(target=t.name).values, wide[f"target_{t.name}"].to_numpy())
    np.testing.assert_array_equal(ds.finish.sel(project="airport").values, wide["finish_airport"].to_numpy())
    np.testing.assert_array_equal(ds.inputs.sel(input="economy.tfp_growth").values, wide["economy.tfp_growth"])
    np.testing.assert_array_equal(ds.valid.values, wide["valid"].to_numpy())
    # the per-technology detail is the energy table's per draw: its mean is energy.csv's mean
    energy = result.energy()
    mean = ds.capacity_mw.sel(technology="pv", year=2025).mean().item()
    assert mean == pytest.approx(energy.loc[("pv", 2025), "capacity_mw_mean"], rel=1e-6)
    folder = portfolio.open_run(saved).to_xarray()
    for name in ("gdp", "growth", "outcome", "start", "finish", "inputs", "valid"):
        np.testing.assert_array_equal(folder[name].values, ds[name].values)


def test_to_xarray_without_xarray_names_the_extra(result, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_xarray(name, *args, **kwargs):
        if name == "xarray" or name.startswith("xarray."):
            raise ImportError("No module named 'xarray'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_xarray)
    with pytest.raises(ImportError, match=r'pip install "portfolio\[xarray\]"'):
        result.to_xarray()
