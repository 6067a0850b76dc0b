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
rounds fix a minor defect with a daily chance ``routine_fix_rate * e``, on the
week's work plan (a week's chance, once a week). Any
defect, minor or not, is a problem detection can find
(:mod:`.detection`); the closure of its rectification order clears it
(:func:`civsim.sim.kernels.work_queues`). Without detection or rectification
the defects that are not minor pile up over the cycle.

One compiled step a day (:func:`civsim.sim.kernels.defect_day`): arrivals are
a Binomial count of picks at the largest hazard, thinned to each checkpoint's
own, and routine fixes go through the list of open minor defects, so the cost
follows the defects, not the city's size. It records the open
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
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms.upkeep import effort_levels
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "DefectPart", "DefectState"]


@dataclass(frozen=True)
class DefectPart:
    """What every replication shares.

    Attributes
    ----------
    share : numpy.ndarray of float
        Each field checkpoint's share of full routine effort at normal effort.
    minor_share : numpy.ndarray of float
        Share of defects that are minor, per place type (``ckp.place_types``).
    """

    share: np.ndarray
    minor_share: np.ndarray


@dataclass
class DefectState:
    """Whether each field checkpoint's open defect is minor, and a list of the minor ones.

    The severities are the shared state's ``defect`` array
    (:class:`civsim.sim.state.State`). ``minor_idx[:n_minor]`` lists each
    checkpoint with an open minor defect once, and maybe some fixed since (see
    :func:`civsim.sim.kernels.defect_day`).
    """

    minor: np.ndarray
    listed: np.ndarray
    minor_idx: np.ndarray
    n_minor: int = 0


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> DefectPart:
    ckp = city.checkpoints
    dyn, dfx = scenario.simulation.dynamics, scenario.simulation.defects
    n_field = ckp.n_field
    share = np.where(ckp.unstaffed, dyn.unstaffed_effort, ckp.staffing)[:n_field]
    by_type = dfx.minor_share_by_place_type
    minor = np.array([by_type.get(t, dfx.minor_share) for t in ckp.place_types], dtype=float)
    return DefectPart(share=share.astype(np.float64), minor_share=minor)


def _setup(run: Run) -> DefectState:
    n_field = run.ckp.n_field
    return DefectState(
        minor=np.zeros(n_field, dtype=bool),
        listed=np.zeros(n_field, dtype=bool),
        minor_idx=np.empty(n_field, dtype=np.int64),
    )


def _record(run: Run, day: int) -> None:
    """Open defects per district today: all, minor, and their summed severity."""
    st: DefectState = run["defects"]
    ckp, defect = run.ckp, run.state.defect
    listed = st.minor_idx[: st.n_minor]
    minor = listed[(defect[listed] > 0) & st.minor[listed]]
    # a district's field checkpoints are one slice: a pass over each counts its defects
    # (counted on a mask: counting a float array's nonzeros is several times slower)
    flawed = defect != 0
    n_open = np.array([np.count_nonzero(flawed[sl]) for sl in ckp.district_slices])
    severity = np.array([float(defect[sl].sum(dtype=np.float64)) for sl in ckp.district_slices])
    n_minor = np.bincount(ckp.district[minor], minlength=len(ckp.districts))
    run.records.defects.append((day, n_open, n_minor, severity))


def defects(env: simpy.Environment, run: Run) -> Process:
    """Each day new defects arise; each week routine rounds fix minor ones; recorded weekly."""
    dfx = run.params.defects
    part: DefectPart = run.part("defects")
    st: DefectState = run["defects"]
    n_field = run.ckp.n_field
    picks = run.rng("defect_arrivals")
    bits = run.draws("defect_arrivals", "bits")
    coins = run.draws("defects", "uniform")
    state = run.state
    # the picks are drawn at the largest hazard there can be (no routine effort at all) and
    # thinned to each checkpoint's: how many are drawn then does not depend on the effort,
    # so variants of a city that work harder or less keep their common random numbers
    h_max = min(dfx.hazard * float(np.exp(dfx.prevention)), 1.0)
    arisen, compounded = run.counts("defect_arisen"), run.counts("defect_compounded")
    routine = run.counts("defect_fixed_routine")
    while env.now < run.days:
        day = int(env.now)
        levels = effort_levels(run, day)
        picked = bits.take(int(picks.binomial(n_field, h_max)))
        coins.ensure(3 * len(picked))
        rounds = WEEK if day % WEEK == 0 else 0
        # keyed by day and checkpoint: a variant with other minor defects keeps these coins
        fixing = st.minor_idx[: st.n_minor] if rounds else st.minor_idx[:0]
        fix_coins = kernels.keyed_uniforms(run.key("defect_fixes"), day, fixing)
        st.n_minor, coins.pos = kernels.defect_day(
            day,
            rounds,
            picked,
            n_field,
            coins.values,
            coins.pos,
            fix_coins,
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
            st.listed,
            state.condition,
            st.minor_idx,
            st.n_minor,
            arisen,
            compounded,
            routine,
        )
        if day % run.record_every == 0:
            _record(run, day)
        yield env.timeout(1)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(defects(env, run))


def _finish(run: Run) -> None:
    """Record the open defects at the cycle's end."""
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
