"""A scenario as an Excel workbook, both ways: write the resolved scenario, read it back as a scenario.

``write_workbook(resolved, path)`` writes one sheet per section. Projects are one row per project in the
register's columns (``projects.csv``); every other section is one row per input, addressed by the path
error messages print (``economy.tfp_growth``, ``targets.gdp_2025.threshold``, ``uncertainty.correlations[0]
.rank``, ``energy.technologies.pv.capex_per_kw.2021``), with the value or the distribution's parameters,
the unit, and the file:line the value came from. Dates are date cells; kinds, profiles, distributions and
units have drop-down lists.

``read_workbook(path, label)`` returns the plain data and provenance a YAML file would give, each value
located as ``FILE.xlsx:Sheet!B12`` so that problems print as ``FILE.xlsx:Sheet!B12: key.path: message``.
Values only: formulas are never evaluated and links never followed (as for registers). A cell holding a
list or mapping in YAML flow form (``[2021, 2025]``, ``{reference_class: rail}``) is read as YAML.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from portfolio.problems import InputError, Problem, clip, location, short
from portfolio.scenario.register import check_columns, open_workbook, project_from_row, sheet_table, typed
from portfolio.scenario import schema
from portfolio.scenario.cells import text_cells
from portfolio.scenario.schema import NAMED_LISTS
from portfolio.uncertainty.quantities import compact_spec
from portfolio.uncertainty.units import UNITS, split_quantity

#: the sections in sheet order; each is a sheet of that name
SECTIONS = ("meta", "targets", "economy", "projects", "groups", "energy", "uncertainty", "simulation")
LONG_COLUMNS = ("input", "value", "distribution", "low", "mode", "high", "mean", "sd", "unit", "from")
_PARAMS = ("low", "mode", "high", "mean", "sd")
#: distributions written in columns, with their positional parameters (as in ``pert(low, mode, high)``)
COLUMN_DISTS = {"pert": ("low", "mode", "high"), "triangular": ("low", "mode", "high"),
                "uniform": ("low", "high"), "normal": ("mean", "sd", "low", "high")}
_INDEX = re.compile(r"^(.*?)\[(\d+)\]$")


class Index(int):
    """A list position in a key path (``[0]``), told apart from a year key of a mapping (``.2021``)."""


def path_text(path: tuple) -> str:
    """('energy', 'technologies', 'pv', 'capex_per_kw', 2021) → 'energy.technologies.pv.capex_per_kw.2021';
    list positions (``Index``) as ``[0]``."""
    text = ""
    for part in path:
        text += f"[{int(part)}]" if isinstance(part, Index) else ("." if text else "") + str(part)
    return text


COMMON_UNITS = ("亿元", "万元", "亿元/年", "%", "MW", "GW", "万千瓦", "GWh", "亿千瓦时", "years", "months",
                "h", "元/kWh", "元/kW", "kg/kWh")
_KNOWN_UNITS = {unit for table in UNITS.values() for unit in table}
_HELP = {
    "zh": ["本工作簿是一个完整的情景（已展开 extends、项目登记表与 --set），可直接作为情景运行：",
           "portfolio run 本文件.xlsx；portfolio validate / show / compare 同样接受。",
           "每个工作表对应情景的一节。projects 表每行一个项目（列与 projects.csv 相同）；其余各表每行一个参数：",
           "input 为参数路径（与错误信息中的路径相同），value 为固定值；不确定参数填 distribution（pert、triangular、",
           "uniform、normal）及其 low/mode/high 或 mean/sd；unit 为单位（亿元、%、MW、万千瓦、years……）；",
           "from 为该值原来所在的文件与行，仅供参考，读取时忽略。日期可写成日期单元格、2023/5/19 或 2023年5月。",
           "删除一行即不设该参数（采用默认值）；新增一行即设置新参数。"],
    "en": ["This workbook is a whole scenario (extends, registers and --set already applied) and runs as one:",
           "portfolio run THIS.xlsx; portfolio validate / show / compare accept it too.",
           "Each sheet is a section of the scenario. The projects sheet has a row per project (the columns of "
           "projects.csv); every other sheet has a row per input:",
           "input is the input's path (as error messages print it); value a fixed value; an uncertain input gives "
           "distribution (pert, triangular, uniform, normal) and its low/mode/high or mean/sd;",
           "unit its unit (亿元, %, MW, 万千瓦, years, ...); from is the file and line the value came from "
           "(for reference only; ignored when read). Dates may be date cells, 2023/5/19 or 2023年5月.",
           "Delete a row to leave an input unset (its default applies); add a row to set one."],
}


# ------------------------------------------------------------------------------------------- writing
def write_workbook(scenario, path: str | Path, overrides=(), save=None) -> Path:
    """Write a scenario as an input workbook that runs as the same scenario; returns the path.

    ``scenario`` is a scenario file (YAML or a workbook; ``overrides`` as ``--set``), a loaded
    ``Scenario`` or a ``loading.Resolved``. The scenario is validated first: an invalid one raises
    InputError and writes nothing. ``save(path, write)`` writes the file (the command line passes the
    output layer's atomic writer); by default openpyxl saves it in place.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    from portfolio.scenario.loading import Resolved, load_scenario, origin
    from portfolio.uncertainty.distributions import REFERENCE_CLASSES

    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario, overrides)
    resolved = scenario if isinstance(scenario, Resolved) else origin(scenario)
    data, provenance = resolved.data, resolved.provenance
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ValueError(f"write_workbook: sections {unknown} have no sheet")
    book = openpyxl.Workbook()
    readme = book.active
    readme.title = "README"
    for language in ("zh", "en"):
        for line in _HELP[language]:
            readme.append([line])
        readme.append([])
    readme.column_dimensions["A"].width = 120
    lists = book.create_sheet("lists")
    technologies = sorted((data.get("energy") or {}).get("technologies") or {})
    choices = {"kind": schema.KINDS, "profile": schema.PROFILES, "reference_class": REFERENCE_CLASSES,
               "technology": tuple(technologies), "distribution": tuple(COLUMN_DISTS), "unit": COMMON_UNITS}
    ranges = {}
    for column, (name, values) in enumerate(choices.items(), start=1):
        lists.cell(1, column, name)
        for row, value in enumerate(values, start=2):
            lists.cell(row, column, value)
        letter = openpyxl.utils.get_column_letter(column)
        ranges[name] = f"lists!${letter}$2:${letter}${max(2, len(values) + 1)}"
    lists.sheet_state = "hidden"

    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for section in SECTIONS:
        if section not in data:
            continue
        sheet = book.create_sheet(section, index=len(book.sheetnames) - 1)
        if section == "projects":
            header, rows = _project_rows(data["projects"])
        else:
            header = list(LONG_COLUMNS)
            rows = [_long_row(path, value, provenance) for path, value in leaves(data[section], (section,))]
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(column) for column in header])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
        sheet.freeze_panes = "B2"
        sheet.page_setup.orientation = "landscape"          # printed: a sheet's columns on one page wide
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        _format(sheet, header, Alignment)
        text_cells(sheet)                 # texts stay texts (a name starting with '=' is no formula)
        for column, name in enumerate(header, start=1):
            if name in ranges and rows:
                _dropdown(sheet, column, len(rows) + 1, ranges[name])
    book.move_sheet("lists", offset=len(book.sheetnames))
    path = Path(path)
    if save is None:
        book.save(path)
    else:
        save(path, book.save)
    return path


