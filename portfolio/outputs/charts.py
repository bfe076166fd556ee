"""The standard charts of a run, drawn from its saved tables (``portfolio.outputs.rundata.RunData``).

Each chart function takes a ``RunData`` and a language (``"zh"`` or ``"en"``; default the scenario's
``meta.language``) and returns a matplotlib ``Figure``; nothing is shown and pyplot is not used.
``draw_run_charts(folder)`` writes them to ``folder/charts/<kind>.<format>`` (PNG at 300 dpi and SVG by
default); ``portfolio chart RUN_DIR`` calls it, and ``Result.plot.<kind>()`` draws one from memory.

1. ``growth_fan``      real growth by year: P5–P95 and P25–P75 bands, median, target, actuals
2. ``average_growth``  average growth over the target window: histogram, cumulative curve, threshold,
                       P(≥ target) with its 95% interval
3. ``contributions``   mean contributions to growth by year, stacked; the investment cliff marked
4. ``schedule``        Gantt: planned construction bars, COD P10–P90 whiskers, critical projects
5. ``energy``          capacity by technology (stacked) with the total's P10–P90 and the target;
                       generation by technology
6. ``capex``           capex by year (mean, P10–P90) and the cumulative S-curve with its band
7. ``finish_dates``    (runs with a completion target) the finish-date distribution of its milestone,
                       project or group: histogram of the draws, cumulative S-curve, P50/P80 and the
                       target date marked; and the criticality index of the projects on its critical path
8. ``ledger``          (runs with a project ledger) plan against the ledger: planned bars, the reported
                       start and progress (or completion), the expected completion, the slip in months
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from portfolio.model.engine import CONTRIBUTIONS
from portfolio.outputs import style as S
from portfolio.outputs import texts as L
from portfolio.outputs.kinds import CHART_FORMATS as FORMATS
from portfolio.outputs.kinds import CHART_KINDS as KINDS
from portfolio.outputs.kinds import LANGS
from portfolio.outputs.rundata import RunData, critical_rows, finite

KIND_ORDER = ("energy", "transport", "industry", "tourism", "services", "agriculture", "social", "other", "milestone")


# ----------------------------------------------------------------------------------- helpers
def _lang(data: RunData, lang: str | None) -> str:
    lang = lang or data.language
    if lang not in LANGS:
        raise ValueError(f"language must be zh or en, got {lang!r}")
    return lang


TOP_CM = 1.3  # the band above the plot for the title and the subtitle


def _header(fig, ax, data: RunData, lang: str, title: str) -> None:
    """Chart title and a grey line naming the scenario and the draws, both from the figure's left edge
    (in the band that ``_new`` keeps free above the plot)."""
    height_cm = fig.get_figheight() / S.CM
    fig.text(0.012, 1 - 0.25 / height_cm, title, ha="left", va="top", fontsize=S.BASE_RC["figure.titlesize"],
             color="#111111")
    scenario = L.shorten(L.pick(data.title, lang), 78 if lang == "zh" else 86)
    fig.text(0.012, 1 - 0.82 / height_cm,
             L.text("subtitle", lang, title=scenario, draws=int(data.summary.get("draws", 0)),
                    seed=data.summary.get("seed", "")),
             ha="left", va="top", fontsize=7, color="#666666")


def _percent_axis(axis) -> None:
    """Values already in %: ticks like "8%" or "8.5%", with as many decimals as the spacing needs."""
    from matplotlib.ticker import FuncFormatter

    def fmt(value, _pos):
        ticks = [t for t in axis.get_majorticklocs()]
        step = min((abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a), default=1.0)
        digits = 0 if step >= 0.999 else 1 if step >= 0.0999 else 2
        return f"{value:.{digits}f}%"

    axis.set_major_formatter(FuncFormatter(fmt))


def _thousands_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _year_axis(ax, first: int, last: int, every: int | None = None) -> None:
    every = every or (1 if last - first <= 16 else 2)
    ax.set_xticks(range(first, last + 1, every))
    ax.set_xlim(first - 0.6, last + 0.6)


def _window(data: RunData) -> tuple[int, int] | None:
    target = data.growth_target()
    if target and target.get("window"):
        return tuple(int(y) for y in target["window"])
    return None


def _shade_window(ax, window, lang: str, label: bool = True, span=None) -> None:
    if window is None:
        return
    a, b = span if span is not None else (window[0] - 0.5, window[1] + 0.5)
    ax.axvspan(a, b, color="#000000", alpha=0.045, lw=0,
               label=L.text("target_window", lang, first=window[0], last=window[1]) if label else None)


def _legend(fig, handles, labels, ncols: int = 3) -> None:
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, handlelength=1.8,
               columnspacing=1.4, borderaxespad=0.2)


def _new(height_cm: float = S.HEIGHT_CM, nrows: int = 1, **kwargs):
    """A 16 cm wide figure with constrained layout (call inside ``house_style``)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(S.WIDTH_CM * S.CM, height_cm * S.CM), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, hspace=0.04, wspace=0.02,
                                rect=(0, 0, 1, 1 - TOP_CM / height_cm))
    axes = fig.subplots(nrows, 1, **kwargs)
    return fig, axes


