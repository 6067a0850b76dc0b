"""The practice network (新时代文明实践 中心/所/站): requests reach volunteers level by level.

Every district has a centre (中心); the most populous ``institute_coverage``
of its streets have an institute (所) and the most populous
``station_coverage`` of its communities a station (站) (:func:`sites`). A
resident's request (drawn by :mod:`.volunteers`, the same draws with the
network on or off) is taken up by the lowest site of the resident's
community: its station, else its street's institute, else the district's
centre, served from the level above. Each level has its response time
(``station_response_days`` ...): the request joins the district's volunteer
queue that many days after it was made, and those days count as waited
(:func:`route`, called by :mod:`.volunteers`; without the network the district
dispatches every request ``volunteers.dispatch_days`` after it was made). The
sites' staff give ``service_hours_per_staff_day`` hours of service a day
each, every day of the week (the volunteers' ``steady`` hours), so weekday
requests need not all wait for the weekend's volunteers. The requests taken
up at each level are the events ``practice_request_station``,
``practice_request_institute`` and ``practice_request_centre``; the split is
drawn from the stream ``practice_network``. Parameters:
``simulation.practice_network``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civsim.city import City
from civsim.places import TerritoryTables
from civsim.scenario import Scenario
from civsim.scenario.schema.practice_network import LEVELS, PracticeNetwork
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "NetworkPart", "arrive_after", "route", "sites"]

#: The event counted for the requests each level takes up.
EVENTS = tuple(f"practice_request_{level}" for level in LEVELS)


@dataclass(frozen=True)
class NetworkPart:
    """What every replication shares: the sites, and residents' shares by the level serving them.

    ``shares[d, k]`` is the share of district ``d``'s residents whose requests
    level ``LEVELS[k]`` takes up; ``staff_hours[d]`` the hours of service a day
    its sites' staff give.
    """

    sites: pd.DataFrame
    shares: np.ndarray
    staff_hours: np.ndarray


def _covered(count: int, share: float) -> int:
    # half up, so that a coverage of 0.5 on one site builds it
    return int(np.floor(share * count + 0.5))


def sites(net: PracticeNetwork, territory: TerritoryTables) -> pd.DataFrame:
    """The network in each district: its sites, their staff's hours, and whom each level serves.

    The most populous streets get the institutes and the most populous
    communities the stations (sites are built where residents are).

    Returns
    -------
    pandas.DataFrame
        Index: district ids. Columns: ``streets``, ``communities``,
        ``centres`` (1), ``institutes``, ``stations``, ``staff_hours_per_day``,
        and ``residents_<level>`` for each level (residents whose requests it
        takes up; the three add up to the district's residents).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> from civsim.places import build_territory
    >>> sc = load_scenario("scenarios/county_nominee.yaml")
    >>> t = sites(PracticeNetwork(station_coverage=0.5), build_territory(sc))
    >>> row = t.iloc[0]
    >>> int(row.stations) == int(row.communities * 0.5 + 0.5), int(row.residents_centre)
    (True, 0)
    >>> bool(row.residents_station > row.residents_institute)  # the populous half has a 站
    True
    """
    streets, comms = territory.streets, territory.communities
    rows = []
    for d in territory.districts["id"]:
        st = streets[streets["district"] == d].sort_values("population", ascending=False)
        cm = comms[comms["district"] == d].sort_values("population", ascending=False)
        n_inst, n_stat = (
            _covered(len(st), net.institute_coverage),
            _covered(len(cm), net.station_coverage),
        )
        with_institute = set(st["id"].iloc[:n_inst])
        station = np.arange(len(cm)) < n_stat
        institute = ~station & cm["street"].isin(with_institute).to_numpy()
        pop = cm["population"].to_numpy()
        rows.append(
            {
                "district": d,
                "streets": len(st),
                "communities": len(cm),
                "centres": 1,
                "institutes": n_inst,
                "stations": n_stat,
                "staff_hours_per_day": net.staff_hours_per_day(1, n_inst, n_stat),
                "residents_station": int(pop[station].sum()),
                "residents_institute": int(pop[institute].sum()),
                "residents_centre": int(pop[~station & ~institute].sum()),
            }
        )
    return pd.DataFrame(rows).set_index("district")


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> NetworkPart:
    table = sites(scenario.simulation.practice_network, city.territory)
    table = table.loc[list(city.checkpoints.districts)]
    residents = table[[f"residents_{level}" for level in LEVELS]].to_numpy(dtype=float)
    total = residents.sum(axis=1, keepdims=True)
    # a district without residents asks nothing; its share is the centre's
    shares = np.divide(residents, total, out=np.zeros_like(residents), where=total > 0)
    shares[total[:, 0] == 0, -1] = 1.0
    return NetworkPart(
        sites=table, shares=shares, staff_hours=table["staff_hours_per_day"].to_numpy(dtype=float)
    )


def _setup(run: Run) -> None:
    """The sites' staff serve every day: hours beside the volunteers' weekly profile."""
    run["volunteers"].steady += run.part("practice_network").staff_hours


def arrive_after(requests: np.ndarray, days: int, wait: np.ndarray) -> np.ndarray:
    """Requests as a queue receives them ``days`` after they were made, the days counted as waited.

    Parameters
    ----------
    requests : numpy.ndarray
        Requests made per day (rows) and district (columns).
    days : int
        Days from a request to a volunteer team having it.
    wait : numpy.ndarray
        Days waited per district (rows) and day (columns): the days of the
        requests reaching the queue each day are added to it.

    Returns
    -------
    numpy.ndarray
        The requests on the day they reach the queue (those reaching it after
        the last day are not served).

    Examples
    --------
    >>> wait = np.zeros((1, 4))
    >>> arrive_after(np.array([[2], [1], [0], [5]]), 2, wait)[:, 0].tolist()
    [0, 0, 2, 1]
    >>> wait.tolist()
    [[0.0, 0.0, 4.0, 2.0]]
    """
    queued = np.zeros_like(requests)
    horizon = len(requests)
    if days < horizon:
        queued[days:] = requests[: horizon - days]
        wait[:, days:] += days * requests[: horizon - days].T
    return queued


def route(run: Run, arrivals: np.ndarray) -> np.ndarray:
    """The requests as the volunteers' queues receive them: by level, after its response time.

    Without the network every request is dispatched by the district
    (``volunteers.dispatch_days`` later), as by a network of centres alone.

    Parameters
    ----------
    run : Run
        A replication with the volunteers running.
    arrivals : numpy.ndarray
        Requests made per day (rows) and district (columns).

    Returns
    -------
    numpy.ndarray
        The same requests on the day a volunteer team has them (requests
        arriving after the cycle's last day are not served in it). The days
        each waited for its level are added to the volunteers' ``wait_sum`` on
        that day, and, with the network, the requests each level took up are
        counted on the day they were made.
    """
    wait = run["volunteers"].wait_sum
    if "practice_network" not in run:
        return arrive_after(arrivals, run.params.volunteers.dispatch_days, wait)
    net = run.params.practice_network
    part: NetworkPart = run.part("practice_network")
    rng = run.rng("practice_network")
    queued = np.zeros_like(arrivals)
    left = arrivals.copy()
    share_left = np.ones(len(part.shares))
    for k, (level, delay) in enumerate(net.response_days().items()):
        if k < len(LEVELS) - 1:  # this level's share of the requests the lower ones left
            p = np.divide(
                part.shares[:, k],
                share_left,
                out=np.zeros_like(share_left),
                where=share_left > 0,
            )
            taken = rng.binomial(left, np.clip(p, 0.0, 1.0))
        else:
            taken = left.copy()
        left -= taken
        share_left = share_left - part.shares[:, k]
        run.counts(f"practice_request_{level}")[: run.days] += taken[: run.days].sum(axis=1)
        queued += arrive_after(taken, delay, wait)
    return queued


MECHANISM = Mechanism(
    "practice_network",
    prepare=_prepare,
    setup=_setup,
    streams=("practice_network",),
    events=EVENTS,
    enabled=lambda scenario: (
        scenario.simulation.practice_network.enabled and scenario.simulation.volunteers.enabled
    ),
)
