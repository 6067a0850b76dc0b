"""Compiled loops of the condition: the daily pass, and the funded lifts on top of it.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["add_lift", "advance", "lift_shares", "lift_sums", "lifted"]


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
    open defect of severity ``d`` stays until someone fixes it. ``k u`` is
    capped at ``keep``, so a condition in [0, 1] stays there whatever the effort
    (every shipped scenario's effort stays far below the cap).

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
        # all float32: the pass is as cheap as the data it reads. Effort restores at most
        # what the day keeps (k u <= keep): more would turn the step's slope negative, and
        # far more (thousands of volunteer hours a participant) make it diverge.
        ku = min(upkeep[i] * k, keep[i])
        condition[i] = condition[i] * (keep[i] - ku) + ku * (one - defect[i])


@njit(cache=True, nogil=True)
def lift_shares(group_start: np.ndarray, group_days: np.ndarray, today: int) -> np.ndarray:
    """What is left today of each group's lifts, as a share of their size.

    A group is the lifts delivered on one day (``group_start``) to fade over the same
    days (``group_days``): whole on their first day, fading linearly to nothing, gone
    from ``start + days`` on. Computed once a day per group, not per checkpoint.

    Examples
    --------
    >>> lift_shares(np.array([0, 4]), np.array([10, 2]), 5).tolist()
    [0.5, 0.5]
    """
    out = np.empty(len(group_start))
    for g in range(len(group_start)):
        out[g] = min(max(1.0 - (today - group_start[g]) / group_days[g], 0.0), 1.0)
    return out


@njit(cache=True, nogil=True, inline="always")
def _left(lift_size, lift_group, share, i):
    # what is left today of checkpoint i's lift (inlined where it is used: a call per
    # element made the loops ten times slower)
    return np.float32(lift_size[i] * share[lift_group[i]])


@njit(cache=True, nogil=True)
def lifted(
    idx: np.ndarray,
    condition: np.ndarray,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
) -> np.ndarray:
    """The condition of checkpoints ``idx`` with what is left of their funded lift today.

    Checkpoint ``i``'s lift of ``lift_size[i]`` belongs to group ``lift_group[i]``, of
    which ``share`` (:func:`lift_shares`) is left today; the lifted condition is capped
    at 1.

    Examples
    --------
    >>> c, size = np.array([0.5, 0.9], np.float32), np.array([0.2, 0.2], np.float32)
    >>> group, on = np.zeros(2, np.int32), np.array([True, True])
    >>> share = lift_shares(np.zeros(1, np.int64), np.full(1, 10), 5)
    >>> [round(float(x), 3) for x in lifted(np.arange(2), c, size, group, share, on)]
    [0.6, 1.0]
    """
    out = np.empty(len(idx), dtype=condition.dtype)
    for j in range(len(idx)):
        i = idx[j]
        if is_lifted[i]:
            out[j] = min(condition[i] + _left(lift_size, lift_group, share, i), np.float32(1.0))
        else:
            out[j] = condition[i]
    return out


@njit(cache=True, nogil=True)
def lift_sums(
    idx: np.ndarray,
    condition: np.ndarray,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
    run_starts: np.ndarray,
) -> np.ndarray:
    """What the lifts of checkpoints ``idx`` (ascending) add to each run's summed condition today.

    Run ``r`` is the checkpoints ``run_starts[r]`` up to the next run's start (the last
    to the end of ``condition``). The same float64 sums, in the same order, as
    ``np.bincount(run_of[idx], weights=lifted - condition[idx], minlength=len(run_starts))``
    with ``lifted`` from :func:`lifted` and ``run_of`` each checkpoint's run, added up in
    one loop that walks the runs (a run's sum is kept in a register, not in memory).

    Examples
    --------
    >>> c, size = np.array([0.5, 0.9, 0.2], np.float32), np.full(3, 0.2, np.float32)
    >>> group, on = np.zeros(3, np.int32), np.array([True, True, False])
    >>> share = lift_shares(np.zeros(1, np.int64), np.full(1, 10), 5)
    >>> out = lift_sums(np.arange(3), c, size, group, share, on, np.array([0, 2]))
    >>> [round(float(x), 3) for x in out]
    [0.2, 0.0]
    """
    n_runs = len(run_starts)
    out = np.zeros(n_runs)
    if n_runs == 0:
        return out
    one = np.float32(1.0)
    r = 0
    end = run_starts[1] if n_runs > 1 else len(condition)  # where run r ends
    acc = 0.0
    for j in range(len(idx)):
        i = idx[j]
        if i >= end:  # the runs before i's are done
            out[r] = acc
            while i >= end:
                r += 1
                end = run_starts[r + 1] if r + 1 < n_runs else len(condition)
            acc = out[r]
        if not is_lifted[i]:
            continue  # adds exactly 0
        c = condition[i]
        acc += np.float64(min(c + _left(lift_size, lift_group, share, i), one)) - np.float64(c)
    out[r] = acc
    return out


@njit(cache=True, nogil=True)
def add_lift(
    idx: np.ndarray,
    size: float,
    group: int,
    lift_size: np.ndarray,
    lift_group: np.ndarray,
    share: np.ndarray,
    is_lifted: np.ndarray,
) -> None:
    """Lift checkpoints ``idx`` (distinct) by ``size``, on top of what is left of their lift.

    ``share`` is what is left of each group's lifts on the day of the new lift; the
    checkpoints' whole lift joins ``group`` (that day's, with the new lift's days),
    restarting its fade.

    Examples
    --------
    >>> size, group = np.array([0.2, 0.0], np.float32), np.zeros(2, np.int32)
    >>> on = np.array([True, False])
    >>> share = lift_shares(np.array([0, 5]), np.array([10, 20]), 5)
    >>> add_lift(np.arange(2), 0.1, 1, size, group, share, on)
    >>> [round(float(x), 3) for x in size], group.tolist(), on.tolist()
    ([0.2, 0.1], [1, 1], [True, True])
    """
    top_up = np.float32(size)
    for i in idx:
        left = _left(lift_size, lift_group, share, i) if is_lifted[i] else np.float32(0)
        lift_size[i] = left + top_up
        lift_group[i] = group
        is_lifted[i] = True
