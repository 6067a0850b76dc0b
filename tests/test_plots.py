"""Figures: Chinese text renders, and every plot draws what it should on the axes."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")  # draw without a display

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import variant
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from civsim import plots
from civsim.budget import allocate_cycle
from civsim.chain import build_chain
from civsim.experiments import compare
from civsim.sim import prepare
from civsim.tasks import workload


@pytest.fixture(scope="module")
def comparison(county, county_prep):
    """The county against a campaign-mode copy, two replications each."""
    other = variant(county, "campaign", campaign={"mode": "campaign"})
    return compare([county_prep, prepare(other, city=county_prep.city)], 2, progress=False)


@pytest.fixture(scope="module")
def load(county, county_prep):
    """The county's workload report."""
    return workload(county, county_prep.tasks)


@pytest.fixture(autouse=True)
def _close_figures():
    """Each test's figures are closed after it."""
    yield
    plt.close("all")


def _texts(ax: Axes) -> str:
    return " ".join(t.get_text() for t in ax.texts) + " " + ax.get_title()


def test_chinese_title_draws_without_missing_glyphs() -> None:
    """A Chinese title draws with the bundled font and no missing-glyph warning."""
    plots.use_cjk_font()
    fig, ax = plt.subplots()
    ax.set_title("文明城市创建 责任链")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert ax.title.get_fontname() == plots.CJK_FONT


def test_chain_draws_three_levels_and_counts(county) -> None:
    """The chain shows the committee, units, districts and streets, and counts the grids."""
    G = build_chain(county)
    ax = plots.plot_chain(G)
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    top = sum(1 for _, k in G.nodes(data="kind") if k not in ("community", "grid"))
    assert drawn == top
    grids = sum(1 for _, k in G.nodes(data="kind") if k == "grid")
    counted = sum(
        int(t.get_text().split("\n")[1].split()[0].replace(",", ""))
        for t in ax.texts
        if "网格" in t.get_text()
    )
    assert counted == grids
    assert "县文明委" in _texts(ax)


def test_unit_load_has_a_bar_per_unit(county, load) -> None:
    """One bar per member unit, labelled with its Chinese name."""
    ax = plots.plot_unit_load(load, scenario=county)
    assert len(ax.patches) == len(county.organisation.units)
    assert "县城市管理局" in [t.get_text() for t in ax.get_yticklabels()]


@pytest.mark.parametrize("top", [0.04, 1.6])
def test_unit_load_axis_follows_the_data(top: float) -> None:
    """Small loads fill the axis (not one running to 1.0); the capacity line shows when reached."""
    load = pd.DataFrame(
        {"level": "unit", "id": ["a", "b"], "load": [top / 2, top], "overloaded": [False, top > 1]}
    )
    ax = plots.plot_unit_load(load)
    low, high = ax.get_xlim()
    assert low == 0 and top < high <= 1.2 * top
    capacity = [line for line in ax.get_lines() if line.get_label() == "capacity"]
    assert len(capacity) == (top >= 1)


def test_grid_worker_load_counts_every_worker(load) -> None:
    """The histogram's bars add up to the grid workers with tasks."""
    ax = plots.plot_grid_worker_load(load, bins=10)
    assert sum(p.get_height() for p in ax.patches) == (load["level"] == "grid_worker").sum()


def test_budget_bars_add_up_to_the_fund(county) -> None:
    """The stacked bars add up to the fund over the cycle (in 万元)."""
    alloc = allocate_cycle(county)
    ax = plots.plot_budget(alloc, scenario=county)
    total = sum(p.get_height() for p in ax.patches)
    assert total == pytest.approx(alloc["yuan"].sum() / plots.WAN)
    assert "市级" in [t.get_text() for t in ax.get_xticklabels()]


def test_shadow_has_a_line_and_band_per_scenario(comparison) -> None:
    """A median line and a band per scenario, and the evaluation visits marked."""
    ax = plots.plot_shadow(comparison.results)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["county_nominee (基准 baseline)", "campaign"]
    assert "evaluation visits" in labels
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2


def test_shadow_draws_the_baseline_black_thick_and_on_top(comparison) -> None:
    """The baseline's line is black, thicker than the options' and above them."""
    base, option = plots.plot_shadow(comparison.results).get_lines()[:2]
    assert to_hex(base.get_color()) == "#000000"
    assert base.get_linewidth() > option.get_linewidth()
    assert base.get_zorder() > option.get_zorder()


def test_annual_stacks_three_methods(comparison) -> None:
    """Three stacked methods and a deduction bar per scenario and year."""
    ax = plots.plot_annual(comparison.results)
    assert len(ax.patches) == 2 * 3 * 4  # scenarios x years x (three methods + deductions)
    assert {"material", "field", "survey"} <= {t.get_text() for t in ax.get_legend().get_texts()}


def test_cycle_scores_show_quota_line(comparison) -> None:
    """A box per scenario and the quota line at the summary's quota score."""
    ax = plots.plot_cycle_scores(comparison)
    assert [t.get_text() for t in ax.get_xticklabels()] == comparison.scenarios
    segments = [c for c in ax.collections if c.get_label().startswith("quota line")]
    ys = {seg[0][1] for seg in segments[0].get_segments()}
    assert ys == set(comparison.summary["quota_score"])


def test_district_items_heat_map(comparison, county) -> None:
    """One row per field item and one column per district."""
    ax = plots.plot_district_items(comparison.results, scenario=county)
    image = ax.get_images()[0]
    assert image.get_array().shape[1] == len(county.territory.districts)
    assert "城关片区" in [t.get_text() for t in ax.get_xticklabels()]


def test_queues_draw_top_units_and_the_rest(comparison, county) -> None:
    """The top units get a line each, the others one summed line."""
    ax = plots.plot_queues(comparison.results, scenario=county, top=3)
    labels = [line.get_label() for line in ax.get_lines()]
    assert len(labels) == 4 and labels[-1].startswith("其他")
