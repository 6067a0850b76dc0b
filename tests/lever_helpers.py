"""What the tests of the switchable mechanisms share: a mechanism switched on, a fresh replication.

Each such mechanism (the governance levers, the civilization index) has a
``simulation.<section>`` with ``enabled`` and its own settings; its tests switch
it on with some settings changed and look at a replication before its first day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from civsim.scenario import Scenario, override
from civsim.sim import prepare
from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run


def switch(section: str) -> Callable[..., Scenario]:
    """A function giving a scenario with ``section`` on and settings changed by name."""

    def on(sc: Scenario, **changes: Any) -> Scenario:
        return override(
            sc, {f"{section}.enabled": True, **{f"{section}.{k}": v for k, v in changes.items()}}
        )

    return on


def fresh_run(sc: Scenario) -> Run:
    """A fresh replication of ``sc`` before its first day (every setup done)."""
    prep = prepare(sc)
    return Run(prep, replication_seed(prep.scenario.seed, 0))
