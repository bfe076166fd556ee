"""portfolio sweep: the sweep file, case expansion and ids, the folder, resume after a kill or Ctrl-C."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from portfolio.problems import InputError
from portfolio.runs.sweep import SweepFolder, SweepFolderError, case_id, load_sweep, render, run_sweep
from tests.conftest import CHUXIONG, MINIMAL, REPO

UNCERTAIN = MINIMAL.replace("tfp_growth: 0.015", "tfp_growth: normal(0.02, 0.01)")

GRID = """\
    scenarios: scenario.yaml
    draws: {draws}
    seed: 7
    factors:
      economy.investment_rate: [0.30, 0.40]
      economy.tfp_growth.mean: {{from: 0.015, to: 0.025, steps: 3}}
    """


def _setup(folder: Path, draws: int = 1000, body: str = GRID) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(UNCERTAIN.replace("normal(0.02, 0.01)",
                                                            "{dist: normal, mean: 0.02, sd: 0.01}"),
                                          encoding="utf-8")
    path = folder / "sweep.yaml"
    path.write_text(textwrap.dedent(body).format(draws=draws), encoding="utf-8")
    return path


def _problems(path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_sweep(path)
    return [str(p) for p in caught.value.problems]


# ----------------------------------------------------------------------------------- the sweep file
def test_bad_sweep_files_give_file_line_messages(tmp_path, write, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("scenario.yaml", MINIMAL)
    bad = write("bad.yaml", textwrap.dedent("""\
        scenarios: [scenario.yaml, missing.yaml]
        draws: 0
        desing: grid
        factors:
          economy.investment_rate: [0.3, 0.3]
          economy.tfp_growth: {from: 0.02, to: 0.01, steps: 3}
          economy.capital_share: 0.5
        """))
    problems = _problems(bad)
    assert any(p.startswith("bad.yaml:1: scenarios[1]: file not found: missing.yaml") for p in problems)
    assert any(p.startswith("bad.yaml:2: draws: expected a whole number ≥ 1") for p in problems)
    assert any(p.startswith("bad.yaml:3: desing: unknown key (did you mean 'design'?)") for p in problems)
    assert any(p.startswith("bad.yaml:5: factors.economy.investment_rate: value 0.3 is listed twice") for p in problems)
    assert any(p.startswith("bad.yaml:6: factors.economy.tfp_growth.to: expected to: above from:") for p in problems)
    assert any(p.startswith("bad.yaml:7: factors.economy.capital_share: expected a list") for p in problems)

    # values are checked against the scenario, located in the sweep file
    values = write("values.yaml", textwrap.dedent("""\
        scenarios: scenario.yaml
        set: [economy.depreciation=0.05]
        factors:
          economy.investment_rate: [0.3, abc]
          projects.nope.capex: {from: 1, to: 2, steps: 2, unit: 亿元}
        """))
    problems = _problems(values)
    assert problems == [
        "values.yaml:4: factors.economy.investment_rate: value abc: expected a number with an optional unit, got 'abc'",
        "values.yaml:5: factors.projects.nope.capex: value 1 亿元: no entry 'nope' in projects (known: park, plant)",
    ]
    lhs = write("lhs.yaml", "scenarios: scenario.yaml\ndesign: lhs\nfactors:\n  economy.investment_rate: {from: 0.3, to: 0.4}\n")
    assert _problems(lhs) == ["lhs.yaml:2: design: the lhs design needs samples: (the number of points)"]

    result = cli("sweep", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_designs_expand_to_cases_with_stable_ids(tmp_path, write):
    write("scenario.yaml", MINIMAL)
    grid = load_sweep(write("grid.yaml", textwrap.dedent("""\
        scenarios: scenario.yaml
        draws: 500
        factors:
          economy.investment_rate: {from: 0.3, to: 0.4, step: 0.05}
          economy.tfp_growth: [0.01, 0.02]
        """)))
    assert [c.values for c in grid.cases[:3]] == [
        (("economy.investment_rate", 0.3), ("economy.tfp_growth", 0.01)),
        (("economy.investment_rate", 0.3), ("economy.tfp_growth", 0.02)),
        (("economy.investment_rate", 0.35), ("economy.tfp_growth", 0.01))]   # 0.35, not 0.35000000000000003
    assert len(grid.cases) == 6 and grid.grid2() is not None
    assert grid.cases[2].overrides == ("economy.investment_rate=0.35", "economy.tfp_growth=0.01")
    # the id depends on what defines a case, not on the order of its overrides
    assert grid.cases[2].id == case_id("scenario.yaml", ("economy.tfp_growth=0.01", "economy.investment_rate=0.35"),
                                       500, 0, "mc")
    assert len({c.id for c in grid.cases}) == 6
    assert [c.id for c in load_sweep(tmp_path / "grid.yaml").cases] == [c.id for c in grid.cases]

    zipped = load_sweep(write("zip.yaml", "scenarios: scenario.yaml\ndesign: zip\nfactors:\n"
                                          "  economy.investment_rate: [0.3, 0.4]\n  economy.tfp_growth: [0.01, 0.02]\n"))
    assert [dict(c.values)["economy.tfp_growth"] for c in zipped.cases] == [0.01, 0.02]

    lhs_text = ("scenarios: scenario.yaml\ndesign: lhs\nsamples: 8\nfactors:\n"
                "  economy.investment_rate: {from: 0.3, to: 0.5}\n  targets.growth.threshold: ['5%', '6%']\n")
    lhs = load_sweep(write("lhs.yaml", lhs_text))
    rates = sorted(dict(c.values)["economy.investment_rate"] for c in lhs.cases)
    assert len(rates) == 8 and all(0.3 + 0.025 * i <= r <= 0.3 + 0.025 * (i + 1) for i, r in enumerate(rates))
    assert sorted(dict(c.values)["targets.growth.threshold"] for c in lhs.cases) == ["5%"] * 4 + ["6%"] * 4

    write("scenario2.yaml", MINIMAL)
    two = load_sweep(write("two.yaml", "scenarios: [scenario.yaml, scenario2.yaml]\n"
                                       "factors:\n  economy.investment_rate: [0.3, 0.4]\n"))
    assert [(c.scenario, dict(c.values)["economy.investment_rate"]) for c in two.cases] == [
        ("scenario.yaml", 0.3), ("scenario.yaml", 0.4), ("scenario2.yaml", 0.3), ("scenario2.yaml", 0.4)]


def test_render_reads_back_as_the_value():
    import yaml

    for value in (0.1, 3, True, "normal(0.02, 0.01)", "10%", "yes", "2023-06-01", {"reference_class": "rail"}):
        assert yaml.safe_load(render(value)) == value
    assert render(20.0, "亿元") == "20.0 亿元"


def test_the_shipped_example_is_a_valid_two_factor_grid(monkeypatch):
    monkeypatch.chdir(REPO)
    sweep = load_sweep(CHUXIONG / "sweeps" / "investment-tfp.yaml")
    assert len(sweep.cases) == 25 and sweep.grid2() is not None and sweep.draws == 10_000


# ----------------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted sweep (one process): the table every other way of running must reproduce."""
    folder = tmp_path_factory.mktemp("reference")
    path = _setup(folder)
    run = run_sweep(path, out=folder / "out", charts=False)
    return run


