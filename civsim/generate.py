"""Generated cities: a complete scenario folder of a city of a chosen size.

For benchmarks and what-ifs at a scale no shipped scenario has (Jinan, seed
003: 16,000+ grids, 42,000+ grid workers, ~10M residents). The city keeps a base
scenario's chain, framework and cycle; its districts are drawn to the requested
number of grids, and the territory generator does the rest when it is loaded.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel

from civsim.apportion import largest_remainder
from civsim.errors import ScenarioError
from civsim.scenario import MAX_GRIDS, Budget, Frozen, Scenario, param

__all__ = ["CitySpec", "city_files", "write_city"]

#: Folder of the generated city's tables, beside its YAML file.
TABLES = "tables"


class CitySpec(Frozen):
    """Sizes of a generated city, per grid, and how its districts and fund scale.

    A city of ``G`` grids has ``S = round(G / (grids_per_community *
    communities_per_street))`` streets (at least one) and ``D =
    round(S / streets_per_district)`` districts, at least one and at most
    ``max_districts`` (and ``S``): up to about 52,000 grids, districts keep a
    Jinan-sized urban district's ~13 streets (~1,300 grids), so 1,000 grids
    make one district and 16,000 twelve; beyond, the 40 districts grow (200,000
    grids: 50 streets, 5,000 grids each), as a real city's do, and the fund's
    per-district tables stay small. Each district's office has the base's staff
    per street times its streets (largest remainders of the city's total).

    The base's fund is scaled by residents, and its per-district limits by
    the number of districts, so that the limits stay feasible at any ``D``.
    With the base's ``D0`` districts, the minimum share becomes
    ``district_min_share * D0 / D`` (the minimums still add up to the same
    share of the district money, 48% for the baseline) and the cap share
    ``min(1, district_cap_share * D0 / D)`` (the caps still add up to the
    same multiple of it, 1.8x for the baseline, or one district takes it
    all). Yuan floors and caps (``district_min_yuan``, ``district_cap_yuan``)
    follow the yuan per district: times ``residents / base residents * D0 /
    D``, the floor rounded down and the cap up. Per-district starting
    conditions name the base's districts and are dropped.

    Examples
    --------
    >>> CitySpec().streets_per_district
    13.0
    """

    residents_per_grid: float = param(
        625.0,
        "residents per grid",
        "docs/domain.md §1: Jinan ~10M residents in 16,000+ grids",
        gt=0,
    )
    grid_workers_per_grid: float = param(
        2.625,
        "grid workers per grid",
        "docs/domain.md §1: Jinan 42,000+ workers in 16,000+ grids",
        ge=0,
    )
    grids_per_community: float = param(10.0, "grids per community", "assumption", gt=0)
    communities_per_street: float = param(10.0, "communities per street", "assumption", gt=0)
    streets_per_district: float = param(
        13.0, "streets per district", "assumption: a large city's urban district", gt=0
    )
    max_districts: int = param(
        40,
        "districts at most",
        "assumption: about the most any Chinese city has (Chongqing: 38 districts and counties)",
        ge=1,
    )
    district_size_spread: float = param(
        0.3, "coefficient of variation of district sizes", "assumption", ge=0
    )


def city_files(
    base: Scenario, grids: int, seed: int, spec: CitySpec | None = None
) -> dict[str, Any]:
    """The files of a generated city: its YAML text and its tables, not yet written.

    Parameters
    ----------
    base : Scenario
        Gives the chain (committee, office, member units), the cycle, the
        framework and the territory generator's other settings.
    grids : int
        About how many grids the city should have (1 .. ``MAX_GRIDS``).
    seed : int
        The city's seed (district sizes now, the territory when loaded).
    spec : CitySpec, optional
        Sizes per grid; the defaults are Jinan's.

    Returns
    -------
    dict
        File name (relative to the city's folder) to content: ``city.yaml``
        maps to YAML text, each table to a DataFrame.

    Raises
    ------
    ScenarioError
        If ``grids`` is out of range or the base has no framework.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> files = city_files(load_scenario("scenarios/baseline.yaml"), 16_000, seed=3)
    >>> int(files["tables/districts.csv"]["population"].sum())
    10000000
    """
    spec = spec or CitySpec()
    if not 1 <= grids <= MAX_GRIDS:
        raise ScenarioError(f"--grids must be between 1 and {MAX_GRIDS:,}, got {grids:,}")
    if base.framework is None:
        raise ScenarioError("the base scenario has no framework to copy", file=base.source_file)
    per_street = spec.grids_per_community * spec.communities_per_street
    n_streets = max(1, round(grids / per_street))
    n_districts = max(
        1, min(n_streets, spec.max_districts, round(n_streets / spec.streets_per_district))
    )
    rng = np.random.default_rng(seed)
    sizes = (
        rng.gamma(1 / spec.district_size_spread**2, size=n_districts)
        if (spec.district_size_spread > 0)
        else np.ones(n_districts)
    )
    # Every district needs a street: give one each, and the rest in proportion to size.
    streets = 1 + largest_remainder(n_streets - n_districts, sizes)
    population = largest_remainder(round(grids * spec.residents_per_grid), streets)
    # district offices keep the base's staff per street, so a large district has a large office
    base_districts = base.territory.districts
    staff_per_street = sum(d.staff for d in base_districts) / sum(d.streets for d in base_districts)
    staff = largest_remainder(round(staff_per_street * n_streets), streets)
    width = len(str(n_districts))
    districts = pd.DataFrame(
        {
            "id": [f"d{k:0{width}d}" for k in range(1, n_districts + 1)],
            "name_zh": [f"第{k}区" for k in range(1, n_districts + 1)],
            "population": population,
            "streets": streets,
            "staff": staff,
        }
    )
    files: dict[str, Any] = {f"{TABLES}/districts.csv": districts}
    files[f"{TABLES}/units.csv"] = _table(base.organisation.units)
    fw = base.framework
    framework = {}
    for name in ("items", "contents", "standards", "place_types", "responsibilities"):
        rows = getattr(fw, name)
        if rows is not None:
            files[f"{TABLES}/{name}.csv"] = _table(rows)
            framework[name] = f"{TABLES}/{name}.csv"
    generator = base.territory.generator.model_dump() | {
        "communities_per_street": spec.communities_per_street,
        "grids_per_community": spec.grids_per_community,
        "grid_workers_per_grid": spec.grid_workers_per_grid,
    }
    doc: dict[str, Any] = {
        "name": f"generated_{grids}",
        "title_zh": f"生成城市（约{grids:,}个网格）",
        "description": f"Generated from {base.name} with seed {seed}: about {grids:,} grids.",
        "seed": seed,
        "cycle": base.cycle.model_dump(mode="json"),
        "organisation": {
            "committee": base.organisation.committee.model_dump(),
            "office": base.organisation.office.model_dump(),
            "units": f"{TABLES}/units.csv",
        },
        "territory": {"districts": f"{TABLES}/districts.csv", "generator": generator},
        "framework": framework,
        "workload": base.workload.model_dump(),
        "sources": {
            "territory.districts": (
                "generated: CitySpec defaults (docs/domain.md §1, Jinan) and seed"
            ),
            **base.sources,
        },
    }
    doc["simulation"] = base.simulation.model_dump(mode="json")
    if base.budget is not None:
        doc["budget"] = _scaled_budget(base, base.budget, int(population.sum()), n_districts)
        files[f"{TABLES}/budget_lines.csv"] = _table(base.budget.lines)
        doc["sources"]["budget.total_yuan"] = (
            f"generated: {base.name}'s fund scaled by residents, its district limits by "
            "the number of districts (CitySpec; assumption)"
        )
    files["city.yaml"] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return files


def _scaled_budget(
    base: Scenario, budget: Budget, residents: int, districts: int
) -> dict[str, Any]:
    """The base's ``budget`` for a city of ``residents`` in ``districts`` (see :class:`CitySpec`).

    The base's per-district starting conditions name the base's districts, so
    they are dropped; every generated district starts at ``expected_condition``.
    """
    base_residents = sum(d.population for d in base.territory.districts)
    scale = residents / max(base_residents, 1)
    per_district = len(base.territory.districts) / districts  # D0 / D
    out = budget.model_dump(mode="json", exclude={"lines", "district_condition"})
    out["total_yuan"] = max(round(budget.total_yuan * scale), 1)
    out["district_min_share"] = budget.district_min_share * per_district
    out["district_cap_share"] = min(1.0, budget.district_cap_share * per_district)
    out["district_min_yuan"] = math.floor(budget.district_min_yuan * scale * per_district)
    if budget.district_cap_yuan is not None:
        out["district_cap_yuan"] = math.ceil(budget.district_cap_yuan * scale * per_district)
    return {**out, "lines": f"{TABLES}/budget_lines.csv"}


def write_city(folder: Path, files: dict[str, Any]) -> Path:
    """Write the files from :func:`city_files` into ``folder``; return the YAML's path."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False, encoding="utf-8-sig")  # Excel reads the BOM
        else:
            path.write_text(content, encoding="utf-8")
    return folder / "city.yaml"


def _table(rows: tuple[BaseModel, ...]) -> pd.DataFrame:
    """Rows of a scenario table as a DataFrame that reads back the same (lists ``;``-joined)."""
    records = [r.model_dump() for r in rows]
    for rec in records:
        for key, value in rec.items():
            if isinstance(value, tuple):
                rec[key] = ";".join(value)
            elif isinstance(value, bool):
                rec[key] = str(value).lower()
    return pd.DataFrame(records)
