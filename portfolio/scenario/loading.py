"""Loading a scenario: read YAML, follow ``extends``, merge registers, apply ``--set``, validate.

``load_scenario(path, overrides)`` returns the typed, immutable ``Scenario``; ``resolve(path,
overrides)`` returns the merged plain data with the provenance (file, line) of every value, which
``portfolio show --explain`` prints. Every problem is reported at once as an ``InputError``.
"""
from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from portfolio.problems import InputError, Problem, clip, dotted, short
from portfolio.scenario import schema
from portfolio.scenario.register import check_columns, project_from_row, read_table
from portfolio.scenario.workbook import is_scenario_workbook, read_workbook
from portfolio.scenario.yamlio import load_yaml, parse_value

SET_SOURCE = "--set"
#: the keys a scenario file may have at its top level
TOP_LEVEL_KEYS = frozenset(schema.Scenario.model_fields) | {"extends", "register", "remove_projects"}


@dataclass
class Resolved:
    """A scenario's merged plain data, where each value came from, and the files read (label → sha256)."""

    data: dict
    provenance: dict
    files: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)  # label → resolved absolute path

    def where(self, path: tuple) -> tuple[str, int | None]:
        """(file, line) of the value at ``path``, or of its nearest located parent."""
        while True:
            if path in self.provenance:
                return self.provenance[path]
            if not path:
                return (next(iter(self.files), "?"), None)
            path = path[:-1]


def load_scenario(path: str | os.PathLike, overrides: typing.Iterable[str] | None = None) -> schema.Scenario:
    """Read, merge and validate a scenario file → the typed, immutable Scenario. Raises InputError."""
    resolved = resolve(path, overrides)
    scenario = validate(resolved)
    object.__setattr__(scenario, "_origin", resolved)
    return scenario


def from_data(data: dict, label: str = "data") -> schema.Scenario:
    """A validated Scenario from a scenario written as a dict (the resolved form: no ``extends`` or
    registers); ``label`` names it in error messages. InputError if invalid."""
    import copy

    resolved = Resolved(copy.deepcopy(data), {}, {label: ""})
    scenario = validate(resolved)
    object.__setattr__(scenario, "_origin", resolved)
    return scenario


def origin(scenario: schema.Scenario) -> Resolved | None:
    """The Resolved data a loaded scenario came from (files, hashes, provenance)."""
    return getattr(scenario, "_origin", None)


