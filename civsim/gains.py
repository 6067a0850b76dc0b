"""Expected score gain of one unit of a special-fund line (the optimiser's objective).

A line's unit, bought in every year of the cycle, gains in points of the
cycle's 100::

    gain_per_unit(l, h) = E(l, h) * sum_k P_k(l, h) * X_k(l, h)
    gain_per_yuan(l, h) = gain_per_unit(l, h) / unit_cost_yuan(l)

for line ``l`` bought by holder ``h`` (a district, or ``city`` for city-level
lines), over the three ways a unit reaches the score ``k``: the field
inspection, the material review and the questionnaire.

**Reach** ``P_k``: the points of the cycle's 100 that one unit's checkpoints
carry. A checkpoint of field standard ``s`` at a place of type ``t`` carries
``w_s * a_st / N_t``: ``w_s`` is the standard's points in the 40 field points,
``N_t`` the city's places of type ``t`` (one checkpoint of ``s`` each), and
``a_st`` the share of the standard's observations the inspection makes at
type ``t`` (``sample_per_visit`` times observations per checkpoint, over the
standard's types): the inspection samples places by type, so a railway
station weighs far more than a back alley of the same standard. Material and
survey standards have one checkpoint per 10,000 residents (the unit the place
densities use), ``w_s / N_s``. A unit reaches:

- ``condition``, ``decay``: ``places_per_unit`` places of its target (every
  checkpoint at a place of a place-type target; the standard's at a standard
  target), a share ``places_per_unit / target places in h`` of the holder's
  target checkpoints;
- ``detection``, ``staff_days``: every target checkpoint in the holder (a
  whole district or the city: every field checkpoint);
- ``volunteer_hours``: every field checkpoint of the holder's districts (spare
  hours add to the district's routine effort, whatever the target);
- ``enforcement``: every field checkpoint at the public places of the holder
  that the civilized-behaviour regulations reach;
- ``creation``: every field checkpoint at the holder's places of the target
  type (the places the titles of the kind keeping that type look after);
- ``publicity``: the whole questionnaire of the holder's residents
  (satisfaction is one figure per district, read by every survey standard).

Field condition also moves residents' satisfaction (:mod:`civsim.sim.mechanisms.satisfaction`):
a field checkpoint of district ``d`` carries ``survey_points *
condition_weight * (residents_d / residents) / field checkpoints_d`` of
survey points, read on the survey day.

**Effect** ``E``, the condition (or satisfaction) gained at a reached checkpoint:

========================  ==================================================
condition                 ``effect_size``, at most the headroom ``1 - expected condition``
decay                     ``effect_size * decay_per_day * decay_exposure_days``
detection                 ``effect_size * condition_per_detection``
staff_days                ``effect_size * condition_per_staff_day * Y / D / reached``
volunteer_hours           ``effect_size * condition_per_volunteer_hour * Y / D / reached``
enforcement               ``(cut(x + h) - cut(x)) * decay_per_day * decay_exposure_days``
creation                  ``k * s * c / P * decay_per_day * decay_exposure_days``
publicity                 ``effect_size`` (satisfaction)
========================  ==================================================

(``decay_per_day`` is the checkpoint-weighted mean of the touched standards;
``cut`` is the regulations' decay cut at an intensity, ``x`` the public places'
intensity from the enforcing units' staff and ``h`` what one unit's hours add a
week per 1,000 of the holder's public places, :mod:`civsim.sim.mechanisms.regulations`;
for ``creation``, ``s`` is ``effect_size`` (creations a unit), ``c`` the kind's
``places_per_creation``, ``P`` the holder's places of the kind's types and
``k`` ``decay_cut_titled``, :mod:`civsim.sim.mechanisms.creation`: priced as
if the kind's places were not all titled (the cut is linear until then), and
without the records a creation adds to the material dossiers;
capacity effects are spent over ``D = duration_days``, so while they flow
their daily effect is ``Y / D`` times a year-long grant's, ``Y`` the days of
a year.)

**Exposure** ``X_k``: what is left of a unit's effect when the evaluation looks,
summed over the cycle's years with the year weights (15/25/60), for a unit
bought in every year and delivered as :mod:`civsim.sim.mechanisms.deliveries`
delivers it (from the line's ``start_day``: grants at once, other units month
by month over ``min(12, ceil(D / month))`` months). The field inspection looks
on a day drawn uniformly inside its window (the exposure is the mean over the
window), the questionnaire and the material review on their days. A condition
lift fades linearly over ``D``; a new unit at the same places tops up what is
left and fades again over ``D`` (the places a line covers are the same each
year), and the lifted condition is capped by the headroom; publicity fades
linearly and adds up; decay, detection and capacity effects hold for ``D``.
An effect that ends before the evaluation looks gains nothing.

Gains are linear in units, up to each line's ``max_units``; a ``condition`` or
``decay`` line never buys more units than its target has places to cover.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from civsim.errors import BudgetError
from civsim.places import CITY, RESIDENTS_PER_RATE
from civsim.scenario import Budget, ProjectLineRow, Scenario, StandardRow
from civsim.scenario.schema.budget import GRANT_EFFECTS, PLACE_EFFECTS
from civsim.scenario.schema.regulations import DAYS_PER_WEEK, PLACES_PER_INTENSITY
from civsim.sums import weighted_sum

__all__ = ["condition_by_holder", "exposure", "line_gains", "place_counts"]

#: Effects that change field condition, and so residents' satisfaction too.
FIELD_EFFECTS = (
    "condition",
    "decay",
    "detection",
    "staff_days",
    "volunteer_hours",
    "enforcement",
    "creation",
)
CAPACITY = ("staff_days", "volunteer_hours")
#: The ways a unit reaches the score, and the scoring method each reads.
METHODS = ("field", "material", "survey")


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
        (effective: at most the places the target has), ``points`` (the
        points one unit reaches, ``sum_k P_k``, satisfaction included),
        ``satisfaction_points`` (of which through residents' satisfaction),
        ``condition_gain`` (``E``), ``time_share`` (the reach-weighted
        exposure, ``sum_k P_k X_k / sum_k P_k``), ``gain_per_unit`` and
        ``gain_per_yuan`` (points of the cycle's 100).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> g = line_gains(load_scenario("scenarios/baseline.yaml"))
    >>> g.set_index(["line", "holder"]).loc[("smart_platform", "city"), "condition_gain"]
    np.float64(0.01)
    """
    budget = _budget(scenario)
    cond = condition_by_holder(scenario)
    pairs, weight, method = _pairs(scenario)  # (standard, type) x districts; per pair
    field = (method == "field").to_numpy()
    sat = _satisfaction_weight(scenario, pairs[field].sum(axis=0)).to_numpy()
    counts = place_counts(scenario)
    std = (
        pd.DataFrame([s.model_dump() for s in _standards(scenario)])
        if _standards(scenario)
        else None
    )
    decay = pd.Series(dtype=float) if std is None else std.set_index("id")["decay_per_day"]
    per_pair_decay = decay.reindex(pairs.index.get_level_values("standard")).fillna(0).to_numpy()
    ctx = _Context(
        scenario, budget, weight.to_numpy(), method.to_numpy(), sat, per_pair_decay, counts
    )
    rows = []
    for line in budget.lines:
        reach = _reach(scenario, line, pairs, method).to_numpy()
        columns = [CITY] if line.level == "city" else list(pairs.columns)
        for j, holder in enumerate(columns):
            m = reach if holder == CITY else reach[:, [j]]
            mask = np.ones(len(pairs.columns), dtype=bool) if holder == CITY else None
            if mask is None:
                mask = np.zeros(len(pairs.columns), dtype=bool)
                mask[j] = True
            rows.append(_gain_row(line, holder, m, mask, ctx, cond[holder]))
    return pd.DataFrame(rows)


