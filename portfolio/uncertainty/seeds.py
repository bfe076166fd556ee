"""Seeding: every random number of the package comes from one root seed and a tuple of names.

``sequence(seed, *keys)`` is ``numpy.random.SeedSequence(seed, spawn_key=keys)``, with each text key
turned into a stable 64-bit integer (``stable_key``: BLAKE2b, independent of ``PYTHONHASHSEED``) and
integer keys used as they are. The Monte Carlo sampler draws block ``b`` of parameter ``name`` from
``generator(seed, b, name)``; a sweep's Latin hypercube, the sensitivity designs and their bootstraps
use keys naming what they are for (``"sobol", "design"``), so no two purposes share a stream and adding
one changes none of the others.

Libraries that take an integer seed (SALib) get ``integer(seed, *keys)``: never 0, because SALib treats
a seed of 0 as "no seed" (``if seed:``) — with it, ``--seed 0`` would give different results on every
run. ``global_state(seed, *keys)`` seeds NumPy's global random state for estimators that draw from it,
and restores it afterwards.
"""
from __future__ import annotations

import contextlib
import hashlib

import numpy as np


def stable_key(name: str) -> int:
    """Stable unsigned 64-bit key of a name (BLAKE2b, independent of ``PYTHONHASHSEED``)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def check_seed(seed) -> int:
    """The seed as a Python int; ValueError unless it is a non-negative whole number."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)


def sequence(seed: int, *keys: int | str) -> np.random.SeedSequence:
    """The SeedSequence of the stream named by ``keys`` under the root ``seed``."""
    spawn_key = tuple(int(k) if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else stable_key(str(k))
                      for k in keys)
    return np.random.SeedSequence(check_seed(seed), spawn_key=spawn_key)


def generator(seed: int, *keys: int | str) -> np.random.Generator:
    """A PCG64 generator on the stream named by ``keys``."""
    return np.random.Generator(np.random.PCG64(sequence(seed, *keys)))


def integer(seed: int, *keys: int | str) -> int:
    """A seed in [1, 2**32 − 1] for a library that takes an integer seed (never 0: SALib ignores 0)."""
    value = int(sequence(seed, *keys).generate_state(1, np.uint32)[0])
    return value or 1


@contextlib.contextmanager
def global_state(seed: int, *keys: int | str):
    """NumPy's global random state seeded from the named stream while the block runs, then restored."""
    state = np.random.get_state()
    np.random.seed(integer(seed, *keys))
    try:
        yield
    finally:
        np.random.set_state(state)
