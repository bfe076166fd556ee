"""``portfolio rerun RUN_DIR``: reproduce a run from its manifest, bit for bit, or say what changed.

The manifest holds the resolved scenario (after extends, registers and overrides), the seed, draws and
sampler, and the SHA-256 of every input file. A rerun first checks the input files: a file that
changed or disappeared is reported by name (the run is then not reproducible from the files; with
``from_manifest`` it is rerun from the resolved scenario stored in the manifest). It then simulates
again into a temporary folder and compares every sampled input and outcome of every draw and the
summary (timings excepted).
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from portfolio.outputs.folders import (
    RunFolder,
    read_json,
    read_manifest,
    scenario_from_manifest,
)


@dataclass
class RerunReport:
    reproduced: bool
    changed_files: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)     # summary figures this version adds to the folder's

    def lines(self) -> list[str]:
        out = [f"input file changed: {f}" for f in self.changed_files]
        out += [f"differs: {d}" for d in self.differences]
        if self.added:
            out.append("new in this version (not in the folder, not compared): " + ", ".join(self.added))
        out.append("reproduced bit for bit: every sampled input and outcome of every draw, and the summary"
                   if self.reproduced else "NOT reproduced")
        return out


def changed_inputs(manifest: dict) -> list[str]:
    """Input files whose current SHA-256 differs from the manifest's (or that are missing)."""
    changed = []
    for label, info in manifest.get("input_files", {}).items():
        path = Path(info["path"])
        if not path.is_file():
            changed.append(f"{label} (missing)")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
            changed.append(f"{label} (SHA-256 differs from the manifest)")
    return changed


def rerun(folder: str | Path, from_manifest: bool = False, workers: int = 1) -> RerunReport:
    """Rerun a finished run and compare it with the original."""
    from portfolio.runs.simulate import simulate

    folder = Path(folder)
    manifest = read_manifest(folder)
    changed = changed_inputs(manifest)
    if changed and not from_manifest:
        return RerunReport(False, changed, ["inputs changed: rerun with --from-manifest to reproduce from the "
                                            "resolved scenario stored in the manifest"])
    scenario = scenario_from_manifest(manifest)
    conditioning = manifest.get("conditioning") or {}
    result = simulate(scenario, draws=manifest["draws"], seed=manifest["seed"], sampler=manifest["sampler"],
                      workers=workers, actuals=conditioning.get("actuals"), ledger=conditioning.get("ledger"))
    differences = []
    with tempfile.TemporaryDirectory() as tmp:
        again = result.save(Path(tmp) / "rerun", charts=False)
        old = RunFolder(folder).draws()
        new = RunFolder(again).draws()
        added_columns = [c for c in new.columns if c not in old.columns]
        new = new[[c for c in new.columns if c in old.columns]]        # what this version adds: listed
        if list(old.columns) != list(new.columns):
            differences.append("draws.parquet columns")
        elif not old.equals(new):
            bad = [c for c in old.columns if not old[c].equals(new[c])]
            differences.append(f"draws.parquet values in {len(bad)} columns, e.g. {', '.join(bad[:5])}")
        for name in ("summary.json",):
            a, b = read_json(folder / name), read_json(again / name)
            a.pop("timing", None), b.pop("timing", None)
            differ, added = compare_summaries(a, b)
            if differ:
                differences.append(f"{name}: {', '.join(differ)}")
    if added_columns:
        added.append(f"draws.parquet columns {added_columns[0]} … ({len(added_columns)})")
    return RerunReport(not differences and not changed, changed, differences, added)


def compare_summaries(old, new, path: str = "") -> tuple[list[str], list[str]]:
    """(paths that differ, paths only the new summary has). Every figure of the old summary must come
    back identical; figures a later version adds are listed, not counted as differences."""
    if isinstance(old, dict) and isinstance(new, dict):
        differ, added = [], []
        for key in old:
            where = f"{path}.{key}" if path else key
            if key not in new:
                differ.append(where)
            else:
                d, a = compare_summaries(old[key], new[key], where)
                differ += d
                added += a
        added += [f"{path}.{k}" if path else k for k in new if k not in old]
        return differ, added
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and \
            all(isinstance(x, dict) for x in old + new):
        differ, added = [], []
        for i, (x, y) in enumerate(zip(old, new)):
            d, a = compare_summaries(x, y, f"{path}[{i}]")
            differ += d
            added += [k.replace(f"[{i}]", "[*]") for k in a]
        return differ, sorted(set(added), key=added.index)
    return ([] if old == new or (old != old and new != new) else [path or "summary"]), []
