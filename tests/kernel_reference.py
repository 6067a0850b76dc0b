"""Plain reference versions of the compiled kernels (:mod:`civsim.sim.kernels`).

Each function here takes the same arguments as the kernel of the same name and
changes them the same way, but is written from the kernel's docstring and the
model's rules, one checkpoint, order or request at a time, for clarity and not
for speed. The property tests (``tests/test_kernel_reference.py``) hold the
kernels to these.

Two conventions are shared with the state the kernels work on, because the
state is stored that way, not because the kernels compute that way:

- condition and lifts are float32: every value stored is rounded to float32
  (``_f32``), and comparisons with the compliance threshold are made against the
  threshold rounded to float32;
- a unit's queue is a ring buffer, one row of ``slots``, with absolute ``head``
  and ``tail`` counters: the queue is ``slots[u, head % width]``, ...,
  ``slots[u, (tail - 1) % width]`` (:func:`queue_of`, :func:`push`, :func:`pop`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "add_lift",
    "advance",
    "defect_day",
    "find_problems",
    "lift_left",
    "lifted",
    "open_orders",
    "pop",
    "push",
    "queue_of",
    "serve_requests",
    "work_queues",
]


def _f32(x: float) -> np.float32:
    """``x`` rounded to float32, as the state stores it."""
    return np.float32(x)


# --------------------------------------------------------------------------- ring buffers


def queue_of(slots: np.ndarray, head: np.ndarray, tail: np.ndarray, u: int) -> list[int]:
    """The orders in unit ``u``'s queue, front first.

    Parameters
    ----------
    slots : numpy.ndarray of int64, shape (units, width)
        The ring buffers.
    head, tail : numpy.ndarray of int64
        Absolute counters: orders ever taken from, and ever put in, each queue.
    u : int
        The unit.

    Returns
    -------
    list of int
    """
    width = slots.shape[1]
    return [int(slots[u, k % width]) for k in range(int(head[u]), int(tail[u]))]


def push(slots: np.ndarray, tail: np.ndarray, u: int, order: int) -> None:
    """Put ``order`` at the back of unit ``u``'s queue.

    Parameters
    ----------
    slots : numpy.ndarray of int64, shape (units, width)
    tail : numpy.ndarray of int64
    u, order : int
    """
    width = slots.shape[1]
    slots[u, tail[u] % width] = order
    tail[u] += 1


def pop(slots: np.ndarray, head: np.ndarray, u: int) -> int:
    """Take the order at the front of unit ``u``'s queue.

    Parameters
    ----------
    slots : numpy.ndarray of int64, shape (units, width)
    head : numpy.ndarray of int64
    u : int

    Returns
    -------
    int
    """
    width = slots.shape[1]
    order = int(slots[u, head[u] % width])
    head[u] += 1
    return order


# --------------------------------------------------------------------------- condition


def advance(
    condition: np.ndarray,
    keep: np.ndarray,
    upkeep: np.ndarray,
    defect: np.ndarray,
    levels: np.ndarray,
    bounds: np.ndarray,
) -> None:
    """One day of decay and routine effort: ``c <- c * keep + k u (1 - d - c)``, in float32.

    Routine effort restores towards the ceiling ``1 - d`` (``d`` the open
    defect's severity), ``k u`` at most ``keep``. Written as ``c (keep - k u) + k u
    (1 - d)``, its float32 rounding at each step.

    Parameters
    ----------
    condition : numpy.ndarray of float32
        Changed in place.
    keep, upkeep : numpy.ndarray of float32
        ``1 - decay`` and the routine restoration at normal effort, per checkpoint.
    defect : numpy.ndarray of float32
        Severity of each checkpoint's open defect (0: none).
    levels : numpy.ndarray
        Effort level ``k`` of each block (rounded to float32).
    bounds : numpy.ndarray of int64
        Block ``j`` is checkpoints ``bounds[j] .. bounds[j + 1] - 1``.
    """
    for j, level in enumerate(levels):
        k = _f32(level)
        for i in range(int(bounds[j]), int(bounds[j + 1])):
            ku = min(_f32(upkeep[i] * k), keep[i])  # effort restores at most what a day keeps
            ceiling = _f32(_f32(1.0) - defect[i])
            condition[i] = _f32(_f32(condition[i] * _f32(keep[i] - ku)) + _f32(ku * ceiling))


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
) -> tuple[int, int]:
    """One day of defects: on a rounds day, listed minor ones fixed by routine; new ones.

    If ``rounds`` > 0, first the listed checkpoints (``minor_idx[:n_minor]``),
    in list order: one without an open minor defect any more is dropped; the
    ``j``-th listed owns fix coin ``j``, and an open minor one is fixed when it is below
    the chance of ``rounds`` days of rounds, each fixing it with chance
    ``fix_rate`` times its routine effort ``levels[district] * share`` (at most
    1), getting its severity back (condition at most 1). What stays keeps its
    place in the list; ``listed`` marks what is in it. Then each
    picked word, in order, takes three coins: checkpoint ``floor(w * n_field /
    2**32)`` gets a defect when the first coin times ``h_max`` is below ``hazard
    * exp(prevention * (1 - effort))``, of severity ``severity_low +
    severity_span * second`` (float32; none if 0), minor when the third is below
    its place type's minor share. It adds to an open defect (at most 1; minor
    only if both are) or, on a checkpoint without one and minor, is listed at
    the end unless already listed; the condition falls by the severity (at least 0).

    Parameters
    ----------
    (as :func:`civsim.sim.kernels.defect_day`)

    Returns
    -------
    n_minor, c_pos : int
    """
    still: list[int] = [int(x) for x in minor_idx[:n_minor]]
    if rounds > 0:
        still = []
        for j, i in enumerate(int(x) for x in minor_idx[:n_minor]):
            if not (defect[i] > 0 and minor[i]):
                listed[i] = False
                continue
            coin = fix_coins[j]
            missed = (1.0 - min(fix_rate * levels[district[i]] * share[i], 1.0)) ** rounds
            if coin < 1.0 - missed:
                condition[i] = min(_f32(condition[i] + defect[i]), _f32(1.0))
                defect[i] = 0
                listed[i] = False
                routine_today[day] += 1
                continue
            still.append(i)
    for w in picked:
        i = (int(w) * n_field) // 2**32
        keep, size, kind = coins[c_pos : c_pos + 3]
        c_pos += 3
        effort = levels[district[i]] * share[i]
        if not keep * h_max < hazard * math.exp(prevention * (1.0 - effort)):
            continue
        severity = _f32(severity_low + severity_span * size)
        if severity == 0:
            continue
        is_minor = bool(kind < minor_share[place_type[i]])
        if defect[i] == 0:
            minor[i] = is_minor
            if is_minor and not listed[i]:
                listed[i] = True
                still.append(i)
        else:
            minor[i] = bool(minor[i]) and is_minor
            compounded_today[day] += 1
        defect[i] = min(_f32(defect[i] + severity), _f32(1.0))
        condition[i] = max(_f32(condition[i] - severity), _f32(0.0))
        arisen_today[day] += 1
    minor_idx[: len(still)] = still
    return len(still), c_pos


def lift_left(size: float, start: int, days: int, today: int) -> float:
    """What is left today of a lift of ``size`` from ``start`` fading linearly over ``days``.

    The whole lift on its first day, nothing from ``start + days`` on (and
    never more than the whole lift, nor less than nothing).

    Parameters
    ----------
    size : float
    start, days, today : int

    Returns
    -------
    float

    Examples
    --------
    >>> [lift_left(0.2, 10, 4, day) for day in (9, 10, 12, 14, 20)]
    [0.2, 0.2, 0.1, 0.0, 0.0]
    """
    elapsed = today - start
    share = 1.0 - elapsed / days
    share = min(1.0, max(0.0, share))
    return float(size) * share


def lifted(
    idx: np.ndarray,
    condition: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> np.ndarray:
    """The condition of checkpoints ``idx`` with what is left of their lift today, capped at 1.

    Parameters
    ----------
    idx : numpy.ndarray of int64
    condition : numpy.ndarray of float32
    lift_size, lift_start, lift_days, is_lifted : numpy.ndarray
        The funded lifts (only where ``is_lifted``).
    today : int

    Returns
    -------
    numpy.ndarray of float32
    """
    out = np.empty(len(idx), dtype=np.float32)
    for j, i in enumerate(idx):
        c = condition[i]
        if is_lifted[i]:
            left = _f32(lift_left(lift_size[i], lift_start[i], lift_days[i], today))
            c = min(_f32(c + left), _f32(1.0))
        out[j] = c
    return out


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
    """Lift checkpoints ``idx`` by ``size`` on top of what is left of their lift, from today.

    Parameters
    ----------
    idx : numpy.ndarray of int64
        Distinct checkpoints.
    size : float
        The new lift.
    days : int
        Its fading time; the top-up restarts the fade of the whole lift.
    lift_size, lift_start, lift_days, is_lifted : numpy.ndarray
        Changed in place.
    today : int
    """
    for i in idx:
        left = 0.0
        if is_lifted[i]:
            left = _f32(lift_left(lift_size[i], lift_start[i], lift_days[i], today))
        lift_size[i] = _f32(left + _f32(size))
        lift_start[i] = today
        lift_days[i] = days
        is_lifted[i] = True


# --------------------------------------------------------------------------- detection


def find_problems(
    words: list[np.ndarray],
    coins: list[np.ndarray],
    targets: list[np.ndarray],
    thin: list[bool],
    p_max: list[float],
    rates: list[np.ndarray],
    n_field: int,
    condition: np.ndarray,
    defect: np.ndarray,
    threshold: float,
    has_order: np.ndarray,
    lift_size: np.ndarray,
    lift_start: np.ndarray,
    lift_days: np.ndarray,
    is_lifted: np.ndarray,
    today: int,
) -> tuple[np.ndarray, list[int]]:
    """The day's new problems that each source's looks found, sources in turn.

    Source ``s``'s 32-bit word ``w`` looks at field checkpoint ``floor(w * n_field /
    2**32)``, or at ``targets[s][floor(w * len(targets[s]) / 2**32)]`` where it has
    targets. A checkpoint looked at is a problem if it has an open defect or its
    lifted condition is below the threshold. Where ``thin[s]``, look ``j`` owns coin
    ``coins[s][j]``, and a problem it finds is kept when ``coin * p_max[s] <
    rates[s][i]``. A problem is new when its checkpoint has no open order; it then
    gets one (``has_order``), so a problem two sources find is the first's.

    Returns
    -------
    found : numpy.ndarray of int64
        Each source's new problems in turn, each sorted and distinct.
    counts : list of int
        How many each source found.
    """
    limit = _f32(threshold)

    def seen(i: int) -> np.float32:
        one = np.array([i], dtype=np.int64)
        return lifted(one, condition, lift_size, lift_start, lift_days, is_lifted, today)[0]

    found: list[int] = []
    counts: list[int] = []
    for s, looked in enumerate(words):
        mine = []
        for j, w in enumerate(looked):
            if len(targets[s]):
                i = int(targets[s][(int(w) * len(targets[s])) // 2**32])
            else:
                i = (int(w) * n_field) // 2**32
            if not (defect[i] > 0 or seen(i) < limit):
                continue
            if thin[s] and not coins[s][j] * p_max[s] < rates[s][i]:
                continue
            if not has_order[i]:
                has_order[i] = True
                mine.append(i)
        found += sorted(mine)
        counts.append(len(mine))
    return np.array(found, dtype=np.int64), counts


# --------------------------------------------------------------------------- rectification


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
    """Open orders ``first_id, first_id + 1, ...`` today, one per checkpoint of ``ckpts``.

    An order of a field checkpoint goes to its district's street offices
    (holder ``n_units + district``) when its share is below
    ``territorial_share``, any other to the checkpoint's lead unit. Its deadline
    is ``deadline_days`` after today. With cooperating units it is ready
    ``ceil(mean_wait * wait)`` days after today, else today. A ready order joins
    the back of its holder's queue, any other the back of the waiting list.

    Parameters
    ----------
    shares, waits : numpy.ndarray of float
        One uniform and one standard exponential per order.
    ckpts : numpy.ndarray of int64
    first_id, day : int
    ckpt, unit, opened, ready, deadline : numpy.ndarray of int64
        The order book's columns, changed in place.
    slots, tail, waiting : numpy.ndarray of int64
        Queues and waiting list, changed in place.
    is_field, district, lead_unit, has_coop : numpy.ndarray
        Per checkpoint.
    territorial_share : float
    n_units, deadline_days : int
    mean_wait : float
    n_waiting : int
    has_order : numpy.ndarray of bool
        Changed in place.
    opened_today, waiting_today : numpy.ndarray of int64
        Daily tallies, changed in place.

    Returns
    -------
    int
        The new number of waiting orders.
    """
    for j, c in enumerate(ckpts):
        order = first_id + j
        ckpt[order] = c
        if is_field[c] and shares[j] < territorial_share:
            unit[order] = n_units + district[c]
        else:
            unit[order] = lead_unit[c]
        opened[order] = day
        deadline[order] = day + deadline_days
        delay = math.ceil(mean_wait * waits[j]) if has_coop[c] else 0
        ready[order] = day + delay
        if delay == 0:
            push(slots, tail, int(unit[order]), order)
        else:
            waiting[n_waiting] = order
            n_waiting += 1
            waiting_today[day] += 1
        has_order[c] = True
        opened_today[day] += 1
    return n_waiting


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
    """One day of rectification, then tomorrow's ready orders queued.

    Each unit's credit is what it carried over, at most ``most[u]``, plus the
    day's capacity ``base[u] + extra[u, day] * per_staff_day``. The unit closes
    the orders at the front of its queue, one per whole order of credit, while
    it has any, and its credit falls by one per order closed. A closed order's
    checkpoint is restored to at least ``fixed_condition`` (float32), loses its
    open defect (counted in ``defect_fixed_today`` when it had one) and its open
    order; the order is late when closed after its deadline day. Then
    every waiting order ready tomorrow or earlier joins its unit's queue, in
    waiting-list order; the others keep their order in the list.

    Parameters
    ----------
    day : int
    credit : numpy.ndarray of float
        Changed in place.
    most, base : numpy.ndarray of float
    extra : numpy.ndarray of float, shape (units, days)
    per_staff_day : float
    ckpt, unit, ready, deadline, closed : numpy.ndarray of int64
        The order book's columns (``closed`` changed in place).
    slots, head, tail, waiting : numpy.ndarray of int64
        Queues and waiting list, changed in place.
    n_waiting : int
    condition, defect : numpy.ndarray of float32
        Changed in place.
    has_order : numpy.ndarray of bool
        Changed in place.
    fixed_condition : float
    closed_today, late_today, defect_fixed_today : numpy.ndarray of int64
        Daily tallies, changed in place.

    Returns
    -------
    int
        How many orders still wait.
    """
    fixed = _f32(fixed_condition)
    for u in range(len(head)):
        carried = min(credit[u], most[u])
        credit[u] = carried + (base[u] + extra[u, day] * per_staff_day)
        n_closed = 0
        while credit[u] - n_closed >= 1 and len(queue_of(slots, head, tail, u)) > 0:
            order = pop(slots, head, u)
            closed[order] = day
            c = ckpt[order]
            condition[c] = max(condition[c], fixed)
            if defect[c] > 0:
                defect_fixed_today[day] += 1
            defect[c] = 0
            has_order[c] = False
            if day > deadline[order]:
                late_today[day] += 1
            n_closed += 1
        credit[u] -= n_closed
        closed_today[day] += n_closed
    still = [int(o) for o in waiting[:n_waiting] if ready[o] > day + 1]
    for order in waiting[:n_waiting]:
        if ready[order] <= day + 1:
            push(slots, tail, int(unit[order]), int(order))
    waiting[: len(still)] = still
    return len(still)


# --------------------------------------------------------------------------- volunteers


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
    """One day at the volunteer centres: today's requests join, the oldest are served first.

    District d's centre can serve as many whole requests as its hours pay for
    (``hours[d, day] // hours_per_request``); a request that arrived on day t
    and is served today waited ``day - t`` days. The hours not spent on
    requests are added to ``spare[d]``.

    Parameters
    ----------
    day : int
    arrivals : numpy.ndarray of int, shape (days, districts)
    hours : numpy.ndarray of float, shape (districts, days)
    hours_per_request : float
    pending : numpy.ndarray of int64, shape (districts, days)
        Requests still waiting by arrival day, changed in place.
    head : numpy.ndarray of int64
        The kernel's per-district bookmark; not read or kept here (the
        reference scans every day), so the test checks the kernel's by its
        invariant: nothing pending before it.
    served, waited : numpy.ndarray of float, shape (districts, days)
        Requests served and their total days of waiting, set for ``day``.
    spare : numpy.ndarray of float
        Changed in place.
    served_today : numpy.ndarray of float
        Changed in place.
    """
    for d in range(pending.shape[0]):
        pending[d, day] += arrivals[day, d]
        can = int(hours[d, day] // hours_per_request)
        taken = 0
        for t in range(day + 1):
            take = min(int(pending[d, t]), can - taken)
            if take <= 0:
                continue
            pending[d, t] -= take
            taken += take
            waited[d, day] += (day - t) * take
        served[d, day] = taken
        served_today[day] += taken
        spare[d] += max(hours[d, day] - taken * hours_per_request, 0.0)
