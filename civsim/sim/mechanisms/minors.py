"""The minors' moral-education assessment (未成年人思想道德建设测评): a precondition and a part.

At each year's end, after the evaluation has scored the year, the minors'
score (of 100) is drawn around its mean (:func:`minors_score`) from its own
stream; the year passes the precondition at the threshold or above, and its
total becomes ``(1 - weight) x (material + field + survey) + weight x minors``
less the deductions (:func:`civsim.scoring.minors_total`). After the cycle,
the cycle's minors score weighs the years as the cycle score does; below the
threshold the nominee cannot apply, so it wins no title (docs/domain.md §2).
A holder's re-check reads each year's pass (:mod:`.title_holder`).
Parameters: ``simulation.evaluation.minors``; off by default.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from civsim import scoring
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism
from civsim.sums import weighted_sum

__all__ = ["MECHANISM", "minors_score"]

#: The minors' framework is scored out of this many points (docs/domain.md §2).
FULL_MARKS = 100.0


def minors_score(mean: float, sd: float, rng: np.random.Generator) -> float:
    """One year's minors' score: normal around ``mean`` with ``sd``, kept within 0..100.

    One uniform per year, whatever the parameters (common random numbers).

    Examples
    --------
    >>> minors_score(90.0, 0.0, np.random.default_rng(0)), minors_score(99.0, 50.0,
    ...     np.random.default_rng(0)) <= 100.0
    (90.0, True)
    """
    z = float(stats.norm.ppf(rng.random()))
    return float(np.clip(mean + sd * z, 0.0, FULL_MARKS))


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.evaluation.minors.enabled


def _year_end(run: Run, year: int) -> None:
    """Draw the year's minors' score, check it, and weigh it into the year's total."""
    mn = run.params.evaluation.minors
    row = run.records.annual[-1]
    score = minors_score(mn.mean, mn.sd, run.rng("minors"))
    parts = row["material"] + row["field"] + row["survey"]
    row.update(
        minors=score,
        precondition_passed=score >= mn.threshold,
        score=scoring.minors_total(parts, score, mn.weight, row["deductions"]),
    )


def _finish(run: Run) -> None:
    """The cycle's minors score and precondition; below it, no title."""
    mn = run.params.evaluation.minors
    weights = np.asarray(run.scenario.cycle.year_weights)
    score = weighted_sum([r["minors"] for r in run.records.annual], weights)
    cycle = run.records.cycle
    passed = score >= mn.threshold
    cycle.update(minors=score, precondition_passed=passed, title=bool(cycle["title"] and passed))


MECHANISM = Mechanism(
    "minors", enabled=_on, year_end=_year_end, finish=_finish, streams=("minors",)
)
