"""Civilized-behaviour regulations (文明行为促进条例): enforcement slows decay at public places.

The enforcing units (城管, 交警: ``enforcing_units``) put ``enforcement_share``
of their campaign staff's hours on enforcing the regulations at public places
(``place_types``). Those hours are split over the districts by their public
places; funded ``enforcement`` lines add hours in their districts. Once a
month (enforcement plans are monthly: a weekly update cost four times the
time for a cut that moves slowly) each district's intensity (hours a week per
1,000 public places) sets the share of decay it removes at its public places,
:meth:`civsim.scenario.schema.regulations.Regulations.decay_cut`, growing as
residents learn the rules (``habit_half_life_days`` from day 0). The cut is
one more factor of the upkeep mechanism's decay multiplier
(:class:`.decay_cut.DecayCut`), so the daily pass is unchanged.

Enforcement takes staff time: at setup the routine upkeep of every checkpoint
an enforcing unit leads is scaled by ``1 - routine_weight * share / (1 -
staff_share)`` (the rectification review's rule for staff moved to orders,
:mod:`.backlog`), so the regulations pay for themselves only where deterrence
outweighs the routine work lost. It draws no random numbers. Parameters:
``simulation.regulations``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.scenario.schema.regulations import PLACES_PER_INTENSITY
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms.decay_cut import DecayCut, exposed
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "RegulationPart", "RegulationState", "routine_factor"]


@dataclass(frozen=True)
class RegulationPart:
    """What every replication shares.

    Attributes
    ----------
    public : list of numpy.ndarray
        Each district's field checkpoints at public places.
    reached : list of numpy.ndarray
        Those a funded ``decay`` line can reach (:func:`.decay_cut.exposed`).
    places : numpy.ndarray
        Each district's public places.
    base_hours : numpy.ndarray
        Each district's enforcement hours a week from the units' staff.
    led : numpy.ndarray
        The checkpoints the enforcing units lead (their routine work pays for enforcement).
    routine : float
        The factor on those checkpoints' routine upkeep (:func:`routine_factor`).
    """

    public: list[np.ndarray]
    reached: list[np.ndarray]
    places: np.ndarray
    base_hours: np.ndarray
    led: np.ndarray
    routine: float


@dataclass
class RegulationState:
    """One replication's decay cuts by district, and funded hours running.

    Attributes
    ----------
    cuts : list of DecayCut
        Each district's cut of decay at its public places (:mod:`.decay_cut`).
    funded : list of (numpy.ndarray, int)
        Funded hours a week by district, and the day they end.
    """

    cuts: list[DecayCut]
    funded: list[tuple[np.ndarray, int]] = field(default_factory=list)

    @property
    def cut(self) -> np.ndarray:
        """Share of decay removed at each district's public places this month."""
        return np.array([c.cut for c in self.cuts])


def routine_factor(share: float, routine_weight: float, staff_share: float) -> float:
    """The factor on a unit's routine upkeep when ``share`` of its staff's hours go elsewhere.

    The rectification review's rule for staff moved to orders (:mod:`.backlog`):
    ``1 - routine_weight * share / (1 - staff_share)``, the share capped at what
    routine work has.

    Examples
    --------
    >>> routine_factor(0.1, 0.3, 0.5)
    0.94
    >>> routine_factor(0.8, 0.3, 0.5)  # all routine staff moved
    0.7
    """
    if staff_share >= 1:
        return 1.0  # no routine work to take staff from
    moved = min(share / (1.0 - staff_share), 1.0)
    return round(1.0 - routine_weight * moved, 12)


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.regulations.enabled


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> RegulationPart:
    reg = scenario.simulation.regulations
    ckp = city.checkpoints
    is_public = ckp.field & np.isin(
        ckp.place_type, np.flatnonzero(np.isin(ckp.place_types, reg.place_types))
    )
    public = [np.flatnonzero(is_public[sl]) + sl.start for sl in ckp.district_slices]
    places = np.array([len(np.unique(ckp.place[idx])) for idx in public], dtype=float)
    staff = sum(u.staff for u in scenario.organisation.units if u.id in reg.enforcing_units)
    hours = reg.hours_per_week(
        staff, scenario.workload.hours_per_staff_year, scenario.cycle.days_per_year
    )
    share = places / places.sum() if places.sum() > 0 else places
    rect = scenario.simulation.rectification
    units = np.flatnonzero(np.isin(ckp.units, reg.enforcing_units))
    return RegulationPart(
        public=public,
        reached=[exposed(scenario, ckp, idx) for idx in public],
        places=places,
        base_hours=hours * share,
        led=np.flatnonzero(np.isin(ckp.unit, units)),
        routine=routine_factor(reg.enforcement_share, rect.routine_weight, rect.staff_share),
    )


def _setup(run: Run) -> RegulationState:
    part: RegulationPart = run.part("regulations")
    # the staff on enforcement come out of the enforcing units' routine work
    run["upkeep"].upkeep[part.led] *= np.float32(part.routine)
    cuts = [DecayCut.listed(run, i, r) for i, r in zip(part.public, part.reached, strict=True)]
    return RegulationState(cuts=cuts)


def intensity(run: Run, day: int) -> np.ndarray:
    """Each district's enforcement hours a week per 1,000 public places on ``day``."""
    part: RegulationPart = run.part("regulations")
    st: RegulationState = run["regulations"]
    st.funded = [(h, end) for h, end in st.funded if end > day]
    hours = part.base_hours + sum((h for h, _ in st.funded), np.zeros(len(part.places)))
    per = part.places / PLACES_PER_INTENSITY
    return np.divide(hours, per, out=np.zeros_like(hours), where=per > 0)


def enforcement(env: simpy.Environment, run: Run) -> Process:
    """Each month, set the decay cut at every district's public places from its enforcement."""
    reg = run.params.regulations
    st: RegulationState = run["regulations"]
    while env.now < run.days:
        day = int(env.now)
        habit = reg.habit(day)
        for d, x in enumerate(intensity(run, day)):
            st.cuts[d].set(run, reg.decay_cut(float(x), habit))
        yield env.timeout(run.month_days)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(enforcement(env, run))


def _fund(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """An ``enforcement`` line adds ``effect_size`` hours a unit over its duration.

    The hours go to the line's districts by their public places (a district
    line: its own district).
    """
    part: RegulationPart = run.part("regulations")
    places = np.zeros(len(part.places))
    places[d.district_index] = part.places[d.district_index]
    if places.sum() <= 0:
        return
    per_week = units * d.size * WEEK / d.duration_days
    run["regulations"].funded.append((per_week * places / places.sum(), end))


MECHANISM = Mechanism(
    "regulations",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    effects={"enforcement": _fund},
    enabled=_on,
)