# ----------------------------------------------------------------------------------- 1. growth fan
def growth_fan(data: RunData, lang: str | None = None):
    """Real GDP growth by year: P5–P95 and P25–P75 bands, median, the target line, actuals."""
    lang = _lang(data, lang)
    with S.house_style(lang):
        years = data.years.iloc[1:]
        x = years["year"].to_numpy(int)
        q = {p: years[f"growth_p{p}"].to_numpy(float) * 100 for p in (5, 25, 50, 75, 95)}
        fig, ax = _new()
        _header(fig, ax, data, lang, L.text("fan.title", lang))
        window = _window(data)
        _shade_window(ax, window, lang)
        ax.fill_between(x, q[5], q[95], color=S.BLUE, alpha=S.BAND_OUTER, lw=0, label=L.text("band_p5_p95", lang))
        ax.fill_between(x, q[25], q[75], color=S.BLUE, alpha=S.BAND_INNER, lw=0, label=L.text("band_p25_p75", lang))
        ax.plot(x, q[50], color=S.BLUE, lw=1.8, marker="o", ms=2.8, label=L.text("median", lang))
        target = data.growth_target()
        if target is not None and window is not None:
            value = float(target["threshold"]) * 100
            ax.hlines(value, window[0] - 0.5, window[1] + 0.5, colors=S.VERMILLION, linestyles="--", lw=1.4,
                      label=L.text("fan.target_avg", lang, value=f"{value:g}%"))
        actuals = data.actuals()
        if actuals:
            ya = sorted(actuals)
            ax.plot(ya, [actuals[y] * 100 for y in ya], color=S.BLACK, lw=1.2, marker="s", ms=4,
                    label=L.text("actuals", lang), zorder=5)
        ax.axhline(0, color="#555555", lw=0.6)
        ax.set_ylabel(L.text("fan.ylabel", lang))
        _percent_axis(ax.yaxis)
        _year_axis(ax, int(x[0]), int(x[-1]))
        handles, labels = ax.get_legend_handles_labels()
        _legend(fig, handles, labels, ncols=3)
    return fig


# ----------------------------------------------------------------------------------- 2. average growth
def average_growth(data: RunData, lang: str | None = None):
    """Average growth over the target window: histogram, cumulative curve, threshold and P(≥ target)."""
    lang = _lang(data, lang)
    with S.house_style(lang):
        values = np.asarray(data.average_growth, float)
        values = values[np.isfinite(values)] * 100
        first, last = data.summary["average_growth"]["window"]
        fig, ax = _new()
        _header(fig, ax, data, lang, L.text("avg.title", lang, first=first, last=last))
        target = data.growth_target()
        threshold = float(target["threshold"]) * 100 if target is not None else None
        if len(values):
            lo, hi = np.percentile(values, [0.25, 99.75])
            if threshold is not None:
                lo, hi = min(lo, threshold - 0.5), max(hi, threshold + 0.5)
            pad = 0.04 * (hi - lo or 1.0)
            lo, hi = lo - pad, hi + pad
            bins = np.linspace(lo, hi, 46)
            if threshold is not None:  # one bin edge exactly on the threshold
                step = bins[1] - bins[0]
                bins = threshold + step * np.arange(np.floor((lo - threshold) / step), np.ceil((hi - threshold) / step) + 1)
            counts, edges = np.histogram(np.clip(values, bins[0], bins[-1]), bins=bins)
            below, above = float((values < edges[0]).mean()), float((values > edges[-1]).mean())
            share = counts / len(values) * 100
            centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
            met = centres >= threshold if threshold is not None else np.zeros_like(centres, bool)
            ax.bar(centres[~met], share[~met], width[~met], color=S.LIGHT_GREY, edgecolor="#8A8A8A", lw=0.4,
                   label=L.text("avg.missed", lang) if threshold is not None else None)
            if met.any():
                ax.bar(centres[met], share[met], width[met], color=S.GREEN, edgecolor="#00583F", lw=0.4,
                       label=L.text("avg.met", lang))
            ax.set_xlim(edges[0], edges[-1])
            ax2 = ax.twinx()
            xs = np.sort(values)
            ax2.plot(xs, np.arange(1, len(xs) + 1) / len(xs) * 100, color=S.BLACK, lw=1.3,
                     label=L.text("avg.cumulative", lang))
            ax2.set_ylim(0, 102)
            ax2.set_ylabel(L.text("avg.cum_label", lang))
            ax2.spines["right"].set_visible(True)
            ax2.grid(False)
            _percent_axis(ax2.yaxis)
            if below or above:        # the tails are piled into the end bars: say so, with how much
                ax2.text(0.015, 0.80, L.text("avg.tails", lang, lo=f"{edges[0]:.1f}%", hi=f"{edges[-1]:.1f}%",
                                             below=L.percent(below, 2), above=L.percent(above, 2)),
                         transform=ax2.transAxes, ha="left", va="top", fontsize=6.5, color="#555555", zorder=6,
                         bbox={"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none"})
            median = float(np.median(values))
            ax.axvline(median, color=S.BLUE, lw=1.0, ls=":", label=L.text("avg.median", lang, value=f"{median:.1f}%"))
        if threshold is not None:
            ax.axvline(threshold, color=S.VERMILLION, lw=1.6, ls="--",
                       label=L.text("fan.target", lang, value=f"{threshold:g}%"))
            if target.get("metric") == "average_growth":
                low, high = target.get("ci95") or (None, None)
                note = L.text("avg.probability", lang, threshold=f"{threshold:g}%",
                              p=L.percent(target.get("probability")), low=L.percent(low), high=L.percent(high))
                ax.text(0.015, 0.97, note, transform=ax.transAxes, ha="left", va="top", fontsize=8.5,
                        bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#999999", "lw": 0.6},
                        zorder=6)
        ax.set_xlabel(L.text("avg.xlabel", lang))
        ax.set_ylabel(L.text("avg.ylabel", lang))
        _percent_axis(ax.xaxis)
        _percent_axis(ax.yaxis)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.32)   # room for the probability box
        handles, labels = ax.get_legend_handles_labels()
        if len(values):
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        _legend(fig, handles, labels, ncols=5)
    return fig


# ----------------------------------------------------------------------------------- 3. contributions


