"""Compiled loop of a day's looks: residents' reports, the platform's flags, grid teams.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from civsim.sim.kernels.condition import lifted
from civsim.sim.kernels.keyed import keyed_uniform, keyed_word

__all__ = ["find_problems"]


@njit(cache=True, nogil=True)
def find_problems(
    day: int,
    word_keys: np.ndarray,
    coin_keys: np.ndarray,
    looks: np.ndarray,
    p_max: np.ndarray,
    thin: np.ndarray,
    targets: tuple,
    rates: tuple,
    n_field: int,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
) -> tuple:
    """The day's new problems that each source's looks found, sources in turn.

    Source ``s`` looks ``looks[s]`` times. Its look ``j`` is the keyed word
    ``w = keyed_words(word_keys[s], day, ...)[j]``: it looks at field checkpoint
    ``w * n_field >> 32``, or, where the source has ``targets[s]`` (not empty), at
    ``targets[s][w * len(targets[s]) >> 32]`` (uniform to within ``n / 2**32``, as
    the words fall unevenly over the checkpoints). A checkpoint looked at is found if it
    has an open defect (``defect > 0``) or is below ``threshold`` (lift included: the
    lifts as :func:`civsim.sim.kernels.lifted` reads them, with today's ``share``).
    Where ``thin[s]``, the source looks at each checkpoint with chance
    ``p_max[s]`` and keeps a find with chance ``rates[s][i] / p_max[s]``: look ``j``
    owns the keyed uniform ``keyed_uniforms(coin_keys[s], day, [j])``, drawn only
    for a look that found something (keyed by the look, so a look's fate does not
    hang on what the looks before it found, and two variants of a city keep
    their common random numbers). Found checkpoints that already had an open
    order are dropped; the others are marked in ``has_order``, so a problem two
    sources find is the first's. The words and coins are made here, look by
    look, rather than handed in as arrays: one call a day for every source.

    Returns (found: each source's in turn, each sorted and once; how many each
    source found).

    Examples
    --------
    Two sources on three field checkpoints, the second below the threshold:
    residents look 40 times (no thinning), a team looks 10 times at
    checkpoint 2 only, which is fine:

    >>> c = np.array([0.9, 0.2, 0.9], np.float32)
    >>> zero, group = np.zeros(3, np.float32), np.zeros(3, np.int32)
    >>> keys = np.array([11, 12], np.uint64)
    >>> found, counts = find_problems(
    ...     0, keys, keys, np.array([40, 10]), np.array([0.0, 0.5]),
    ...     np.array([False, True]), (np.empty(0, np.int64), np.array([2])),
    ...     (zero, np.full(3, 0.5, np.float32)), 3, c, zero, 0.6, np.zeros(3, bool),
    ...     zero, group, np.ones(1), np.zeros(3, bool))
    >>> found.tolist(), counts.tolist()
    ([1], [1, 0])
    """
    limit = np.float32(threshold)  # compared as the float32 state is
    lifts = (lift_size, lift_group, share, is_lifted)
    counts = np.zeros(len(looks), dtype=np.int64)
    found = np.empty(0, dtype=np.int64)
    for s in range(len(looks)):
        where = targets[s]
        n = len(where) if len(where) > 0 else n_field  # where none are given, the field
        mine = _found(day, word_keys[s], coin_keys[s], looks[s], n, where, thin[s], p_max[s],
                      rates[s], condition, defect, limit, has_order, lifts)  # fmt: skip
        counts[s] = len(mine)
        found = np.concatenate((found, mine))
    return found, counts


@njit(cache=True, nogil=True)
def _found(
    day, word_key, coin_key, n_looks, n, targets, thin, p_max, rate, condition, defect,
    threshold, has_order, lifts,
):  # fmt: skip
    # in three passes (where each look falls, whether it falls below, which fell below)
    # rather than one: the reads of the condition no longer wait on one another's
    # branch, so they overlap (a fifth faster in the run, the same finds)
    mapped = len(targets) > 0  # word k looks at targets[k], else at checkpoint k
    where = np.empty(n_looks, dtype=np.int64)
    for j in range(n_looks):
        w = keyed_word(word_key, day, j)  # the j-th of :func:`keyed_words`
        # int64, as the targets are: numba would unify an unsigned index with them as a float
        where[j] = np.int64((w * np.uint64(n)) >> np.uint64(32))
    if mapped:
        for j in range(n_looks):
            where[j] = targets[where[j]]
    low = np.empty(n_looks, dtype=np.bool_)
    for j in range(n_looks):
        i = where[j]
        low[j] = (condition[i] < threshold) | (defect[i] > 0)  # a lift only raises it
    below = np.empty(n_looks, dtype=np.int64)
    look_of = np.empty(n_looks, dtype=np.int64)
    m = 0
    for j in range(n_looks):  # written always, kept where low: no branch
        below[m] = where[j]
        look_of[m] = j
        m += low[j]
    seen = lifted(below[:m], condition, *lifts)
    found = np.empty(m, dtype=np.int64)
    k = 0
    for j in range(m):
        i = below[j]
        if seen[j] >= threshold and not defect[i] > 0:  # a lift hides no defect
            continue
        if thin and not keyed_uniform(coin_key, day, look_of[j]) * p_max < rate[i]:
            continue
        if not has_order[i]:
            has_order[i] = True
            found[k] = i
            k += 1
    return np.sort(found[:k])
