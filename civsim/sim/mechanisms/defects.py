"""Defects: problems that persist until someone responsible fixes them.

Routine work (:mod:`.upkeep`) keeps a checkpoint clean and orderly; it also
prevents defects. A defect (a broken facility, an illegal stall, a missing
sign) arises at a field checkpoint with a daily hazard that falls with the
checkpoint's routine effort ``e`` (its staffing share times the district's
effort level, campaign and volunteers included): ``hazard * exp(prevention *
(1 - e))``. It lowers the condition at once by its severity, and routine
upkeep then restores the checkpoint only up to its ceiling ``1 - severity``
(:func:`civsim.sim.kernels.advance`): the defect stays until it is fixed.

A share of defects is minor (``minor_share``, or per place type): routine
rounds fix a minor defect with a daily chance ``routine_fix_rate * e``. Any
defect, minor or not, is a problem detection can find
(:mod:`.detection`); the closure of its rectification order clears it
(:func:`civsim.sim.kernels.work_queues`). Without detection or rectification
the defects that are not minor pile up over the cycle.

One compiled step a day (:func:`civsim.sim.kernels.defect_day`): arrivals are
a Binomial count of picks at the largest hazard, thinned to each checkpoint's
own, so the cost follows the defects, not the city's size. It records the open
defects per district on recording days (the ``defects`` table) and counts
defects arisen (and of them, those on a checkpoint that had one already),
fixed by routine and fixed by an order (events): defects arisen less
compounded equal those fixed plus those still open. Parameters:
``simulation.defects``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim import kernels
from civsim.sim.engine import Run
from civsim.sim.mechanisms.upkeep import effort_levels
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "DefectPart", "DefectState", "open_defects"]


@dataclass(frozen=True)
class DefectPart:
    """What every replication shares.

    Attributes
    ----------
    share : numpy.ndarray of float
        Each field checkpoint's share of full routine effort at normal effort.
    least_share : numpy.ndarray of float
        The smallest ``share`` in each district (for the largest hazard).
    minor_share : numpy.ndarray of float
        Share of defects that are minor, per place type (``ckp.place_types``).
    """

    share: np.ndarray
    least_share: np.ndarray
    minor_share: np.ndarray


@dataclass
class DefectState:
    """The checkpoints with an open defect, and whether each is minor.

    The severities are the shared state's ``defect`` array
    (:class:`civsim.sim.state.State`); ``open_idx[:n_open]`` lists the
    checkpoints that had one after the last daily step, each once.
    """

    minor: np.ndarray
    open_idx: np.ndarray
    n_open: int = 0


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> DefectPart:
    ckp = city.checkpoints
    dyn, dfx = scenario.simulation.dynamics, scenario.simulation.defects
    n_field = ckp.n_field
    share = np.where(ckp.unstaffed, dyn.unstaffed_effort, ckp.staffing)[:n_field]
    least = np.ones(len(ckp.districts))
    for d, sl in enumerate(ckp.district_slices):
        if sl.stop > sl.start:
            least[d] = share[sl].min()
    by_type = dfx.minor_share_by_place_type
    minor = np.array([by_type.get(t, dfx.minor_share) for t in ckp.place_types], dtype=float)
    return DefectPart(share=share.astype(np.float64), least_share=least, minor_share=minor)


def _setup(run: Run) -> DefectState:
    n_field = run.ckp.n_field
    return DefectState(
        minor=np.zeros(n_field, dtype=bool), open_idx=np.empty(n_field, dtype=np.int64)
    )


def open_defects(run: Run) -> np.ndarray:
    """The checkpoints with an open defect now (an order may have cleared some today)."""
    st: DefectState = run["defects"]
    listed = st.open_idx[: st.n_open]
    return listed[run.state.defect[listed] > 0]


def _record(run: Run, day: int) -> None:
    """Open defects per district today: all, minor, and their mean severity."""
    st: DefectState = run["defects"]
    ckp = run.ckp
    listed = open_defects(run)
    n_d = len(ckp.districts)
    where = ckp.district[listed]
    run.records.defects.append(
        (
            day,
            np.bincount(where, minlength=n_d),
            np.bincount(where[st.minor[listed]], minlength=n_d),
            np.bincount(where, weights=run.state.defect[listed], minlength=n_d),
        )
    )


def defects(env: simpy.Environment, run: Run) -> Process:
    """Each day: routine rounds fix minor defects, new ones arise; recorded on recording days."""
    dfx = run.params.defects
    part: DefectPart = run.part("defects")
    st: DefectState = run["defects"]
    n_field = run.ckp.n_field
    picks = run.rng("defect_arrivals")
    bits = run.draws("defect_arrivals", "bits")
    coins = run.draws("defects", "uniform")
    fix_coins = run.draws("defect_fixes", "uniform")
    state = run.state
    n_d = len(run.ckp.districts)
    arisen, compounded = run.counts("defect_arisen"), run.counts("defect_compounded")
    routine, ordered = run.counts("defect_fixed_routine"), run.counts("defect_fixed_by_order")
    while env.now < run.days:
        day = int(env.now)
        levels = effort_levels(run, day)
        least = float(np.min(levels[:n_d] * part.least_share)) if n_d else 1.0
        h_max = min(dfx.hazard * float(np.exp(dfx.prevention * (1.0 - least))), 1.0)
        picked = bits.take(int(picks.binomial(n_field, h_max)))
        coins.ensure(3 * len(picked))
        fix_coins.ensure(st.n_open)
        st.n_open, coins.pos, fix_coins.pos = kernels.defect_day(
            day,
            picked,
            n_field,
            coins.values,
            coins.pos,
            fix_coins.values,
            fix_coins.pos,
            dfx.hazard,
            dfx.prevention,
            h_max,
            dfx.routine_fix_rate,
            dfx.severity_low,
            dfx.severity_high - dfx.severity_low,
            levels,
            run.ckp.district,
            part.share,
            run.ckp.place_type,
            part.minor_share,
            state.defect,
            st.minor,
            state.condition,
            st.open_idx,
            st.n_open,
            arisen,
            compounded,
            routine,
            ordered,
        )
        if day % run.record_every == 0:
            _record(run, day)
        yield env.timeout(1)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(defects(env, run))


def _finish(run: Run) -> None:
    """Count the defects orders fixed on the last day, and record the cycle's end."""
    st: DefectState = run["defects"]
    listed = st.open_idx[: st.n_open]
    run.counts("defect_fixed_by_order")[run.days - 1] += int(np.sum(run.state.defect[listed] == 0))
    _record(run, run.days)


MECHANISM = Mechanism(
    "defects",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    finish=_finish,
    streams=("defect_arrivals", "defects", "defect_fixes"),
    events=(
        "defect_arisen",
        "defect_compounded",
        "defect_fixed_routine",
        "defect_fixed_by_order",
    ),
    enabled=lambda scenario: scenario.simulation.defects.enabled,
)
