"""Red and black integrity lists (诚信红黑榜): compliance at markets, shops and venues.

The listing unit (市场监管局: ``listing_unit``) publishes the lists every
``publish_every_days`` from day 0 (seed 002: 定期发布诚信"红黑榜"). After each
publication traders keep the rules more carefully, and their attention fades
with half-life ``attention_half_life_days``
(:meth:`civsim.scenario.schema.integrity_lists.IntegrityLists.attention`):

- once a month the decay at the listed place types (``place_types``: markets,
  commercial streets, venues) is cut by ``decay_cut_max`` times the month's mean
  attention, one more factor of the upkeep mechanism's decay multiplier
  (:class:`.decay_cut.DecayCut`);
- each year the listing unit's negative standards (food safety: 重大食品药品安全事件)
  expect ``1 - incident_cut_max`` times the year's mean attention of their
  incidents: the negative list (:mod:`.negative_list`) reads the year's table
  prepared here, its draws unchanged (one uniform per standard).

Compiling the lists takes ``hours_per_publication`` of the listing unit's staff
each time; at setup the routine upkeep of the checkpoints it leads is scaled
as the rectification review scales it for staff moved to orders
(:func:`.regulations.routine_factor`). It draws no random numbers.
Parameters: ``simulation.integrity_lists``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.mechanisms.decay_cut import DecayCut, exposed
from civsim.sim.mechanisms.regulations import routine_factor
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "ListsPart", "ListsState", "negative_standards", "year_table"]


@dataclass(frozen=True)
class ListsPart:
    """What every replication shares.

    Attributes
    ----------
    listed : numpy.ndarray
        The field checkpoints at the listed place types.
    reached : numpy.ndarray
        Those a funded ``decay`` line can reach (:func:`.decay_cut.exposed`).
    led : numpy.ndarray
        The checkpoints the listing unit leads (its routine work pays for the lists).
    routine : float
        The factor on their routine upkeep.
    negative : tuple of pandas.DataFrame
        Each year's negative standards (the negative list's table) with the listing
        unit's expected incidents cut by the year's mean attention.
    """

    listed: np.ndarray
    reached: np.ndarray
    led: np.ndarray
    routine: float
    negative: tuple[pd.DataFrame, ...]


@dataclass
class ListsState:
    """One replication's decay cut at the listed places."""

    cut: DecayCut


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.integrity_lists.enabled


def negative_standards(scenario: Scenario, city: City) -> tuple[pd.DataFrame, ...]:
    """Each year's negative standards, the listing unit's incidents cut by the year's attention.

    Examples
    --------
    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario, override
    >>> sc = override(load_scenario("scenarios/county_nominee.yaml"),
    ...               {"simulation.integrity_lists.enabled": True})
    >>> years = negative_standards(sc, build_city(sc))
    >>> rate = years[0]["incidents_per_year"]
    >>> before = build_city(sc).checkpoints.points["incidents_per_year"]
    >>> round(float(rate["S123"] / before["S123"]), 3), float(rate["S119"] / before["S119"])
    (0.813, 1.0)
    """
    lists = scenario.simulation.integrity_lists
    points = city.checkpoints.points
    table = points[points["negative"].astype(bool)]
    ours = (table["lead_unit"] == lists.listing_unit).to_numpy()
    year = scenario.cycle.days_per_year
    out = []
    for y in range(scenario.cycle.years):
        kept = 1.0 - lists.incident_cut_max * lists.mean_attention(y * year, (y + 1) * year)
        rate = table["incidents_per_year"].to_numpy(dtype=float) * np.where(ours, kept, 1.0)
        out.append(table.assign(incidents_per_year=rate))
    return tuple(out)


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> ListsPart:
    lists = scenario.simulation.integrity_lists
    ckp = city.checkpoints
    types = np.flatnonzero(np.isin(ckp.place_types, lists.place_types))
    unit = np.flatnonzero(ckp.units == lists.listing_unit)
    staff = sum(u.staff for u in scenario.organisation.units if u.id == lists.listing_unit)
    per_year = scenario.cycle.days_per_year / lists.publish_every_days
    available = staff * scenario.workload.hours_per_staff_year
    share = lists.hours_per_publication * per_year / available if available > 0 else 0.0
    rect = scenario.simulation.rectification
    listed = np.flatnonzero(ckp.field & np.isin(ckp.place_type, types))
    return ListsPart(
        listed=listed,
        reached=exposed(scenario, ckp, listed),
        led=np.flatnonzero(np.isin(ckp.unit, unit)),
        routine=routine_factor(share, rect.routine_weight, rect.staff_share),
        negative=negative_standards(scenario, city),
    )


def _setup(run: Run) -> ListsState:
    part: ListsPart = run.part("integrity_lists")
    # the hours spent compiling the lists come out of the listing unit's routine work
    run["upkeep"].upkeep[part.led] *= np.float32(part.routine)
    return ListsState(cut=DecayCut.listed(run, part.listed, part.reached))


def publication(env: simpy.Environment, run: Run) -> Process:
    """Each month, cut the decay at the listed places by the month's mean attention."""
    lists = run.params.integrity_lists
    st: ListsState = run["integrity_lists"]
    while env.now < run.days:
        day = int(env.now)
        attention = lists.mean_attention(day, day + run.month_days)
        st.cut.set(run, lists.decay_cut_max * attention)
        yield env.timeout(run.month_days)


def year_table(run: Run, year: int) -> pd.DataFrame:
    """The negative standards of evaluation year ``year`` (0-based) as the lists leave them."""
    part: ListsPart = run.part("integrity_lists")
    return part.negative[year]


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(publication(env, run))


MECHANISM = Mechanism("integrity_lists", prepare=_prepare, setup=_setup, start=_start, enabled=_on)
