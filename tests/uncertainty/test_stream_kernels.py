"""The compiled block uniforms are bit-identical to the NumPy reference (``sampling.block_uniforms``):
SeedSequence, PCG64, bounded integers and the shuffle all agree, word for word."""
import numpy as np
import pytest

from portfolio.uncertainty import sampling as S
from portfolio.uncertainty.stream_kernels import block_matrix, words

NAMES = ["economy.tfp_growth", "a", "", "项目.capex", "x" * 300, "projects.airport.delay"]
SEEDS = [0, 1, 20210617, 2**32 - 1, 2**32, 2**64 + 5, 2**127 + 3, 2**128 - 1, 2**160 + 7]


def _reference(seed, blocks, name, sampler):
    return np.concatenate([S.block_uniforms(seed, b, name, sampler) for b in blocks])


@pytest.mark.parametrize("sampler", ["mc", "lhs"])
@pytest.mark.parametrize("seed", SEEDS)
def test_block_matrix_equals_the_numpy_streams(seed, sampler):
    got = block_matrix(NAMES, 3, 2, seed, sampler == "lhs", S.BLOCK_SIZE, S._BLOCK_BITS, S._BITS)
    for j, name in enumerate(NAMES):
        assert np.array_equal(got[j], _reference(seed, (3, 4), name, sampler)), (seed, sampler, name)


@pytest.mark.parametrize("block", [0, 1, 2**32 - 1, 2**32, 2**40 + 9])
def test_large_block_numbers_use_two_words_as_numpy_does(block):
    for sampler in ("mc", "lhs"):
        got = block_matrix(["q"], block, 1, 5, sampler == "lhs", S.BLOCK_SIZE, S._BLOCK_BITS, S._BITS)
        assert np.array_equal(got[0], S.block_uniforms(5, block, "q", sampler))


@pytest.mark.parametrize("key", [0, 7, 2**32 - 1])
def test_name_keys_that_fit_one_word_are_read_as_one_word(monkeypatch, key):
    # a BLAKE2b key below 2^32 is rare (2^-32); give every name that key to check the one-word case
    from portfolio.uncertainty import seeds, stream_kernels

    monkeypatch.setattr(seeds, "stable_key", lambda name: key)
    monkeypatch.setattr(stream_kernels, "stable_key", lambda name: key)
    assert len(words(key)) == 1
    for sampler in ("mc", "lhs"):
        got = block_matrix(["any"], 2, 1, 9, sampler == "lhs", S.BLOCK_SIZE, S._BLOCK_BITS, S._BITS)
        assert np.array_equal(got[0], S.block_uniforms(9, 2, "any", sampler))


def test_words_match_numpy_seed_coercion():
    from numpy.random.bit_generator import _coerce_to_uint32_array

    for value in (0, 1, 2**32 - 1, 2**32, 2**64 + 1, 2**100):
        assert words(value) == [int(w) for w in _coerce_to_uint32_array(value)]


def test_uniforms_use_the_kernel_and_still_match_block_by_block():
    names = ["u", "v", "w"]
    got = S.uniforms(names, 1000, 3 * S.BLOCK_SIZE + 17, seed=11, sampler="lhs")
    for j, name in enumerate(names):
        ref = _reference(11, range(0, 4), name, "lhs")[1000:3 * S.BLOCK_SIZE + 17]
        assert np.array_equal(got[:, j], ref)
