"""Moral points (道德积分): residents and tenants earn points for civil behaviour and redeem them.

Seed 000: "探索建立量化考核与柔性激励相结合机制，如借鉴推广道德积分管理等，将文明素养提升与村民、
租户的切身利益相挂钩，使抽象的文明要求转化为可感知、可触达的行为引导和物质激励". Residents who
take part keep the places where they live in better order, and like living there more; each point
redeemed costs the city its value. It sits in ``simulation.moral_points``; off by default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param, split_list

__all__ = ["MoralPoints"]

IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]


class MoralPoints(Frozen):
    """A moral-points scheme: its price, who takes part, and what they change.

    The scheme runs in communities holding ``offered_share`` of the residents.
    A participant earns ``points_per_participant_year`` points a year, each
    redeemed at ``yuan_per_point``: ``V`` yuan a year. The share of those
    residents who take part saturates in what the points are worth,
    ``participation_max * V / (V + half_value_yuan)``, and is reached as word
    spreads (half of it ``uptake_half_life_days`` after the scheme starts on day
    0). With ``p`` of all residents taking part (``offered_share`` times that),
    the decay at the places where residents live (``place_types``) falls by
    ``decay_cut_at_full * p`` and satisfaction rises by ``satisfaction_at_full *
    p``; the city pays ``p`` x residents x ``V`` a year.

    Examples
    --------
    >>> mp = MoralPoints(enabled=True)
    >>> mp.yearly_value(), round(mp.participation(10_000), 4)  # long after the start
    (120.0, 0.04)
    >>> round(MoralPoints(yuan_per_point=2.0).participation(10_000), 4)  # dearer, saturating
    0.048
    """

    enabled: bool = Field(default=False, description="the moral-points scheme runs")
    place_types: IdList = Field(
        default=("back_alley", "old_compound", "urban_village", "community_center"),
        description="the places where participants live (their lanes, compounds, villages and "
        "community centres); every one must be a place type of the framework",
    )
    offered_share: float = param(
        0.2,
        "share of residents whose communities run the scheme",
        "assumption: seed 000 aims it at urban villages' villagers and tenants (村民、租户)",
        plausible=(0.05, 1.0),
        ge=0,
        le=1,
    )
    yuan_per_point: float = param(
        1.0,
        "yuan a point redeems (goods or services at a points supermarket, 积分超市)",
        "assumption: points supermarkets commonly redeem a point for about a yuan",
        plausible=(0.5, 2.0),
        gt=0,
    )
    points_per_participant_year: float = param(
        120.0,
        "points a participant earns a year",
        "assumption: about ten a month for chores, volunteering and keeping the rules",
        plausible=(50.0, 300.0),
        gt=0,
    )
    participation_max: float = param(
        0.3,
        "share of residents who would take part at any price",
        ASSUMPTION,
        plausible=(0.1, 0.6),
        ge=0,
        le=1,
    )
    half_value_yuan: float = param(
        60.0,
        "yuan a year per participant at which half of participation_max take part",
        "assumption: saturation, the points' worth beside a household's budget",
        plausible=(20.0, 200.0),
        gt=0,
    )
    uptake_half_life_days: float = param(
        120.0,
        "day: time for participation to reach half its level",
        ASSUMPTION,
        plausible=(30.0, 365.0),
        gt=0,
    )
    decay_cut_at_full: float = param(
        0.4,
        "share of the daily decay at the participants' places removed if every resident took part",
        "assumption: seed 000's 村规民约 and points make residents keep their own lanes",
        plausible=(0.1, 0.6),
        ge=0,
        le=0.9,
    )
    satisfaction_at_full: float = param(
        0.05,
        "satisfaction (0..1) gained if every resident took part",
        "assumption: seed 000, 激发参与热情 (participants gain goods and a say)",
        plausible=(0.0, 0.1),
        ge=0,
        le=1,
    )

    def yearly_value(self) -> float:
        """Yuan a participant redeems in a year."""
        return self.yuan_per_point * self.points_per_participant_year

    def participation(self, days: float) -> float:
        """Share of all residents taking part ``days`` after the scheme started (0..1)."""
        v = self.yearly_value()
        uptake = 1.0 - 0.5 ** (max(days, 0.0) / self.uptake_half_life_days)
        joined = self.participation_max * v / (v + self.half_value_yuan)
        return self.offered_share * joined * uptake
