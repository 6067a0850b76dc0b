"""Reality checks: named behavioural assertions about a scenario, on common random numbers.

Each check is a plain function of a :class:`Trial` (a prepared scenario, its
replications and seed) returning tidy records, one per thing asserted:
``check, scenario, item, statistic, difference, low, high, reps, passed,
asserts, note``. Where a check compares a variant with the scenario, both run
replications ``0..reps-1`` from the same seed, so the differences are paired
(common random numbers); ``difference`` is their mean and ``low .. high`` its
90% confidence interval (Student's t over the replications; one replication
gives the single difference).

A directional check passes when the whole interval lies on the documented side
of zero: a difference of exactly zero is not "lower". One left unsure (its
interval holds zero, its mean on the documented side) is decided by three times
the replications (:mod:`civsim.trial`). "Gains nothing" passes
when the interval contains zero or lies below it. The levers, the parameters
inert by design and the parameters that move together are data
(``civsim/data/reality.yaml``): they are facts about the model, shared by
every scenario, and the ``civsim check`` command runs on any scenario folder.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from civsim.errors import CivsimError
from civsim.experiments import Executor
from civsim.inertness import (
    PREDICATES,
    moved_tables,
    reality_data,
)
from civsim.scenario import Cycle, Scenario, override
from civsim.sim import Prepared, prepare
from civsim.sim.tables import RunResult
from civsim.statistics import STATISTICS, holder_backlogs
from civsim.trial import PASSES, RECORD_COLUMNS, Trial, directional, interval, record
from civsim.variants import vary

__all__ = [
    "CHECKS",
    "PREDICATES",
    "RECORD_COLUMNS",
    "STATISTICS",
    "Trial",
    "arithmetic_error",
    "interval",
    "reality_data",
    "run_checks",
    "vary",
]

#: The direction a lever must keep where its data's ``saturated`` predicate holds: it cannot
#: move its statistic there, and must not move it the wrong way.
WEAK = {"higher": "not_lower", "lower": "not_higher", "not_lower": "not_lower",
        "not_higher": "not_higher"}  # fmt: skip
#: "More decay": every standard's daily decay times this.
MORE_DECAY = 1.5
#: "Half the grid workers": grid workers per grid times this.
HALF = 0.5
#: Days the missed surge's window is moved from the inspection's: half a year, the farthest a
#: surge can miss a yearly inspection.
MISS_BY_DAYS = 182
#: "A stricter central office": its pass bar raised by this (condition 0..1).
STRICTER = 0.1
#: "No holder ends the cycle with more open orders than it closes in 30 days" (issue 11).
BACKLOG_WINDOW_DAYS = 30
#: Rounding allowed when scores are recomputed or compared with their points (points).
TOLERANCE = 1e-9


# -- the named checks -------------------------------------------------------------------------


def no_fund(trial: Trial) -> list[dict[str, Any]]:
    """Without the special fund the cycle scores lower (see :func:`no_fund_prep`)."""
    asserts = "no fund scores lower than the fund"
    if trial.scenario.budget is None:
        return [record(trial, "no_fund", asserts, passed=True, note="no fund to remove")]
    return [directional(trial, "no_fund", no_fund_prep(trial.prep), "lower", asserts)]


def no_fund_prep(prep: Prepared) -> Prepared:
    """The scenario with a fund that buys nothing: its allocation emptied.

    The budget section stays: its stated district conditions are also the
    districts' condition on day 0, which removing the section would change.
    A performance-linked policy is held at its first-year policy, so nothing
    is re-allocated during the run.
    """
    sc = prep.scenario
    assert sc.budget is not None  # no_fund checks
    if sc.budget.policy == "performance":
        sc = override(sc, {"budget.policy": sc.budget.first_year_policy})
    return prepare(sc, allocation=prep.allocation.iloc[0:0], city=prep.city)


def no_rectification(trial: Trial) -> list[dict[str, Any]]:
    """Without rectification orders the cycle scores lower."""
    variant = override(trial.scenario, {"simulation.rectification.enabled": False})
    asserts = "no rectification scores lower than rectification"
    return [directional(trial, "no_rectification", variant, "lower", asserts)]


def half_grid_workers(trial: Trial) -> list[dict[str, Any]]:
    """With half the grid workers per grid the cycle scores lower."""
    path = "territory.generator.grid_workers_per_grid"
    asserts = "half the grid workers score lower"
    if trial.scenario.territory.generator is None:
        return [record(trial, "half_grid_workers", asserts, passed=True, note="no generator")]
    variant = vary(trial.scenario, {path: f"x{HALF}"})
    return [directional(trial, "half_grid_workers", variant, "lower", asserts)]


def more_decay(trial: Trial) -> list[dict[str, Any]]:
    """With every standard decaying faster the cycle scores lower."""
    variant = vary(trial.scenario, {"framework.standards.*.decay_per_day": f"x{MORE_DECAY}"})
    return [directional(trial, "more_decay", variant, "lower", "more decay scores lower")]


def missed_surge(trial: Trial) -> list[dict[str, Any]]:
    """A campaign surge aimed at the wrong window gains nothing over normal operation.

    Both arms are the scenario's own campaign settings; the normal arm holds
    effort level, the missed arm surges for a window :data:`MISS_BY_DAYS`
    from the inspection's (see :func:`missed_surge_prep`).
    """
    normal = override(trial.scenario, {"simulation.campaign.mode": "normal"})
    normal_prep = prepare(normal, city=trial.prep.city)
    base = trial.base if trial.scenario == normal else trial.run(normal_prep)
    asserts = "a surge that misses the inspection gains nothing"
    return [
        directional(
            trial, "missed_surge", missed_surge_prep(trial.prep), "not_higher", asserts, base=base
        )
    ]


def missed_surge_prep(prep: Prepared) -> Prepared:
    """The scenario in campaign mode, its surge planned for a window the inspection is not in.

    The city does not know the protocol (``campaign.knows_protocol: false``) and
    believes the window opens :data:`MISS_BY_DAYS` after the evaluator's
    (modulo the year), with no error; the evaluation keeps the scenario's window.
    """
    ev = prep.scenario.simulation.evaluation
    believed = (ev.window_start_day + MISS_BY_DAYS) % prep.scenario.cycle.days_per_year
    sc = override(
        prep.scenario,
        {
            "simulation.campaign.mode": "campaign",
            "simulation.campaign.knows_protocol": False,
            "simulation.campaign.belief_window_start_day": believed,
            "simulation.campaign.belief_window_days": ev.window_days,
            "simulation.campaign.belief_error_days": 0,
        },
    )
    return prepare(sc, city=prep.city)


def stricter_central_office(trial: Trial) -> list[dict[str, Any]]:
    """The central office's pass bar raised by :data:`STRICTER` scores the city lower."""
    sc, asserts = trial.scenario, "a stricter central office scores lower"
    ev = sc.simulation.evaluation
    if ev.delegated_years >= sc.cycle.years:
        return [record(trial, "stricter_central_office", asserts, passed=True, note="no year")]
    bar = min(ev.central.pass_bar + STRICTER, 0.99)
    variant = override(sc, {"simulation.evaluation.central.pass_bar": bar})
    return [directional(trial, "stricter_central_office", variant, "lower", asserts)]


