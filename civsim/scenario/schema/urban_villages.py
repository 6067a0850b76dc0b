"""Urban-village governance (城中村现代化治理): a three-year plan brings villages under measures.

Seed 000: "严格对标落实《XX市城中村现代化治理三年行动方案（2023—2025年）》'全覆盖'年度目标 ...
全面推行精细化网格管理，探索网格员、安全员等职能整合 ... 总结推广党建引领基层治理、'大物业'统管、
集体经济产权制度创新等成功经验"; "落实《三年行动方案》年度目标任务不动摇，压实区、街镇主体责任".
Urban villages are places with their own dynamics (tenants crowd in, and the more tenants per
villager, the faster a village decays), and the plan covers a rising share of each district's
villages each year; once a village is covered, grid integration finds its problems sooner,
unified property management (大物业) keeps it up, and the collective-property reform cuts the
decay its rentals bring. It sits in ``simulation.urban_villages``; off by default.
"""

from __future__ import annotations

from itertools import pairwise

from pydantic import Field, field_validator, model_validator

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param

__all__ = ["UrbanVillages"]


class UrbanVillages(Frozen):
    """The urban villages' own dynamics, the plan's yearly targets and its three measures.

    **Dynamics.** Each village of place type ``place_type`` houses a number of
    tenants per villager (租户 per 村民), drawn per village and replication
    uniformly from ``tenants_per_villager_low`` .. ``_high``. The framework's
    decay rates at urban villages are those of an average village (the
    middle of that range, ``r_mean``); a village with ``r`` tenants per
    villager decays ``1 + rental_decay * (r / r_mean - 1)`` times as fast.

    **Plan.** By the end of plan year ``y`` (the cycle's year ``y``), a share
    ``coverage_targets[y]`` of each district's villages is to be covered
    (rounded up: a district's last village counts); the years after the last
    target hold it. Districts take the densest villages first (the 硬骨头),
    start the year's new ones evenly over the year's first
    ``start_within_days``, and a village's measures come into force
    ``cover_days`` later, give or take ``cover_days_spread`` (uniform,
    drawn per village). The city pays ``yuan_per_village`` on the day work
    starts on a village.

    **Measures**, from the day a village is covered:

    - grid integration (网格员、安全员职能整合): the village's merged grid team
      looks at each of its checkpoints with chance ``grid_detection_rate`` a
      day (a grid team of the detection mechanism, with streams of its own);
    - unified property management (大物业统管): routine upkeep at the village
      is ``1 + property_upkeep_gain`` times what it was;
    - collective-property reform (集体经济产权制度创新, rentals let under the
      collective's contracts): the village's decay falls by
      ``reform_decay_cut`` times its tenants' share of residents,
      ``r / (1 + r)``.

    Examples
    --------
    >>> uv = UrbanVillages(enabled=True)
    >>> uv.target(1), uv.target(3), uv.target(5)  # the years after the plan hold its last target
    (0.4, 1.0, 1.0)
    >>> uv.due(1, 7), uv.due(2, 7), uv.due(3, 2)  # villages of 7 (and of 2) due by each year
    (3, 6, 2)
    >>> round(uv.rental_factor(uv.mean_tenants()), 3), round(uv.rental_factor(8.0), 3)
    (1.0, 1.24)
    >>> round(uv.reform_factor(4.0), 3)  # 4 tenants per villager: 80% of residents rent
    0.76
    """

    enabled: bool = Field(
        default=False, description="urban villages have their own dynamics, and the plan runs"
    )
    place_type: IdStr = Field(
        default="urban_village",
        description="the place type of the urban villages; must be a place type of the framework",
    )
    tenants_per_villager_low: float = param(
        2.0,
        "tenants per villager in the least rented village",
        "assumption: in the urban villages of the big southern cities tenants outnumber "
        "villagers several times over",
        plausible=(0.5, 4.0),
        ge=0,
    )
    tenants_per_villager_high: float = param(
        8.0,
        "tenants per villager in the most rented village",
        ASSUMPTION,
        plausible=(4.0, 15.0),
        ge=0,
    )
    rental_decay: float = param(
        0.4,
        "elasticity of a village's decay to its tenants per villager (relative to the mean)",
        "assumption: crowded rentals (群租) wear lanes, fire exits and refuse points faster",
        plausible=(0.0, 0.8),
        ge=0,
        lt=1,
    )
    coverage_targets: tuple[float, ...] = param(
        (0.4, 0.8, 1.0),
        "share of each district's villages covered by the end of each plan year",
        "seed 000: the three-year plan (2023-2025) sets yearly 全覆盖 targets, full coverage "
        "by its end; the first two years' steps (0.4, 0.8) are an assumption",
    )
    start_within_days: int = param(
        182,
        "day of the year by which work has started on each of the year's new villages",
        "assumption: districts front-load the year's targets (年度目标任务不动摇)",
        plausible=(60, 330),
        ge=1,
        le=365,
    )
    cover_days: float = param(
        90.0,
        "day: from starting work on a village to its measures being in force",
        "assumption: a property company contracted, grids merged and the collective's "
        "contracts signed take a season",
        plausible=(30.0, 240.0),
        gt=0,
    )
    cover_days_spread: float = param(
        0.5,
        "a village's time to cover is cover_days times 1 plus or minus up to this share",
        ASSUMPTION,
        plausible=(0.0, 0.9),
        ge=0,
        lt=1,
    )
    yuan_per_village: int = param(
        200_000,
        "yuan the city pays to bring one village under the measures",
        "assumption: below docs/domain.md §4's cap of 300k yuan on a community grant; a "
        "village's property contract, grid merger and reform paperwork",
        plausible=(50_000, 500_000),
        ge=0,
    )
    grid_detection_rate: float = param(
        0.02,
        "daily chance a problem at a covered village is found by its merged grid team",
        "assumption: of the order of a smart platform's rate (simulation.detection)",
        plausible=(0.005, 0.05),
        ge=0,
        le=1,
    )
    property_upkeep_gain: float = param(
        0.3,
        "share added to routine upkeep at a covered village by its unified property management",
        "assumption: a 大物业 company's cleaners and guards beside the grid's rounds",
        plausible=(0.1, 0.6),
        ge=0,
    )
    reform_decay_cut: float = param(
        0.3,
        "share of a covered village's decay removed if all its residents were tenants",
        "assumption: rentals under the collective's contracts (集体经济产权制度创新) carry "
        "house rules and a landlord who answers for them",
        plausible=(0.1, 0.5),
        ge=0,
        lt=1,
    )

    @field_validator("coverage_targets")
    @classmethod
    def _rising_shares(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("give at least one year's target")
        if any(not 0 <= t <= 1 for t in value):
            raise ValueError(f"every target is a share between 0 and 1, got {value}")
        if any(b < a for a, b in pairwise(value)):
            raise ValueError(f"the targets may not fall from one year to the next, got {value}")
        return value

    @model_validator(mode="after")
    def _range_in_order(self) -> UrbanVillages:
        if self.tenants_per_villager_low > self.tenants_per_villager_high:
            raise ValueError(
                f"tenants_per_villager_low {self.tenants_per_villager_low} is above "
                f"tenants_per_villager_high {self.tenants_per_villager_high}"
            )
        return self

    def target(self, year: int) -> float:
        """The share of villages to be covered by the end of plan year ``year`` (1, 2, ...)."""
        return self.coverage_targets[min(year, len(self.coverage_targets)) - 1]

    def due(self, year: int, villages: int) -> int:
        """How many of a district's ``villages`` are due by the end of plan year ``year``."""
        # the shares are decimals: 0.4 * 5 is 2.0000000000000004, which rounds up to 3
        return min(villages, int(-(-round(self.target(year) * villages, 9) // 1)))

    def mean_tenants(self) -> float:
        """Tenants per villager of the average village (the middle of the range)."""
        return (self.tenants_per_villager_low + self.tenants_per_villager_high) / 2

    def rental_factor(self, tenants: float) -> float:
        """The factor on a village's decay at ``tenants`` per villager (1 at the mean)."""
        mean = self.mean_tenants()
        if mean <= 0:
            return 1.0
        return 1.0 + self.rental_decay * (tenants / mean - 1.0)

    def reform_factor(self, tenants: float) -> float:
        """The factor the collective-property reform leaves on a covered village's decay."""
        return 1.0 - self.reform_decay_cut * tenants / (1.0 + tenants)
