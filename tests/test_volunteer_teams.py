"""Volunteer teams: recruitment registers residents, saturating; by season they serve requests."""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.scenario import load_scenario, override, parameter_table
from civsim.scenario.schema.volunteer_teams import VolunteerTeams
from civsim.sim.mechanisms import volunteer_teams
from civsim.statistics import STATISTICS, registrations_by_year
from tests.conftest import SCENARIOS

VT = "simulation.volunteer_teams"
#: Replications of the paired comparisons (the county: about a second each).
REPS = 2


_on = switch(VT)


_run_at = fresh_run


def test_recruitment_saturates_in_its_yuan() -> None:
    """Twice the yuan registers more, but less than twice as many; none lets them lapse."""
    base = VolunteerTeams()
    dear = VolunteerTeams(recruitment_yuan_per_10k_year=4000.0)
    assert base.conversion() < dear.conversion() < 2 * base.conversion()
    start, year = base.registered_share_start, 365
    gained = base.registered_share(start, year) - start
    assert 0 < dear.registered_share(start, year) - start < 2 * gained
    none = VolunteerTeams(recruitment_yuan_per_10k_year=0.0)
    assert none.registered_share(start, year) == pytest.approx(start * 0.95)  # 5% lapse a year
    # worked example: r = -ln(0.75), l = -ln(0.95); level 0.25 r / (r + l)
    r, lapse = -np.log(0.75), -np.log(0.95)
    level = 0.25 * r / (r + lapse)
    expected = level + (start - level) * np.exp(-(r + lapse))
    assert base.registered_share(start, year) == pytest.approx(expected)


def test_what_it_takes_to_reach_the_target() -> None:
    """The yuan that reaches the target in a given time reaches it then, and less does not."""
    vt = VolunteerTeams()
    for days in (365, 730, 1095):
        y = vt.recruitment_needed(days)
        at = vt.model_copy(update={"recruitment_yuan_per_10k_year": y})
        below = vt.model_copy(update={"recruitment_yuan_per_10k_year": 0.99 * y})
        assert at.registered_share(vt.registered_share_start, days) == pytest.approx(0.13)
        assert below.registered_share(vt.registered_share_start, days) < 0.13
    assert vt.recruitment_needed(365) > vt.recruitment_needed(1095)  # sooner costs more
    assert VolunteerTeams(target_share=0.3).recruitment_needed(365) == float("inf")
    assert VolunteerTeams(registered_share_start=0.2).recruitment_needed(365) == 0.0


def test_seasons_and_hours_added_to_the_volunteers(county) -> None:
    """Each day's hours: residents x registered x the season's activity x hours x dispatch share."""
    sc = _on(county)
    run, base = _run_at(sc), _run_at(county)
    vt = sc.simulation.volunteer_teams
    added = run["volunteers"].hours - base["volunteers"].hours
    share = volunteer_teams.registered_shares(vt, run.days, run.days_per_year)
    residents = run.ckp.district_population.astype(float)
    for day, active in ((10, 0.35), (100, 0.3), (200, 0.25), (300, 0.3)):
        per = share[day] * active * vt.hours_per_active_year * vt.dispatch_share / 365
        np.testing.assert_allclose(added[:, day], residents * per)
    # the summer's 丰收季 gives fewer hours than the Spring Festival's 亲情季
    assert (added[:, 200] < added[:, 10]).all()


def test_registrations_against_the_target_per_year(county) -> None:
    """The results table counts each year's registered from the events; recruitment is paid."""
    sc = _on(county)
    r = replicate(sc, 1, seed=5, progress=False)
    table = registrations_by_year(r, sc)
    vt = sc.simulation.volunteer_teams
    residents = sum(d.population for d in sc.territory.districts)
    assert table["year"].tolist() == [1, 2, 3]
    for _, row in table.iterrows():
        exact = vt.registered_share(vt.registered_share_start, row.year * 365) * residents
        assert row.registered == pytest.approx(exact, abs=residents * 1e-4)
        assert row.teams == pytest.approx(row.registered / 129)
    assert table["target"].eq(0.13 * residents).all()
    assert table["attained"].is_monotonic_increasing and table["attained"].iloc[-1] > 1
    spent = r.spend[r.spend["line"] == volunteer_teams.LINE]["yuan"].sum()
    assert spent == pytest.approx(residents / 10_000 * 2000 * 3, rel=1e-3)
    share = STATISTICS["registered_share"](r, sc).iloc[0]
    assert share == pytest.approx(table["registered"].iloc[-1] / residents)


def test_teams_shorten_waits_and_recruitment_adds_registrations(county) -> None:
    """On common random numbers: the teams' hours shorten waits; without recruitment, fewer."""
    variants = {
        "off": county,
        "on": _on(county),
        "unrecruited": _on(county, recruitment_yuan_per_10k_year=0.0),
    }
    runs = {k: replicate(sc, REPS, seed=5, progress=False) for k, sc in variants.items()}
    wait = {k: STATISTICS["volunteer_wait"](runs[k], sc).to_numpy() for k, sc in variants.items()}
    assert (wait["on"] < wait["off"]).all()
    assert (wait["on"] <= wait["unrecruited"]).all()
    regs = {
        k: STATISTICS["registered_share"](runs[k], variants[k]).to_numpy()
        for k in ("on", "unrecruited")
    }
    assert (regs["on"] > regs["unrecruited"]).all()
    assert np.isnan(STATISTICS["registered_share"](runs["off"], county)).all()


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the teams on; the experiment has them; the table lists their figures."""
    sc = load_scenario(SCENARIOS / "volunteer_teams.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.volunteer_teams.enabled
    assert override(sc, {f"{VT}.enabled": False}).simulation == base.simulation
    every = load_scenario(SCENARIOS / "governance_levers.yaml")
    assert every.simulation.volunteer_teams == sc.simulation.volunteer_teams
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(VT)}
    assert len(rows) == 14 and all(r["unit"] and r["plausible"] for r in rows.values())
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    names = {lever.name for lever in experiment.levers}
    assert {"volunteer_teams", "volunteer_teams_unrecruited"} <= names
