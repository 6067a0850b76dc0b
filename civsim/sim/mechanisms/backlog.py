"""What bounds a holder's backlog: escalation, accountability and overtime, reviewed weekly.

The rectification mechanism (:mod:`.rectification`) serves every holder's
queue each day in a compiled loop, at the capacity this module sets at each
weekly review (weekly work plans, 周计划). The review, in this order:

- **escalation** (``simulation.rectification.escalation``): an order open
  past its deadline goes on the office's supervision list (督办). If it still
  waits for its cooperating units, the office convenes them (问题会商) and it
  is ready the next day; ``supervision_share`` of the office's staff work the
  holders' overdue orders, split by their counts. An order still open
  ``joint_after_days`` after supervision goes to the committee's joint action
  (联合执法): holders with no order in joint action lend up to ``joint_share`` of
  their rectification capacity, enough to close the joint-action orders within a
  week. A holder serves its queue from the front, where its overdue orders
  are, so what it is given closes them first;
- **accountability** (问责, ``simulation.rectification.accountability``): a
  holder whose open orders exceed ``backlog_days`` days of its closures (or
  of its staffed capacity, if that is faster: an idle holder with one slow
  order is no chronic backlog) at ``weeks`` reviews in a row is held to
  account, and its staff share on rectification rises by ``share_step``, up to
  ``max_staff_share``, for the rest of the cycle;
- **overtime** (``simulation.rectification.overtime``): a holder whose queue
  exceeds ``threshold_days`` days of its capacity works overtime, rising with
  the excess up to ``max_extra`` of its capacity.

Holder u's capacity in orders a day is then ``staff[u] * min(share[u] * (1 +
overtime[u]), 1) * orders_per_staff_day``, plus what the office and joint
action give it, less what it lends. Staff moved to orders beyond the normal
``staff_share`` come out of routine work: the routine upkeep of the holder's
checkpoints (a member unit's: those it leads; a district's street offices':
the district's field checkpoints) is scaled by ``1 - routine_weight * moved /
(1 - staff_share)``, the upkeep mechanism's own array
(:class:`civsim.sim.mechanisms.upkeep.UpkeepState`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from civsim.checkpoints import Checkpoints
from civsim.scenario.schema.rectification import Rectification
from civsim.sim.engine import WEEK, Run

__all__ = ["Backlog", "Standing", "holder_checkpoints", "review"]


def holder_checkpoints(ckp: Checkpoints) -> tuple[np.ndarray, np.ndarray]:
    """The checkpoints whose routine upkeep each holder's staff share, as CSR ``(ptr, idx)``.

    A member unit's are the checkpoints it leads; a district's street
    offices' are the district's field checkpoints (属地). Holder ``h``'s are
    ``idx[ptr[h]:ptr[h + 1]]``.

    Examples
    --------
    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario
    >>> ckp = build_city(load_scenario("scenarios/county_nominee.yaml")).checkpoints
    >>> ptr, idx = holder_checkpoints(ckp)
    >>> len(ptr) == len(ckp.holders) + 1, int(ptr[len(ckp.units)]) == ckp.n
    (True, True)
    """
    n_units = len(ckp.units)
    field_ckpts = np.flatnonzero(ckp.field)
    holder = np.concatenate([ckp.unit.astype(np.int64), n_units + ckp.district[field_ckpts]])
    member = np.concatenate([np.arange(ckp.n), field_ckpts])
    order = np.argsort(holder, kind="stable")
    ptr = np.searchsorted(holder[order], np.arange(len(ckp.holders) + 1))
    return ptr.astype(np.int64), member[order].astype(np.int64)


@dataclass
class Backlog:
    """Each holder's rectification capacity and what the weekly reviews remember.

    Attributes
    ----------
    staff : numpy.ndarray
        Each holder's campaign staff.
    normal : numpy.ndarray
        Capacity at the normal ``staff_share``, orders a day.
    base : numpy.ndarray
        This week's capacity, orders a day (the daily loop reads it; changed in place).
    most : numpy.ndarray
        The credit a holder carries over at most: ``base + 1``.
    share : numpy.ndarray
        Staff share on rectification (accountability raises it).
    overtime : numpy.ndarray
        Extra capacity worked overtime this week, share of the staffed capacity.
    strikes : numpy.ndarray
        Reviews in a row that found the holder's backlog chronic.
    routine : numpy.ndarray
        The factor now applied to the routine upkeep of each holder's checkpoints.
    served : deque of (day, orders served so far per holder)
        The last reviews' counts, oldest first: closures over the review window.
    """

    staff: np.ndarray
    normal: np.ndarray
    base: np.ndarray
    most: np.ndarray
    share: np.ndarray
    overtime: np.ndarray
    strikes: np.ndarray
    routine: np.ndarray
    served: deque = field(default_factory=deque)

    @classmethod
    def staffed(cls, staff: np.ndarray, rect: Rectification) -> Backlog:
        """Every holder at its normal staff share, no overtime, nothing remembered."""
        normal = staff * rect.staff_share * rect.orders_per_staff_day
        n = len(staff)
        return cls(
            staff=staff,
            normal=normal,
            base=normal.copy(),
            most=normal + 1.0,  # unused capacity carries over, up to a day's worth
            share=np.full(n, rect.staff_share),
            overtime=np.zeros(n),
            strikes=np.zeros(n, dtype=np.int64),
            routine=np.ones(n),
            served=deque(maxlen=rect.accountability.weeks + 1),
        )


@dataclass(frozen=True)
class Standing:
    """Each holder's orders at a review (from the order book).

    Attributes
    ----------
    queued, open : numpy.ndarray
        Orders ready in its queue; open (queued or waiting for coordination).
    served : numpy.ndarray
        Orders it has served since the cycle began.
    overdue, joint : numpy.ndarray
        Open orders past their deadline (all supervised); of those, in joint action.
    """

    queued: np.ndarray
    open: np.ndarray
    served: np.ndarray
    overdue: np.ndarray
    joint: np.ndarray


def review(run: Run, bl: Backlog, now: Standing, holders: tuple, day: int) -> None:
    """The weekly review: escalation's capacity, accountability, overtime, then the week's capacity.

    ``holders`` is :func:`holder_checkpoints`' ``(ptr, idx)``. The order book
    has already supervised and escalated its orders (``now``). With all three
    switched off, each holder's capacity is its normal capacity, as staffed.
    """
    rect = run.params.rectification
    n = len(bl.normal)
    given = np.zeros(n)
    if rect.escalation.enabled:
        given = _escalation_capacity(run, bl, now)
    if rect.accountability.enabled:
        _hold_to_account(run, bl, now, day)
    if rect.overtime.enabled:
        staffed = bl.staff * bl.share * rect.orders_per_staff_day
        days_of_work = np.divide(now.queued, staffed, out=np.zeros(n), where=staffed > 0)
        level = days_of_work / rect.overtime.threshold_days - 1.0
        bl.overtime[:] = np.clip(level, 0.0, rect.overtime.max_extra)
        run.count("overtime", int(np.count_nonzero(bl.overtime)))
    worked = np.minimum(bl.share * (1.0 + bl.overtime), 1.0)
    bl.base[:] = bl.staff * worked * rect.orders_per_staff_day + given
    bl.most[:] = bl.base + 1.0
    _routine_cost(run, bl, worked, holders)


def _escalation_capacity(run: Run, bl: Backlog, now: Standing) -> np.ndarray:
    """Each holder's capacity given by the office and joint action, less what it lends, a day."""
    esc = run.params.rectification.escalation
    per_staff_day = run.params.rectification.orders_per_staff_day
    overdue, joint = now.overdue.astype(float), now.joint.astype(float)
    # the office's staff, split by overdue orders; none works faster than its holder's list
    office = run.scenario.organisation.office.staff * esc.supervision_share * per_staff_day
    given = np.zeros(len(bl.normal))
    if overdue.sum() > 0:
        given = np.minimum(office * overdue / overdue.sum(), overdue / WEEK)
    # joint action: enough to close the joint-action orders within the week, lent by the
    # holders with none in proportion to their staffed capacity, each up to joint_share
    need = joint / WEEK
    pool = np.where(joint == 0, esc.joint_share * bl.normal, 0.0)
    lent = min(need.sum(), pool.sum())
    if lent > 0:
        given += lent * need / need.sum() - lent * pool / pool.sum()
    return given