def contributions(data: RunData, lang: str | None = None):
    """Mean contributions to growth by year, stacked (positive up, negative down); the cliff marked."""
    lang = _lang(data, lang)
    with S.house_style(lang):
        years = data.years.iloc[1:]
        x = years["year"].to_numpy(int)
        demand = years.get("contribution_demand")
        cycle = demand is not None and bool(np.nan_to_num(demand.to_numpy(float)).any())
        fig, ax = _new(11.5 if cycle else 10.5)     # a third legend row for the demand cycle
        _header(fig, ax, data, lang, L.text("contrib.title", lang))
        window = _window(data)
        _shade_window(ax, window, lang)
        up, down = np.zeros(len(x)), np.zeros(len(x))
        for key in CONTRIBUTIONS:
            column = f"contribution_{key}"
            if column not in years or (key == "demand" and not cycle):
                continue                          # no demand shocks in the scenario: no empty legend entry
            v = np.nan_to_num(years[column].to_numpy(float) * 100)
            base = np.where(v >= 0, up, down)
            st = S.CONTRIBUTION_STYLE[key]
            ax.bar(x, v, 0.72, bottom=base, facecolor=st["color"], hatch=st["hatch"], edgecolor="#333333", lw=0.35,
                   label=L.text(f"contrib.{key}", lang))
            up, down = np.where(v >= 0, up + v, up), np.where(v < 0, down + v, down)
        observed = [int(y) for y in sorted(data.actuals()) if int(y) in set(x.tolist())]
        for year in observed:   # observed years have growth but no decomposition
            ax.text(year, 0.15, L.text("contrib.observed", lang), ha="center", va="bottom", fontsize=6.5,
                    color="#555555", rotation=90)
        total = years["growth_mean"].to_numpy(float) * 100
        ax.plot(x, total, color=S.BLACK, lw=1.4, marker="o", ms=3.2, label=L.text("contrib.total", lang), zorder=5)
        ax.axhline(0, color="#333333", lw=0.7)
        construction = years.get("contribution_construction")
        if construction is not None:
            c = construction.to_numpy(float) * 100
            if np.isfinite(c).any() and np.nanmin(c) < -0.05:
                i = int(np.nanargmin(c))
                tip = down[i]
                ax.annotate(L.text("contrib.cliff", lang), xy=(x[i], tip), xytext=(x[i] + 0.8, tip - 1.6),
                            fontsize=7.5, color=S.VERMILLION, ha="left", va="top",
                            arrowprops={"arrowstyle": "->", "color": S.VERMILLION, "lw": 0.9})
                ax.set_ylim(min(ax.get_ylim()[0], tip - 2.6), ax.get_ylim()[1])
        ax.set_ylabel(L.text("contrib.ylabel", lang))
        _year_axis(ax, int(x[0]), int(x[-1]))
        handles, labels = ax.get_legend_handles_labels()
        _legend(fig, handles, labels, ncols=4)
    return fig


