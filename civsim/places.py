"""The city's territory below the district, and its places (点位).

Streets, communities and grids come from the scenario's tables where given and
from a seeded generator otherwise; the same scenario and seed always give the
same territory. Populations are split with largest-remainder rounding, so the
residents of the grids add up exactly to those of their district.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from civsim.apportion import largest_remainder
from civsim.scenario import Scenario, TerritoryGenerator

__all__ = ["TerritoryTables", "build_territory"]

#: Stream id that separates the territory's random draws from the simulation's.
TERRITORY_STREAM = 1
#: Below this coefficient of variation, sizes are drawn equal: rounding to whole
#: counts would erase the variation anyway, and 1/cv**2 would overflow.
MIN_SPREAD = 1e-3


class TerritoryTables(NamedTuple):
    """The territory as four tables, one per level, each keyed by ``id``.

    ``streets`` has a ``district`` column, ``communities`` a ``street`` and
    ``district`` column, ``grids`` a ``community``, ``street`` and ``district``
    column and ``grid_workers``. Every table has ``name_zh``, ``population``.
    """

    districts: pd.DataFrame
    streets: pd.DataFrame
    communities: pd.DataFrame
    grids: pd.DataFrame


def build_territory(scenario: Scenario) -> TerritoryTables:
    """Build the territory tables for a scenario.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    TerritoryTables

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> t = build_territory(load_scenario("scenarios/baseline.yaml"))
    >>> int(t.grids.population.sum()) == int(t.districts.population.sum())
    True
    """
    terr = scenario.territory
    gen = terr.generator
    rng = np.random.default_rng([scenario.seed, TERRITORY_STREAM])
    districts = pd.DataFrame(
        [d.model_dump() for d in terr.districts],
        columns=["id", "name_zh", "population", "streets", "staff"],
    )
    if terr.streets is not None:
        streets = pd.DataFrame([s.model_dump() for s in terr.streets])
    else:
        streets = _children(districts, "district", "streets", "街道", "s", gen, rng)
        streets["staff"] = gen.street_staff
    if terr.communities is not None:
        communities = pd.DataFrame([c.model_dump() for c in terr.communities])
    else:
        counts = _counts(len(streets), gen.communities_per_street, gen.size_spread, rng)
        communities = _children(streets.assign(n=counts), "street", "n", "社区", "c", gen, rng)
        communities["staff"] = gen.community_staff
    communities["district"] = communities["street"].map(streets.set_index("id")["district"])
    if terr.grids is not None:
        grids = pd.DataFrame([g.model_dump() for g in terr.grids])
    else:
        counts = _counts(len(communities), gen.grids_per_community, gen.size_spread, rng)
        grids = _children(communities.assign(n=counts), "community", "n", "网格", "g", gen, rng)
        grids["grid_workers"] = _grid_workers(len(grids), gen, rng)
    grids["street"] = grids["community"].map(communities.set_index("id")["street"])
    grids["district"] = grids["street"].map(streets.set_index("id")["district"])
    return TerritoryTables(districts, streets, communities, grids)


def _counts(n: int, mean: float, spread: float, rng: np.random.Generator) -> np.ndarray:
    """Whole child counts >= 1 around ``mean`` with coefficient of variation ``spread``."""
    if spread < MIN_SPREAD:
        return np.full(n, max(1, round(mean)), dtype=np.int64)
    shape = 1 / spread**2
    return np.maximum(1, np.rint(rng.gamma(shape, mean / shape, size=n))).astype(np.int64)


def _children(
    parents: pd.DataFrame,
    parent_col: str,
    count_col: str,
    suffix_zh: str,
    id_letter: str,
    gen: TerritoryGenerator,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Generate the children of each parent row, splitting its population among them."""
    counts = parents[count_col].to_numpy(dtype=np.int64)
    parent_ids = np.repeat(parents["id"].to_numpy(), counts)
    ordinal = np.concatenate([np.arange(1, c + 1) for c in counts]) if len(counts) else []
    width = len(str(int(counts.max()))) if len(counts) else 1
    ids = [f"{p}{id_letter}{k:0{width}d}" for p, k in zip(parent_ids, ordinal, strict=True)]
    names = np.repeat(parents["name_zh"].to_numpy(), counts)
    if suffix_zh == "网格":  # a grid's name is short: its community gives the context
        names_zh = [f"第{k}网格" for k in ordinal]
    else:
        names_zh = [f"{n}第{k}{suffix_zh}" for n, k in zip(names, ordinal, strict=True)]
    population = np.empty(len(ids), dtype=np.int64)
    start = 0
    shape = 1 / gen.size_spread**2 if gen.size_spread >= MIN_SPREAD else None
    for pop, c in zip(parents["population"].to_numpy(dtype=np.int64), counts, strict=True):
        weights = rng.gamma(shape, 1.0, size=c) if shape else np.ones(c)
        population[start : start + c] = largest_remainder(int(pop), weights)
        start += c
    return pd.DataFrame(
        {"id": ids, parent_col: parent_ids, "name_zh": names_zh, "population": population}
    )


def _grid_workers(n: int, gen: TerritoryGenerator, rng: np.random.Generator) -> np.ndarray:
    """Workers per grid: at least one, mean as set, except vacant grids with none."""
    workers = 1 + rng.poisson(max(gen.grid_workers_per_grid - 1, 0), size=n)
    workers[rng.random(n) < gen.grid_vacancy_rate] = 0
    return workers.astype(np.int64)
