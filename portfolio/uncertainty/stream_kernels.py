"""The block uniforms of :mod:`portfolio.uncertainty.sampling` in compiled code (numba).

:func:`sampling.block_uniforms` builds, for every (block, parameter name), a NumPy
``SeedSequence(seed, spawn_key=(block, stable_key(name)))``, a ``PCG64`` on it, and draws
``Generator.integers`` (and, for Latin hypercube sampling, ``Generator.permutation``). That costs
about 100 µs of Python and NumPy overhead per block and name — most of the sampling time of a run.
This module does the same arithmetic in one compiled loop over all names and blocks:

- NumPy's ``SeedSequence`` (O'Neill's seed_seq alternative): the entropy pool of four 32-bit words
  and ``generate_state(4, uint64)``;
- ``PCG64`` (XSL-RR output of a 128-bit LCG, here on pairs of 64-bit words) seeded with
  ``pcg64_set_seed`` from those four words;
- ``Generator.integers(0, 2**m, dtype=uint64)``: Lemire's bounded method, which for a power-of-two
  range never rejects and is the top ``m`` bits of each 64-bit output;
- ``Generator.permutation(n)``: the Fisher–Yates shuffle of ``arange(n)`` with NumPy's
  ``random_interval`` (masked rejection on buffered 32-bit halves).

The result is bit-identical to :func:`sampling.block_uniforms` (tested against it for many seeds,
blocks, names and both samplers); that function stays the readable reference.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit

from portfolio.uncertainty.seeds import check_seed, stable_key

_M32 = np.uint64(0xFFFFFFFF)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_L = np.uint64(0xCA01F9DD)
_MIX_R = np.uint64(0x4973F715)
_S16 = np.uint64(16)
_S32 = np.uint64(32)
_S1 = np.uint64(1)
_S58 = np.uint64(58)
_S63 = np.uint64(63)
_S64 = np.uint64(64)
_ONE = np.uint64(1)
_MUL_HI = np.uint64(2549297995355413924)     # PCG_DEFAULT_MULTIPLIER_128, high and low words
_MUL_LO = np.uint64(4865540595714422341)
_POOL = 4


def words(value: int) -> list[int]:
    """``value`` as 32-bit words, lowest first, as NumPy's ``SeedSequence`` reads an integer
    (0 is one word)."""
    out = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        out.append(value & 0xFFFFFFFF)
        value >>= 32
    return out


@njit(cache=True, nogil=True)
def _hashmix(value, hc):
    """One ``hashmix`` step on 32-bit words held in uint64: (new value, new hash constant)."""
    value = value ^ hc
    hc = (hc * _MULT_A) & _M32
    value = (value * hc) & _M32
    value = value ^ (value >> _S16)
    return value, hc


@njit(cache=True, nogil=True)
def _mix(x, y):
    r = ((_MIX_L * x) - (_MIX_R * y)) & _M32
    return r ^ (r >> _S16)


@njit(cache=True, nogil=True)
def _seed_state(entropy, n_entropy):
    """``SeedSequence(entropy).generate_state(4, uint64)``: four 64-bit words."""
    pool = np.zeros(_POOL, np.uint64)
    hc = _INIT_A
    for i in range(_POOL):
        v = entropy[i] if i < n_entropy else np.uint64(0)
        pool[i], hc = _hashmix(v, hc)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                h, hc = _hashmix(pool[i_src], hc)
                pool[i_dst] = _mix(pool[i_dst], h)
    for i_src in range(_POOL, n_entropy):
        for i_dst in range(_POOL):
            h, hc = _hashmix(entropy[i_src], hc)
            pool[i_dst] = _mix(pool[i_dst], h)
    out = np.empty(4, np.uint64)
    hb = _INIT_B
    for k in range(4):
        pair = np.uint64(0)
        for half in range(2):
            d = pool[(2 * k + half) % _POOL] ^ hb
            hb = (hb * _MULT_B) & _M32
            d = (d * hb) & _M32
            d = d ^ (d >> _S16)
            pair = pair | (d << (_S32 * np.uint64(half)))
        out[k] = pair
    return out


@njit(cache=True, nogil=True)
def _mulhi(x, y):
    """High 64 bits of the 128-bit product of two 64-bit words."""
    x0, x1 = x & _M32, x >> _S32
    y0, y1 = y & _M32, y >> _S32
    w0 = x0 * y0
    t = x1 * y0 + (w0 >> _S32)
    w1 = (t & _M32) + x0 * y1
    return x1 * y1 + (t >> _S32) + (w1 >> _S32)


@njit(cache=True, nogil=True)
def _step(hi, lo, inc_hi, inc_lo):
    """One LCG step: state · multiplier + increment (mod 2^128)."""
    new_hi = _mulhi(lo, _MUL_LO) + lo * _MUL_HI + hi * _MUL_LO
    new_lo = lo * _MUL_LO
    out_lo = new_lo + inc_lo
    carry = _ONE if out_lo < inc_lo else np.uint64(0)
    return new_hi + inc_hi + carry, out_lo


@njit(cache=True, nogil=True)
def _output(hi, lo):
    """XSL-RR: rotate (high xor low) right by the top 6 bits of the state."""
    v = hi ^ lo
    rot = hi >> _S58
    return (v >> rot) | (v << ((_S64 - rot) & _S63))


@njit(cache=True, nogil=True)
def _seeded(entropy, n_entropy):
    """PCG64 state (hi, lo, inc_hi, inc_lo) as ``PCG64(SeedSequence(entropy))`` sets it."""
    w = _seed_state(entropy, n_entropy)
    inc_hi = (w[2] << _S1) | (w[3] >> _S63)
    inc_lo = (w[3] << _S1) | _ONE
    hi, lo = _step(np.uint64(0), np.uint64(0), inc_hi, inc_lo)
    lo2 = lo + w[1]
    carry = _ONE if lo2 < w[1] else np.uint64(0)
    hi, lo = hi + w[0] + carry, lo2
    hi, lo = _step(hi, lo, inc_hi, inc_lo)
    return hi, lo, inc_hi, inc_lo


@njit(cache=True, nogil=True)
def _fill(out, row0, col, seed_words, block, name_words, n_name, size, lhs, block_bits, bits):
    """The ``size`` uniforms of one block and name into ``out[col, row0:row0 + size]``."""
    n_seed = len(seed_words)
    pad = n_seed if n_seed >= _POOL else _POOL
    entropy = np.zeros(pad + 2 + n_name, np.uint64)
    entropy[:n_seed] = seed_words
    n = pad
    b = np.uint64(block)
    entropy[n] = b & _M32
    n += 1
    if b >> _S32:
        entropy[n] = b >> _S32
        n += 1
    for i in range(n_name):
        entropy[n] = name_words[i]
        n += 1
    hi, lo, inc_hi, inc_lo = _seeded(entropy, n)
    scale = 2.0 ** -bits
    if not lhs:
        shift = np.uint64(64 - bits)
        for i in range(size):
            hi, lo = _step(hi, lo, inc_hi, inc_lo)
            k = _output(hi, lo) >> shift
            out[col, row0 + i] = (np.float64(k) + 0.5) * scale
        return
    fine = bits - block_bits
    shift = np.uint64(64 - fine)
    values = np.empty(size, np.float64)
    for i in range(size):
        hi, lo = _step(hi, lo, inc_hi, inc_lo)
        k = (np.uint64(i) << np.uint64(fine)) + (_output(hi, lo) >> shift)
        values[i] = (np.float64(k) + 0.5) * scale
    order = np.arange(size)
    has_half, half = False, np.uint64(0)
    for i in range(size - 1, 0, -1):
        top = np.uint64(i)
        mask = top
        for s in (1, 2, 4, 8, 16, 32):
            mask |= mask >> np.uint64(s)
        while True:
            if has_half:
                v, has_half = half, False
            else:
                hi, lo = _step(hi, lo, inc_hi, inc_lo)
                x = _output(hi, lo)
                half, has_half = x >> _S32, True
                v = x & _M32
            v &= mask
            if v <= top:
                break
        j = np.int64(v)
        order[i], order[j] = order[j], order[i]
    for i in range(size):
        out[col, row0 + i] = values[order[i]]


@njit(cache=True, nogil=True)
def _fill_all(out, seed_words, first_block, n_blocks, name_words, name_counts, size, lhs, block_bits, bits):
    for col in range(len(name_counts)):
        for b in range(n_blocks):
            _fill(out, b * size, col, seed_words, first_block + b, name_words[col], name_counts[col],
                  size, lhs, block_bits, bits)


def block_matrix(names: Sequence[str], first_block: int, n_blocks: int, seed: int, lhs: bool,
                 block_size: int, block_bits: int, bits: int) -> np.ndarray:
    """Uniforms of blocks ``first_block … first_block + n_blocks − 1`` for each name, shape
    ``(len(names), n_blocks · block_size)``: row ``j`` is name ``j``'s blocks end to end."""
    seed_words = np.array(words(check_seed(seed)), dtype=np.uint64)
    keys = [words(stable_key(name)) for name in names]
    name_words = np.zeros((len(names), 2), np.uint64)
    for j, key in enumerate(keys):
        name_words[j, :len(key)] = key
    counts = np.array([len(k) for k in keys], dtype=np.int64)
    out = np.empty((len(names), n_blocks * block_size), np.float64)
    if len(names) and n_blocks:
        _fill_all(out, seed_words, int(first_block), int(n_blocks), name_words, counts, int(block_size),
                  bool(lhs), int(block_bits), int(bits))
    return out
