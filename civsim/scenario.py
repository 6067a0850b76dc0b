"""Scenario files: YAML plus tables, validated into frozen models.

A scenario describes one city (or county) and one set of policy choices. It is
written as a YAML file, with CSV or XLSX tables beside it for anything large,
and may ``extends:`` another scenario file so that it states only what differs.

Loading goes in one direction:

1. read each YAML file safely, following ``extends:`` (loops refused);
2. in each file, replace a table path by the rows of that table (paths must
   stay inside that file's folder);
3. deep-merge the files, base first (mappings merge, lists are replaced whole);
4. validate with the pydantic models below (frozen, extra keys forbidden).

Every error names the file and the field, or the table row and column, and says
what was expected (:class:`civsim.errors.ScenarioError`).

Parameters are data: each numeric field carries its unit (in its name or its
description) and a source, either a fact from the domain brief or the word
``assumption``. :func:`parameter_table` lists them all.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from civsim.errors import ScenarioError

__all__ = [
    "ASSUMPTION",
    "MAX_GRIDS",
    "Budget",
    "Cycle",
    "DistrictRow",
    "Framework",
    "Organisation",
    "PlaceRow",
    "PlaceTypeRow",
    "ProjectLineRow",
    "ResponsibilityRow",
    "Scenario",
    "Simulation",
    "StandardRow",
    "Territory",
    "TerritoryGenerator",
    "UnitRow",
    "WorkloadSpec",
    "load_scenario",
    "parameter_table",
    "scenario_hash",
]

ASSUMPTION = "assumption"

#: Refuse territories larger than this many grids (5x Jinan's 16,000+ grids, seed 003):
#: bigger inputs are almost surely a typo and would exhaust memory.
MAX_GRIDS = 100_000
#: Refuse tables longer than this many rows, for the same reason.
MAX_TABLE_ROWS = 2_000_000
#: Refuse YAML files larger than this (bytes); a scenario file is a few kilobytes.
MAX_YAML_BYTES = 1_000_000

TABLE_SUFFIXES = (".csv", ".xlsx")
IdStr = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


def param(default: Any, unit: str, source: str = ASSUMPTION, **constraints: Any) -> Any:
    """Declare a scenario parameter with its unit and source.

    Parameters
    ----------
    default : object
        The value used when the scenario does not set one.
    unit : str
        The unit, in words (``"yuan"``, ``"day"``, ``"fraction"``).
    source : str
        Where the default comes from: a fact in the domain brief, or ``"assumption"``.
    **constraints
        Passed to :func:`pydantic.Field` (``ge``, ``le``, ...).

    Returns
    -------
    pydantic.fields.FieldInfo
    """
    return Field(
        default=default,
        description=f"[{unit}] source: {source}",
        json_schema_extra={"unit": unit, "source": source},
        **constraints,
    )


class Frozen(BaseModel):
    """Base of all scenario models: immutable, picklable, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def split_list(value: Any) -> Any:
    """Read a ``;``-separated table cell as a tuple (lists pass through).

    Examples
    --------
    >>> split_list("market_reg; urban_mgmt")
    ('market_reg', 'urban_mgmt')
    >>> split_list("")
    ()
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(";") if p.strip())
    return value


# --------------------------------------------------------------------------- cycle


class Cycle(Frozen):
    """The evaluation cycle and the weights of its score."""

    years: int = param(3, "year", "DOMAIN §2: three-year evaluation cycle", ge=1, le=10)
    days_per_year: int = param(365, "day", "calendar year", ge=30, le=366)
    year_weights: tuple[float, ...] = param(
        (0.15, 0.25, 0.60), "fraction of cycle score", "DOMAIN §2: hengyang.gov.cn 2020"
    )
    material_points: float = param(40.0, "points of 100", "DOMAIN §2: online materials 40", ge=0)
    field_points: float = param(40.0, "points of 100", "DOMAIN §2: field inspection 40", ge=0)
    survey_points: float = param(20.0, "points of 100", "DOMAIN §2: questionnaire 20", ge=0)

    @model_validator(mode="after")
    def _weights_fit(self) -> Cycle:
        if len(self.year_weights) != self.years:
            raise ValueError(
                f"year_weights has {len(self.year_weights)} entries; expected one per year "
                f"({self.years})"
            )
        if any(w < 0 for w in self.year_weights) or abs(sum(self.year_weights) - 1) > 1e-9:
            raise ValueError(f"year_weights must be >= 0 and add up to 1, got {self.year_weights}")
        total = self.material_points + self.field_points + self.survey_points
        if abs(total - 100) > 1e-9:
            raise ValueError(f"material, field and survey points must add up to 100, got {total}")
        return self

    @property
    def days(self) -> int:
        """Days in the whole cycle."""
        return self.years * self.days_per_year


# --------------------------------------------------------------------- organisation


class Body(Frozen):
    """A single body of the chain: the committee or the office."""

    id: IdStr
    name_zh: str = Field(min_length=1)
    staff: int = Field(default=0, ge=0, description="[persons] staff on campaign work")


class UnitRow(Frozen):
    """A member unit of the civilization committee (文明委成员单位)."""

    id: IdStr
    name_zh: str = Field(min_length=1)
    name_en: str = ""
    staff: int = Field(ge=0, description="[persons] staff assigned to campaign work")
    reports_to: IdStr = Field(
        default="committee", description="id of the body this unit answers to (leads edge)"
    )


class Organisation(Frozen):
    """The city-level part of the responsibility chain."""

    committee: Body = Body(id="committee", name_zh="文明委")
    office: Body = Body(id="office", name_zh="文明办", staff=10)
    units: tuple[UnitRow, ...] = Field(min_length=1)


# ------------------------------------------------------------------------ territory


class DistrictRow(Frozen):
    """A district or county (区/县) with its population and number of streets."""

    id: IdStr
    name_zh: str = Field(min_length=1)
    population: int = Field(ge=0, description="[residents]")
    streets: int = Field(ge=1, le=MAX_GRIDS, description="[count] streets or towns")
    staff: int = Field(default=0, ge=0, description="[persons] district civilization office")


class StreetRow(Frozen):
    """An explicit street or town (街道/镇); replaces the generator's streets."""

    id: IdStr
    district: IdStr
    name_zh: str = Field(min_length=1)
    population: int = Field(ge=0, description="[residents]")
    staff: int = Field(default=0, ge=0, description="[persons]")


