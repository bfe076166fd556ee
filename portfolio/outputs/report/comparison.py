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

TEXT = {
    "title": {"zh": "情景比较:{first} 等 {n} 个情景", "en": "Scenario comparison: {first} and {m} more"},
    "headline": {"zh": "与{base}相比,{best}使实现目标({target})的概率变化最大({diff}),{worst}变化{diff2}。",
                 "en": "Against {base}, {best} moves the probability of the target ({target}) most ({diff}); "
                       "{worst} moves it {diff2}."},
    "differences": {"zh": "与首个情景的配对差", "en": "Paired differences against the first scenario"},
    "differences_intro": {"zh": "所有情景使用相同的随机数(共同随机数),差值逐次模拟配对,区间为95%。",
                          "en": "All scenarios use the same random numbers (common random numbers): differences "
                                "are paired draw by draw; intervals are 95%."},
    "cap1": {"zh": "各情景实现目标的概率(95%区间)及与首个情景的配对差。",
             "en": "Probability of meeting the target in each scenario (95% interval) and the paired difference "
                   "against the first scenario."},
    "cap2": {"zh": "各情景目标期年均增速的分布。", "en": "Distribution of average growth over the target window."},
    "col": {"zh": ["情景", "概率", "95%区间", "年均增速 P10 / P50 / P90"],
            "en": ["scenario", "probability", "95% interval", "average growth P10 / P50 / P90"]},
    "dcol": {"zh": ["情景", "指标", "配对差", "95%区间"], "en": ["scenario", "measure", "difference", "95% interval"]},
    "notes": {"zh": ["每个情景均为完整的蒙特卡洛模拟,使用相同的种子与抽样;同名输入在各情景中取相同的随机数。",
                     "概率差以百分点表示,年均增速差以百分点/年表示。"],
              "en": ["Each scenario is a full Monte Carlo run with the same seed and sampler; an input with the same "
                     "name gets the same random numbers in every scenario.",
                     "Probability differences are in percentage points; growth differences in points per year."]},
    "caveats": {"zh": ["情景之间的差别只来自情景文件所改变的输入;未建模的因素不在比较之内。"],
                "en": ["Differences come only from the inputs the scenario files change; what the model leaves out "
                       "is outside the comparison."]},
}


def _t(key: str, lang: str, **values):
    value = TEXT[key][lang]
    return value.format(**values) if isinstance(value, str) and values else value


def build_comparison(folder, lang: str | None = None) -> Report:
    from portfolio.outputs.charts_compare import (
        compare_distributions,
        compare_probabilities,
    )

    comparison = ComparisonFolder(folder)
    summary, manifest = comparison.summary, comparison.manifest
    table = pd.DataFrame(summary["table"])
    diffs = pd.DataFrame(summary["differences"])
    first = comparison.scenario_summary(comparison.scenarios[0])
    lang = lang or comparison.language
    target = next((t for t in first["targets"] if t["metric"] == "average_growth"), first["targets"][0])
    label = L.pick(target.get("label") or {}, lang, target["name"])
    names = dict(zip(table.scenario, table["title_zh" if lang == "zh" else "title_en"]))

    rows = []
    for _, r in table.iterrows():
        p = r[f"p_{target['name']}"]
        rows.append([names[r.scenario], L.percent(p), f"{L.percent(r['p_' + target['name'] + '_ci_low'])} – "
                     f"{L.percent(r['p_' + target['name'] + '_ci_high'])}",
                     " / ".join(L.percent(r[f"average_growth_p{q}"], 2) for q in (10, 50, 90))])
    key = Table(_t("col", lang), rows, [3, 1, 1.6, 2.4])
    drows = []
    for _, d in diffs.iterrows():
        scale, unit = (100, " pp") if d.measure.startswith("p_") else (100, " pp/yr")
        drows.append([names.get(d.scenario, d.scenario), d.measure, f"{d.difference * scale:+.2f}{unit}",
                      f"{d.ci95_low * scale:+.2f} … {d.ci95_high * scale:+.2f}"])
    difference_table = Table(_t("dcol", lang), drows, [3, 2, 1.3, 1.7])

    target_diffs = diffs[diffs.measure == f"p_{target['name']}"].copy()
    headline = ""
    if len(target_diffs):
        target_diffs["size"] = target_diffs.difference.abs()
        best = target_diffs.sort_values("size").iloc[-1]
        worst = target_diffs.sort_values("size").iloc[0]
        headline = _t("headline", lang, base=names[summary["scenarios"][0]], best=names[best.scenario],
                      target=label, diff=f"{best.difference * 100:+.1f} pp", worst=names[worst.scenario],
                      diff2=f"{worst.difference * 100:+.1f} pp")

    per_draw = comparison.draws()
    charts = []
    for n, (kind, fig, caption) in enumerate([
        ("compare_probabilities", compare_probabilities(table, diffs, summary, lang, target["name"], label), "cap1"),
        ("compare_distributions", compare_distributions(table, per_draw, summary, lang, target["threshold"]), "cap2"),
    ], start=1):
        buffer = io.BytesIO()
        with S.house_style(lang):
            fig.savefig(buffer, format="png", dpi=S.DPI, metadata={"Software": None})
        charts.append(Chart(kind, L.text("report.caption", lang, n=n, text=_t(caption, lang)), buffer.getvalue()))

    first_name = names[summary["scenarios"][0]]
    manifest_rows = [["seed", str(summary["seed"])], ["draws", f"{summary['draws']:,}"],
                     ["sampler", summary["sampler"]], ["command", manifest.get("command") or ""]]
    for run in manifest["runs"]:
        for file_label, info in run.get("input_files", {}).items():
            manifest_rows.append([file_label, info["sha256"][:16] + "…"])
    return Report(
        lang=lang,
        title=_t("title", lang, first=first_name, n=len(table), m=len(table) - 1),
        subtitle=" · ".join(summary["scenarios"]),
        headline=headline,
        key_figures=key,
        charts=charts,
        assumptions=Table([], []), projects=Table([], []),
        notes=_t("notes", lang), caveats=_t("caveats", lang),
        manifest=Table(["", ""], manifest_rows, [1, 3]),
        sections=[(_t("differences", lang), _t("differences_intro", lang), difference_table)],
    )
