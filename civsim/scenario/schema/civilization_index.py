"""The published civilization index (文明指数) by district, and the 比学赶超 feedback.

Seed 000 asks for a civilization index published regularly (定期发布文明指数监测报告)
over several dimensions (文明素养、文化环境、社会环境、生活环境), "公开透明、比学赶超":
districts see where they stand and those ranked low push to catch up. It sits in
``simulation.evaluation.civilization_index`` and is off by default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param, split_list
from civsim.scenario.schema.framework import Environment

__all__ = ["CivilizationIndex", "Dimension", "IndexFeedback"]

IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]
Environments = Annotated[tuple[Environment, ...], BeforeValidator(split_list)]


class Dimension(Frozen):
    """One dimension of the index: framework items, by environment or by id, and its weight.

    Its score in a district is the share (0..100) of the field points its items
    would score there that day (the field shadow score, what the covert
    inspection expects).
    """

    name_zh: str = Field(min_length=1)
    environments: Environments = Field(
        default=(), description="every item of these environments (framework.items)"
    )
    items: IdList = Field(default=(), description="items by id (framework.items)")
    weight: float = param(1.0, "relative weight among the dimensions", ASSUMPTION, gt=0)

    @model_validator(mode="after")
    def _some_items(self) -> Dimension:
        if not self.environments and not self.items:
            raise ValueError(f"dimension {self.name_zh!r} names no environment and no item")
        return self


class IndexFeedback(Frozen):
    """比学赶超: the districts ranked lowest at a publication work harder until the next one.

    Seed 000: 形成公开透明、比学赶超的倒逼促进机制. The bottom ``bottom_districts``
    by the index raise their routine effort by ``effort_rise`` (upkeep, and the
    defects' routine rounds) until the next publication.
    """

    enabled: bool = Field(
        default=False, description="districts ranked low raise their routine effort"
    )
    bottom_districts: int = param(
        1, "districts ranked lowest that raise their effort", ASSUMPTION, plausible=(1, 3), ge=1
    )
    effort_rise: float = param(
        0.1,
        "fraction of normal routine effort added until the next publication",
        ASSUMPTION,
        plausible=(0.0, 0.3),
        ge=0,
    )


class CivilizationIndex(Frozen):
    """A civilization index by district, published every ``publish_every_days``.

    Without ``dimensions`` the index is the district's field shadow score as a
    share (0..100) of its field points; with them, the weighted mean of the
    dimensions' scores (a dimension with no field item in a district is left out
    there, the others' weights rescaled).
    """

    enabled: bool = Field(default=False, description="publish the index to the districts")
    publish_every_days: int = param(
        30,
        "day between publications (the first after one period)",
        "seed 000: 定期发布文明指数监测报告 (assumption: monthly)",
        plausible=(7, 91),
        ge=1,
    )
    dimensions: tuple[Dimension, ...] = Field(
        default=(),
        description="the index's dimensions (empty: the field shadow score as one dimension)",
    )
    feedback: IndexFeedback = IndexFeedback()