def label_for(path: Path) -> str:
    """How a file is named in messages: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------- resolving
def resolve(path: str | os.PathLike, overrides: typing.Iterable[str] | None = None) -> Resolved:
    """Merge a scenario with its parents and registers and apply overrides (no validation yet)."""
    resolved = _resolve_file(Path(path), [])
    remove = resolved.data.pop("remove_projects", None) or []
    for ident in remove:
        _remove_project(resolved, ident)
    for text in overrides or ():
        apply_override(resolved, text)
    return resolved


def _resolve_file(path: Path, chain: list[Path]) -> Resolved:
    label = label_for(path)
    if is_scenario_workbook(path):
        data, prov = read_workbook(path, label)
    else:
        data, prov = load_yaml(path, label)
    files = {label: _sha256(path)}
    paths = {label: str(path.resolve())}
    if not isinstance(data, dict):
        raise InputError([Problem(label, prov.get((), (label, 1))[1], "",
                                  f"expected a mapping of sections (meta, targets, ...), got {type(data).__name__}")])
    if data and not set(data) & TOP_LEVEL_KEYS:        # some other file: describe it, never quote it
        raise InputError([Problem(label, None, "", f"not a scenario file: none of its {len(data)} top-level keys "
                                  f"is a section of a scenario ({', '.join(sorted(TOP_LEVEL_KEYS))})")])
    problems: list[Problem] = []
    projects = _projects_by_id(data, prov, label, problems)
    _rekey_named_lists(data, prov)
    for key in ("remove_projects",):
        if key in data and not (isinstance(data[key], list) and all(isinstance(i, str) for i in data[key])):
            problems.append(Problem(label, prov[(key,)][1], key, "expected a list of project ids"))

    parent = None
    if "extends" in data:
        parent = _parent(data.pop("extends"), path, chain, label, prov, problems)

    register_rows: list[dict] = []
    register_ids: set = set()
    if "register" in data:
        entries = data.pop("register")
        entries = [entries] if isinstance(entries, str) else entries
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            problems.append(Problem(label, prov[("register",)][1], "register", "expected a file name or a list"))
            entries = []
        for entry in entries:
            rows, rprov, rfiles = _read_register(path.parent / entry, prov[("register",)], problems)
            files.update(rfiles)
            paths.update({k: str((path.parent / entry).resolve()) for k in rfiles})
            for row in rows:
                if row["id"] in register_ids:
                    problems.append(Problem(*rprov[("projects", row["id"], "id")], f"projects.{row['id']}",
                                            "duplicate project id (already in a register)"))
                    continue
                register_rows.append(row)
                register_ids.add(row["id"])
            prov.update(rprov)
    if problems:
        raise InputError(problems)

    # own projects: register rows, then inline entries merged onto them by id
    merged_projects = [dict(r) for r in register_rows]
    by_id = {p["id"]: p for p in merged_projects}
    for item in projects:
        existing = by_id.get(item["id"])
        if existing is None:
            merged_projects.append(item)
            by_id[item["id"]] = item
        else:
            _deep_merge(existing, item)
    if "projects" in data or register_rows:
        data["projects"] = merged_projects
    own = Resolved(data, prov, files, paths)
    if parent is None:
        return own
    return _merge(parent, own)


def _parent(value, path: Path, chain: list[Path], label: str, prov: dict, problems: list) -> Resolved | None:
    line = prov[("extends",)][1]
    if not isinstance(value, str) or not value:
        problems.append(Problem(label, line, "extends", "expected a file name"))
        return None
    target = (path.parent / value)
    here = path.resolve()
    if target.resolve() in chain + [here]:
        names = [label_for(p) for p in chain + [here, target.resolve()]]
        problems.append(Problem(label, line, "extends", "extends cycle: " + " → ".join(names)))
        return None
    if not target.is_file():
        problems.append(Problem(label, line, "extends", f"file not found: {clip(value)}"))
        return None
    try:
        return _resolve_file(target, chain + [here])
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _projects_by_id(data: dict, prov: dict, label: str, problems: list) -> list[dict]:
    """Check the inline project list and re-key its provenance from list index to id."""
    items = data.get("projects")
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem(label, prov[("projects",)][1], "projects", "expected a list of projects"))
        data.pop("projects")
        return []
    seen: dict = {}
    result = []
    located: dict = {}                     # list index → its provenance keys (one pass: linear in the file)
    for key in prov:
        if len(key) >= 2 and key[0] == "projects" and isinstance(key[1], int):
            located.setdefault(key[1], []).append(key)
    for i, item in enumerate(items):
        line = prov.get(("projects", i), (label, None))[1]
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Problem(label, line, f"projects[{i}]", "expected a mapping with an 'id'"))
            continue
        ident = item["id"]
        if ident in seen:
            problems.append(Problem(label, line, f"projects.{ident}",
                                    f"duplicate project id (first on line {seen[ident]})"))
            continue
        seen[ident] = line
        result.append(item)
        for key in located.get(i, ()):
            prov[("projects", ident) + key[2:]] = prov.pop(key)
    return result


def _rekey_named_lists(data: dict, prov: dict) -> None:
    """Provenance of targets, drivers and shocks keyed by their names rather than list positions."""
    for list_path, name_key in schema.NAMED_LISTS.items():
        if list_path == ("projects",):
            continue
        node: object = data
        for part in list_path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, list):
            continue
        names = [item.get(name_key) if isinstance(item, dict) else None for item in node]
        for i, name in enumerate(names):
            if isinstance(name, str) and names.count(name) == 1:
                prefix = list_path + (i,)
                for key in [k for k in prov if k[: len(prefix)] == prefix]:
                    prov[list_path + (name,) + key[len(prefix):]] = prov.pop(key)


def _read_register(path: Path, where: tuple, problems: list) -> tuple[list[dict], dict, dict]:
    label = label_for(path)
    if not path.is_file():
        problems.append(Problem(where[0], where[1], "register", f"file not found: {clip(path.name)}"))
        return [], {}, {}
    try:
        header, rows = read_table(path, label)
    except InputError as exc:
        problems.extend(exc.problems)
        return [], {}, {}
    column_problems = check_columns(header, schema.REGISTER_COLUMNS, schema.REGISTER_REQUIRED, label)
    problems.extend(column_problems)
    if column_problems:
        return [], {}, {label: _sha256(path)}
    projects, prov = [], {}
    for line, row in rows:
        ident = row.get("id")
        if not isinstance(ident, str) or not ident:
            problems.append(Problem(label, line, "id", "missing project id in this row"))
            continue
        project, located = project_from_row(row, ("projects", ident), lambda column: (label, line))
        prov.update(located)
        prov[("projects", ident)] = (label, line)
        projects.append(project)
    return projects, prov, {label: _sha256(path)}


def _deep_merge(base: dict, child: dict) -> dict:
    """Merge child into base; maps keyed by years ({2021: ..}) are replaced whole, not merged."""
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and not _year_keyed(value):
            _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def _year_keyed(mapping: dict) -> bool:
    return bool(mapping) and all(isinstance(k, int) and not isinstance(k, bool) for k in mapping)


def _merge(parent: Resolved, child: Resolved) -> Resolved:
    """Child over parent: maps merge deeply, projects by id, remove_projects accumulates."""
    data, prov = parent.data, dict(parent.provenance)
    for key, value in child.data.items():
        if key == "projects":
            projects = data.setdefault("projects", [])
            by_id = {p.get("id"): p for p in projects}
            for item in value:
                existing = by_id.get(item.get("id"))
                if existing is None:
                    projects.append(item)
                    by_id[item.get("id")] = item
                else:
                    _deep_merge(existing, item)
        elif key == "remove_projects":
            data[key] = list(data.get(key) or []) + [i for i in value if i not in (data.get(key) or [])]
        elif isinstance(value, dict) and isinstance(data.get(key), dict) and not _year_keyed(value):
            _deep_merge(data[key], value)
        else:
            _drop_prefix(prov, (key,))
            data[key] = value
    # lists replaced inside merged maps lose the parent's provenance below them (one pass over it)
    replaced = {path[:-1] for path in child.provenance if path and isinstance(path[-1], int)}
    if replaced:
        for key in [k for k in prov if any(k[:n] in replaced for n in range(len(k)))]:
            del prov[key]
    prov.update(child.provenance)
    return Resolved(data, prov, {**parent.files, **child.files}, {**parent.paths, **child.paths})


def _drop_prefix(prov: dict, prefix: tuple, keep_exact: bool = False) -> None:
    for key in [k for k in prov if k[: len(prefix)] == prefix and (len(k) > len(prefix) or not keep_exact)]:
        del prov[key]


def _remove_project(resolved: Resolved, ident: str) -> None:
    projects = resolved.data.get("projects") or []
    remaining = [p for p in projects if p.get("id") != ident]
    if len(remaining) == len(projects):
        file, line = resolved.where(("remove_projects",))
        known = ", ".join(p.get("id", "?") for p in projects)
        raise InputError([Problem(file, line, "remove_projects", f"unknown project id '{clip(ident, 40)}' "
                                  f"(known: {clip(known, 200)})")])
    resolved.data["projects"] = remaining
    _drop_prefix(resolved.provenance, ("projects", ident))


# --------------------------------------------------------------------------------------- overrides
def apply_override(resolved: Resolved, text: str) -> None:
    """Apply one ``path=value`` override (value in YAML syntax) to the merged data."""
    if "=" not in text:
        raise InputError([Problem(SET_SOURCE, None, clip(text, 60), "expected path=value")])
    path_text, raw = text.split("=", 1)
    path_text = path_text.strip()
    value = parse_value(raw, SET_SOURCE, clip(path_text, 60)) if raw.strip() else ""
    parts = path_text.split(".")
    if not path_text or any(not p for p in parts):
        raise InputError([Problem(SET_SOURCE, None, clip(path_text, 60), "empty key in path")])
    if parts[0] in schema.FILE_KEYS:           # read while the file loads: an override would change nothing
        raise InputError([Problem(SET_SOURCE, None, clip(path_text, 60),
                                  f"'{parts[0]}' is read when the scenario file is loaded and cannot be set "
                                  "with --set or a sweep factor; write it in a scenario file (a child "
                                  "scenario with extends: changes it for one case)")])
    node = resolved.data
    key_path: tuple = ()
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, key_path, part, path_text)
            key_path += (part if key_path in schema.NAMED_LISTS else index,)
            if last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            raise InputError([Problem(SET_SOURCE, None, path_text,
                                      f"'{dotted(key_path)}' is a value, not a section")])
        key: object = int(part) if part.isdigit() and int(part) in node else part
        key_path += (key,)
        if key not in node:
            resolved.provenance[key_path] = (SET_SOURCE, None)  # a key the override creates
        if last:
            node[key] = value
        else:
            node = node.setdefault(key, {})
    _drop_prefix(resolved.provenance, key_path)
    resolved.provenance[key_path] = (SET_SOURCE, None)


def _list_index(items: list, key_path: tuple, part: str, path_text: str) -> int:
    name_key = schema.NAMED_LISTS.get(key_path)
    if name_key:
        for i, item in enumerate(items):
            if isinstance(item, dict) and item.get(name_key) == part:
                return i
    if part.isdigit() and int(part) < len(items):
        return int(part)
    names = [str(i.get(name_key)) for i in items if isinstance(i, dict)] if name_key else []
    hint = difflib.get_close_matches(part, names, n=1, cutoff=0.6)
    known = f"did you mean '{hint[0]}'?" if hint else \
        f"known: {clip(', '.join(names), 200)}" if name_key else f"known: 0..{len(items) - 1}"
    raise InputError([Problem(SET_SOURCE, None, path_text, f"no entry '{clip(part, 40)}' in "
                              f"{dotted(key_path)} ({known})")])


# --------------------------------------------------------------------------------------- validation
def validate(resolved: Resolved) -> schema.Scenario:
    """Validate merged data → Scenario, or InputError listing every problem with file and line."""
    data = resolved.data
    problems = []
    for key in [k for k in data if k in schema.FILE_KEYS]:
        data.pop(key)
    try:
        scenario = schema.Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            problems.append(_problem_from_pydantic(error, resolved))
        raise InputError(problems) from None
    problems.extend(_semantic_problems(scenario, resolved))
    if problems:
        raise InputError(problems)
    return scenario


def _located(resolved: Resolved, path: tuple, message: str) -> Problem:
    file, line = resolved.where(path)
    return Problem(file, line, dotted(path), message)


def _data_path(resolved: Resolved, loc: tuple) -> tuple:
    """pydantic loc → data path with list items named by id/name where the data has them."""
    path: tuple = ()
    node: object = resolved.data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            item = node[part]
            name_key = schema.NAMED_LISTS.get(path)
            ident = item.get(name_key) if isinstance(item, dict) and name_key else None
            path += (ident if isinstance(ident, str) else part,)
            node = item
        elif isinstance(part, str) and isinstance(node, dict):
            path += (part,)
            node = node.get(part)
        else:
            path += (part,)
            node = None
    return path


# pydantic's own location tags (validator and union wrappers), e.g. "function-before[validate(), ...]"
_PYDANTIC_TAG = re.compile(r"^(function-(before|after|wrap|plain)|union|tagged-union|nullable|is-instance|"
                           r"json-or-python|lax-or-strict|chain)\[.*\]$|^(function-[a-z]+|int|float|str|bool)$")


def _problem_from_pydantic(error: dict, resolved: Resolved) -> Problem:
    kind = error["type"]
    raw = tuple(error["loc"])
    keep_last = kind == "extra_forbidden" and raw  # the last element is the user's unknown key itself
    loc = tuple(p for p in (raw[:-1] if keep_last else raw) if not (isinstance(p, str) and _PYDANTIC_TAG.match(p)))
    loc += raw[-1:] if keep_last else ()
    ctx = error.get("ctx") or {}
    inner = ctx.get("error")
    if isinstance(inner, schema.FieldProblem):
        loc = loc + (inner.key,)
    path = _data_path(resolved, loc)
    value = error.get("input")
    if kind == "missing":
        message = "required key is missing"
        path_for_line = path[:-1]
        file, line = resolved.where(path_for_line)
        return Problem(file, line, dotted(path), message)
    if kind == "extra_forbidden":
        candidates = _fields_at(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), candidates, n=1, cutoff=0.6) if loc else []
        message = "unknown key" + (f" (did you mean '{hint[0]}'?)" if hint else
                                   (f" (expected one of: {', '.join(candidates)})" if candidates else ""))
    elif kind == "literal_error":
        message = f"expected one of {ctx.get('expected')}; got {short(value)}"
    elif kind in ("value_error", "assertion_error"):
        message = str(inner) if inner is not None else error["msg"]
    elif kind == "string_pattern_mismatch":
        message = f"got {short(value)}; expected lower-case letters, digits and _ (starting with a letter)"
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = f"expected a whole number, got {short(value)}"
    elif kind in ("float_parsing", "float_type"):
        message = f"expected a number, got {short(value)}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"expected a mapping, got {short(value)}"
    elif kind in ("tuple_type", "list_type"):
        message = f"expected a list, got {short(value)}"
    elif kind in ("string_type",):
        message = f"expected text, got {short(value)}"
    elif kind in ("too_short",):
        message = f"expected at least {ctx.get('min_length', 1)} entries"
    elif kind in ("string_too_short",):
        message = "must not be empty"
    elif kind.startswith(("greater", "less")):
        message = f"got {short(value)}; {error['msg'].lower()}"
    else:
        message = f"{error['msg']} (got {short(value)})"
    return _located(resolved, path, message)


def _fields_at(loc: tuple) -> list[str]:
    """The keys allowed at a pydantic location (for "did you mean")."""
    model: object = schema.Scenario
    for part in loc:
        if isinstance(part, int) or not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _model_in(info.annotation)
    if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
        return sorted(model.model_fields)
    return []


def _model_in(annotation) -> object:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


#: an amount (capex, output value) above this many times the base-year GDP is a typing error, not a plan
MAX_TIMES_GDP = 1000


def _mean_of(value) -> float | None:
    """A fixed amount, or a distribution's mean (inf when it has none); None for no amount."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    import numpy as np

    try:
        with np.errstate(all="ignore"):
            return float(value.distribution().mean())
    except (ValueError, OverflowError, ArithmeticError, AttributeError):
        return math.inf


