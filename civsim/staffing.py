"""Grid staffing (网格员配置): the grid workers each grid's field tasks need, beside those it has.

:func:`civsim.tasks.workload` shows each grid worker's load as the places are dealt
today. The planner's next question is where workers are short and where some could
be spared: :func:`grid_staffing` answers it per grid, from the same task hours and
the same capacity, so that a grid is short exactly when the hours of its places,
shared evenly among its workers, would flag them as overloaded.

A city can also act on it: :func:`redeploy` moves grid workers between the grids of
each street, district or the whole city (``territory.redeploy_grid_workers``, 按工作量
调配网格员) so that the highest load among them is as low as the workers allow;
:func:`civsim.tasks.decompose` then deals each grid's places to its workers by hours
(:func:`deal_by_hours`), and :func:`civsim.city.build_city` keeps the moved territory.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from civsim.places import TerritoryTables
from civsim.scenario import Scenario

__all__ = [
    "GRID_STAFFING_COLUMNS",
    "deal_by_hours",
    "deploy_by_hours",
    "grid_hours",
    "grid_staffing",
    "redeploy",
    "staffing_totals",
]

#: The level whose grids share their workers, by ``territory.redeploy_grid_workers``.
REDEPLOY_WITHIN = {"street": "street", "district": "district", "city": None}

#: The columns of :func:`grid_staffing`, in order.
GRID_STAFFING_COLUMNS = (
    "district",
    "street",
    "community",
    "grid",
    "grid_workers",
    "hours_per_year",
    "capacity_hours_per_year",
    "load",
    "workers_needed",
    "shortfall",
    "spare",
)


def grid_staffing(
    scenario: Scenario, tasks: pd.DataFrame, territory: TerritoryTables
) -> pd.DataFrame:
    """Per grid: its grid workers, its field tasks' hours, and the workers those hours need.

    A grid needs the fewest workers whose share of its field hours stays within
    ``workload.overload_ratio`` of ``workload.grid_worker_hours_per_year``:
    ``ceil(hours / (grid_worker_hours_per_year * overload_ratio))``, and one at
    least (every grid has its worker, docs/domain.md §1). The hours count every
    field task of the grid's places, a vacant grid's too (nobody does them today).
    Each place has one keeper, so a grid with the workers it needs can still
    overload one of them if its places are dealt unevenly; the count assumes they
    are dealt by hours (定人定岗).

    Parameters
    ----------
    scenario : Scenario
    tasks : pandas.DataFrame
        From :func:`civsim.tasks.decompose`.
    territory : TerritoryTables
        The territory the tasks were decomposed over (its grids and their workers).

    Returns
    -------
    pandas.DataFrame
        One row per grid of the territory, with columns
        :data:`GRID_STAFFING_COLUMNS`: where the grid is (``district``,
        ``street``, ``community``, ``grid``), ``grid_workers`` (has),
        ``hours_per_year`` (its field tasks'), ``capacity_hours_per_year``
        (its workers'), ``load`` (hours over capacity; infinite with hours and
        no worker, 0 without hours), ``workers_needed``, ``shortfall``
        (needed beyond those it has) and ``spare`` (those it has beyond the
        need). Sorted by shortfall, then load, highest first, then by grid.

    Examples
    --------
    A grid whose places take 2,500 hours a year needs three workers of 1,000
    hours; with one it is two short:

    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario, override
    >>> s = load_scenario("scenarios/county_nominee.yaml")
    >>> c = build_city(s)
    >>> staffing = grid_staffing(s, c.tasks, c.territory)
    >>> row = staffing.iloc[0]
    >>> hours, has = row["hours_per_year"], row["grid_workers"]
    >>> bool(row["workers_needed"] == np.ceil(hours / s.workload.grid_worker_hours_per_year))
    True
    >>> bool(row["shortfall"] == max(row["workers_needed"] - has, 0))
    True
    """
    spec = scenario.workload
    grids = territory.grids
    hours = grid_hours(tasks, grids)
    workers = grids["grid_workers"].to_numpy(dtype=np.int64)
    capacity = workers * spec.grid_worker_hours_per_year
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(hours > 0, hours / capacity, 0.0)
    # the fewest workers within the flag's load; a rounding guard keeps an exact fit exact
    per_worker = spec.grid_worker_hours_per_year * spec.overload_ratio
    needed = np.maximum(np.ceil(hours / per_worker - 1e-9), 1).astype(np.int64)
    out = pd.DataFrame(
        {
            "district": grids["district"].astype(str).to_numpy(),
            "street": grids["street"].astype(str).to_numpy(),
            "community": grids["community"].astype(str).to_numpy(),
            "grid": grids["id"].astype(str).to_numpy(),
            "grid_workers": workers,
            "hours_per_year": hours,
            "capacity_hours_per_year": capacity.astype(float),
            "load": load,
            "workers_needed": needed,
            "shortfall": np.maximum(needed - workers, 0),
            "spare": np.maximum(workers - needed, 0),
        }
    )
    return out.sort_values(
        ["shortfall", "load", "grid"], ascending=[False, False, True], ignore_index=True
    )[list(GRID_STAFFING_COLUMNS)]


def staffing_totals(staffing: pd.DataFrame) -> dict[str, int]:
    """The grids short and the workers they lack, the grids with spare and the workers spare.

    Examples
    --------
    >>> t = pd.DataFrame({"shortfall": [2, 0, 1], "spare": [0, 3, 0]})
    >>> staffing_totals(t)
    {'grids_short': 2, 'workers_short': 3, 'grids_with_spare': 1, 'spare_workers': 3}
    """
    short, spare = staffing["shortfall"], staffing["spare"]
    return {
        "grids_short": int((short > 0).sum()),
        "workers_short": int(short.sum()),
        "grids_with_spare": int((spare > 0).sum()),
        "spare_workers": int(spare.sum()),
    }


def redeploy(scenario: Scenario, territory: TerritoryTables, hours: np.ndarray) -> TerritoryTables:
    """The territory with its grid workers moved to even out their grids' field hours.

    ``territory.redeploy_grid_workers`` says which grids share their workers:
    those of a ``street``, of a ``district`` or of the whole ``city`` (``none``: the
    territory as it is). Each such group keeps its number of workers, dealt by
    :func:`deploy_by_hours` over its grids' field ``hours`` (:func:`grid_hours`, in
    the order of ``territory.grids``). The dealing depends on each group's total
    only, so moving workers already moved leaves them where they are.

    Examples
    --------
    >>> from civsim.places import build_territory
    >>> from civsim.scenario import load_scenario, override
    >>> from civsim.tasks import decompose
    >>> s = override(load_scenario("scenarios/county_nominee.yaml"),
    ...              {"territory.redeploy_grid_workers": "street"})
    >>> t = build_territory(s)
    >>> moved = redeploy(s, t, grid_hours(decompose(s, t), t.grids))
    >>> before = t.grids.groupby("street")["grid_workers"].sum()
    >>> bool((moved.grids.groupby("street")["grid_workers"].sum() == before).all())
    True
    >>> int((moved.grids["grid_workers"] == 0).sum())  # every grid keeps one at least
    0
    """
    scope = scenario.territory.redeploy_grid_workers
    if scope == "none":
        return territory
    grids = territory.grids
    level = REDEPLOY_WITHIN[scope]
    group = pd.factorize(grids[level])[0] if level is not None else np.zeros(len(grids), np.int64)
    workers = deploy_by_hours(hours, group, grids["grid_workers"].to_numpy(dtype=np.int64))
    return territory._replace(grids=grids.assign(grid_workers=workers))


def deploy_by_hours(hours: np.ndarray, group: np.ndarray, workers: np.ndarray) -> np.ndarray:
    """Each group's workers dealt over its grids so that its highest load is the lowest it can be.

    Within a group every grid first gets one worker (where the group has one for
    each; else the grids with the most hours do); then each further worker goes to
    the grid whose hours per worker are highest (ties: the first grid). Dealing
    one at a time to the highest load leaves the highest load as low as any
    dealing of the same workers can (each step lowers the top load it can).

    Parameters
    ----------
    hours : numpy.ndarray
        Field hours per year of each grid.
    group : numpy.ndarray of int
        The group of each grid: workers move only within a group.
    workers : numpy.ndarray of int
        Each grid's workers now; each group's total is kept.

    Returns
    -------
    numpy.ndarray of int64
        Each grid's workers after the move.

    Examples
    --------
    Five workers over grids of 100, 300 and 50 hours, all in one group:

    >>> deploy_by_hours(np.array([100.0, 300.0, 50.0]), np.zeros(3, int), np.array([2, 2, 1]))
    array([1, 3, 1])
    >>> deploy_by_hours(np.array([100.0, 300.0, 50.0]), np.zeros(3, int), np.array([1, 0, 1]))
    array([1, 1, 0])
    """
    out = np.zeros(len(hours), dtype=np.int64)
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        total = int(workers[members].sum())
        # one each first, the grids with the most hours first when there are too few
        first = members[np.argsort(-hours[members], kind="stable")][:total]
        out[first] = 1
        heap = [(-hours[i], int(i)) for i in first]  # hours per worker, with one each
        heapq.heapify(heap)
        for _ in range(total - len(first)):
            _, i = heapq.heappop(heap)
            out[i] += 1
            heapq.heappush(heap, (-hours[i] / out[i], i))
    return out


def deal_by_hours(grid: np.ndarray, hours: np.ndarray, workers: np.ndarray) -> np.ndarray:
    """Each place's keeper among its grid's workers, the places dealt by their hours.

    A grid's places, most hours first (ties: in their order), each go to the
    worker with the fewest hours so far (ties: the lower number), so that its
    workers' loads come out as even as whole places allow.

    Parameters
    ----------
    grid : numpy.ndarray of int
        Each place's grid.
    hours : numpy.ndarray
        Each place's field hours per year.
    workers : numpy.ndarray of int
        The workers of each place's grid.

    Returns
    -------
    numpy.ndarray of int64
        Each place's keeper, ``1 .. workers`` (0 where its grid has none).

    Examples
    --------
    Places of 50, 40, 30 and 20 hours in a grid of two workers, and one in a grid of none:

    >>> deal_by_hours(np.array([0, 0, 0, 0, 1]), np.array([20.0, 50, 40, 30, 9]),
    ...               np.array([2, 2, 2, 2, 0])).tolist()
    [1, 1, 2, 2, 0]
    """
    keeper = np.where(workers > 0, 1, 0).astype(np.int64)
    order = np.lexsort((-hours, grid))  # by grid, most hours first; stable for ties
    g = grid[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(order)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        n = int(workers[order[a]])
        if n < 2:
            continue  # one keeper, or none
        loads = [(0.0, k) for k in range(1, n + 1)]
        for p in order[a:b].tolist():
            load, k = heapq.heappop(loads)
            keeper[p] = k
            heapq.heappush(loads, (load + float(hours[p]), k))
    return keeper


def grid_hours(tasks: pd.DataFrame, grids: pd.DataFrame) -> np.ndarray:
    """Field hours per year of each grid of ``grids``, in its order, from the task table.

    Examples
    --------
    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario
    >>> c = build_city(load_scenario("scenarios/county_nominee.yaml"))
    >>> h = grid_hours(c.tasks, c.territory.grids)
    >>> field = c.tasks[c.tasks["place"].notna()]
    >>> len(h) == len(c.territory.grids), bool(np.isclose(h.sum(), field["hours_per_year"].sum()))
    (True, True)
    """
    field = tasks[tasks["place"].notna()]
    # grouped by the column's codes, not its strings: a city's 250,000 tasks in a few ms
    per_grid = field.groupby("grid", observed=True, sort=False)["hours_per_year"].sum()
    per_grid.index = per_grid.index.astype(str)
    return per_grid.reindex(grids["id"].astype(str), fill_value=0.0).to_numpy(dtype=float)
