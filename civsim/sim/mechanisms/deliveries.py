"""Budget deliveries: each funded line delivered month by month in its district and year.

A year's allocation (:mod:`civsim.budget`) funds lines per district (or the
city); each funded line is a process that pays its yuan month by month and
delivers its units, each unit acting on the checkpoints it covers through the
handler of the line's effect, which the mechanism owning that effect
registered (``condition`` and ``decay``: :mod:`.upkeep`; ``detection``:
:mod:`.detection`; ``staff_days``: :mod:`.rectification`;
``volunteer_hours``: :mod:`.volunteers`; ``publicity``: :mod:`.satisfaction`).
Delivery starts on the line's ``start_day`` of the year (0: its first day).
Grants (staff-days, volunteer-hours, publicity) are paid then, their effect
spread over the duration; other lines deliver their units month by month.

Which places a line covers is fixed per scenario, not per replication: places
are taken in one seeded order per (line, district), so a larger purchase
covers a superset of a smaller one and more money never covers less. At each
year's end the next year's allocation starts: as planned, or as a mechanism
re-allocated it (:mod:`.performance_budget`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from civsim.apportion import largest_remainder
from civsim.checkpoints import CITY, Checkpoints
from civsim.city import City
from civsim.scenario import Scenario
from civsim.scenario.schema.budget import GRANT_EFFECTS
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism, Process, effect_handlers, effect_owners

__all__ = ["COVERAGE_STREAM", "MECHANISM", "Delivery", "DeliveryPart", "start_budget_year"]

#: Seed stream of the places a line covers (fixed per scenario, not per replication).
COVERAGE_STREAM = 2
#: Effects paid as a grant on the line's start day, their effect spread over the duration.
GRANTS = GRANT_EFFECTS


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


@dataclass(frozen=True)
class Reach:
    """Where a line acts in one holder: its target checkpoints, lead units and cover order."""

    target: np.ndarray
    lead: np.ndarray
    district_index: np.ndarray
    ordered: np.ndarray | None
    bounds: np.ndarray | None


@dataclass(frozen=True)
class DeliveryPart:
    """What every replication shares: the lines, their reach, and the planned deliveries."""

    lines: Mapping[str, Mapping[str, Any]]
    reach: Mapping[tuple[str, str], Reach]
    planned: Mapping[int, tuple[pd.DataFrame, tuple[Delivery, ...]]]
    month_days: int
    days_per_year: int


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> DeliveryPart:
    ckp = city.checkpoints
    budget = scenario.budget
    lines = {ln.id: ln.model_dump() for ln in budget.lines} if budget is not None else {}
    # a city-level line is bought by the city, a district-level one by each district
    districts = ckp.districts.tolist()
    reach = {
        (line_id, holder): _reach(ckp, scenario.seed, line_id, line, holder)
        for line_id, line in lines.items()
        for holder in ([CITY] if line["level"] == "city" else districts)
    }
    part = DeliveryPart(
        lines=lines,
        reach=reach,
        planned={},
        month_days=scenario.cycle.days_per_year // 12,
        days_per_year=scenario.cycle.days_per_year,
    )
    planned = {}
    for year in range(1, scenario.cycle.years + 1):
        rows, records = _year_rows(allocation, year)
        planned[year] = (rows, tuple(_delivery(part, row) for row in records))
    return dataclasses.replace(part, planned=planned)


def _year_rows(allocation: pd.DataFrame, year: int) -> tuple[pd.DataFrame, list[dict]]:
    """The year's whole table (recorded, its reserve and unspent rows too) and its funded lines."""
    rows = allocation[allocation["year"] == year]
    funded = rows[rows["units"] > 0]
    # plain records: itertuples builds a namedtuple class per call, slower than the year's work
    return rows, funded[["year", "district", "line", "units"]].to_dict("records")


def start_budget_year(run: Run, year: int, allocation: pd.DataFrame | None = None) -> None:
    """Start the deliveries of one year's allocation as processes (the plan when not given)."""
    part: DeliveryPart = run.part("deliveries")
    if allocation is None:
        rows, planned = part.planned[year]
        # a fresh copy counts its own deliveries; the planned arrays are only read
        deliveries = [dataclasses.replace(d) for d in planned]
    else:
        rows, records = _year_rows(allocation, year)
        deliveries = [_delivery(part, row) for row in records]
    for delivery in deliveries:
        run.env.process(budget_line(run.env, run, delivery))
    run.records.allocated.append(rows)


