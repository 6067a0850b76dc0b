"""Checks shared by the scenario's sections: unique ids, known parents, near-miss hints."""

from __future__ import annotations

import difflib
from typing import Protocol

__all__ = ["Identified", "RowError", "check_parents", "check_unique", "hint"]


class RowError(ValueError):
    """A table's row that names something not there, or repeats an id.

    Raised by the schema's validators. Loading a scenario turns it into a
    :class:`civsim.errors.ScenarioError` naming the table's own file, with the
    row and column there, when the table came from a CSV or a workbook
    (:func:`civsim.scenario.load.load_scenario`); a table written in the YAML is
    named by its field, and the row by its number in it, from 1.

    Parameters
    ----------
    table : str
        The table's dotted path from the model whose validator raises
        (``contents``, ``territory.streets``).
    index : int
        The row's position in the table, from 0.
    column : str
        The column at fault.
    message : str
        What is wrong, in words.
    row_id : str, optional
        The row's id, named beside its number.
    label : str, optional
        The table's name in the text (default: the path's last part).

    Examples
    --------
    >>> e = RowError("territory.streets", 1, "district", "unknown district 'd9'", "s2")
    >>> str(e)
    "streets row 2 (s2): unknown district 'd9'"
    >>> import pickle
    >>> str(pickle.loads(pickle.dumps(e))) == str(e)
    True
    """

    def __init__(
        self,
        table: str,
        index: int,
        column: str,
        message: str,
        row_id: str | None = None,
        label: str | None = None,
    ):
        self.table, self.index, self.column = table, index, column
        self.message, self.row_id = message, row_id
        self.label = label or table.rsplit(".", 1)[-1]
        super().__init__(f"{self.label} row {index + 1}{self.id_note}: {message}")

    def __reduce__(self):
        # rebuilt from its fields when it crosses to another process (``args`` is the text)
        args = (self.table, self.index, self.column, self.message, self.row_id, self.label)
        return (type(self), args)

    @property
    def id_note(self) -> str:
        """`` (id)`` after the row's number, or nothing."""
        return f" ({self.row_id})" if self.row_id else ""


class Identified(Protocol):
    """A row or body with an id."""

    @property
    def id(self) -> str:
        """The row's id."""
        ...


def hint(word: str, options: set[str] | list[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix naming the closest option, or ``""``.

    Examples
    --------
    >>> hint("urban_mgnt", {"urban_mgmt", "market_reg"})
    " (did you mean 'urban_mgmt'?)"
    """
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_unique(rows: tuple, table: str, label: str | None = None) -> None:
    """Refuse a table whose rows repeat an id (``table``: its path, see :class:`RowError`)."""
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.id in seen:
            raise RowError(table, i, "id", f"duplicate id {row.id!r}", label=label)
        seen.add(row.id)


def check_parents(rows: tuple | None, field: str, known: set[str], table: str) -> None:
    """Refuse a row whose ``field`` names a parent that is not in ``known``.

    ``table`` is the rows' path (see :class:`RowError`).
    """
    for i, row in enumerate(rows or ()):
        ref = getattr(row, field)
        if ref not in known:
            raise RowError(table, i, field, f"unknown {field} {ref!r}{hint(ref, known)}", row.id)
