"""Sampling: chunk invariance, common random numbers, LHS strata, Iman-Conover."""
import hashlib
import math

import numpy as np
import pytest

from portfolio.uncertainty import distributions as D
from portfolio.uncertainty import sampling as S
from portfolio.uncertainty.seeds import stable_key

BS = S.BLOCK_SIZE
NAMES = ["capex_airport", "delay_rail", "tfp_growth"]
TARGET = np.array([[1.0, 0.7, -0.3], [0.7, 1.0, 0.0], [-0.3, 0.0, 1.0]])


def _pairs(m):
    return m[np.triu_indices(m.shape[0], 1)]


# --- streams -------------------------------------------------------------------------------------


def test_stable_key_is_blake2b_and_stable():
    k = stable_key("capex_airport")
    ref = int.from_bytes(hashlib.blake2b(b"capex_airport", digest_size=8).digest(), "little")
    assert k == ref and 0 <= k < 2**64
    assert stable_key("capex_airport") != stable_key("capex_airpor")


def test_block_uniforms_match_documented_generator():
    # pins the stream definition: any change would silently change every published run
    ss = np.random.SeedSequence(11, spawn_key=(3, stable_key("x")))
    k = np.random.Generator(np.random.PCG64(ss)).integers(0, 2**52, size=BS, dtype=np.uint64)
    assert np.array_equal(S.block_uniforms(11, 3, "x", "mc"), (k + 0.5) * 2.0**-52)


@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_uniforms_open_interval(sampler):
    u = S.uniforms(NAMES, 0, 3 * BS, seed=5, sampler=sampler)
    assert u.dtype == np.float64 and u.shape == (3 * BS, 3)
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4.5 * math.sqrt(1 / 12 / u.size)


@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_chunk_invariance_bit_identical(sampler):
    full = S.uniforms(NAMES, 0, 10_000, seed=42, sampler=sampler)
    for cuts in ([0, 3000, 10_000], [0, 1, BS - 1, BS, BS + 1, 2 * BS, 10_000], [0, 9999, 10_000]):
        parts = [S.uniforms(NAMES, a, b, seed=42, sampler=sampler) for a, b in zip(cuts, cuts[1:])]
        assert np.array_equal(np.concatenate(parts), full)
    assert np.array_equal(S.uniforms(NAMES, 5000, 6000, seed=42, sampler=sampler), full[5000:6000])
    assert S.uniforms(NAMES, 7, 7, seed=42).shape == (0, 3)


def test_common_random_numbers_keyed_by_name():
    a = S.uniforms(["tfp_growth", "capex_airport"], 0, 5000, seed=1)
    b = S.uniforms(["new_param", "capex_airport", "other", "tfp_growth"], 0, 5000, seed=1)
    assert np.array_equal(a[:, 0], b[:, 3])
    assert np.array_equal(a[:, 1], b[:, 1])
    assert not np.array_equal(b[:, 0], b[:, 2])


def test_seed_zero_valid_and_distinct():
    u0 = S.uniforms(NAMES, 0, 100, seed=0)
    u1 = S.uniforms(NAMES, 0, 100, seed=1)
    assert np.all(np.isfinite(u0)) and not np.array_equal(u0, u1)
    assert np.array_equal(u0, S.uniforms(NAMES, 0, 100, seed=np.int64(0)))
    for bad in (-1, 1.5, None, True):
        with pytest.raises(ValueError, match="seed"):
            S.uniforms(NAMES, 0, 10, seed=bad)


def test_lhs_one_point_per_stratum():
    for block in (0, 1, 57):
        u = S.block_uniforms(3, block, "capex_airport", "lhs")
        strata = np.floor(u * BS).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(BS))
    # the order is random: not sorted, and independent between names
    u = S.block_uniforms(3, 0, "a", "lhs")
    assert not np.all(np.diff(u) > 0)
    r = np.corrcoef(u, S.block_uniforms(3, 0, "b", "lhs"))[0, 1]
    assert abs(r) < 4.5 / math.sqrt(BS)


# --- Iman-Conover ---------------------------------------------------------------------------------


def _block(seed, block, names=NAMES):
    return np.column_stack([S.block_uniforms(seed, block, k, "mc") for k in names])


def test_iman_conover_preserves_marginals_exactly():
    x = _block(9, 0)
    x[:, 1] = D.LogNormal.from_p50_p80(1.2, 1.6).ppf(x[:, 1])
    y = S.iman_conover(x, TARGET)
    assert np.array_equal(np.sort(y, axis=0), np.sort(x, axis=0))
    assert np.array_equal(S.iman_conover(x, TARGET), y)  # deterministic


