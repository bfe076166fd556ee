"""Comparison charts, in the house style: drawn from the comparison tables (scenarios.csv,
differences.csv, draws.parquet, comparison.json), so a saved comparison can be redrawn.

1. ``compare_probabilities``  P(target) per scenario with its 95% interval, and the paired difference
                               against the first scenario written beside each bar
2. ``compare_distributions``  average growth over the target window per scenario, side by side
                               (box: P25–P75 and median; whiskers: P5–P95), with the threshold
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from portfolio.outputs import style as S
from portfolio.outputs import texts as L
from portfolio.outputs.rundata import growth_target


def _full_names(table: pd.DataFrame, lang: str) -> list[str]:
    column = "title_zh" if lang == "zh" else "title_en"
    return [" ".join(x.split()) if isinstance(x, str) and x else str(s) for x, s in zip(table[column], table["scenario"])]


def _names(table: pd.DataFrame, lang: str) -> list[str]:
    """The scenarios' names as tick labels: on up to two lines, shortened only where two do not hold them."""
    return [L.wrap(name, 26 if lang == "zh" else 40) for name in _full_names(table, lang)]


def _full_names_note(fig, table: pd.DataFrame, lang: str, names: list[str]) -> None:
    """Under the chart, the full names of the scenarios whose labels had to be shortened."""
    cut = [full for full, shown in zip(_full_names(table, lang), names) if shown.replace("\n", "") != full
           and shown.replace("\n", " ") != full]
    if cut:
        import textwrap

        note = L.text("compare.full_names", lang, names=L.text("list.sep", lang).join(cut))
        lines = textwrap.wrap(note, 60 if lang == "zh" else 120)
        engine = fig.get_layout_engine()
        x0, y0, w, h = engine.get()["rect"]
        room = (0.15 + 0.3 * len(lines)) * S.CM / fig.get_figheight()     # a band under the plot for it
        engine.set(rect=(x0, y0 + room, w, h - room))
        fig.text(0.012, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=6.5, color="#555555")


TOP_CM = 1.3  # the band above the plot for the title and the subtitle (as in the run charts)


def _figure(n: int, top: float = TOP_CM):
    from matplotlib.figure import Figure

    height = max(6.5, 2.6 + 0.75 * n) + (top - TOP_CM)
    fig = Figure(figsize=(S.WIDTH_CM * S.CM, height * S.CM), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, rect=(0, 0, 1, 1 - top / height))
    return fig, fig.subplots()


def _header(fig, title: str, summary: dict, lang: str, detail: str | None = None, paired: bool = False) -> None:
    """Title, a subtitle line with the run settings (and, when the chart shows paired differences, how
    they are computed), and ``detail`` (the target, which may be long) on a line of its own."""
    height_cm = fig.get_figheight() / S.CM
    fig.text(0.012, 1 - 0.25 / height_cm, title, ha="left", va="top",
             fontsize=S.BASE_RC["figure.titlesize"], color="#111111")
    settings = L.text("compare.subtitle", lang, draws=int(summary["draws"]), seed=summary["seed"])
    if paired:
        settings += L.text("compare.paired", lang)
    fig.text(0.012, 1 - 0.82 / height_cm, settings, ha="left", va="top", fontsize=6.5, color="#666666")
    if detail:                           # the target on a line of its own, under the settings
        fig.text(0.012, 1 - 1.22 / height_cm, detail, ha="left", va="top", fontsize=7.5, color="#333333")


def compare_probabilities(table: pd.DataFrame, differences: pd.DataFrame, summary: dict, lang: str,
                          target: str | None = None, label: str | None = None):
    """Horizontal bars of P(target) per scenario with 95% intervals; paired differences as text."""
    target = target or next(c[2:] for c in table.columns if c.startswith("p_") and not c.endswith(("_low", "_high")))
    with S.house_style(lang):
        fig, ax = _figure(len(table), top=TOP_CM + 0.45)   # a third header line: the target
        names = _names(table, lang)
        y = np.arange(len(table))[::-1]
        p = table[f"p_{target}"].to_numpy() * 100
        low = table[f"p_{target}_ci_low"].to_numpy() * 100
        high = table[f"p_{target}_ci_high"].to_numpy() * 100
        colours = [S.GREY if i == 0 else S.BLUE for i in range(len(table))]
        ax.barh(y, p, color=colours, edgecolor="#333333", linewidth=0.5, height=0.6)
        ax.errorbar(p, y, xerr=[p - low, high - p], fmt="none", ecolor="#111111", elinewidth=0.9, capsize=2.5)
        ax.set_yticks(y, names)
        _full_names_note(fig, table, lang, names)
        ax.set_xlim(0, max(100.0, float(np.nanmax(high)) * 1.05) if np.nanmax(high) > 60 else
                    max(10.0, float(np.nanmax(high)) * 1.45))
        ax.set_xlabel(f"{L.text('compare.prob_axis', lang)} (%)")
        for i, (yy, scenario) in enumerate(zip(y, table["scenario"])):
            if i == 0:
                text = L.text("compare.base", lang)
            else:
                d = differences[(differences.scenario == scenario) & (differences.measure == f"p_{target}")]
                if not len(d):
                    continue
                r = d.iloc[0]
                text = L.pp_interval(r.difference * 100, (r.ci95_high - r.ci95_low) / 2 * 100, lang)
            ax.text(high[i] + ax.get_xlim()[1] * 0.01, yy, f"{p[i]:.1f}%  ({text})", va="center", fontsize=7)
        ax.grid(axis="y", visible=False)
        _header(fig, L.text("compare.prob_title", lang), summary, lang, detail=label or target, paired=True)
    return fig


