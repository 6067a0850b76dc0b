"""Residents' waits for volunteers with and without the practice network: routing and queue apart.

Run from the repository root::

    .venv/bin/python benchmarks/network_waits.py [--reps 3] [scenarios/X.yaml ...]

For each scenario (default: the baseline and mobilisation), with the network
off and on (``simulation.practice_network.enabled``), the mean over
replications ``0..reps-1`` of:

- ``wait``: days waited per request answered (served or given up), the
  ``volunteer_wait`` statistic of ``civsim check``;
- ``routing``: of those, the days spent reaching a volunteer team: through the
  network's levels (each level's requests times its response days), or without
  it the district's ``volunteers.dispatch_days`` for every request (those made in
  the cycle's last days included, so slightly over);
- ``queue``: the rest, waiting in the district's queue for volunteer-hours;
- the requests each level took up.

Without the network a request joins its district's queue ``dispatch_days``
after it is made; with it, its level's response days come first (0 at a 站),
and the sites' staff add hours every day. The script shows how much of each
wait is reaching a team and how much is the queue. Before the district's
dispatch took a day, it took none, and where the volunteers already answered
within a fraction of a day (mobilisation's extra hours) the network's routing
outweighed the queue it removed. Not a test.
"""

from __future__ import annotations

import argparse

import pandas as pd

from civsim.scenario import load_scenario, override
from civsim.scenario.schema.practice_network import LEVELS
from civsim.sim import prepare, simulate


def waits(path: str, on: bool, reps: int) -> dict:
    """One scenario's waits with the network ``on`` or off, the mean over ``reps`` replications."""
    sc = load_scenario(path)
    variant = override(sc, {"simulation.practice_network.enabled": on})
    prep = prepare(variant)
    days = variant.simulation.practice_network.response_days()
    rows = []
    for r in range(reps):
        events = simulate(prep, replication=r).events.groupby("kind")["count"].sum()
        answered = events.get("volunteer_served", 0) + events.get("volunteer_request_dropped", 0)
        taken = {level: events.get(f"practice_request_{level}", 0) for level in LEVELS}
        routing = sum(taken[level] * days[level] for level in LEVELS)
        if not on:  # the district dispatches every request, its days before the queue
            routing = (
                events.get("volunteer_request", 0) * variant.simulation.volunteers.dispatch_days
            )
        wait = events.get("volunteer_wait_days", 0) / answered
        rows.append(
            {
                "wait": wait,
                "routing": routing / answered,
                "queue": wait - routing / answered,
                **{f"by_{level}": taken[level] for level in LEVELS},
            }
        )
    return {"scenario": sc.name, "network": on, **pd.DataFrame(rows).mean().to_dict()}


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenarios", nargs="*", default=["scenarios/baseline.yaml",
                                                      "scenarios/mobilisation.yaml"])  # fmt: skip
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    table = pd.DataFrame([waits(p, on, args.reps) for p in args.scenarios for on in (False, True)])
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False, float_format="{:.4f}".format))


if __name__ == "__main__":
    main()
