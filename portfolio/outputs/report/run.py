"""The planning-draft report of a run: HTML (one self-contained file), Markdown (with image files) and
DOCX (for Word), in Simplified Chinese or English.

Contents, in order: a one-sentence headline (the probability of meeting the first growth target and
the main reason), a key-figures table, every chart with a caption, the assumptions (each input: value
or distribution, P5–P95 range in the draws, source), the project assumptions, method notes and caveats
(what the model leaves out), and the run manifest (seed, version, input hashes).

Everything is built from the run folder (``portfolio.outputs.rundata.RunData``); the charts are drawn afresh in the
report's language by ``charts``. Sources of economy and energy inputs are the comments on their lines
in the scenario file, read when the input files are still there with the SHA-256 the manifest recorded.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import shlex
from pathlib import Path

from portfolio.outputs import texts as L
from portfolio.outputs.kinds import LANGS
from portfolio.outputs.names import Names, spec_text
from portfolio.outputs.report.document import Chart, Report, Table
from portfolio.outputs.rundata import RunData, critical_rows, decisive_projects, finite
from portfolio.uncertainty.dates import date_text

SKIP_KEYS = {"id", "name", "kind", "source", "notes", "label", "technology"}
MAX_SOURCE = 180  # characters of a source shown in the report (the workbook keeps them whole)


def build(data: RunData, lang: str | None = None, kinds=None) -> Report:
    """Everything a report holds, in one language, as text, tables and PNG images."""
    from portfolio.outputs import style as S
    from portfolio.outputs.charts import available_kinds, draw

    lang = lang or data.language
    if lang not in LANGS:
        raise ValueError(f"language must be zh or en, got {lang!r}")
    charts = []
    for n, kind in enumerate(kinds or available_kinds(data), start=1):
        fig = draw(kind, data, lang)
        buffer = io.BytesIO()
        with S.house_style(lang):
            fig.savefig(buffer, format="png", dpi=S.DPI, metadata={"Software": None})
        charts.append(Chart(kind, L.text("report.caption", lang, n=n, text=L.text(f"caption.{kind}", lang)),
                            buffer.getvalue()))
    title = L.pick(data.title, lang)
    region = L.pick(data.region, lang) if data.region else ""
    return Report(
        lang=lang,
        title=L.text("report.title", lang, title=title),
        subtitle=" · ".join(x for x in (region, data.summary.get("scenario", "")) if x),
        headline=headline(data, lang),
        key_figures=key_figures(data, lang),
        charts=charts,
        assumptions=assumptions_report_table(data, lang),
        projects=projects_table(data, lang),
        extra_sections=schedule_sections(data, lang),
        notes=L.text("report.notes", lang, prices=data.price_year),
        caveats=L.text("report.caveats", lang),
        manifest=manifest_table(data, lang),
    )


def _target_label(target: dict, lang: str) -> str:
    label = target.get("label")
    if label:
        return L.pick(label, lang)
    return target.get("name", "")


def headline(data: RunData, lang: str) -> str:
    """One sentence: the probability of meeting the first growth target, and the main reason."""
    target = data.growth_target() or (data.summary.get("targets") or [None])[0]
    if target is None:
        return ""
    p = target.get("probability")
    low, high = target.get("ci95") or (None, None)
    avg = data.summary.get("average_growth") or {}
    contributions = data.summary.get("contributions") or {}
    if target.get("metric") in ("average_growth", "min_growth"):
        threshold = L.percent(target.get("threshold"))
        median = L.percent(avg.get("p50"))
        baseline = sum(contributions.get(k) or 0 for k in ("tfp", "capital", "labour", "demand"))
        portfolio = sum(contributions.get(k) or 0 for k in ("construction", "operation", "energy"))
        key = "report.reason_gap" if p is not None and p < 0.5 else "report.reason_above"
        reason = L.text(key, lang, median=median, threshold=threshold, baseline=f"{baseline:.1f}",
                        portfolio=f"{portfolio:.1f}")
    else:
        reason = ""
    critical = decisive_projects(data.summary)
    if critical:
        top = critical[0]
        reason += L.text("report.reason_critical", lang, project=L.pick(top.get("name"), lang, top["id"]),
                         points=f"{top['miss_increase'] * 100:.0f}")
    label = _target_label(target, lang)
    if lang == "en":
        label = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
    values = {"draws": data.n_valid, "target": label, "p": L.percent(p), "low": L.percent(low),
              "high": L.percent(high)}
    if not reason:                                   # no growth reading to add: end at the interval
        return L.text("report.headline_plain", lang, **values)
    return L.text("report.headline", lang, reason=reason, **values)


def _outcome_text(target: dict, value: float, lang: str) -> str:
    if value is None:
        return "–"
    metric = target.get("metric")
    if metric in ("average_growth", "min_growth"):
        return L.percent(value)
    if metric == "energy_capacity":
        return L.capacity_text(value, lang)
    return f"{value:,.0f} {L.text('unit.money', lang)}"


def _gap_text(target: dict, value: float | None, lang: str) -> str:
    """A shortfall in the target's unit: percentage points for growth targets."""
    if value is None or value != value:
        return "–"
    if target.get("metric") in ("average_growth", "min_growth"):
        return f"{value * 100:.2f}{L.text('unit.pp_short', lang)}"
    return _outcome_text(target, value, lang)