def unannounced_window(trial: Trial) -> list[dict[str, Any]]:
    """Under a surge, the central office's window unannounced costs the city (seed 001).

    Both arms surge knowing the protocol; in the variant the central office does not
    announce its window and the city believes it :data:`MISS_BY_DAYS` away.
    """
    sc, check, asserts = trial.scenario, "unannounced_window", "an unannounced window scores lower"
    ev = sc.simulation.evaluation
    if ev.delegated_years >= sc.cycle.years:
        return [record(trial, check, asserts, passed=True, note="no year")]
    start, days = ev.window(sc.cycle.years)
    moved = (start + MISS_BY_DAYS) % sc.cycle.days_per_year
    camp = dict(mode="campaign", knows_protocol=True, belief_error_days=0)
    camp.update(belief_window_start_day=moved, belief_window_days=days)
    central = "simulation.evaluation.central.announced"
    base = override(sc, {central: True, **{f"simulation.campaign.{k}": v for k, v in camp.items()}})
    ref = trial.run(prepare(base, city=trial.prep.city))
    variant = override(base, {central: False})
    return [directional(trial, check, variant, "lower", asserts, "expected_score", base=ref)]


def index_feedback(trial: Trial) -> list[dict[str, Any]]:
    """With the published index's 比学赶超 feedback the districts draw closer and score higher.

    Both arms publish the index (the scenario's settings); the base without
    feedback, the variant with it (seed 000: 比学赶超的倒逼促进机制).
    """
    path = "simulation.evaluation.civilization_index"
    base = override(trial.scenario, {f"{path}.enabled": True, f"{path}.feedback.enabled": False})
    variant = override(base, {f"{path}.feedback.enabled": True})
    ref = trial.run(prepare(base, city=trial.prep.city))
    return [
        directional(
            trial, "index_feedback", variant, way, f"feedback: {stat} {way}", stat, stat, base=ref
        )
        for stat, way in (("index_spread", "lower"), ("expected_score", "higher"))
    ]


