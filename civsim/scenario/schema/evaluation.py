"""The ``simulation.evaluation`` section: the evaluator's protocol, offices, visits and peers."""

from __future__ import annotations

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param
from civsim.scenario.schema.civilization_index import CivilizationIndex
from civsim.scenario.schema.title import Minors, TitleHolder


class Office(Frozen):
    """One evaluating office's field inspection: how many places, how strict, and when.

    Seed 001: the central office delegates years 1-2 (中央文明办委托市文明办测评) and
    evaluates year 3 itself; each may sample, judge and time its visit differently.
    Its window is the evaluation's (``window_start_day``, ``window_days``) moved by
    ``window_shift_days`` and lengthened by ``extra_window_days``; an unannounced
    window (``announced`` false) is one the city cannot aim its campaign at.
    """

    sample_scale: float = param(
        1.0,
        "x evaluation.inspection_places sampled per inspection",
        ASSUMPTION,
        plausible=(0.5, 4.0),
        gt=0,
    )
    observations_scale: float = param(
        1.0,
        "x the place types' observations per place (at least one per checkpoint)",
        ASSUMPTION,
        plausible=(0.5, 2.0),
        gt=0,
    )
    pass_bar: float = param(
        0.0,
        "condition 0..1 at or below which no observation passes; above it an observation "
        "passes with probability (condition - bar) / (1 - bar)",
        ASSUMPTION,
        plausible=(0.0, 0.3),
        ge=0,
        lt=1,
    )
    window_shift_days: int = param(
        0,
        "day: the office's inspection window opens this much after evaluation.window_start_day",
        ASSUMPTION,
        plausible=(-120, 60),
        ge=-365,
        le=365,
    )
    extra_window_days: int = param(
        0,
        "day added to evaluation.window_days: a longer window leaves the day harder to guess",
        ASSUMPTION,
        plausible=(0, 120),
        ge=0,
        le=365,
    )
    announced: bool = Field(
        default=True,
        description="the city learns the office's window (with simulation.campaign."
        "knows_protocol); false: an unannounced window, the campaign aims at its own belief",
    )


class ThirdParty(Frozen):
    """Year-round covert third-party visits (第三方暗访, 常态化测评: seed 000) in field scores."""

    enabled: bool = Field(
        default=False,
        description="covert third-party visits through the year count toward the field score",
    )
    visits_per_year: int = param(12, "visits per year", ASSUMPTION, plausible=(4, 52), ge=1)
    places_per_visit: int = param(
        20, "places sampled per visit", ASSUMPTION, plausible=(10, 87), ge=1
    )
    field_share: float = param(
        0.5,
        "share of the field points the visits' mean score carries (the inspection the rest)",
        ASSUMPTION,
        plausible=(0.2, 1.0),
        ge=0,
        le=1,
    )


class Evaluation(Frozen):
    """When and how each year is evaluated, the negative list, and the peers.

    The evaluator's protocol: each year the field inspection, the questionnaire
    and the material review each come on a day drawn uniformly from their window
    (its first day and its length in days).
    """

    window_start_day: int = param(
        240,
        "day of year the field inspection window opens",
        ASSUMPTION,
        ge=0,
        le=365,
        plausible=(180, 300),
    )
    window_days: int = param(60, "day", ASSUMPTION, ge=1, le=365, plausible=(14, 120))
    material_review_day: int = param(
        330,
        "day of year (while simulation.materials is off)",
        ASSUMPTION,
        ge=0,
        le=365,
        plausible=(270, 360),
    )
    material_review_window_days: int = param(
        1,
        "day: the review's date is drawn from material_review_day on "
        "(1: a fixed submission deadline)",
        ASSUMPTION,
        plausible=(1, 60),
        ge=1,
        le=365,
    )
    survey_day: int = param(300, "day of year", ASSUMPTION, ge=0, le=365, plausible=(240, 350))
    survey_window_days: int = param(
        30,
        "day: the questionnaire's date is drawn from survey_day on",
        ASSUMPTION,
        plausible=(1, 90),
        ge=1,
        le=365,
    )
    inspection_places: int = param(
        80, "places sampled per field inspection", "docs/domain.md §2: 70-87 points", ge=1
    )
    delegated_years: int = param(
        2,
        "years, the first ones, evaluated by the delegated office (the rest: the central office)",
        "seed 001: years 1-2 by the city's office on the central office's behalf, year 3 by "
        "the central office",
        ge=0,
    )
    delegated: Office = Office()
    central: Office = Office()
    third_party: ThirdParty = ThirdParty()
    title_holder: TitleHolder = TitleHolder()
    minors: Minors = Minors()
    civilization_index: CivilizationIndex = CivilizationIndex()
    peer_group_size: int = param(
        30,
        "cities competing in one group",
        "assumption (391 nominees in groups)",
        ge=2,
        plausible=(10, 60),
    )
    quota_share: float = param(
        0.34, "share of a group that wins the title", "docs/domain.md §2: 133 of 391", gt=0, le=1
    )
    peer_mean: float = param(
        86.0, "cycle score points", ASSUMPTION, ge=0, le=100, plausible=(83.0, 89.0)
    )
    peer_sd: float = param(
        2.5,
        "cycle score points",
        "assumption; tenths of a point decide (seed 001)",
        plausible=(1.0, 5.0),
        ge=0,
    )

    def office(self, year: int) -> Office:
        """The office that inspects ``year`` (1-based): delegated, then central (seed 001)."""
        return self.delegated if year <= self.delegated_years else self.central

    def window(self, year: int) -> tuple[int, int]:
        """The field inspection window of ``year`` (1-based): its first day of year and length.

        Examples
        --------
        >>> ev = Evaluation(central=Office(window_shift_days=-30, extra_window_days=40))
        >>> ev.window(1), ev.window(3)
        ((240, 60), (210, 100))
        """
        office = self.office(year)
        start = max(0, self.window_start_day + office.window_shift_days)
        return start, self.window_days + office.extra_window_days
