"""The evaluation: each year's questionnaire, field inspection, material review and result.

The evaluator's protocol: each year the field inspection, the questionnaire
(survey) and the material review come on dates drawn uniformly from their
windows (:func:`protocol_dates`; the city's campaign aims at what it believes,
:mod:`.campaign`). The questionnaire interviews households over the period from
its day (:func:`.satisfaction.survey_satisfaction`); the material review's days
and its scoring come from :mod:`.materials`. The inspection samples places by
type; years ``1..delegated_years`` are inspected by the delegated office, the
rest by the central office (seed 001), each with its own sample size,
observations per place, pass bar and inspection window
(:meth:`~civsim.scenario.Evaluation.window`; an unannounced one the campaign
cannot aim at, :mod:`.campaign`). With ``third_party`` on, covert visits
spread over the year (常态化测评, seed 000) each score a smaller sample, and their
mean carries ``field_share`` of the field points
(:func:`civsim.scoring.blend_field`). At the year's end the negative list is
drawn (:mod:`.negative_list`), the year is scored
(:func:`civsim.scoring.annual_score`), each district's result is recorded, and
every mechanism's year-end step runs. After the last year the cycle's outcome
(score, rank among peers, title) is scored
(:func:`civsim.scoring.cycle_outcome`). Parameters: ``simulation.evaluation``
and ``simulation.survey``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from civsim import scoring
from civsim.city import City
from civsim.scenario import Evaluation, Scenario
from civsim.scenario.schema.evaluation import Office
from civsim.sim.engine import Run, year_end
from civsim.sim.mechanisms import materials
from civsim.sim.mechanisms.negative_list import year_incidents
from civsim.sim.mechanisms.satisfaction import satisfaction, survey_satisfaction
from civsim.sim.registry import Mechanism, Process
from civsim.sim.sampling import quotas, sample_places

__all__ = ["MECHANISM", "EvaluationPart", "OfficePlan", "covert_visit_days", "protocol_dates"]


@dataclass(frozen=True)
class OfficePlan:
    """How one evaluating office inspects: places per type, observations, strictness."""

    name: str
    inspection_plan: list[int]
    observations: np.ndarray
    pass_bar: float


@dataclass(frozen=True)
class EvaluationPart:
    """What every replication shares: the offices' inspections, the visits, the materials."""

    delegated: OfficePlan
    central: OfficePlan
    visit_plan: list[int]
    material: Any

    def office(self, year: int, delegated_years: int) -> OfficePlan:
        """The office that inspects ``year`` (1-based)."""
        return self.delegated if year <= delegated_years else self.central


def _office_plan(name: str, office: Office, places: int, ckp: Any) -> OfficePlan:
    obs = ckp.observations
    if office.observations_scale != 1:
        obs = np.maximum(1, np.rint(obs * office.observations_scale)).astype(obs.dtype)
    return OfficePlan(
        name=name,
        inspection_plan=quotas(ckp, max(1, round(places * office.sample_scale))),
        observations=obs,
        pass_bar=office.pass_bar,
    )


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> EvaluationPart:
    ckp = city.checkpoints
    ev = scenario.simulation.evaluation
    return EvaluationPart(
        delegated=_office_plan("delegated", ev.delegated, ev.inspection_places, ckp),
        central=_office_plan("central", ev.central, ev.inspection_places, ckp),
        visit_plan=quotas(ckp, ev.third_party.places_per_visit),
        material=ckp.weights.get("material:city"),
    )


def protocol_dates(
    ev: Evaluation,
    days_per_year: int,
    field_draw: int,
    rng: np.random.Generator,
    field_start: int | None = None,
) -> dict[str, int]:
    """The days of year of one year's survey, field inspection and material review.

    Each is drawn uniformly from its window (first day, length in days), kept
    inside the year. ``field_draw`` is the field inspection's offset into its
    window, drawn by the caller from the evaluation's own stream (so that the
    inspection's draws stay where they were); ``rng`` draws the others.

    Examples
    --------
    >>> from civsim.scenario import Evaluation
    >>> ev = Evaluation(survey_day=300, survey_window_days=1, material_review_day=364,
    ...                 material_review_window_days=30)
    >>> protocol_dates(ev, 365, 10, np.random.default_rng(0))
    {'survey': 300, 'field': 250, 'material': 364}
    >>> protocol_dates(ev, 365, 10, np.random.default_rng(0), field_start=200)["field"]
    210
    """
    last = days_per_year - 1
    survey = ev.survey_day + int(rng.integers(0, ev.survey_window_days))
    material = ev.material_review_day + int(rng.integers(0, ev.material_review_window_days))
    return {
        "survey": min(survey, last),
        "field": min(
            (ev.window_start_day if field_start is None else field_start) + field_draw, last
        ),
        "material": min(material, last),
    }


def covert_visit_days(visits: int, days_per_year: int, rng: np.random.Generator) -> np.ndarray:
    """Days of year of covert visits spread over the year: one drawn in each equal slice.

    Examples
    --------
    >>> days = covert_visit_days(4, 365, np.random.default_rng(1))
    >>> days.tolist() == sorted(days.tolist()), [int(d) // 91 for d in days]
    (True, [0, 1, 2, 3])
    """
    edges = np.floor(np.arange(visits + 1) * days_per_year / visits).astype(np.int64)
    return edges[:-1] + np.floor(rng.random(visits) * np.diff(edges)).astype(np.int64)


