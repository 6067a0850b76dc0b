"""Each compiled kernel against its plain reference (``tests/kernel_reference.py``).

The strategies draw the kernels' inputs themselves (thresholds, rates, lifts,
deadlines, capacities and credits, queues wrapped around their ring buffers,
waiting lists, request backlogs and hours, days), not only a seed, so that
hypothesis reaches, and shrinks to, the edges: an order closed on its deadline
day, a lift on its last day, a credit of exactly one order, a queue wrapping
round its buffer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import kernel_reference as ref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from civsim.sim import kernels

SETTINGS = settings(max_examples=50, deadline=None)

unit_f32 = st.floats(0, 1, width=32)


def f32_array(n: int, lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    """Float32 arrays of length ``n`` with values in ``[lo, hi]``."""
    return hnp.arrays(np.float32, n, elements=st.floats(lo, hi, width=32))


def int_array(n: int, lo: int, hi: int) -> st.SearchStrategy[np.ndarray]:
    """Int64 arrays of length ``n`` with values in ``[lo, hi]``."""
    return hnp.arrays(np.int64, n, elements=st.integers(lo, hi))


def bool_array(n: int) -> st.SearchStrategy[np.ndarray]:
    """Bool arrays of length ``n``."""
    return hnp.arrays(np.bool_, n, elements=st.booleans())


def assert_same(kernel: dict, reference: dict) -> None:
    """Every array (or number) of ``kernel`` equals the same-named one of ``reference``."""
    assert kernel.keys() == reference.keys()
    for name in kernel:
        if isinstance(kernel[name], list):
            assert kernel[name] == reference[name], name
        else:
            np.testing.assert_array_equal(kernel[name], reference[name], err_msg=name)


# --------------------------------------------------------------------------- condition


@SETTINGS
@given(data=st.data(), n=st.integers(1, 40), blocks=st.integers(1, 4))
def test_advance_equals_reference(data: st.DataObject, n: int, blocks: int) -> None:
    """Decay and routine effort towards the ceiling ``1 - defect``, block by block, in float32."""
    c = data.draw(f32_array(n))
    keep = data.draw(f32_array(n, 0.75, 1.0))
    upkeep = data.draw(f32_array(n, 0.0, 0.5))  # up to twice keep at the highest level
    defect = data.draw(f32_array(n)) * data.draw(bool_array(n))
    levels = data.draw(hnp.arrays(np.float64, blocks, elements=st.floats(0, 3)))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=blocks - 1, max_size=blocks - 1)))
    bounds = np.array([0, *cuts, n], dtype=np.int64)
    expected = c.copy()
    ref.advance(expected, keep, upkeep, defect, levels, bounds)
    kernels.advance(c, keep, upkeep, defect, levels, bounds)
    np.testing.assert_array_equal(c, expected)


@dataclass
class Lifts:
    """A drawn state of condition and funded lifts, and the day."""

    condition: np.ndarray
    size: np.ndarray
    start: np.ndarray
    days: np.ndarray
    on: np.ndarray
    today: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the lift arrays, as the reference takes them (a start and days each)."""
        return self.size.copy(), self.start.copy(), self.days.copy(), self.on.copy()

    def groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The lifts' groups, as the state keeps them: first days, days, each checkpoint's."""
        pairs, group = np.unique(np.stack([self.start, self.days]), axis=1, return_inverse=True)
        return pairs[0].copy(), pairs[1].copy(), group.ravel().astype(np.int32)

    def grouped(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the lift arrays in the kernels' argument order: size, group, share, on."""
        start, days, group = self.groups()
        share = kernels.lift_shares(start, days, self.today)
        return self.size.copy(), group, share, self.on.copy()


@st.composite
def lifts(draw: st.DrawFn, n: int) -> Lifts:
    """Lifts of any size, started before, on or (never in a run) after today, of 1-30 days."""
    today = draw(st.integers(0, 60))
    return Lifts(
        condition=draw(f32_array(n)),
        size=draw(f32_array(n, 0.0, 0.5)),
        start=draw(int_array(n, max(today - 35, 0), today + 2)),
        days=draw(int_array(n, 1, 30)),
        on=draw(bool_array(n)),
        today=today,
    )


