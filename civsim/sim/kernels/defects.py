"""Compiled loop of a day's defects: routine rounds fix minor ones, new ones arise.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["defect_day"]


@njit(cache=True, nogil=True)
def defect_day(
    day: int,
    rounds: int,
    picked: np.ndarray,
    n_field: int,
    coins: np.ndarray,
    c_pos: int,
    fix_coins: np.ndarray,
    hazard: float,
    prevention: float,
    h_max: float,
    fix_rate: float,
    severity_low: float,
    severity_span: float,
    levels: np.ndarray,
    district: np.ndarray,
    share: np.ndarray,
    place_type: np.ndarray,
    minor_share: np.ndarray,
    defect: np.ndarray,
    minor: np.ndarray,
    listed: np.ndarray,
    condition: np.ndarray,
    minor_idx: np.ndarray,
    n_minor: int,
    arisen_today: np.ndarray,
    compounded_today: np.ndarray,
    routine_today: np.ndarray,
) -> tuple:
    """One day of defects: on a day of routine rounds they fix minor ones; new ones arise.

    ``minor_idx[:n_minor]`` lists, each once (``listed[i]``), every checkpoint
    with an open minor defect, and maybe some that no longer have one (fixed by
    an order's closure, :func:`work_queues`, or joined by a defect that is not
    minor). When ``rounds`` > 0 (the routine rounds of that many days, planned
    weekly), those are dropped and each listed open minor defect is fixed with
    chance ``1 - (1 - min(fix_rate * e, 1)) ** rounds`` (the uniform
    ``fix_coins[j]`` of the ``j``-th listed, used or not: the run keys
    them by day and checkpoint), ``e = levels[district[i]] * share[i]`` the
    checkpoint's share of full routine
    effort; its condition gets back the severity (capped at 1), counted in
    ``routine_today[day]``. Only minor defects are listed, so the pass costs
    what they number, not what all open defects do.

    Then each 32-bit word of ``picked`` (drawn with chance ``h_max`` per field
    checkpoint) picks checkpoint ``w * n_field >> 32``; a defect arises there
    with chance ``h / h_max``, ``h = hazard * exp(prevention * (1 - e))``. Each
    word takes three uniforms ``coins[c_pos ..]``: to keep the defect, its
    severity ``severity_low + severity_span * u`` (none if 0), and whether it is
    minor (``u < minor_share[place_type[i]]``). A defect on a checkpoint that
    has one adds to its severity (at most 1) and is minor only if both are
    (counted in ``compounded_today[day]`` too); a new minor one is listed unless
    it is already. The condition falls by the severity at once (not below 0);
    new ones are counted in ``arisen_today[day]``. Returns (``n_minor``, the
    next ``c_pos``).

    Examples
    --------
    A checkpoint with a minor defect, fixed by routine rounds (its coin is
    below ``0.5 * 1.0``), and a new major one of severity 0.25 elsewhere:

    >>> defect, minor = np.array([0.2, 0.0], np.float32), np.array([True, False])
    >>> listed, idx = np.array([True, False]), np.array([0, 0])
    >>> cond = np.array([0.6, 0.8], np.float32)
    >>> tallies = [np.zeros(2, np.int64) for _ in range(3)]
    >>> n_minor, c_pos = defect_day(
    ...     1, 1, np.array([2**31], np.uint32), 2, np.array([0.0, 0.5, 0.9]), 0,
    ...     np.array([0.3]), 0.01, 0.0, 0.01, 0.5, 0.0, 0.5, np.ones(1),
    ...     np.zeros(2, np.int64), np.ones(2), np.zeros(2, np.int64), np.array([0.6]),
    ...     defect, minor, listed, cond, idx, 1, *tallies)
    >>> n_minor, [round(float(x), 2) for x in defect], minor.tolist()
    (0, [0.0, 0.25], [True, False])
    >>> [round(float(x), 2) for x in cond], [t.tolist() for t in tallies]
    ([0.8, 0.55], [[0, 1], [0, 0], [0, 1]])
    """
    m = n_minor
    if rounds > 0:
        m = 0
        for j in range(n_minor):
            i = minor_idx[j]
            if not (defect[i] > 0 and minor[i]):
                listed[i] = False
                continue
            coin = fix_coins[j]
            daily = min(fix_rate * levels[district[i]] * share[i], 1.0)
            if coin < 1.0 - (1.0 - daily) ** rounds:
                condition[i] = min(condition[i] + defect[i], np.float32(1.0))
                defect[i] = 0.0
                listed[i] = False
                routine_today[day] += 1
                continue
            minor_idx[m] = i
            m += 1
    # first whether each pick keeps its defect, from arrays this step does not change:
    # the picks' reads then do not wait on one another's branch (about a tenth faster)
    n = len(picked)
    where = np.empty(n, dtype=np.int64)
    kept = np.empty(n, dtype=np.bool_)
    for j in range(n):
        i = int((np.uint64(picked[j]) * np.uint64(n_field)) >> np.uint64(32))
        where[j] = i
        effort = levels[district[i]] * share[i]
        kept[j] = coins[c_pos + 3 * j] * h_max < hazard * np.exp(prevention * (1.0 - effort))
    for j in range(n):
        if not kept[j]:
            continue
        i = where[j]
        size, kind = coins[c_pos + 3 * j + 1], coins[c_pos + 3 * j + 2]
        severity = np.float32(severity_low + severity_span * size)
        if not severity > 0:  # nothing lost is no defect (and would list it twice)
            continue
        is_minor = kind < minor_share[place_type[i]]
        if defect[i] == 0:
            minor[i] = is_minor
            if is_minor and not listed[i]:
                listed[i] = True
                minor_idx[m] = i
                m += 1
        else:
            minor[i] = minor[i] and is_minor
            compounded_today[day] += 1
        defect[i] = min(defect[i] + severity, np.float32(1.0))
        condition[i] = max(condition[i] - severity, np.float32(0.0))
        arisen_today[day] += 1
    return m, c_pos + 3 * n
