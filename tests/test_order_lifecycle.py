"""Orders over a real run, and what funded lines do to the condition.

One replication of the county, kept with its final state; the order book's
table against its own columns, with orders closed on and after their deadline
day; a ``decay`` line that slows decay, and a ``condition`` line's lift that
fades to nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run, _switched_on
from civsim.sim.mechanisms import detection, upkeep
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.mechanisms.rectification import OrderBook
from civsim.sim.tables import build_run_result


def _run(prep, until: int | None = None, start: tuple[str, ...] | None = None) -> Run:
    """A replication run as :func:`civsim.sim.simulate` runs it, keeping its final state.

    ``start`` names the mechanisms whose processes run (all when not given).
    """
    run = Run(prep, replication_seed(prep.scenario.seed, 0))
    for mechanism in _switched_on(prep):
        if mechanism.start is not None and (start is None or mechanism.name in start):
            mechanism.start(run.env, run)
    until = run.days if until is None else until
    if until > 0:
        run.env.run(until=until)
    return run


@pytest.fixture(scope="module")
def county_final(county_prep):
    """One county replication: its run (final state) and its result tables."""
    prep = county_prep
    run = _run(prep)
    for mechanism in _switched_on(prep):
        if mechanism.finish is not None:
            mechanism.finish(run)
    result = build_run_result(
        run.records,
        run.events,
        prep.event_kinds,
        run.ckp,
        prep.scenario.cycle.survey_points,
        prep.scenario.name,
        0,
    )
    return run, result


def test_orders_open_close_once_in_order_and_are_late_only_after_their_deadline(
    county_final,
) -> None:
    """Closed >= ready >= opened; late iff closed after the deadline, or open past it at the end."""
    run, result = county_final
    orders = result.orders
    days = run.days
    opened, ready = orders["opened"].to_numpy(), orders["ready"].to_numpy()
    deadline, closed = orders["deadline"].to_numpy(), orders["closed"].to_numpy()
    done = closed >= 0
    assert len(orders) > 100 and done.any() and (~done).any()
    assert np.array_equal(orders["order"], np.arange(len(orders)))  # each order once
    assert np.all(ready >= opened)
    assert np.all(closed[done] >= ready[done])
    assert np.all(closed[done] < days)
    expected = np.where(
        done,
        np.where(closed > deadline, "closed_late", "closed"),
        np.where(days > deadline, "open_late", "open"),
    )
    assert (orders["status"].astype(str).to_numpy() == expected).all()
    # the edge the rule is about is reached: orders closed on their deadline day are on time
    on_the_day = done & (closed == deadline)
    assert on_the_day.any()
    assert (orders["status"][on_the_day] == "closed").all()


def test_an_open_order_keeps_its_checkpoint_marked_and_one_order_a_checkpoint(
    county_final,
) -> None:
    """At the end, the checkpoints marked ``has_order`` are exactly those of the open orders."""
    run, result = county_final
    orders = result.orders
    book: OrderBook = run["rectification"].orders
    still_open = book.closed[: book.n] < 0
    ckpts = book.ckpt[: book.n][still_open]
    assert len(np.unique(ckpts)) == len(ckpts)  # never two open orders on one checkpoint
    marked = np.flatnonzero(run.state.has_order)
    assert np.array_equal(np.sort(ckpts), marked)
    assert still_open.sum() == orders["status"].isin(["open", "open_late"]).sum()
    # what is open is queued or waiting, nothing lost
    assert still_open.sum() == book.queued.sum() + book.n_waiting


def test_event_counts_agree_with_the_orders_table(county_final) -> None:
    """order_opened, order_closed and order_closed_late add up to the orders table's counts."""
    _, result = county_final
    orders = result.orders
    counts = result.events.groupby("kind", observed=True)["count"].sum()
    status = orders["status"].value_counts()
    assert counts["order_opened"] == len(orders)
    assert counts["order_closed"] == status["closed"] + status["closed_late"]
    assert counts["order_closed_late"] == status["closed_late"]
    per_day = result.events.query("kind == 'order_closed'").set_index("day")["count"]
    closed_by_day = orders.loc[orders["closed"] >= 0].groupby("closed").size()
    pd.testing.assert_series_equal(
        per_day.sort_index(),
        closed_by_day.sort_index(),
        check_names=False,
        check_dtype=False,
        check_index_type=False,
    )