@SETTINGS
@given(data=st.data(), n=st.integers(1, 30))
def test_lifted_equals_reference(data: st.DataObject, n: int) -> None:
    """The lifted condition is the condition plus what is left of the lift, capped at 1."""
    lf = data.draw(lifts(n))
    idx = data.draw(int_array(data.draw(st.integers(0, 2 * n)), 0, n - 1))
    got = kernels.lifted(idx, lf.condition, *lf.grouped())
    expected = ref.lifted(idx, lf.condition, *lf.arrays(), lf.today)
    np.testing.assert_array_equal(got, expected)


@SETTINGS
@given(size=unit_f32, start=st.integers(0, 50), days=st.integers(1, 40), c=unit_f32)
def test_a_lift_fades_linearly_to_nothing_over_its_days(
    size: float, start: int, days: int, c: float
) -> None:
    """Whole on its first day, never growing, gone from ``start + days`` on."""
    one = np.array([0], dtype=np.int64)
    size_, group, on = np.array([size], np.float32), np.zeros(1, np.int32), np.array([True])
    cond = np.array([c], np.float32)

    def share(day: int) -> np.ndarray:
        return kernels.lift_shares(np.array([start]), np.array([days]), day)

    seen = [
        float(kernels.lifted(one, cond, size_, group, share(day), on)[0])
        for day in range(start, start + 2 * days)
    ]
    assert seen[0] == pytest.approx(min(c + size, 1.0), abs=1e-6)
    assert all(b <= a for a, b in itertools.pairwise(seen))
    assert seen[days:] == [np.float32(c)] * days
    if days >= 2 and size > 1e-3 and c + size < 0.99:
        half = start + days // 2
        left = size * (1 - (days // 2) / days)
        assert seen[days // 2] == pytest.approx(c + left, abs=1e-6), half


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 30),
    size=st.floats(0, 0.5),
    days=st.integers(1, 30),
)
def test_add_lift_equals_reference(data: st.DataObject, n: int, size: float, days: int) -> None:
    """A top-up adds to what is left of the lift, restarting its fade today."""
    lf = data.draw(lifts(n))
    idx = np.array(
        data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)), dtype=np.int64
    )
    expected = lf.arrays()
    ref.add_lift(idx, size, days, *expected, lf.today)
    # the kernel: the new lift's group (today, days) added to the groups, as the state does
    start, length, group = lf.groups()
    start, length = np.append(start, lf.today), np.append(length, days)
    got_size, got_on = lf.size.copy(), lf.on.copy()
    share = kernels.lift_shares(start, length, lf.today)
    kernels.add_lift(idx, size, len(start) - 1, got_size, group, share, got_on)
    np.testing.assert_array_equal(got_size, expected[0])
    np.testing.assert_array_equal(start[group], expected[1])
    np.testing.assert_array_equal(length[group], expected[2])
    np.testing.assert_array_equal(got_on, expected[3])


# --------------------------------------------------------------------------- detection