def test_a_sweep_writes_its_folder_and_cases_equal_single_runs(tmp_path, cli, reference):
    from portfolio.runs.simulate import simulate

    path = _setup(tmp_path)
    result = cli("sweep", path, "--out", tmp_path / "out", "--workers", "2", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    names = {p.name for p in out.iterdir()}
    assert {"sweep.yaml", "cases", "results.csv", "results.parquet", "manifest.json", "heatmap.png",
            "heatmap.svg"} <= names and "INCOMPLETE" not in names
    table = pd.read_csv(out / "results.csv")
    assert list(table["case"]) == list(range(6))
    assert (out / "results.csv").read_bytes() == (reference.folder / "results.csv").read_bytes()
    assert pd.read_parquet(out / "results.parquet").equals(reference.table)
    assert len(list((out / "cases").glob("*.json"))) == 6
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cases"] == 6 and manifest["executor"]["kind"] == "local" and "--workers 2" in manifest["command"]

    # a case is exactly the single run with the same overrides (common random numbers: same seed)
    row = table.iloc[4]
    single = simulate(tmp_path / "scenario.yaml", draws=1000, seed=7,
                      overrides=[f"economy.investment_rate={float(row['economy.investment_rate'])!r}",
                                 f"economy.tfp_growth.mean={float(row['economy.tfp_growth.mean'])!r}"])
    assert single.summary()["targets"][0]["probability"] == row["p_growth"]
    case = json.loads((out / "cases" / f"{row['case_id']}.json").read_text(encoding="utf-8"))
    assert case["summary"]["targets"][0]["probability"] == row["p_growth"]


def test_resume_refuses_another_sweep_or_changed_inputs(tmp_path, cli):
    path = _setup(tmp_path)
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--quiet").exit_code == 0
    again = cli("sweep", path, "--out", out)
    assert again.exit_code == 2 and "already holds this sweep; add --resume" in again.stderr
    other = _setup(tmp_path / "other", draws=500)
    refused = cli("sweep", other, "--out", out, "--resume")
    assert refused.exit_code == 2 and "holds a different sweep" in refused.stderr
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("depreciation: 0.06", "depreciation: 0.07"),
                        encoding="utf-8")
    changed = cli("sweep", path, "--out", out, "--resume")
    assert changed.exit_code == 2 and "scenario.yaml changed since the sweep" in changed.stderr