def test_iman_conover_achieves_target_within_sampling_error():
    n = BS
    achieved = []
    for b in range(16):
        r = S.spearman(S.iman_conover(_block(2, b), TARGET))
        assert np.all(np.abs(_pairs(r) - _pairs(TARGET)) < 3 / math.sqrt(n))
        achieved.append(_pairs(r))
    # averaged over 16 blocks: no bias beyond 3 SE of the mean (SE <= 1/sqrt(n) per block)
    assert np.all(np.abs(np.mean(achieved, axis=0) - _pairs(TARGET)) < 3 / math.sqrt(16 * n))


def test_iman_conover_trivial_cases_unchanged():
    x = _block(4, 0)
    assert np.array_equal(S.iman_conover(x, np.eye(3)), x)
    assert np.array_equal(S.iman_conover(x[:, :1], np.ones((1, 1))), x[:, :1])


def test_iman_conover_rejects_invalid_target():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    with pytest.raises(ValueError, match="positive definite"):
        S.iman_conover(_block(4, 0), bad)


def test_spearman_identity_for_monotone_columns():
    x = np.linspace(0, 1, 50)
    m = S.spearman(np.column_stack([x, x**3, -x]))
    assert np.allclose(m, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]])


# --- check_correlation ----------------------------------------------------------------------------


def test_check_correlation_messages():
    assert S.check_correlation(TARGET) == []
    non_pd = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    (msg,) = S.check_correlation(non_pd)
    assert "positive definite" in msg and "smallest eigenvalue" in msg
    assert f"{np.linalg.eigvalsh(non_pd).min():.4g}" in msg
    assert "square" in S.check_correlation(np.ones((2, 3)))[0]
    assert any("symmetric" in m for m in S.check_correlation([[1, 0.5], [0.2, 1]]))
    assert any("diagonal" in m for m in S.check_correlation([[2, 0.5], [0.5, 1]]))
    assert any("[-1, 1]" in m for m in S.check_correlation([[1, 1.5], [1.5, 1]]))


# --- sample ---------------------------------------------------------------------------------------

DISTS = {
    "capex_airport": D.OverrunMixture(0.39, 0.43, 0.88),
    "delay_rail": D.LogNormal.from_p50_p80(1.2, 1.6),
    "fixed_share": D.Fixed(0.35),
    "tfp_growth": D.Normal(0.02, 0.005),
}


def test_sample_is_ppf_of_uniforms_and_fixed_uses_no_stream():
    out = S.sample(DISTS, 100, 5000, seed=0)
    u = S.uniforms(["capex_airport", "delay_rail", "tfp_growth"], 100, 5000, seed=0)
    assert np.array_equal(out["capex_airport"], DISTS["capex_airport"].ppf(u[:, 0]))
    assert np.array_equal(out["tfp_growth"], DISTS["tfp_growth"].ppf(u[:, 2]))
    assert np.all(out["fixed_share"] == 0.35) and out["fixed_share"].shape == (4900,)
    alone = S.sample({"tfp_growth": DISTS["tfp_growth"]}, 100, 5000, seed=0)
    assert np.array_equal(alone["tfp_growth"], out["tfp_growth"])


@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_sample_correlated_chunk_invariant(sampler):
    names = ["capex_airport", "delay_rail", "tfp_growth"]
    kw = dict(seed=3, sampler=sampler, correlations=TARGET, correlated_names=names)
    full = S.sample(DISTS, 0, 9000, **kw)
    parts = [S.sample(DISTS, a, b, **kw) for a, b in ((0, 2500), (2500, 4097), (4097, 9000))]
    for k in DISTS:
        assert np.array_equal(np.concatenate([p[k] for p in parts]), full[k])
    blk = S.sample(DISTS, 0, BS, **kw)
    r = S.spearman(np.column_stack([blk[k] for k in names]))
    assert np.all(np.abs(_pairs(r) - _pairs(TARGET)) < 3 / math.sqrt(BS))
    # marginals exact: within a block the values are a permutation of the uncorrelated draws
    free = S.sample(DISTS, 0, BS, seed=3, sampler=sampler)
    for k in names:
        assert np.array_equal(np.sort(blk[k]), np.sort(free[k]))


def test_sample_fixed_in_correlated_group_and_validation():
    names = ["capex_airport", "fixed_share", "tfp_growth"]
    c = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.0], [0.5, 0.0, 1.0]])
    out = S.sample(DISTS, 0, BS, seed=8, correlations=c, correlated_names=names)
    assert np.all(out["fixed_share"] == 0.35)
    r = S.spearman(np.column_stack([out["capex_airport"], out["tfp_growth"]]))[0, 1]
    assert abs(r - 0.5) < 3 / math.sqrt(BS)
    with pytest.raises(ValueError, match="positive definite"):
        S.sample(DISTS, 0, 10, seed=8, correlations=[[1, 1.2], [1.2, 1]],
                 correlated_names=["capex_airport", "tfp_growth"])
    with pytest.raises(ValueError, match="nope"):
        S.sample(DISTS, 0, 10, seed=8, correlations=np.eye(2), correlated_names=["nope", "tfp_growth"])