def _hold_to_account(run: Run, bl: Backlog, now: Standing, day: int) -> None:
    """Hold to account the holders whose backlog was chronic at ``weeks`` reviews in a row."""
    acc = run.params.rectification.accountability
    bl.served.append((day, now.served))
    since, served = bl.served[0]
    pace = np.maximum((now.served - served) / max(day - since, 1), bl.normal)
    chronic = now.open > acc.backlog_days * pace
    bl.strikes[:] = np.where(chronic, bl.strikes + 1, 0)
    held = bl.strikes >= acc.weeks
    raised = np.minimum(bl.share[held] + acc.share_step, acc.max_staff_share)
    bl.share[held] = np.maximum(bl.share[held], raised)  # never lowered by a low ceiling
    bl.strikes[held] = 0
    run.count("accountability", int(held.sum()))


def _routine_cost(run: Run, bl: Backlog, worked: np.ndarray, holders: tuple) -> None:
    """Scale the routine upkeep of each holder's checkpoints by the staff moved to orders."""
    rect = run.params.rectification
    if "upkeep" not in run or rect.staff_share >= 1:
        return  # no routine work to take staff from
    moved = np.maximum(worked - rect.staff_share, 0.0) / (1.0 - rect.staff_share)
    factor = 1.0 - rect.routine_weight * moved
    upkeep = run["upkeep"].upkeep
    ptr, idx = holders
    # one slice per holder whose factor moved (a few dozen holders, never a checkpoint loop)
    for h in np.flatnonzero(factor != bl.routine):
        mine = idx[ptr[h] : ptr[h + 1]]
        upkeep[mine] *= np.float32(factor[h] / bl.routine[h])
    bl.routine[:] = factor
