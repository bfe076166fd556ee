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


CJK = __import__("re").compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_no_english_text_holds_chinese():
    """English uses English units ("100 million yuan", never 亿元) and English words throughout."""
    def strings(value):
        return [value] if isinstance(value, str) else [s for v in value for s in strings(v)]

    chinese = {key: s for key, entry in texts.TEXT.items() for s in strings(entry["en"]) if CJK.search(s)}
    assert chinese == {}


def test_the_terminal_summary_names_money_in_english():
    from portfolio.outputs.textsummary import format_summary

    summary = {"title": {"zh": "测试", "en": "Test"}, "scenario": "t", "draws": 100, "seed": 1, "sampler": "lhs",
               "targets": [{"name": "gdp", "metric": "gdp_level", "window": [2025, 2025], "threshold": 2500.0,
                            "probability": 0.5, "ci95": [0.4, 0.6], "year": 2025,
                            "outcome": {"p10": 1.0, "p50": 2.0, "p90": 3.0},
                            "shortfall": {"expected": 566.0, "mean_if_missed": 600.0}}],
               "average_growth": {"window": [2021, 2025], "p10": 0.05, "p50": 0.07, "p90": 0.09},
               "gdp": {"year": 2025, "p10": 1.0, "p50": 2.0, "p90": 3.0},
               "contributions": {"window": [2021, 2025], "tfp": 1, "capital": 1, "labour": 0, "construction": 1,
                                 "operation": 0, "energy": 0}, "invalid_draws": 0}
    text = format_summary(summary)
    assert "亿元" not in text and "GDP 2025 ≥ 2,500 (100 million yuan)" in text
    assert "gdp 566 (100 million yuan) (600)" in text


@pytest.mark.parametrize("written,english", [
    ("pert(10, 30, 80) 亿元", "pert(10, 30, 80) × 100 million yuan"),
    ("1372 亿元", "1372 × 100 million yuan"),
    ("3000万元", "0.3 × 100 million yuan"),
    ("1000万千瓦", "10,000 MW"),
    ("pert(100, 200, 300, 4) 万千瓦", "pert(1000, 2000, 3000, 4) MW"),      # pert's shape is no quantity
    ("9.3 亿千瓦时", "930 GWh"),
    ("0.30 元/kWh", "0.30 yuan/kWh"),
    ("4300 元/kW", "4300 yuan/kW"),
    ("18个月", "18 months"),
    ("triangular(1100, 1300, 1800) h", "triangular(1100, 1300, 1800) h"),
])
def test_a_spec_written_in_chinese_units_is_shown_in_the_english_units_of_the_outputs(written, english):
    from portfolio.outputs.names import spec_text
    from portfolio.uncertainty.quantities import parse_uncertain
    from portfolio.uncertainty.units import kind_of, split_quantity

    assert spec_text(written, "en") == english
    assert spec_text(written, "zh") == written
    unit = (split_quantity(written) or ("", ""))[1] if "(" not in written else written.rsplit(")", 1)[1].strip()
    kind = kind_of(unit)[0] if kind_of(unit) else "hours"
    if "(" not in written and kind in ("money", "power", "energy"):       # the same quantity, in base units
        number = float(english.split(" ")[0].replace(",", ""))
        assert parse_uncertain(written, kind) == pytest.approx(number)
