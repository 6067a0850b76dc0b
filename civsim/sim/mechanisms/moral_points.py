"""Moral points (道德积分): participants keep their places up, like them more, and cost yuan.

Once a month the share of residents taking part
(:meth:`civsim.scenario.schema.moral_points.MoralPoints.participation`, at
mid-month) sets the cut of decay at the places where residents live
(``place_types``: a factor of the upkeep mechanism's decay multiplier,
:class:`.decay_cut.DecayCut`) and the lift of residents' satisfaction over the
month (the satisfaction mechanism's ``boost``, as publicity lifts it,
remembered with its half-life; laid down at setup, the share being known).
The points redeemed that month are paid: rows of the ``spend`` table (line
``moral_points``, by district), so a comparison prices the scheme in its
extra yuan. The same share in every
district (the scheme is the city's). It draws no random numbers.
Parameters: ``simulation.moral_points``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.mechanisms.decay_cut import DecayCut, exposed
from civsim.sim.registry import Mechanism, Process

__all__ = ["LINE", "MECHANISM", "NAME", "PointsState", "points"]

#: The ``line`` of the scheme's rows in the ``spend`` table.
LINE = "moral_points"
#: The mechanism's name (``run[NAME]``): ``moral_points`` is the name of the worked example of
#: a mechanism of one's own (``docs/architecture.md``, ``tests/test_mechanisms.py``).
NAME = "moral_point_scheme"


@dataclass
class PointsState:
    """One replication's cut of decay at the participants' places, and the share taking part."""

    cut: DecayCut
    share: float = 0.0


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.moral_points.enabled


def _prepare(
    scenario: Scenario, city: City, allocation: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The field checkpoints at the places where participants live; those funded lines reach."""
    ckp = city.checkpoints
    types = np.flatnonzero(np.isin(ckp.place_types, scenario.simulation.moral_points.place_types))
    lived = np.flatnonzero(ckp.field & np.isin(ckp.place_type, types))
    return lived, exposed(scenario, ckp, lived)


def _setup(run: Run) -> PointsState:
    mp = run.params.moral_points
    if "satisfaction" in run:  # the lift of every month, laid down before anyone looks
        boost = run["satisfaction"].boost
        for day in range(0, run.days, run.month_days):
            share = mp.participation(day + run.month_days / 2)
            boost[:, day : day + run.month_days] += mp.satisfaction_at_full * share
    lived, reached = run.part(NAME)
    return PointsState(cut=DecayCut.listed(run, lived, reached))


def points(env: simpy.Environment, run: Run) -> Process:
    """Each month: who takes part, the cut and the lift they bring, and the yuan redeemed."""
    mp = run.params.moral_points
    st: PointsState = run[NAME]
    residents = run.ckp.district_population.astype(float)
    while env.now < run.days:
        day = int(env.now)
        end = min(day + run.month_days, run.days)
        st.share = mp.participation(day + run.month_days / 2)
        st.cut.set(run, mp.decay_cut_at_full * st.share)
        yuan = residents * st.share * mp.yearly_value() * (end - day) / run.days_per_year
        run.pay(day, LINE, np.rint(yuan).astype(np.int64))
        yield env.timeout(run.month_days)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(points(env, run))


MECHANISM = Mechanism(NAME, prepare=_prepare, setup=_setup, start=_start, enabled=_on)
