"""Rectification: orders queued at the responsible units, worked within their capacity.

Every found problem becomes an order (整改通知) at the checkpoint's lead unit;
a share ``territorial_share`` of field problems goes to the street offices of
the place's district instead (属地管理). Orders of standards with cooperating
units wait for coordination first (an exponential delay, shortened by joint
mechanisms, 联席会议). Each unit works its queue first come first served: its
daily capacity is its staff x ``staff_share`` x ``orders_per_staff_day`` plus
funded staff-days; up to a day's unused capacity carries over. A closed order
restores its checkpoint to ``fixed_condition`` and clears its open defect
(:mod:`.defects`); one closed after its
``deadline_days`` is late. Queues run by ready day, then by opening: orders
back from coordination join their queue on the eve of their ready day, ahead
of that day's new orders.

No backlog grows without bound: a weekly review (:mod:`.backlog`) escalates
overdue orders to the office's supervision (督办) and then to the committee's
joint action (联合执法), holds holders with chronic backlogs to account (问责),
and sets overtime; it sets each holder's capacity for the week, and staff
moved to orders come out of the routine upkeep of its checkpoints. Before
it, a member unit hands the queued field orders it cannot reach by the
deadline to the street offices of their districts (属地,
``simulation.rectification.reassignment``).

Fundable effect: ``staff_days`` (rectification capacity for the target's lead
units, spread over the line's duration). Parameters: ``simulation.rectification``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.checkpoints import Checkpoints
from civsim.city import City
from civsim.errors import CivsimError
from civsim.scenario import Scenario
from civsim.sim import kernels
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms import backlog
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism, Process
from civsim.sim.sampling import spans

__all__ = ["MECHANISM", "ORDER_STATUSES", "OrderBook", "RectificationState", "open_orders"]

#: An order's status at the end of the cycle (codes 0..3 in this order).
ORDER_STATUSES = ("closed", "closed_late", "open", "open_late")


class OrderBook:
    """Rectification orders as growable parallel arrays, and each unit's queue.

    Each unit's queue is a ring buffer, one row of ``slots`` (widened when a
    backlog outgrows it), with absolute ``head`` and ``tail`` counters. An
    order waiting for cooperating units sits in ``waiting`` (the first
    ``n_waiting`` entries, in the order opened) until the eve of its ready
    day, then joins the back of its unit's queue, ahead of the orders opened
    on its ready day: queues run by ready day, then by opening. The day's
    opening and serving are
    compiled loops (:func:`civsim.sim.kernels.open_orders`,
    :func:`civsim.sim.kernels.work_queues`); this class keeps their arrays
    large enough.
    """

    FIELDS = ("ckpt", "unit", "opened", "ready", "deadline", "closed", "supervised", "joint")
    #: Orders, checkpoints, holders and days all fit in 32 bits: half the bytes that the
    #: daily loops read and that growing the book moves (a cycle opens ~10^5-10^6 orders).
    DTYPE = np.int32

    def __init__(self, n_units: int, capacity: int = 1024, slots: int = 256):
        self.n = 0
        # one growable array per field (``FIELDS``), aligned on the order number
        self.ckpt = np.full(capacity, -1, dtype=self.DTYPE)
        self.unit = np.full(capacity, -1, dtype=self.DTYPE)
        self.opened = np.full(capacity, -1, dtype=self.DTYPE)
        self.ready = np.full(capacity, -1, dtype=self.DTYPE)
        self.deadline = np.full(capacity, -1, dtype=self.DTYPE)
        self.closed = np.full(capacity, -1, dtype=self.DTYPE)
        # the day the office began supervising it (督办), and it went to joint action (-1: never)
        self.supervised = np.full(capacity, -1, dtype=self.DTYPE)
        self.joint = np.full(capacity, -1, dtype=self.DTYPE)
        self.waiting = np.empty(capacity, dtype=self.DTYPE)
        self.n_waiting = 0
        self.first_open = 0  # every order before it is closed (where a sweep starts)
        self.slots = np.zeros((n_units, slots), dtype=self.DTYPE)
        self.head = np.zeros(n_units, dtype=np.int64)
        self.tail = np.zeros(n_units, dtype=np.int64)

    @property
    def queued(self) -> np.ndarray:
        """Orders in each unit's queue (ready, not yet served)."""
        return self.tail - self.head

    def _grow(self, need: int) -> None:
        size = len(self.ckpt)
        if self.n + need > size:
            most = int(np.iinfo(self.DTYPE).max)
            if self.n + need > most:
                raise CivsimError(f"more than {most:,} rectification orders")
            new = min(max(2 * size, self.n + need), most)
            for name in self.FIELDS:
                # one fresh array each, written once (a concatenation wrote a filler first):
                # the last growths of a cycle move tens of megabytes
                grown = np.empty(new, dtype=self.DTYPE)
                grown[:size] = getattr(self, name)
                grown[size:] = -1
                setattr(self, name, grown)
        if self.n_waiting + need > len(self.waiting):
            room = max(2 * len(self.waiting), self.n_waiting + need) - len(self.waiting)
            self.waiting = np.concatenate([self.waiting, np.empty(room, dtype=self.DTYPE)])

    def _widen(self, longest: int) -> None:
        """Give every ring at least ``longest`` slots, keeping each queue's order."""
        old = self.slots.shape[1]
        if longest <= old:
            return
        width = max(2 * old, longest)
        units, pos = spans(self.head, self.tail - self.head)
        slots = np.zeros((len(self.head), width), dtype=self.DTYPE)
        slots[units, pos % width] = self.slots[units, pos % old]
        self.slots = slots

    def open_count(self) -> np.ndarray:
        """Open orders per unit: queued plus waiting for coordination."""
        waiting = self.unit[self.waiting[: self.n_waiting]]
        return self.queued + np.bincount(waiting, minlength=len(self.head))

    def open(self, ckpts: np.ndarray, day: int, run: Run) -> None:
        """Open one order per checkpoint, queued at the checkpoint's lead unit.

        A share of field problems goes to the street offices of the place's
        district (属地管理); orders of standards with cooperating units wait for
        coordination first, shortened by joint mechanisms.
        """
        rect = run.params.rectification
        k = len(ckpts)
        self._grow(k)
        self._widen(int(self.queued.max()) + k)
        mean_wait = rect.coordination_delay_days * (
            rect.joint_delay_factor if rect.joint_mechanism else 1.0
        )
        self.n_waiting = kernels.open_orders(
            # keyed by day and checkpoint: variants that open other orders keep these draws
            kernels.keyed_uniforms(run.key("assignment"), day, ckpts),
            kernels.keyed_exponentials(run.key("coordination"), day, ckpts),
            ckpts,
            self.n,
            day,
            self.ckpt,
            self.unit,
            self.opened,
            self.ready,
            self.deadline,
            self.slots,
            self.tail,
            self.waiting,
            run.ckp.field,
            run.ckp.district,
            run.ckp.unit,
            run.ckp.has_coop,
            rect.territorial_share,
            len(run.ckp.units),
            rect.deadline_days,
            max(mean_wait, 1e-12),
            self.n_waiting,
            run.state.has_order,
            run.counts("order_opened"),
            run.counts("coordination_wait"),
        )
        self.n += k

    def work(self, credit: np.ndarray, capacity: tuple, day: int, run: Run) -> None:
        """Close as many of unit u's orders as ``credit[u]`` allows, then queue tomorrow's.

        ``capacity`` is ``(most, base, extra, per_staff_day)``: the credit
        carried over is capped at ``most``, then grows by the day's capacity
        (:func:`civsim.sim.kernels.work_queues`); it falls by the orders closed.
        """
        self._widen(int(self.queued.max()) + self.n_waiting)
        most, base, extra, per_staff_day = capacity
        self.n_waiting = kernels.work_queues(
            day,
            credit,
            most,
            base,
            extra,
            per_staff_day,
            self.ckpt,
            self.unit,
            self.ready,
            self.deadline,
            self.closed,
            self.slots,
            self.head,
            self.tail,
            self.waiting,
            self.n_waiting,
            run.state.condition,
            run.state.defect,
            run.state.has_order,
            run.params.rectification.fixed_condition,
            run.counts("order_closed"),
            run.counts("order_closed_late"),
            run.counts("defect_fixed_by_order"),
        )

    def escalate(self, day: int, joint_after_days: int, run: Run) -> tuple:
        """Supervise the orders overdue today (督办); send the long-supervised to joint action.

        An order open past its deadline is marked supervised today, unless it
        already is; one still waiting for its cooperating units is ready
        tomorrow (the office convenes them, 问题会商). One supervised
        ``joint_after_days`` ago or more goes to joint action (联合执法).
        Returns each holder's open overdue orders and, of those, in joint action.
        """
        still = np.flatnonzero(self.closed[self.first_open : self.n] < 0) + self.first_open
        self.first_open = int(still[0]) if len(still) else self.n
        overdue = still[self.deadline[still] < day]
        new = overdue[self.supervised[overdue] < 0]
        self.supervised[new] = day
        run.count("order_supervised", len(new))
        waiting = overdue[self.ready[overdue] > day + 1]
        self.ready[waiting] = day + 1  # it joins its queue tonight (work_queues' waiting pass)
        due = (self.joint[overdue] < 0) & (day - self.supervised[overdue] >= joint_after_days)
        self.joint[overdue[due]] = day
        run.count("order_joint_action", int(due.sum()))
        n = len(self.head)
        joint = overdue[self.joint[overdue] >= 0]
        return (
            np.bincount(self.unit[overdue], minlength=n),
            np.bincount(self.unit[joint], minlength=n),
        )

    def reassign(self, keep: np.ndarray, run: Run) -> None:
        """Hand member unit u's newest queued field orders beyond ``keep[u]`` to the street offices.

        Each goes to the back of the queue of its place's district (属地), in
        the order it was queued; the unit's material orders stay, in order.
        """
        ckp, n_units = run.ckp, len(run.ckp.units)
        excess = np.floor(self.queued[:n_units] - keep[:n_units]).astype(np.int64)
        moved = 0
        for u in np.flatnonzero(excess > 0):  # a few units; each one's orders in one step
            width = self.slots.shape[1]
            orders = self.slots[u, np.arange(self.tail[u] - excess[u], self.tail[u]) % width]
            go = ckp.field[self.ckpt[orders]]
            stay = orders[~go]
            self.tail[u] -= excess[u]
            self.slots[u, (self.tail[u] + np.arange(len(stay))) % width] = stay
            self.tail[u] += len(stay)
            orders = orders[go]
            dest = n_units + ckp.district[self.ckpt[orders]].astype(np.int64)
            self._widen(int(self.queued.max()) + len(orders))
            kernels.push_orders(orders, dest, self.slots, self.tail)
            self.unit[orders] = dest
            moved += len(orders)
        run.count("order_reassigned", moved)

    def standing(self, day: int, run: Run) -> backlog.Standing:
        """Each holder's orders at today's review, after escalating them when that is on."""
        esc = run.params.rectification.escalation
        none = np.zeros(len(self.head), dtype=np.int64)
        overdue, joint = (
            self.escalate(day, esc.joint_after_days, run) if esc.enabled else (none, none)
        )
        return backlog.Standing(
            queued=self.queued,
            open=self.open_count(),
            served=self.head.copy(),
            overdue=overdue,
            joint=joint,
        )

    def table(self, ckp: Checkpoints, days: int) -> pd.DataFrame:
        """One row per order, with its status at the end of the cycle."""
        n = self.n
        closed = self.closed[:n]
        late = np.where(closed >= 0, closed > self.deadline[:n], days > self.deadline[:n])
        ck = self.ckpt[:n]
        # categoricals from codes and int32 days: an order table holds ~10^5 rows per replication
        place = ckp.place[ck] + 1  # 0: no place (a material standard)
        # only the places with orders, in label order: a count per place beats sorting orders
        seen = np.flatnonzero(np.bincount(place, minlength=len(ckp.places) + 1))
        code_of = np.empty(len(ckp.places) + 1, dtype=np.int64)
        code_of[seen] = np.arange(len(seen))
        place_code = code_of[place]
        seen = seen - 1
        place_labels = np.where(seen >= 0, ckp.places[np.maximum(seen, 0)], "")
        return pd.DataFrame(
            {
                "order": np.arange(n, dtype=np.int32),
                "standard": pd.Categorical.from_codes(ckp.standard[ck], pd.Index(ckp.standards)),
                "place": pd.Categorical.from_codes(
                    place_code, pd.Index(place_labels, dtype=object)
                ),
                "district": pd.Categorical.from_codes(
                    ckp.district[ck], pd.Index(ckp.district_labels)
                ),
                "unit": pd.Categorical.from_codes(self.unit[:n], pd.Index(ckp.holders)),
                "opened": self.opened[:n].astype(np.int32),
                "ready": self.ready[:n].astype(np.int32),
                "deadline": self.deadline[:n].astype(np.int32),
                "closed": np.where(closed >= 0, closed, -1).astype(np.int32),
                "supervised": self.supervised[:n].astype(np.int32),
                "joint": self.joint[:n].astype(np.int32),
                "status": pd.Categorical.from_codes(
                    np.where(closed >= 0, 0, 2) + late, pd.Index(ORDER_STATUSES)
                ),
            }
        )


