"""Every chart, report and export text in Simplified Chinese and English, in one place.

``text(key, lang, **values)`` formats a string; ``unit`` helpers convert numbers to the unit a planner
expects in each language (万千瓦 and 亿千瓦时 in Chinese, MW and GWh in English; money is 亿元 in
Chinese and "100 million yuan" in English; growth in %).
"""
from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ units
    "unit.money": {"zh": "亿元", "en": "100 million yuan"},
    "unit.money_short": {"zh": "亿元", "en": "100m yuan"},
    "unit.capacity": {"zh": "万千瓦", "en": "MW"},
    "unit.generation": {"zh": "亿千瓦时", "en": "GWh"},
    "unit.pp": {"zh": "百分点", "en": "percentage points"},
    "unit.draws": {"zh": "次", "en": "draws"},
    # ------------------------------------------------------------------ common
    "subtitle": {"zh": "{title} · {draws:,} 次模拟 · 种子 {seed}",
                 "en": "{title} · {draws:,} draws · seed {seed}"},
    "median": {"zh": "中位数", "en": "Median"},
    "mean": {"zh": "均值", "en": "Mean"},
    "band_p5_p95": {"zh": "P5–P95 区间", "en": "P5–P95 range"},
    "band_p25_p75": {"zh": "P25–P75 区间", "en": "P25–P75 range"},
    "band_p10_p90": {"zh": "P10–P90 区间", "en": "P10–P90 range"},
    "year": {"zh": "年份", "en": "Year"},
    "target": {"zh": "目标", "en": "Target"},
    "target_window": {"zh": "目标期 {first}–{last}", "en": "Target period {first}–{last}"},
    "actuals": {"zh": "实际值", "en": "Actual"},
    # ------------------------------------------------------------------ chart 1: growth fan
    "fan.title": {"zh": "GDP实际增速预测分布", "en": "Real GDP growth: range of outcomes"},
    "fan.ylabel": {"zh": "GDP实际增速（%）", "en": "Real GDP growth (%)"},
    "fan.target": {"zh": "目标 {value}", "en": "Target {value}"},
    "fan.target_avg": {"zh": "年均增速目标 {value}", "en": "Target: average ≥ {value}"},
    # ------------------------------------------------------------------ chart 2: average growth
    "avg.title": {"zh": "{first}–{last}年GDP年均实际增速分布", "en": "Average real GDP growth {first}–{last}"},
    "avg.xlabel": {"zh": "年均实际增速（%）", "en": "Average real growth per year (%)"},
    "avg.ylabel": {"zh": "模拟次数占比（%）", "en": "Share of draws (%)"},
    "avg.cum_label": {"zh": "累计占比（%）", "en": "Cumulative share (%)"},
    "avg.cumulative": {"zh": "累计分布", "en": "Cumulative"},
    "avg.met": {"zh": "达到目标", "en": "Target met"},
    "avg.missed": {"zh": "未达目标", "en": "Target missed"},
    "avg.probability": {"zh": "P(年均增速 ≥ {threshold}) = {p}\n95% 置信区间 {low}–{high}",
                        "en": "P(average growth ≥ {threshold}) = {p}\n95% interval {low}–{high}"},
    "avg.median": {"zh": "中位数 {value}", "en": "Median {value}"},
    # ------------------------------------------------------------------ chart 3: contributions
    "contrib.title": {"zh": "各因素对GDP增长的贡献（均值）", "en": "Contributions to GDP growth (mean)"},
    "contrib.ylabel": {"zh": "拉动GDP增长（百分点）", "en": "Contribution to growth (percentage points)"},
    "contrib.total": {"zh": "GDP增速（均值）", "en": "GDP growth (mean)"},
    "contrib.cliff": {"zh": "投资断崖：建设拉动转负", "en": "Investment cliff: construction turns negative"},
    "contrib.tfp": {"zh": "基础经济：全要素生产率", "en": "Baseline: TFP"},
    "contrib.capital": {"zh": "基础经济：资本", "en": "Baseline: capital"},
    "contrib.labour": {"zh": "基础经济：劳动力", "en": "Baseline: labour"},
    "contrib.construction": {"zh": "项目建设需求", "en": "Project construction demand"},
    "contrib.operation": {"zh": "项目运营", "en": "Project operation"},
    "contrib.energy": {"zh": "能源基地", "en": "Energy base"},
    "contrib.observed": {"zh": "实际值", "en": "observed"},
    # ------------------------------------------------------------------ chart 4: schedule
    "gantt.title": {"zh": "重大项目进度：计划与模拟投产时间", "en": "Project schedule: planned and simulated completion"},
    "gantt.planned": {"zh": "计划建设期", "en": "Planned construction"},
    "gantt.cod": {"zh": "投产时间 P10–P90（点为中位数）", "en": "Completion P10–P90 (dot: median)"},
    "gantt.critical": {"zh": "最常导致目标落空的项目", "en": "Most often decides a miss"},
    "gantt.cancel_head": {"zh": "取消\n概率", "en": "P(can-\ncelled)"},
    "gantt.window": {"zh": "目标期", "en": "Target period"},
    # ------------------------------------------------------------------ chart 5: energy
    "energy.title": {"zh": "能源基地：装机容量与发电量", "en": "Energy base: capacity and generation"},
    "energy.capacity": {"zh": "装机容量（万千瓦）", "en": "Capacity (MW)"},
    "energy.generation": {"zh": "发电量（亿千瓦时）", "en": "Generation (GWh)"},
    "energy.total_band": {"zh": "合计 P10–P90", "en": "Total P10–P90"},
    "energy.target": {"zh": "装机目标 {value}（{year}年）", "en": "Capacity target {value} ({year})"},
    "energy.counted": {"zh": "计入目标：{techs}", "en": "Counted towards the target: {techs}"},
    # ------------------------------------------------------------------ chart 6: capex
    "capex.title": {"zh": "重大项目投资（{prices}年可比价）", "en": "Project investment (constant {prices} prices)"},
    "capex.annual": {"zh": "年度投资（亿元）", "en": "Annual (100 million yuan)"},
    "capex.cumulative": {"zh": "累计投资（亿元）", "en": "Cumulative (100 million yuan)"},
    "capex.annual_bar": {"zh": "年度投资均值（误差线 P10–P90）", "en": "Annual mean (whiskers P10–P90)"},
    # ------------------------------------------------------------------ project kinds
    "kind.energy": {"zh": "能源", "en": "Energy"},
    "kind.transport": {"zh": "交通", "en": "Transport"},
    "kind.industry": {"zh": "产业", "en": "Industry"},
    "kind.tourism": {"zh": "文旅", "en": "Tourism"},
    "kind.services": {"zh": "服务业", "en": "Services"},
    "kind.agriculture": {"zh": "农业", "en": "Agriculture"},
    "kind.social": {"zh": "社会事业", "en": "Social"},
    # ------------------------------------------------------------------ report
    "report.title": {"zh": "{title}：规划目标情景分析", "en": "{title}: planning-target scenario analysis"},
    "report.headline": {
        "zh": "在{draws:,}次模拟中，{target}的概率为{p}（95% 置信区间 {low}–{high}）；{reason}。",
        "en": "Across {draws:,} simulated futures, the probability of {target} is {p} "
              "(95% interval {low}–{high}); {reason}."},
    "report.reason_gap": {
        "zh": "主要原因是基础经济年均仅拉动约{baseline}个百分点、重大项目合计拉动{portfolio}个百分点，"
              "年均增速中位数为{median}，低于目标{threshold}",
        "en": "the main reason is that the economy outside the projects contributes about {baseline} "
              "percentage points a year and the projects only {portfolio}, a median of {median} against the "
              "{threshold} target"},
    "report.reason_above": {
        "zh": "年均增速中位数为{median}，高于目标{threshold}，其中基础经济拉动约{baseline}个百分点、"
              "重大项目拉动{portfolio}个百分点",
        "en": "median average growth is {median}, above the {threshold} target: about {baseline} percentage "
              "points a year from the economy outside the projects and {portfolio} from the projects"},
    "report.reason_critical": {
        "zh": "；最常导致目标落空的项目是{project}（其延误或取消使未达目标的概率增加{points}个百分点）",
        "en": "; the project that most often decides a miss is {project} (its delay or cancellation raises "
              "the chance of a miss by {points} percentage points)"},
    "report.key_figures": {"zh": "主要结果", "en": "Key figures"},
    "report.figure": {"zh": "指标", "en": "Figure"},
    "report.value": {"zh": "数值", "en": "Value"},
    "report.interval": {"zh": "区间", "en": "Range"},
    "report.charts": {"zh": "图表", "en": "Charts"},
    "report.assumptions": {"zh": "主要假设", "en": "Assumptions"},
    "report.assumptions_intro": {
        "zh": "每项输入的取值或分布、模拟中的P5–P95范围及来源（来源取自情景文件中的注释或项目登记表）。",
        "en": "Each input's value or distribution, its P5–P95 range in the draws, and its source (from the "
              "scenario file's comments or the project register)."},
    "report.projects_table": {"zh": "项目假设", "en": "Project assumptions"},
    "report.method": {"zh": "方法说明与局限", "en": "Method notes and caveats"},
    "report.manifest": {"zh": "运行记录", "en": "Run manifest"},
    "report.col.section": {"zh": "类别", "en": "Section"},
    "report.col.input": {"zh": "输入", "en": "Input"},
    "report.col.spec": {"zh": "取值或分布", "en": "Value or distribution"},
    "report.col.range": {"zh": "模拟范围 P5–P95", "en": "Range in draws P5–P95"},
    "report.col.source": {"zh": "来源", "en": "Source"},
    "report.col.project": {"zh": "项目", "en": "Project"},
    "report.col.kind": {"zh": "类型", "en": "Kind"},
    "report.col.capex": {"zh": "投资", "en": "Capex"},
    "report.col.start": {"zh": "计划开工", "en": "Planned start"},
    "report.col.build": {"zh": "建设期（年）", "en": "Build (years)"},
    "report.col.risk": {"zh": "风险设定", "en": "Risk"},
    "report.risk.class": {"zh": "参考类别 {name}", "en": "reference class {name}"},
    "report.risk.cancel": {"zh": "取消概率 {p}", "en": "P(cancel) {p}"},
    "report.risk.after": {"zh": "前置项目 {ids}", "en": "after {ids}"},
    "report.col.item": {"zh": "项目", "en": "Item"},
    "report.kf.target": {"zh": "{label}", "en": "{label}"},
    "report.kf.probability": {"zh": "达成概率 {p}", "en": "P(met) {p}"},
    "report.kf.avg_growth": {"zh": "{first}–{last}年均实际增速", "en": "Average real growth {first}–{last}"},
    "report.kf.gdp": {"zh": "{year}年GDP（亿元，可比价）", "en": "GDP {year} (100 million yuan, constant prices)"},
    "report.kf.energy": {"zh": "{year}年能源基地装机（万千瓦）", "en": "Energy capacity {year} (MW)"},
    "report.kf.contribution": {"zh": "{first}–{last}年项目拉动（百分点/年）",
                               "en": "Portfolio contribution {first}–{last} (pp per year)"},
    "report.kf.invalid": {"zh": "无效模拟", "en": "Invalid draws"},
    "report.kf.critical_detail": {"zh": "延误或取消时未达标 {late} · 按期时 {on_time} · 延误比例 {share}",
                                  "en": "P(miss | late) {late} · P(miss | on time) {on_time} · late in {share}"},
    "report.kf.critical": {"zh": "最关键项目", "en": "Most critical project"},
    "report.caption": {"zh": "图{n} {text}", "en": "Figure {n}. {text}"},
    "report.notes": {
        "zh": [
            "年度步长，货币单位为{prices}年可比价亿元。基础经济采用世界银行长期增长模型（LTGM）核心：资本产出比、"
            "资本份额、折旧、非项目投资率、全要素生产率（含AR(1)冲击）、劳动力与人力资本。",
            "项目在建设期通过需求拉动GDP（乘数×本地化率×固定资本形成比例×支出，从不按投资额一比一计入），"
            "建成后按产出、利用率、价格和增加值率贡献运营增加值；建设结束后需求回落，即“投资断崖”。",
            "能源项目按物理过程计算：装机×利用小时×（1−弃电率）×衰减 → 发电量 → 按电价计算增加值；储能是服务，不计发电。",
            "概率为有效模拟中的占比，区间为Wilson 95%置信区间；无效模拟单独计数，不会被删除。"
            "“最常导致目标落空的项目”比较项目延误6个月以上或取消时与按期时未达目标的概率。",
            "所有输入的不确定性来自情景文件设定的分布；秩相关（Iman–Conover）与共同风险因素（审批、并网）使项目风险相互关联。",
        ],
        "en": [
            "Annual steps; money in 亿元 （100 million yuan） at constant {prices} prices. The economy outside "
            "the projects follows the World Bank Long Term Growth Model core: capital–output ratio, capital "
            "share, depreciation, non-portfolio investment rate, TFP growth with AR(1) shocks, labour and "
            "human capital.",
            "Projects add construction demand while they are built (multiplier × local content × GFCF share "
            "× spending, never capex one-for-one) and operating value added once open; when a build-out "
            "ends, demand falls away and growth drops: the investment cliff.",
            "Energy output comes from physics: capacity × full-load hours × (1 − curtailment) × degradation "
            "→ generation → value added at the tariff; storage is a service, never generation.",
            "Probabilities are shares of valid draws with Wilson 95% intervals; invalid draws are counted, "
            "never dropped. 'Decides a miss' compares the chance of missing the target when a project is "
            "more than 6 months late or cancelled with the chance when it is on time.",
            "Every uncertain input is drawn from the distribution the scenario gives; rank correlations "
            "(Iman–Conover) and shared risk drivers (approvals, grid connection) link project risks.",
        ]},
    "report.caveats_title": {"zh": "模型未包含的内容", "en": "What the model leaves out"},
    "report.caveats": {
        "zh": [
            "价格水平与名义值:所有结果为可比价实际值，名义目标（如GDP总量）按实际值比较，属保守口径。",
            "区域外溢与省级、国家级政策变化;未列入项目清单的其他投资只通过基础投资率体现。",
            "融资约束、地方政府债务与土地财政;项目之间除明确依赖关系和共同风险外相互独立。",
            "统计口径调整与数据修订;情景文件中标为“assumption”的数值缺少公开来源，范围较宽。",
        ],
        "en": [
            "Prices: all results are real, at constant prices; nominal goals (such as a GDP level) are "
            "compared with real values, a conservative reading.",
            "Spill-overs to and from other regions and changes in provincial or national policy; investment "
            "outside the listed portfolio enters only through the baseline investment rate.",
            "Financing limits, local-government debt and land finance; projects are independent except "
            "for stated dependencies and shared risk drivers.",
            "Statistical revisions; values marked 'assumption' in the scenario have no public source and "
            "are given wide ranges.",
        ]},
    "report.m.scenario": {"zh": "情景", "en": "Scenario"},
    "report.m.draws": {"zh": "模拟次数", "en": "Draws"},
    "report.m.seed": {"zh": "随机种子", "en": "Seed"},
    "report.m.sampler": {"zh": "抽样方法", "en": "Sampler"},
    "report.m.version": {"zh": "软件版本", "en": "Package version"},
    "report.m.command": {"zh": "命令", "en": "Command"},
    "report.m.started": {"zh": "开始时间", "en": "Started"},
    "report.m.wall": {"zh": "耗时（秒）", "en": "Wall time (s)"},
    "report.m.input": {"zh": "输入文件 {label}", "en": "Input file {label}"},
    "report.generated": {"zh": "由 portfolio {version} 生成", "en": "Made with portfolio {version}"},
    # ------------------------------------------------------------------ chart captions (report)
    "caption.growth_fan": {
        "zh": "GDP实际增速逐年分布：浅色带为P5–P95，深色带为P25–P75，实线为中位数，虚线为目标。",
        "en": "Real GDP growth by year: light band P5–P95, dark band P25–P75, line the median, dashed the target."},
    "caption.average_growth": {
        "zh": "目标期年均实际增速的分布与累计曲线；竖线为目标，图中给出达标概率及其95%置信区间。",
        "en": "Average real growth over the target period: histogram and cumulative curve, the threshold, "
              "and the probability of meeting it with its 95% interval."},
    "caption.contributions": {
        "zh": "各因素对GDP增长的平均拉动（百分点）；项目建设需求在建设高峰后转负即“投资断崖”。",
        "en": "Mean contribution of each source to growth (percentage points); construction demand turns "
              "negative after the build-out peak: the investment cliff."},
    "caption.schedule": {
        "zh": "各项目计划建设期（条形）与模拟投产时间P10–P90（须线，点为中位数），按类型分组；"
              "橙红色为最常导致目标落空的项目。",
        "en": "Planned construction (bars) and simulated completion P10–P90 (whiskers, dot the median) by "
              "project, grouped by kind; projects that most often decide a miss are highlighted."},
    "caption.energy": {
        "zh": "能源基地分技术装机容量与发电量（均值堆叠），合计的P10–P90区间与装机目标。",
        "en": "Energy base capacity and generation by technology (stacked means), the total's P10–P90 "
              "range and the capacity target."},
    "caption.capex": {
        "zh": "重大项目年度投资（均值与P10–P90）及累计投资S曲线（中位数与P10–P90区间）。",
        "en": "Project investment by year (mean with P10–P90) and the cumulative S-curve (median with "
              "P10–P90 band)."},
    # ------------------------------------------------------------------ export (sheet headers)
    "sheet.summary": {"zh": "摘要", "en": "summary"},
}


