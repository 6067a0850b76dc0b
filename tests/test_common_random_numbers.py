"""Common random numbers inside the city's daily work: variants that differ keep their draws.

Two variants of a city compared with one seed should differ only where the lever acts. A
stream whose values are taken in turn loses that as soon as one variant takes one more
value: every later draw of the stream shifts. These tests pin the three places where that
happened (orders, defects, the looks that find problems) on the county, comparing each
variant with the scenario itself on the same replication.
"""

from __future__ import annotations

import numpy as np

from civsim.scenario import Scenario, override
from civsim.sim import kernels, simulate
from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run
from civsim.sim.mechanisms.detection import _looks


def _events(scenario: Scenario, kind: str) -> np.ndarray:
    """The daily count of one kind of event in replication 0."""
    events = simulate(scenario, replication=0).events
    daily = events[events["kind"] == kind].set_index("day")["count"]
    return daily.reindex(range(scenario.cycle.days), fill_value=0).to_numpy()


#: Orders stay with the holder they were first given (no reassignment of backlogs).
KEPT = {"simulation.rectification.reassignment.enabled": False}


def test_an_order_for_the_same_problem_on_the_same_day_is_assigned_and_waits_alike(
    county,
) -> None:
    """Residents who report more open other orders; the orders both open match in draws.

    Which holder an order goes to (属地 or the lead unit) and how long it waits for its
    cooperating units are drawn for the checkpoint and the day, not for the order's
    position in the day's or the cycle's orders.
    """
    county_orders = simulate(override(county, KEPT), replication=0).orders
    more = override(county, {**KEPT, "simulation.detection.citizen_report_rate": 0.004})
    other = simulate(more, replication=0).orders
    key = ["standard", "place", "opened"]
    both = county_orders.merge(other, on=key, suffixes=("", "_more"))
    assert len(other) > len(county_orders)  # the variant opens orders the scenario does not
    assert len(both) > 0.5 * len(county_orders)  # and most of the scenario's as well
    assert (both["unit"].astype(str) == both["unit_more"].astype(str)).all()
    waited = both["ready"] - both["opened"]
    assert (waited == both["ready_more"] - both["opened"]).all()
    assert (waited > 0).any()  # some orders do wait for cooperating units


def test_less_routine_effort_never_drops_a_defect_on_any_day(county) -> None:
    """Defects are drawn at the largest hazard and thinned: less effort only keeps more.

    Less routine work at the checkpoints nobody is assigned raises their hazard and
    nothing else, so on every day of the cycle as many or more defects arise than in the
    scenario, never fewer: the scenario's defects arise in the variant too.
    """
    assert county.simulation.defects.prevention > 0
    worse = override(county, {"simulation.dynamics.unstaffed_effort": 0.02})
    base, more = _events(county, "defect_arisen"), _events(worse, "defect_arisen")
    assert (more >= base).all()
    assert more.sum() > base.sum()


def test_the_days_looks_are_the_same_whatever_was_looked_at_the_days_before(county_prep) -> None:
    """Two replications that looked at few or many checkpoints before look alike today.

    How many checkpoints are looked at comes from the stream as it starts the day and
    which ones from the day's first keyed words, so on day 5, at the same chance, both
    look at the same checkpoints, in the same order; at a higher chance, at those and more.
    """
    few, many = (Run(county_prep, replication_seed(1, 0)) for _ in range(2))
    n = county_prep.ckp.n_field

    def looked_at(run: Run, p: float) -> np.ndarray:
        # the day's looks: how many from the stream, which from the day's keyed words
        looks = _looks(run, "citizen_reports", n, p)
        return kernels.keyed_words(run.key("citizen_reports"), int(run.env.now), looks)

    for day in range(5):
        for run, p in ((few, 0.001), (many, 0.02)):
            looked_at(run, p)
            run.env.run(until=day + 1)
    today = looked_at(few, 0.002)
    assert len(today) > 0
    np.testing.assert_array_equal(looked_at(many, 0.002), today)
    more = looked_at(many, 0.004)
    np.testing.assert_array_equal(more[: len(today)], today)
