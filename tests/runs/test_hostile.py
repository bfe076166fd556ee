"""Hostile inputs, round two: nothing leaked, nothing deleted, nothing silently ignored.

Each guarantee in README's "Reliability" section that is not checked in ``test_reliability.py`` is
checked here (or in the test it names).
"""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import MINIMAL

HOSTILE = {
    "park": '=HYPERLINK("http://example.invalid/x","click")',
    "plant": "=cmd|' /C calc'!A0",
}
MARKUP = "<img src=x onerror=alert(1)>"


def _hostile_scenario(write) -> Path:
    text = MINIMAL.replace("{zh: 产业园, en: Industrial park}", "{zh: '%s', en: '%s'}" % (
        HOSTILE["park"].replace("'", "''"), MARKUP))
    text = text.replace("{zh: 工厂, en: Plant}", "{zh: \"%s\", en: '@SUM(1+1)*cmd'}" % HOSTILE["plant"])
    text = text.replace('source: "assumption: test"', 'source: "+1+cmd|x"', 1)
    return write("hostile.yaml", text)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from click.testing import CliRunner

    from portfolio.cli import main

    folder = tmp_path_factory.mktemp("hostile")
    scenario = folder / "hostile.yaml"
    _hostile_scenario(lambda name, text: (scenario.write_text(text, encoding="utf-8"), scenario)[1])
    result = CliRunner().invoke(main, ["run", str(scenario), "--draws", "200", "--no-charts",
                                       "--out", str(folder / "run")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder / "run"


def _formula_like(text: str) -> bool:
    from portfolio.scenario.cells import formula_like

    return formula_like(text)


def test_no_output_file_holds_a_live_formula_or_raw_markup(hostile_run, cli, tmp_path):
    import openpyxl

    # CSV: no field starts with a formula prefix (negative numbers stay numbers)
    for path in hostile_run.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                assert not [c for c in row if _formula_like(c)], (path.name, row)
    # XLSX: no formula cell anywhere; the hostile text is kept as text
    out = tmp_path / "run.xlsx"
    assert cli("export", hostile_run, "--xlsx", out).exit_code == 0
    book = openpyxl.load_workbook(out)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert any(HOSTILE["park"] in t for t in texts)
    with zipfile.ZipFile(out) as archive:
        assert not [n for n in archive.namelist() if "<f>" in archive.read(n).decode("utf-8", "replace")]
    # Markdown and HTML: markup escaped, table cells neutralised
    for fmt in ("md", "html"):
        report = tmp_path / f"report.{fmt}"
        result = cli("report", hostile_run, "--format", fmt, "--lang", "en", "--out", report)
        assert result.exit_code == 0, result.output
        text = report.read_text(encoding="utf-8")
        assert "<img src=x" not in text
        assert "onerror" in text                       # kept, as text
    # the project table of the Markdown report: no cell starts with a formula prefix
    for line in (tmp_path / "report.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            assert not [c for c in cells if _formula_like(c)], line
    docx = tmp_path / "report.docx"
    assert cli("report", hostile_run, "--format", "docx", "--out", docx).exit_code == 0
    import docx as python_docx

    document = python_docx.Document(str(docx))
    for table in document.tables:
        for row in table.rows:
            assert not [c.text for c in row.cells if _formula_like(c.text)]


def test_a_hostile_run_folder_reads_back_with_its_own_names(hostile_run):
    from portfolio.outputs.folders import RunFolder

    names = set(RunFolder(hostile_run).table("projects")["name_zh"])
    assert HOSTILE["park"] in names and HOSTILE["plant"] in names


def test_the_scenario_workbook_stores_formula_like_text_as_text_and_reads_it_back(write, tmp_path):
    import openpyxl

    from portfolio.scenario.loading import load_scenario
    from portfolio.scenario.workbook import write_workbook

    original = load_scenario(_hostile_scenario(write))
    book = write_workbook(original, tmp_path / "s.xlsx")
    for sheet in openpyxl.load_workbook(book).worksheets:
        for row in sheet.iter_rows():
            assert not [c.coordinate for c in row if c.data_type == "f"]
    assert load_scenario(book).model_dump() == original.model_dump()


@pytest.mark.parametrize("text, risky", [("=1+1", True), ("+cmd", True), ("-cmd|x", True), ("@SUM(A1)", True),
                                         ("\tx", True), ("\rx", True), ("-0.5", False), ("+3", False),
                                         ("-2.5 pp/yr", False), ("-1+A1", True), ("plain", False), ("", False)])
def test_formula_prefixes_are_told_from_signed_numbers(text, risky):
    from portfolio.scenario.cells import formula_like, neutral, original

    assert formula_like(text) is risky
    assert (neutral(text) != text) is risky
    assert original(neutral(text)) == text
    assert original(neutral("'" + text)) == "'" + text
    assert neutral(-3) == -3


SECRET = "zq_user: $6$not-a-real-hash\nzq_daemon: x-secret-token\napi_key: s3cr3t-value\n"


def test_a_file_that_is_not_a_scenario_is_described_never_quoted(write, cli):
    secret = write("secret.txt", SECRET)
    for scenario in (write("s.yaml", f"extends: {secret.name}\n"), secret):
        result = cli("validate", scenario)
        assert result.exit_code == 2
        for word in ("zq_user", "zq_daemon", "api_key", "s3cr3t", "not-a-real-hash"):
            assert word not in result.output, result.output
        assert "not a scenario file" in result.output


def test_a_register_that_is_not_a_register_is_described_never_quoted(write, cli):
    write("secret.csv", "password,api_token\nhunter2,xyz\n")
    (write("x", "").parent / "link.csv").symlink_to("secret.csv")
    scenario = write("s.yaml", MINIMAL + "register: link.csv\n")
    result = cli("validate", scenario)
    assert result.exit_code == 2
    for word in ("password", "api_token", "hunter2"):
        assert word not in result.output, result.output
    assert "not a table of this kind" in result.output


def test_force_never_deletes_an_input_or_a_folder_the_tool_did_not_make(write, cli, tmp_path, monkeypatch):
    scenario = write("proj/s.yaml", MINIMAL)
    (scenario.parent / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for out in (scenario.parent, tmp_path, Path(".")):          # the input's folder, an ancestor, "$PWD"
        result = cli("run", scenario, "--draws", 20, "--no-charts", "--quiet", "--out", out, "--force")
        assert result.exit_code == 2, result.output
        assert scenario.is_file() and (scenario.parent / "notes.txt").is_file()
    assert "input of this command" in result.output
    stranger = write("other/keep.txt", "mine")                   # a folder of someone else's
    result = cli("run", scenario, "--draws", 20, "--no-charts", "--quiet", "--out", stranger.parent, "--force")
    assert result.exit_code == 2 and stranger.is_file() and "not made by portfolio" in result.output
    # a run folder the tool made, then given an input inside it: still refused
    run = tmp_path / "run"
    assert cli("run", scenario, "--draws", 20, "--no-charts", "--quiet", "--out", run).exit_code == 0
    inside = run / "edited.yaml"
    inside.write_text(MINIMAL, encoding="utf-8")
    result = cli("run", inside, "--draws", 20, "--no-charts", "--quiet", "--out", run, "--force")
    assert result.exit_code == 2 and inside.is_file(), result.output
    assert "input" in result.output
    # and a folder the tool made is replaced
    inside.unlink()
    assert cli("run", scenario, "--draws", 20, "--no-charts", "--quiet", "--out", run, "--force").exit_code == 0
    # a folder the tool made, inside an input folder of the command, is refused too
    from portfolio.outputs.folders import OutputError, check_destination

    with pytest.raises(OutputError, match="input"):
        check_destination(run / "sub", True, inputs=[run])


@pytest.fixture
def listeners():
    """Two listeners on loopback that are not Dask schedulers: one that accepts and never answers, and
    an HTTP server."""
    import http.server
    import socket
    import threading

    silent = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield {"silent": f"tcp://127.0.0.1:{silent.getsockname()[1]}",
           "http": f"tcp://127.0.0.1:{web.server_address[1]}",
           "tls": f"tls://127.0.0.1:{web.server_address[1]}",
           "ws": f"ws://127.0.0.1:{web.server_address[1]}"}
    web.shutdown()
    silent.close()


@pytest.mark.parametrize("kind", ["silent", "http", "tls", "ws"])
def test_a_listener_that_is_not_a_dask_scheduler_is_a_clear_error(listeners, kind):
    import threading

    pytest.importorskip("distributed")
    from portfolio.runs.executors import DaskExecutor, ExecutorError

    outcome = []

    def enter():
        try:
            with DaskExecutor(address=listeners[kind], timeout=1):
                outcome.append("entered")
        except ExecutorError as exc:
            outcome.append(exc)
        except BaseException as exc:  # noqa: BLE001 — recorded for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    thread.join(120)                       # a hang shows as no outcome (the test does not time anything)
    assert outcome and isinstance(outcome[0], ExecutorError), outcome
    assert listeners[kind] in str(outcome[0])


def _children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_worker_processes_die_with_their_parent(tmp_path, sig):
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import CHUXIONG

    proc = subprocess.Popen([sys.executable, "-m", "portfolio.cli", "run", str(CHUXIONG / "baseline.yaml"),
                             "--draws", "400000", "--workers", "2", "--no-charts", "--quiet",
                             "--out", str(tmp_path / "run")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.1)
        assert len(workers) >= 2, "the run never started its workers"
        proc.send_signal(getattr(signal, sig))
        proc.wait(60)
        deadline = time.monotonic() + 60      # a bound on waiting, not a measured time
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        err = proc.stderr.read()
        assert not [p for p in workers if _alive(p)], ("worker processes outlived their parent", err)
        if sig == "SIGTERM":
            assert proc.returncode == 143 and b"Traceback" not in err, (proc.returncode, err)
            assert not (tmp_path / "run").exists()
    finally:
        import os

        try:
            os.killpg(proc.pid, signal.SIGKILL)        # whatever the test left, ours alone
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    from click.testing import CliRunner

    from portfolio.cli import main
    from tests.conftest import CHUXIONG

    folder = tmp_path_factory.mktemp("small") / "run"
    result = CliRunner().invoke(main, ["run", str(CHUXIONG / "baseline.yaml"), "--draws", "300", "--quiet",
                                       "--out", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def test_report_and_export_on_a_full_disk_leave_no_truncated_file(small_run, tmp_path):
    import subprocess
    import sys

    from tests.runs.test_reliability import _tmpfs

    with _tmpfs(tmp_path / "full", "64k") as disk:
        (disk / "earlier.docx").write_bytes(b"earlier")
        with open(disk / "filler", "wb") as filler:      # the disk is full before anything is written
            try:
                filler.write(b"\0" * 80_000)
            except OSError:
                pass
        commands = {"report.docx": ["report", "--format", "docx"], "report.html": ["report", "--format", "html"],
                    "report.md": ["report", "--format", "md"], "earlier.docx": ["report", "--format", "docx"],
                    "run.xlsx": ["export", "--xlsx"]}
        for name, words in commands.items():
            target = disk / name
            args = [words[0], str(small_run), *words[1:]] + ([str(target)] if words[0] == "export"
                                                             else ["--out", str(target)])
            done = subprocess.run([sys.executable, "-m", "portfolio.cli", *args], capture_output=True, text=True)
            assert done.returncode == 1, (name, done.stderr)
            assert "No space left on device" in done.stderr and "Traceback" not in done.stderr, done.stderr
        from tests.conftest import CHUXIONG

        done = subprocess.run([sys.executable, "-m", "portfolio.cli", "workbook", str(CHUXIONG / "baseline.yaml"),
                               "--out", str(disk / "scenario.xlsx")], capture_output=True, text=True)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert (disk / "earlier.docx").read_bytes() == b"earlier"              # an earlier file kept whole
        assert sorted(p.name for p in disk.iterdir() if p.name != "filler") == ["earlier.docx"]


def test_a_chart_that_fails_half_way_leaves_the_earlier_file_whole(tmp_path):
    from portfolio.outputs import style

    class HalfFigure:
        def savefig(self, target, **options):
            with open(target, "wb") as handle:
                handle.write(b"trunc")
            raise OSError(28, "No space left on device")

    path = tmp_path / "growth_fan.png"
    path.write_bytes(b"earlier chart")
    with pytest.raises(OSError):
        style.save(HalfFigure(), path, "png")
    assert path.read_bytes() == b"earlier chart"
    assert [p.name for p in tmp_path.iterdir()] == ["growth_fan.png"]


def test_two_runs_to_one_out_folder_one_wins_and_the_other_is_told(tmp_path):
    import subprocess
    import sys

    from tests.conftest import CHUXIONG

    out = tmp_path / "run"
    command = [sys.executable, "-m", "portfolio.cli", "run", str(CHUXIONG / "baseline.yaml"), "--draws", "3000",
               "--no-charts", "--quiet", "--out", str(out)]
    procs = [subprocess.Popen(command + ["--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for seed in (1, 2)]
    outcomes = [(p.wait(300), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in outcomes) == [0, 2], outcomes
    loser = next(err for code, err in outcomes if code == 2)
    assert str(out) in loser and "Traceback" not in loser
    winner_seed = 1 + [code for code, _ in outcomes].index(0)
    import json

    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == winner_seed


def test_a_folder_written_meanwhile_is_never_replaced_without_force(tmp_path):
    from portfolio.outputs.folders import OutputError, StagedFolder

    out = tmp_path / "out"
    first = StagedFolder(out)
    with pytest.raises(OutputError, match="another"):
        with first as stage:
            (stage / "a.json").write_text("{}", encoding="utf-8")
            with StagedFolder(out) as _:                  # a second writer of the same folder meanwhile
                pass
    second = StagedFolder(out)
    with pytest.raises(OutputError, match="meanwhile"):
        with second as stage:
            (stage / "mine.txt").write_text("mine", encoding="utf-8")
            out.mkdir()
            (out / "theirs.txt").write_text("theirs", encoding="utf-8")   # another command finished first
    assert [p.name for p in out.iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]                   # no staging or lock left


HUGE = "9" * 400


@pytest.mark.parametrize("edit", [
    ("capital_output_ratio: 3.0", f"capital_output_ratio: {HUGE}"),
    ("build_years: 3", f"build_years: {HUGE}"),
    ("planned_start: 2022", f"planned_start: {HUGE}"),
    ("base_year: 2020", f"base_year: {HUGE}"),
    ("horizon: 2030", f"horizon: -{HUGE}"),
    ("capex: 30 亿元", f"capex: {HUGE} 亿元"),
    ("threshold: 6%", f"threshold: {HUGE}%"),
    ("planned_start: 2022", "planned_start: 2022-02-30"),
], ids=["ratio", "build_years", "start", "base_year", "horizon", "capex", "threshold", "bad_date"])
def test_impossible_numbers_and_dates_are_clean_errors(write, cli, edit):
    result = cli("validate", write("s.yaml", MINIMAL.replace(*edit)))
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert all(len(line) <= 520 for line in result.output.splitlines())


@pytest.mark.parametrize("value", ["2022-02-30", HUGE, "2022-13-01"])
@pytest.mark.parametrize("path", ["projects.park.planned_start", "economy.capital_output_ratio",
                                  "simulation.draws", "simulation.seed"])
def test_impossible_numbers_and_dates_in_set_are_clean_errors(minimal, cli, path, value):
    result = cli("validate", minimal, "--set", f"{path}={value}")
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_a_decimal_comma_is_refused_never_misread(write, cli, minimal):
    yaml_file = write("c.yaml", MINIMAL.replace("capital_output_ratio: 3.0", "capital_output_ratio: '3,0'"))
    for args in ((yaml_file,), (minimal, "--set", "economy.capital_output_ratio=3,0")):
        result = cli("validate", *args)
        assert result.exit_code == 2 and "comma" in result.output, result.output
    write("r.csv", "id,name_zh,name_en,kind,source,capex,planned_start,build_years\n"
                   'park,园,Park,industry,x,"1,5",2022,3\n')
    scenario = write("r.yaml", MINIMAL.split("projects:")[0] + "register: r.csv\n")
    result = cli("validate", scenario)
    assert result.exit_code == 2 and "r.csv:2" in result.output and "comma" in result.output, result.output


@pytest.mark.parametrize("path, value", [("remove_projects", "[park]"), ("register", "other.csv"),
                                         ("extends", "other.yaml"), ("remove_projects[0]", "park")])
def test_set_on_a_key_read_when_the_file_is_loaded_is_refused(minimal, cli, path, value):
    result = cli("validate", minimal, "--set", f"{path}={value}")
    assert result.exit_code == 2, result.output
    assert "--set" in result.output and path.split("[")[0] in result.output


def test_a_sweep_factor_on_a_key_read_when_the_file_is_loaded_is_refused(write, cli, minimal, tmp_path):
    sweep = write("sweep.yaml", f"name: s\nscenarios: {minimal.name}\ndraws: 20\ndesign: grid\n"
                                "factors:\n  remove_projects: [[park], [plant]]\n")
    result = cli("sweep", sweep, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2, result.output
    assert "remove_projects" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def _steps_to_load(path: Path) -> int:
    """The Python lines executed to load and validate a scenario: a measure of work that does not depend
    on the machine or its load (no timing)."""
    import sys

    from portfolio.scenario.loading import load_scenario

    count = 0

    def trace(frame, event, arg):
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        scenario = load_scenario(path)
    finally:
        sys.settrace(None)
    assert len(scenario.projects) > 0
    return count


def _many_projects(n: int) -> str:
    items = []
    for i in range(n):
        depends = f"\n    depends_on: [p{i - 1}]" if i % 3 else ""
        items.append(f"  - id: p{i}\n    name: {{zh: 项目{i}, en: Project {i}}}\n    kind: industry\n"
                     f"    source: \"assumption: test\"\n    capex: pert(5, 8, 15) 亿元\n    planned_start: 2022\n"
                     f"    build_years: 2{depends}\n")
    return MINIMAL.split("projects:")[0] + "projects:\n" + "".join(items)


def test_validation_work_grows_linearly_with_the_number_of_projects(write):
    import gc

    from portfolio.scenario.loading import load_scenario

    load_scenario(write("warm.yaml", _many_projects(3)))        # imports and first-use caches, not counted
    gc.collect()
    small = _steps_to_load(write("small.yaml", _many_projects(150)))
    large = _steps_to_load(write("large.yaml", _many_projects(600)))
    assert large / small < 4.5, (small, large)            # 4× the projects: about 4× the work, not 16×


def test_a_child_and_a_register_of_many_projects_load_whole(write):
    from portfolio.scenario.loading import load_scenario

    n = 3000
    header = "id,name_zh,name_en,kind,source,capex,planned_start,build_years\n"
    write("many.csv", header + "".join(f"r{i},项目{i},Project {i},industry,x,5,2022,2\n" for i in range(n)))
    write("parent.yaml", _many_projects(n).replace("projects:\n", "register: many.csv\nprojects:\n", 1))
    child = write("child.yaml", "extends: parent.yaml\nprojects:\n" +
                  "".join(f"  - id: p{i}\n    build_years: 3\n" for i in range(0, n, 2)))
    scenario = load_scenario(child)
    assert len(scenario.projects) == 2 * n
    assert [p.build_years for p in scenario.projects if p.id in ("p0", "p1")] == [3, 2]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_register_of_absurdly_many_rows_is_refused(write, cli, suffix):
    from portfolio.scenario.register import MAX_ROWS

    header = ["id", "name_zh", "name_en", "kind", "source", "capex", "planned_start", "build_years"]
    rows = [[f"r{i}", "园", "Park", "industry", "x", 5, 2022, 2] for i in range(MAX_ROWS + 1)]
    path = write(f"big.{suffix}", "")
    if suffix == "csv":
        path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows),
                        encoding="utf-8")
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("projects")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    result = cli("validate", write("s.yaml", MINIMAL.split("projects:")[0] + f"register: big.{suffix}\n"))
    assert result.exit_code == 2, result.output[-500:]
    assert f"big.{suffix}" in result.output and f"{MAX_ROWS:,}" in result.output


UNCERTAIN = """    uncertainty:
      correlations:
        - {between: [economy.tfp_growth, economy.investment_rate], rank: 0.3}
        - {between: [economy.investment_rate, economy.tfp_growth], rank: -0.5}
"""


def test_a_correlation_pair_given_twice_is_refused(write, cli):
    text = MINIMAL.replace("tfp_growth: 0.015", "tfp_growth: pert(0.01, 0.015, 0.02)").replace(
        "investment_rate: 0.35", "investment_rate: pert(0.3, 0.35, 0.4)")
    result = cli("validate", write("s.yaml", text + UNCERTAIN.replace("    ", "", 1).replace("\n    ", "\n")))
    assert result.exit_code == 2, result.output
    assert "twice" in result.output and "correlations" in result.output


def test_a_long_cycle_prints_a_line_within_the_cap(write, cli):
    from portfolio.problems import MAX_MESSAGE

    items = "".join(f"  - id: c{i}\n    name: C{i}\n    kind: industry\n    source: x\n    capex: 1 亿元\n"
                    f"    planned_start: 2022\n    build_years: 2\n    depends_on: [c{(i + 1) % 1000}]\n"
                    for i in range(1000))
    result = cli("validate", write("s.yaml", MINIMAL.split("projects:")[0] + "projects:\n" + items))
    assert result.exit_code == 2 and "cycle" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= MAX_MESSAGE


def test_an_out_folder_that_is_a_dangling_symlink_is_refused(minimal, cli, tmp_path):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    result = cli("run", minimal, "--draws", 20, "--no-charts", "--quiet", "--out", link)
    assert result.exit_code == 2, result.output
    assert "symlink" in result.output and "Traceback" not in result.output


def test_a_pool_that_breaks_while_calls_are_submitted_is_replaced(monkeypatch):
    """A pool breaking between two submissions: ``submit`` raises BrokenProcessPool, or RuntimeError
    ('cannot schedule new futures after shutdown') once the broken pool has begun shutting down; either
    way the calls are retried in a fresh pool and every result comes back."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from portfolio.runs import executors

    failures = [BrokenProcessPool("a child process terminated abruptly"),
                RuntimeError("cannot schedule new futures after shutdown")]
    submitted = {"n": 0}

    class BreakingPool(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            submitted["n"] += 1
            if failures and submitted["n"] % 3 == 0:
                self._broken = "broken in the test"
                raise failures.pop(0)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", BreakingPool)
    with executors.LocalExecutor(2) as pool:
        got = dict(pool.map_unordered(_double, range(10)))
    assert got == {x: 2 * x for x in range(10)} and not failures


def _double(x):
    return 2 * x


@pytest.mark.parametrize("args", [
    ["goal-seek", "{s}", "--lever", "economy.tfp_growth", "--probability", "0.5", "--draws", "1000000000"],
    ["sensitivity", "{s}", "--method", "sobol", "-N", str(2 ** 30), "--params",
     "economy.tfp_growth", "--params", "economy.investment_rate", "--out", "{out}"],
    ["sensitivity", "{s}", "--method", "morris", "-N", str(2 ** 28), "--params",
     "economy.tfp_growth", "--params", "economy.investment_rate", "--out", "{out}"],
], ids=["goal-seek", "sobol", "morris"])
def test_an_impossible_design_or_draw_count_is_refused_like_run(args, cli, tmp_path):
    from tests.conftest import CHUXIONG

    words = [a.format(s=CHUXIONG / "baseline.yaml", out=tmp_path / "out") for a in args]
    result = cli(*words)
    assert result.exit_code == 2, result.output[-800:]
    assert "GiB" in result.output and "internal error" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("manifest", ["[]", "not json", '{"input_files": 3}', '{"input_files": {"a": 5}}',
                                      '{"input_files": {"a": {"path": 3, "sha256": null}}}',
                                      '{"resolved_scenario": "x", "format_version": 1}', '"text"'])
def test_a_tampered_manifest_is_a_clear_error(small_run, cli, tmp_path, manifest):
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(small_run, folder)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    for args in (["rerun", folder], ["report", folder, "--format", "md", "--out", tmp_path / "r.md"],
                 ["export", folder, "--xlsx", tmp_path / "r.xlsx"]):
        result = cli(*args)
        assert result.exit_code in (1, 2), (args[0], result.output[-600:])
        assert "internal error" not in result.output and "Traceback" not in result.output, (args[0], result.output)


@pytest.mark.parametrize("tamper", [{}, "x", [1, 2], {"case": 0, "case_id": "someone-else"}, None])
def test_a_tampered_case_file_is_run_again_on_resume(tmp_path, cli, tamper):
    import json

    from tests.runs.test_sweep import _setup

    path = _setup(tmp_path, draws=200)
    out = tmp_path / "out"
    assert cli("sweep", path, "--out", out, "--no-charts", "--quiet").exit_code == 0
    before = (out / "results.csv").read_bytes()
    case = sorted((out / "cases").glob("*.json"))[1]
    record = json.loads(case.read_text(encoding="utf-8"))
    record["row"] = tamper
    case.write_text(json.dumps(record), encoding="utf-8")
    resumed = cli("sweep", path, "--out", out, "--resume", "--no-charts", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert (out / "results.csv").read_bytes() == before


@pytest.mark.parametrize("edit", [("capex: 30 亿元", "capex: 1e308"), ("capex: 30 亿元", "capex: pert(1, 2, 1e300)"),
                                  ("output_value: 20 亿元/年", "output_value: 1e305 亿元/年")])
def test_an_absurdly_large_amount_is_refused_before_it_overflows(write, cli, edit):
    result = cli("validate", write("s.yaml", MINIMAL.replace(*edit)))
    assert result.exit_code == 2, result.output
    assert "projects.park" in result.output and "GDP" in result.output


def test_a_summary_that_disagrees_with_the_draws_is_one_clear_line(small_run, cli, tmp_path):
    import json
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(small_run, folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["targets"][0]["name"] = "renamed"
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    for args in (["report", folder, "--format", "md", "--out", tmp_path / "r.md"],
                 ["export", folder, "--xlsx", tmp_path / "r.xlsx"], ["chart", folder, "--out", tmp_path / "c"]):
        result = cli(*args)
        assert result.exit_code == 2, (args[0], result.output[-400:])
        assert len(result.output.strip().splitlines()) == 1 and "target_renamed" in result.output, result.output
