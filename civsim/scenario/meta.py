"""Facts about a validated scenario: its parameters, and content hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from civsim.scenario.checks import hint
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
        ``source``, ``plausible`` (an assumption's range, ``None`` when not
        given) and ``changed`` (value differs from the default).

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
                "plausible": _plausible(extra.get("plausible")),
                "changed": value != info.default,
            }
        )


def _plausible(value: Any) -> tuple[float, float] | None:
    return (value[0], value[1]) if isinstance(value, list) else None


def scenario_hash(scenario: Scenario) -> str:
    """A content hash of the validated scenario (independent of file layout).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> len(scenario_hash(load_scenario("scenarios/baseline.yaml")))
    16
    """
    return _digest(scenario.model_dump(mode="json"))


def section_hash(scenario: Scenario, sections: Sequence[str]) -> str:
    """A content hash of just the named top-level sections of the validated scenario.

    Two scenarios that agree on those sections get the same hash whatever else
    differs, so the hash can key work that depends on them alone (the places
    and tasks of a territory, say). Hashed like :func:`scenario_hash`: naming
    every section gives the scenario's hash.

    Parameters
    ----------
    scenario : Scenario
    sections : sequence of str
        Top-level field names (``"territory"``, ``"seed"``, ...), in any order;
        a single name may be given as a string.

    Returns
    -------
    str
        16 hexadecimal digits.

    Raises
    ------
    ValueError
        If a name is not a section of a scenario.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> campaign = load_scenario("scenarios/campaign_mode.yaml")  # changes simulation only
    >>> places = ("organisation", "territory", "framework", "places", "workload", "seed")
    >>> section_hash(base, places) == section_hash(campaign, places)
    True
    >>> section_hash(base, ["simulation"]) == section_hash(campaign, ["simulation"])
    False
    >>> section_hash(base, ["territroy"])
    Traceback (most recent call last):
    ...
    ValueError: 'territroy' is not a section of a scenario (did you mean 'territory'?)
    """
    names = (sections,) if isinstance(sections, str) else tuple(sections)
    known = _sections()
    for name in names:
        if name not in known:
            raise ValueError(f"{name!r} is not a section of a scenario{hint(name, known)}")
    return _digest(scenario.model_dump(mode="json", include=set(names)))


def _sections() -> list[str]:
    """The top-level sections of a scenario (its fields but ``source_file``)."""
    return [name for name, info in Scenario.model_fields.items() if not info.exclude]


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
