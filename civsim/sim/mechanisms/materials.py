"""Materials from work: documentation that lead units keep up, submit, and the review samples.

Each material checkpoint is a material standard's dossier (台账) at its lead
unit; its condition is the dossier's completeness (0..1). Every week the
dossier goes stale and its unit's documentation work builds it up::

    c <- min(1, c * s + r * k * (1 - s)),   s = 2 ** (-days / stale_half_life_days)

where ``k`` is the week's campaign effort level (:mod:`.campaign`, mean 1) and
``r`` the share of the hours the dossier needs that its unit gives at normal
effort: the unit's campaign staff x ``documentation_share`` x
``workload.hours_per_staff_year``, shared equally among the material
standards it leads, over ``hours_per_standard_year``. Held at effort ``k`` a
dossier settles at ``min(1, r k)``: more staff or a surge raise it, up to
complete, and without work it fades by half every ``stale_half_life_days``.

Each year a dossier is submitted on its deadline (``deadlines`` by standard,
then by item, else ``deadline_day``). The material review (材料审核,
docs/domain.md §2), on each of ``review_days``, reads every dossier as
submitted (as it stands, if its deadline has not passed) and samples
``documents_sampled`` documents of each from its own stream,
``material_review`` (:func:`civsim.scoring.material_review`); the year's
material score is the mean of its reviews. The mock tests still review every
dossier (:mod:`.detection`): an incomplete one gets an order whose closure
brings it to the fixed condition. While this mechanism runs, the daily upkeep
pass leaves the material checkpoints alone. Parameters: ``simulation.materials``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from civsim import scoring
from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import WEEK, Run
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "MaterialsPart", "MaterialsState", "review", "review_days"]


@dataclass(frozen=True)
class MaterialsPart:
    """What every replication shares: the dossiers and their work, deadline and points.

    Attributes
    ----------
    idx : numpy.ndarray of int
        The material checkpoints (one dossier each).
    target : numpy.ndarray of float
        Hours the lead unit gives each dossier at normal effort over the hours
        it needs (``r``; above 1 the unit has hours to spare).
    deadline : numpy.ndarray of int
        Day of the year each dossier is submitted (within the year).
    weights : numpy.ndarray of float
        Each dossier's points in the review (they add up to the material points).
    """

    idx: np.ndarray
    target: np.ndarray
    deadline: np.ndarray
    weights: np.ndarray


@dataclass
class MaterialsState:
    """One replication's dossiers: as submitted, and the work they get.

    Attributes
    ----------
    submitted : numpy.ndarray
        Each dossier's completeness as submitted on its last deadline (NaN before the first).
    target : numpy.ndarray
        Each dossier's ``r``: the part's, plus what other mechanisms' work adds
        (the creation activities' records, :mod:`.creation`).
    """

    submitted: np.ndarray
    target: np.ndarray


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> MaterialsPart:
    mat = scenario.simulation.materials
    ckp = city.checkpoints
    idx = np.flatnonzero(~ckp.field)
    unit = ckp.unit[idx]
    n_units = len(ckp.units)
    # holders are the lead units, then the districts' street offices
    staff = ckp.holder_staff[:n_units]
    led = np.bincount(unit, minlength=n_units)
    hours = staff[unit] * mat.documentation_share * scenario.workload.hours_per_staff_year
    weights = ckp.weights.get("material:city")
    points = (
        np.asarray(weights[0].sum(axis=0), dtype=np.float64).ravel()[idx]
        if weights is not None
        else np.zeros(len(idx))
    )
    if points.sum() > 0:
        # the shadow's float32 weights add up to the material points only to 1e-7: full
        # marks would read 40.0000004; the dossiers' points add up to them exactly
        points *= scenario.cycle.material_points / points.sum()
    return MaterialsPart(
        idx=idx,
        target=hours / np.maximum(led[unit], 1) / mat.hours_per_standard_year,
        deadline=np.minimum(
            _deadlines(scenario, ckp.standards[ckp.standard[idx]]),
            scenario.cycle.days_per_year - 1,
        ),
        weights=points,
    )


def _deadlines(scenario: Scenario, standards: np.ndarray) -> np.ndarray:
    """Each standard's submission day: its own entry, else its item's, else the default."""
    mat = scenario.simulation.materials
    fw = scenario.framework
    item_of_content = {c.id: c.item for c in fw.contents} if fw else {}
    item_of = {s.id: item_of_content.get(s.content) for s in fw.standards} if fw else {}
    ids = pd.Series(standards, dtype=object)
    due = ids.map(mat.deadlines).fillna(ids.map(item_of).map(mat.deadlines))
    return due.fillna(mat.deadline_day).to_numpy(dtype=np.int64)


def _setup(run: Run) -> MaterialsState:
    part: MaterialsPart = run.part("materials")
    if "upkeep" in run:
        # the daily pass keeps the dossiers as they are: this mechanism moves them
        up = run["upkeep"]
        up.upkeep[part.idx] = 0.0
        up.keep[part.idx] = 1.0
    return MaterialsState(submitted=np.full(len(part.idx), np.nan), target=part.target.copy())


def documentation(env: simpy.Environment, run: Run) -> Process:
    """Each week every dossier goes stale and its unit's documentation work builds it up."""
    mat = run.params.materials
    part: MaterialsPart = run.part("materials")
    st: MaterialsState = run["materials"]
    effort = run["campaign"].effort  # delivered effort: planned, less fatigue
    c = run.state.condition
    while env.now < run.days:
        day = int(env.now)
        days = min(WEEK, run.days - day)
        stay = 2.0 ** (-days / mat.stale_half_life_days)
        grown = c[part.idx] * stay + st.target * effort[day] * (1.0 - stay)
        c[part.idx] = np.minimum(grown, 1.0)
        yield env.timeout(days)


def submissions(env: simpy.Environment, run: Run) -> Process:
    """On each deadline of each year, the dossiers due are submitted as they stand.

    A dossier is submitted at the close of its deadline day: after the work
    done that day (a week's documentation starting that day included).
    """
    part: MaterialsPart = run.part("materials")
    st: MaterialsState = run["materials"]
    for year in range(run.scenario.cycle.years):
        start = year * run.days_per_year
        for day in np.unique(part.deadline):
            yield env.timeout(max(0, start + int(day) - env.now))
            # behind every step already due today
            yield env.timeout(0)
            due = part.deadline == day
            st.submitted[due] = run.state.effective(part.idx[due])


def review_days(scenario: Scenario) -> tuple[int, ...]:
    """The days of the year the material review comes.

    This mechanism's ``review_days`` while it is switched on, else the
    evaluation's ``material_review_day``.
    """
    sim = scenario.simulation
    return (
        sim.materials.review_days
        if sim.materials.enabled
        else (sim.evaluation.material_review_day,)
    )


def review(run: Run, weights: Any) -> tuple[float, float]:
    """Today's material review: its score and the mean completeness it read.

    While this mechanism runs, the review reads each dossier as submitted on
    its deadline (as it stands today if the deadline is today or later) and
    samples its documents (:func:`civsim.scoring.material_review`). Switched
    off, it reads the material checkpoints' condition today and scores their
    weighted sum (``weights``: the ``material:city`` matrix and its groups, or
    None without material standards), without sampling.
    """
    if "materials" not in run:
        c = run.state.effective()
        material = c[~run.ckp.field]
        score = float((weights[0] @ c).sum()) if weights is not None else 0.0
        return score, float(material.mean()) if len(material) else 0.0
    mat = run.params.materials
    part: MaterialsPart = run.part("materials")
    st: MaterialsState = run["materials"]
    today = int(run.env.now) % run.days_per_year
    read = np.where(part.deadline < today, st.submitted, run.state.effective(part.idx))
    score = scoring.material_review(
        read,
        part.weights,
        mat.documents_sampled,
        run.rng("material_review"),
        pass_bar=mat.pass_bar if mat.review_rule == "bar" else None,
        spread=mat.documents_spread,
    )
    return score, float(read.mean()) if len(read) else 0.0


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(documentation(env, run))
    env.process(submissions(env, run))


MECHANISM = Mechanism(
    "materials",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    streams=("material_review",),
    enabled=lambda scenario: scenario.simulation.materials.enabled,
)
