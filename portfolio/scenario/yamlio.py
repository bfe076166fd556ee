"""Safe YAML reading that remembers where every value came from.

PyYAML's loaders accept duplicate keys silently and expand aliases without bound; this reader composes
the node tree with the safe loader and builds plain Python objects itself, so that it can refuse
duplicate keys, bound alias expansion, nesting and size, and record the line of every key path.
"""
from __future__ import annotations

from pathlib import Path as FsPath

import yaml

from portfolio.problems import InputError, Problem, dotted, short

MAX_BYTES = 5 * 1024 * 1024   # a scenario is a few KB; refuse anything absurd
MAX_NODES = 200_000           # bounds alias ("billion laughs") expansion
MAX_DEPTH = 64
#: the composer: libyaml's where PyYAML has it (the same node tree, about ten times faster), else PyYAML's own
COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Provenance = dict  # key path tuple -> (file, line)


def read_text(path: FsPath, label: str) -> str:
    """The file's text (UTF-8, BOM allowed); clear problems for missing, huge, empty or binary files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(label, None, "", "file not found")]) from None
    except OSError as exc:
        raise InputError([Problem(label, None, "", f"cannot read file ({exc.strerror})")]) from None
    if path.is_dir():
        raise InputError([Problem(label, None, "", "is a folder, not a file")])
    if size > MAX_BYTES:
        raise InputError([Problem(label, None, "", f"file is {size / 1e6:.1f} MB; scenario files are "
                                  f"limited to {MAX_BYTES // 2**20} MiB")])
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError([Problem(label, None, "", "not a text file (it contains NUL bytes)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(label, line, "", "not UTF-8 text (save the file as UTF-8)")]) from None
    if not text.strip():
        raise InputError([Problem(label, None, "", "file is empty (expected a YAML mapping)")])
    return text


def load_yaml(path: FsPath, label: str | None = None) -> tuple[object, Provenance]:
    """Read a YAML file → (plain data, provenance). Raises InputError with file:line problems."""
    label = label or str(path)
    return parse_yaml(read_text(path, label), label)


def parse_yaml(text: str, label: str) -> tuple[object, Provenance]:
    """Parse YAML text → (plain data, provenance {key path: (label, line)})."""
    try:
        node = yaml.compose(text, Loader=COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(label, line, "", f"YAML syntax error{col}: {what}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(label, None, "", f"YAML error: {short(str(exc), 120)}")]) from None
    if node is None:
        raise InputError([Problem(label, None, "", "file is empty (expected a YAML mapping)")])
    builder = _Builder(label)
    data = builder.build(node, (), 0)
    if builder.problems:
        raise InputError(builder.problems)
    return data, builder.provenance


def parse_value(text: str, label: str, path: str):
    """One value written in YAML syntax (a ``--set`` value) → the plain value, built as a file's values
    are (an impossible date or number is an InputError located at ``label``, ``path``); text that is
    not valid YAML is taken as the text itself."""
    try:
        node = yaml.compose(text, Loader=COMPOSER)
    except yaml.YAMLError:
        return text
    if node is None:
        return None
    builder = _Builder(label)
    value = builder.build(node, (), 0)
    if builder.problems:
        raise InputError([Problem(label, None, path, p.message) for p in builder.problems])
    return value


def _item_name(node) -> str | None:
    """The ``id`` (or ``name``) of a list item written as a mapping, if it is plain text."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value in ("id", "name") and isinstance(value, yaml.ScalarNode):
            if value.value and value.tag == "tag:yaml.org,2002:str":
                return value.value
    return None


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, with checks and provenance."""

    def __init__(self, label: str):
        self.label = label
        self.nodes = 0
        self.problems: list[Problem] = []
        self.provenance: Provenance = {}
        self._scalars = yaml.SafeLoader("")
        self._names: dict = {}    # path of a list item → its id or name, to say projects.park, not projects[0]

    def build(self, node: yaml.Node, path: tuple, depth: int) -> object:
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise InputError([Problem(self.label, line, dotted(path),
                                      f"document too large: more than {MAX_NODES} values "
                                      "(an alias/anchor expansion bomb?)")])
        if depth > MAX_DEPTH:
            raise InputError([Problem(self.label, line, dotted(path),
                                      f"nested more than {MAX_DEPTH} levels deep")])
        self.provenance.setdefault(path, (self.label, line))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                name = _item_name(item)
                if name is not None:
                    self._names[path + (i,)] = name
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self._scalars.construct_object(node)
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.label, line, dotted(path), f"invalid value: {exc}"))
            return None
        except (ValueError, OverflowError) as exc:     # a date such as 2023-02-30, a number out of range
            what = "not a valid date" if node.tag == "tag:yaml.org,2002:timestamp" else "not a valid value"
            self.problems.append(Problem(self.label, line, dotted(self._named(path)),
                                         f"{short(node.value)} is {what} ({exc})"))
            return None

    def _named(self, path: tuple) -> tuple:
        """``path`` with list indices replaced by the items' ids where they have one."""
        return tuple(self._names.get(path[:k + 1], part) for k, part in enumerate(path))

    def _mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        result: dict = {}
        seen: dict = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(Problem(self.label, line, dotted(path),
                                             "YAML merge keys (<<) are not supported; use extends:"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.label, line, dotted(path), "keys must be plain text"))
                continue
            key = self._scalars.construct_object(key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key_node.value)
            if key in seen:
                self.problems.append(Problem(self.label, line, dotted(path + (key,)),
                                             f"duplicate key (first defined on line {seen[key]})"))
                continue
            seen[key] = line
            self.provenance[path + (key,)] = (self.label, line)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result