def evaluation(env: simpy.Environment, run: Run) -> Process:
    """Evaluate each year, then score the cycle."""
    ev = run.params.evaluation
    cyc = run.scenario.cycle
    part: EvaluationPart = run.part("evaluation")
    rng = run.rng("evaluation")
    ckp = run.ckp
    third = ev.third_party
    period = run.params.survey.period_days
    for year in range(cyc.years):
        start = year * run.days_per_year
        office = part.office(year + 1, ev.delegated_years)
        # the inspecting office's window (seed 001: delegated, then central)
        opens, length = ev.window(year + 1)
        field_draw = int(rng.integers(0, length))
        dates = protocol_dates(ev, run.days_per_year, field_draw, run.rng("protocol"), opens)
        # the protocol's draw shifts every material review day of the year alike
        shift = dates.pop("material") - ev.material_review_day
        reviews_on = [
            min(d + shift, run.days_per_year - 1) for d in materials.review_days(run.scenario)
        ]
        moments = sorted(
            [(start + day, what) for what, day in dates.items() if what != "survey"]
            + [(start + day, "material") for day in reviews_on]
            # the questionnaire is scored when its interviewing period ends
            + [(start + min(dates["survey"] + period - 1, run.days_per_year - 1), "survey")]
        )
        if third.enabled:
            days = covert_visit_days(
                third.visits_per_year, run.days_per_year, run.rng("third_party")
            )
            moments = sorted([*moments, *((start + int(d), "covert") for d in days)])
        result: dict[str, Any] = {
            "year": year + 1,
            "visit_day": start + dates["field"],
            "survey_day": start + dates["survey"],
            "material_day": start + reviews_on[0],
            "office": office.name,
        }
        covert: list[float] = []
        reviews: list[tuple[float, float]] = []
        for day, what in moments:
            yield env.timeout(max(0, day - env.now))
            if what == "field":
                run.count("evaluation_visit", 1)
                result["inspection"] = _inspect(run, office, office.inspection_plan, rng)
            elif what == "covert":
                run.count("covert_evaluation_visit", 1)
                covert.append(_inspect(run, office, part.visit_plan, run.rng("third_party")))
            elif what == "survey":
                result["survey"], result["satisfaction"] = scoring.survey_score(
                    survey_satisfaction(run, start + dates["survey"], period),
                    ckp.district_population,
                    run.params.survey.households,
                    cyc.survey_points,
                    run.rng("survey"),
                )
            else:
                # the year's material score is the mean of its reviews
                reviews.append(materials.review(run, part.material))
                result["material"] = float(np.mean([score for score, _ in reviews]))
                result["material_completeness"] = float(np.mean([c for _, c in reviews]))
        result.update(
            field=scoring.blend_field(result["inspection"], covert, third.field_share),
            covert=float(np.mean(covert)) if covert else float("nan"),
            covert_visits=len(covert),
        )
        yield env.timeout(max(0, start + run.days_per_year - 1 - env.now))
        deducted, disqualified, incidents = year_incidents(run)
        result.update(
            deductions=deducted,
            disqualified=disqualified,
            incidents=incidents,
            score=scoring.annual_score(
                result["material"], result["field"], result["survey"], deducted
            ),
        )
        run.records.annual.append(result)
        _record_districts(run, year + 1)
        year_end(run, year + 1)
        if year + 1 < cyc.years:
            yield env.timeout(1)
    # scored on the last day of the cycle, so a process could still react to the title
    annual = run.records.annual
    run.records.cycle = scoring.cycle_outcome(
        [r["score"] for r in annual],
        [r["disqualified"] for r in annual],
        cyc.year_weights,
        scoring.PeerGroup(ev.peer_group_size, ev.quota_share, ev.peer_mean, ev.peer_sd),
        run.rng("peers"),
    )


def _inspect(run: Run, office: OfficePlan, plan: list[int], rng: np.random.Generator) -> float:
    """Field points of one covert inspection by ``office`` of a sample of ``plan`` places."""
    ckp = run.ckp
    return scoring.field_inspection(
        run.state.effective(),
        sample_places(ckp, rng, plan),
        office.observations,
        ckp.standard,
        ckp.standard_points,
        run.scenario.cycle.field_points,
        rng,
        pass_bar=office.pass_bar,
    )


def _record_districts(run: Run, year: int) -> None:
    """Each district's year-end result: residents' satisfaction and expected field points."""
    sat = satisfaction(run, int(run.env.now))
    mat, keys = run.ckp.weights["field:district"]
    by_group = pd.Series(mat @ run.state.effective())
    field = by_group.groupby(keys.get_level_values(0).to_numpy()).sum()
    for i, d in enumerate(run.ckp.districts):
        run.records.districts.append(
            {
                "year": year,
                "district": d,
                "satisfaction": float(sat[i]),
                "field": float(field.get(i, 0.0)),
            }
        )


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(evaluation(env, run))


MECHANISM = Mechanism(
    "evaluation",
    prepare=_prepare,
    start=_start,
    streams=("evaluation", "survey", "peers", "protocol", "third_party"),
    events=("evaluation_visit", "covert_evaluation_visit"),
)
