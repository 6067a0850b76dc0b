"""Expected score gain of one unit of a special-fund line (the optimiser's objective).

A checkpoint is one (place, standard) pair. A standard's score is its weight
times the mean condition (0..1) of its checkpoints across the city, so a unit
that lifts the condition of some checkpoints by ``E`` for part of the year
gains, in points of the cycle's 100::

    gain_per_unit(l, h) = sum_s  w_s * c_s(l, h) * E(l, h) * T(l)
    gain_per_yuan(l, h) = gain_per_unit(l, h) / unit_cost_yuan(l)

for line ``l`` bought by holder ``h`` (a district, or ``city`` for city-level
lines), where

- ``w_s = points_s / (points of all standards of s's method) * method points
  of the cycle`` (material 40, field 40, survey 20): the framework points of
  standard ``s``;
- ``c_s = f * M_s(h) / N_s``: the coverage share, the fraction of ``s``'s
  city-wide checkpoints ``N_s`` that one unit reaches. ``M_s(h)`` are the
  target's checkpoints of ``s`` in the holder; ``f = places_per_unit /
  target places in h`` for ``condition`` and ``decay`` (a unit works on that
  many places), else ``f = 1`` (a unit acts on every target checkpoint);
- ``E`` is the expected condition gain at a reached checkpoint, at most the
  headroom ``1 - expected condition`` of the holder:

  ========================  ==================================================
  condition                 ``effect_size``
  decay                     ``effect_size * decay_per_day * decay_exposure_days``
  detection                 ``effect_size * condition_per_detection``
  staff_days                ``effect_size * condition_per_staff_day / sum_s M_s(h)``
  volunteer_hours           ``effect_size * condition_per_volunteer_hour / sum_s M_s(h)``
  publicity                 ``effect_size`` (satisfaction, on survey standards)
  ========================  ==================================================

  (``decay_per_day`` is the checkpoint-weighted mean of the touched standards);
- ``T`` is the share of the evaluation year ``Y`` (days) the effect is felt,
  for a unit delivered on day 0 whose effect lasts ``D = duration_days``:
  fading effects (condition, publicity) fall linearly to nothing over ``D``,
  ``T = D / 2Y`` if ``D <= Y`` else ``1 - Y / 2D``; steady effects (decay,
  detection) hold for ``D``, ``T = min(D, Y) / Y``; capacity effects
  (staff_days, volunteer_hours) count the share of the capacity spent within
  the year, ``T = min(D, Y) / D``.

Which checkpoints a target reaches: a place type, every checkpoint of places of
that type (all the standards checking it); a field standard, its own
checkpoints; a whole district or the city, every field checkpoint, or for
``publicity`` every survey standard. Material and survey standards have one
checkpoint per 10,000 residents (the unit the place densities use), so their
reach follows residents. Place counts are expected values,
``per_10k_residents * district residents / 10,000``.

Gains are linear in units, up to each line's ``max_units``; a ``condition`` or
``decay`` line never buys more units than its target has places to cover.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from civsim.errors import BudgetError
from civsim.places import CITY, RESIDENTS_PER_RATE
from civsim.scenario import Budget, ProjectLineRow, Scenario, StandardRow

__all__ = ["condition_by_holder", "line_gains", "place_counts"]

FADING = ("condition", "publicity")
CAPACITY = ("staff_days", "volunteer_hours")


def place_counts(scenario: Scenario) -> pd.DataFrame:
    """Expected places of each type per district, from densities and residents.

    Parameters
    ----------
    scenario : Scenario
        Without a framework the table has no columns.

    Returns
    -------
    pandas.DataFrame
        Index: district ids; columns: place type ids; values: expected places
        (float), ``per_10k_residents * residents / 10,000``.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> counts = place_counts(load_scenario("scenarios/baseline.yaml"))
    >>> round(float(counts.loc["d01", "market"]), 1)
    84.0
    """
    residents = _residents(scenario)
    types = scenario.framework.place_types if scenario.framework else ()
    density = pd.Series({p.id: p.per_10k_residents for p in types}, dtype=float)
    return pd.DataFrame(
        np.outer(residents.to_numpy(), density.to_numpy()) / RESIDENTS_PER_RATE,
        index=residents.index,
        columns=density.index,
    )


def condition_by_holder(scenario: Scenario) -> pd.Series:
    """Expected condition (0..1) per district, and the residents-weighted mean as ``city``.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> cond = condition_by_holder(load_scenario("scenarios/county_nominee.yaml"))
    >>> cond.round(3).to_dict()
    {'c01': 0.62, 'c02': 0.5, 'city': 0.569}
    """
    budget = _budget(scenario)
    residents = _residents(scenario)
    set_here = {row.district: row.condition for row in budget.district_condition}
    cond = pd.Series(
        [set_here.get(d, budget.expected_condition) for d in residents.index],
        index=residents.index,
        dtype=float,
    )
    total = residents.sum()
    city = float((cond * residents).sum() / total) if total else budget.expected_condition
    return pd.concat([cond, pd.Series({CITY: city})])


def line_gains(scenario: Scenario) -> pd.DataFrame:
    """Expected score gain of one unit of each line, per holder, as in the module docstring.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a ``budget`` section.

    Returns
    -------
    pandas.DataFrame
        One row per (line, holder): ``line``, ``level``, ``holder`` (district
        id, or ``city``), ``category``, ``unit_cost_yuan``, ``max_units``
        (effective: at most the places the target has), ``points`` (sum of
        ``w_s * c_s``), ``condition_gain`` (``E``), ``time_share`` (``T``),
        ``gain_per_unit`` and ``gain_per_yuan`` (points of 100).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> g = line_gains(load_scenario("scenarios/baseline.yaml"))
    >>> g.set_index(["line", "holder"]).loc[("smart_platform", "city"), "condition_gain"]
    np.float64(0.01)
    """
    budget = _budget(scenario)
    cond = condition_by_holder(scenario)
    checkpoints = _standard_checkpoints(scenario)  # standards x districts
    weights = _standard_weights(scenario)
    n_city = checkpoints.sum(axis=1)
    year = scenario.cycle.days_per_year
    rows = []
    for line in budget.lines:
        reach = _reach(scenario, line, checkpoints)  # standards x districts, target checkpoints
        if line.level == "city":
            targets = {CITY: reach.sum(axis=1)}
        else:
            targets = {d: reach[d] for d in reach.columns}
        for holder, m in targets.items():
            rows.append(
                _gain_row(
                    line,
                    holder,
                    m,
                    n_city,
                    weights,
                    scenario,
                    budget,
                    year,
                    headroom=1 - float(cond[holder]),
                )
            )
    return pd.DataFrame(rows)


def _gain_row(
    line: ProjectLineRow,
    holder: str,
    m: pd.Series,
    n_city: pd.Series,
    weights: pd.Series,
    scenario: Scenario,
    budget: Budget,
    year: int,
    headroom: float,
) -> dict:
    """One (line, holder) row of :func:`line_gains`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (m / n_city).where(n_city > 0, 0.0)
    reached = float(m.sum())
    max_units = line.max_units
    f = 1.0
    if line.effect in ("condition", "decay"):
        target_places = _target_places(scenario, line, holder)
        f = line.places_per_unit / target_places if target_places > 0 else 0.0
        max_units = min(max_units, math.ceil(target_places / line.places_per_unit - 1e-9))
    points = float((weights * share).sum()) * f
    E = min(_raw_condition_gain(line, m, reached, scenario, budget), headroom)
    T = _time_share(line, year)
    gain = points * max(E, 0.0) * T
    return {
        "line": line.id,
        "level": line.level,
        "holder": holder,
        "category": line.category,
        "unit_cost_yuan": line.unit_cost_yuan,
        "max_units": max(max_units, 0),
        "points": points,
        "condition_gain": max(E, 0.0),
        "time_share": T,
        "gain_per_unit": gain,
        "gain_per_yuan": gain / line.unit_cost_yuan,
    }


