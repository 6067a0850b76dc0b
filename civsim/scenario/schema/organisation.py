"""The ``organisation`` section: the committee, its office and the member units."""

from __future__ import annotations

from pydantic import Field

from civsim.scenario.params import Frozen, IdStr


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