class _Context(NamedTuple):
    """What every (line, holder) row shares, as arrays aligned on the (standard, type) pairs."""

    scenario: Scenario
    budget: Budget
    weight: np.ndarray
    method: np.ndarray
    sat: np.ndarray
    decay: np.ndarray
    counts: pd.DataFrame


def _gain_row(
    line: ProjectLineRow,
    holder: str,
    m: np.ndarray,
    districts: np.ndarray,
    ctx: _Context,
    condition: float,
) -> dict:
    """One (line, holder) row of :func:`line_gains`; ``m`` the target checkpoints by district."""
    reached = float(m.sum())
    max_units = line.max_units
    f = 1.0
    if line.effect in PLACE_EFFECTS:
        target_places = _target_places(ctx.scenario, line, holder, ctx.counts)
        f = line.places_per_unit / target_places if target_places > 0 else 0.0
        max_units = min(max_units, math.ceil(target_places / line.places_per_unit - 1e-9))
    per_pair = m.sum(axis=1) * ctx.weight * f
    points = {k: float(per_pair[ctx.method == k].sum()) for k in METHODS}
    sat_points = 0.0
    if line.effect in FIELD_EFFECTS:
        field_reached = m[ctx.method == "field"].sum(axis=0) * f
        sat_points = weighted_sum(field_reached, ctx.sat[districts])
    headroom = max(1.0 - condition, 0.0)
    if line.effect == "enforcement":
        E = _enforcement_gain(line, m, reached, ctx, districts)
    elif line.effect == "creation":
        E = _creation_gain(line, m, reached, ctx, districts)
    else:
        E = max(_raw_condition_gain(line, m, reached, ctx), 0.0)
    if line.effect == "condition":
        E = min(E, headroom)
    cap = headroom / E if line.effect == "condition" and E > 0 else None
    X = exposure(line, ctx.scenario, cap)
    gain = E * (sum(points[k] * X[k] for k in METHODS) + sat_points * X["survey"])
    total = sum(points.values()) + sat_points
    return {
        "line": line.id,
        "level": line.level,
        "holder": holder,
        "category": line.category,
        "unit_cost_yuan": line.unit_cost_yuan,
        "max_units": max(max_units, 0),
        "points": total,
        "satisfaction_points": sat_points,
        "condition_gain": E,
        "time_share": gain / (E * total) if E * total > 0 else 0.0,
        "gain_per_unit": gain,
        "gain_per_yuan": gain / line.unit_cost_yuan,
    }


