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

from portfolio import __version__
from portfolio.problems import UserError

FORMAT_VERSION = 1
MARKER = "INCOMPLETE"
PARQUET_ROWS = 65_536


class OutputError(UserError):
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


def draw_columns(years, start: int, inputs: dict, gdp, growth, valid, targets) -> dict:
    """Columns of draws.parquet for consecutive draws from ``start``: inputs, then outcomes."""
    n = len(valid)
    cols: dict = {"draw": np.arange(start, start + n)}
    cols.update(inputs)
    cols["valid"] = valid
    for t, year in enumerate(years):
        cols[f"gdp_{year}"] = gdp[:, t]
    for t, year in enumerate(years[1:]):
        cols[f"growth_{year}"] = growth[:, t]
    for name, values in targets.items():
        cols[f"target_{name}"] = values
    return cols


class StagedFolder:
    """``with StagedFolder(folder, force) as stage:`` — write files into ``stage``; on a clean exit the
    folder is moved into place, on an exception the staging folder is removed."""

    def __init__(self, folder: Path, force: bool = False):
        self.folder = Path(folder)
        check_destination(self.folder, force)
        self.stage: Path | None = None

    def __enter__(self) -> Path:
        self.stage = staging_folder(self.folder)
        return self.stage

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            finalise(self.stage, self.folder)
        else:
            shutil.rmtree(self.stage, ignore_errors=True)


class DrawsWriter:
    """Appends rows to draws.parquet as chunks arrive (bounded memory for any number of draws)."""

    def __init__(self, path: Path, years):
        self.path, self.years, self._writer = path, years, None

    def write(self, start: int, inputs, gdp, growth, valid, targets) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for a in range(0, len(valid), PARQUET_ROWS):
            b = min(a + PARQUET_ROWS, len(valid))
            table = pa.table(draw_columns(self.years, start + a, {k: v[a:b] for k, v in inputs.items()},
                                          gdp[a:b], growth[a:b], valid[a:b],
                                          {k: v[a:b] for k, v in targets.items()}))
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._writer.write_table(table)

    def write_chunk(self, chunk) -> None:
        self.write(chunk.start, chunk.inputs, chunk.gdp, chunk.growth, chunk.valid, chunk.targets)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class RunWriter:
    """Context manager for one run folder: a staging folder, renamed into place by ``finish``.

    On any exception (including Ctrl-C) the staging folder is removed; a killed process leaves it
    behind, hidden and marked INCOMPLETE, never a folder that looks complete.
    """

    def __init__(self, folder: Path, force: bool = False):
        self.folder = Path(folder)
        check_destination(self.folder, force)
        self.stage: Path | None = None
        self.draws: DrawsWriter | None = None

    def __enter__(self) -> "RunWriter":
        self.stage = staging_folder(self.folder)
        return self

    def stream_draws(self, years) -> DrawsWriter:
        """Start streaming draws.parquet into the staging folder (for runs too big to keep)."""
        self.draws = DrawsWriter(self.stage / "draws.parquet", years)
        return self.draws

    def finish(self, result, command: str | None = None, extras=None) -> Path:
        """Write the remaining files and move the folder into place.

        ``extras(stage)`` may add files (charts) from the written tables before the manifest is
        written and the folder is moved into place."""
        stage = self.stage
        write_json(stage / "summary.json", result.summary())
        result.years().to_csv(stage / "years.csv", index=False)
        result.projects().to_csv(stage / "projects.csv", index=False)
        result.energy().to_csv(stage / "energy.csv", index=False)
        if self.draws is not None:
            self.draws.close()
        else:
            d = result.data
            writer = DrawsWriter(stage / "draws.parquet", result.years_index)
            writer.write(0, d.inputs, d.gdp, d.growth, d.valid, d.targets)
            writer.close()
        if extras is not None:
            extras(stage)
        write_json(stage / "manifest.json", manifest(result, command))
        self.done = finalise(stage, self.folder)
        self.stage = None
        return self.done

    def __exit__(self, kind, value, tb) -> None:
        if self.draws is not None:
            self.draws.close()
        if self.stage is not None and kind is not None:
            shutil.rmtree(self.stage, ignore_errors=True)


def write_run(result, folder: Path, force: bool = False, command: str | None = None) -> Path:
    """Write every file of a run folder atomically; return the folder."""
    with RunWriter(folder, force) as writer:
        return writer.finish(result, command)


def manifest(result, command: str | None) -> dict:
    """Everything needed to reproduce and audit a run."""
    from portfolio.scenario.loading import origin

    resolved = origin(result.scenario)
    files = {}
    if resolved is not None:
        files = {label: {"path": resolved.paths.get(label, label), "sha256": digest}
                 for label, digest in resolved.files.items()}
    files.update(result.compiled.input_files)
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
        "conditioning": {"actuals": getattr(result.compiled.actuals, "path", None),
                         "ledger": getattr(result.compiled.ledger_source, "path", None)},
        "resolved_scenario": resolved.data if resolved is not None else result.scenario.model_dump(mode="json"),
        "started": dt.datetime.fromtimestamp(result.started_at, dt.timezone.utc).isoformat(),
        "finished": dt.datetime.fromtimestamp(result.finished_at, dt.timezone.utc).isoformat(),
        "wall_seconds": round(result.finished_at - result.started_at, 3),
        "compute_seconds": round(result.data.compute_seconds, 3),
        "environment": {"python": platform.python_version(), "numpy": np.__version__,
                        "platform": platform.platform()},
    }
