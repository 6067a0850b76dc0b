"""Moral points: participation saturating in their worth; cleaner lanes, happier residents."""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim.errors import ScenarioError
from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim.mechanisms import moral_points
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

MP = "simulation.moral_points"
#: Replications of the paired comparison (the county: about a second each).
REPS = 2


_on = switch(MP)


_run_at = fresh_run


def test_participation_saturates_in_what_the_points_are_worth(county) -> None:
    """Doubling the price per point buys less than double the participants."""
    mp = _on(county).simulation.moral_points
    dear = _on(county, yuan_per_point=2.0).simulation.moral_points
    late = 10 * mp.uptake_half_life_days
    assert mp.participation(late) < dear.participation(late) < 2 * mp.participation(late)
    assert mp.participation(0) == 0 < mp.participation(mp.uptake_half_life_days)
    assert dear.participation(late) <= dear.offered_share * dear.participation_max


def test_each_month_cuts_decay_lifts_satisfaction_and_pays_the_points(county) -> None:
    """The month's share sets the cut where residents live, the lift, and the yuan redeemed."""
    sc = _on(county)
    run = _run_at(sc)
    keep0 = run["upkeep"].keep.copy()
    moral_points.MECHANISM.start(run.env, run)
    run.env.run(until=run.month_days + 1)
    mp, m = sc.simulation.moral_points, run.month_days
    share = mp.participation(m + m / 2)
    assert run[moral_points.NAME].share == pytest.approx(share)
    idx, _ = run.part(moral_points.NAME)
    cut = mp.decay_cut_at_full * share
    np.testing.assert_allclose(run["upkeep"].keep[idx], 1 - run.ckp.decay[idx] * (1 - cut), 1e-6)
    rest = np.setdiff1d(np.arange(run.ckp.n), idx)
    np.testing.assert_array_equal(run["upkeep"].keep[rest], keep0[rest])
    assert run["satisfaction"].boost[:, m] == pytest.approx(mp.satisfaction_at_full * share)
    paid = {(r[1], r[3]): r[4] for r in run.records.spend if r[2] == moral_points.LINE}
    residents = dict(zip(run.ckp.districts, run.ckp.district_population, strict=True))
    for d, n in residents.items():
        assert paid[(2, d)] == round(n * share * mp.yearly_value() * m / run.days_per_year)


def test_points_raise_condition_where_residents_live(county) -> None:
    """On common random numbers: the places where residents live are in better condition.

    Satisfaction's lift is checked month by month above: at the default fifth of
    residents offered the scheme it is 0.002, less than the questionnaire's
    sampling and the service term move between two replications.
    """
    on = _on(county)
    base, scheme = (replicate(sc, REPS, seed=5, progress=False) for sc in (county, on))
    types = on.simulation.moral_points.place_types

    def lived(r) -> np.ndarray:
        c = r.conditions[r.conditions["place_type"].isin(types)]
        w = (c["condition"] * c["checkpoints"]).groupby(c["replication"]).sum()
        return (w / c.groupby("replication")["checkpoints"].sum()).to_numpy()

    assert (lived(scheme) > lived(base)).all()
    stat = STATISTICS["residential_condition"](scheme, on).to_numpy()
    np.testing.assert_allclose(stat, lived(scheme))
    spent = scheme.spend[scheme.spend["line"] == moral_points.LINE]["yuan"].sum()
    assert spent > 0 and (base.spend["line"] != moral_points.LINE).all()


def test_unknown_places_are_refused(county) -> None:
    """A place type the framework lacks is refused by name."""
    with pytest.raises(ScenarioError, match="no place type"):
        _on(county, place_types=["dormitory"])


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the scheme on; the experiment has it; the table lists its figures."""
    sc = load_scenario(SCENARIOS / "moral_points.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.moral_points.enabled
    assert override(sc, {f"{MP}.enabled": False}).simulation == base.simulation
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(MP)}
    assert len(rows) == 8 and all(r["unit"] and r["plausible"] for r in rows.values())
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    assert "moral_points" in {lever.name for lever in experiment.levers}
