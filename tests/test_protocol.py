"""The evaluator's protocol, what the city believes of it, and what a surge costs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS, tiny_with_framework, write_yaml

from civsim.experiments import replicate
from civsim.scenario import Evaluation, Scenario, load_scenario, override
from civsim.sim import prepare, simulate
from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run
from civsim.sim.mechanisms.campaign import fatigue_stock, plan
from civsim.sim.mechanisms.evaluation import covert_visit_days, protocol_dates


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Scenario:
    """The tiny city, its negative standard with incidents (one point deducted each)."""
    data = tiny_with_framework()
    neg = data["framework"]["standards"][-1]
    neg.update(incidents_per_year=3.0, negative_points=1.0)
    return load_scenario(write_yaml(tmp_path_factory.mktemp("tiny"), "tiny.yaml", data))


@pytest.fixture(scope="module")
def tiny_run(tiny):
    """One replication of the tiny city as it is."""
    return simulate(tiny, replication=0)


def _camp(scenario: Scenario, **changes) -> Scenario:
    """Campaign mode with ``simulation.campaign`` changes (dotted below it with ``__``)."""
    sets = {f"simulation.campaign.{k.replace('__', '.')}": v for k, v in changes.items()}
    return override(scenario, {"simulation.campaign.mode": "campaign", **sets})


def test_protocol_dates_fall_uniformly_in_their_windows() -> None:
    """Each date is drawn over its whole window and no further; a fixed date stays fixed."""
    ev = Evaluation(
        window_start_day=200,
        survey_day=300,
        survey_window_days=10,
        material_review_day=340,
        material_review_window_days=1,
    )
    rng = np.random.default_rng(5)
    drawn = [protocol_dates(ev, 365, 7, rng) for _ in range(2000)]
    assert {d["survey"] for d in drawn} == set(range(300, 310))
    assert {d["material"] for d in drawn} == {340}
    assert {d["field"] for d in drawn} == {207}
    late = Evaluation(survey_day=360, survey_window_days=30)
    assert max(protocol_dates(late, 365, 0, rng)["survey"] for _ in range(200)) == 364


def test_covert_visits_are_spread_one_per_slice_of_the_year() -> None:
    """Visit k falls in the k-th of equal slices of the year, anywhere in it."""
    rng = np.random.default_rng(2)
    days = np.array([covert_visit_days(5, 365, rng) for _ in range(500)])
    assert ((days // 73) == np.arange(5)).all()
    assert days.min() == 0 and days.max() == 364


def test_the_years_go_to_their_offices_with_their_strictness(tiny, tiny_run) -> None:
    """Years 1-2 by the delegated office, year 3 by the central one with its own pass bar."""
    strict = simulate(
        override(tiny, {"simulation.evaluation.central.pass_bar": 0.6}), replication=0
    )
    assert strict.annual["office"].tolist() == ["delegated", "delegated", "central"]
    # the central office's bar leaves the delegated years' draws and scores untouched
    before, after = tiny_run.annual["inspection"], strict.annual["inspection"]
    assert after.iloc[:2].tolist() == before.iloc[:2].tolist()
    assert after.iloc[2] < before.iloc[2] - 3


def test_an_office_samples_and_observes_by_its_scales(tiny) -> None:
    """``sample_scale`` scales the places sampled, ``observations_scale`` the observations."""
    bigger = override(
        tiny,
        {
            "simulation.evaluation.inspection_places": 4,
            "simulation.evaluation.central.sample_scale": 1.5,
            "simulation.evaluation.central.observations_scale": 2.0,
        },
    )
    part = prepare(bigger).parts["evaluation"]
    assert sum(part.delegated.inspection_plan) == 4
    assert sum(part.central.inspection_plan) == 6
    base = part.delegated.observations
    np.testing.assert_array_equal(part.central.observations, 2 * base)


def test_covert_visits_carry_their_share_of_the_field_score(tiny, tiny_run) -> None:
    """With third-party visits, the field score blends the inspection and the visits' mean."""
    visits = override(
        tiny,
        {
            "simulation.evaluation.third_party": {
                "enabled": True,
                "visits_per_year": 6,
                "places_per_visit": 3,
                "field_share": 0.25,
            }
        },
    )
    run = simulate(visits, replication=0)
    annual = run.annual
    assert (annual["covert_visits"] == 6).all()
    expected = 0.75 * annual["inspection"] + 0.25 * annual["covert"]
    np.testing.assert_allclose(annual["field"], expected)
    # the visits draw from their own stream: the inspection's sample and score did not move
    assert annual["inspection"].tolist() == tiny_run.annual["inspection"].tolist()
    ev = run.events
    days = ev[(ev["kind"] == "covert_evaluation_visit") & (ev["count"] > 0)]["day"].to_numpy()
    assert len(days) == 18
    # one in each sixth of each year, the sixths starting on whole days (day 304 opens the last)
    edges = np.floor(np.arange(7) * 365 / 6)
    assert (np.searchsorted(edges, days % 365, side="right") - 1).tolist() == list(range(6)) * 3


