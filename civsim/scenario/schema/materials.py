"""The ``simulation.materials`` section: the documentation behind the online materials."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param


class Materials(Frozen):
    """Documentation work (台账) behind the online materials: kept up, due, reviewed by sampling.

    Each material standard's dossier has a completeness (0..1): its lead unit's
    documentation hours build it up, and it goes stale without upkeep. On its
    deadline the dossier is submitted; the material review (材料审核, docs/domain.md
    §2) samples documents of every submitted dossier on its review day(s).
    """

    enabled: bool = Field(
        default=True,
        description="documentation work drives the material checkpoints and the review samples "
        "documents; off, upkeep drives them and the review reads their condition",
    )
    hours_per_standard_year: float = param(
        240.0,
        "staff-hours a year that keep one material standard's documentation complete",
        "assumption: plans, ledgers, records and summaries (有方案、有台账、有总结), "
        "about 30 staff-days a year",
        plausible=(60.0, 800.0),
        gt=0,
    )
    documentation_share: float = param(
        0.1,
        "share of its lead unit's campaign staff time spent on documentation",
        ASSUMPTION,
        plausible=(0.03, 0.3),
        ge=0,
        le=1,
    )
    stale_half_life_days: float = param(
        180.0,
        "day for documentation without upkeep to lose half its completeness",
        "assumption: each year is reviewed on the year's own records",
        plausible=(60.0, 365.0),
        gt=0,
    )
    deadline_day: int = param(
        300,
        "day of year a standard's documentation is submitted for the review",
        "assumption: online materials (docs/domain.md §2) submitted before the review",
        plausible=(240, 330),
        ge=0,
        le=365,
    )
    deadlines: dict[IdStr, int] = Field(
        default_factory=dict,
        description="[day of year] submission deadline by standard or item id (a standard's "
        "own entry first, then its item's, else deadline_day); source: assumption",
    )
    review_days: tuple[int, ...] = Field(
        default=(330,),
        min_length=1,
        description="[day of year] the material review's day(s); each samples every dossier "
        "and the year's score is their mean; replaces evaluation.material_review_day while "
        "this mechanism is on; source: assumption",
    )
    documents_sampled: int = param(
        5,
        "documents the reviewer samples per material standard and review",
        "assumption: data gathered by material review (docs/domain.md §2)",
        plausible=(1, 20),
        ge=1,
    )
    review_rule: Literal["probability", "bar"] = Field(
        default="probability",
        description="probability: a sampled document passes with probability equal to its "
        "dossier's completeness; bar: a document's own completeness is drawn around the "
        "dossier's (documents_spread) and it passes at pass_bar or above",
    )
    pass_bar: float = param(
        0.8,
        "completeness a document needs to pass (review_rule bar)",
        ASSUMPTION,
        plausible=(0.5, 1.0),
        ge=0,
        le=1,
    )
    documents_spread: float = param(
        10.0,
        "concentration of a dossier's documents' completeness around its own (Beta a + b, "
        "review_rule bar); larger is more even",
        ASSUMPTION,
        plausible=(2.0, 50.0),
        gt=0,
    )

    @field_validator("deadlines", "review_days")
    @classmethod
    def _days_of_year(cls, value: Any) -> Any:
        days = value.values() if isinstance(value, dict) else value
        bad = [d for d in days if not 0 <= d <= 365]
        if bad:
            raise ValueError(f"days of year must be 0..365, got {bad}")
        return value
