"""Charts: every chart renders in both languages (Chuxiong baseline and a one-project scenario) with
no missing glyph, no label outside the figure and no overlapping Gantt rows; ``portfolio chart`` from a
saved run gives the same pixels as ``portfolio run`` drew; the tables the charts read are the same
from a folder and from memory; importing and drawing leave matplotlib's settings alone."""
from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio.outputs.kinds import CHART_KINDS

KINDS = tuple(k for k in CHART_KINDS if k != "ledger")   # both test scenarios have every chart but the ledger's

CHUXIONG = Path(__file__).resolve().parents[2] / "scenarios" / "chuxiong" / "baseline.yaml"
DRAWS = 2000

ONE_PROJECT = """\
meta:
  name: one-project
  title: {zh: 单项目测试情景, en: One-project test scenario}
  region: {zh: 测试地区, en: Test region}
  base_year: 2020
  horizon: 2030
  language: en
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 5%}
  - {name: solar, metric: energy_capacity, year: 2024, threshold: 300 MW}
  - {name: solar_built, metric: completion, project: solar_park, by: 2023-06-30}
economy:
  gdp: 800 亿元
  capital_output_ratio: pert(2.5, 3.0, 3.5)
  capital_share: 0.5
  depreciation: 0.06
  investment_rate: pert(0.30, 0.35, 0.40)
  tfp_growth: normal(0.015, 0.005)
  population_growth: -0.005
  human_capital_growth: 0.005
energy:
  emission_factor: {name: grid, value: 0.5 kg/kWh}
  technologies:
    pv:
      kind: generation
      label: {zh: 光伏, en: Solar PV}
      full_load_hours: triangular(1100, 1300, 1500) h
      tariff: 0.30 元/kWh
      capex_per_kw: 4000
projects:
  - id: solar_park
    name: {zh: 光伏基地一期（含配套送出线路与储能设施的扩建工程）, en: Solar park phase 1 with its grid connection and storage extension}
    kind: energy
    source: "assumption: test"
    technology: pv
    capacity: 300 MW
    planned_start: 2022-03-01
    build_years: 1
    cancel_probability: 0.1
    reference_class: solar
"""


def run_cli(*args):
    from portfolio.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def shared_run(tmp_path_factory, name: str, scenario: Path) -> Path:
    """One run folder per scenario for the whole session (shared by the chart, report and export tests)."""
    folder = tmp_path_factory.getbasetemp() / f"shared-run-{name}"
    if not (folder / "manifest.json").is_file():
        result = run_cli("run", scenario, "--draws", DRAWS, "--seed", 7, "--out", folder, "--force", "--quiet")
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="session")
def chuxiong_run(tmp_path_factory) -> Path:
    return shared_run(tmp_path_factory, "chuxiong", CHUXIONG)


@pytest.fixture(scope="session")
def one_project_run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("one-project") / "scenario.yaml"
    path.write_text(ONE_PROJECT, encoding="utf-8")
    return shared_run(tmp_path_factory, "one-project", path)


@pytest.fixture(scope="session")
def runs(chuxiong_run, one_project_run) -> dict:
    return {"chuxiong": chuxiong_run, "one-project": one_project_run}


