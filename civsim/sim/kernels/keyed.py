"""Compiled keyed draws: a value that belongs to a (stream, day, item), not to a position.

Part of :mod:`civsim.sim.kernels` (see there).

A stream's values taken in turn shift as soon as two variants of a city take a
different number of them: a variant that opens one more order on day 5 would give
every later order another draw, and their common random numbers would be lost for the
rest of the cycle. A keyed draw is a function of the stream's key, the day and the
item (a checkpoint) alone: SplitMix64 (Steele, Lea & Flood 2014) at the counter
``day * 2**32 + item``, a bijection of the counter followed by the generator's
mixing function, so two variants that act on the same checkpoint on the same day
draw the same value, whatever else they did.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "keyed_exponentials",
    "keyed_uniform",
    "keyed_uniforms",
    "keyed_word",
    "keyed_words",
]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True, inline="always")
def _mixed(key: np.uint64, day: int, item: int) -> np.uint64:
    x = key + (np.uint64(day) << np.uint64(32) | np.uint64(item)) * _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True, inline="always")
def keyed_uniform(key: np.uint64, day: int, item: int) -> float:
    """The uniform on [0, 1) of one item (53 random bits, as :func:`keyed_uniforms` makes them).

    Examples
    --------
    >>> key = np.uint64(12345)
    >>> bool(keyed_uniform(key, 7, 9) == keyed_uniforms(key, 7, np.array([9]))[0])
    True
    """
    return np.float64(_mixed(key, day, item) >> np.uint64(11)) * 2.0**-53


@njit(cache=True, nogil=True, inline="always")
def keyed_word(key: np.uint64, day: int, item: int) -> np.uint64:
    """The random 32-bit word of one item (as :func:`keyed_words` makes them), as a uint64.

    Examples
    --------
    >>> key = np.uint64(5)
    >>> int(keyed_word(key, 3, 1)) == int(keyed_words(key, 3, 2)[1])
    True
    """
    return _mixed(key, day, item) >> np.uint64(32)


@njit(cache=True, nogil=True)
def keyed_uniforms(key: np.uint64, day: int, items: np.ndarray) -> np.ndarray:
    """The uniforms on [0, 1) of ``items`` (each below 2**32) on ``day`` in the stream ``key``.

    53 random bits each, as :meth:`numpy.random.Generator.random` draws them.

    Examples
    --------
    >>> key = np.uint64(12345)
    >>> a = keyed_uniforms(key, 7, np.array([3, 9, 4]))
    >>> b = keyed_uniforms(key, 7, np.array([9]))
    >>> bool(a[1] == b[0]), bool(((0 <= a) & (a < 1)).all())
    (True, True)
    >>> bool(keyed_uniforms(key, 8, np.array([9]))[0] != b[0])
    True
    """
    out = np.empty(len(items))
    for j in range(len(items)):
        out[j] = keyed_uniform(key, day, items[j])
    return out


@njit(cache=True, nogil=True)
def keyed_exponentials(key: np.uint64, day: int, items: np.ndarray) -> np.ndarray:
    """Standard exponentials of ``items`` on ``day`` in the stream ``key`` (``-log(1 - u)``).

    Examples
    --------
    >>> e = keyed_exponentials(np.uint64(1), 0, np.arange(20000))
    >>> bool(0.97 < e.mean() < 1.03), bool((e >= 0).all())
    (True, True)
    """
    u = keyed_uniforms(key, day, items)
    return -np.log1p(-u)


@njit(cache=True, nogil=True)
def keyed_words(key: np.uint64, day: int, n: int) -> np.ndarray:
    """The first ``n`` random 32-bit words of ``day`` in the stream ``key`` (items ``0 .. n - 1``).

    A variant that draws more words on a day shares the first ones with one that draws fewer.

    Examples
    --------
    >>> a, b = keyed_words(np.uint64(5), 3, 4), keyed_words(np.uint64(5), 3, 2)
    >>> a.dtype.name, bool((a[:2] == b).all())
    ('uint32', True)
    """
    out = np.empty(n, dtype=np.uint32)
    for j in range(n):
        out[j] = np.uint32(keyed_word(key, day, j))
    return out
