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
