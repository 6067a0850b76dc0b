"""Reading a scenario's tables: CSV or XLSX files inside the scenario's folder.

A file that is not what its name says (a text file named ``.xlsx``, a truncated
or password-protected workbook, a CSV that is not UTF-8 text or holds a NUL
byte), a header that names a column twice, or a table longer than
:data:`~civsim.scenario.params.MAX_TABLE_ROWS` is refused with a
:class:`~civsim.errors.ScenarioError` naming the file, before the rows are kept.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from civsim.errors import ScenarioError
from civsim.scenario.params import MAX_TABLE_ROWS

TABLE_SUFFIXES = (".csv", ".xlsx")
#: The first bytes of an OLE2 compound file: a legacy .xls, or a password-protected
#: (encrypted) workbook, which Excel saves in this container rather than as a zip.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    return Table(path, rows, sheet=sheet)


def _check_header(names: Sequence[str], label: str) -> None:
    """Refuse a header that names a column twice."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            continue
        if name in seen:
            raise ScenarioError(
                f"duplicate column {name!r} (columns {seen[name] + 1} and {i + 1}); "
                "name each column once",
                file=label,
                where="row 1",
            )
        seen[name] = i


def _bounded(rows: Iterable[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """The rows, refused as soon as there are more than MAX_TABLE_ROWS of them."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if len(out) == MAX_TABLE_ROWS:
            raise ScenarioError(
                f"table has more than {MAX_TABLE_ROWS:,} rows; civsim refuses longer tables",
                file=label,
            )
        out.append(row)
    return out


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    return value


def _read_csv(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _bounded(_csv_rows(fh, path), str(path))
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text ({exc.reason}); save the table as UTF-8 CSV",
            file=str(path),
        ) from None
    except csv.Error as exc:
        raise ScenarioError(f"malformed CSV: {exc}", file=str(path)) from None


def _csv_rows(fh: Iterable[str], path: Path) -> Iterator[dict[str, Any]]:
    reader = csv.reader(fh)
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip() for h in header]
    if any("\x00" in n for n in names):
        raise ScenarioError("NUL byte in the header: not a text CSV", file=str(path), where="row 1")
    _check_header(names, str(path))
    row = 1  # rows as the table's messages count them: the header, then non-blank lines
    for rec in reader:
        if not rec:
            continue  # a blank line, as csv.DictReader skips it
        row += 1
        if len(rec) > len(names):
            raise ScenarioError(
                f"row has more cells than the header ({len(names)})",
                file=str(path),
                where=f"row {row}",
            )
        if any("\x00" in v for v in rec):
            raise ScenarioError(
                "NUL byte in a cell: not a text CSV", file=str(path), where=f"row {row}"
            )
        cells = dict(zip(names, rec, strict=False))
        yield {n: _clean_cell(cells.get(n)) for n in names if n}


def _read_xlsx(path: Path, sheet: str) -> tuple[list[dict[str, Any]], str]:
    with path.open("rb") as fh:
        magic = fh.read(len(OLE2_MAGIC))
    if magic == OLE2_MAGIC:
        raise ScenarioError(
            "not an XLSX workbook: a password-protected workbook or a legacy .xls file; "
            "save it as .xlsx without a password",
            file=str(path),
        )
    if not zipfile.is_zipfile(path):
        raise ScenarioError(
            "not an XLSX workbook (an XLSX file is a zip archive): empty, truncated or "
            "another kind of file",
            file=str(path),
        )
    try:
        return _xlsx_rows(path, sheet)
    except (
        OSError,
        EOFError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        ParseError,
    ) as exc:
        raise ScenarioError(
            f"cannot read workbook ({type(exc).__name__}: {exc}); is it a valid .xlsx file?",
            file=str(path),
        ) from None


def _xlsx_rows(path: Path, sheet: str) -> tuple[list[dict[str, Any]], str]:
    import openpyxl  # imported here: only XLSX tables need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise ScenarioError(f"cannot read workbook: {exc}", file=str(path)) from None
    try:
        titles = [ws.title for ws in wb.worksheets]
        if not titles:
            raise ScenarioError("the workbook has no worksheet", file=str(path))
        if sheet and sheet not in titles:
            raise ScenarioError(f"no sheet {sheet!r}; the workbook has {titles}", file=str(path))
        ws = wb.worksheets[titles.index(sheet) if sheet else 0]
        label = f"{path}#{ws.title}"
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return [], ws.title
        names = [str(h).strip() if h is not None else "" for h in header]
        _check_header(names, label)
        rows = _bounded(
            (
                {n: _clean_cell(v) for n, v in zip(names, rec, strict=False) if n}
                for rec in it
                if any(v is not None for v in rec)
            ),
            label,
        )
        return rows, ws.title
    finally:
        wb.close()