def _raw_condition_gain(
    line: ProjectLineRow, m: pd.Series, reached: float, scenario: Scenario, budget: Budget
) -> float:
    """``E`` before the headroom cap (table in the module docstring)."""
    if line.effect in ("condition", "publicity"):
        return line.effect_size
    if line.effect == "detection":
        return line.effect_size * budget.condition_per_detection
    if line.effect == "decay":
        decay = pd.Series({s.id: s.decay_per_day for s in _standards(scenario)}, dtype=float)
        mean_decay = float((decay[m.index] * m).sum() / reached) if reached else 0.0
        return line.effect_size * mean_decay * budget.decay_exposure_days
    per = (
        budget.condition_per_staff_day
        if line.effect == "staff_days"
        else budget.condition_per_volunteer_hour
    )
    return line.effect_size * per / reached if reached else 0.0


def _time_share(line: ProjectLineRow, year: int) -> float:
    """``T``: the share of the evaluation year the effect is felt."""
    d = line.duration_days
    if line.effect in FADING:
        return d / (2 * year) if d <= year else 1 - year / (2 * d)
    if line.effect in CAPACITY:
        return min(d, year) / d
    return min(d, year) / year


def _reach(scenario: Scenario, line: ProjectLineRow, checkpoints: pd.DataFrame) -> pd.DataFrame:
    """Target checkpoints of each standard (rows) in each district (columns)."""
    out = checkpoints * 0.0
    if line.target_kind == "place_type":
        counts = place_counts(scenario)[line.target]
        for s in _standards(scenario):
            if s.method == "field" and line.target in s.place_types:
                out.loc[s.id] = counts
    elif line.target_kind == "standard":
        out.loc[line.target] = checkpoints.loc[line.target]
    else:
        method = "survey" if line.effect == "publicity" else "field"
        chosen = [s.id for s in _standards(scenario) if s.method == method]
        out.loc[chosen] = checkpoints.loc[chosen]
    return out


