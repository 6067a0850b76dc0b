"""The simulation: determinism, mechanisms, bookkeeping of orders and money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from civsim.experiments import replicate, summarise
from civsim.scenario import Scenario, load_scenario, override
from civsim.sim import effort_profile, prepare, simulate

REPS = 4


def _with(scenario: Scenario, **sections) -> Scenario:
    """A validated copy of ``scenario`` with simulation sections updated (``campaign={...}``)."""
    return override(scenario, {f"simulation.{section}": v for section, v in sections.items()})


@pytest.fixture(scope="module")
def county_run(county_prep):
    """One replication of the county."""
    return simulate(county_prep, replication=0)


def test_record_by_runs_equals_the_weights_and_group_means(county_prep) -> None:
    """The weekly record (sums over runs of checkpoints) equals the full weighted sums."""
    from scipy import sparse

    ckp = county_prep.ckp
    condition = np.random.default_rng(7).random(ckp.n).astype(np.float32)
    record = ckp.record(condition)
    full = sparse.vstack([m for m, _ in ckp.weights.values()]).astype(np.float64)
    np.testing.assert_allclose(record[: ckp.shadow_rows], full @ condition, rtol=1e-5)
    field = pd.DataFrame(
        {"d": ckp.district, "t": ckp.place_type, "c": condition.astype(np.float64)}
    )[ckp.field]
    means = field.groupby(["d", "t"])["c"].mean()
    groups = means.index.get_level_values(0) * len(ckp.place_types) + means.index.get_level_values(
        1
    )
    np.testing.assert_allclose(record[ckp.shadow_rows :][groups], means.to_numpy(), rtol=1e-5)


def test_same_seed_same_tables(county_prep, county_run) -> None:
    """Running a replication again gives identical tables."""
    again = simulate(county_prep, replication=0)
    for name, table in county_run.tables().items():
        pd.testing.assert_frame_equal(table, getattr(again, name), obj=name)


def test_other_seed_other_tables(county_prep, county_run) -> None:
    """Another seed draws other events and another score."""
    other = simulate(county_prep, seed=county_prep.scenario.seed + 1, replication=0)
    assert not other.events.equals(county_run.events)
    assert other.cycle["cycle_score"].iloc[0] != county_run.cycle["cycle_score"].iloc[0]


def test_serial_and_process_pool_agree(county_prep) -> None:
    """The process pool returns exactly what serial execution returns."""
    serial = replicate(county_prep, 2, executor="serial", progress=False)
    pooled = replicate(county_prep, 2, executor="process", workers=2, progress=False)
    for name, table in serial.tables().items():
        pd.testing.assert_frame_equal(table, getattr(pooled, name), obj=name)


def test_replications_differ_and_are_keyed(county_prep) -> None:
    """Each replication has its own stream and its own rows."""
    res = replicate(county_prep, 3, progress=False)
    assert res.cycle["replication"].tolist() == [0, 1, 2]
    assert res.cycle["cycle_score"].nunique() == 3
    summary = summarise(res.cycle)
    row = summary.loc[county_prep.scenario.name]
    assert row["low"] <= row["mean"] <= row["high"]
    assert 0 <= row["title_probability"] <= 1


def test_scores_are_within_their_points(county_run, county) -> None:
    """Each part of a year's score lies within its share of the 100 points."""
    annual = county_run.annual
    cyc = county.cycle
    assert annual["material"].between(0, cyc.material_points).all()
    assert annual["field"].between(0, cyc.field_points).all()
    assert annual["survey"].between(0, cyc.survey_points).all()
    assert annual["score"].between(0, 100).all()
    assert len(annual) == cyc.years


def _field_shadow(result) -> pd.Series:
    sh = result.shadow
    sel = sh[(sh["district"] == "city") & (sh["method"] == "field")]
    return sel.groupby("day", observed=True)["score"].sum()


def test_campaign_peaks_before_the_inspection(county) -> None:
    """Campaign mode: the 30 days before a known window beat the 60 days after it."""
    camp = _with(county, campaign={"mode": "campaign"})
    ev = county.simulation.evaluation
    before, after = [], []
    for rep in range(REPS):
        shadow = _field_shadow(simulate(camp, replication=rep))
        for year in range(1, county.cycle.years):  # year 1 still climbs from day 0
            w0 = year * county.cycle.days_per_year + ev.window_start_day
            w1 = w0 + ev.window_days
            before.append(shadow[(shadow.index >= w0 - 30) & (shadow.index < w0)].mean())
            after.append(shadow[(shadow.index >= w1 + 50) & (shadow.index <= w1 + 70)].mean())
    assert np.mean(before) > np.mean(after) + 0.2


