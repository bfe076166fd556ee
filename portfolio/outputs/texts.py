"""Every text a chart, report, table or summary shows, in Simplified Chinese and English, in one place.

``text(key, lang, **values)`` formats a string (the only lookup); ``unit`` helpers convert numbers to the unit a planner
expects in each language (万千瓦 and 亿千瓦时 in Chinese, MW and GWh in English; money is 亿元 in
Chinese and "100 million yuan" in English; growth in %).
"""
from __future__ import annotations

from portfolio.outputs.kinds import LANGS

TEXT: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ units
    "unit.money": {"zh": "亿元", "en": "100 million yuan"},
    "unit.capacity": {"zh": "万千瓦", "en": "MW"},
    "unit.generation": {"zh": "亿千瓦时", "en": "GWh"},
    "unit.pp": {"zh": "百分点", "en": "percentage points"},
    "unit.pp_suffix": {"zh": "（百分点）", "en": " (pp)"},
    "unit.draws": {"zh": "次", "en": "draws"},
    # how the values of each display unit (``scenario.fields.DISPLAY``) are named on an axis
    "unit.display.pct": {"zh": "%", "en": "%"},
    "unit.display.years": {"zh": "年", "en": "years"},
    "unit.display.money": {"zh": "亿元", "en": "100 million yuan"},
    "unit.display.money_year": {"zh": "亿元/年", "en": "100 million yuan/yr"},
    "unit.display.mw": {"zh": "万千瓦", "en": "MW"},
    "unit.display.hours": {"zh": "小时", "en": "h"},
    "unit.display.yuan_kwh": {"zh": "元/千瓦时", "en": "yuan/kWh"},
    "unit.display.ratio": {"zh": "倍", "en": "×"},
    "unit.display.sd": {"zh": "标准差", "en": "sd"},
    # a quantity the scenario wrote with a unit, shown with the unit of the outputs (``names.quantity_text``)
    "spec.money": {"zh": "{spec} 亿元", "en": "{spec} × 100 million yuan"},
    "spec.money_per_year": {"zh": "{spec} 亿元/年", "en": "{spec} × 100 million yuan/yr"},
    "spec.power": {"zh": "{spec} MW", "en": "{spec} MW"},
    "spec.energy": {"zh": "{spec} GWh", "en": "{spec} GWh"},
    "spec.tariff": {"zh": "{spec} 元/千瓦时", "en": "{spec} yuan/kWh"},
    "spec.cost_per_kw": {"zh": "{spec} 元/千瓦", "en": "{spec} yuan/kW"},
    "spec.hours": {"zh": "{spec} 小时", "en": "{spec} h"},
    "spec.duration.years": {"zh": "{spec}年", "en": "{spec} years"},
    "spec.duration.months": {"zh": "{spec}个月", "en": "{spec} months"},
    "spec.duration.weeks": {"zh": "{spec}周", "en": "{spec} weeks"},
    "spec.duration.days": {"zh": "{spec}天", "en": "{spec} days"},
    "axis.with_unit": {"zh": "{label}（{unit}）", "en": "{label} ({unit})"},
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
    "avg.tails": {"zh": "两端的柱含超出范围的模拟：\n低于 {lo} 的 {below}，高于 {hi} 的 {above}",
                  "en": "the end bars include the draws beyond them:\n{below} below {lo}, {above} above {hi}"},
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
    "contrib.demand": {"zh": "基础经济：需求周期", "en": "Baseline: demand cycle"},
    "contrib.construction": {"zh": "项目建设需求", "en": "Project construction demand"},
    "contrib.operation": {"zh": "项目运营", "en": "Project operation"},
    "contrib.energy": {"zh": "能源基地", "en": "Energy base"},
    "compare.explain.tradeoff": {
        "zh": "{scenario}：{a}–{b}年年均增速{plan}个百分点，但{a}–{c}年{far}个百分点——主要来自“{source}”（{a}–{b}年{pp}个百分点/年）：这是时间上的转移，而非增长",
        "en": "{scenario}: average growth {a}–{b} {plan} pp/yr but {a}–{c} {far} pp/yr — mostly {source} "
              "({pp} pp/yr in {a}–{b}): a shift in timing, not a gain"},
    "report.comparison.why": {"zh": "差异从何而来（{first}–{last}年各因素平均拉动之差）",
                              "en": "Why they differ (difference of mean contributions, {first}–{last})"},
    "report.comparison.why_cols": {"zh": ["情景", "因素", "百分点/年"], "en": ["Scenario", "Source", "pp/yr"]},
    "compare.explain.fades": {
        "zh": "{scenario}：{a}–{b}年年均增速{plan}个百分点，主要来自“{source}”（{pp}个百分点/年），但{a}–{c}年仅{far}个百分点——主要是时间上的转移",
        "en": "{scenario}: average growth {a}–{b} {plan} pp/yr, mostly {source} ({pp} pp/yr), but only {far} pp/yr "
              "over {a}–{c} — mostly a shift in timing"},
    "compare.explain.driver": {
        "zh": "{scenario}：{a}–{b}年年均增速{plan}个百分点，主要来自“{source}”（{pp}个百分点/年）",
        "en": "{scenario}: average growth {a}–{b} {plan} pp/yr, mostly {source} ({pp} pp/yr)"},
    "contrib.observed": {"zh": "实际值", "en": "observed"},
    # ------------------------------------------------------------------ chart 4: schedule
    "gantt.title": {"zh": "重大项目进度：计划与模拟投产时间", "en": "Project schedule: planned and simulated completion"},
    "gantt.planned": {"zh": "计划建设期", "en": "Planned construction"},
    "gantt.cod": {"zh": "投产时间 P10–P90（点为中位数）", "en": "Completion P10–P90 (dot: median)"},
    "gantt.critical": {"zh": "最常导致目标落空的项目", "en": "Most often decides a miss"},
    "gantt.cancel_head": {"zh": "取消\n概率", "en": "P(can-\ncelled)"},
    "finish.title": {"zh": "{name}：完成时间分布", "en": "{name}: finish-date distribution"},
    "finish.bin": {"zh": "各时段完成的模拟占比", "en": "Share of draws finishing in each interval"},
    "finish.cumulative": {"zh": "累计完成概率(S曲线)", "en": "Cumulative P(finished), the S-curve"},
    "finish.cum_label": {"zh": "累计完成概率（%）", "en": "P(finished by the date) (%)"},
    "finish.tails": {"zh": "坐标轴以外还有 {n:,} 次模拟：\n{parts}", "en": "{n:,} draws beyond the axis:\n{parts}"},
    "finish.tails_before": {"zh": "早于 {date} 的 {n:,} 次", "en": "{n:,} before {date}"},
    "finish.tails_after": {"zh": "晚于 {date} 的 {n:,} 次", "en": "{n:,} after {date}"},
    "list.sep": {"zh": "，", "en": ", "},
    "finish.ylabel": {"zh": "模拟次数占比（%）", "en": "Share of draws (%)"},
    "finish.by": {"zh": "目标日期 {date}", "en": "Target date {date}"},
    "finish.probability": {"zh": "P({date}前完成) = {p}\n95% 置信区间 {low}–{high}",
                           "en": "P(finished by {date}) = {p}\n95% interval {low}–{high}"},
    "finish.cancelled": {"zh": "取消概率 {p}(不计入完成)", "en": "cancelled in {p} of draws (never finished)"},
    "finish.crit_title": {"zh": "关键性指数：项目处于决定完成时间的路径上的模拟占比",
                          "en": "Criticality index: share of draws in which the project drives the date"},
    "finish.crit_label": {"zh": "关键性指数（%）；须线为95%置信区间；ρ为关键度(工期与完成时间的秩相关)",
                          "en": "Criticality index (%); whiskers: 95% interval;\nρ: cruciality (rank correlation of "
                                "its duration with the date)"},
    "finish.cruciality": {"zh": "ρ={rho}", "en": "ρ={rho}"},
    "finish.no_path": {"zh": "没有其他项目决定其完成时间。", "en": "No other project drives its date."},
    "gantt.window": {"zh": "目标期", "en": "Target period"},
    # ------------------------------------------------------------------ chart 8: the project ledger (台账)
    "ledger.title": {"zh": "项目台账：计划与实际进度", "en": "Project ledger: plan against progress"},
    "ledger.row": {"zh": "{name}（{status}）", "en": "{name} ({status})"},
    "ledger.status.not_started": {"zh": "未开工", "en": "not started"},
    "ledger.status.under_construction": {"zh": "在建", "en": "under construction"},
    "ledger.status.operating": {"zh": "已投产", "en": "operating"},
    "ledger.status.cancelled": {"zh": "已取消", "en": "cancelled"},
    "ledger.planned": {"zh": "计划建设期", "en": "Planned construction"},
    "ledger.progress": {"zh": "实际开工至报告日（标注完成比例）", "en": "Actual start to report date (share of the work done)"},
    "ledger.built": {"zh": "实际建设期（已投产）", "en": "Actual construction (operating)"},
    "ledger.expected": {"zh": "预计投产 P10–P90（点为中位数）", "en": "Expected completion P10–P90 (dot: median)"},
    "ledger.report_date": {"zh": "台账报告日 {date}", "en": "Ledger report date {date}"},
    "ledger.slip_head": {"zh": "投产推迟\n（月）", "en": "Slip\n(months)"},
    "ledger.slip": {"zh": "{months:+.0f}", "en": "{months:+.0f}"},
    "caption.ledger": {
        "zh": "项目台账所报项目的计划建设期（浅色条）与实际进度：实际开工至报告日（标注完成比例）或实际建设期，"
              "按台账重新模拟的预计投产时间P10–P90（点为中位数），右侧为中位数较计划推迟的月数。",
        "en": "Projects in the ledger: planned construction (light bars) against what is reported — the actual "
              "start to the report date (with the share of the work done) or the actual construction — the "
              "completion the run expects given the ledger (P10–P90, dot the median), and on the right the "
              "median's slip against the plan in months."},
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
    "kind.other": {"zh": "其他", "en": "Other"},
    "kind.milestone": {"zh": "里程碑", "en": "Milestones"},
    # ------------------------------------------------------------------ report
    "report.title": {"zh": "{title}：规划目标情景分析", "en": "{title}: planning-target scenario analysis"},
    "report.headline_plain": {
        "zh": "在{draws:,}次模拟中，{target}的概率为{p}（95% 置信区间 {low}–{high}）。",
        "en": "Across {draws:,} simulated futures, the probability of {target} is {p} (95% interval {low}–{high})."},
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
    "report.kf.long": {"zh": "{first}–{last}年均实际增速（更长窗口）", "en": "Average real growth {first}–{last} (longer window)"},
    "report.kf.shortfall": {"zh": "{label}：预期缺口", "en": "{label}: expected shortfall"},
    "report.kf.shortfall_detail": {"zh": "未达标时平均缺口 {gap}", "en": "mean gap when missed {gap}"},
    "report.kf.economy": {"zh": "资本产出比 {before}→{last}年（项目以外经济）",
                          "en": "Capital–output ratio {before}→{last} (economy outside the portfolio)"},
    "report.kf.economy_detail": {"zh": "{first}–{last}年总投资率均值 {rate} · 项目增量资本产出比 {icor}",
                                 "en": "total investment rate {first}–{last} (mean) {rate} · portfolio ICOR {icor}"},
    "unit.pp_short": {"zh": "个百分点", "en": " pp"},
    "report.kf.critical_detail": {"zh": "延误或取消时未达标 {late} · 按期时 {on_time} · 延误比例 {share}",
                                  "en": "P(miss | late) {late} · P(miss | on time) {on_time} · late in {share}"},
    "report.kf.critical": {"zh": "最关键项目", "en": "Most critical project"},
    "report.caption": {"zh": "图{n} {text}", "en": "Figure {n}. {text}"},
    "report.table_caption": {"zh": "表{n} {text}", "en": "Table {n}. {text}"},
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
            "Annual steps; money in 100 million yuan (yi yuan) at constant {prices} prices. The economy outside "
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
            "价格水平与名义值：所有结果为可比价实际值，名义目标（如GDP总量）按实际值比较，属保守口径。",
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
    "report.schedule.title": {"zh": "进度风险：{target}", "en": "Schedule risk: {target}"},
    "report.schedule.intro": {
        "zh": "按期完成的概率为{p}(95%置信区间{low}–{high})，完成时间P50为{p50}、P80为{p80}。下表为处于其关键路径上的项目："
              "关键性指数是该项目决定完成时间的模拟占比，关键度ρ是其工期与完成时间的秩相关。",
        "en": "P(on time) = {p} (95% interval {low}–{high}); the finish is {p50} at P50 and {p80} at P80. The "
              "projects on its critical path: the criticality index is the share of draws in which a project "
              "drives the date, the cruciality ρ the rank correlation of its duration with the date."},
    "report.schedule.criticality": {"zh": "关键性指数 [95%区间]", "en": "Criticality [95% interval]"},
    "report.schedule.cruciality": {"zh": "关键度 ρ", "en": "Cruciality ρ"},
    "report.groups.title": {"zh": "项目组(规划项目群)的时间", "en": "Programme groups: dates"},
    "report.groups.intro": {"zh": "项目组以首个成员开工、最后一个建成的成员完工为准；取消的成员不计，全部取消时项目组取消。",
                            "en": "A group starts with its first member and finishes with its last built member; "
                                  "cancelled members drop out, and the group is cancelled only when all are."},
    "report.groups.col": {"zh": "项目组", "en": "Group"},
    "report.groups.start": {"zh": "开工 P50", "en": "Start P50"},
    "report.groups.finish": {"zh": "完工", "en": "Finish"},
    "report.groups.cancelled": {"zh": "取消概率", "en": "P(cancelled)"},
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
    "caption.finish_dates": {
        "zh": "完成时间目标所指项目(或里程碑、项目组)的完成时间分布与累计S曲线，标出P50、P80与目标日期；"
              "下图为关键路径上各项目的关键性指数(含95%区间)与关键度ρ。",
        "en": "Finish dates of the completion target's milestone, project or group: distribution and "
              "cumulative S-curve with P50, P80 and the target date; below, the criticality index (95% "
              "interval) and cruciality ρ of the projects on its critical path."},
    # ------------------------------------------------------------------ export (sheet headers)
    "sheet.summary": {"zh": "摘要", "en": "summary"},
    # ------------------------------------------------------------------ comparison charts
    "compare.prob_title": {"zh": "各情景实现目标的概率", "en": "Probability of meeting the target, by scenario"},
    "compare.prob_axis": {"zh": "实现概率", "en": "probability"},
    "compare.dist_title": {"zh": "各情景{a}–{b}年平均增速分布", "en": "Average growth {a}–{b}, by scenario"},
    "compare.dist_axis": {"zh": "年均实际增速(箱体P25–P75,竖线中位数,须线P5–P95)",
                        "en": "average real growth per year (box P25–P75, bar median, whiskers P5–P95)"},
    "compare.threshold": {"zh": "目标 {t}", "en": "target {t}"},
    "compare.subtitle": {"zh": "共同随机数 · 每个情景 {draws:,} 次模拟 · 种子 {seed}",
                       "en": "common random numbers · {draws:,} draws per scenario · seed {seed}"},
    "compare.paired": {"zh": " · 差值为与首个情景的配对差(95%区间)",
                       "en": " · differences are paired against the first scenario (95% interval)"},
    "compare.base": {"zh": "基准", "en": "reference"},
    "compare.full_names": {"zh": "情景全称：{names}", "en": "Scenarios in full: {names}"},
    # ------------------------------------------------------------------ comparison report
    "report.comparison.title": {"zh": "情景比较：{first} 及另外 {m} 个情景", "en": "Scenario comparison: {first} and {m} more"},
    "report.comparison.headline": {"zh": "与{base}相比,{best}使实现目标({target})的概率变化最大({diff}),{worst}变化{diff2}。",
                                 "en": "Against {base}, {best} moves the probability of the target ({target}) most ({diff}); {worst} moves it {diff2}."},
    "report.comparison.differences": {"zh": "与首个情景的配对差", "en": "Paired differences against the first scenario"},
    "report.comparison.differences_intro": {"zh": "所有情景使用相同的随机数(共同随机数),差值逐次模拟配对,区间为95%。",
                                          "en": "All scenarios use the same random numbers (common random numbers): differences are paired draw by draw; intervals are 95%."},
    "report.comparison.cap1": {"zh": "各情景实现目标的概率(95%区间)及与首个情景的配对差。",
                             "en": "Probability of meeting the target in each scenario (95% interval) and the paired difference against the first scenario."},
    "report.comparison.cap2": {"zh": "各情景目标期年均增速的分布。",
                             "en": "Distribution of average growth over the target window."},
    "report.comparison.col": {"zh": ["情景", "概率", "95%区间", "年均增速 P10 / P50 / P90"],
                            "en": ["scenario", "probability", "95% interval", "average growth P10 / P50 / P90"]},
    "report.comparison.dcol": {"zh": ["情景", "指标", "配对差", "95%区间"],
                             "en": ["scenario", "measure", "difference", "95% interval"]},
    "report.comparison.notes": {"zh": ["每个情景均为完整的蒙特卡洛模拟,使用相同的种子与抽样;同名输入在各情景中取相同的随机数。", "概率差以百分点表示,年均增速差以百分点/年表示。"],
                              "en": ["Each scenario is a full Monte Carlo run with the same seed and sampler; an input with the same name gets the same random numbers in every scenario.", "Probability differences are in percentage points; growth differences in points per year."]},
    "report.comparison.caveats": {"zh": ["情景之间的差别只来自情景文件所改变的输入;未建模的因素不在比较之内。"],
                                "en": ["Differences come only from the inputs the scenario files change; what the model leaves out is outside the comparison."]},
    # ------------------------------------------------------------------ sensitivity: charts and method names
    "sensitivity.tornado.title": {"zh": "龙卷风图：{outcome}", "en": "Tornado: {outcome}"},
    "sensitivity.tornado.low": {"zh": "输入取P10", "en": "Input at its P10"},
    "sensitivity.tornado.high": {"zh": "输入取P90", "en": "Input at its P90"},
    "sensitivity.tornado.base": {"zh": "基准 {value}", "en": "Base {value}"},
    "sensitivity.tornado.note_median": {"zh": "其他输入取中位数", "en": "other inputs at their medians"},
    "sensitivity.tornado.note_mc": {"zh": "每个输入 {n:,} 次模拟,共同随机数",
                                  "en": "{n:,} draws per swing, common random numbers"},
    "sensitivity.index.title": {"zh": "{method}敏感性指数：{outcome}", "en": "{method} sensitivity: {outcome}"},
    "sensitivity.heat.title": {"zh": "{method}敏感性逐年变化({what})：{index}",
                             "en": "{method} sensitivity of {what} by year: {index}"},
    "sensitivity.heat.growth": {"zh": "实际增速", "en": "real growth"},
    "sensitivity.heat.gdp": {"zh": "GDP", "en": "GDP"},
    "sensitivity.heat.year": {"zh": "年份", "en": "Year"},
    "sensitivity.subtitle": {"zh": "{title} · {what}", "en": "{title} · {what}"},
    "sensitivity.ci": {"zh": "须线：95% 置信区间", "en": "whiskers: 95% interval"},
    "sensitivity.S1": {"zh": "一阶指数 S1", "en": "First-order S1"},
    "sensitivity.ST": {"zh": "总效应指数 ST", "en": "Total-order ST"},
    "sensitivity.mu_star": {"zh": "μ*(平均绝对基本效应)", "en": "μ* (mean absolute elementary effect)"},
    "sensitivity.sigma": {"zh": "σ(非线性/交互作用)", "en": "σ (non-linearity / interactions)"},
    "sensitivity.median": {"zh": "PAWN 指数(中位数)", "en": "PAWN index (median)"},
    "sensitivity.delta": {"zh": "δ 指数", "en": "Delta δ"},
    "sensitivity.S": {"zh": "一阶贡献 S", "en": "First-order contribution S"},
    "sensitivity.Sa": {"zh": "结构性贡献 Sa", "en": "Structural Sa"},
    "sensitivity.Sb": {"zh": "相关性贡献 Sb", "en": "Correlative Sb"},
    "sensitivity.Sh": {"zh": "Shapley 效应(占方差的比例)", "en": "Shapley effect (share of the variance)"},
    "sensitivity.swing": {"zh": "P10→P90 变化", "en": "P10 → P90 swing"},
    "sensitivity.xlabel.sobol": {"zh": "占{outcome}方差的比例", "en": "Share of the variance of {outcome}"},
    "sensitivity.xlabel.morris": {"zh": "{outcome}的变化({unit},每步为概率刻度上的一个单位)",
                                "en": "Change in {outcome} ({unit} per unit step on the probability scale)"},
    "sensitivity.xlabel.pawn": {"zh": "KS距离(0 = 无影响,1 = 完全决定)",
                              "en": "KS distance (0 = no influence, 1 = decides it)"},
    "sensitivity.xlabel.rbd-fast": {"zh": "一阶指数(占方差的比例)", "en": "First-order index (share of the variance)"},
    "sensitivity.xlabel.delta": {"zh": "指数(0 = 无影响)", "en": "Index (0 = no influence)"},
    "sensitivity.xlabel.efast": {"zh": "占{outcome}方差的比例", "en": "Share of the variance of {outcome}"},
    "sensitivity.xlabel.hdmr": {"zh": "占{outcome}方差的比例（结构性与相关性两部分）",
                              "en": "Share of the variance of {outcome} (structural and correlative parts)"},
    "sensitivity.xlabel.shapley": {"zh": "占{outcome}方差的比例(相关输入之间分摊)",
                                 "en": "Share of the variance of {outcome} (shared among correlated inputs)"},
    "sensitivity.noise": {"zh": "噪声水平(无影响的随机输入)", "en": "Noise level (a random input with no effect)"},
    "sensitivity.unit.outcome": {"zh": "结果单位", "en": "outcome units"},
    "sensitivity.what.sobol": {"zh": "基础样本 N = {N:,} · 共 {rows:,} 次计算", "en": "N = {N:,} · {rows:,} runs"},
    "sensitivity.what.morris": {"zh": "{trajectories} 条轨迹 · 共 {rows:,} 次计算",
                              "en": "{trajectories} trajectories · {rows:,} runs"},
    "sensitivity.what.given": {"zh": "{used:,} 次模拟的抽样数据", "en": "given data: {used:,} draws of the run"},
    "sensitivity.method.tornado": {"zh": "龙卷风", "en": "Tornado"},
    "sensitivity.method.morris": {"zh": "Morris", "en": "Morris"},
    "sensitivity.method.sobol": {"zh": "Sobol", "en": "Sobol'"},
    "sensitivity.method.pawn": {"zh": "PAWN", "en": "PAWN"},
    "sensitivity.method.rbd-fast": {"zh": "RBD-FAST", "en": "RBD-FAST"},
    "sensitivity.method.delta": {"zh": "Delta", "en": "Delta"},
    "sensitivity.method.shapley": {"zh": "Shapley", "en": "Shapley"},
    "sensitivity.method.efast": {"zh": "eFAST", "en": "eFAST"},
    "sensitivity.method.hdmr": {"zh": "HDMR", "en": "HDMR"},
    # ------------------------------------------------------------------ scenario discovery: the box in words, and the charts
    "discovery.and": {"zh": "且", "en": " and "},
    "discovery.below": {"zh": "{label}低于{v}", "en": "{label} below {v}"},
    "discovery.above": {"zh": "{label}高于{v}", "en": "{label} above {v}"},
    "discovery.between": {"zh": "{label}在{a}至{b}之间", "en": "{label} between {a} and {b}"},
    "discovery.is": {"zh": "{label}：{v}", "en": "{label}: {v}"},
    "discovery.box": {"zh": "{conditions}：覆盖全部未达标情形的{coverage},框内未达标比例{density}(全部模拟为{base})",
                    "en": "{conditions}: {coverage} of all misses, {density} miss rate inside (against {base} overall)"},
    "discovery.nobox": {"zh": "没有找到比整体更集中的未达标区域", "en": "no region concentrates the misses more than the whole"},
    # "what has to go right" (discover --on hits): the same texts about the draws that meet the target
    "discovery.box.hits": {"zh": "{conditions}：覆盖全部达标情形的{coverage}，框内达标比例{density}（全部模拟为{base}）",
                         "en": "{conditions}: {coverage} of all hits, {density} hit rate inside (against {base} overall)"},
    "discovery.nobox.hits": {"zh": "没有找到比整体更集中的达标区域", "en": "no region concentrates the hits more than the whole"},
    "discovery.chart.regional.lower.hits": {"zh": "达标时偏低", "en": "lower in hits"},
    "discovery.chart.regional.higher.hits": {"zh": "达标时偏高", "en": "higher in hits"},
    "discovery.chart.traj.x.hits": {"zh": "覆盖率（框内达标情形占全部达标情形的比例）",
                                  "en": "Coverage (share of all hits inside the box)"},
    "discovery.chart.traj.y.hits": {"zh": "密度（框内达标比例）", "en": "Density (hit rate inside the box)"},
    "discovery.chart.traj.base.hits": {"zh": "整体达标比例 {v}", "en": "Hit rate overall {v}"},
    "discovery.chart.box.title.hits": {"zh": "PRIM：达标需要哪些条件", "en": "PRIM: what has to go right"},
    "discovery.chart.box.summary.hits": {"zh": "框内包含全部达标情形的{coverage} · 框内达标比例{density}（整体{base}）",
                                       "en": "the box holds {coverage} of all hits · {density} of its draws hit ({base} overall)"},
    "discovery.chart.what.hits": {"zh": "{outcome}不低于{threshold}视为达标 · {misses:,}/{n:,} 次达标",
                                "en": "hit: {outcome} at or above {threshold} · {misses:,} of {n:,} draws hit"},
    "report.discovery.title": {"zh": "何种情形下目标落空（情景发现）", "en": "When is the target missed (scenario discovery)"},
    "report.discovery.title.hits": {"zh": "达标需要哪些条件（情景发现）", "en": "What has to go right (scenario discovery)"},
    "report.discovery.condition": {"zh": "条件", "en": "Condition"},
    "report.discovery.p": {"zh": "拟p值", "en": "Quasi-p-value"},
    "discovery.chance": {"zh": "（{names}的限制在5%水平上不显著，可能出于偶然）",
                       "en": " (not significant at 5%, may be chance: {names})"},
    "discovery.more": {"zh": "第{k}个框（其余模拟中）：{box}；前{k}个框合计覆盖{coverage}",
                     "en": "box {k} (in the draws left): {box}; the first {k} boxes together hold {coverage}"},
    "discovery.chart.regional.title": {"zh": "哪些输入区分达标与未达标：KS距离",
                                     "en": "Which inputs separate hits from misses: KS distance"},
    "discovery.chart.features.title": {"zh": "哪些输入最能预测达标与否：极端随机树特征得分",
                                     "en": "Which inputs predict hits and misses: extra-trees feature scores"},
    "discovery.chart.features.xlabel": {"zh": "特征得分（各输入合计为1）", "en": "Feature score (the inputs' scores add up to 1)"},
    "discovery.chart.features.note": {"zh": "{trees}棵极端随机树，每个叶节点至少{leaf}的模拟",
                                    "en": "{trees} extra-trees, each leaf at least {leaf} of the draws"},
    "discovery.chart.regional.lower": {"zh": "未达标时偏低", "en": "lower in misses"},
    "discovery.chart.regional.higher": {"zh": "未达标时偏高", "en": "higher in misses"},
    "discovery.chart.regional.xlabel": {"zh": "KS统计量(0 = 分布相同,1 = 完全分开)",
                                      "en": "KS statistic (0 = same distribution, 1 = fully separated)"},
    "discovery.chart.traj.title": {"zh": "PRIM剥离轨迹：覆盖率与密度", "en": "PRIM peeling trajectory: coverage and density"},
    "discovery.chart.traj.x": {"zh": "覆盖率(框内未达标情形占全部未达标情形的比例)",
                             "en": "Coverage (share of all misses inside the box)"},
    "discovery.chart.traj.y": {"zh": "密度(框内未达标比例)", "en": "Density (miss rate inside the box)"},
    "discovery.chart.traj.base": {"zh": "整体未达标比例 {v}", "en": "Miss rate overall {v}"},
    "discovery.chart.traj.chosen": {"zh": "选定的框", "en": "Chosen box"},
    "discovery.chart.traj.note": {"zh": "选定的框：覆盖率 {c},密度 {d}", "en": "chosen box: coverage {c}, density {d}"},
    "discovery.chart.traj.restricted": {"zh": "受限输入个数", "en": "Inputs restricted"},
    "discovery.chart.traj.points": {"zh": "剥离步骤(颜色：受限输入个数)", "en": "Peeling steps (colour: inputs restricted)"},
    "discovery.chart.box.title": {"zh": "PRIM：未达标集中的情形", "en": "PRIM: where the misses concentrate"},
    "discovery.chart.box.summary": {"zh": "框内包含全部未达标情形的{coverage} · 框内未达标比例{density}(整体{base})",
                                  "en": "the box holds {coverage} of all misses · {density} of its draws miss ({base} overall)"},
    "discovery.chart.box.range": {"zh": "模拟范围", "en": "Range in the draws"},
    "discovery.chart.box.box": {"zh": "框内范围", "en": "Inside the box"},
    "discovery.chart.box.axis": {"zh": "在模拟范围内的位置(0 = 最小值,1 = 最大值)",
                               "en": "Position within the range in the draws (0 = lowest, 1 = highest)"},
    "discovery.chart.subtitle": {"zh": "{title} · {what}", "en": "{title} · {what}"},
    "discovery.chart.what": {"zh": "{outcome}低于{threshold}视为未达标 · {misses:,}/{n:,} 次未达标",
                           "en": "miss: {outcome} below {threshold} · {misses:,} of {n:,} draws miss"},
    # ------------------------------------------------------------------ robust choices (portfolio robust)
    "robust.title.front": {"zh": "稳健方案的帕累托前沿：{target}", "en": "Robust choices, the Pareto front: {target}"},
    "robust.title.best": {"zh": "稳健方案搜索（{objective}）：{target}", "en": "Robust search ({objective}): {target}"},
    "robust.subtitle": {"zh": "{scenario} · {trials} 个方案 · 每个 {draws:,} 次模拟（共同随机数，种子 {seed}）",
                      "en": "{scenario} · {trials} settings · {draws:,} common draws each (seed {seed})"},
    "robust.probability": {"zh": "达标概率", "en": "Probability of meeting the target"},
    "robust.p10": {"zh": "结果的第10百分位（最差十分之一）", "en": "Outcome's 10th percentile (worst decile)"},
    "robust.trial": {"zh": "方案序号（按搜索顺序）", "en": "Setting (in the order searched)"},
    "robust.feasible": {"zh": "预算内的方案", "en": "Settings within the budget"},
    "robust.infeasible": {"zh": "超出预算的方案", "en": "Settings over the budget"},
    "robust.front": {"zh": "帕累托前沿", "en": "Pareto front"},
    "robust.best": {"zh": "迄今最优", "en": "Best so far"},
    "robust.current": {"zh": "情景本身的设定", "en": "The scenario as given"},
    # ------------------------------------------------------------------ sweep heatmap
    "sweep.title": {"zh": "达成目标的概率：{target}", "en": "Probability of meeting the target: {target}"},
    "sweep.subtitle": {"zh": "{scenario} · 每格 {draws:,} 次模拟 · 种子 {seed}(各格共用随机数)",
                     "en": "{scenario} · {draws:,} draws per cell · seed {seed} (common random numbers)"},
    "sweep.colorbar": {"zh": "达成概率", "en": "Probability"},
    # ------------------------------------------------------------------ calibration and required investment charts
    "calibrate.accounting_title": {"zh": "增长核算：各要素对GDP实际增长的贡献",
                                 "en": "Growth accounting: contributions to real GDP growth"},
    "backtest.scenario.title": {"zh": "回测：{origin}年起点", "en": "Back-test from {origin}"},
    "backtest.scenario.region": {"zh": "回测", "en": "back-test"},
    "backtest.pit.title": {"zh": "回测：概率积分变换(PIT)直方图 · {label}", "en": "Back-test: PIT histogram · {label}"},
    "backtest.pit.xlabel": {"zh": "实际值在预测分布中的分位(PIT)", "en": "Where the outcome fell in the forecast (PIT)"},
    "backtest.pit.ylabel": {"zh": "年份数", "en": "Years scored"},
    "backtest.pit.uniform": {"zh": "校准良好时的均匀水平", "en": "Flat level of a calibrated forecast"},
    "backtest.fans.title": {"zh": "回测：各起点的增速预测与实际 · {label}", "en": "Back-test: forecasts from each origin and what happened · {label}"},
    "backtest.fans.ylabel": {"zh": "GDP实际增速（%）", "en": "Real GDP growth (%)"},
    "backtest.fans.band": {"zh": "预测P5–P95区间", "en": "Forecast P5–P95"},
    "backtest.fans.median": {"zh": "预测中位数", "en": "Forecast median"},
    "backtest.fans.actual": {"zh": "实际增速", "en": "Actual growth"},
    "calibrate.ylabel_pp": {"zh": "对数点 × 100(≈百分点)", "en": "Log points × 100 (≈ percentage points)"},
    "calibrate.output": {"zh": "GDP实际增速", "en": "Real GDP growth"},
    "calibrate.capital": {"zh": "资本", "en": "Capital"},
    "calibrate.labour": {"zh": "就业", "en": "Employment"},
    "calibrate.human_capital": {"zh": "人力资本", "en": "Human capital"},
    "calibrate.tfp": {"zh": "全要素生产率(余值)", "en": "TFP (residual)"},
    "calibrate.year": {"zh": "年份", "en": "Year"},
    "calibrate.required": {"zh": "所需投资率(项目以外)", "en": "Required (outside the portfolio)"},
    "calibrate.scenario_rate": {"zh": "情景投资率", "en": "Scenario rate"},
    "calibrate.with_portfolio": {"zh": "所需投资率(计入项目均值)", "en": "Required, portfolio mean credited"},
    "calibrate.required_title": {"zh": "所需投资率：{target}", "en": "Investment rate needed: {target}"},
    "calibrate.rate_pct": {"zh": "投资/GDP(%)", "en": "Investment / GDP (%)"},
    # ------------------------------------------------------------------ scenario fields, as inputs are named in tables and charts
    "field.economy.capital_output_ratio": {"zh": "资本产出比", "en": "capital–output ratio"},
    "field.economy.capital_share": {"zh": "资本份额", "en": "capital share"},
    "field.economy.depreciation": {"zh": "折旧率", "en": "depreciation rate"},
    "field.economy.investment_rate": {"zh": "非项目投资率", "en": "investment rate outside the portfolio"},
    "field.economy.investment_rate_change": {"zh": "投资率年变化", "en": "yearly change of the investment rate"},
    "field.economy.tfp_growth": {"zh": "全要素生产率增速", "en": "TFP growth"},
    "field.economy.tfp_shock_sd": {"zh": "全要素生产率冲击标准差", "en": "size of yearly TFP shocks"},
    "field.economy.tfp_shock_persistence": {"zh": "全要素生产率冲击持续性", "en": "persistence of TFP shocks"},
    "field.economy.tfp_growth_change": {"zh": "全要素生产率增速年变化(结构性减速)",
                                        "en": "yearly change of trend TFP growth (structural deceleration)"},
    "field.economy.investment_shock_sd": {"zh": "投资率冲击标准差", "en": "size of yearly investment-rate shocks"},
    "field.economy.investment_shock_persistence": {"zh": "投资率冲击持续性", "en": "persistence of investment-rate shocks"},
    "field.economy.demand_shock_sd": {"zh": "需求(产出缺口)冲击标准差", "en": "size of yearly demand (output-gap) shocks"},
    "field.economy.demand_shock_persistence": {"zh": "产出缺口持续性", "en": "persistence of the output gap"},
    "field.economy.national_cycle_loading": {"zh": "与全国经济周期的关联", "en": "loading on the national cycle"},
    "field.economy.population_growth": {"zh": "人口增速", "en": "population growth"},
    "field.economy.working_age_share_growth": {"zh": "劳动年龄人口占比变化", "en": "growth of the working-age share"},
    "field.economy.participation_growth": {"zh": "劳动参与率变化", "en": "growth of participation"},
    "field.economy.human_capital_growth": {"zh": "人力资本增速", "en": "human capital growth"},
    "field.economy.local_multiplier": {"zh": "本地乘数(项目默认)", "en": "local multiplier (projects' default)"},
    "field.economy.gfcf_share": {"zh": "固定资本形成比例(项目默认)", "en": "GFCF share of capex (projects' default)"},
    "field.economy.local_content": {"zh": "本地化率(项目默认)", "en": "local content (projects' default)"},
    "field.economy.integrated_efficiency": {"zh": "项目资本效率(整合模式)",
                                          "en": "efficiency of portfolio capital (integrated mode)"},
    "field.project.capex": {"zh": "投资", "en": "capex"},
    "field.project.cost_ratio": {"zh": "成本超支倍数", "en": "cost overrun ratio"},
    "field.project.duration_ratio": {"zh": "工期超期倍数", "en": "build-time overrun ratio"},
    "field.project.start_delay": {"zh": "开工延迟", "en": "start delay"},
    "field.project.build_years": {"zh": "建设期", "en": "build time"},
    "field.project.cancelled": {"zh": "取消", "en": "cancelled"},
    "field.project.local_content": {"zh": "本地化率", "en": "local content"},
    "field.project.gfcf_share": {"zh": "固定资本形成比例", "en": "GFCF share"},
    "field.project.multiplier": {"zh": "本地乘数", "en": "local multiplier"},
    "field.project.output_value": {"zh": "产值", "en": "output value"},
    "field.project.value_added_ratio": {"zh": "增加值率", "en": "value-added ratio"},
    "field.project.ramp_years": {"zh": "达产期", "en": "ramp-up time"},
    "field.project.displacement": {"zh": "挤出比例", "en": "displacement"},
    "field.project.tfp_uplift": {"zh": "全要素生产率提升", "en": "TFP uplift"},
    "field.project.capacity": {"zh": "装机容量", "en": "capacity"},
    "field.technology.full_load_hours": {"zh": "利用小时数", "en": "full-load hours"},
    "field.technology.curtailment": {"zh": "弃电率", "en": "curtailment"},
    "field.technology.degradation": {"zh": "年衰减率", "en": "degradation"},
    "field.technology.tariff": {"zh": "电价", "en": "tariff"},
    "field.technology.value_added_ratio": {"zh": "增加值率", "en": "value-added ratio"},
    "field.technology.fixed_opex": {"zh": "固定运维成本", "en": "fixed O&M"},
    "field.technology.duration_hours": {"zh": "储能时长", "en": "storage duration"},
    "field.technology.round_trip_efficiency": {"zh": "充放电效率", "en": "round-trip efficiency"},
    "field.technology.cycles_per_year": {"zh": "年循环次数", "en": "cycles per year"},
    "field.technology.service_fee": {"zh": "服务费", "en": "service fee"},
    "field.technology.utilisation_hours": {"zh": "利用小时数", "en": "utilisation hours"},
    "field.technology.capex_factor": {"zh": "造价系数", "en": "capex factor"},
    # ------------------------------------------------------------------ default technology names (a run folder without its scenario)
    "technology.pv": {"zh": "光伏", "en": "Solar PV"},
    "technology.wind": {"zh": "风电", "en": "Wind"},
    "technology.hydro": {"zh": "水电", "en": "Hydropower"},
    "technology.storage": {"zh": "储能", "en": "Storage"},
    "technology.charging": {"zh": "充电设施", "en": "EV charging"},
    # ------------------------------------------------------------------ inputs (parameters) by path
    "param.join": {"zh": "{owner}·{what}", "en": "{owner}: {what}"},
    "param.tfp_shock": {"zh": "{year}年全要素生产率冲击", "en": "TFP shock {year}"},
    "param.investment_shock": {"zh": "{year}年投资率冲击", "en": "investment-rate shock {year}"},
    "param.demand_shock": {"zh": "{year}年需求冲击", "en": "demand shock {year}"},
    "param.national_cycle": {"zh": "{year}年全国经济周期", "en": "national cycle {year}"},
    "param.contraction_switch": {"zh": "{year}年投资收缩状态转换", "en": "contraction switch {year}"},
    "param.contraction.depth": {"zh": "投资收缩深度", "en": "depth of an investment contraction"},
    "param.contraction.output_gap": {"zh": "投资收缩期产出缺口", "en": "output gap in a contraction"},
    "param.driver.start_delay": {"zh": "共同开工延迟", "en": "shared start delay"},
    "param.driver.cost_factor": {"zh": "共同成本系数", "en": "shared cost factor"},
    "param.shock_occurs": {"zh": "冲击“{owner}”发生", "en": "shock '{owner}' occurs"},
    "param.price_shock": {"zh": "{name}价格冲击({year}年)", "en": "{name} price shock {year}"},
    "param.dist_part": {"zh": "{what}{part}", "en": "{what}, {part}"},
    "dist.mean": {"zh": "均值", "en": "mean"},
    "dist.sd": {"zh": "标准差", "en": "sd"},
    "dist.median": {"zh": "中位数", "en": "median"},
    "dist.p50": {"zh": "P50", "en": "P50"},
    "dist.p80": {"zh": "P80", "en": "P80"},
    "dist.low": {"zh": "下限", "en": "low"},
    "dist.mode": {"zh": "最可能值", "en": "mode"},
    "dist.high": {"zh": "上限", "en": "high"},
    "dist.value": {"zh": "取值", "en": "value"},
    "param.base": {"zh": "全部输入取中位数", "en": "every input at its median"},
    "param.dummy": {"zh": "噪声参照(无影响的随机输入)", "en": "noise level (a random input with no effect)"},
    # ------------------------------------------------------------------ outcomes of an analysis
    "outcome.average_growth": {"zh": "{a}–{b}年年均实际增速", "en": "average real growth {a}–{b}"},
    "outcome.growth": {"zh": "{year}年实际增速", "en": "real growth {year}"},
    "outcome.gdp": {"zh": "{year}年GDP（亿元）", "en": "GDP {year} (100 million yuan)"},
    "outcome.probability": {"zh": "达成概率：{target}", "en": "P({target})"},
    # ------------------------------------------------------------------ values of inputs, in words
    "value.years": {"zh": "{x:.1f}年", "en": "{x:.1f} years"},
    "value.money": {"zh": "{x:,.1f} 亿元", "en": "{x:,.1f} (100 million yuan)"},
    "value.money_year": {"zh": "{x:,.1f} 亿元/年", "en": "{x:,.1f} (100 million yuan/yr)"},
    "value.mw": {"zh": "{x:,.0f} 万千瓦", "en": "{x:,.0f} MW"},
    "value.hours": {"zh": "{x:,.0f} 小时", "en": "{x:,.0f} h"},
    "value.yuan_kwh": {"zh": "{x:.3f} 元/千瓦时", "en": "{x:.3f} yuan/kWh"},
    "value.ratio": {"zh": "{x:.2f}倍", "en": "{x:.2f}×"},
    "value.yes": {"zh": "是", "en": "yes"},
    "value.no": {"zh": "否", "en": "no"},
    "value.sd": {"zh": "{x:+.2f} 个标准差", "en": "{x:+.2f} sd"},
    # ------------------------------------------------------------------ the terminal summary of a run
    "summary.metric.average_growth": {"zh": "{a}–{b}年年均增速 ≥ {thr}", "en": "average growth {a}–{b} ≥ {thr}"},
    "summary.metric.min_growth": {"zh": "{a}–{b}年每年增速 ≥ {thr}", "en": "growth every year {a}–{b} ≥ {thr}"},
    "summary.metric.gdp_level": {"zh": "{b}年GDP ≥ {thr}", "en": "GDP {b} ≥ {thr}"},
    "summary.metric.completion": {"zh": "{project}于{thr}前完成", "en": "{project} finished by {thr}"},
    "summary.metric.energy_capacity": {"zh": "{b}年末能源装机 ≥ {thr}", "en": "energy capacity end {b} ≥ {thr}"},
    # ------------------------------------------------------------------ portfolio explore (the page; {…} filled there)
    "explore.subtitle": {"zh": "每次 {draws} 次模拟 · 种子 {seed}(共用随机数:变化只来自所调参数)",
                         "en": "{draws} draws each · seed {seed} (common random numbers: changes come from the levers)"},
    "explore.target": {"zh": "目标", "en": "Target"},
    "explore.probability": {"zh": "达成概率 [95%区间]", "en": "P [95% interval]"},
    "explore.was": {"zh": "原情景", "en": "as planned"},
    "explore.investment_rate": {"zh": "项目外投资率", "en": "Investment rate outside the portfolio"},
    "explore.tfp_growth": {"zh": "长期全要素生产率增速", "en": "Long-run TFP growth"},
    "explore.capex_scale": {"zh": "全部项目投资额", "en": "Capex of every project"},
    "explore.points": {"zh": "个百分点", "en": "pp"},
    "explore.project": {"zh": "项目", "en": "Project"},
    "explore.drivers": {"zh": "{first}–{last}年年均增速从何而来（各因素平均拉动，百分点/年）",
                      "en": "What moves average growth {first}–{last} (mean contribution of each source, pp/yr)"},
    "explore.source": {"zh": "因素", "en": "Source"},
    "explore.now": {"zh": "当前设定", "en": "This setting"},
    "explore.change": {"zh": "变化", "en": "Change"},
    "explore.delay": {"zh": "推迟(年)", "en": "Delay (years)"},
    "explore.cancel": {"zh": "取消", "en": "Cancel"},
    "explore.reset": {"zh": "恢复原情景", "en": "Back to the scenario"},
    "explore.name": {"zh": "情景名称", "en": "Scenario name"},
    "explore.save": {"zh": "另存为情景", "en": "Save as scenario"},
    "explore.report": {"zh": "生成报告", "en": "Write the report"},
    "explore.writing": {"zh": "正在模拟并生成报告…", "en": "simulating and writing the report…"},
    "explore.saved": {"zh": "已保存:", "en": "saved:"},
    "explore.running": {"zh": "模拟中…", "en": "simulating…"},
    "explore.done": {"zh": "用时 {seconds} 秒", "en": "{seconds} s"},
    "explore.fan": {"zh": "各年实际GDP增速:P5–P95、P25–P75与中位数", "en": "Real GDP growth by year: P5–P95, P25–P75 and median"},
}


