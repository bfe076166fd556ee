"""Loading: extends chains, merge by id, removal, --set overrides, registers, immutability."""
import csv
import textwrap

import pydantic
import pytest

from portfolio import load_scenario
from portfolio.problems import InputError
from portfolio.uncertainty.quantities import Dist
from portfolio.scenario.loading import origin

REGISTER_ROWS = [
    {"id": "airport", "name_zh": "楚雄民用机场", "name_en": "Civil airport", "kind": "transport",
     "source": "S: 24.5 亿元", "capex": "24.5 亿元", "planned_start": "2023.5", "build_years": "3",
     "reference_class": "airport", "cancel_probability": "0.1", "depends_on": ""},
    {"id": "rail", "name_zh": "滇中都市铁路", "name_en": "Metro rail", "kind": "transport",
     "source": "assumption", "capex": "pert(80, 150, 300) 亿元", "planned_start": "2024",
     "build_years": "4", "reference_class": "rail", "cancel_probability": "0.3", "depends_on": "airport+0.5"},
]


def write_register(path, rows=REGISTER_ROWS, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_minimal_scenario_loads_typed_and_immutable(minimal):
    s = load_scenario(minimal)
    assert s.meta.name == "test-region"
    assert s.economy.gdp == 1000.0
    assert s.targets[0].threshold == pytest.approx(0.06)
    plant = s.project("plant")
    assert isinstance(plant.capex, Dist) and plant.capex.kind == "pert"
    assert dict(plant.capex.params) == {"low": 5.0, "mode": 8.0, "high": 15.0}
    assert plant.depends_on[0].id == "park"
    with pytest.raises(pydantic.ValidationError):
        s.economy.gdp = 5
    assert isinstance(s.projects, tuple)


def test_extends_chain_merges_maps_deeply_and_projects_by_id(minimal, write):
    write("middle.yaml", textwrap.dedent("""\
        extends: scenario.yaml
        meta: {name: middle}
        economy: {tfp_growth: 1%}
        projects:
          - {id: park, capex: 40 亿元}
          - id: mine
            name: {zh: 矿, en: Mine}
            kind: industry
            source: assumption
            capex: 10
            planned_start: 2021
            build_years: 2
        """))
    child = write("child.yaml", textwrap.dedent("""\
        extends: middle.yaml
        meta: {name: child}
        remove_projects: [plant]
        """))
    s = load_scenario(child)
    assert s.meta.name == "child"
    assert s.meta.title.en == "Test scenario"           # inherited through two levels
    assert s.economy.tfp_growth == pytest.approx(0.01)  # from the middle file
    assert s.economy.depreciation == pytest.approx(0.06)  # deep merge kept the sibling keys
    park = s.project("park")
    assert park.capex == 40.0 and park.build_years == 3.0  # merged by id: only capex changed
    assert [p.id for p in s.projects] == ["park", "mine"]  # plant removed, mine appended
    prov = origin(s).provenance
    assert prov[("projects", "park", "capex")][0].endswith("middle.yaml")
    assert prov[("projects", "park", "build_years")][0].endswith("scenario.yaml")


def test_set_overrides_address_values_and_projects_by_id(minimal):
    s = load_scenario(minimal, ["projects.park.capex=35", "economy.tfp_growth=normal(0.01, 0.002)",
                                "targets.growth.threshold=7%", "simulation.draws=500"])
    assert s.project("park").capex == 35.0
    assert s.economy.tfp_growth.kind == "normal"
    assert s.targets[0].threshold == pytest.approx(0.07)
    assert s.simulation.draws == 500
    assert origin(s).provenance[("projects", "park", "capex")] == ("--set", None)


def test_set_unknown_project_or_key_is_a_clear_error(minimal):
    with pytest.raises(InputError, match=r"no entry 'airprot' in projects \(known: park, plant\)"):
        load_scenario(minimal, ["projects.airprot.capex=3"])
    with pytest.raises(InputError, match=r"--set: projects\.park\.capx: unknown key \(did you mean 'capex'\?\)"):
        load_scenario(minimal, ["projects.park.capx=3"])
    with pytest.raises(InputError, match=r"no entry 'prak' in projects \(did you mean 'park'\?\)"):
        load_scenario(minimal, ["projects.prak.capex=3"])     # a mistyped project id gets the hint too
    with pytest.raises(InputError, match="expected path=value"):
        load_scenario(minimal, ["economy.tfp_growth"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_register_encodings_load_the_same(write, tmp_path, encoding):
    write_register(tmp_path / "projects.csv", encoding=encoding)
    path = write("s.yaml", MINIMAL_WITH_REGISTER)
    s = load_scenario(path)
    airport = s.project("airport")
    assert airport.name.zh == "楚雄民用机场"
    assert airport.capex == 24.5 and airport.planned_start == 2023.5
    rail = s.project("rail")
    assert rail.depends_on[0].id == "airport" and rail.depends_on[0].lag == 0.5
    assert rail.cost_ratio is None and rail.reference_class == "rail"


def test_xlsx_register_loads_the_same_as_its_csv_twin(write, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    write_register(tmp_path / "projects.csv")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(REGISTER_ROWS[0]))
    for row in REGISTER_ROWS:
        cells = []
        for key, value in row.items():
            try:
                cells.append(float(value) if key in ("planned_start", "build_years", "cancel_probability")
                             else (value or None))
            except ValueError:
                cells.append(value)
        sheet.append(cells)
    book.save(tmp_path / "projects.xlsx")
    from_csv = load_scenario(write("a.yaml", MINIMAL_WITH_REGISTER))
    from_xlsx = load_scenario(write("b.yaml", MINIMAL_WITH_REGISTER.replace("projects.csv", "projects.xlsx")))
    assert from_csv.projects == from_xlsx.projects


def test_inline_project_overrides_register_row(write, tmp_path):
    write_register(tmp_path / "projects.csv")
    path = write("s.yaml", MINIMAL_WITH_REGISTER + "projects:\n  - {id: airport, capex: 30 亿元}\n")
    s = load_scenario(path)
    assert s.project("airport").capex == 30.0
    assert s.project("airport").build_years == 3.0


def test_reference_class_fills_ratio_distributions(minimal):
    s = load_scenario(minimal, ["projects.park.cost_ratio={reference_class: rail}",
                                "projects.park.duration_ratio=ref(rail)"])
    park = s.project("park")
    assert park.cost_ratio.kind == "overrun"
    assert park.duration_ratio.kind == "lognormal"
    assert park.cost_ratio.distribution().ppf(0.5) > 1.0


MINIMAL_WITH_REGISTER = textwrap.dedent("""\
    meta:
      name: reg
      title: {zh: 测试, en: Test}
      region: {zh: 测试, en: Test}
      base_year: 2020
      horizon: 2030
    targets:
      - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 0.06}
    economy:
      gdp: 1000
      capital_output_ratio: 3
      capital_share: 0.5
      depreciation: 0.06
      investment_rate: 0.35
      tfp_growth: 0.015
      population_growth: 0
      human_capital_growth: 0
    register: projects.csv
    """)


def test_fixing_a_correlated_input_with_set_drops_its_correlation(write):
    from portfolio.model.compiled import compile_scenario

    text = MINIMAL_WITH_REGISTER.replace("tfp_growth: 0.015", "tfp_growth: normal(0.015, 0.005)").replace(
        "investment_rate: 0.35", "investment_rate: uniform(0.3, 0.4)").replace("register: projects.csv\n", "")
    text += ("uncertainty:\n  correlations:\n"
             "    - {between: [economy.tfp_growth, economy.investment_rate], rank: 0.5}\n")
    path = write("s.yaml", text)
    assert compile_scenario(load_scenario(path)).correlated == ["economy.tfp_growth", "economy.investment_rate"]
    fixed = compile_scenario(load_scenario(path, ["economy.tfp_growth=0.02"]))
    assert fixed.correlated == [] and fixed.correlation is None


def test_a_scenario_repr_is_a_few_lines_and_its_html_is_escaped():
    from tests.conftest import CHUXIONG

    scenario = load_scenario(CHUXIONG / "baseline.yaml", overrides=["meta.title.en=Plan <i>&</i>"])
    text = repr(scenario)
    assert str(scenario) == text and len(text.splitlines()) == 3 + len(scenario.targets) and len(text) < 1500
    m = scenario.meta
    assert f"{m.name}: Plan <i>&</i>" in text and f"{m.base_year}–{m.horizon}" in text
    assert f"{len(scenario.projects)} projects" in text
    assert f"{scenario.simulation.draws:,} draws, seed {scenario.simulation.seed}" in text
    for t in scenario.targets:
        assert f"{t.name}  " in text and t.describe() in text
    growth = next(t for t in scenario.targets if t.metric == "average_growth")
    assert f"{growth.threshold:.1%}" in growth.describe()
    page = scenario._repr_html_()
    assert "Plan &lt;i&gt;&amp;&lt;/i&gt;" in page and "<i>" not in page
