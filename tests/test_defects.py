"""Defects persist until fixed: they pile up without the loop; routine rounds fix minor ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civsim.errors import ScenarioError
from civsim.scenario import Scenario, override
from civsim.sim import prepare, simulate
from civsim.sim.tables import RunResult

SEED = 5
LOOP_OFF = {"simulation.detection.enabled": False, "simulation.rectification.enabled": False}


def _run(county: Scenario, changes: dict) -> RunResult:
    """One replication of the county with ``changes`` (dotted paths), seed ``SEED``."""
    return simulate(override(county, changes) if changes else county, seed=SEED)


def _events(result: RunResult) -> pd.Series:
    """Each kind of event's total over the cycle."""
    return result.events.groupby("kind", observed=True)["count"].sum()


def _open(result: RunResult) -> pd.DataFrame:
    """Open defects (all, minor) in the whole county on each recording day."""
    return result.defects.groupby("day")[["open", "minor"]].sum()


@pytest.fixture(scope="module")
def loop_on(county) -> RunResult:
    """The county as shipped."""
    return _run(county, {})


@pytest.fixture(scope="module")
def loop_off(county) -> RunResult:
    """The county with neither detection nor rectification."""
    return _run(county, LOOP_OFF)


def test_without_the_loop_defects_pile_up_over_the_cycle(loop_on, loop_off) -> None:
    """Loop off: open defects grow quarter by quarter and the field condition falls."""
    off, on = _open(loop_off)["open"], _open(loop_on)["open"]
    quarters = off.iloc[np.linspace(0, len(off) - 1, 5).astype(int)].to_numpy()
    assert np.all(np.diff(quarters) > 0)
    # with the loop, found defects are fixed: far fewer are open at the end
    assert on.iloc[-1] < off.iloc[-1] / 2
    cond = {
        name: r.conditions.query("year == 3")["condition"].mean()
        for name, r in (("on", loop_on), ("off", loop_off))
    }
    assert cond["off"] < cond["on"]
    year = loop_off.conditions.groupby("year")["condition"].mean()
    assert year[3] < year[1]


def test_a_defect_that_is_not_minor_stays_until_an_order_fixes_it(loop_off) -> None:
    """Without orders, open defects that are not minor fall only by renovations; minor are fixed.

    Between two records the count of those defects falls by at most the defects the
    fund's renovations fixed on the days from the first record to the second.
    """
    counts = _open(loop_off)
    major = (counts["open"] - counts["minor"]).to_numpy()
    days = counts.index.to_numpy()
    ev = loop_off.events
    fixes = ev[ev["kind"] == "defect_fixed_by_renovation"].groupby("day")["count"].sum()
    upto = fixes.reindex(range(int(days.max()) + 1), fill_value=0).cumsum().to_numpy()
    before = np.r_[0, upto][days[:-1]]  # fixed on the days before each earlier record
    assert upto[-1] > 0  # the fund renovates, and its renovations fix some
    assert np.all(np.diff(major) >= -(upto[days[1:]] - before))
    totals = _events(loop_off)
    assert totals.get("defect_fixed_by_order", 0) == 0
    assert totals["defect_fixed_routine"] > 0


def test_defects_arisen_are_fixed_or_still_open(loop_on) -> None:
    """Arisen less compounded = fixed by routine, by an order, by a renovation + open at the end."""
    ev = _events(loop_on)
    end = _open(loop_on)["open"].iloc[-1]
    assert ev["defect_fixed_by_order"] > 0 and ev["defect_compounded"] > 0
    fixed = ev["defect_fixed_routine"] + ev["defect_fixed_by_order"]
    fixed += ev["defect_fixed_by_renovation"]
    assert ev["defect_arisen"] - ev["defect_compounded"] == fixed + end


def test_defects_arise_at_the_hazard_when_effort_does_not_matter(county) -> None:
    """With no prevention, arrivals are Binomial(field checkpoints x days, hazard)."""
    hazard = 0.002
    r = _run(county, {"simulation.defects.hazard": hazard, "simulation.defects.prevention": 0.0})
    trials = prepare(county).ckp.n_field * county.cycle.days
    mean, sd = trials * hazard, np.sqrt(trials * hazard * (1 - hazard))
    assert abs(_events(r)["defect_arisen"] - mean) < 4 * sd


def test_fewer_grid_worker_hours_bring_more_defects_and_fewer_routine_fixes(county) -> None:
    """Routine effort prevents defects and fixes minor ones: half the hours, more stay open."""
    hours = county.workload.grid_worker_hours_per_year
    full = _run(county, LOOP_OFF)
    half = _run(county, {**LOOP_OFF, "workload.grid_worker_hours_per_year": hours / 2})
    assert _events(half)["defect_arisen"] > 1.05 * _events(full)["defect_arisen"]
    assert _open(half)["minor"].mean() > _open(full)["minor"].mean()


def test_routine_rounds_fix_only_minor_defects_by_place_type(county) -> None:
    """No minor share: no routine fix. Every place type minor: every open defect is minor."""
    none = _run(county, {**LOOP_OFF, "simulation.defects.minor_share": 0.0})
    assert _events(none).get("defect_fixed_routine", 0) == 0
    assert _open(none)["minor"].sum() == 0
    types = {t.id: 1.0 for t in county.framework.place_types}
    every = _run(
        county,
        {
            **LOOP_OFF,
            "simulation.defects.minor_share": 0.0,
            "simulation.defects.minor_share_by_place_type": types,
        },
    )
    counts = _open(every)
    assert (counts["minor"] == counts["open"]).all() and counts["open"].sum() > 0
    assert _events(every)["defect_fixed_routine"] > 0


def test_switched_off_defects_leave_the_other_mechanisms_as_with_none_arising(county) -> None:
    """Off or with no hazard: the same tables (common random numbers); off records no defects."""
    off = _run(county, {"simulation.defects.enabled": False})
    none = _run(county, {"simulation.defects.hazard": 0.0})
    assert off.defects.empty and (none.defects["open"] == 0).all()
    for name in ("annual", "cycle", "orders", "conditions", "shadow"):
        pd.testing.assert_frame_equal(getattr(off, name), getattr(none, name))
    kinds = [k for k in _events(none).index if not str(k).startswith("defect_")]
    pd.testing.assert_series_equal(_events(off)[kinds], _events(none)[kinds])


def test_minor_shares_name_known_place_types(county) -> None:
    """A misspelt place type is refused with a hint; so is a severity range upside down."""
    bad = {"simulation.defects.minor_share_by_place_type": {"markt": 0.3}}
    with pytest.raises(ScenarioError, match=r"unknown place type 'markt'.*did you mean 'market'"):
        override(county, bad)
    with pytest.raises(ScenarioError, match=r"severity_high 0\.05 is below severity_low"):
        override(county, {"simulation.defects.severity_high": 0.05})
