"""Writing result tables: CSV files and one XLSX workbook, all or nothing.

Commands compute everything first and write last, into a staging folder beside
the destination that only becomes the destination when every file is written
(:func:`staged_folder`), so a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from civsim.errors import CivsimError

__all__ = ["staged_folder", "write_tables"]

#: Permissions of a written folder (rwxr-xr-x), as ``mkdir`` gives under the usual umask.
FOLDER_MODE = 0o755
#: Rows an XLSX sheet holds below its header (Excel's limit).
XLSX_MAX_ROWS = 1_048_575


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame], workbook: str) -> list[Path]:
    """Write each table to ``<name>.csv`` and all of them to one workbook, a sheet each.

    Parameters
    ----------
    folder : Path
        An existing folder.
    tables : mapping of str to pandas.DataFrame
        Sheet and file names (at most 31 characters, Excel's limit) to tables.
    workbook : str
        File name of the workbook (``reports.xlsx``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    CivsimError
        If a table has more rows or a name more characters than a sheet allows
        (checked before anything is written).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_tables(folder, {"t": pd.DataFrame({"a": [1]})}, "r.xlsx")]
    ['t.csv', 'r.xlsx']
    >>> pd.read_excel(folder / "r.xlsx", sheet_name="t")["a"].tolist()
    [1]
    """
    for name, table in tables.items():
        if len(table) > XLSX_MAX_ROWS or len(name) > 31:
            raise CivsimError(
                f"table {name!r} ({len(table):,} rows) does not fit an XLSX sheet "
                f"(at most {XLSX_MAX_ROWS:,} rows, names of at most 31 characters)"
            )
    written = []
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    path = folder / workbook
    with pd.ExcelWriter(path, engine="openpyxl") as xlsx:
        for name, table in tables.items():
            table.to_excel(xlsx, sheet_name=name, index=False)
    written.append(path)
    return written


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A staging folder whose files land in ``out`` only if the block ends without error.

    Files already in ``out`` with the same names are replaced; others are kept.

    Parameters
    ----------
    out : Path
        The destination folder (created if missing).

    Yields
    ------
    Path
        The staging folder to write into.

    Raises
    ------
    CivsimError
        If ``out`` exists and is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "result"
    >>> with staged_folder(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> (out / "a.txt").read_text()
    'done'
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CivsimError(f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(FOLDER_MODE)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not out.exists():
        tmp.rename(out)
        return
    for item in tmp.iterdir():
        target = out / item.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)
    tmp.rmdir()