def test_order_table_status_edges(county_prep) -> None:
    """Closed on the deadline day: on time; after: late; open at the end: late only past it."""
    ckp = county_prep.ckp
    days = 100
    book = OrderBook(len(ckp.holders), capacity=8)
    rows = [  # opened, deadline, closed -> status
        (0, 10, 10, "closed"),
        (0, 10, 11, "closed_late"),
        (0, 10, 3, "closed"),
        (90, 100, -1, "open"),  # its deadline is the end: not yet past it
        (89, 99, -1, "open_late"),
        (95, 105, -1, "open"),
    ]
    book.n = len(rows)
    for k, (opened, deadline, closed, _) in enumerate(rows):
        book.ckpt[k], book.unit[k] = k, 0
        book.opened[k] = book.ready[k] = opened
        book.deadline[k], book.closed[k] = deadline, closed
    table = book.table(ckp, days)
    assert table["status"].astype(str).tolist() == [r[3] for r in rows]


def _delivery(effect: str, size: float, duration: int, idx: np.ndarray) -> Delivery:
    return Delivery(
        line="test_line",
        district="test",
        year=1,
        effect=effect,
        size=size,
        duration_days=duration,
        start_day=0,
        units=np.array([1]),
        yuan=np.array([0]),
        covered=[idx],
        district_index=np.array([0]),
        unit_index=np.array([0]),
    )


def test_a_decay_line_slows_decay_while_it_runs(county_prep) -> None:
    """With the line the covered checkpoints keep more and end higher; after it, as before."""
    duration = 60
    plain = _run(county_prep, until=0, start=("upkeep",))
    slowed = _run(county_prep, until=0, start=("upkeep",))
    idx = np.flatnonzero((plain.ckp.decay > 0) & plain.ckp.field)[::3]
    assert len(idx)
    keep_before = slowed["upkeep"].keep.copy()
    upkeep._slow_decay(slowed, _delivery("decay", 0.5, duration, idx), idx, 1, 0, duration)
    keep = slowed["upkeep"].keep
    assert np.all(keep[idx] > keep_before[idx])
    others = np.setdiff1d(np.arange(plain.ckp.n), idx)
    assert np.array_equal(keep[others], keep_before[others])
    for r in (plain, slowed):
        r.env.run(until=duration - 1)
    with_line, without = slowed.state.condition, plain.state.condition
    assert np.all(with_line[idx] >= without[idx])
    assert np.mean(with_line[idx] - without[idx]) > 1e-3
    assert np.array_equal(with_line[others], without[others])
    for r in (plain, slowed):
        r.env.run(until=duration + 1)
    np.testing.assert_array_equal(slowed["upkeep"].keep, keep_before)  # over, as before


def test_decay_lines_may_end_in_any_order(county_prep) -> None:
    """A line delivered later that ends first leaves the earlier one's cut running.

    Each line's cut is found again by identity: two lines' (checkpoints, factor) pairs
    compared as values would compare their arrays.
    """
    run = _run(county_prep, until=0, start=("upkeep",))
    keep_before = run["upkeep"].keep.copy()
    field = np.flatnonzero((run.ckp.decay > 0) & run.ckp.field)
    first, second = field[:40], field[20:60]  # overlapping, same size
    upkeep._slow_decay(run, _delivery("decay", 0.5, 90, first), first, 1, 0, 90)
    upkeep._slow_decay(run, _delivery("decay", 0.5, 30, second), second, 1, 0, 30)
    run.env.run(until=31)  # the second has ended, the first runs on
    mult = run["upkeep"].decay_mult
    np.testing.assert_array_equal(mult[first], 0.5)
    np.testing.assert_array_equal(mult[field[40:60]], 1.0)
    run.env.run(until=91)
    np.testing.assert_array_equal(run["upkeep"].keep, keep_before)


