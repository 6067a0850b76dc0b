"""The practice network: requests reach volunteers through 站, 所 or 中心; its staff serve daily."""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.places import build_territory
from civsim.scenario import load_scenario, override, parameter_table
from civsim.scenario.schema.practice_network import LEVELS, PracticeNetwork
from civsim.sim.engine import WEEK
from civsim.sim.mechanisms import practice_network, volunteers
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

NET = "simulation.practice_network"
#: Replications of the paired comparisons (the county: about a second each).
REPS = 2


_on = switch(NET)


_run_at = fresh_run


def test_sites_cover_the_most_populous_first(county) -> None:
    """Sites go to the most populous streets and communities; the levels share the residents."""
    territory = build_territory(county)
    table = practice_network.sites(PracticeNetwork(institute_coverage=0.5), territory)
    comms = territory.communities
    for d, row in table.iterrows():
        cm = comms[comms["district"] == d]
        assert row.stations == int(np.floor(0.8 * len(cm) + 0.5))
        levels = sum(row[f"residents_{level}"] for level in LEVELS)
        assert levels == cm["population"].sum()
        # the stations' communities are the most populous ones
        top = cm["population"].sort_values(ascending=False).iloc[: int(row.stations)].sum()
        assert row.residents_station == top
        assert row.residents_centre > 0  # half the streets have no 所: some only the centre reaches
        staff = 5.0 + 2.0 * row.institutes + 0.5 * row.stations
        assert row.staff_hours_per_day == pytest.approx(staff * 1.0)
    none = practice_network.sites(
        PracticeNetwork(institute_coverage=0, station_coverage=0), territory
    )
    empty = none[["institutes", "stations", "residents_station", "residents_institute"]]
    assert (empty == 0).all().all()


def test_each_level_delays_its_requests_and_counts_the_days(county) -> None:
    """A request reaches the queue its level's response days later, and has waited them."""
    sc = _on(county, station_response_days=0, institute_response_days=2, centre_response_days=5)
    run = _run_at(sc)
    nd, horizon = len(run.ckp.districts), run.days + 1
    arrivals = np.zeros((horizon, nd), dtype=np.int64)
    arrivals[10] = 100
    arrivals[run.days - 1] = 7  # its late requests reach the queue after the cycle
    queued = practice_network.route(run, arrivals)
    counts = {lv: run.counts(f"practice_request_{lv}")[10] for lv in LEVELS}
    assert sum(counts.values()) == 100 * nd
    assert queued[10].sum() == counts["station"]  # the same day
    assert queued[12].sum() == counts["institute"]  # two days on
    assert queued[15].sum() == counts["centre"]  # five days on
    assert counts["institute"] > 0 and counts["station"] > 0
    assert counts["centre"] == 0  # every street has a 所 (institute_coverage 1)
    wait = run["volunteers"].wait_sum
    assert wait[:, 12].sum() == 2 * counts["institute"] and wait[:, 10].sum() == 0
    # the shares are the residents': the station's is near its residents' share
    part = run.part("practice_network")
    expected = 100 * part.shares[:, 0].sum()
    assert counts["station"] == pytest.approx(expected, rel=0.1)

    only_centre = _run_at(_on(county, station_coverage=0, institute_coverage=0))
    queued = practice_network.route(only_centre, arrivals)
    np.testing.assert_array_equal(queued[13], arrivals[10])  # centre_response_days 3
    assert only_centre["volunteers"].wait_sum[:, 13].sum() == 3 * 100 * nd


def test_staff_serve_every_day_of_the_week(county) -> None:
    """The sites' staff hours come on weekdays as on weekends, beside the volunteers' profile."""
    sc = _on(county)
    run = _run_at(sc)
    part = run.part("practice_network")
    st = run["volunteers"]
    np.testing.assert_allclose(st.steady, part.sites["staff_hours_per_day"].to_numpy())
    base = _run_at(county)
    for r in (run, base):  # a week of the volunteers' service alone
        volunteers.MECHANISM.start(r.env, r)
        r.env.run(until=WEEK)
    extra = st.offered[:, :WEEK] - base["volunteers"].offered[:, :WEEK]
    np.testing.assert_allclose(extra, np.repeat(st.steady[:, None], WEEK, axis=1))
    assert (st.steady > 0).all()


def test_the_network_shortens_waits_and_sparse_stations_lengthen_them(county) -> None:
    """On common random numbers: the network shortens residents' waits; fewer 站 lengthen them.

    Without the staff's hours the network still shortens them where the district's
    dispatch is slower than the 站 (the same day); where the district dispatches as
    fast, the network only adds its response days and waits grow.
    """
    instant = override(county, {"simulation.volunteers.dispatch_days": 0})
    variants = {
        "off": county,
        "on": _on(county),
        "sparse": _on(county, station_coverage=0.4),
        "routing_only": _on(county, service_hours_per_staff_day=0.0),
        "instant_off": instant,
        "instant_routing_only": _on(instant, service_hours_per_staff_day=0.0),
    }
    wait = {
        k: STATISTICS["volunteer_wait"](replicate(sc, REPS, seed=5, progress=False), sc).to_numpy()
        for k, sc in variants.items()
    }
    assert (wait["on"] < wait["off"]).all()
    assert (wait["sparse"] > wait["on"]).all()
    assert (wait["routing_only"] < wait["off"]).all()
    assert (wait["instant_routing_only"] > wait["instant_off"]).all()


def test_without_the_network_the_district_dispatches_after_its_days(county) -> None:
    """Without the network, a request reaches the queue ``dispatch_days`` on, having waited."""
    run = _run_at(override(county, {"simulation.volunteers.dispatch_days": 2}))
    nd, horizon = len(run.ckp.districts), run.days + 1
    arrivals = np.zeros((horizon, nd), dtype=np.int64)
    arrivals[10] = 100
    arrivals[run.days - 1] = 7  # reaches the queue after the cycle
    queued = practice_network.route(run, arrivals)
    np.testing.assert_array_equal(queued[12], arrivals[10])
    assert queued.sum() == 100 * nd
    wait = run["volunteers"].wait_sum
    assert wait[:, 12].sum() == 2 * 100 * nd and wait.sum() == 2 * 100 * nd
    assert run.counts("practice_request_station").sum() == 0  # no network, no levels


def test_requests_by_level_are_events(county) -> None:
    """The requests each level took up add up to the requests made."""
    sc = _on(county, station_coverage=0.5, institute_coverage=0.5)
    r = replicate(sc, 1, seed=5, progress=False)
    ev = r.events.groupby("kind", observed=False)["count"].sum()
    levels = [ev[f"practice_request_{lv}"] for lv in LEVELS]
    assert all(n > 0 for n in levels)
    assert sum(levels) == ev["volunteer_request"]


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the network on; the experiment has it; the table lists its figures."""
    sc = load_scenario(SCENARIOS / "practice_network.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.practice_network.enabled
    assert override(sc, {f"{NET}.enabled": False}).simulation == base.simulation
    every = load_scenario(SCENARIOS / "governance_levers.yaml")
    assert every.simulation.practice_network == sc.simulation.practice_network
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(NET)}
    assert len(rows) == 9 and all(r["unit"] and r["plausible"] for r in rows.values())
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    assert {"practice_network", "practice_network_sparse"} <= {lv.name for lv in experiment.levers}
