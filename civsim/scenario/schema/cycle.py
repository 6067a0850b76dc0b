"""The ``cycle`` section: the three-year evaluation cycle and the weights of its score."""

from __future__ import annotations

from pydantic import model_validator

from civsim.scenario.params import Frozen, param


class Cycle(Frozen):
    """The evaluation cycle and the weights of its score."""

    years: int = param(3, "year", "docs/domain.md §2: three-year evaluation cycle", ge=1, le=10)
    days_per_year: int = param(365, "day", "calendar year", ge=30, le=366)
    year_weights: tuple[float, ...] = param(
        (0.15, 0.25, 0.60), "fraction of cycle score", "docs/domain.md §2: hengyang.gov.cn 2020"
    )
    material_points: float = param(
        40.0, "points of 100", "docs/domain.md §2: online materials 40", ge=0
    )
    field_points: float = param(
        40.0, "points of 100", "docs/domain.md §2: field inspection 40", ge=0
    )
    survey_points: float = param(20.0, "points of 100", "docs/domain.md §2: questionnaire 20", ge=0)

    @model_validator(mode="after")
    def _weights_fit(self) -> Cycle:
        if len(self.year_weights) != self.years:
            raise ValueError(
                f"year_weights has {len(self.year_weights)} entries; expected one per year "
                f"({self.years})"
            )
        if any(w < 0 for w in self.year_weights) or abs(sum(self.year_weights) - 1) > 1e-9:
            raise ValueError(f"year_weights must be >= 0 and add up to 1, got {self.year_weights}")
        total = self.material_points + self.field_points + self.survey_points
        if abs(total - 100) > 1e-9:
            raise ValueError(f"material, field and survey points must add up to 100, got {total}")
        return self

    @property
    def days(self) -> int:
        """Days in the whole cycle."""
        return self.years * self.days_per_year
