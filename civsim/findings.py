"""Findings for a comparison's executive summary: verdicts, costs and warnings, as tables.

The report (:mod:`civsim.report`) words these in Chinese or English; here
they are data, so the rules that decide what a reader is told are tested
apart from the wording. :func:`verdicts` says which options beat the baseline
and what their gain costs; :func:`warnings` lists what a reader must not
miss: growing or oversized rectification backlogs, late orders, gains that
cannot be told from zero, too few replications and scenarios of another city.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from civsim.city import City, build_city
from civsim.governance_progress import progress
from civsim.places import build_territory
from civsim.results import SAME_SPEND_YUAN, Comparison
from civsim.scenario import ASSUMPTION, Scenario, parameter_table
from civsim.staffing import grid_staffing, staffing_totals

__all__ = [
    "BACKLOG_GROWTH",
    "LATE_SHARE_WARNING",
    "MIN_REPS",
    "backlog",
    "campaign_staff",
    "differences",
    "verdicts",
    "warnings",
]

#: A queue this many times longer in the cycle's final third than in its middle third is
#: growing: after the first year's ramp-up a working rectification system holds its queue
#: level (the shipped scenarios stay within 1% of it), so a tenth more is a trend, not noise.
BACKLOG_GROWTH = 1.1
#: More than one order in four closed late or still open past its deadline: the deadline no
#: longer paces the work, and the evaluators' re-checks find unrectified problems.
LATE_SHARE_WARNING = 0.25
#: Fewer replications than this make the shares and intervals rough (with 20, one
#: replication moves a share by 5 points): the summary says so.
MIN_REPS = 20


def verdicts(comparison: Comparison) -> pd.DataFrame:
    """Each option against the baseline: better, worse or not told apart, and what it costs.

    An option is ``better`` when the central interval of its paired differences lies
    above zero, ``worse`` when it lies below, ``unclear`` otherwise. Its cost is
    ``priced`` (extra yuan per extra point, ``extra_yuan_per_point``), ``same_spend``,
    ``cheaper`` (a gain for less money), ``unclear`` (no gain shown to price) or
    ``no_gain``.

    Parameters
    ----------
    comparison : Comparison

    Returns
    -------
    pandas.DataFrame
        One row per option (the baseline left out), in order: ``scenario, verdict,
        difference, difference_low, difference_high, beat_share`` (share of replications
        scoring above the baseline's same replication), ``title_probability,
        title_change`` (against the baseline's), ``extra_yuan, extra_yuan_per_point, cost``.

    Examples
    --------
    >>> from civsim.results import Comparison
    >>> s = pd.DataFrame({"difference": [0.0, 1.5, 0.2], "difference_low": [0.0, 1.0, -0.5],
    ...     "difference_high": [0.0, 2.0, 0.9], "title_probability": [0.5, 0.75, 0.5],
    ...     "extra_yuan": [0.0, 0.0, 900.0], "extra_yuan_per_point": [np.nan] * 3},
    ...     index=pd.Index(["base", "a", "b"], name="scenario"))
    >>> reps = pd.DataFrame({"scenario": ["a", "a", "b", "b"], "difference": [1, 2, -1, 1]})
    >>> v = verdicts(Comparison(None, "base", reps, s))
    >>> v[["scenario", "verdict", "beat_share", "cost"]].values.tolist()
    [['a', 'better', 1.0, 'same_spend'], ['b', 'unclear', 0.5, 'unclear']]
    """
    s = comparison.summary
    options = s.drop(index=comparison.baseline)
    reps = comparison.replications
    beat = (reps["difference"] > 0).groupby(reps["scenario"]).mean()
    verdict = np.select(
        [options["difference_low"] > 0, options["difference_high"] < 0],
        ["better", "worse"],
        "unclear",
    )
    extra = options["extra_yuan"]
    cost = np.select(
        [
            verdict == "worse",
            verdict == "unclear",
            extra.abs() < SAME_SPEND_YUAN,
            extra < 0,
        ],
        ["no_gain", "unclear", "same_spend", "cheaper"],
        "priced",
    )
    base_title = float(s["title_probability"].loc[comparison.baseline])
    return pd.DataFrame(
        {
            "scenario": options.index,
            "verdict": verdict,
            "difference": options["difference"].to_numpy(),
            "difference_low": options["difference_low"].to_numpy(),
            "difference_high": options["difference_high"].to_numpy(),
            "beat_share": beat.reindex(options.index).to_numpy(),
            "title_probability": options["title_probability"].to_numpy(),
            "title_change": (options["title_probability"] - base_title).to_numpy(),
            "extra_yuan": extra.to_numpy(),
            "extra_yuan_per_point": options["extra_yuan_per_point"].to_numpy(),
            "cost": cost,
        }
    )


#: Top-level fields that name or describe a scenario rather than set it.
_LABELS = ("name", "title_zh", "description", "sources")


def differences(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Every setting in which an option differs from the baseline (the first scenario).

    Parameters
    ----------
    scenarios : sequence of Scenario
        The baseline first.

    Returns
    -------
    pandas.DataFrame
        One row per option and setting: ``scenario, path, baseline, value`` (as
        text) and ``assumed`` (the option's source for it is an assumption, not a
        document or data).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> more = load_scenario("scenarios/more_grid_workers.yaml")
    >>> d = differences([base, more])
    >>> d.loc[d["path"].str.endswith("per_grid"), ["baseline", "value", "assumed"]].values.tolist()
    [['2.6', '3.5', True]]
    """
    base = dict(_leaves(scenarios[0].model_dump(mode="json")))
    rows = []
    for sc in scenarios[1:]:
        sources = {r["path"]: r["source"] for r in parameter_table(sc)} | sc.sources
        mine = dict(_leaves(sc.model_dump(mode="json")))
        for path in dict.fromkeys([*base, *mine]):
            if path.split(".")[0] in _LABELS or base.get(path) == mine.get(path):
                continue
            assumed = str(sources.get(path, "")).startswith(ASSUMPTION)
            rows.append((sc.name, path, str(base.get(path, "")), str(mine.get(path, "")), assumed))
    return pd.DataFrame(rows, columns=["scenario", "path", "baseline", "value", "assumed"])


def _leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths and values of a nested dump's scalars (list items by index)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, f"{prefix}{i}.")
    else:
        yield prefix[:-1], data


def backlog(comparison: Comparison) -> pd.DataFrame:
    """Each scenario's rectification backlog: its level at the end, its trend, its deadline.

    Returns
    -------
    pandas.DataFrame
        Indexed by scenario: ``open_orders`` (open at the end, mean over replications),
        ``orders_per_day`` (orders issued a day), ``backlog_days`` (the open orders in
        days of new orders), ``deadline_days`` (the median days an order is given),
        ``growth`` (mean queue over the cycle's final third over that of its middle
        third; NaN without queue records) and ``late_share``.
    """
    res = comparison.results
    names = comparison.scenarios
    orders = res.orders
    # the replications whose tables are here: a comparison of many keeps only the first few
    reps = res.cycle.groupby("scenario", observed=True).size().reindex(names)
    if len(orders):
        issued = orders.groupby("scenario", observed=True).size().reindex(names, fill_value=0)
        span = orders.groupby("scenario", observed=True)["opened"].max().reindex(names) + 1
        per_day = issued / reps / span
        deadline = (
            (orders["deadline"] - orders["opened"])
            .groupby(orders["scenario"], observed=True)
            .median()
        )
    else:
        per_day = pd.Series(np.nan, index=names)
        deadline = pd.Series(np.nan, index=names)
    queue = res.workload
    if len(queue):
        total = (
            queue.groupby(["scenario", "replication", "day"], observed=True)["queue"]
            .sum()
            .groupby(["scenario", "day"], observed=True)
            .mean()
            .reset_index()
        )
        last = total["day"].max()
        third = pd.cut(total["day"], [-1, last / 3, 2 * last / 3, last], labels=[0, 1, 2])
        by_third = total.groupby(["scenario", third], observed=True)["queue"].mean().unstack()
        growth = (by_third[2] / by_third[1].where(by_third[1] > 0)).reindex(names)
    else:
        growth = pd.Series(np.nan, index=names)
    s = comparison.summary
    out = pd.DataFrame(
        {
            "open_orders": s["open_orders"],
            "orders_per_day": per_day.reindex(names).to_numpy(),
            "deadline_days": deadline.reindex(names).to_numpy(),
            "growth": growth.to_numpy(),
            "late_share": s["late_share"],
        },
        index=s.index,
    )
    out.insert(2, "backlog_days", out["open_orders"] / out["orders_per_day"])
    return out


def warnings(
    comparison: Comparison,
    other_cities: Sequence[str] = (),
    scenarios: Sequence[Scenario] = (),
    city: City | None = None,
) -> pd.DataFrame:
    """What a reader must not miss, one row per scenario and kind.

    Kinds: ``growing_backlog`` (queue growth at least :data:`BACKLOG_GROWTH`),
    ``large_backlog`` (more open orders at the end than the orders issued within one
    deadline), ``late`` (late share at least :data:`LATE_SHARE_WARNING`),
    ``unclear`` (an option whose difference interval crosses zero),
    ``few_reps`` (fewer than :data:`MIN_REPS` replications; scenario ``""``),
    ``other_city``, ``plan_behind`` (the urban-village plan short of a year's target
    in some district: the value is the plan years short), ``projects_overdue``
    (key projects past their deadline and not done at a yearly review: the value is
    their number over the cycle, a mean over the replications) and
    ``grid_workers_misplaced`` (the baseline's grids lack grid workers for their
    field hours while others have more than theirs need: the value is the workers
    short, the limit those spare; :func:`civsim.staffing.grid_staffing`) and
    ``staff_not_in_fund`` (a scenario of the baseline's city that puts more people on
    campaign work, whose pay the special fund and so the compared spending leave
    out: the value is the extra people, the limit the baseline's; :func:`campaign_staff`).

    Parameters
    ----------
    comparison : Comparison
    other_cities : sequence of str
        Scenarios of another place than the baseline.
    scenarios : sequence of Scenario
        The compared scenarios, for which levers each runs and the plan's targets
        (no ``plan_behind``, ``projects_overdue``, ``grid_workers_misplaced`` or
        ``staff_not_in_fund`` without them).
    city : City, optional
        The baseline's city (``scenarios[0]``'s), when at hand: built again otherwise.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, kind, value, limit``: the measured value and the limit it
        passed (NaN where none applies).
    """
    rows: list[tuple[str, str, float, float]] = []
    for name, b in backlog(comparison).to_dict("index").items():
        if b["growth"] >= BACKLOG_GROWTH:
            rows.append((str(name), "growing_backlog", b["growth"], BACKLOG_GROWTH))
        if b["backlog_days"] > b["deadline_days"]:
            rows.append((str(name), "large_backlog", b["backlog_days"], b["deadline_days"]))
        if b["late_share"] >= LATE_SHARE_WARNING:
            rows.append((str(name), "late", b["late_share"], LATE_SHARE_WARNING))
    for v in verdicts(comparison).to_dict("records"):
        if v["verdict"] == "unclear":
            rows.append((v["scenario"], "unclear", v["difference"], 0.0))
    reps = int(comparison.summary["reps"].min())
    if reps < MIN_REPS:
        rows.append(("", "few_reps", float(reps), float(MIN_REPS)))
    rows += [(name, "other_city", np.nan, np.nan) for name in other_cities]
    tables = progress(comparison.results, scenarios)
    if "villages" in tables:
        plan = tables["villages"]
        for name, years in plan[plan["behind"] > 0].groupby("scenario", sort=False):
            rows.append((str(name), "plan_behind", float(len(years)), 0.0))
    if "projects" in tables:
        overdue = tables["projects"].groupby("scenario", sort=False)["late_at_review"].sum()
        for name, n in overdue[overdue > 0].items():
            rows.append((str(name), "projects_overdue", float(n), 0.0))
    if scenarios:
        base = scenarios[0]
        city = build_city(base) if city is None else city
        totals = staffing_totals(grid_staffing(base, city.tasks, city.territory))
        short, spare = totals["workers_short"], totals["spare_workers"]
        if short > 0 and spare > 0:
            rows.append((base.name, "grid_workers_misplaced", float(short), float(spare)))
        people = campaign_staff(base)
        for s in scenarios[1:]:
            extra = campaign_staff(s) - people if s.name not in other_cities else 0
            if extra > 0:
                rows.append((s.name, "staff_not_in_fund", float(extra), float(people)))
    return pd.DataFrame(rows, columns=["scenario", "kind", "value", "limit"])


def campaign_staff(scenario: Scenario) -> int:
    """The people a scenario puts on campaign work: grid workers, street, community and unit staff.

    None of them is paid from the special fund, so a scenario with more of them
    costs more than its spending says (:func:`warnings`' ``staff_not_in_fund``).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> more = load_scenario("scenarios/more_grid_workers.yaml")
    >>> campaign_staff(more) - campaign_staff(base)  # grid workers hired
    4825
    """
    t = build_territory(scenario)
    return int(
        t.grids["grid_workers"].sum()
        + t.streets["staff"].sum()
        + t.communities["staff"].sum()
        + sum(u.staff for u in scenario.organisation.units)
    )
