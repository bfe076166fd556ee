"""Every shell command and every Python example of the README runs, as a new user would type it, in a
fresh working folder; so does the tutorial notebook (docs/tutorial.md).

The blocks run in order (later ones use the folders earlier ones write), from a copy of the repository's
``scenarios/`` folder, with the installed ``portfolio`` command. To keep the suite fast the number of
draws is cut (``--draws``, ``-N``, ``draws:`` of the copied sweep files) and ``portfolio run`` draws no
charts (``portfolio chart`` and the report draw them, and tests/outputs checks them); nothing else is
changed (``portfolio robust`` searches fewer settings). The install and test commands are what
CI itself runs, and a few lines name things that cannot exist here (a cluster's address, a
placeholder file name): those are listed in SKIP with the reason, so nothing is skipped silently.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
SKIP = {
    "python3 -m venv": "the install and test commands are what .ci/run itself runs",
    "--scheduler tcp://host:8786": "names an existing Dask cluster (tests/runs/test_executors.py starts one)",
    "SWEEP.yaml --resume": "a placeholder folder name (resuming is tested in tests/runs/test_sweep.py)",
    "portfolio bench --case": "the full benchmark takes about 8 minutes (tests/runs/test_bench.py runs its "
                              "smoke version and a whole-command case)",
}
DRAWS = "600"


def readme_commands() -> list[str]:
    """The shell commands of the README's ```bash blocks, continuation lines joined, comments cut."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def fast(command: str) -> str:
    """The command with fewer draws (the only change made)."""
    command = re.sub(r"--draws \d+", f"--draws {DRAWS}", command)
    if re.search(r"portfolio run ", command):
        command = re.sub(r"(portfolio run [^|;&]*?)(\s*(\||&&|;|$))", r"\1 --no-charts\2", command, count=1)
    if re.search(r"portfolio (run|compare|goal-seek|backtest) ", command) and "--draws" not in command:
        command = re.sub(r"(portfolio (run|compare|goal-seek|backtest) [^|;&]*?)(\s*(\||&&|;|$))",
                         rf"\1 --draws {DRAWS}\3", command, count=1)
    if "--method sobol" in command:
        command = re.sub(r"-N \d+", "-N 64", command) if "-N " in command else command + " -N 64"
    if "--method morris" in command and "-N " not in command:
        command += " -N 6"
    if "--method efast" in command and "-N " not in command:
        command += " -N 72"
    if command.startswith("portfolio robust ") and "--trials" not in command:
        command += f" --trials 6 --draws {DRAWS}"
    if "--outcome probability" in command and "-N " not in command:
        command += " -N 512"
    return command


def test_the_readme_has_commands_to_run():
    commands = readme_commands()
    assert len(commands) >= 25 and any(c.startswith("portfolio run") for c in commands)


def test_every_readme_command_runs(tmp_path):
    _work_folder(tmp_path)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               MPLBACKEND="Agg")
    ran, skipped = [], []
    for command in readme_commands():
        reason = next((why for key, why in SKIP.items() if key in command), None)
        if reason:
            skipped.append(command)
            continue
        command = fast(command.replace(".venv/bin/portfolio", "portfolio"))
        began = time.perf_counter()
        done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        print(f"{time.perf_counter() - began:6.1f} s  {command}")
        assert done.returncode == 0, f"README command failed ({done.returncode}): {command}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, command
        ran.append(command)
    unused = [key for key in SKIP if not any(key in c for c in skipped)]
    assert not unused, f"SKIP entries that match nothing in the README any more: {unused}"
    assert ran


# ------------------------------------------------------------------------------------------ Python examples
PYTHON_SKIP = {"tcp://host:8786": "names an existing Dask cluster (tests/runs/test_executors.py starts one and "
                                   "runs simulate, compare and sensitivity on it)"}


def readme_python() -> list[str]:
    """The README's ```python blocks, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def fast_python(code: str) -> str:
    """The example with fewer draws and ``portfolio.run`` drawing no charts (the only changes made)."""
    code = re.sub(r"draws=[\d_]+", f"draws={DRAWS}", code)
    return re.sub(r"(portfolio\.run\([^\n]*?)\)(\s*(#.*)?)$", rf"\1, draws={DRAWS}, charts=False)\2", code, flags=re.M)


def _work_folder(tmp_path: Path) -> Path:
    """A fresh folder with a copy of scenarios/, its sweep files cut to DRAWS draws."""
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    for sweep in (tmp_path / "scenarios").rglob("sweeps/*.yaml"):
        sweep.write_text(re.sub(r"^draws: \d+", f"draws: {DRAWS}", sweep.read_text(encoding="utf-8"), flags=re.M),
                         encoding="utf-8")
    return tmp_path


def test_every_readme_python_example_runs(tmp_path):
    blocks = readme_python()
    assert len(blocks) >= 2 and any("portfolio.open_run" in b for b in blocks)
    work = _work_folder(tmp_path)
    env = dict(os.environ, MPLBACKEND="Agg")
    ran, skipped = 0, []
    for k, code in enumerate(blocks):
        live = re.sub(r"#.*", "", code)                                # a comment may name anything
        reason = next((why for key, why in PYTHON_SKIP.items() if key in live), None)
        if reason:
            skipped.append(code)
            continue
        script = work / f"readme_example_{k}.py"
        script.write_text(fast_python(code), encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"README Python example {k + 1} failed:\n{code}\n{done.stderr[-3000:]}"
        ran += 1
    assert ran and all(any(key in c for c in skipped) for key in PYTHON_SKIP), "a PYTHON_SKIP entry matches nothing"

# ------------------------------------------------------------------------------------------ the tutorial
TUTORIAL_DRAWS = "300"


def test_the_tutorial_notebook_runs(tmp_path, monkeypatch):
    """docs/tutorial.md (jupytext Markdown) built into a notebook and executed cell by cell in a Python 3
    kernel of this interpreter, in a fresh folder with a copy of ``scenarios/``, on a few hundred draws;
    a cell that raises fails the test with the cell and its error."""
    import json

    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(REPO / "docs" / "tutorial.md")
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert sum(cell.cell_type == "code" for cell in notebook.cells) >= 15
    # the kernel "python3" resolves to this interpreter (not whichever Python a system-wide spec names)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PORTFOLIO_TUTORIAL_DRAWS", TUTORIAL_DRAWS)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    work = tmp_path / "work"
    shutil.copytree(REPO / "scenarios", work / "scenarios")
    client = NotebookClient(notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
    except CellExecutionError as error:
        raise AssertionError(f"a cell of docs/tutorial.md failed:\n{error}") from None
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)           # the objects' HTML views
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3       # the fan, the tornado, the re-forecast
    assert (work / "outputs" / "tutorial" / "sweep" / "results.csv").is_file()
