"""The ``simulation`` section: every parameter of the three-year simulation, by mechanism."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from civsim.scenario.params import ASSUMPTION, Frozen, param
from civsim.scenario.schema.mechanisms import validate_mechanisms


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


class Escalation(Frozen):
    """Overdue orders escalate: the office supervises them (督办), then the committee acts jointly.

    An order open past its deadline goes on the office's supervision list at
    the next weekly review: if it still waits for its cooperating units, the
    office convenes them (问题会商) and it is ready the next day, and a share of
    the office's staff works its holder's overdue orders. An order still open
    ``joint_after_days`` after supervision goes to the committee's joint
    action (联合执法): holders with no order in joint action lend up to ``joint_share`` of
    their rectification capacity to the holders of joint-action orders.
    """

    enabled: bool = Field(
        default=True,
        description="overdue orders are supervised, then closed by joint action; "
        "off, an order waits in its holder's queue however long",
    )
    supervision_share: float = param(
        0.2,
        "share of the office's staff working supervised orders with their holders",
        "assumption: the office is 参谋部 + 施工队 and supervises (督查) (docs/domain.md §1)",
        plausible=(0.05, 0.5),
        ge=0,
        le=1,
    )
    joint_after_days: int = param(
        7,
        "day an order stays supervised before the committee's joint action",
        "assumption: supervision sets a week's grace (限期整改)",
        plausible=(3, 30),
        ge=0,
    )
    joint_share: float = param(
        0.2,
        "most of a lending holder's rectification capacity joint action draws",
        "assumption: joint meetings and joint inspection (联合督查) draw on member units and "
        "districts (docs/domain.md §1)",
        plausible=(0.05, 0.5),
        ge=0,
        le=1,
    )


class Accountability(Frozen):
    """Holders with a chronic backlog are held to account (问责) and put more staff on orders."""

    enabled: bool = Field(
        default=True,
        description="weekly reviews hold chronic backlogs to account; off, staff shares never move",
    )
    backlog_days: float = param(
        10.0,
        "open orders, in days of the holder's closures, above which its backlog is chronic",
        "assumption: the 10-day closure of docs/domain.md §5",
        plausible=(5.0, 30.0),
        gt=0,
    )
    weeks: int = param(
        4,
        "consecutive weekly reviews over the line before accountability",
        ASSUMPTION,
        plausible=(2, 12),
        ge=1,
    )
    share_step: float = param(
        0.1,
        "rise in the holder's staff share on rectification at each accountability",
        ASSUMPTION,
        plausible=(0.05, 0.25),
        ge=0,
        le=1,
    )
    max_staff_share: float = param(
        0.8,
        "most of a holder's campaign staff accountability puts on rectification",
        ASSUMPTION,
        plausible=(0.6, 1.0),
        ge=0,
        le=1,
    )


class Overtime(Frozen):
    """A holder whose queue runs long works overtime on it, out of its routine work."""

    enabled: bool = Field(
        default=True, description="long queues are worked overtime; off, capacity stays as staffed"
    )
    threshold_days: float = param(
        5.0,
        "queue, in days of the holder's capacity, beyond which it works overtime",
        ASSUMPTION,
        plausible=(2.0, 15.0),
        gt=0,
    )
    max_extra: float = param(
        0.25,
        "most extra rectification capacity overtime gives, share of the staffed capacity",
        "assumption: the Labour Law's 36 hours a month is about a fifth of working time",
        plausible=(0.1, 0.5),
        ge=0,
    )


class Reassignment(Frozen):
    """Orders a member unit cannot reach by their deadline go to the street offices (属地).

    At each weekly review, a member unit whose queue is longer than
    ``deadline_days`` days of its capacity hands the newest field orders
    beyond that to the street offices of each place's district (属地责任,
    docs/domain.md §1); its material orders stay.
    """

    enabled: bool = Field(
        default=True,
        description="orders beyond a unit's reach by the deadline go to the street offices; "
        "off, they wait in its queue",
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
    routine_weight: float = param(
        0.3,
        "share of the routine upkeep of a holder's checkpoints its own staff give: what "
        "moving them to orders (overtime, accountability) costs",
        ASSUMPTION,
        plausible=(0.1, 0.6),
        ge=0,
        lt=1,
    )
    escalation: Escalation = Escalation()
    accountability: Accountability = Accountability()
    overtime: Overtime = Overtime()
    reassignment: Reassignment = Reassignment()


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
