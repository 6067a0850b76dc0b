"""Mobilisation (全民参与): awareness and participation, raised by activities and publicity.

Once a month each district's awareness ``a`` and participation ``p`` move by
:meth:`civsim.scenario.schema.mobilisation.Mobilisation.step`: the month's
mass activities reach residents, and so does the month's publicity, read
from the satisfaction mechanism's ``boost`` (the lift the fundable
``publicity`` effect lays down, :mod:`.satisfaction`, less this mechanism's
own lift; moral points' lift, laid there too, counts as publicity), so a
publicity line the fund buys raises awareness too. Without
activities both fall back to their initial levels. For the month that follows
(from the next day, so no day the satisfaction memory or the volunteer
centres have read changes):

- residents' reports: :mod:`.detection`'s ``report_factor`` is the
  residents-weighted mean of ``1 + report_elasticity (a / a0 - 1)``;
- volunteers: each district's volunteer-hours (:mod:`.volunteers`) rise by
  ``volunteer_hours_per_participant_day`` per resident taking part above ``p0``
  (their spare hours go to civility work, as every volunteer hour);
- satisfaction: the ``boost`` rises by ``satisfaction_per_participation``
  times ``p - p0``.

The activities are paid month by month (``spend`` rows, line
``mobilisation``, by district). Each month the residents aware and taking part
city-wide are counted (events ``residents_aware``, ``residents_taking_part``:
a monthly census, not a daily tally); :func:`mobilisation_table` gives the
rates over time. It draws no random numbers. Parameters:
``simulation.mobilisation``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.scenario import Scenario
from civsim.scenario.schema.mobilisation import RESIDENTS_PER_RATE
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism, Process
from civsim.sim.tables import RunResult
from civsim.sums import weighted_sum

__all__ = ["AWARE", "LINE", "MECHANISM", "TAKING_PART", "MobilisationState", "mobilisation_table"]

#: The ``line`` of the activities' rows in the ``spend`` table.
LINE = "mobilisation"
#: Event kinds of the monthly census: residents aware, residents taking part.
AWARE, TAKING_PART = "residents_aware", "residents_taking_part"


@dataclass
class MobilisationState:
    """One replication's awareness and participation by district, and its own lift.

    Attributes
    ----------
    awareness, participation : numpy.ndarray
        Each district's shares (0..1) as they stand.
    lift : numpy.ndarray
        Districts x days: the satisfaction lift this mechanism added to ``boost``.
    """

    awareness: np.ndarray
    participation: np.ndarray
    lift: np.ndarray


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.mobilisation.enabled


def _setup(run: Run) -> MobilisationState:
    mob = run.params.mobilisation
    nd = len(run.ckp.districts)
    return MobilisationState(
        awareness=np.full(nd, mob.initial_awareness),
        participation=np.full(nd, mob.initial_participation),
        lift=np.zeros((nd, run.days + 1)),
    )


def mobilising(env: simpy.Environment, run: Run) -> Process:
    """Each month: activities held and paid, awareness and participation moved, effects set."""
    mob = run.params.mobilisation
    st: MobilisationState = run["mobilisation"]
    residents = run.ckp.district_population.astype(float)
    activities = mob.activities_per_10k_month * residents / RESIDENTS_PER_RATE
    sat = run["satisfaction"] if "satisfaction" in run.prep.mechanisms else None
    while env.now < run.days:
        day = int(env.now)
        end = min(day + run.month_days, run.days)
        ahead = slice(day + 1, end + 1)  # from tomorrow: today may have been read already
        if sat is not None:
            publicity = (sat.boost[:, day:end] - st.lift[:, day:end]).mean(axis=1)
        else:
            publicity = np.zeros(len(residents))
        for d in range(len(residents)):
            st.awareness[d], st.participation[d] = mob.step(
                float(st.awareness[d]),
                float(st.participation[d]),
                run.month_days,
                publicity=float(publicity[d]),
            )
        run.count(AWARE, round(weighted_sum(st.awareness, residents)))
        run.count(TAKING_PART, round(weighted_sum(st.participation, residents)))
        above = st.participation - mob.initial_participation
        if "detection" in run:
            rise = 1.0 + mob.report_elasticity * (st.awareness / mob.initial_awareness - 1.0)
            run["detection"].report_factor = weighted_sum(rise, residents) / residents.sum()
        if "volunteers" in run:
            hours = mob.volunteer_hours_per_participant_day * above * residents
            run["volunteers"].hours[:, ahead] += hours[:, None]
        if sat is not None:
            lift = mob.satisfaction_per_participation * above
            sat.boost[:, ahead] += lift[:, None]
            st.lift[:, ahead] += lift[:, None]
        yuan = np.rint(activities * mob.yuan_per_activity * (end - day) / run.month_days)
        run.pay(day, LINE, yuan.astype(np.int64))
        yield env.timeout(run.month_days)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(mobilising(env, run))


def mobilisation_table(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """Awareness and participation over time: the monthly census over the city's residents.

    Parameters
    ----------
    result : RunResult
        A run of ``scenario`` with the mobilisation on.
    scenario : Scenario
        Its districts' residents.

    Returns
    -------
    pandas.DataFrame
        ``scenario, replication, day, awareness, participation``: one row a month
        (shares of the city's residents, 0..1).

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> from civsim.sim import simulate
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> sc = override(county, {"simulation.mobilisation.enabled": True})
    >>> table = mobilisation_table(simulate(sc, seed=1), sc)
    >>> table[["awareness", "participation"]].iloc[[0, -1]].round(3).to_numpy().tolist()
    [[0.51, 0.055], [0.753, 0.105]]
    """
    residents = sum(d.population for d in scenario.territory.districts)
    ev = result.events[result.events["kind"].isin([AWARE, TAKING_PART])]
    wide = ev.pivot_table(
        index=["scenario", "replication", "day"],
        columns="kind",
        values="count",
        aggfunc="sum",
        observed=True,
    ).reindex(columns=[AWARE, TAKING_PART], fill_value=0)
    table = (wide / residents).rename(columns={AWARE: "awareness", TAKING_PART: "participation"})
    table.columns.name = None
    return table.reset_index()


MECHANISM = Mechanism(
    "mobilisation",
    setup=_setup,
    start=_start,
    events=(AWARE, TAKING_PART),
    enabled=_on,
)
