"""One replication: the scenario's prepared parts, the run context, and :func:`simulate`.

:func:`prepare` gathers what every replication of a scenario shares: the
city (built once, :func:`civsim.city.build_city`), the budget allocation and
each switched-on mechanism's prepared data. :func:`simulate` gives one
replication a :class:`Run` (the clock, the shared checkpoint state, each
mechanism's own state, its random streams and the recorders), lets every
mechanism start its processes in registration order, runs the cycle, and
returns a :class:`civsim.sim.tables.RunResult` of tidy tables. A run never
prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import simpy

from civsim.budget import BudgetInputs, allocate_years, budget_inputs
from civsim.checkpoints import Checkpoints
from civsim.city import City, build_city, city_key
from civsim.errors import CivsimError
from civsim.scenario import Scenario
from civsim.sim import registry
from civsim.sim.draws import DayStarts, Draws, replication_seed, stream_seed
from civsim.sim.records import Records
from civsim.sim.state import State
from civsim.sim.tables import ALLOCATION_COLUMNS, RunResult, build_run_result

__all__ = ["WEEK", "Prepared", "Run", "prepare", "simulate", "year_end"]

#: Effort levels and volunteer rosters are set per week (weekly work plans, 周计划).
WEEK = 7


@dataclass(frozen=True)
class Prepared:
    """Everything a replication needs that does not depend on its random stream (read-only).

    Attributes
    ----------
    scenario : Scenario
    city : City
        The city the scenario's upstream sections build.
    allocation : pandas.DataFrame
        The planned budget allocation (``year, level, district, category, line,
        units, yuan``); empty without a budget.
    budget_inputs : BudgetInputs or None
        What the budget policies need (for re-allocating during the run).
    mechanisms : tuple of str
        The mechanisms switched on, in registration order (names: a prepared
        scenario pickles to worker processes, which register the same ones).
    parts : mapping
        Each mechanism's prepared data, by name.
    event_kinds : tuple of str
        Kinds of event counted (rows of the events table).
    """

    scenario: Scenario
    city: City
    allocation: pd.DataFrame
    budget_inputs: BudgetInputs | None
    mechanisms: tuple[str, ...]
    parts: Mapping[str, Any]
    event_kinds: tuple[str, ...]

    @property
    def ckp(self) -> Checkpoints:
        """The city's checkpoint arrays."""
        return self.city.checkpoints

    @property
    def tasks(self) -> pd.DataFrame:
        """The city's task table."""
        return self.city.tasks


def prepare(
    scenario: Scenario,
    allocation: pd.DataFrame | None = None,
    city: City | None = None,
) -> Prepared:
    """Gather what every replication of a scenario shares.

    Parameters
    ----------
    scenario : Scenario
    allocation : pandas.DataFrame, optional
        The budget allocation (``year, level, district, category, line, units,
        yuan``); allocated with the scenario's policy when not given and the
        scenario has a budget.
    city : City, optional
        The scenario's city; built (or reused) when not given.

    Returns
    -------
    Prepared

    Raises
    ------
    CivsimError
        If ``city`` was built from other upstream sections than the scenario's.
    """
    if city is None:
        city = build_city(scenario)
    elif city.key != city_key(scenario):
        raise CivsimError(
            f"scenario {scenario.name!r}: the city given was built from other "
            "organisation, territory or framework sections"
        )
    inputs = None
    if scenario.budget is not None:
        inputs = budget_inputs(scenario)
        if allocation is None:
            allocation = allocate_years(inputs, scenario.budget.policy, scenario.cycle.years)
    if allocation is None:
        allocation = pd.DataFrame(columns=list(ALLOCATION_COLUMNS))
    on = tuple(m for m in registry.mechanisms().values() if m.is_on(scenario))
    parts = {m.name: m.prepare(scenario, city, allocation) for m in on if m.prepare is not None}
    return Prepared(
        scenario=scenario,
        city=city,
        allocation=allocation,
        budget_inputs=inputs,
        mechanisms=tuple(m.name for m in on),
        parts=MappingProxyType(parts),
        event_kinds=registry.event_kinds(),
    )