def _target_places(scenario: Scenario, line: ProjectLineRow, holder: str) -> float:
    """Places a ``condition`` or ``decay`` line can work on in the holder."""
    counts = place_counts(scenario)
    if line.target_kind == "place_type":
        types = [line.target]
    else:
        std = next(s for s in _standards(scenario) if s.id == line.target)
        types = list(std.place_types)
    per_district = counts[types].sum(axis=1)
    return float(per_district.sum() if holder == CITY else per_district[holder])


def _standard_checkpoints(scenario: Scenario) -> pd.DataFrame:
    """Checkpoints of each standard (rows) in each district (columns)."""
    counts = place_counts(scenario)
    residents = _residents(scenario) / RESIDENTS_PER_RATE
    rows = {
        s.id: counts[list(s.place_types)].sum(axis=1) if s.method == "field" else residents
        for s in _standards(scenario)
    }
    return pd.DataFrame(rows, index=residents.index, dtype=float).T


def _standard_weights(scenario: Scenario) -> pd.Series:
    """``w_s``: each standard's points in the cycle's 100."""
    cycle = scenario.cycle
    method_points = {
        "material": cycle.material_points,
        "field": cycle.field_points,
        "survey": cycle.survey_points,
    }
    standards = _standards(scenario)
    totals: dict[str, float] = {}
    for s in standards:
        totals[s.method] = totals.get(s.method, 0.0) + s.points
    return pd.Series(
        {
            s.id: s.points / totals[s.method] * method_points[s.method] if totals[s.method] else 0.0
            for s in standards
        },
        dtype=float,
    )


def _residents(scenario: Scenario) -> pd.Series:
    return pd.Series(
        {d.id: d.population for d in scenario.territory.districts}, dtype=float, name="residents"
    )


def _budget(scenario: Scenario) -> Budget:
    if scenario.budget is None:
        raise BudgetError(f"scenario {scenario.name} has no budget section")
    return scenario.budget


def _standards(scenario: Scenario) -> tuple[StandardRow, ...]:
    """The framework's standards; none without a framework (every gain is then zero)."""
    return scenario.framework.standards if scenario.framework else ()
