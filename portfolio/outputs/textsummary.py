"""The short plain-text summary ``portfolio run`` prints (from summary.json)."""
from __future__ import annotations

from portfolio.outputs.rundata import decisive_projects
from portfolio.outputs.texts import text
from portfolio.uncertainty.dates import date_text

MONEY = text("unit.money", "en")      # the summary is English: money in "100 million yuan", not 亿元


def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None or x != x else f"{x * 100:.{digits}f}%"


def _threshold(target: dict) -> str:
    value = target["threshold"]
    if target["metric"] in ("average_growth", "min_growth"):
        return _pct(value)
    if target["metric"] == "gdp_level":
        return f"{value:,.0f} ({MONEY})"
    if target["metric"] == "completion":
        return target["by_date"]
    return f"{value:,.0f} MW"


def _outcome(target: dict, q: str) -> str:
    if target["metric"] == "completion":
        return target["finish_dates"].get(q, "")
    value = target["outcome"][q]
    if target["metric"] in ("average_growth", "min_growth"):
        return _pct(value)
    unit = {"energy_capacity": " MW"}.get(target["metric"], "")      # GDP: the threshold names the unit
    return f"{value:,.0f}{unit}"


def _gap(target: dict, value: float, unit: bool = True) -> str:
    if target["metric"] in ("average_growth", "min_growth"):
        return f"{value * 100:.2f} pp"
    if target["metric"] == "energy_capacity":
        return f"{value:,.0f} MW"
    return f"{value:,.0f} ({MONEY})" if unit else f"{value:,.0f}"


def target_cells(target: dict) -> list[str]:
    """A target of summary.json as the summary prints it: name, P, its 95% interval, what it asks and the
    outcome's quantiles (P10/P50/P90; a completion target's finish P50/P80/P90)."""
    t = target
    a, b = t["window"]
    what = text(f"summary.metric.{t['metric']}", "en", a=a, b=b, thr=_threshold(t), project=t.get("project"))
    low, high = t["ci95"]
    quantiles = ("p50", "p80", "p90") if t["metric"] == "completion" else ("p10", "p50", "p90")
    return [t["name"], _pct(t["probability"]), f"[{_pct(low)}, {_pct(high)}]", what,
            ", ".join(f"{q.upper()} {_outcome(t, q)}" for q in quantiles)]


def target_line(target: dict, width: int = 0) -> str:
    """One target's line of the summary: ``name  P =  3.4% [3.0%, 3.7%]   what  (P10 …, P50 …, P90 …)``."""
    name, p, interval, what, quantiles = target_cells(target)
    return f"  {name:<{width}}  P = {p:>6} {interval}   {what}  ({quantiles})"


def _heading(summary: dict, years=None, folder=None) -> list[str]:
    lines = [f"{summary['title']['en']} ({summary['scenario']})",
             f"{summary['draws']:,} draws, seed {summary['seed']}, sampler {summary['sampler']}"
             + (f"; years {years[0]}–{years[1]}" if years else "")]
    if folder is not None:
        lines.append(f"folder {folder}")
    return lines


def format_headline(summary: dict, years=None, folder=None, kind: str = "Result") -> str:
    """A few lines for a notebook's ``repr``: the scenario, draws, seed (and years, the folder) and each
    target's line as the summary prints it."""
    width = max((len(t["name"]) for t in summary["targets"]), default=0)
    head = _heading(summary, years, folder)
    return "\n".join([f"<{kind} {head[0]}>", *head[1:], *(target_line(t, width) for t in summary["targets"])])


def headline_html(summary: dict, years=None, folder=None) -> str:
    """The same as a small self-contained HTML block (escaped): heading, then a table of the targets."""
    head = _heading(summary, years, folder)
    rows = [target_cells(t) for t in summary["targets"]]
    return card(head[0], head[1:], ["target", "P", "95% interval", "asks", "outcome"], rows)


def card(title: str, lines, header, rows) -> str:
    """A notebook's HTML view of an object: a bold title, a few lines, one table; every text escaped."""
    import html

    from portfolio.outputs.report.document import html_table

    text_lines = "".join(f"<div>{html.escape(str(line))}</div>" for line in lines)
    return (f'<div class="portfolio-repr"><div><b>{html.escape(title)}</b></div>{text_lines}'
            f"{html_table(header, rows)}</div>")


