"""civsim: a workbench for planning a city's civilized-city campaign.

The pipeline runs in one direction; each stage is a plain function:

>>> import civsim
>>> scenario = civsim.load_scenario("scenarios/baseline.yaml")
>>> G = civsim.build_chain(scenario)
>>> G.nodes["committee"]["name_zh"]
'市文明委'
>>> run = civsim.simulate(civsim.load_scenario("scenarios/county_nominee.yaml"), replication=0)
>>> sorted(run.annual.columns)[:3], len(run.annual)
(['covert', 'covert_visits', 'deductions'], 3)

A variant changes parameters by their dotted paths and is validated again:

>>> fast = civsim.override(scenario, {"name": "fast", "simulation.dynamics.upkeep_rate": 0.09})
>>> fast.simulation.dynamics.upkeep_rate
0.09
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names a type checker sees; at run time they load on first use
    from civsim.budget import allocate_cycle
    from civsim.chain import build_chain, validate_chain
    from civsim.errors import BudgetError, ChainError, CivsimError, ScenarioError
    from civsim.experiment import load_experiment
    from civsim.experiments import replicate
    from civsim.explore import explore, outcome_model, run_variant
    from civsim.places import build_places
    from civsim.responsibility import import_responsibilities, responsibility_table
    from civsim.results import RunResult
    from civsim.scenario import Scenario, load_scenario, override
    from civsim.sim import prepare, simulate
    from civsim.staffing import grid_staffing
    from civsim.tasks import conflicts, coverage, decompose, raci, workload

#: public name -> the module that defines it. Loaded on first use (PEP 562), so that
#: ``import civsim.scoring`` does not import every stage, numba's kernels included.
_HOME = {
    "allocate_cycle": "civsim.budget",
    "build_chain": "civsim.chain",
    "validate_chain": "civsim.chain",
    "BudgetError": "civsim.errors",
    "ChainError": "civsim.errors",
    "CivsimError": "civsim.errors",
    "ScenarioError": "civsim.errors",
    "load_experiment": "civsim.experiment",
    "replicate": "civsim.experiments",
    "explore": "civsim.explore",
    "run_variant": "civsim.explore",
    "outcome_model": "civsim.explore",
    "build_places": "civsim.places",
    "import_responsibilities": "civsim.responsibility",
    "responsibility_table": "civsim.responsibility",
    "RunResult": "civsim.results",
    "Scenario": "civsim.scenario",
    "load_scenario": "civsim.scenario",
    "override": "civsim.scenario",
    "prepare": "civsim.sim",
    "simulate": "civsim.sim",
    "grid_staffing": "civsim.staffing",
    "conflicts": "civsim.tasks",
    "coverage": "civsim.tasks",
    "decompose": "civsim.tasks",
    "raci": "civsim.tasks",
    "workload": "civsim.tasks",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'civsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__version__ = "0.1.0"

__all__ = [
    "BudgetError",
    "ChainError",
    "CivsimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "allocate_cycle",
    "build_chain",
    "build_places",
    "conflicts",
    "coverage",
    "decompose",
    "explore",
    "grid_staffing",
    "import_responsibilities",
    "load_experiment",
    "load_scenario",
    "outcome_model",
    "override",
    "prepare",
    "raci",
    "replicate",
    "responsibility_table",
    "run_variant",
    "simulate",
    "validate_chain",
    "workload",
]