def _semantic_problems(s: schema.Scenario, resolved: Resolved) -> list[Problem]:
    """Cross-field checks: windows, ids, dependencies, technologies, correlations."""
    from portfolio.scenario.graph import CycleError, topological_order
    from portfolio.uncertainty.sampling import check_correlation

    out = []
    base, horizon = s.meta.base_year, s.meta.horizon
    for target in s.targets:
        first, last = target.years
        key = "window" if target.window else "year"
        if first <= base or last > horizon:
            out.append(_located(resolved, ("targets", target.name, key),
                                f"{first}–{last} is outside the simulated years {base + 1}–{horizon}"))
        for tech in target.technologies or ():
            if tech not in s.energy.technologies:
                out.append(_located(resolved, ("targets", target.name, "technologies"),
                                    f"unknown technology '{tech}' (known: {', '.join(s.energy.technologies)})"))
    known = [p.id for p in s.projects] + [g.id for g in s.groups]
    known_set = set(known)
    for target in s.targets:
        if target.project is not None and target.project not in known_set:
            hint = difflib.get_close_matches(target.project, known, n=1)
            out.append(_located(resolved, ("targets", target.name, "project"), f"unknown project or group id "
                                f"'{target.project}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")))
    names = [t.name for t in s.targets]
    for name in {n for n in names if names.count(n) > 1}:
        out.append(_located(resolved, ("targets",), f"duplicate target name '{name}'"))

    ids = [p.id for p in s.projects]
    id_set = set(ids)
    hints = 0
    kinds = set(schema.KINDS)
    for p in s.projects:
        for dep in p.depends_on:
            if dep.id not in id_set:
                hints += 1                   # a hint searches every id: for the first few problems only
                hint = difflib.get_close_matches(dep.id, ids, n=1) if hints <= 20 else []
                out.append(_located(resolved, ("projects", p.id, "depends_on"), f"unknown project id '{dep.id}'"
                                    + (f" (did you mean '{hint[0]}'?)" if hint else "")))
        if p.technology is not None and p.technology not in s.energy.technologies:
            out.append(_located(resolved, ("projects", p.id, "technology"),
                                f"unknown technology '{p.technology}' (known: "
                                f"{', '.join(s.energy.technologies) or 'none: add energy.technologies'})"))
        if p.technology is not None and p.capex is None:
            tech = s.energy.technologies.get(p.technology)
            if tech is not None and tech.capex_per_kw is None:
                out.append(_located(resolved, ("projects", p.id, "capex"), "required: technology "
                                    f"'{p.technology}' has no capex_per_kw to derive it from"))
        for name in ("capex", "output_value"):
            amount = getattr(p, name, None)
            mean = _mean_of(amount)
            if mean is not None and not (math.isfinite(mean) and mean <= MAX_TIMES_GDP * s.economy.gdp):
                out.append(_located(resolved, ("projects", p.id, name), f"{name} averages {mean:.3g} (base unit), "
                                    f"more than {MAX_TIMES_GDP:,} times the region's base-year GDP "
                                    f"({s.economy.gdp:,.0f}); a unit or a digit is wrong"))
        if p.price_index is not None and p.price_index not in s.uncertainty.price_paths:
            out.append(_located(resolved, ("projects", p.id, "price_index"),
                                f"unknown price path '{p.price_index}' (known: "
                                f"{', '.join(s.uncertainty.price_paths) or 'none: add uncertainty.price_paths'})"))
    known = set(ids)
    deps = {p.id: [d.id for d in p.depends_on if d.id in known] for p in s.projects}
    try:
        topological_order(ids, deps)
    except CycleError as exc:
        first = exc.cycle[0] if getattr(exc, "cycle", None) else ids[0]
        out.append(_located(resolved, ("projects", first, "depends_on"), str(exc)))   # "dependency cycle: a → b → a"
    else:
        out.extend(_deadline_problems(s, resolved))
    out.extend(_group_problems(s, resolved))

    for driver in s.uncertainty.drivers:
        for ref in driver.applies_to:
            if ref not in id_set and ref not in kinds:
                out.append(_located(resolved, ("uncertainty", "drivers", driver.name, "applies_to"),
                                    f"'{ref}' is neither a project id nor a project kind ({', '.join(kinds)})"))
    for shock in s.uncertainty.shocks:
        if not base < shock.year <= horizon:
            out.append(_located(resolved, ("uncertainty", "shocks", shock.name, "year"),
                                f"{shock.year} is outside the simulated years {base + 1}–{horizon}"))

    out.extend(_correlation_problems(s, resolved, check_correlation))
    return out