PROBABILITY_HEADER = ["target", "scenario", "P", "95% interval"]


def probability_rows(table, diffs, targets) -> list[list[str]]:
    """[target, scenario, P, its 95% interval, the paired difference against the first scenario] for each
    target and scenario of a comparison's tables (``Comparison.table()``/``.differences()``, or the
    comparison folder's), as ``portfolio compare`` prints them."""
    from portfolio.outputs.texts import pp_interval

    rows = []
    for name in targets:
        for _, row in table.iterrows():
            if f"p_{name}" not in row or row[f"p_{name}"] != row[f"p_{name}"] or row[f"p_{name}"] is None:
                continue
            d = diffs[(diffs.scenario == row["scenario"]) & (diffs.measure == f"p_{name}")] if len(diffs) else diffs
            difference = (pp_interval(d.iloc[0].difference * 100, (d.iloc[0].ci95_high - d.iloc[0].ci95_low) / 2 * 100)
                          if len(d) else "")
            rows.append([name, row["scenario"], f"{row[f'p_{name}'] * 100:.1f}%",
                         f"[{row[f'p_{name}_ci_low'] * 100:.1f}%, {row[f'p_{name}_ci_high'] * 100:.1f}%]", difference])
    return rows


def probability_lines(rows) -> list[str]:
    """``probability_rows`` as a notebook's text: ``P(target) scenario  P [interval]  difference``."""
    width = max((len(r[0]) + len(r[1]) for r in rows), default=0) + 2
    return [f"  P({t}) {s:<{width - len(t)}} {p:>6} {ci}" + (f"   {d}" if d else "") for t, s, p, ci, d in rows]