def leaves(node, path: tuple):
    """(path, value) of every input below ``node`` at ``path``: a value, a distribution or a short list;
    items of the ``NAMED_LISTS`` addressed by their name, other list items by ``Index``."""
    if isinstance(node, dict):
        if not node:
            yield path, {}
        for key, value in node.items():
            if _is_leaf(value):
                yield path + (key,), value
            else:
                yield from leaves(value, path + (key,))
        return
    name_key = NAMED_LISTS.get(path)
    names = [item.get(name_key) if isinstance(item, dict) else None for item in node] if name_key else []
    if _is_leaf(node):                            # a short list in one cell, or an empty one
        yield path, node
        return
    for i, item in enumerate(node):
        is_named = isinstance(names[i] if names else None, str) and names.count(names[i]) == 1
        here = path + ((names[i],) if is_named else (Index(i),))
        if is_named:
            rest = {k: v for k, v in item.items() if k != name_key}
            yield from leaves(rest, here) if rest else iter([(here, {})])
        elif _is_leaf(item):
            yield here, item
        else:
            yield from leaves(item, here)


def _is_leaf(value) -> bool:
    """A value, a distribution (``{dist: ..}``, ``{reference_class: ..}``) or a short flat list."""
    if isinstance(value, dict):
        return "dist" in value or "reference_class" in value
    if isinstance(value, list):
        return not any(isinstance(item, (dict, list)) for item in value) and _flow_list(value)
    return True


