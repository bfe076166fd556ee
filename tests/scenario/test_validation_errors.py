"""Bad input gets a clear error — FILE:LINE: key.path: message — exit status 2, nothing runs.

Each case mutates the small valid scenario of conftest.py and checks the whole located message.
"""
import re

import pytest

from tests.conftest import MINIMAL


def replace(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


CASES = {
    "yaml syntax": (replace("  base_year: 2020\n", "  base_year: [2020\n"),
                    r"scenario\.yaml:\d+: YAML syntax error, column \d+"),
    "duplicate key": (replace("  horizon: 2030\n", "  horizon: 2030\n  horizon: 2035\n"),
                      r"scenario\.yaml:7: meta\.horizon: duplicate key \(first defined on line 6\)"),
    "unknown key": (replace("  depreciation: 0.06\n", "  depreciaton: 0.06\n"),
                    r"scenario\.yaml:16: economy\.depreciaton: unknown key \(did you mean 'depreciation'\?\)"),
    "missing key": (replace("  depreciation: 0.06\n", ""),
                    r"scenario\.yaml:12: economy\.depreciation: required key is missing"),
    "wrong type": (replace("  base_year: 2020\n", "  base_year: twenty\n"),
                   r"scenario\.yaml:5: meta\.base_year: expected a whole number, got 'twenty'"),
    "wrong unit": (replace("    capex: 30 亿元\n", "    capex: 30 MW\n"),
                   r"scenario\.yaml:26: projects\.park\.capex: unit 'MW' is a unit of power, not of money"),
    "unknown unit": (replace("    capex: 30 亿元\n", "    capex: 30 dollars\n"),
                     r"scenario\.yaml:26: projects\.park\.capex: unknown unit 'dollars' for money"),
    "zero capex": (replace("    capex: 30 亿元\n", "    capex: 0\n"),
                   r"scenario\.yaml:26: projects\.park\.capex: value is 0; expected > 0"),
    "negative capex range": (replace("    capex: pert(5, 8, 15) 亿元\n", "    capex: uniform(-5, 8) 亿元\n"),
                             r"scenario\.yaml:35: projects\.plant\.capex: the distribution allows values -5"),
    "probability": (replace("    build_years: 3\n", "    build_years: 3\n    cancel_probability: 1.2\n"),
                    r"scenario\.yaml:29: projects\.park\.cancel_probability: value is 1\.2; expected ≤ 1"),
    "inverted range": (replace("pert(5, 8, 15)", "pert(15, 8, 5)"),
                       r"scenario\.yaml:35: projects\.plant\.capex: pert: 'low' \(15\) must be below 'high' \(5\)"),
    "mode outside": (replace("pert(5, 8, 15)", "pert(5, 18, 15)"),
                     r"scenario\.yaml:35: projects\.plant\.capex: pert: 'mode' \(18\) must lie in"),
    "unknown dependency": (replace("depends_on: [park]", "depends_on: [prk]"),
                           r"scenario\.yaml:38: projects\.plant\.depends_on: unknown project id 'prk' "
                           r"\(did you mean 'park'\?\)"),
    "dependency cycle": (replace("    value_added_ratio: 0.2\n", "    value_added_ratio: 0.2\n    depends_on: [plant]\n"),
                         r"scenario\.yaml:\d+: projects\.p\w+\.depends_on: dependency cycle: "
                         r"(park → plant → park|plant → park → plant)\n"),
    "impossible deadline": (replace("    build_years: 2\n", "    build_years: 2\n    not_after: 2026-06-30\n"),
                            r"scenario\.yaml:38: projects\.plant\.not_after: impossible: the plan finishes "
                            r"2027-01-01, after not_after 2026-06-30; its start is pushed to 2025-01-01 by 'park' \(FS\)"),
    "deadline before floor": (replace("    build_years: 3\n", "    build_years: 3\n    not_before: 2024-01-01\n"
                                      "    not_after: 2023-06-30\n"),
                              r"scenario\.yaml:30: projects\.park\.not_after: 2023-06-30 is before not_before 2024-01-01"),
    "unknown link type": (replace("depends_on: [park]", 'depends_on: "park:XY+1"'),
                          r"scenario\.yaml:38: projects\.plant\.depends_on\[0\]\.type: expected one of 'FS', 'SS' "
                          r"or 'FF'; got 'XY'"),
    "link without its lag": (replace("depends_on: [park]", 'depends_on: "park+"'),
                             r"scenario\.yaml:38: projects\.plant\.depends_on: a lag is missing after '\+' in 'park\+'"),
    "lag in an unknown unit": (replace("depends_on: [park]", 'depends_on: "park:SS+3 parsecs"'),
                               r"scenario\.yaml:38: projects\.plant\.depends_on\[0\]\.lag: unknown unit 'parsecs' "
                               r"for duration"),
    "unknown group member": (MINIMAL + "groups:\n  - {id: both, name: {zh: 两个, en: Both}, members: [park, plnt]}\n",
                             r"scenario\.yaml:40: groups\.both\.members: unknown project or group id 'plnt' "
                             r"\(did you mean 'plant'\?\)"),
    "group named like a project": (MINIMAL + "groups:\n  - {id: park, name: {zh: 园, en: Park}, members: [plant]}\n",
                                   r"scenario\.yaml:40: groups\.park\.id: 'park' is already a project id"),
    "groups in a loop": (MINIMAL + "groups:\n  - {id: g1, name: {zh: 一, en: One}, members: [park, g2]}\n"
                         "  - {id: g2, name: {zh: 二, en: Two}, members: [g1]}\n",
                         r"scenario\.yaml:40: groups\.g1\.members: groups contain each other: g1 → g2 → g1"),
    "impossible date": (replace("    planned_start: 2022\n", "    planned_start: 2022\n    not_before: 2023-02-30\n"),
                        r"scenario\.yaml:28: projects\.park\.not_before: '2023-02-30' is not a valid date \(day is "
                        r"out of range for month\)"),
    "impossible quoted date": (replace("    planned_start: 2022\n", "    planned_start: 2022\n    not_before: '2023-13'\n"),
                               r"scenario\.yaml:28: projects\.park\.not_before: '2023-13' is not a valid date \(month "
                               r"must be in 1\.\.12\)"),
    "deadline held by its floor": (replace("    build_years: 3\n", "    build_years: 3\n    not_before: 2023-01-01\n"
                                           "    not_after: 2025-06-30\n"),
                                   r"scenario\.yaml:30: projects\.park\.not_after: impossible: the plan finishes "
                                   r"2026-01-01, after not_after 2025-06-30; its start is held to not_before 2023-01-01"),
    "duplicate project id": (replace("  - id: plant\n", "  - id: park\n"),
                             r"scenario\.yaml:31: projects\.park: duplicate project id \(first on line 22\)"),
    "window outside horizon": (replace("window: [2021, 2025]", "window: [2021, 2031]"),
                               r"scenario\.yaml:10: targets\.growth\.window: 2021–2031 is outside the "
                               r"simulated years 2021–2030"),
    "window inverted": (replace("window: [2021, 2025]", "window: [2025, 2021]"),
                        r"scenario\.yaml:10: targets\.growth\.window: first year 2025 is after last year 2021"),
    "bad correlation": (MINIMAL.replace("  tfp_growth: 0.015\n", "  tfp_growth: normal(0.015, 0.005)\n")
                        .replace("  investment_rate: 0.35\n", "  investment_rate: uniform(0.3, 0.4)\n")
                        .replace("  depreciation: 0.06\n", "  depreciation: uniform(0.05, 0.07)\n") +
                        "uncertainty:\n  correlations:\n"
                        "    - {between: [economy.tfp_growth, economy.investment_rate], rank: 0.9}\n"
                        "    - {between: [economy.tfp_growth, economy.depreciation], rank: 0.9}\n"
                        "    - {between: [economy.investment_rate, economy.depreciation], rank: -0.9}\n",
                        r"scenario\.yaml:40: uncertainty\.correlations: invalid correlation matrix: .*positive"),
    "correlation unknown input": (MINIMAL + "uncertainty:\n  correlations:\n"
                                  "    - {between: [economy.tfp_growht, economy.gdp], rank: 0.5}\n",
                                  r"scenario\.yaml:41: uncertainty\.correlations\[0\]\.between: "
                                  r"'economy\.tfp_growht' is not an input of this scenario \(did you mean"),
    "extends missing": ("extends: nowhere.yaml\n" + MINIMAL,
                        r"scenario\.yaml:1: extends: file not found: nowhere\.yaml"),
    "extends self cycle": ("extends: scenario.yaml\n" + MINIMAL,
                           r"scenario\.yaml:1: extends: extends cycle: .*scenario\.yaml → .*scenario\.yaml"),
    "empty file": ("", r"scenario\.yaml: file is empty"),
    "not a mapping": ("- just\n- a list\n", r"scenario\.yaml:1: expected a mapping of sections"),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
        f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)), r"scenario\.yaml:\d+: .*document too large"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_reported_with_file_line_and_key_path(name, write, cli):
    text, pattern = CASES[name]
    path = write("scenario.yaml", text)
    result = cli("validate", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert re.search(pattern, result.output), result.output
    assert "nothing was run" in result.output


def test_all_problems_in_a_file_are_reported_at_once(write, cli):
    text = replace("  depreciation: 0.06\n", "  depreciaton: 0.06\n").replace("capex: 30 亿元", "capex: -3")
    result = cli("validate", write("scenario.yaml", text))
    assert result.exit_code == 2
    assert "economy.depreciaton: unknown key" in result.output
    assert "projects.park.capex" in result.output
    assert "3 problems found" in result.output  # the misspelt key, the missing key, the capex


def test_binary_file_is_refused(tmp_path, cli):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = cli("validate", path)
    assert result.exit_code == 2
    assert "not a text file" in result.output


def test_extends_cycle_between_two_files(write, cli):
    write("a.yaml", "extends: b.yaml\n" + MINIMAL)
    path = write("b.yaml", "extends: a.yaml\nmeta: {name: b}\n")
    result = cli("validate", path)
    assert result.exit_code == 2
    assert re.search(r"extends cycle: .*b\.yaml → .*a\.yaml → .*b\.yaml", result.output), result.output


REGISTER_MINIMAL = MINIMAL.split("projects:")[0] + "register: projects.csv\n"


@pytest.mark.parametrize("csv_text, pattern", [
    ("id,name_zh,name_en,kind,source,planned_start,build_years,capx\n"
     "a,甲,A,industry,x,2022,2,10\n",
     r"projects\.csv:1: unknown column 'capx'; did you mean 'capex'\?"),
    ("id,name_zh,kind,source,planned_start,build_years,capex\n"
     "a,甲,industry,x,2022,2,10\n",
     r"projects\.csv:1: missing column 'name_en' \(required\)"),
    ("id,name_zh,name_en,kind,source,planned_start,build_years,capex\n"
     "a,甲,A,industry,x,2022,2,10\n"
     "b,乙,B,industry,x,2022,2,10 MW\n",
     r"projects\.csv:3: projects\.b\.capex: unit 'MW' is a unit of power"),
    ("id,name_zh,name_en,kind,source,planned_start,build_years,capex\n"
     "a,甲,A,industry,x,2022,2,10\n"
     "a,乙,B,industry,x,2022,2,10\n",
     r"projects\.csv:3: projects\.a: duplicate project id"),
    ("id,name_zh,name_en,kind,source,planned_start,build_years,capex\n"
     "a,甲,A,industy,x,2022,2,10\n",
     r"projects\.csv:2: projects\.a\.kind: expected one of .*'industry'"),
    ("id,name_zh,name_en,kind,source,planned_start,build_years,capex\n"
     "a,甲,A,industry,x,2022,2,10,extra\n",
     r"projects\.csv:2: row has 9 cells but the header has 8 columns"),
])
def test_register_problems_name_row_and_column(write, cli, csv_text, pattern):
    write("projects.csv", csv_text)
    result = cli("validate", write("scenario.yaml", REGISTER_MINIMAL))
    assert result.exit_code == 2, result.output
    assert re.search(pattern, result.output), result.output


def test_missing_register_file(write, cli):
    result = cli("validate", write("scenario.yaml", REGISTER_MINIMAL))
    assert result.exit_code == 2
    assert re.search(r"scenario\.yaml:\d+: register: file not found: projects\.csv", result.output), result.output


def test_error_messages_quote_at_most_the_offending_value(write, cli):
    long_value = "x" * 5000
    result = cli("validate", write("scenario.yaml", replace("  base_year: 2020\n", f"  base_year: {long_value}\n")))
    assert result.exit_code == 2
    assert long_value not in result.output and len(result.output) < 600


def test_keys_that_look_like_validator_tags_are_still_named(write, cli):
    # found by fuzzing: a user key "[" was mistaken for one of pydantic's own location tags
    result = cli("validate", write("scenario.yaml", MINIMAL + "'[': null\nfloat: 1\n"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert re.search(r"scenario\.yaml:\d+: \[: unknown key", result.output), result.output
    assert re.search(r"scenario\.yaml:\d+: float: unknown key", result.output), result.output