def key_figures(data: RunData, lang: str) -> Table:
    s = data.summary
    rows = []
    for t in s.get("targets", []):
        low, high = t.get("ci95") or (None, None)
        out = t.get("outcome") or {}
        if t.get("metric") == "completion":          # finish dates, not slack
            dates = t.get("finish_dates") or {}
            rows.append([_target_label(t, lang),
                         L.text("report.kf.probability", lang, p=L.percent(t.get("probability")))
                         + f" [{L.percent(low)}, {L.percent(high)}]",
                         " · ".join(f"{q.upper()} {dates.get(q, '–')}" for q in ("p50", "p80", "p90"))])
            continue
        rows.append([_target_label(t, lang),
                     L.text("report.kf.probability", lang, p=L.percent(t.get("probability"))) +
                     f" [{L.percent(low)}, {L.percent(high)}]",
                     "P10 {} · P50 {} · P90 {}".format(*(_outcome_text(t, out.get(q), lang)
                                                         for q in ("p10", "p50", "p90")))])
    avg = s.get("average_growth") or {}
    if avg:
        first, last = avg["window"]
        rows.append([L.text("report.kf.avg_growth", lang, first=first, last=last),
                     f"{L.text('mean', lang)} {L.percent(avg.get('mean'), 2)}",
                     f"P10 {L.percent(avg.get('p10'))} · P50 {L.percent(avg.get('p50'))} · P90 {L.percent(avg.get('p90'))}"])
    long = s.get("long_window") or {}
    if long:
        first, last = long["window"]
        lg = long["average_growth"]
        rows.append([L.text("report.kf.long", lang, first=first, last=last),
                     f"{L.text('mean', lang)} {L.percent(lg.get('mean'), 2)}",
                     f"P10 {L.percent(lg.get('p10'))} · P50 {L.percent(lg.get('p50'))} · P90 {L.percent(lg.get('p90'))}"])
    gdp = s.get("gdp") or {}
    if gdp:
        rows.append([L.text("report.kf.gdp", lang, year=gdp["year"]), f"{L.text('mean', lang)} {gdp['mean']:,.0f}",
                     f"P10 {gdp['p10']:,.0f} · P50 {gdp['p50']:,.0f} · P90 {gdp['p90']:,.0f}"])
    c = s.get("contributions") or {}
    if c:
        first, last = c["window"]
        portfolio = sum(c.get(k) or 0 for k in ("construction", "operation", "energy"))
        parts = " · ".join(f"{L.text(f'contrib.{k}', lang)} {c.get(k, 0):.2f}"
                           for k in ("tfp", "capital", "labour", "demand", "construction", "operation", "energy")
                           if k != "demand" or c.get(k))
        rows.append([L.text("report.kf.contribution", lang, first=first, last=last), f"{portfolio:.2f}", parts])
    for t in s.get("targets", []):
        short = t.get("shortfall")
        if short and t.get("metric") != "completion":
            rows.append([L.text("report.kf.shortfall", lang, label=_target_label(t, lang)),
                         _gap_text(t, short["expected"], lang),
                         L.text("report.kf.shortfall_detail", lang, gap=_gap_text(t, short["mean_if_missed"], lang))])
    econ = s.get("economy")
    if econ:
        first, last = econ["window"]
        ky, icor = econ["capital_output_ratio"], econ["portfolio_icor"]["value"]
        rows.append([L.text("report.kf.economy", lang, before=first - 1, last=last),
                     f"{ky['from']:.2f} → {ky['to']:.2f}",
                     L.text("report.kf.economy_detail", lang, first=first, last=last,
                            rate=L.percent(econ["investment_rate_total"]["mean"]),
                            icor="–" if icor is None or icor != icor else f"{icor:.1f}")])
    e = s.get("energy")
    if e:
        rows.append([L.text("report.kf.energy", lang, year=e["year"]),
                     f"{L.text('mean', lang)} {L.capacity_text(e['mean'], lang)}",
                     " · ".join(f"{q.upper()} {L.capacity_text(e[q], lang)}" for q in ("p10", "p50", "p90"))])
    for r in decisive_projects(s)[:3]:
        rows.append([L.text("report.kf.critical", lang), L.pick(r.get("name"), lang, r["id"]),
                     L.text("report.kf.critical_detail", lang, late=L.percent(r["miss_if_late"], 0),
                            on_time=L.percent(r["miss_if_on_time"], 0), share=L.percent(r["late_share"], 0))])
    rows.append([L.text("report.kf.invalid", lang), f"{s.get('invalid_draws', 0):,}", ""])
    return Table([L.text("report.figure", lang), L.text("report.value", lang), L.text("report.interval", lang)],
                 rows, [0.34, 0.26, 0.40])