def compare_distributions(table: pd.DataFrame, per_draw: pd.DataFrame, summary: dict, lang: str,
                          threshold: float | None = None):
    """Average growth per scenario: P25–P75 box with the median, P5–P95 whiskers, the threshold line."""
    from matplotlib.patches import Rectangle

    a, b = summary["growth_window"]
    with S.house_style(lang):
        fig, ax = _figure(len(table))
        names = _names(table, lang)
        y = np.arange(len(table))[::-1]
        for i, (yy, scenario) in enumerate(zip(y, table["scenario"])):
            valid = per_draw[f"{scenario}:valid"].to_numpy(bool)
            values = per_draw[f"{scenario}:average_growth"].to_numpy()[valid] * 100
            if not len(values):
                continue
            p5, p25, p50, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95])
            colour = S.GREY if i == 0 else S.BLUE
            ax.add_patch(Rectangle(
                (p25, yy - 0.28), p75 - p25, 0.56, facecolor=colour, edgecolor="#333333", linewidth=0.5))
            ax.plot([p50, p50], [yy - 0.28, yy + 0.28], color="#111111", lw=1.4)
            ax.plot([p5, p25], [yy, yy], color="#333333", lw=0.9)
            ax.plot([p75, p95], [yy, yy], color="#333333", lw=0.9)

        if threshold is not None:
            ax.axvline(threshold * 100, color=S.VERMILLION, lw=1.2, ls="--",
                       label=L.text("compare.threshold", lang, t=L.percent(threshold)))
            ax.legend(loc="best", fontsize=7)          # where it covers neither the boxes nor the line
        ax.set_yticks(y, names)
        _full_names_note(fig, table, lang, names)
        ax.set_ylim(-0.7, len(table) - 0.3)
        ax.autoscale(axis="x")
        ax.set_xlabel(f"{L.text('compare.dist_axis', lang)} (%)")
        ax.grid(axis="y", visible=False)
        _header(fig, L.text("compare.dist_title", lang, a=a, b=b), summary, lang)
    return fig


def draw_comparison_charts(comparison, folder: Path, lang: str | None = None,
                           formats=("png", "svg")) -> list[Path]:
    """Write both comparison charts into folder/charts/ (language: the first scenario's)."""
    lang = lang or comparison.base.scenario.meta.language
    summary = comparison.summary()
    table = comparison.table()
    target = comparison.base.first_growth_target()
    label = L.pick(target.label.model_dump(), lang) if target is not None and target.label else None
    figures = {
        "compare_probabilities": compare_probabilities(table, comparison.differences(), summary, lang,
                                                       target.name if target else None, label),
        "compare_distributions": compare_distributions(table, comparison.per_draw(), summary, lang,
                                                       target.threshold if target else None),
    }
    return S.save_all(figures, Path(folder) / "charts", lang, formats)


def folder_target(comparison) -> dict:
    """The target a comparison folder's charts and report show: the first scenario's growth target (as
    ``draw_comparison_charts`` picks it), else its first target."""
    first = comparison.scenario_summary(comparison.scenarios[0])
    return growth_target(first) or first["targets"][0]


def folder_figures(folder, lang: str | None = None) -> tuple[str, dict]:
    """The two comparison charts of a saved comparison folder (a path or an open ``ComparisonFolder``; no
    re-simulation): (language, {kind: Figure}), the language defaulting to the first scenario's. The
    report and ``portfolio chart`` both use it."""
    from portfolio.outputs.folders import ComparisonFolder

    comparison = folder if isinstance(folder, ComparisonFolder) else ComparisonFolder(folder)
    summary = comparison.summary
    table, diffs = pd.DataFrame(summary["table"]), pd.DataFrame(summary["differences"])
    lang = lang or comparison.language
    target = folder_target(comparison)
    label = L.pick(target.get("label") or {}, lang, target["name"])
    return lang, {
        "compare_probabilities": compare_probabilities(table, diffs, summary, lang, target["name"], label),
        "compare_distributions": compare_distributions(table, comparison.draws(), summary, lang,
                                                       target.get("threshold")),
    }


def draw_comparison_folder_charts(folder, lang: str | None = None, formats=("png", "svg"), out=None) -> list[Path]:
    """Redraw the charts of a saved comparison folder into ``out`` (default ``folder/charts``)."""
    lang, figures = folder_figures(folder, lang)
    return S.save_all(figures, Path(out) if out is not None else Path(folder) / "charts", lang, formats)
