"""Figures, each drawn by a ``plot_*(..., ax=None) -> Axes`` function.

Functions never call ``plt.show()``; they draw on the axes given (or a new
figure's) and return them. :func:`save_figure` writes a figure atomically.
"""

from __future__ import annotations

import collections
import functools
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import font_manager, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from civsim.chain import leadership_view
from civsim.results import Comparison, RunResult

__all__ = [
    "CJK_FONT",
    "plot_annual",
    "plot_budget",
    "plot_chain",
    "plot_cycle_scores",
    "plot_district_items",
    "plot_grid_worker_load",
    "plot_queues",
    "plot_shadow",
    "plot_unit_load",
    "save_figure",
    "use_cjk_font",
]

#: The font that draws Chinese labels; its file ships with the ``mplfonts`` package.
CJK_FONT = "Noto Sans CJK SC"
_CJK_FILE = "NotoSansCJKsc-Regular.otf"


@functools.cache
def use_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib and put it first among sans-serif fonts.

    Called by every plot function, so Chinese labels render on a fresh machine
    without system fonts. Safe to call many times.

    Returns
    -------
    str
        The font's family name.
    """
    from mplfonts.conf import FONT_DIR  # the package only carries font files

    font_manager.fontManager.addfont(os.path.join(FONT_DIR, _CJK_FILE))
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [CJK_FONT, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus glyph
    return CJK_FONT


_KIND_COLOURS = {
    "committee": "#b2182b",
    "office": "#ef8a62",
    "member_unit": "#67a9cf",
    "district": "#2166ac",
    "street": "#4d9221",
}
_KIND_LABELS = {
    "committee": "文明委 committee",
    "office": "文明办 office",
    "member_unit": "成员单位 member unit",
    "district": "区县 district",
    "street": "街镇 street",
}
#: Fewer labels than this in a row are written flat; more are turned upright.
_FLAT_LABELS = 8
#: Parts of the annual score, bottom to top, and their colours.
_METHOD_COLOURS = {"material": "#8da0cb", "field": "#66c2a5", "survey": "#fc8d62"}
#: Central band of replications drawn around a median line (5% .. 95%).
BAND = (0.05, 0.95)
#: Yuan per 万元 (ten thousand yuan), the unit budgets are read in.
WAN = 10_000
#: Room past the longest bar, as a share of it, so the bar's end and its label show.
_AXIS_ROOM = 0.15
#: How the baseline is drawn where scenarios share axes: black, thicker, above the others,
#: so every option is read against it (and none hides it).
_BASELINE_STYLE = {"color": "black", "lw": 2.5, "zorder": 4}


def plot_chain(G: nx.DiGraph, ax: Axes | None = None) -> Axes:
    """Draw the responsibility chain top-down: its top three levels, the rest counted.

    The committee sits on top; the office and member units (with units that
    report to another unit beneath it) and the districts below; each
    district's streets beneath their district. Communities, grids and grid
    workers are aggregated into a count under each district.

    Parameters
    ----------
    G : networkx.DiGraph
        A chain from :func:`civsim.chain.build_chain`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(16, 8))
    kind = dict(G.nodes(data="kind"))
    lead = leadership_view(G)
    root = next(n for n, k in kind.items() if k == "committee")
    first = sorted(
        lead.successors(root), key=lambda n: (kind[n] == "district", kind[n] != "office", n)
    )
    # One column per leaf of the drawn tree: a body with no drawn child, or a child below it.
    columns: list[tuple[str, list[str]]] = []
    for n in first:
        children = sorted(c for c in lead.successors(n) if kind[c] in ("member_unit", "street"))
        columns.append((n, children))
    width = sum(max(1, len(ch)) for _, ch in columns) + 1  # + a gap before the districts
    pos: dict[str, tuple[float, float]] = {root: (0.5, 0.0)}
    x = 0.0
    gap_left = True
    for n, children in columns:
        if kind[n] == "district" and gap_left:  # one empty column between units and districts
            x, gap_left = x + 1, False
        span = max(1, len(children))
        pos[n] = ((x + span / 2) / width, -1.0)
        for i, c in enumerate(children):
            pos[c] = ((x + i + 0.5) / width, -2.0)
        x += span
    drawn = list(pos)
    for u, v in lead.subgraph(drawn).edges:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color="#999999", lw=0.6, alpha=0.5, zorder=1)
    for k, colour in _KIND_COLOURS.items():
        pts = [pos[n] for n in drawn if kind[n] == k]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.scatter(xs, ys, s=40, color=colour, zorder=2, label=_KIND_LABELS[k])
    parent = {c: n for n, children in columns for c in children}
    for level in (0.0, -1.0, -2.0):
        row = [n for n in drawn if pos[n][1] == level]
        crowded = len(row) > _FLAT_LABELS
        for n in row:
            # A district spans its streets' columns, so its label has room to lie flat.
            upright = crowded and kind[n] != "district"
            label = G.nodes[n]["name_zh"]
            above = G.nodes[parent[n]]["name_zh"] if n in parent else ""
            if kind[n] == "street" and label.startswith(above):
                label = label[len(above) :]  # the district is written above it
            ax.annotate(
                label,
                pos[n],
                xytext=(0, -7),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8 if upright else 11,
                rotation=90 if upright else 0,
                bbox={"fc": "white", "ec": "none", "pad": 1} if not upright else None,
            )
    for n, _ in columns:
        if kind[n] != "district":
            continue
        descendants = nx.descendants(lead, n)
        below = collections.Counter(kind[m] for m in descendants)
        workers = sum(G.nodes[m]["grid_workers"] for m in descendants)
        ax.annotate(
            f"{below['community']:,} 社区\n{below['grid']:,} 网格\n{workers:,} 网格员",
            (pos[n][0], -2.0),
            xytext=(0, -75),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=9,
            bbox={"boxstyle": "round", "fc": "#f0f0f0", "ec": "#bbbbbb"},
        )
    ax.set_title("责任链 Responsibility chain: top three levels; communities and grids counted")
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    ax.set_axis_off()
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-3.1, 0.3)
    return ax