# ====================================================================================== assumptions
def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def source_comments(data: RunData) -> dict[str, str]:
    """{dotted key path: the comment on its line in the scenario file}, when the input files are there
    unchanged (same SHA-256 as in the manifest) and the run's command line can be read; else {}."""
    manifest = data.manifest or {}
    files = manifest.get("input_files") or {}
    try:
        for label, entry in files.items():
            if hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest() != entry["sha256"]:
                return {}
        words = shlex.split(manifest.get("command") or "")
        if "run" not in words:
            return {}
        args = words[words.index("run") + 1:]
        overrides, scenario_path, i = [], None, 0
        while i < len(args):
            word = args[i]
            if word == "--set" and i + 1 < len(args):
                overrides.append(args[i + 1])
                i += 2
                continue
            if word.startswith("--set="):
                overrides.append(word[len("--set="):])
            elif word.startswith("-"):
                i += 2 if word in ("--draws", "--seed", "--sampler", "--out", "--workers", "--lang",
                                   "--actuals", "--ledger") else 1
                continue
            elif scenario_path is None:
                scenario_path = word
            i += 1
        if scenario_path is None:
            return {}
        wanted = scenario_path.replace("\\", "/").lstrip("./")
        matches = [entry["path"] for label, entry in files.items()
                   if label == scenario_path or entry["path"] == scenario_path
                   or entry["path"].replace("\\", "/").endswith("/" + wanted)]
        if len(matches) != 1:
            return {}
        from portfolio.scenario.loading import load_scenario, origin

        resolved = origin(load_scenario(matches[0], overrides))
        if resolved is None:
            return {}
    except Exception:  # noqa: BLE001 — sources are a courtesy; the report stands without them
        return {}
    if set(resolved.files.values()) != {entry["sha256"] for entry in files.values()}:
        return {}
    texts: dict[str, list[str]] = {}
    out = {}
    for path, where in resolved.provenance.items():
        label, line = where if isinstance(where, tuple) else (None, None)
        if not path or not line or not str(label).endswith((".yaml", ".yml")):
            continue
        if label not in texts:
            try:
                texts[label] = Path(resolved.paths.get(label, label)).read_text(encoding="utf-8").splitlines()
            except OSError:
                texts[label] = []
        lines = texts[label]
        if 0 < line <= len(lines):
            match = re.search(r"\s#\s?(.*)$", lines[line - 1])
            comment = match.group(1).strip() if match else ""
            above, i = [], line - 2
            while not comment and i >= 0 and lines[i].lstrip().startswith("#"):  # a comment block above
                above.insert(0, lines[i].lstrip()[1:].strip())
                i -= 1
            comment = comment or " ".join(above)
            if comment:
                out[".".join(str(p) for p in path)] = comment
    return out