@SETTINGS
@given(
    data=st.data(),
    n_field=st.integers(1, 25),
    n_material=st.integers(0, 5),
    threshold=st.floats(0, 1),
    day=st.integers(0, 1200),
)
def test_find_problems_equals_reference(
    data: st.DataObject, n_field: int, n_material: int, threshold: float, day: int
) -> None:
    """Sources in turn: defects or below the (lifted) threshold, thinned, new, once.

    The reference takes each source's words and coins as arrays: the keyed draws
    of the day (:func:`civsim.sim.kernels.keyed_words`, ``keyed_uniforms``) that the
    kernel makes look by look.
    """
    n = n_field + n_material
    lf = data.draw(lifts(n))
    n_sources = data.draw(st.integers(1, 4))
    word_keys = np.array(
        data.draw(st.lists(st.integers(0, 2**64 - 1), min_size=n_sources, max_size=n_sources)),
        dtype=np.uint64,
    )
    coin_keys = word_keys[::-1].copy()
    looks = np.array(
        data.draw(st.lists(st.integers(0, 3 * n), min_size=n_sources, max_size=n_sources)),
        dtype=np.int64,
    )
    p_max = np.array([data.draw(st.floats(0.01, 1)) for _ in range(n_sources)])
    thin = np.array([data.draw(st.booleans()) for _ in range(n_sources)])
    # a source looks at the field, or at targets of its own (as a grid team does)
    targets = tuple(
        np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1))), dtype=np.int64)
        if data.draw(st.booleans())
        else np.empty(0, dtype=np.int64)
        for _ in range(n_sources)
    )
    rates = tuple((data.draw(f32_array(n)) * p).astype(np.float32) for p in p_max)
    had_order = data.draw(bool_array(n))
    defect = data.draw(f32_array(n)) * data.draw(bool_array(n))
    state = (n_field, lf.condition, defect, threshold)

    has_order = had_order.copy()
    got = kernels.find_problems(
        day,
        word_keys,
        coin_keys,
        looks,
        p_max,
        thin,
        targets,
        rates,
        *state,
        has_order,
        *lf.grouped(),
    )
    words = [kernels.keyed_words(k, day, int(m)) for k, m in zip(word_keys, looks, strict=True)]
    coins = [
        kernels.keyed_uniforms(k, day, np.arange(m)) for k, m in zip(coin_keys, looks, strict=True)
    ]
    expected_has = had_order.copy()
    expected = ref.find_problems(
        words,
        coins,
        list(targets),
        list(thin),
        list(p_max),
        list(rates),
        *state,
        expected_has,
        *lf.arrays(),
        lf.today,
    )
    np.testing.assert_array_equal(got[0], expected[0])
    assert got[1].tolist() == expected[1]
    np.testing.assert_array_equal(has_order, expected_has)
    for s, where in enumerate(targets):  # a source with targets looks only there
        start = int(got[1][:s].sum())
        assert not len(where) or set(got[0][start : start + got[1][s]]) <= set(where)


# --------------------------------------------------------------------------- defects


@dataclass
class DefectDay:
    """A drawn city of field checkpoints with open defects, and one day's draws."""

    day: int
    rounds: int
    picked: np.ndarray
    coins: np.ndarray
    fix_coins: np.ndarray
    scalars: tuple[float, float, float, float, float, float]
    city: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    defect: np.ndarray
    minor: np.ndarray
    condition: np.ndarray
    minor_idx: np.ndarray
    n_minor: int

    def run(self, kernel) -> tuple[tuple, dict]:
        """Run ``kernel`` on copies; its return value and every array it may change."""
        defect, minor, cond, idx = (
            a.copy() for a in (self.defect, self.minor, self.condition, self.minor_idx)
        )
        listed = np.isin(np.arange(len(defect)), idx[: self.n_minor])
        tallies = [np.zeros(self.day + 1, np.int64) for _ in range(3)]
        out = kernel(
            self.day, self.rounds, self.picked, len(self.defect), self.coins, 0, self.fix_coins,
            *self.scalars, *self.city, defect, minor, listed, cond, idx, self.n_minor, *tallies,
        )  # fmt: skip
        arrays = {
            "defect": defect,
            "minor": minor,
            "condition": cond,
            "list": idx[: out[0]],
            "listed": listed,
        }
        names = ("arisen", "compounded", "routine")
        return tuple(out), {**arrays, **dict(zip(names, tallies, strict=True))}


