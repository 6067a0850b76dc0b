"""The special fund's allocation table, in exact yuan, and the arithmetic every policy shares.

An allocation policy (:mod:`civsim.budget`) returns one year's table, with
these columns (:data:`COLUMNS`):

======== ================================================================
year     year of the cycle, 1..
level    ``city`` or ``district``
district district id, or ``city`` for city-level money
category ``key_project`` (重点项目) or ``regular_activity`` (常态活动)
line     project line id; ``reserve`` for yuan too few to buy a whole unit of
         a line with room left; ``unspent`` for yuan no line can take because
         every line of the pool is at its ``max_units`` cap
units    whole units bought (0 on reserve and unspent rows)
yuan     integer yuan: ``units * unit_cost_yuan``, or what is left
======== ================================================================

The money is split in this order, each step in whole yuan that add up exactly
(:func:`civsim.apportion.largest_remainder`):

1. the fund into city and district levels by ``city_share``;
2. the district level into districts: each district gets its minimum, and the
   rest is shared by the policy's weights, no district above its cap (a
   district at its cap hands its excess on to the others by weight);
3. each district's (and the city's) money into key projects and regular
   activities by ``key_project_share`` (rounded to the nearest yuan);
4. each of those pools into whole units of its lines. The weight policies aim
   at each line in proportion to its planned size (``max_units *
   unit_cost_yuan``), buy the whole units that fit, then spend what is left one
   unit at a time on the line furthest below its aim that still fits. The
   optimiser (:mod:`civsim.optimiser`) chooses units directly. What is left
   is a row of its own, so every pool adds up to the yuan and no yuan is kept
   silently: ``unspent`` when every line of the pool is at its cap (more money
   buys nothing there), else ``reserve`` (too few yuan for a whole unit).

This module gathers a scenario's :class:`BudgetInputs` and does steps 1-4 for
a policy's district weights (:func:`by_weights`); it knows no policy by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from civsim.apportion import largest_remainder
from civsim.errors import BudgetError
from civsim.gains import CITY, condition_by_holder, line_gains, place_counts
from civsim.scenario import Scenario

__all__ = [
    "COLUMNS",
    "RESERVE",
    "UNSPENT",
    "BudgetInputs",
    "Policy",
    "allocation_table",
    "budget_inputs",
    "by_weights",
    "category_split",
    "check_inputs",
    "holder_pools",
    "level_split",
]

COLUMNS = ["year", "level", "district", "category", "line", "units", "yuan"]
RESERVE = "reserve"
#: Row label of yuan a pool cannot spend because every one of its lines is at its cap.
UNSPENT = "unspent"


class BudgetInputs(NamedTuple):
    """Plain data every policy needs, built by :func:`budget_inputs` (or by hand in tests).

    ``districts`` has columns ``id``, ``residents``, ``need``, ``min_yuan`` and
    ``cap_yuan`` (integer yuan). ``options`` has one row per line and holder
    (a district id, or ``city``): ``line``, ``level``, ``holder``,
    ``category``, ``unit_cost_yuan``, ``max_units`` and ``gain_per_unit``.
    """

    total_yuan: int
    city_share: float
    key_project_share: float
    districts: pd.DataFrame
    options: pd.DataFrame
    performance_link: float
    first_year_policy: str


Policy = Callable[[BudgetInputs, int, "pd.DataFrame | None"], pd.DataFrame]


def budget_inputs(scenario: Scenario) -> BudgetInputs:
    """Gather a scenario's fund, districts and line gains as :class:`BudgetInputs`.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/baseline.yaml"))
    >>> inputs.total_yuan, len(inputs.districts)
    (12000000, 6)
    >>> inputs.districts.set_index("id").loc["d01", ["min_yuan", "cap_yuan"]].tolist()
    [576000, 2160000]
    """
    gains = line_gains(scenario)  # refuses a scenario without a budget
    budget = scenario.budget
    assert budget is not None
    residents = pd.Series({d.id: d.population for d in scenario.territory.districts})
    cond = condition_by_holder(scenario)[residents.index]
    counts = place_counts(scenario)
    types = _targeted_types(scenario)
    size = counts[types].sum(axis=1) if types else residents.astype(float)
    pool = int(level_split(budget.total_yuan, budget.city_share)[1])
    cap = math.floor(round(budget.district_cap_share * pool, 6))
    if budget.district_cap_yuan is not None:
        cap = min(cap, budget.district_cap_yuan)
    districts = pd.DataFrame(
        {
            "id": residents.index,
            "residents": residents.to_numpy(dtype=np.int64),
            "need": (size * (1 - cond)).to_numpy(dtype=float),
            "min_yuan": max(
                math.ceil(round(budget.district_min_share * pool, 6)), budget.district_min_yuan
            ),
            "cap_yuan": cap,
        }
    )
    return BudgetInputs(
        total_yuan=budget.total_yuan,
        city_share=budget.city_share,
        key_project_share=budget.key_project_share,
        districts=districts,
        options=gains[
            ["line", "level", "holder", "category", "unit_cost_yuan", "max_units", "gain_per_unit"]
        ],
        performance_link=budget.performance_link,
        first_year_policy=budget.first_year_policy,
    )


def _targeted_types(scenario: Scenario) -> list[str]:
    """Place types the district-level lines work on (a whole district: every type)."""
    budget, fw = scenario.budget, scenario.framework
    if budget is None or fw is None:
        return []
    std_types = {s.id: s.place_types for s in fw.standards}
    chosen: set[str] = set()
    for line in budget.lines:
        if line.level != "district" or line.effect == "publicity":
            continue
        if line.target is None:  # a whole district: validation gives it no target id
            chosen.update(p.id for p in fw.place_types)
        elif line.target_kind == "place_type":
            chosen.add(line.target)
        else:  # a standard (the only other kind with a target id)
            chosen.update(std_types[line.target])
    return sorted(chosen)


# ------------------------------------------------------------------ checks and splits


def level_split(total: int, city_share: float) -> np.ndarray:
    """City and district yuan."""
    return largest_remainder(total, [city_share, 1 - city_share])


def category_split(yuan: int, key_share: float) -> np.ndarray:
    """Key-project and regular-activity yuan (key = nearest yuan to its share)."""
    return largest_remainder(yuan, [key_share, 1 - key_share])


def check_inputs(inputs: BudgetInputs) -> int:
    """Refuse what no allocation can satisfy; return the district-level yuan."""
    if inputs.total_yuan <= 0:
        raise BudgetError(f"the yearly fund must be more than 0 yuan, got {inputs.total_yuan:,}")
    bad = inputs.options[inputs.options["unit_cost_yuan"] <= 0]
    if len(bad):
        row = bad.iloc[0]
        raise BudgetError(
            f"line {row['line']}: a unit must cost more than 0 yuan, got {row['unit_cost_yuan']:,}"
        )
    pool = int(level_split(inputs.total_yuan, inputs.city_share)[1])
    d = inputs.districts
    over = d[d["min_yuan"] > d["cap_yuan"]]
    if len(over):
        row = over.iloc[0]
        raise BudgetError(
            f"district {row['id']}: its minimum of {row['min_yuan']:,} yuan is above its cap of "
            f"{row['cap_yuan']:,} yuan by {row['min_yuan'] - row['cap_yuan']:,} yuan"
        )
    floor, ceiling = int(d["min_yuan"].sum()), int(d["cap_yuan"].sum())
    if floor > pool:
        raise BudgetError(
            f"district minimums add up to {floor:,} yuan, {floor - pool:,} yuan more than the "
            f"{pool:,} yuan for districts; lower the minimums or the city share"
        )
    if ceiling < pool:
        raise BudgetError(
            f"district caps add up to {ceiling:,} yuan, {pool - ceiling:,} yuan less than the "
            f"{pool:,} yuan for districts; raise the caps or the city share"
        )
    return pool


def _split_capped(total: int, weights: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Whole yuan in proportion to weights, each part within [low, high], adding up to total.

    Districts above their cap are held at it and the rest is shared again among
    the others (water-filling); callers have checked ``low.sum() <= total <=
    high.sum()``.
    """
    parts = low.astype(np.int64).copy()
    room = high.astype(np.int64) - parts
    active = room > 0
    left = total - int(parts.sum())
    while left > 0:
        if np.any(weights[active] > 0):
            share = largest_remainder(left, np.where(active, weights, 0.0))
        else:  # only zero-weight districts have room: share equally among them
            share = largest_remainder(left, active.astype(float))
        over = share > room
        if not over.any():
            return parts + share
        parts[over] += room[over]
        room[over] = 0
        active &= ~over
        left = total - int(parts.sum())
    return parts


