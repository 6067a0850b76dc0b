"""The practice network (新时代文明实践 中心/所/站): where residents' requests reach volunteers.

Seed 002: "健全县乡村三级贯穿服务体系，形成中心、所、站密切联动的工作格局" and
"群众点单、中心派单、志愿者接单"; seed 003: Jinan runs 5,600+ practice sites
(新时代文明实践阵地), Ningbo has a 所 in every town (镇镇有新时代文明实践所), Qingdao
5,000+ centres covering its whole territory (全域覆盖); seed 001 holds its county's
practice-network meeting together with the campaign's. A centre (中心) in every district, an
institute (所) in the streets that have one, a station (站) in the communities that have one. A
request is taken up by the lowest site its community has, each level with its own response
time; the sites' staff give hours of service. It sits in ``simulation.practice_network``; off
by default.
"""

from __future__ import annotations

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param

__all__ = ["LEVELS", "PracticeNetwork"]

#: The network's levels, lowest (nearest to residents) first.
LEVELS = ("station", "institute", "centre")


class PracticeNetwork(Frozen):
    """A practice network: how many sites, their staff, and how fast each level responds.

    Every district has a centre; ``institute_coverage`` of each district's
    streets have an institute and ``station_coverage`` of its communities a
    station (the most populous first: sites are built where residents are). A
    resident's request is taken up ``station_response_days`` after it is made
    where the community has a station; else ``institute_response_days`` where
    its street has an institute; else ``centre_response_days`` (served from the
    level above). Each site's staff (``centre_staff``, ``institute_staff``,
    ``station_staff``) give ``service_hours_per_staff_day`` hours of service
    every day, on weekdays as on weekends.

    Examples
    --------
    >>> net = PracticeNetwork(enabled=True)
    >>> net.response_days()
    {'station': 0, 'institute': 1, 'centre': 3}
    >>> net.staff_hours_per_day(centres=1, institutes=10, stations=100)
    75.0
    """

    enabled: bool = Field(
        default=False, description="requests reach volunteers through the network"
    )
    institute_coverage: float = param(
        1.0,
        "share of streets or towns with a practice institute (所)",
        "seed 003: Ningbo has a 所 in every town (镇镇有新时代文明实践所)",
        plausible=(0.5, 1.0),
        ge=0,
        le=1,
    )
    station_coverage: float = param(
        0.8,
        "share of communities or villages with a practice station (站)",
        "assumption: seed 003's cities cover nearly all (Jinan 5,600+ sites, Qingdao 全域覆盖); "
        "a first-time nominee less",
        plausible=(0.3, 1.0),
        ge=0,
        le=1,
    )
    centre_staff: float = param(
        5.0,
        "persons: staff of a district's practice centre (中心)",
        ASSUMPTION,
        plausible=(2.0, 15.0),
        ge=0,
    )
    institute_staff: float = param(
        2.0,
        "persons: staff of a street's practice institute (所)",
        ASSUMPTION,
        plausible=(1.0, 5.0),
        ge=0,
    )
    station_staff: float = param(
        0.5,
        "persons: staff of a community's practice station (站), part-time community staff",
        "assumption: a 站 is run by the community's own staff beside their other work",
        plausible=(0.2, 2.0),
        ge=0,
    )
    service_hours_per_staff_day: float = param(
        1.0,
        "volunteer-hours of service a site's staff member gives (or organises) a day",
        "assumption: most of a site's day goes to activities, lectures and records, not requests",
        plausible=(0.25, 3.0),
        ge=0,
    )
    station_response_days: int = param(
        0,
        "day: from a resident's request to a volunteer team having it, where there is a 站",
        "assumption: the 站 is in the community (the 最后一公里 of seed 002)",
        plausible=(0, 1),
        ge=0,
        le=30,
    )
    institute_response_days: int = param(
        1,
        "day: the same where the street's 所 takes the request up",
        ASSUMPTION,
        plausible=(0, 3),
        ge=0,
        le=30,
    )
    centre_response_days: int = param(
        3,
        "day: the same where only the district's centre can (中心派单 down two levels)",
        ASSUMPTION,
        plausible=(1, 7),
        ge=0,
        le=30,
    )

    def response_days(self) -> dict[str, int]:
        """Days from request to volunteers, by the level that takes the request up."""
        return {
            "station": self.station_response_days,
            "institute": self.institute_response_days,
            "centre": self.centre_response_days,
        }

    def staff_hours_per_day(self, centres: float, institutes: float, stations: float) -> float:
        """Hours of service a day the staff of so many sites give."""
        staff = (
            centres * self.centre_staff
            + institutes * self.institute_staff
            + stations * self.station_staff
        )
        return staff * self.service_hours_per_staff_day
