"""Decay and routine effort: every checkpoint decays daily and routine work restores it.

A day advances every checkpoint: ``c <- c * keep + k * u * (1 - d - c)`` with
``keep = 1 - decay * decay_mult``, ``d`` the severity of the checkpoint's open
defect (:mod:`.defects`: routine upkeep restores up to ``1 - d`` only), ``u``
the checkpoint's upkeep at normal effort (``upkeep_rate`` times its responsible
person's staffing share, or ``unstaffed_effort`` where nobody is responsible),
and ``k`` the district's effort level: the campaign's delivered effort
(:mod:`.campaign`: planned at mean 1 over the cycle, less fatigue) times one
plus the effort spare volunteers add (:mod:`.volunteers`), both set weekly
(:func:`effort_levels`). A day is one compiled pass, ``c <- c * (keep - k u) +
k u (1 - d)`` (:func:`civsim.sim.kernels.advance`).

It also records what the condition scores: the shadow score every
``record_every_days`` and each year's mean condition per district and place
type. Fundable effects: ``condition`` (a renovation: its places repaired as an
order's closure repairs them, up to ``renovated_condition``, then a lift that fades
over the line's duration) and ``decay`` (a slower decay for the line's duration).
Parameters: ``simulation.dynamics``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import simpy

from civsim.sim import kernels
from civsim.sim.engine import Run
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.mechanisms.satisfaction import district_means, satisfaction
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "UpkeepState", "effort_levels", "record_shadow"]


@dataclass
class UpkeepState:
    """Per-replication arrays of the daily pass (float32: the pass is memory-bound).

    ``decay_cuts`` holds every standing factor of ``decay_mult`` as ``key:
    (checkpoints, factor)``, in the order they were listed: when a funded
    ``decay`` line ends, its checkpoints' multiplier is rebuilt from the others
    in that order (float32 products depend on it). Keys come from
    :meth:`list_cut`; replacing a factor keeps its place.
    """

    upkeep: np.ndarray
    keep: np.ndarray
    decay_mult: np.ndarray
    decay_cuts: dict[int, tuple[np.ndarray, float]] = field(default_factory=dict)
    _keys: itertools.count = field(default_factory=itertools.count, repr=False)

    def list_cut(self, idx: np.ndarray, factor: float) -> int:
        """List a factor of the decay at ``idx`` (not applied here); returns its key."""
        key = next(self._keys)
        self.decay_cuts[key] = (idx, factor)
        return key


def _setup(run: Run) -> UpkeepState:
    dyn = run.params.dynamics
    ckp = run.ckp
    staffing = np.where(ckp.unstaffed, dyn.unstaffed_effort, ckp.staffing)
    f32 = np.float32
    return UpkeepState(
        upkeep=(dyn.upkeep_rate * staffing).astype(f32),
        keep=(1.0 - ckp.decay).astype(f32),
        decay_mult=np.ones(ckp.n, dtype=f32),
    )


def effort_levels(run: Run, day: int) -> np.ndarray:
    """Routine effort of each district, then the city, on ``day``, as a multiple of normal.

    The campaign's delivered effort (times a warned holder's rise, :mod:`.title_holder`)
    times one plus the effort spare volunteers add (nothing without volunteer dispatch);
    with the civilization index's feedback, the districts ranked lowest at its last
    publication work harder (:mod:`.civilization_index`).
    """
    effort = run["campaign"].effort[day]  # planned, less fatigue (:mod:`.campaign`)
    if "title_holder" in run:  # a warned holder works harder the next year (:mod:`.title_holder`)
        effort = effort * run["title_holder"].effort
    if "civilization_index" in run:  # districts ranked low catch up (:mod:`.civilization_index`)
        effort = effort * run["civilization_index"].effort
    if "volunteers" in run:
        return effort * (1.0 + run["volunteers"].effort)
    return np.full(len(run.ckp.districts) + 1, effort)


def upkeep(env: simpy.Environment, run: Run) -> Process:
    """Advance every checkpoint one day: decay, then routine effort restores."""
    st: UpkeepState = run["upkeep"]
    c = run.state.condition
    slices = [*run.ckp.district_slices, run.ckp.city_slice]
    bounds = np.array([sl.start for sl in slices] + [run.ckp.n], dtype=np.int64)
    while env.now < run.days:
        day = int(env.now)
        if day % run.record_every == 0:
            record_shadow(run, day)
        kernels.advance(c, st.keep, st.upkeep, run.state.defect, effort_levels(run, day), bounds)
        yield env.timeout(1)
    record_shadow(run, run.days)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(upkeep(env, run))


def record_shadow(run: Run, day: int) -> None:
    """Record today's shadow score groups and residents' satisfaction by district."""
    rec = run.records
    # one pass over the checkpoints gives the shadow groups and the condition tally
    both = run.state.record(run.ckp)
    n_shadow = run.ckp.shadow_rows
    rec.cond_sum += both[n_shadow:]
    rec.cond_records += 1
    sat = satisfaction(run, day, district_means(run, both[n_shadow:]))
    rec.shadow.append((day, both[:n_shadow], sat))


def _record_conditions(run: Run, year: int) -> None:
    """Record the year's mean and year-end field condition per district and place type."""
    ckp, rec = run.ckp, run.records
    n_types = len(ckp.place_types)
    end = run.state.record(ckp)[ckp.shadow_rows :]
    mean = rec.cond_sum / max(rec.cond_records, 1)
    for g in np.flatnonzero(ckp.condition_count):
        rec.conditions.append(
            (
                year,
                ckp.districts[g // n_types],
                ckp.place_types[g % n_types],
                float(mean[g]),
                float(end[g]),
                int(ckp.condition_count[g]),
            )
        )
    rec.cond_sum[:] = 0
    rec.cond_records = 0


def _lift(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``condition`` line renovates its checkpoints, then lifts them by ``effect_size``.

    The renovation first does what an order's closure would: each place's open
    defect is fixed and its condition brought up to ``renovated_condition``. The
    lift then fades over the line's duration. Without the repair a lift would
    only hide a run-down place from detection (judged on the lifted condition)
    until it faded, and so delay the order that would have restored it.
    """
    state = run.state
    fixed = state.defect[idx] > 0
    run.count("defect_fixed_by_renovation", int(np.count_nonzero(fixed)))
    state.defect[idx] = 0.0
    repaired = np.float32(run.params.dynamics.renovated_condition)
    state.condition[idx] = np.maximum(state.condition[idx], repaired)
    state.add_lift(idx, d.size, d.duration_days, day)


def _slow_decay(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``decay`` line multiplies its checkpoints' decay by ``1 - effect_size`` until ``end``."""
    st: UpkeepState = run["upkeep"]
    factor = 1.0 - d.size
    key = st.list_cut(idx, factor)
    st.decay_mult[idx] *= factor
    _refresh_keep(run, idx)
    run.env.process(_revert_decay(run.env, run, key, end - day))


def _revert_decay(env: simpy.Environment, run: Run, key: int, after: int):
    """End a funded slow-down of decay after its duration.

    The multiplier of the checkpoints it covered is rebuilt from the cuts still
    running (dividing the factor back out fails for a cut to zero decay).
    """
    yield env.timeout(after)
    st: UpkeepState = run["upkeep"]
    idx = st.decay_cuts.pop(key)[0]
    st.decay_mult[idx] = 1.0
    # a mask of the line's checkpoints picks each cut's share of them in one pass over
    # the cut (intersections sorted both, for each of the dozens of cuts a lever lists)
    mine = np.zeros(len(st.decay_mult), dtype=bool)
    mine[idx] = True
    for other, factor in st.decay_cuts.values():
        st.decay_mult[other[mine[other]]] *= factor
    _refresh_keep(run, idx)


def _refresh_keep(run: Run, idx: np.ndarray) -> None:
    st: UpkeepState = run["upkeep"]
    if "materials" in run:  # dossiers go stale by the materials mechanism, not by daily decay
        idx = idx[run.ckp.field[idx]]
    st.keep[idx] = 1.0 - run.ckp.decay[idx] * st.decay_mult[idx]


MECHANISM = Mechanism(
    "upkeep",
    setup=_setup,
    start=_start,
    year_end=_record_conditions,
    events=("defect_fixed_by_renovation",),
    effects={"condition": _lift, "decay": _slow_decay},
)
