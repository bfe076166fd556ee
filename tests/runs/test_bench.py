"""The benchmark runs (a seconds-long smoke version; the full suite is `portfolio bench`)."""
import json

import pytest

from tests.conftest import REPO


def test_bench_smoke_reports_time_rate_and_memory(tmp_path, monkeypatch):
    from portfolio.runs.bench import main

    monkeypatch.chdir(REPO)
    out = tmp_path / "bench.json"
    assert main(["--smoke", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["machine"]["cpus"] >= 1
    (row,) = report["results"]
    assert row["case"] == "run-smoke" and row["draws"] == 5000
    assert row["wall_seconds"] > 0 and row["peak_memory_mb"] > 50
    assert row["draws_per_second"] == pytest.approx(5000 / row["wall_seconds"], rel=0.01)  # wall is rounded


def test_a_command_case_times_the_whole_process(monkeypatch):
    from portfolio.runs.bench import _measure_command

    monkeypatch.chdir(REPO)
    out = _measure_command("scenarios/chuxiong/baseline.yaml", {"command": ["validate", "{scenario}"]})
    assert out["simulate_seconds"] > 0 and out["peak_memory_mb"] > 20
    with pytest.raises(RuntimeError, match="portfolio validate"):
        _measure_command("no-such-file.yaml", {"command": ["validate", "{scenario}"]})


def test_peak_memory_is_none_without_the_resource_module(monkeypatch):
    import sys

    from portfolio.runs.bench import _peak_mb

    assert _peak_mb() > 0
    monkeypatch.setitem(sys.modules, "resource", None)      # as on Windows: the import fails
    assert _peak_mb() is None
