"""The assumptions table: every parameter a comparison rests on, with its value and source.

Every parameter that a scenario changes from its default, or whose source is an
assumption, with its value, default, unit, plausible range and source; and the
settings without a unit (a mode, a switch, a policy) that differ from their
default. The report prints it (:mod:`civsim.report`), and its summary names the
assumptions that decide a comparison (:mod:`civsim.summary`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pydantic import BaseModel

from civsim.scenario import ASSUMPTION, Scenario, parameter_table

__all__ = ["assumptions_table"]


def assumptions_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Every parameter changed from its default or resting on an assumption.

    Identical rows are listed once, naming their scenarios (``all`` when
    every scenario has it). Settings without a unit (a mode, a switch, a
    policy) are listed when they differ from their default.

    Parameters
    ----------
    scenarios : sequence of Scenario

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, path, value, default, unit, plausible, source``;
        ``plausible`` is an assumption's range (``low – high``; empty where none is given).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> camp = load_scenario("scenarios/campaign_mode.yaml")
    >>> t = assumptions_table([base, camp])
    >>> t.loc[t["path"] == "simulation.campaign.mode", ["scenario", "value"]].values.tolist()
    [['campaign_mode', 'campaign']]
    """
    columns = ["path", "value", "default", "unit", "plausible", "source"]
    rows = [
        {"scenario": sc.name, **{k: _shown(r[k]) for k in columns}, "plausible": _range(r)}
        for sc in scenarios
        for r in parameter_table(sc)
        if r["changed"] or r["source"].startswith(ASSUMPTION)
    ]
    for sc in scenarios:
        for name, section in sc:
            if isinstance(section, BaseModel):
                _changed_settings(section, name, sc, rows)
    table = pd.DataFrame(rows, columns=["scenario", *columns])
    everywhere = len(scenarios)
    grouped = table.groupby(columns, sort=False)["scenario"].agg(
        lambda names: "all" if names.nunique() == everywhere else ", ".join(dict.fromkeys(names))
    )
    return grouped.reset_index()[["scenario", *columns]]


def _shown(value: Any) -> str:
    """A parameter's value as the table shows it: an unset one (``None``: no cap, none) empty.

    Examples
    --------
    >>> _shown(None), _shown(0.7), _shown(12_000_000)
    ('', '0.7', '12000000')
    """
    return "" if value is None else str(value)


def _range(row: Mapping[str, Any]) -> str:
    """An assumption's plausible range as ``low – high``, or empty."""
    return "" if row["plausible"] is None else "{} – {}".format(*row["plausible"])


def _changed_settings(model: BaseModel, path: str, sc: Scenario, rows: list[dict]) -> None:
    """Collect settings without a unit (modes, switches, policies) that differ from their default.

    :func:`civsim.scenario.parameter_table` lists the parameters with units;
    these choices matter as much to a reader of the report.
    """
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}.{name}"
        if isinstance(value, BaseModel):
            _changed_settings(value, where, sc, rows)
            continue
        extra = info.json_schema_extra
        has_unit = isinstance(extra, dict) and "unit" in extra
        scalar = isinstance(value, str | bool | int | float)
        if has_unit or not scalar or info.is_required() or value == info.default:
            continue
        rows.append(
            {
                "scenario": sc.name,
                "path": where,
                "value": str(value),
                "default": str(info.default),
                "unit": "",
                "plausible": "",
                "source": sc.sources.get(where, info.description or ""),
            }
        )
