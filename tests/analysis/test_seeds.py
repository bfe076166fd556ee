"""One seeding helper for every random choice: named streams, SALib seeds that are never 0, and every
sensitivity method bit-identical on repeat for every seed — 0 included (SALib treats 0 as "no seed")."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import portfolio
from portfolio.analysis import sensitivity as S
from portfolio.uncertainty import seeds
from portfolio.uncertainty.sampling import block_uniforms

from test_sensitivity import additive  # noqa: E402 — the additive test scenario


def test_the_sampler_streams_are_the_named_seed_sequences():
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        5, spawn_key=(2, seeds.stable_key("economy.tfp_growth"))))).integers(0, 1 << 52, size=4096, dtype=np.uint64)
    assert np.array_equal(block_uniforms(5, 2, "economy.tfp_growth"), (expected.astype(float) + 0.5) * 2.0**-52)


def test_integer_seeds_are_never_zero_and_depend_on_every_key():
    values = {seeds.integer(s, "sobol", k) for s in range(200) for k in ("design", "bootstrap")}
    assert 0 not in values and len(values) == 400          # 400 distinct streams, none of them 0
    assert seeds.integer(0, "a") == seeds.integer(0, "a") != seeds.integer(0, "b")


def test_global_state_is_restored():
    np.random.seed(3)
    before = np.random.get_state()[1].copy()
    with seeds.global_state(0, "pawn"):
        inside = np.random.random()
    assert np.array_equal(np.random.get_state()[1], before)
    with seeds.global_state(0, "pawn"):
        assert np.random.random() == inside


@pytest.mark.parametrize("seed", [0, 1, 20210617])
@pytest.mark.parametrize("method", ["tornado", "morris", "sobol"])
def test_design_methods_repeat_bit_for_bit_for_every_seed(write, method, seed):
    _, scenario = additive(write, {"a": "uniform(10, 30)", "b": "pert(5, 8, 15)"})
    options = {"tornado": {"outcome": "probability", "N": 512}, "morris": {"N": 8}, "sobol": {"N": 64}}[method]
    first = S.run_sensitivity(scenario, method, seed=seed, **options).table
    again = S.run_sensitivity(scenario, method, seed=seed, **options).table
    pd.testing.assert_frame_equal(first, again)
    assert first["value"].notna().all()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    from test_sensitivity import ADDITIVE, PROJECT

    projects = "".join(PROJECT.format(id=k, capex=v) for k, v in {"a": "uniform(0, 100)", "b": "uniform(10, 30)"}.items())
    path = folder / "s.yaml"
    path.write_text(ADDITIVE.format(projects=projects, threshold="6.8%"), encoding="utf-8")
    return portfolio.simulate(portfolio.load_scenario(path), draws=1500).save(folder / "run", charts=False)


@pytest.mark.parametrize("method", ["pawn", "rbd-fast", "delta"])
def test_given_data_methods_repeat_bit_for_bit_with_seed_zero(run_folder, method):
    first = S.run_sensitivity(run_folder, method, seed=0).table
    again = S.run_sensitivity(run_folder, method, seed=0).table
    pd.testing.assert_frame_equal(first, again)
    other = S.run_sensitivity(run_folder, method, seed=1).table
    dummy = lambda t: t[t["parameter"] == S.DUMMY]["value"].to_numpy()  # noqa: E731
    assert not np.array_equal(dummy(first), dummy(other))     # the seed reaches the noise reference
