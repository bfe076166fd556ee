"""Run settings — the number of draws, the root seed and the sampler — resolved in one place: the
scenario's ``simulation`` section, overridden by what a command or a call asks for."""
from __future__ import annotations

from dataclasses import dataclass

SAMPLERS = ("mc", "lhs")


@dataclass(frozen=True)
class RunSettings:
    draws: int
    seed: int
    sampler: str


def resolve_settings(scenario, draws: int | None = None, seed: int | None = None,
                     sampler: str | None = None) -> RunSettings:
    """The settings a run uses: each option as given, or (None) the scenario's. ValueError for draws
    below 1, a negative seed or an unknown sampler — 0 draws is an error, not "the default"."""
    sim = scenario.simulation
    draws = sim.draws if draws is None else draws
    seed = sim.seed if seed is None else seed
    sampler = sim.sampler if sampler is None else sampler
    if isinstance(draws, bool) or int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive whole number, got {draws}")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    return RunSettings(int(draws), int(seed), sampler)
