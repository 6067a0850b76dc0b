"""Trials: a scenario's replications beside a variant's, paired on common random numbers.

A :class:`Trial` holds a prepared scenario, how many replications each arm runs
and the seed; its :meth:`Trial.run` runs replications ``0..reps-1`` of a
variant from that seed, so each differs from the scenario's own replication of
the same number only by the variant (common random numbers).
:func:`directional` compares the two arms on a statistic and passes by a
documented direction: the mean paired difference's 90% confidence interval
(Student's t) wholly on that side of zero. Where the interval holds zero but
its mean lies on the documented side, the comparison is unsure rather than
wrong: both arms run on to ``unsure_reps`` replications and are compared
again, and the record names the replications it rests on. That second look
lets a small true effect pass that ten replications cannot separate from zero
(a one-sided 5% error at each of two looks: under 10% in all). A comparison
known to rest on an effect small beside the noise (a lever's ``replications``
in the checks' data) runs both looks on a multiple of the replications, a
trial's worth at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats

from civsim.errors import CivsimError
from civsim.experiments import Executor, replicate
from civsim.scenario import Scenario
from civsim.sim import Prepared
from civsim.sim.tables import RunResult
from civsim.statistics import STATISTICS

__all__ = [
    "INTERVAL",
    "RECORD_COLUMNS",
    "UNSURE_FACTOR",
    "Trial",
    "directional",
    "interval",
    "record",
]

#: Width of the confidence interval of a mean paired difference.
INTERVAL = 0.90
#: A comparison left unsure runs on to this many times the trial's replications.
UNSURE_FACTOR = 3
#: Columns of the checks' records.
RECORD_COLUMNS = (
    "check",
    "scenario",
    "item",
    "statistic",
    "difference",
    "low",
    "high",
    "reps",
    "passed",
    "asserts",
    "note",
)


@dataclass
class Trial:
    """A prepared scenario with the replications and seed every check of it uses.

    The scenario's own replications are run once, when a check first needs
    them; where a comparison needs more, those beyond are run once for each
    statistic compared and kept as its values only. ``unsure_reps`` is how
    many an unsure comparison runs in all (default ``UNSURE_FACTOR`` x
    ``reps``; ``reps`` itself turns the second look off).
    """

    prep: Prepared
    reps: int
    seed: int
    executor: Executor = "serial"
    workers: int | None = None
    unsure_reps: int | None = None
    _base: RunResult | None = field(default=None, repr=False)
    _more: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def scenario(self) -> Scenario:
        """The scenario under check."""
        return self.prep.scenario

    @property
    def base(self) -> RunResult:
        """The scenario's replications ``0..reps-1``."""
        if self._base is None:
            self._base = self.run(self.prep)
        return self._base

    @property
    def second_look(self) -> int:
        """Replications in all of a comparison left unsure."""
        return UNSURE_FACTOR * self.reps if self.unsure_reps is None else self.unsure_reps

    def run(self, variant: Scenario | Prepared, first: int = 0, n: int | None = None) -> RunResult:
        """Replications ``first..first+n-1`` of a variant (default ``0..reps-1``), from the seed."""
        n = self.reps if n is None else n
        return replicate(
            variant, n, self.seed, self.executor, self.workers, progress=False, first=first
        )

    def statistic(
        self, variant: Scenario | Prepared, statistic: str, first: int, n: int
    ) -> pd.Series:
        """A statistic of a variant's replications ``first..first+n-1``, by replication.

        Run ``reps`` replications at a time, each batch's tables dropped once
        its statistic is read: a comparison on many replications holds no more
        of them at once than the trial's own (a city's orders run to millions a
        replication).
        """
        stat, sc = STATISTICS[statistic], self.scenario
        parts = [
            stat(self.run(variant, start, min(self.reps, first + n - start)), sc)
            for start in range(first, first + n, self.reps)
        ]
        return pd.concat(parts) if parts else pd.Series(dtype=float)

    def base_statistic(self, statistic: str, n: int) -> pd.Series:
        """A statistic of the scenario's replications ``0..n-1``, running on from ``base``.

        The replications beyond ``base`` are run once per statistic and kept as
        that statistic's values only.
        """
        values = STATISTICS[statistic](self.base, self.scenario)
        if n <= self.reps:
            return values.loc[: n - 1]
        more = self._more.get(statistic, pd.Series(dtype=float))
        ran = self.reps + len(more)
        if n > ran:
            more = pd.concat([more, self.statistic(self.prep, statistic, ran, n - ran)])
            self._more[statistic] = more
        return pd.concat([values, more]).loc[: n - 1]