def _flow_list(items: list) -> bool:
    """A short list of plain words or numbers, written in one cell as ``[a, b]``."""
    return all(isinstance(i, (int, float)) and not isinstance(i, bool) or
               isinstance(i, str) and len(i) <= 60 and re.fullmatch(r"[\w.+\-: ]+", i) for i in items)


def column_spec(spec: dict) -> dict | None:
    """The distribution columns of a mapping such as ``{dist: normal, mean: .., sd: ..}``, if it fits them."""
    if not isinstance(spec.get("dist"), str) or spec["dist"] not in COLUMN_DISTS:
        return None
    if set(spec) - {"dist", "unit", *COLUMN_DISTS[spec["dist"]]}:
        return None
    values = {k: v for k, v in spec.items() if k not in ("dist", "unit")}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()):
        return None
    return {"distribution": spec["dist"], **values, "unit": spec.get("unit")}


def _long_row(path: tuple, value, provenance: dict) -> dict:
    return {"input": path_text(path), **input_cells(value), "from": _origin(provenance, path)}


def input_cells(value) -> dict:
    """The cells of an input's value in a workbook row: ``value`` (and ``unit``), or ``distribution`` and
    its parameters; two values that read the same have the same cells."""
    if isinstance(value, dict):
        columns = column_spec(value)
        return {k: v for k, v in columns.items() if v is not None} if columns else {"value": flow_text(value)}
    if isinstance(value, list):
        return {"value": flow_text(value)}
    if isinstance(value, str):
        return {k: v for k, v in _text_cells(value).items() if v is not None}
    return {"value": value}


def _text_cells(text: str) -> dict:
    """'1372 亿元' → value 1372, unit 亿元; 'pert(2.8, 3.4, 4.6)' → distribution columns; else the text."""
    spec = compact_spec(text)                   # read by the scenario format's own compact grammar
    if spec is not None:
        columns = column_spec({k: v if k in ("dist", "unit") else typed(v) for k, v in spec.items()})
        if columns:
            return columns
    parts = split_quantity(text)
    if parts is not None and parts[1] in _KNOWN_UNITS and not isinstance(typed(parts[0]), str):
        return {"value": typed(parts[0]), "unit": parts[1]}
    text = text.strip()                   # texts are read stripped (a YAML block's final newline)
    if text.startswith(("[", "{", "'", '"')):
        return {"value": flow_text(text)}     # quoted, so that reading it back gives the same text
    return {"value": text}


def flow_text(value) -> str:
    """A value in YAML flow form, on one line (``[2021, 2025]``, ``{reference_class: rail}``)."""
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000,
                          sort_keys=False).removesuffix("\n...\n").strip()


def _origin(provenance: dict, path: tuple) -> str | None:
    where = provenance.get(path)
    return location(*where) if where is not None else None


def _project_rows(projects: list) -> tuple[list[str], list[dict]]:
    order = ["id", "name_zh", "name_en"] + [f for f in schema.Project.model_fields if f not in ("id", "name")]
    rows = []
    for project in projects:
        row: dict = {}
        for key, value in project.items():
            if key == "name":
                if isinstance(value, dict):
                    row.update({f"name_{lang}": text for lang, text in value.items()})
                else:
                    row["name_zh"] = row["name_en"] = value
            elif key == "depends_on" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                row[key] = "; ".join(value)
            elif isinstance(value, (dict, list)) or isinstance(value, str) and value.startswith(("[", "{", "'", '"')):
                row[key] = flow_text(value)         # read back as YAML (a quoted text as that text)
            else:
                row[key] = value
        rows.append(row)
    used = {key for row in rows for key in row}
    header = [c for c in order if c in used or c in schema.REGISTER_REQUIRED] + sorted(used - set(order))
    return header, rows


