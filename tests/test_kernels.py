"""The compiled loops of a simulated day: each against its plain definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from civsim.sim import kernels
from civsim.sim.mechanisms import decay_cut

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), blocks=st.integers(1, 5))
def test_advance_is_the_numpy_day(seed: int, n: int, blocks: int) -> None:
    """One compiled pass gives exactly ``c *= keep - k u; c += k u (1 - d)`` in numpy."""
    rng = np.random.default_rng(seed)
    c = rng.random(n, dtype=np.float32)
    keep = (1 - 0.05 * rng.random(n)).astype(np.float32)
    u = (0.1 * rng.random(n)).astype(np.float32)
    d = np.where(rng.random(n) < 0.3, rng.random(n), 0).astype(np.float32)
    levels = 2 * rng.random(blocks)
    bounds = np.r_[0, np.sort(rng.integers(0, n + 1, blocks - 1)), n].astype(np.int64)
    expected = c.copy()
    for j, k in enumerate(levels):
        sl = slice(bounds[j], bounds[j + 1])
        ku = np.empty(sl.stop - sl.start, dtype=np.float32)
        np.multiply(u[sl], np.float32(k), out=ku)
        np.minimum(ku, keep[sl], out=ku)  # effort restores at most what the day keeps
        expected[sl] *= keep[sl] - ku
        expected[sl] += ku * (np.float32(1) - d[sl])
    kernels.advance(c, keep, u, d, levels, bounds)
    np.testing.assert_array_equal(c, expected)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), level=st.floats(0, 1e6), days=st.integers(1, 50))
def test_any_effort_keeps_the_condition_within_0_and_1(seed: int, level: float, days: int) -> None:
    """However hard the routine effort (a level of a million), the days stay within [0, 1].

    Unbounded, ``k u`` above ``1 + keep`` made the step diverge: a county with
    thousands of volunteer hours a participant scored 10^19 points.
    """
    rng = np.random.default_rng(seed)
    n = 64
    c = rng.random(n, dtype=np.float32)
    keep = (1 - 0.05 * rng.random(n)).astype(np.float32)
    u = (0.1 * rng.random(n)).astype(np.float32)
    d = np.where(rng.random(n) < 0.3, rng.random(n), 0).astype(np.float32)
    for _ in range(days):
        kernels.advance(c, keep, u, d, np.array([level]), np.array([0, n], dtype=np.int64))
    assert np.isfinite(c).all() and (c >= 0).all() and (c <= 1).all()


def _find(day: int, sources: list, n: int, c, defect, has_order, lift=None) -> tuple:
    """``find_problems`` on a field of ``n`` checkpoints, the sources in turn.

    Each source is ``(word key, coin key, looks, p_max, thinned, rate)``; no lifts
    unless ``lift`` gives their sizes.
    """
    size = np.zeros(n, np.float32) if lift is None else lift
    field = np.empty(0, np.int64)
    keys, coin_keys, looks, p_max, thin, rates = zip(*sources, strict=True)
    return kernels.find_problems(
        day, np.array(keys, np.uint64), np.array(coin_keys, np.uint64), np.array(looks),
        np.array(p_max), np.array(thin), tuple(field for _ in sources), rates, n, c, defect, 0.6,
        has_order, size, np.zeros(n, np.int32), np.ones(1), size > 0,
    )  # fmt: skip


def _looked_at(key: int, day: int, looks: int, n: int) -> np.ndarray:
    """The checkpoints a source's looks look at: its keyed words of the day, mapped to ``n``."""
    return (kernels.keyed_words(np.uint64(key), day, looks).astype(np.uint64) * n) >> 32


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), day=st.integers(0, 1100))
def test_problems_found_are_new_below_threshold_and_once(seed: int, day: int) -> None:
    """Found: looked at, with a defect or below the threshold, without an order, once, sorted."""
    rng = np.random.default_rng(seed)
    n = 200
    c = rng.random(n, dtype=np.float32)
    defect = np.where(rng.random(n) < 0.2, np.float32(0.1), np.float32(0))
    had_order = rng.random(n) < 0.3
    has_order = had_order.copy()
    rate = np.full(n, 0.5, dtype=np.float32)
    residents, platform = (
        (seed, 0, 40, 0.0, False, rate),
        (seed + 1, seed + 2, 150, 1.0, True, rate),
    )
    found, counts = _find(day, [residents, platform], n, c, defect, has_order)
    problem = (c < np.float32(0.6)) | (defect > 0)
    new = set(np.flatnonzero(problem & ~had_order))
    ours, theirs = found[: counts[0]], found[counts[0] :]
    reported, flagged = (_looked_at(s[0], day, s[2], n) for s in (residents, platform))
    assert set(ours) == set(reported) & new  # residents miss nothing they look at
    assert set(theirs) <= (set(flagged) & new) - set(ours)  # the platform keeps about half
    assert np.all(np.diff(ours) > 0) and np.all(np.diff(theirs) > 0)
    assert np.array_equal(has_order, had_order | np.isin(np.arange(n), found))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), looks=st.integers(0, 150), more=st.integers(1, 150))