def _raw_condition_gain(
    line: ProjectLineRow, m: np.ndarray, reached: float, ctx: _Context
) -> float:
    """``E`` before the headroom cap (table in the module docstring)."""
    budget = ctx.budget
    if line.effect in ("condition", "publicity"):
        return line.effect_size
    if line.effect == "detection":
        return line.effect_size * budget.condition_per_detection
    if line.effect == "decay":
        mean_decay = weighted_sum(ctx.decay, m.sum(axis=1)) / reached if reached else 0.0
        return line.effect_size * mean_decay * budget.decay_exposure_days
    per = (
        budget.condition_per_staff_day
        if line.effect == "staff_days"
        else budget.condition_per_volunteer_hour
    )
    spread = ctx.scenario.cycle.days_per_year / line.duration_days
    return line.effect_size * per * spread / reached if reached else 0.0


def _enforcement_gain(
    line: ProjectLineRow, m: np.ndarray, reached: float, ctx: _Context, districts: np.ndarray
) -> float:
    """``E`` of an ``enforcement`` line: the decay cut its hours add, held as ``decay``'s.

    The holder's public places start at the intensity the enforcing units' staff give
    (the same in every district: their hours are split by public places); one unit's
    hours, spread over its duration, raise it; the cut's gain (residents having learnt
    the rules) times the mean decay and ``decay_exposure_days`` is the condition gained.
    Nothing while the regulations are not enforced.
    """
    sc = ctx.scenario
    reg = sc.simulation.regulations
    if not reg.enabled or not reached:
        return 0.0
    types = [t for t in reg.place_types if t in ctx.counts.columns]
    places = ctx.counts[types].to_numpy().sum(axis=1)
    holder = float(places[districts].sum()) / PLACES_PER_INTENSITY
    staff = sum(u.staff for u in sc.organisation.units if u.id in reg.enforcing_units)
    hours = reg.hours_per_week(staff, sc.workload.hours_per_staff_year, sc.cycle.days_per_year)
    base = hours / (places.sum() / PLACES_PER_INTENSITY) if places.sum() > 0 else 0.0
    added = line.effect_size * DAYS_PER_WEEK / line.duration_days / holder if holder else 0.0
    cut = reg.decay_cut(base + added) - reg.decay_cut(base)
    mean_decay = weighted_sum(ctx.decay, m.sum(axis=1)) / reached
    return cut * mean_decay * ctx.budget.decay_exposure_days


