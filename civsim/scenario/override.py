"""Variants of a scenario: parameters changed by their dotted paths, validated again.

:func:`override` is the one route from a scenario to a variant of it. The
scenario is dumped, each change is set at its path, and the whole is validated
again like a loaded file: every field check, every rule of a section (the
cycle's points add up to 100) and every rule that spans sections (budget lines
name known districts and standards) runs, and an error names the dotted path.

Paths are field names joined by dots (``simulation.dynamics.upkeep_rate``). A
table (a list of rows) is entered by a row's index from 0 or by its ``id``
(``budget.lines.0.effect_size``, ``budget.lines.back_alley_upgrade.effect_size``).
A mapping given as a value merges into the section it names, as an ``extends:``
overlay does; any other value replaces what is there (a list replaces the whole
list).

Text values, as the command line gives them (``--set PATH=VALUE``), are read
with YAML's scalar rules (``24000000`` a number, ``[0.2, 0.3, 0.5]`` a list,
``null`` nothing), except that a field of text keeps the text as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from civsim.errors import ScenarioError
from civsim.scenario.checks import hint
from civsim.scenario.load import deep_merge
from civsim.scenario.schema.scenario import Scenario

__all__ = ["override", "parse_set"]


def override(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A validated variant of ``scenario`` with parameters changed by their dotted paths.

    Parameters
    ----------
    scenario : Scenario
        The scenario to vary; it is not changed.
    changes : mapping of str to object
        New values by dotted path (``"budget.total_yuan"``). Values are Python
        values or text read as YAML (see the module's notes); ``"name"`` renames
        the variant, as :func:`civsim.experiments.compare` needs.

    Returns
    -------
    Scenario
        Validated like a loaded file; its ``source_file`` (and so its folder) is
        the original's.

    Raises
    ------
    ScenarioError
        If a path is unknown (the closest valid one is suggested) or a value
        breaks a rule; ``where`` is the dotted path at fault.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> faster = override(
    ...     county, {"name": "upkeep9", "simulation.dynamics.upkeep_rate": 0.09}
    ... )
    >>> faster.name, faster.simulation.dynamics.upkeep_rate, faster.folder == county.folder
    ('upkeep9', 0.09, True)
    >>> override(county, {"budget.total_yuan": "24_000_000"}).budget.total_yuan
    24000000
    >>> override(county, {"simulation.dynamics.upkeep_rate": -5})
    Traceback (most recent call last):
    ...
    civsim.errors.ScenarioError: override of county_nominee: simulation.dynamics.upkeep_rate: Input should be greater than or equal to 0, got -5
    >>> override(county, {"cycle.survey_points": 90})
    Traceback (most recent call last):
    ...
    civsim.errors.ScenarioError: override of county_nominee: cycle: material, field and survey points must add up to 100, got 170.0
    >>> override(county, {"simulation.dynamics.upkeep_rat": 0.09})
    Traceback (most recent call last):
    ...
    civsim.errors.ScenarioError: override of county_nominee: simulation.dynamics.upkeep_rat: unknown key 'upkeep_rat' (did you mean 'upkeep_rate'?)
    """  # noqa: E501
    label = f"override of {scenario.name}"
    data: dict[str, Any] = scenario.model_dump()
    given: dict[str, str] = {}  # the path as resolved (row indices) -> as the user gave it
    for path, value in changes.items():
        resolved = _assign(data, str(path), value, label)
        given[resolved] = str(path)
    try:
        return Scenario.model_validate({**data, "source_file": scenario.source_file})
    except ValidationError as exc:
        raise _explain(exc, given, label) from None


def parse_set(text: str) -> tuple[str, str]:
    """Split a command line's ``PATH=VALUE`` at its first ``=``.

    Examples
    --------
    >>> parse_set("simulation.campaign.mode=campaign")
    ('simulation.campaign.mode', 'campaign')
    >>> parse_set("cycle.year_weights=[0.2, 0.3, 0.5]")
    ('cycle.year_weights', '[0.2, 0.3, 0.5]')
    >>> parse_set("budget.total_yuan")
    Traceback (most recent call last):
    ...
    ValueError: expected PATH=VALUE (simulation.dynamics.upkeep_rate=0.09), got 'budget.total_yuan'
    """
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ValueError(
            f"expected PATH=VALUE (simulation.dynamics.upkeep_rate=0.09), got {text!r}"
        )
    return path.strip(), value.strip()


