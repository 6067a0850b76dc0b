"""The comparison report: one self-contained HTML file.

:func:`render_report` turns a :class:`~civsim.results.Comparison` into HTML:
the comparison table, the figures (embedded as base64 PNG, so the file needs
nothing beside it) and the assumptions table: every parameter that differs
from its default, or whose source is an assumption, in each scenario.
:func:`write_report` writes it with the comparison tables as CSV, all or
nothing. Only the standard library builds the page (``html.escape``).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from pydantic import BaseModel

from civsim import plots
from civsim.city import City, build_city
from civsim.export import staged_folder, write_csv
from civsim.results import Comparison
from civsim.scenario import ASSUMPTION, Scenario, parameter_table
from civsim.tasks import workload

__all__ = ["assumptions_table", "comparison_table", "render_report", "write_report"]

#: Resolution of the embedded figures (dots per inch).
FIGURE_DPI = 100

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; margin: 1em 0; border: 1px solid #eee; }
.note { color: #555; font-size: 0.9em; }
.warning { color: #8a2a0b; background: #fff4e5; padding: 0.5em; border-left: 4px solid #d9480f; }
"""


def comparison_table(comparison: Comparison, scenarios: Sequence[Scenario] = ()) -> pd.DataFrame:
    """The comparison summary, rounded and labelled for reading.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario, optional
        Adds each scenario's Chinese title.

    Returns
    -------
    pandas.DataFrame
        One row per scenario; intervals written as ``low .. high``.
    """
    s = comparison.summary
    titles = {sc.name: sc.title_zh for sc in scenarios}
    out = pd.DataFrame(
        {
            "scenario": s.index,
            "title_zh": [titles.get(n, "") for n in s.index],
            "reps": s["reps"].to_numpy(),
            "cycle score": s["mean"].round(2).to_numpy(),
            "90% interval": [
                f"{lo:.2f} .. {hi:.2f}" for lo, hi in zip(s["low"], s["high"], strict=True)
            ],
            "difference vs baseline": s["difference"].round(2).to_numpy(),
            "difference 90%": [
                f"{lo:+.2f} .. {hi:+.2f}"
                for lo, hi in zip(s["difference_low"], s["difference_high"], strict=True)
            ],
            "title probability": s["title_probability"].round(2).to_numpy(),
            "quota line": s["quota_score"].round(2).to_numpy(),
            "spent (万元)": (s["yuan"] / plots.WAN).round(1).to_numpy(),
            "unspent, lines at cap (万元)": (s["unspent_yuan"] / plots.WAN).round(1).to_numpy(),
            "万元 per point": (s["yuan_per_point"] / plots.WAN).round(1).to_numpy(),
            "satisfaction": s["satisfaction"].round(3).to_numpy(),
            "open orders at end": s["open_orders"].round(1).to_numpy(),
            "late share": s["late_share"].round(3).to_numpy(),
        }
    )
    return out


