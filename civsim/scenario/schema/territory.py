"""The ``territory`` section: districts, and streets, communities and grids below them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from civsim.scenario.params import ASSUMPTION, MAX_GRIDS, Frozen, IdStr, param

#: Refuse territories of more than this many residents: about 6x Chongqing's ~32 million
#: (the largest city-level unit in China), enough for the largest generated test city
#: (MAX_GRIDS grids at civsim generate's 625 residents a grid, ~156 million); more is
#: almost surely a typo, and populations must stay far below 64-bit integers.
MAX_POPULATION = 200_000_000
Population = Annotated[int, Field(ge=0, le=MAX_POPULATION, description="[residents]")]


class DistrictRow(Frozen):
    """A district or county (区/县) with its population and number of streets."""

    id: IdStr
    name_zh: str = Field(min_length=1)
    population: Population
    streets: int = Field(ge=1, le=MAX_GRIDS, description="[count] streets or towns")
    staff: int = Field(default=0, ge=0, description="[persons] district civilization office")


class StreetRow(Frozen):
    """An explicit street or town (街道/镇); replaces the generator's streets."""

    id: IdStr
    district: IdStr
    name_zh: str = Field(min_length=1)
    population: Population
    staff: int = Field(default=0, ge=0, description="[persons]")


class CommunityRow(Frozen):
    """An explicit community or village (社区/村)."""

    id: IdStr
    street: IdStr
    name_zh: str = Field(min_length=1)
    population: Population
    staff: int = Field(default=0, ge=0, description="[persons]")


class GridRow(Frozen):
    """An explicit grid (网格) with its grid workers."""

    id: IdStr
    community: IdStr
    name_zh: str = Field(min_length=1)
    population: Population
    grid_workers: int = Field(ge=0, description="[persons] grid workers (网格员)")


class TerritoryGenerator(Frozen):
    """Seeded generator for the levels below the district, used where no table is given."""

    communities_per_street: float = param(
        10.0,
        "communities per street",
        "assumption: ~600 communities in 60 streets",
        gt=0,
        le=1000,
        plausible=(5.0, 20.0),
    )
    grids_per_community: float = param(
        10.0,
        "grids per community",
        "assumption: ~1,000 residents per grid (docs/domain.md §1)",
        gt=0,
        le=1000,
        plausible=(5.0, 20.0),
    )
    size_spread: float = param(
        0.3,
        "coefficient of variation of counts and populations",
        ASSUMPTION,
        ge=0,
        le=2,
        plausible=(0.1, 0.5),
    )
    grid_workers_per_grid: float = param(
        2.6,
        "grid workers per grid",
        "docs/domain.md §1: Jinan 42,000+ workers in 16,000+ grids",
        ge=0,
        le=50,
    )
    grid_vacancy_rate: float = param(
        0.005, "fraction of grids without a worker", ASSUMPTION, ge=0, le=1, plausible=(0.0, 0.05)
    )
    street_staff: int = param(
        6, "persons per street office on campaign work", ASSUMPTION, ge=0, plausible=(3, 12)
    )
    community_staff: int = param(
        3, "persons per community on campaign work", ASSUMPTION, ge=0, plausible=(1, 6)
    )


class Territory(Frozen):
    """Districts from a table; streets, communities and grids from tables or the generator."""

    districts: tuple[DistrictRow, ...] = Field(min_length=1)
    streets: tuple[StreetRow, ...] | None = None
    communities: tuple[CommunityRow, ...] | None = None
    grids: tuple[GridRow, ...] | None = None
    generator: TerritoryGenerator = TerritoryGenerator()
    redeploy_grid_workers: Literal["none", "street", "district", "city"] = Field(
        default="none",
        description="grid workers moved between the grids of each street, district or the "
        "whole city to even out their field hours (按工作量调配网格员: every grid keeps one, the "
        "rest go where the hours per worker are highest); none: each grid keeps its own",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Territory:
        residents = self.expected_population()
        if residents > MAX_POPULATION:
            raise ValueError(
                f"this territory would have {residents:,} residents; civsim refuses more than "
                f"{MAX_POPULATION:,} (check the population columns)"
            )
        n = self.expected_grids()
        if n > MAX_GRIDS:
            raise ValueError(
                f"this territory would have about {n:,.0f} grids; civsim refuses more than "
                f"{MAX_GRIDS:,} (check streets, communities_per_street and grids_per_community)"
            )
        return self

    def expected_population(self) -> int:
        """Residents of the grids: those of the lowest level given as a table."""
        lowest = self.grids or self.communities or self.streets or self.districts
        return sum(row.population for row in lowest)

    def expected_grids(self) -> float:
        """Grids the territory will have (exact with a grids table, else the generator's mean)."""
        if self.grids is not None:
            return float(len(self.grids))
        g = self.generator
        if self.communities is not None:
            return len(self.communities) * g.grids_per_community
        n_streets = (
            len(self.streets)
            if self.streets is not None
            else sum(d.streets for d in self.districts)
        )
        return n_streets * g.communities_per_street * g.grids_per_community
