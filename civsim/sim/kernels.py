"""Compiled inner loops of a simulated day, over the state arrays.

The mechanisms' processes (:mod:`civsim.sim.mechanisms`) decide what happens and when;
these functions do the per-checkpoint and per-order arithmetic of one step in
one pass, compiled with numba, where the same step in numpy would be dozens of
array calls a day, each with its overhead and its own pass over memory. They
take and change plain numpy arrays (and numpy random Generators, whose streams
random draws come in as arrays), so the state stays in numpy.

Compiled functions are cached on disk beside this file (``__pycache__``) the
first time they run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "add_lift",
    "advance",
    "defect_day",
    "find_among",
    "find_problems",
    "lift_sums",
    "lifted",
    "open_orders",
    "push_orders",
    "serve_requests",
    "work_queues",
]


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


@njit(cache=True, nogil=True)
def defect_day(
    day: int,
    rounds: int,
    picked: np.ndarray,
    n_field: int,
    coins: np.ndarray,
    c_pos: int,
    fix_coins: np.ndarray,
    f_pos: int,
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
    ``fix_coins[f_pos]``, ``fix_coins[f_pos + 1]``, ... in turn), ``e =
    levels[district[i]] * share[i]`` the checkpoint's share of full routine
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
    next ``c_pos``, the next ``f_pos``).

    Examples
    --------
    A checkpoint with a minor defect, fixed by routine rounds (its coin is
    below ``0.5 * 1.0``), and a new major one of severity 0.25 elsewhere:

    >>> defect, minor = np.array([0.2, 0.0], np.float32), np.array([True, False])
    >>> listed, idx = np.array([True, False]), np.array([0, 0])
    >>> cond = np.array([0.6, 0.8], np.float32)
    >>> tallies = [np.zeros(2, np.int64) for _ in range(3)]
    >>> n_minor, c_pos, f_pos = defect_day(
    ...     1, 1, np.array([2**31], np.uint32), 2, np.array([0.0, 0.5, 0.9]), 0,
    ...     np.array([0.3]), 0, 0.01, 0.0, 0.01, 0.5, 0.0, 0.5, np.ones(1),
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
            coin = fix_coins[f_pos]
            f_pos += 1
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
    return m, c_pos + 3 * n, f_pos


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


@njit(cache=True, nogil=True)
def find_problems(
    reported: np.ndarray,
    flagged: np.ndarray,
    n_field: int,
    coins: np.ndarray,
    c_pos: int,
    p_max: float,
    rate: np.ndarray,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> tuple:
    """The day's problems among the checkpoints residents ``reported`` and the platform ``flagged``.

    ``reported`` and ``flagged`` are 32-bit random words: each looks at field
    checkpoint ``w * n_field >> 32`` (uniform to within ``n_field / 2**32``,
    as the words fall unevenly over the checkpoints). A checkpoint looked at is found if it
    has an open defect (``defect > 0``) or is below ``threshold`` (lift included). A
    flagged one is kept with chance ``rate[i] / p_max`` (the platform looks at every
    checkpoint with chance ``p_max``): flag ``j`` owns the uniform ``coins[c_pos + j]``,
    used or not, so a flag's fate does not hang on what the flags before it found (two
    variants of a city, a lift apart, keep their common random numbers). Found
    checkpoints that already had an open order are dropped; the others are
    marked in ``has_order``, so a problem both sources find is the residents'. Returns (found: the
    residents' then the platform's, each sorted and once; how many are the
    residents'; the next ``c_pos``).
    """
    limit = np.float32(threshold)  # compared as the float32 state is
    lifts = (lift_size, lift_start, lift_days, is_lifted, today)
    every = np.empty(0, dtype=np.int64)  # the words look at field checkpoint k itself
    ours, c_pos = _found(reported, n_field, every, False, coins, c_pos, p_max, rate, condition,
                         defect, limit, has_order, lifts)  # fmt: skip
    theirs, c_pos = _found(flagged, n_field, every, True, coins, c_pos, p_max, rate, condition,
                           defect, limit, has_order, lifts)  # fmt: skip
    return np.concatenate((ours, theirs)), len(ours), c_pos


@njit(cache=True, nogil=True)
def find_among(
    looked: np.ndarray,
    targets: np.ndarray,
    coins: np.ndarray,
    c_pos: int,
    p_max: float,
    rate: np.ndarray,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> tuple:
    """The day's new problems among ``targets`` that a team with its own rate looked at.

    As the platform's flags in :func:`find_problems`, but word ``w`` looks at checkpoint
    ``targets[w * len(targets) >> 32]`` (each target looked at with chance ``p_max``),
    and is kept with chance ``rate[i] / p_max``, word ``j`` owning the uniform
    ``coins[c_pos + j]``. A team that looks only where it works draws no look at the
    rest of the city, and its looks come after (and apart from) the platform's, so
    switching it on leaves every look of the platform as it was. Returns (found:
    sorted, once, new (``has_order`` marked); the next ``c_pos``).

    Examples
    --------
    Two targets below the threshold; the words look at the first, then the second
    (kept: its rate is ``p_max``), then the first again (not kept: rate 0):

    >>> c = np.array([0.9, 0.2, 0.3], np.float32)
    >>> zero, none = np.zeros(3, np.float32), np.zeros(3, np.int64)
    >>> rate = np.array([0.0, 0.0, 0.5], np.float32)
    >>> found, c_pos = find_among(
    ...     np.array([0, 2**31, 1], np.uint32), np.array([1, 2]), np.full(3, 0.5), 0, 0.5,
    ...     rate, c, zero, 0.6, np.zeros(3, bool), zero, none, none + 1, np.zeros(3, bool), 0)
    >>> found.tolist(), c_pos
    ([2], 3)
    """
    lifts = (lift_size, lift_start, lift_days, is_lifted, today)
    return _found(looked, len(targets), targets, True, coins, c_pos, p_max, rate, condition,
                  defect, np.float32(threshold), has_order, lifts)  # fmt: skip


@njit(cache=True, nogil=True)
def _found(
    picked, n_field, targets, thin, coins, c_pos, p_max, rate, condition, defect, threshold,
    has_order, lifts,
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
        if thin and not coins[c_pos + coin_of[j]] * p_max < rate[i]:
            continue
        if not has_order[i]:
            has_order[i] = True
            found[n] = i
            n += 1
    return np.sort(found[:n]), c_pos + (len(picked) if thin else 0)


@njit(cache=True, nogil=True)
def open_orders(
    shares: np.ndarray,
    waits: np.ndarray,
    ckpts: np.ndarray,
    first_id: int,
    day: int,
    ckpt: np.ndarray,
    unit: np.ndarray,
    opened: np.ndarray,
    ready: np.ndarray,
    deadline: np.ndarray,
    slots: np.ndarray,
    tail: np.ndarray,
    waiting: np.ndarray,
    is_field: np.ndarray,
    district: np.ndarray,
    lead_unit: np.ndarray,
    has_coop: np.ndarray,
    territorial_share: float,
    n_units: int,
    deadline_days: int,
    mean_wait: float,
    n_waiting: int,
    has_order: np.ndarray,
    opened_today: np.ndarray,
    waiting_today: np.ndarray,
) -> int:
    """Open orders ``first_id ..`` for ``ckpts``; queue the ready ones, list the rest as waiting.

    Order j goes to the street offices of its district (属地, field problems
    only) when the uniform ``shares[j]`` is below ``territorial_share``, else
    to the lead unit; with cooperating units, it waits ``ceil(mean_wait *
    waits[j])`` days (``waits`` standard exponentials) before its queue. Each
    checkpoint is marked in ``has_order``; the day's orders opened and orders
    waiting are added to ``opened_today[day]`` and ``waiting_today[day]``. The
    order book's arrays (see :class:`civsim.sim.mechanisms.rectification.OrderBook`) must be
    large enough. Returns the new number of waiting orders.
    """
    width = slots.shape[1]
    for j in range(len(ckpts)):
        order, c = first_id + j, ckpts[j]
        ckpt[order] = c
        if is_field[c] and shares[j] < territorial_share:
            unit[order] = n_units + district[c]
        else:
            unit[order] = lead_unit[c]
        opened[order] = day
        deadline[order] = day + deadline_days
        wait = np.ceil(mean_wait * waits[j])
        ready[order] = day + (int(wait) if has_coop[c] else 0)
        if ready[order] == day:
            u = unit[order]
            slots[u, tail[u] % width] = order
            tail[u] += 1
        else:
            waiting[n_waiting] = order
            n_waiting += 1
            waiting_today[day] += 1
        has_order[c] = True
    opened_today[day] += len(ckpts)
    return n_waiting


@njit(cache=True, nogil=True)
def push_orders(orders: np.ndarray, dest: np.ndarray, slots: np.ndarray, tail: np.ndarray) -> None:
    """Put ``orders`` at the back of the queues ``dest``, one by one, in their order.

    Unit ``u``'s queue is row ``u`` of the ring buffer ``slots`` (its back at
    ``tail[u]``, see :class:`civsim.sim.mechanisms.rectification.OrderBook`), which
    must have room for them.

    Examples
    --------
    >>> slots, tail = np.zeros((2, 4), dtype=np.int64), np.array([3, 0])
    >>> push_orders(np.array([7, 8, 9]), np.array([0, 1, 0]), slots, tail)
    >>> slots.tolist(), tail.tolist()
    ([[9, 0, 0, 7], [8, 0, 0, 0]], [5, 1])
    """
    width = slots.shape[1]
    for j in range(len(orders)):
        u = dest[j]
        slots[u, tail[u] % width] = orders[j]
        tail[u] += 1


@njit(cache=True, nogil=True)
def work_queues(
    day: int,
    credit: np.ndarray,
    most: np.ndarray,
    base: np.ndarray,
    extra: np.ndarray,
    per_staff_day: float,
    ckpt: np.ndarray,
    unit: np.ndarray,
    ready: np.ndarray,
    deadline: np.ndarray,
    closed: np.ndarray,
    slots: np.ndarray,
    head: np.ndarray,
    tail: np.ndarray,
    waiting: np.ndarray,
    n_waiting: int,
    condition: np.ndarray,
    defect: np.ndarray,
    has_order: np.ndarray,
    fixed_condition: float,
    closed_today: np.ndarray,
    late_today: np.ndarray,
    defect_fixed_today: np.ndarray,
) -> int:
    """One day of rectification: serve each unit's queue, then queue tomorrow's ready orders.

    Unit ``u``'s ``credit[u]`` (capacity in orders) carries over from the day
    before up to ``most[u]``, and grows by ``base[u]`` plus its funded
    staff-days ``extra[u, day]`` times ``per_staff_day``. The unit closes as
    many whole orders as its credit allows, from the front of its queue, and
    its credit falls by as many: each closed order's checkpoint is restored to at least
    ``fixed_condition`` and can be reported again. The day's closed and late
    counts go to ``closed_today[day]`` and ``late_today[day]``. Orders whose
    coordination ends tomorrow then join the back of their unit's queue, in
    the order they were opened, ahead of the orders opened tomorrow: a queue
    is first come (ready day, then opening), first served. Returns the number
    of orders still waiting. A closure also clears the checkpoint's open
    defect (``defect[c] = 0``, :func:`defect_day`), counted in
    ``defect_fixed_today[day]``.
    """
    fixed = np.float32(fixed_condition)
    width = slots.shape[1]
    for u in range(len(head)):
        credit[u] = min(credit[u], most[u])
        credit[u] += base[u] + extra[u, day] * per_staff_day
        take = max(min(int(np.floor(credit[u])), tail[u] - head[u]), 0)
        for _ in range(take):
            order = slots[u, head[u] % width]
            head[u] += 1
            closed[order] = day
            c = ckpt[order]
            condition[c] = max(condition[c], fixed)
            defect_fixed_today[day] += defect[c] > 0
            defect[c] = 0.0
            has_order[c] = False
            late_today[day] += day > deadline[order]
        credit[u] -= take
        closed_today[day] += take
    left = 0
    for j in range(n_waiting):
        order = waiting[j]
        if ready[order] <= day + 1:
            u = unit[order]
            slots[u, tail[u] % width] = order
            tail[u] += 1
        else:
            waiting[left] = order
            left += 1
    return left


@njit(cache=True, nogil=True)
def serve_requests(
    day: int,
    arrivals: np.ndarray,
    hours: np.ndarray,
    hours_per_request: float,
    pending: np.ndarray,
    head: np.ndarray,
    served: np.ndarray,
    waited: np.ndarray,
    spare: np.ndarray,
    served_today: np.ndarray,
) -> None:
    """One day at the volunteer dispatch centres: queue today's requests, serve the oldest first.

    District d's centre receives ``arrivals[day, d]`` requests and has
    ``hours[d, day]`` volunteer-hours, ``hours_per_request`` a request.
    ``pending[d, t]`` holds its requests that arrived on day t and still wait;
    ``head[d]`` is its oldest day that may still hold some. Writes the requests
    served and their days of waiting to ``served[d, day]`` and
    ``waited[d, day]``, their total to ``served_today[day]``, and adds the
    hours left over to ``spare[d]``.

    Examples
    --------
    >>> pending, head = np.zeros((1, 2), dtype=np.int64), np.zeros(1, dtype=np.int64)
    >>> served, waited, spare = np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1)
    >>> arrivals, hours, total = np.array([[5], [1]]), np.array([[9.0, 10.0]]), np.zeros(2)
    >>> for day in (0, 1):
    ...     serve_requests(day, arrivals, hours, 3.0, pending, head, served, waited, spare, total)
    >>> served.tolist(), waited.tolist(), spare.tolist(), total.tolist()
    ([[3.0, 3.0]], [[0.0, 2.0]], [1.0], [3.0, 3.0])
    """
    for d in range(len(head)):
        pending[d, day] += arrivals[day, d]
        left = int(hours[d, day] // hours_per_request)
        taken = 0
        while left > 0 and head[d] <= day:
            take = min(pending[d, head[d]], left)
            taken += take
            waited[d, day] += (day - head[d]) * take
            pending[d, head[d]] -= take
            left -= take
            if pending[d, head[d]] == 0:
                head[d] += 1
        served[d, day] = taken
        served_today[day] += taken
        spare[d] += max(hours[d, day] - taken * hours_per_request, 0.0)
