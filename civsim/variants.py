"""Variants of a scenario by the levers' grammar: ``xF``, ``+D``, ``-D`` or ``=V`` at a dotted path.

The grammar of the reality checks' data (``civsim/data/reality.yaml``): a
change multiplies, adds, subtracts or sets a parameter, and a path
``table.*.column`` changes that column in every row of a table. Variants are
made with :func:`civsim.scenario.override`, so they are validated as a loaded
file is.
"""

from __future__ import annotations

from typing import Any

import yaml

from civsim.errors import CivsimError
from civsim.scenario import Scenario, override

__all__ = ["changed", "value_at", "vary"]


def value_at(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of fields (``budget.total_yuan``); AttributeError if none."""
    value: Any = scenario
    for part in path.split("."):
        if value is None:
            raise AttributeError(path)
        value = getattr(value, part)
    return value


def changed(value: Any, change: str) -> Any:
    """``value`` after a change of the levers' grammar: ``xF``, ``+D``, ``-D`` or ``=V``."""
    op, arg = change[0], change[1:]
    if op == "=":
        return yaml.safe_load(arg)
    number = float(arg)
    ops = {"x": lambda: value * number, "+": lambda: value + number, "-": lambda: value - number}
    if op not in ops:
        raise CivsimError(f"change {change!r}: expected xF, +D, -D or =V")
    new = ops[op]()
    if isinstance(value, int) and not isinstance(value, bool):
        return round(new)
    return round(new, 12)  # 0.45, not 0.44999999999999996


def vary(scenario: Scenario, changes: dict[str, str], name: str | None = None) -> Scenario:
    """A variant with parameters changed by the levers' grammar (``x2``, ``+5``, ``=true``).

    A path ``table.*.column`` changes that column in every row of a table.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> v = vary(county, {"budget.total_yuan": "x2", "framework.standards.*.decay_per_day": "x2"})
    >>> v.budget.total_yuan, v.framework.standards[0].decay_per_day
    (7000000, 0.05)
    """
    out: dict[str, Any] = {} if name is None else {"name": name}
    for path, change in changes.items():
        if ".*." in path:
            table, column = path.split(".*.")
            rows = [r.model_dump() for r in value_at(scenario, table)]
            for row in rows:
                row[column] = changed(row[column], change)
            out[table] = rows
        else:
            out[path] = changed(value_at(scenario, path), change)
    return override(scenario, out)
