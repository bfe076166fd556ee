"""Run folders: self-describing (manifest.json) and written atomically.

A run is written into a hidden staging folder next to its destination (``.NAME.incomplete-PID``,
holding an ``INCOMPLETE`` marker) and renamed into place only when every file is written, so an
interrupted run never leaves a folder that looks complete.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import shutil
import sys
from pathlib import Path

import numpy as np

from . import __version__

FORMAT_VERSION = 1
MARKER = "INCOMPLETE"
PARQUET_ROWS = 65_536


class OutputError(Exception):
    """The output folder cannot be used (exists, not writable, disk full)."""


def check_destination(folder: Path, force: bool) -> None:
    """Refuse a non-empty destination unless ``force``; check the parent is writable."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise OutputError(f"{folder} is not empty (use --force to replace it)")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write to {parent} (permission denied)")


def staging_folder(folder: Path) -> Path:
    stage = folder.parent / f".{folder.name}.incomplete-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    (stage / MARKER).write_text("This run did not finish writing; its files are incomplete.\n", encoding="utf-8")
    return stage


def finalise(stage: Path, folder: Path) -> Path:
    """Remove the marker and move the staging folder into place (replacing an old folder)."""
    (stage / MARKER).unlink()
    if folder.exists():
        old = folder.parent / f".{folder.name}.replaced-{os.getpid()}"
        os.replace(folder, old)
        os.replace(stage, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, folder)
    return folder


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(_plain(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")


def _plain(value):
    """JSON-ready: numpy scalars → Python, NaN/inf → null, dates → ISO text, tuples → lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def write_run(result, folder: Path, force: bool = False, command: str | None = None) -> Path:
    """Write every file of a run folder atomically; return the folder."""
    check_destination(folder, force)
    stage = staging_folder(folder)
    try:
        write_json(stage / "summary.json", result.summary())
        result.years().to_csv(stage / "years.csv", index=False)
        result.projects().to_csv(stage / "projects.csv", index=False)
        result.energy().to_csv(stage / "energy.csv", index=False)
        write_draws(result, stage / "draws.parquet")
        write_json(stage / "manifest.json", manifest(result, command))
        return finalise(stage, folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_draws(result, path: Path) -> None:
    """draws.parquet, one row per draw, written in slices to bound memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if result.data.inputs is None:
        shutil.copyfile(result.draws_file, path)
        return
    writer = None
    try:
        for start in range(0, result.spec.draws, PARQUET_ROWS):
            stop = min(start + PARQUET_ROWS, result.spec.draws)
            cols = result.outcome_columns(start, stop, {k: v[start:stop] for k, v in result.data.inputs.items()})
            table = pa.table(cols)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def manifest(result, command: str | None) -> dict:
    """Everything needed to reproduce and audit a run."""
    from .scenario import origin

    resolved = origin(result.scenario)
    files = {}
    if resolved is not None:
        files = {label: {"path": resolved.paths.get(label, label), "sha256": digest}
                 for label, digest in resolved.files.items()}
    return {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "scenario": result.scenario.meta.name,
        "seed": result.spec.seed,
        "draws": result.spec.draws,
        "sampler": result.spec.sampler,
        "workers": result.spec.workers,
        "chunk_size": result.spec.chunk_size,
        "command": command or " ".join(sys.argv),
        "input_files": files,
        "resolved_scenario": resolved.data if resolved is not None else result.scenario.model_dump(mode="json"),
        "started": dt.datetime.fromtimestamp(result.started_at, dt.timezone.utc).isoformat(),
        "finished": dt.datetime.fromtimestamp(result.finished_at, dt.timezone.utc).isoformat(),
        "wall_seconds": round(result.finished_at - result.started_at, 3),
        "compute_seconds": round(result.data.compute_seconds, 3),
        "environment": {"python": platform.python_version(), "numpy": np.__version__,
                        "platform": platform.platform()},
    }
