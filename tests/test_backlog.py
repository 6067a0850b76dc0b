"""What bounds a backlog: escalation, accountability, overtime and their cost in routine upkeep.

The weekly review (:mod:`civsim.sim.mechanisms.backlog`) and the order book's
sweep (:meth:`OrderBook.escalate`) on hand-built orders and queues, each
expected value computed here from the rule; then a county run, whose orders
all close within the escalation ladder's bound, against the same run with the
ladder switched off, where they do not.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS

from civsim.scenario import load_scenario, override
from civsim.sim import prepare
from civsim.sim.draws import replication_seed
from civsim.sim.engine import WEEK, Run, _switched_on
from civsim.sim.mechanisms import backlog
from civsim.sim.mechanisms.rectification import OrderBook

R = "simulation.rectification"
PARTS = ("escalation", "accountability", "overtime", "reassignment")
ALL_OFF = {f"{R}.{part}.enabled": False for part in PARTS}


def _idle_run(prep) -> Run:
    """A county replication set up but not started: its state, before day 0."""
    return Run(prep, replication_seed(prep.scenario.seed, 0))


def _prep(county, **changes):
    """The county prepared with rectification settings changed (dotted under the section)."""
    return prepare(override(county, {f"{R}.{k}": v for k, v in changes.items()}))


def _standing(n: int, **given) -> backlog.Standing:
    """A standing of ``n`` holders with nothing open, except the arrays given."""
    arrays = {k: np.zeros(n, dtype=np.int64) for k in ("queued", "open", "served")}
    arrays |= {k: np.zeros(n, dtype=np.int64) for k in ("overdue", "joint")}
    return backlog.Standing(**{**arrays, **given})


def _count(run: Run, kind: str) -> int:
    return int(run.counts(kind).sum())


def test_overdue_orders_are_supervised_then_sent_to_joint_action(county_prep) -> None:
    """Past the deadline: supervised; waiting for coordination: ready tomorrow; a week on: joint."""
    run = _idle_run(county_prep)
    book = OrderBook(len(run.ckp.holders), capacity=8)
    day, joint_after = 14, 7
    rows = [  # deadline, ready, closed, supervised -> supervised, joint, ready after
        (10, 0, -1, -1, day, -1, 0),  # overdue: supervised today
        (10, 0, 5, -1, -1, -1, 0),  # closed: left alone
        (14, 0, -1, -1, -1, -1, 0),  # due today: not overdue yet
        (10, 30, -1, -1, day, -1, day + 1),  # waiting: the office convenes its cooperating units
        (3, 0, -1, 7, 7, day, 0),  # supervised a week ago: joint action
        (9, 0, -1, 10, 10, -1, 0),  # supervised four days ago: not yet
    ]
    book.n = len(rows)
    for k, (deadline, ready, closed, supervised, *_) in enumerate(rows):
        book.ckpt[k], book.unit[k], book.opened[k] = k, k % 2, 0
        book.deadline[k], book.ready[k], book.closed[k] = deadline, ready, closed
        book.supervised[k] = supervised
    overdue, joint = book.escalate(day, joint_after, run)
    assert book.supervised[: book.n].tolist() == [r[4] for r in rows]
    assert book.joint[: book.n].tolist() == [r[5] for r in rows]
    assert book.ready[: book.n].tolist() == [r[6] for r in rows]
    assert (
        overdue[:2].tolist() == [2, 2] and overdue[2:].sum() == 0
    )  # holder 0: orders 0, 4; holder 1: 3, 5
    assert joint[:2].tolist() == [1, 0]
    assert _count(run, "order_supervised") == 2 and _count(run, "order_joint_action") == 1


def test_orders_a_unit_cannot_reach_by_the_deadline_go_to_the_street_offices(county_prep) -> None:
    """The newest field orders beyond ``keep`` move, in order, to their districts; the rest stay."""
    run = _idle_run(county_prep)
    ckp, n_units = run.ckp, len(run.ckp.units)
    book = OrderBook(len(ckp.holders), capacity=16, slots=8)
    field_in = [np.flatnonzero(ckp.field & (ckp.district == d))[:3] for d in (0, 1)]
    material = np.flatnonzero(~ckp.field)[:2]
    # unit 0's queue, oldest first: field d0, field d1, material, field d0, material, field d1, d0
    ckpts = [field_in[0][0], field_in[1][0], material[0], field_in[0][1], material[1]]
    ckpts += [field_in[1][1], field_in[0][2]]
    street0 = n_units  # district 0's street offices already hold one order
    for k, c in enumerate([*ckpts, field_in[1][2]]):
        holder = 0 if k < len(ckpts) else street0
        book.ckpt[k], book.unit[k] = c, holder
        book.slots[holder, book.tail[holder] % book.slots.shape[1]] = k
        book.tail[holder] += 1
        book.n += 1
    keep = np.full(len(ckp.holders), 100.0)
    keep[0] = 2.5  # keeps its two oldest orders; of the five newest, the three field ones move
    book.reassign(keep, run)

    def queue(h: int) -> list[int]:
        width = book.slots.shape[1]
        return [int(book.slots[h, p % width]) for p in range(book.head[h], book.tail[h])]

    assert queue(0) == [0, 1, 2, 4]  # the material orders stay, in order
    assert queue(street0) == [7, 3, 6]
    assert queue(street0 + 1) == [5]
    assert book.unit[[3, 6]].tolist() == [street0] * 2 and book.unit[5] == street0 + 1
    assert book.unit[[0, 1, 2, 4]].tolist() == [0] * 4
    assert _count(run, "order_reassigned") == 3


def test_joint_action_moves_capacity_to_its_orders_from_holders_without(county) -> None:
    """Lenders give in proportion to their capacity, each at most joint_share; the total is kept."""
    prep = _prep(county, **{"accountability.enabled": False, "overtime.enabled": False})
    run = _idle_run(prep)
    bl = run["rectification"].backlog
    rect, n = run.params.rectification, len(bl.normal)
    overdue = np.zeros(n, dtype=np.int64)
    overdue[[0, 1]] = 40, 7
    joint = np.zeros(n, dtype=np.int64)
    joint[0] = 35
    backlog.review(
        run, bl, _standing(n, overdue=overdue, joint=joint), run.part("rectification"), 7
    )
    office = run.scenario.organisation.office.staff * rect.escalation.supervision_share
    office_given = np.minimum(office * overdue / overdue.sum(), overdue / WEEK)
    lenders = np.arange(1, n)
    pool = rect.escalation.joint_share * bl.normal[lenders]
    lent = min(joint[0] / WEEK, pool.sum())
    assert lent == joint[0] / WEEK  # the county's lenders can close them within the week
    gain = bl.base - bl.normal - office_given
    np.testing.assert_allclose(gain[0], lent)
    np.testing.assert_allclose(-gain[lenders], lent * pool / pool.sum())
    assert np.all(-gain[lenders] <= pool + 1e-12)
    np.testing.assert_allclose(bl.base.sum(), bl.normal.sum() + office_given.sum())
    np.testing.assert_allclose(bl.most, bl.base + 1.0)


def test_a_chronic_backlog_is_held_to_account_after_weeks_in_a_row(county) -> None:
    """Over the line at ``weeks`` reviews in a row: the share rises a step, never past the cap."""
    prep = _prep(
        county,
        **{"escalation.enabled": False, "overtime.enabled": False, "accountability.weeks": 3},
    )
    run = _idle_run(prep)
    bl = run["rectification"].backlog
    acc, n = run.params.rectification.accountability, len(bl.normal)
    s0 = run.params.rectification.staff_share
    line = acc.backlog_days * bl.normal  # nothing served: the pace is the staffed capacity
    over = np.ceil(line).astype(np.int64) + 1
    holders = run.part("rectification")
    for week in range(1, 7):
        open_now = np.zeros(n, dtype=np.int64)
        open_now[0] = over[0]  # chronic every week
        open_now[1] = over[1] if week % 3 else 0  # twice in a row at most
        open_now[2] = int(np.floor(line[2]))  # at the line, not over it
        backlog.review(run, bl, _standing(n, open=open_now), holders, week * WEEK)
        raised = min(s0 + (week // acc.weeks) * acc.share_step, acc.max_staff_share)
        assert bl.share[0] == pytest.approx(raised)
        assert bl.share[1] == bl.share[2] == s0
    assert _count(run, "accountability") == 2
    np.testing.assert_allclose(bl.base[0], bl.staff[0] * bl.share[0] * 1.0)
    for _ in range(30):  # held to account again and again, never past the cap
        open_now = np.zeros(n, dtype=np.int64)
        open_now[0] = over[0]
        backlog.review(run, bl, _standing(n, open=open_now), holders, 99)
    assert bl.share[0] == pytest.approx(acc.max_staff_share)


def test_overtime_follows_the_queue_and_costs_routine_upkeep_of_the_holders_checkpoints(
    county,
) -> None:
    """Overtime rises with the queue past the threshold; the holder's checkpoints lose upkeep."""
    prep = _prep(county, **{"escalation.enabled": False, "accountability.enabled": False})
    run = _idle_run(prep)
    bl = run["rectification"].backlog
    rect, n = run.params.rectification, len(bl.normal)
    ot, s0, w = rect.overtime, rect.staff_share, rect.routine_weight
    before = run["upkeep"].upkeep.copy()
    queued = np.zeros(n, dtype=np.int64)
    days = np.array([3.0, 1.1])  # times the threshold: overtime at its cap, and a tenth
    queued[:2] = np.round(days * ot.threshold_days * bl.normal[:2])
    backlog.review(run, bl, _standing(n, queued=queued), run.part("rectification"), 7)
    level = np.clip(queued[:2] / (ot.threshold_days * bl.normal[:2]) - 1, 0, ot.max_extra)
    np.testing.assert_allclose(bl.overtime[:2], level)
    assert level[0] == ot.max_extra and 0 < level[1] < ot.max_extra
    assert np.all(bl.overtime[2:] == 0)
    worked = np.minimum(s0 * (1 + level), 1)
    np.testing.assert_allclose(bl.base[:2], bl.staff[:2] * worked)
    factor = 1 - w * (worked - s0) / (1 - s0)
    after = run["upkeep"].upkeep
    for h in (0, 1):  # holders 0 and 1 are member units: the checkpoints they lead
        mine = run.ckp.unit == h
        np.testing.assert_allclose(after[mine], before[mine] * factor[h], rtol=1e-6)
    rest = ~np.isin(run.ckp.unit, [0, 1])
    assert np.array_equal(after[rest], before[rest])
    # the queue gone, the next review gives routine work its staff back
    backlog.review(run, bl, _standing(n), run.part("rectification"), 14)
    np.testing.assert_allclose(after, before, rtol=1e-6)
    assert _count(run, "overtime") == 2