@st.composite
def defect_days(draw: st.DrawFn) -> DefectDay:
    """Open defects, minor or not, the minor ones listed (with some fixed since), a day's draws."""
    n = draw(st.integers(1, 30))
    n_d, n_types = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    levels = draw(hnp.arrays(np.float64, n_d + 1, elements=st.floats(0, 3)))
    share = draw(hnp.arrays(np.float64, n, elements=st.floats(0, 1)))
    hazard, prevention = draw(st.floats(0, 0.5)), draw(st.floats(0, 3))
    least = float(np.min(levels[:n_d]) * share.min())
    h_max = min(hazard * float(np.exp(prevention * (1 - least))), 1.0)
    defect = draw(f32_array(n)) * draw(bool_array(n))
    minor = draw(bool_array(n))
    # every open minor defect is listed, and some checkpoints fixed since or turned major
    listed = np.flatnonzero((defect > 0) & minor | draw(bool_array(n)))
    listed = np.array(draw(st.permutations(listed.tolist())), dtype=np.int64)
    minor_idx = np.full(n, -1, np.int64)
    minor_idx[: len(listed)] = listed
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    words = draw(hnp.arrays(np.uint32, st.integers(0, 3 * n), elements=st.integers(0, 2**32 - 1)))
    return DefectDay(
        day=draw(st.integers(0, 5)),
        rounds=draw(st.sampled_from([0, 1, 7])),
        picked=words,
        # the coins are uniform draws, as the run's streams give them
        coins=rng.random(3 * len(words)),
        fix_coins=rng.random(len(listed)),
        scalars=(
            hazard,
            prevention,
            h_max,
            draw(st.floats(0, 1)),
            *draw(st.tuples(unit_f32, unit_f32)),
        ),
        city=(
            levels,
            draw(int_array(n, 0, n_d - 1)),
            share,
            draw(int_array(n, 0, n_types - 1)),
            draw(hnp.arrays(np.float64, n_types, elements=st.floats(0, 1))),
        ),
        defect=defect,
        minor=minor,
        condition=draw(f32_array(n)),
        minor_idx=minor_idx,
        n_minor=len(listed),
    )


@SETTINGS
@given(case=defect_days())
def test_defect_day_equals_reference_and_keeps_every_open_minor_defect_listed(
    case: DefectDay,
) -> None:
    """Minor ones fixed by routine rounds, new ones thinned; each open minor defect listed once."""
    got_out, got = case.run(kernels.defect_day)
    expected_out, expected = case.run(ref.defect_day)
    assert got_out == expected_out
    assert_same(got, expected)
    listed = got["list"].tolist()
    assert len(set(listed)) == len(listed)
    assert set(listed) == set(np.flatnonzero(got["listed"]))
    open_minor = np.flatnonzero((got["defect"] > 0) & got["minor"])
    assert set(open_minor) <= set(listed)
    if case.rounds:  # the rounds drop what is no longer an open defect
        assert set(listed) <= set(np.flatnonzero(got["defect"] > 0))
    else:
        assert got["routine"].sum() == 0
    # defects arisen on checkpoints without one are fixed by routine or still open
    before, after = np.sum(case.defect > 0), np.sum(got["defect"] > 0)
    new = got["arisen"].sum() - got["compounded"].sum()
    assert before + new == after + got["routine"].sum()


# --------------------------------------------------------------------------- rectification

ORDER_FIELDS = ("ckpt", "unit", "opened", "ready", "deadline", "closed")


@dataclass
class Book:
    """A drawn order book in the middle of a day, with the city it serves."""

    day: int
    n_units: int
    is_field: np.ndarray
    district: np.ndarray
    lead: np.ndarray
    has_coop: np.ndarray
    columns: dict[str, np.ndarray]
    n: int
    slots: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    waiting: np.ndarray
    n_waiting: int
    condition: np.ndarray
    defect: np.ndarray
    has_order: np.ndarray
    tallies: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> Book:
        """A deep copy (arrays copied)."""
        return Book(
            **{
                k: (
                    {n: a.copy() for n, a in v.items()}
                    if isinstance(v, dict)
                    else v.copy()
                    if isinstance(v, np.ndarray)
                    else v
                )
                for k, v in self.__dict__.items()
            }
        )

    def state(self) -> dict:
        """Everything the kernels may change, the queues as lists (front first)."""
        holders = len(self.head)
        return {
            **{f"order.{k}": v for k, v in self.columns.items()},
            **{f"tally.{k}": v for k, v in self.tallies.items()},
            "queues": [ref.queue_of(self.slots, self.head, self.tail, u) for u in range(holders)],
            "head": self.head,
            "tail": self.tail,
            "slots": self.slots,
            "waiting": list(self.waiting[: self.n_waiting]),
            "condition": self.condition,
            "defect": self.defect,
            "has_order": self.has_order,
        }