def _deadline_problems(s: schema.Scenario, resolved: Resolved) -> list[Problem]:
    """A ``not_after`` the plan itself cannot meet: the CPM forward pass (planned starts, expected builds,
    links, ``not_before``) finishes later. Names the link that pushes the start, if one does."""
    from portfolio.scenario.graph import earliest_start, plan, planned_duration
    from portfolio.uncertainty.dates import date_text

    ids = [p.id for p in s.projects]
    known = set(ids)
    if not any(p.not_after is not None for p in s.projects) or any(
            d.id not in known for p in s.projects for d in p.depends_on):
        return []
    start, cod = plan(s.projects)
    column = {ident: j for j, ident in enumerate(ids)}
    out = []
    for j, p in enumerate(s.projects):
        if p.not_after is None or cod[j] <= p.not_after + 1e-9:
            continue
        floor = p.not_before if p.not_before is not None else -math.inf
        pushed = start[j] > max(p.planned_start, floor) + 1e-9
        why = ""
        if not pushed and floor > p.planned_start:
            why = f"; its start is held to not_before {date_text(floor)}"
        if pushed:
            duration = planned_duration(p)
            driver = max(p.depends_on, key=lambda d: float(earliest_start(
                d.type, start[column[d.id]], cod[column[d.id]], d.lag, duration)))
            why = f"; its start is pushed to {date_text(start[j])} by '{driver.id}' ({driver.type})"
        out.append(_located(resolved, ("projects", p.id, "not_after"),
                            f"impossible: the plan finishes {date_text(cod[j])}, after not_after "
                            f"{date_text(p.not_after)}{why}"))
    return out


