"""Reliability: killed runs, Ctrl-C, disk full, read-only folders, extreme parameters, hostile files.

Each guarantee in README's "Reliability" section is checked here (or in the test it names).
"""
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CHUXIONG, MINIMAL

RUN = [sys.executable, "-m", "portfolio.cli", "run"]


def _complete(folder: Path) -> bool:
    return all((folder / f).is_file() for f in ("manifest.json", "summary.json", "draws.parquet")) and \
        not (folder / "INCOMPLETE").exists()


def _staging(parent: Path, name: str) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(f".{name}.incomplete-")]


def _wait_for_start(parent: Path, name: str, proc, timeout: float = 60.0) -> None:
    """Wait until the run has loaded its scenario and created its staging folder."""
    deadline = time.monotonic() + timeout
    while not _staging(parent, name) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("trial", range(4))
def test_a_run_killed_at_a_random_moment_never_leaves_a_folder_that_looks_complete(tmp_path, trial):
    out = tmp_path / "run"
    proc = subprocess.Popen(RUN + [str(CHUXIONG / "baseline.yaml"), "--draws", "40000", "--out", str(out),
                                   "--no-charts", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_start(tmp_path, "run", proc)
    time.sleep(random.Random(trial).uniform(0.0, 3.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    if out.exists():
        assert _complete(out), sorted(p.name for p in out.iterdir())
    for stage in _staging(tmp_path, "run"):
        assert (stage / "INCOMPLETE").is_file()      # left behind by SIGKILL: hidden and clearly marked
        assert not (stage / "manifest.json").exists()


def test_ctrl_c_exits_130_with_a_message_and_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(RUN + [str(CHUXIONG / "baseline.yaml"), "--draws", "60000", "--out", str(out),
                                   "--no-charts", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _wait_for_start(tmp_path, "run", proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and _staging(tmp_path, "run") == []


@contextlib.contextmanager
def _tmpfs(path: Path, size: str, read_only: bool = False):
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_disk_full_gives_a_clear_error_and_keeps_earlier_results(tmp_path):
    with _tmpfs(tmp_path / "small", "400k") as disk:
        earlier = disk / "earlier"
        earlier.mkdir()
        (earlier / "summary.json").write_text('{"kept": true}', encoding="utf-8")
        done = subprocess.run(RUN + [str(CHUXIONG / "baseline.yaml"), "--draws", "20000", "--out",
                                     str(disk / "new"), "--no-charts", "--quiet"], capture_output=True, text=True)
        assert done.returncode != 0
        assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
        assert not (disk / "new").exists() and _staging(disk, "new") == []
        assert (earlier / "summary.json").read_text(encoding="utf-8") == '{"kept": true}'


def test_a_read_only_output_folder_is_a_clear_error(tmp_path):
    with _tmpfs(tmp_path / "ro", "64k", read_only=True) as disk:
        done = subprocess.run(RUN + [str(CHUXIONG / "baseline.yaml"), "--draws", "200", "--out",
                                     str(disk / "new"), "--no-charts", "--quiet"], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert "cannot" in done.stderr and "Traceback" not in done.stderr


def test_an_impossible_request_is_refused_before_anything_runs(cli, tmp_path):
    out = tmp_path / "huge"
    result = cli("run", CHUXIONG / "baseline.yaml", "--draws", 1_000_000_000, "--out", out, "--quiet")
    assert result.exit_code == 2
    assert "GiB" in result.output and "use at most about" in result.output
    assert not out.exists() and _staging(tmp_path, "huge") == []


@pytest.mark.parametrize("change", [
    ("  depreciation: 0.06\n", "  depreciation: 1.0\n"),                       # δ = 1
    ("  capital_share: 0.5\n", "  capital_share: 0.999\n"),                    # α near 1
    ("  investment_rate: 0.35\n", "  investment_rate: 0.0\n  investment_rate_change: -0.2\n"),
    ("  tfp_growth: 0.015\n", "  tfp_growth: -0.5\n"),                          # collapse of TFP
])
def test_extreme_but_valid_parameters_never_crash(write, change):
    from portfolio.runs.simulate import simulate

    text = MINIMAL.replace(*change) + ("uncertainty:\n  shocks:\n"
                                       "    - {name: crash, year: 2022, probability: 0.5, impact: -90%}\n")
    result = simulate(write("extreme.yaml", text), draws=300, seed=1)
    summary = result.summary()
    assert 0 <= summary["invalid_draws"] <= 300
    for target in summary["targets"]:
        p = target["probability"]
        assert p != p or 0 <= p <= 1                                          # NaN only if no valid draw
    assert len(result.draws()) == 300                                        # nothing silently dropped


def test_invalid_draws_are_reported_in_the_summary_text(write, cli, tmp_path):
    text = MINIMAL.replace("  depreciation: 0.06\n", "  depreciation: 1.0\n").replace(
        "  investment_rate: 0.35\n", "  investment_rate: uniform(0, 0.02)\n")
    result = cli("run", write("collapse.yaml", text), "--draws", 200, "--out", tmp_path / "r", "--no-charts")
    assert result.exit_code == 0, result.output
    assert "Invalid draws: " in result.output


def test_xlsx_formulas_are_never_evaluated(write, tmp_path, cli):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name_zh", "name_en", "kind", "source", "planned_start", "build_years", "capex"])
    sheet.append(["park", "园", "Park", "industry", "x", 2022, 2, "=10*2"])   # a formula, no cached value
    book.save(tmp_path / "projects.xlsx")
    text = MINIMAL.split("projects:")[0] + "register: projects.xlsx\n"
    result = cli("validate", write("s.yaml", text))
    assert result.exit_code == 2
    assert "projects.park.capex" in result.output and "20" not in result.output.split("capex")[1][:40]


def test_a_zip_bomb_register_is_refused(write, tmp_path, cli):
    path = tmp_path / "projects.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (150 * 2**20))
    assert path.stat().st_size < 2**20
    text = MINIMAL.split("projects:")[0] + "register: projects.xlsx\n"
    result = cli("validate", write("s.yaml", text))
    assert result.exit_code == 2
    assert "unpacks to" in result.output


def test_an_oversized_scenario_file_is_refused(tmp_path, cli):
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "#" + "x" * (6 * 2**20) + "\n", encoding="utf-8")
    result = cli("validate", path)
    assert result.exit_code == 2 and "limited to" in result.output


def test_rerun_reproduces_bit_for_bit_and_names_a_changed_input(write, cli, tmp_path):
    scenario = write("s.yaml", MINIMAL.replace("tfp_growth: 0.015", "tfp_growth: normal(0.015, 0.004)"))
    out = tmp_path / "run"
    assert cli("run", scenario, "--draws", 500, "--out", out, "--no-charts", "--quiet").exit_code == 0
    again = cli("rerun", out)
    assert again.exit_code == 0 and "reproduced bit for bit" in again.output
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("0.004", "0.005"), encoding="utf-8")
    changed = cli("rerun", out)
    assert changed.exit_code == 1
    assert "input file changed: " in changed.output and "s.yaml" in changed.output
    forced = cli("rerun", out, "--from-manifest")                 # the manifest holds the resolved scenario
    assert forced.exit_code == 1 and "input file changed" in forced.output
    assert not [line for line in forced.output.splitlines() if line.startswith("differs:")]


def test_rerun_refuses_an_incomplete_folder(tmp_path, cli):
    folder = tmp_path / ".r.incomplete-1"
    folder.mkdir()
    (folder / "INCOMPLETE").write_text("x", encoding="utf-8")
    result = cli("rerun", folder)
    assert result.exit_code == 2 and "did not finish" in result.output


def test_error_messages_never_echo_file_contents(write, cli):
    secret = "SECRET-" + "y" * 300
    text = MINIMAL.replace("  base_year: 2020\n", f"  base_year: [{secret}]\n")
    result = cli("validate", write("s.yaml", text))
    assert result.exit_code == 2
    assert secret not in result.output and "human_capital_growth" not in result.output


def test_environment_is_left_alone():
    assert os.environ.get("PORTFOLIO_DEBUG") in (None, "")
