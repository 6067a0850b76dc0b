"""The building blocks of every scenario model: parameters, ids, lists and size limits.

Parameters are data: each numeric field is declared with :func:`param`, which
records its unit and its source, either a fact of ``docs/domain.md`` or the word
``assumption`` (:data:`ASSUMPTION`); :func:`civsim.scenario.parameter_table`
lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civsim.errors import ScenarioError
from civsim.scenario.checks import hint

ASSUMPTION = "assumption"

#: Refuse territories larger than this many grids (15x Jinan's 16,000+ grids, seed 003;
#: the generator's 200,000 grids with margin): a generated 200,000-grid city builds and runs
#: a replication in 3.6 GiB (benchmarks/bench_generate.py); bigger is almost surely a typo.
MAX_GRIDS = 250_000
#: Refuse tables longer than this many rows, for the same reason.
MAX_TABLE_ROWS = 2_000_000
#: Refuse YAML files larger than this (bytes); a scenario file is a few kilobytes.
MAX_YAML_BYTES = 1_000_000

IdStr = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


def param(
    default: Any,
    unit: str,
    source: str = ASSUMPTION,
    plausible: tuple[float, float] | None = None,
    **constraints: Any,
) -> Any:
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
    plausible : tuple of float, optional
        The range an assumption could plausibly take (low, high): what an
        exploration of the model's uncertainties varies it over. The default
        must lie inside it.
    **constraints
        Passed to :func:`pydantic.Field` (``ge``, ``le``, ...).

    Returns
    -------
    pydantic.fields.FieldInfo
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if plausible is not None:
        lo, hi = plausible
        if not lo <= default <= hi:
            raise ValueError(f"default {default!r} outside its plausible range {plausible!r}")
        extra["plausible"] = [lo, hi]
    return Field(
        default=default,
        description=f"[{unit}] source: {source}",
        json_schema_extra=extra,
        **constraints,
    )


class Frozen(BaseModel):
    """Base of all scenario models: immutable, no unknown keys, finite, never unvalidated.

    ``allow_inf_nan=False`` refuses ``nan``, ``inf`` and ``-inf`` in every float
    field of every model and table row, however they are written (YAML ``.nan``,
    a ``"nan"`` cell, ``1e999``).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, validated again as a whole, as when it was loaded.

        pydantic's own ``model_copy`` sets the updated fields without validating
        them; here the model is rebuilt from its fields and the update, so every
        field check and every rule of the model (the cycle's points add up to
        100, the scenario's references between sections) runs again. Updated
        values replace fields whole; to change one parameter deep inside a
        scenario, :func:`civsim.override` takes its dotted path.

        Parameters
        ----------
        update : mapping, optional
            New values by field name (models, or data to validate into them).
        deep : bool
            Copy the nested models too (they are frozen, so sharing them is safe).

        Returns
        -------
        Frozen
            A validated model of the same type.

        Raises
        ------
        ScenarioError
            If the update breaks a rule; names the model, the field and what was expected.

        Examples
        --------
        >>> from civsim.scenario import Cycle
        >>> Cycle().model_copy(update={"years": 2, "year_weights": (0.4, 0.6)}).days
        730
        >>> Cycle().model_copy(update={"survey_points": 90})
        Traceback (most recent call last):
        ...
        civsim.errors.ScenarioError: Cycle.model_copy: material, field and survey points must add up to 100, got 170.0
        >>> Cycle().model_copy(update={"survey_point": 10})
        Traceback (most recent call last):
        ...
        civsim.errors.ScenarioError: Cycle.model_copy: survey_point: unknown key 'survey_point' (did you mean 'survey_points'?)
        """  # noqa: E501
        if not update:
            return super().model_copy(deep=deep)
        model = type(self)
        # Fields are taken as they are (already validated models stay as they are);
        # ``source_file`` and other fields left out of dumps are kept too.
        values = {name: getattr(self, name) for name in model.model_fields}
        try:
            copy = model.model_validate({**values, **update})
        except ValidationError as exc:
            raise _copy_error(exc, model, "model_copy") from None
        return super(Frozen, copy).model_copy(deep=True) if deep else copy

    # The pydantic plugin of mypy retypes model_construct with each model's own fields
    # (none here), so it sees this signature, pydantic's own, as a different one.
    @classmethod
    def model_construct(  # type: ignore[override]
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Validated construction: pydantic's skips validation, so here it validates.

        Examples
        --------
        >>> from civsim.scenario import Cycle
        >>> Cycle.model_construct(years=4)
        Traceback (most recent call last):
        ...
        civsim.errors.ScenarioError: Cycle.model_construct: year_weights has 3 entries; expected one per year (4)
        """  # noqa: E501
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise _copy_error(exc, cls, "model_construct") from None


def _copy_error(exc: ValidationError, model: type[BaseModel], method: str) -> ScenarioError:
    """The first of pydantic's errors as a :class:`ScenarioError` naming model and field."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        known = list(model.model_fields) if len(loc) == 1 else []
        msg = f"unknown key {loc[-1]!r}{hint(str(loc[-1]), known)}"
    elif loc and not isinstance(err.get("input"), Mapping | BaseModel):
        msg = f"{msg}, got {err.get('input')!r}"
    where = ".".join(str(p) for p in loc) or None
    return ScenarioError(msg, file=f"{model.__name__}.{method}", where=where)


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
