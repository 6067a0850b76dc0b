"""The explorer's figures: :mod:`civsim.plots` on a comparison, and its paired differences.

Figures are made without pyplot (``matplotlib.figure.Figure``), so that a
server drawing for several sessions at once shares no global figure state.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from civsim.plots import plot_budget, plot_cycle_scores, plot_queues, plot_shadow, use_cjk_font
from civsim.results import Comparison
from civsim.scenario import Scenario

__all__ = ["FIGURES", "figures", "plot_differences"]

#: The figures, in the order shown, with their size in inches.
FIGURES = {
    "scores": (7.0, 4.0),
    "differences": (7.0, 3.0),
    "trajectories": (9.0, 4.0),
    "budget": (8.0, 4.0),
    "backlog": (9.0, 4.0),
}


def figures(comparison: Comparison, option: Scenario) -> dict[str, Figure]:
    """Each of :data:`FIGURES` for a comparison of the option with its base.

    Examples
    --------
    >>> from civsim.experiments import compare
    >>> from civsim.scenario import load_scenario, override
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> smart = override(county, {"name": "smart", "simulation.detection.platform": True})
    >>> shown = figures(compare([county, smart], reps=1, progress=False), smart)
    >>> list(shown) == list(FIGURES), all(f.axes[0].has_data() for f in shown.values())
    (True, True)
    """
    out = {name: Figure(figsize=size, layout="constrained") for name, size in FIGURES.items()}
    axes = {name: fig.add_subplot() for name, fig in out.items()}
    results = comparison.results
    plot_cycle_scores(comparison, ax=axes["scores"])
    plot_differences(comparison, ax=axes["differences"])
    plot_shadow(results, ax=axes["trajectories"])
    allocation = results.allocation[results.allocation["scenario"] == option.name]
    plot_budget(allocation, ax=axes["budget"], scenario=option)
    plot_queues(results, ax=axes["backlog"], scenario=option, which=option.name)
    return out


def plot_differences(comparison: Comparison, ax: Axes) -> Axes:
    """Each replication's cycle score less the baseline's same replication, per option.

    Parameters
    ----------
    comparison : Comparison
    ax : matplotlib.axes.Axes

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    reps = comparison.replications
    options = [n for n in comparison.scenarios if n != comparison.baseline]
    for row, name in enumerate(options):
        values = reps.loc[reps["scenario"] == name, "difference"].to_numpy()
        ax.scatter(values, np.full(len(values), row), s=18, color="#2166ac", alpha=0.7, zorder=3)
        summary = comparison.summary.loc[name]
        ax.plot(
            [summary["difference_low"], summary["difference_high"]], [row, row], color="#2166ac"
        )
        ax.plot(summary["difference"], row, "|", color="black", markersize=18)
    ax.axvline(0, color="#999999", lw=1)
    ax.set_yticks(range(len(options)), options)
    ax.set_ylim(-0.8, len(options) - 0.2)
    ax.set_xlabel(f"cycle score less {comparison.baseline}'s, same replication (points)")
    ax.set_title("配对差异 Paired differences against the baseline (mean, 90% of replications)")
    return ax
