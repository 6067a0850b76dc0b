"""Facts about a validated scenario: its parameters, and content hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from civsim.scenario.schema.scenario import Scenario


def parameter_table(scenario: Scenario) -> list[dict[str, Any]]:
    """Every scalar parameter with its value, default, unit and source.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    list of dict
        One record per parameter: ``path``, ``value``, ``default``, ``unit``,
        ``source`` and ``changed`` (value differs from the default).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> rows = parameter_table(load_scenario("scenarios/baseline.yaml"))
    >>> next(r for r in rows if r["path"] == "cycle.years")["unit"]
    'year'
    """
    out: list[dict[str, Any]] = []
    _walk_params(scenario, "", scenario.sources, out)
    return out


def _walk_params(model: BaseModel, prefix: str, notes: dict[str, str], out: list) -> None:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            _walk_params(value, f"{path}.", notes, out)
            continue
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "unit" not in extra:
            continue
        out.append(
            {
                "path": path,
                "value": value,
                "default": info.default,
                "unit": extra["unit"],
                "source": notes.get(path, extra["source"]),
                "changed": value != info.default,
            }
        )


def scenario_hash(scenario: Scenario) -> str:
    """A content hash of the validated scenario (independent of file layout).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> len(scenario_hash(load_scenario("scenarios/baseline.yaml")))
    16
    """
    blob = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
