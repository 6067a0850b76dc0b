"""Scenario files: YAML plus tables, validated into frozen models.

A scenario describes one city (or county) and one set of policy choices. It is
written as a YAML file, with CSV or XLSX tables beside it for anything large,
and may ``extends:`` another scenario file so that it states only what differs.
:func:`load_scenario` reads, merges and validates it; every error names the
file and the field, or the table row and column
(:class:`civsim.errors.ScenarioError`). :func:`override` makes a variant, with
parameters changed by their dotted paths, validated again in the same way.

Parameters are data: each numeric field carries its unit (in its name or its
description) and a source, either a fact of ``docs/domain.md`` or the word
``assumption``. :func:`parameter_table` lists them all.

The package, one concept per module:

- :mod:`civsim.scenario.params`: :func:`param`, the :class:`Frozen` base model,
  ids, ``;``-separated lists and size limits;
- :mod:`civsim.scenario.schema`: one module per top-level section, and the
  root :class:`Scenario` with its cross-section checks;
- :mod:`civsim.scenario.load`: YAML, ``extends:``, :func:`deep_merge` and
  error messages; :mod:`civsim.scenario.tables`: CSV and XLSX tables;
- :mod:`civsim.scenario.override`: :func:`override`, variants by dotted paths;
- :mod:`civsim.scenario.meta`: :func:`parameter_table`, and content hashes of a
  scenario (:func:`scenario_hash`) or of some of its sections (:func:`section_hash`).
"""

from civsim.scenario.load import deep_merge as deep_merge
from civsim.scenario.load import load_scenario
from civsim.scenario.meta import parameter_table, scenario_hash, section_hash
from civsim.scenario.override import override, parse_set
from civsim.scenario.params import ASSUMPTION, MAX_GRIDS
from civsim.scenario.params import Frozen as Frozen
from civsim.scenario.params import param as param
from civsim.scenario.schema.budget import Budget, ProjectLineRow
from civsim.scenario.schema.budget import PolicyName as PolicyName
from civsim.scenario.schema.cycle import Cycle
from civsim.scenario.schema.framework import (
    Framework,
    PlaceTypeRow,
    ResponsibilityRow,
    StandardRow,
)
from civsim.scenario.schema.framework import responsibility_problem as responsibility_problem
from civsim.scenario.schema.mechanisms import (
    register_mechanism_params,
    unregister_mechanism_params,
)
from civsim.scenario.schema.organisation import Organisation, UnitRow
from civsim.scenario.schema.places import PlaceRow
from civsim.scenario.schema.scenario import Scenario
from civsim.scenario.schema.simulation import Evaluation as Evaluation
from civsim.scenario.schema.simulation import Simulation
from civsim.scenario.schema.territory import DistrictRow, Territory, TerritoryGenerator
from civsim.scenario.schema.workload import WorkloadSpec
from civsim.scenario.tables import read_table as read_table

__all__ = [
    "ASSUMPTION",
    "MAX_GRIDS",
    "Budget",
    "Cycle",
    "DistrictRow",
    "Framework",
    "Organisation",
    "PlaceRow",
    "PlaceTypeRow",
    "ProjectLineRow",
    "ResponsibilityRow",
    "Scenario",
    "Simulation",
    "StandardRow",
    "Territory",
    "TerritoryGenerator",
    "UnitRow",
    "WorkloadSpec",
    "load_scenario",
    "override",
    "parameter_table",
    "parse_set",
    "register_mechanism_params",
    "scenario_hash",
    "section_hash",
    "unregister_mechanism_params",
]
