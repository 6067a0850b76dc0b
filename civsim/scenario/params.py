"""The building blocks of every scenario model: parameters, ids, lists and size limits.

Parameters are data: each numeric field is declared with :func:`param`, which
records its unit and its source, either a fact of ``docs/domain.md`` or the word
``assumption`` (:data:`ASSUMPTION`); :func:`civsim.scenario.parameter_table`
lists them all.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

ASSUMPTION = "assumption"

#: Refuse territories larger than this many grids (5x Jinan's 16,000+ grids, seed 003):
#: bigger inputs are almost surely a typo and would exhaust memory.
MAX_GRIDS = 100_000
#: Refuse tables longer than this many rows, for the same reason.
MAX_TABLE_ROWS = 2_000_000
#: Refuse YAML files larger than this (bytes); a scenario file is a few kilobytes.
MAX_YAML_BYTES = 1_000_000

IdStr = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


def param(default: Any, unit: str, source: str = ASSUMPTION, **constraints: Any) -> Any:
    """Declare a scenario parameter with its unit and source.

    Parameters
    ----------
    default : object
        The value used when the scenario does not set one.
    unit : str
        The unit, in words (``"yuan"``, ``"day"``, ``"fraction"``).
    source : str
        Where the default comes from: a fact of ``docs/domain.md`` (with its §), or
        ``"assumption"``.
    **constraints
        Passed to :func:`pydantic.Field` (``ge``, ``le``, ...).

    Returns
    -------
    pydantic.fields.FieldInfo
    """
    return Field(
        default=default,
        description=f"[{unit}] source: {source}",
        json_schema_extra={"unit": unit, "source": source},
        **constraints,
    )


class Frozen(BaseModel):
    """Base of all scenario models: immutable, picklable, no unknown keys, finite numbers.

    ``allow_inf_nan=False`` refuses ``nan``, ``inf`` and ``-inf`` in every float
    field of every model and table row, however they are written (YAML ``.nan``,
    a ``"nan"`` cell, ``1e999``).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )


def split_list(value: Any) -> Any:
    """Read a ``;``-separated table cell as a tuple (lists pass through).

    Examples
    --------
    >>> split_list("market_reg; urban_mgmt")
    ('market_reg', 'urban_mgmt')
    >>> split_list("")
    ()
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(";") if p.strip())
    return value
