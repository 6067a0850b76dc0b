"""The responsibility table (责任分解表): who leads and who cooperates on each standard.

A framework's standards name their own lead and cooperating units; a
responsibility table, kept in the scenario as ``framework.responsibilities`` or
imported from a spreadsheet, overrides them standard by standard. The table
round-trips: :func:`responsibility_table` exports it, :func:`import_responsibilities`
reads it back into a scenario, and exporting again gives an equal table.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd
from pydantic import ValidationError

from civsim.errors import ScenarioError, TableError
from civsim.labels import column_of, header_zh
from civsim.scenario import (
    Framework,
    ResponsibilityRow,
    Scenario,
    read_table,
    responsibility_problem,
)
from civsim.scenario.load import _explain
from civsim.scenario.tables import Table

__all__ = [
    "RESPONSIBILITY_COLUMNS",
    "SHEET_NAMES",
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


#: The names a workbook's responsibility sheet goes by, when the path names no ``#sheet``.
SHEET_NAMES = ("responsibilities", "责任分解表")
#: What separates units in ``cooperating_units``: ``;`` and, as offices write it, ``；`` or ``、``.
UNIT_SEPARATORS = r"[;；、]"
#: Columns of an office's sheet (序号、责任人、完成时限、备注) that are for its readers and
#: are not read back: civsim derives the persons and deadlines from the framework.
READER_COLUMNS = ("number", "responsible", "due", "remarks")
# A unit written as "name (id)", with ASCII or full-width brackets, as civsim's sheets show it.
_NAME_AND_ID = re.compile(r".*?[(（]\s*([A-Za-z0-9_]+)\s*[)）]")


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
        A CSV file, or an XLSX workbook (``book.xlsx#Sheet``; without a sheet,
        its only sheet, or the one named as in :data:`SHEET_NAMES`), with
        columns ``standard``, ``lead_unit`` and ``cooperating_units`` (units by
        id, by Chinese name or as ``name (id)``, separated by ``;``, ``；`` or
        ``、``) and optionally ``points`` (checked against the framework) and the
        reader's columns ``item``, ``content``, ``text_zh`` and ``method``; or
        the same columns under their Chinese headers (标准编号, 牵头单位,
        配合单位, 分值, 测评项目, ...; :data:`civsim.labels.HEADERS_ZH`), as in
        the 责任分解表 ``civsim tasks`` writes, whose 序号, 责任人, 完成时限 and a
        备注 column are not read. Standards the sheet omits keep their units.

    Returns
    -------
    Scenario
        A copy of ``scenario`` with ``framework.responsibilities`` set.

    Raises
    ------
    TableError
        If a column is missing or unknown, a cell has the wrong type, a standard
        or unit is unknown (the message lists the units' ids and names), a
        standard is listed twice, points differ from the framework, or a
        workbook has several sheets and none named as in :data:`SHEET_NAMES`;
        the message names the sheet, the row and the column (by the sheet's
        header, Chinese or English).

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
    sheet = sheet or _responsibility_sheet(file_path)
    name = file_path.name + (f"#{sheet}" if sheet else "")
    try:
        table = read_table(file_path.parent, name, file_path)
    except ScenarioError as exc:
        raise TableError(exc.message, exc.file, exc.where) from None
    if not table.rows:
        raise TableError("the sheet has no rows below its header", file=table.label)
    chinese = any(column_of(h) != h for h in table.rows[0])
    try:
        rows = _unit_ids(_columns(table.rows), scenario, table.label, table.header_rows)
        return _imported(scenario, fw, rows, table, file_path)
    except TableError as exc:
        if not chinese:
            raise
        # The message names the column as the sheet's header does.
        where = re.sub(r"column (\w+)", lambda m: f"column {header_zh(m[1])}", exc.where or "")
        message = re.sub(r"column '(\w+)'", lambda m: f"column '{header_zh(m[1])}'", exc.message)
        raise TableError(message, exc.file, where or None) from None


def _columns(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with Chinese headers as civsim's columns, the readers' columns left out."""
    out = []
    for row in rows:
        named = {column_of(str(k)): v for k, v in row.items()}
        out.append({k: v for k, v in named.items() if k not in READER_COLUMNS})
    return out


def _imported(
    scenario: Scenario,
    fw: Framework,
    rows: list[dict[str, Any]],
    table: Table,
    file_path: Path,
) -> Scenario:
    """``scenario`` with the checked rows as its framework's responsibilities."""
    try:
        # The field is optional, but it was just given the table's rows (checked non-empty
        # above), so validation either fails or yields them as a tuple.
        checked = cast(
            tuple[ResponsibilityRow, ...],
            Framework.model_validate(
                {**fw.model_dump(), "responsibilities": rows}
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


def _responsibility_sheet(path: Path) -> str:
    """The sheet to read from a workbook given without ``#sheet`` ("" for its first)."""
    if path.suffix.lower() != ".xlsx":
        return ""
    import openpyxl  # only for a workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError):
        return ""  # reading the table says what is wrong with the file
    if len(names) <= 1:
        return ""
    for wanted in SHEET_NAMES:
        if wanted in names:
            return wanted
    raise TableError(
        f"the workbook has {len(names)} sheets ({', '.join(names)}) and none is named "
        f"{' or '.join(SHEET_NAMES)}; name the sheet: {path.name}#SHEET",
        file=str(path),
    )


def _unit_ids(
    rows: Sequence[dict[str, Any]], scenario: Scenario, label: str, header_rows: int
) -> list[dict[str, Any]]:
    """The rows with units named by id or by Chinese name, as ids; an unknown one is refused.

    The message of an unknown unit gives the row and column and lists every
    member unit as ``id (name)``, so the sheet can be mended from it.
    """
    units = scenario.organisation.units
    by_name = {u.name_zh: u.id for u in units}
    ids = {u.id for u in units}
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        for col in ("lead_unit", "cooperating_units"):
            value = row.get(col)
            if not isinstance(value, str):
                continue  # empty, or a type the validation below reports
            parts = [p.strip() for p in re.split(UNIT_SEPARATORS, value) if p.strip()]
            named = [_unit_id(p, by_name) for p in parts]
            unknown = [p for p in named if p not in ids]
            if unknown:
                accepted = ", ".join(f"{u.id} ({u.name_zh})" for u in units)
                raise TableError(
                    f"unknown unit {unknown[0]!r}; a unit is named by its id or its Chinese "
                    f"name: {accepted}",
                    file=label,
                    where=f"row {i + 1 + header_rows}, column {col}",
                )
            row[col] = ";".join(named)
        out.append(row)
    return out


def _unit_id(text: str, by_name: dict[str, str]) -> str:
    """The unit a cell names: by Chinese name, as ``name (id)``, or by id."""
    if text in by_name:
        return by_name[text]
    both = _NAME_AND_ID.fullmatch(text)
    return both[1] if both else text