# ----------------------------------------------------------------------------------- 4. schedule
def schedule(data: RunData, lang: str | None = None):
    """Gantt chart: planned construction bars, COD P10–P90 whiskers with the median, grouped by kind."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory as blend

    lang = _lang(data, lang)
    with S.house_style(lang):
        p = data.projects.copy()
        order = {k: i for i, k in enumerate(KIND_ORDER)}
        p["_group"] = p["kind"].map(lambda k: order.get(k, len(order)))
        p["_first"] = p.groupby("kind")["planned_start"].transform("min")
        p = p.sort_values(["_group", "_first", "kind", "planned_start", "planned_cod"], kind="stable")
        critical = set(data.critical_ids())
        rows: list[tuple[str, object]] = []
        for kind, group in p.groupby("kind", sort=False):
            rows.append(("header", kind))
            rows.extend(("project", r) for r in group.itertuples())
        n = len(rows)
        fig, ax = _new(4.6 + 0.5 * n)
        _header(fig, ax, data, lang, L.text("gantt.title", lang))
        first = min(p["planned_start"].min(), np.nanmin(p["start_p10"].to_numpy(float))
                    if p["start_p10"].notna().any() else p["planned_start"].min())
        last = np.nanmax([p["planned_cod"].max(), np.nanmax(p["cod_p90"].to_numpy(float))
                          if p["cod_p90"].notna().any() else 0.0])
        short = last - first < 2.0                      # a schedule of weeks or months: a date axis
        if short:
            pad = 0.05 * max(last - first, 1 / 12)
            lo, hi = first - pad, last + pad
        else:
            lo = max(float(np.floor(first)), data.base_year)
            hi = float(min(np.ceil(last) + 1, data.horizon + 1))
        window = _window(data)
        if window is not None:
            _shade_window(ax, window, lang, label=False, span=(window[0], window[1] + 1))
        ticks, full_names, colours = [], [], []
        for i, (what, row) in enumerate(rows):
            y = n - 1 - i
            if what == "header":
                ax.text(lo + 0.05, y, L.kind_label(row, lang), ha="left", va="center", fontsize=8.5,
                        color=S.BLUE)
                if i:
                    ax.hlines(y + 0.5, lo, hi, colors="#AAAAAA", lw=0.6)
                continue
            name = row.name_zh if lang == "zh" else row.name_en
            ticks.append(y)
            full_names.append(str(name))
            is_critical = row.id in critical
            colours.append(S.VERMILLION if is_critical else "#222222")
            start, cod = float(row.planned_start), float(row.planned_cod)
            if row.kind == "milestone":                 # planned date as a diamond, not a bar
                ax.plot(cod, y, "D", color=S.BLUE, ms=6, mfc=S.SKY, mec=S.BLUE, mew=0.8, zorder=3)
            else:
                ax.barh(y, min(cod, hi) - start, left=start, height=0.52,
                        color=S.VERMILLION if is_critical else S.SKY, alpha=0.55 if is_critical else 0.6,
                        edgecolor=S.VERMILLION if is_critical else S.BLUE, lw=0.6,
                        hatch="////" if is_critical else "")
            if finite(row.cod_p10) and finite(row.cod_p90):
                a, b = float(row.cod_p10), min(float(row.cod_p90), hi)
                ax.hlines(y, a, b, colors=S.BLACK, lw=1.0, zorder=4)
                ax.vlines([a, b], y - 0.17, y + 0.17, colors=S.BLACK, lw=1.0, zorder=4)
                if float(row.cod_p50) <= hi:
                    ax.plot(float(row.cod_p50), y, "o", color=S.BLACK, ms=3.2, zorder=5)
            if finite(row.p_cancelled) and float(row.p_cancelled) >= 0.005:
                ax.text(1.012, y, L.percent(row.p_cancelled, 0), transform=blend(ax.transAxes, ax.transData),
                        ha="left", va="center", fontsize=7, color="#444444")
        if (p["p_cancelled"].to_numpy(float) >= 0.005).any():      # the column only when it has entries
            ax.text(1.012, n - 1, L.text("gantt.cancel_head", lang), transform=blend(ax.transAxes, ax.transData),
                    ha="left", va="center", fontsize=7, color="#444444", linespacing=1.1)
        ax.set_yticks(ticks, L.shorten_all(full_names, 28 if lang == "zh" else 38))
        for tick, colour in zip(ax.get_yticklabels(), colours):
            tick.set_color(colour)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(lo, hi)
        if short:
            _date_axis(ax.xaxis, lo, hi)
        else:
            ax.set_xticks(range(int(lo), int(hi) + 1))
        ax.grid(True, axis="x", color="#E3E3E3", lw=0.5)
        ax.grid(False, axis="y")
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_ticks_position("bottom")
        ax.tick_params(axis="x", labeltop=True, top=False)
        handles = [Patch(facecolor=S.SKY, alpha=0.6, edgecolor=S.BLUE, label=L.text("gantt.planned", lang)),
                   Line2D([], [], color=S.BLACK, marker="o", ms=3.2, lw=1.0, label=L.text("gantt.cod", lang))]
        if critical:
            handles.append(Patch(facecolor=S.VERMILLION, alpha=0.55, edgecolor=S.VERMILLION, hatch="////",
                                 label=L.text("gantt.critical", lang)))
        if window is not None:
            handles.append(Patch(facecolor="#000000", alpha=0.06, label=L.text(
                "target_window", lang, first=window[0], last=window[1])))
        _legend(fig, handles, [h.get_label() for h in handles], ncols=2)
    return fig


# ----------------------------------------------------------------------------------- 5. energy
def energy(data: RunData, lang: str | None = None):
    """Capacity by technology (stacked means) with the total's P10–P90 and the target; generation."""
    lang = _lang(data, lang)
    with S.house_style(lang):
        fig, (ax, ax2) = _new(14.5, nrows=2, sharex=True)
        _header(fig, ax, data, lang, L.text("energy.title", lang))
        techs = data.technologies()
        e = data.energy
        years = data.years["year"].to_numpy(int)
        summary = data.summary.get("energy") or {}
        counted = summary.get("technologies") or [k for k, t in techs.items() if t["kind"] == "generation"]
        generation = [k for k, t in techs.items() if t["kind"] == "generation"]
        order = sorted(techs, key=lambda k: list(S.TECHNOLOGY_COLOURS).index(k)
                       if k in S.TECHNOLOGY_COLOURS else len(S.TECHNOLOGY_COLOURS))
        colours = {k: S.technology_colour(k, i) for i, k in enumerate(order)}
        hatches = {k: S.TECHNOLOGY_HATCHES[i % len(S.TECHNOLOGY_HATCHES)] for i, k in enumerate(order)}

        def series(tech, column, convert):
            rows = e[e["technology"].astype(str) == tech].set_index("year").reindex(years)
            return convert(rows[column].to_numpy(float), lang)

        def stack(axis, keys, column, convert):
            bottom = np.zeros(len(years))
            for k in [k for k in order if k in keys]:
                v = np.nan_to_num(series(k, column, convert))
                axis.fill_between(years, bottom, bottom + v, step=None, facecolor=colours[k], hatch=hatches[k],
                                  edgecolor="#333333", lw=0.4, label=L.pick(techs[k]["label"], lang, k))
                bottom = bottom + v
            return bottom

        stack(ax, counted, "capacity_mw_mean", L.capacity)
        if "energy_capacity_mw_p10" in data.years:
            p10 = L.capacity(data.years["energy_capacity_mw_p10"].to_numpy(float), lang)
            p90 = L.capacity(data.years["energy_capacity_mw_p90"].to_numpy(float), lang)
            ax.fill_between(years, p10, p90, facecolor="none", edgecolor=S.BLACK, hatch="", lw=0)
            ax.plot(years, p10, color=S.BLACK, lw=0.9, ls="--")
            ax.plot(years, p90, color=S.BLACK, lw=0.9, ls="--", label=L.text("energy.total_band", lang))
        target = data.energy_target()
        if target is not None:
            value = L.capacity(float(target["threshold"]), lang)
            year = int(target["window"][1])
            ax.axhline(value, color=S.VERMILLION, lw=1.3, ls=(0, (5, 3)),
                       label=L.text("energy.target", lang, value=L.capacity_text(float(target["threshold"]), lang),
                                    year=year))
            ax.plot([year], [value], marker="D", color=S.VERMILLION, ms=5, zorder=6)
        ax.set_ylabel(L.text("energy.capacity", lang))
        _thousands_axis(ax.yaxis)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
        stack(ax2, generation, "generation_gwh_mean", L.generation)
        ax2.set_ylabel(L.text("energy.generation", lang))
        _thousands_axis(ax2.yaxis)
        ax2.set_ylim(0, ax2.get_ylim()[1] * 1.08)
        _year_axis(ax2, int(years[0]), int(years[-1]))
        names = ", " if lang == "en" else "、"
        ax.text(0.005, 0.98, L.text("energy.counted", lang, techs=names.join(L.pick(techs[k]["label"], lang, k)
                                                                          for k in counted if k in techs)),
                transform=ax.transAxes, ha="left", va="top", fontsize=7, color="#444444")
        handles, labels = ax.get_legend_handles_labels()
        seen = set(labels)
        for h, lab in zip(*ax2.get_legend_handles_labels()):
            if lab not in seen:
                handles.append(h)
                labels.append(lab)
        _legend(fig, handles, labels, ncols=4)
    return fig


