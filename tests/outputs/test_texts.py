"""One table of zh/en texts with one lookup: every key in both languages, the same placeholders in
both, and no silent fallback for an unknown key or language."""
from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from portfolio.outputs import texts
from portfolio.outputs.kinds import LANGS

PACKAGE = Path(__file__).resolve().parents[2] / "portfolio"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(texts.TEXT))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    entry = texts.TEXT[key]
    assert set(entry) == set(LANGS), key
    zh, en = entry["zh"], entry["en"]
    assert type(zh) is type(en) and zh and en
    if isinstance(zh, list):
        assert len(zh) == len(en)
        pairs = list(zip(zh, en))
    else:
        pairs = [(zh, en)]
    for a, b in pairs:
        assert a.strip() and b.strip()
        assert _fields(a) == _fields(b), (key, a, b)


def test_the_lookup_formats_and_refuses_unknown_keys_and_languages():
    assert texts.text("outcome.growth", "en", year=2023) == "real growth 2023"
    assert texts.text("outcome.growth", "zh", year=2023) == "2023年实际增速"
    with pytest.raises(KeyError, match="no text 'no.such.key'"):
        texts.text("no.such.key", "en")
    with pytest.raises(ValueError, match="language"):
        texts.text("outcome.growth", "fr", year=2023)


def test_no_module_but_texts_holds_a_table_of_zh_en_strings():
    """A dict literal with both a "zh" and an "en" string is a text table: it belongs in texts.py."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "texts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)
                        and isinstance(v, ast.Constant) and isinstance(v.value, str)}
                if {"zh", "en"} <= keys:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not found, f"zh/en text tables outside outputs/texts.py: {found}"


def test_every_project_kind_has_a_label_in_both_languages():
    from portfolio.outputs.texts import kind_label
    from portfolio.scenario.schema import KINDS

    for kind in KINDS:
        labels = {lang: kind_label(kind, lang) for lang in ("zh", "en")}
        assert kind not in labels.values() and labels["zh"] != labels["en"], kind
