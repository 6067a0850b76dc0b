"""Backlogs at the cycle's end in every shipped scenario (issue 11), not a speed benchmark.

Run from the repository root::

    .venv/bin/python benchmarks/backlogs.py [--reps 3] [scenarios/*.yaml]

For each scenario and replication, each holder's open orders at the end of the
cycle beside the orders it closed in the last 30 days; prints the holders whose
open orders exceed those closures (the rule: none should), and each scenario's
largest backlog.

The last 30 days are one draw: a holder closing a dozen orders a month can close
six in them by chance. So each holder over the rule is also shown beside its
closing rate (its closures in the cycle's last year, per 30 days), with how many
of its open orders still wait for their cooperating units (``ready`` after the
cycle's end) and the age of the oldest: orders in flight, not a backlog that grows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from civsim.experiments import replicate
from civsim.scenario import load_scenario

#: The window of closures a backlog is compared with (issue 11: "closes in 30 days").
WINDOW_DAYS = 30


def backlogs(orders: pd.DataFrame, days: int, days_per_year: int) -> pd.DataFrame:
    """Per replication and holder: open orders at the end, and what it closes in 30 days.

    ``closed_30d`` counts the orders closed in the last 30 days, ``rate_30d`` the
    closures of the cycle's last year per 30 days, ``waiting`` the open
    orders not yet ready (their cooperating units still to come) when the cycle ends,
    and ``oldest`` the days since the oldest open order was opened (0: none open).
    """
    is_open = orders["status"].isin(["open", "open_late"])
    closed = orders["closed"].where(~is_open)
    keys = [orders[k] for k in ("replication", "unit")]
    age = days - orders["opened"]
    table = pd.DataFrame(
        {
            "open": is_open.groupby(keys, observed=True).sum(),
            "waiting": (is_open & (orders["ready"] >= days)).groupby(keys, observed=True).sum(),
            "oldest": age.where(is_open, 0).groupby(keys, observed=True).max(),
            "closed_30d": (closed >= days - WINDOW_DAYS).groupby(keys, observed=True).sum(),
            "rate_30d": (closed >= days - days_per_year).groupby(keys, observed=True).sum()
            * WINDOW_DAYS
            / days_per_year,
        }
    )
    return table.reset_index()


def main() -> None:
    """Print the holders over the rule, and each scenario's largest backlog."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "scenarios", nargs="*", default=sorted(map(str, Path("scenarios").glob("*.yaml")))
    )
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    for path in args.scenarios:
        sc = load_scenario(path)
        result = replicate(sc, args.reps, executor="process")
        table = backlogs(result.orders, sc.cycle.days, sc.cycle.days_per_year)
        over = table[table["open"] > table["closed_30d"]]
        over_rate = table[table["open"] > table["rate_30d"]]
        top = table.sort_values("open").iloc[-1]
        print(
            f"{sc.name}: {len(over)} holder-replications over the rule "
            f"({len(over_rate)} over the closing rate); largest backlog "
            f"{top['unit']} {int(top['open'])} open vs {int(top['closed_30d'])} closed in 30 days"
        )
        for row in over.itertuples():
            print(
                f"    rep {row.replication} {row.unit}: {row.open} open "
                f"({row.waiting} waiting for cooperating units, the oldest opened "
                f"{row.oldest} days before the end), {row.closed_30d} closed "
                f"in the last 30 days, {row.rate_30d:.1f} per 30 days in the last year"
            )


if __name__ == "__main__":
    main()
