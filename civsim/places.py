"""The city's territory below the district, and its places (点位).

Streets, communities and grids come from the scenario's tables where given and
from a seeded generator otherwise; the same scenario and seed always give the
same territory. Populations are split with largest-remainder rounding, so the
residents of the grids add up exactly to those of their district.

Places (markets, back alleys, bus stops ...) likewise come from the scenario's
``places`` table or from a seeded generator driven by each place type's
density (:func:`build_places`); each place sits in exactly one grid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from civsim.apportion import largest_remainder
from civsim.errors import ScenarioError
from civsim.responsibility import require_framework
from civsim.scenario import Scenario, TerritoryGenerator
from civsim.scenario.checks import hint

__all__ = ["CITY", "PLACE_COLUMNS", "TerritoryTables", "build_places", "build_territory"]

#: Stream id that separates the territory's random draws from the simulation's.
TERRITORY_STREAM = 1
#: Stream id of the places' draws (which grid each place sits in).
PLACES_STREAM = 2
#: Place-type densities are given per this many residents.
RESIDENTS_PER_RATE = 10_000
#: Columns of the places table, in order.
PLACE_COLUMNS = (
    "id",
    "place_type",
    "name_zh",
    "grid",
    "community",
    "street",
    "district",
    "claimed_by",
)
#: The label of the whole city (or county) where a table has one row per district and one
#: for the city: material checkpoints, city-level budget lines.
CITY = "city"
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
    ordinal: np.ndarray | list[int] = (
        np.concatenate([np.arange(1, c + 1) for c in counts]) if len(counts) else []
    )
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
    """Workers per grid, ``grid_workers_per_grid`` on average; vacant grids have none.

    With a mean of at least one, every grid has one worker plus a Poisson
    number more; with a mean below one, a grid has one worker with that
    probability and none otherwise (a mean of 0 staffs no grid, and draws
    nothing). Then a share ``grid_vacancy_rate`` of grids is left vacant.

    Examples
    --------
    >>> from civsim.scenario import TerritoryGenerator
    >>> rng = np.random.default_rng(0)
    >>> _grid_workers(5, TerritoryGenerator(grid_workers_per_grid=0), rng).tolist()
    [0, 0, 0, 0, 0]
    >>> w = _grid_workers(10_000, TerritoryGenerator(grid_workers_per_grid=0.5), rng)
    >>> int(w.max()), bool(0.45 < w.mean() < 0.55)
    (1, True)
    """
    mean = gen.grid_workers_per_grid
    if mean <= 0:
        return np.zeros(n, dtype=np.int64)
    if mean >= 1:
        workers = 1 + rng.poisson(mean - 1, size=n)
    else:
        workers = (rng.random(n) < mean).astype(np.int64)
    workers[rng.random(n) < gen.grid_vacancy_rate] = 0
    return workers.astype(np.int64)


def build_places(scenario: Scenario, territory: TerritoryTables | None = None) -> pd.DataFrame:
    """Build the places (点位) table of a scenario: one row per place, each in one grid.

    With a ``places`` table in the scenario, the places are exactly its rows.
    Otherwise each place type gets ``per_10k_residents`` places per 10,000
    residents of the city, rounded to the nearest whole number; they are split
    among the bodies of the type's ``level`` (community, street or district) in
    proportion to their residents with largest-remainder rounding, and each
    place is put in one grid of its body, drawn with probability proportional
    to the grid's residents (stream :data:`PLACES_STREAM` of ``scenario.seed``).
    A body's residents are those of its grids.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework (the place types).
    territory : TerritoryTables, optional
        The territory, if already built.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PLACE_COLUMNS`: ``id`` (``<grid>p<k>``, unique),
        ``place_type``, ``name_zh``, ``grid``, ``community``, ``street``,
        ``district`` and ``claimed_by`` (the unit or district answering for the
        place: the place type's lead unit, else the district, unless the places
        table says otherwise). All but ``id`` and ``name_zh`` are categorical.

    Raises
    ------
    ScenarioError
        If the scenario has no framework, or a place names an unknown grid.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> places = build_places(load_scenario("scenarios/baseline.yaml"))
    >>> len(places) > 50_000, places["id"].is_unique
    (True, True)
    """
    fw = require_framework(scenario)
    t = territory if territory is not None else build_territory(scenario)
    grids = t.grids.reset_index(drop=True)
    types = [p.id for p in fw.place_types]
    if scenario.places is not None:
        grid_idx, type_idx, claimed = _listed_places(scenario, grids, types)
        ids = [p.id for p in scenario.places]
        names = [p.name_zh for p in scenario.places]
    else:
        grid_idx, type_idx = _drawn_places(scenario, grids)
        claimed = [None] * len(grid_idx)
        ids, names = _place_labels(grids, grid_idx, type_idx, [p.name_zh for p in fw.place_types])
    default = np.array([p.lead_unit or "" for p in fw.place_types], dtype=object)[type_idx]
    district = grids["district"].to_numpy(dtype=object)[grid_idx]
    claimed_by = np.where(default == "", district, default)
    listed = np.array([c is not None for c in claimed], dtype=bool)
    claimed_by[listed] = np.array(claimed, dtype=object)[listed]
    places = pd.DataFrame(
        {
            "id": pd.array(ids, dtype="string[pyarrow]"),
            "place_type": pd.Categorical.from_codes(type_idx, categories=pd.Index(types)),
            "name_zh": pd.array(names, dtype="string[pyarrow]"),
        }
    )
    for level in ("grid", "community", "street", "district"):
        col = "id" if level == "grid" else level
        places[level] = pd.Categorical(grids[col].to_numpy(dtype=object)[grid_idx])
    places["claimed_by"] = pd.Categorical(claimed_by)
    if not places["id"].is_unique:
        dup = places["id"][places["id"].duplicated()].iloc[0]
        raise ScenarioError(f"duplicate place id {dup!r}", file=scenario.source_file or None)
    return places


def _drawn_places(scenario: Scenario, grids: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Grid and type index of each generated place, ordered by grid, then type."""
    rng = np.random.default_rng([scenario.seed, PLACES_STREAM])
    pop = grids["population"].to_numpy(dtype=np.int64)
    total = int(pop.sum())
    grid_parts, type_parts = [], []
    levels = {}
    for k, ptype in enumerate(require_framework(scenario).place_types):
        n = round(ptype.per_10k_residents * total / RESIDENTS_PER_RATE)
        if n == 0:
            continue
        if ptype.level not in levels:
            levels[ptype.level] = _level_index(grids[ptype.level].to_numpy(), pop)
        order, cum, start, end = levels[ptype.level]
        body_pop = cum[end - 1] - start
        body = np.repeat(np.arange(len(end)), largest_remainder(n, body_pop))
        # A draw u in [0, 1) picks the grid whose share of its body's residents covers u;
        # side="right" skips grids without residents.
        target = start[body] + rng.random(len(body)) * body_pop[body]
        pos = np.minimum(np.searchsorted(cum, target, side="right"), end[body] - 1)
        grid_parts.append(order[pos])
        type_parts.append(np.full(len(body), k, dtype=np.int64))
    grid_idx = np.concatenate(grid_parts) if grid_parts else np.empty(0, dtype=np.int64)
    type_idx = np.concatenate(type_parts) if type_parts else np.empty(0, dtype=np.int64)
    by_grid = np.lexsort((type_idx, grid_idx))
    return grid_idx[by_grid], type_idx[by_grid]


def _level_index(keys: np.ndarray, pop: np.ndarray) -> tuple[np.ndarray, ...]:
    """Grids grouped by body: grid order, cumulative residents, and each body's bounds.

    Returns ``order`` (grid indices, body by body), ``cum`` (cumulative residents
    along ``order``), ``start`` (residents before each body) and ``end`` (one past
    each body's last position in ``order``).
    """
    codes, _ = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    cum = np.cumsum(pop[order]).astype(float)
    end = np.cumsum(np.bincount(codes))
    start = np.concatenate([[0.0], cum[end[:-1] - 1]])
    return order, cum, start, end


def _place_labels(
    grids: pd.DataFrame, grid_idx: np.ndarray, type_idx: np.ndarray, type_names: list[str]
) -> tuple[list[str], list[str]]:
    """Ids ``<grid>p<k>`` (k counts places in the grid) and names ``<type name><j>``."""
    k = _run_ordinal(grid_idx) + 1
    j = _run_ordinal(grid_idx * len(type_names) + type_idx) + 1
    width = len(str(int(k.max()))) if len(k) else 1
    grid_ids = grids["id"].to_numpy(dtype=object)[grid_idx]
    ids = [f"{g}p{n:0{width}d}" for g, n in zip(grid_ids, k.tolist(), strict=True)]
    names = [f"{type_names[t]}{n}" for t, n in zip(type_idx.tolist(), j.tolist(), strict=True)]
    return ids, names


def _run_ordinal(keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal, adjacent keys (0, 1, 2, ...)."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    first = np.flatnonzero(starts)
    return np.arange(len(keys)) - first[np.cumsum(starts) - 1]


def _listed_places(
    scenario: Scenario, grids: pd.DataFrame, types: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Grid and type index and claimant of each place of the scenario's places table."""
    grid_pos = pd.Index(grids["id"])
    rows = scenario.places or ()
    grid_idx = grid_pos.get_indexer(pd.Index([p.grid for p in rows]))
    missing = np.flatnonzero(grid_idx < 0)
    if len(missing):
        i = int(missing[0])
        # the territory's generator names its grids (a grids table is checked on loading)
        known = grids["id"].astype(str).tolist()
        raise ScenarioError(
            f"places row {i + 1} ({rows[i].id}): unknown grid {rows[i].grid!r}"
            f"{hint(rows[i].grid, known)}; the generator's grids are {known[0]} to {known[-1]}",
            file=scenario.source_file or None,
        )
    type_idx = pd.Index(types).get_indexer(pd.Index([p.place_type for p in rows]))
    return grid_idx.astype(np.int64), type_idx.astype(np.int64), [p.claimed_by for p in rows]
