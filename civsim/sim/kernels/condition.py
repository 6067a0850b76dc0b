"""Compiled loops of the condition: the daily pass, and the funded lifts on top of it.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["add_lift", "advance", "lift_sums", "lifted"]


@njit(cache=True, nogil=True)
def advance(
    condition: np.ndarray,
    keep: np.ndarray,
    upkeep: np.ndarray,
    defect: np.ndarray,
    levels: np.ndarray,
    bounds: np.ndarray,
) -> None:
    """Advance every checkpoint one day: ``c <- c * (keep - k u) + k u (1 - d)``.

    Routine effort restores a checkpoint towards its ceiling ``1 - d``: an
    open defect of severity ``d`` stays until someone fixes it.

    Parameters
    ----------
    condition : numpy.ndarray of float32
        Changed in place.
    keep, upkeep : numpy.ndarray of float32
        ``1 - decay`` and the routine restoration at normal effort, per checkpoint.
    defect : numpy.ndarray of float32
        Severity of each checkpoint's open defect (0: none).
    levels : numpy.ndarray
        The effort level ``k`` of each block of checkpoints (used as float32).
    bounds : numpy.ndarray of int64
        Block ``j`` is ``bounds[j] .. bounds[j + 1]`` (districts, then the city).

    Examples
    --------
    >>> c = np.full(3, 0.5, dtype=np.float32)
    >>> d = np.array([0.0, 0.0, 0.5], np.float32)
    >>> advance(c, np.full(3, 0.9, np.float32), np.full(3, 0.1, np.float32), d,
    ...         np.array([1.0, 2.0]), np.array([0, 2, 3]))
    >>> [round(float(x), 3) for x in c]
    [0.5, 0.5, 0.45]
    """
    for j in range(len(levels)):
        a, b = bounds[j], bounds[j + 1]
        _advance_block(condition[a:b], keep[a:b], upkeep[a:b], defect[a:b], np.float32(levels[j]))


@njit(cache=True, nogil=True)
def _advance_block(condition, keep, upkeep, defect, k):
    # a loop over whole arrays, which the compiler vectorises (indexing from ``bounds``
    # inside one loop kept it scalar and four times slower)
    one = np.float32(1.0)
    for i in range(len(condition)):
        ku = upkeep[i] * k  # all float32: the pass is as cheap as the data it reads
        condition[i] = condition[i] * (keep[i] - ku) + ku * (one - defect[i])


@njit(cache=True, nogil=True, inline="always")
def _left(lift_size, lift_start, lift_days, i, today):
    # what is left today of checkpoint i's lift: it fades linearly over its days (inlined
    # where it is used: a call per element made the loops ten times slower)
    share = min(max(1.0 - (today - lift_start[i]) / lift_days[i], 0.0), 1.0)
    return np.float32(lift_size[i] * share)


@njit(cache=True, nogil=True)
def lifted(
    idx: np.ndarray,
    condition: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> np.ndarray:
    """The condition of checkpoints ``idx`` with what is left of their funded lift today.

    A lift of ``lift_size`` delivered on ``lift_start`` fades linearly to
    nothing over ``lift_days``; the lifted condition is capped at 1.

    Examples
    --------
    >>> c, size = np.array([0.5, 0.9], np.float32), np.array([0.2, 0.2], np.float32)
    >>> start, days, on = np.zeros(2, np.int64), np.full(2, 10), np.array([True, True])
    >>> [round(float(x), 3) for x in lifted(np.arange(2), c, size, start, days, on, 5)]
    [0.6, 1.0]
    """
    out = np.empty(len(idx), dtype=condition.dtype)
    for j in range(len(idx)):
        i = idx[j]
        lift = _left(lift_size, lift_start, lift_days, i, today) if is_lifted[i] else np.float32(0)
        out[j] = min(condition[i] + lift, np.float32(1.0)) if is_lifted[i] else condition[i]
    return out


@njit(cache=True, nogil=True)
def lift_sums(
    idx: np.ndarray,
    condition: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
    run_of: np.ndarray,
    n_runs: int,
) -> np.ndarray:
    """What the lifts of checkpoints ``idx`` add to each run's summed condition today.

    The same float64 sums, in the same order, as ``np.bincount(run_of[idx],
    weights=lifted - condition[idx], minlength=n_runs)`` with ``lifted`` from
    :func:`lifted`, added up in one loop.

    Examples
    --------
    >>> c, size = np.array([0.5, 0.9, 0.2], np.float32), np.full(3, 0.2, np.float32)
    >>> start, days, on = np.zeros(3, np.int64), np.full(3, 10), np.array([True, True, False])
    >>> out = lift_sums(np.arange(3), c, size, start, days, on, 5, np.array([0, 0, 1]), 2)
    >>> [round(float(x), 3) for x in out]
    [0.2, 0.0]
    """
    out = np.zeros(n_runs)
    # :func:`lifted`'s arithmetic, in the same loop as the sums (no array between them)
    for j in range(len(idx)):
        i = idx[j]
        if not is_lifted[i]:
            continue  # adds exactly 0
        seen = condition[i] + _left(lift_size, lift_start, lift_days, i, today)
        out[run_of[i]] += np.float64(min(seen, np.float32(1.0))) - np.float64(condition[i])
    return out


@njit(cache=True, nogil=True)
def add_lift(
    idx: np.ndarray,
    size: float,
    days: int,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> None:
    """Lift checkpoints ``idx`` (distinct) by ``size``, on top of what is left of their lift.

    The new lift starts today and fades over ``days`` (see :func:`lifted`).

    Examples
    --------
    >>> size, start = np.array([0.2, 0.0], np.float32), np.zeros(2, np.int64)
    >>> days, on = np.array([10, 1]), np.array([True, False])
    >>> add_lift(np.arange(2), 0.1, 20, size, start, days, on, 5)
    >>> [round(float(x), 3) for x in size], start.tolist(), days.tolist(), on.tolist()
    ([0.2, 0.1], [5, 5], [20, 20], [True, True])
    """
    top_up = np.float32(size)
    for i in idx:
        left = _left(lift_size, lift_start, lift_days, i, today) if is_lifted[i] else np.float32(0)
        lift_size[i] = left + top_up
        lift_start[i] = today
        lift_days[i] = days
        is_lifted[i] = True
