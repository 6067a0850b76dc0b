"""The ``simulation.campaign`` section: campaign or normal operation, and what a surge costs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param


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
