"""The special fund (专项资金) in exact yuan: allocation policies and years.

Every policy is a pure function ``policy(inputs, year, previous=None)`` that
returns one year's allocation table in whole yuan; the table's columns
(:data:`COLUMNS`) and the order in which the money is split are set out in
:mod:`civsim.allocation`, which also gathers the :class:`BudgetInputs`.

Policies (``POLICIES``): ``equal``; ``per_capita`` (residents); ``need`` (gap
to target: the district's places of the types its lines target times ``1 -``
its expected condition; residents times the gap when no line targets a place);
``performance`` (last year's results, see :func:`performance`); ``optimised``
(maximises the expected score gain of :mod:`civsim.gains` with
``scipy.optimize.milp``, see :mod:`civsim.optimiser`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import SupportsInt, cast

import numpy as np
import pandas as pd

from civsim.allocation import (
    COLUMNS,
    RESERVE,
    UNSPENT,
    BudgetInputs,
    Policy,
    budget_inputs,
    by_weights,
)
from civsim.errors import BudgetError
from civsim.optimiser import optimised
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
    "read_results",
    "summarise",
]


# ------------------------------------------------------------------------- policies


def equal(inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same yuan for every district (within minimum and cap).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> t = equal(budget_inputs(load_scenario("scenarios/baseline.yaml")), year=1)
    >>> int(t.yuan.sum()), t.groupby("district").yuan.sum()["d01"]
    (12000000, np.int64(1200000))
    """
    return by_weights(inputs, year, np.ones(len(inputs.districts)))


def per_capita(
    inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """District money in proportion to residents (within minimum and cap)."""
    return by_weights(inputs, year, inputs.districts["residents"].to_numpy(dtype=float))


def need(inputs: BudgetInputs, year: int, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """District money in proportion to need: target places times ``1 -`` expected condition."""
    return by_weights(inputs, year, inputs.districts["need"].to_numpy(dtype=float))


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
    return by_weights(inputs, year, weights)


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
    bought = table[~table["line"].isin([RESERVE, UNSPENT])].set_index(["line", "district"])["units"]
    return float((bought * gains.reindex(bought.index).to_numpy()).sum())


def read_results(path: str | Path) -> dict[int, pd.DataFrame]:
    """Last years' results for the performance policy, by year, from a CSV file.

    Parameters
    ----------
    path : str or Path
        A CSV file with a ``year`` column (and ``district``, ``score``).

    Raises
    ------
    BudgetError
        If the file cannot be read or has no ``year`` column.
    """
    try:
        scores = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise BudgetError(f"cannot read results {path}: {exc}") from None
    if "year" not in scores.columns:
        raise BudgetError(f"results {path} need a year column")
    # read_csv (no date parsing) gives a year column of numbers or strings, as int() takes.
    return {
        int(cast(SupportsInt | str, y)): g.drop(columns="year") for y, g in scores.groupby("year")
    }


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Yuan by year, level, district and category: allocated, spent on units, reserve, unspent.

    ``reserve_yuan`` are too few for a whole unit of a line with room left;
    ``unspent_yuan`` are what no line can take because every line of the pool
    is at its cap (:data:`civsim.allocation.UNSPENT`): money the lines as
    planned cannot use.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = summarise(allocate_cycle(load_scenario("scenarios/county_nominee.yaml"), "equal"))
    >>> list(s.columns)
    ['year', 'level', 'district', 'category', 'yuan', 'spent_yuan', 'reserve_yuan', 'unspent_yuan']
    >>> bool((s.yuan == s.spent_yuan + s.reserve_yuan + s.unspent_yuan).all())
    True
    """
    reserve = table["line"] == RESERVE
    unspent = table["line"] == UNSPENT
    out = (
        table.assign(
            spent_yuan=table["yuan"].where(~(reserve | unspent), 0),
            reserve_yuan=table["yuan"].where(reserve, 0),
            unspent_yuan=table["yuan"].where(unspent, 0),
        )
        .groupby(["year", "level", "district", "category"], sort=False)[
            ["yuan", "spent_yuan", "reserve_yuan", "unspent_yuan"]
        ]
        .sum()
        .reset_index()
    )
    return out