def _finished(prep) -> Run:
    """A whole replication, kept with its final state."""
    run = _idle_run(prep)
    for mechanism in _switched_on(prep):
        if mechanism.start is not None:
            mechanism.start(run.env, run)
    run.env.run(until=run.days)
    return run


@pytest.fixture(scope="module")
def ladder_on_and_off(county_prep, county):
    """The county's first replication with the backlog's answers on, and with all three off."""
    return _finished(county_prep), _finished(prepare(override(county, ALL_OFF)))


def test_every_order_closes_within_the_escalation_ladder(ladder_on_and_off) -> None:
    """Supervised a week at most past the deadline; none open past the ladder; off, some are."""
    on, off = ladder_on_and_off
    rect, days = on.params.rectification, on.days
    bound = rect.deadline_days + rect.escalation.joint_after_days + 4 * WEEK
    ages = {}
    for name, run in (("on", on), ("off", off)):
        book = run["rectification"].orders
        opened, closed = book.opened[: book.n], book.closed[: book.n]
        ages[name] = np.where(closed >= 0, closed, days) - opened
    assert ages["on"].max() <= bound < ages["off"].max()
    book = on["rectification"].orders
    supervised, deadline = book.supervised[: book.n], book.deadline[: book.n]
    lag = (supervised - deadline)[supervised >= 0]
    assert len(lag) and lag.min() >= 1 and lag.max() <= WEEK
    joint = book.joint[: book.n]
    wait = (joint - supervised)[joint >= 0]
    assert len(wait) and wait.min() >= rect.escalation.joint_after_days
    assert wait.max() < rect.escalation.joint_after_days + WEEK
    # off, nothing escalates and every holder keeps its staffed capacity
    kinds = ("order_supervised", "order_joint_action", "accountability", "overtime")
    assert all(_count(off, k) == 0 for k in kinds)
    bl = off["rectification"].backlog
    assert np.array_equal(bl.base, bl.normal)


