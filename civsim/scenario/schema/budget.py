"""The ``budget`` section: the yearly special fund (专项资金) and its project lines."""

from __future__ import annotations

import functools
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from civsim.scenario.checks import RowError, check_unique, hint
from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param
from civsim.scenario.schema.framework import Framework

Category = Literal["key_project", "regular_activity"]
BudgetLevel = Literal["city", "district"]
TargetKind = Literal["place_type", "standard", "district", "city"]
Effect = Literal[
    "condition",
    "decay",
    "staff_days",
    "detection",
    "volunteer_hours",
    "publicity",
    "enforcement",
    "creation",
]
PolicyName = Literal["equal", "per_capita", "need", "performance", "optimised"]
#: Effects that change checkpoints one by one, so a unit names how many it covers.
PLACE_EFFECTS = ("condition", "decay")
#: Columns of a line that may carry a plausible range, ``<name>_low`` and ``<name>_high``.
RANGED = ("unit_cost", "effect_size", "places_per_unit", "duration_days")
#: Effects paid as a grant on the line's start day, their effect spread over the duration.
GRANT_EFFECTS = ("staff_days", "volunteer_hours", "publicity", "enforcement")
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

    - ``condition``: renovates ``places_per_unit`` checkpoints of the target on
      delivery: each is repaired as a rectification order's closure repairs it
      (its open defect fixed, its condition brought up to
      ``simulation.dynamics.renovated_condition``), then raised by ``effect_size``
      (absolute), a lift that fades over ``duration_days``.
    - ``decay``: multiplies the daily decay of ``places_per_unit`` target
      checkpoints by ``1 - effect_size`` for ``duration_days``.
    - ``staff_days``: adds ``effect_size`` staff-days of rectification capacity
      to the target's lead unit (or the district's office), spread over
      ``duration_days``.
    - ``detection``: a funded platform module (一网统管) looks at each target
      checkpoint with a daily chance of ``effect_size`` (the lines running at
      a checkpoint add up, capped at 1) for ``duration_days``, finding it if it
      is a problem; its looks come from streams of their own, beside the
      platform's own looks where it is switched on.
    - ``volunteer_hours``: funds ``effect_size`` volunteer-hours, spread over
      ``duration_days``, that serve citizen requests and restore condition.
    - ``publicity``: raises residents' satisfaction (survey, 0..1) by
      ``effect_size`` (absolute), decaying to nothing over ``duration_days``.
    - ``enforcement``: funds ``effect_size`` hours of enforcing the civilized-behaviour
      regulations at public places, spread over ``duration_days``
      (:mod:`civsim.sim.mechanisms.regulations`; nothing while they are not enforced).
    - ``creation``: funds ``effect_size`` creations (文明单位、文明村镇、文明家庭、文明校园) of
      the kind whose holders keep the target place type, named in the line's districts
      and held for ``duration_days`` (:mod:`civsim.sim.mechanisms.creation`; nothing
      while the creation activities do not run). A unit's price is yuan per creation.

    Delivery starts on ``start_day`` of each year. An assumed figure carries
    its plausible range as ``<name>_low`` and ``<name>_high`` (:data:`RANGED`:
    ``unit_cost`` for ``unit_cost_yuan``, ``effect_size``, ``places_per_unit``,
    ``duration_days``), both or neither, holding the value: what an
    exploration of the fund's uncertainty varies.
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
    start_day: int = Field(
        default=0,
        ge=0,
        le=365,
        description="[day of the year] when delivery starts (grants paid then, other units "
        "month by month from then): a planner times a mock test or publicity before the "
        "evaluation",
    )
    source: str = Field(
        min_length=1, description="a fact of docs/domain.md (with its §) or 'assumption'"
    )
    unit_cost_low: float | None = Field(default=None, gt=0, description="[yuan] plausible low")
    unit_cost_high: float | None = Field(default=None, gt=0, description="[yuan] plausible high")
    effect_size_low: float | None = Field(default=None, ge=0, description="plausible low")
    effect_size_high: float | None = Field(default=None, ge=0, description="plausible high")
    places_per_unit_low: float | None = Field(default=None, ge=0, description="plausible low")
    places_per_unit_high: float | None = Field(default=None, ge=0, description="plausible high")
    duration_days_low: float | None = Field(default=None, ge=1, description="[day] plausible low")
    duration_days_high: float | None = Field(default=None, ge=1, description="[day] plausible high")

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
    def _ranges(self) -> ProjectLineRow:
        """A plausible range (``<name>_low``, ``<name>_high``) comes whole, low to high."""
        for name in RANGED:
            low, high = getattr(self, f"{name}_low"), getattr(self, f"{name}_high")
            if (low is None) != (high is None):
                raise ValueError(
                    f"line {self.id}: give both {name}_low and {name}_high, or neither"
                )
            # a value outside its range is allowed: an exploration may go beyond what is plausible
            if low is not None and high is not None and low > high:
                raise ValueError(f"line {self.id}: {name}_low {low} is above {name}_high {high}")
        return self

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
        if self.effect == "creation" and self.target_kind != "place_type":
            raise ValueError(
                f"line {self.id}: creation names the place type its titles keep (school: "
                "civilized campuses)"
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
        12_000_000, "yuan per year", "docs/domain.md §4: seed 000 约1200余万元 special fund"
    )
    city_share: float = param(
        0.4, "fraction of the fund spent at city level", ASSUMPTION, ge=0, le=1
    )
    key_project_share: float = param(
        0.6,
        "fraction of each level's money for key projects (重点项目)",
        "docs/domain.md §4: key projects and regular activities; split is an assumption",
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
        "docs/domain.md §4: 评估结果与财政投入挂钩; strength is an assumption",
        ge=0,
        le=1,
    )
    expected_condition: float = param(
        0.7,
        "condition (0..1) of a checkpoint at the start of a year",
        ASSUMPTION,
        plausible=(0.5, 0.9),
        ge=0,
        le=1,
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
        plausible=(0.0, 0.02),
        ge=0,
    )
    condition_per_volunteer_hour: float = param(
        0.0004,
        "year-average condition gained, summed over checkpoints, per volunteer-hour",
        "assumption: an hour is 1/8 staff-day at two thirds of a staff member's effect",
        plausible=(0.0, 0.002),
        ge=0,
    )
    condition_per_detection: float = param(
        0.5,
        "condition gained per checkpoint per +1.0 daily detection probability",
        "assumption: problems found sooner are rectified sooner (docs/domain.md §5 closed loop); "
        "the baseline simulation gives about 0.24 for the platform alone (civsim fund): it "
        "depends on how many checkpoints stay below the compliance threshold",
        plausible=(0.1, 1.0),
        ge=0,
    )
    decay_exposure_days: float = param(
        7.0,
        "day: mean days of decay a checkpoint carries since its last restoration",
        "assumption: c(1 - c) / decay at a steady condition c of about 0.8",
        plausible=(3.0, 14.0),
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
        check_unique(self.lines, "lines", label="budget lines")
        named = [row.district for row in self.district_condition]
        if len(set(named)) < len(named):
            raise ValueError("budget.district_condition names a district twice")
        return self


def check_budget_refs(
    budget: Budget,
    framework: Framework | None,
    districts: set[str],
    days_per_year: int | None = None,
) -> None:
    """Every line's target and every district named by the budget must exist.

    With ``days_per_year``, every line's ``start_day`` must be a day of the year.
    """
    for i, row in enumerate(budget.district_condition):
        if row.district not in districts:
            raise RowError(
                "budget.district_condition",
                i,
                "district",
                f"unknown district {row.district!r}{hint(row.district, districts)}",
                label="budget.district_condition",
            )
    tables = {
        "place_type": {p.id for p in framework.place_types} if framework else set(),
        "standard": {s.id for s in framework.standards} if framework else set(),
    }
    for i, line in enumerate(budget.lines):
        refused = functools.partial(_line_error, i, line.id)
        if days_per_year is not None and line.start_day >= days_per_year:
            raise refused(
                "start_day",
                f"start_day {line.start_day} is not a day of a {days_per_year}-day year",
            )
        known = tables.get(line.target_kind)
        if known is None:
            continue
        if framework is None:
            raise refused("target", "targets need a framework")
        if line.target not in known:
            raise refused(
                "target",
                f"unknown {line.target_kind} {line.target!r}{hint(line.target or '', known)}",
            )
        std = next((s for s in framework.standards if s.id == line.target), None)
        if std is not None and line.effect == "publicity" and std.method != "survey":
            raise refused(
                "effect",
                f"publicity works on survey standards; {std.id} is a {std.method} standard",
            )
        if std is not None and line.effect in PLACE_EFFECTS and not std.place_types:
            raise refused(
                "effect",
                f"effect {line.effect} needs checkpoints, but standard {std.id} has no place types",
            )


def _line_error(index: int, line_id: str, column: str, message: str) -> RowError:
    """Row ``index`` of the budget lines refused at ``column`` (see :class:`RowError`)."""
    return RowError("budget.lines", index, column, message, line_id, label="budget lines")
