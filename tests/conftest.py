"""Shared fixtures: a tiny scenario written to a temporary folder."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

TINY = {
    "name": "tiny",
    "seed": 7,
    "organisation": {
        "committee": {"id": "committee", "name_zh": "文明委", "staff": 2},
        "office": {"id": "office", "name_zh": "文明办", "staff": 3},
        "units": [
            {"id": "urban_mgmt", "name_zh": "城管局", "staff": 5},
            {"id": "market_reg", "name_zh": "市场监管局", "staff": 4},
        ],
    },
    "territory": {
        "districts": [
            {"id": "d1", "name_zh": "甲区", "population": 20000, "streets": 2},
            {"id": "d2", "name_zh": "乙区", "population": 10000, "streets": 1},
        ],
        "generator": {"communities_per_street": 2, "grids_per_community": 3},
    },
}


def write_yaml(folder: Path, name: str, data: dict) -> Path:
    """Write ``data`` as YAML to ``folder/name`` and return the path."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny_dict() -> dict:
    """A fresh copy of the tiny scenario's data, to modify in a test."""
    return yaml.safe_load(yaml.safe_dump(TINY, allow_unicode=True))


@pytest.fixture
def tiny_path(tmp_path: Path, tiny_dict: dict) -> Path:
    """The tiny scenario written to a temporary folder."""
    return write_yaml(tmp_path, "tiny.yaml", tiny_dict)


def _standard(sid: str, content: str, method: str, lead: str | None, **extra) -> dict:
    """A tiny framework standard with the defaults a test rarely cares about."""
    return {
        "id": sid,
        "content": content,
        "text_zh": f"标准{sid}",
        "method": method,
        "points": 1.0,
        "lead_unit": lead,
        **extra,
    }


#: A small evaluation framework for TINY: two items, two place types, five standards.
TINY_FRAMEWORK = {
    "items": [
        {"id": "I1", "environment": "market", "name_zh": "市场秩序"},
        {"id": "I2", "environment": "living", "name_zh": "市容环境"},
    ],
    "contents": [
        {"id": "C1", "item": "I1", "name_zh": "农贸市场"},
        {"id": "C2", "item": "I2", "name_zh": "背街小巷"},
    ],
    "standards": [
        _standard(
            "S1",
            "C1",
            "field",
            "market_reg",
            place_types="market",
            cooperating_units="urban_mgmt",
            cadence="daily",
            hours_per_task=0.5,
        ),
        _standard("S2", "C2", "field", "urban_mgmt", place_types="market;alley", cadence="weekly"),
        _standard("S3", "C1", "material", "market_reg", cadence="quarterly", hours_per_task=4),
        _standard("S4", "C2", "survey", "urban_mgmt", cadence="once", hours_per_task=8),
        _standard("S5", "C2", "material", "urban_mgmt", negative=True, negative_effect="deduct"),
    ],
    "place_types": [
        {
            "id": "market",
            "name_zh": "农贸市场",
            "per_10k_residents": 2,
            "level": "street",
            "lead_unit": "market_reg",
            "sample_per_visit": 2,
        },
        {
            "id": "alley",
            "name_zh": "背街小巷",
            "per_10k_residents": 10,
            "level": "community",
            "lead_unit": "urban_mgmt",
            "sample_per_visit": 2,
        },
    ],
}


def tiny_with_framework() -> dict:
    """A fresh copy of the tiny scenario's data with the tiny framework added."""
    return {**copy.deepcopy(TINY), "framework": copy.deepcopy(TINY_FRAMEWORK)}


def variant(scenario, name: str, **sections):
    """A renamed, validated copy of ``scenario`` with simulation sections updated.

    ``campaign={"mode": "campaign"}`` changes those settings of ``simulation.campaign``.
    """
    from civsim.scenario import override

    changes = {f"simulation.{section}": v for section, v in sections.items()}
    return override(scenario, {"name": name, **changes})


@pytest.fixture(scope="session")
def county():
    """The county scenario: the smallest shipped city, with a framework and a fund."""
    from civsim.scenario import load_scenario

    return load_scenario(SCENARIOS / "county_nominee.yaml")


@pytest.fixture(scope="session")
def county_prep(county):
    """The county, prepared once for the whole session (modules may override)."""
    from civsim.sim import prepare

    return prepare(county)