def _format(sheet, header: list[str], alignment) -> None:
    from openpyxl.utils import get_column_letter

    wide = {"input": 46, "value": 24, "from": 34, "source": 60, "notes": 60, "name_zh": 30, "name_en": 36}
    for column, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = wide.get(name, 14)
    for row in sheet.iter_rows(min_row=2):
        for name, cell in zip(header, row):
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            if isinstance(cell.value, str) and len(cell.value) > 40 and name not in ("input", "from"):
                cell.alignment = alignment(wrap_text=True, vertical="top")     # long texts; paths stay on a line


def _dropdown(sheet, column: int, last_row: int, source: str) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(column)
    rule = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)  # no "=" in the XML
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{max(last_row, 2) + 200}")


# ------------------------------------------------------------------------------------------- reading
def is_scenario_workbook(path: Path) -> bool:
    """Whether ``path`` names a workbook (by its suffix) to be read as a whole scenario."""
    return path.suffix.lower() in (".xlsx", ".xlsm")


def read_workbook(path: Path, label: str) -> tuple[dict, dict]:
    """A scenario workbook → (plain data, provenance {key path: ('FILE.xlsx:Sheet!B12', None)})."""
    book = open_workbook(path, label)
    try:
        if "meta" not in book.sheetnames:
            raise InputError([Problem(label, None, "", "not a scenario workbook: it has no 'meta' sheet (a project "
                                      "register is read through 'register:' in a scenario file; "
                                      "`portfolio workbook` writes a scenario workbook)")])
        data: dict = {}
        provenance: dict = {}
        problems: list[Problem] = []
        for name in book.sheetnames:
            if name in ("README", "lists"):
                continue
            if name not in SECTIONS:
                problems.append(Problem(f"{label}:{name}", None, "", f"unknown sheet '{clip(name, 40)}' (expected "
                                        f"one of {', '.join(SECTIONS)})"))
                continue
            header, rows = sheet_table(book[name], f"{label}:{name}")
            if not header:
                continue
            where = f"{label}:{name}"
            known, required = ((schema.REGISTER_COLUMNS, schema.REGISTER_REQUIRED) if name == "projects"
                               else (set(LONG_COLUMNS), {"input"}))
            column_problems = check_columns(header, known, required, where)
            problems.extend(Problem(f"{where}!A1", None, p.path, p.message) for p in column_problems)
            if not column_problems:
                reader = _read_projects if name == "projects" else _read_long
                reader(header, rows, name, where, data, provenance, problems)
    finally:
        book.close()
    if problems:
        raise InputError(problems)
    return data, provenance


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_long(header: list, rows: list, section: str, where: str, data: dict, provenance: dict,
               problems: list) -> None:
    """The rows of a sheet of inputs into ``data`` (each located as ``where!CELL``)."""
    seen: dict = {}
    for number, cells in rows:
        if not set(cells) - {"from"}:
            continue
        at = f"{where}!{_letter(header.index('input'))}{number}"
        text = cells.get("input")
        if not isinstance(text, str):
            problems.append(Problem(at, None, "", "missing the input's path (e.g. economy.gdp)"))
            continue
        try:
            path = _parse_path(text)
        except ValueError as exc:
            problems.append(Problem(at, None, clip(text, 60), str(exc)))
            continue
        if path[0] != section:
            problems.append(Problem(at, None, text, f"belongs on the '{path[0]}' sheet, not '{section}'"))
            continue
        if path in seen:
            problems.append(Problem(at, None, text, f"given twice (first in row {seen[path]})"))
            continue
        seen[path] = number
        value_at = f"{where}!{_letter(header.index('value'))}{number}" if "value" in header else at
        try:
            value = _long_value(cells)
        except ValueError as exc:
            problems.append(Problem(value_at, None, text, str(exc)))
            continue
        try:
            _place(data, provenance, path, value, value_at)
        except ValueError as exc:
            problems.append(Problem(at, None, text, str(exc)))