def test_no_holder_ends_with_more_open_orders_than_it_closed_in_30_days(ladder_on_and_off) -> None:
    """The issue's test of a bounded backlog, where a holder has more than one order open."""
    on, _ = ladder_on_and_off
    book = on["rectification"].orders
    n_holders = len(on.ckp.holders)
    unit, closed = book.unit[: book.n], book.closed[: book.n]
    still_open = np.bincount(unit[closed < 0], minlength=n_holders)
    recent = np.bincount(unit[closed >= on.days - 30], minlength=n_holders)
    assert still_open.sum() > 0
    assert np.all((still_open <= recent) | (still_open <= 1))


def test_the_weekly_review_keeps_the_largest_holders_backlog_bounded() -> None:
    """On the baseline, the urban-management bureau's queue stays within 30 days of closures.

    Without the weekly review (escalation's help, accountability, overtime:
    capacity stays as staffed) its orders outrun its capacity: in this
    replication 725 stand open at the cycle's end against 620 closed in its
    last 30 days. The review is what bounds it. Every holder keeps the issue's
    rule here too; read on one replication's last 30 days it is a count of orders
    in flight for a holder closing a few a month, each waiting about two weeks for
    its cooperating units: at a1eaa44 the water bureau ended this replication
    with 9 open, all opened in the last 11 days, against 6 closed.
    """
    prep = prepare(load_scenario(SCENARIOS / "baseline.yaml"))
    run = _finished(prep)
    book = run["rectification"].orders
    n_holders = len(run.ckp.holders)
    unit, closed = book.unit[: book.n], book.closed[: book.n]
    still_open = np.bincount(unit[closed < 0], minlength=n_holders)
    recent = np.bincount(unit[closed >= run.days - 30], minlength=n_holders)
    bureau = int(np.flatnonzero(run.ckp.holders == "urban_mgmt")[0])
    assert 0 < still_open[bureau] <= recent[bureau]
    assert np.all((still_open <= recent) | (still_open <= 1))
    assert _count(run, "order_supervised") > 0 and _count(run, "accountability") > 0