def _creation_gain(
    line: ProjectLineRow, m: np.ndarray, reached: float, ctx: _Context, districts: np.ndarray
) -> float:
    """``E`` of a ``creation`` line: the decay cut its titles add, held as ``decay``'s.

    One unit names ``effect_size`` creations of the kind keeping the target place
    type; each keeps ``places_per_creation`` of the holder's ``P`` places of the
    kind's types, whose decay falls by ``decay_cut_titled`` there. Spread over
    every target checkpoint of the holder, times the mean decay and
    ``decay_exposure_days``, that is the condition gained. Nothing while the
    creation activities do not run.
    """
    cr = ctx.scenario.simulation.creation
    if not cr.enabled or not reached:
        return 0.0
    kind = next((s for s in cr.kinds().values() if line.target in s.place_types), None)
    if kind is None:
        return 0.0
    types = [t for t in kind.place_types if t in ctx.counts.columns]
    places = float(ctx.counts[types].to_numpy()[districts].sum())
    if places <= 0:
        return 0.0
    share = line.effect_size * kind.places_per_creation / places
    mean_decay = weighted_sum(ctx.decay, m.sum(axis=1)) / reached
    return cr.decay_cut_titled * share * mean_decay * ctx.budget.decay_exposure_days


def exposure(
    line: ProjectLineRow, scenario: Scenario, cap: float | None = None
) -> dict[str, float]:
    """``X_k``: a unit's effect left when each method looks, year-weighted over the cycle.

    Parameters
    ----------
    line : ProjectLineRow
    scenario : Scenario
        Its cycle (years, weights) and evaluation days.
    cap : float, optional
        For a condition lift: the most the lifted condition can gain, in units
        of the line's effect (the headroom over the effect size).

    Returns
    -------
    dict
        ``field``, ``material``, ``survey``: the year-weighted mean share of
        one unit's effect present on the method's days.

    Examples
    --------
    A year-long grant held all year is fully there whenever the evaluation looks:

    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> lines = {ln.id: ln for ln in base.budget.lines}
    >>> {k: round(v, 3) for k, v in exposure(lines["volunteer_projects"], base).items()}
    {'field': 1.0, 'material': 1.0, 'survey': 1.0}

    Publicity from day 240 fading over 120 days is half there on the survey day (300):

    >>> round(exposure(lines["city_ads"], base)["survey"], 3)
    0.5
    """
    cyc = scenario.cycle
    ev = scenario.simulation.evaluation
    year, month, d = cyc.days_per_year, cyc.days_per_year // 12, line.duration_days
    months = 1 if line.effect in GRANT_EFFECTS else max(1, min(12, math.ceil(d / month)))
    # each of the months' deliveries covers its own places, the same ones every year
    starts = line.start_day + month * np.arange(months)
    last = year - 1  # the evaluation never looks after the year's last day
    days = {
        "field": np.minimum(ev.window_start_day + np.arange(ev.window_days), last),
        "material": np.array([min(ev.material_review_day, last)]),
        "survey": np.array([min(ev.survey_day, last)]),
    }
    weights = np.asarray(cyc.year_weights, dtype=float)
    out = {}
    for k, look in days.items():
        # days since each delivery of each year, at each look of each year
        when = (np.arange(cyc.years)[:, None] * year + look[None, :]).ravel()
        given = (np.arange(cyc.years)[:, None] * year + starts[None, :]).ravel()
        level = _effect_level(line.effect, d, when, given.reshape(cyc.years, months), cap)
        per_year = level.reshape(cyc.years, len(look)).mean(axis=1)
        out[k] = weighted_sum(weights, per_year)
    return out


def _effect_level(
    effect: str, d: int, when: np.ndarray, given: np.ndarray, cap: float | None
) -> np.ndarray:
    """Mean over the delivery months of one unit's effect at each day ``when``.

    ``given[y, m]`` is the day month ``m``'s unit of year ``y`` is delivered.
    """
    age = when[:, None, None] - given[None, :, :]  # looks x years x months
    live = (age >= 0) & (age < d)
    if effect in ("condition", "publicity"):
        share = np.where(live, 1.0 - age / d, 0.0)
    else:
        share = live.astype(float)
    if effect != "condition":  # added up, as the simulation adds them
        return share.sum(axis=1).mean(axis=1)
    # a lift tops up what is left of the last one at the same places and fades again
    lift = np.zeros(age.shape[0::2])  # looks x months
    since = np.full(age.shape[0::2], -np.inf)
    for at in given:  # year by year
        done = at[None, :] <= when[:, None]
        left = np.where(np.isfinite(since), np.maximum(1.0 - (at[None, :] - since) / d, 0.0), 0.0)
        lift = np.where(done, lift * left + 1.0, lift)
        since = np.where(done, at[None, :], since)
    now = np.where(np.isfinite(since), np.maximum(1.0 - (when[:, None] - since) / d, 0.0), 0.0)
    level = now * lift
    return (np.minimum(level, cap) if cap is not None else level).mean(axis=1)


