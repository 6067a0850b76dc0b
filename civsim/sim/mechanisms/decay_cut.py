"""A mechanism's standing cut of the daily decay at its checkpoints, held in the upkeep state.

Governance levers (the civilized-behaviour regulations, the integrity lists)
lower the decay of some checkpoints by a share that changes now and then (a
month, a publication). The cut is one more factor of the upkeep mechanism's
decay multiplier and its ``keep`` array
(:class:`civsim.sim.mechanisms.upkeep.UpkeepState`), and it is listed among
the upkeep state's ``decay_cuts``, so the daily pass is unchanged and a
funded ``decay`` line that starts or ends at the same checkpoints (which
rebuilds their multiplier from that list) keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from civsim.checkpoints import Checkpoints
from civsim.scenario import Scenario
from civsim.sim.engine import Run

__all__ = ["DecayCut", "exposed", "scale_decay"]


def exposed(scenario: Scenario, ckp: Checkpoints, idx: np.ndarray) -> np.ndarray:
    """Those of checkpoints ``idx`` a funded ``decay`` line of the scenario can reach.

    A line reaches the field checkpoints of its target place type, or of its
    target standard, in its districts (:mod:`.deliveries`); prepared once per
    scenario, for :meth:`DecayCut.listed`.
    """
    lines = scenario.budget.lines if scenario.budget is not None else ()
    decay = [ln for ln in lines if ln.effect == "decay" and ln.target is not None]
    types = [str(ln.target) for ln in decay if ln.target_kind == "place_type"]
    stds = [str(ln.target) for ln in decay if ln.target_kind == "standard"]
    reach = np.isin(ckp.place_type, np.flatnonzero(np.isin(ckp.place_types, types)))
    reach |= np.isin(ckp.standard, np.flatnonzero(np.isin(ckp.standards, stds)))
    return idx[reach[idx]]


@njit(cache=True, nogil=True)
def scale_decay(
    idx: np.ndarray,
    factor: float,
    decay: np.ndarray,
    decay_mult: np.ndarray,
    keep: np.ndarray,
) -> None:
    """Scale the decay of checkpoints ``idx`` (distinct) by ``factor`` from now on.

    ``decay_mult[i] *= factor`` in float32, then ``keep[i] = 1 - decay[j] *
    decay_mult[i]`` in float64, stored as float32 (``decay[j]`` the decay of
    ``idx[j]``): the values of the numpy steps ``m = decay_mult[idx] *
    np.float32(factor); decay_mult[idx] = m; keep[idx] = 1.0 - decay * m``, in
    one pass instead of five over fancy-indexed copies.

    Examples
    --------
    >>> mult, keep = np.ones(3, np.float32), np.zeros(3, np.float32)
    >>> scale_decay(np.array([0, 2]), 0.5, np.array([0.1, 0.2]), mult, keep)
    >>> mult.tolist(), [round(float(k), 3) for k in keep]
    ([0.5, 1.0, 0.5], [0.95, 0.0, 0.9])
    """
    f = np.float32(factor)
    for j in range(len(idx)):
        i = idx[j]
        m = decay_mult[i] * f
        decay_mult[i] = m
        keep[i] = np.float32(1.0 - decay[j] * np.float64(m))


@dataclass
class DecayCut:
    """The share of decay removed at some checkpoints, as it stands in one replication.

    Attributes
    ----------
    idx : numpy.ndarray
        The checkpoints.
    decay : numpy.ndarray
        Their daily decay (the checkpoints' own).
    cut : float
        The share of decay removed now (0: none).
    key : int
        The cut's key in the upkeep state's ``decay_cuts``, whose entry is
        ``(checkpoints, 1 - cut)``: those of ``idx`` a funded ``decay`` line can reach.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> from civsim.sim import prepare
    >>> from civsim.sim.draws import replication_seed
    >>> sc = load_scenario("scenarios/county_nominee.yaml")
    >>> run = Run(prepare(sc), replication_seed(1, 0))
    >>> cut = DecayCut.listed(run, np.arange(3), exposed(sc, run.ckp, np.arange(3)))
    >>> cut.set(run, 0.5)
    >>> bool(np.allclose(run["upkeep"].keep[:3], 1 - run.ckp.decay[:3] / 2))
    True
    """

    idx: np.ndarray
    decay: np.ndarray
    cut: float
    key: int

    @classmethod
    def listed(cls, run: Run, idx: np.ndarray, reached: np.ndarray) -> DecayCut:
        """No cut yet at ``idx``, listed among the upkeep state's decay cuts.

        The list's entry names only ``reached``, those of ``idx`` a funded
        ``decay`` line can reach (:func:`exposed`): the upkeep mechanism intersects
        each entry with a line's checkpoints when the line ends, and the whole of
        ``idx`` would make that cost a hundred times more.
        """
        key = run["upkeep"].list_cut(reached, 1.0)
        return cls(idx=idx, decay=run.ckp.decay[idx], cut=0.0, key=key)

    def set(self, run: Run, cut: float) -> None:
        """Remove ``cut`` (0..1, below 1) of the daily decay at the checkpoints from now on."""
        if cut == self.cut:
            return
        up = run["upkeep"]
        reached, old = up.decay_cuts[self.key]
        scale_decay(self.idx, (1.0 - cut) / old, self.decay, up.decay_mult, up.keep)
        up.decay_cuts[self.key] = (reached, 1.0 - cut)  # in its place: the rebuild's order
        self.cut = cut
