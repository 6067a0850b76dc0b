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
    lift_size, lift_group, is_lifted : numpy.ndarray
        Funded lifts: a ``condition`` line lifts its checkpoints by
        ``lift_size``, fading linearly over its days from its first. The lifts
        delivered on one day with the same days are one group
        (``lift_group``), whose first day and days are ``group_start`` and
        ``group_days``: what is left of a lift is its group's share
        (:meth:`shares`), computed once a day per group, not per checkpoint.
    group_start, group_days : numpy.ndarray of int64
        Each group's first day and days.
    """

    env: simpy.Environment
    condition: np.ndarray
    has_order: np.ndarray
    threshold: float
    lift_size: np.ndarray
    lift_group: np.ndarray
    is_lifted: np.ndarray
    defect: np.ndarray
    group_start: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    group_days: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    _groups: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)
    _shares: tuple[int, np.ndarray] | None = field(default=None, repr=False)  # (day, shares)
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
            lift_group=np.zeros(n, dtype=np.int32),
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
        days = max(days, 1)
        group = self._groups.get((day, days))
        if group is None:
            group = self._groups[(day, days)] = len(self.group_start)
            self.group_start = np.append(self.group_start, day)
            self.group_days = np.append(self.group_days, days)
            self._shares = None  # a new group: its share is not among those computed
        kernels.add_lift(
            np.asarray(idx, dtype=np.int64),
            size,
            group,
            self.lift_size,
            self.lift_group,
            self.shares(day),
            self.is_lifted,
        )
        self._lift_idx = None  # listed again when next needed

    def shares(self, day: int) -> np.ndarray:
        """What is left on ``day`` of each group's lifts (:func:`.kernels.lift_shares`)."""
        if self._shares is None or self._shares[0] != day:
            self._shares = (day, kernels.lift_shares(self.group_start, self.group_days, day))
        return self._shares[1]

    @property
    def lift_idx(self) -> np.ndarray:
        """Checkpoints with a lift still running on ``today`` (ended lifts are dropped here)."""
        if self._lift_idx is None:
            li = np.flatnonzero(self.is_lifted)
            ended = (self.today - self.group_start >= self.group_days)[self.lift_group[li]]
            self.is_lifted[li[ended]] = False
            self._lift_idx = li[~ended]
        return self._lift_idx

    def lifts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The lifts as they stand today, as the kernels read them: size, group, share, on."""
        return self.lift_size, self.lift_group, self.shares(self.today), self.is_lifted

    def _lifts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The condition, then the lifts: what the lift kernels read."""
        return (self.condition, *self.lifts())

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
        delta = kernels.lift_sums(li, *self._lifts(), ckp.run_starts)
        return ckp.record(self.condition, delta)
