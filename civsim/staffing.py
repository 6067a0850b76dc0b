"""Grid staffing (网格员配置): the grid workers each grid's field tasks need, beside those it has.

:func:`civsim.tasks.workload` shows each grid worker's load as the places are dealt
today. The planner's next question is where workers are short and where some could
be spared: :func:`grid_staffing` answers it per grid, from the same task hours and
the same capacity, so that a grid is short exactly when the hours of its places,
shared evenly among its workers, would flag them as overloaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civsim.places import TerritoryTables
from civsim.scenario import Scenario

__all__ = ["GRID_STAFFING_COLUMNS", "grid_staffing"]

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
    ``ceil(hours / (grid_worker_hours_per_year * overload_ratio))``. The hours
    count every field task of the grid's places, a vacant grid's too (nobody does
    them today). Each place has one keeper, so a grid with the workers it needs
    can still overload one of them if its places are dealt unevenly; the count
    assumes they are dealt by hours (定人定岗).

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
    field = tasks[tasks["place"].notna()]
    hours = (
        field.groupby(field["grid"].astype(str), sort=False)["hours_per_year"]
        .sum()
        .reindex(grids["id"].astype(str), fill_value=0.0)
        .to_numpy(dtype=float)
    )
    workers = grids["grid_workers"].to_numpy(dtype=np.int64)
    capacity = workers * spec.grid_worker_hours_per_year
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(hours > 0, hours / capacity, 0.0)
    # the fewest workers within the flag's load; a rounding guard keeps an exact fit exact
    per_worker = spec.grid_worker_hours_per_year * spec.overload_ratio
    needed = np.ceil(hours / per_worker - 1e-9).astype(np.int64)
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
