"""One error hierarchy for everything civsim refuses to do.

Every error a user can cause derives from :class:`CivsimError`, so a caller
(the CLI above all) catches one type and shows its message without a
traceback. Errors pickle, so they survive a process pool.
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "ChainError",
    "CivsimError",
    "InUseError",
    "OtherExperimentError",
    "OtherModelError",
    "ScenarioError",
    "TableError",
]


class CivsimError(Exception):
    """Base class of every error civsim raises on purpose."""


class ScenarioError(ValueError, CivsimError):
    """A scenario file, or a table beside it, is not what civsim expects.

    Parameters
    ----------
    message : str
        What was expected, in words.
    file : str, optional
        The file at fault.
    where : str, optional
        The field path (``budget.total_yuan``) or row and column
        (``row 7, column staff``) at fault.

    Examples
    --------
    >>> str(ScenarioError("must be >= 0", file="a.yaml", where="units.0.staff"))
    'a.yaml: units.0.staff: must be >= 0'
    """

    def __init__(self, message: str, file: str | None = None, where: str | None = None):
        self.message = message
        self.file = file
        self.where = where
        super().__init__(": ".join(p for p in (file, where, message) if p))

    def __reduce__(self):
        return (type(self), (self.message, self.file, self.where))


class TableError(ScenarioError):
    """A spreadsheet or CSV table is malformed (names the sheet, row and column)."""


class ChainError(CivsimError):
    """The responsibility chain breaks a structural rule (cycle, orphan, ...)."""


class BudgetError(CivsimError):
    """An allocation cannot be made; the message says which constraint and by how many yuan."""


class InUseError(CivsimError):
    """An output folder is in use by another run (:class:`civsim.store.RunStore`'s lock)."""


class OtherExperimentError(CivsimError):
    """An output folder holds another experiment's runs (a different content hash)."""


class OtherModelError(CivsimError):
    """An output folder holds runs made by other model code (:func:`civsim.store.model_hash`)."""
