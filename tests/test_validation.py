"""The validation table: documented patterns beside the model's values, on the county."""

from __future__ import annotations

import pandas as pd
import pytest

from civsim import validation
from civsim.scenario import override


@pytest.fixture(scope="module")
def runs(county):
    """The county in campaign mode with its normal twin, and the county as nominee."""
    campaign = override(county, {"name": "county_campaign", "simulation.campaign.mode": "campaign"})
    return validation.validation_runs(campaign, county, reps=1)


def test_table_lists_every_pattern_with_its_use(runs) -> None:
    """Six patterns, each with a source in docs/domain.md and a use of the two kinds."""
    table = validation.validation_table(runs)
    assert list(table.columns) == list(validation.COLUMNS)
    assert len(table) == 6
    assert table["source"].str.match(r"docs/domain\.md §\d").all()
    assert table["use"].str.startswith(("calibration target", "held out")).all()
    assert table["model_value"].notna().all()


def test_the_surge_peaks_in_the_window_and_costs_outside_it(runs) -> None:
    """Campaign less normal field points: above zero in the window, below it far from it."""
    phases = validation._phases(runs)
    assert phases["window"] > 0 > phases["before"]
    assert phases["after_low"] < 0


def test_a_normal_twin_has_no_surge(county) -> None:
    """With the 'campaign' in normal mode the trajectory difference is zero every day."""
    runs = validation.validation_runs(county, county, reps=1)
    traj = validation.campaign_trajectory(runs)
    assert (traj["difference"] == 0).all()


def test_closed_within_counts_only_orders_old_enough() -> None:
    """Closed within 10 days, of orders opened 10 days before the end; open orders count as not."""
    orders = pd.DataFrame(
        {
            "opened": [0, 0, 5, 100, 95],
            "closed": [10, 11, -1, 101, 96],  # in time, late, open, in time, too young
        }
    )
    assert validation._closed_within(orders, 10, 100) == pytest.approx(1 / 3)


def test_mock_tests_are_scored_as_shares(runs) -> None:
    """Every mock test of the cycle is recorded, scored between 0 and 1."""
    mock = runs.nominee_run.mock_tests
    interval = runs.nominee.simulation.detection.self_check_interval_days
    assert len(mock) == runs.nominee.cycle.days // interval
    assert mock["score"].between(0, 1).all()