def text(key: str, lang: str, **values):
    """The text for ``key`` in ``lang`` (``zh`` or ``en``), formatted with ``values``; a list of texts
    for list entries. Every key has both languages (tests/outputs/test_texts.py); an unknown key or language is
    an error, never a silent fallback."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    try:
        template = TEXT[key][lang]
    except KeyError:
        raise KeyError(f"no text {key!r}") from None
    if isinstance(template, list):
        return [item.format(**values) for item in template]
    return template.format(**values) if values else template


def both(key: str, **values) -> dict:
    """A text in every language, as a scenario's ``{zh, en}`` field holds it."""
    from portfolio.outputs.kinds import LANGS

    return {lang: text(key, lang, **values) for lang in LANGS}


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


def pp_interval(difference: float, half: float, lang: str = "en", decimals: int = 1) -> str:
    """A paired difference and its 95% half-width in percentage points [pp], with the same decimals (more
    when the half-width would round to zero) and never a "-0.0": ``+1.2 ± 0.8 pp`` (``个百分点``)."""
    while decimals < 4 and round(half, decimals) == 0 and half > 0:
        decimals += 1
    d = round(difference, decimals) or 0.0                     # -0.0 → 0.0
    return f"{d:+.{decimals}f} ± {half:.{decimals}f} {'个百分点' if lang == 'zh' else 'pp'}"


