"""The command line: version, help, schema, init, show, and the shipped scenario pack."""
import json
import re

import pytest
import yaml

import portfolio
from tests.conftest import CHUXIONG


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert portfolio.__version__ in result.output


def test_help_lists_every_command_with_a_description(cli):
    from portfolio.cli import main

    result = cli("--help")
    assert result.exit_code == 0
    for name, command in main.commands.items():
        assert re.search(rf"^\s+{re.escape(name)}\s+\S", result.output, re.M), name
        assert (command.epilog or "").startswith("Example: portfolio "), f"{name} has no example"
        assert cli(name, "--help").output.count("Example: portfolio") == 1


def test_schema_is_json_schema_that_accepts_the_minimal_scenario(cli, minimal):
    jsonschema = pytest.importorskip("jsonschema")
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "portfolio scenario"
    assert {"meta", "targets", "economy", "projects", "energy", "uncertainty", "simulation",
            "extends", "register"} <= set(schema["properties"])
    jsonschema.validate(yaml.safe_load(minimal.read_text(encoding="utf-8")), schema)


def test_init_scaffold_validates_as_generated(cli, tmp_path):
    target = tmp_path / "new-region"
    result = cli("init", target)
    assert result.exit_code == 0, result.output
    assert (target / "scenario.yaml").read_text(encoding="utf-8").count("#") > 10  # it is commented
    assert cli("validate", target / "scenario.yaml").exit_code == 0
    again = cli("init", target)
    assert again.exit_code == 2 and "not empty" in again.output


def test_show_output_is_a_valid_standalone_scenario(cli, minimal, tmp_path):
    result = cli("show", minimal, "--set", "projects.park.capex=44")
    assert result.exit_code == 0
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(result.output, encoding="utf-8")
    assert cli("validate", resolved).exit_code == 0
    assert yaml.safe_load(result.output)["projects"][0]["capex"] == 44


def test_show_explain_names_the_origin_of_each_value(cli, minimal):
    result = cli("show", minimal, "--explain", "--set", "economy.tfp_growth=0.01")
    assert result.exit_code == 0
    assert re.search(r"capex: 30 亿元  # .*scenario\.yaml:26", result.output), result.output
    assert "tfp_growth: 0.01  # --set" in result.output


SHIPPED = sorted(p for p in CHUXIONG.glob("*.yaml") if not p.name.startswith("sweep-"))  # sweep files are not scenarios


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_validates(cli, path):
    assert len(SHIPPED) >= 8  # the baseline and its seven variants
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK ")


def test_the_readme_scenario_example_validates(cli, tmp_path):
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## The scenario format, by example")[1].split("```yaml")[1].split("```")[0]
    block = "\n".join(line for line in block.splitlines() if not line.startswith("register:"))
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    result = cli("validate", path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("encoding", ["cp1252", "gbk", "ascii"])
def test_no_command_fails_on_the_consoles_encoding(tmp_path, encoding):
    """A Windows console (cp1252), a GBK redirect or plain ASCII: the summary prints with ASCII stand-ins
    ("≥" as ">="), and --json stays valid, exact JSON (non-ASCII escaped)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING=encoding)
    shown_as = "utf-8" if encoding == "ascii" else encoding     # click writes UTF-8 to an ASCII stream

    def portfolio_cli(*args):
        return subprocess.run([sys.executable, "-m", "portfolio.cli", *map(str, args)], capture_output=True,
                              env=env)

    common = ["run", CHUXIONG / "baseline.yaml", "--draws", "600", "--no-charts", "--force"]
    text = portfolio_cli(*common, "--out", tmp_path / "a")
    assert text.returncode == 0, text.stderr.decode(encoding, "replace")
    shown = text.stdout.decode(shown_as)
    assert "Targets" in shown and ("≥" in shown or ">= 10.0%" in shown)
    as_json = portfolio_cli(*common, "--out", tmp_path / "b", "--json")
    assert as_json.returncode == 0, as_json.stderr.decode(encoding, "replace")
    summary = json.loads(as_json.stdout.decode(shown_as))
    assert summary["title"]["zh"].startswith("楚雄州")                 # exact, through \\u escapes if needed
    assert portfolio_cli("schema").returncode == 0


def test_validate_counts_in_the_singular_and_the_plural(cli, minimal):
    text = cli("validate", minimal).output
    n = len(portfolio.load_scenario(minimal).targets)
    assert (f"{n} target," if n == 1 else f"{n} targets,") in text and " 1 targets" not in text
    assert " 1 projects" not in cli("validate", CHUXIONG / "baseline.yaml").output


@pytest.mark.parametrize("signal_name, code, message", [("interrupt", 130, "interrupted."),
                                                        ("terminate", 143, "terminated.")])
def test_a_signal_inside_compiled_code_is_an_interruption_not_an_internal_error(signal_name, code, message):
    """A Ctrl-C (or SIGTERM) that arrives while a numba kernel runs comes back wrapped, as Python's
    ``SystemError: … returned a result with an exception set`` caused by the KeyboardInterrupt: the command
    still says it was interrupted and exits as for a plain Ctrl-C, with no 'internal error'."""
    import click
    from click.testing import CliRunner

    from portfolio.cli.common import EXIT_TERMINATED, Terminated, friendly

    stop = KeyboardInterrupt() if signal_name == "interrupt" else Terminated()

    @click.command()
    @friendly
    def kernel():
        try:
            raise stop
        except KeyboardInterrupt as exc:
            raise SystemError("CPUDispatcher(<function k>) returned a result with an exception set") from exc

    result = CliRunner().invoke(kernel, [])
    assert result.exit_code == (130 if signal_name == "interrupt" else EXIT_TERMINATED) == code
    assert message in result.output and "internal error" not in result.output


def test_the_console_command_exits_quickly_with_mains_status_and_all_its_output(tmp_path):
    """``python -m portfolio.cli`` ends the process right after ``main`` (no slow interpreter shutdown):
    the exit status is main's, piped output is complete (flushed), and problems still reach stderr."""
    import subprocess
    import sys

    from tests.conftest import REPO

    schema = subprocess.run([sys.executable, "-m", "portfolio.cli", "schema"], capture_output=True, text=True,
                            cwd=REPO)
    assert schema.returncode == 0
    assert json.loads(schema.stdout)["title"]                      # the whole JSON document arrived
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: {name: x}\n", encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "portfolio.cli", "validate", str(bad)], capture_output=True,
                            text=True, cwd=REPO)
    assert failed.returncode == 2 and "problem" in failed.stderr
    unknown = subprocess.run([sys.executable, "-m", "portfolio.cli", "no-such-command"], capture_output=True,
                             text=True, cwd=REPO)
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