def _long_value(cells: dict):
    dist = cells.get("distribution")
    params = {k: cells[k] for k in _PARAMS if cells.get(k) is not None}
    unit = cells.get("unit")
    value = cells.get("value")
    if dist is None:
        if params:
            raise ValueError(f"{', '.join(params)} given without a distribution (pert, triangular, uniform, normal)")
        if value is None:
            raise ValueError("no value (give a value, or a distribution and its parameters)")
        value = _yaml_text(value)
        if unit is not None:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return f"{value!r} {unit}"
            if isinstance(value, str):
                return f"{value} {unit}"
            raise ValueError(f"a unit ({short(unit)}) for a value that is not a number")
        return value
    if value is not None:
        raise ValueError(f"both a value ({short(value)}) and a distribution ({short(dist)}); keep one")
    spec = {"dist": str(dist).strip().lower(), **params}
    if unit is not None:
        spec["unit"] = unit
    return spec


def _yaml_text(value):
    """A cell's text holding a YAML flow list, mapping or quoted string → that value; other cells as they are."""
    if isinstance(value, str) and value[:1] in ("[", "{", "'", '"'):
        try:
            loaded = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return loaded
    return value


def _parse_path(text: str) -> tuple:
    parts: list = []
    for part in text.split("."):
        part = part.strip()
        indices = []
        while (m := _INDEX.match(part)):
            part, index = m.group(1), int(m.group(2))
            indices.insert(0, index)
        if not part:
            raise ValueError(f"empty key in the path {short(text)} (write keys separated by '.')")
        parts.append(int(part) if part.isdigit() else part)
        parts.extend(Index(i) for i in indices)
    return tuple(parts)


def _place(data: dict, provenance: dict, path: tuple, value, where: str) -> None:
    """Set ``value`` at ``path``, creating maps, lists and named list items on the way."""
    node = data
    for depth, part in enumerate(path[:-1]):
        here, following = path[: depth + 1], path[depth + 1]
        node = _child(node, part, here, following)
    last = path[-1]
    if isinstance(node, list):
        name_key = NAMED_LISTS.get(path[:-1])
        if name_key and isinstance(last, str):
            item = _named_item(node, name_key, last)
            if not isinstance(value, dict):
                raise ValueError(f"expected the keys of '{last}' as their own rows ({path_text(path)}.KEY)")
            item.update(value)
        else:
            _set_index(node, last, value)
    else:
        if last in node:
            raise ValueError("set twice (a row above sets it, or a row below it)")
        node[last] = value
    provenance[path] = (where, None)
    for depth in range(1, len(path)):
        provenance.setdefault(path[:depth], (where, None))


def _child(node, part, here: tuple, following):
    make = (lambda: []) if isinstance(following, Index) or here in NAMED_LISTS else dict
    if isinstance(node, list):
        name_key = NAMED_LISTS.get(here[:-1])
        if name_key and isinstance(part, str):
            return _named_item(node, name_key, part)
        if not isinstance(part, Index):
            raise ValueError(f"'{path_text(here[:-1])}' is a list: address its items as [0], [1], ...")
        while len(node) <= part:
            node.append(None)
        if node[part] is None:
            node[part] = make()
        return node[part]
    if not isinstance(node, dict):
        raise ValueError(f"'{path_text(here[:-1])}' is a value, not a section")
    if part not in node:
        node[part] = make()
    if not isinstance(node[part], (dict, list)):
        raise ValueError(f"'{path_text(here)}' is a value, not a section")
    return node[part]


def _named_item(items: list, name_key: str, name: str) -> dict:
    for item in items:
        if isinstance(item, dict) and item.get(name_key) == name:
            return item
    item = {name_key: name}
    items.append(item)
    return item


def _set_index(items: list, index, value) -> None:
    if not isinstance(index, Index):
        raise ValueError("address a list's items as [0], [1], ...")
    while len(items) <= index:
        items.append(None)
    items[index] = value


def _read_projects(header: list, rows: list, section: str, where: str, data: dict, provenance: dict,
                   problems: list) -> None:
    """The register rows of the projects sheet into ``data["projects"]`` (keyed by position, as a YAML
    list is, each value located as ``where!CELL``)."""
    projects = data.setdefault("projects", [])
    for number, row in rows:
        index = len(projects)
        cells = {column: value if column in ("name_zh", "name_en") else _yaml_text(value)
                 for column, value in row.items()}
        project, located = project_from_row(
            cells, ("projects", index), lambda column: (f"{where}!{_letter(header.index(column))}{number}", None))
        provenance.update(located)
        provenance[("projects", index)] = (f"{where}!A{number}", None)
        projects.append(project)
