"""Loading a scenario: YAML files, ``extends:`` overlays and tables, validated.

A scenario describes one city (or county) and one set of policy choices. It is
written as a YAML file, with CSV or XLSX tables beside it for anything large,
and may ``extends:`` another scenario file so that it states only what differs.

Loading goes in one direction:

1. read each YAML file safely, following ``extends:`` (loops refused);
2. in each file, replace a table path by the rows of that table (paths must
   stay inside that file's folder);
3. deep-merge the files, base first (mappings merge, lists are replaced whole);
4. validate with the pydantic models of :mod:`civsim.scenario.schema` (frozen,
   extra keys forbidden).

Every error names the file and the field, or the table row and column, and says
what was expected (:class:`civsim.errors.ScenarioError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from civsim.errors import ScenarioError
from civsim.scenario.checks import hint
from civsim.scenario.params import MAX_YAML_BYTES
from civsim.scenario.schema.scenario import Scenario
from civsim.scenario.tables import Table, read_table


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario's YAML file.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        If any file is missing, malformed or invalid; the message names the
        file and the field (or the table row and column).

    Examples
    --------
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> s.name, s.cycle.year_weights
    ('baseline', (0.15, 0.25, 0.6))
    """
    path = Path(path).resolve()
    raw, tables = _read_with_bases(path, chain=())
    try:
        return Scenario.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise _explain(exc, path, tables) from None


def _read_with_bases(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict]:
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(f"extends loop: {loop}", file=str(chain[-1]), where="extends")
    raw = _read_yaml(path)
    tables: dict[tuple, Table] = {}
    raw = _resolve_tables(raw, Scenario, path, (), tables)
    base = raw.pop("extends", None)
    if base is None:
        return raw, tables
    if not isinstance(base, str):
        raise ScenarioError("expected a file name", file=str(path), where="extends")
    base_path = (path.parent / base).resolve()
    if not base_path.is_file():
        raise ScenarioError(f"base scenario {base!r} not found", file=str(path), where="extends")
    base_raw, base_tables = _read_with_bases(base_path, (*chain, path))
    merged = deep_merge(base_raw, raw)
    # A table set in the overlay replaces the base's whole, so its rows win.
    return merged, {**base_tables, **tables}


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError("scenario file not found", file=str(path))
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ScenarioError(
            f"file is larger than {MAX_YAML_BYTES:,} bytes; put large data in tables",
            file=str(path),
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise ScenarioError(f"malformed YAML: {exc.problem}", file=str(path), where=where) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"malformed YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ScenarioError("expected a mapping of keys at the top of the file", file=str(path))
    return data


def deep_merge(base: Mapping, overlay: Mapping) -> dict:
    """Overlay one mapping on another: mappings merge, everything else is replaced.

    Examples
    --------
    >>> deep_merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": 3}, "l": [9]})
    {'a': {'x': 1, 'y': 3}, 'l': [9]}
    """
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _alternatives(ann: Any) -> tuple[Any, ...]:
    """The members of a ``X | None`` annotation, or the annotation alone."""
    return get_args(ann) if get_origin(ann) in (Union, UnionType) else (ann,)


def _table_row_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The row model if ``model.field`` is a table (``tuple[Row, ...]``), else None."""
    info = model.model_fields.get(field)
    for ann in _alternatives(info.annotation) if info else ():
        args = get_args(ann)
        if get_origin(ann) is tuple and args and _is_model(args[0]):
            return args[0]
    return None


def _submodel(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The nested model if ``model.field`` is one (``Cycle``, ``Cycle | None``), else None."""
    info = model.model_fields.get(field)
    for ann in _alternatives(info.annotation) if info else ():
        if _is_model(ann):
            return ann
    return None


def _is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _resolve_tables(
    raw: Any, model: type[BaseModel], file: Path, loc: tuple, tables: dict[tuple, Table]
) -> Any:
    """Replace table paths in ``raw`` by their rows, recursing along the schema."""
    if not isinstance(raw, dict):
        return raw
    out = {}
    for key, value in raw.items():
        row_model = _table_row_model(model, key) if isinstance(key, str) else None
        if row_model is not None and isinstance(value, str):
            table = read_table(file.parent, value, file)
            tables[(*loc, key)] = table
            out[key] = table.rows
            continue
        sub = _submodel(model, key) if isinstance(key, str) else None
        out[key] = _resolve_tables(value, sub, file, (*loc, key), tables) if sub else value
    return out


def _explain(exc: ValidationError, path: Path, tables: dict[tuple, Table]) -> ScenarioError:
    """Turn pydantic's first error into one message naming file and field or row and column."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        known = _fields_at(loc[:-1])
        msg = f"unknown key {loc[-1]!r}{hint(str(loc[-1]), known)}"
    elif err["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
    for n in range(len(loc), 0, -1):
        table = tables.get(loc[:n])
        index = loc[n] if len(loc) > n else None
        if table is not None and isinstance(index, int):
            row = index + 1 + table.header_rows
            col = ".".join(str(p) for p in loc[n + 1 :]) or "(row)"
            if err["type"] == "missing":
                msg = f"missing column {col!r}"
            return ScenarioError(msg, file=table.label, where=f"row {row}, column {col}")
    where = ".".join(str(p) for p in loc) or None
    return ScenarioError(msg, file=str(path), where=where)


def _fields_at(loc: tuple) -> list[str]:
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        model = _submodel(model, part) or _table_row_model(model, part)
    return list(model.model_fields) if model else []