def _buy_units(pool: int, costs: np.ndarray, max_units: np.ndarray) -> np.ndarray:
    """Whole units for the weight policies (rule 4 in the module docstring)."""
    if len(costs) == 0:
        return np.zeros(0, dtype=np.int64)
    aim = largest_remainder(pool, costs * max_units)
    units = np.minimum(aim // costs, max_units)
    left = pool - int((units * costs).sum())
    while True:
        fits = (units < max_units) & (costs <= left)
        if not fits.any():
            return units
        i = int(np.argmax(np.where(fits, aim - units * costs, -np.inf)))
        units[i] += 1
        left -= int(costs[i])


# ------------------------------------------------------------------------ the table


def holder_pools(inputs: BudgetInputs, district_yuan: np.ndarray) -> dict[tuple[str, str], int]:
    """Yuan per (holder, category), from the district split."""
    city = int(level_split(inputs.total_yuan, inputs.city_share)[0])
    holders = [CITY, *inputs.districts["id"]]
    pools = {}
    for holder, yuan in zip(holders, [city, *district_yuan.tolist()], strict=True):
        key, regular = category_split(int(yuan), inputs.key_project_share)
        pools[(holder, "key_project")] = int(key)
        pools[(holder, "regular_activity")] = int(regular)
    return pools


def allocation_table(
    inputs: BudgetInputs, year: int, pools: Mapping[tuple[str, str], int], units: np.ndarray
) -> pd.DataFrame:
    """The allocation table: bought units per option, and a row per pool with yuan left.

    The yuan a pool has left are ``unspent`` when every line of the pool is at
    its ``max_units`` (or the pool has no line), else ``reserve``.

    Examples
    --------
    >>> from civsim.budget import budget_inputs, need
    >>> from civsim.scenario import load_scenario, override
    >>> rich = override(load_scenario("scenarios/baseline.yaml"), {"budget.total_yuan": 48_000_000})
    >>> t = need(budget_inputs(rich), 1)
    >>> t.groupby("line").yuan.sum()[["reserve", "unspent"]].gt(0).tolist()
    [True, True]
    """
    opts = inputs.options.assign(units=units.astype(np.int64))
    opts["yuan"] = opts["units"] * opts["unit_cost_yuan"]
    spent = opts.groupby(["holder", "category"])["yuan"].sum()
    # a pool with a line below its cap could still buy more of it: its rest is a reserve
    room = (opts["units"] < opts["max_units"]).groupby([opts["holder"], opts["category"]]).any()
    rows = [opts[opts["units"] > 0].rename(columns={"holder": "district"})]
    reserve = []
    for (holder, category), yuan in pools.items():
        left = yuan - int(spent.get((holder, category), 0))
        if left < 0:
            raise BudgetError(f"{holder} {category}: spent {-left:,} yuan more than its pool")
        if left > 0:
            level = "city" if holder == CITY else "district"
            label = RESERVE if bool(room.get((holder, category), False)) else UNSPENT
            reserve.append((level, holder, category, label, 0, left))
    rows.append(pd.DataFrame(reserve, columns=COLUMNS[1:]))
    table = pd.concat(rows, ignore_index=True).assign(year=year)[COLUMNS]
    # city first, then districts; within a pool the lines by name and what is left last
    order = pd.DataFrame(
        {"city": table["level"] != "city", "reserve": table["line"].isin([RESERVE, UNSPENT])},
        index=table.index,
    )
    table = table.loc[
        pd.concat([order, table[["district", "category", "line"]]], axis=1)
        .sort_values(["city", "district", "category", "reserve", "line"])
        .index
    ]
    return table.astype({"year": np.int64, "units": np.int64, "yuan": np.int64}).reset_index(
        drop=True
    )


def by_weights(inputs: BudgetInputs, year: int, weights: np.ndarray) -> pd.DataFrame:
    """Split the district level by weights within minimum and cap, then buy units."""
    pool = check_inputs(inputs)
    d = inputs.districts
    w = np.asarray(weights, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise BudgetError("district weights must be finite and >= 0")
    district_yuan = _split_capped(
        pool, w, d["min_yuan"].to_numpy(np.int64), d["cap_yuan"].to_numpy(np.int64)
    )
    pools = holder_pools(inputs, district_yuan)
    opts = inputs.options
    units = np.zeros(len(opts), dtype=np.int64)
    for (holder, category), yuan in pools.items():
        idx = np.flatnonzero((opts["holder"] == holder) & (opts["category"] == category))
        units[idx] = _buy_units(
            yuan,
            opts["unit_cost_yuan"].to_numpy(np.int64)[idx],
            opts["max_units"].to_numpy(np.int64)[idx],
        )
    return allocation_table(inputs, year, pools, units)
