"""Completion targets and milestones: P(a project or milestone finishes by a date) against closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from portfolio import InputError, load_scenario
from portfolio.runs.simulate import simulate
from tests.model.test_engine import scenario_yaml

TARGETS = """\
targets:
  - {name: growth, metric: average_growth, window: [2021, 2025], threshold: 3%}
  - {name: built, metric: completion, project: works, by: 2024-01-01}
  - {name: open, metric: completion, project: opening, by: 2024-07-01}
"""
WORKS = ("  - {id: works, name: {zh: 工程, en: Works}, kind: industry, source: test, capex: 10, "
         "planned_start: 2021, build_years: 'uniform(2, 4)', cancel_probability: CANCEL}\n"
         "  - {id: opening, name: {zh: 开通, en: Opening}, kind: milestone, source: test, planned_start: 2021, "
         "build_years: 0, depends_on: 'works+0.5'}\n")


def test_completion_probability_is_the_finish_date_distribution(write):
    """Finish = 2021 + U(2, 4): P(by 2024.0) = 0.5; cancelled with probability 0.2 → 0.8 × 0.5. The
    milestone half a year later: P(by 2024.5) = 0.8 × P(U(2, 4) ≤ 3) = 0.4."""
    n = 20_000
    path = write("c.yaml", scenario_yaml(WORKS.replace("CANCEL", "0.2"), targets=TARGETS, draws=n))
    summary = simulate(path).summary()
    built, opened = (next(t for t in summary["targets"] if t["name"] == k) for k in ("built", "open"))
    for entry, expected in ((built, 0.4), (opened, 0.8 * (2024.5 - 0.5 - 2023) / 2)):
        se = math.sqrt(expected * (1 - expected) / n)
        assert abs(entry["probability"] - expected) < 4 * se
    assert built["p_cancelled"] == pytest.approx(0.2, abs=4 * math.sqrt(0.16 / n))
    # finish quantiles of the draws that finish: 2021 + 2 + 2q
    for q, value in built["finish"].items():
        assert value == pytest.approx(2023 + 2 * int(q[1:]) / 100, abs=0.02)
    assert built["finish_dates"]["p50"] == "2024-01-01" or built["finish_dates"]["p50"].startswith("2023-12")
    assert opened["finish"]["p50"] == pytest.approx(built["finish"]["p50"] + 0.5, abs=0.02)


def test_completion_targets_and_milestones_are_checked(write):
    bad = TARGETS.replace("project: works", "project: workz")
    with pytest.raises(InputError, match=r"targets\.built\.project: unknown project or group id 'workz' \(did you mean 'works'\?\)"):
        load_scenario(write("a.yaml", scenario_yaml(WORKS.replace("CANCEL", "0"), targets=bad)))
    missing = TARGETS.replace(", by: 2024-01-01", "")
    with pytest.raises(InputError, match=r"by: required for metric completion"):
        load_scenario(write("b.yaml", scenario_yaml(WORKS.replace("CANCEL", "0"), targets=missing)))
    slow = WORKS.replace("build_years: 0,", "build_years: 1,").replace("CANCEL", "0")
    with pytest.raises(InputError, match=r"build_years: a milestone takes no time"):
        load_scenario(write("m.yaml", scenario_yaml(slow, targets=TARGETS)))


def test_a_milestone_costs_nothing(write):
    path = write("z.yaml", scenario_yaml(WORKS.replace("CANCEL", "0"), targets=TARGETS, draws=50))
    result = simulate(path)
    j = [p.id for p in result.compiled.projects].index("opening")
    assert np.all(result.data.detail["spent"][:, j] == 0)
