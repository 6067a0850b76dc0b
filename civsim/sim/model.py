"""Wiring of one replication: state, processes, budget deliveries, recorders.

:func:`simulate` is the entry point. It builds (or takes) the task table and
the budget allocation, turns them into checkpoint arrays, starts the SimPy
processes of :mod:`civsim.sim.processes`, runs the cycle, and returns a
:class:`civsim.results.RunResult` of tidy tables. A run never prints.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from civsim.apportion import largest_remainder
from civsim.results import RunResult, build_run_result
from civsim.scenario import Scenario
from civsim.sim import kernels, processes, state
from civsim.sim.state import CITY, EVENT_INDEX, EVENT_KINDS, Checkpoints

__all__ = ["Delivery", "Draws", "Prepared", "Run", "prepare", "simulate"]

#: Named random streams of a replication, each spawned from its SeedSequence, so a
#: mechanism switched on in one scenario does not shift another mechanism's draws
#: (common random numbers across scenarios). Append only: order fixes the streams.
STREAMS = (
    "self_checks",
    "covert_visits",
    "citizen_reports",
    "platform",
    "coordination",
    "volunteers",
    "evaluation",
    "negative_list",
    "survey",
    "peers",
    "assignment",
    "platform_thinning",
)
#: Stream id for draws fixed per scenario, not per replication (which places a line covers).
COVERAGE_STREAM = 2


class Draws:
    """Values of one distribution drawn ahead from one stream, taken in order by compiled loops.

    A block drawn at once holds the same values as draws made one by one, so
    what a replication sees does not depend on the block size.

    Examples
    --------
    >>> d = Draws(np.random.default_rng(1), "uniform", block=4)
    >>> first, rest = d.take(3), d.take(3)
    >>> bool(np.array_equal(np.r_[first, rest], np.random.default_rng(1).random(6)))
    True
    """

    def __init__(self, rng: np.random.Generator, kind: str, block: int = 1 << 14):
        self.draw = {
            "uniform": rng.random,
            "exponential": rng.standard_exponential,
            # 32 random bits each: two from every 64-bit output of the generator
            "bits": lambda n: rng.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n],
        }[kind]
        self.block = block
        self.values = self.draw(0)
        self.pos = 0

    def ensure(self, n: int) -> None:
        """Have at least ``n`` values from ``pos`` on."""
        if len(self.values) - self.pos < n:
            fresh = self.draw(max(self.block, n))
            self.values = np.concatenate([self.values[self.pos :], fresh])
            self.pos = 0

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` values."""
        self.ensure(n)
        self.pos += n
        return self.values[self.pos - n : self.pos]