def test_normal_mode_stays_level(county_run, county) -> None:
    """Normal mode: after the first year's approach to equilibrium, the shadow stays level.

    Defects arrive at random, so the field shadow wobbles, by well under a point
    (a campaign's surge moves it by several).
    """
    shadow = _field_shadow(county_run)
    settled = shadow[shadow.index >= county.cycle.days_per_year]
    assert settled.max() - settled.min() < 1.0


def test_campaign_costs_the_same_effort(county) -> None:
    """Campaign and normal modes spend the same total effort over the cycle."""
    camp = effort_profile(_with(county, campaign={"mode": "campaign"}))
    norm = effort_profile(county)
    assert camp.sum() == pytest.approx(norm.sum())
    assert camp.max() > 1.5 and norm.max() == norm.min() == 1


def test_orders_are_never_lost(county_run) -> None:
    """Closed never exceeds opened on any day; every order ends closed, late or open."""
    ev = county_run.events.pivot_table(
        index="day", columns="kind", values="count", aggfunc="sum", observed=False
    ).fillna(0)
    opened = ev["order_opened"].cumsum()
    closed = ev["order_closed"].cumsum()
    assert (closed <= opened).all()
    orders = county_run.orders
    assert len(orders) == opened.iloc[-1] > 0
    assert orders["status"].notna().all()
    assert (orders["closed"] >= orders["opened"]).where(orders["closed"] >= 0, True).all()
    assert orders["status"].isin(["closed", "closed_late", "open", "open_late"]).all()


def test_joint_mechanism_shortens_coordination(county) -> None:
    """With joint mechanisms, orders needing cooperating units wait less to start."""
    plain = simulate(county, replication=0).orders
    joint = simulate(_with(county, rectification={"joint_mechanism": True}), replication=0).orders
    wait = lambda o: (o["ready"] - o["opened"]).mean()  # noqa: E731
    assert wait(joint) < wait(plain)


def test_yuan_spent_never_exceeds_allocated(county_run) -> None:
    """For every line, district and year, spending stays within the allocation."""
    keys = ["year", "line", "district"]
    spent = county_run.spend.groupby(keys)["yuan"].sum()
    allocated = county_run.allocation.groupby(keys)["yuan"].sum()
    assert len(spent) > 0
    joined = pd.concat([spent.rename("spent"), allocated.rename("allocated")], axis=1).fillna(0)
    assert (joined["spent"] <= joined["allocated"]).all()


def test_more_money_never_lowers_the_target(county, county_prep) -> None:
    """Doubling a condition line's units raises (never lowers) its target's mean condition."""
    alloc = county_prep.allocation
    lines = pd.DataFrame([ln.model_dump() for ln in county.budget.lines]).set_index("id")
    cond_lines = lines[(lines["effect"] == "condition") & (lines["target_kind"] == "place_type")]
    funded = alloc["line"].isin(cond_lines.index) & (alloc["units"] > 0)
    row = alloc[funded & (alloc["level"] == "district")].iloc[0]
    target = cond_lines.loc[row["line"], "target"]
    more = alloc.copy()
    pick = (more["line"] == row["line"]) & (more["district"] == row["district"])
    more.loc[pick, "units"] *= 2
    more.loc[pick, "yuan"] *= 2
    richer = prepare(county, allocation=more, city=county_prep.city)

    def target_condition(prep) -> float:
        res = replicate(prep, REPS, progress=False).conditions
        sel = res[(res["place_type"] == target) & (res["district"] == row["district"])]
        return float(sel["condition"].mean())

    more_money, less_money = target_condition(richer), target_condition(county_prep)
    # Never lower; and here strictly higher, since the larger purchase covers more places.
    assert more_money > less_money


def test_run_command_writes_parquet_and_metadata(tmp_path, capsys) -> None:
    """`civsim run` writes every table and the metadata, and prints the summary."""
    from civsim.cli import main
    from civsim.results import TABLES, load_results

    out = tmp_path / "run"
    argv = ["run", str(SCENARIOS / "county_nominee.yaml"), "--reps", "2", "--out", str(out)]
    assert main([*argv, "--executor", "serial"]) == 0
    printed = capsys.readouterr().out
    assert "90% interval" in printed and "title chance" in printed
    result, meta = load_results(out)
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(TABLES)
    assert meta["replications"] == 2 and len(meta["scenario_hash"]) == 16
    assert {"civsim", "numpy", "simpy"} <= meta["versions"].keys()
    assert result.cycle["replication"].tolist() == [0, 1]


