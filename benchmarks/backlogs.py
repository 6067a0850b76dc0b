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
``civsim check --only backlogs_close`` asserts the rule per holder over the
replications (:func:`civsim.reality.backlogs_close`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from civsim.experiments import replicate
from civsim.reality import BACKLOG_WINDOW_DAYS
from civsim.scenario import load_scenario
from civsim.statistics import holder_backlogs


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
        table = holder_backlogs(result, sc, BACKLOG_WINDOW_DAYS)
        over = table[table["excess"] > 0]
        over_rate = table[table["open"] > table["rate"]]
        top = table.sort_values("open").iloc[-1]
        print(
            f"{sc.name}: {len(over)} holder-replications over the rule "
            f"({len(over_rate)} over the closing rate); largest backlog "
            f"{top['unit']} {int(top['open'])} open vs {int(top['closed'])} closed in 30 days"
        )
        for row in over.itertuples():
            print(
                f"    rep {row.replication} {row.unit}: {row.open} open "
                f"({row.waiting} waiting for cooperating units, the oldest opened "
                f"{row.oldest} days before the end), {row.closed} closed "
                f"in the last 30 days, {row.rate:.1f} per 30 days in the last year"
            )


if __name__ == "__main__":
    main()
