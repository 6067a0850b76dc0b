"""Compiled loops of a day's looks: residents' reports, the platform's flags, grid teams.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from civsim.sim.kernels.condition import lifted

__all__ = ["find_among", "find_problems"]


@njit(cache=True, nogil=True)
def find_problems(
    reported: np.ndarray,
    flagged: np.ndarray,
    n_field: int,
    coins: np.ndarray,
    p_max: float,
    rate: np.ndarray,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
) -> tuple:
    """The day's problems among the checkpoints residents ``reported`` and the platform ``flagged``.

    ``reported`` and ``flagged`` are 32-bit random words: each looks at field
    checkpoint ``w * n_field >> 32`` (uniform to within ``n_field / 2**32``,
    as the words fall unevenly over the checkpoints). A checkpoint looked at is found if it
    has an open defect (``defect > 0``) or is below ``threshold`` (lift included: the
    lifts as :func:`civsim.sim.kernels.lifted` reads them, with today's ``share``). A
    flagged one is kept with chance ``rate[i] / p_max`` (the platform looks at every
    checkpoint with chance ``p_max``): flag ``j`` owns the uniform ``coins[j]``,
    used or not, so a flag's fate does not hang on what the flags before it found (two
    variants of a city, a lift apart, keep their common random numbers). Found
    checkpoints that already had an open order are dropped; the others are
    marked in ``has_order``, so a problem both sources find is the residents'. Returns (found: the
    residents' then the platform's, each sorted and once; how many are the
    residents').
    """
    limit = np.float32(threshold)  # compared as the float32 state is
    lifts = (lift_size, lift_group, share, is_lifted)
    every = np.empty(0, dtype=np.int64)  # the words look at field checkpoint k itself
    ours = _found(reported, n_field, every, False, coins, p_max, rate, condition, defect, limit,
                  has_order, lifts)  # fmt: skip
    theirs = _found(flagged, n_field, every, True, coins, p_max, rate, condition, defect, limit,
                    has_order, lifts)  # fmt: skip
    return np.concatenate((ours, theirs)), len(ours)


@njit(cache=True, nogil=True)
def find_among(
    looked: np.ndarray,
    targets: np.ndarray,
    coins: np.ndarray,
    p_max: float,
    rate: np.ndarray,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
) -> np.ndarray:
    """The day's new problems among ``targets`` that a team with its own rate looked at.

    As the platform's flags in :func:`find_problems`, but word ``w`` looks at checkpoint
    ``targets[w * len(targets) >> 32]`` (each target looked at with chance ``p_max``),
    and is kept with chance ``rate[i] / p_max``, word ``j`` owning the uniform
    ``coins[j]``. A team that looks only where it works draws no look at the
    rest of the city, and its looks come after (and apart from) the platform's, so
    switching it on leaves every look of the platform as it was. Returns (found:
    sorted, once, new (``has_order`` marked)).

    Examples
    --------
    Two targets below the threshold; the words look at the first, then the second
    (kept: its rate is ``p_max``), then the first again (not kept: rate 0):

    >>> c = np.array([0.9, 0.2, 0.3], np.float32)
    >>> zero, group = np.zeros(3, np.float32), np.zeros(3, np.int32)
    >>> rate = np.array([0.0, 0.0, 0.5], np.float32)
    >>> found = find_among(
    ...     np.array([0, 2**31, 1], np.uint32), np.array([1, 2]), np.full(3, 0.5), 0.5,
    ...     rate, c, zero, 0.6, np.zeros(3, bool), zero, group, np.ones(1), np.zeros(3, bool))
    >>> found.tolist()
    [2]
    """
    lifts = (lift_size, lift_group, share, is_lifted)
    return _found(looked, len(targets), targets, True, coins, p_max, rate, condition, defect,
                  np.float32(threshold), has_order, lifts)  # fmt: skip


@njit(cache=True, nogil=True)
def _found(
    picked, n_field, targets, thin, coins, p_max, rate, condition, defect, threshold, has_order,
    lifts,
):  # fmt: skip
    below = np.empty(len(picked), dtype=np.int64)
    coin_of = np.empty(len(picked), dtype=np.int64)
    mapped = len(targets) > 0  # word k looks at targets[k], else at checkpoint k
    m = 0
    for j in range(len(picked)):
        # int64, as the targets are: numba would unify an unsigned index with them as a float
        i = np.int64((np.uint64(picked[j]) * np.uint64(n_field)) >> np.uint64(32))
        if mapped:
            i = targets[i]
        if condition[i] < threshold or defect[i] > 0:  # a lift only raises the condition
            below[m] = i
            coin_of[m] = j
            m += 1
    seen = lifted(below[:m], condition, *lifts)
    found = np.empty(m, dtype=np.int64)
    n = 0
    for j in range(m):
        i = below[j]
        if seen[j] >= threshold and not defect[i] > 0:  # a lift hides no defect
            continue
        # every flag owns its coin, whatever the state: the stream stays aligned across variants
        if thin and not coins[coin_of[j]] * p_max < rate[i]:
            continue
        if not has_order[i]:
            has_order[i] = True
            found[n] = i
            n += 1
    return np.sort(found[:n])
