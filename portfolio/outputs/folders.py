"""Output folders — run, comparison, sensitivity, discovery and sweep folders — written and read here.

Writing: a folder is staged in a hidden folder next to its destination (``.NAME.incomplete-PID``,
holding the ``INCOMPLETE`` marker) and renamed into place only when every file is written
(``StagedFolder``, ``RunWriter``), so an interrupted command never leaves a folder that looks complete.
A folder that grows case by case (a sweep) writes each file atomically (``write_atomic``) and keeps
the marker until it is finished. Every folder is self-describing: ``manifest.json`` holds the format
and package version, the command, every input file with its SHA-256, timings and the environment.

Reading: ``RunFolder`` and ``ComparisonFolder`` read finished folders (``folder_kind`` tells them
apart); ``read_manifest`` and ``scenario_from_manifest`` rebuild what a run was made from. Every
problem is a ``FolderError``: one line for the user.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from portfolio import __version__
from portfolio.problems import UserError, clip
from portfolio.scenario import cells

FORMAT_VERSION = 1
MARKER = "INCOMPLETE"
PARQUET_ROWS = 65_536


class OutputError(UserError):
    """The output folder cannot be used (exists, not writable, disk full)."""


def check_destination(folder: Path, force: bool, inputs=()) -> None:
    """Refuse a non-empty destination unless ``force``, and with ``force`` one the tool did not make
    (``made_here``); refuse a destination that is, holds or lies inside any of ``inputs`` (the files and
    folders the command reads); check the parent is writable."""
    if folder.is_symlink() and not folder.exists():
        raise OutputError(f"{folder} is a symlink to something that does not exist; give a folder")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder")
    clash = overlapping_input(folder, inputs)
    if clash is not None:
        raise OutputError(f"{folder} would replace an input of this command ({clash}); choose another --out")
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise OutputError(f"{folder} is not empty (use --force to replace it)")
        if not made_here(folder):
            raise OutputError(f"{folder} was not made by portfolio (no manifest or marker of its own); --force "
                              "replaces only an output folder the tool wrote: choose another --out")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write to {parent} (permission denied)")


def overlapping_input(folder: Path, inputs) -> str | None:
    """The first of ``inputs`` that ``folder`` is, holds or lies inside (symlinks resolved); None if none."""
    here = Path(folder).resolve()
    for item in inputs:
        if item is None:
            continue
        there = Path(item).resolve()
        if here == there or here in there.parents or (there.is_dir() and there in here.parents):
            return str(item)
    return None


#: the files by which the tool knows an output folder as its own (besides its INCOMPLETE marker)
OWN_FILES = ("manifest.json", "comparison.json", "sensitivity.json", "discovery.json", "backtest.json",
             "robust.json")


def made_here(folder: Path) -> bool:
    """Whether ``folder`` is an output folder the tool wrote: it holds the INCOMPLETE marker, or one of
    ``OWN_FILES`` as a JSON object (a run's, comparison's or sweep's manifest says its format version)."""
    folder = Path(folder)
    if (folder / MARKER).is_file():
        return True
    for name in OWN_FILES:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and (name != "manifest.json" or "format_version" in data):
            return True
    return False


def staging_folder(folder: Path) -> Path:
    stage = folder.parent / f".{folder.name}.incomplete-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    (stage / MARKER).write_text("This run did not finish writing; its files are incomplete.\n", encoding="utf-8")
    return stage


def finalise(stage: Path, folder: Path, force: bool = True) -> Path:
    """Remove the marker and move the staging folder into place (replacing an old folder). Without
    ``force``, a folder that another command filled since the destination was checked is never
    replaced: OutputError, and the staging folder is left for the caller to remove."""
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise OutputError(f"{folder} was written by another command meanwhile; this result was not saved "
                          "(give another --out, or --force to replace it)")
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
    path.write_text(json.dumps(plain(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")


def write_csv(table, path, **options) -> None:
    """A table as CSV for people: UTF-8 with a byte-order mark, so that Excel on Windows (which reads a
    CSV without one in the system code page) shows Chinese names correctly on a double-click; pandas,
    Python's ``utf-8-sig`` and R read it as plain UTF-8. Texts a spreadsheet would take for a formula are
    written neutralised (``cells.neutral``; ``RunFolder.table`` reads them back as they were).
    ``options`` go to ``DataFrame.to_csv``."""
    cells.frame(table).to_csv(path, encoding="utf-8-sig", **options)


#: the natural index of each table of a run: the API gives its frames indexed by it (``Result.years()``,
#: ``RunData.table``); the CSV files hold it as ordinary first columns (``Result.years(indexed=False)``)
TABLE_INDEX = {"years": ("year",), "projects": ("id",), "energy": ("technology", "year")}


def indexed(table, name: str):
    """A run table (as the CSV file holds it) indexed by its ``TABLE_INDEX`` columns."""
    keys = list(TABLE_INDEX[name])
    if not all(k in table.columns for k in keys):     # an empty table (a scenario without projects)
        table = table.reindex(columns=[*keys, *(c for c in table.columns if c not in keys)])
    return table.set_index(keys)


def plain(value):
    """JSON-ready: numpy scalars → Python, NaN/inf → null, dates → ISO text, tuples → lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
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


def draw_columns(years, start: int, inputs: dict, gdp, growth, valid, targets, schedule=None) -> dict:
    """Columns of draws.parquet for consecutive draws from ``start``: inputs, then outcomes, then each
    project's start and finish (``start_<id>``, ``finish_<id>``, decimal years, NaN when cancelled)."""
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
    cols.update(schedule or {})
    return cols


class OutputLock:
    """``.NAME.lock`` beside an output folder while a command writes it, made with exclusive create and
    holding the writer's process id: a second command writing the same folder is refused at once (a
    lock left by a process that no longer runs is taken over)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder.parent / f".{self.folder.name}.lock"
        self.held = False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = self._owner()
                if owner is not None and _running(owner):
                    raise OutputError(f"{self.folder} is being written by another command (process {owner}); "
                                      "wait for it or give another --out") from None
                self.path.unlink(missing_ok=True)            # left by a process that has ended
                continue
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(f"{os.getpid()}\n")
            self.held = True
            return
        raise OutputError(f"{self.folder}: cannot take the lock {self.path.name}")

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text(encoding="ascii").strip() or 0) or None
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self.held:
            self.held = False
            if self._owner() == os.getpid():
                self.path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class StagedFolder:
    """``with StagedFolder(folder, force) as stage:`` — write files into ``stage``; on a clean exit the
    folder is moved into place, on an exception the staging folder is removed."""

    def __init__(self, folder: Path, force: bool = False, inputs=()):
        self.folder = Path(folder)
        self.force = force
        check_destination(self.folder, force, inputs)
        self.stage: Path | None = None
        self.lock = OutputLock(self.folder)

    def __enter__(self) -> Path:
        self.lock.acquire()
        try:
            self.stage = staging_folder(self.folder)
        except BaseException:
            self.lock.release()
            raise
        return self.stage

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                try:
                    finalise(self.stage, self.folder, self.force)
                except BaseException:
                    shutil.rmtree(self.stage, ignore_errors=True)
                    raise
            else:
                shutil.rmtree(self.stage, ignore_errors=True)
        finally:
            self.lock.release()


class DrawsWriter:
    """Appends rows to draws.parquet as chunks arrive (bounded memory for any number of draws)."""

    def __init__(self, path: Path, years):
        self.path, self.years, self._writer = path, years, None

    def write(self, start: int, inputs, gdp, growth, valid, targets, schedule=None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for a in range(0, len(valid), PARQUET_ROWS):
            b = min(a + PARQUET_ROWS, len(valid))
            table = pa.table(draw_columns(self.years, start + a, {k: v[a:b] for k, v in inputs.items()},
                                          gdp[a:b], growth[a:b], valid[a:b],
                                          {k: v[a:b] for k, v in targets.items()},
                                          {k: v[a:b] for k, v in (schedule or {}).items()}))
            if self._writer is None:
                # no dictionary pages (float columns are all distinct: 4× faster, smaller) and no
                # compression: sampled floats barely compress (LZ4 saved 4% of a 100,000-draw file, 272 →
                # 260 MB) and cost half as much time again to write (0.29 s → 0.45 s)
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="none", use_dictionary=False)
            self._writer.write_table(table)

    def write_chunk(self, chunk) -> None:
        self.write(chunk.start, chunk.inputs, chunk.gdp, chunk.growth, chunk.valid, chunk.targets, chunk.schedule)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class RunWriter:
    """Context manager for one run folder: a staging folder, renamed into place by ``finish``.

    On any exception (including Ctrl-C) the staging folder is removed; a killed process leaves it
    behind, hidden and marked INCOMPLETE, never a folder that looks complete.
    """

    def __init__(self, folder: Path, force: bool = False, inputs=()):
        self.folder = Path(folder)
        self.force = force
        check_destination(self.folder, force, inputs)
        self.stage: Path | None = None
        self.draws: DrawsWriter | None = None
        self.lock = OutputLock(self.folder)

    def __enter__(self) -> "RunWriter":
        self.lock.acquire()                    # a second command writing this folder is told at once
        try:
            self.stage = staging_folder(self.folder)
        except BaseException:
            self.lock.release()
            raise
        return self

    def stream_draws(self, years) -> DrawsWriter:
        """Start streaming draws.parquet into the staging folder (for runs too big to keep)."""
        self.draws = DrawsWriter(self.stage / "draws.parquet", years)
        return self.draws

    def finish(self, result, command: str | None = None, extras=None) -> Path:
        """Write the remaining files and move the folder into place.

        ``extras(stage)`` may add files (charts) from the written tables before the manifest is
        written and the folder is moved into place."""
        from portfolio.model.threads import spare_threads

        stage = self.stage
        # draws.parquet and the tables are computed in threads (pyarrow writes, and NumPy sorts and
        # partitions, without holding the GIL); the summary and the criticality table in one, as they
        # share the criticality statistics. Each file is written whole by one thread, so the folder is the
        # same for any number of threads; leaving the block waits for all and raises the first error.
        schedule = result.schedule_table_names()                  # criticality, s_curves, groups

        def summary_and_criticality():
            write_json(stage / "summary.json", result.summary())
            write_csv(result.criticality(), stage / "criticality.csv", index=False)

        def table(name: str):                 # years, projects, energy (CSV layout), s_curves, groups
            frame = getattr(result, name)(indexed=False) if name in TABLE_INDEX else getattr(result, name)()
            write_csv(frame, stage / f"{name}.csv", index=False)

        others = [*sorted(TABLE_INDEX, key=lambda n: n != "energy"), *(n for n in schedule if n != "criticality")]
        with ThreadPoolExecutor(1 + spare_threads(), thread_name_prefix="portfolio-write") as pool:
            jobs = [pool.submit(self._write_draws, result, stage), pool.submit(summary_and_criticality),
                    *(pool.submit(table, name) for name in others)]
            for job in jobs:
                job.result()
        if extras is not None:
            extras(stage)
        write_json(stage / "manifest.json", manifest(result, command))
        self.done = finalise(stage, self.folder, self.force)
        self.stage = None
        return self.done

    def _write_draws(self, result, stage: Path) -> None:
        """Finish draws.parquet: close the streamed file, or write the kept draws in one go."""
        if self.draws is not None:
            self.draws.close()
            return
        d = result.data
        writer = DrawsWriter(stage / "draws.parquet", result.years_index)
        writer.write(0, d.inputs, d.gdp, d.growth, d.valid, d.targets, d.schedule)
        writer.close()

    def __exit__(self, kind, value, tb) -> None:
        try:
            if self.draws is not None:
                self.draws.close()
            if self.stage is not None and kind is not None:
                shutil.rmtree(self.stage, ignore_errors=True)
        finally:
            self.lock.release()


def manifest(result, command: str | None) -> dict:
    """Everything needed to reproduce and audit a run."""
    from portfolio.scenario.loading import origin

    resolved = origin(result.scenario)
    files = {}
    if resolved is not None:
        files = {label: {"path": resolved.paths.get(label, label), "sha256": digest}
                 for label, digest in resolved.files.items()}
    files.update(result.compiled.input_files)
    began = result.run_started_at or result.started_at
    now = time.time()
    return {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "scenario": result.scenario.meta.name,
        "seed": result.spec.seed,
        "draws": result.spec.draws,
        "sampler": result.spec.sampler,
        "workers": result.spec.workers,
        "executor": result.executor,
        "chunk_size": result.spec.chunk_size,
        "command": command or " ".join(sys.argv),
        "input_files": files,
        "conditioning": {"actuals": getattr(result.compiled.actuals, "path", None),
                         "ledger": getattr(result.compiled.ledger_source, "path", None)},
        "resolved_scenario": resolved.data if resolved is not None else result.scenario.model_dump(mode="json"),
        # the whole run, from loading the scenario to this manifest (tables and charts written), and the
        # simulation alone; compute: the chunks' own time, summed over the workers
        "started": dt.datetime.fromtimestamp(began, dt.timezone.utc).isoformat(),
        "finished": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(),
        "wall_seconds": round(now - began, 3),
        "simulation_seconds": round(result.finished_at - result.started_at, 3),
        "compute_seconds": round(result.data.compute_seconds, 3),
        "environment": environment(),
    }


# ====================================================================================== names and files
def default_folder(stem: str, parent: Path = Path("outputs")) -> Path:
    """Where a command writes when no ``--out`` is given: ``outputs/<stem>-<YYYYmmdd-HHMMSS>``."""
    return Path(parent) / f"{stem}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def write_atomic(path: Path, write) -> None:
    """``write(tmp)`` into a hidden temporary file beside ``path``, then rename it into place: the file
    at ``path`` is the earlier one or the whole new one, never a truncated one (every file a command
    writes outside a staged folder goes through here: a sweep's cases, reports, exports, charts)."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def save_zip_atomic(path: Path, save) -> None:
    """A zip-based document (XLSX, DOCX) made in memory by ``save(buffer)``, then written atomically: a
    full disk is one clean error, with no half-closed archive left to fail again later."""
    import io

    buffer = io.BytesIO()
    save(buffer)
    write_bytes_atomic(path, buffer.getvalue())


def write_json_atomic(path: Path, data) -> None:
    write_atomic(path, lambda tmp: write_json(tmp, data))


def environment() -> dict:
    """The software a folder was made with (for its manifest)."""
    return {"python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform()}


def read_json(path: Path):
    """A JSON file's data, or None when the file does not exist."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# ====================================================================================== reading
def why(exc: BaseException) -> str:
    """An exception as one short line for a message: its kind and the first line of its text."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {clip(text.splitlines()[0], 200)}" if text else type(exc).__name__


class FolderError(UserError):
    """A folder is missing, unfinished (INCOMPLETE) or not of the kind a command reads."""


#: the file that tells each kind of output folder apart
KIND_FILES = {"comparison": "comparison.json", "sensitivity": "sensitivity.json", "discovery": "discovery.json",
              "sweep": "sweep.yaml", "run": "summary.json"}
RUN_FILES = ("summary.json", "years.csv", "projects.csv", "energy.csv", "draws.parquet")


def folder_kind(folder) -> str | None:
    """``run``, ``comparison``, ``sensitivity``, ``discovery`` or ``sweep``; None for anything else."""
    folder = Path(folder)
    return next((kind for kind, name in KIND_FILES.items() if (folder / name).is_file()), None)


def check_finished(folder: Path, what: str = "run folder") -> None:
    """FolderError unless ``folder`` exists, is a folder, and carries no INCOMPLETE marker."""
    if not folder.exists():
        raise FolderError(f"{folder}: no such {what}")
    if not folder.is_dir():
        raise FolderError(f"{folder}: not a {what} (give the folder `portfolio run` wrote)")
    if (folder / MARKER).exists():
        raise FolderError(f"{folder}: the run did not finish writing ({MARKER} marker); run it again")


def read_manifest(folder) -> dict:
    """A finished folder's manifest.json; FolderError when it is unfinished, absent or unreadable."""
    folder = Path(folder)
    check_finished(folder, "folder")
    path = folder / "manifest.json"
    if not path.is_file():
        raise FolderError(f"{folder}: not a finished run folder: no manifest.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FolderError(f"{path}:{exc.lineno}: manifest is not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FolderError(f"{path}: cannot read the manifest ({type(exc).__name__})") from None
    return check_manifest(data, path)


def check_manifest(data, path) -> dict:
    """``data`` if it has the shape of a manifest (a mapping; ``input_files`` a mapping of {path, sha256}
    texts; ``resolved_scenario`` a mapping), else FolderError: a hand-edited or damaged manifest is a
    message, never an internal error."""
    def bad(what: str) -> FolderError:
        return FolderError(f"{path}: not a manifest this version can read ({what}); the folder may have been "
                           "edited by hand — run the scenario again")

    if not isinstance(data, dict):
        raise bad(f"a {type(data).__name__}, not a mapping")
    files = data.get("input_files", {})
    if not isinstance(files, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("path"), str) and isinstance(v.get("sha256"), str)
            for v in files.values()):
        raise bad("input_files: expected each file's path and sha256")
    for key in ("resolved_scenario", "conditioning"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            raise bad(f"{key}: expected a mapping")
    if "runs" in data and not (isinstance(data["runs"], list) and all(isinstance(r, dict) for r in data["runs"])):
        raise bad("runs: expected a list of mappings")
    return data


def scenario_from_manifest(manifest: dict):
    """The run's validated Scenario, rebuilt from the resolved scenario its manifest stores (the same
    data the run was made from, whatever has happened to its files since). InputError if invalid."""
    from portfolio.scenario.loading import from_data

    data = manifest.get("resolved_scenario")
    if not isinstance(data, dict):
        raise FolderError("the manifest holds no resolved scenario")
    return from_data(data, "manifest.json")


class RunFolder:
    """A finished run folder, read lazily: ``summary``, ``manifest``, ``scenario_data`` (the resolved
    scenario), ``table(name)`` for years/projects/energy, and ``draws(columns)`` from draws.parquet.

    ``staging=True`` reads a folder that ``portfolio run`` is still writing (marker present, no
    manifest yet), with ``scenario_data`` given by the writer."""

    OUTCOME_PREFIXES = ("gdp_", "growth_", "target_", "start_", "finish_")   # outcomes; inputs are dotted paths

    def __init__(self, folder, staging: bool = False, scenario_data: dict | None = None):
        self.path = Path(folder)
        if not staging:
            check_finished(self.path)
        elif not self.path.is_dir():
            raise FolderError(f"{self.path}: no such run folder")
        if not (self.path / "draws.parquet").is_file():
            raise FolderError(f"{self.path}: no draws.parquet in this folder: not a run folder "
                              "(make one with `portfolio run SCENARIO --out FOLDER`)")
        missing = [name for name in RUN_FILES if not (self.path / name).is_file()]
        if missing:
            raise FolderError(f"{self.path}: not a complete run folder (missing {', '.join(missing)})")
        try:
            self.summary = read_json(self.path / "summary.json")
            self.manifest = read_json(self.path / "manifest.json")
        except (OSError, ValueError) as exc:
            raise FolderError(f"{self.path}: cannot read the run folder ({why(exc)})") from None
        if self.manifest is not None:
            check_manifest(self.manifest, self.path / "manifest.json")
        if not isinstance(self.summary, dict):
            raise FolderError(f"{self.path}: summary.json is not a run summary (edited by hand?)")
        self.scenario_data = (self.manifest or {}).get("resolved_scenario") or scenario_data or {}
        self._columns: list[str] | None = None

    @property
    def name(self) -> str:
        return self.summary.get("scenario") or self.path.name

    @property
    def title(self) -> dict:
        return self.summary.get("title") or {"en": self.name, "zh": self.name}

    @property
    def language(self) -> str | None:
        lang = (self.scenario_data.get("meta") or {}).get("language")
        return lang if lang in ("zh", "en") else None

    @property
    def columns(self) -> list[str]:
        """The columns of draws.parquet."""
        if self._columns is None:
            import pyarrow.parquet as pq

            try:
                self._columns = pq.read_schema(self.path / "draws.parquet").names
            except (OSError, ValueError) as exc:
                raise FolderError(f"{self.path}: cannot read draws.parquet ({why(exc)})") from None
        return self._columns

    @property
    def inputs(self) -> list[str]:
        """The sampled inputs in draws.parquet (scenario paths)."""
        return [k for k in self.columns if k not in ("draw", "valid") and not k.startswith(self.OUTCOME_PREFIXES)]

    @property
    def years(self) -> list[int]:
        """Base year … horizon, from the gdp_<year> columns."""
        import re

        years = sorted(int(k[4:]) for k in self.columns if re.fullmatch(r"gdp_\d{4}", k))
        if not years:
            raise FolderError(f"{self.path}: draws.parquet has no gdp_<year> columns")
        return years

    def table(self, name: str):
        """years, projects or energy as a DataFrame (an empty file is an empty table)."""
        import pandas as pd

        try:
            return cells.unframe(pd.read_csv(self.path / f"{name}.csv"))
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        except (OSError, ValueError) as exc:
            raise FolderError(f"{self.path}: cannot read {name}.csv ({why(exc)})") from None

    def draws(self, columns=None):
        """Columns of draws.parquet (all when None; ``valid`` always included) as a DataFrame."""
        import pandas as pd

        wanted = None if columns is None else list(dict.fromkeys([*columns, "valid"]))
        missing = [c for c in wanted or () if c not in self.columns]
        if missing:
            raise FolderError(f"{self.path}: draws.parquet has no column {', '.join(map(repr, missing[:3]))}"
                              f"{' ...' if len(missing) > 3 else ''} (summary.json and draws.parquet disagree: "
                              "edited by hand?)")
        try:
            return pd.read_parquet(self.path / "draws.parquet", columns=wanted)
        except (OSError, ValueError, KeyError) as exc:
            raise FolderError(f"{self.path}: cannot read draws.parquet ({why(exc)})") from None

    def scenario(self):
        """The run's Scenario rebuilt from the manifest, or None when the manifest cannot give one (an
        old or hand-edited manifest)."""
        try:
            return scenario_from_manifest(self.manifest or {})
        except Exception:  # noqa: BLE001 — callers fall back to what the tables say
            return None


class ComparisonFolder:
    """A finished comparison folder: ``summary`` (comparison.json), ``manifest``, each scenario's
    ``scenario_summary(name)``, the tables ``table()`` (scenarios.csv) and ``differences()``
    (differences.csv) and the per-draw table ``draws()``."""

    def __init__(self, folder):
        self.path = Path(folder)
        check_finished(self.path, "comparison folder")
        if not (self.path / "comparison.json").is_file():
            raise FolderError(f"{self.path}: not a comparison folder (no comparison.json)")
        self.summary = read_json(self.path / "comparison.json")
        self.manifest = read_manifest(self.path)

    @property
    def scenarios(self) -> list[str]:
        return list(self.summary["scenarios"])

    def scenario_summary(self, name: str) -> dict:
        return read_json(self.path / "scenarios" / f"{name}.json")

    @property
    def language(self) -> str:
        first = (self.manifest.get("runs") or [{}])[0]
        return (first.get("resolved_scenario") or {}).get("meta", {}).get("language", "zh")

    def draws(self):
        import pandas as pd

        return pd.read_parquet(self.path / "draws.parquet")

    def table(self):
        """One row per scenario (scenarios.csv): probabilities with intervals, average growth, GDP."""
        import pandas as pd

        return pd.DataFrame(self.summary["table"])

    def differences(self):
        """Paired differences against the first scenario (differences.csv)."""
        import pandas as pd

        return pd.DataFrame(self.summary["differences"])

    def _rows(self):
        from portfolio.outputs.textsummary import probability_rows

        targets = [t["name"] for t in self.scenario_summary(self.scenarios[0])["targets"]]
        return probability_rows(self.table(), self.differences(), targets)

    def _heading(self) -> str:
        s = self.summary
        return f"{s['draws']:,} draws per scenario, seed {s['seed']}, common random numbers; folder {self.path}"

    def __repr__(self) -> str:
        from portfolio.outputs.textsummary import probability_lines

        return "\n".join([f"<Comparison {', '.join(self.scenarios)}>", self._heading(),
                          *probability_lines(self._rows())])

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import PROBABILITY_HEADER, card

        return card(f"Comparison: {', '.join(self.scenarios)}", [self._heading()],
                    [*PROBABILITY_HEADER, f"difference against {self.scenarios[0]}"], self._rows())


class SavedFolder:
    """A finished sensitivity, discovery or sweep folder: ``kind``, ``summary`` (sensitivity.json,
    discovery.json, or a sweep's manifest.json), ``table()`` (indices, regional.csv or results) and
    ``manifest``; ``portfolio.open_run`` gives one for such a folder."""

    FILES = {"sensitivity": ("sensitivity.json", "indices.parquet"), "discovery": ("discovery.json", "regional.csv"),
             "sweep": ("manifest.json", "results.parquet")}

    def __init__(self, folder, kind: str | None = None):
        self.path = Path(folder)
        check_finished(self.path, "folder")
        self.kind = kind or folder_kind(self.path)
        if self.kind not in self.FILES:
            raise FolderError(f"{self.path}: not a sensitivity, discovery or sweep folder")
        summary, _ = self.FILES[self.kind]
        if not (self.path / summary).is_file():
            raise FolderError(f"{self.path}: not a finished {self.kind} folder (no {summary})")
        self.summary = read_json(self.path / summary)
        self.manifest = self.summary if self.kind == "sweep" else read_json(self.path / "manifest.json")

    def table(self):
        """The folder's main table: a sensitivity's tidy indices, a discovery's regional sensitivity (KS,
        strongest first), a sweep's results (one row per case)."""
        import pandas as pd

        name = self.FILES[self.kind][1]
        path = self.path / name
        return pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)

    def headline(self) -> list[str]:
        s = self.summary
        if self.kind == "sensitivity":
            outcome = (s.get("outcomes") or [{}])[0].get("label", "")
            return [f"{s.get('method')} sensitivity of {outcome} — {s.get('source')}"]
        if self.kind == "discovery":
            box = s.get("box") or {}
            return [f"When is the target missed? {s.get('scenario')} — {s.get('outcome_label')} below "
                    f"{s.get('miss_if_below')}", f"{s.get('misses', 0):,} misses in {s.get('draws_used', 0):,} valid draws",
                    f"PRIM box: {box.get('description', '')}",
                    *[f"CART leaf: {leaf['description']}" for leaf in (s.get("cart_boxes") or [])[:1]]]
        return [f"Sweep {s.get('sweep')}: {s.get('cases')} cases of {s.get('draws'):,} draws, seed {s.get('seed')}"]

    def __repr__(self) -> str:
        return "\n".join([f"<{self.kind} folder {self.path}>", *self.headline()])

    def _repr_html_(self) -> str:
        from portfolio.outputs.textsummary import card

        table = self.table()
        shown = table.head(10)
        more = [f"the first 10 of {len(table)} rows"] if len(table) > 10 else []
        return card(f"{self.kind} folder {self.path}", [*self.headline(), *more], list(shown.columns),
                    [[_cell(v) for v in row] for row in shown.itertuples(index=False)])


def _cell(value) -> str:
    """A table cell for a notebook: floats with 4 significant digits, missing values empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
