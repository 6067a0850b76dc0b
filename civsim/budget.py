"""The special fund (专项资金) in exact yuan: allocation policies, an optimiser, and years.

Every policy is a pure function ``policy(inputs, year, previous=None)`` that
returns one year's allocation table, with the same columns:

======== ================================================================
year     year of the cycle, 1..
level    ``city`` or ``district``
district district id, or ``city`` for city-level money
category ``key_project`` (重点项目) or ``regular_activity`` (常态活动)
line     project line id, or ``reserve`` for yuan too few to buy a whole unit
units    whole units bought (0 on reserve rows)
yuan     integer yuan: ``units * unit_cost_yuan``, or the reserve
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
   optimiser chooses units directly. What cannot buy a whole unit is a
   ``reserve`` row, so every pool adds up to the yuan.

Policies (``POLICIES``): ``equal``; ``per_capita`` (residents); ``need`` (gap
to target: the district's places of the types its lines target times ``1 -``
its expected condition; residents times the gap when no line targets a place);
``performance`` (last year's results, see :func:`performance`); ``optimised``
(maximises the expected score gain of :mod:`civsim.gains` with
``scipy.optimize.milp``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from civsim.apportion import largest_remainder
from civsim.errors import BudgetError
from civsim.gains import CITY, condition_by_holder, line_gains, place_counts
from civsim.scenario import Scenario

__all__ = [
    "COLUMNS",
    "POLICIES",
    "BudgetInputs",
    "allocate_cycle",
    "allocate_years",
    "budget_inputs",
    "equal",
    "expected_gain",
    "need",
    "optimised",
    "per_capita",
    "performance",
    "summarise",
]

COLUMNS = ["year", "level", "district", "category", "line", "units", "yuan"]
RESERVE = "reserve"
#: The optimiser must prove its answer optimal (no gap) within this many seconds.
SOLVER_TIME_LIMIT_S = 60.0
#: Slack on the solver's continuous rounding of a district's key-project yuan (±0.5 yuan).
ROUNDING_SLACK = 1e-6


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
    pool = int(_level_split(budget.total_yuan, budget.city_share)[1])
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
        if line.target_kind == "place_type":
            chosen.add(line.target)
        elif line.target_kind == "standard":
            chosen.update(std_types[line.target])
        else:
            chosen.update(p.id for p in fw.place_types)
    return sorted(chosen)


# ------------------------------------------------------------------ checks and splits


def _level_split(total: int, city_share: float) -> np.ndarray:
    """City and district yuan."""
    return largest_remainder(total, [city_share, 1 - city_share])


def _category_split(yuan: int, key_share: float) -> np.ndarray:
    """Key-project and regular-activity yuan (key = nearest yuan to its share)."""
    return largest_remainder(yuan, [key_share, 1 - key_share])


def _check(inputs: BudgetInputs) -> int:
    """Refuse what no allocation can satisfy; return the district-level yuan."""
    if inputs.total_yuan <= 0:
        raise BudgetError(f"the yearly fund must be more than 0 yuan, got {inputs.total_yuan:,}")
    bad = inputs.options[inputs.options["unit_cost_yuan"] <= 0]
    if len(bad):
        row = bad.iloc[0]
        raise BudgetError(
            f"line {row['line']}: a unit must cost more than 0 yuan, got {row['unit_cost_yuan']:,}"
        )
    pool = int(_level_split(inputs.total_yuan, inputs.city_share)[1])
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


# ------------------------------------------------------------------------- policies


def _pools(inputs: BudgetInputs, district_yuan: np.ndarray) -> dict[tuple[str, str], int]:
    """Yuan per (holder, category), from the district split."""
    city = int(_level_split(inputs.total_yuan, inputs.city_share)[0])
    holders = [CITY, *inputs.districts["id"]]
    pools = {}
    for holder, yuan in zip(holders, [city, *district_yuan.tolist()], strict=True):
        key, regular = _category_split(int(yuan), inputs.key_project_share)
        pools[(holder, "key_project")] = int(key)
        pools[(holder, "regular_activity")] = int(regular)
    return pools


def _table(
    inputs: BudgetInputs, year: int, pools: Mapping[tuple[str, str], int], units: np.ndarray
) -> pd.DataFrame:
    """The allocation table: bought units per option, and a reserve row per pool with yuan left."""
    opts = inputs.options.assign(units=units.astype(np.int64))
    opts["yuan"] = opts["units"] * opts["unit_cost_yuan"]
    spent = opts.groupby(["holder", "category"])["yuan"].sum()
    rows = [opts[opts["units"] > 0].rename(columns={"holder": "district"})]
    reserve = []
    for (holder, category), yuan in pools.items():
        left = yuan - int(spent.get((holder, category), 0))
        if left < 0:
            raise BudgetError(f"{holder} {category}: spent {-left:,} yuan more than its pool")
        if left > 0:
            level = "city" if holder == CITY else "district"
            reserve.append((level, holder, category, RESERVE, 0, left))
    rows.append(pd.DataFrame(reserve, columns=COLUMNS[1:]))
    table = pd.concat(rows, ignore_index=True).assign(year=year)[COLUMNS]
    # city first, then districts; within a pool the lines by name and the reserve last
    order = pd.DataFrame(
        {"city": table["level"] != "city", "reserve": table["line"] == RESERVE}, index=table.index
    )
    table = table.loc[
        pd.concat([order, table[["district", "category", "line"]]], axis=1)
        .sort_values(["city", "district", "category", "reserve", "line"])
        .index
    ]
    return table.astype({"year": np.int64, "units": np.int64, "yuan": np.int64}).reset_index(
        drop=True
    )


def _by_weights(inputs: BudgetInputs, year: int, weights: np.ndarray) -> pd.DataFrame:
    """Split the district level by weights within minimum and cap, then buy units."""
    pool = _check(inputs)
    d = inputs.districts
    w = np.asarray(weights, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise BudgetError("district weights must be finite and >= 0")
    district_yuan = _split_capped(
        pool, w, d["min_yuan"].to_numpy(np.int64), d["cap_yuan"].to_numpy(np.int64)
    )
    pools = _pools(inputs, district_yuan)
    opts = inputs.options
    units = np.zeros(len(opts), dtype=np.int64)
    for (holder, category), yuan in pools.items():
        idx = np.flatnonzero((opts["holder"] == holder) & (opts["category"] == category))
        units[idx] = _buy_units(
            yuan,
            opts["unit_cost_yuan"].to_numpy(np.int64)[idx],
            opts["max_units"].to_numpy(np.int64)[idx],
        )
    return _table(inputs, year, pools, units)


def equal(inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same yuan for every district (within minimum and cap).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> t = equal(budget_inputs(load_scenario("scenarios/baseline.yaml")), year=1)
    >>> int(t.yuan.sum()), t.groupby("district").yuan.sum()["d01"]
    (12000000, np.int64(1200000))
    """
    return _by_weights(inputs, year, np.ones(len(inputs.districts)))