def test_a_look_keeps_its_fate_when_the_source_looks_more(seed: int, looks: int, more: int) -> None:
    """Common random numbers: a source that looks more finds all it found with fewer looks.

    Look ``j``'s word and coin belong to ``j`` (keyed by the day and the look), so a
    variant whose source looks more (a funded line raising its rate) shares the first
    looks and their fates; the extra finds are among what the extra looks look at.
    """
    rng = np.random.default_rng(seed)
    n = 200
    c = rng.random(n, dtype=np.float32)
    defect = np.zeros(n, np.float32)
    rate = rng.random(n, dtype=np.float32) * np.float32(0.9)
    few, many = (
        set(_find(3, [(seed, seed + 1, k, 1.0, True, rate)], n, c, defect, np.zeros(n, bool))[0])
        for k in (looks, looks + more)
    )
    assert few <= many
    assert many - few <= set(_looked_at(seed, 3, looks + more, n)[looks:])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), hidden=st.integers(0, 99))
def test_a_lift_hides_its_own_checkpoint_and_changes_no_other_flag(seed: int, hidden: int) -> None:
    """Common random numbers: lifting one checkpoint out of sight leaves every other flag's fate.

    Two variants of one day, alike but for a funded lift on one checkpoint below the
    threshold: the platform finds the same problems elsewhere in both (each look owns its
    coin, so one look hidden by the lift does not shift the coins of the looks after it).
    """
    rng = np.random.default_rng(seed)
    n = 100
    c = rng.random(n, dtype=np.float32) * np.float32(0.8)
    c[hidden] = np.float32(0.5)
    defect = np.zeros(n, np.float32)
    rate = rng.random(n, dtype=np.float32) * np.float32(0.9)  # the platform's rate varies
    platform = (seed, seed + 1, 300, 1.0, True, rate)
    found = []
    for lift in (0.0, 0.4):
        size = np.zeros(n, np.float32)
        size[hidden] = lift
        found.append(_find(0, [platform], n, c, defect, np.zeros(n, bool), size)[0])
    assert hidden not in found[1]  # 0.5 lifted by 0.4 is above 0.6: out of sight
    assert set(found[0]) - {hidden} == set(found[1])


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    days=st.integers(1, 25),
    n_units=st.integers(1, 4),
    share=st.floats(0, 1),
)
def test_order_queues_lose_nothing_and_serve_first_come_first(
    seed: int, days: int, n_units: int, share: float
) -> None:
    """Opened = closed + queued + waiting every day; a unit closes in queue order, within credit."""
    rng = np.random.default_rng(seed)
    n_ckpt, n_districts, cap = 50, 2, 4000
    is_field = rng.random(n_ckpt) < 0.8
    district = rng.integers(0, n_districts, n_ckpt)
    lead = rng.integers(0, n_units, n_ckpt)
    has_coop = rng.random(n_ckpt) < 0.4
    holders = n_units + n_districts
    ckpt, unit, opened, ready, deadline, closed = (np.full(cap, -1) for _ in range(6))
    slots = np.zeros((holders, cap), dtype=np.int64)
    head, tail = np.zeros(holders, np.int64), np.zeros(holders, np.int64)
    waiting, n_waiting, n_open = np.zeros(cap, np.int64), 0, 0
    condition, defect = np.zeros(n_ckpt, np.float32), np.zeros(n_ckpt, np.float32)
    has_order = np.zeros(n_ckpt, bool)
    credit, extra = np.zeros(holders), rng.random((holders, days)) * 3
    closed_today, late_today = np.zeros(days, np.int64), np.zeros(days, np.int64)
    fixed_today = np.zeros(days, np.int64)
    opened_today, waiting_today = np.zeros(days, np.int64), np.zeros(days, np.int64)
    for day in range(days):
        new = rng.integers(0, n_ckpt, rng.integers(0, 20))
        n_waiting = kernels.open_orders(
            rng.random(len(new)), rng.standard_exponential(len(new)), new, n_open, day,
            ckpt, unit, opened, ready, deadline, slots, tail, waiting,
            is_field, district, lead, has_coop, share, n_units, 3, 2.0, n_waiting,
            has_order, opened_today, waiting_today,
        )  # fmt: skip
        n_open += len(new)
        allowed = np.floor(np.minimum(credit, 2.0) + extra[:, day]).astype(int)
        before = head.copy()
        n_waiting = kernels.work_queues(
            day, credit, np.full(holders, 2.0), np.zeros(holders), extra, 1.0,
            ckpt, unit, ready, deadline, closed, slots, head, tail, waiting,
            n_waiting, condition, defect, has_order, np.float32(0.95), closed_today, late_today,
            fixed_today,
        )  # fmt: skip
        assert np.all(head - before <= allowed)
        is_closed = closed[:n_open] >= 0
        assert is_closed.sum() + (tail - head).sum() + n_waiting == n_open
        assert closed_today.sum() == is_closed.sum()
        assert opened_today.sum() == n_open
    ids = np.arange(n_open)
    territorial = unit[:n_open] >= n_units
    assert np.all(is_field[ckpt[:n_open]][territorial])
    assert np.all(
        ready[:n_open][~has_coop[ckpt[:n_open]]] == opened[:n_open][~has_coop[ckpt[:n_open]]]
    )
    for u in range(holders):
        # a unit's queue order is the order its orders became ready; it closes them in that order
        mine = ids[(unit[:n_open] == u) & (closed[:n_open] >= 0)]
        queue_order = mine[np.lexsort((mine, ready[mine]))]
        assert np.all(np.diff(closed[queue_order]) >= 0)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40), units=st.integers(1, 4))
