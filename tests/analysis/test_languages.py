"""Every output in the language it is asked for: the English outputs of a run, a comparison, a
sensitivity analysis and a sweep of the Chinese scenario pack — printed summaries, reports, chart texts —
hold no Chinese but the scenario's own words that have no English version (the sources it quotes), and
every Chinese chart title uses the full-width colon."""
from __future__ import annotations

import re
import textwrap

import pytest

from tests.conftest import CHUXIONG

CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")


def chart_texts(fig) -> list[str]:
    """Every text a matplotlib figure draws: titles, labels, tick labels, legends, annotations."""
    from matplotlib.text import Text

    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """{what: (printed text, [report and text files], {chart: Figure in English}, {chart: Figure in Chinese})}."""
    from click.testing import CliRunner

    from portfolio.analysis.sensitivity import open_sensitivity
    from portfolio.cli import main
    from portfolio.outputs.charts_compare import folder_figures
    from portfolio.outputs.rundata import open_run
    from portfolio.runs.sweep import sweep_figures

    root = tmp_path_factory.mktemp("languages")
    runner = CliRunner()

    def cli(*args):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = {}
    run = root / "run"
    printed = cli("run", CHUXIONG / "baseline.yaml", "--draws", 600, "--out", run, "--lang", "en", "--no-charts",
                  "--ledger", CHUXIONG / "ledger-illustrative.csv")
    files = [run / f"report_en.{fmt}" for fmt in ("html", "md")]
    for fmt in ("html", "md"):
        cli("report", run, "--lang", "en", "--format", fmt)
    saved = open_run(run)
    out["run"] = (printed, files, saved.plot.all("en"), saved.plot.all("zh"))

    compare = root / "compare"
    printed = cli("compare", CHUXIONG / "baseline.yaml", CHUXIONG / "airport-delayed.yaml", "--draws", 400,
                  "--out", compare)
    cli("report", compare, "--lang", "en", "--format", "md", "--out", compare / "report_en.md")
    out["comparison"] = (printed, [compare / "report_en.md"], folder_figures(compare, "en")[1],
                         folder_figures(compare, "zh")[1])

    sensitivity = root / "tornado"
    printed = cli("sensitivity", CHUXIONG / "baseline.yaml", "--method", "tornado", "--out", sensitivity,
                  "--lang", "en")
    result = open_sensitivity(sensitivity)
    out["sensitivity"] = (printed, [], result.figures("en"), result.figures("zh"))

    sweep = root / "sweep.yaml"
    sweep.write_text(textwrap.dedent(f"""\
        scenarios: {CHUXIONG / "baseline.yaml"}
        draws: 200
        factors:
          economy.investment_rate: [0.65, 0.75]
          projects.airport.capex: {{from: 20, to: 30, steps: 2, unit: 亿元}}
        """), encoding="utf-8")
    printed = cli("sweep", sweep, "--out", root / "swept", "--lang", "en")
    out["sweep"] = (printed, [], sweep_figures(root / "swept", "en"), sweep_figures(root / "swept", "zh"))
    return out, saved, root


def scenario_own_words(saved) -> set[str]:
    """The Chinese the scenario itself writes where it has no English version: the sources it quotes."""
    from portfolio.outputs.report.run import assumption_rows

    words = set()
    for row in assumption_rows(saved, "en"):
        words.update(CJK.findall(row["source"]))
    for project in (saved.scenario or {}).get("projects") or []:
        words.update(CJK.findall(str(project.get("source", ""))))
    return words


@pytest.mark.parametrize("what", ["run", "comparison", "sensitivity", "sweep"])
def test_english_outputs_hold_no_chinese_but_the_scenarios_own_words(outputs, what):
    found, saved, _ = outputs
    printed, files, figures, _ = found[what]
    allowed = scenario_own_words(saved)
    texts = {"printed": printed}
    for path in files:
        text = path.read_text(encoding="utf-8")
        texts[path.name] = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", text)
    for name, fig in figures.items():
        texts[f"chart {name}"] = "\n".join(chart_texts(fig))
    assert texts and figures
    wrong = {where: sorted(set(CJK.findall(text)) - allowed) for where, text in texts.items()}
    wrong = {where: runs for where, runs in wrong.items() if runs}
    assert not wrong, wrong


def report_texts(report) -> list[str]:
    """Every text of a built report but the sources the scenario quotes (the last column of the
    assumptions and of the projects)."""
    texts = [report.title, report.subtitle, report.headline, *report.notes, *report.caveats,
             *(c.caption for c in report.charts)]
    tables = [report.key_figures, report.manifest]
    tables += [t for _, _, t in (report.sections or []) + (report.extra_sections or [])]
    texts += [h for _, h, _ in (report.sections or []) + (report.extra_sections or [])]
    for table in tables:
        texts += [*table.header, *(str(c) for row in table.rows for c in row)]
    for table in (report.assumptions, report.projects):           # their last column: the sources
        texts += [*table.header, *(str(c) for row in table.rows for c in row[:-1])]
    return texts


def test_english_reports_hold_no_chinese_outside_the_quoted_sources(outputs, tmp_path):
    from portfolio.outputs.report.comparison import build_comparison
    from portfolio.outputs.report.run import build

    _, saved, root = outputs
    for report in (build(saved, "en"), build_comparison(root / "compare", "en")):
        wrong = sorted({run for text in report_texts(report) for run in CJK.findall(text)})
        assert not wrong, [t for t in report_texts(report) if CJK.search(t)][:20]


@pytest.mark.parametrize("what", ["run", "comparison", "sensitivity", "sweep"])
def test_chinese_chart_titles_use_the_full_width_colon(outputs, what):
    found, _, _ = outputs
    for name, fig in found[what][3].items():
        titles = [t.get_text() for t in fig.texts] + [fig._suptitle.get_text()] if fig._suptitle else \
            [t.get_text() for t in fig.texts]
        titles += [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
        titled = [t for t in titles if t and CJK.search(t)]
        assert titled, name
        ascii_colon = [t for t in titled if re.search(r"(?<!\d):|:(?!\d)", t)]      # 10:30 would be a time
        assert not ascii_colon, (name, ascii_colon)