def test_the_campaign_aims_at_what_the_city_believes(tiny) -> None:
    """Knowing the protocol, the surge peaks in the evaluator's window; not knowing, in its own."""
    ev = tiny.simulation.evaluation
    known = plan(_camp(tiny)).planned
    believed = plan(
        _camp(tiny, knows_protocol=False, belief_window_start_day=100, belief_window_days=28)
    ).planned
    for year in range(3):
        days = slice(year * 365, (year + 1) * 365)
        top = np.flatnonzero(known[days] == known[days].max())
        assert ev.window_start_day - 7 <= top.min() and top.max() < ev.window_start_day + 60 + 7
        top = np.flatnonzero(believed[days] == believed[days].max())
        assert top.min() >= 100 - 7 and top.max() < 128 + 7


def test_each_office_inspects_in_its_own_window(tiny, tiny_run) -> None:
    """The central office's window moved earlier: year 3 is inspected in it, years 1-2 stay."""
    early = simulate(
        override(tiny, {"simulation.evaluation.central.window_shift_days": -200}), replication=0
    )
    ev = tiny.simulation.evaluation
    day3 = int(early.annual["visit_day"].iloc[2]) - 2 * 365
    assert ev.window_start_day - 200 <= day3 < ev.window_start_day - 200 + ev.window_days
    assert (
        early.annual["visit_day"].iloc[:2].tolist()
        == tiny_run.annual["visit_day"].iloc[:2].tolist()
    )
    # the same offset into its window: only the window moved
    assert day3 == int(tiny_run.annual["visit_day"].iloc[2]) - 2 * 365 - 200


def test_an_unannounced_window_leaves_the_campaign_to_its_belief(tiny) -> None:
    """Where the central office does not announce its window the surge aims at the belief."""
    belief = {"belief_window_start_day": 60, "belief_window_days": 28}
    moved = {"simulation.evaluation.central.window_shift_days": -100}
    announced = plan(override(_camp(tiny, **belief), moved)).planned
    hidden = plan(
        override(_camp(tiny, **belief), {**moved, "simulation.evaluation.central.announced": False})
    ).planned
    ev = tiny.simulation.evaluation

    def peak(profile: np.ndarray, year: int) -> tuple[int, int]:
        days = profile[year * 365 : (year + 1) * 365]
        top = np.flatnonzero(days == days.max())
        return int(top.min()), int(top.max())

    for profile in (announced, hidden):  # the delegated years' windows are announced
        low, high = peak(profile, 0)
        assert ev.window_start_day - 7 <= low and high < ev.window_start_day + 60 + 7
    low, high = peak(announced, 2)
    assert ev.window_start_day - 100 - 7 <= low and high < ev.window_start_day - 40 + 7
    low, high = peak(hidden, 2)
    assert low >= 60 - 7 and high < 88 + 7


