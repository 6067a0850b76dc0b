"""Member units' yearly reviews (述职), accountability (问责) and key projects (重点工程交办).

Seed 002: "要实行文明委成员单位述职制度和重点工程交办制，确保安排部署到位、措施保障到位、
检查考核到位、责任落实到位"; seed 000: "严格落实问责制度，对工作不力、进展缓慢、问题突出的
单位和个人，严肃追究责任"; seed 004: "今年我们将实行严格的考核奖惩机制". Each year the committee
assigns key projects to the member units whose places are worst kept, with a deadline; at the
year's review every member unit reports, and one with a chronic backlog, a low score or a late
key project is held to account: it works harder the next year, and tires the year after. Paid in
staff effort, not yuan. It sits in ``simulation.unit_reviews``; off by default.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from civsim.scenario.params import ASSUMPTION, Frozen, param

__all__ = ["UnitReviews"]


class UnitReviews(Frozen):
    """The yearly review of member units, what holds one to account, and the key projects.

    **Key projects.** On day ``assign_day`` of each year the committee assigns
    one key project each to the ``projects_per_year`` member units whose led
    field checkpoints are in the worst condition, due ``deadline_days`` later.
    A project renovates the unit's worst-kept led field checkpoints, as many
    as ``project_staff_days`` cover at ``checkpoint_staff_days`` each, so its
    work is in proportion to the places it renovates (a county's commerce
    bureau leads 14 field checkpoints, a city's propaganda department 89,040).
    The unit puts on it the share of its campaign staff that meets the
    deadline, at least ``project_staff_share`` and at most
    ``max_project_staff_share`` (明确时间表: capacity answers the deadline,
    within what the unit's other work leaves); it is done after its staff-days
    divided by the staff-days it gets a day (rounded up), late if even the most
    staff cannot meet the deadline. Those staff come out of the unit's routine upkeep
    meanwhile (the rectification review's rule for staff moved to orders).
    Done, it lifts the condition of the checkpoints it renovated by
    ``project_lift``, fading over a year (a renovation wears as a funded lift
    does).

    **Review and accountability.** On day ``review_day`` of each year every
    member unit reports (述职). It is held to account (问责) if its open orders
    exceed ``backlog_bar_days`` days of its normal rectification capacity, if
    the mean condition of its led field checkpoints is below
    ``condition_bar`` (its items score low), or if its key project is past
    its deadline and not done. A unit held to account raises its routine
    upkeep until the next review: by ``effort_gain`` the first time, and by
    ``(1 - fatigue)`` times less for each review in a row that held it before
    (pressure kept up tires: 疲于应付). If a review does not hold a unit the
    last one held, it tires: ``fatigue * effort_gain`` below normal until the
    next one.

    Examples
    --------
    >>> ur = UnitReviews(enabled=True)
    >>> ur.project_work(led=5000)  # 400 staff-days renovate its 800 worst checkpoints
    (800, 400.0)
    >>> ur.project_work(led=240)  # a unit leading fewer renovates them all
    (240, 120.0)
    >>> ur.project_share(staff=40, work=400.0), ur.project_days(staff=40, work=400.0)
    (0.1, 100.0)
    >>> round(ur.project_share(staff=10, work=400.0), 4), ur.project_days(staff=10, work=400.0)
    (0.2222, 180.0)
    >>> ur.project_days(staff=3, work=400.0)  # 3 staff, at most 0.3 of them: late
    445.0
    >>> ur.effort_after(held=True, streak=0), round(ur.effort_after(held=True, streak=1), 4)
    (1.15, 1.075)
    >>> round(ur.effort_after(held=False, streak=2), 3)  # released after two years: tired
    0.925
    """

    enabled: bool = Field(
        default=False,
        description="member units report yearly, are held to account and carry key projects",
    )
    assign_day: int = param(
        30,
        "day of the year the key projects are assigned (交办)",
        "assumption: after the year's first month shows which units' places are worst kept",
        plausible=(0, 120),
        ge=0,
        le=364,
    )
    projects_per_year: int = param(
        3,
        "key projects assigned each year, one per unit",
        ASSUMPTION,
        plausible=(1, 8),
        ge=0,
    )
    deadline_days: int = param(
        180,
        "day: from a key project's assignment to its deadline",
        "assumption: 明确时间表 (seed 000): half a year",
        plausible=(60, 300),
        ge=1,
    )
    project_staff_days: float = param(
        400.0,
        "staff-days of a unit's work a key project spends at most: on its worst-kept "
        "led field checkpoints, as many as these cover",
        ASSUMPTION,
        plausible=(100.0, 1500.0),
        gt=0,
    )
    checkpoint_staff_days: float = param(
        0.5,
        "staff-days a key project spends on each checkpoint it renovates",
        "assumption: half a day of a unit's staff to repair, repaint or replace an item",
        plausible=(0.1, 2.0),
        gt=0,
    )
    project_staff_share: float = param(
        0.1,
        "least share of the unit's campaign staff on its key project while it runs",
        ASSUMPTION,
        plausible=(0.02, 0.3),
        gt=0,
        le=1,
    )
    max_project_staff_share: float = param(
        0.3,
        "most of the unit's campaign staff it puts on its key project to meet the deadline",
        "assumption: 明确时间表 (seed 000): a unit staffs its project to the deadline, within "
        "what its other work leaves",
        plausible=(0.1, 0.6),
        gt=0,
        le=1,
    )
    project_lift: float = param(
        0.1,
        "condition (0..1) a done key project adds at the unit's led field checkpoints",
        "assumption: of the order of a funded renovation's lift (budget lines' condition)",
        plausible=(0.02, 0.2),
        ge=0,
        le=1,
    )
    review_day: int = param(
        350,
        "day of the year of the units' review (述职)",
        "assumption: year-end reporting in December (seed 002: the committee hears the units)",
        plausible=(300, 364),
        ge=0,
        le=364,
    )
    backlog_bar_days: float = param(
        20.0,
        "open orders, in days of the unit's normal rectification capacity, above which its "
        "backlog is chronic at the review",
        "assumption: twice the 10-day closure of docs/domain.md §5",
        plausible=(5.0, 60.0),
        gt=0,
    )
    condition_bar: float = param(
        0.7,
        "mean condition (0..1) of a unit's led field checkpoints below which its items score low",
        ASSUMPTION,
        plausible=(0.5, 0.85),
        ge=0,
        le=1,
    )
    effort_gain: float = param(
        0.15,
        "share added to a held unit's routine upkeep until the next review",
        "assumption: 严肃追究责任, 形成有效震慑 (seed 000)",
        plausible=(0.05, 0.3),
        ge=0,
    )
    fatigue: float = param(
        0.5,
        "share of the gain lost below normal in the year after, unless held again; and the "
        "share by which each further year held in a row shrinks the gain",
        "assumption: a campaign's surge tires its staff (docs/domain.md §5)",
        plausible=(0.0, 1.0),
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _assigned_before_review(self) -> UnitReviews:
        if self.assign_day >= self.review_day:
            raise ValueError(
                f"assign_day {self.assign_day} must come before review_day {self.review_day}: "
                "the review asks after the year's key projects"
            )
        return self

    @model_validator(mode="after")
    def _least_share_below_most(self) -> UnitReviews:
        if self.project_staff_share > self.max_project_staff_share:
            raise ValueError(
                f"project_staff_share {self.project_staff_share} must not exceed "
                f"max_project_staff_share {self.max_project_staff_share}"
            )
        return self

    @model_validator(mode="after")
    def _gain_below_fatigue_floor(self) -> UnitReviews:
        if self.fatigue * self.effort_gain >= 1:
            raise ValueError(
                f"fatigue {self.fatigue} times effort_gain {self.effort_gain} would leave no "
                "routine upkeep at all"
            )
        return self

    def project_work(self, led: int) -> tuple[int, float]:
        """How many checkpoints a unit leading ``led`` field ones renovates, and the staff-days."""
        most = math.floor(round(self.project_staff_days / self.checkpoint_staff_days, 9))
        n = min(led, most)
        return n, n * self.checkpoint_staff_days

    def project_need(self, staff: float, work: float) -> float:
        """The share of ``staff`` that does ``work`` staff-days by the deadline (inf: no staff)."""
        return work / (staff * self.deadline_days) if staff > 0 else math.inf

    def project_share(self, staff: float, work: float) -> float:
        """The share of ``staff`` on a project of ``work`` staff-days: what meets the deadline."""
        if staff <= 0:
            return self.project_staff_share
        need = self.project_need(staff, work)
        return min(max(need, self.project_staff_share), self.max_project_staff_share)

    def project_days(self, staff: float, work: float) -> float:
        """Days a unit of ``staff`` campaign staff takes over ``work`` staff-days (inf: none)."""
        per_day = staff * self.project_share(staff, work)
        if per_day <= 0:
            return math.inf  # nobody to do it: never done
        return float(math.ceil(round(work / per_day, 9)))

    def effort_after(self, held: bool, streak: int) -> float:
        """The factor on a unit's routine upkeep after a review (1: as normal).

        ``streak`` is the reviews in a row that held the unit before this one.
        """
        if held:
            return 1.0 + self.effort_gain * (1.0 - self.fatigue) ** streak
        if streak:
            return 1.0 - self.fatigue * self.effort_gain
        return 1.0