def test_a_condition_line_repairs_its_places_as_an_order_would_then_lifts(county_prep) -> None:
    """Defects fixed and counted, condition up to ``renovated_condition``, the lift on top.

    A place already above that level keeps its condition: a renovation lowers nothing.
    """
    run = _run(county_prep, until=0, start=())
    state, size = run.state, 0.02
    repaired = np.float32(county_prep.scenario.simulation.dynamics.renovated_condition)
    idx = np.flatnonzero(run.ckp.field)[:60]
    low, high, flawed = idx[:20], idx[20:40], idx[40:60]
    state.condition[low] = 0.3
    state.condition[high] = 0.99
    state.condition[flawed] = 0.5
    state.defect[flawed] = 0.4
    upkeep._lift(run, _delivery("condition", size, 30, idx), idx, 1, 0, 30)
    np.testing.assert_array_equal(state.defect[idx], 0.0)
    np.testing.assert_array_equal(state.condition[low], repaired)
    np.testing.assert_array_equal(state.condition[flawed], repaired)
    np.testing.assert_array_equal(state.condition[high], np.float32(0.99))
    seen = state.effective()[idx]
    expected = np.minimum(state.condition[idx] + np.float32(size), np.float32(1.0))
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    assert run.counts("defect_fixed_by_renovation")[0] == len(flawed)


def test_a_condition_line_lift_fades_to_nothing_over_its_duration(county_prep) -> None:
    """Whole on delivery, half at mid-term, nothing from its last day on."""
    duration, size = 40, 0.2
    run = _run(county_prep, until=0, start=())
    state = run.state
    idx = np.arange(0, run.ckp.n, 7)
    state.condition[:] = 0.5
    state.add_lift(idx, size, duration, 0)  # the lift alone, without the line's repair
    seen = {}
    for day in (0, duration // 2, duration - 1, duration, duration + 10):
        if day:
            run.env.run(until=day)
        seen[day] = state.effective()[idx]
    np.testing.assert_allclose(seen[0], 0.5 + size, rtol=1e-6)
    np.testing.assert_allclose(seen[duration // 2], 0.5 + size / 2, rtol=1e-6)
    assert np.all(seen[duration - 1] > 0.5)
    np.testing.assert_array_equal(seen[duration], state.condition[idx])
    np.testing.assert_array_equal(seen[duration + 10], state.condition[idx])


def test_a_detection_line_looks_from_its_own_streams_at_its_own_checkpoints(county_prep) -> None:
    """A funded module finds problems at its line's checkpoints only, and draws apart.

    The platform's own rates stay as they were and its stream is not drawn from, so a
    variant without the line keeps every look of the platform; once the line ends, the
    funded modules look nowhere.
    """
    run = _run(county_prep, until=0, start=())
    det, state = run["detection"], run.state
    field = np.flatnonzero(run.ckp.field)
    idx = field[::7]
    state.condition[field] = 0.1  # every field checkpoint is a problem
    platform_extra = det.detect_extra.copy()
    platform_stream = run.rng("platform").bit_generator.state
    detection._boost(run, _delivery("detection", 1.0, 30, idx), idx, 1, 0, 30)
    found, counts = detection._finds(run, det)
    funded = [name for name, _ in detection.SOURCES].index("funded_looks")
    found = found[counts[:funded].sum() : counts[: funded + 1].sum()]
    assert np.isin(found, idx).all()
    assert len(found) > len(idx) / 2  # n_field looks at rate 1: about 63% of them
    assert state.has_order[found].all()
    np.testing.assert_array_equal(det.detect_extra, platform_extra)
    assert run.rng("platform").bit_generator.state == platform_stream
    run.env.run(until=31)  # the line has ended
    assert det.funded_max == 0 and not det.funded_rate.any()
    assert detection._finds(run, det)[1][funded] == 0