def test_pushed_orders_join_each_queue_in_their_order(seed: int, n: int, units: int) -> None:
    """Pushing one by one is each destination's orders pushed at once, in order (wrapping)."""
    rng = np.random.default_rng(seed)
    width = 64
    slots = rng.integers(0, 1000, (units, width))
    tail = rng.integers(0, 3 * width, units)
    orders, dest = rng.integers(0, 1000, n), rng.integers(0, units, n)
    expected, expected_tail = slots.copy(), tail.copy()
    for d in np.unique(dest):  # the grouped numpy push
        mine = orders[dest == d]
        expected[d, (expected_tail[d] + np.arange(len(mine))) % width] = mine
        expected_tail[d] += len(mine)
    kernels.push_orders(orders, dest, slots, tail)
    assert np.array_equal(slots, expected) and np.array_equal(tail, expected_tail)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), days=st.integers(1, 30), districts=st.integers(1, 3))
def test_volunteer_requests_are_served_or_still_pending(
    seed: int, days: int, districts: int
) -> None:
    """Every request is served once or still waits; no day serves more than its hours allow."""
    rng = np.random.default_rng(seed)
    arrivals = rng.poisson(4, size=(days, districts))
    hours = rng.random((districts, days)) * 15
    pending = np.zeros((districts, days), dtype=np.int64)
    head = np.zeros(districts, dtype=np.int64)
    served, waited = np.zeros((districts, days)), np.zeros((districts, days))
    spare, total = np.zeros(districts), np.zeros(days)
    for day in range(days):
        kernels.serve_requests(
            day, arrivals, hours, 3.0, pending, head, served, waited, spare, total
        )
    assert np.all(served <= hours // 3.0)
    np.testing.assert_array_equal(served.sum(axis=1) + pending.sum(axis=1), arrivals.sum(axis=0))
    np.testing.assert_array_equal(total, served.sum(axis=0))
    assert np.all(waited >= 0)
    np.testing.assert_allclose(spare, (hours - served * 3.0).sum(axis=1))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), runs=st.integers(1, 20))
def test_lift_sums_are_the_bincount_of_the_lifts(seed: int, n: int, runs: int) -> None:
    """The runs' added condition equals bincount of ``lifted - condition``, to the last bit."""
    rng = np.random.default_rng(seed)
    condition = rng.random(n, dtype=np.float32)
    size = (rng.random(n) * 0.5).astype(np.float32)
    today = int(rng.integers(0, 60))
    group_start, group_days = rng.integers(0, 30, 8), rng.integers(1, 30, 8)
    group = rng.integers(0, 8, n).astype(np.int32)
    on = rng.random(n) < 0.7
    run_of = np.sort(rng.integers(0, runs, n)).astype(np.int32)
    run_starts = np.searchsorted(run_of, np.arange(runs))  # runs may be empty
    idx = np.flatnonzero(rng.random(n) < 0.6)
    lifts = (size, group, kernels.lift_shares(group_start, group_days, today), on)
    seen = kernels.lifted(idx, condition, *lifts)
    expected = np.bincount(
        run_of[idx], weights=seen.astype(np.float64) - condition[idx], minlength=runs
    )
    got = kernels.lift_sums(idx, condition, *lifts, run_starts)
    np.testing.assert_array_equal(got, expected)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    factor=st.floats(0.0, 3.0, allow_nan=False),
)
def test_scale_decay_is_the_numpy_steps(seed: int, n: int, factor: float) -> None:
    """Scaling a cut's decay gives the multiplier and ``keep`` of numpy's steps, to the last bit."""
    rng = np.random.default_rng(seed)
    mult = (0.5 + rng.random(n)).astype(np.float32)
    keep = rng.random(n, dtype=np.float32)
    idx = rng.permutation(n)[: int(rng.integers(0, n + 1))]
    decay = 0.05 * rng.random(len(idx))
    want_mult, want_keep = mult.copy(), keep.copy()
    m = want_mult[idx] * np.float32(factor)
    want_mult[idx] = m
    want_keep[idx] = 1.0 - decay * m
    decay_cut.scale_decay(idx, factor, decay, mult, keep)
    np.testing.assert_array_equal(mult, want_mult)
    np.testing.assert_array_equal(keep, want_keep)
