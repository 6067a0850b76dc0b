"""Compiled loops of the order book: opening orders, queueing them, a day's work.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["open_orders", "push_orders", "work_queues"]


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
