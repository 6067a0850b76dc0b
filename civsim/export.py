"""Writing output folders safely: CSV files and one XLSX workbook, all or nothing.

Commands compute everything first and write last, into a staging folder beside
the destination whose files only move into the destination when every file is
written (:func:`staged_folder`), so a failure leaves nothing behind. Every
command that writes goes through the same rules:

- :func:`check_output` refuses, before any work, a destination that is a file,
  lies under a file, sits in a folder that cannot be written, or is the
  filesystem root or the home folder itself;
- only the files the command writes are replaced; anything else in the folder
  (a user's ``notes.txt``) is kept;
- one writer at a time: a lock (``fcntl.flock`` on ``.<name>.lock`` beside the
  destination, removed afterwards) is held for the whole write, and a second
  writer waits for it (up to :data:`LOCK_TIMEOUT` seconds, then refuses);
- a write that fails (a full disk) raises :class:`~civsim.errors.CivsimError`
  naming the folder and the cause, and leaves the folder as it was;
- staging folders are named ``.<name>.<pid>.<random>``; one whose process is
  gone (a killed run) is removed by the next write to the same destination.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd

from civsim.errors import CivsimError

__all__ = [
    "CSV_ENCODING",
    "LOCK_TIMEOUT",
    "check_output",
    "output_lock",
    "staged_folder",
    "write_csv",
    "write_tables",
    "write_workbook",
]

#: Widest column of a workbook (Excel's character units); longer text wraps.
XLSX_MAX_WIDTH = 60
#: Width (character units) a printed page holds: A4 landscape less the margins holds
#: about 150 characters of 11-point text, 200 at the 75% (8-point) that still reads well.
#: Wider sheets first narrow their widest text columns, which then wrap, so that
#: fitting the page's width does not shrink the text below that.
XLSX_PAGE_WIDTH = 200
#: Narrowest a text column is made to fit a page (six Chinese characters).
XLSX_MIN_WRAP_WIDTH = 12
#: Height (points) of one line of text in a row: the default row of 11-point text. Rows
#: with wrapped text are given their height, as neither Excel nor LibreOffice sizes the
#: rows of a written file when it opens it (wrapped lines would print over each other).
XLSX_LINE_HEIGHT = 15.0
#: Rows read to size a column (the header and the first rows).
XLSX_WIDTH_SAMPLE = 200
#: Decimals shown for fractional numbers in a workbook (the values keep all theirs).
XLSX_DECIMALS = 2
#: Every CSV civsim writes is UTF-8 with a byte-order mark: Excel on Windows reads a CSV
#: without one in the local code page and garbles the Chinese; pandas and civsim's own
#: table reader skip the mark.
CSV_ENCODING = "utf-8-sig"

#: Rows of a sheet that print: a long sheet (13,000 grid workers' workload) would
#: otherwise print to hundreds of pages. Sheets put what matters first (the most
#: loaded, the first standards), about five landscape pages; the rest stays in
#: the sheet and its CSV, and the page footer says how many rows were left out.
XLSX_PRINT_ROWS = 200
#: Footer of every printed page: page numbers (Excel's codes &P and &N).
XLSX_PAGE_FOOTER = "第 &P 页，共 &N 页"

#: Permissions of a written folder (rwxr-xr-x), as ``mkdir`` gives under the usual umask.
FOLDER_MODE = 0o755
#: Rows an XLSX sheet holds below its header (Excel's limit).
XLSX_MAX_ROWS = 1_048_575
#: Seconds a writer waits for another one writing to the same folder before refusing.
LOCK_TIMEOUT = 600.0
#: Seconds between two attempts to take a busy lock.
_LOCK_POLL = 0.05


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    r"""Write ``table`` as CSV without its index, in :data:`CSV_ENCODING`.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"区": ["东城区"]}), path)
    >>> path.read_bytes()[:3] == b"\xef\xbb\xbf", pd.read_csv(path).columns.tolist()
    (True, ['区'])
    """
    table.to_csv(path, index=False, encoding=CSV_ENCODING)


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
    _check_sheets(tables)
    written = []
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        write_csv(table, path)
        written.append(path)
    path = folder / workbook
    write_workbook(path, tables)
    written.append(path)
    return written


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """Write each table to a sheet of one workbook, laid out for reading and printing.

    Every sheet has its header frozen and filterable, columns as wide as their
    text (Chinese characters count double, up to :data:`XLSX_MAX_WIDTH`, longer
    text wrapped), whole numbers with thousands separators and fractions with
    :data:`XLSX_DECIMALS` decimals, and prints landscape, one page wide, with the
    header on every page, its name above and page numbers below; a sheet longer than
    :data:`XLSX_PRINT_ROWS` rows prints its first rows only and says so in the
    footer.

    Raises
    ------
    CivsimError
        If a table has more rows or a name more characters than a sheet allows
        (checked before the file is written).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "r.xlsx"
    >>> write_workbook(path, {"t": pd.DataFrame({"区": ["东城区"], "yuan": [1200000]})})
    >>> ws = openpyxl.load_workbook(path)["t"]
    >>> ws.freeze_panes, ws.auto_filter.ref, ws["B2"].number_format, ws.print_title_rows
    ('A2', 'A1:B2', '#,##0', '$1:$1')
    >>> write_workbook(path, {"t": pd.DataFrame({"n": range(XLSX_PRINT_ROWS + 5)})})
    >>> openpyxl.load_workbook(path)["t"].print_area
    "'t'!$A$1:$A$201"
    """
    _check_sheets(tables)
    with pd.ExcelWriter(path, engine="openpyxl") as xlsx:
        for name, table in tables.items():
            table.to_excel(xlsx, sheet_name=name, index=False)
            _lay_out(xlsx.sheets[name], table)


def _check_sheets(tables: Mapping[str, pd.DataFrame]) -> None:
    """Refuse a table longer, or a name longer, than an XLSX sheet holds."""
    for name, table in tables.items():
        if len(table) > XLSX_MAX_ROWS or len(name) > 31:
            raise CivsimError(
                f"table {name!r} ({len(table):,} rows) does not fit an XLSX sheet "
                f"(at most {XLSX_MAX_ROWS:,} rows, names of at most 31 characters)"
            )


def _lay_out(ws: Any, table: pd.DataFrame) -> None:
    """Freeze, filter, size, format and set up printing of one written sheet."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # the paper of a Chinese office
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = XLSX_PAGE_FOOTER
    ws.oddHeader.center.text = "&A"  # the sheet's name: which report a loose page belongs to
    if len(table) > XLSX_PRINT_ROWS:
        last = get_column_letter(max(len(table.columns), 1))
        ws.print_area = f"A1:{last}{XLSX_PRINT_ROWS + 1}"
        # Short, so that it leaves room for the page number in the middle.
        ws.oddFooter.left.text = f"仅打印前 {XLSX_PRINT_ROWS:,} 行，共 {len(table):,} 行"
    natural = [_natural_width(table, column) for column in table.columns]
    numeric = [pd.api.types.is_numeric_dtype(table[column]) for column in table.columns]
    widths = _fit_page(natural, numeric)
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = pd.Series(1, index=range(len(table)))
    for j, column in enumerate(table.columns, start=1):
        values = table[column]
        ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
        if pd.api.types.is_bool_dtype(values):
            number_format = None
        elif pd.api.types.is_integer_dtype(values):
            number_format = "#,##0"
        elif pd.api.types.is_float_dtype(values):
            number_format = "#,##0." + "0" * XLSX_DECIMALS
        else:
            number_format = None
        long_text = natural[j - 1] > widths[j - 1]
        if long_text:
            # Characters a line of the column holds: its width less the cell's margins.
            per_line = max(widths[j - 1] - 2, 1)
            text = values.astype(object).where(values.notna(), "").astype(str)
            needed = text.map(lambda t, n=per_line: -(-_display_width(t) // n)).to_numpy()
            lines = lines.clip(lower=pd.Series(needed, index=lines.index))
        if number_format is None and not long_text:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if number_format is not None:
                cell.number_format = number_format
            if long_text:
                cell.alignment = wrap
    if (lines > 1).any():
        # Every cell at the top of its row, as the wrapped ones are, so a row reads across.
        top = Alignment(vertical="top")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if not cell.alignment.wrap_text:
                    cell.alignment = top
    for i, n in enumerate(lines.tolist(), start=2):
        if n > 1:
            ws.row_dimensions[i].height = n * XLSX_LINE_HEIGHT


def _natural_width(table: pd.DataFrame, column: Any) -> int:
    """Width of a column's widest text among its header and first rows, plus a margin."""
    sample = [str(column), *map(str, table[column].head(XLSX_WIDTH_SAMPLE))]
    return max(_display_width(text) for text in sample) + 2


def _fit_page(natural: list[int], numeric: list[bool]) -> list[int]:
    """Column widths: as wide as their text up to :data:`XLSX_MAX_WIDTH`, narrowed to a page.

    A sheet wider than :data:`XLSX_PAGE_WIDTH` narrows its text columns wider
    than :data:`XLSX_MIN_WRAP_WIDTH` by one factor, down to that width, so the
    longest text keeps the widest column (numbers never wrap: their columns
    keep their width).

    Examples
    --------
    >>> _fit_page([70, 40, 10], [False, False, True])
    [60, 40, 10]
    >>> _fit_page([60, 60, 40, 20, 30], [False, False, False, False, True])
    [56, 56, 37, 18, 30]
    """
    widths = [min(w, XLSX_MAX_WIDTH) for w in natural]
    narrow = [j for j, w in enumerate(widths) if not numeric[j] and w > XLSX_MIN_WRAP_WIDTH]
    fitted = widths
    factor = 1.0
    while sum(fitted) > XLSX_PAGE_WIDTH and factor > 0:
        factor -= _WIDTH_STEP
        fitted = [
            max(XLSX_MIN_WRAP_WIDTH, int(w * factor)) if j in narrow else w
            for j, w in enumerate(widths)
        ]
    return fitted


#: Step by which :func:`_fit_page` narrows the text columns (a hundredth of their width).
_WIDTH_STEP = 0.01


def _display_width(text: str) -> int:
    """Columns a text takes on screen: wide (Chinese) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def check_output(out: str | Path) -> Path:
    """Refuse an output folder that cannot or should not be written, before any work.

    Nothing is created: the nearest existing folder on the way is probed by
    creating and removing a file (permission bits alone do not tell, since root
    ignores them).

    Parameters
    ----------
    out : str or Path
        The destination folder (``--out``); it need not exist.

    Returns
    -------
    Path
        The destination, absolute.

    Raises
    ------
    CivsimError
        If ``out`` is an existing file, lies under a file, is the filesystem
        root or the home folder itself, or its folder cannot be written; the
        message names the path, why, and what to do.

    Examples
    --------
    >>> import tempfile
    >>> check_output(Path(tempfile.mkdtemp()) / "new" / "result").name
    'result'
    >>> check_output("/")
    Traceback (most recent call last):
    ...
    civsim.errors.CivsimError: cannot write to /: it is the filesystem root; ...
    """
    given = Path(out)
    fix = "give --out a folder of its own, e.g. results/run1 (it is created if missing)"
    path = given.expanduser().resolve()
    if path == Path(path.anchor):
        raise CivsimError(f"cannot write to {given}: it is the filesystem root; {fix}")
    if path == _home():
        raise CivsimError(f"cannot write to {given}: it is your home folder itself; {fix}")
    if path.exists() and not path.is_dir():
        raise CivsimError(
            f"cannot write to {given}: it is an existing file, not a folder; "
            f"{fix}, or move the file away"
        )
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise CivsimError(f"cannot write to {given}: {existing} is a file, not a folder; {fix}")
    # Staging happens beside the destination; an existing destination receives the files.
    for folder in (existing,) if existing != path else (path.parent, path):
        _probe(folder, given)
    return path


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except RuntimeError:  # no HOME and no password entry: there is no home to protect
        return None


def _probe(folder: Path, given: Path) -> None:
    """Create and remove a file in ``folder``; refuse ``given`` if that fails."""
    try:
        fd, name = tempfile.mkstemp(prefix=".civsim-probe-", dir=folder)
    except OSError as exc:
        raise CivsimError(
            f"cannot write to {given}: folder {folder} is not writable ({exc.strerror or exc}); "
            "choose a folder you can write to, or change its permissions"
        ) from None
    os.close(fd)
    os.unlink(name)


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the lock of the output folder ``out`` for the block: one writer at a time.

    The lock is ``fcntl.flock`` on ``.<name>.lock`` beside ``out``, removed
    when the block ends. A second writer waits up to :data:`LOCK_TIMEOUT`
    seconds; the lock of a killed writer is released by the kernel.

    Parameters
    ----------
    out : Path
        The destination folder; its parent must exist.

    Raises
    ------
    CivsimError
        If another writer holds the lock longer than :data:`LOCK_TIMEOUT`, or
        the lock file cannot be made.
    """
    lock = out.parent / f".{out.name}.lock"
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _write_error(out, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise CivsimError(
                    f"another civsim run is writing to {out} (it holds {lock}); "
                    "wait for it to finish, or choose another --out"
                ) from None
            time.sleep(_LOCK_POLL)
            continue
        except OSError as exc:
            os.close(fd)
            raise _write_error(out, exc) from None
        # The writer before us removes the file before releasing it: lock the file in place.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            os.unlink(lock)  # while held, so a waiter that opened it tries again
        os.close(fd)


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A staging folder whose files land in ``out`` only if the block ends without error.

    Files already in ``out`` with the same names are replaced; others are kept.
    The whole write holds :func:`output_lock`; stale staging folders of
    ``out`` left by a killed process are removed first.

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
        If :func:`check_output` refuses ``out``, another writer keeps it locked,
        or writing fails (an ``OSError`` in the block, such as a full disk):
        then ``out`` is as it was and the staging folder is gone.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "result"
    >>> with staged_folder(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> (out / "a.txt").read_text(), sorted(p.name for p in out.parent.iterdir())
    ('done', ['result'])
    """
    out = check_output(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(out, exc) from None
    with output_lock(out):
        _remove_stale_staging(out)
        tmp = _staging(out)
        try:
            try:
                yield tmp
            except OSError as exc:
                raise _write_error(out, exc) from None
            _move_into(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _staging(out: Path) -> Path:
    """A new staging folder beside ``out``, named ``.<name>.<pid>.<random>``."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", dir=out.parent))
        tmp.chmod(FOLDER_MODE)  # mkdtemp makes it private; the result is an ordinary folder
    except OSError as exc:
        raise _write_error(out, exc) from None
    return tmp


def _move_into(tmp: Path, out: Path) -> None:
    """Move every file of ``tmp`` into ``out``; on failure put back what was there."""
    if not out.exists():
        try:
            tmp.rename(out)
        except OSError as exc:
            raise _write_error(out, exc) from None
        return
    former = _staging(out)  # the files being replaced, kept until every move succeeded
    saved: list[str] = []
    placed: list[str] = []
    keep = False
    try:
        for item in sorted(tmp.iterdir()):
            target = out / item.name
            if target.exists() or target.is_symlink():
                os.replace(target, former / item.name)
                saved.append(item.name)
            os.replace(item, target)
            placed.append(item.name)
    except OSError as exc:
        try:
            for name in placed:
                _remove(out / name)
            for name in saved:
                os.replace(former / name, out / name)
        except OSError:
            keep = True  # the former files are the user's: never removed
            kept = former
            with suppress(OSError):  # where a user finds them, not as a staging folder
                kept = former.rename(out.parent / f"{out.name}.former-{os.getpid()}")
            raise CivsimError(
                f"could not write to {out} ({exc}), nor put its former files back: "
                f"they are in {kept}"
            ) from None
        raise _write_error(out, exc) from None
    finally:
        if not keep:
            shutil.rmtree(former, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _remove_stale_staging(out: Path) -> None:
    """Remove staging folders of ``out`` whose process is gone (a killed run's).

    A staging folder is ``.<name>.<pid>.<8 random characters>``, possibly with
    a staging suffix of its own (:meth:`RunResult.save` staging inside one).
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(\d+)\.[a-z0-9_]{{8}}(\..*)?")
    for item in out.parent.iterdir():
        found = pattern.fullmatch(item.name)
        if found and item.is_dir() and not item.is_symlink() and not _alive(int(found[1])):
            shutil.rmtree(item, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc: trust kill
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _write_error(out: Path, exc: OSError) -> CivsimError:
    """The error of a failed write to ``out``: the folder, the cause, what to do."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        cause, fix = "the disk is full", "free some space or choose another --out"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause, fix = "permission denied", "choose a folder you can write to"
    else:
        cause, fix = exc.strerror or type(exc).__name__, "check the folder"
    return CivsimError(
        f"could not write to {out}: {cause} ({exc}); {out} is as it was before, "
        f"nothing was written; {fix} and run again"
    )
