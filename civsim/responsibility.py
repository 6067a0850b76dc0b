"""The responsibility table (责任分解表): who leads and who cooperates on each standard.

A framework's standards name their own lead and cooperating units; a
responsibility table, kept in the scenario as ``framework.responsibilities`` or
imported from a spreadsheet, overrides them standard by standard. The table
round-trips: :func:`responsibility_table` exports it, :func:`import_responsibilities`
reads it back into a scenario, and exporting again gives an equal table.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pandas as pd
from pydantic import ValidationError

from civsim.errors import ScenarioError, TableError
from civsim.scenario import (
    Framework,
    ResponsibilityRow,
    Scenario,
    read_table,
    responsibility_problem,
)
from civsim.scenario.load import _explain

__all__ = [
    "RESPONSIBILITY_COLUMNS",
    "import_responsibilities",
    "require_framework",
    "responsibility_table",
]

#: Columns of the responsibility table, in order.
RESPONSIBILITY_COLUMNS = (
    "standard",
    "item",
    "content",
    "text_zh",
    "method",
    "points",
    "lead_unit",
    "cooperating_units",
)


def require_framework(scenario: Scenario) -> Framework:
    """The scenario's framework, or a :class:`ScenarioError` saying it has none."""
    if scenario.framework is None:
        raise ScenarioError(
            "the scenario has no evaluation framework (framework: items, contents, standards, "
            "place_types)",
            file=scenario.source_file or None,
        )
    return scenario.framework


def responsibility_table(scenario: Scenario) -> pd.DataFrame:
    """The lead and cooperating units of every standard, after the scenario's overrides.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework.

    Returns
    -------
    pandas.DataFrame
        One row per standard, in framework order, with columns
        :data:`RESPONSIBILITY_COLUMNS`: ``standard``, ``item``, ``content``,
        ``text_zh``, ``method`` and ``points`` (from the framework, for the reader),
        ``lead_unit`` (``;``-joined: empty is a coverage gap, two or more a
        conflict) and ``cooperating_units`` (``;``-joined).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> table = responsibility_table(load_scenario("scenarios/baseline.yaml"))
    >>> table.loc[0, ["standard", "lead_unit", "cooperating_units"]].tolist()
    ['S001', 'market_reg', 'urban_mgmt']
    """
    fw = require_framework(scenario)
    item_of = {c.id: c.item for c in fw.contents}
    override = {r.standard: r for r in fw.responsibilities or ()}
    rows = []
    for std in fw.standards:
        row = override.get(std.id)
        leads = row.lead_unit if row else ((std.lead_unit,) if std.lead_unit else ())
        cooperating = row.cooperating_units if row else std.cooperating_units
        rows.append(
            (
                std.id,
                item_of[std.content],
                std.content,
                std.text_zh,
                std.method,
                std.points,
                ";".join(leads),
                ";".join(cooperating),
            )
        )
    return pd.DataFrame(rows, columns=list(RESPONSIBILITY_COLUMNS))


def import_responsibilities(scenario: Scenario, path: str | Path) -> Scenario:
    """A new scenario whose standards take their lead and cooperating units from a sheet.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework.
    path : str or Path
        A CSV file, or an XLSX workbook (its first sheet, or ``book.xlsx#Sheet``),
        with columns ``standard``, ``lead_unit`` and ``cooperating_units``
        (``;``-separated unit ids) and optionally ``points`` (checked against
        the framework) and the reader's columns ``item``, ``content``,
        ``text_zh`` and ``method``. Standards the sheet omits keep their units.

    Returns
    -------
    Scenario
        A copy of ``scenario`` with ``framework.responsibilities`` set.

    Raises
    ------
    TableError
        If a column is missing or unknown, a cell has the wrong type, a standard
        or unit is unknown, a standard is listed twice, or points differ from the
        framework; the message names the sheet, the row and the column.

    Examples
    --------
    >>> import tempfile
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> sheet = Path(tempfile.mkdtemp()) / "r.csv"
    >>> responsibility_table(s).assign(lead_unit="propaganda", cooperating_units="").to_csv(
    ...     sheet, index=False
    ... )
    >>> set(responsibility_table(import_responsibilities(s, sheet))["lead_unit"])
    {'propaganda'}
    """
    fw = require_framework(scenario)
    file, _, sheet = str(path).partition("#")
    file_path = Path(file).resolve()
    name = file_path.name + (f"#{sheet}" if sheet else "")
    try:
        table = read_table(file_path.parent, name, file_path)
    except ScenarioError as exc:
        raise TableError(exc.message, exc.file, exc.where) from None
    if not table.rows:
        raise TableError("the sheet has no rows below its header", file=table.label)
    try:
        # The field is optional, but it was just given the table's rows (checked non-empty
        # above), so validation either fails or yields them as a tuple.
        checked = cast(
            tuple[ResponsibilityRow, ...],
            Framework.model_validate(
                {**fw.model_dump(), "responsibilities": table.rows}
            ).responsibilities,
        )
    except ValidationError as exc:
        err = _explain(exc, file_path, {("responsibilities",): table})
        raise TableError(err.message, err.file, err.where) from None
    units = {u.id for u in scenario.organisation.units}
    problem = responsibility_problem(checked, fw, units)
    if problem:
        i, col, msg = problem
        raise TableError(
            msg, file=table.label, where=f"row {i + 1 + table.header_rows}, column {col}"
        )
    framework = fw.model_copy(update={"responsibilities": checked})
    return scenario.model_copy(update={"framework": framework})