def _start(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from portfolio.cli import main; main()", "sweep", str(path),
                             "--out", str(out), *extra],
                            cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_cases(proc: subprocess.Popen, out: Path, n: int, limit: float = 60) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = len(list((out / "cases").glob("*.json"))) if (out / "cases").is_dir() else 0
        if done >= n or proc.poll() is not None:
            return done
        time.sleep(0.01)
    raise AssertionError("the sweep did not start")


SLOW = GRID.replace("[0.30, 0.40]", "[0.30, 0.35, 0.40, 0.45]")   # 12 cases


def test_a_killed_sweep_resumes_to_the_same_table(tmp_path, tmp_path_factory, cli):
    draws = 30_000    # 12 cases of ~0.1 s: the kill lands mid-sweep
    path = _setup(tmp_path, draws=draws, body=SLOW)
    out = tmp_path / "out"
    proc = _start(path, out, "--quiet")
    _wait_for_cases(proc, out, 2)
    proc.kill()
    proc.wait()
    done = len(list((out / "cases").glob("*.json")))
    assert proc.returncode == -signal.SIGKILL and 2 <= done < 12
    marker = (out / "INCOMPLETE").read_text(encoding="utf-8")
    # the marker is rewritten after each case file: a kill between the two writes leaves it one behind
    counted = int(re.search(r"(\d+) of 12 cases are done", marker).group(1))
    assert done - 1 <= counted <= done and f"--resume --out {out}" in marker
    assert not (out / "results.csv").exists()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}

    resumed = cli("sweep", path, "--out", out, "--resume", "--no-charts")
    assert resumed.exit_code == 0, resumed.stderr
    assert f"{done} already done; running {12 - done} on" in resumed.stderr
    assert all((out / "cases" / name).stat().st_mtime_ns == t for name, t in before.items())  # not recomputed
    assert not (out / "INCOMPLETE").exists()

    straight = tmp_path_factory.mktemp("straight")
    run_sweep(_setup(straight, draws=draws, body=SLOW), out=straight / "out", charts=False)
    assert (out / "results.csv").read_bytes() == (straight / "out" / "results.csv").read_bytes()
    assert pd.read_parquet(out / "results.parquet").equals(pd.read_parquet(straight / "out" / "results.parquet"))

    # Ctrl-C (SIGINT) with two worker processes: a clean stop that says how to resume
    out2 = tmp_path / "out2"
    proc = _start(path, out2, "--workers", "2", "--no-charts")
    _wait_for_cases(proc, out2, 1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0:      # (0 only if all cases finished before the interrupt arrived)
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "interrupted: " in err
        assert f"resume with: portfolio sweep {path} --resume --out {out2} --workers 2" in err
        assert (out2 / "INCOMPLETE").is_file() and not (out2 / "results.csv").exists()
        assert cli("sweep", path, "--out", out2, "--resume", "--quiet", "--no-charts").exit_code == 0
    assert (out2 / "results.csv").read_bytes() == (out / "results.csv").read_bytes()


def test_resume_without_out_finds_the_unfinished_folder(tmp_path, monkeypatch, cli):
    path = _setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    sweep = load_sweep(path)
    folder = SweepFolder.open(sweep, tmp_path / "outputs" / "sweep-sweep-20260101-000000")
    folder.begin("resume me")
    assert (folder.folder / "INCOMPLETE").read_text(encoding="utf-8").startswith("This sweep is not finished: 0 of 6")
    result = cli("sweep", path, "--resume", "--quiet", "--no-charts")
    assert result.exit_code == 0, result.stderr
    assert (folder.folder / "results.csv").is_file() and not (folder.folder / "INCOMPLETE").exists()
    with pytest.raises(SweepFolderError, match="already holds this sweep"):
        SweepFolder.open(sweep, folder.folder)


def test_a_sweep_over_a_start_date_gives_each_cases_completion_probability(tmp_path):
    """Finish = start + U(2, 4): P(finish ≤ 2024.0) = (2024 − s − 2) / 2 for s = 2020.2, 2020.6, 2021.0 —
    0.9, 0.7, 0.5 — each within 4 standard errors, with the case's start as a factor column."""
    from tests.model.test_engine import scenario_yaml
    from tests.runs.test_completion import TARGETS, WORKS

    (tmp_path / "works.yaml").write_text(scenario_yaml(WORKS.replace("CANCEL", "0"), targets=TARGETS), encoding="utf-8")
    path = tmp_path / "sweep.yaml"
    path.write_text("scenarios: works.yaml\ndraws: 4000\nseed: 3\nfactors:\n"
                    "  projects.works.planned_start: [2020.2, 2020.6, 2021.0]\n", encoding="utf-8")
    run = run_sweep(path, out=tmp_path / "out", charts=False)
    table = run.table.sort_values("projects.works.planned_start")
    for start, p in zip(table["projects.works.planned_start"], table["p_built"]):
        expected = (2024 - start - 2) / 2
        assert abs(p - expected) < 4 * (expected * (1 - expected) / 4000) ** 0.5, (start, p)
    assert list(table["p_built"]) == sorted(table["p_built"], reverse=True)


def test_a_sweep_run_shows_its_table_in_a_notebook(reference):
    from portfolio.runs.sweep import format_table

    assert format_table(reference.table, reference.sweep, limit=5) in repr(reference)
    page = reference._repr_html_()
    assert page.count("<tr>") == 1 + min(15, len(reference.table))
    first = reference.table.iloc[0]
    p = next(c for c in reference.table.columns if c.startswith("p_") and not c.endswith(("_low", "_high")))
    assert f"{first[p] * 100:.1f}%" in page
    import portfolio

    saved = portfolio.open_run(reference.folder)
    assert saved.kind == "sweep" and f"{reference.cases} cases" in repr(saved)
    pd.testing.assert_frame_equal(saved.table(), reference.table)


def test_portfolio_chart_redraws_a_sweep_heatmap_with_named_axes_in_either_language(tmp_path, cli):
    path = _setup(tmp_path, draws=200)
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--lang", "zh").exit_code == 0
    again = cli("chart", out, "--out", tmp_path / "zh")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "zh" / "heatmap.svg").read_bytes() == (out / "heatmap.svg").read_bytes()
    english = cli("chart", out, "--lang", "en", "--out", tmp_path / "en", "--format", "png")
    assert english.exit_code == 0, english.output
    assert sorted(p.name for p in (tmp_path / "en").iterdir()) == ["heatmap.png"]