def plot_unit_load(load: pd.DataFrame, ax: Axes | None = None, scenario=None) -> Axes:
    """Bar chart of each member unit's yearly hours against its capacity.

    Parameters
    ----------
    load : pandas.DataFrame
        From :func:`civsim.tasks.workload` (its ``unit`` rows are used).
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        Labels the units by their Chinese names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    units = load[load["level"] == "unit"].sort_values("load")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.3 * len(units) + 1.5))
    names = _unit_names(scenario)
    colours = np.where(units["overloaded"], "#d7301f", "#4393c3")
    bars = ax.barh([names.get(u, u) for u in units["id"]], units["load"], color=colours)
    ax.bar_label(bars, fmt="%.3g", padding=2, fontsize=8)
    top = float(units["load"].max()) if len(units) else 0.0
    # The axis follows the data: loads of a few hundredths on an axis to 1.0 look like no bars.
    ax.set_xlim(0, max(top, np.finfo(float).eps) * (1 + _AXIS_ROOM))
    if top >= 1.0:
        ax.axvline(1.0, color="black", lw=1, ls="--", label="capacity")
        ax.legend(loc="lower right", frameon=False)
        ax.set_title("成员单位负荷 Member units' load")
    else:
        ax.set_title(f"成员单位负荷 Member units' load (all below capacity 1.0; most {top:.3g})")
    ax.set_xlabel("load (task hours per year / staff capacity)")
    return ax


def plot_grid_worker_load(load: pd.DataFrame, ax: Axes | None = None, bins: int = 40) -> Axes:
    """Histogram of grid workers' yearly hours against their capacity.

    Parameters
    ----------
    load : pandas.DataFrame
        From :func:`civsim.tasks.workload` (its ``grid_worker`` rows are used).
    ax : matplotlib.axes.Axes, optional
    bins : int

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    workers = load[load["level"] == "grid_worker"]
    over = int(workers["overloaded"].sum())
    ax.hist(workers["load"], bins=bins, color="#4393c3", edgecolor="white")
    ax.axvline(1.0, color="black", lw=1, ls="--", label="capacity")
    ax.set_xlabel("load (task hours per year / hours a grid worker has)")
    ax.set_ylabel("grid workers")
    ax.set_title(f"网格员负荷 Grid workers' load ({len(workers):,} workers, {over:,} overloaded)")
    ax.legend(frameon=False)
    return ax