def rendered(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas


# ----------------------------------------------------------------------------------- the run's charts
def test_run_writes_every_chart_as_png_at_300_dpi_16_cm_wide_and_svg_with_outlined_text(chuxiong_run):
    from PIL import Image

    charts = chuxiong_run / "charts"
    assert sorted(p.name for p in charts.iterdir()) == sorted(f"{k}.{f}" for k in KINDS for f in ("png", "svg"))
    for kind in KINDS:
        with Image.open(charts / f"{kind}.png") as image:
            dpi = image.info["dpi"]
            assert dpi[0] == pytest.approx(300, abs=0.5)
            assert image.width == pytest.approx(16 / 2.54 * 300, abs=2)      # 16 cm at 300 dpi
            assert 6 / 2.54 * 300 < image.height < 26 / 2.54 * 300           # fits an A4 page
            pixels = np.asarray(image.convert("L"))
            assert pixels.std() > 10                                        # something is drawn
        svg = (charts / f"{kind}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<text" not in svg                         # text as paths
        assert re.search(r"<dc:date>", svg) is None                         # reproducible files


def test_default_language_is_the_scenarios(runs):
    from portfolio.outputs.rundata import RunData

    assert RunData.from_folder(runs["chuxiong"]).language == "zh"
    assert RunData.from_folder(runs["one-project"]).language == "en"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scenario", ["chuxiong", "one-project"])
def test_every_chart_renders_with_no_missing_glyph_and_no_label_outside_the_figure(runs, scenario, lang):
    from portfolio.outputs.charts import draw
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(runs[scenario])
    for kind in KINDS:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
            warnings.filterwarnings("error", message=".*findfont.*")
            fig = draw(kind, data, lang)
            canvas = rendered(fig)
        renderer = canvas.get_renderer()
        tight = fig.get_tightbbox(renderer)           # inches; everything drawn, ticks in view only
        width, height = fig.get_size_inches()
        tol = 0.5 / 72
        assert tight.x0 >= -tol and tight.y0 >= -tol and tight.x1 <= width + tol and tight.y1 <= height + tol, \
            f"{kind} ({lang}): something is drawn outside the figure: {tight} vs {width:.2f}x{height:.2f} in"
        for text in fig.texts:                        # titles and notes placed by hand
            ext = text.get_window_extent(renderer)
            assert ext.x1 <= fig.bbox.x1 + 1 and ext.x0 >= -1, f"{kind} ({lang}): {text.get_text()!r} is cut"
        if lang == "zh":
            fonts = {t.get_fontname() for t in fig.findobj(lambda a: hasattr(a, "get_fontname"))}
            assert fonts == {"Noto Sans CJK SC"}


def test_every_label_string_has_its_glyphs_in_the_chart_font(chuxiong_run):
    """Each character of every zh/en label, project name and technology label is in Noto Sans CJK SC."""
    from matplotlib.ft2font import FT2Font

    from portfolio.outputs import texts as labels
    from portfolio.outputs.rundata import RunData
    from portfolio.outputs.style import font_path

    charmap = FT2Font(str(font_path())).get_charmap()
    data = RunData.from_folder(chuxiong_run)
    strings = []
    for entry in labels.TEXT.values():
        for value in entry.values():
            strings.extend(value if isinstance(value, list) else [value])
    strings += list(data.projects["name_zh"]) + list(data.projects["name_en"])
    strings += [labels.pick(t["label"], lang) for t in data.technologies().values() for lang in ("zh", "en")]
    strings += [labels.pick(t.get("label"), lang, "") for t in data.summary["targets"] for lang in ("zh", "en")]
    strings += ["…", "–", "−", "≥", "·", "%"]
    missing = {ch for s in strings for ch in str(s) if not ch.isspace() and ord(ch) not in charmap}
    assert not missing, f"characters missing from the font: {sorted(missing)}"


def test_gantt_rows_are_readable_for_the_chuxiong_projects(chuxiong_run):
    from portfolio.outputs.charts import schedule
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    for lang in ("zh", "en"):
        fig = schedule(data, lang)
        renderer = rendered(fig).get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        assert len(labels) == len(data.projects) == 24                  # 22 projects and two milestones
        names = [t.get_text() for t in labels]
        assert len(set(names)) == len(names), "two projects got the same shortened name"
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.y0)
        for lower, upper in zip(boxes, boxes[1:]):
            assert lower.y1 <= upper.y0 + 0.5, "Gantt row labels overlap"
        heights = [b.height for b in boxes]
        assert min(heights) * 72 / fig.dpi >= 6.5                       # at least 6.5 pt tall
        # only projects whose effect on a miss is beyond Monte Carlo error are highlighted (at most 3)
        from portfolio.outputs.rundata import decisive_projects

        critical = {r["name"][lang] for r in decisive_projects(data.summary)[:3]}
        highlighted = [t.get_text() for t in labels if t.get_color() != "#222222"]
        assert len(highlighted) == len(critical) <= 3
        assert all(any(h.rstrip("…") in c or c.startswith(h.rstrip("…")[:6]) for c in critical) for h in highlighted)


def test_chart_command_redraws_the_runs_charts_pixel_for_pixel(chuxiong_run, tmp_path):
    from PIL import Image

    result = run_cli("chart", chuxiong_run, "--out", tmp_path / "again")
    assert result.exit_code == 0, result.output
    for kind in KINDS:
        with Image.open(chuxiong_run / "charts" / f"{kind}.png") as a, Image.open(tmp_path / "again" / f"{kind}.png") as b:
            assert a.size == b.size
            assert np.array_equal(np.asarray(a), np.asarray(b)), kind
        assert (chuxiong_run / "charts" / f"{kind}.svg").read_bytes() == (tmp_path / "again" / f"{kind}.svg").read_bytes()


def test_charts_drawn_in_one_or_two_processes_are_the_same_files(chuxiong_run, tmp_path):
    from portfolio.outputs.charts import write_charts
    from portfolio.outputs.rundata import RunData

    from portfolio.runs.executors import LocalExecutor

    data = RunData.from_folder(chuxiong_run)
    one = write_charts(data, tmp_path / "one")
    with LocalExecutor(2) as executor:
        two = write_charts(data, tmp_path / "two", executor=executor)
    assert [p.name for p in one] == [p.name for p in two] and len(one) >= 12
    for a, b in zip(one, two):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_chart_command_options(chuxiong_run, tmp_path):
    result = run_cli("chart", chuxiong_run, "--kind", "schedule", "--kind", "capex", "--lang", "en",
                     "--format", "pdf", "--format", "png", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capex.pdf", "capex.png", "schedule.pdf", "schedule.png"]
    assert (tmp_path / "capex.pdf").read_bytes().startswith(b"%PDF")


def test_chart_command_errors_are_one_line_and_exit_2(chuxiong_run, tmp_path):
    missing = run_cli("chart", tmp_path / "nowhere")
    assert missing.exit_code == 2
    assert missing.stderr.strip().count("\n") == 0 and "no such run folder" in missing.stderr
    partial = tmp_path / "partial"
    shutil.copytree(chuxiong_run, partial)
    (partial / "years.csv").unlink()
    result = run_cli("chart", partial)
    assert result.exit_code == 2 and "missing years.csv" in result.stderr and "Traceback" not in result.output
    staged = tmp_path / "staged"
    shutil.copytree(chuxiong_run, staged)
    (staged / "INCOMPLETE").write_text("x")
    result = run_cli("chart", staged)
    assert result.exit_code == 2 and "did not finish" in result.stderr
    assert run_cli("chart", chuxiong_run, "--kind", "pie").exit_code == 2


def test_run_with_no_charts_writes_none(tmp_path):
    result = run_cli("run", CHUXIONG, "--draws", 300, "--out", tmp_path / "r", "--quiet", "--no-charts")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "r" / "charts").exists()


# ----------------------------------------------------------------------------------- data and API
@pytest.fixture(scope="module")
def small_result():
    from portfolio.runs.simulate import simulate

    return simulate(str(CHUXIONG), draws=DRAWS, seed=7)


def test_rundata_from_result_equals_rundata_from_its_saved_folder(small_result, tmp_path):
    from portfolio.outputs.rundata import RunData

    folder = small_result.save(tmp_path / "saved")
    a, b = RunData.from_result(small_result), RunData.from_folder(folder)
    for name in ("years", "projects", "energy"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert set(a.schedule) == set(b.schedule) == {"criticality", "s_curves", "groups"}
    for name, table in a.schedule.items():
        pd.testing.assert_frame_equal(table, b.schedule[name], check_exact=True)
    assert a.summary == b.summary
    assert np.array_equal(a.average_growth, b.average_growth)
    assert np.array_equal(a.finish, b.finish, equal_nan=True) and len(a.finish) == a.n_valid
    assert a.scenario == b.scenario
    assert a.language == b.language == "zh"


def test_new_year_columns_are_quantiles_of_totals_not_sums_of_quantiles(small_result):
    years = small_result.years()
    energy = small_result.energy()
    summary = small_result.summary()
    cum = years[["capex_cumulative_p10", "capex_cumulative_p50", "capex_cumulative_p90"]].to_numpy()
    assert (np.diff(cum, axis=0) >= -1e-9).all()                       # an S-curve never falls
    assert (cum[:, 0] <= cum[:, 1]).all() and (cum[:, 1] <= cum[:, 2]).all()
    np.testing.assert_allclose(years["capex_cumulative_mean"].iloc[-1], years["capex_spent_mean"].sum(), rtol=1e-6)
    counted = summary["energy"]["technologies"]
    row = years.loc[summary["energy"]["year"]]
    for q in ("p10", "p50", "p90"):
        assert row[f"energy_capacity_mw_{q}"] == pytest.approx(summary["energy"][q], rel=1e-5)
    per_tech = energy[energy.index.get_level_values("technology").isin(counted)].groupby(level="year")
    np.testing.assert_allclose(years["energy_capacity_mw_mean"], per_tech["capacity_mw_mean"].sum().to_numpy(),
                               rtol=1e-5)
    sum_of_p10 = per_tech["capacity_mw_p10"].sum().to_numpy()
    assert (years["energy_capacity_mw_p10"].to_numpy() >= sum_of_p10 - 1e-6).all()
    assert (years["energy_capacity_mw_p10"].to_numpy() > sum_of_p10 + 1).any()    # not the same thing
    old = ["year", "gdp_p5", "growth_p50", "contribution_construction", "capex_spent_mean", "capex_spent_p90"]
    assert all(c in small_result.years(indexed=False).columns for c in old)   # years.csv keeps them


def test_result_plot_returns_figures_never_shows_and_leaves_matplotlib_settings_alone(small_result, monkeypatch):
    import matplotlib
    from matplotlib.figure import Figure

    before = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("show() was called"))
    import portfolio.outputs.charts  # noqa: F401 — importing changes nothing

    figures = [getattr(small_result.plot, kind)() for kind in KINDS]
    assert all(isinstance(f, Figure) for f in figures)
    assert figures[0].get_size_inches()[0] == pytest.approx(16 / 2.54)
    en = small_result.plot.growth_fan(lang="en")
    texts = " ".join(t.get_text() for t in en.findobj(lambda a: hasattr(a, "get_text")))
    assert "Real GDP growth" in texts and "增速" not in texts
    after = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    assert after == before
    assert not plt.get_fignums()                                       # nothing registered with pyplot


def test_the_probability_on_the_histogram_is_the_summarys(chuxiong_run):
    from portfolio.outputs.charts import average_growth
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    target = data.growth_target()
    fig = average_growth(data, "en")
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    expected = f"= {target['probability'] * 100:.1f}%"
    assert any(expected in t and "95% interval" in t for t in texts)
    summary = json.loads((chuxiong_run / "summary.json").read_text(encoding="utf-8"))
    met = (data.average_growth >= target["threshold"]).mean()
    assert met == pytest.approx(summary["targets"][0]["probability"], abs=1e-12)


def test_fan_chart_shows_actuals_and_contributions_mark_observed_years(chuxiong_run):
    from portfolio.outputs.charts import contributions, growth_fan
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    data.summary = {**data.summary, "actuals": {"source": "actuals.csv", "years": [2021, 2022], "growth": [0.085, 0.043]}}
    fig = growth_fan(data, "en")
    line = next(l for l in fig.axes[0].get_lines() if l.get_label() == "Actual")
    assert list(line.get_xdata()) == [2021, 2022] and list(line.get_ydata()) == pytest.approx([8.5, 4.3])
    texts = [t.get_text() for t in contributions(data, "zh").axes[0].texts]
    assert texts.count("实际值") == 2


def test_a_scenario_without_projects_or_energy_gets_the_charts_that_make_sense(tmp_path):
    scenario = tmp_path / "none.yaml"
    targets = ("  - {name: solar, metric: energy_capacity, year: 2024, threshold: 300 MW}\n"
               "  - {name: solar_built, metric: completion, project: solar_park, by: 2023-06-30}\n")
    scenario.write_text(ONE_PROJECT.split("energy:\n")[0].replace(targets, ""), encoding="utf-8")
    result = run_cli("run", scenario, "--draws", 300, "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert sorted(p.stem for p in (tmp_path / "r" / "charts").glob("*.png")) == \
        ["average_growth", "capex", "contributions", "growth_fan"]
    assert run_cli("report", tmp_path / "r", "--format", "docx").exit_code == 0
    assert run_cli("export", tmp_path / "r", "--xlsx", tmp_path / "x.xlsx").exit_code == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_average_growth_histogram_says_its_end_bars_hold_the_tails(chuxiong_run, lang):
    from portfolio.outputs import texts as L
    from portfolio.outputs.charts import average_growth
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    values = np.asarray(data.average_growth, float)
    fig = average_growth(data, lang)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    below, above = (values * 100 < lo).mean(), (values * 100 > hi).mean()
    assert below + above > 0                        # P0.25–P99.75 plus padding: some draws lie beyond
    notes = [t.get_text() for a in fig.axes for t in a.texts
             if L.text("avg.tails", lang, lo="", hi="", below="", above="")[:6] in t.get_text()]
    assert len(notes) == 1 and L.percent(below, 2) in notes[0] and L.percent(above, 2) in notes[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_finish_date_histogram_piles_no_tail_into_its_end_bars_and_says_how_many_lie_beyond(chuxiong_run, lang):
    from portfolio.outputs import texts as L
    from portfolio.outputs.charts import finish_dates
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(chuxiong_run)
    values = np.asarray(data.finish, float)
    fig = finish_dates(data, lang)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    finite = values[np.isfinite(values)]
    below, above = int((finite < lo).sum()), int((finite > hi).sum())
    assert below + above > 0                        # P0.25–P99.75 plus padding: some draws lie beyond
    shown = sum(p.get_height() for p in ax.patches) / 100 * len(values)
    assert shown == pytest.approx(len(finite) - below - above)     # the bars hold only the draws they span
    note = L.text("finish.tails", lang, n=below + above, parts="")
    notes = [t.get_text() for a in fig.axes for t in a.texts if t.get_text().startswith(note[:5])]
    assert len(notes) == 1 and f"{below + above:,}" in notes[0], notes


@pytest.fixture(scope="module")
def ledger_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ledger") / "run"
    ledger = CHUXIONG.parent / "ledger-illustrative.csv"
    result = run_cli("run", CHUXIONG, "--draws", 600, "--seed", 7, "--out", folder, "--quiet", "--ledger", ledger)
    assert result.exit_code == 0, result.output
    return folder


def test_a_run_with_a_ledger_draws_plan_against_progress_and_its_report_shows_it(ledger_run, chuxiong_run, tmp_path):
    assert {"ledger.png", "ledger.svg"} <= {p.name for p in (ledger_run / "charts").iterdir()}
    assert not (chuxiong_run / "charts" / "ledger.png").exists()                # no ledger, no chart
    html = tmp_path / "report.html"
    assert run_cli("report", ledger_run, "--out", html).exit_code == 0
    assert html.read_text(encoding="utf-8").count('src="data:image/png;base64,') == len(KINDS) + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ledger_chart_draws_each_reported_projects_plan_progress_and_slip(ledger_run, lang):
    from matplotlib.patches import Rectangle

    from portfolio.outputs import texts as L
    from portfolio.outputs.charts import ledger
    from portfolio.outputs.rundata import RunData

    data = RunData.from_folder(ledger_run)
    rows = data.summary["ledger"]["projects"]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from.*font.*")
        fig = ledger(data, lang)
        rendered(fig)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    names = dict(zip(data.projects["id"], data.projects[f"name_{lang}"]))
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]
    texts = [t.get_text() for t in ax.texts]
    for i, r in enumerate(rows):
        assert L.text(f"ledger.status.{r['status']}", lang) in ticks[i]
        assert L.shorten(str(names[r["id"]]), 22 if lang == "zh" else 30) in ticks[i]
        y = len(rows) - 1 - i
        planned = [b for b in bars if abs(b.get_y() + b.get_height() / 2 - (y + 0.17)) < 1e-6]
        assert len(planned) == 1 and planned[0].get_x() == pytest.approx(r["planned_start"])
        assert planned[0].get_width() == pytest.approx(r["planned_cod"] - r["planned_start"])
        if r["actual_start"] is not None:
            actual = [b for b in bars if abs(b.get_y() + b.get_height() / 2 - (y - 0.17)) < 1e-6]
            assert len(actual) == 1 and actual[0].get_x() == pytest.approx(r["actual_start"])
        assert L.text("ledger.slip", lang, months=r["cod_slip_years_p50"] * 12) in texts
    shares = {L.percent(r["share_complete"], 0) for r in rows if r["status"] == "under_construction"}
    assert shares and shares <= set(texts)
