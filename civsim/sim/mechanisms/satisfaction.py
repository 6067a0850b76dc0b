"""Residents' satisfaction, which the questionnaire reads.

Satisfaction (0..1) per district is ``base_satisfaction + condition_weight *
(field condition - reference_condition) - wait_penalty_per_day * mean wait for
volunteer help over the last quarter + publicity``, clipped to 0..1: the
condition residents see, the service they got (:mod:`.volunteers`) and what
publicity adds. Fundable effect: ``publicity`` (a lift of satisfaction that
fades over the line's duration). Parameters: ``simulation.survey``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "SatisfactionPart", "SatisfactionState", "district_means", "satisfaction"]

#: Days of waiting residents remember (about a quarter).
WAIT_MEMORY_DAYS = 90


@dataclass(frozen=True)
class SatisfactionPart:
    """What every replication shares: each survey item's share of the survey points."""

    item_shares: pd.Series


@dataclass
class SatisfactionState:
    """Satisfaction added per district and day (publicity), on top of the rest."""

    boost: np.ndarray


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> SatisfactionPart:
    """Each item's share of the survey points (by its survey standards' points)."""
    fw = city.framework
    rows = [(s.content, s.points) for s in fw.standards if s.method == "survey" and not s.negative]
    if not rows:
        return SatisfactionPart(pd.Series(dtype=float))
    item_of = {c.id: c.item for c in fw.contents}
    pts = (
        pd.Series([p for _, p in rows], index=[item_of[c] for c, _ in rows]).groupby(level=0).sum()
    )
    return SatisfactionPart(pts / pts.sum())


def _setup(run: Run) -> SatisfactionState:
    return SatisfactionState(boost=np.zeros((len(run.ckp.districts), run.days + 1)))


def district_means(run: Run, type_means: np.ndarray) -> np.ndarray:
    """Mean field condition per district from its means per place type (recorded rows)."""
    count = run.ckp.condition_count.reshape(len(run.ckp.districts), -1)
    total = (type_means.reshape(count.shape) * count).sum(axis=1)
    n = count.sum(axis=1)
    reference = run.params.survey.reference_condition
    return np.divide(total, n, out=np.full(len(n), reference), where=n > 0)


def satisfaction(run: Run, day: int, field_mean: np.ndarray | None = None) -> np.ndarray:
    """Residents' satisfaction (0..1) per district on ``day``.

    ``field_mean`` is each district's mean field condition as residents see
    it; computed from the state when not given.
    """
    sv = run.params.survey
    if field_mean is None:
        field_mean = district_means(run, run.state.record(run.ckp)[run.ckp.shadow_rows :])
    mean_wait = np.zeros(len(run.ckp.districts))
    if "volunteers" in run:  # nobody waits for a service that does not run
        vol = run["volunteers"]
        lo = max(0, day - WAIT_MEMORY_DAYS)
        served = vol.served[:, lo : day + 1].sum(axis=1)
        mean_wait = np.divide(
            vol.wait_sum[:, lo : day + 1].sum(axis=1),
            served,
            out=mean_wait,
            where=served > 0,
        )
    boost: SatisfactionState = run["satisfaction"]
    sat = (
        sv.base_satisfaction
        + sv.condition_weight * (field_mean - sv.reference_condition)
        - sv.wait_penalty_per_day * mean_wait
        + boost.boost[:, min(day, run.days)]
    )
    return np.clip(sat, 0.0, 1.0)


def _publicity(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``publicity`` line lifts satisfaction by ``effect_size``, fading over its duration."""
    fade = np.linspace(1.0, 0.0, end - day, endpoint=False)
    run["satisfaction"].boost[d.district_index, day:end] += units * d.size * fade


def _finish(run: Run) -> None:
    run.records.survey_item_shares = run.part("satisfaction").item_shares


MECHANISM = Mechanism(
    "satisfaction",
    prepare=_prepare,
    setup=_setup,
    finish=_finish,
    effects={"publicity": _publicity},
)