def plot_budget(allocation: pd.DataFrame, ax: Axes | None = None, scenario=None) -> Axes:
    """Stacked bars of the special fund by holder (city, districts) and category.

    Parameters
    ----------
    allocation : pandas.DataFrame
        An allocation table (:func:`civsim.budget.allocate_cycle`, or a
        result's ``allocation``, whose replications are averaged). Yuan are
        summed over its years, its ``reserve`` rows (yuan too few for a whole
        unit) and ``unspent`` rows (every line of the pool at its cap) too.
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        Labels the districts by their Chinese names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    runs = (
        allocation[["scenario", "replication"]].drop_duplicates().shape[0]
        if ("replication" in allocation)
        else 1
    )
    table = (
        allocation.pivot_table(
            index="district", columns="category", values="yuan", aggfunc="sum", sort=False
        ).fillna(0)
        / runs
        / WAN
    )
    years = allocation["year"].nunique()
    names = {"city": "市级", **_district_names(scenario)}
    bottom = np.zeros(len(table))
    labels = {"key_project": "重点项目 key projects", "regular_activity": "常态活动 regular"}
    for category in table.columns:
        ax.bar(
            [names.get(d, d) for d in table.index],
            table[category],
            bottom=bottom,
            label=labels.get(category, category),
        )
        bottom += table[category].to_numpy()
    ax.set_ylabel(f"万元 (10,000 yuan) over {years} year(s)")
    ax.set_title("专项资金分配 Special fund by holder and category")
    ax.legend(frameon=False)
    return ax


def plot_shadow(result: RunResult, ax: Axes | None = None) -> Axes:
    """City shadow-score trajectories: median and 5-95% band per scenario, visits marked.

    The shadow score is what the city would score if evaluated that day
    (material + field + survey, without negative-list deductions). The first
    scenario, the baseline, is drawn black, thicker and above the others.

    Parameters
    ----------
    result : RunResult
        One or more scenarios' replications.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    city = result.shadow[result.shadow["district"] == "city"]
    total = city.groupby(["scenario", "replication", "day"], observed=True)["score"].sum()
    for i, name in enumerate(dict.fromkeys(result.annual["scenario"])):
        wide = total.loc[name].unstack("replication")
        style = _BASELINE_STYLE if i == 0 else {"lw": 1.5, "zorder": 3}
        label = f"{name} (基准 baseline)" if i == 0 else name
        (line,) = ax.plot(wide.index, wide.median(axis=1), label=label, **style)
        ax.fill_between(
            wide.index,
            wide.quantile(BAND[0], axis=1),
            wide.quantile(BAND[1], axis=1),
            color=line.get_color(),
            alpha=0.12 if i == 0 else 0.2,
            lw=0,
        )
    visits = result.annual["visit_day"].drop_duplicates()
    for i, day in enumerate(sorted(visits)):
        ax.axvline(
            day, color="#444444", lw=0.6, alpha=0.4, label="evaluation visits" if i == 0 else None
        )
    ax.set_xlabel("day of the cycle")
    ax.set_ylabel("shadow score (points of 100)")
    ax.set_title("影子得分 Shadow score: median and 5-95% of replications")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return ax