def correlation(rho: float) -> str:
    """A correlation with two decimals, never "-0.00"."""
    text = f"{rho:.2f}"
    return "0.00" if text == "-0.00" else text


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


def wrap(name: str, limit: int, lines: int = 2) -> str:
    """A name on at most ``lines`` lines of ``limit`` display columns each (Latin text broken at spaces,
    Chinese between characters, a bracketed remark on a line of its own when it fits); what still does
    not fit is shortened as ``shorten`` does, the last line ending in an ellipsis."""
    import re

    name = " ".join(str(name).split())
    if width(name) <= limit:
        return name
    out, rest = [], name
    while rest and len(out) < lines - 1:
        if width(rest) <= limit:
            break
        cut, used = 0, 0
        for i, ch in enumerate(rest):
            used += 2 if ord(ch) > 0x2E80 else 1
            if used > limit:
                break
            cut = i + 1
        head = rest[:cut]
        # break before a remark in brackets or after a separator (·, a colon, a comma), as late as fits
        breaks = [i for i, ch in enumerate(head) if ch in "(（"] + \
                 [i + 1 for i, ch in enumerate(head) if ch in "·：，、" or (ch in ":," and head[i + 1:i + 2] == " ")]
        breaks = [b for b in breaks if b > cut // 3]
        space = head.rfind(" ")
        if breaks:
            cut = max(breaks)
        elif rest[cut:cut + 1].isascii() and rest[cut:cut + 1].isalnum() and head[-1:].isascii() \
                and space > cut // 3:           # a Latin word is not split
            cut = space + 1
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        last = shorten(rest, limit) if width(rest) > limit else rest
        out.append(re.sub(r"^[,，、]\s*", "", last))
    return "\n".join(out)


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
