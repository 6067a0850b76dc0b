"""The simulation stage: SimPy events and numpy state over the cycle, one mechanism a module."""

from civsim.sim import mechanisms
from civsim.sim.engine import Prepared, Run, prepare, simulate
from civsim.sim.mechanisms.campaign import effort_profile
from civsim.sim.registry import Mechanism, register, unregister
from civsim.sim.tables import RunResult

__all__ = [
    "Mechanism",
    "Prepared",
    "Run",
    "RunResult",
    "effort_profile",
    "mechanisms",
    "prepare",
    "register",
    "simulate",
    "unregister",
]
