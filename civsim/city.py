"""The city: what the organisation and territory are, built once and reused.

:func:`build_city` turns a scenario's upstream sections (organisation,
territory, framework, places, workload, cycle and the seed that draws the
places) into one immutable :class:`City`: the territory tables, the places,
the responsibility chain, the task table and the checkpoint arrays. The fund,
the simulation, the reports and the command line take the city and never
rebuild it from the raw scenario.

Scenario variants that differ only downstream (simulation, budget, evaluation
settings) have the same :func:`city_key`, so the city built for one is reused
by the others: a notebook that changes a simulation parameter pays no
decomposition.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from civsim.chain import build_chain
from civsim.checkpoints import Checkpoints, build_checkpoints
from civsim.places import TerritoryTables, build_places, build_territory
from civsim.responsibility import require_framework
from civsim.scenario import Framework, Scenario, section_hash
from civsim.staffing import grid_hours, redeploy
from civsim.tasks import decompose

__all__ = [
    "UPSTREAM",
    "City",
    "build_city",
    "city_key",
    "clear_city_cache",
    "other_cities",
    "place_of",
]

#: The scenario sections a city is built from; every other section is downstream.
UPSTREAM = ("seed", "cycle", "organisation", "territory", "framework", "places", "workload")
#: Cities kept for reuse (a generated 16,000-grid city holds ~100 MB of arrays).
CACHE_SIZE = 4

_cache: OrderedDict[str, City] = OrderedDict()


@dataclass(frozen=True)
class City:
    """Everything the organisation and territory are, for one set of upstream sections.

    The tables and arrays are shared by every variant and replication that
    uses the city: read them, never change them.

    Attributes
    ----------
    key : str
        :func:`city_key` of the scenario it was built from.
    framework : Framework
        The evaluation framework (standards, place types, responsibilities).
    territory : TerritoryTables
        Districts, streets, communities and grids.
    places : pandas.DataFrame
        Every place (点位), as from :func:`civsim.places.build_places`.
    tasks : pandas.DataFrame
        The task table, as from :func:`civsim.tasks.decompose`.
    chain : networkx.DiGraph
        The responsibility chain, as from :func:`civsim.chain.build_chain`.
    checkpoints : Checkpoints
        The checkpoint arrays the simulation advances.
    """

    key: str
    framework: Framework
    territory: TerritoryTables
    places: pd.DataFrame = field(repr=False)
    tasks: pd.DataFrame = field(repr=False)
    chain: nx.DiGraph = field(repr=False)
    checkpoints: Checkpoints = field(repr=False)


def city_key(scenario: Scenario) -> str:
    """A content hash of the scenario's upstream sections (:data:`UPSTREAM`).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> c = load_scenario("scenarios/campaign_mode.yaml")  # differs only in simulation
    >>> city_key(s) == city_key(c), len(city_key(s))
    (True, 16)
    """
    return section_hash(scenario, UPSTREAM)


def other_cities(scenarios: Sequence[Scenario]) -> list[str]:
    """Names of the scenarios that are another place than the first: other districts.

    Two scenarios are one city when their districts are the same (ids and
    residents): a variant may staff, fund or run that city differently, but a
    comparison of two places tells how they differ, not what an option is worth.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> names = ["baseline", "more_grid_workers", "county_nominee"]
    >>> other_cities([load_scenario(f"scenarios/{n}.yaml") for n in names])
    ['county_nominee']
    """
    if not scenarios:
        return []
    first = place_of(scenarios[0])
    return [s.name for s in scenarios[1:] if place_of(s) != first]


def place_of(scenario: Scenario) -> tuple[tuple[str, int], ...]:
    """Which place a scenario is: its districts' ids and residents (:func:`other_cities`' rule).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> place_of(load_scenario("scenarios/county_nominee.yaml"))
    (('c01', 260000), ('c02', 190000))
    """
    return tuple((d.id, d.population) for d in scenario.territory.districts)


def build_city(scenario: Scenario, reuse: bool = True) -> City:
    """Build the city of a scenario, or reuse the one built for the same upstream sections.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework.
    reuse : bool
        Take a city built earlier in this process for the same :func:`city_key`
        (the last :data:`CACHE_SIZE` are kept).

    Returns
    -------
    City

    Raises
    ------
    civsim.errors.ScenarioError
        If the scenario has no framework.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> city = build_city(load_scenario("scenarios/baseline.yaml"))
    >>> field_tasks = city.tasks[city.tasks.method == "field"]
    >>> city.checkpoints.n_field == len(field_tasks), city.chain.number_of_nodes() > 0
    (True, True)
    >>> build_city(load_scenario("scenarios/campaign_mode.yaml")) is city
    True
    """
    key = city_key(scenario)
    if reuse and key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    framework = require_framework(scenario)
    territory = build_territory(scenario)
    places = build_places(scenario, territory)
    tasks = decompose(scenario, territory, places)
    # the grid workers as decompose moved them (where the switch is on; the same grid hours)
    territory = redeploy(scenario, territory, grid_hours(tasks, territory.grids))
    ids = territory.districts["id"]
    # street and community staff rectify the field problems handed to the territory (属地)
    district_staff = (
        territory.streets.groupby("district")["staff"].sum().reindex(ids, fill_value=0)
        + territory.communities.groupby("district")["staff"].sum().reindex(ids, fill_value=0)
    ).to_numpy(dtype=float)
    city = City(
        key=key,
        framework=framework,
        territory=territory,
        places=places,
        tasks=tasks,
        chain=build_chain(scenario, territory),
        checkpoints=build_checkpoints(scenario, tasks, territory.districts, district_staff),
    )
    if reuse:
        _cache[key] = city
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return city


def clear_city_cache() -> None:
    """Forget the cities kept for reuse."""
    _cache.clear()