def plot_annual(result: RunResult, ax: Axes | None = None) -> Axes:
    """Stacked bars of the mean annual score by method, per year and scenario.

    Negative-list deductions are subtracted from the top of each bar (hatched).

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    annual = result.annual
    means = annual.groupby(["scenario", "year"], sort=False)[
        [*_METHOD_COLOURS, "deductions", "score"]
    ].mean()
    names = list(dict.fromkeys(annual["scenario"]))
    years = sorted(annual["year"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 1.2 * len(names) * len(years)), 4.5))
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        x = np.arange(len(years)) + (j - (len(names) - 1) / 2) * width
        rows = means.loc[name].reindex(years)
        bottom = np.zeros(len(years))
        for method, colour in _METHOD_COLOURS.items():
            ax.bar(
                x,
                rows[method],
                width,
                bottom=bottom,
                color=colour,
                edgecolor="white",
                label=method if j == 0 else None,
            )
            bottom += rows[method].to_numpy()
        ax.bar(
            x,
            -rows["deductions"],
            width,
            bottom=bottom,
            color="none",
            hatch="///",
            edgecolor="#555555",
            label="deductions" if j == 0 else None,
        )
        if len(names) > 1:
            for xi in x:
                ax.annotate(
                    name,
                    (xi, 1),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    rotation=90,
                    color="#333333",
                )
    ax.set_xticks(np.arange(len(years)), [f"year {y}" for y in years])
    ax.set_ylabel("annual score (points of 100)")
    ax.set_ylim(0, 100)
    ax.set_title("年度测评得分 Annual score by method (mean of replications)")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    return ax


def plot_cycle_scores(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Box plots of the cycle score per scenario, with the peers' quota line.

    The baseline (the first) has black points and a thick black median.

    The quota line is :func:`civsim.experiments.quota_score`: the median
    score of the quota-th best peer, where the title chance is one half.

    Parameters
    ----------
    comparison : Comparison
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    names = comparison.scenarios
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 1.3 * len(names)), 4.5))
    reps = comparison.replications
    data = [reps.loc[reps["scenario"] == n, "cycle_score"].to_numpy() for n in names]
    boxes = ax.boxplot(data, widths=0.5, showfliers=False)
    boxes["medians"][0].set(color=_BASELINE_STYLE["color"], lw=_BASELINE_STYLE["lw"])
    for i, values in enumerate(data, start=1):
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
        colour = _BASELINE_STYLE["color"] if i == 1 else "#2166ac"
        ax.scatter(i + jitter, values, s=10, color=colour, alpha=0.6, zorder=3)
    quota = comparison.summary["quota_score"].to_numpy()
    ax.hlines(
        quota,
        np.arange(1, len(names) + 1) - 0.4,
        np.arange(1, len(names) + 1) + 0.4,
        color="#d7301f",
        lw=2,
        label="quota line (50% title chance)",
    )
    ax.set_xticks(np.arange(1, len(names) + 1), names, rotation=20, ha="right")
    ax.set_ylabel("cycle score (points of 100)")
    ax.set_title("周期得分 Cycle score per scenario")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def plot_district_items(
    result: RunResult, ax: Axes | None = None, scenario=None, which: str | None = None
) -> Axes:
    """Heat map of each district's field score per item, against the city's, at the cycle's end.

    A cell is ``district / city - 1`` for that item's field shadow score on
    the last recorded day (mean over replications): red where the district
    drags the city's score down. Row labels carry the city's points.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        Labels items and districts by their Chinese names.
    which : str, optional
        The scenario to draw (default: the first in ``result``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    shadow = _only(result.shadow, which)
    last = shadow[(shadow["day"] == shadow["day"].max()) & (shadow["method"] == "field")]
    mean = last.groupby(["item", "district"], observed=True)["score"].mean().unstack("district")
    city = mean.pop("city")
    relative = mean.div(city, axis=0) - 1
    items = {i.id: i.name_zh for i in scenario.framework.items} if scenario is not None else {}
    districts = _district_names(scenario)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * relative.shape[1] + 4, 0.28 * len(relative) + 1.5))
    limit = max(float(np.nanmax(np.abs(relative.to_numpy()))), 1e-9) * 100
    image = ax.imshow(
        relative.to_numpy() * 100, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto"
    )
    ax.set_xticks(range(relative.shape[1]), [districts.get(d, d) for d in relative.columns])
    ax.set_yticks(
        range(len(relative)),
        [f"{i} {items.get(i, '')} ({city[i]:.2f})" for i in relative.index],
        fontsize=8,
    )
    ax.figure.colorbar(image, ax=ax, label="% above (below) the city's field score")
    ax.set_title("区县 × 测评项目 field score vs. city (city points in brackets)")
    return ax


def plot_queues(
    result: RunResult,
    ax: Axes | None = None,
    scenario=None,
    which: str | None = None,
    top: int = 6,
) -> Axes:
    """Open rectification orders queued at each holder (unit or street offices) over the cycle.

    The ``top`` units with the longest mean queue get their own line (mean
    over replications); the others are summed into one.

    Parameters
    ----------
    result : RunResult
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        Labels the units by their Chinese names.
    which : str, optional
        The scenario to draw (default: the first in ``result``).
    top : int

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    load = _only(result.workload, which)
    wide = load.groupby(["day", "unit"], observed=True)["queue"].mean().unstack("unit")
    order = wide.mean().sort_values(ascending=False).index
    names = _unit_names(scenario)
    for unit in order[:top]:
        ax.plot(wide.index, wide[unit], lw=1.2, label=names.get(unit, unit))
    if len(order) > top:
        ax.plot(
            wide.index,
            wide[order[top:]].sum(axis=1),
            lw=1.2,
            color="#999999",
            label=f"其他 {len(order) - top} 个单位 (others)",
        )
    ax.set_xlabel("day of the cycle")
    ax.set_ylabel("open orders in the queue")
    ax.set_title("整改工单排队 Rectification orders waiting at each unit (mean of replications)")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def _only(table: pd.DataFrame, which: str | None) -> pd.DataFrame:
    """The rows of one scenario (default: the first)."""
    name = table["scenario"].iloc[0] if which is None else which
    return table[table["scenario"] == name]


def _unit_names(scenario) -> dict[str, str]:
    """Chinese names of the order holders: member units, and districts' street offices (属地)."""
    if scenario is None:
        return {}
    names = {d.id: f"{d.name_zh}街道（属地）" for d in scenario.territory.districts}
    return names | {u.id: u.name_zh for u in scenario.organisation.units}


def _district_names(scenario) -> dict[str, str]:
    if scenario is None:
        return {}
    return {d.id: d.name_zh for d in scenario.territory.districts}


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically (a partial file never appears)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        plt.close(fig)
    return path