def assumptions_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Every parameter changed from its default or resting on an assumption.

    Identical rows are listed once, naming their scenarios (``all`` when
    every scenario has it). Settings without a unit (a mode, a switch, a
    policy) are listed when they differ from their default.

    Parameters
    ----------
    scenarios : sequence of Scenario

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, path, value, default, unit, source``.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> camp = load_scenario("scenarios/campaign_mode.yaml")
    >>> t = assumptions_table([base, camp])
    >>> t.loc[t["path"] == "simulation.campaign.mode", ["scenario", "value"]].values.tolist()
    [['campaign_mode', 'campaign']]
    """
    columns = ["path", "value", "default", "unit", "source"]
    rows = [
        {"scenario": sc.name, **{k: str(r[k]) for k in columns}}
        for sc in scenarios
        for r in parameter_table(sc)
        if r["changed"] or r["source"].startswith(ASSUMPTION)
    ]
    for sc in scenarios:
        for name, section in sc:
            if isinstance(section, BaseModel):
                _changed_settings(section, name, sc, rows)
    table = pd.DataFrame(rows, columns=["scenario", *columns])
    everywhere = len(scenarios)
    grouped = table.groupby(columns, sort=False)["scenario"].agg(
        lambda names: "all" if names.nunique() == everywhere else ", ".join(dict.fromkeys(names))
    )
    return grouped.reset_index()[["scenario", *columns]]


def _changed_settings(model: BaseModel, path: str, sc: Scenario, rows: list[dict]) -> None:
    """Collect settings without a unit (modes, switches, policies) that differ from their default.

    :func:`civsim.scenario.parameter_table` lists the parameters with units;
    these choices matter as much to a reader of the report.
    """
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}.{name}"
        if isinstance(value, BaseModel):
            _changed_settings(value, where, sc, rows)
            continue
        extra = info.json_schema_extra
        has_unit = isinstance(extra, dict) and "unit" in extra
        scalar = isinstance(value, str | bool | int | float)
        if has_unit or not scalar or info.is_required() or value == info.default:
            continue
        rows.append(
            {
                "scenario": sc.name,
                "path": where,
                "value": str(value),
                "default": str(info.default),
                "unit": "",
                "source": sc.sources.get(where, info.description or ""),
            }
        )


def render_report(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    city: City | None = None,
    other_cities: Sequence[str] = (),
) -> str:
    """The whole report as one HTML page.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario
        The compared scenarios, baseline first (for titles, labels and assumptions).
    city : City, optional
        The baseline's city (built, or reused, when not given), for the chain and
        the load figures.
    other_cities : sequence of str
        Scenarios that are another place than the baseline: a warning says their
        differences compare places, not options.

    Returns
    -------
    str
    """
    base = scenarios[0]
    city = build_city(base) if city is None else city
    load = workload(base, city.tasks)
    res = comparison.results
    first = comparison.baseline
    figures: list[tuple[str, Callable[[Axes], Axes], tuple[float, float]]] = [
        ("Cycle score per scenario", lambda ax: plots.plot_cycle_scores(comparison, ax), (10, 5)),
        ("Shadow score over the cycle", lambda ax: plots.plot_shadow(res, ax), (11, 5)),
        ("Annual score by method", lambda ax: plots.plot_annual(res, ax), (12, 5)),
        (
            f"Special fund of {first}",
            lambda ax: plots.plot_budget(
                res.allocation[res.allocation["scenario"] == first], ax, scenario=base
            ),
            (8, 4.5),
        ),
        (
            f"Districts x items at the end of the cycle ({first})",
            lambda ax: plots.plot_district_items(res, ax, scenario=base),
            (9, 10),
        ),
        (
            f"Rectification queues ({first})",
            lambda ax: plots.plot_queues(res, ax, scenario=base),
            (11, 5),
        ),
        (
            f"Responsibility chain ({first})",
            lambda ax: plots.plot_chain(city.chain, ax),
            (16, 8),
        ),
        (
            f"Member units' load ({first})",
            lambda ax: plots.plot_unit_load(load, ax, scenario=base),
            (8, 7),
        ),
        (f"Grid workers' load ({first})", lambda ax: plots.plot_grid_worker_load(load, ax), (8, 4)),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>civsim: {html.escape(', '.join(comparison.scenarios))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>创建全国文明城市 scenario comparison</h1>",
        f'<p class="note">{len(comparison.scenarios)} scenarios, '
        f"{int(comparison.summary['reps'].iloc[0])} replications each on common random numbers "
        f"(replication i of every scenario draws from the same streams, so differences are "
        f"paired). Baseline: <b>{html.escape(first)}</b>. Intervals are the central 90% of "
        f"replications. 万元 per point is the yuan spent over the cycle divided by the mean "
        f"gain over the baseline, left empty where there is no gain. The quota line is the "
        f"cycle score with a one-in-two chance of the title against the scenario's peers.</p>",
        *(
            [
                f'<p class="warning">{html.escape(", ".join(other_cities))}: another city than '
                f"the baseline (other districts or residents). Their differences from "
                f"<b>{html.escape(first)}</b> compare two places, not what an option is worth."
                "</p>"
            ]
            if other_cities
            else []
        ),
        "<h2>Comparison</h2>",
        _table(comparison_table(comparison, scenarios)),
        "<h2>Figures</h2>",
    ]
    for caption, draw, size in figures:
        parts.append(f"<h3>{html.escape(caption)}</h3>")
        parts.append(_figure(draw, size))
    parts += [
        "<h2>Assumptions</h2>",
        '<p class="note">Every parameter that differs from its default, or whose source is an '
        "assumption; rows the same in every scenario are listed once as <i>all</i>.</p>",
        _table(assumptions_table(scenarios)),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    out: str | Path,
    city: City | None = None,
    other_cities: Sequence[str] = (),
) -> Path:
    """Write ``report.html`` and the comparison tables as CSV into ``out``, all or nothing.

    ``other_cities`` names compared scenarios that are another place than the
    baseline (:func:`civsim.city.other_cities`); the report says so.

    Returns
    -------
    Path
        The report file.
    """
    page = render_report(comparison, scenarios, city, other_cities)
    out = Path(out)
    with staged_folder(out) as tmp:
        (tmp / "report.html").write_text(page, encoding="utf-8")
        for name, table in comparison.tables().items():
            write_csv(table, tmp / f"{name}.csv")
    return out / "report.html"


def _figure(draw: Callable[[Axes], Axes], size: tuple[float, float]) -> str:
    """Draw a figure and return it as an embedded PNG ``<img>``."""
    fig, ax = plt.subplots(figsize=size)
    try:
        draw(ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _table(table: pd.DataFrame) -> str:
    """An HTML table with every cell escaped."""
    return table.to_html(index=False, escape=True, na_rep="—", border=0)
