"""Backlogs at the cycle's end in every shipped scenario (issue 11), not a speed benchmark.

Run from the repository root::

    .venv/bin/python benchmarks/backlogs.py [--reps 3] [scenarios/*.yaml]

For each scenario and replication, each holder's open orders at the end of the
cycle beside the orders it closed in the last 30 days; prints the holders whose
open orders exceed those closures (the rule: none should), and each scenario's
largest backlog.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from civsim.experiments import replicate
from civsim.scenario import load_scenario

#: The window of closures a backlog is compared with (issue 11: "closes in 30 days").
WINDOW_DAYS = 30


def backlogs(orders: pd.DataFrame, days: int) -> pd.DataFrame:
    """Per replication and holder: open orders at the end, orders closed in the last 30 days."""
    is_open = orders["status"].isin(["open", "open_late"])
    recent = (orders["closed"] >= days - WINDOW_DAYS) & ~is_open
    keys = ["replication", "unit"]
    table = pd.DataFrame(
        {
            "open": is_open.groupby([orders[k] for k in keys], observed=True).sum(),
            "closed_30d": recent.groupby([orders[k] for k in keys], observed=True).sum(),
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
        table = backlogs(result.orders, sc.cycle.days)
        over = table[table["open"] > table["closed_30d"]]
        top = table.sort_values("open").iloc[-1]
        print(
            f"{sc.name}: {len(over)} holder-replications over the rule; largest backlog "
            f"{top['unit']} {int(top['open'])} open vs {int(top['closed_30d'])} closed in 30 days"
        )
        for row in over.itertuples():
            print(f"    rep {row.replication} {row.unit}: {row.open} open, {row.closed_30d} closed")


if __name__ == "__main__":
    main()
