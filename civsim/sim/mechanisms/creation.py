"""Creation activities (文明单位、文明村镇、文明家庭、文明校园): titles keep places, fill dossiers.

Each year every kind's creations (``simulation.creation``: its rate per
10,000 residents) are named month by month, a twelfth a month, each district's
by its residents (largest remainders, so the year's counts add up). Every
title held (titles last the cycle; a funded one its line's ``duration_days``)
keeps its holder's places in order: each month a kind's decay at its places in
a district is cut by
:meth:`civsim.scenario.schema.creation.Creation.cut` of its titles there (one
:class:`.decay_cut.DecayCut` per kind and district). A creation's records,
``documentation_share`` of its guidance hours, add for a year to the
documentation of the creation content's dossiers (the materials mechanism's
``target``, :mod:`.materials`), split equally among them. Guidance and
assessment hours come out of the organising unit's routine upkeep (the
rectification review's rule, :func:`.regulations.routine_factor`), and awards
are paid as ``spend`` rows (line ``creation``, by district and month). Each
creation is counted as an event ``created_<kind>``: :func:`creation_table`
makes them the table of creations per year and kind. A funded ``creation``
line names more of the kind whose places its target is, in its districts. It
draws no random numbers. Parameters: ``simulation.creation``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from civsim.apportion import largest_remainder
from civsim.city import City
from civsim.places import RESIDENTS_PER_RATE
from civsim.scenario import Scenario
from civsim.scenario.schema.creation import KINDS
from civsim.sim.engine import Run
from civsim.sim.mechanisms.decay_cut import DecayCut, exposed
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.mechanisms.regulations import routine_factor
from civsim.sim.registry import Mechanism, Process
from civsim.sim.tables import RunResult
from civsim.sums import row_sums, weighted_sum

__all__ = ["EVENTS", "LINE", "MECHANISM", "CreationPart", "CreationState", "creation_table"]

#: The ``line`` of the awards' rows in the ``spend`` table.
LINE = "creation"
#: The event kind counting each kind's creations.
EVENTS = {kind: f"created_{kind}" for kind in KINDS}
#: Months a year's creations are named over (a twelfth each).
MONTHS = 12


@dataclass(frozen=True)
class CreationPart:
    """What every replication shares.

    Attributes
    ----------
    at : list of list of numpy.ndarray
        By kind, then district: the field checkpoints at the kind's places.
    reached : list of list of numpy.ndarray
        Those a funded ``decay`` line can reach (:func:`.decay_cut.exposed`).
    places : numpy.ndarray
        Kinds x districts: places of each kind's types.
    monthly : numpy.ndarray of int
        Kinds x districts x months: creations named in each month of a year.
    led : numpy.ndarray
        The checkpoints the organising unit leads (its routine work pays for guidance).
    routine : float
        The factor on those checkpoints' routine upkeep.
    dossiers : numpy.ndarray
        Positions, among the materials mechanism's dossiers, of the creation content's.
    documentation : numpy.ndarray
        By kind: ``r`` one creation adds to each of those dossiers for a year.
    kind_of_type : dict
        The kind whose titles keep each place type (a funded line's target).
    """

    at: list[list[np.ndarray]]
    reached: list[list[np.ndarray]]
    places: np.ndarray
    monthly: np.ndarray
    led: np.ndarray
    routine: float
    dossiers: np.ndarray
    documentation: np.ndarray
    kind_of_type: dict[str, int]


@dataclass
class CreationState:
    """One replication's titles, cuts and records.

    Attributes
    ----------
    titles : numpy.ndarray
        Kinds x districts: titles named so far by the yearly plan (held to the cycle's end).
    cuts : list of list of DecayCut
        By kind, then district: the cut of decay at the kind's places.
    funded : list of (int, numpy.ndarray, int)
        Funded titles: kind, titles by district, the day they end.
    records : list of (numpy.ndarray, int)
        Documentation ``r`` added to the dossiers, and the day it ends (a year on).
    """

    titles: np.ndarray
    cuts: list[list[DecayCut]]
    funded: list[tuple[int, np.ndarray, int]] = field(default_factory=list)
    records: list[tuple[float, int]] = field(default_factory=list)


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.creation.enabled


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> CreationPart:
    cr = scenario.simulation.creation
    ckp = city.checkpoints
    kinds = cr.kinds()
    at, places = [], []
    for settings in kinds.values():
        types = np.flatnonzero(np.isin(ckp.place_types, settings.place_types))
        kept = ckp.field & np.isin(ckp.place_type, types)
        idx = [np.flatnonzero(kept[sl]) + sl.start for sl in ckp.district_slices]
        at.append(idx)
        places.append([len(np.unique(ckp.place[i])) for i in idx])
    residents = ckp.district_population.astype(float)
    monthly = np.zeros((len(kinds), len(residents), MONTHS), dtype=np.int64)
    for k, settings in enumerate(kinds.values()):
        yearly = round(settings.per_10k_residents_year * residents.sum() / RESIDENTS_PER_RATE)
        for d, n in enumerate(largest_remainder(yearly, residents)):
            monthly[k, d] = largest_remainder(int(n), np.ones(MONTHS))
    hours = float(
        sum(monthly[k].sum() * s.hours_per_creation for k, s in enumerate(kinds.values()))
    )
    staff = sum(u.staff for u in scenario.organisation.units if u.id == cr.organising_unit)
    yearly_hours = staff * scenario.workload.hours_per_staff_year
    rect = scenario.simulation.rectification
    share = hours / yearly_hours if yearly_hours > 0 else 0.0
    unit = np.flatnonzero(ckp.units == cr.organising_unit)
    dossiers, documentation = _dossiers(scenario, city)
    return CreationPart(
        at=at,
        reached=[[exposed(scenario, ckp, i) for i in idx] for idx in at],
        places=np.array(places, dtype=float),
        monthly=monthly,
        led=np.flatnonzero(np.isin(ckp.unit, unit)),
        routine=routine_factor(share, rect.routine_weight, rect.staff_share),
        dossiers=dossiers,
        documentation=documentation,
        kind_of_type={t: k for k, s in enumerate(kinds.values()) for t in s.place_types},
    )


def _dossiers(scenario: Scenario, city: City) -> tuple[np.ndarray, np.ndarray]:
    """The creation content's dossiers among the materials mechanism's, and ``r`` per creation.

    No dossiers while the materials mechanism is off: the records then fill none.
    """
    cr = scenario.simulation.creation
    mat = scenario.simulation.materials
    fw = scenario.framework
    none = np.empty(0, dtype=np.int64), np.zeros(len(KINDS))
    if not mat.enabled or fw is None:
        return none
    ckp = city.checkpoints
    ids = [
        s.id
        for s in fw.standards
        if s.content in cr.material_contents and s.method == "material" and not s.negative
    ]
    material = np.flatnonzero(~ckp.field)  # the materials mechanism's dossiers, in its order
    at = np.flatnonzero(np.isin(ckp.standards[ckp.standard[material]], ids))
    if not len(at):
        return none
    hours = np.array([s.hours_per_creation for s in cr.kinds().values()])
    per = cr.documentation_share * hours / (mat.hours_per_standard_year * len(at))
    return at, per


def _setup(run: Run) -> CreationState:
    part: CreationPart = run.part("creation")
    # guidance and assessment come out of the organising unit's routine work
    run["upkeep"].upkeep[part.led] *= np.float32(part.routine)
    cuts = [
        [DecayCut.listed(run, i, r) for i, r in zip(idx, reach, strict=True)]
        for idx, reach in zip(part.at, part.reached, strict=True)
    ]
    return CreationState(titles=np.zeros(part.places.shape), cuts=cuts)


def _settle(run: Run, day: int) -> None:
    """Set each kind's cut in each district, and the dossiers' records, as they stand on ``day``."""
    cr = run.params.creation
    part: CreationPart = run.part("creation")
    st: CreationState = run["creation"]
    st.funded = [f for f in st.funded if f[2] > day]
    titles = st.titles.copy()
    for k, by_district, _ in st.funded:
        titles[k] += by_district
    for k, settings in enumerate(cr.kinds().values()):
        for d, cut in enumerate(st.cuts[k]):
            cut.set(run, cr.cut(titles[k, d], part.places[k, d], settings.places_per_creation))
    if len(part.dossiers):
        st.records = [r for r in st.records if r[1] > day]
        mat = run["materials"]
        base = run.part("materials").target[part.dossiers]
        mat.target[part.dossiers] = base + sum(r for r, _ in st.records)


def naming(env: simpy.Environment, run: Run) -> Process:
    """Each month of each year: the month's creations named, paid and recorded; cuts set."""
    cr = run.params.creation
    part: CreationPart = run.part("creation")
    st: CreationState = run["creation"]
    yuan = np.array([s.yuan_per_creation for s in cr.kinds().values()])
    for year in range(run.scenario.cycle.years):
        for month in range(MONTHS):
            yield env.timeout(year * run.days_per_year + month * run.month_days - env.now)
            day = int(env.now)
            named = part.monthly[:, :, month]
            st.titles += named
            for k, kind in enumerate(KINDS):
                run.count(EVENTS[kind], int(named[k].sum()))
            paid = np.rint(row_sums(named.T, yuan)).astype(np.int64)
            for d, amount in zip(run.ckp.districts, paid, strict=True):
                if amount:
                    run.records.spend.append((year + 1, month + 1, LINE, str(d), int(amount)))
            added = weighted_sum(part.documentation, named.sum(axis=1))
            if added:
                st.records.append((added, day + run.days_per_year))
            _settle(run, day)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(naming(env, run))


def _fund(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``creation`` line names ``effect_size`` creations a unit of the kind keeping its target.

    The creations go to the line's districts by their residents (a district
    line: its own district); they hold until the line's ``duration_days`` end,
    and their records fill the dossiers for a year.
    """
    part: CreationPart = run.part("creation")
    st: CreationState = run["creation"]
    target = run.part("deliveries").lines[d.line]["target"]
    k = part.kind_of_type.get(str(target))
    if k is None:  # no kind keeps that place type: validation names it, nothing to do
        return
    residents = np.zeros(len(run.ckp.districts))
    residents[d.district_index] = run.ckp.district_population[d.district_index]
    if residents.sum() <= 0:
        return
    named = units * d.size
    st.funded.append((k, named * residents / residents.sum(), end))
    run.count(EVENTS[KINDS[k]], round(named))
    added = float(part.documentation[k] * named)
    if added and len(part.dossiers):
        st.records.append((added, day + run.days_per_year))
    _settle(run, day)


def creation_table(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """Creations per year and kind: the ``created_<kind>`` events summed by year.

    Parameters
    ----------
    result : RunResult
        A run of ``scenario`` with the creation activities on.
    scenario : Scenario
        Its cycle's days a year.

    Returns
    -------
    pandas.DataFrame
        ``scenario, replication, year, kind, creations``: one row per year and kind named.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> from civsim.sim import simulate
    >>> sc = override(
    ...     load_scenario("scenarios/county_nominee.yaml"), {"simulation.creation.enabled": True}
    ... )
    >>> table = creation_table(simulate(sc, seed=1), sc)
    >>> table.pivot(index="year", columns="kind", values="creations").loc[1].to_dict()
    {'campus': 9, 'family': 90, 'unit': 4, 'village': 1}
    """
    kind_of = {event: kind for kind, event in EVENTS.items()}
    ev = result.events[result.events["kind"].isin(list(kind_of))]
    table = pd.DataFrame(
        {
            "scenario": ev["scenario"].to_numpy(),
            "replication": ev["replication"].to_numpy(),
            "year": ev["day"].to_numpy() // scenario.cycle.days_per_year + 1,
            "kind": ev["kind"].astype(str).map(kind_of).to_numpy(),
            "creations": ev["count"].to_numpy(),
        }
    )
    keys = ["scenario", "replication", "year", "kind"]
    return table.groupby(keys)["creations"].sum().reset_index()


MECHANISM = Mechanism(
    "creation",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    events=tuple(EVENTS.values()),
    effects={"creation": _fund},
    enabled=_on,
)
