"""Benchmarks: ``portfolio bench`` (or ``python -m portfolio.runs.bench``).

Each case runs in a fresh Python process so that its peak memory (max resident set size of the
process and its workers) is its own. Reports wall seconds (median of repeats), draws per second and
peak memory, as a table and as JSON.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHUXIONG = "scenarios/chuxiong/baseline.yaml"  # relative to the repository root

CASES = {
    # name: (description, arguments of one measured call)
    "run-100k": ("run, Chuxiong baseline, 100,000 draws, 1 worker (its threads)", {"draws": 100_000, "workers": 1}),
    "run-100k-2w": ("run, Chuxiong baseline, 100,000 draws, 2 workers", {"draws": 100_000, "workers": 2}),
    "run-1m": ("run, Chuxiong baseline, 1,000,000 draws streamed, 2 workers",
               {"draws": 1_000_000, "workers": 2, "keep_inputs": False}),
    "write-100k": ("write a 100,000-draw run folder", {"draws": 100_000, "workers": 2, "write": True}),
    # a 20 x 10 grid (investment rate x TFP growth) of 10,000-draw cases: 2,000,000 draws in all
    "sweep-200": ("sweep, 200 cases of 10,000 draws, 1 worker", {"draws": 2_000_000, "workers": 1, "sweep": 200}),
    "sweep-200-2w": ("sweep, 200 cases of 10,000 draws, 2 workers",
                     {"draws": 2_000_000, "workers": 2, "sweep": 200}),
}
CASES["ratios"] = ("engine vs the scalar reference and vs the random-number floor, 20,000 draws",
                   {"draws": 20_000, "workers": 1, "ratios": True})
CASES["run-1m-1w"] = ("run, Chuxiong baseline, 1,000,000 draws streamed, 1 worker (its threads)",
                      {"draws": 1_000_000, "workers": 1, "keep_inputs": False})
# one core: one worker process and one thread in it (PORTFOLIO_THREADS=1), the base of the scaling ratios
CASES["run-100k-1t"] = ("run, Chuxiong baseline, 100,000 draws, 1 worker, 1 thread (one core)",
                        {"draws": 100_000, "workers": 1, "threads": 1})
CASES["run-1m-1t"] = ("run, Chuxiong baseline, 1,000,000 draws streamed, 1 worker, 1 thread (one core)",
                      {"draws": 1_000_000, "workers": 1, "keep_inputs": False, "threads": 1})
# whole commands, as a user types them: starting Python, imports, loading, simulating, writing the folder
SOBOL_PARAMS = ("economy.capital_output_ratio,economy.capital_share,economy.depreciation,economy.investment_rate,"
                "economy.tfp_growth,economy.population_growth,economy.working_age_share_growth,"
                "economy.human_capital_growth,economy.local_multiplier,economy.gfcf_share,uncertainty.drivers.*")
CASES["cli-run-100k"] = ("`portfolio run … --draws 100000 --workers 1 --no-charts`, the whole process",
                         {"draws": 100_000, "workers": 1,
                          "command": ["run", "{scenario}", "--draws", "100000", "--workers", "1", "--no-charts",
                                      "--quiet", "--out", "{out}", "--force"]})
CASES["charts"] = ("the charts of a run (PNG 300 dpi and SVG), as `portfolio chart RUN_DIR` draws them",
                   {"draws": 20_000, "workers": 1, "charts": True})
CASES["cli-sobol-12"] = ("`portfolio sensitivity … --method sobol -N 4096`, 12 inputs, the whole process",
                         {"draws": 57_344, "workers": 1,
                          "command": ["sensitivity", "{scenario}", "--method", "sobol", "-N", "4096", "--out",
                                      "{out}", "--force", "--params", SOBOL_PARAMS]})
SMOKE = {"run-smoke": ("run, Chuxiong baseline, 5,000 draws", {"draws": 5_000, "workers": 1})}


def _measure(scenario: str, args: dict) -> dict:
    """One measurement in this process (called in a child process)."""
    import tempfile

    from portfolio.runs.simulate import simulate

    if args.get("threads"):              # read by model.threads.spare_threads at each call
        os.environ["PORTFOLIO_THREADS"] = str(args["threads"])
    if args.get("sweep"):
        return _measure_sweep(scenario, args)
    if args.get("ratios"):
        return _measure_ratios(scenario, args)
    if args.get("command"):
        return _measure_command(scenario, args)
    if args.get("charts"):
        return _measure_charts(scenario, args)
    began = time.perf_counter()
    result = simulate(scenario, draws=args["draws"], workers=args["workers"],
                      keep_inputs=args.get("keep_inputs", True))
    simulated = time.perf_counter() - began
    measured = {"simulate_seconds": simulated}
    if args.get("write"):
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            result.save(Path(tmp) / "run", charts=False)
            measured["write_seconds"] = time.perf_counter() - began
    measured["peak_memory_mb"] = _peak_mb()
    measured["probability"] = result.summary()["targets"][0]["probability"]
    return measured


def _peak_mb(who: str = "both") -> float | None:
    """Peak resident memory [MB] of this process (``"self"``), its finished children (``"children"``)
    or the larger of the two; None where the ``resource`` module is missing (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    kinds = {"self": [resource.RUSAGE_SELF], "children": [resource.RUSAGE_CHILDREN],
             "both": [resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN]}[who]
    return max(resource.getrusage(k).ru_maxrss for k in kinds) * scale / 2**20


def _measure_command(scenario: str, args: dict) -> dict:
    """A whole ``portfolio`` command in a fresh process: wall seconds from start to exit, its peak memory."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        words = [w.replace("{scenario}", scenario).replace("{out}", str(Path(tmp) / "out")) for w in args["command"]]
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "portfolio.cli", *words], capture_output=True, text=True)
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"portfolio {' '.join(words[:2])} failed:\n{done.stderr[-2000:]}")
    return {"simulate_seconds": seconds, "peak_memory_mb": _peak_mb("children")}


def _measure_charts(scenario: str, args: dict) -> dict:
    """Drawing the standard charts of a saved run folder (PNG and SVG), as ``portfolio chart`` does."""
    import tempfile

    from portfolio.outputs.charts import draw_run_charts
    from portfolio.runs.executors import drawing_executor
    from portfolio.runs.simulate import simulate

    result = simulate(scenario, draws=args["draws"], workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = result.save(Path(tmp) / "run", charts=False)
        began = time.perf_counter()
        with drawing_executor() as executor:          # as `portfolio chart` draws them
            drawn = draw_run_charts(folder, executor=executor)
        seconds = time.perf_counter() - began
    return {"simulate_seconds": seconds, "peak_memory_mb": _peak_mb("self"), "charts": len(drawn)}


def _measure_sweep(scenario: str, args: dict) -> dict:
    """A sweep of ``args["sweep"]`` cases (investment rate x TFP growth, 10,000 draws each) on
    ``args["workers"]`` local processes, written to a temporary folder."""
    import tempfile

    from portfolio.runs.executors import LocalExecutor
    from portfolio.runs.sweep import run_sweep

    cases = int(args["sweep"])
    rates = [round(0.60 + 0.01 * i, 2) for i in range(20)]
    tfp = [round(0.010 + 0.002 * i, 3) for i in range(max(1, cases // len(rates)))]
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "sweep.yaml"
        sweep.write_text(json.dumps({"name": "bench", "scenarios": str(Path(scenario).resolve()),
                                     "draws": args["draws"] // cases,
                                     "factors": {"economy.investment_rate": rates, "economy.tfp_growth": tfp}}),
                         encoding="utf-8")
        began = time.perf_counter()
        run = run_sweep(sweep, out=Path(tmp) / "out", executor=LocalExecutor(args["workers"]), charts=False)
        seconds = time.perf_counter() - began
        probability = float(run.table[[c for c in run.table.columns if c.startswith("p_")][0]].mean())
    parent = _peak_mb("self")
    workers = _peak_mb("children") if args["workers"] > 1 else parent
    return {"simulate_seconds": seconds, "peak_memory_mb": _peak_mb(),
            "worker_peak_memory_mb": workers, "probability": probability}


def _measure_ratios(scenario: str, args: dict) -> dict:
    """Side by side in one process: the engine (sampling + evaluation) on ``draws`` rows; the scalar
    reference implementation of the test suite (tests/reference_model.py, run from the repository root)
    on 200 rows, per draw; and the random-number floor — the time numpy's PCG64 takes to generate as many
    uniforms as the run consumes (draws × random inputs)."""
    import numpy as np

    from portfolio.model.compiled import compile_scenario
    from portfolio.runs.simulate import RunSpec, run_draws
    from portfolio.scenario.loading import load_scenario
    from portfolio.scenario.settings import resolve_settings

    c = compile_scenario(load_scenario(scenario))
    n = args["draws"]
    settings = resolve_settings(c.scenario, draws=n)
    spec = RunSpec(draws=n, seed=settings.seed, sampler=settings.sampler,
                   workers=1, chunk_size=8192)
    run_draws(c, RunSpec(4096, spec.seed, spec.sampler, 1, 4096), keep_inputs=False)  # warm tables/caches
    began = time.perf_counter()
    run_draws(c, spec, keep_inputs=False)              # the chunks on the process's threads
    engine = time.perf_counter() - began
    limit = os.environ.get("PORTFOLIO_THREADS")
    os.environ["PORTFOLIO_THREADS"] = "1"               # and in one thread, as the scalar reference runs
    try:
        began = time.perf_counter()
        run_draws(c, spec, keep_inputs=False)
        one_thread = time.perf_counter() - began
    finally:
        if limit is None:
            os.environ.pop("PORTFOLIO_THREADS")
        else:
            os.environ["PORTFOLIO_THREADS"] = limit
    rng = np.random.default_rng(0)
    total = n * len(c.random)
    began = time.perf_counter()
    for start in range(0, total, 1 << 20):
        rng.random(min(1 << 20, total - start))
    floor = time.perf_counter() - began
    out = {"simulate_seconds": engine, "floor_seconds": floor, "ratio_to_floor": engine / floor,
           "one_thread_seconds": one_thread, "ratio_to_floor_one_thread": one_thread / floor,
           "variates": total, "peak_memory_mb": _peak_mb("self")}
    sys.path.insert(0, str(Path.cwd()))
    try:
        from tests.reference_model import reference_seconds_per_draw
    except ImportError:
        return out
    per_draw = reference_seconds_per_draw(c, 200)
    out.update({"reference_seconds_per_draw": per_draw, "engine_seconds_per_draw": engine / n,
                "speedup_vs_reference": per_draw / (engine / n),
                "speedup_vs_reference_one_thread": per_draw / (one_thread / n)})
    return out


def run_case(name: str, description: str, args: dict, scenario: str, repeats: int) -> dict:
    """Run one case ``repeats`` times, each in a fresh process; median of the times."""
    samples = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-m", "portfolio.runs.bench", "--child", json.dumps(args), scenario],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"benchmark case {name} failed:\n{out.stderr[-2000:]}")
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    key = "write_seconds" if args.get("write") else "simulate_seconds"
    wall = statistics.median(s[key] for s in samples)
    peaks = [s["peak_memory_mb"] for s in samples if s.get("peak_memory_mb") is not None]
    rated = not (args.get("write") or args.get("charts"))      # draws per second means nothing there
    return {"case": name, "description": description, "draws": args["draws"], "workers": args["workers"],
            "wall_seconds": round(wall, 3), "draws_per_second": round(args["draws"] / wall) if rated else None,
            "peak_memory_mb": round(max(peaks)) if peaks else None, "repeats": repeats,
            **{k: round(statistics.median(s[k] for s in samples), 4) for k in
               ("ratio_to_floor", "speedup_vs_reference", "ratio_to_floor_one_thread",
                "speedup_vs_reference_one_thread", "floor_seconds", "reference_seconds_per_draw", "charts")
               if k in samples[0]},
            **({"worker_peak_memory_mb": round(max(s["worker_peak_memory_mb"] for s in samples))}
               if samples[0].get("worker_peak_memory_mb") is not None else {})}


def machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="portfolio bench", description=__doc__.splitlines()[0],
                                     epilog="Example: portfolio bench --case run-100k --repeats 3")
    parser.add_argument("--case", action="append", choices=sorted(CASES) + sorted(SMOKE),
                        help="cases to run (default: all full cases)")
    parser.add_argument("--smoke", action="store_true", help="a seconds-long smoke version (for CI)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("scenario", nargs="?", default=CHUXIONG)
    ns = parser.parse_args(argv)
    if ns.child:
        print(json.dumps(_measure(ns.scenario, json.loads(ns.child))))
        return 0
    cases = SMOKE if ns.smoke else {k: CASES[k] if k in CASES else SMOKE[k] for k in (ns.case or CASES)}
    repeats = 1 if ns.smoke else ns.repeats
    rows = [run_case(name, desc, args, ns.scenario, repeats) for name, (desc, args) in cases.items()]
    report = {"machine": machine(), "results": rows}
    print(f"{'case':<14} {'wall s':>8} {'draws/s':>10} {'peak MB':>8}  description")
    for r in rows:
        rate = f"{r['draws_per_second']:,}" if r["draws_per_second"] else "-"
        peak = r["peak_memory_mb"] if r["peak_memory_mb"] is not None else "-"
        print(f"{r['case']:<14} {r['wall_seconds']:>8.2f} {rate:>10} {peak:>8}  {r['description']}")
    print(json.dumps(report, indent=2))
    if ns.json_path:
        Path(ns.json_path).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