@st.composite
def books(draw: st.DrawFn, room: int = 0) -> Book:
    """An order book: orders closed, queued (rings wrapped anywhere) and waiting.

    Deadlines fall a few days either side of today, waiting orders are ready
    from tomorrow on, a checkpoint has at most one open order; every ring has
    ``room`` slots beyond what its queue and its waiting orders need.
    """
    day = draw(st.integers(8, 30))
    n_units, n_districts = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    holders = n_units + n_districts
    n = draw(st.integers(0, 15))
    deadline_days = draw(st.integers(0, 6))
    opened = draw(int_array(n, day - 8, day - 1))
    fate = draw(hnp.arrays(np.int64, n, elements=st.sampled_from([0, 1, 2])))  # closed/queued/wait
    unit = draw(int_array(n, 0, holders - 1))
    # a checkpoint has at most one open order; closed ones may share it
    is_open = fate >= 1
    n_ckpt = int(is_open.sum()) + draw(st.integers(1, 8))
    ckpt = draw(int_array(n, 0, n_ckpt - 1))
    ckpt[is_open] = draw(st.permutations(range(n_ckpt)))[: int(is_open.sum())]
    cols = {
        "ckpt": ckpt,
        "unit": unit,
        "opened": opened,
        "ready": np.where(fate == 2, day + draw(int_array(n, 1, 4)), opened),
        "deadline": opened + deadline_days,
        "closed": np.where(fate == 0, opened, -1),
    }
    need = [int(np.sum((unit == u) & (fate >= 1))) for u in range(holders)]
    width = max(1, max(need) + room + draw(st.integers(0, 3)))
    slots = draw(int_array(holders * width, -1, max(n - 1, 0))).reshape(holders, width)
    head = draw(int_array(holders, 0, 3 * width))
    tail = head.copy()
    for order in np.flatnonzero(fate == 1):
        ref.push(slots, tail, int(unit[order]), int(order))
    waiting = np.flatnonzero(fate == 2)
    cap = n + room + 1
    for name, col in cols.items():
        cols[name] = np.r_[col, np.full(cap - n, -1)].astype(np.int64)
    open_ckpts = cols["ckpt"][:n][fate >= 1]
    has_order = draw(bool_array(n_ckpt))
    has_order[open_ckpts] = True
    return Book(
        day=day,
        n_units=n_units,
        is_field=draw(bool_array(n_ckpt)),
        district=draw(int_array(n_ckpt, 0, n_districts - 1)),
        lead=draw(int_array(n_ckpt, 0, n_units - 1)),
        has_coop=draw(bool_array(n_ckpt)),
        columns=cols,
        n=n,
        slots=slots,
        head=head,
        tail=tail,
        waiting=np.r_[waiting, np.zeros(cap - len(waiting), np.int64)].astype(np.int64),
        n_waiting=len(waiting),
        condition=draw(f32_array(n_ckpt)),
        defect=draw(f32_array(n_ckpt)) * draw(bool_array(n_ckpt)),
        has_order=has_order,
        tallies={
            k: np.zeros(day + 2, np.int64) for k in ("opened", "waiting", "closed", "late", "fixed")
        },
    )


def _open(kernel, book: Book, shares, waits, ckpts, share: float, deadline_days: int, wait):
    c = book.columns
    book.n_waiting = kernel(
        shares, waits, ckpts, book.n, book.day,
        c["ckpt"], c["unit"], c["opened"], c["ready"], c["deadline"],
        book.slots, book.tail, book.waiting,
        book.is_field, book.district, book.lead, book.has_coop,
        share, book.n_units, deadline_days, wait, book.n_waiting,
        book.has_order, book.tallies["opened"], book.tallies["waiting"],
    )  # fmt: skip
    book.n += len(ckpts)


def _work(kernel, book: Book, credit, capacity, fixed: float) -> None:
    c = book.columns
    most, base, extra, per_staff_day = capacity
    book.n_waiting = kernel(
        book.day, credit, most, base, extra, per_staff_day,
        c["ckpt"], c["unit"], c["ready"], c["deadline"], c["closed"],
        book.slots, book.head, book.tail, book.waiting, book.n_waiting,
        book.condition, book.defect, book.has_order, fixed,
        book.tallies["closed"], book.tallies["late"], book.tallies["fixed"],
    )  # fmt: skip


