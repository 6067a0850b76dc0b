"""The evaluation: each year's questionnaire, field inspection, material review and result.

Each year the field inspection comes on a date drawn uniformly inside the
evaluation window (the city's campaign knows only the window), and samples
places by type; the material review comes on its day, and the questionnaire
(survey) interviews households over the period from its day
(:func:`.satisfaction.survey_satisfaction`). At the year's end the negative list is drawn
(:mod:`.negative_list`), the year is scored (:func:`civsim.scoring.annual_score`),
each district's result is recorded, and every mechanism's year-end step runs.
After the last year the cycle's outcome (score, rank among peers, title) is
scored (:func:`civsim.scoring.cycle_outcome`). Parameters:
``simulation.evaluation`` and ``simulation.survey``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import simpy

from civsim import scoring
from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run, year_end
from civsim.sim.mechanisms.negative_list import year_incidents
from civsim.sim.mechanisms.satisfaction import satisfaction, survey_satisfaction
from civsim.sim.registry import Mechanism, Process
from civsim.sim.sampling import quotas, sample_places

__all__ = ["MECHANISM", "EvaluationPart"]


@dataclass(frozen=True)
class EvaluationPart:
    """What every replication shares: the inspection's sample plan and the material weights."""

    inspection_plan: list[int]
    material: Any


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> EvaluationPart:
    ckp = city.checkpoints
    return EvaluationPart(
        inspection_plan=quotas(ckp, scenario.simulation.evaluation.inspection_places),
        material=ckp.weights.get("material:city"),
    )


def evaluation(env: simpy.Environment, run: Run) -> Process:
    """Evaluate each year, then score the cycle."""
    ev = run.params.evaluation
    cyc = run.scenario.cycle
    part: EvaluationPart = run.part("evaluation")
    rng = run.rng("evaluation")
    ckp = run.ckp
    for year in range(cyc.years):
        start = year * run.days_per_year
        visit = start + ev.window_start_day + int(rng.integers(0, ev.window_days))
        visit = min(visit, start + run.days_per_year - 1)
        moments = sorted(
            [
                # the questionnaire is scored when its interviewing period ends
                (start + ev.survey_day + run.params.survey.period_days - 1, "survey"),
                (visit, "field"),
                (start + ev.material_review_day, "material"),
            ]
        )
        result: dict[str, Any] = {"year": year + 1, "visit_day": visit}
        for day, what in moments:
            yield env.timeout(max(0, min(day, start + run.days_per_year - 1) - env.now))
            if what == "field":
                run.count("evaluation_visit", 1)
                seen = sample_places(ckp, rng, part.inspection_plan)
                result["field"] = scoring.field_inspection(
                    run.state.effective(),
                    seen,
                    ckp.observations,
                    ckp.standard,
                    ckp.standard_points,
                    cyc.field_points,
                    rng,
                )
            elif what == "survey":
                result["survey"], result["satisfaction"] = scoring.survey_score(
                    survey_satisfaction(run, start + ev.survey_day, run.params.survey.period_days),
                    ckp.district_population,
                    run.params.survey.households,
                    cyc.survey_points,
                    run.rng("survey"),
                )
            else:
                material = part.material
                result["material"] = (
                    float((material[0] @ run.state.effective()).sum())
                    if material is not None
                    else 0.0
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
    streams=("evaluation", "survey", "peers"),
    events=("evaluation_visit",),
)