# ----------------------------------------------------------------------------------- 6. capex
def capex(data: RunData, lang: str | None = None):
    """Capex by year (mean with P10–P90 whiskers) and the cumulative S-curve (median, P10–P90 band)."""
    lang = _lang(data, lang)
    with S.house_style(lang):
        y = data.years
        years = y["year"].to_numpy(int)
        fig, (ax, ax2) = _new(13.0, nrows=2, sharex=True)
        _header(fig, ax, data, lang, L.text("capex.title", lang, prices=data.price_year))
        window = _window(data)
        _shade_window(ax, window, lang)
        _shade_window(ax2, window, lang, label=False)
        mean = y["capex_spent_mean"].to_numpy(float)
        err = None
        if "capex_spent_p10" in y:
            p10, p90 = y["capex_spent_p10"].to_numpy(float), y["capex_spent_p90"].to_numpy(float)
            err = np.vstack([np.clip(mean - p10, 0, None), np.clip(p90 - mean, 0, None)])
        ax.bar(years, mean, 0.7, color=S.ORANGE, edgecolor="#8A5A00", lw=0.5, yerr=err,
               error_kw={"elinewidth": 0.8, "capsize": 2.0, "ecolor": "#333333"}, label=L.text("capex.annual_bar", lang))
        ax.set_ylabel(L.text("capex.annual", lang))
        _thousands_axis(ax.yaxis)
        if "capex_cumulative_p50" in y:
            c10, c50, c90 = (y[f"capex_cumulative_p{q}"].to_numpy(float) for q in (10, 50, 90))
            ax2.fill_between(years, c10, c90, color=S.BLUE, alpha=S.BAND_OUTER + 0.07, lw=0,
                             label=L.text("band_p10_p90", lang))
            ax2.plot(years, c50, color=S.BLUE, lw=1.8, marker="o", ms=2.8, label=L.text("median", lang))
            ax2.plot(years, y["capex_cumulative_mean"].to_numpy(float), color=S.BLACK, lw=0.9, ls="--",
                     label=L.text("mean", lang))
        else:
            ax2.plot(years, np.cumsum(mean), color=S.BLUE, lw=1.8, label=L.text("mean", lang))
        ax2.set_ylabel(L.text("capex.cumulative", lang))
        ax2.set_ylim(0, ax2.get_ylim()[1])
        _thousands_axis(ax2.yaxis)
        _year_axis(ax2, int(years[0]), int(years[-1]))
        handles, labels = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        _legend(fig, handles + h2, labels + l2, ncols=3)
    return fig