@SETTINGS
@given(
    data=st.data(),
    share=st.floats(0, 1),
    deadline_days=st.integers(0, 10),
    mean_wait=st.floats(1e-12, 5),
)
def test_open_orders_equals_reference(
    data: st.DataObject, share: float, deadline_days: int, mean_wait: float
) -> None:
    """New orders routed, dated, queued at the back of their ring or listed as waiting."""
    k = data.draw(st.integers(0, 8))
    book = data.draw(books(room=k))
    n_ckpt = len(book.condition)
    ckpts = data.draw(int_array(k, 0, n_ckpt - 1))
    shares = data.draw(hnp.arrays(np.float64, k, elements=st.floats(0, 0.999)))
    waits = data.draw(hnp.arrays(np.float64, k, elements=st.floats(0, 4)))
    got, expected = book.copy(), book.copy()
    _open(kernels.open_orders, got, shares, waits, ckpts, share, deadline_days, mean_wait)
    _open(ref.open_orders, expected, shares, waits, ckpts, share, deadline_days, mean_wait)
    assert got.n_waiting == expected.n_waiting
    assert_same(got.state(), expected.state())


@st.composite
def capacities(draw: st.DrawFn, holders: int, days: int) -> tuple:
    """Credit carried in, its cap, daily base capacity, funded staff-days and their worth."""
    credit = draw(hnp.arrays(np.float64, holders, elements=st.sampled_from([0.0, 0.5, 1.0, 2.0])))
    credit = credit + draw(hnp.arrays(np.float64, holders, elements=st.floats(0, 3)))
    most = draw(hnp.arrays(np.float64, holders, elements=st.floats(0, 3)))
    base = draw(hnp.arrays(np.float64, holders, elements=st.sampled_from([0.0, 0.5, 1.0, 1.5])))
    extra = draw(hnp.arrays(np.float64, (holders, days), elements=st.floats(0, 2)))
    per_staff_day = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    return credit, (most, base, extra, per_staff_day)


@SETTINGS
@given(data=st.data(), fixed=unit_f32)
def test_work_queues_equals_reference(data: st.DataObject, fixed: float) -> None:
    """Capped credit plus the day's capacity closes the front of each queue; late only after."""
    book = data.draw(books())
    holders = len(book.head)
    credit, capacity = data.draw(capacities(holders, book.day + 1))
    got, expected = book.copy(), book.copy()
    got_credit, expected_credit = credit.copy(), credit.copy()
    _work(kernels.work_queues, got, got_credit, capacity, fixed)
    _work(ref.work_queues, expected, expected_credit, capacity, fixed)
    assert got.n_waiting == expected.n_waiting
    assert_same(got.state(), expected.state())
    np.testing.assert_array_equal(got_credit, expected_credit)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    days=st.integers(1, 20),
    share=st.floats(0, 1),
    deadline_days=st.integers(0, 6),
    mean_wait=st.floats(1e-12, 4),
)
def test_days_of_orders_equal_reference_and_keep_their_lifecycle(
    data: st.DataObject, days: int, share: float, deadline_days: int, mean_wait: float
) -> None:
    """Day after day of opening and working: the same book; each order closed once, in time order.

    Only checkpoints without an open order get one, as detection ensures.
    """
    book = data.draw(books(room=0))
    start = book.day
    holders = len(book.head)
    book.tallies = {k: np.zeros(start + days + 1, np.int64) for k in book.tallies}
    credit, capacity = data.draw(capacities(holders, start + days))
    got, expected = book.copy(), book.copy()
    got_credit, expected_credit = credit.copy(), credit.copy()
    for day in range(start, start + days):
        free = np.flatnonzero(~got.has_order)
        ckpts = np.array(
            sorted(data.draw(st.sets(st.sampled_from(free.tolist()))) if len(free) else []),
            dtype=np.int64,
        )
        k = len(ckpts)
        shares = data.draw(hnp.arrays(np.float64, k, elements=st.floats(0, 0.999)))
        waits = data.draw(hnp.arrays(np.float64, k, elements=st.floats(0, 3)))
        for b in (got, expected):
            b.day = day
            _grow(b, k)
        before = got.columns["closed"].copy()
        _open(kernels.open_orders, got, shares, waits, ckpts, share, deadline_days, mean_wait)
        _open(ref.open_orders, expected, shares, waits, ckpts, share, deadline_days, mean_wait)
        _work(kernels.work_queues, got, got_credit, capacity, 0.9)
        _work(ref.work_queues, expected, expected_credit, capacity, 0.9)
        assert_same(got.state(), expected.state())
        np.testing.assert_array_equal(got_credit, expected_credit)
        closed = got.columns["closed"]
        assert np.all((before == -1) | (closed == before))  # closed at most once
        newly = (before == -1) & (closed >= 0)
        assert got.tallies["closed"][day] == newly.sum()
        deadline = got.columns["deadline"]
        assert got.tallies["late"][day] == np.sum(newly & (closed > deadline))
    n, c = got.n, got.columns
    done = c["closed"][:n] >= 0
    assert np.all(c["closed"][:n][done] >= c["ready"][:n][done])
    assert np.all(c["ready"][:n] >= c["opened"][:n])
    # the checkpoints with an open order are exactly the ones marked, each with one order
    open_ckpts = c["ckpt"][:n][~done]
    opened_here = np.arange(n) >= book.n
    assert len(set(c["ckpt"][:n][~done & opened_here])) == np.sum(~done & opened_here)
    assert np.all(got.has_order[open_ckpts])
    queued = sum(len(q) for q in got.state()["queues"])
    assert done.sum() + queued + got.n_waiting == n