def _assign(data: dict[str, Any], path: str, value: Any, label: str) -> str:
    """Set ``value`` at ``path`` in the dumped scenario; return the path with row indices."""
    parts = path.split(".")
    node: Any = data
    ann: Any = Scenario
    done: list[str] = []
    for i, part in enumerate(parts):
        where = ".".join([*done, part])
        last = i == len(parts) - 1
        model, rows, values = _model(ann), _rows(ann), _dict_values(ann)
        if model is not None:
            fields = {n for n, f in model.model_fields.items() if not f.exclude}
            if part not in fields:
                raise ScenarioError(f"unknown key {part!r}{hint(part, fields)}", label, where)
            key: str | int = part
            ann = model.model_fields[part].annotation
        elif rows is not None:
            if not isinstance(node, list):
                raise ScenarioError(f"{'.'.join(done)} has no rows; set it whole", label, where)
            key = _row_index(node, part, label, where)
            ann = rows
        elif ann is Any:  # inside a mechanism's settings: its own model checks them
            if not isinstance(node, dict):
                raise ScenarioError(f"{'.'.join(done)} is not a mapping", label, where)
            key = part
        elif values is not None:
            if not last and _is_scalar(values):  # keys of ``sources`` are paths themselves
                part = ".".join(parts[i:])
                where, last = ".".join([*done, part]), True
            key, ann = part, values
        else:
            raise ScenarioError(
                f"{'.'.join(done)} is a value, not a section: it has no key {part!r}", label, where
            )
        done.append(str(key))
        if last:
            node[key] = _merged(node.get(key) if isinstance(node, dict) else node[key], value, ann)
            return ".".join(done)
        child = node.get(key) if isinstance(node, dict) else node[key]
        if child is None:
            child = {}  # a section the scenario leaves out: validation asks for what it needs
        elif isinstance(child, tuple | list):
            child = list(child)
        elif isinstance(child, Mapping):
            child = dict(child)
        node[key] = child
        node = child
    raise ScenarioError("empty path", label, path)  # pragma: no cover (split gives a part)


def _row_index(rows: list, part: str, label: str, where: str) -> int:
    """A row's index, given as a number from 0 or as the row's ``id``."""
    if part.lstrip("-").isdigit():
        index = int(part)
        if not 0 <= index < len(rows):
            raise ScenarioError(
                f"row index {index} out of range (0 .. {len(rows) - 1})", label, where
            )
        return index
    ids = [row.get("id") for row in rows if isinstance(row, Mapping)]
    if part not in ids:
        known = {str(i) for i in ids if i is not None}
        raise ScenarioError(f"no row with id {part!r}{hint(part, known)}", label, where)
    return ids.index(part)


def _merged(old: Any, value: Any, ann: Any) -> Any:
    """The new value: text read as YAML, a mapping merged into the section it replaces."""
    if isinstance(value, str):
        value = _from_text(value, ann)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, Mapping) and isinstance(old, Mapping):
        return deep_merge(old, value)
    return value


def _from_text(text: str, ann: Any) -> Any:
    """Text read with YAML's scalar rules; a text field keeps its text."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # not YAML: leave it to validation, which says what was expected
    if isinstance(value, str) or not _takes_text(ann):
        return value
    return None if value is None and NoneType in _alternatives(ann) else text


def _alternatives(ann: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None``), else the annotation alone, unwrapped."""
    if get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    if get_origin(ann) in (Union, UnionType):
        return tuple(a for arg in get_args(ann) for a in _alternatives(arg))
    return (ann,)


def _takes_text(ann: Any) -> bool:
    return any(
        a is str or (get_origin(a) is Literal and any(isinstance(v, str) for v in get_args(a)))
        for a in _alternatives(ann)
    )


def _model(ann: Any) -> type[BaseModel] | None:
    for a in _alternatives(ann):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _rows(ann: Any) -> Any:
    """The row type of a table (``tuple[Row, ...]``), else None."""
    for a in _alternatives(ann):
        if get_origin(a) in (tuple, list):
            args = get_args(a)
            if args:
                return args[0]
    return None


def _dict_values(ann: Any) -> Any:
    """The value type of a mapping field (``dict[str, X]``), else None."""
    for a in _alternatives(ann):
        if get_origin(a) is dict:
            return get_args(a)[1]
    return None


def _is_scalar(ann: Any) -> bool:
    return (
        _model(ann) is None and _rows(ann) is None and _dict_values(ann) is None and ann is not Any
    )


def _explain(exc: ValidationError, given: dict[str, str], label: str) -> ScenarioError:
    """The first of pydantic's errors, naming the path as given and the value it got."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        parent = _annotation_at(tuple(err["loc"])[:-1])
        model = _model(parent)
        known = [n for n, f in model.model_fields.items() if not f.exclude] if model else []
        msg = f"unknown key {err['loc'][-1]!r}{hint(str(err['loc'][-1]), known)}"
    elif loc in given and not isinstance(err.get("input"), Mapping | BaseModel | list):
        msg = f"{msg}, got {err.get('input')!r}"
    related = [p for p in given if p == loc or p.startswith(f"{loc}.") or loc.startswith(f"{p}.")]
    if given and not related and loc not in given:
        msg = f"{msg} (after overriding {', '.join(given.values())})"
    return ScenarioError(msg, label, given.get(loc, loc) or None)


def _annotation_at(loc: tuple) -> Any:
    """The annotation at a pydantic error location (None when it cannot be followed)."""
    ann: Any = Scenario
    for part in loc:
        model = _model(ann)
        if isinstance(part, int):
            ann = _rows(ann)
        elif model is not None and part in model.model_fields:
            ann = model.model_fields[part].annotation
        else:
            ann = _dict_values(ann)
        if ann is None:
            return None
    return ann
