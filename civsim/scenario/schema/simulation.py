"""The ``simulation`` section: every parameter of the three-year simulation, by mechanism.

The sections of the larger mechanisms live in their own modules (``conditions``,
``campaign``, ``rectification``, ``evaluation``, ``materials``); this one keeps the
smaller ones and gathers them all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from civsim.scenario.params import ASSUMPTION, Frozen, param
from civsim.scenario.schema.campaign import Campaign, Fatigue, RushedWork
from civsim.scenario.schema.conditions import Defects, Dynamics
from civsim.scenario.schema.creation import Creation
from civsim.scenario.schema.evaluation import Evaluation, Office, ThirdParty
from civsim.scenario.schema.integrity_lists import IntegrityLists
from civsim.scenario.schema.materials import Materials
from civsim.scenario.schema.mechanisms import validate_mechanisms
from civsim.scenario.schema.mobilisation import Mobilisation
from civsim.scenario.schema.moral_points import MoralPoints
from civsim.scenario.schema.practice_network import PracticeNetwork
from civsim.scenario.schema.rectification import (
    Accountability,
    Escalation,
    Overtime,
    Reassignment,
    Rectification,
)
from civsim.scenario.schema.regulations import Regulations
from civsim.scenario.schema.title import Minors, TitleHolder
from civsim.scenario.schema.unit_reviews import UnitReviews
from civsim.scenario.schema.urban_villages import UrbanVillages
from civsim.scenario.schema.volunteer_teams import VolunteerTeams

__all__ = [
    "Accountability",
    "Campaign",
    "Creation",
    "Defects",
    "Detection",
    "Dynamics",
    "Escalation",
    "Evaluation",
    "Fatigue",
    "IntegrityLists",
    "Materials",
    "Minors",
    "Mobilisation",
    "MoralPoints",
    "Office",
    "Overtime",
    "PracticeNetwork",
    "Reassignment",
    "Rectification",
    "Regulations",
    "RushedWork",
    "Simulation",
    "Survey",
    "ThirdParty",
    "TitleHolder",
    "UnitReviews",
    "UrbanVillages",
    "VolunteerTeams",
    "Volunteers",
]


class Detection(Frozen):
    """How problems are found: self-checks, covert visits, citizen reports, a smart platform."""

    enabled: bool = Field(
        default=True,
        description="mock tests, covert visits, residents' reports and the platform run; "
        "off, nobody finds problems",
    )

    self_check_interval_days: int = param(30, "day", ASSUMPTION, ge=1, plausible=(14, 91))
    self_check_places: int = param(
        300, "places per mock test", "docs/domain.md §2: 300+ points", ge=0
    )
    covert_visit_interval_days: int = param(91, "day", ASSUMPTION, ge=1, plausible=(30, 182))
    covert_visit_places: int = param(
        80, "places per covert visit", "docs/domain.md §2: 70-87 points per visit", ge=0
    )
    citizen_report_rate: float = param(
        0.002,
        "reports per problem checkpoint per day",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.0005, 0.01),
    )
    platform: bool = Field(default=False, description="a smart platform (一网统管) is running")
    platform_detection_rate: float = param(
        0.05,
        "daily chance the platform flags a problem checkpoint",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.01, 0.2),
    )


class Volunteers(Frozen):
    """Volunteer dispatch: 群众点单、中心派单、志愿者接单 (seed 002)."""

    enabled: bool = Field(
        default=True,
        description="volunteer dispatch runs; off, nobody is served and no spare hours add effort",
    )

    requests_per_10k_per_day: float = param(
        0.8,
        "citizen requests per 10,000 residents per day",
        ASSUMPTION,
        ge=0,
        plausible=(0.2, 3.0),
    )
    hours_per_request: float = param(
        3.0, "volunteer-hours per request", ASSUMPTION, gt=0, plausible=(1.0, 8.0)
    )
    base_hours_per_10k_per_day: float = param(
        3.0,
        "volunteer-hours available per 10,000 residents per day",
        ASSUMPTION,
        ge=0,
        plausible=(1.0, 10.0),
    )
    effort_per_hour: float = param(
        1.0,
        "extra routine effort (share of normal) one spare volunteer-hour gives one field "
        "checkpoint for a day",
        ASSUMPTION,
        ge=0,
        plausible=(0.25, 2.0),
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
    dispatch_days: int = param(
        1,
        "day: from a resident's request to a volunteer team having it where no practice "
        "network runs (the district dispatches: 中心派单 with no 所 or 站 between)",
        "assumption: a request reaches the district by phone or platform and is passed to a "
        "team the next working day; the network's 站 in the community takes it up the same day",
        plausible=(1, 3),
        ge=0,
        le=30,
    )
    request_patience_days: int = param(
        14,
        "days a request waits for a volunteer before the resident gives up (dropped)",
        "assumption: some requests are for the day (a ride, a meal), some can wait weeks",
        plausible=(1, 60),
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
    regulations: Regulations = Regulations()
    integrity_lists: IntegrityLists = IntegrityLists()
    moral_points: MoralPoints = MoralPoints()
    practice_network: PracticeNetwork = PracticeNetwork()
    volunteer_teams: VolunteerTeams = VolunteerTeams()
    creation: Creation = Creation()
    mobilisation: Mobilisation = Mobilisation()
    urban_villages: UrbanVillages = UrbanVillages()
    unit_reviews: UnitReviews = UnitReviews()
    mechanisms: dict[str, Any] = Field(
        default_factory=dict,
        description="settings of mechanisms added to the core, by name (docs/architecture.md)",
    )

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _known_mechanisms(cls, value: Any) -> dict[str, BaseModel]:
        return validate_mechanisms(value)
