"""The condition of every checkpoint in one replication, as mechanisms share it.

The checkpoint structure (:class:`civsim.checkpoints.Checkpoints`) is built
once per city and read-only; :class:`State` holds what a replication changes
that more than one mechanism reads: the condition, the open defects that cap
it, which checkpoints have an open rectification order, and the funded lifts
on top of the condition.
What only one mechanism uses lives in that mechanism's own state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from civsim.checkpoints import Checkpoints
from civsim.sim import kernels

__all__ = ["State"]


@dataclass
class State:
    """The shared checkpoint state of one replication.

    Attributes
    ----------
    env : simpy.Environment
        The replication's clock.
    condition : numpy.ndarray of float32
        Condition (0..1) of every checkpoint, before funded lifts.
    defect : numpy.ndarray of float32
        Severity of the checkpoint's open defect (0: none): routine upkeep
        restores the condition only up to ``1 - defect`` until it is fixed
        (:mod:`civsim.sim.mechanisms.defects`).
    has_order : numpy.ndarray of bool
        A rectification order is open for the checkpoint.
    threshold : float
        Compliance threshold: below it a checkpoint is a problem.
    lift_size, lift_start, lift_days, is_lifted : numpy.ndarray
        Funded lifts: a ``condition`` line lifts its checkpoints by
        ``lift_size`` from ``lift_start``, fading linearly over ``lift_days``.
    """

    env: simpy.Environment
    condition: np.ndarray
    has_order: np.ndarray
    threshold: float
    lift_size: np.ndarray
    lift_start: np.ndarray
    lift_days: np.ndarray
    is_lifted: np.ndarray
    defect: np.ndarray
    _lift_idx: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def fresh(cls, env: simpy.Environment, condition: np.ndarray, threshold: float) -> State:
        """A state with no defects, no orders and no lifts."""
        n = len(condition)
        return cls(
            env=env,
            condition=condition,
            has_order=np.zeros(n, dtype=bool),
            threshold=threshold,
            lift_size=np.zeros(n, dtype=np.float32),
            lift_start=np.zeros(n, dtype=np.int64),
            lift_days=np.ones(n, dtype=np.int64),
            is_lifted=np.zeros(n, dtype=bool),
            defect=np.zeros(n, dtype=np.float32),
            _lift_idx=np.empty(0, dtype=np.int64),
        )

    @property
    def today(self) -> int:
        """The simulated day."""
        return int(self.env.now)

    def add_lift(self, idx: np.ndarray, size: float, days: int, day: int) -> None:
        """Top up the lift of checkpoints ``idx`` by ``size`` from ``day``, fading over ``days``."""
        kernels.add_lift(
            np.asarray(idx, dtype=np.int64),
            size,
            max(days, 1),
            self.lift_size,
            self.lift_start,
            self.lift_days,
            self.is_lifted,
            day,
        )
        self._lift_idx = None  # listed again when next needed

    @property
    def lift_idx(self) -> np.ndarray:
        """Checkpoints with a lift still running on ``today`` (ended lifts are dropped here)."""
        if self._lift_idx is None:
            li = np.flatnonzero(self.is_lifted)
            ended = self.today - self.lift_start[li] >= self.lift_days[li]
            self.is_lifted[li[ended]] = False
            self._lift_idx = li[~ended]
        return self._lift_idx

    def _lifts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """The condition and the lift arrays, with today: what the lift kernels read."""
        return (
            self.condition,
            self.lift_size,
            self.lift_start,
            self.lift_days,
            self.is_lifted,
            self.today,
        )

    def lifted(self, idx: np.ndarray) -> np.ndarray:
        """The lifted condition at ``idx`` today (:func:`civsim.sim.kernels.lifted`)."""
        return kernels.lifted(np.asarray(idx, dtype=np.int64), *self._lifts())

    def effective(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Condition as residents and inspectors see it: the state plus any funded lift.

        Only lifted checkpoints (``lift_idx``) are patched, so this stays cheap.
        """
        c = self.condition
        if not len(self.lift_idx):
            return c if idx is None else c[idx]
        if idx is None:
            out = c.copy()
            out[self.lift_idx] = self.lifted(self.lift_idx)
            return out
        return self.lifted(idx)

    def problems(self, candidates: np.ndarray) -> np.ndarray:
        """The candidates with an open defect or a condition below the compliance threshold.

        A funded lift only raises the condition (and hides no defect), so
        candidates without a defect and above the threshold unlifted are
        dropped before the lift is looked up.
        """
        flawed = self.defect[candidates] > 0
        low = self.condition[candidates] < self.threshold
        candidates, flawed = candidates[flawed | low], flawed[flawed | low]
        return candidates[flawed | (self.effective(candidates) < self.threshold)]

    def record(self, ckp: Checkpoints) -> np.ndarray:
        """Today's shadow score groups, then mean condition per (district, place type).

        See :meth:`civsim.checkpoints.Checkpoints.record`; the condition is
        :meth:`effective`.
        """
        li = self.lift_idx
        if not len(li):
            return ckp.record(self.condition)
        delta = kernels.lift_sums(li, *self._lifts(), ckp.run_of, len(ckp.run_starts))
        return ckp.record(self.condition, delta)
