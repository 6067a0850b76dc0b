"""Checks shared by the scenario's sections: unique ids, known parents, near-miss hints."""

from __future__ import annotations

import difflib
from typing import Protocol


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


def check_unique(rows: tuple, table: str) -> None:
    """Refuse a table whose rows repeat an id."""
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.id in seen:
            raise ValueError(f"{table} row {i + 1}: duplicate id {row.id!r}")
        seen.add(row.id)


def check_parents(rows: tuple | None, field: str, known: set[str], table: str) -> None:
    """Refuse a row whose ``field`` names a parent that is not in ``known``."""
    for i, row in enumerate(rows or ()):
        ref = getattr(row, field)
        if ref not in known:
            raise ValueError(
                f"{table} row {i + 1} ({row.id}): unknown {field} {ref!r}{hint(ref, known)}"
            )