def assumption_rows(data: RunData, lang: str = "en") -> list[dict]:
    """Every input of the scenario: section, key path, value or distribution, P5/P50/P95 in the draws
    (for sampled inputs), source. Projects' inputs come after the economy, energy and uncertainty."""
    scenario = data.scenario or {}
    inputs = data.inputs()
    comments = source_comments(data)
    quantiles = {}
    if len(inputs):
        qs = inputs.quantile([0.05, 0.5, 0.95])
        quantiles = {c: tuple(float(qs[c].iloc[i]) for i in range(3)) for c in inputs.columns}
    rows: list[dict] = []
    used = set()

    def add(section: str, path: str, value, source: str = "") -> None:
        q = quantiles.get(path)
        if q is not None:
            used.add(path)
        rows.append({"section": section, "input": path, "spec": spec_text(value, lang),
                     "p5": q[0] if q else None, "p50": q[1] if q else None, "p95": q[2] if q else None,
                     "source": source or comments.get(path, "")})

    def walk(section: str, prefix: str, value, source: str = "") -> None:
        if isinstance(value, dict) and "dist" not in value and not _is_year_map(value):
            for k, v in value.items():
                if k in SKIP_KEYS:
                    continue
                walk(section, f"{prefix}.{k}", v, source)
        else:
            add(section, prefix, value, source)

    for key, value in (scenario.get("economy") or {}).items():
        walk("economy", f"economy.{key}", value)
    energy = scenario.get("energy") or {}
    for key, value in energy.items():
        if key == "technologies":
            for tech, spec in (value or {}).items():
                walk("energy", f"energy.technologies.{tech}", spec)
        elif key == "emission_factor" and isinstance(value, dict):
            add("energy", "energy.emission_factor", value.get("value"),
                value.get("source") or comments.get("energy.emission_factor", ""))
        else:
            walk("energy", f"energy.{key}", value)
    uncertainty = scenario.get("uncertainty") or {}
    for i, corr in enumerate(uncertainty.get("correlations") or []):
        between = corr.get("between") or []
        add("uncertainty", f"uncertainty.correlations[{i}]",
            f"rank({' ~ '.join(between)}) = {spec_text(corr.get('rank'), lang)}",
            comments.get(f"uncertainty.correlations.{i}", ""))
    for group in ("drivers", "shocks"):
        for item in uncertainty.get(group) or []:
            name = item.get("name", "")
            for k, v in item.items():
                if k in ("name", "label"):
                    continue
                walk("uncertainty", f"uncertainty.{group}.{name}.{k}", v)
    for name, spec in (uncertainty.get("price_paths") or {}).items():
        walk("uncertainty", f"uncertainty.price_paths.{name}", spec)
    for project in scenario.get("projects") or []:
        pid = project.get("id", "")
        source = project.get("source", "")
        for k, v in project.items():
            if k in SKIP_KEYS:
                continue
            walk(f"projects.{pid}", f"projects.{pid}.{k}", v, source)
        for extra in ("cost_ratio", "duration_ratio", "gfcf_share", "multiplier", "local_content", "capex", "capacity"):
            path = f"projects.{pid}.{extra}"
            if path in quantiles and path not in used:
                basis = (f"reference class {project['reference_class']}" if project.get("reference_class")
                         and extra in ("cost_ratio", "duration_ratio") else
                         "economy default" if extra in ("gfcf_share", "multiplier", "local_content") else "derived")
                add(f"projects.{pid}", path, basis, source)
    for column in quantiles:   # sampled inputs not named in the scenario (e.g. technology capex factors)
        if column in used or re.search(r"\.\d{4}$", column) or column.endswith((".cancelled", ".occurs")):
            continue
        add(column.split(".")[0], column, "derived")
    return rows