@pytest.mark.parametrize("lang,rate,tfp", [("zh", "非项目投资率（%）", "全要素生产率增速均值（%）"),
                                           ("en", "Investment rate outside the portfolio (%)", "TFP growth, mean (%)")])
def test_the_heatmap_names_its_axes_and_shows_rates_in_percent(tmp_path, lang, rate, tfp):
    from portfolio.outputs.names import Names
    from portfolio.runs.sweep import heatmap

    sweep = load_sweep(_setup(tmp_path))
    y, x = sweep.grid2()
    rows = pd.DataFrame([{y.path: a, x.path: b, "p_growth": 0.5} for a in y.values for b in x.values])
    fig = heatmap(rows, x, y, "growth", lang=lang, names=Names(None, lang))
    ax = fig.axes[0]
    assert ax.get_ylabel().replace("\n", " ") == rate and ax.get_xlabel() == tfp
    assert [t.get_text() for t in ax.get_yticklabels()] == ["30%", "40%"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1.5%", "2%", "2.5%"]


@pytest.mark.parametrize("lang,ticks,unit", [("zh", ["50", "150"], "（万千瓦）"), ("en", ["500", "1,500"], "(MW)")])
def test_heatmap_values_written_in_a_unit_of_their_own_are_shown_in_the_charts_unit(lang, ticks, unit):
    from portfolio.outputs.names import Names
    from portfolio.runs.sweep import Factor, heatmap

    y = Factor("projects.pv_3.capacity", (50, 150), unit="万千瓦")
    x = Factor("economy.investment_rate", (0.6, 0.7))
    rows = pd.DataFrame([{y.path: a, x.path: b, "p_growth": 0.5} for a in y.values for b in x.values])
    names = Names({"projects": [{"id": "pv_3", "name": {"zh": "光伏第三批(计划2024年开工)",
                                                          "en": "PV, tranche 3 (planned start 2024)"}}]}, lang)
    ax = heatmap(rows, x, y, "growth", lang=lang, names=names).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ticks
    label = ax.get_ylabel()
    assert label.endswith(unit) and "\n" in label                # two lines, the unit kept
    assert label.replace("\n", "" if lang == "zh" else " ").startswith(names.label(y.path))