def budget_line(env: simpy.Environment, run: Run, delivery: Delivery) -> Process:
    """Deliver one funded project line in one district and year, month by month."""
    yield env.timeout(delivery.start_day - env.now)
    for month, (units, yuan) in enumerate(zip(delivery.units, delivery.yuan, strict=True)):
        if yuan:
            run.records.spend.append(
                (delivery.year, month + 1, delivery.line, delivery.district, int(yuan))
            )
        if units:
            deliver(run, delivery, int(units))
        yield env.timeout(run.month_days)


def deliver(run: Run, d: Delivery, units: int) -> None:
    """Deliver ``units`` units of a funded line through its effect's handler."""
    day = int(run.env.now)
    end = min(day + d.duration_days, run.days + 1)
    covered = d.covered[d.delivered : d.delivered + units]
    d.delivered += units
    # units of a line without places each cover its whole target (the same array):
    # count it once, as indexing would
    covered = list({id(part): part for part in covered}.values())
    idx = np.concatenate(covered) if covered else np.empty(0, dtype=np.int64)
    # a line whose mechanism is switched off is paid for and delivered, to no effect
    if effect_owners()[d.effect] in run.prep.mechanisms:
        effect_handlers()[d.effect](run, d, idx, units, day, end)
    run.count(f"line_{d.effect}", units)


def _delivery(part: DeliveryPart, row: Mapping[str, Any]) -> Delivery:
    """Plan a funded line's monthly units, yuan and covered checkpoints."""
    line = part.lines[row["line"]]
    months = max(1, min(12, math.ceil(line["duration_days"] / part.month_days)))
    if line["effect"] in GRANTS:
        months = 1
    units = largest_remainder(int(row["units"]), np.ones(months))
    reach = part.reach[(row["line"], row["district"])]
    return Delivery(
        line=row["line"],
        district=row["district"],
        year=int(row["year"]),
        effect=line["effect"],
        size=float(line["effect_size"]),
        duration_days=int(line["duration_days"]),
        start_day=(int(row["year"]) - 1) * part.days_per_year + int(line["start_day"]),
        units=units,
        yuan=units * int(line["unit_cost_yuan"]),
        covered=_covered(reach, int(row["units"])),
        district_index=reach.district_index,
        unit_index=reach.lead,
    )


def _reach(ckp: Checkpoints, seed: int, line_id: str, line: Mapping, holder: str) -> Reach:
    district_index = (
        np.arange(len(ckp.districts)) if holder == CITY else np.flatnonzero(ckp.districts == holder)
    )
    target = _target_checkpoints(ckp, line, district_index)
    lead = np.unique(ckp.unit[target]) if len(target) else np.arange(len(ckp.units))
    per_unit = int(line.get("places_per_unit") or 0)
    if not len(target) or per_unit <= 0:
        return Reach(target, lead, district_index, None, None)
    groups = ckp.place[target]
    keys, inverse = np.unique(np.where(groups >= 0, groups, -1 - target), return_inverse=True)
    order = np.random.default_rng(
        [seed, COVERAGE_STREAM, *map(ord, f"{line_id}/{holder}")]
    ).permutation(len(keys))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(keys))
    unit_of = rank[inverse] // per_unit
    by_unit = np.argsort(unit_of, kind="stable")
    bounds = np.searchsorted(unit_of[by_unit], np.arange(unit_of.max() + 2))
    return Reach(target, lead, district_index, target[by_unit], bounds)


def _covered(reach: Reach, units: int) -> list[np.ndarray]:
    """The checkpoints each successive unit covers."""
    if reach.ordered is None or reach.bounds is None:
        return [reach.target] * units
    last = len(reach.bounds) - 1
    b = reach.bounds
    return [reach.ordered[b[min(u, last)] : b[min(u + 1, last)]] for u in range(units)]


def _target_checkpoints(ckp: Checkpoints, line: Mapping, district_index: np.ndarray) -> np.ndarray:
    """Checkpoints a line aims at: its place type or standard, in its districts."""
    area = np.zeros(ckp.n, dtype=bool)
    for d in district_index:
        area[ckp.district_slices[d]] = True
    kind, target = line["target_kind"], str(line.get("target"))
    mask: np.ndarray
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


def _start(env: simpy.Environment, run: Run) -> None:
    start_budget_year(run, 1)


def _next_year(run: Run, year: int) -> None:
    """Start next year's deliveries: re-allocated by a mechanism, or as planned."""
    if year >= run.scenario.cycle.years:
        return
    allocation = (
        run["performance_budget"].next.get(year + 1) if "performance_budget" in run else None
    )
    start_budget_year(run, year + 1, allocation)


MECHANISM = Mechanism("deliveries", prepare=_prepare, start=_start, year_end=_next_year)
