"""The title's rules beyond the nominee's cycle: holders re-checked, and the minors' precondition.

Both sit in ``simulation.evaluation`` (``title_holder`` and ``minors``) and are
off by default: a scenario is then a nominee scored as before.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from civsim.scenario.params import ASSUMPTION, Frozen, param

__all__ = ["Minors", "TitleHolder"]


class TitleHolder(Frozen):
    """A city that holds the title, re-checked every year (复查), warned or stripped by rules.

    docs/domain.md §2: holders are re-checked in full every year since 2015, and
    cities ranked last repeatedly can be stripped (30+ cities lost or were
    suspended from the title since 2005); seed 000's city has held it seven
    times in a row. Each year the city's annual score is ranked among
    ``peer_group_size`` holders whose scores are drawn from a normal
    distribution; a rank among the last ``last_places`` is a last place. A
    last place brings a warning (通报/警告); ``consecutive_years`` of them in a
    row strip the title, as a disqualifying negative-list incident does at
    once when ``strip_on_disqualification`` is on.
    """

    enabled: bool = Field(
        default=False,
        description="the city starts as a title holder and each year is a re-check "
        "(off: a nominee, scored on the cycle)",
    )
    peer_group_size: int = param(
        101,
        "holders ranked together in a re-check (the city included)",
        "docs/domain.md §2: 101 prefecture-level cities held the title in 2022",
        plausible=(26, 126),
        ge=2,
    )
    peer_mean: float = param(
        86.0,
        "annual score points of the other holders, mean",
        "assumption: as the nominees' peers (simulation.evaluation.peer_mean)",
        plausible=(80.0, 92.0),
        ge=0,
        le=100,
    )
    peer_sd: float = param(
        2.5,
        "annual score points of the other holders, standard deviation",
        "assumption; tenths of a point decide (seed 001)",
        plausible=(1.0, 5.0),
        ge=0,
    )
    last_places: int = param(
        3,
        "places at the bottom of the re-check ranking that count as a last place",
        "assumption: 'cities ranked last repeatedly can be stripped' (docs/domain.md §2) "
        "names no number",
        plausible=(1, 10),
        ge=1,
    )
    consecutive_years: int = param(
        2,
        "re-checks in a row in the last places that strip the title",
        "assumption: 'ranked last repeatedly' (docs/domain.md §2)",
        plausible=(1, 3),
        ge=1,
    )
    last_places_before: int = param(
        0,
        "re-checks in a row in the last places the city brings into the run",
        "assumption: a seven-time holder in good standing (seed 000) brings none",
        plausible=(0, 1),
        ge=0,
    )
    strip_on_disqualification: bool = Field(
        default=True,
        description="a disqualifying negative-list incident strips the title at once "
        "(off: it brings a warning); docs/domain.md §2, seed 001: incidents disqualify",
    )
    below_precondition: Literal["strip", "warn"] = Field(
        default="strip",
        description="what a re-check below the minors' threshold does (simulation.evaluation."
        "minors): strip the title or warn; assumption: docs/domain.md §2 says only that a "
        "city below it cannot apply",
    )
    warning_effort: float = param(
        0.0,
        "relative rise of routine effort through the year after a warning (0: none)",
        "assumption: a warned city's office raises effort the next year (整改)",
        plausible=(0.0, 0.3),
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _rules_fit(self) -> TitleHolder:
        if self.last_places >= self.peer_group_size:
            raise ValueError(
                f"last_places ({self.last_places}) must be below peer_group_size "
                f"({self.peer_group_size}): otherwise every rank is a last place"
            )
        if self.last_places_before >= self.consecutive_years:
            raise ValueError(
                f"last_places_before ({self.last_places_before}) must be below "
                f"consecutive_years ({self.consecutive_years}): a city with that many "
                "would already have lost the title"
            )
        return self


class Minors(Frozen):
    """The minors' moral-education assessment (未成年人思想道德建设测评): a precondition and a part.

    docs/domain.md §2 (public explainers, 2020): the minors' framework is scored
    separately out of 100; below the threshold (85) a city cannot apply; the
    score counts for 20% of the civilized-city total. Each year the score is
    drawn around ``mean`` with ``sd`` (kept within 0..100): the model has no
    schools' moral-education work to derive it from. The year's total is
    ``(1 - weight) x (material + field + survey) + weight x minors``, less the
    negative list's deductions: the 40/40/20 parts share what the minors' part
    leaves, so the total still adds up to 100.
    """

    enabled: bool = Field(
        default=False,
        description="the minors' assessment is drawn each year, checked against its threshold "
        "and weighed into the total",
    )
    threshold: float = param(
        85.0,
        "minors' score points (of 100) a city needs to apply",
        "docs/domain.md §2: public explainers, 2020 (a weak source)",
        plausible=(80.0, 90.0),
        ge=0,
        le=100,
    )
    weight: float = param(
        0.2,
        "share of the year's total (of 100) the minors' score carries",
        "docs/domain.md §2: 20% in the public explainers, 2020",
        plausible=(0.0, 0.2),
        ge=0,
        lt=1,
    )
    mean: float = param(
        90.0,
        "minors' score points (of 100), the city's mean",
        "assumption: a city that applies mostly clears 85",
        plausible=(82.0, 96.0),
        ge=0,
        le=100,
    )
    sd: float = param(
        3.0,
        "minors' score points, standard deviation from year to year",
        ASSUMPTION,
        plausible=(1.0, 6.0),
        ge=0,
    )
