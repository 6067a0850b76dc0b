"""The ``optimised`` policy: the allocation with the most expected score gain, as a MILP.

It chooses whole units of every line directly (``scipy.optimize.milp``)
instead of sharing the district money by weights; the pools, the reserve rows
and the table are those of :mod:`civsim.allocation`. The other policies and
the policy table are in :mod:`civsim.budget`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from civsim.allocation import (
    BudgetInputs,
    allocation_table,
    category_split,
    check_inputs,
    holder_pools,
    level_split,
)
from civsim.errors import BudgetError
from civsim.gains import CITY

__all__ = ["ROUNDING_SLACK", "SOLVER_TIME_LIMIT_S", "optimised"]

#: The optimiser must prove its answer optimal (no gap) within this many seconds.
SOLVER_TIME_LIMIT_S = 60.0
#: Slack on the solver's continuous rounding of a district's key-project yuan (±0.5 yuan).
ROUNDING_SLACK = 1e-6


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
    >>> from civsim.budget import budget_inputs, equal, expected_gain
    >>> from civsim.scenario import load_scenario
    >>> inputs = budget_inputs(load_scenario("scenarios/county_nominee.yaml"))
    >>> best, flat = optimised(inputs, 1), equal(inputs, 1)
    >>> bool(expected_gain(best, inputs) >= expected_gain(flat, inputs))
    True
    """
    pool = check_inputs(inputs)
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
    city_key, city_regular = category_split(
        int(level_split(inputs.total_yuan, inputs.city_share)[0]), ks
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
        integrality=np.ones(n, dtype=np.int64),
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
    pools = holder_pools(inputs, district_yuan)
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
    return allocation_table(inputs, year, pools, units)