def _is_year_map(value: dict) -> bool:
    return bool(value) and all(re.fullmatch(r"\d{4}", str(k)) for k in value)


def assumptions_report_table(data: RunData, lang: str) -> Table:
    """Economy, energy and uncertainty inputs (projects have their own table)."""
    rows = []
    names = Names(data.scenario, lang)
    for r in assumption_rows(data, lang):
        if r["section"].startswith("projects"):
            continue
        rng = _range_text(names, r)
        rows.append([r["input"], r["spec"], rng, _clip(r["source"])])
    return Table([L.text("report.col.input", lang), L.text("report.col.spec", lang),
                  L.text("report.col.range", lang), L.text("report.col.source", lang)], rows, [0.28, 0.24, 0.17, 0.31])


def _range_text(names: Names, row: dict) -> str:
    """An input's P5–P95 in the draws as its values are shown elsewhere: 43.8% – 56.1%, 1,185 h – 1,661 h."""
    if row["p5"] is None:
        return ""
    return f"{names.value(row['input'], row['p5'])} – {names.value(row['input'], row['p95'])}"


def projects_table(data: RunData, lang: str) -> Table:
    scenario = data.scenario or {}
    specs = {p.get("id"): p for p in scenario.get("projects") or []}
    rows = []
    for r in data.projects.itertuples():
        spec = specs.get(r.id, {})
        capex = spec.get("capex")
        if capex is None and spec.get("capacity") is not None:
            capex = f"{spec_text(spec.get('capacity'), lang)} × capex/kW"
        risk = []
        if spec.get("reference_class"):
            risk.append(L.text("report.risk.class", lang, name=spec["reference_class"]))
        if r.p_cancelled and r.p_cancelled > 0:
            risk.append(L.text("report.risk.cancel", lang, p=L.percent(r.p_cancelled, 0)))
        if spec.get("depends_on"):
            risk.append(L.text("report.risk.after", lang, ids=_links_text(spec["depends_on"])))
        name = r.name_zh if lang == "zh" else r.name_en
        rows.append([str(name), L.kind_label(r.kind, lang), spec_text(capex, lang) if capex is not None else "",
                     date_text(r.planned_start), spec_text(spec.get("build_years", ""), lang), "; ".join(risk),
                     _clip(spec.get("source", ""))])
    return Table([L.text("report.col.project", lang), L.text("report.col.kind", lang), L.text("report.col.capex", lang),
                  L.text("report.col.start", lang), L.text("report.col.build", lang), L.text("report.col.risk", lang),
                  L.text("report.col.source", lang)], rows, [0.19, 0.06, 0.13, 0.09, 0.08, 0.15, 0.30])