def _reach(
    scenario: Scenario, line: ProjectLineRow, pairs: pd.DataFrame, method: pd.Series
) -> pd.DataFrame:
    """Target checkpoints of each (standard, place type) (rows) in each district (columns)."""
    out = pairs * 0.0
    std = pairs.index.get_level_values("standard")
    types = pairs.index.get_level_values("place_type")
    if line.effect == "publicity":
        chosen = method == "survey"
    elif line.effect == "enforcement":  # the public places the regulations reach
        public = np.isin(types, scenario.simulation.regulations.place_types)
        chosen = (method == "field") & public
    elif line.effect == "volunteer_hours" or line.target_kind in ("district", "city"):
        chosen = method == "field"
    elif line.target_kind == "place_type":
        chosen = (method == "field") & (types == line.target)
    else:
        chosen = pd.Series(std == line.target, index=pairs.index)
    out.loc[chosen.to_numpy()] = pairs.loc[chosen.to_numpy()]
    return out


def _target_places(
    scenario: Scenario, line: ProjectLineRow, holder: str, counts: pd.DataFrame
) -> float:
    """Places a ``condition`` or ``decay`` line can work on in the holder (``counts``: per type)."""
    if line.target_kind == "place_type":
        types = [line.target]
    else:
        std = next(s for s in _standards(scenario) if s.id == line.target)
        types = list(std.place_types)
    per_district = counts[types].sum(axis=1)
    return float(per_district.sum() if holder == CITY else per_district[holder])


def _pairs(scenario: Scenario) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Checkpoints per (standard, place type) and district; each pair's points and method.

    A field pair's points per checkpoint are ``w_s * a_st / N_t`` (module
    docstring); a material or survey standard is one pair (place type ``""``),
    ``w_s / N_s``. Negative standards score no points and are left out.
    """
    fw = scenario.framework
    counts = place_counts(scenario)
    residents = _residents(scenario) / RESIDENTS_PER_RATE
    standards = [s for s in _standards(scenario) if not s.negative]
    w = _standard_weights(standards, scenario)
    sample = {t.id: t.sample_per_visit for t in fw.place_types} if fw else {}
    observe = {t.id: t.observations_per_place for t in fw.place_types} if fw else {}
    at_type: dict[str, int] = {}  # field checkpoints at one place of each type
    for s in standards:
        if s.method == "field":
            for t in s.place_types:
                at_type[t] = at_type.get(t, 0) + 1
    keys, rows, weights = [], [], []
    methods: list[str] = []
    for s in standards:
        if s.method != "field":
            keys.append((s.id, ""))
            rows.append(residents)
            weights.append(w[s.id] / residents.sum() if residents.sum() else 0.0)
            methods.append(s.method)
            continue
        mass = {
            t: sample.get(t, 0) * max(1, observe.get(t, 1) // max(at_type[t], 1))
            for t in s.place_types
        }
        total = sum(mass.values())
        for t in s.place_types:
            n_t = float(counts[t].sum())
            keys.append((s.id, t))
            rows.append(counts[t])
            share = mass[t] / total if total else 0.0
            weights.append(w[s.id] * share / n_t if n_t else 0.0)
            methods.append("field")
    index = pd.MultiIndex.from_tuples(keys, names=["standard", "place_type"])
    table = pd.DataFrame(rows, index=index, columns=residents.index, dtype=float)
    if not keys:
        table = pd.DataFrame(index=index, columns=residents.index, dtype=float)
    return (
        table,
        pd.Series(weights, index=index, dtype=float),
        pd.Series(methods, index=index, dtype=object),
    )


def _satisfaction_weight(scenario: Scenario, field_checkpoints: pd.Series) -> pd.Series:
    """Survey points per unit of condition at one field checkpoint, per district."""
    residents = _residents(scenario)
    share = residents / residents.sum() if residents.sum() else residents * 0.0
    per_point = scenario.cycle.survey_points * scenario.simulation.survey.condition_weight
    n = field_checkpoints.reindex(residents.index).fillna(0.0)
    return (per_point * share / n).where(n > 0, 0.0)


def _standard_weights(standards: list[StandardRow], scenario: Scenario) -> pd.Series:
    """``w_s``: each standard's points in the cycle's 100."""
    cycle = scenario.cycle
    method_points = {
        "material": cycle.material_points,
        "field": cycle.field_points,
        "survey": cycle.survey_points,
    }
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