def format_summary(summary: dict) -> str:
    """A dozen lines a planner can read in a terminal."""
    lines = [*_heading(summary), "", "Targets"]
    width = max(len(t["name"]) for t in summary["targets"])
    for t in summary["targets"]:
        lines.append(target_line(t, width))
        path = [c for c in t.get("critical_path") or [] if c["criticality"] >= 0.01]
        if path:
            lines.append(f"  {'':<{width}}  critical path (share of draws that project drives the date): "
                         + ", ".join(f"{c['id']} {_pct(c['criticality'], 0)}" for c in path[:8])
                         + (f", … {len(path) - 8} more in criticality.csv" if len(path) > 8 else ""))
    g = summary["average_growth"]
    a, b = g["window"]
    lines += ["", f"Average real growth {a}–{b}: P10 {_pct(g['p10'], 2)}  P50 {_pct(g['p50'], 2)}  "
              f"P90 {_pct(g['p90'], 2)}"]
    gdp = summary["gdp"]
    lines.append(f"GDP {gdp['year']}: P10 {gdp['p10']:,.0f}  P50 {gdp['p50']:,.0f}  P90 {gdp['p90']:,.0f} "
                 f"({MONEY}, constant prices)")
    long = summary.get("long_window")
    if long:
        a2, b2 = long["window"]
        lg, gl = long["average_growth"], long["gdp"]
        lines.append(f"Longer view: average growth {a2}–{b2} P10 {_pct(lg['p10'], 2)}  P50 {_pct(lg['p50'], 2)}  "
                     f"P90 {_pct(lg['p90'], 2)}; GDP {gl['year']} P50 {gl['p50']:,.0f} ({MONEY})")
    c = summary["contributions"]
    lines.append(f"Contributions to growth {c['window'][0]}–{c['window'][1]} (pp/yr, mean): "
                 f"TFP {c['tfp']:.2f}, capital {c['capital']:.2f}, labour {c['labour']:.2f}, "
                 + (f"demand cycle {c['demand']:.2f}, " if c.get("demand") else "") +
                 f"construction {c['construction']:.2f}, operation {c['operation']:.2f}, energy {c['energy']:.2f}")
    econ = summary.get("economy")
    if econ:
        ky, icor = econ["capital_output_ratio"], econ["portfolio_icor"]["value"]
        first, last = econ["window"]
        lines.append(f"Economy {first}–{last}: K/Y {ky['from']:.2f} → {ky['to']:.2f} (outside the portfolio), "
                     f"total investment rate {_pct(econ['investment_rate_total']['mean'])} of GDP (mean), "
                     f"portfolio ICOR {'–' if icor != icor else f'{icor:.1f}'}")
    misses = [t for t in summary["targets"] if t.get("shortfall") and t["probability"] < 1
              and t["metric"] != "completion"]
    if misses:
        lines.append("Expected shortfall (mean gap below the threshold; mean gap when missed): " + "; ".join(
            f"{t['name']} {_gap(t, t['shortfall']['expected'])} ({_gap(t, t['shortfall']['mean_if_missed'], unit=False)})"
            for t in misses))
    e = summary.get("energy")
    if e:
        lines.append(f"Energy capacity end {e['year']} ({', '.join(e['technologies'])}): P10 {e['p10']:,.0f}  "
                     f"P50 {e['p50']:,.0f}  P90 {e['p90']:,.0f} MW")
    critical = decisive_projects(summary)
    if critical:
        lines.append("Projects that most often decide a miss (P(miss) when late >6 months or cancelled vs on time; "
                     "named only when the 95% interval of the increase excludes zero):")
        for p in critical[:5]:
            ci = p.get("ci95")
            lines.append(f"  {p['id']} ({p['name']['en']}): {_pct(p['miss_if_late'], 0)} vs "
                         f"{_pct(p['miss_if_on_time'], 0)} (+{p['miss_increase'] * 100:.1f} points"
                         + (f" [{ci[0] * 100:+.1f}, {ci[1] * 100:+.1f}]" if ci else "")
                         + f"; late in {_pct(p['late_share'], 0)} of draws)")
    elif summary.get("critical_projects"):
        lines.append("No single project's delay changes P(miss) by more than its Monte Carlo error "
                     "(more draws may tell them apart).")
    actuals = summary.get("actuals")
    if actuals:
        observed = ", ".join(f"{y} {_pct(g)}" for y, g in zip(actuals["years"], actuals["growth"]))
        lines.append(f"Observed growth ({actuals['source']}): {observed}")
        learning = actuals.get("learning")
        if learning:
            ess, n = learning["effective_draws"], summary["draws"]
            lines.append(f"  learned from them: the draws were resampled by how well they explain the observed "
                         f"years (error sd {learning['observation_noise'] * 100:.1f} points); {ess:,.0f} effective draws "
                         f"of {n:,}" + (" — few: the actuals lie far from what the scenario expected"
                                        if ess < max(200, 0.02 * n) else ""))
        for t in summary["targets"]:
            need = t.get("required_average_growth_remaining")
            a, b = t["window"]
            if t["metric"] == "average_growth" and actuals["years"][-1] >= a:
                rest = f"{max(a, actuals['years'][-1] + 1)}–{b}"
                lines.append(f"  {t['name']}: the remaining years {rest} need {_pct(need, 2)}/yr on average"
                             if need is not None else f"  {t['name']}: the whole window is observed")
    ledger = summary.get("ledger")
    if ledger:
        lines.append("Ledger: projects behind plan (expected COD slip, P50):")
        for p in [p for p in ledger["projects"] if (p["cod_slip_years_p50"] or 0) > 0.25][:6]:
            lines.append(f"  {p['id']} ({p['status']}): {p['cod_slip_years_p50']:+.1f} years "
                         f"(COD P50 {date_text(p['cod_p50'], 'month')} against the plan's {date_text(p['planned_cod'], 'month')})")
        before = ledger.get("probability_without_ledger") or {}
        for t in summary["targets"]:
            if t["name"] in before:
                change = round((t["probability"] - before[t["name"]]) * 100, 1) + 0.0
                lines.append(f"  {t['name']}: P {_pct(before[t['name']])} without the ledger → "
                             f"{_pct(t['probability'])} with it ({change:+.1f} points)")
    invalid = summary["invalid_draws"]
    lines.append(f"Invalid draws: {invalid}" + (" (non-finite or non-positive GDP; excluded from the "
                                                 "probabilities above)" if invalid else ""))
    return "\n".join(lines)
