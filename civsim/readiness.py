"""Readiness: everything ``run``, ``tasks`` and ``budget`` need of a scenario, checked up front.

Loading a scenario (:func:`civsim.scenario.load_scenario`) checks each
section and the references the loader can see. What a run needs beyond that
is checked here, cheapest first, each problem named by file and section:

1. ``framework``: the evaluation framework is present (the tasks, the
   checkpoints and the simulation are built from it).
2. ``territory``: the city's arrays fit in memory: the checkpoints are
   estimated from the place types' densities (or the places table) before
   anything is built (:func:`estimate_checkpoints`), and a city needing more
   than :data:`MEMORY_LIMIT_BYTES` at :data:`BYTES_PER_CHECKPOINT` is refused.
3. ``budget``: the fund can be allocated: the budget inputs are gathered and
   checked (:func:`civsim.allocation.check_inputs`: minimums above caps,
   minimums above the district money, caps below it), then one year is
   allocated with the scenario's policy, except ``optimised``, whose solve is
   not run (see :func:`check_ready`).
4. the city: territory, places, tasks, chain and checkpoints are built
   (:func:`civsim.city.build_city`), which checks what only the built city
   shows (places in unknown grids, a city without checkpoints, the chain's
   structure).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from civsim.allocation import budget_inputs, check_inputs
from civsim.budget import allocate_years
from civsim.city import City, build_city
from civsim.errors import BudgetError, ChainError, CivsimError, ScenarioError
from civsim.places import RESIDENTS_PER_RATE
from civsim.scenario import Scenario

__all__ = [
    "BYTES_PER_CHECKPOINT",
    "MEMORY_LIMIT_BYTES",
    "Readiness",
    "check_ready",
    "estimate_checkpoints",
]

#: Peak memory of a process that builds a city and simulates one replication, per checkpoint,
#: above the interpreter with civsim imported (``benchmarks/bench_generate.py``, peak
#: ``ru_maxrss``): 1,120 bytes on the baseline (253,255 checkpoints), 1,029 on a generated
#: 5,000-grid city (164,895), 602 on 30,000 grids (989,108), 549 on 200,000 grids (6,593,683;
#: 3.6 GiB), measured before defects, backlogs and materials from work were modelled; 690 on
#: 200,000 grids after (4.5 GiB); rounded up to cover the smaller cities, whose fixed ~100 MB
#: weighs more.
BYTES_PER_CHECKPOINT = 1_200
#: The memory a city may need (bytes): 10 GiB, a common workstation's spare memory; at
#: :data:`BYTES_PER_CHECKPOINT`, about 8.9 million checkpoints, 270,000 generated grids.
MEMORY_LIMIT_BYTES = 10 * 2**30


@dataclass(frozen=True)
class Readiness:
    """What :func:`check_ready` found: the sizes it estimated and what it built.

    Attributes
    ----------
    estimated_checkpoints : int
        Field and material checkpoints expected from the densities.
    estimated_bytes : int
        ``estimated_checkpoints * BYTES_PER_CHECKPOINT``.
    city : City or None
        The city, if it was built.
    notes : tuple of str
        What was not checked, or what a check cost.
    """

    estimated_checkpoints: int
    estimated_bytes: int
    city: City | None
    notes: tuple[str, ...] = ()


def estimate_checkpoints(scenario: Scenario) -> int:
    """Field and material checkpoints a scenario's city will have, without building it.

    A field checkpoint is a non-negative field standard at a place of one of
    its types; a place type has ``per_10k_residents`` places per 10,000
    residents (rounded as :func:`civsim.places.build_places` rounds), or the
    places table's rows. A material checkpoint is a non-negative material
    standard (one per city).

    Examples
    --------
    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> estimate_checkpoints(s) == build_city(s).checkpoints.n
    True
    """
    fw = scenario.framework
    if fw is None:
        return 0
    if scenario.places is not None:
        places: dict[str, int] = {}
        for p in scenario.places:
            places[p.place_type] = places.get(p.place_type, 0) + 1
    else:
        residents = sum(d.population for d in scenario.territory.districts)
        places = {
            t.id: round(t.per_10k_residents * residents / RESIDENTS_PER_RATE)
            for t in fw.place_types
        }
    field = sum(
        places.get(t, 0)
        for s in fw.standards
        if s.method == "field" and not s.negative
        for t in s.place_types
    )
    material = sum(1 for s in fw.standards if s.method == "material" and not s.negative)
    return field + material


def check_ready(
    scenario: Scenario, build: bool = True, memory_limit: int = MEMORY_LIMIT_BYTES
) -> Readiness:
    """Check that ``run``, ``tasks`` and ``budget`` can use a scenario (module docstring).

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    build : bool
        Build the city too (step 4); without it only the cheap checks run.
    memory_limit : int
        Bytes the city may need (default :data:`MEMORY_LIMIT_BYTES`).

    Returns
    -------
    Readiness

    Raises
    ------
    CivsimError
        The first problem, its message starting with the scenario's file and
        the section at fault: a :class:`~civsim.errors.ScenarioError`
        (framework, territory), a :class:`~civsim.errors.BudgetError` (budget)
        or the city's own error (:class:`~civsim.errors.ChainError`, ...).

    Notes
    -----
    Not checked: the ``optimised`` policy's solve. Its problem is feasible
    whenever :func:`~civsim.allocation.check_inputs` passes (buying nothing,
    with each district's key-project yuan the nearest whole yuan to its share,
    satisfies every constraint), but ``scipy.optimize.milp`` may still fail to
    prove an optimum within :data:`civsim.optimiser.SOLVER_TIME_LIMIT_S`; only
    running it tells (``civsim budget FILE --out DIR``). A performance policy
    with last years' results (``civsim budget --results``) is checked when
    the results are given. Nor does it check the simulation's own settings
    beyond what loading checks (the simulation stage comes after this one).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> r = check_ready(load_scenario("scenarios/county_nominee.yaml"))
    >>> r.city is not None, r.estimated_checkpoints == r.city.checkpoints.n
    (True, True)
    """
    file = str(scenario.source_file or scenario.name)
    if scenario.framework is None:
        raise ScenarioError(
            "no framework: run, tasks and budget need the evaluation framework "
            "(standards, place types) to build the checkpoints from",
            file=file,
            where="framework",
        )
    n = estimate_checkpoints(scenario)
    need = n * BYTES_PER_CHECKPOINT
    if need > memory_limit:
        raise ScenarioError(
            f"about {n:,} checkpoints ({scenario.territory.expected_grids():,.0f} grids) would "
            f"need about {need / 2**30:,.1f} GiB at {BYTES_PER_CHECKPOINT:,} bytes each, more "
            f"than the limit of {memory_limit / 2**30:,.1f} GiB; make the territory smaller",
            file=file,
            where="territory",
        )
    notes = []
    if scenario.budget is not None:
        try:
            inputs = budget_inputs(scenario)
            check_inputs(inputs)
            if scenario.budget.policy == "optimised":
                notes.append(
                    "budget: optimised policy feasible; its solve was not run "
                    "(civsim budget runs it)"
                )
            else:
                start = time.perf_counter()
                allocate_years(inputs, scenario.budget.policy, 1)
                cost = time.perf_counter() - start
                notes.append(f"budget: {scenario.budget.policy} allocated in {cost:.2f} s")
        except BudgetError as exc:
            raise BudgetError(f"{file}: budget: {exc}") from None
    city = None
    if build:
        try:
            city = build_city(scenario)
        except ScenarioError as exc:
            if exc.file:
                raise
            raise type(exc)(exc.message, file=file, where=exc.where or "territory") from None
        except ChainError as exc:
            if str(exc).startswith(file):
                raise
            raise ChainError(f"{file}: organisation: {exc}") from None
        except CivsimError as exc:
            raise type(exc)(f"{file}: framework: {exc}") from None
    return Readiness(n, need, city, tuple(notes))
