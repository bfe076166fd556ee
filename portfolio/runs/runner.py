"""Running a scenario into a run folder — the call that ``portfolio run`` wraps.

``run(scenario, out)`` loads the scenario, simulates it and writes the run folder atomically (see
``outputs.folders``): the tables, ``draws.parquet`` — streamed to disk as chunks arrive when the run
has more than ``STREAM_DRAWS_ABOVE`` draws, so memory stays bounded — the standard charts (unless
``charts=False``) and the manifest. It returns the ``Result`` with ``result.folder`` set. A chart that
cannot be drawn never throws the simulation away: the folder is written without it and the reason
is in ``result.warnings``.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

from portfolio.outputs import folders
from portfolio.runs.simulate import learns, prepare, simulate
from portfolio.scenario.settings import resolve_settings

STREAM_DRAWS_ABOVE = 200_000  # larger runs stream draws.parquet instead of keeping inputs in memory


def run(scenario, out=None, *, draws: int | None = None, seed: int | None = None, sampler: str | None = None,
        workers: int = 1, overrides=None, actuals=None, ledger=None, charts: bool = True, lang: str | None = None,
        force: bool = False, command: str | None = None, on_draws: Callable[[int, int], None] | None = None,
        executor=None, on_summary: Callable[[object], None] | None = None):
    """Simulate ``scenario`` (a file path or a loaded Scenario) into the run folder ``out`` (default
    ``outputs/<scenario name>-<timestamp>``) → ``Result`` (``result.folder`` is the folder).

    ``draws``, ``seed``, ``sampler`` default to the scenario's ``simulation`` section; ``workers``
    local processes share the work (with 1, this process's threads; results do not depend on it); ``actuals`` and ``ledger`` condition
    the run on what has happened (files or loaded objects); ``lang`` is the charts' language (default
    the scenario's ``meta.language``); ``on_draws(k, total)`` is called as each chunk of ``k`` of the
    ``total`` draws is done (a progress bar); ``executor`` an entered ``executors.DaskExecutor`` to run
    the draws on a Dask cluster instead of ``workers`` local processes; ``on_summary(result)`` is called
    when the simulation is done, before the folder and its charts are written (to print the summary
    without waiting for them). A non-empty ``out`` is refused unless ``force``."""
    from portfolio.runs.results import Result  # noqa: F401 — the type returned
    from portfolio.scenario.loading import load_scenario
    from portfolio.scenario.schema import Scenario

    began = time.time()          # the manifest's wall time covers loading, simulating and writing

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(Path(scenario), overrides)
    elif overrides:
        raise ValueError("overrides apply to a scenario file; pass the path instead of a Scenario")
    folder = Path(out) if out is not None else folders.default_folder(scenario.meta.name)
    writer = folders.RunWriter(folder, force=force,          # a folder in the way: refused before running
                               inputs=input_paths(scenario, actuals, ledger))
    compiled = prepare(scenario, actuals, ledger)
    n = resolve_settings(scenario, draws, seed, sampler).draws
    # learning from actuals resamples the draws at the end, so they cannot be streamed to disk as they come
    streaming = n > STREAM_DRAWS_ABOVE and not learns(compiled)
    warnings: list[str] = []
    with writer:
        stream = writer.stream_draws(compiled.years) if streaming else None

        def on_chunk(chunk) -> None:
            if stream is not None:
                stream.write_chunk(chunk)
            if on_draws is not None:
                on_draws(chunk.stop - chunk.start, n)

        result = simulate(scenario, draws=n, seed=seed, sampler=sampler, workers=workers, on_chunk=on_chunk,
                          keep_inputs=not streaming, compiled=compiled, executor=executor)
        result.run_started_at = began
        if streaming:
            result.draws_file = writer.stage / "draws.parquet"
        if on_summary is not None:
            on_summary(result)
        extras = (lambda stage: _draw_charts(stage, result, lang, warnings)) if charts else None
        result.folder = writer.finish(result, command=command, extras=extras)
    if streaming:
        result.draws_file = result.folder / "draws.parquet"
    result.warnings = warnings
    return result


def save(result, folder, force: bool = False, command: str | None = None, charts: bool = True,
         lang: str | None = None) -> Path:
    """Write an in-memory ``Result`` as a run folder (atomically), with the charts unless ``charts=False``:
    the same folder ``run`` writes. Returns the folder."""
    warnings: list[str] = []
    extras = (lambda stage: _draw_charts(stage, result, lang, warnings)) if charts else None
    with folders.RunWriter(Path(folder), force=force) as writer:
        result.folder = writer.finish(result, command=command, extras=extras)
    result.warnings = warnings
    return result.folder


def input_paths(scenario, *others) -> list:
    """The files a run reads: the scenario's own (extends, registers) and ``others`` given as paths."""
    from portfolio.scenario.loading import origin

    resolved = origin(scenario)
    paths = list(resolved.paths.values()) if resolved is not None else []
    return paths + [p for p in others if isinstance(p, (str, os.PathLike))]


def _draw_charts(stage: Path, result, lang: str | None, warnings: list[str]) -> None:
    """The standard charts, drawn from the staged folder's tables into stage/charts/. The manifest is
    not written yet: the resolved scenario (language, technology labels) comes from the result, as the
    manifest will hold it."""
    from portfolio.outputs.charts import draw_run_charts
    from portfolio.outputs.rundata import resolved_scenario
    from portfolio.runs.executors import drawing_executor

    try:
        scenario = json.loads(json.dumps(folders.plain(resolved_scenario(result.scenario)), ensure_ascii=False))
        with drawing_executor() as executor:
            draw_run_charts(stage, lang=lang, scenario=scenario, staging=True, executor=executor)
    except Exception as exc:  # noqa: BLE001 — a chart problem must not throw away the simulation
        if os.environ.get("PORTFOLIO_DEBUG"):
            raise
        warnings.append(f"charts not drawn ({type(exc).__name__}: {exc}); draw them later with "
                        "`portfolio chart RUN_DIR`")