def _grow(book: Book, k: int) -> None:
    """Room for ``k`` more orders: columns, waiting list and every ring."""
    need = book.n + k + 1
    for name, col in book.columns.items():
        if len(col) < need:
            book.columns[name] = np.r_[col, np.full(need - len(col), -1)].astype(np.int64)
    if len(book.waiting) < book.n_waiting + k + 1:
        book.waiting = np.r_[book.waiting, np.zeros(k + 1, np.int64)]
    holders, width = book.slots.shape
    longest = int((book.tail - book.head).max()) + book.n_waiting + k
    if longest > width:
        queues = [ref.queue_of(book.slots, book.head, book.tail, u) for u in range(holders)]
        book.slots = np.full((holders, longest + 1), -1, dtype=np.int64)
        book.tail = book.head.copy()
        for u, queue in enumerate(queues):
            for order in queue:
                ref.push(book.slots, book.tail, u, order)


# --------------------------------------------------------------------------- volunteers


@SETTINGS
@given(
    data=st.data(),
    districts=st.integers(1, 3),
    days=st.integers(1, 15),
    first=st.integers(0, 5),
    hours_per_request=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 2.5]),
)
def test_serve_requests_equals_reference(
    data: st.DataObject, districts: int, days: int, first: int, hours_per_request: float
) -> None:
    """Oldest requests first, as many as the hours pay for; a request waits its days since arrival.

    The run starts on day ``first`` with a backlog from the days before.
    """
    horizon = first + days
    arrivals = data.draw(int_array(horizon * districts, 0, 6)).reshape(horizon, districts)
    hours = data.draw(hnp.arrays(np.float64, (districts, horizon), elements=st.floats(0, 12)))
    backlog = np.zeros((districts, horizon), dtype=np.int64)
    backlog[:, :first] = data.draw(int_array(districts * first, 0, 4)).reshape(districts, first)
    head = np.array(
        [np.flatnonzero(row).min(initial=first) for row in backlog[:, : first + 1]], np.int64
    )

    def fresh() -> dict:
        return {
            "pending": backlog.copy(),
            "head": head.copy(),
            "served": np.zeros((districts, horizon)),
            "waited": np.zeros((districts, horizon)),
            "spare": np.zeros(districts),
            "total": np.zeros(horizon),
        }

    got, expected = fresh(), fresh()
    for day in range(first, horizon):
        for kernel, s in ((kernels.serve_requests, got), (ref.serve_requests, expected)):
            kernel(day, arrivals, hours, hours_per_request, s["pending"], s["head"],
                   s["served"], s["waited"], s["spare"], s["total"])  # fmt: skip
        for name in ("pending", "served", "waited", "total"):
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
        np.testing.assert_allclose(got["spare"], expected["spare"], rtol=1e-12)
        # nothing is pending before the kernel's head
        for d in range(districts):
            assert got["head"][d] <= day + 1
            assert not got["pending"][d, : got["head"][d]].any()