def test_the_scenario_column_is_a_category_in_memory_and_read_back(county_run, tmp_path) -> None:
    """Every table names its scenario as a category (one code a row, not a string a row).

    A comparison's orders run to tens of millions of rows: as strings their names took
    0.9 GB of the demo's 2.6 GB of orders. A folder written when they were strings reads
    them as a category too, so saved and fresh runs stack alike.
    """
    from civsim.results import concat_results, load_results

    name = county_run.cycle["scenario"].iloc[0]
    for table, df in county_run.tables().items():
        if len(df.columns):
            col = df["scenario"]
            assert isinstance(col.dtype, pd.CategoricalDtype), table
            assert col.cat.categories.tolist() == [name] and col.cat.codes.dtype == "int8"
    county_run.save(tmp_path / "r", {})
    orders = tmp_path / "r" / "orders.parquet"
    old = pd.read_parquet(orders)
    old["scenario"] = old["scenario"].astype(str)  # as folders of earlier versions hold it
    old.to_parquet(orders)
    back, _ = load_results(tmp_path / "r")
    assert isinstance(back.orders["scenario"].dtype, pd.CategoricalDtype)
    assert back.orders["scenario"].tolist() == county_run.orders["scenario"].tolist()
    both = concat_results([county_run, back]).orders["scenario"]
    assert isinstance(both.dtype, pd.CategoricalDtype) and (both == name).all()


def test_saved_tables_read_back_equal(county_run, tmp_path) -> None:
    """Saving to Parquet and loading gives back the same tables."""
    from civsim.results import load_results

    county_run.save(tmp_path / "r", {"seed": 1})
    back, meta = load_results(tmp_path / "r")
    assert meta == {"seed": 1}
    for name, table in county_run.tables().items():
        pd.testing.assert_frame_equal(
            table.reset_index(drop=True),
            getattr(back, name),
            check_dtype=False,
            check_categorical=False,
            obj=name,
        )


@pytest.mark.parametrize(
    ("reps", "options", "expected"),
    [
        (1, {"executor": "procces"}, "unknown executor 'procces'"),
        (2, {"executor": "procces"}, "unknown executor 'procces'"),
        (1, {"executor": "process", "workers": 0}, "workers must be at least 1, got 0"),
        (2, {"executor": "process", "workers": 0}, "workers must be at least 1, got 0"),
    ],
)
def test_replicate_refuses_a_misspelt_executor_and_no_workers(
    county, reps, options, expected
) -> None:
    """Refused however many replications: one would otherwise run here, the mistake unseen."""
    from civsim.errors import CivsimError

    with pytest.raises(CivsimError, match=expected):
        replicate(county, reps, **options)


def test_run_command_refuses_bad_input(tmp_path, capsys) -> None:
    """Zero replications or a missing file: exit 2, a message, nothing written."""
    from civsim.cli import main

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stop:
        main(["run", str(SCENARIOS / "county_nominee.yaml"), "--reps", "0", "--out", str(out)])
    assert stop.value.code == 2
    assert main(["run", str(tmp_path / "none.yaml"), "--out", str(out)]) == 2
    assert "scenario file not found" in capsys.readouterr().err
    assert not out.exists()


def test_performance_linked_budget_follows_simulated_results(county) -> None:
    """With the performance policy, year 2's district money follows year 1's simulated results."""
    linked = override(county, {"budget.policy": "performance"})
    run = simulate(linked, replication=0)
    money = run.allocation.groupby(["year", "district"])["yuan"].sum().unstack("year")
    assert not money[1].equals(money[2])  # the loop closed: year 2 was re-allocated
    results = run.districts[run.districts["year"] == 1].set_index("district")
    score = results["field"] + results["satisfaction"] * county.cycle.survey_points
    best, worst = score.idxmax(), score.idxmin()
    assert money.loc[best, 2] - money.loc[best, 1] > money.loc[worst, 2] - money.loc[worst, 1]


def test_a_decay_line_that_stops_all_decay_ends_cleanly(county) -> None:
    """A decay line of size 1 (no decay while funded) leaves valid condition after it ends."""
    decay = [ln.id for ln in county.budget.lines if ln.effect == "decay"]
    assert decay
    stopped = override(
        county,
        {
            # far outside the lines' plausible ranges, which are widened to say so
            f"budget.lines.{line}": {
                "effect_size": 1.0,
                "effect_size_high": 1.0,
                "duration_days": 60,
                "duration_days_low": 60,
            }
            for line in decay
        },
    )
    run = simulate(stopped, replication=0)
    assert run.events.query("kind == 'line_decay'")["count"].sum() > 0
    cond = run.conditions[["condition", "end_condition"]].to_numpy()
    assert np.isfinite(cond).all() and (cond >= 0).all() and (cond <= 1).all()
    assert np.isfinite(run.shadow["score"]).all()


def test_switching_off_detection_or_rectification_leaves_no_orders():
    """Off, the loop opens no order; the run still completes and scores."""
    base = load_scenario(SCENARIOS / "county_nominee.yaml")
    for path in ("simulation.detection.enabled", "simulation.rectification.enabled"):
        r = simulate(override(base, {path: False}), seed=3)
        assert len(r.orders) == 0
        assert 0 < r.cycle.cycle_score.iloc[0] <= 100
    on = simulate(base, seed=3)
    assert len(on.orders) > 0
