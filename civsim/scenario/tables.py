"""Reading a scenario's tables: CSV or XLSX files inside the scenario's folder."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from civsim.errors import ScenarioError
from civsim.scenario.params import MAX_TABLE_ROWS

TABLE_SUFFIXES = (".csv", ".xlsx")


class Table:
    """A table's rows, remembered with the file they came from (for error messages)."""

    def __init__(
        self, path: Path, rows: list[dict[str, Any]], header_rows: int = 1, sheet: str = ""
    ):
        self.path = path
        self.rows = rows
        self.header_rows = header_rows
        self.sheet = sheet

    @property
    def label(self) -> str:
        """The file, and the sheet of a workbook (``book.xlsx#Sheet1``), for messages."""
        return f"{self.path}#{self.sheet}" if self.sheet else str(self.path)


def read_table(folder: Path, name: str, declared_in: Path) -> Table:
    """Read a CSV or XLSX table that must sit inside ``folder``.

    XLSX tables are read from their first sheet, or from ``file.xlsx#Sheet``.
    """
    file_part, _, sheet = name.partition("#")
    path = (folder / file_part).resolve()
    where = f"table {name!r}"
    if not path.is_relative_to(folder.resolve()):
        raise ScenarioError(
            f"{where} leaves the scenario's folder {folder}; tables must sit inside it",
            file=str(declared_in),
        )
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise ScenarioError(f"{where}: expected a .csv or .xlsx file", file=str(declared_in))
    if not path.is_file():
        raise ScenarioError(f"{where} does not exist ({path})", file=str(declared_in))
    if path.suffix.lower() == ".xlsx":
        rows, sheet = _read_xlsx(path, sheet)
    else:
        rows, sheet = _read_csv(path), ""
    if len(rows) > MAX_TABLE_ROWS:
        raise ScenarioError(
            f"table has {len(rows):,} rows; civsim refuses more than {MAX_TABLE_ROWS:,}",
            file=str(path),
        )
    return Table(path, rows, sheet=sheet)


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    return value


def _read_csv(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for i, rec in enumerate(reader):
                if None in rec:
                    raise ScenarioError(
                        f"row has more cells than the header ({len(reader.fieldnames or [])})",
                        file=str(path),
                        where=f"row {i + 2}",
                    )
                rows.append({k.strip(): _clean_cell(v) for k, v in rec.items() if k})
            return rows
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text: {exc.reason}", file=str(path)) from None
    except csv.Error as exc:
        raise ScenarioError(f"malformed CSV: {exc}", file=str(path)) from None


def _read_xlsx(path: Path, sheet: str) -> tuple[list[dict[str, Any]], str]:
    import openpyxl  # imported here: only XLSX tables need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError) as exc:
        raise ScenarioError(f"cannot read workbook: {exc}", file=str(path)) from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise ScenarioError(
                f"no sheet {sheet!r}; the workbook has {wb.sheetnames}", file=str(path)
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return [], ws.title
        names = [str(h).strip() if h is not None else "" for h in header]
        rows = [
            {n: _clean_cell(v) for n, v in zip(names, rec, strict=False) if n}
            for rec in it
            if any(v is not None for v in rec)
        ]
        return rows, ws.title
    finally:
        wb.close()