def record(trial: Trial, check: str, asserts: str, **values: Any) -> dict[str, Any]:
    """A check's record of one thing asserted, on the trial's scenario and replications."""
    rec: dict[str, Any] = dict.fromkeys(RECORD_COLUMNS)
    rec.update(check=check, scenario=trial.scenario.name, item="", reps=trial.reps, note="")
    rec.update(asserts=asserts)
    rec.update(values)
    return rec


def interval(diffs: pd.Series, width: float = INTERVAL) -> tuple[float, float, float]:
    """Mean of paired differences and its central confidence interval (Student's t).

    Examples
    --------
    >>> mean, low, high = interval(pd.Series([1.0, 2.0, 3.0]))
    >>> mean, round(low, 3), round(high, 3)
    (2.0, 0.314, 3.686)
    >>> interval(pd.Series([0.5]))
    (0.5, 0.5, 0.5)
    """
    mean = float(diffs.mean())
    if len(diffs) < 2:
        return mean, mean, mean
    t = float(stats.t.ppf(0.5 + width / 2, len(diffs) - 1))
    half = t * float(diffs.std(ddof=1)) / math.sqrt(len(diffs))
    return mean, mean - half, mean + half


#: Whether a comparison passes, by direction, from its interval's ends.
PASSES = {
    "higher": lambda low, high: low > 0,
    "lower": lambda low, high: high < 0,
    "not_higher": lambda low, high: low <= 0,
    "not_lower": lambda low, high: high >= 0,
}


def directional(
    trial: Trial,
    check: str,
    variant: Scenario | Prepared,
    direction: str,
    asserts: str,
    statistic: str = "cycle_score",
    item: str = "",
    base: RunResult | None = None,
    factor: int = 1,
) -> dict[str, Any]:
    """A paired comparison of a variant with the base, passing by ``direction``.

    ``direction`` is ``higher``, ``lower`` (the interval strictly on that side
    of zero), ``not_higher`` (the interval contains zero or lies below it) or
    ``not_lower`` (it contains zero or lies above it: a lever that cannot move
    its statistic where it is saturated, and must never lower it). A
    ``higher`` or ``lower`` comparison against the trial's own base whose
    interval holds zero with its mean on that side runs on to the trial's
    ``second_look`` replications and is decided by them. ``factor`` (against
    the trial's own base only) multiplies both looks' replications: a
    comparison known to rest on a small effect is decided on more.
    """
    stat = STATISTICS[statistic]
    sc = trial.scenario
    if factor != 1 and base is not None:
        raise CivsimError("a comparison against another base runs the trial's replications")
    reps = factor * trial.reps
    try:
        ran = trial.statistic(variant, statistic, 0, reps)
        reference = trial.base_statistic(statistic, reps) if base is None else stat(base, sc)
    except Exception as exc:  # the model failing on the variant is the finding, as in the runs
        return _raised(trial, check, asserts, item, statistic, exc)
    mean, low, high = interval((ran - reference).dropna())
    passed = PASSES[direction](low, high)
    side = {"higher": 1, "lower": -1}.get(direction, 0)
    note, more = "", factor * trial.second_look
    if not passed and base is None and mean * side > 0 and more > reps:
        note = f"unsure with {reps} replications ({low:+.4g} .. {high:+.4g}): decided by {more}"
        try:
            ran = pd.concat([ran, trial.statistic(variant, statistic, reps, more - reps)])
        except Exception as exc:  # as above
            return _raised(trial, check, asserts, item, statistic, exc)
        mean, low, high = interval((ran - trial.base_statistic(statistic, more)).dropna())
        passed = PASSES[direction](low, high)
        reps = more
    return record(
        trial,
        check,
        asserts,
        item=item,
        statistic=statistic,
        difference=mean,
        low=low,
        high=high,
        reps=reps,
        passed=bool(passed),
        note=note,
    )


def _raised(
    trial: Trial, check: str, asserts: str, item: str, statistic: str, exc: Exception
) -> dict[str, Any]:
    """The record of a variant the model failed on: a failed check naming the error."""
    raised = f"the variant's run raised {type(exc).__name__}: {exc}"
    return record(trial, check, asserts, item=item, statistic=statistic, passed=False, note=raised)