@dataclass(frozen=True)
class Prepared:
    """Everything a replication needs that does not depend on its random stream."""

    scenario: Scenario
    ckp: Checkpoints
    tasks: pd.DataFrame
    allocation: pd.DataFrame
    lines: pd.DataFrame
    effort: np.ndarray
    budget_inputs: Any = None
    #: The lines as plain dicts by id (a pandas row lookup per delivery is slow).
    line_rows: dict = field(default_factory=dict)
    #: Targets and coverage of funded lines, fixed per scenario, filled on first use.
    cache: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Delivery:
    """One project line funded in one district (or the city) in one year."""

    line: str
    district: str
    year: int
    effect: str
    size: float
    duration_days: int
    start_day: int
    units: np.ndarray
    yuan: np.ndarray
    covered: list[np.ndarray]
    district_index: np.ndarray
    unit_index: np.ndarray
    delivered: int = 0


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

    FIELDS = ("ckpt", "unit", "opened", "ready", "deadline", "closed")

    def __init__(self, n_units: int, capacity: int = 1024, slots: int = 256):
        self.n = 0
        for name in self.FIELDS:
            setattr(self, name, np.full(capacity, -1, dtype=np.int64))
        self.waiting = np.empty(capacity, dtype=np.int64)
        self.n_waiting = 0
        self.slots = np.zeros((n_units, slots), dtype=np.int64)
        self.head = np.zeros(n_units, dtype=np.int64)
        self.tail = np.zeros(n_units, dtype=np.int64)

    @property
    def queued(self) -> np.ndarray:
        """Orders in each unit's queue (ready, not yet served)."""
        return self.tail - self.head

    def _grow(self, need: int) -> None:
        size = len(self.ckpt)
        if self.n + need > size:
            new = max(2 * size, self.n + need)
            for name in self.FIELDS:
                arr = getattr(self, name)
                grown = np.concatenate([arr, np.full(new - size, -1, dtype=np.int64)])
                setattr(self, name, grown)
        if self.n_waiting + need > len(self.waiting):
            room = max(2 * len(self.waiting), self.n_waiting + need) - len(self.waiting)
            self.waiting = np.concatenate([self.waiting, np.empty(room, dtype=np.int64)])

    def _widen(self, longest: int) -> None:
        """Give every ring at least ``longest`` slots, keeping each queue's order."""
        old = self.slots.shape[1]
        if longest <= old:
            return
        width = max(2 * old, longest)
        units, pos = _ranges(self.head, self.tail - self.head)
        slots = np.zeros((len(self.head), width), dtype=np.int64)
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
            run.draws["assignment"].take(k),
            run.draws["coordination"].take(k),
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
            run.events[EVENT_INDEX["order_opened"]],
            run.events[EVENT_INDEX["coordination_wait"]],
        )
        self.n += k

    def work(self, credit: np.ndarray, capacity: tuple, day: int, run: Run) -> None:
        """Close as many of unit u's orders as ``credit[u]`` allows, then queue tomorrow's.

        ``capacity`` is ``(most, base, extra, per_staff_day)``: the credit
        carried over is capped at ``most``, then grows by the day's capacity
        (:func:`civsim.sim.kernels.work_queues`); it falls by the orders closed.
        """
        self._widen(int(self.queued.max()) + self.n_waiting)
        self.n_waiting = kernels.work_queues(
            day,
            credit,
            *capacity,
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
            run.state.has_order,
            run.params.rectification.fixed_condition,
            run.events[EVENT_INDEX["order_closed"]],
            run.events[EVENT_INDEX["order_closed_late"]],
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
                "standard": pd.Categorical.from_codes(ckp.standard[ck], ckp.standards),
                "place": pd.Categorical.from_codes(place_code, place_labels),
                "district": pd.Categorical.from_codes(ckp.district[ck], ckp.district_labels),
                "unit": pd.Categorical.from_codes(self.unit[:n], ckp.holders),
                "opened": self.opened[:n].astype(np.int32),
                "ready": self.ready[:n].astype(np.int32),
                "deadline": self.deadline[:n].astype(np.int32),
                "closed": np.where(closed >= 0, closed, -1).astype(np.int32),
                "status": pd.Categorical.from_codes(
                    np.where(closed >= 0, 0, 2) + late, ORDER_STATUSES
                ),
            }
        )


#: An order's status at the end of the cycle (codes 0..3 in this order).
ORDER_STATUSES = ("closed", "closed_late", "open", "open_late")


