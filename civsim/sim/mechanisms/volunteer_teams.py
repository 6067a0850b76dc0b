"""Volunteer teams at scale: recruitment registers residents; by season they serve requests.

The share of residents registered moves, day by day, as recruitment and
lapses move it (:meth:`civsim.scenario.schema.volunteer_teams.VolunteerTeams.registered_share`:
the year's recruitment spending, saturating, registers a share of the
willing not yet registered; a share of the registered lapse), the same share
in every district (the drive is the city's). In each quarter's season of
四季红 a share of the registered are active; ``dispatch_share`` of their hours
answers residents' requests: hours added to the volunteers' plan
(:mod:`.volunteers`, laid down at setup, given mostly at weekends as the
centres' own volunteers' are). The registrations and lapses of each day are
the events ``volunteer_registrations`` and ``volunteer_lapses`` (whole
volunteers, rounded on the running totals); the recruitment spending is paid,
rows of the ``spend`` table (line ``volunteer_recruitment``, by district and
month), beside the special fund. It draws no random numbers. Parameters:
``simulation.volunteer_teams``; off by default.
"""

from __future__ import annotations

import math

import numpy as np

from civsim.scenario.schema.volunteer_teams import VolunteerTeams
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism

__all__ = ["LINE", "MECHANISM", "registered_shares", "season_activity"]

#: The ``line`` of the recruitment's rows in the ``spend`` table.
LINE = "volunteer_recruitment"


def registered_shares(vt: VolunteerTeams, days: int, days_per_year: int) -> np.ndarray:
    """Share of residents registered on each day ``0 .. days``.

    Examples
    --------
    >>> s = registered_shares(VolunteerTeams(), 730, 365)
    >>> round(float(s[0]), 3), round(float(s[365]), 4), bool((s[1:] > s[:-1]).all())
    (0.1, 0.1322, True)
    """
    start = vt.registered_share_start
    return np.array([vt.registered_share(start, d, days_per_year) for d in range(days + 1)])


def season_activity(vt: VolunteerTeams, days: int, days_per_year: int) -> np.ndarray:
    """Share of the registered active on each day ``0 .. days``: the 四季红 season's.

    Examples
    --------
    >>> a = season_activity(VolunteerTeams(), 365, 364)
    >>> a[[0, 91, 182, 273]].tolist()
    [0.35, 0.3, 0.25, 0.3]
    """
    activity = np.asarray(vt.activity())
    season = (np.arange(days + 1) % days_per_year) * len(activity) // days_per_year
    return activity[season]


def _setup(run: Run) -> None:
    """The teams' hours for requests, every day of the cycle, added to the volunteers' plan."""
    vt = run.params.volunteer_teams
    share = registered_shares(vt, run.days, run.days_per_year)
    active = share * season_activity(vt, run.days, run.days_per_year)
    per_resident = active * vt.hours_per_active_year * vt.dispatch_share / run.days_per_year
    residents = run.ckp.district_population.astype(float)
    run["volunteers"].hours += residents[:, None] * per_resident[None, :]


def _finish(run: Run) -> None:
    """Count the day's registrations and lapses; pay the recruitment month by month."""
    vt = run.params.volunteer_teams
    residents = run.ckp.district_population.astype(float)
    share = registered_shares(vt, run.days, run.days_per_year)
    lapse = -math.log1p(-vt.lapse_share_per_year) / run.days_per_year
    # a day's lapses leave from that day's registered; its registrations make up the change
    lapsed = lapse * share[:-1] * residents.sum()
    joined = np.maximum(np.diff(share) * residents.sum() + lapsed, 0.0)
    for kind, flow in (("volunteer_registrations", joined), ("volunteer_lapses", lapsed)):
        whole = np.rint(np.cumsum(flow)).astype(np.int64)
        run.counts(kind)[: run.days] += np.diff(whole, prepend=0)
    per_year = residents / 10_000 * vt.recruitment_yuan_per_10k_year
    for day in range(0, run.days, run.month_days):
        end = min(day + run.month_days, run.days)
        run.pay(day, LINE, np.rint(per_year * (end - day) / run.days_per_year).astype(np.int64))


MECHANISM = Mechanism(
    "volunteer_teams",
    setup=_setup,
    finish=_finish,
    events=("volunteer_registrations", "volunteer_lapses"),
    enabled=lambda scenario: (
        scenario.simulation.volunteer_teams.enabled and scenario.simulation.volunteers.enabled
    ),
)
