"""The three-year simulation: SimPy processes over numpy checkpoint state."""

from civsim.sim.model import prepare, simulate

__all__ = ["prepare", "simulate"]
