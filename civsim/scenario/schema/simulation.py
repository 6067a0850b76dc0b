"""The ``simulation`` section: every parameter of the three-year simulation, by mechanism."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param
from civsim.scenario.schema.mechanisms import validate_mechanisms


class Dynamics(Frozen):
    """How a checkpoint's condition (0..1) decays and how routine effort restores it."""

    initial_condition: float = param(0.7, "condition 0..1 on day 0", ASSUMPTION, ge=0, le=1)
    compliance_threshold: float = param(
        0.6, "condition below which a checkpoint is a problem", ASSUMPTION, ge=0, le=1
    )
    upkeep_rate: float = param(
        0.08,
        "fraction of the gap to a checkpoint's ceiling (full condition less any open defect, "
        "simulation.defects) closed per day at full routine effort",
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


#: A share (0..1), as a value of a mapping.
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


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


class Campaign(Frozen):
    """Campaign-style (运动式) versus normal (常态化) operation, at equal total effort."""

    mode: Literal["normal", "campaign"] = Field(
        default="normal", description="campaign surges before expected inspections"
    )
    run_up_days: int = param(60, "day", "docs/domain.md §5 default (assumption)", ge=0, le=365)
    surge_multiplier: float = param(
        2.0, "x normal effort at the peak", "docs/domain.md §5 default", ge=1
    )
    decay_half_life_days: float = param(28.0, "day", "docs/domain.md §5 default: 4 weeks", gt=0)
    overshoot: float = param(
        0.10,
        "fraction below normal effort right after the window",
        "docs/domain.md §5 default",
        ge=0,
        le=1,
    )


class Detection(Frozen):
    """How problems are found: self-checks, covert visits, citizen reports, a smart platform."""

    enabled: bool = Field(
        default=True,
        description="mock tests, covert visits, residents' reports and the platform run; "
        "off, nobody finds problems",
    )

    self_check_interval_days: int = param(30, "day", ASSUMPTION, ge=1)
    self_check_places: int = param(
        300, "places per mock test", "docs/domain.md §2: 300+ points", ge=0
    )
    covert_visit_interval_days: int = param(91, "day", ASSUMPTION, ge=1)
    covert_visit_places: int = param(
        80, "places per covert visit", "docs/domain.md §2: 70-87 points per visit", ge=0
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

    enabled: bool = Field(
        default=True,
        description="rectification orders are opened and worked; off, found problems get no order",
    )

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
        "assumption: 谁主管谁负责 and 属地管理 share the work (docs/domain.md §1)",
        ge=0,
        le=1,
    )
    deadline_days: int = param(
        10, "day", "docs/domain.md §5: 28 of 57 problems fixed within 10 days", ge=1
    )
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

    enabled: bool = Field(
        default=True,
        description="volunteer dispatch runs; off, nobody is served and no spare hours add effort",
    )

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

    households: int = param(2000, "households per questionnaire", "docs/domain.md §2: ~2,000", ge=1)
    base_satisfaction: float = param(
        0.86,
        "satisfaction at reference condition and no waits",
        "assumption: calibrated; the best provinces report ~96% (docs/domain.md §2)",
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
        80, "places sampled per field inspection", "docs/domain.md §2: 70-87 points", ge=1
    )
    peer_group_size: int = param(
        30, "cities competing in one group", "assumption (391 nominees in groups)", ge=2
    )
    quota_share: float = param(
        0.34, "share of a group that wins the title", "docs/domain.md §2: 133 of 391", gt=0, le=1
    )
    peer_mean: float = param(86.0, "cycle score points", ASSUMPTION, ge=0, le=100)
    peer_sd: float = param(
        2.5, "cycle score points", "assumption; tenths of a point decide (seed 001)", ge=0
    )


class Simulation(Frozen):
    """Every parameter of the three-year simulation, grouped by mechanism."""

    record_every_days: int = param(7, "day between shadow-score records", ASSUMPTION, ge=1)
    dynamics: Dynamics = Dynamics()
    defects: Defects = Defects()
    campaign: Campaign = Campaign()
    detection: Detection = Detection()
    rectification: Rectification = Rectification()
    volunteers: Volunteers = Volunteers()
    survey: Survey = Survey()
    evaluation: Evaluation = Evaluation()
    mechanisms: dict[str, Any] = Field(
        default_factory=dict,
        description="settings of mechanisms added to the core, by name (docs/architecture.md)",
    )

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _known_mechanisms(cls, value: Any) -> dict[str, BaseModel]:
        return validate_mechanisms(value)