# ----------------------------------------------------------------------------------- 7. finish dates
def finish_dates(data: RunData, lang: str | None = None):
    """The first completion target's finish dates (histogram of the valid draws, cumulative line,
    P50/P80, the target date and P(by it)) and the criticality of the projects that drive it."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang = _lang(data, lang)
    target = data.completion_target()
    if target is None:
        raise ValueError("this run has no completion target: no finish-date chart")
    with S.house_style(lang):
        ident = target["project"]
        table = data.schedule.get("criticality")
        crit = critical_rows(table, target["name"], ident).head(8) if table is not None and len(table) else table
        n_bars = 0 if crit is None else len(crit)
        fig, (ax, bx) = _new(11.5 + 0.55 * max(n_bars, 2), nrows=2,
                             gridspec_kw={"height_ratios": [1.35, 0.25 + 0.16 * max(n_bars, 2)]})
        name = _end_point_name(data, ident, lang)
        _header(fig, ax, data, lang, L.text("finish.title", lang, name=L.shorten(name, 30 if lang == "zh" else 48)))
        handles = []
        values = np.asarray(data.finish if data.finish is not None else [], float)
        total = len(values)
        values = np.sort(values[np.isfinite(values)])
        if len(values):
            lo, hi = np.percentile(values, [0.25, 99.75])
            if finite(target.get("by")):
                lo, hi = min(lo, target["by"]), max(hi, target["by"])
            pad = 0.06 * (hi - lo or 0.1)
            lo, hi = lo - pad, hi + pad
            counts, edges = np.histogram(values, bins=np.linspace(lo, hi, 41))   # the tails beyond stay out
            ax.bar((edges[:-1] + edges[1:]) / 2, counts / total * 100, np.diff(edges) * 0.92, color=S.SKY,
                   edgecolor=S.BLUE, lw=0.4)
            below, above = int((values < lo).sum()), int((values > hi).sum())
            if below or above:        # say how many draws the axis leaves out, and where
                from portfolio.uncertainty.dates import date_text

                parts = [L.text(f"finish.tails_{side}", lang, n=n, date=date_text(edge))
                         for side, n, edge in (("before", below, lo), ("after", above, hi)) if n]
                note = L.text("finish.tails", lang, n=below + above, parts=L.text("list.sep", lang).join(parts))
                tails = 0.97 if below and not above else 0.86    # under the S-curve's plateau at 100%
            else:
                tails = None
            handles.append(Patch(facecolor=S.SKY, edgecolor=S.BLUE, label=L.text("finish.bin", lang)))
            ax2 = ax.twinx()
            ax2.plot(values, np.arange(1, len(values) + 1) / total * 100, color=S.BLACK, lw=1.3)
            handles.append(Line2D([], [], color=S.BLACK, lw=1.3, label=L.text("finish.cumulative", lang)))
            if tails is not None:
                ax2.text(0.985, tails, note, transform=ax2.transAxes, ha="right", va="top", fontsize=6.5,
                         color="#555555", zorder=6,
                         bbox={"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none"})
            ax2.set_ylim(0, 102)
            ax2.set_ylabel(L.text("finish.cum_label", lang))
            ax2.spines["right"].set_visible(True)
            ax2.grid(False)
            _percent_axis(ax2.yaxis)
            ax.set_xlim(lo, hi)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.45)
            _percent_axis(ax.yaxis)
            ax.set_ylabel(L.text("finish.ylabel", lang))
            _date_axis(ax.xaxis, lo, hi)
        finish, dates = target.get("finish") or {}, target.get("finish_dates") or {}
        for q, colour, style in (("p50", S.BLUE, ":"), ("p80", S.ORANGE, "-.")):
            if finite(finish.get(q)):
                ax.axvline(finish[q], color=colour, lw=1.3, ls=style)
                handles.append(Line2D([], [], color=colour, lw=1.3, ls=style,
                                      label=f"{q.upper()} {dates.get(q, '')}"))
        if finite(target.get("by")):
            ax.axvline(target["by"], color=S.VERMILLION, lw=1.6, ls="--")
            handles.append(Line2D([], [], color=S.VERMILLION, lw=1.6, ls="--",
                                  label=L.text("finish.by", lang, date=target.get("by_date", ""))))
            low, high = target.get("ci95") or (None, None)
            note = L.text("finish.probability", lang, date=target.get("by_date", ""), p=L.percent(target.get("probability")),
                          low=L.percent(low), high=L.percent(high))
            if finite(target.get("p_cancelled")) and target["p_cancelled"] > 0.0005:
                note += "\n" + L.text("finish.cancelled", lang, p=L.percent(target["p_cancelled"]))
            ax.text(0.015, 0.97, note, transform=ax.transAxes, ha="left", va="top", fontsize=8.5,
                    bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#999999", "lw": 0.6},
                    zorder=6)
        if n_bars:
            ys = np.arange(n_bars)[::-1]
            values = crit["criticality"].to_numpy(float) * 100
            lows = crit["criticality_ci_low"].to_numpy(float) * 100
            highs = crit["criticality_ci_high"].to_numpy(float) * 100
            bx.barh(ys, values, 0.6, color=S.VERMILLION, alpha=0.7, edgecolor=S.VERMILLION, lw=0.5)
            bx.errorbar(values, ys, xerr=[values - lows, highs - values], fmt="none", ecolor=S.BLACK, lw=0.9,
                        capsize=2.5)
            names = [r.name_zh if lang == "zh" else r.name_en for r in crit.itertuples()]
            bx.set_yticks(ys, L.shorten_all([str(v) for v in names], 24 if lang == "zh" else 34))
            for y, value, rho in zip(ys, highs, crit["cruciality"].to_numpy(float)):
                if finite(rho):
                    bx.text(min(value + 1.5, 101), y, L.text("finish.cruciality", lang, rho=L.correlation(rho)),
                            va="center", ha="left", fontsize=7, color="#444444")
            bx.set_xlim(0, 118)
            bx.set_xticks(range(0, 101, 20))
            _percent_axis(bx.xaxis)
            bx.set_xlabel(L.text("finish.crit_label", lang))
            bx.grid(True, axis="x", color="#E3E3E3", lw=0.5)
            bx.grid(False, axis="y")
            bx.tick_params(axis="y", length=0)
            bx.set_title(L.text("finish.crit_title", lang), loc="left", fontsize=9)
        else:
            bx.set_axis_off()
            bx.text(0.0, 0.5, L.text("finish.no_path", lang), transform=bx.transAxes, fontsize=8.5, color="#444444")
        _legend(fig, handles, [h.get_label() for h in handles], ncols=3)
    return fig


# ----------------------------------------------------------------------------------- 8. ledger
def ledger(data: RunData, lang: str | None = None):
    """Plan against the ledger (台账), a row per reported project: the planned construction bar; what
    the ledger reports — the actual start, the work done by the report date (its share written on it),
    the actual completion — and the completion the run now expects (P10–P90, median), with the slip
    of the median against the plan in months."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory as blend

    from portfolio.uncertainty.dates import date_text

    lang = _lang(data, lang)
    report = data.summary.get("ledger") or {}
    rows = report.get("projects") or []
    if not rows:
        raise ValueError("this run has no ledger: no plan-against-ledger chart")
    names = {}
    if len(data.projects):
        names = {r.id: (r.name_zh if lang == "zh" else r.name_en) for r in data.projects.itertuples()}
    with S.house_style(lang):
        n = len(rows)
        fig, ax = _new(5.2 + 0.85 * n)
        _header(fig, ax, data, lang, L.text("ledger.title", lang))
        ends = [v for r in rows for v in (r.get("planned_start"), r.get("planned_cod"), r.get("actual_start"),
                                           r.get("actual_cod"), r.get("cod_p10"), r.get("cod_p90"), r.get("report_date"))
                if finite(v)]
        lo, hi = float(np.floor(min(ends))), float(np.ceil(max(ends)) + 0.25)
        report_date = max(float(r["report_date"]) for r in rows if finite(r.get("report_date")))
        labels = []
        for i, r in enumerate(rows):
            y = n - 1 - i
            status = r.get("status", "")
            labels.append(L.text("ledger.row", lang, name=L.shorten(str(names.get(r["id"], r["id"])),
                                                                    22 if lang == "zh" else 30),
                                 status=L.text(f"ledger.status.{status}", lang)))
            if finite(r.get("planned_start")) and finite(r.get("planned_cod")):
                ax.barh(y + 0.17, r["planned_cod"] - r["planned_start"], left=r["planned_start"], height=0.28,
                        color=S.SKY, alpha=0.6, edgecolor=S.BLUE, lw=0.6)
            start = r.get("actual_start")
            if finite(start):
                end = r["actual_cod"] if status == "operating" and finite(r.get("actual_cod")) else report_date
                colour = S.GREEN if status == "operating" else S.BLUE
                ax.barh(y - 0.17, end - start, left=start, height=0.28, color=colour, edgecolor="#222222", lw=0.5)
                if status == "under_construction" and finite(r.get("share_complete")):
                    inside = end - start > 0.09 * (hi - lo)           # room on the bar, else before it
                    ax.text(start + 0.03 if inside else start - 0.05, y - 0.17, L.percent(r["share_complete"], 0),
                            ha="left" if inside else "right", va="center", fontsize=6.3,
                            color="white" if inside else "#222222")
            if status not in ("operating", "cancelled") and finite(r.get("cod_p10")) and finite(r.get("cod_p90")):
                a, b = float(r["cod_p10"]), float(r["cod_p90"])
                ax.hlines(y - 0.17, a, b, colors=S.BLACK, lw=1.0, zorder=4)
                ax.vlines([a, b], y - 0.3, y - 0.04, colors=S.BLACK, lw=1.0, zorder=4)
                if finite(r.get("cod_p50")):
                    ax.plot(float(r["cod_p50"]), y - 0.17, "o", color=S.BLACK, ms=3.4, zorder=5)
            slip = r.get("cod_slip_years_p50")
            if finite(slip) and status != "cancelled":
                months = float(slip) * 12
                ax.text(1.012, y, L.text("ledger.slip", lang, months=months), transform=blend(ax.transAxes, ax.transData),
                        ha="left", va="center", fontsize=7.5,
                        color=S.VERMILLION if months >= 3 else "#444444")
            if i:
                ax.hlines(y + 0.5, lo, hi, colors="#DDDDDD", lw=0.5)
        ax.text(1.012, n - 0.45, L.text("ledger.slip_head", lang), transform=blend(ax.transAxes, ax.transData),
                ha="left", va="bottom", fontsize=7, color="#444444", linespacing=1.1)
        ax.axvline(report_date, color=S.VERMILLION, lw=1.2, ls="--", zorder=3)
        ax.set_yticks(range(n - 1, -1, -1), labels)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(lo, hi)
        ax.set_xticks(range(int(lo), int(np.floor(hi)) + 1, 1 if hi - lo <= 9 else 2))
        ax.grid(True, axis="x", color="#E3E3E3", lw=0.5)
        ax.grid(False, axis="y")
        ax.spines["left"].set_visible(False)
        handles = [Patch(facecolor=S.SKY, alpha=0.6, edgecolor=S.BLUE, label=L.text("ledger.planned", lang)),
                   Patch(facecolor=S.BLUE, edgecolor="#222222", label=L.text("ledger.progress", lang)),
                   Patch(facecolor=S.GREEN, edgecolor="#222222", label=L.text("ledger.built", lang)),
                   Line2D([], [], color=S.BLACK, marker="o", ms=3.4, lw=1.0, label=L.text("ledger.expected", lang)),
                   Line2D([], [], color=S.VERMILLION, lw=1.2, ls="--",
                          label=L.text("ledger.report_date", lang, date=date_text(report_date)))]
        _legend(fig, handles, [h.get_label() for h in handles], ncols=2)
    return fig