def _ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and position of every element of the runs ``starts[u] .. starts[u] + counts[u]``.

    Examples
    --------
    >>> rows, pos = _ranges(np.array([5, 0, 2]), np.array([2, 0, 3]))
    >>> rows.tolist(), pos.tolist()
    ([0, 0, 2, 2, 2], [5, 6, 2, 3, 4])
    """
    rows = np.repeat(np.arange(len(counts)), counts)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, starts[rows] + offsets


class Run:
    """The context shared by one replication's processes: state, streams and recorders."""

    def __init__(self, prep: Prepared, seed_seq: np.random.SeedSequence):
        sc = prep.scenario
        self.prep = prep
        self.params = sc.simulation
        self.ckp = prep.ckp
        self.env = simpy.Environment()
        self.days = sc.cycle.days
        self.days_per_year = sc.cycle.days_per_year
        self.month_days = self.days_per_year // 12
        self.record_every = self.params.record_every_days
        self.threshold = self.params.dynamics.compliance_threshold
        self.effort = prep.effort
        self.rngs = dict(
            zip(
                STREAMS,
                (np.random.default_rng(s) for s in seed_seq.spawn(len(STREAMS))),
                strict=True,
            )
        )
        # streams the compiled loops read as arrays (a Generator costs microseconds a call)
        self.draws = {
            "citizen_reports": Draws(self.rngs["citizen_reports"], "bits"),
            "platform": Draws(self.rngs["platform"], "bits"),
            "platform_thinning": Draws(self.rngs["platform_thinning"], "uniform"),
            "assignment": Draws(self.rngs["assignment"], "uniform"),
            "coordination": Draws(self.rngs["coordination"], "exponential"),
        }
        n, nd, nu = self.ckp.n, len(self.ckp.districts), len(self.ckp.holders)
        det = self.params.detection
        f32 = np.float32  # the daily passes are memory-bound: half the bytes, half the time
        self.state = state.State(
            condition=_initial_condition(prep, f32),
            decay_mult=np.ones(n, dtype=f32),
            detect_extra=np.where(
                self.ckp.field & det.platform, det.platform_detection_rate, 0.0
            ).astype(f32),
            has_order=np.zeros(n, dtype=bool),
        )
        self.lift_size = np.zeros(n, dtype=f32)
        self.lift_start = np.zeros(n, dtype=np.int64)
        self.lift_days = np.ones(n, dtype=np.int64)
        self._lift_idx: np.ndarray | None = np.empty(0, dtype=np.int64)
        self.decay_cuts: list[tuple[np.ndarray, float]] = []
        self.is_lifted = np.zeros(n, dtype=bool)
        self.detect_max = float(self.state.detect_extra.max(initial=0.0))
        self.keep = (1.0 - self.ckp.decay).astype(f32)
        self.volunteer_effort = np.zeros(nd + 1)  # last entry: the city's material slice
        horizon = self.days + 1
        self.extra_staff_days = np.zeros((nu, horizon))
        # volunteer-hours per district and day: the base, plus funded hours as lines deliver
        pop10k = self.ckp.district_population / 10_000
        base_hours = self.params.volunteers.base_hours_per_10k_per_day * pop10k
        self.volunteer_hours = np.repeat(base_hours[:, None], horizon, axis=1)
        self.publicity = np.zeros((nd, horizon))
        self.orders = OrderBook(nu)
        self.events = np.zeros((len(EVENT_KINDS), horizon), dtype=np.int64)
        self.wait_sum = np.zeros((nd, horizon))
        self.served = np.zeros((nd, horizon))
        self._shadow: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._units: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._spend: list[tuple[Any, ...]] = []
        self.annual: list[dict[str, Any]] = []
        self.district_results: list[dict[str, Any]] = []
        self.allocated: list[pd.DataFrame] = []
        self.conditions: list[tuple] = []
        self._cond_sum = np.zeros(len(self.ckp.condition_count))
        self._cond_records = 0
        self.survey_item_shares = _survey_item_shares(prep.scenario)

    # -- recorders -------------------------------------------------------
    def count(self, kind: str, n: int) -> None:
        """Add ``n`` events of ``kind`` to today's tally."""
        if n:
            self.events[EVENT_INDEX[kind], int(self.env.now)] += n

    def record_shadow(self, day: int) -> None:
        """Store the shadow score groups of today (see :func:`state.build_checkpoints`)."""
        # one pass over the checkpoints gives the shadow groups and the condition tally
        both = self.record_values()
        n_shadow = self.ckp.shadow_rows
        self._cond_sum += both[n_shadow:]
        self._cond_records += 1
        sat = self.satisfaction(day, self._district_means(both[n_shadow:]))
        self._shadow.append((day, both[:n_shadow], sat))

    def record_units(self, day: int, credit: np.ndarray) -> None:
        """Store each unit's queue length and spare capacity on recording days."""
        if day % self.record_every:
            return
        queue = self.orders.open_count()
        self._units.append((day, queue, credit.copy()))

    def spend(self, delivery: Delivery, month: int, yuan: int) -> None:
        """Record yuan paid for a line in a month of its year."""
        if yuan:
            self._spend.append((delivery.year, month + 1, delivery.line, delivery.district, yuan))

    def close_year(self, year: int) -> None:
        """Record each district's year-end results and start next year's budget."""
        sat = self.satisfaction(int(self.env.now))
        mat, keys = self.ckp.weights["field:district"]
        by_group = pd.Series(mat @ self.effective())
        field = by_group.groupby(keys.get_level_values(0).to_numpy()).sum()
        for i, d in enumerate(self.ckp.districts):
            self.district_results.append(
                {
                    "year": year,
                    "district": d,
                    "satisfaction": float(sat[i]),
                    "field": float(field.get(i, 0.0)),
                }
            )
        self.record_conditions(year)
        if year < self.prep.scenario.cycle.years:
            start_budget_year(self, year + 1, next_allocation(self, year))

    def record_conditions(self, year: int) -> None:
        """Store the year's mean and year-end field condition per district and place type."""
        ckp = self.ckp
        n_types = len(ckp.place_types)
        end = self.record_values()[self.ckp.shadow_rows :]
        mean = self._cond_sum / max(self._cond_records, 1)
        for g in np.flatnonzero(self.ckp.condition_count):
            self.conditions.append(
                (
                    year,
                    ckp.districts[g // n_types],
                    ckp.place_types[g % n_types],
                    float(mean[g]),
                    float(end[g]),
                    int(ckp.condition_count[g]),
                )
            )
        self._cond_sum[:] = 0
        self._cond_records = 0

    def record_values(self) -> np.ndarray:
        """Today's shadow score groups, then mean condition per (district, place type).

        See :meth:`Checkpoints.record`; the condition is :meth:`effective`.
        """
        li = self.lift_idx
        return self.ckp.record(self.state.condition, (li, self._lifted(li)))

    @property
    def lift_idx(self) -> np.ndarray:
        """Checkpoints with a lift still running (ended lifts are dropped here)."""
        if self._lift_idx is None:
            li = np.flatnonzero(self.is_lifted)
            ended = int(self.env.now) - self.lift_start[li] >= self.lift_days[li]
            self.is_lifted[li[ended]] = False
            self._lift_idx = li[~ended]
        return self._lift_idx

    def effective(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Condition as residents and inspectors see it: the state plus any funded lift.

        A ``condition`` line lifts its checkpoints by ``effect_size`` on delivery;
        the lift fades linearly to nothing over the line's ``duration_days``.
        Only lifted checkpoints (``lift_idx``) are patched, so this stays cheap.
        """
        c = self.state.condition
        if not len(self.lift_idx):
            return c if idx is None else c[idx]
        if idx is None:
            out = c.copy()
            out[self.lift_idx] = self._lifted(self.lift_idx)
            return out
        return self._lifted(idx)

    def _lifted(self, idx: np.ndarray) -> np.ndarray:
        """The lifted condition at ``idx`` (:func:`kernels.lifted`)."""
        return kernels.lifted(
            np.asarray(idx, dtype=np.int64),
            self.state.condition,
            self.lift_size,
            self.lift_start,
            self.lift_days,
            self.is_lifted,
            int(self.env.now),
        )

    # -- state queries -----------------------------------------------------
    def _district_means(self, type_means: np.ndarray) -> np.ndarray:
        """Mean field condition per district from its means per place type (recorded rows)."""
        count = self.ckp.condition_count.reshape(len(self.ckp.districts), -1)
        total = (type_means.reshape(count.shape) * count).sum(axis=1)
        n = count.sum(axis=1)
        reference = self.params.survey.reference_condition
        return np.divide(total, n, out=np.full(len(n), reference), where=n > 0)

    def satisfaction(self, day: int, field_mean: np.ndarray | None = None) -> np.ndarray:
        """Residents' satisfaction (0..1) per district: condition, service waits, publicity.

        ``field_mean`` is each district's mean field condition as residents see
        it; computed from the state when not given.
        """
        sv = self.params.survey
        if field_mean is None:
            field_mean = self._district_means(self.record_values()[self.ckp.shadow_rows :])
        lo = max(0, day - 90)  # residents remember about a quarter of waiting
        served = self.served[:, lo : day + 1].sum(axis=1)
        mean_wait = np.divide(
            self.wait_sum[:, lo : day + 1].sum(axis=1),
            served,
            out=np.zeros_like(served),
            where=served > 0,
        )
        sat = (
            sv.base_satisfaction
            + sv.condition_weight * (field_mean - sv.reference_condition)
            - sv.wait_penalty_per_day * mean_wait
            + self.publicity[:, min(day, self.days)]
        )
        return np.clip(sat, 0.0, 1.0)

    def sample_places(self, rng: np.random.Generator, n_places: int) -> np.ndarray:
        """Checkpoints of ``n_places`` places sampled by type, in proportion to the visit plan."""
        ckp = self.ckp
        key = ("quotas", n_places)
        if key not in self.prep.cache:
            self.prep.cache[key] = largest_remainder(n_places, ckp.type_sample_weight).tolist()
        quotas = self.prep.cache[key]
        picked = []
        for t, q in enumerate(quotas):
            pool = ckp.type_places[t]
            if q and len(pool):
                picked.append(rng.choice(pool, size=min(q, len(pool)), replace=False))
        if not picked:
            return np.empty(0, dtype=np.int64)
        places = np.concatenate(picked)
        starts = ckp.place_ckp_ptr[places]
        _, pos = _ranges(starts, ckp.place_ckp_ptr[places + 1] - starts)
        return ckp.place_ckp_idx[pos]

    # -- budget effects ----------------------------------------------------------
    def apply_effect(self, d: Delivery, units: int) -> None:
        """Deliver ``units`` units of a funded line (see ProjectLineRow for the effects)."""
        day = int(self.env.now)
        end = min(day + d.duration_days, self.days + 1)
        covered = d.covered[d.delivered : d.delivered + units]
        d.delivered += units
        # units of a line without places each cover its whole target (the same array):
        # count it once, as indexing would
        covered = list({id(part): part for part in covered}.values())
        idx = np.concatenate(covered) if covered else np.empty(0, dtype=np.int64)
        st = self.state
        if d.effect == "condition":
            kernels.add_lift(
                np.asarray(idx, dtype=np.int64),
                d.size,
                max(d.duration_days, 1),
                self.lift_size,
                self.lift_start,
                self.lift_days,
                self.is_lifted,
                day,
            )
            self._lift_idx = None  # listed again when next needed
        elif d.effect == "decay":
            cut = (idx, 1.0 - d.size)
            self.decay_cuts.append(cut)
            st.decay_mult[idx] *= cut[1]
            self._refresh_keep(idx)
            self.env.process(_revert_decay(self.env, self, cut, end - day))
        elif d.effect == "detection":
            st.detect_extra[idx] += d.size
            self.detect_max = float(st.detect_extra.max(initial=0.0))
            self.env.process(_revert_detection(self.env, self, idx, d.size, end - day))
        elif d.effect == "staff_days":
            share = units * d.size / max(end - day, 1)
            self.extra_staff_days[d.unit_index, day:end] += share / max(len(d.unit_index), 1)
        elif d.effect == "volunteer_hours":
            w = self.ckp.district_population[d.district_index].astype(float)
            w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
            per_day = units * d.size / max(end - day, 1)
            self.volunteer_hours[d.district_index, day:end] += (w * per_day)[:, None]
        elif d.effect == "publicity":
            fade = np.linspace(1.0, 0.0, end - day, endpoint=False)
            self.publicity[d.district_index, day:end] += units * d.size * fade
        self.count(f"line_{d.effect}", units)

    def _refresh_keep(self, idx: np.ndarray) -> None:
        self.keep[idx] = 1.0 - self.ckp.decay[idx] * self.state.decay_mult[idx]


def _initial_condition(prep: Prepared, dtype) -> np.ndarray:
    """Day-0 condition: the budget's stated condition per district where given, else the default."""
    ckp = prep.ckp
    c = np.full(ckp.n, prep.scenario.simulation.dynamics.initial_condition, dtype=dtype)
    budget = prep.scenario.budget
    stated = {r.district: r.condition for r in budget.district_condition} if budget else {}
    for i, d in enumerate(ckp.districts):
        if d in stated:
            c[ckp.district_slices[i]] = stated[d]
    return c


def _survey_item_shares(scenario: Scenario) -> pd.Series:
    """Each item's share of the survey points (by its survey standards' points)."""
    fw = scenario.framework
    rows = [(s.content, s.points) for s in fw.standards if s.method == "survey" and not s.negative]
    if not rows:
        return pd.Series(dtype=float)
    item_of = {c.id: c.item for c in fw.contents}
    pts = (
        pd.Series([p for _, p in rows], index=[item_of[c] for c, _ in rows]).groupby(level=0).sum()
    )
    return pts / pts.sum()


def next_allocation(run: Run, year: int) -> pd.DataFrame:
    """Next year's allocation: as planned, or re-allocated from this year's results.

    Re-allocated when the scenario links the budget to performance
    (评估结果与财政投入挂钩).
    """
    sc = run.prep.scenario
    if sc.budget is None or sc.budget.policy != "performance":
        return run.prep.allocation
    from civsim.budget import performance

    results = pd.DataFrame([r for r in run.district_results if r["year"] == year])
    # A district's result: its expected field points plus its residents' satisfaction points.
    results["score"] = results["field"] + results["satisfaction"] * sc.cycle.survey_points
    return performance(run.prep.budget_inputs, year + 1, previous=results[["district", "score"]])


def _revert_decay(env, run: Run, cut: tuple[np.ndarray, float], after: int):
    """End a funded slow-down of decay after its duration.

    The multiplier of the checkpoints it covered is rebuilt from the cuts still
    running (dividing the factor back out fails for a cut to zero decay).
    """
    yield env.timeout(after)
    run.decay_cuts.remove(cut)
    idx = cut[0]
    mult = run.state.decay_mult
    mult[idx] = 1.0
    for other, factor in run.decay_cuts:
        mult[np.intersect1d(other, idx, assume_unique=True)] *= factor
    run._refresh_keep(idx)


def _revert_detection(env, run: Run, idx: np.ndarray, size: float, after: int):
    """End a funded detection boost after its duration."""
    yield env.timeout(after)
    run.state.detect_extra[idx] -= size
    run.detect_max = float(run.state.detect_extra.max(initial=0.0))


def effort_profile(scenario: Scenario) -> np.ndarray:
    """Routine effort per day of the cycle, as a multiple of normal effort (mean 1).

    Normal mode holds effort level. Campaign mode ramps effort up over the
    ``run_up_days`` before each year's expected inspection window to
    ``surge_multiplier`` times its base, holds it through the window, then drops
    ``overshoot`` below base and recovers with ``decay_half_life_days``. The
    profile is scaled so the cycle's total effort equals normal mode's: the
    same cost, spent differently.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> p = effort_profile(s.model_copy(update={"simulation": s.simulation.model_copy(
    ...     update={"campaign": s.simulation.campaign.model_copy(update={"mode": "campaign"})})}))
    >>> round(float(p.mean()), 6), bool(p.max() > 1.5 * p.min())
    (1.0, True)
    """
    days = scenario.cycle.days
    camp = scenario.simulation.campaign
    if camp.mode == "normal":
        return np.ones(days)
    ev = scenario.simulation.evaluation
    t = np.arange(days, dtype=float)
    profile = np.ones(days)
    for year in range(scenario.cycle.years):
        w0 = year * scenario.cycle.days_per_year + ev.window_start_day
        w1 = w0 + ev.window_days
        ramp = (t >= w0 - camp.run_up_days) & (t < w0)
        profile[ramp] = 1 + (camp.surge_multiplier - 1) * (
            (t[ramp] - (w0 - camp.run_up_days)) / max(camp.run_up_days, 1)
        )
        profile[(t >= w0) & (t < w1)] = camp.surge_multiplier
        after = t >= w1
        dip = camp.overshoot * np.exp(-math.log(2) * (t[after] - w1) / camp.decay_half_life_days)
        profile[after] = np.minimum(profile[after], 1 - dip)
    # Effort is planned per week: hold each week at its first day's level.
    weekly = profile[(np.arange(days) // processes.WEEK) * processes.WEEK]
    return weekly / weekly.mean()


def prepare(
    scenario: Scenario,
    tasks: pd.DataFrame | None = None,
    allocation: pd.DataFrame | None = None,
) -> Prepared:
    """Build what every replication of a scenario shares.

    Parameters
    ----------
    scenario : Scenario
    tasks : pandas.DataFrame, optional
        The task table; decomposed from the scenario when not given.
    allocation : pandas.DataFrame, optional
        The budget allocation (``year, level, district, category, line, units,
        yuan``); allocated with the scenario's policy when not given and the
        scenario has a budget.

    Returns
    -------
    Prepared
    """
    from civsim.places import build_territory

    territory = build_territory(scenario)
    if tasks is None:
        from civsim.tasks import decompose

        tasks = decompose(scenario, territory)
    ids = territory.districts["id"]
    district_staff = (
        territory.streets.groupby("district")["staff"].sum().reindex(ids, fill_value=0)
        + territory.communities.groupby("district")["staff"].sum().reindex(ids, fill_value=0)
    ).to_numpy(dtype=float)
    ckp = state.build_checkpoints(scenario, tasks, territory.districts, district_staff)
    lines = pd.DataFrame()
    inputs = None
    if scenario.budget is not None:
        from civsim.budget import allocate_cycle, budget_inputs

        lines = pd.DataFrame([ln.model_dump() for ln in scenario.budget.lines]).set_index("id")
        inputs = budget_inputs(scenario)
        if allocation is None:
            allocation = allocate_cycle(scenario)
    if allocation is None:
        allocation = pd.DataFrame(
            columns=["year", "level", "district", "category", "line", "units", "yuan"]
        )
    return Prepared(
        scenario=scenario,
        ckp=ckp,
        tasks=tasks,
        allocation=allocation,
        lines=lines,
        effort=effort_profile(scenario),
        budget_inputs=inputs,
        line_rows=lines.to_dict("index"),
    )


def simulate(
    scenario: Scenario | Prepared,
    seed: int | None = None,
    replication: int = 0,
) -> RunResult:
    """Run one replication of the whole evaluation cycle.

    Parameters
    ----------
    scenario : Scenario or Prepared
        The scenario, or its :func:`prepare`-d form (faster for many replications).
    seed : int, optional
        Master seed; the scenario's own seed when not given.
    replication : int
        Which replication: its stream is ``SeedSequence(seed).spawn(...)[replication]``,
        so replication i is the same whichever executor runs it.

    Returns
    -------
    RunResult
    """
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    sc = prep.scenario
    seed = sc.seed if seed is None else seed
    seq = np.random.SeedSequence(seed).spawn(replication + 1)[replication]
    run = Run(prep, seq)
    env = run.env
    env.process(processes.upkeep(env, run))
    env.process(processes.daily_reports(env, run))
    env.process(processes.self_checks(env, run))
    env.process(processes.covert_visits(env, run))
    env.process(processes.rectification(env, run))
    env.process(processes.volunteer_dispatch(env, run))
    env.process(processes.evaluation(env, run))
    start_budget_year(run, 1, prep.allocation)
    env.run(until=run.days)
    return build_run_result(run, sc.name, replication)


def start_budget_year(run: Run, year: int, allocation: pd.DataFrame) -> None:
    """Start the deliveries of one year's allocation as processes."""
    planned = allocation is run.prep.allocation  # the same for every replication
    key = ("year rows", year)
    if planned and key in run.prep.cache:
        rows, records = run.prep.cache[key]
    else:
        rows = allocation[(allocation["year"] == year) & (allocation["units"] > 0)]
        # plain records: itertuples builds a namedtuple class per call, slower than the year's work
        records = rows[["year", "district", "line", "units"]].to_dict("records")
        if planned:
            run.prep.cache[key] = rows, records
    for row in records:
        plan = ("delivery", row["line"], row["district"], row["year"], row["units"])
        if plan not in run.prep.cache:
            run.prep.cache[plan] = _delivery(run, row)
        # a fresh copy counts its own deliveries; the planned arrays are only read
        delivery = dataclasses.replace(run.prep.cache[plan])
        run.env.process(processes.budget_line(run.env, run, delivery))
    run.allocated.append(rows)


def _delivery(run: Run, row: Mapping) -> Delivery:
    """Plan a funded line's monthly units, yuan and covered checkpoints."""
    line = run.prep.line_rows[row["line"]]
    ckp = run.ckp
    months = max(1, min(12, math.ceil(line["duration_days"] / run.month_days)))
    if line["effect"] in ("staff_days", "volunteer_hours", "publicity"):
        months = 1  # a grant paid at the start of the year, its effect spread over the duration
    units = largest_remainder(int(row["units"]), np.ones(months))
    yuan = units * int(line["unit_cost_yuan"])
    district_index = (
        np.arange(len(ckp.districts))
        if row["district"] == CITY
        else np.flatnonzero(ckp.districts == row["district"])
    )
    key = ("target", row["line"], row["district"])
    if key not in run.prep.cache:
        target = _target_checkpoints(run, line, district_index)
        run.prep.cache[key] = target, _target_units(run, target)
    target, lead = run.prep.cache[key]
    covered = _coverage(run, line, row, target)
    return Delivery(
        line=row["line"],
        district=row["district"],
        year=int(row["year"]),
        effect=line["effect"],
        size=float(line["effect_size"]),
        duration_days=int(line["duration_days"]),
        start_day=(int(row["year"]) - 1) * run.days_per_year,
        units=units,
        yuan=yuan,
        covered=covered,
        district_index=district_index,
        unit_index=lead,
    )


def _target_checkpoints(run: Run, line: Mapping, district_index: np.ndarray) -> np.ndarray:
    """Checkpoints a line aims at: its place type or standard, in its districts."""
    ckp = run.ckp
    area = np.zeros(ckp.n, dtype=bool)
    for d in district_index:
        area[ckp.district_slices[d]] = True
    kind, target = line["target_kind"], line.get("target")
    if kind == "place_type":
        mask = ckp.place_type == _code(ckp.place_types, target)
    elif kind == "standard":
        # a material standard's checkpoints belong to the city, wherever the money is spent
        return np.flatnonzero((ckp.standard == _code(ckp.standards, target)) & (area | ~ckp.field))
    else:  # a district or the city: every field checkpoint of the area
        mask = ckp.field
    return np.flatnonzero(mask & area)


def _code(labels: np.ndarray, value: str) -> int:
    """Position of ``value`` in sorted ``labels``, or -1 (matches nothing) if absent."""
    i = int(np.searchsorted(labels, value))
    return i if i < len(labels) and labels[i] == value else -1


def _coverage(run: Run, line: Mapping, row: Mapping, target: np.ndarray) -> list[np.ndarray]:
    """The checkpoints each successive unit covers, fixed per scenario (not per replication).

    Places are taken in one seeded order per (line, district), so a larger
    purchase covers a superset of a smaller one: more money never covers less.
    """
    per_unit = int(line.get("places_per_unit") or 0)
    units = int(row["units"])
    if not len(target) or per_unit <= 0:
        return [target] * units
    key = ("coverage", row["line"], row["district"])
    if key not in run.prep.cache:
        groups = run.ckp.place[target]
        keys, inverse = np.unique(np.where(groups >= 0, groups, -1 - target), return_inverse=True)
        seed = [
            run.prep.scenario.seed,
            COVERAGE_STREAM,
            *map(ord, f"{row['line']}/{row['district']}"),
        ]
        order = np.random.default_rng(seed).permutation(len(keys))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(keys))
        unit_of = rank[inverse] // per_unit
        by_unit = np.argsort(unit_of, kind="stable")
        bounds = np.searchsorted(unit_of[by_unit], np.arange(unit_of.max() + 2))
        run.prep.cache[key] = (target[by_unit], bounds)
    ordered, bounds = run.prep.cache[key]
    last = len(bounds) - 1
    return [ordered[bounds[min(u, last)] : bounds[min(u + 1, last)]] for u in range(units)]


def _target_units(run: Run, target: np.ndarray) -> np.ndarray:
    """Units whose rectification capacity a staff-days line adds to."""
    if len(target):
        return np.unique(run.ckp.unit[target])
    return np.arange(len(run.ckp.units))
