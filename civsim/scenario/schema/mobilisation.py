"""Mobilisation (全民参与): residents' awareness of the campaign and their taking part in it.

Seed 004 names "创建氛围不浓" among the campaign's problems and asks to "更加广泛地深入动员广大人民
群众参与创建活动"; seed 003: Jinan's "全民参与'一张网'" (我爱泉城: 民意一键通达、活动一键参与) and
Qingdao's "全民参与、人人有责". Mass activities and publicity make residents aware of the
campaign (知晓率) and draw the aware into it (参与率); without them both fall back to what the
routine work holds. Residents who know report more problems, residents who take part give
volunteer hours and like their city more. It sits in ``simulation.mobilisation``; off by default.
"""

from __future__ import annotations

import math

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param

__all__ = ["RESIDENTS_PER_RATE", "Mobilisation"]

#: Residents per unit of the activities' rate (per 10,000, as the place densities).
RESIDENTS_PER_RATE = 10_000


class Mobilisation(Frozen):
    """Awareness and participation raised by activities and publicity, decaying without them.

    Each district starts at ``initial_awareness`` and ``initial_participation``,
    the levels routine work holds (the baseline's reports, volunteers and
    satisfaction are those of this city as it is). Each month the district
    holds ``activities_per_10k_month`` mass activities per 10,000 residents
    (文明实践活动、志愿服务日), each reaching ``residents_per_activity``
    residents: ``x`` residents reached per resident. Publicity reaches them
    too: the month's publicity lift of the district's satisfaction ``P`` (the
    ``publicity`` effect's, :mod:`civsim.sim.mechanisms.satisfaction`) reaches
    ``publicity_reach * P``. With ``k = 2 ** (-month / half_life_days)``::

        a' = a0 + (a - a0) k + (1 - a0 - (a - a0) k) (1 - exp(-(x + publicity_reach P)))
        p' = p0 + (p - p0) k + (a' - p0 - (p - p0) k) (1 - exp(-join_share x))

    so awareness and participation fall back to their initial levels without
    activities, and only the aware take part. Above those levels, residents'
    reports rise in proportion to awareness (``citizen_report_rate`` times ``1 +
    report_elasticity (a / a0 - 1)``), participants above ``p0`` give
    ``volunteer_hours_per_participant_day`` and lift satisfaction by
    ``satisfaction_per_participation`` per unit of participation. Each activity
    costs ``yuan_per_activity``.

    Examples
    --------
    >>> mob = Mobilisation(enabled=True)
    >>> round(mob.reached(), 3)  # residents an activity month reaches, per resident
    0.02
    >>> a, p = mob.step(mob.initial_awareness, mob.initial_participation, 30, publicity=0.0)
    >>> round(a, 4), round(p, 4)
    (0.5099, 0.0546)
    >>> mob.step(0.9, 0.3, 30, publicity=0.0, reached=0.0)[0] < 0.9  # no activities: decays
    True
    """

    enabled: bool = Field(default=False, description="the mobilisation runs")
    initial_awareness: float = param(
        0.5,
        "share of residents aware of the campaign (知晓率) at the start, held by routine work",
        "assumption: seed 004, 创建氛围不浓 (a city whose atmosphere is weak)",
        plausible=(0.2, 0.8),
        gt=0,
        le=1,
    )
    initial_participation: float = param(
        0.05,
        "share of residents taking part in the campaign (参与率) at the start",
        "assumption: below the 13% registered volunteers a framework asks for",
        plausible=(0.01, 0.15),
        ge=0,
        le=1,
    )
    activities_per_10k_month: float = param(
        1.0,
        "mass activities a month per 10,000 residents",
        "assumption: seed 003 (Jinan: 5,600 practice sites, 11,000 volunteer teams for 10M "
        "residents), about one activity a month per practice station",
        plausible=(0.5, 10.0),
        ge=0,
    )
    residents_per_activity: float = param(
        200.0,
        "residents an activity reaches (takers-part, onlookers, neighbours told)",
        ASSUMPTION,
        plausible=(50.0, 1000.0),
        ge=0,
    )
    publicity_reach: float = param(
        10.0,
        "residents reached a month per resident per unit of the month's publicity lift",
        "assumption: a publicity line lifting satisfaction by 0.01 reaches a tenth of the "
        "unaware in a month",
        plausible=(5.0, 50.0),
        ge=0,
    )
    join_share: float = param(
        0.5,
        "aware residents an activity reaches who join, per reach",
        ASSUMPTION,
        plausible=(0.1, 0.9),
        ge=0,
        le=1,
    )
    half_life_days: float = param(
        180.0,
        "day: time for awareness and participation above their initial levels to halve "
        "without activities",
        "assumption: seed 000 (突击性、运动式 effects fade; 常态化 holds them)",
        plausible=(60.0, 365.0),
        gt=0,
    )
    report_elasticity: float = param(
        1.0,
        "relative rise of residents' reports per relative rise of awareness",
        "assumption: who knows where to report does (12345, 随手拍)",
        plausible=(0.3, 1.0),
        ge=0,
    )
    volunteer_hours_per_participant_day: float = param(
        0.002,
        "volunteer hours a day a resident taking part gives (about 0.7 a year)",
        "seed 003 (Jinan: 1.42M volunteers of 10M residents, 1,420 per 10,000) beside the "
        "baseline's 3 volunteer-hours a day per 10,000 residents; assumption: a participant "
        "gives what a volunteer does",
        plausible=(0.0005, 0.01),
        ge=0,
    )
    satisfaction_per_participation: float = param(
        0.1,
        "satisfaction (0..1) gained per unit of residents' participation above its initial level",
        "assumption: seed 004, 创建为了人民 (who takes part shares in what it builds)",
        plausible=(0.02, 0.3),
        ge=0,
    )
    yuan_per_activity: float = param(
        1000.0,
        "yuan: one mass activity (materials, venue, small gifts)",
        "assumption: docs/domain.md §4, community grants buy activities",
        plausible=(500.0, 10000.0),
        ge=0,
    )

    def reached(self) -> float:
        """Residents a month's activities reach, per resident (``x``)."""
        return self.activities_per_10k_month * self.residents_per_activity / RESIDENTS_PER_RATE

    def step(
        self,
        awareness: float,
        participation: float,
        days: float,
        publicity: float,
        reached: float | None = None,
    ) -> tuple[float, float]:
        """Awareness and participation ``days`` on (the module formula), from ``publicity``."""
        x = self.reached() if reached is None else reached
        k = 0.5 ** (days / self.half_life_days)
        a0, p0 = self.initial_awareness, self.initial_participation
        kept_a = a0 + (awareness - a0) * k
        a = kept_a + (1.0 - kept_a) * (1.0 - math.exp(-(x + self.publicity_reach * publicity)))
        kept_p = p0 + (participation - p0) * k
        p = kept_p + max(a - kept_p, 0.0) * (1.0 - math.exp(-self.join_share * x))
        return a, p
