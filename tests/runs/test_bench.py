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