class CommunityRow(Frozen):
    """An explicit community or village (社区/村)."""

    id: IdStr
    street: IdStr
    name_zh: str = Field(min_length=1)
    population: int = Field(ge=0, description="[residents]")
    staff: int = Field(default=0, ge=0, description="[persons]")


class GridRow(Frozen):
    """An explicit grid (网格) with its grid workers."""

    id: IdStr
    community: IdStr
    name_zh: str = Field(min_length=1)
    population: int = Field(ge=0, description="[residents]")
    grid_workers: int = Field(ge=0, description="[persons] grid workers (网格员)")


class TerritoryGenerator(Frozen):
    """Seeded generator for the levels below the district, used where no table is given."""

    communities_per_street: float = param(
        10.0, "communities per street", "assumption: ~600 communities in 60 streets", gt=0, le=1000
    )
    grids_per_community: float = param(
        10.0,
        "grids per community",
        "assumption: ~1,000 residents per grid (DOMAIN §1)",
        gt=0,
        le=1000,
    )
    size_spread: float = param(
        0.3, "coefficient of variation of counts and populations", ASSUMPTION, ge=0, le=2
    )
    grid_workers_per_grid: float = param(
        2.6,
        "grid workers per grid",
        "DOMAIN §1: Jinan 42,000+ workers in 16,000+ grids",
        ge=0,
        le=50,
    )
    grid_vacancy_rate: float = param(
        0.005, "fraction of grids without a worker", ASSUMPTION, ge=0, le=1
    )
    street_staff: int = param(6, "persons per street office on campaign work", ASSUMPTION, ge=0)
    community_staff: int = param(3, "persons per community on campaign work", ASSUMPTION, ge=0)


class Territory(Frozen):
    """Districts from a table; streets, communities and grids from tables or the generator."""

    districts: tuple[DistrictRow, ...] = Field(min_length=1)
    streets: tuple[StreetRow, ...] | None = None
    communities: tuple[CommunityRow, ...] | None = None
    grids: tuple[GridRow, ...] | None = None
    generator: TerritoryGenerator = TerritoryGenerator()

    @model_validator(mode="after")
    def _bounded(self) -> Territory:
        n = self.expected_grids()
        if n > MAX_GRIDS:
            raise ValueError(
                f"this territory would have about {n:,.0f} grids; civsim refuses more than "
                f"{MAX_GRIDS:,} (check streets, communities_per_street and grids_per_community)"
            )
        return self

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


# ------------------------------------------------------------------------ framework

Environment = Literal[
    "governance", "rule_of_law", "market", "culture", "living", "society", "ecology", "minors"
]
Method = Literal["field", "material", "survey"]
Cadence = Literal["daily", "weekly", "monthly", "quarterly", "once"]
IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]


class ItemRow(Frozen):
    """An evaluation item (测评项目), grouped under one of the eight environments."""

    id: IdStr
    environment: Environment
    name_zh: str = Field(min_length=1)


class ContentRow(Frozen):
    """An evaluation content (测评内容) under an item."""

    id: IdStr
    item: IdStr
    name_zh: str = Field(min_length=1)


class StandardRow(Frozen):
    """An evaluation standard (测评标准): what is checked, how, where, and who leads it."""

    id: IdStr
    content: IdStr
    text_zh: str = Field(min_length=1)
    method: Method = Field(description="field (实地考察), material (材料审核) or survey (问卷)")
    points: float = Field(ge=0, description="[points] weight within its method")
    place_types: IdList = Field(default=(), description="place types checked (field standards)")
    lead_unit: IdStr | None = Field(default=None, description="牵头单位; empty is a coverage gap")
    cooperating_units: IdList = Field(default=(), description="配合单位")
    negative: bool = Field(default=False, description="on the negative list (负面清单)")
    negative_effect: Literal["none", "deduct", "disqualify"] = "none"
    negative_points: float = Field(default=0, ge=0, description="[points] deducted per incident")
    cadence: Cadence = Field(default="monthly", description="how often the task is performed")
    deadline_day: int = Field(default=90, ge=0, description="[day of cycle] first completion due")
    hours_per_task: float = Field(default=1.0, ge=0, description="[staff-hours] per execution")
    decay_per_day: float = Field(
        default=0.01, ge=0, le=1, description="[fraction/day] condition lost without upkeep"
    )
    incidents_per_year: float = Field(
        default=0, ge=0, description="[incidents/year] expected negative-list incidents"
    )

    @model_validator(mode="after")
    def _consistent(self) -> StandardRow:
        if self.method == "field" and not self.place_types and not self.negative:
            raise ValueError(f"standard {self.id}: a field standard needs place_types")
        if self.negative and self.negative_effect == "none":
            raise ValueError(
                f"standard {self.id}: a negative-list standard needs negative_effect "
                "deduct or disqualify"
            )
        if self.lead_unit is not None and self.lead_unit in self.cooperating_units:
            raise ValueError(f"standard {self.id}: lead unit {self.lead_unit} also cooperates")
        return self


