"""Shared fixtures: a tiny scenario written to a temporary folder."""

from __future__ import annotations

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