@dataclass
class RectificationState:
    """The order book, funded staff-days per holder and day, and each holder's capacity."""

    orders: OrderBook
    extra_staff_days: np.ndarray
    backlog: backlog.Backlog


def _prepare(
    scenario: Scenario, city: City, allocation: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Each holder's checkpoints (:func:`.backlog.holder_checkpoints`), shared by replications."""
    return backlog.holder_checkpoints(city.checkpoints)


def _setup(run: Run) -> RectificationState:
    n_holders = len(run.ckp.holders)
    return RectificationState(
        orders=OrderBook(n_holders),
        extra_staff_days=np.zeros((n_holders, run.days + 1)),
        backlog=backlog.Backlog.staffed(run.ckp.holder_staff, run.params.rectification),
    )


def open_orders(run: Run, ckpts: np.ndarray) -> int:
    """Open one order per checkpoint today (checkpoints without an open order).

    Returns the number of the first order opened: ``ckpts[j]``'s order is that
    plus ``j``. With rectification switched off, nobody is ordered to fix what
    was found, and it returns -1.
    """
    if "rectification" not in run:
        return -1
    book = run["rectification"].orders
    first = book.n
    book.open(ckpts, int(run.env.now), run)
    return first


def rectification(env: simpy.Environment, run: Run) -> Process:
    """Every holder works its queue each day, up to its capacity; queues recorded for the tables.

    Each week begins with the review (:func:`.backlog.review`) that sets the
    week's capacity.
    """
    rect = run.params.rectification
    st: RectificationState = run["rectification"]
    bl = st.backlog
    credit = np.zeros_like(bl.base)
    # the review changes base and most in place; the daily loop reads them
    capacity = (
        bl.most,
        bl.base,
        st.extra_staff_days,
        run.params.rectification.orders_per_staff_day,
    )
    book = st.orders
    holders = run.part("rectification")
    while True:
        day = int(env.now)
        if day % WEEK == 0:
            if rect.reassignment.enabled:  # what it cannot reach by the deadline, at this capacity
                book.reassign(rect.deadline_days * bl.base, run)
            backlog.review(run, bl, book.standing(day, run), holders, day)
        book.work(credit, capacity, day, run)
        if day % run.record_every == 0:
            run.records.units.append((day, book.open_count(), credit.copy()))
        yield env.timeout(1)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(rectification(env, run))


def _staff_days(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``staff_days`` line adds ``effect_size`` staff-days per unit, spread until ``end``."""
    share = units * d.size / max(end - day, 1)
    extra = run["rectification"].extra_staff_days
    extra[d.unit_index, day:end] += share / max(len(d.unit_index), 1)


def _finish(run: Run) -> None:
    run.records.orders = run["rectification"].orders.table(run.ckp, run.days)


MECHANISM = Mechanism(
    "rectification",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    finish=_finish,
    streams=("assignment", "coordination"),
    events=(
        "order_opened",
        "order_closed",
        "order_closed_late",
        "coordination_wait",
        "order_supervised",
        "order_joint_action",
        "accountability",
        "overtime",
        "order_reassigned",
    ),
    effects={"staff_days": _staff_days},
    enabled=lambda scenario: scenario.simulation.rectification.enabled,
)