def per_capita(
    inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """District money in proportion to residents (within minimum and cap)."""
    return _by_weights(inputs, year, inputs.districts["residents"].to_numpy(dtype=float))


def need(inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """District money in proportion to need: target places times ``1 -`` expected condition."""
    return _by_weights(inputs, year, inputs.districts["need"].to_numpy(dtype=float))


def performance(
    inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Tie the district money to last year's results (评估结果与财政投入挂钩).

    Every district keeps its minimum; the money above the minimums is shared
    by weight. With link strength ``s``, base shares ``b`` (each district's
    yuan above its minimum under ``first_year_policy``, as a share) and last
    year's scores, a district's standing is its distance from the
    base-weighted mean score in units of the spread between best and worst,
    ``r_d = (score_d - sum_k(b_k * score_k)) / (max(score) - min(score))``
    (0 when all score alike), and it is weighted

    ``w_d = b_d * (1 + s * r_d)``

    so the weights still add up to 1 and money follows the ranking
    (比学赶超), not the size of score gaps: districts a few tenths of a point
    apart are still told apart. The best district gains up to ``s`` of its base
    share and the worst loses up to ``s``; with ``s = 0`` this is the base
    allocation; without results (year 1) it is the first-year policy.

    Parameters
    ----------
    inputs : BudgetInputs
    year : int
    previous : pandas.DataFrame, optional
        Last year's results: columns ``district`` and ``score`` (>= 0), one row
        per district.

    Returns
    -------
    pandas.DataFrame
        The allocation table.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/county_nominee.yaml"))
    >>> results = pd.DataFrame({"district": ["c01", "c02"], "score": [90.0, 60.0]})
    >>> before = performance(inputs, 1).groupby("district").yuan.sum()
    >>> after = performance(inputs, 2, results).groupby("district").yuan.sum()
    >>> bool(after["c01"] > before["c01"]), int(after.sum())
    (True, 3500000)
    """
    fallback = POLICIES[inputs.first_year_policy]
    base_table = fallback(inputs, year, None)
    if previous is None:
        return base_table
    scores = _scores(previous, inputs.districts["id"])
    base = base_table.groupby("district")["yuan"].sum().reindex(inputs.districts["id"]).fillna(0)
    above = base.to_numpy(dtype=float) - inputs.districts["min_yuan"].to_numpy(dtype=float)
    b = above / max(float(above.sum()), 1.0)
    spread = float(scores.max() - scores.min())
    standing = (scores - float((b * scores).sum())) / spread if spread > 0 else 0 * scores
    weights = b * (1 + inputs.performance_link * standing)
    return _by_weights(inputs, year, weights)


def _scores(previous: pd.DataFrame, districts: pd.Series) -> np.ndarray:
    """Last year's score per district, in district order, checked."""
    missing_cols = {"district", "score"} - set(previous.columns)
    if missing_cols:
        raise BudgetError(f"last year's results need columns district and score; no {missing_cols}")
    if previous["district"].duplicated().any():
        raise BudgetError("last year's results name a district twice")
    scores = previous.set_index("district")["score"].reindex(districts)
    if scores.isna().any():
        lacking = ", ".join(scores.index[scores.isna()])
        raise BudgetError(f"last year's results have no score for district {lacking}")
    values = scores.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise BudgetError("last year's scores must be finite and >= 0")
    return values


def optimised(
    inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Maximise the expected score gain, as a mixed-integer programme (``scipy.optimize.milp``).

    Variables: whole units ``x`` of each line at each holder (``0..max_units``),
    each district's yuan ``D_d`` (between its minimum and cap) and its
    key-project yuan ``K_d``. Maximise ``sum(gain_per_unit * x)`` subject to
    ``sum(D_d)`` = the district-level yuan; ``|K_d - key_project_share * D_d| <=
    0.5`` (the same rounding the other policies use); each pool's units costing
    no more than the pool (key projects ``K_d``, regular activities ``D_d -
    K_d``, the city's two pools as fixed by the shares). What a pool cannot
    spend on whole units is its reserve. Every allocation the other policies
    make is feasible here, so none scores higher on this objective.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/county_nominee.yaml"))
    >>> best, flat = optimised(inputs, 1), equal(inputs, 1)
    >>> bool(expected_gain(best, inputs) >= expected_gain(flat, inputs))
    True
    """
    pool = _check(inputs)
    opts, d = inputs.options, inputs.districts
    n_x, n_d = len(opts), len(d)
    cost = opts["unit_cost_yuan"].to_numpy(dtype=float)
    holder = opts["holder"].to_numpy()
    category = opts["category"].to_numpy()
    ks = inputs.key_project_share
    # variable order: x (units) | D (district yuan) | K (district key-project yuan)
    n = n_x + 2 * n_d
    rows, lo, hi = [], [], []

    def constrain(coef: np.ndarray, low: float, high: float) -> None:
        rows.append(coef)
        lo.append(low)
        hi.append(high)

    coef = np.zeros(n)
    coef[n_x : n_x + n_d] = 1
    constrain(coef, pool, pool)
    city_key, city_regular = _category_split(
        int(_level_split(inputs.total_yuan, inputs.city_share)[0]), ks
    )
    for cat, limit in (("key_project", city_key), ("regular_activity", city_regular)):
        coef = np.zeros(n)
        coef[:n_x] = np.where((holder == CITY) & (category == cat), cost, 0)
        constrain(coef, 0, limit)
    for j, did in enumerate(d["id"]):
        D, K = n_x + j, n_x + n_d + j
        coef = np.zeros(n)
        coef[K], coef[D] = 1, -ks
        constrain(coef, -0.5 - ROUNDING_SLACK, 0.5 + ROUNDING_SLACK)
        coef = np.zeros(n)
        coef[:n_x] = np.where((holder == did) & (category == "key_project"), cost, 0)
        coef[K] = -1
        constrain(coef, -np.inf, 0)
        coef = np.zeros(n)
        coef[:n_x] = np.where((holder == did) & (category == "regular_activity"), cost, 0)
        coef[D], coef[K] = -1, 1
        constrain(coef, -np.inf, 0)
    caps = d["cap_yuan"].to_numpy(dtype=float)
    lower = np.concatenate([np.zeros(n_x), d["min_yuan"].to_numpy(dtype=float), np.zeros(n_d)])
    upper = np.concatenate([opts["max_units"].to_numpy(dtype=float), caps, caps])
    objective = np.concatenate([-opts["gain_per_unit"].to_numpy(dtype=float), np.zeros(2 * n_d)])
    result = milp(
        objective,
        integrality=np.ones(n),
        bounds=Bounds(lower, upper),
        constraints=LinearConstraint(np.array(rows), lo, hi),
        options={"mip_rel_gap": 0.0, "time_limit": SOLVER_TIME_LIMIT_S},
    )
    if result.status != 0 or result.x is None:
        raise BudgetError(f"the optimiser found no allocation: {result.message}")
    solution = np.rint(result.x).astype(np.int64)
    units, district_yuan = solution[:n_x], solution[n_x : n_x + n_d]
    if int(district_yuan.sum()) != pool:
        raise BudgetError("the optimiser's district yuan do not add up; please report this")
    pools = _pools(inputs, district_yuan)
    spent = pd.Series(units * cost, index=pd.MultiIndex.from_arrays([holder, category]))
    spent = spent.groupby(level=[0, 1]).sum()
    for j, did in enumerate(d["id"]):
        # The solver rounds in floating point: settle each district's key-project yuan on the
        # nearest whole yuan (or the other neighbour of the exact share) that pays for its units.
        total, exact = int(district_yuan[j]), ks * int(district_yuan[j])
        need_key = int(spent.get((did, "key_project"), 0))
        need_regular = int(spent.get((did, "regular_activity"), 0))
        fits = [
            k
            for k in (pools[(did, "key_project")], math.floor(exact), math.ceil(exact))
            if need_key <= k <= total - need_regular
        ]
        if not fits:
            raise BudgetError(f"the optimiser overspent district {did}; please report this")
        pools[(did, "key_project")] = fits[0]
        pools[(did, "regular_activity")] = total - fits[0]
    return _table(inputs, year, pools, units)


POLICIES: dict[str, Policy] = {
    "equal": equal,
    "per_capita": per_capita,
    "need": need,
    "performance": performance,
    "optimised": optimised,
}


# ---------------------------------------------------------------------------- years


def allocate_cycle(
    scenario: Scenario,
    policy: str | None = None,
    results_by_year: Mapping[int, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Allocate the fund for every year of the cycle.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a ``budget`` section.
    policy : str, optional
        A name in :data:`POLICIES`; the scenario's ``budget.policy`` by default.
    results_by_year : mapping of int to DataFrame, optional
        Results (``district``, ``score``) of year ``y``; year ``y + 1`` passes
        them to the policy as ``previous`` (only ``performance`` uses them). A
        year whose previous results are missing gets ``previous=None``.

    Returns
    -------
    pandas.DataFrame
        The allocation tables of all years, stacked (columns :data:`COLUMNS`).

    Raises
    ------
    BudgetError
        If the scenario has no budget, the policy is unknown, or a constraint
        cannot be met (the message says which, and by how many yuan).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> table = allocate_cycle(load_scenario("scenarios/baseline.yaml"), "need")
    >>> table.groupby("year").yuan.sum().tolist()
    [12000000, 12000000, 12000000]
    """
    if scenario.budget is None:
        raise BudgetError(f"scenario {scenario.name} has no budget section")
    return allocate_years(
        budget_inputs(scenario),
        policy or scenario.budget.policy,
        scenario.cycle.years,
        results_by_year,
    )


def allocate_years(
    inputs: BudgetInputs,
    policy: str,
    years: int,
    results_by_year: Mapping[int, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Allocate the fund for ``years`` years from already gathered inputs.

    As :func:`allocate_cycle`, for a caller that has the :class:`BudgetInputs`
    (the simulation gathers them once per scenario).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/baseline.yaml"))
    >>> allocate_years(inputs, "equal", 2).groupby("year").yuan.sum().tolist()
    [12000000, 12000000]
    """
    if policy not in POLICIES:
        raise BudgetError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    results = results_by_year or {}
    tables, without_results = [], None
    for year in range(1, years + 1):
        previous = results.get(year - 1)
        if previous is not None:
            tables.append(POLICIES[policy](inputs, year, previous))
            continue
        # a policy's table depends on the year only through its label: allocate once
        if without_results is None:
            without_results = POLICIES[policy](inputs, year, None)
        tables.append(without_results.assign(year=year))
    return pd.concat(tables, ignore_index=True)


# -------------------------------------------------------------------------- reading


def expected_gain(table: pd.DataFrame, inputs: BudgetInputs) -> float:
    """Expected score gain (points of 100) of an allocation: ``sum(units * gain_per_unit)``.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/baseline.yaml"))
    >>> expected_gain(equal(inputs, 1), inputs) > 0
    True
    """
    gains = inputs.options.set_index(["line", "holder"])["gain_per_unit"]
    bought = table[table["line"] != RESERVE].set_index(["line", "district"])["units"]
    return float((bought * gains.reindex(bought.index).to_numpy()).sum())


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Yuan by year, level, district and category: allocated, spent on units, and reserve.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = summarise(allocate_cycle(load_scenario("scenarios/county_nominee.yaml"), "equal"))
    >>> list(s.columns)
    ['year', 'level', 'district', 'category', 'yuan', 'spent_yuan', 'reserve_yuan']
    >>> bool((s.yuan == s.spent_yuan + s.reserve_yuan).all())
    True
    """
    reserve = table["line"] == RESERVE
    out = (
        table.assign(
            spent_yuan=table["yuan"].where(~reserve, 0),
            reserve_yuan=table["yuan"].where(reserve, 0),
        )
        .groupby(["year", "level", "district", "category"], sort=False)[
            ["yuan", "spent_yuan", "reserve_yuan"]
        ]
        .sum()
        .reset_index()
    )
    return out
