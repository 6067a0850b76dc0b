"""The ``framework`` section: items, contents, standards, place types and responsibilities."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from civsim.scenario.checks import RowError, check_parents, check_unique, hint
from civsim.scenario.params import Frozen, IdStr, split_list

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
            near = hint(row.standard, set(standards))
            return i, "standard", f"unknown standard {row.standard!r}{near}"
        if row.standard in seen:
            return i, "standard", f"duplicate standard {row.standard!r}; list each standard once"
        seen.add(row.standard)
        for col in ("lead_unit", "cooperating_units"):
            for unit in getattr(row, col):
                if unit not in units:
                    return i, col, f"unknown unit {unit!r}{hint(unit, units)}"
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
            check_unique(getattr(self, table), table)
        check_parents(self.contents, "item", {i.id for i in self.items}, "contents")
        check_parents(self.standards, "content", {c.id for c in self.contents}, "standards")
        types = {p.id for p in self.place_types}
        for i, std in enumerate(self.standards):
            for t in std.place_types:
                if t not in types:
                    raise RowError(
                        "standards",
                        i,
                        "place_types",
                        f"unknown place type {t!r}{hint(t, types)}",
                        std.id,
                    )
        return self
