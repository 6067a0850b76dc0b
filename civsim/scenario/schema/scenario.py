"""The root :class:`Scenario` model, and the checks that span its sections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, model_validator

from civsim.scenario.checks import Identified, RowError, check_parents, check_unique, hint
from civsim.scenario.params import Frozen, IdStr, param
from civsim.scenario.schema.budget import Budget, check_budget_refs
from civsim.scenario.schema.cycle import Cycle
from civsim.scenario.schema.framework import Framework, responsibility_problem
from civsim.scenario.schema.organisation import Organisation
from civsim.scenario.schema.places import PlaceRow
from civsim.scenario.schema.simulation import Simulation
from civsim.scenario.schema.territory import Territory
from civsim.scenario.schema.workload import WorkloadSpec

#: Refuse scenarios whose place generator would draw more than this many places (35x
#: the baseline city's ~57,000; the same bound as a places table's rows): more would
#: exhaust memory in the places and checkpoint tables.
MAX_PLACES = 2_000_000
#: Place-type densities are given per this many residents (as civsim.places reads them).
RESIDENTS_PER_RATE = 10_000


class Scenario(Frozen):
    """A validated, frozen scenario: one city and one set of policy choices.

    Build it with :func:`load_scenario`; the constructor takes already-loaded data.
    """

    name: IdStr
    title_zh: str = ""
    description: str = ""
    seed: int = param(20240101, "integer seed", "any; fixes every random draw", ge=0)
    cycle: Cycle = Cycle()
    organisation: Organisation
    territory: Territory
    framework: Framework | None = None
    simulation: Simulation = Simulation()
    budget: Budget | None = None
    places: tuple[PlaceRow, ...] | None = Field(
        default=None, description="explicit places (点位); replaces the place generator"
    )
    workload: WorkloadSpec = WorkloadSpec()
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="source notes for values this scenario sets, by field path",
    )
    source_file: str = Field(default="", exclude=True, description="set by load_scenario")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        org = self.organisation
        ids: dict[str, str] = {}
        # the bodies by kind, and the path of each kind's table (the committee and office
        # are one body each, no table)
        tables: list[tuple[str, str | None, Sequence[Identified]]] = [
            ("committee", None, [org.committee]),
            ("office", None, [org.office]),
            ("units", "organisation.units", org.units),
            ("districts", "territory.districts", self.territory.districts),
            ("streets", "territory.streets", self.territory.streets or ()),
            ("communities", "territory.communities", self.territory.communities or ()),
            ("grids", "territory.grids", self.territory.grids or ()),
        ]
        for kind, table, items in tables:
            for i, item in enumerate(items):
                if item.id in ids:
                    used = f"duplicate id {item.id!r}; already used in {ids[item.id]}"
                    if table is None:
                        raise ValueError(f"{kind}: {used}")
                    raise RowError(table, i, "id", used)
                ids[item.id] = kind
        leaders = {org.committee.id, org.office.id} | {u.id for u in org.units}
        for i, u in enumerate(org.units):
            if u.reports_to not in leaders:
                raise RowError(
                    "organisation.units",
                    i,
                    "reports_to",
                    f"reports_to {u.reports_to!r} is not the committee, the office or a member "
                    f"unit{hint(u.reports_to, leaders)}",
                    u.id,
                )
        t = self.territory
        check_parents(t.streets, "district", {d.id for d in t.districts}, "territory.streets")
        if t.communities is not None:
            parents = {s.id for s in t.streets} if t.streets is not None else None
            if parents is None:
                raise ValueError("a communities table needs a streets table too")
            check_parents(t.communities, "street", parents, "territory.communities")
        if t.grids is not None:
            if t.communities is None:
                raise ValueError("a grids table needs a communities table too")
            check_parents(t.grids, "community", {c.id for c in t.communities}, "territory.grids")
        if self.framework is not None:
            units = {u.id for u in org.units}
            _check_unit_refs(self.framework, units)
            problem = responsibility_problem(
                self.framework.responsibilities or (), self.framework, units
            )
            if problem:
                i, col, msg = problem
                raise RowError(
                    "framework.responsibilities", i, col, msg, label="framework responsibilities"
                )
        if self.places is not None:
            _check_places(self)
        return self

    @model_validator(mode="after")
    def _bounded_places(self) -> Scenario:
        if self.framework is not None and self.places is None:
            density = sum(t.per_10k_residents for t in self.framework.place_types)
            n = density * self.territory.expected_population() / RESIDENTS_PER_RATE
            if n > MAX_PLACES:
                raise ValueError(
                    f"the place generator would draw about {n:,.0f} places; civsim refuses "
                    f"more than {MAX_PLACES:,} (check framework.place_types per_10k_residents "
                    "and the territory's population)"
                )
        return self

    @model_validator(mode="after")
    def _defect_place_types(self) -> Scenario:
        named = self.simulation.defects.minor_share_by_place_type
        if named:
            if self.framework is None:
                raise ValueError(
                    "simulation.defects.minor_share_by_place_type names place types, "
                    "but the scenario has no framework"
                )
            types = {t.id for t in self.framework.place_types}
            for t in named:
                if t not in types:
                    raise ValueError(
                        f"simulation.defects.minor_share_by_place_type: unknown place type "
                        f"{t!r}{hint(t, types)}"
                    )
        return self

    @model_validator(mode="after")
    def _budget_references(self) -> Scenario:
        if self.budget is not None:
            districts = {d.id for d in self.territory.districts}
            check_budget_refs(self.budget, self.framework, districts, self.cycle.days_per_year)
        return self

    @model_validator(mode="after")
    def _material_deadlines(self) -> Scenario:
        fw = self.framework
        known = {s.id for s in fw.standards} | {i.id for i in fw.items} if fw else set()
        for key in self.simulation.materials.deadlines:
            if key not in known:
                raise ValueError(
                    f"simulation.materials.deadlines: {key!r} is no standard or item of the "
                    f"framework{hint(key, known)}"
                )
        return self

    @model_validator(mode="after")
    def _regulation_references(self) -> Scenario:
        reg = self.simulation.regulations
        if not reg.enabled:
            return self
        types = {t.id for t in self.framework.place_types} if self.framework else set()
        units = {u.id for u in self.organisation.units}
        for field, named, known, what in (
            ("place_types", reg.place_types, types, "place type of the framework"),
            ("enforcing_units", reg.enforcing_units, units, "member unit"),
        ):
            for name in named:
                if name not in known:
                    raise ValueError(
                        f"simulation.regulations.{field}: {name!r} is no {what}{hint(name, known)}"
                    )
        return self

    @model_validator(mode="after")
    def _integrity_list_references(self) -> Scenario:
        lists = self.simulation.integrity_lists
        if not lists.enabled:
            return self
        _known_place_types(self, "integrity_lists", lists.place_types)
        units = {u.id for u in self.organisation.units}
        if lists.listing_unit not in units:
            raise ValueError(
                f"simulation.integrity_lists.listing_unit: {lists.listing_unit!r} is no member "
                f"unit{hint(lists.listing_unit, units)}"
            )
        return self

    @model_validator(mode="after")
    def _moral_point_places(self) -> Scenario:
        if self.simulation.moral_points.enabled:
            _known_place_types(self, "moral_points", self.simulation.moral_points.place_types)
        return self

    @model_validator(mode="after")
    def _creation_references(self) -> Scenario:
        cr = self.simulation.creation
        kept = {t for settings in cr.kinds().values() for t in settings.place_types}
        lines = self.budget.lines if self.budget is not None else ()
        for line in lines:
            if line.effect == "creation" and line.target not in kept:
                raise ValueError(
                    f"budget line {line.id}: no kind of creation keeps place type "
                    f"{line.target!r} (simulation.creation's place_types: {sorted(kept)})"
                )
        if not cr.enabled:
            return self
        for kind, settings in cr.kinds().items():
            _known_place_types(self, f"creation.{kind}", settings.place_types)
        units = {u.id for u in self.organisation.units}
        if cr.organising_unit not in units:
            raise ValueError(
                f"simulation.creation.organising_unit: {cr.organising_unit!r} is no member "
                f"unit{hint(cr.organising_unit, units)}"
            )
        contents = {c.id for c in self.framework.contents} if self.framework else set()
        for name in cr.material_contents:
            if name not in contents:
                raise ValueError(
                    f"simulation.creation.material_contents: {name!r} is no content of the "
                    f"framework{hint(name, contents)}"
                )
        return self

    @model_validator(mode="after")
    def _urban_village_places(self) -> Scenario:
        villages = self.simulation.urban_villages
        if villages.enabled:
            fw = self.framework
            types = {t.id for t in fw.place_types} if fw else set()
            if villages.place_type not in types:
                raise ValueError(
                    f"simulation.urban_villages.place_type: {villages.place_type!r} is no place "
                    f"type of the framework{hint(villages.place_type, types)}"
                )
        return self

    @property
    def folder(self) -> Path:
        """Folder of the scenario file (tables and outputs are relative to it)."""
        return Path(self.source_file).parent if self.source_file else Path.cwd()


def _known_place_types(scenario: Scenario, section: str, named: tuple[str, ...]) -> None:
    """Every place type a governance lever names must be one of the framework's."""
    fw = scenario.framework
    types = {t.id for t in fw.place_types} if fw else set()
    for name in named:
        if name not in types:
            raise ValueError(
                f"simulation.{section}.place_types: {name!r} is no place type of the framework"
                f"{hint(name, types)}"
            )


