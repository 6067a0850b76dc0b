"""Scenario comparison: paired differences on common random numbers, money per point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import variant

from civsim.errors import CivsimError
from civsim.experiments import compare, quota_score
from civsim.results import RunResult, build_comparison
from civsim.scenario import Evaluation, override
from civsim.sim import prepare

REPS = 3


@pytest.fixture(scope="module")
def joint_prep(county, county_prep):
    """The county with joint mechanisms, sharing the county's task table."""
    joint = variant(county, "joint", rectification={"joint_mechanism": True})
    return prepare(joint, city=county_prep.city)


@pytest.fixture(scope="module")
def comparison(county_prep, joint_prep):
    """The county against its joint-mechanism variant."""
    return compare([county_prep, joint_prep], REPS, progress=False)


def test_differences_are_paired_per_replication(comparison) -> None:
    """Each difference is the scenario's score minus the baseline's in the same replication."""
    reps = comparison.replications
    base = reps[reps["scenario"] == "county_nominee"].set_index("replication")["cycle_score"]
    joint = reps[reps["scenario"] == "joint"].set_index("replication")
    assert joint["difference"].to_numpy() == pytest.approx((joint["cycle_score"] - base).to_numpy())
    assert (reps.loc[reps["scenario"] == "county_nominee", "difference"] == 0).all()


def test_common_random_numbers_make_a_renamed_copy_identical(county_prep) -> None:
    """The same scenario under another name scores exactly the same, replication by replication."""
    copy = prepare(override(county_prep.scenario, {"name": "copy"}), city=county_prep.city)
    cmp = compare([county_prep, copy], 2, progress=False)
    assert (cmp.replications["difference"] == 0).all()
    assert cmp.summary.loc["copy", ["difference_low", "difference_high"]].tolist() == [0, 0]


def test_summary_columns_and_ranges(comparison) -> None:
    """The summary has one row per scenario, baseline first, with sensible ranges."""
    s = comparison.summary
    assert s.index.tolist() == ["county_nominee", "joint"] == comparison.scenarios
    assert (s["reps"] == REPS).all()
    assert (s["low"] <= s["mean"]).all() and (s["mean"] <= s["high"]).all()
    assert s["difference_low"].le(s["difference_high"]).all()
    assert s["satisfaction"].between(0, 1).all() and s["late_share"].between(0, 1).all()
    assert (s["yuan"] > 0).all() and (s["open_orders"] >= 0).all()
    assert np.isnan(s.loc["county_nominee", "extra_yuan_per_point"])
    assert s.loc["county_nominee", "extra_yuan"] == 0
    # Joint mechanisms shorten coordination waits, so fewer orders run late.
    assert s.loc["joint", "late_share"] < s.loc["county_nominee", "late_share"]


def test_results_hold_every_scenario(comparison) -> None:
    """The concatenated results are keyed by scenario and replication."""
    cyc = comparison.results.cycle
    assert sorted(cyc.groupby("scenario")["replication"].apply(list).tolist()) == [[0, 1, 2]] * 2
    assert set(comparison.tables()) == {"comparison_summary", "comparison_replications"}


def _result(scores: dict[str, list[float]], yuan: int | dict[str, int]) -> RunResult:
    """A hand-built result of cycle scores, with spending (per scenario), surveys and orders."""
    rows = [(n, r, v) for n, vs in scores.items() for r, v in enumerate(vs)]
    keys = pd.DataFrame([(n, r) for n, r, _ in rows], columns=["scenario", "replication"])
    cycle = keys.assign(
        cycle_score=[v for *_, v in rows], disqualified=False, rank=1, quota=1, title=True
    )
    empty = pd.DataFrame()
    return RunResult(
        shadow=empty,
        events=empty,
        orders=keys.assign(status="closed"),
        workload=empty,
        annual=keys.assign(satisfaction=0.9),
        cycle=cycle,
        districts=empty,
        spend=keys.assign(yuan=keys["scenario"].map(yuan) if isinstance(yuan, dict) else yuan),
        allocation=empty,
        conditions=empty,
    )


def test_extra_yuan_per_point_prices_only_a_gain_bought_with_extra_money() -> None:
    """Extra yuan over the baseline per point gained, never the whole fund divided.

    No price for the same spend, for less spend, or for a gain whose interval crosses zero.
    """
    scores = {
        "base": [80.0, 82.0],
        "dearer": [81.0, 84.0],  # gains 1 and 2: clearly above zero
        "same": [81.0, 84.0],
        "cheaper": [81.0, 84.0],
        "unclear": [79.0, 85.0],  # gains -1 and 3: crosses zero
        "worse": [79.0, 81.0],
    }
    spend = {"base": 600, "dearer": 900, "same": 600, "cheaper": 450, "unclear": 900, "worse": 900}
    s = build_comparison(_result(scores, spend), {}).summary
    assert s.loc["dearer", "difference"] == pytest.approx(1.5)
    assert s["extra_yuan"].tolist() == [0, 300, 0, -150, 300, 300]
    assert s.loc["dearer", "extra_yuan_per_point"] == pytest.approx(200.0)
    for name in ("base", "same", "cheaper", "unclear", "worse"):
        assert np.isnan(s.loc[name, "extra_yuan_per_point"]), name
    assert s.loc["base", "late_share"] == 0 and s.loc["base", "open_orders"] == 0


def test_unpaired_replications_are_refused() -> None:
    """Scenarios with different replications cannot be compared pairwise."""
    with pytest.raises(CivsimError, match="share their replications"):
        build_comparison(_result({"a": [80.0, 81.0], "b": [80.0]}, 1), {})


def test_repeated_names_are_refused(county_prep) -> None:
    """Two scenarios with one name would mix their rows: refused."""
    with pytest.raises(CivsimError, match="repeated: county_nominee"):
        compare([county_prep, county_prep], 1, progress=False)


def test_quota_line_gives_half_the_titles() -> None:
    """A city scoring exactly on the quota line wins about half the time against drawn peers."""
    ev = Evaluation()
    line = quota_score(ev)
    rng = np.random.default_rng(1)
    peers = rng.normal(ev.peer_mean, ev.peer_sd, size=(20_000, ev.peer_group_size - 1))
    quota = 10  # 30 x 0.34, rounded
    wins = ((peers > line).sum(axis=1) < quota).mean()
    assert wins == pytest.approx(0.5, abs=0.02)
    assert quota_score(ev.model_copy(update={"peer_mean": 90.0})) == pytest.approx(line + 4)


def test_keeping_the_tables_of_the_first_few_changes_no_figure_of_the_summary(
    comparison, county_prep, joint_prep, tmp_path
) -> None:
    """With more replications than ``tables``, every replication still counts in the summary.

    The kept tables are the first replication's only, and the comparison read back from
    the saved runs is the same one.
    """
    from civsim.archive import read_runs, write_comparison

    few = compare([county_prep, joint_prep], REPS, progress=False, tables=1)
    pd.testing.assert_frame_equal(few.summary, comparison.summary)
    pd.testing.assert_frame_equal(few.replications, comparison.replications)
    assert set(few.results.cycle["replication"]) == {0}
    assert set(comparison.results.cycle["replication"]) == set(range(REPS))
    scenarios = [county_prep.scenario, joint_prep.scenario]
    write_comparison(tmp_path, few, scenarios, {"seed": 1, "replications": REPS})
    back = read_runs([tmp_path]).comparison
    pd.testing.assert_frame_equal(back.summary, comparison.summary)
    with pytest.raises(CivsimError, match="tables must be at least 1"):
        compare([county_prep], REPS, progress=False, tables=0)
