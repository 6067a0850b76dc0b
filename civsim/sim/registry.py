"""The mechanisms of the simulation, registered in one place.

A mechanism is one module of :mod:`civsim.sim.mechanisms` (or a module of
your own) that calls :func:`register` with a :class:`Mechanism`: what it
prepares once per scenario, the state it keeps per replication, the SimPy
processes it starts, the random streams it draws from, the kinds of event it
counts, what it does at each year's end, and, for a fundable effect, the
delivery handler of that effect. :func:`civsim.sim.simulate` runs every
registered mechanism that is switched on, in registration order (which is
the order of its processes within a simulated day).

Examples
--------
A toy mechanism that counts one event a week::

    >>> def weekly(env, run):
    ...     while True:
    ...         run.count("toy_tick", 1)
    ...         yield env.timeout(7)
    >>> def start(env, run):
    ...     env.process(weekly(env, run))
    >>> toy = register(Mechanism("toy", start=start, events=("toy_tick",)))
    >>> "toy_tick" in event_kinds()
    True
    >>> unregister("toy")
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd
import simpy
from pydantic import BaseModel

from civsim.city import City
from civsim.errors import CivsimError
from civsim.scenario import Scenario

__all__ = [
    "EffectHandler",
    "Mechanism",
    "Process",
    "effect_handlers",
    "effect_owners",
    "event_kinds",
    "mechanisms",
    "register",
    "unregister",
]

#: A SimPy process: a generator of events.
Process = Generator[simpy.Event, Any, None]
#: A replication's context, :class:`civsim.sim.engine.Run`. Typed loosely here because the
#: engine imports this module (and a cycle is not allowed, not even for type checking).
Run = Any
#: Deliver ``units`` of a funded line (a :class:`~civsim.sim.mechanisms.deliveries.Delivery`)
#: on checkpoints ``idx`` from ``day`` until ``end``: ``handler(run, delivery, idx, units,
#: day, end)``.
EffectHandler = Callable[[Run, Any, Any, int, int, int], None]


@dataclass(frozen=True)
class Mechanism:
    """What one mechanism adds to a replication.

    Parameters
    ----------
    name : str
        Unique; its per-scenario data is ``prep.parts[name]`` and its
        per-replication state ``run[name]``.
    prepare : callable, optional
        ``prepare(scenario, city, allocation) -> data``: what every replication
        of a scenario shares (read-only).
    setup : callable, optional
        ``setup(run) -> state``: the mechanism's state in one replication.
        Every mechanism's state is set up before any process starts.
    start : callable, optional
        ``start(env, run)``: starts the mechanism's SimPy processes
        (generator functions, ``env`` first) with ``env.process``, once per
        replication, after every setup. Processes started earlier run first
        within a simulated day.
    year_end : callable, optional
        ``year_end(run, year)``: called by the evaluation at the end of each
        evaluation year, after the year's scores, in registration order.
    finish : callable, optional
        ``finish(run)``: after the cycle, puts into ``run.records`` what only
        this mechanism knows (the tables are built from the records alone).
    streams : tuple of str
        Random streams it draws from (``run.rng(name)``), by name.
    events : tuple of str
        Kinds of event it counts (``run.count(kind, n)``), rows of the events table.
    effects : mapping of str to EffectHandler
        Fundable effects it delivers (a budget line's ``effect``): each
        delivery of ``units`` calls the handler; ``line_<effect>`` is counted.
    params : pydantic model class, optional
        For a mechanism outside the core: the model of its parameters under
        ``simulation.mechanisms.<name>`` in a scenario.
    enabled : callable, optional
        ``enabled(scenario) -> bool``; by default a core mechanism is always on
        and one with ``params`` is on when its section is present and its
        ``enabled`` field (if any) is true.
    """

    name: str
    prepare: Callable[[Scenario, City, pd.DataFrame], Any] | None = None
    setup: Callable[[Run], Any] | None = None
    start: Callable[[simpy.Environment, Run], None] | None = None
    year_end: Callable[[Run, int], None] | None = None
    finish: Callable[[Run], None] | None = None
    streams: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    effects: Mapping[str, EffectHandler] = field(default_factory=dict)
    params: type[BaseModel] | None = None
    enabled: Callable[[Scenario], bool] | None = None

    def is_on(self, scenario: Scenario) -> bool:
        """Whether the mechanism runs in the scenario."""
        if self.enabled is not None:
            return self.enabled(scenario)
        if self.params is None:
            return True
        settings = scenario.simulation.mechanisms.get(self.name)
        return settings is not None and bool(getattr(settings, "enabled", True))


_registry: dict[str, Mechanism] = {}


def register(mechanism: Mechanism) -> Mechanism:
    """Add a mechanism after those registered before it.

    Raises
    ------
    CivsimError
        If the name, one of its event kinds or one of its effects is taken.
    """
    if mechanism.name in _registry:
        raise CivsimError(f"a mechanism named {mechanism.name!r} is already registered")
    kinds = set(event_kinds())
    taken = [k for k in mechanism.events if k in kinds]
    taken += [e for e in mechanism.effects if e in effect_handlers()]
    if taken:
        raise CivsimError(f"mechanism {mechanism.name!r}: {', '.join(taken)} already registered")
    if mechanism.params is not None:
        from civsim.scenario import register_mechanism_params

        register_mechanism_params(mechanism.name, mechanism.params)
    _registry[mechanism.name] = mechanism
    return mechanism


def unregister(name: str) -> None:
    """Remove a mechanism (for tests and notebooks that define their own)."""
    mechanism = _registry.pop(name)
    if mechanism.params is not None:
        from civsim.scenario import unregister_mechanism_params

        unregister_mechanism_params(name)


def mechanisms() -> Mapping[str, Mechanism]:
    """The registered mechanisms by name, in registration order (read-only)."""
    return MappingProxyType(_registry)


def effect_handlers() -> dict[str, EffectHandler]:
    """Every fundable effect's delivery handler, in registration order."""
    return {e: h for m in _registry.values() for e, h in m.effects.items()}


def effect_owners() -> dict[str, str]:
    """The mechanism that owns each fundable effect, by effect."""
    return {e: m.name for m in _registry.values() for e in m.effects}


def event_kinds() -> tuple[str, ...]:
    """Every kind of event counted: each mechanism's own, then ``line_<effect>`` per effect."""
    own = tuple(k for m in _registry.values() for k in m.events)
    return own + tuple(f"line_{e}" for e in effect_handlers())
