"""The report of a comparison folder (``portfolio report COMPARE_DIR``): the same formats and layout as
a run's report — headline, key figures, charts with captions, method notes, manifest — with the
scenarios table and the paired differences in place of the run's assumptions."""
from __future__ import annotations

import io

import pandas as pd

from portfolio.outputs import style as S
from portfolio.outputs import texts as L
from portfolio.outputs.folders import ComparisonFolder
from portfolio.outputs.report.document import Chart, Report, Table


def why_section(summary: dict, names: dict, lang: str) -> list:
    """(heading, the explanations in words, the table of the mean contribution differences) — none for
    a comparison folder written before the decomposition was recorded."""
    parts = (summary.get("decomposition") or {}).get("scenarios") or {}
    if not parts:
        return []
    first, last = summary["decomposition"]["window"]
    rows = [[names.get(name, name), L.text(f"contrib.{source}", lang), f"{value:+.2f}"]
            for name, sources in parts.items() for source, value in sources.items()
            if value == value and abs(value) >= 0.005]
    intro = " ".join(((summary.get("explanations") or {}).get(lang) or []))
    return [(L.text("report.comparison.why", lang, first=first, last=last), intro,
             Table(L.text("report.comparison.why_cols", lang), rows, [3, 3, 1.4]))]


def build_comparison(folder, lang: str | None = None) -> Report:
    from portfolio.outputs.charts_compare import folder_figures, folder_target

    comparison = ComparisonFolder(folder)
    summary, manifest = comparison.summary, comparison.manifest
    table = pd.DataFrame(summary["table"])
    diffs = pd.DataFrame(summary["differences"])
    lang = lang or comparison.language
    target = folder_target(comparison)
    label = L.pick(target.get("label") or {}, lang, target["name"])
    names = dict(zip(table.scenario, table["title_zh" if lang == "zh" else "title_en"]))

    rows = []
    for _, r in table.iterrows():
        p = r[f"p_{target['name']}"]
        rows.append([names[r.scenario], L.percent(p), f"{L.percent(r['p_' + target['name'] + '_ci_low'])} – "
                     f"{L.percent(r['p_' + target['name'] + '_ci_high'])}",
                     " / ".join(L.percent(r[f"average_growth_p{q}"], 2) for q in (10, 50, 90))])
    key = Table(L.text("report.comparison.col", lang), rows, [3, 1, 1.6, 2.4])
    drows = []
    for _, d in diffs.iterrows():
        scale, unit = (100, " pp") if d.measure.startswith("p_") else (100, " pp/yr")
        drows.append([names.get(d.scenario, d.scenario), d.measure, f"{d.difference * scale:+.2f}{unit}",
                      f"{d.ci95_low * scale:+.2f} … {d.ci95_high * scale:+.2f}"])
    difference_table = Table(L.text("report.comparison.dcol", lang), drows, [3, 2, 1.3, 1.7])

    target_diffs = diffs[diffs.measure == f"p_{target['name']}"].copy()
    headline = ""
    if len(target_diffs):
        target_diffs["size"] = target_diffs.difference.abs()
        best = target_diffs.sort_values("size").iloc[-1]
        worst = target_diffs.sort_values("size").iloc[0]
        headline = L.text("report.comparison.headline", lang, base=names[summary["scenarios"][0]], best=names[best.scenario],
                      target=label, diff=f"{best.difference * 100:+.1f} pp", worst=names[worst.scenario],
                      diff2=f"{worst.difference * 100:+.1f} pp")

    _, figures = folder_figures(comparison, lang)
    charts = []
    for n, ((kind, fig), caption) in enumerate(zip(figures.items(), ("cap1", "cap2")), start=1):
        buffer = io.BytesIO()
        with S.house_style(lang):
            fig.savefig(buffer, format="png", dpi=S.DPI, metadata={"Software": None})
        charts.append(Chart(kind, L.text("report.caption", lang, n=n, text=L.text(f"report.comparison.{caption}", lang)), buffer.getvalue()))

    first_name = names[summary["scenarios"][0]]
    manifest_rows = [["seed", str(summary["seed"])], ["draws", f"{summary['draws']:,}"],
                     ["sampler", summary["sampler"]], ["command", manifest.get("command") or ""]]
    for run in manifest["runs"]:
        for file_label, info in run.get("input_files", {}).items():
            manifest_rows.append([file_label, info["sha256"][:16] + "…"])
    return Report(
        lang=lang,
        title=L.text("report.comparison.title", lang, first=first_name, m=len(table) - 1),
        subtitle=" · ".join(summary["scenarios"]),
        headline=headline,
        key_figures=key,
        charts=charts,
        assumptions=Table([], []), projects=Table([], []),
        notes=L.text("report.comparison.notes", lang), caveats=L.text("report.comparison.caveats", lang),
        manifest=Table(["", ""], manifest_rows, [1, 3]),
        sections=[(L.text("report.comparison.differences", lang), L.text("report.comparison.differences_intro", lang), difference_table),
                  *why_section(summary, names, lang)],
    )