def schedule_sections(data: RunData, lang: str) -> list:
    """Schedule risk: for each completion target the projects on its critical path (criticality with its
    95% interval, cruciality), and the programme groups' dates."""
    sections = []
    table = data.schedule.get("criticality")
    names = {r.id: (r.name_zh if lang == "zh" else r.name_en) for r in data.projects.itertuples()}
    for t in data.summary.get("targets", []):
        if t.get("metric") != "completion" or table is None or not len(table):
            continue
        rows = critical_rows(table, t["name"], t.get("project"))
        if len(rows) > 12:                              # the twelve most critical, and any tied with the last
            rows = rows[rows.criticality >= rows.criticality.iloc[11]]
        dates = t.get("finish_dates") or {}
        low, high = t.get("ci95") or (None, None)
        intro = L.text("report.schedule.intro", lang, target=_target_label(t, lang), p=L.percent(t.get("probability")),
                       low=L.percent(low), high=L.percent(high), p50=dates.get("p50", "–"), p80=dates.get("p80", "–"))
        body = [[names.get(r.id, r.id),
                 f"{L.percent(r.criticality, 1)} [{L.percent(r.criticality_ci_low, 1)}, {L.percent(r.criticality_ci_high, 1)}]",
                 L.correlation(r.cruciality) if finite(r.cruciality) else "–"]
                for r in rows.itertuples()]
        if not body:
            body = [[L.text("finish.no_path", lang), "", ""]]
        sections.append((L.text("report.schedule.title", lang, target=_target_label(t, lang)), intro,
                         Table([L.text("report.col.project", lang), L.text("report.schedule.criticality", lang),
                                L.text("report.schedule.cruciality", lang)], body, [0.5, 0.3, 0.2])))
    groups = data.schedule.get("groups")
    if groups is not None and len(groups):
        body = [[str(r.name_zh if lang == "zh" else r.name_en), str(r.start_p50_date or "–"),
                 *(str(getattr(r, f"finish_p{q}_date") or "–") for q in (10, 50, 80, 90)),
                 L.percent(r.p_cancelled, 0)] for r in groups.fillna("").itertuples()]
        finish = L.text("report.groups.finish", lang)
        sections.append((L.text("report.groups.title", lang), L.text("report.groups.intro", lang),
                         Table([L.text("report.groups.col", lang), L.text("report.groups.start", lang),
                                *(f"{finish} P{q}" for q in (10, 50, 80, 90)), L.text("report.groups.cancelled", lang)],
                               body, [0.22, 0.13, 0.13, 0.13, 0.13, 0.13, 0.13])))
    return sections


def _links_text(value) -> str:
    """A project's links as written in any form ('a; b+0.5', a list, {id, type, lag}) → 'a, b (FS+0.5)'."""
    from portfolio.scenario.schema import _dependencies

    try:
        links = _dependencies(value)
    except ValueError:
        return str(value)
    parts = []
    for link in links:
        if not isinstance(link, dict):
            parts.append(str(link))
            continue
        kind, lag = link.get("type", "FS"), link.get("lag", 0)
        plain = kind == "FS" and (lag in (0, "0", "", None))
        lag_text = "" if lag in (0, "0", "", None) else (str(lag) if str(lag).startswith("-") else f"+{lag}")
        parts.append(str(link.get("id")) if plain else f"{link.get('id')} ({kind}{lag_text})")
    return ", ".join(parts)


def _clip(text: str, limit: int = MAX_SOURCE) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def manifest_table(data: RunData, lang: str) -> Table:
    m = data.manifest or {}
    s = data.summary
    rows = [[L.text("report.m.scenario", lang), str(s.get("scenario", ""))],
            [L.text("report.m.draws", lang), f"{s.get('draws', 0):,}"],
            [L.text("report.m.seed", lang), str(s.get("seed", ""))],
            [L.text("report.m.sampler", lang), str(s.get("sampler", ""))],
            [L.text("report.m.version", lang), str(m.get("package_version") or s.get("package_version", ""))]]
    if m.get("command"):
        rows.append([L.text("report.m.command", lang), m["command"]])
    if m.get("started"):
        rows.append([L.text("report.m.started", lang), m["started"]])
    if m.get("wall_seconds") is not None:
        rows.append([L.text("report.m.wall", lang), f"{m['wall_seconds']:g}"])
    for label, entry in (m.get("input_files") or {}).items():
        rows.append([L.text("report.m.input", lang, label=label), f"sha256 {entry.get('sha256', '')}"])
    return Table([L.text("report.col.item", lang), L.text("report.value", lang)], rows, [0.3, 0.7])