def _group_problems(s: schema.Scenario, resolved: Resolved) -> list[Problem]:
    """Group ids unique and distinct from project ids, members known, groups not nested in a loop."""
    from portfolio.scenario.graph import CycleError, topological_order

    projects = [p.id for p in s.projects]
    groups = [g.id for g in s.groups]
    out = []
    for ident in dict.fromkeys(g for g in groups if groups.count(g) > 1):
        out.append(_located(resolved, ("groups",), f"duplicate group id '{ident}'"))
    for g in s.groups:
        if g.id in projects:
            out.append(_located(resolved, ("groups", g.id, "id"), f"'{g.id}' is already a project id"))
        for member in g.members:
            if member not in projects and member not in groups:
                hint = difflib.get_close_matches(member, projects + groups, n=1)
                out.append(_located(resolved, ("groups", g.id, "members"), f"unknown project or group id "
                                    f"'{member}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")))
    if out:
        return out
    try:
        topological_order(groups, {g.id: [m for m in g.members if m in groups] for g in s.groups})
    except CycleError as exc:
        out.append(_located(resolved, ("groups", exc.cycle[0], "members"), "groups contain each other: "
                            + " → ".join(exc.cycle + exc.cycle[:1])))
    return out


def _correlation_problems(s: schema.Scenario, resolved: Resolved, check_correlation) -> list[Problem]:
    import numpy as np

    from portfolio.scenario.parameters import numeric_inputs
    from portfolio.uncertainty.quantities import Dist

    corr = s.uncertainty.correlations
    if not corr:
        return []
    inputs = numeric_inputs(s)
    known = {k for k, v in inputs.items() if isinstance(v, Dist)}
    out = []
    names: list[str] = []
    pairs: dict = {}
    for i, c in enumerate(corr):
        for path in c.between:
            if path not in inputs:
                hint = difflib.get_close_matches(path, sorted(inputs), n=1)
                out.append(_located(resolved, ("uncertainty", "correlations", i, "between"),
                                    f"'{path}' is not an input of this scenario"
                                    + (f" (did you mean '{hint[0]}'?)" if hint else "")))
            elif path in known and path not in names:
                names.append(path)  # a correlation with a fixed input (e.g. after --set) is ignored
        if c.between[0] == c.between[1]:
            out.append(_located(resolved, ("uncertainty", "correlations", i, "between"),
                                "an input cannot be correlated with itself"))
        pair = frozenset(c.between)
        if pair in pairs:
            out.append(_located(resolved, ("uncertainty", "correlations", i, "between"),
                                f"this pair is given twice (first in correlations[{pairs[pair]}]); keep one"))
        pairs.setdefault(pair, i)
    if out:
        return out
    matrix = np.eye(len(names))
    for c in corr:
        if c.between[0] in names and c.between[1] in names:
            a, b = names.index(c.between[0]), names.index(c.between[1])
            matrix[a, b] = matrix[b, a] = c.rank
    for message in check_correlation(matrix):
        out.append(_located(resolved, ("uncertainty", "correlations"), f"invalid correlation matrix: {message}"))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