def _check_places(scenario: Scenario) -> None:
    """Place ids unique, types, claimants and a grids table's grids known.

    Generated grids are checked when the places are built (:func:`civsim.places.build_places`).
    """
    places = scenario.places or ()
    check_unique(places, "places")
    if scenario.framework is None:
        raise ValueError("a places table needs a framework (its place types)")
    if scenario.territory.grids is not None:
        check_parents(places, "grid", {g.id for g in scenario.territory.grids}, "places")
    types = {p.id for p in scenario.framework.place_types}
    claimants = {u.id for u in scenario.organisation.units}
    claimants |= {d.id for d in scenario.territory.districts}
    for i, place in enumerate(places):
        if place.place_type not in types:
            raise RowError(
                "places",
                i,
                "place_type",
                f"unknown place type {place.place_type!r}{hint(place.place_type, types)}",
                place.id,
            )
        if place.claimed_by is not None and place.claimed_by not in claimants:
            raise RowError(
                "places",
                i,
                "claimed_by",
                f"claimed_by {place.claimed_by!r} is neither a member unit nor a district"
                f"{hint(place.claimed_by, claimants)}",
                place.id,
            )


def _check_unit_refs(framework: Framework, units: set[str]) -> None:
    """Every unit named by a standard or a place type must be a member unit."""
    for table in ("standards", "place_types"):
        for i, row in enumerate(getattr(framework, table)):
            named = [("lead_unit", row.lead_unit)] if row.lead_unit else []
            named += [("cooperating_units", u) for u in getattr(row, "cooperating_units", ())]
            for column, unit in named:
                if unit not in units:
                    raise RowError(
                        f"framework.{table}",
                        i,
                        column,
                        f"unknown unit {unit!r}{hint(unit, units)}",
                        row.id,
                        label=f"framework {table}",
                    )
