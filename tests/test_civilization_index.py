"""The published civilization index by district, and its 比学赶超 feedback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lever_helpers import fresh_run, switch

from civsim.errors import CivsimError, ScenarioError
from civsim.experiments import replicate
from civsim.results import load_results
from civsim.scenario import Scenario, override
from civsim.sim import prepare, simulate
from civsim.sim.engine import Run
from civsim.sim.mechanisms.civilization_index import INDEX, publish

CI = "simulation.evaluation.civilization_index"
#: Replications of the paired feedback comparison.
REPS = 4
#: The four dimensions of seed 000 on the framework's environments.
DIMENSIONS = [
    {"name_zh": "文明素养", "environments": ["minors"], "items": ["I14", "I15"]},
    {"name_zh": "文化环境", "items": ["I13", "I16", "I17"]},
    {"name_zh": "社会环境", "environments": ["society", "governance", "market"]},
    {"name_zh": "生活环境", "environments": ["living", "ecology"], "weight": 2.0},
]


_on = switch(CI)


@pytest.fixture(scope="module")
def published(county):
    """The county with the index published monthly, and as it is (one replication each)."""
    return simulate(_on(county), replication=0), simulate(county, replication=0)


_run_at = fresh_run


def _environment_of(sc: Scenario, run: Run) -> np.ndarray:
    """The environment of each checkpoint's standard."""
    fw = sc.framework
    env = {i.id: i.environment for i in fw.items}
    item = {c.id: c.item for c in fw.contents}
    content = {s.id: s.content for s in fw.standards}
    std = run.ckp.standards[run.ckp.standard]
    return np.array([env[item[content[s]]] for s in std])


def test_the_index_is_published_monthly_and_changes_nothing_else(county, published) -> None:
    """Every 30 days each district gets a score and a rank; without feedback no result moves."""
    on, off = published
    ci = on.civilization_index
    assert sorted(set(ci["day"])) == list(range(30, county.cycle.days, 30))
    assert (ci["dimension"] == INDEX).all() and not ci["raised"].any()
    assert all(sorted(ranks) == [1, 2] for _, ranks in ci.groupby("day")["rank"])
    assert ci["score"].between(0, 100).all()
    for name in ("annual", "cycle", "shadow", "orders", "districts"):
        pd.testing.assert_frame_equal(getattr(on, name), getattr(off, name))
    assert off.civilization_index.empty


def test_the_index_reads_the_field_condition_by_district(county) -> None:
    """Full condition scores 100; a district at half condition scores 50 and ranks last."""
    run = _run_at(_on(county, **{"feedback.enabled": True, "feedback.effort_rise": 0.25}))
    run.state.condition[:] = 1.0
    low = run.ckp.district_slices[0]
    run.state.condition[low] = 0.5
    publish(run, 30)
    rows = pd.DataFrame(run.records.civilization_index, columns=["day", "d", "dim", "s", "r", "up"])
    assert rows["s"].tolist() == pytest.approx([50.0, 100.0])
    assert rows["r"].tolist() == [2, 1] and rows["up"].tolist() == [True, False]
    # the raised district works harder until the next publication, the city as before
    assert run["civilization_index"].effort.tolist() == [1.25, 1.0, 1.0]


def test_dimensions_score_their_items_and_weigh_into_the_index(county) -> None:
    """Living-environment places at half condition: 生活环境 scores 50, the index its weight."""
    sc = _on(county, dimensions=DIMENSIONS)
    run = _run_at(sc)
    living = _environment_of(sc, run) == "living"
    run.state.condition[:] = 1.0
    run.state.condition[living] = 0.5
    publish(run, 30)
    rows = pd.DataFrame(run.records.civilization_index, columns=["day", "d", "dim", "s", "r", "up"])
    score = rows.pivot(index="d", columns="dim", values="s")
    assert score["文明素养"].tolist() == pytest.approx([100.0, 100.0])
    assert score["社会环境"].tolist() == pytest.approx([100.0, 100.0])
    # 生活环境 (weight 2 of 5) mixes living (half) and ecology (full) items
    assert (score["生活环境"] < 100).all() and (score["生活环境"] > 50).all()
    expected = (
        score["文明素养"] + score["文化环境"] + score["社会环境"] + 2 * score["生活环境"]
    ) / 5
    np.testing.assert_allclose(score[INDEX], expected)


def test_feedback_narrows_the_gap_and_raises_the_score(county) -> None:
    """比学赶超 on, paired on common random numbers: the districts' spread shrinks, scores rise."""
    index = _on(county)
    feedback = override(index, {f"{CI}.feedback.enabled": True})
    base, fed = (replicate(sc, REPS, seed=7) for sc in (index, feedback))

    def spread(r) -> pd.Series:
        by_day = r.civilization_index.groupby(["replication", "day"])["score"]
        return (by_day.max() - by_day.min()).groupby(level="replication").mean()

    assert (spread(fed) < spread(base)).all()
    gain = fed.cycle["cycle_score"] - base.cycle["cycle_score"]
    assert gain.mean() > 0
    assert fed.civilization_index["raised"].any()


def test_bad_index_settings_are_refused(county) -> None:
    """An unknown item, or as many raised districts as there are, is refused by name."""
    with pytest.raises(ScenarioError, match="I99"):
        prepare(_on(county, dimensions=[{"name_zh": "x", "items": ["I99"]}]))
    with pytest.raises(ScenarioError, match="bottom_districts"):
        prepare(_on(county, **{"feedback.enabled": True, "feedback.bottom_districts": 2}))


def test_a_folder_written_before_the_index_still_loads(published, tmp_path) -> None:
    """A results folder without the index table reads it as empty; other tables stay required."""
    on, _ = published
    folder = on.save(tmp_path / "run", {"note": "test"})
    back, _ = load_results(folder)
    pd.testing.assert_frame_equal(back.civilization_index, on.civilization_index)
    (folder / "civilization_index.parquet").unlink()
    old, _ = load_results(folder)
    assert old.civilization_index.empty
    (folder / "annual.parquet").unlink()
    with pytest.raises(CivsimError, match="annual"):
        load_results(folder)


def test_the_figure_draws_a_line_per_district(county, published) -> None:
    """One line per district over the publications; results without the index are refused."""
    from civsim.index_figure import plot_civilization_index

    on, off = published
    ax = plot_civilization_index(on, scenario=county)
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert [line.get_label() for line in lines] == [d.name_zh for d in county.territory.districts]
    assert len(lines[0].get_xdata()) == on.civilization_index["day"].nunique()
    with pytest.raises(CivsimError, match="no civilization index"):
        plot_civilization_index(off)


def test_public_index_overlay_runs_with_its_four_dimensions(tmp_path) -> None:
    """The shipped overlay publishes the four dimensions of seed 000 for every district."""
    from conftest import SCENARIOS

    from civsim.scenario import load_scenario

    sc = load_scenario(SCENARIOS / "public_index.yaml")
    r = simulate(sc, replication=0)
    ci = r.civilization_index
    dims = ["文明素养", "文化环境", "社会环境", "生活环境", INDEX]
    assert sorted(ci["dimension"].unique()) == sorted(dims)
    assert ci["district"].nunique() == len(sc.territory.districts)
    # the bottom two of each publication are raised until the next
    index = ci[ci["dimension"] == INDEX]
    assert (index.groupby("day")["raised"].sum() == 2).all()
    assert (index[index["raised"]]["rank"] > len(sc.territory.districts) - 2).all()
