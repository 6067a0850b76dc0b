"""Urban-village governance (城中村现代化治理): villages' own decay, the plan, its measures.

At setup each urban village (a place of ``place_type``) is given its tenants
per villager (stream ``urban_villages``), which scales its decay
(:meth:`~civsim.scenario.schema.urban_villages.UrbanVillages.rental_factor`,
a :class:`.decay_cut.DecayCut` of its checkpoints, a factor above 1 for the
crowded ones), and the plan is laid down: each district's villages, densest
first, fall due in the plan year whose target first reaches them
(:meth:`~civsim.scenario.schema.urban_villages.UrbanVillages.due`), work on
the year's new ones starts evenly over its first ``start_within_days``, and
each is covered ``cover_days`` (give or take the spread) later. One SimPy
process walks through those days: on a start day the city pays
``yuan_per_village`` (a row of the ``spend`` table, line ``urban_villages``);
on a cover day the village's measures come into force (grid integration: a
grid team's looks at the village, :mod:`.detection`; 大物业: its routine upkeep; the
collective-property reform: a further factor on its decay).

What it records is the ``village_coverage`` table: for each plan year and
village, whether it was due and whether its measures were in force at the
year's end (:func:`district_progress` sums it by district against the
year's target). Parameters: ``simulation.urban_villages``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.scenario.schema.urban_villages import UrbanVillages
from civsim.sim.engine import Run
from civsim.sim.mechanisms.decay_cut import DecayCut, exposed
from civsim.sim.registry import Mechanism, Process
from civsim.sim.tables import VILLAGE_COLUMNS

__all__ = [
    "COLUMNS",
    "LINE",
    "MECHANISM",
    "VillagePart",
    "VillageState",
    "district_progress",
    "plan",
]

#: The ``line`` of the plan's rows in the ``spend`` table.
LINE = "urban_villages"
#: The mechanism's name, its random stream and its state's key.
NAME = "urban_villages"
#: Columns of the ``village_coverage`` table (after scenario and replication).
COLUMNS = VILLAGE_COLUMNS


@dataclass(frozen=True)
class VillagePart:
    """What every replication shares.

    Attributes
    ----------
    villages : numpy.ndarray
        The urban villages (indices into the checkpoints' ``places``), by district.
    district : numpy.ndarray
        Each village's district (index into the checkpoints' ``districts``).
    checkpoints : list of numpy.ndarray
        Each village's field checkpoints.
    reached : list of numpy.ndarray
        Those a funded ``decay`` line can reach (:func:`.decay_cut.exposed`).
    """

    villages: np.ndarray
    district: np.ndarray
    checkpoints: list[np.ndarray]
    reached: list[np.ndarray]


@dataclass
class VillageState:
    """One replication's villages: their tenants, their plan, and their decay.

    Attributes
    ----------
    tenants : numpy.ndarray
        Tenants per villager of each village.
    due_year : numpy.ndarray of int
        The plan year by whose end each village is due (0: never, within the cycle).
    started, covered : numpy.ndarray of int
        The day work started on each village and the day its measures came into
        force (-1: not yet).
    cover_day : numpy.ndarray of int
        The day each village's measures are to come into force (-1: never started).
    start_day : numpy.ndarray of int
        The day work on each village is to start (-1: never).
    cuts : list of DecayCut
        Each village's factor on its decay (rental density, then the reform).
    """

    tenants: np.ndarray
    due_year: np.ndarray
    start_day: np.ndarray
    cover_day: np.ndarray
    started: np.ndarray
    covered: np.ndarray
    cuts: list[DecayCut]


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.urban_villages.enabled


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> VillagePart:
    uv = scenario.simulation.urban_villages
    ckp = city.checkpoints
    kind = np.flatnonzero(ckp.place_types == uv.place_type)
    at = np.flatnonzero(ckp.field & np.isin(ckp.place_type, kind))
    villages = np.unique(ckp.place[at])  # sorted by place, and places by district
    idx = [np.sort(at[ckp.place[at] == v]) for v in villages]
    reach = np.zeros(ckp.n, dtype=bool)  # one pass over the checkpoints, not one per village
    reach[exposed(scenario, ckp, at)] = True
    return VillagePart(
        villages=villages,
        district=np.array([ckp.district[i[0]] for i in idx], dtype=np.int64),
        checkpoints=idx,
        reached=[i[reach[i]] for i in idx],
    )


def plan(
    tenants: np.ndarray,
    district: np.ndarray,
    uv: UrbanVillages,
    years: int,
    days_per_year: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plan: each village's due year, start day and cover day (-1, 0: none in the cycle).

    Parameters
    ----------
    tenants : numpy.ndarray
        Tenants per villager of each village (the densest are taken first).
    district : numpy.ndarray of int
        Each village's district.
    uv : UrbanVillages
        The plan's parameters.
    years, days_per_year : int
        The cycle.
    rng : numpy.random.Generator
        Draws each village's time to cover, in village order (one draw each).

    Returns
    -------
    due_year, start_day, cover_day : numpy.ndarray of int

    Examples
    --------
    Seven villages in one district: three due in year 1, three more in year 2, the last in
    year 3; each year's new ones start evenly over the first 182 days, covered 90 days later:

    >>> from civsim.scenario.schema.urban_villages import UrbanVillages
    >>> uv = UrbanVillages(enabled=True, cover_days_spread=0.0)
    >>> due, start, cover = plan(np.arange(7.0), np.zeros(7, int), uv, 3, 364,
    ...                          np.random.default_rng(0))
    >>> due.tolist(), start.tolist()
    ([3, 2, 2, 2, 1, 1, 1], [728, 485, 424, 364, 121, 60, 0])
    >>> (cover - start).tolist()
    [90, 90, 90, 90, 90, 90, 90]
    """
    n = len(tenants)
    spread = rng.uniform(1.0 - uv.cover_days_spread, 1.0 + uv.cover_days_spread, size=n)
    due = np.zeros(n, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    for d in np.unique(district):
        mine = np.flatnonzero(district == d)
        mine = mine[np.argsort(-tenants[mine], kind="stable")]  # the densest first
        done = 0
        for year in range(1, years + 1):
            new = mine[done : uv.due(year, len(mine))]
            due[new] = year
            offsets = np.arange(len(new)) * uv.start_within_days // max(len(new), 1)
            start[new] = (year - 1) * days_per_year + offsets
            done += len(new)
    cover = np.where(start >= 0, start + np.rint(uv.cover_days * spread).astype(np.int64), -1)
    return due, start, cover


def _setup(run: Run) -> VillageState:
    uv = run.params.urban_villages
    part: VillagePart = run.part(NAME)
    rng = run.rng(NAME)
    n = len(part.villages)
    tenants = rng.uniform(uv.tenants_per_villager_low, uv.tenants_per_villager_high, size=n)
    due, start, cover = plan(
        tenants, part.district, uv, run.scenario.cycle.years, run.days_per_year, rng
    )
    cuts = []
    for i, (idx, reached) in enumerate(zip(part.checkpoints, part.reached, strict=True)):
        cut = DecayCut.listed(run, idx, reached)
        # a crowded village decays faster than the framework's average one: a "cut" below zero
        cut.set(run, 1.0 - uv.rental_factor(float(tenants[i])))
        cuts.append(cut)
    if "detection" in run:  # each village's grid team will look at its own checkpoints only
        run["detection"].grid_targets = np.unique(
            np.concatenate([np.empty(0, np.int64), *part.checkpoints])
        )
    return VillageState(
        tenants=tenants,
        due_year=due,
        start_day=start,
        cover_day=cover,
        started=np.full(n, -1, dtype=np.int64),
        covered=np.full(n, -1, dtype=np.int64),
        cuts=cuts,
    )


def cover(run: Run, v: int) -> None:
    """Bring village ``v`` under the plan's three measures, from today."""
    uv = run.params.urban_villages
    part: VillagePart = run.part(NAME)
    st: VillageState = run[NAME]
    idx = part.checkpoints[v]
    if "detection" in run:  # grid integration: the merged grid team finds problems sooner
        run["detection"].raise_grid_rate(idx, uv.grid_detection_rate)
    # 大物业: a property company's routine work beside the grid's rounds
    run["upkeep"].upkeep[idx] *= np.float32(1.0 + uv.property_upkeep_gain)
    # the collective's rental contracts: the reform's cut on top of the rental density's factor
    tenants = float(st.tenants[v])
    st.cuts[v].set(run, 1.0 - uv.rental_factor(tenants) * uv.reform_factor(tenants))
    st.covered[v] = int(run.env.now)


def coverage(env: simpy.Environment, run: Run) -> Process:
    """Walk the plan day by day: pay for each village started, cover each one due."""
    uv = run.params.urban_villages
    part: VillagePart = run.part(NAME)
    st: VillageState = run[NAME]
    districts = run.ckp.districts
    days = np.unique(np.concatenate([st.start_day, st.cover_day]))
    for day in days[(days >= 0) & (days < run.days)]:
        yield env.timeout(int(day) - int(env.now))
        for v in np.flatnonzero(st.start_day == day):
            st.started[v] = int(day)
            paid = np.zeros(len(districts), dtype=np.int64)
            paid[part.district[v]] = uv.yuan_per_village
            run.pay(int(day), LINE, paid)
        for v in np.flatnonzero(st.cover_day == day):
            cover(run, int(v))


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(coverage(env, run))


def _finish(run: Run) -> None:
    """Each plan year's end, each village: due, and covered (its measures in force)."""
    part: VillagePart = run.part(NAME)
    st: VillageState = run[NAME]
    places, districts = run.ckp.places, run.ckp.districts
    for year in range(1, run.scenario.cycle.years + 1):
        end = year * run.days_per_year
        for v, place in enumerate(part.villages):
            run.records.village_coverage.append(
                (
                    year,
                    str(districts[part.district[v]]),
                    str(places[place]),
                    float(st.tenants[v]),
                    int(st.due_year[v]),
                    bool(0 < st.due_year[v] <= year),
                    int(st.started[v]),
                    int(st.covered[v]),
                    bool(0 <= st.covered[v] < end),
                )
            )


def district_progress(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Each district's progress against each plan year's target, from ``village_coverage``.

    Parameters
    ----------
    table : pandas.DataFrame
        A result's ``village_coverage`` table.
    scenario : Scenario
        Its ``simulation.urban_villages`` targets.

    Returns
    -------
    pandas.DataFrame
        One row per scenario, replication, year and district: ``villages``,
        ``target`` (the year's share), ``due`` (villages), ``covered``
        (villages with measures in force at the year's end), ``covered_share``
        and ``shortfall`` (due villages not yet covered, at least 0).

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> from civsim.sim import simulate
    >>> sc = override(load_scenario("scenarios/county_nominee.yaml"),
    ...               {"simulation.urban_villages.enabled": True})
    >>> p = district_progress(simulate(sc, seed=1).village_coverage, sc)
    >>> p[p["year"] == 1][["district", "villages", "target", "due", "covered"]].values.tolist()
    [['c01', 7, 0.4, 3, 3], ['c02', 2, 0.4, 1, 1]]
    """
    uv = scenario.simulation.urban_villages
    keys = ["scenario", "replication", "year", "district"]
    out = (
        table.groupby(keys, observed=True)
        .agg(villages=("village", "size"), due=("due", "sum"), covered=("covered", "sum"))
        .reset_index()
    )
    out.insert(len(keys) + 1, "target", [uv.target(int(y)) for y in out["year"]])
    out["due"] = out["due"].astype(np.int64)
    out["covered"] = out["covered"].astype(np.int64)
    out["covered_share"] = out["covered"] / out["villages"]
    out["shortfall"] = (out["due"] - out["covered"]).clip(lower=0)
    return out


MECHANISM = Mechanism(
    NAME,
    prepare=_prepare,
    setup=_setup,
    start=_start,
    finish=_finish,
    streams=(NAME,),
    enabled=_on,
)
