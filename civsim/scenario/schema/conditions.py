"""The ``simulation.dynamics`` and ``simulation.defects`` sections: a place's condition.

How it wears, how routine work keeps it up, and how it breaks until fixed.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param

#: A share (0..1), as a value of a mapping.
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Dynamics(Frozen):
    """How a checkpoint's condition (0..1) decays and how routine effort restores it."""

    initial_condition: float = param(
        0.7, "condition 0..1 on day 0", ASSUMPTION, ge=0, le=1, plausible=(0.5, 0.9)
    )
    compliance_threshold: float = param(
        0.6,
        "condition below which a checkpoint is a problem",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.5, 0.75),
    )
    upkeep_rate: float = param(
        0.08,
        "fraction of the gap to a checkpoint's ceiling (full condition less any open defect, "
        "simulation.defects) closed per day at full routine effort",
        "assumption: calibrated so the baseline, a repeat title holder (seed 000), scores ~88",
        ge=0,
        le=1,
        plausible=(0.02, 0.12),
    )
    unstaffed_effort: float = param(
        0.3,
        "routine effort at a checkpoint with nobody assigned, share of full",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.1, 0.6),
    )
    renovated_condition: float = param(
        0.95,
        "condition 0..1 a funded renovation (a budget line of effect condition) brings each "
        "of its places up to on delivery, its open defect fixed, before its lift: a "
        "renovation does at least what a rectification order's closure does",
        "assumption: as simulation.rectification.fixed_condition",
        ge=0,
        le=1,
        plausible=(0.8, 1.0),
    )


class Defects(Frozen):
    """Defects that persist until fixed: a broken facility, an illegal stall, a missing sign.

    Routine work (``dynamics``) keeps a checkpoint clean and orderly and
    prevents new defects; a defect, once there, caps the checkpoint's condition
    at ``1 - severity`` until routine rounds fix it (minor ones) or a
    rectification order closes it (any).
    """

    enabled: bool = Field(
        default=True,
        description="defects arise and persist until fixed; off, routine upkeep alone "
        "restores every checkpoint to full condition",
    )
    hazard: float = param(
        0.001,
        "daily chance of a new defect per field checkpoint at full routine effort",
        ASSUMPTION,
        plausible=(0.0002, 0.005),
        ge=0,
        le=1,
    )
    prevention: float = param(
        1.0,
        "how routine effort prevents defects: the hazard is multiplied by "
        "exp(prevention x (1 - effort)), effort the share of full routine effort",
        ASSUMPTION,
        plausible=(0.0, 3.0),
        ge=0,
        le=10,
    )
    severity_low: float = param(
        0.1, "condition lost to a defect, least", ASSUMPTION, plausible=(0.02, 0.3), ge=0, le=1
    )
    severity_high: float = param(
        0.4,
        "condition lost to a defect, most (severity is uniform between low and high)",
        ASSUMPTION,
        plausible=(0.2, 0.8),
        ge=0,
        le=1,
    )
    minor_share: float = param(
        0.6,
        "share of defects that are minor (routine rounds can fix them)",
        ASSUMPTION,
        plausible=(0.2, 0.9),
        ge=0,
        le=1,
    )
    minor_share_by_place_type: dict[IdStr, Share] = param(
        {},
        "share of defects that are minor, by place type (others: minor_share)",
        "assumption; each value within minor_share's plausible range",
    )
    routine_fix_rate: float = param(
        0.1,
        "daily chance routine rounds fix a minor defect at full routine effort",
        ASSUMPTION,
        plausible=(0.02, 0.5),
        ge=0,
        le=1,
    )

    @field_validator("severity_high")
    @classmethod
    def _ordered(cls, value: float, info: Any) -> float:
        low = info.data.get("severity_low")
        if low is not None and value < low:
            raise ValueError(f"severity_high {value} is below severity_low {low}")
        return value
