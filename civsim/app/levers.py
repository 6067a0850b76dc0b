"""The controls a scenario offers the explorer, and the validated variant a setting of them makes.

A *lever* is a choice the planner makes (campaign mode, the fund and its
policy, each budget line's units, grid workers, joint mechanisms, the smart
platform, the questionnaire's weight, and every mechanism's switch found in
the scenario's ``simulation`` section); an *uncertainty* is a parameter with a
plausible range (:func:`civsim.scenario.parameter_table`). Both are dotted
paths (:func:`civsim.scenario.override`), so what the explorer shows is what
``civsim run --set`` and :func:`civsim.override` accept.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from civsim.errors import ScenarioError
from civsim.scenario import Scenario, override, parameter_table
from civsim.variants import value_at

__all__ = ["SURVEY", "Control", "levers", "option", "uncertainties"]

Kind = Literal["choice", "number", "integer", "switch"]

#: The questionnaire's points of 100; moving it rescales the material and field points.
SURVEY = "cycle.survey_points"
#: The other two methods' points, rescaled so that the three add up to the total.
OTHER_POINTS = ("cycle.material_points", "cycle.field_points")
#: Choices and numbers every scenario with the section offers, with their labels.
NAMED = (
    ("simulation.campaign.mode", "campaign mode"),
    ("budget.total_yuan", "special fund, yuan a year"),
    ("budget.policy", "allocation policy"),
    ("territory.generator.grid_workers_per_grid", "grid workers per grid"),
    ("territory.redeploy_grid_workers", "grid workers moved by hours, within"),
    ("simulation.rectification.joint_mechanism", "joint mechanisms"),
    ("simulation.detection.platform", "smart platform"),
    (SURVEY, "questionnaire points (of 100)"),
)
#: A line's units are the lever (0 switches the line off).
LINE_UNITS = "max_units"


@dataclass(frozen=True)
class Control:
    """One input of the explorer.

    Attributes
    ----------
    path : str
        The dotted path it sets.
    label : str
    kind : {"choice", "number", "integer", "switch"}
    value : object
        The scenario's value.
    choices : tuple
        The allowed values of a choice.
    low, high : float or None
        A number's bounds (an uncertainty's plausible range).
    group : str
        ``lever``, ``line``, ``switch`` or ``uncertainty``.
    """

    path: str
    label: str
    kind: Kind
    value: Any
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    group: str = "lever"


def levers(scenario: Scenario) -> list[Control]:
    """The levers of a scenario: named ones, each budget line's units, every switch.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> controls = levers(load_scenario("scenarios/baseline.yaml"))
    >>> mode = next(c for c in controls if c.path == "simulation.campaign.mode")
    >>> mode.kind, mode.value, mode.choices
    ('choice', 'normal', ('normal', 'campaign'))
    >>> sorted({c.group for c in controls})
    ['lever', 'line', 'switch']
    """
    out = [c for path, label in NAMED if (c := _control(scenario, path, label)) is not None]
    if scenario.budget is not None:
        for row in scenario.budget.lines:
            path = f"budget.lines.{row.id}.{LINE_UNITS}"
            out.append(
                Control(path, row.name_zh, "integer", getattr(row, LINE_UNITS), group="line")
            )
    named = {path for path, _ in NAMED}
    out += [
        Control(path, label, "switch", value, group="switch")
        for path, label, value in _switches(scenario.simulation, "simulation")
        if path not in named
    ]
    return out


def uncertainties(scenario: Scenario) -> list[Control]:
    """Every parameter with a plausible range, as a number within it.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> u = {c.path: c for c in uncertainties(load_scenario("scenarios/baseline.yaml"))}
    >>> c = u["simulation.rectification.escalation.supervision_share"]
    >>> c.value, c.low, c.high
    (0.2, 0.05, 0.5)
    """
    out = []
    for row in parameter_table(scenario):
        if row["plausible"] is None or isinstance(row["value"], bool):
            continue
        kind: Kind = "integer" if isinstance(row["value"], int) else "number"
        low, high = row["plausible"]
        out.append(
            Control(row["path"], row["unit"], kind, row["value"], (), low, high, "uncertainty")
        )
    return out


def option(
    scenario: Scenario, settings: dict[str, Any], name: str
) -> tuple[Scenario | None, dict[str, Any], dict[str, str]]:
    """The variant a setting of the controls makes, its changes, and any validation message.

    Parameters
    ----------
    scenario : Scenario
    settings : dict
        Values by dotted path; those equal to the scenario's are dropped.
    name : str
        The variant's name.

    Returns
    -------
    scenario : Scenario or None
        The validated variant; None when a setting fails validation.
    changes : dict
        The paths changed and their values (the questionnaire's weight brings
        the material and field points it rescales).
    errors : dict
        The validation message by each changed path it concerns (the path at
        fault, a path below it or above it), or under ``""`` when it concerns
        none; empty when valid.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> variant, changes, errors = option(base, {"cycle.survey_points": 30.0}, "reform")
    >>> changes, errors
    ({'cycle.survey_points': 30.0, 'cycle.material_points': 35.0, 'cycle.field_points': 35.0}, {})
    >>> option(base, {"budget.total_yuan": -1}, "broke")[2]
    {'budget.total_yuan': 'the yearly fund must be more than 0 yuan, got -1 yuan'}
    """
    changes = {p: v for p, v in settings.items() if not _same(scenario, p, v)}
    if SURVEY in changes:
        changes.update(_rest_of_points(scenario, changes[SURVEY]))
    try:
        return override(scenario, {"name": name, **changes}), changes, {}
    except ScenarioError as exc:
        return None, changes, _at_controls(exc, changes)


def _at_controls(exc: ScenarioError, changes: dict[str, Any]) -> dict[str, str]:
    """The error's message by each changed path it concerns, or by ``""``."""
    where = exc.where or ""
    if not where:
        return {"": str(exc)}
    near = [
        p for p in changes if p == where or p.startswith(f"{where}.") or where.startswith(f"{p}.")
    ]
    return {p: exc.message for p in near} or {"": f"{where}: {exc.message}"}