class PlaceTypeRow(Frozen):
    """A type of place (点位) checked in the field, with its density and inspection sample."""

    id: IdStr
    name_zh: str = Field(min_length=1)
    name_en: str = ""
    per_10k_residents: float = Field(ge=0, description="[places per 10,000 residents]")
    level: Literal["community", "street", "district"] = Field(
        description="lowest territorial level one such place serves"
    )
    lead_unit: IdStr | None = Field(default=None, description="department claiming this type")
    sample_per_visit: int = Field(ge=0, description="[places] sampled per field inspection")
    observations_per_place: int = Field(default=15, ge=1, description="[observations per place]")


class ResponsibilityRow(Frozen):
    """A row of a responsibility table (责任分解表): who leads and who cooperates on a standard.

    ``lead_unit`` normally names one unit; a sheet that names two (``a;b``) is
    accepted and reported as a conflict. ``points``, when given, must equal the
    standard's points, so a sheet made for another framework version is refused.
    ``item``, ``content``, ``text_zh`` and ``method`` are there for the reader
    of the sheet and are not used.
    """

    standard: IdStr
    lead_unit: IdList = Field(min_length=1, description="牵头单位 (two or more is a conflict)")
    cooperating_units: IdList = Field(default=(), description="配合单位")
    points: float | None = Field(default=None, ge=0, description="[points] checked, not used")
    item: str | None = None
    content: str | None = None
    text_zh: str | None = None
    method: str | None = None


def responsibility_problem(
    rows: tuple[ResponsibilityRow, ...], framework: Framework, units: set[str]
) -> tuple[int, str, str] | None:
    """The first problem in a responsibility table, as (row index, column, message), or None.

    Checks that every standard is known and named once, every unit is a member
    unit, no unit both leads and cooperates, and points (if given) match.
    """
    standards = {s.id: s for s in framework.standards}
    seen: set[str] = set()
    for i, row in enumerate(rows):
        std = standards.get(row.standard)
        if std is None:
            hint = _hint(row.standard, set(standards))
            return i, "standard", f"unknown standard {row.standard!r}{hint}"
        if row.standard in seen:
            return i, "standard", f"duplicate standard {row.standard!r}; list each standard once"
        seen.add(row.standard)
        for col in ("lead_unit", "cooperating_units"):
            for unit in getattr(row, col):
                if unit not in units:
                    return i, col, f"unknown unit {unit!r}{_hint(unit, units)}"
        both = set(row.lead_unit) & set(row.cooperating_units)
        if both:
            return i, "cooperating_units", f"{sorted(both)} both lead and cooperate"
        if row.points is not None and abs(row.points - std.points) > POINTS_TOLERANCE:
            return (
                i,
                "points",
                (
                    f"{row.points} differs from the framework's {std.points} for {row.standard}; "
                    "the sheet belongs to another framework version"
                ),
            )
    return None


#: Points in a responsibility table may differ from the framework's by rounding only.
POINTS_TOLERANCE = 1e-6


class Framework(Frozen):
    """The evaluation framework: items -> contents -> standards, and the place types."""

    items: tuple[ItemRow, ...] = Field(min_length=1)
    contents: tuple[ContentRow, ...] = Field(min_length=1)
    standards: tuple[StandardRow, ...] = Field(min_length=1)
    place_types: tuple[PlaceTypeRow, ...] = Field(min_length=1)
    responsibilities: tuple[ResponsibilityRow, ...] | None = Field(
        default=None, description="责任分解表: overrides standards' lead and cooperating units"
    )

    @model_validator(mode="after")
    def _references(self) -> Framework:
        for table in ("items", "contents", "standards", "place_types"):
            _unique(getattr(self, table), table)
        _check_parents(self.contents, "item", {i.id for i in self.items}, "contents")
        _check_parents(self.standards, "content", {c.id for c in self.contents}, "standards")
        types = {p.id for p in self.place_types}
        for i, std in enumerate(self.standards):
            for t in std.place_types:
                if t not in types:
                    raise ValueError(
                        f"standards row {i + 1} ({std.id}): unknown place type {t!r}"
                        f"{_hint(t, types)}"
                    )
        return self


# ----------------------------------------------------------------------- simulation


class Dynamics(Frozen):
    """How a checkpoint's condition (0..1) decays and how routine effort restores it."""

    initial_condition: float = param(0.7, "condition 0..1 on day 0", ASSUMPTION, ge=0, le=1)
    compliance_threshold: float = param(
        0.6, "condition below which a checkpoint is a problem", ASSUMPTION, ge=0, le=1
    )
    upkeep_rate: float = param(
        0.08,
        "fraction of the gap to full condition closed per day at full routine effort",
        "assumption: calibrated so the baseline, a repeat title holder (seed 000), scores ~88",
        ge=0,
        le=1,
    )
    unstaffed_effort: float = param(
        0.3,
        "routine effort at a checkpoint with nobody assigned, share of full",
        ASSUMPTION,
        ge=0,
        le=1,
    )


class Campaign(Frozen):
    """Campaign-style (运动式) versus normal (常态化) operation, at equal total effort."""

    mode: Literal["normal", "campaign"] = Field(
        default="normal", description="campaign surges before expected inspections"
    )
    run_up_days: int = param(60, "day", "DOMAIN §5 default (assumption)", ge=0, le=365)
    surge_multiplier: float = param(2.0, "x normal effort at the peak", "DOMAIN §5 default", ge=1)
    decay_half_life_days: float = param(28.0, "day", "DOMAIN §5 default: 4 weeks", gt=0)
    overshoot: float = param(
        0.10,
        "fraction below normal effort right after the window",
        "DOMAIN §5 default",
        ge=0,
        le=1,
    )