def text(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang`` (zh or en), formatted with ``values``."""
    entry = TEXT[key]
    template = entry[lang if lang in entry else "en"]
    if isinstance(template, list):
        return [t.format(**values) for t in template]
    return template.format(**values) if values else template


def kind_label(kind: str, lang: str) -> str:
    key = f"kind.{kind}"
    return text(key, lang) if key in TEXT else kind


def pick(value, lang: str, fallback: str = "") -> str:
    """A {zh, en} mapping (or a plain string) in one language."""
    if isinstance(value, dict):
        return value.get(lang) or value.get("en") or value.get("zh") or fallback
    return value if value else fallback


def percent(x: float, digits: int = 1) -> str:
    return "–" if x is None or x != x else f"{x * 100:.{digits}f}%"


def capacity(mw: float, lang: str) -> float:
    """MW in the chart unit: 万千瓦 （10 MW） in Chinese, MW in English."""
    return mw / 10.0 if lang == "zh" else mw


def generation(gwh: float, lang: str) -> float:
    """GWh in the chart unit: 亿千瓦时 （100 GWh） in Chinese, GWh in English."""
    return gwh / 100.0 if lang == "zh" else gwh


def capacity_text(mw: float, lang: str) -> str:
    return f"{mw / 10:,.0f} 万千瓦" if lang == "zh" else f"{mw:,.0f} MW"


def width(name: str) -> int:
    """Display columns of a text: CJK characters count 2."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in name)


def _cut(name: str, limit: int) -> str:
    """The start of ``name`` in ``limit - 1`` columns plus an ellipsis; Latin words are not split."""
    out, used = [], 0
    for ch in name:
        w = 2 if ord(ch) > 0x2E80 else 1
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    cut = "".join(out)
    rest = name[len(cut):]
    if rest and rest[0].isascii() and rest[0].isalnum() and cut and cut[-1].isascii() and cut[-1].isalnum():
        space = cut.rfind(" ")
        if space > len(cut) // 2:
            cut = cut[:space]
    return cut.rstrip(" ,，、:：(（-/") + "…"


def shorten(name: str, limit: int) -> str:
    """A name cut to ``limit`` display columns: first without its parenthetical remarks, then with
    an ellipsis."""
    import re

    name = " ".join(str(name).split())
    if width(name) <= limit:
        return name
    bare = re.sub(r"\s*[(（][^()（）]*[)）]", "", name).strip(" ,，")
    bare = re.sub(r"\s+,", ",", bare)
    if bare and width(bare) <= limit:
        return bare
    return _cut(bare or name, limit)


def shorten_all(names: list[str], limit: int) -> list[str]:
    """``shorten`` each name; names that would come out the same keep their ends instead
    ("2022年核准光伏项目…第一批")."""
    short = [shorten(n, limit) for n in names]
    seen: dict[str, int] = {}
    for s in short:
        seen[s] = seen.get(s, 0) + 1
    out = []
    for name, s in zip(names, short):
        if seen[s] > 1:
            name = " ".join(str(name).split())
            tail_len = max(4, limit // 3)
            tail, used = "", 0
            for ch in reversed(name):
                w = 2 if ord(ch) > 0x2E80 else 1
                if used + w > tail_len:
                    break
                tail, used = ch + tail, used + w
            s = _cut(name, limit - used) + tail
        out.append(s)
    return out
