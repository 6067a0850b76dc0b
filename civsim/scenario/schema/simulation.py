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


class Fatigue(Frozen):
    """What a surge costs afterwards: effort above normal builds a fatigue stock.

    The stock (effort-days above normal) recovers with a half-life and lowers
    the effort actually delivered, into the next year too.
    """

    enabled: bool = Field(
        default=True, description="a surge tires the people who make it; off, no fatigue"
    )
    loss_per_surge_day: float = param(
        0.005,
        "share of effort lost per effort-day above normal in the fatigue stock "
        "(effort x exp(-loss x stock))",
        ASSUMPTION,
        plausible=(0.0, 0.02),
        ge=0,
    )
    recovery_half_life_days: float = param(90.0, "day", ASSUMPTION, plausible=(30.0, 365.0), gt=0)


class RushedWork(Frozen):
    """What a surge costs in incidents: rushed work raises the negative list's incident rate."""

    enabled: bool = Field(
        default=True,
        description="work rushed above normal effort raises negative-list incidents; off, no rise",
    )
    incident_rise: float = param(
        2.0,
        "relative rise of a year's negative-list incident rate per unit of the year's mean "
        "planned effort above normal",
        ASSUMPTION,
        plausible=(0.0, 5.0),
        ge=0,
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
    """Campaign-style (运动式) versus normal (常态化) operation, at equal total effort.

    The surge aims at the window the city believes the inspection comes in: the
    evaluator's (``knows_protocol``, dates leak) or its own belief.
    """

    mode: Literal["normal", "campaign"] = Field(
        default="normal", description="campaign surges before expected inspections"
    )
    knows_protocol: bool = Field(
        default=True,
        description="the city believes the evaluator's inspection window (dates leak: "
        "docs/domain.md §5); false: it believes belief_window_start_day and belief_window_days",
    )
    belief_window_start_day: int = param(
        240,
        "day of year the city believes the inspection window opens",
        ASSUMPTION,
        plausible=(0, 365),
        ge=0,
        le=365,
    )
    belief_window_days: int = param(60, "day", ASSUMPTION, plausible=(1, 365), ge=1, le=365)
    belief_error_days: float = param(
        0.0,
        "day: standard deviation of the city's error on each year's window opening "
        "(drawn per replication and year; 0: no error)",
        ASSUMPTION,
        plausible=(0.0, 90.0),
        ge=0,
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
    fatigue: Fatigue = Fatigue()
    rushed_work: RushedWork = RushedWork()


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
    weekend_hours_share: float = param(
        0.5,
        "share of a week's volunteer-hours given on its two weekend days (2/7: spread evenly)",
        "assumption: most volunteers work or study on weekdays (seed 002's volunteer teams); "
        "residents' requests come every day",
        plausible=(2 / 7, 0.8),
        ge=0,
        le=1,
    )
    request_seasonality: float = param(
        0.2,
        "relative amplitude of the yearly swing in residents' requests (0: the same every day)",
        "assumption: requests peak around the Spring Festival (elderly living alone, 送温暖)",
        plausible=(0.0, 0.5),
        ge=0,
        le=1,
    )
    request_peak_day: int = param(
        30, "day of year requests peak", ASSUMPTION, plausible=(0, 365), ge=0, le=365
    )
    request_patience_days: int = param(
        14,
        "days a request waits for a volunteer before the resident gives up (dropped)",
        ASSUMPTION,
        plausible=(3, 60),
        ge=1,
    )


class Survey(Frozen):
    """The questionnaire, and residents' satisfaction as experienced over a memory window.

    Satisfaction is ``base_satisfaction`` plus, each remembered with a half-life
    of ``memory_half_life_days``: ``condition_weight`` x (field condition -
    ``reference_condition``), ``service_weight`` x (share of residents' reports
    acted on within ``report_patience_days`` - ``reference_resolved_share``),
    minus ``wait_penalty_per_day`` x the mean wait for volunteer help, plus
    publicity; the households are interviewed across ``period_days``.
    """

    households: int = param(2000, "households per questionnaire", "docs/domain.md §2: ~2,000", ge=1)
    period_days: int = param(
        30,
        "days of interviewing, from the survey day; each household is interviewed on one of them",
        "assumption: ~2,000 household interviews take weeks",
        plausible=(1, 90),
        ge=1,
        le=365,
    )
    base_satisfaction: float = param(
        0.86,
        "satisfaction at reference condition, reference service and no waits",
        "assumption: calibrated; the best provinces report ~96% (docs/domain.md §2)",
        plausible=(0.6, 0.96),
        ge=0,
        le=1,
    )
    memory_half_life_days: float = param(
        90.0,
        "day: how long ago a day residents lived weighs half as much as today",
        "assumption: residents judge what they lived with over months, not one day",
        plausible=(30.0, 365.0),
        gt=0,
    )
    reference_condition: float = param(
        0.8, "condition 0..1", ASSUMPTION, plausible=(0.6, 0.95), ge=0, le=1
    )
    condition_weight: float = param(
        0.5,
        "satisfaction gained per unit of remembered field condition above reference",
        ASSUMPTION,
        plausible=(0.2, 1.0),
    )
    service_weight: float = param(
        0.3,
        "satisfaction gained per unit of the remembered share of residents' reports acted on "
        "in time, above reference",
        "docs/domain.md §5: Beijing 12345 callers' satisfaction rose 0.323 as the resolved "
        "share rose 0.434 (0.74 per unit, for those who called); assumption: households who "
        "did not report feel less of it",
        plausible=(0.05, 0.74),
        ge=0,
    )
    reference_resolved_share: float = param(
        0.8,
        "share of residents' reports acted on in time at which service adds nothing",
        "assumption between Beijing 12345's 53.1% before and 96.5% after its reform "
        "(docs/domain.md §5)",
        plausible=(0.531, 0.965),
        ge=0,
        le=1,
    )
    report_patience_days: int = param(
        10,
        "days from a resident's report to its order's closure for it to count as acted on",
        "assumption: the rectification deadline residents are promised (docs/domain.md §5: "
        "28 of 57 problems fixed within 10 days)",
        plausible=(3, 30),
        ge=1,
    )
    wait_penalty_per_day: float = param(
        0.01,
        "satisfaction lost per day of the remembered mean wait for volunteer help",
        ASSUMPTION,
        plausible=(0.0, 0.03),
        ge=0,
    )


class Office(Frozen):
    """One evaluating office's field inspection: how many places, how strict.

    Seed 001: the central office delegates years 1-2 (中央文明办委托市文明办测评) and
    evaluates year 3 itself; each may sample and judge differently.
    """

    sample_scale: float = param(
        1.0,
        "x evaluation.inspection_places sampled per inspection",
        ASSUMPTION,
        plausible=(0.5, 4.0),
        gt=0,
    )
    observations_scale: float = param(
        1.0,
        "x the place types' observations per place (at least one per checkpoint)",
        ASSUMPTION,
        plausible=(0.5, 2.0),
        gt=0,
    )
    pass_bar: float = param(
        0.0,
        "condition 0..1 at or below which no observation passes; above it an observation "
        "passes with probability (condition - bar) / (1 - bar)",
        ASSUMPTION,
        plausible=(0.0, 0.3),
        ge=0,
        lt=1,
    )


class ThirdParty(Frozen):
    """Year-round covert third-party visits (第三方暗访, 常态化测评: seed 000) in field scores."""

    enabled: bool = Field(
        default=False,
        description="covert third-party visits through the year count toward the field score",
    )
    visits_per_year: int = param(12, "visits per year", ASSUMPTION, plausible=(4, 52), ge=1)
    places_per_visit: int = param(
        20, "places sampled per visit", ASSUMPTION, plausible=(10, 87), ge=1
    )
    field_share: float = param(
        0.5,
        "share of the field points the visits' mean score carries (the inspection the rest)",
        ASSUMPTION,
        plausible=(0.2, 1.0),
        ge=0,
        le=1,
    )


class Evaluation(Frozen):
    """When and how each year is evaluated, the negative list, and the peers.

    The evaluator's protocol: each year the field inspection, the questionnaire
    and the material review each come on a day drawn uniformly from their window
    (its first day and its length in days).
    """

    window_start_day: int = param(
        240, "day of year the field inspection window opens", ASSUMPTION, ge=0, le=365
    )
    window_days: int = param(60, "day", ASSUMPTION, ge=1, le=365)
    material_review_day: int = param(
        330, "day of year (while simulation.materials is off)", ASSUMPTION, ge=0, le=365
    )
    material_review_window_days: int = param(
        1,
        "day: the review's date is drawn from material_review_day on "
        "(1: a fixed submission deadline)",
        ASSUMPTION,
        plausible=(1, 60),
        ge=1,
        le=365,
    )
    survey_day: int = param(300, "day of year", ASSUMPTION, ge=0, le=365)
    survey_window_days: int = param(
        30,
        "day: the questionnaire's date is drawn from survey_day on",
        ASSUMPTION,
        plausible=(1, 90),
        ge=1,
        le=365,
    )
    inspection_places: int = param(
        80, "places sampled per field inspection", "docs/domain.md §2: 70-87 points", ge=1
    )
    delegated_years: int = param(
        2,
        "years, the first ones, evaluated by the delegated office (the rest: the central office)",
        "seed 001: years 1-2 by the city's office on the central office's behalf, year 3 by "
        "the central office",
        ge=0,
    )
    delegated: Office = Office()
    central: Office = Office()
    third_party: ThirdParty = ThirdParty()
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


class Materials(Frozen):
    """Documentation work (台账) behind the online materials: kept up, due, reviewed by sampling.

    Each material standard's dossier has a completeness (0..1): its lead unit's
    documentation hours build it up, and it goes stale without upkeep. On its
    deadline the dossier is submitted; the material review (材料审核, docs/domain.md
    §2) samples documents of every submitted dossier on its review day(s).
    """

    enabled: bool = Field(
        default=True,
        description="documentation work drives the material checkpoints and the review samples "
        "documents; off, upkeep drives them and the review reads their condition",
    )
    hours_per_standard_year: float = param(
        240.0,
        "staff-hours a year that keep one material standard's documentation complete",
        "assumption: plans, ledgers, records and summaries (有方案、有台账、有总结), "
        "about 30 staff-days a year",
        plausible=(60.0, 800.0),
        gt=0,
    )
    documentation_share: float = param(
        0.1,
        "share of its lead unit's campaign staff time spent on documentation",
        ASSUMPTION,
        plausible=(0.03, 0.3),
        ge=0,
        le=1,
    )
    stale_half_life_days: float = param(
        180.0,
        "day for documentation without upkeep to lose half its completeness",
        "assumption: each year is reviewed on the year's own records",
        plausible=(60.0, 365.0),
        gt=0,
    )
    deadline_day: int = param(
        300,
        "day of year a standard's documentation is submitted for the review",
        "assumption: online materials (docs/domain.md §2) submitted before the review",
        plausible=(240, 330),
        ge=0,
        le=365,
    )
    deadlines: dict[IdStr, int] = Field(
        default_factory=dict,
        description="[day of year] submission deadline by standard or item id (a standard's "
        "own entry first, then its item's, else deadline_day); source: assumption",
    )
    review_days: tuple[int, ...] = Field(
        default=(330,),
        min_length=1,
        description="[day of year] the material review's day(s); each samples every dossier "
        "and the year's score is their mean; replaces evaluation.material_review_day while "
        "this mechanism is on; source: assumption",
    )
    documents_sampled: int = param(
        5,
        "documents the reviewer samples per material standard and review",
        "assumption: data gathered by material review (docs/domain.md §2)",
        plausible=(1, 20),
        ge=1,
    )
    review_rule: Literal["probability", "bar"] = Field(
        default="probability",
        description="probability: a sampled document passes with probability equal to its "
        "dossier's completeness; bar: a document's own completeness is drawn around the "
        "dossier's (documents_spread) and it passes at pass_bar or above",
    )
    pass_bar: float = param(
        0.8,
        "completeness a document needs to pass (review_rule bar)",
        ASSUMPTION,
        plausible=(0.5, 1.0),
        ge=0,
        le=1,
    )
    documents_spread: float = param(
        10.0,
        "concentration of a dossier's documents' completeness around its own (Beta a + b, "
        "review_rule bar); larger is more even",
        ASSUMPTION,
        plausible=(2.0, 50.0),
        gt=0,
    )

    @field_validator("deadlines", "review_days")
    @classmethod
    def _days_of_year(cls, value: Any) -> Any:
        days = value.values() if isinstance(value, dict) else value
        bad = [d for d in days if not 0 <= d <= 365]
        if bad:
            raise ValueError(f"days of year must be 0..365, got {bad}")
        return value


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
    materials: Materials = Materials()
    mechanisms: dict[str, Any] = Field(
        default_factory=dict,
        description="settings of mechanisms added to the core, by name (docs/architecture.md)",
    )

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _known_mechanisms(cls, value: Any) -> dict[str, BaseModel]:
        return validate_mechanisms(value)