class Run:
    """The context one replication's processes share.

    Attributes
    ----------
    env : simpy.Environment
    prep : Prepared
    scenario : Scenario
    params : civsim.scenario.Simulation
        The scenario's simulation section.
    ckp : Checkpoints
    state : State
        The shared checkpoint state.
    events : numpy.ndarray of int64
        Daily tallies, one row per event kind (``prep.event_kinds``).
    records : Records
        What the run records for the result tables.
    """

    def __init__(self, prep: Prepared, seed_seq: np.random.SeedSequence):
        sc = prep.scenario
        self.prep = prep
        self.scenario = sc
        self.params = sc.simulation
        self.ckp = prep.ckp
        self.env = simpy.Environment()
        self.days = sc.cycle.days
        self.days_per_year = sc.cycle.days_per_year
        self.month_days = self.days_per_year // 12
        self.record_every = self.params.record_every_days
        self.seed_seq = seed_seq
        self._rngs: dict[str, np.random.Generator] = {}
        self._draws: dict[str, Draws] = {}
        self._keys: dict[str, np.uint64] = {}
        self._days: dict[str, DayStarts] = {}
        self._kind = {k: i for i, k in enumerate(prep.event_kinds)}
        self.events = np.zeros((len(prep.event_kinds), self.days + 1), dtype=np.int64)
        # the daily passes are memory-bound: float32 is half the bytes, half the time
        condition = _initial_condition(sc, self.ckp, np.float32)
        self.state = State.fresh(self.env, condition, self.params.dynamics.compliance_threshold)
        self.records = Records.empty(self.ckp)
        self._states: dict[str, Any] = {}
        for mechanism in _switched_on(prep):
            if mechanism.setup is not None:
                self._states[mechanism.name] = mechanism.setup(self)

    def __getitem__(self, name: str) -> Any:
        """The state of mechanism ``name`` in this replication."""
        try:
            return self._states[name]
        except KeyError:
            raise CivsimError(f"mechanism {name!r} is not on, or keeps no state") from None

    def __contains__(self, name: str) -> bool:
        return name in self._states

    def part(self, name: str) -> Any:
        """The prepared data of mechanism ``name`` (shared by every replication)."""
        return self.prep.parts[name]

    def rng(self, stream: str) -> np.random.Generator:
        """The generator of a named random stream (:func:`civsim.sim.draws.stream_seed`)."""
        if stream not in self._rngs:
            self._rngs[stream] = np.random.default_rng(stream_seed(self.seed_seq, stream))
        return self._rngs[stream]

    def key(self, stream: str) -> np.uint64:
        """The key of a named stream's keyed draws (:mod:`civsim.sim.kernels.keyed`)."""
        if stream not in self._keys:
            # a seed of its own: the stream's generator (:meth:`rng`) is seeded from the name
            state = stream_seed(self.seed_seq, stream + "/keyed").generate_state(1, np.uint64)
            self._keys[stream] = np.uint64(state[0])
        return self._keys[stream]

    def on_day(self, stream: str, day: int) -> np.random.Generator:
        """The generator of a named stream at the start of ``day`` (:class:`DayStarts`)."""
        if stream not in self._days:
            self._days[stream] = DayStarts(stream_seed(self.seed_seq, stream))
        return self._days[stream].on(day)

    def draws(self, stream: str, kind: str) -> Draws:
        """Values of one distribution drawn ahead from a named stream, for compiled loops."""
        if stream not in self._draws:
            self._draws[stream] = Draws(self.rng(stream), kind)
        return self._draws[stream]

    def count(self, kind: str, n: int) -> None:
        """Add ``n`` events of ``kind`` to today's tally."""
        if n:
            self.events[self._kind[kind], int(self.env.now)] += n

    def pay(self, day: int, line: str, yuan: np.ndarray) -> None:
        """Record yuan paid on ``day`` beside the fund: a ``spend`` row per district paid.

        ``yuan`` holds whole yuan per district (``ckp.districts`` order); a
        district paid nothing gets no row. The row's month is the day's (1-12).
        """
        year, in_year = divmod(int(day), self.days_per_year)
        month = min(in_year // self.month_days + 1, 12)
        for district, amount in zip(self.ckp.districts, yuan, strict=True):
            if amount:
                self.records.spend.append((year + 1, month, line, str(district), int(amount)))

    def counts(self, kind: str) -> np.ndarray:
        """The daily tallies of one kind of event (a view, for compiled loops to add to)."""
        return self.events[self._kind[kind]]


def _switched_on(prep: Prepared) -> list[registry.Mechanism]:
    """The prepared scenario's mechanisms, in order, from the registry."""
    known = registry.mechanisms()
    missing = [name for name in prep.mechanisms if name not in known]
    if missing:
        raise CivsimError(
            f"mechanisms {', '.join(missing)} were on when the scenario was prepared "
            "but are not registered here (register them in every worker process)"
        )
    return [known[name] for name in prep.mechanisms]


def year_end(run: Run, year: int) -> None:
    """Call every switched-on mechanism's year-end step, in registration order."""
    for mechanism in _switched_on(run.prep):
        if mechanism.year_end is not None:
            mechanism.year_end(run, year)


def _initial_condition(sc: Scenario, ckp: Checkpoints, dtype: Any) -> np.ndarray:
    """Day-0 condition: the budget's stated condition per district where given, else the default."""
    c = np.full(ckp.n, sc.simulation.dynamics.initial_condition, dtype=dtype)
    stated = {r.district: r.condition for r in sc.budget.district_condition} if sc.budget else {}
    for i, d in enumerate(ckp.districts):
        if d in stated:
            c[ckp.district_slices[i]] = stated[d]
    return c


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

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> r = simulate(load_scenario("scenarios/county_nominee.yaml"), seed=1)
    >>> len(r.annual), bool(0 <= r.cycle.cycle_score.iloc[0] <= 100)
    (3, True)
    """
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    seed = prep.scenario.seed if seed is None else seed
    run = Run(prep, replication_seed(seed, replication))
    for mechanism in _switched_on(prep):
        if mechanism.start is not None:
            mechanism.start(run.env, run)
    run.env.run(until=run.days)
    for mechanism in _switched_on(prep):
        if mechanism.finish is not None:
            mechanism.finish(run)
    return build_run_result(
        run.records,
        run.events,
        prep.event_kinds,
        run.ckp,
        run.scenario.cycle.survey_points,
        prep.scenario.name,
        replication,
    )