def stricter_recheck(trial: Trial) -> list[dict[str, Any]]:
    """A holder's re-check that strips at once (all but the top place last) shortens its tenure.

    Both arms hold the title (the scenario's holder rules, switched on); in the
    variant every place but the first counts as among the last (the schema's
    most) and one such re-check strips the title (seed 000, docs/domain.md §2:
    titles lost at re-check).
    """
    path = "simulation.evaluation.title_holder"
    base = override(trial.scenario, {f"{path}.enabled": True})
    group = base.simulation.evaluation.title_holder.peer_group_size
    strict = {f"{path}.last_places": group - 1, f"{path}.consecutive_years": 1}
    variant = override(base, strict)
    ref = trial.run(prepare(base, city=trial.prep.city))
    asserts = "a re-check that strips at once: fewer years held"
    return [
        directional(trial, "stricter_recheck", variant, "lower", asserts, "years_held", base=ref)
    ]


def minors_threshold(trial: Trial) -> list[dict[str, Any]]:
    """The minors' threshold raised to the city's own mean score fails the precondition more often.

    Both arms draw the minors' assessment (switched on); in the variant half the
    city's years fall short of the threshold (docs/domain.md §2: 85 to apply).
    """
    path = "simulation.evaluation.minors"
    base = override(trial.scenario, {f"{path}.enabled": True})
    variant = override(base, {f"{path}.threshold": base.simulation.evaluation.minors.mean})
    ref = trial.run(prepare(base, city=trial.prep.city))
    asserts = "a threshold at the city's mean: the precondition passed less often"
    stat = "precondition_passed"
    return [directional(trial, "minors_threshold", variant, "lower", asserts, stat, base=ref)]


def lever_directions(trial: Trial, levers: Sequence[dict] | None = None) -> list[dict[str, Any]]:
    """Every lever of the data moves its statistic in its documented direction.

    A lever whose data names a ``saturated`` predicate (:data:`PREDICATES`) that
    holds in the scenario (it has nothing left to move) need only not move its
    statistic the wrong way (:data:`WEAK`); its record says what was found.
    """
    out = []
    for lever in reality_data()["levers"] if levers is None else levers:
        asserts = (
            f"{lever['path']} {lever['change']} gives a {lever['direction']} "
            f"{lever['statistic']} ({lever['source']})"
        )
        try:
            variant = vary(
                trial.scenario, {lever["path"]: lever["change"], **lever.get("with", {})}
            )
        except AttributeError:
            rec = record(trial, "lever_directions", asserts, item=lever["lever"], passed=True)
            out.append({**rec, "note": f"not applicable: the scenario has no {lever['path']}"})
            continue
        if variant == trial.scenario:  # a switch the scenario has set already
            rec = record(trial, "lever_directions", asserts, item=lever["lever"], passed=True)
            note = f"not applicable: {lever['path']} is already {lever['change'][1:]}"
            out.append({**rec, "note": note})
            continue
        direction, saturated = lever["direction"], None
        if "saturated" in lever:  # a lever with nothing left to move here need only not harm
            saturated = PREDICATES[lever["saturated"]](trial)
            if saturated is not None:
                direction = WEAK[direction]
        rec = directional(
            trial,
            "lever_directions",
            variant,
            direction,
            asserts,
            statistic=lever["statistic"],
            item=lever["lever"],
            factor=int(lever.get("replications", 1)),
        )
        if saturated is not None:
            rec["note"] = f"saturated, so {direction}: {saturated}"
        out.append(rec)
    return out


