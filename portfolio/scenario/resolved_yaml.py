"""Write a resolved scenario back as YAML, optionally with the origin (file:line) of every value."""
from __future__ import annotations

import yaml

from portfolio.problems import location


def dump(data: dict, provenance: dict | None = None) -> str:
    """YAML text of ``data``; with ``provenance``, each value gets a ``# file:line`` comment."""
    if provenance is None:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    lines: list[str] = []
    _emit_mapping(data, (), 0, provenance, lines)
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _flat(value) -> bool:
    if isinstance(value, list):
        return all(not isinstance(v, (dict, list)) for v in value)
    if isinstance(value, dict):
        return all(not isinstance(v, (dict, list)) for v in value.values()) and len(value) <= 6
    return True


def _origin(provenance: dict, path: tuple) -> str:
    where = provenance.get(path)
    if where is None:
        return ""
    return "  # " + location(*where)


def _emit_mapping(data: dict, path: tuple, indent: int, provenance: dict, lines: list) -> None:
    pad = " " * indent
    for key, value in data.items():
        here = path + (key,)
        if _flat(value):
            lines.append(f"{pad}{_scalar(key)}: {_scalar(value)}{_origin(provenance, here)}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{_scalar(key)}:{_origin(provenance, here)}")
            _emit_mapping(value, here, indent + 2, provenance, lines)
        else:
            lines.append(f"{pad}{_scalar(key)}:{_origin(provenance, here)}")
            _emit_list(value, here, indent + 2, provenance, lines)


def _emit_list(items: list, path: tuple, indent: int, provenance: dict, lines: list) -> None:
    pad = " " * indent
    for i, item in enumerate(items):
        here = path + (i,)
        if isinstance(item, dict):
            for key in ("id", "name"):
                if isinstance(item.get(key), str) and path + (item[key],) in provenance:
                    here = path + (item[key],)
                    break
            lines.append(f"{pad}-{_origin(provenance, here)}")
            _emit_mapping(item, here, indent + 2, provenance, lines)
        elif isinstance(item, list):
            lines.append(f"{pad}- {_scalar(item)}{_origin(provenance, here)}")
        else:
            lines.append(f"{pad}- {_scalar(item)}{_origin(provenance, here)}")
