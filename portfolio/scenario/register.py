"""Project registers: one row per project, in CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or XLSX.

Cells stay text (or the number/date an XLSX cell holds); the scenario schema parses them like YAML
values. Empty cells mean "not given". Each row remembers its line (CSV) or row number (XLSX).
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from pathlib import Path

from portfolio.problems import InputError, Problem, clip, short

MAX_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
#: rows of a table (register, actuals, ledger, a workbook sheet): a plan has hundreds of projects; this
#: bounds the time and memory of reading and validating whatever is given
MAX_ROWS = 50_000
ENCODINGS = ("utf-8-sig", "gb18030")


def read_table(path: Path, label: str) -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    """Read a CSV or XLSX table → (header, [(line, {column: value})]) with empty cells dropped."""
    if not path.is_file():
        raise InputError([Problem(label, None, "", "file not found")])
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError([Problem(label, None, "", f"file is {size / 1e6:.1f} MB; tables are limited "
                                  f"to {MAX_BYTES // 2**20} MiB")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _read_csv(path, label)
    elif suffix in (".xlsx", ".xlsm"):
        header, rows = _read_xlsx(path, label)
    else:
        raise InputError([Problem(label, None, "", f"unsupported table type '{path.suffix}' "
                                  "(expected .csv or .xlsx)")])
    if not header:
        raise InputError([Problem(label, 1, "", "no header row (expected column names)")])
    return header, rows


def decode(data: bytes, label: str) -> str:
    """Text from bytes written as UTF-8 (with or without BOM) or GB18030/GBK."""
    if b"\x00" in data:
        raise InputError([Problem(label, None, "", "not a text file (it contains NUL bytes)")])
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError([Problem(label, None, "", "unknown text encoding (expected UTF-8 or GB18030/GBK)")])


def _read_csv(path: Path, label: str):
    text = decode(path.read_bytes(), label)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    rows = []
    try:
        for record in reader:
            if not header:
                header = [cell.strip() for cell in record]
                continue
            if not any(cell.strip() for cell in record):
                continue
            line = reader.line_num
            if len(record) > len(header):
                raise InputError([Problem(label, line, "", f"row has {len(record)} cells but the header "
                                          f"has {len(header)} columns (a stray comma?)")])
            rows.append((line, {h: typed(c.strip()) for h, c in zip(header, record) if h and c.strip()}))
            if len(rows) > MAX_ROWS:
                raise too_many_rows(label)
    except csv.Error as exc:
        raise InputError([Problem(label, reader.line_num, "", f"malformed CSV row: {exc}")]) from None
    return header, rows


_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")


def typed(cell: str) -> object:
    """A CSV cell as int or float when it is a plain number (as an XLSX cell would be), else text."""
    if _INT.match(cell):
        return int(cell)
    if _FLOAT.match(cell):
        return float(cell)
    return cell


def open_workbook(path: Path, label: str):
    """An XLSX workbook opened for its values only: formulas are never evaluated, links never followed,
    and archives that unpack to more than ``MAX_XLSX_UNCOMPRESSED`` bytes are refused."""
    if not path.is_file():
        raise InputError([Problem(label, None, "", "file not found")])
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_XLSX_UNCOMPRESSED:
                raise InputError([Problem(label, None, "", f"workbook unpacks to {total / 1e6:.0f} MB; "
                                          f"limit {MAX_XLSX_UNCOMPRESSED // 2**20} MiB")])
    except zipfile.BadZipFile:
        raise InputError([Problem(label, None, "", "not a valid .xlsx workbook")]) from None
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for malformed archives
        raise InputError([Problem(label, None, "", f"cannot read workbook: {short(str(exc), 100)}")]) from None


def _read_xlsx(path: Path, label: str):
    book = open_workbook(path, label)
    try:
        return sheet_table(book.worksheets[0], label)
    finally:
        book.close()


def too_many_rows(label: str) -> InputError:
    return InputError([Problem(label, None, "", f"more than {MAX_ROWS:,} rows; a table of projects, actuals "
                               "or reports is refused beyond that (split it, or keep what the plan needs)")])


def sheet_table(sheet, label: str = "") -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    """A worksheet's header and its rows as (row number, {column: value}): empty cells dropped, text
    stripped, date cells as dates; more than ``MAX_ROWS`` rows is an InputError for ``label``."""
    header: list[str] = []
    rows = []
    for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not header:
            header = ["" if c is None else str(c).strip() for c in record]
            continue
        values = {}
        for name, cell in zip(header, record):
            if not name or cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            if isinstance(cell, dt.datetime):
                cell = cell.date()
            values[name] = cell.strip() if isinstance(cell, str) else cell
        if values:
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise too_many_rows(label)
    while header and not header[-1]:
        header.pop()
    return header, rows


def project_from_row(row: dict[str, object], key: tuple, at) -> tuple[dict, dict]:
    """A register row as a project and the provenance of its values under the key path ``key``
    (``('projects', id)``): ``name_zh``/``name_en`` become ``name.zh``/``name.en``; ``at(column)`` is where
    a cell is, (file, line)."""
    project: dict = {}
    provenance: dict = {}
    for column, value in row.items():
        if column in ("name_zh", "name_en"):
            project.setdefault("name", {})[column[-2:]] = value
            provenance[key + ("name", column[-2:])] = at(column)
            provenance.setdefault(key + ("name",), at(column))
        else:
            project[column] = value
            provenance[key + (column,)] = at(column)
    return project, provenance


def check_columns(header: list[str], known: set[str], required: set[str], label: str) -> list[Problem]:
    """Problems for unknown, duplicate and missing columns, each naming the column. A first row that
    names none of the known columns is not a header of this kind of table: it is described, never
    quoted (it may be the first line of any file)."""
    if not any(column in known for column in header):
        return [Problem(label, 1, "", f"not a table of this kind: its first row names none of the expected "
                                      f"columns (required: {', '.join(sorted(required))})")]
    problems = []
    for column in header:
        if not column:
            continue
        if header.count(column) > 1:
            problems.append(Problem(label, 1, "", f"column '{column}' appears more than once"))
        elif column not in known:
            hint = difflib.get_close_matches(column, sorted(known), n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else ""
            problems.append(Problem(label, 1, "", f"unknown column '{clip(column, 40)}'{extra}"))
    for column in sorted(required - set(header)):
        problems.append(Problem(label, 1, "", f"missing column '{column}' (required)"))
    return problems
