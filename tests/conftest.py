"""Shared fixtures: a small valid scenario written to a temporary folder, and a CLI runner."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
CHUXIONG = REPO / "scenarios" / "chuxiong"

MINIMAL = textwrap.dedent("""\
    meta:
      name: test-region
      title: {zh: 测试情景, en: Test scenario}
      region: {zh: 测试地区, en: Test region}
      base_year: 2020
      horizon: 2030
    targets:
      - name: growth
        metric: average_growth
        window: [2021, 2025]
        threshold: 6%
    economy:
      gdp: 1000 亿元
      capital_output_ratio: 3.0
      capital_share: 0.5
      depreciation: 0.06
      investment_rate: 0.35
      tfp_growth: 0.015
      population_growth: -0.005
      human_capital_growth: 0.005
    projects:
      - id: park
        name: {zh: 产业园, en: Industrial park}
        kind: industry
        source: "assumption: test"
        capex: 30 亿元
        planned_start: 2022
        build_years: 3
        output_value: 20 亿元/年
        value_added_ratio: 0.2
      - id: plant
        name: {zh: 工厂, en: Plant}
        kind: industry
        source: "assumption: test"
        capex: pert(5, 8, 15) 亿元
        planned_start: 2023
        build_years: 2
        depends_on: [park]
    """)


@pytest.fixture
def write(tmp_path):
    """write(name, text) → Path of a file in a fresh temporary folder."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding=encoding)
        return path

    return _write


@pytest.fixture
def minimal(write) -> Path:
    return write("scenario.yaml", MINIMAL)


@pytest.fixture
def cli():
    """invoke(*args) → click Result, with stderr separate from stdout."""
    from portfolio.cli import main

    runner = CliRunner()

    def _invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return _invoke
