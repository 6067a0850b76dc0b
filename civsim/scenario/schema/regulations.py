"""Civilized-behaviour regulations (文明行为促进条例): enforcement at public places.

Seed 000: "推动《XX市文明行为促进条例》落实落细，加大对公共卫生、交通秩序、社区生活等重点领域
不文明行为的约束惩戒"; seed 003: Shenzhen's and Ningbo's regulations turned civility from a
"软约束" into a "硬约束". Enforcement raises what uncivil behaviour costs, so public places
decay more slowly; it takes the enforcing units' staff time, which their routine work loses.
It sits in ``simulation.regulations`` and is off by default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param, split_list

__all__ = ["Regulations"]

IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]

#: Days of a week (enforcement rosters are weekly, as every work plan: ``civsim.sim.engine.WEEK``).
DAYS_PER_WEEK = 7
#: Places per unit of enforcement intensity (hours a week per this many public places).
PLACES_PER_INTENSITY = 1000


class Regulations(Frozen):
    """Enforcement of the civilized-behaviour regulations at public places.

    The enforcing units put ``enforcement_share`` of their campaign staff's
    hours on enforcement (patrols, 劝导, fines); per week and per 1,000 public
    places of a district this is the enforcement intensity ``x`` (funded
    ``enforcement`` lines add hours). Uncivil behaviour at public places, and
    so their decay, falls by ``decay_cut_max * x / (x + half_effect_hours)``
    once residents have learnt the rules; they learn them with half-life
    ``habit_half_life_days`` from the day enforcement starts. The hours come out
    of the enforcing units' routine work: the routine upkeep of the checkpoints
    they lead is scaled as the rectification review scales it for staff moved
    to orders (``rectification.routine_weight``, ``rectification.staff_share``).

    Examples
    --------
    >>> reg = Regulations(enabled=True)
    >>> round(reg.decay_cut(reg.half_effect_hours), 3)  # at the half-effect intensity
    0.15
    >>> reg.decay_cut(0.0), round(reg.decay_cut(10.0, habit=0.5), 4)
    (0.0, 0.075)
    """

    enabled: bool = Field(
        default=False, description="the regulations are enforced at public places"
    )
    place_types: IdList = Field(
        default=(
            "main_road",
            "intersection",
            "bus_stop",
            "back_alley",
            "public_toilet",
            "park_square",
            "commercial_street",
            "scenic_spot",
            "transport_hub",
        ),
        description="the public places enforcement reaches (seed 000: 公共卫生、交通秩序、"
        "社区生活); every one must be a place type of the framework",
    )
    enforcing_units: IdList = Field(
        default=("urban_mgmt", "traffic_police"),
        description="member units whose staff enforce (综合执法: 城管, 交警); each must be a unit",
    )
    enforcement_share: float = param(
        0.1,
        "share of the enforcing units' campaign staff hours spent on enforcement",
        ASSUMPTION,
        plausible=(0.02, 0.3),
        ge=0,
        le=1,
    )
    decay_cut_max: float = param(
        0.3,
        "largest share of the daily decay at public places that enforcement removes",
        "assumption: seed 003 (Shenzhen, Ningbo: the regulations make civility a 硬约束); "
        "no figure in the sources",
        plausible=(0.1, 0.5),
        ge=0,
        le=0.9,
    )
    half_effect_hours: float = param(
        10.0,
        "enforcement hours a week per 1,000 public places at which half the largest cut is had",
        ASSUMPTION,
        plausible=(2.0, 50.0),
        gt=0,
    )
    habit_half_life_days: float = param(
        90.0,
        "day: time for residents to learn half the enforced rules (the cut's build-up)",
        "assumption: a habit forms over months (seed 000: 文明行为习惯养成)",
        plausible=(30.0, 365.0),
        gt=0,
    )

    def decay_cut(self, hours: float, habit: float = 1.0) -> float:
        """Share of public places' decay removed at ``hours`` a week per 1,000 places.

        Parameters
        ----------
        hours : float
            Enforcement intensity: hours a week per :data:`PLACES_PER_INTENSITY` public places.
        habit : float
            Share of the rules residents have learnt (0..1).
        """
        if hours <= 0:
            return 0.0
        return self.decay_cut_max * habit * hours / (hours + self.half_effect_hours)

    def hours_per_week(
        self, staff: float, hours_per_staff_year: float, days_per_year: int
    ) -> float:
        """Enforcement hours a week that ``staff`` enforcing staff give.

        Examples
        --------
        >>> round(Regulations().hours_per_week(75, 1600.0, 364), 1)  # the baseline's 城管 and 交警
        230.8
        """
        return staff * self.enforcement_share * hours_per_staff_year * DAYS_PER_WEEK / days_per_year

    def habit(self, days: float) -> float:
        """Share of the rules learnt ``days`` after enforcement started (0..1).

        Examples
        --------
        >>> Regulations().habit(90.0)
        0.5
        """
        return 1.0 - 0.5 ** (max(days, 0.0) / self.habit_half_life_days)
