"""Volunteer teams at scale: registered volunteers, recruitment, and the 四季红 calendar.

Seed 003: Jinan's 11,000+ volunteer teams (志愿服务队伍) and 1.42 million volunteers among 10
million residents; seed 002: a four-level volunteer network
(市县乡村四级学雷锋志愿服务工作网络), volunteer funds in the budget
(将志愿服务活动经费纳入预算), and the 四季红 calendar (亲情季、成长季、丰收季、诚信季)
"确保活动四季均衡". The city recruits residents to register; registered volunteers are active by
season, and part of their hours answers residents' requests (群众点单) beside the centres' own
volunteers. It sits in ``simulation.volunteer_teams``; off by default.
"""

from __future__ import annotations

import math

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param

__all__ = ["SEASONS", "VolunteerTeams"]

#: Halvings of the conversion's interval when solving for the spending a target needs
#: (2**-60 of it: far below a yuan).
_BISECTIONS = 60

#: The 四季红 seasons, one a quarter of the year from day 0 (1 January).
SEASONS = ("family", "growth", "harvest", "integrity")


class VolunteerTeams(Frozen):
    """Registered volunteers: how recruitment grows them, how active they are, what they give.

    ``registered_share_start`` of the residents are registered on day 0. Each
    year the city spends ``recruitment_yuan_per_10k_year`` per 10,000
    residents; a year's recruitment registers a share ``conversion_max * y /
    (y + half_effort_yuan_per_10k)`` (``y`` that spending) of the residents
    willing to register (``willing_share``) who have not yet; a share
    ``lapse_share_per_year`` of the registered lapse each year. In each
    quarter's season of 四季红 a share ``activity_<season>`` of the registered
    are active, giving ``hours_per_active_year`` a year, of which
    ``dispatch_share`` answers residents' requests (the rest goes to the
    teams' own activities). Teams count ``members_per_team`` volunteers.

    Examples
    --------
    >>> vt = VolunteerTeams(enabled=True)
    >>> round(vt.conversion(), 3)  # a year's share of the willing not yet registered
    0.25
    >>> round(vt.registered_share(0.10, 365), 4)  # after a year, from a tenth of residents
    0.1322
    >>> round(vt.registered_share(0.10, 10**6), 4)  # the level recruitment holds
    0.2122
    >>> round(vt.recruitment_needed(365))  # yuan a year per 10,000 residents: 13% in a year
    1773
    """

    enabled: bool = Field(
        default=False, description="registered volunteers' teams serve residents' requests"
    )
    registered_share_start: float = param(
        0.10,
        "share of residents registered as volunteers on day 0",
        "assumption: seed 003's Jinan, a holder, has 1.42M in 10M (0.14); a nominee fewer",
        plausible=(0.03, 0.15),
        ge=0,
        le=1,
    )
    target_share: float = param(
        0.13,
        "share of residents the city aims to have registered",
        "assumption: the targets cities publish for registered volunteers (about 13%)",
        plausible=(0.08, 0.2),
        ge=0,
        le=1,
    )
    willing_share: float = param(
        0.25,
        "share of residents who would register at any effort (the ceiling recruitment nears)",
        ASSUMPTION,
        plausible=(0.15, 0.4),
        ge=0,
        le=1,
    )
    recruitment_yuan_per_10k_year: float = param(
        2000.0,
        "yuan a year per 10,000 residents spent recruiting (publicity, registration drives)",
        "assumption: seed 002, volunteer-service funds enter the budget (纳入预算)",
        plausible=(0.0, 10000.0),
        ge=0,
    )
    conversion_max: float = param(
        0.5,
        "share of the willing not yet registered whom a year's recruitment registers at any effort",
        ASSUMPTION,
        plausible=(0.2, 0.8),
        ge=0,
        lt=1,
    )
    half_effort_yuan_per_10k: float = param(
        2000.0,
        "yuan a year per 10,000 residents at which recruitment reaches half its conversion_max",
        "assumption: saturation, recruitment reaches the easily reached first",
        plausible=(500.0, 8000.0),
        gt=0,
    )
    lapse_share_per_year: float = param(
        0.05,
        "share of registered volunteers who lapse a year",
        ASSUMPTION,
        plausible=(0.0, 0.2),
        ge=0,
        lt=1,
    )
    members_per_team: float = param(
        129.0,
        "registered volunteers per team (志愿服务队伍)",
        "seed 003: Jinan, 1.42 million volunteers in 11,000+ teams",
        plausible=(30.0, 200.0),
        gt=0,
    )
    activity_family: float = param(
        0.35,
        "share of the registered active in the 亲情季 (first quarter: Spring Festival visits)",
        "assumption: seed 002's 四季红 calendar; requests peak at the Spring Festival too",
        plausible=(0.1, 0.6),
        ge=0,
        le=1,
    )
    activity_growth: float = param(
        0.3,
        "share of the registered active in the 成长季 (second quarter)",
        "assumption: seed 002's 四季红 calendar, 确保活动四季均衡",
        plausible=(0.1, 0.6),
        ge=0,
        le=1,
    )
    activity_harvest: float = param(
        0.25,
        "share of the registered active in the 丰收季 (third quarter: summer holidays)",
        "assumption: seed 002's 四季红 calendar; fewer in the summer",
        plausible=(0.1, 0.6),
        ge=0,
        le=1,
    )
    activity_integrity: float = param(
        0.3,
        "share of the registered active in the 诚信季 (fourth quarter)",
        "assumption: seed 002's 四季红 calendar, 确保活动四季均衡",
        plausible=(0.1, 0.6),
        ge=0,
        le=1,
    )
    hours_per_active_year: float = param(
        40.0,
        "volunteer-hours an active volunteer gives a year",
        ASSUMPTION,
        plausible=(10.0, 100.0),
        ge=0,
    )
    dispatch_share: float = param(
        0.05,
        "share of the teams' hours that answers residents' requests (群众点单、志愿者接单)",
        "assumption: most of a team's hours go to its own activities (宣讲, 文明劝导, events)",
        plausible=(0.01, 0.2),
        ge=0,
        le=1,
    )

    def activity(self) -> tuple[float, float, float, float]:
        """Share of the registered active in each season of :data:`SEASONS`."""
        return (
            self.activity_family,
            self.activity_growth,
            self.activity_harvest,
            self.activity_integrity,
        )

    def conversion(self) -> float:
        """Share of the willing not yet registered whom a year's recruitment registers."""
        y = self.recruitment_yuan_per_10k_year
        return self.conversion_max * y / (y + self.half_effort_yuan_per_10k)

    def registered_share(self, start: float, days: float, days_per_year: int = 365) -> float:
        """Share of residents registered ``days`` after the share was ``start``.

        Recruitment and lapses act continuously: the share moves toward
        ``willing_share * r / (r + l)`` at rate ``r + l`` a year, ``r`` and
        ``l`` the yearly rates whose year-long shares are :meth:`conversion`
        and ``lapse_share_per_year``.
        """
        r = -math.log1p(-self.conversion())
        lapse = -math.log1p(-self.lapse_share_per_year)
        if r + lapse == 0:
            return start
        level = self.willing_share * r / (r + lapse)
        return level + (start - level) * math.exp(-(r + lapse) * days / days_per_year)

    def recruitment_needed(self, days: float, days_per_year: int = 365) -> float:
        """Yuan a year per 10,000 residents reaching ``target_share`` ``days`` after the start.

        0 where the start already holds the target that long; infinity where no
        spending reaches it (above what ``conversion_max`` of the willing can
        hold against the lapses).
        """
        start, target = self.registered_share_start, self.target_share

        def reached(conversion: float) -> float:
            y = self.half_effort_yuan_per_10k * conversion / (self.conversion_max - conversion)
            return self.model_copy(update={"recruitment_yuan_per_10k_year": y}).registered_share(
                start, days, days_per_year
            )

        if reached(0.0) >= target:
            return 0.0
        low, high = 0.0, self.conversion_max
        if reached(high * (1 - 1e-12)) < target:
            return math.inf
        for _ in range(_BISECTIONS):
            mid = (low + high) / 2
            low, high = (mid, high) if reached(mid) < target else (low, mid)
        return self.half_effort_yuan_per_10k * high / (self.conversion_max - high)
