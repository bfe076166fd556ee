"""Text in files written for people — CSV, XLSX, Markdown, HTML and DOCX tables — made inert.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a formula by
a spreadsheet that opens (or pastes) it: ``=HYPERLINK(..)``, ``=cmd|' /C calc'!A0``. Such a text —
from a project's name, a source, a label — is written with a leading apostrophe (``neutral``), the form
spreadsheets themselves use for "this is text"; signed numbers (``-0.5``, ``-2.5 pp/yr``) are numbers and
stay as they are. ``original`` undoes ``neutral`` exactly (a text that already starts with apostrophes
gets one more), so the tool reads its own CSV files back as the names it was given.

In a workbook, text cells are stored as string cells with Excel's own quote prefix (``text_cells``): the
cell holds the text unchanged (a scenario workbook reads back as the same scenario) and is never a
formula, even when edited. ``markdown`` escapes a text for a Markdown table or paragraph (HTML tags,
links, table bars) as well as neutralising it.

Every writer of such files takes its cells from here.
"""
from __future__ import annotations

import re

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: a signed number, perhaps with a unit after it: '-0.5', '+3%', '-2.5 pp/yr', '-1,372 亿元'
_SIGNED_NUMBER = re.compile(r"[+-](?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:\s*[%\w/\s.]*)?")
_MARKDOWN = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "[": "\\[", "]": "\\]",
                           "`": "\\`", "\\": "\\\\", "\n": " ", "\r": " "})


def formula_like(text) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (a signed number is not one)."""
    if not isinstance(text, str) or not text.startswith(PREFIXES):
        return False
    return not _SIGNED_NUMBER.fullmatch(text)


def neutral(value):
    """``value`` as a cell of a file for people: a formula-like text gets a leading apostrophe (so does a
    text that would read back as one); anything else is returned as it is."""
    if isinstance(value, str) and formula_like(value.lstrip("'")):
        return "'" + value
    return value


def original(value):
    """The text ``neutral`` was given (the reader's side)."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value.lstrip("'")):
        return value[1:]
    return value


def markdown(text) -> str:
    """``text`` for Markdown: neutral, with HTML tags, links, code and table bars escaped, on one line."""
    return str(neutral(str(text))).translate(_MARKDOWN)


def text_cells(sheet) -> None:
    """Every text cell of an openpyxl worksheet stored as text, never as a formula: openpyxl takes a
    text starting with '=' for a formula; such texts, and other formula-like ones, are made string cells
    with the quote prefix (Excel keeps them text when edited). The cells' values are unchanged."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and (cell.data_type == "f" or formula_like(value)):
                cell.data_type = "s"
                cell.quotePrefix = True


def _texts(values) -> bool:
    return values.dtype.kind in "OUT"                   # object or str columns (numbers stay numbers)


def frame(table):
    """A DataFrame with ``neutral`` applied to its text cells, column names and text index (a copy)."""
    table = table.copy()
    for column in table.columns:
        if _texts(table[column]):
            table[column] = table[column].map(neutral)
    table.columns = [neutral(c) for c in table.columns]
    if _texts(table.index):
        table.index = table.index.map(neutral)
    return table


def unframe(table):
    """The DataFrame ``frame`` was given, as read back from its CSV (text cells through ``original``)."""
    for column in table.columns:
        if _texts(table[column]):
            table[column] = table[column].map(original)
    return table