class Detection(Frozen):
    """How problems are found: self-checks, covert visits, citizen reports, a smart platform."""

    self_check_interval_days: int = param(30, "day", ASSUMPTION, ge=1)
    self_check_places: int = param(300, "places per mock test", "DOMAIN §2: 300+ points", ge=0)
    covert_visit_interval_days: int = param(91, "day", ASSUMPTION, ge=1)
    covert_visit_places: int = param(
        80, "places per covert visit", "DOMAIN §2: 70-87 points per visit", ge=0
    )
    citizen_report_rate: float = param(
        0.002, "reports per problem checkpoint per day", ASSUMPTION, ge=0, le=1
    )
    platform: bool = Field(default=False, description="a smart platform (一网统管) is running")
    platform_detection_rate: float = param(
        0.05, "daily chance the platform flags a problem checkpoint", ASSUMPTION, ge=0, le=1
    )


class Rectification(Frozen):
    """The closed loop 发现问题—整改提升—评估反馈: orders queued at lead units."""

    staff_share: float = param(
        0.5,
        "share of a unit's campaign staff working rectification orders",
        ASSUMPTION,
        ge=0,
        le=1,
    )
    orders_per_staff_day: float = param(1.0, "orders closed per staff-day", ASSUMPTION, gt=0)
    territorial_share: float = param(
        0.5,
        "share of field problems handed to the street offices of the place's district (属地)",
        "assumption: 谁主管谁负责 and 属地管理 share the work (DOMAIN §1)",
        ge=0,
        le=1,
    )
    deadline_days: int = param(10, "day", "DOMAIN §5: 28 of 57 problems fixed within 10 days", ge=1)
    fixed_condition: float = param(0.95, "condition after closure", ASSUMPTION, ge=0, le=1)
    coordination_delay_days: float = param(
        14.0, "mean wait before an order with cooperating units can start", ASSUMPTION, ge=0
    )
    joint_mechanism: bool = Field(
        default=False, description="联席会议/联合督查 running: coordination waits shortened"
    )
    joint_delay_factor: float = param(
        0.25,
        "coordination wait with joint mechanisms, share of without",
        ASSUMPTION,
        ge=0,
        le=1,
    )


class Volunteers(Frozen):
    """Volunteer dispatch: 群众点单、中心派单、志愿者接单 (seed 002)."""

    requests_per_10k_per_day: float = param(
        0.8, "citizen requests per 10,000 residents per day", ASSUMPTION, ge=0
    )
    hours_per_request: float = param(3.0, "volunteer-hours per request", ASSUMPTION, gt=0)
    base_hours_per_10k_per_day: float = param(
        3.0, "volunteer-hours available per 10,000 residents per day", ASSUMPTION, ge=0
    )
    effort_per_hour: float = param(
        1.0,
        "extra routine effort (share of normal) one spare volunteer-hour gives one field "
        "checkpoint for a day",
        ASSUMPTION,
        ge=0,
    )


class Survey(Frozen):
    """The questionnaire: residents' satisfaction from experienced condition and service."""

    households: int = param(2000, "households per questionnaire", "DOMAIN §2: ~2,000", ge=1)
    base_satisfaction: float = param(
        0.86,
        "satisfaction at reference condition and no waits",
        "assumption: calibrated; the best provinces report ~96% (DOMAIN §2)",
        ge=0,
        le=1,
    )
    reference_condition: float = param(0.8, "condition 0..1", ASSUMPTION, ge=0, le=1)
    condition_weight: float = param(
        0.5, "satisfaction gained per unit of field condition above reference", ASSUMPTION
    )
    wait_penalty_per_day: float = param(
        0.01, "satisfaction lost per day of mean volunteer-request wait", ASSUMPTION, ge=0
    )


class Evaluation(Frozen):
    """When and how each year is evaluated, the negative list, and the peers."""

    window_start_day: int = param(
        240, "day of year the field inspection window opens", ASSUMPTION, ge=0, le=365
    )
    window_days: int = param(60, "day", ASSUMPTION, ge=1, le=365)
    material_review_day: int = param(330, "day of year", ASSUMPTION, ge=0, le=365)
    survey_day: int = param(300, "day of year", ASSUMPTION, ge=0, le=365)
    inspection_places: int = param(
        80, "places sampled per field inspection", "DOMAIN §2: 70-87 points", ge=1
    )
    peer_group_size: int = param(
        30, "cities competing in one group", "assumption (391 nominees in groups)", ge=2
    )
    quota_share: float = param(
        0.34, "share of a group that wins the title", "DOMAIN §2: 133 of 391", gt=0, le=1
    )
    peer_mean: float = param(86.0, "cycle score points", ASSUMPTION, ge=0, le=100)
    peer_sd: float = param(
        2.5, "cycle score points", "assumption; tenths of a point decide (seed 001)", ge=0
    )


class Simulation(Frozen):
    """Every parameter of the three-year simulation, grouped by mechanism."""

    record_every_days: int = param(7, "day between shadow-score records", ASSUMPTION, ge=1)
    dynamics: Dynamics = Dynamics()
    campaign: Campaign = Campaign()
    detection: Detection = Detection()
    rectification: Rectification = Rectification()
    volunteers: Volunteers = Volunteers()
    survey: Survey = Survey()
    evaluation: Evaluation = Evaluation()


# --------------------------------------------------------------------------- budget

Category = Literal["key_project", "regular_activity"]
BudgetLevel = Literal["city", "district"]
TargetKind = Literal["place_type", "standard", "district", "city"]
Effect = Literal["condition", "decay", "staff_days", "detection", "volunteer_hours", "publicity"]
PolicyName = Literal["equal", "per_capita", "need", "performance", "optimised"]
#: Effects that change checkpoints one by one, so a unit names how many it covers.
PLACE_EFFECTS = ("condition", "decay")
#: Effects whose size is a fraction or probability on the 0..1 scale.
FRACTION_EFFECTS = ("condition", "decay", "detection", "publicity")


