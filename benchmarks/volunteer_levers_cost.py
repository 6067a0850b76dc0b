"""CPU seconds of the practice network's and the volunteer teams' own work per baseline replication.

Run from the repository root::

    .venv/bin/python benchmarks/volunteer_levers_cost.py

Neither lever runs a process of its own: the network tabulates its sites once per scenario
(prepare), adds its staff's hours (setup) and routes the cycle's requests once (called by the
volunteers' process); the teams lay their hours down at setup and count registrations and pay
recruitment at the end (finish). Each step is timed alone, median of 3, on the baseline with
both levers on. Not a test.
"""

from __future__ import annotations

import time

import numpy as np

from civsim.scenario import load_scenario, override
from civsim.sim import prepare
from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run
from civsim.sim.mechanisms import practice_network, volunteer_teams

#: Times each step is timed; the median is printed.
REPEATS = 3


def main() -> None:
    """Print the median CPU seconds of each step."""
    on = {"simulation.practice_network.enabled": True, "simulation.volunteer_teams.enabled": True}
    sc = override(load_scenario("scenarios/baseline.yaml"), on)
    prep = prepare(sc)
    steps = ("network prepare", "network setup", "network route", "teams setup", "teams finish")
    took: dict[str, list[float]] = {k: [] for k in steps}

    def timed(step: str, f, *args) -> None:
        t = time.process_time()
        f(*args)
        took[step].append(time.process_time() - t)

    for i in range(REPEATS):
        timed("network prepare", practice_network.MECHANISM.prepare, sc, prep.city, prep.allocation)
        run = Run(prep, replication_seed(sc.seed, i))
        vol = run.params.volunteers
        pop10k = run.ckp.district_population / 10_000
        arrivals = run.rng("volunteers").poisson(
            vol.requests_per_10k_per_day * pop10k[None, :], size=(run.days + 1, len(pop10k))
        )
        timed("network setup", practice_network.MECHANISM.setup, run)
        timed("network route", practice_network.route, run, arrivals)
        timed("teams setup", volunteer_teams.MECHANISM.setup, run)
        timed("teams finish", volunteer_teams.MECHANISM.finish, run)
    for step in steps:
        print(f"{step}: {np.median(took[step]):.4f} s")


if __name__ == "__main__":
    main()