def _date_axis(axis, lo: float, hi: float) -> None:
    """Ticks on a decimal-year axis written as dates: years for long spans, YYYY-MM for short ones."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    from portfolio.uncertainty.dates import date_text, decimal_year

    span = hi - lo
    first = int(np.floor(lo))
    if span >= 4:
        ticks = [float(y) for y in range(int(np.ceil(lo)), int(np.floor(hi)) + 1)]
        label = lambda v, _: f"{int(round(v))}"  # noqa: E731
    elif span <= 0.3:                                   # a few weeks: the 1st and the 15th, as days
        days = [(y, m, d) for y in range(first, int(np.ceil(hi)) + 1) for m in range(1, 13) for d in (1, 15)]
        ticks = [t for t in (decimal_year(f"{y}-{m:02d}-{d:02d}") for y, m, d in days) if lo <= t <= hi]
        label = lambda v, _: date_text(v)  # noqa: E731
    else:
        step = 1 if span <= 1 else 3 if span <= 2.5 else 6
        months = [(y, m) for y in range(first, int(np.ceil(hi)) + 1) for m in range(1, 13, step)]
        ticks = [decimal_year(f"{y}-{m:02d}-01") for y, m in months]
        ticks = [t for t in ticks if lo <= t <= hi]
        label = lambda v, _: date_text(v, "month")  # noqa: E731
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(label))


def _end_point_name(data: RunData, ident: str, lang: str) -> str:
    """The name of a project, milestone or group from the saved tables."""
    for table in (data.projects, data.schedule.get("groups")):
        if table is not None and len(table) and ident in set(table["id"]):
            row = table[table["id"] == ident].iloc[0]
            return str(row["name_zh"] if lang == "zh" else row["name_en"])
    return ident


CHARTS = {"growth_fan": growth_fan, "average_growth": average_growth, "contributions": contributions,
          "schedule": schedule, "energy": energy, "capex": capex, "finish_dates": finish_dates, "ledger": ledger}


def has_energy(data: RunData) -> bool:
    return len(data.energy) > 0


def available_kinds(data: RunData) -> list[str]:
    """The charts a run can have (no energy chart without energy technologies, no Gantt chart without
    projects)."""
    skip = set() if has_energy(data) else {"energy"}
    if len(data.projects) == 0:
        skip.add("schedule")
    if data.completion_target() is None or not len(data.schedule.get("s_curves", ())):
        skip.add("finish_dates")
    if not (data.summary.get("ledger") or {}).get("projects"):
        skip.add("ledger")
    return [k for k in KINDS if k not in skip]


def draw(kind: str, data: RunData, lang: str | None = None):
    if kind not in CHARTS:
        raise ValueError(f"unknown chart {kind!r} (one of {', '.join(KINDS)})")
    return CHARTS[kind](data, lang)


def draw_run_charts(folder, lang: str | None = None, formats=("png", "svg"), kinds=None,
                    scenario: dict | None = None, out=None, staging: bool = False, executor=None) -> list[Path]:
    """Draw the charts of a run folder into ``out`` (default ``folder/charts``) as ``<kind>.<fmt>``.

    ``lang`` defaults to the scenario's ``meta.language``; ``scenario`` is the resolved scenario when the
    folder has no manifest yet and ``staging`` is true (while ``portfolio run`` writes it); ``executor``
    (an entered ``runs.executors.LocalExecutor``) shares the charts among its processes. Returns the
    files written."""
    data = RunData.from_folder(folder, scenario=scenario, staging=staging)
    return write_charts(data, Path(out) if out is not None else Path(folder) / "charts", lang, formats, kinds,
                        executor=executor)


def write_charts(data: RunData, out: Path, lang: str | None = None, formats=("png", "svg"), kinds=None,
                 executor=None) -> list[Path]:
    """Draw ``kinds`` (default: every chart the run has) into ``out`` in each format; returns the files
    in the order of ``kinds``. With an ``executor`` of several workers the charts are shared among its
    processes (round robin); the files do not depend on it."""
    lang = _lang(data, lang)
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    out.mkdir(parents=True, exist_ok=True)
    kinds = list(kinds or available_kinds(data))
    workers = min(getattr(executor, "workers", 1), len(kinds))
    if workers <= 1:
        return _write(kinds, (data, out, lang, formats))
    shares = [tuple(kinds[i::workers]) for i in range(workers)]
    drawn = dict(executor.map_unordered(_write, shares, shared=(data, out, lang, formats)))
    paths = {path.name: path for share in shares for path in drawn[share]}
    return [paths[f"{kind}.{fmt}"] for kind in kinds for fmt in formats]      # as one process lists them


def _write(kinds, shared) -> list[Path]:
    """Draw and save ``kinds`` (in one process)."""
    data, out, lang, formats = shared
    written = []
    for kind in kinds:
        fig = draw(kind, data, lang)
        with S.house_style(lang):
            for i, fmt in enumerate(formats):
                written.append(S.save(fig, out / f"{kind}.{fmt}", fmt))
                if i == 0:
                    # laid out once: the other formats keep the first one's positions (the constrained
                    # layout, about 40% of the drawing time, is not solved again for each file)
                    fig.set_layout_engine("none")
    return written


class PlotAccessor:
    """``result.plot.<kind>(lang=None)`` (or ``open_run(folder).plot.<kind>()``) → a matplotlib Figure
    (never shown)."""

    def __init__(self, source):
        self._source = source                    # a Result, or the RunData of a saved folder
        self._data: RunData | None = source if isinstance(source, RunData) else None

    @property
    def data(self) -> RunData:
        if self._data is None:
            self._data = RunData.from_result(self._source)
        return self._data

    def _figure(self, kind: str, lang: str | None):
        lang = _lang(self.data, lang)
        fig = draw(kind, self.data, lang)
        with S.house_style(lang):
            fig.draw_without_rendering()   # lay out and create every tick inside the house style
        return fig

    def growth_fan(self, lang: str | None = None):
        """Real growth by year: bands, median, target, actuals."""
        return self._figure("growth_fan", lang)

    def average_growth(self, lang: str | None = None):
        """Average growth over the target window: histogram, cumulative curve, P(≥ target)."""
        return self._figure("average_growth", lang)

    def contributions(self, lang: str | None = None):
        """Contributions to growth by year, stacked, with the investment cliff."""
        return self._figure("contributions", lang)

    def schedule(self, lang: str | None = None):
        """Project Gantt chart: planned bars, COD P10–P90, critical projects."""
        return self._figure("schedule", lang)

    def energy(self, lang: str | None = None):
        """Energy capacity and generation by technology, the target and the total's P10–P90."""
        return self._figure("energy", lang)

    def capex(self, lang: str | None = None):
        """Capex by year and the cumulative S-curve."""
        return self._figure("capex", lang)

    def finish_dates(self, lang: str | None = None):
        """The first completion target's finish-date distribution and the criticality of its path."""
        return self._figure("finish_dates", lang)

    def ledger(self, lang: str | None = None):
        """Plan against the project ledger: planned bars, reported progress, expected completion, slip."""
        return self._figure("ledger", lang)

    def all(self, lang: str | None = None) -> dict:
        return {k: self._figure(k, lang) for k in available_kinds(self.data)}