def no_inert_parameter(trial: Trial, paths: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every scalar parameter, moved (:func:`.inertness.perturbations`), changes some result table.

    See :func:`civsim.inertness.moved_tables`: one replication (0) at the
    trial's seed, each parameter moved one way, then the other where nothing
    moved; inert by design, or inert here for a reason the data names and the
    check verifies, passes with the reason.
    """

    def record_of(path: str) -> dict[str, Any]:
        rec = record(trial, "no_inert_parameter", f"moving {path} changes some result table")
        return {**rec, "item": path, "reps": 1, "statistic": "tables moved"}

    return moved_tables(trial, record_of, paths)


def arithmetic_error(result: RunResult, cycle: Cycle, minors_weight: float = 0.0) -> float:
    """The largest error (points) of the annual and cycle scores, recomputed from their parts.

    A year is material + field + survey less deductions (never below zero);
    with the minors' assessment weighed in at ``minors_weight``, the parts
    carry ``1 - minors_weight`` of the total and the minors' score the rest
    (:func:`civsim.scoring.minors_total`); the cycle is the years' scores
    weighed by ``cycle.year_weights``.

    Examples
    --------
    >>> from civsim.scenario import Cycle
    >>> from civsim.sim.tables import TABLES
    >>> ann = pd.DataFrame({"replication": 0, "year": [1, 2, 3], "material": 40.0,
    ...                     "field": 30.0, "survey": 20.0, "deductions": 0.0, "score": 90.0})
    >>> cyc = pd.DataFrame({"replication": [0], "cycle_score": [90.0]})
    >>> r = RunResult(**{**dict.fromkeys(TABLES, pd.DataFrame()), "annual": ann, "cycle": cyc})
    >>> arithmetic_error(r, Cycle())
    0.0
    """
    ann = result.annual.sort_values(["replication", "year"])
    parts = ann["material"] + ann["field"] + ann["survey"]
    if minors_weight:
        parts = (1 - minors_weight) * parts + minors_weight * ann["minors"]
    parts = parts - ann["deductions"]
    year_err = (ann["score"] - parts.clip(lower=0)).abs()
    weights = ann["year"].map(dict(enumerate(cycle.year_weights, start=1)))
    weighed = (ann["score"] * weights).groupby(ann["replication"]).sum()
    cycle_err = (result.cycle.set_index("replication")["cycle_score"] - weighed).abs()
    return max(float(year_err.max()), float(cycle_err.max()))


def official_arithmetic(trial: Trial) -> list[dict[str, Any]]:
    """Each year is material + field + survey less deductions; the cycle weighs the years."""
    cyc, minors = trial.scenario.cycle, trial.scenario.simulation.evaluation.minors
    weight = minors.weight if minors.enabled else 0.0
    worst = arithmetic_error(trial.base, cyc, weight)
    points = f"{cyc.material_points:g}/{cyc.field_points:g}/{cyc.survey_points:g}"
    if weight:
        points = f"{1 - weight:.0%} of {points} and {weight:.0%} the minors' score,"
    split = "/".join(f"{w:.0%}" for w in cyc.year_weights)
    asserts = f"the year is {points} points less deductions; the cycle weighs the years {split}"
    rec = record(trial, "official_arithmetic", asserts, statistic="largest error (points)")
    return [{**rec, "difference": worst, "passed": worst <= TOLERANCE}]


def scores_within_points(trial: Trial) -> list[dict[str, Any]]:
    """Every part, year, cycle and shadow score stays within its points."""
    cyc, r = trial.scenario.cycle, trial.base
    limits = {"material": cyc.material_points, "field": cyc.field_points}
    limits.update(survey=cyc.survey_points, score=100.0)
    # TOLERANCE: full marks summed over standards in floating point (40.00000000000002)
    outside = {k: _outside(r.annual[k], v + TOLERANCE) for k, v in limits.items()}
    outside["satisfaction"] = _outside(r.annual["satisfaction"], 1.0)
    outside["cycle_score"] = _outside(r.cycle["cycle_score"], 100.0 + TOLERANCE)
    sh = r.shadow[r.shadow["district"] == "city"]
    totals = sh.groupby(["replication", "day", "method"], observed=True)["score"].sum()
    shadow_limit = totals.index.get_level_values("method").map(
        {"material": cyc.material_points, "field": cyc.field_points, "survey": cyc.survey_points}
    )
    outside["shadow"] = _outside(totals, np.asarray(shadow_limit) + TOLERANCE)
    bad = {k: v for k, v in outside.items() if v}
    asserts = "every score stays within its points (and satisfaction within 0..1)"
    rec = record(trial, "scores_within_points", asserts, statistic="scores outside")
    note = ", ".join(f"{k} {v}" for k, v in bad.items()) or "none outside"
    return [{**rec, "difference": sum(bad.values()), "passed": not bad, "note": note}]


def backlogs_close(trial: Trial) -> list[dict[str, Any]]:
    """No holder ends the cycle with more open orders than it closes in its last 30 days.

    Per holder, the paired difference is, in each replication, its open orders at the end
    less its closures of the last :data:`BACKLOG_WINDOW_DAYS` days
    (:func:`civsim.statistics.holder_backlogs`); a holder fails where the whole
    interval lies above zero (more open than it closes, beyond chance). One record:
    the holder with the highest interval, the failing ones named in the note, and how
    many holder-replications ended above their closures, with how many of their open
    orders still waited for cooperating units (orders in flight, not a backlog).
    """
    table = holder_backlogs(trial.base, trial.scenario, BACKLOG_WINDOW_DAYS)
    asserts = (
        f"no holder ends the cycle with more open orders than it closes "
        f"in {BACKLOG_WINDOW_DAYS} days"
    )
    statistic = f"open orders at the end less closed in the last {BACKLOG_WINDOW_DAYS} days"
    rec = record(trial, "backlogs_close", asserts, statistic=statistic)
    if table.empty:  # no orders: nothing can be left open
        return [{**rec, "difference": 0.0, "low": 0.0, "high": 0.0, "passed": True,
                 "note": "no orders"}]  # fmt: skip
    by_unit = {
        str(unit): interval(t["excess"].astype(float))
        for unit, t in table.groupby("unit", observed=True)
    }
    worst = max(by_unit, key=lambda u: (by_unit[u][1], by_unit[u][0]))
    mean, low, high = by_unit[worst]
    failing = [u for u, (_, lo, hi) in by_unit.items() if not PASSES["not_higher"](lo, hi)]
    above = table[table["excess"] > 0]
    mine = table[table["unit"] == worst]
    note = (
        f"{len(by_unit)} holders; {worst}: {mine['open'].mean():.1f} open, "
        f"{mine['closed'].mean():.1f} closed in {BACKLOG_WINDOW_DAYS} days (means); "
        f"{len(above)} holder-replications above their closures, "
        f"{int(above['waiting'].sum())} of their {int(above['open'].sum())} open orders "
        f"waiting for cooperating units"
    )
    if failing:
        note = f"above beyond chance: {', '.join(failing)}; " + note
    return [{**rec, "item": worst, "difference": mean, "low": low, "high": high,
             "passed": not failing, "note": note}]  # fmt: skip


def _outside(values: pd.Series, top: Any) -> int:
    """How many values lie outside ``0 .. top``."""
    return int(((values < 0) | (values > top)).sum())


#: The checks by name, in the order they run.
CHECKS: dict[str, Callable[[Trial], list[dict[str, Any]]]] = {
    "no_fund": no_fund,
    "no_rectification": no_rectification,
    "half_grid_workers": half_grid_workers,
    "more_decay": more_decay,
    "missed_surge": missed_surge,
    "lever_directions": lever_directions,
    "no_inert_parameter": no_inert_parameter,
    "official_arithmetic": official_arithmetic,
    "scores_within_points": scores_within_points,
    "backlogs_close": backlogs_close,
    "stricter_central_office": stricter_central_office,
    "unannounced_window": unannounced_window,
    "index_feedback": index_feedback,
    "stricter_recheck": stricter_recheck,
    "minors_threshold": minors_threshold,
}


def run_checks(
    scenario: Scenario | Prepared,
    reps: int = 10,
    seed: int | None = None,
    only: Sequence[str] | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run the named checks on a scenario; one record per thing asserted.

    Parameters
    ----------
    scenario : Scenario or Prepared
    reps : int
        Replications of each arm, >= 1.
    seed : int, optional
        Master seed of every arm (the scenario's own when not given).
    only : sequence of str, optional
        Names of :data:`CHECKS` to run (default: all).
    executor, workers
        As for :func:`civsim.experiments.replicate`.
    progress : bool, optional
        Say on stderr which check runs and how long each took (a whole scenario
        takes minutes, the inert-parameter check most of them); by default only
        when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RECORD_COLUMNS`.

    Raises
    ------
    CivsimError
        If a name is not a check, or ``reps`` < 1.
    """
    names = list(CHECKS) if not only else list(only)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise CivsimError(f"unknown checks {', '.join(unknown)}; known: {', '.join(CHECKS)}")
    if reps < 1:
        raise CivsimError(f"replications must be at least 1, got {reps}")
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    seed = prep.scenario.seed if seed is None else seed
    trial = Trial(prep, reps, seed, executor, workers)
    show = sys.stderr.isatty() if progress is None else progress
    records: list[dict[str, Any]] = []
    with tqdm(names, desc=prep.scenario.name, unit="check", disable=not show) as bar:
        for name in bar:
            bar.set_postfix_str(name)
            start = time.perf_counter()
            found = CHECKS[name](trial)
            if show:
                failed = sum(not rec["passed"] for rec in found)
                bar.write(
                    f"{prep.scenario.name}: {name} {time.perf_counter() - start:.0f} s, "
                    f"{len(found) - failed} passed, {failed} failed",
                    file=sys.stderr,
                )
            records.extend(found)
    return pd.DataFrame(records, columns=list(RECORD_COLUMNS))