class ProjectLineRow(Frozen):
    """A line of the special fund (专项资金项目): what one unit costs and what it does.

    ``level`` says who spends it: ``city`` lines are bought once city-wide
    (``max_units`` is a city-wide limit), ``district`` lines in each district
    (``max_units`` per district per year). ``target_kind`` and ``target`` name
    what a unit works on: a place type, a standard (its place types' checkpoints,
    or for a material or survey standard its residents), or a whole district or
    city (every field checkpoint, or for ``publicity`` every survey standard).

    Effects of one unit (the simulation implements exactly these):

    - ``condition``: raises the condition (0..1) of ``places_per_unit``
      checkpoints of the target by ``effect_size`` (absolute), once, on delivery.
    - ``decay``: multiplies the daily decay of ``places_per_unit`` target
      checkpoints by ``1 - effect_size`` for ``duration_days``.
    - ``staff_days``: adds ``effect_size`` staff-days of rectification capacity
      to the target's lead unit (or the district's office), spread over
      ``duration_days``.
    - ``detection``: raises the daily probability that a non-compliant
      checkpoint in the target is detected by ``effect_size`` (absolute, capped
      at 1) for ``duration_days`` (smart platform module, 一网统管).
    - ``volunteer_hours``: funds ``effect_size`` volunteer-hours, spread over
      ``duration_days``, that serve citizen requests and restore condition.
    - ``publicity``: raises residents' satisfaction (survey, 0..1) by
      ``effect_size`` (absolute), decaying to nothing over ``duration_days``.
    """

    id: IdStr
    name_zh: str = Field(min_length=1)
    category: Category = Field(description="key_project (重点项目) or regular_activity (常态活动)")
    level: BudgetLevel = Field(description="city: bought city-wide; district: in each district")
    unit_cost_yuan: int = Field(description="[yuan per unit] price of one whole unit")
    max_units: int = Field(ge=0, description="[units per year] per district, or city-wide")
    target_kind: TargetKind
    target: IdStr | None = Field(default=None, description="place type or standard id")
    effect: Effect
    effect_size: float = Field(ge=0, description="[per unit] see the effect's meaning above")
    places_per_unit: int = Field(default=0, ge=0, description="[checkpoints per unit]")
    duration_days: int = Field(ge=1, le=3660, description="[day] how long a unit's effect lasts")
    source: str = Field(min_length=1, description="DOMAIN fact or 'assumption'")

    @field_validator("unit_cost_yuan", mode="before")
    @classmethod
    def _positive_cost(cls, value: Any) -> Any:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value  # pydantic reports the wrong type
        if number <= 0 or number != int(number):
            raise ValueError(f"a unit must cost a whole number of yuan above 0, got {value}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ProjectLineRow:
        needs_id = self.target_kind in ("place_type", "standard")
        if needs_id and self.target is None:
            raise ValueError(f"line {self.id}: target_kind {self.target_kind} needs a target id")
        if not needs_id and self.target is not None:
            raise ValueError(f"line {self.id}: target_kind {self.target_kind} takes no target id")
        if self.target_kind == "district" and self.level == "city":
            raise ValueError(f"line {self.id}: a city-level line cannot target one district")
        if self.effect in PLACE_EFFECTS:
            if self.places_per_unit < 1:
                raise ValueError(f"line {self.id}: effect {self.effect} needs places_per_unit >= 1")
            if self.target_kind not in ("place_type", "standard"):
                raise ValueError(
                    f"line {self.id}: effect {self.effect} needs a place type or field standard"
                )
        if self.effect == "publicity" and self.target_kind == "place_type":
            raise ValueError(
                f"line {self.id}: publicity works on survey standards, a district or the city"
            )
        if self.effect in FRACTION_EFFECTS and self.effect_size > 1:
            raise ValueError(
                f"line {self.id}: effect_size of {self.effect} is on the 0..1 scale, "
                f"got {self.effect_size}"
            )
        return self


class DistrictConditionRow(Frozen):
    """The expected condition of one district's checkpoints at the start of a year."""

    district: IdStr
    condition: float = Field(ge=0, le=1, description="[condition 0..1]")


class Budget(Frozen):
    """The yearly special fund (专项资金) and how it is split and linked to results.

    Shares of the district level (``district_min_share``, ``district_cap_share``)
    are of the money left after the city's part; a district's minimum is the
    larger of its share and yuan floors, its cap the smaller of the two caps.
    """

    total_yuan: int = param(
        12_000_000, "yuan per year", "DOMAIN §4: seed 000 约1200余万元 special fund"
    )
    city_share: float = param(
        0.4, "fraction of the fund spent at city level", ASSUMPTION, ge=0, le=1
    )
    key_project_share: float = param(
        0.6,
        "fraction of each level's money for key projects (重点项目)",
        "DOMAIN §4: key projects and regular activities; split is an assumption",
        ge=0,
        le=1,
    )
    district_min_share: float = param(
        0.0, "fraction of the district-level money, per district", ASSUMPTION, ge=0, le=1
    )
    district_min_yuan: int = param(0, "yuan per district per year", ASSUMPTION, ge=0)
    district_cap_share: float = param(
        1.0, "fraction of the district-level money, per district", ASSUMPTION, ge=0, le=1
    )
    district_cap_yuan: int | None = param(
        None, "yuan per district per year (empty: no cap)", ASSUMPTION, ge=0
    )
    policy: PolicyName = Field(default="performance", description="default allocation policy")
    first_year_policy: PolicyName = Field(
        default="need",
        description="policy used by performance before any results exist (year 1)",
    )
    performance_link: float = param(
        0.3,
        "largest share of its base money a district gains or loses by last year's standing",
        "DOMAIN §4: 评估结果与财政投入挂钩; strength is an assumption",
        ge=0,
        le=1,
    )
    expected_condition: float = param(
        0.7, "condition (0..1) of a checkpoint at the start of a year", ASSUMPTION, ge=0, le=1
    )
    district_condition: tuple[DistrictConditionRow, ...] = Field(
        default=(),
        description="expected condition by district, overriding expected_condition (a list, "
        "so an overlay replaces it whole)",
    )
    condition_per_staff_day: float = param(
        0.005,
        "year-average condition gained, summed over checkpoints, per staff-day",
        "assumption: a restored checkpoint decays back within about two weeks",
        ge=0,
    )
    condition_per_volunteer_hour: float = param(
        0.0004,
        "year-average condition gained, summed over checkpoints, per volunteer-hour",
        "assumption: an hour is 1/8 staff-day at two thirds of a staff member's effect",
        ge=0,
    )
    condition_per_detection: float = param(
        0.5,
        "condition gained per checkpoint per +1.0 daily detection probability",
        "assumption: problems found sooner are rectified sooner (DOMAIN §5 closed loop)",
        ge=0,
    )
    decay_exposure_days: float = param(
        7.0,
        "day: mean days of decay a checkpoint carries since its last restoration",
        ASSUMPTION,
        ge=0,
    )
    lines: tuple[ProjectLineRow, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Budget:
        if self.total_yuan <= 0:
            raise ValueError(
                f"the yearly fund must be more than 0 yuan, got {self.total_yuan:,} yuan"
            )
        if self.first_year_policy == "performance":
            raise ValueError("first_year_policy cannot be performance: year 1 has no results")
        _unique(self.lines, "budget lines")
        named = [row.district for row in self.district_condition]
        if len(set(named)) < len(named):
            raise ValueError("budget.district_condition names a district twice")
        return self


def _check_budget_refs(budget: Budget, framework: Framework | None, districts: set[str]) -> None:
    """Every line's target and every district named by the budget must exist."""
    for i, row in enumerate(budget.district_condition):
        if row.district not in districts:
            raise ValueError(
                f"budget.district_condition row {i + 1}: unknown district {row.district!r}"
                f"{_hint(row.district, districts)}"
            )
    tables = {
        "place_type": {p.id for p in framework.place_types} if framework else set(),
        "standard": {s.id for s in framework.standards} if framework else set(),
    }
    for i, line in enumerate(budget.lines):
        known = tables.get(line.target_kind)
        if known is None:
            continue
        if framework is None:
            raise ValueError(f"budget lines row {i + 1} ({line.id}): targets need a framework")
        if line.target not in known:
            raise ValueError(
                f"budget lines row {i + 1} ({line.id}): unknown {line.target_kind} "
                f"{line.target!r}{_hint(line.target, known)}"
            )
        std = next((s for s in framework.standards if s.id == line.target), None)
        if std is not None and line.effect == "publicity" and std.method != "survey":
            raise ValueError(
                f"budget lines row {i + 1} ({line.id}): publicity works on survey standards; "
                f"{std.id} is a {std.method} standard"
            )
        if std is not None and line.effect in PLACE_EFFECTS and not std.place_types:
            raise ValueError(
                f"budget lines row {i + 1} ({line.id}): effect {line.effect} needs "
                f"checkpoints, but standard {std.id} has no place types"
            )


# ------------------------------------------------------------------ places and tasks


class PlaceRow(Frozen):
    """An explicit place (点位); a places table replaces the generated places."""

    id: IdStr
    place_type: IdStr
    grid: IdStr
    name_zh: str = Field(min_length=1)
    claimed_by: IdStr | None = Field(
        default=None,
        description="unit or district answering for the place; empty: the type's lead unit, "
        "else the district (属地)",
    )


class WorkloadSpec(Frozen):
    """Capacities and cadences that turn tasks into hours and loads."""

    hours_per_staff_year: float = param(
        1600.0, "hours per person-year", "assumption: ~200 working days of 8 hours", gt=0
    )
    grid_worker_hours_per_year: float = param(
        1000.0,
        "hours per grid worker-year",
        "assumption: grid workers spend most but not all of their time on campaign checks",
        gt=0,
    )
    overload_ratio: float = param(
        1.0, "fraction of capacity", "assumption: flagged above full capacity", gt=0
    )
    daily_per_year: float = param(365.0, "executions per year", "calendar days", gt=0)
    weekly_per_year: float = param(52.0, "executions per year", "calendar weeks", gt=0)
    monthly_per_year: float = param(12.0, "executions per year", "calendar months", gt=0)
    quarterly_per_year: float = param(4.0, "executions per year", "calendar quarters", gt=0)


# ------------------------------------------------------------------------- scenario


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
        for kind, items in (
            ("committee", [org.committee]),
            ("office", [org.office]),
            ("units", org.units),
            ("districts", self.territory.districts),
            ("streets", self.territory.streets or ()),
            ("communities", self.territory.communities or ()),
            ("grids", self.territory.grids or ()),
        ):
            for i, item in enumerate(items):
                if item.id in ids:
                    raise ValueError(
                        f"duplicate id {item.id!r} in {kind} (row {i + 1}); "
                        f"already used in {ids[item.id]}"
                    )
                ids[item.id] = kind
        leaders = {org.committee.id, org.office.id} | {u.id for u in org.units}
        for i, u in enumerate(org.units):
            if u.reports_to not in leaders:
                raise ValueError(
                    f"units row {i + 1} ({u.id}): reports_to {u.reports_to!r} is not the "
                    f"committee, the office or a member unit{_hint(u.reports_to, leaders)}"
                )
        t = self.territory
        _check_parents(t.streets, "district", {d.id for d in t.districts}, "streets")
        if t.communities is not None:
            parents = {s.id for s in t.streets} if t.streets is not None else None
            if parents is None:
                raise ValueError("a communities table needs a streets table too")
            _check_parents(t.communities, "street", parents, "communities")
        if t.grids is not None:
            if t.communities is None:
                raise ValueError("a grids table needs a communities table too")
            _check_parents(t.grids, "community", {c.id for c in t.communities}, "grids")
        if self.framework is not None:
            units = {u.id for u in org.units}
            _check_unit_refs(self.framework, units)
            problem = responsibility_problem(
                self.framework.responsibilities or (), self.framework, units
            )
            if problem:
                i, col, msg = problem
                raise ValueError(f"framework responsibilities row {i + 1}, column {col}: {msg}")
        if self.places is not None:
            _check_places(self)
        return self

    @model_validator(mode="after")
    def _budget_references(self) -> Scenario:
        if self.budget is not None:
            districts = {d.id for d in self.territory.districts}
            _check_budget_refs(self.budget, self.framework, districts)
        return self

    @property
    def folder(self) -> Path:
        """Folder of the scenario file (tables and outputs are relative to it)."""
        return Path(self.source_file).parent if self.source_file else Path.cwd()


def _check_places(scenario: Scenario) -> None:
    """Place ids unique, types known, claimants known; grids are checked when built."""
    places = scenario.places or ()
    _unique(places, "places")
    if scenario.framework is None:
        raise ValueError("a places table needs a framework (its place types)")
    types = {p.id for p in scenario.framework.place_types}
    claimants = {u.id for u in scenario.organisation.units}
    claimants |= {d.id for d in scenario.territory.districts}
    for i, place in enumerate(places):
        if place.place_type not in types:
            raise ValueError(
                f"places row {i + 1} ({place.id}): unknown place type {place.place_type!r}"
                f"{_hint(place.place_type, types)}"
            )
        if place.claimed_by is not None and place.claimed_by not in claimants:
            raise ValueError(
                f"places row {i + 1} ({place.id}): claimed_by {place.claimed_by!r} is neither "
                f"a member unit nor a district{_hint(place.claimed_by, claimants)}"
            )


def _check_parents(rows: tuple | None, field: str, known: set[str], table: str) -> None:
    for i, row in enumerate(rows or ()):
        ref = getattr(row, field)
        if ref not in known:
            raise ValueError(
                f"{table} row {i + 1} ({row.id}): unknown {field} {ref!r}{_hint(ref, known)}"
            )


def _unique(rows: tuple, table: str) -> None:
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.id in seen:
            raise ValueError(f"{table} row {i + 1}: duplicate id {row.id!r}")
        seen.add(row.id)


def _check_unit_refs(framework: Framework, units: set[str]) -> None:
    """Every unit named by a standard or a place type must be a member unit."""
    for table in ("standards", "place_types"):
        for i, row in enumerate(getattr(framework, table)):
            named = [row.lead_unit] if row.lead_unit else []
            named += list(getattr(row, "cooperating_units", ()))
            for unit in named:
                if unit not in units:
                    raise ValueError(
                        f"framework {table} row {i + 1} ({row.id}): unknown unit {unit!r}"
                        f"{_hint(unit, units)}"
                    )


def _hint(word: str, options: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -------------------------------------------------------------------------- loading


class _Table:
    """A table's rows, remembered with the file they came from (for error messages)."""

    def __init__(
        self, path: Path, rows: list[dict[str, Any]], header_rows: int = 1, sheet: str = ""
    ):
        self.path = path
        self.rows = rows
        self.header_rows = header_rows
        self.sheet = sheet

    @property
    def label(self) -> str:
        """The file, and the sheet of a workbook (``book.xlsx#Sheet1``), for messages."""
        return f"{self.path}#{self.sheet}" if self.sheet else str(self.path)


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario's YAML file.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        If any file is missing, malformed or invalid; the message names the
        file and the field (or the table row and column).

    Examples
    --------
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> s.name, s.cycle.year_weights
    ('baseline', (0.15, 0.25, 0.6))
    """
    path = Path(path).resolve()
    raw, tables = _read_with_bases(path, chain=())
    try:
        return Scenario.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise _explain(exc, path, tables) from None


def _read_with_bases(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict]:
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(f"extends loop: {loop}", file=str(chain[-1]), where="extends")
    raw = _read_yaml(path)
    tables: dict[tuple, _Table] = {}
    raw = _resolve_tables(raw, Scenario, path, (), tables)
    base = raw.pop("extends", None)
    if base is None:
        return raw, tables
    if not isinstance(base, str):
        raise ScenarioError("expected a file name", file=str(path), where="extends")
    base_path = (path.parent / base).resolve()
    if not base_path.is_file():
        raise ScenarioError(f"base scenario {base!r} not found", file=str(path), where="extends")
    base_raw, base_tables = _read_with_bases(base_path, (*chain, path))
    merged = deep_merge(base_raw, raw)
    # A table set in the overlay replaces the base's whole, so its rows win.
    return merged, {**base_tables, **tables}


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError("scenario file not found", file=str(path))
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ScenarioError(
            f"file is larger than {MAX_YAML_BYTES:,} bytes; put large data in tables",
            file=str(path),
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise ScenarioError(f"malformed YAML: {exc.problem}", file=str(path), where=where) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"malformed YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ScenarioError("expected a mapping of keys at the top of the file", file=str(path))
    return data


def deep_merge(base: Mapping, overlay: Mapping) -> dict:
    """Overlay one mapping on another: mappings merge, everything else is replaced.

    Examples
    --------
    >>> deep_merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": 3}, "l": [9]})
    {'a': {'x': 1, 'y': 3}, 'l': [9]}
    """
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _alternatives(ann: Any) -> tuple[Any, ...]:
    """The members of a ``X | None`` annotation, or the annotation alone."""
    return get_args(ann) if get_origin(ann) in (Union, UnionType) else (ann,)


def _table_row_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The row model if ``model.field`` is a table (``tuple[Row, ...]``), else None."""
    info = model.model_fields.get(field)
    for ann in _alternatives(info.annotation) if info else ():
        args = get_args(ann)
        if get_origin(ann) is tuple and args and _is_model(args[0]):
            return args[0]
    return None


def _submodel(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The nested model if ``model.field`` is one (``Cycle``, ``Cycle | None``), else None."""
    info = model.model_fields.get(field)
    for ann in _alternatives(info.annotation) if info else ():
        if _is_model(ann):
            return ann
    return None


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _resolve_tables(
    raw: Any, model: type[BaseModel], file: Path, loc: tuple, tables: dict[tuple, _Table]
) -> Any:
    """Replace table paths in ``raw`` by their rows, recursing along the schema."""
    if not isinstance(raw, dict):
        return raw
    out = {}
    for key, value in raw.items():
        row_model = _table_row_model(model, key) if isinstance(key, str) else None
        if row_model is not None and isinstance(value, str):
            table = read_table(file.parent, value, file)
            tables[(*loc, key)] = table
            out[key] = table.rows
            continue
        sub = _submodel(model, key) if isinstance(key, str) else None
        out[key] = _resolve_tables(value, sub, file, (*loc, key), tables) if sub else value
    return out


def read_table(folder: Path, name: str, declared_in: Path) -> _Table:
    """Read a CSV or XLSX table that must sit inside ``folder``.

    XLSX tables are read from their first sheet, or from ``file.xlsx#Sheet``.
    """
    file_part, _, sheet = name.partition("#")
    path = (folder / file_part).resolve()
    where = f"table {name!r}"
    if not path.is_relative_to(folder.resolve()):
        raise ScenarioError(
            f"{where} leaves the scenario's folder {folder}; tables must sit inside it",
            file=str(declared_in),
        )
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise ScenarioError(f"{where}: expected a .csv or .xlsx file", file=str(declared_in))
    if not path.is_file():
        raise ScenarioError(f"{where} does not exist ({path})", file=str(declared_in))
    if path.suffix.lower() == ".xlsx":
        rows, sheet = _read_xlsx(path, sheet)
    else:
        rows, sheet = _read_csv(path), ""
    if len(rows) > MAX_TABLE_ROWS:
        raise ScenarioError(
            f"table has {len(rows):,} rows; civsim refuses more than {MAX_TABLE_ROWS:,}",
            file=str(path),
        )
    return _Table(path, rows, sheet=sheet)


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    return value


def _read_csv(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for i, rec in enumerate(reader):
                if None in rec:
                    raise ScenarioError(
                        f"row has more cells than the header ({len(reader.fieldnames or [])})",
                        file=str(path),
                        where=f"row {i + 2}",
                    )
                rows.append({k.strip(): _clean_cell(v) for k, v in rec.items() if k})
            return rows
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text: {exc.reason}", file=str(path)) from None
    except csv.Error as exc:
        raise ScenarioError(f"malformed CSV: {exc}", file=str(path)) from None


def _read_xlsx(path: Path, sheet: str) -> tuple[list[dict[str, Any]], str]:
    import openpyxl  # imported here: only XLSX tables need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError) as exc:
        raise ScenarioError(f"cannot read workbook: {exc}", file=str(path)) from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise ScenarioError(
                f"no sheet {sheet!r}; the workbook has {wb.sheetnames}", file=str(path)
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return [], ws.title
        names = [str(h).strip() if h is not None else "" for h in header]
        rows = [
            {n: _clean_cell(v) for n, v in zip(names, rec, strict=False) if n}
            for rec in it
            if any(v is not None for v in rec)
        ]
        return rows, ws.title
    finally:
        wb.close()


def _explain(exc: ValidationError, path: Path, tables: dict[tuple, _Table]) -> ScenarioError:
    """Turn pydantic's first error into one message naming file and field or row and column."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        known = _fields_at(loc[:-1])
        msg = f"unknown key {loc[-1]!r}{_hint(str(loc[-1]), known)}"
    elif err["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
    for n in range(len(loc), 0, -1):
        table = tables.get(loc[:n])
        if table is not None and len(loc) > n and isinstance(loc[n], int):
            row = loc[n] + 1 + table.header_rows
            col = ".".join(str(p) for p in loc[n + 1 :]) or "(row)"
            if err["type"] == "missing":
                msg = f"missing column {col!r}"
            return ScenarioError(msg, file=table.label, where=f"row {row}, column {col}")
    where = ".".join(str(p) for p in loc) or None
    return ScenarioError(msg, file=str(path), where=where)


def _fields_at(loc: tuple) -> list[str]:
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        model = _submodel(model, part) or _table_row_model(model, part)
    return list(model.model_fields) if model else []


# ------------------------------------------------------------------------- metadata


def parameter_table(scenario: Scenario) -> list[dict[str, Any]]:
    """Every scalar parameter with its value, default, unit and source.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    list of dict
        One record per parameter: ``path``, ``value``, ``default``, ``unit``,
        ``source`` and ``changed`` (value differs from the default).

    Examples
    --------
    >>> rows = parameter_table(load_scenario("scenarios/baseline.yaml"))
    >>> next(r for r in rows if r["path"] == "cycle.years")["unit"]
    'year'
    """
    out: list[dict[str, Any]] = []
    _walk_params(scenario, "", scenario.sources, out)
    return out


def _walk_params(model: BaseModel, prefix: str, notes: dict[str, str], out: list) -> None:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            _walk_params(value, f"{path}.", notes, out)
            continue
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "unit" not in extra:
            continue
        out.append(
            {
                "path": path,
                "value": value,
                "default": info.default,
                "unit": extra["unit"],
                "source": notes.get(path, extra["source"]),
                "changed": value != info.default,
            }
        )


def scenario_hash(scenario: Scenario) -> str:
    """A content hash of the validated scenario (independent of file layout).

    Examples
    --------
    >>> len(scenario_hash(load_scenario("scenarios/baseline.yaml")))
    16
    """
    blob = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