def test_a_belief_error_is_drawn_per_replication(tiny) -> None:
    """With an error on the believed window, each replication aims elsewhere, reproducibly."""
    prep = prepare(_camp(tiny, belief_error_days=40))
    seed = prep.scenario.seed

    def planned(rep: int) -> np.ndarray:
        return Run(prep, replication_seed(seed, rep))["campaign"].planned

    first, second = planned(0), planned(1)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, planned(0))
    # at the same cost as normal mode whatever the guess
    assert first.mean() == pytest.approx(1.0) and second.mean() == pytest.approx(1.0)
    exact = prepare(_camp(tiny))
    assert Run(exact, replication_seed(seed, 0))["campaign"] is exact.parts["campaign"]


def test_fatigue_stock_by_hand() -> None:
    """The stock adds each day's effort above normal and loses half of itself per half-life."""
    planned = np.random.default_rng(3).uniform(0.5, 2.5, 400)
    keep = 0.5 ** (1 / 30)
    stock, expected = 0.0, []
    for p in planned:
        stock = stock * keep + max(p - 1, 0.0)
        expected.append(stock)
    np.testing.assert_allclose(fatigue_stock(planned, 30.0), expected)


def test_fatigue_lowers_effort_after_a_surge_into_the_next_year(tiny) -> None:
    """A surge's fatigue lowers the effort delivered; on New Year's day it is still felt."""
    camp = _camp(tiny)
    fat = camp.simulation.campaign.fatigue
    tired = plan(camp)
    assert (tired.effort <= tired.planned).all()
    assert tired.effort[365] < tired.planned[365]
    stock = fatigue_stock(tired.planned, fat.recovery_half_life_days)
    np.testing.assert_allclose(
        tired.effort, tired.planned * np.exp(-fat.loss_per_surge_day * stock)
    )
    rested = plan(_camp(tiny, fatigue__enabled=False))
    np.testing.assert_array_equal(rested.effort, rested.planned)
    normal = plan(tiny)
    assert (normal.effort == 1).all() and (normal.rushed == 0).all()


def test_rushed_work_raises_the_years_incidents(tiny) -> None:
    """A year's rise is incident_rise x its mean planned effort above normal, and it shows."""
    camp = _camp(tiny, rushed_work__incident_rise=20.0)
    p = plan(camp)
    above = np.maximum(p.planned - 1, 0).reshape(3, 365).mean(axis=1)
    np.testing.assert_allclose(p.rushed, 20.0 * above)
    assert (p.rushed > 1).all()
    calm = _camp(tiny, rushed_work__enabled=False)
    assert (plan(calm).rushed == 0).all()
    rushed = [simulate(camp, replication=r).annual["incidents"].sum() for r in range(2)]
    unrushed = [simulate(calm, replication=r).annual["incidents"].sum() for r in range(2)]
    assert sum(rushed) > 2 * sum(unrushed) > 0


def test_the_central_office_every_year_scores_the_county_lower(county) -> None:
    """The overlay's central office, every year and stricter, scores the county lower.

    Its settings (all years, a bigger sample, pass bar 0.1, an unannounced longer window)
    on the county, against the delegated default, paired on common random numbers.
    """
    overlay = load_scenario(SCENARIOS / "central_vs_delegated.yaml").simulation.evaluation
    central = override(
        county,
        {
            "simulation.evaluation.delegated_years": overlay.delegated_years,
            "simulation.evaluation.central": overlay.central.model_dump(),
        },
    )
    base, strict = (replicate(sc, 3, seed=9) for sc in (county, central))
    assert (strict.annual["office"] == "central").all()
    assert (base.annual["office"] == "central").sum() == 3  # year 3 of each replication
    diff = strict.cycle["cycle_score"] - base.cycle["cycle_score"]
    assert (diff < 0).all()