def _control(scenario: Scenario, path: str, label: str) -> Control | None:
    try:
        value = value_at(scenario, path)
    except AttributeError:  # the scenario has no such section (no budget, no generator)
        return None
    if isinstance(value, bool):
        return Control(path, label, "switch", value)
    parent, _, field = path.rpartition(".")
    owner = value_at(scenario, parent)
    annotation = type(owner).model_fields[field].annotation
    if typing.get_origin(annotation) is Literal:
        return Control(path, label, "choice", value, typing.get_args(annotation))
    return Control(path, label, "integer" if isinstance(value, int) else "number", value)


def _switches(model: BaseModel, prefix: str) -> list[tuple[str, str, bool]]:
    """Every on/off field under ``model``: path, description, value."""
    out = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(value, bool):
            out.append((path, info.description or path, value))
        elif isinstance(value, BaseModel):
            out += _switches(value, path)
    return out


def _same(scenario: Scenario, path: str, value: Any) -> bool:
    try:
        current = _value(scenario, path)
    except (AttributeError, IndexError, KeyError, ValueError):
        return False  # an unknown path: override names it
    if isinstance(current, bool) or isinstance(value, bool):
        return current is value
    return bool(current == value)


def _value(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path whose parts may name a table's row by its index or id."""
    value: Any = scenario
    for part in path.split("."):
        if isinstance(value, tuple):
            rows = {str(getattr(r, "id", i)): r for i, r in enumerate(value)}
            value = rows[part] if part in rows else value[int(part)]
        else:
            value = getattr(value, part)
    return value


def _rest_of_points(scenario: Scenario, survey: Any) -> dict[str, float]:
    """Material and field points rescaled in proportion so that the three keep their total."""
    cycle = scenario.cycle
    total = cycle.material_points + cycle.field_points + cycle.survey_points
    rest = cycle.material_points + cycle.field_points
    try:
        left = total - float(survey)
    except (TypeError, ValueError):
        return {}  # not a number: override says so
    return {p: value_at(scenario, p) / rest * left for p in OTHER_POINTS}
