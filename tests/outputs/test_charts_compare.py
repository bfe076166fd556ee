"""Comparison charts: both render in both languages with every glyph in the font."""
import warnings

import pytest

from tests.conftest import CHUXIONG


@pytest.fixture(scope="module")
def comparison():
    from portfolio.analysis.compare import compare

    return compare([CHUXIONG / "baseline.yaml", CHUXIONG / "airport-cancelled.yaml",
                    CHUXIONG / "high-investment.yaml"], draws=600, seed=3)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_charts_render_without_missing_glyphs(comparison, tmp_path, lang):
    from portfolio.outputs.charts_compare import draw_comparison_charts

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from.*font.*")
        written = draw_comparison_charts(comparison, tmp_path, lang)
    assert sorted(p.name for p in written) == ["compare_distributions.png", "compare_distributions.svg",
                                               "compare_probabilities.png", "compare_probabilities.svg"]
    from matplotlib.image import imread

    image = imread(written[0])
    assert abs(image.shape[1] - 16 / 2.54 * 300) < 2     # 16 cm at 300 dpi
    assert image[..., :3].std() > 0.05                  # not blank


def test_the_probability_chart_shows_each_paired_difference(comparison):
    from portfolio.outputs.charts_compare import compare_probabilities

    table, diffs = comparison.table(), comparison.differences()
    fig = compare_probabilities(table, diffs, comparison.summary(), "en", "growth_2021_2025")
    texts = [t.get_text() for t in fig.axes[0].texts]
    for scenario in table.scenario[1:]:
        r = diffs[(diffs.scenario == scenario) & (diffs.measure == "p_growth_2021_2025")].iloc[0]
        assert any(f"{r.difference * 100:+.1f} ±" in t for t in texts), texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_comparison_folder_has_a_report_in_every_format(comparison, tmp_path, lang):
    import docx

    from portfolio.outputs.report import write_report

    folder = comparison.save(tmp_path / "cmp", charts=False)
    html = write_report(folder, "html", lang).read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    md = write_report(folder, "md", lang)
    assert (md.parent / f"{md.stem}_files" / "compare_probabilities.png").is_file()
    document = docx.Document(write_report(folder, "docx", lang))
    text = "\n".join(p.text for p in document.paragraphs)
    table = comparison.table()
    assert len(document.inline_shapes) == 2 and len(document.tables) >= 3
    assert f"{table['p_growth_2021_2025'][0] * 100:.1f}%" in "\n".join(
        cell.text for t in document.tables for row in t.rows for cell in row.cells)
    assert ("配对" in text) if lang == "zh" else ("paired" in text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_only_the_probability_chart_says_its_differences_are_paired(comparison, lang):
    from portfolio.outputs import texts as L
    from portfolio.outputs.charts_compare import compare_distributions, compare_probabilities

    table, diffs, summary = comparison.table(), comparison.differences(), comparison.summary()
    paired = L.text("compare.paired", lang).strip(" ·")
    probabilities = compare_probabilities(table, diffs, summary, lang, "growth_2021_2025")
    distributions = compare_distributions(table, comparison.per_draw(), summary, lang, threshold=0.10)
    assert any(paired in t.get_text() for t in probabilities.texts)
    assert not any(paired in t.get_text() for t in distributions.texts)      # it shows no differences
    unit = "个百分点" if lang == "zh" else "pp"
    assert all(unit in t.get_text() for t in probabilities.axes[0].texts[1:])


def test_the_threshold_legend_does_not_cover_the_threshold_line(comparison):
    from portfolio.outputs import style as S
    from portfolio.outputs.charts_compare import compare_distributions

    fig = compare_distributions(comparison.table(), comparison.per_draw(), comparison.summary(), "en",
                                threshold=0.10)
    ax = fig.axes[0]
    with S.house_style("en"):
        fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    line_x = ax.transData.transform((10.0, 0.0))[0]
    assert not (box.x0 <= line_x <= box.x1), (box, line_x)


def test_portfolio_chart_redraws_a_saved_comparison_in_either_language(comparison, tmp_path, cli):
    folder = comparison.save(tmp_path / "cmp", charts=True, lang="zh")
    again = cli("chart", folder, "--out", tmp_path / "zh", "--lang", "zh")
    assert again.exit_code == 0, again.output
    for name in ("compare_probabilities", "compare_distributions"):    # the same charts, from the files
        assert (tmp_path / "zh" / f"{name}.svg").read_bytes() == (folder / "charts" / f"{name}.svg").read_bytes()
    english = cli("chart", folder, "--lang", "en", "--out", tmp_path / "en", "--format", "png")
    assert english.exit_code == 0 and sorted(p.name for p in (tmp_path / "en").iterdir()) == [
        "compare_distributions.png", "compare_probabilities.png"]
    refused = cli("chart", folder, "--kind", "capex")
    assert refused.exit_code == 2 and "comparison folder" in refused.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scenario_names_are_wrapped_not_cut_and_a_name_too_long_for_two_lines_is_given_in_full(comparison, lang):
    from portfolio.outputs import texts as L
    from portfolio.outputs.charts_compare import compare_distributions, compare_probabilities

    table, diffs, summary = comparison.table(), comparison.differences(), comparison.summary()
    column = f"title_{lang}"
    fig = compare_probabilities(table, diffs, summary, lang, "growth_2021_2025")
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    limit = 26 if lang == "zh" else 40
    for full, label in zip(table[column], shown):
        assert label.replace("\n", "" if lang == "zh" else " ") == full          # every name whole ...
        assert all(L.width(line) <= limit for line in label.split("\n"))        # ... on lines that fit
    assert any("\n" in label for label in shown) or all(L.width(n) <= limit for n in table[column])
    assert not any(L.text("compare.full_names", lang, names="")[:4] in t.get_text() for t in fig.texts)

    long = table.copy()
    long.loc[0, column] = table[column][0] * 3                                   # too long for two lines
    fig = compare_distributions(long, comparison.per_draw(), summary, lang, threshold=0.10)
    label = fig.axes[0].get_yticklabels()[0].get_text()
    assert label.endswith("…") and label.count("\n") == 1
    assert any(long[column][0] in t.get_text().replace("\n", "" if lang == "zh" else " ") for t in fig.texts)
