"""Red and black integrity lists (诚信红黑榜): published credit lists for markets and businesses.

Seed 002: "建立健全守信联合激励和失信联合惩戒机制；推动各部门信用信息共建共享，
定期发布诚信'红黑榜'"; seed 000: "完善守信联合激励和失信联合惩戒机制". Each
publication names the businesses kept in good standing and those in default;
for a while after it, traders at markets, shops and venues keep the rules more
carefully, so those places decay more slowly and fewer incidents of the
listing unit's negative standards (food safety, 重大食品药品安全事件) happen.
Attention fades until the next list. Compiling a list takes the listing
unit's staff hours. It sits in ``simulation.integrity_lists``; off by default.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator, Field

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param, split_list

__all__ = ["IntegrityLists"]

IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]


class IntegrityLists(Frozen):
    """Publication of the red and black lists, and the compliance it buys.

    ``days`` after a publication, the share of decay removed at the listed
    place types is ``decay_cut_max * 0.5 ** (days / attention_half_life_days)``
    and the listing unit's negative standards have ``incident_cut_max`` times
    the same fading share fewer incidents. Lists are published every
    ``publish_every_days`` from day 0; each takes ``hours_per_publication`` of
    the listing unit's staff, which its routine upkeep loses as the
    rectification review counts staff moved to orders.

    Examples
    --------
    >>> lists = IntegrityLists(enabled=True)
    >>> lists.attention(0.0), lists.attention(lists.attention_half_life_days)
    (1.0, 0.5)
    >>> round(lists.mean_attention(0, 91), 3)  # over a quarter, published quarterly
    0.622
    >>> round(IntegrityLists(publish_every_days=30).mean_attention(0, 91), 3)  # monthly
    0.852
    """

    enabled: bool = Field(default=False, description="the integrity lists are published")
    place_types: IdList = Field(
        default=("market", "commercial_street", "internet_cafe"),
        description="the places of the traders the lists name (markets, shops, venues); "
        "every one must be a place type of the framework",
    )
    listing_unit: IdStr = Field(
        default="market_reg",
        description="the member unit that compiles and publishes the lists (市场监管局): its "
        "negative standards have fewer incidents; it must be a member unit",
    )
    publish_every_days: int = param(
        91,
        "day between two publications",
        "seed 002: 定期发布诚信'红黑榜' (assumption: quarterly)",
        plausible=(30, 182),
        ge=1,
    )
    decay_cut_max: float = param(
        0.2,
        "share of the daily decay at the listed place types removed just after a publication",
        ASSUMPTION,
        plausible=(0.05, 0.4),
        ge=0,
        le=0.9,
    )
    incident_cut_max: float = param(
        0.3,
        "share of the listing unit's negative-list incidents avoided just after a publication",
        ASSUMPTION,
        plausible=(0.1, 0.5),
        ge=0,
        le=1,
    )
    attention_half_life_days: float = param(
        60.0,
        "day: time for traders' attention to a publication to halve",
        ASSUMPTION,
        plausible=(20.0, 180.0),
        gt=0,
    )
    hours_per_publication: float = param(
        80.0,
        "staff-hours of the listing unit to compile, check and publish one list",
        "assumption: credit records shared across units (seed 002: 信用信息共建共享)",
        plausible=(20.0, 400.0),
        ge=0,
    )

    def attention(self, days: float) -> float:
        """Share of a publication's effect left ``days`` after it (0..1)."""
        return 0.5 ** (max(days, 0.0) / self.attention_half_life_days)

    def mean_attention(self, first: int, last: int) -> float:
        """Mean share of the effect over days ``first .. last - 1`` of the cycle.

        Lists are published on days ``0, P, 2P, ...`` (``P`` = ``publish_every_days``).
        """
        days = range(first, max(last, first + 1))
        return math.fsum(self.attention(d % self.publish_every_days) for d in days) / len(days)
