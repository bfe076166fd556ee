"""Property-based fuzzing of the scenario loader, registers and the CLI.

Random mutations of a valid scenario (types, missing and extra keys, extreme and non-finite numbers,
Unicode, deep nesting, huge lists) and of a valid register must end in either a valid scenario (which
then runs) or a clean validation error: an InputError whose every problem names a file (and the CLI
exits 2 with `error: FILE...` lines and no traceback). Never any other exception.
"""
import copy
import csv
import io
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio import InputError

from portfolio import load_scenario
from tests.conftest import MINIMAL

BASE = yaml.safe_load(MINIMAL)
FUZZ = settings(max_examples=1500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["1e308 亿元", "-0", "nan", "inf", "10%", "pert(1, 2, 3)", "pert(3, 2, 1)", "normal(0, -1)",
                     "30 MW", "万千瓦", "ref(rail)", "2021-13-45", "２０２２", "🙂", "\u202e", "a" * 500,
                     "lognormal(p50=2, p80=1)", "uniform(5, 5)", "discrete()", "bernoulli(1.5)"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutated(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "extra", "nest", "huge"]))
            if action == "replace":
                parent[key] = draw(values)
            elif action == "delete":
                del parent[key]
            elif action == "extra" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=10))] = draw(values)
            elif action == "nest":
                deep = draw(scalars)
                for _ in range(draw(st.integers(1, 80))):
                    deep = {"x": deep}
                parent[key] = deep
            elif action == "huge":
                parent[key] = [draw(scalars)] * draw(st.integers(100, 5000))
        except (KeyError, IndexError, TypeError):
            continue
    return data


def _dump(data) -> str | None:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, TypeError):
        return None


@FUZZ
@given(mutated())
def test_mutated_scenarios_load_or_fail_cleanly(tmp_path_factory, data):
    text = _dump(data)
    if text is None:
        return
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and str(problem).startswith(problem.file)
            assert len(problem.message) < 600                      # quotes at most the offending value
        return
    from portfolio.runs.simulate import simulate

    result = simulate(scenario, draws=40, seed=1)                  # a valid scenario runs
    assert len(result.draws()) == 40


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["capex", "planned_start", "build_years", "kind", "id",
                                           "depends_on", "cancel_probability", "name_zh"]), scalars),
                min_size=1, max_size=4))
def test_mutated_registers_load_or_fail_cleanly(tmp_path_factory, edits):
    row = {"id": "park", "name_zh": "园", "name_en": "Park", "kind": "industry", "source": "x",
           "planned_start": "2022", "build_years": "2", "capex": "10", "depends_on": "", "cancel_probability": "0"}
    for column, value in edits:
        row[column] = "" if value is None else str(value)
    folder = tmp_path_factory.mktemp("reg")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    (folder / "projects.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (folder / "s.yaml").write_text(MINIMAL.split("projects:")[0] + "register: projects.csv\n", encoding="utf-8")
    try:
        load_scenario(folder / "s.yaml")
    except InputError as exc:
        assert all(p.file for p in exc.problems)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutated())
def test_the_cli_never_shows_a_traceback(tmp_path_factory, data):
    from click.testing import CliRunner

    from portfolio.cli import main

    text = _dump(data)
    if text is None:
        return
    path = tmp_path_factory.mktemp("cli") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        problems = [line for line in result.output.splitlines() if line.startswith("error: ")]
        assert problems and all(re.match(r"error: \S*s\.yaml(:\d+)?: ", line) for line in problems), result.output
