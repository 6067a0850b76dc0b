"""The territory generator: deterministic, exact populations, one parent per body."""

from __future__ import annotations

import copy
from pathlib import Path

from conftest import TINY, write_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from civsim.places import build_territory
from civsim.scenario import load_scenario


def test_same_seed_same_territory(tiny_path: Path) -> None:
    """Building twice from one scenario gives identical tables."""
    a, b = build_territory(load_scenario(tiny_path)), build_territory(load_scenario(tiny_path))
    for x, y in zip(a, b, strict=True):
        assert x.equals(y)


def test_other_seed_other_territory(tmp_path: Path, tiny_dict: dict) -> None:
    """Another seed draws other sizes."""
    tiny_dict["territory"]["generator"].update(grids_per_community=8, size_spread=0.5)
    a = build_territory(load_scenario(write_yaml(tmp_path, "a.yaml", tiny_dict)))
    tiny_dict["seed"] = 99
    b = build_territory(load_scenario(write_yaml(tmp_path, "b.yaml", tiny_dict)))
    assert not a.grids["population"].equals(b.grids["population"])


def test_explicit_tables_replace_the_generator(tmp_path: Path, tiny_dict: dict) -> None:
    """Given streets, communities and grids tables, the territory is exactly those."""
    terr = tiny_dict["territory"]
    terr["districts"] = [{"id": "d1", "name_zh": "甲区", "population": 30, "streets": 1}]
    terr["streets"] = [{"id": "s1", "district": "d1", "name_zh": "一街", "population": 30}]
    terr["communities"] = [{"id": "c1", "street": "s1", "name_zh": "一社", "population": 30}]
    terr["grids"] = [
        {"id": "g1", "community": "c1", "name_zh": "一格", "population": 10, "grid_workers": 2},
        {"id": "g2", "community": "c1", "name_zh": "二格", "population": 20, "grid_workers": 0},
    ]
    t = build_territory(load_scenario(write_yaml(tmp_path, "s.yaml", tiny_dict)))
    assert t.grids["id"].tolist() == ["g1", "g2"]
    assert t.grids["district"].tolist() == ["d1", "d1"]


@settings(max_examples=25, deadline=None)
@given(
    populations=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=5),
    streets=st.integers(1, 6),
    per_street=st.floats(0.5, 8),
    per_community=st.floats(0.5, 8),
    spread=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_generated_territory_loses_nobody(
    tmp_path_factory, populations, streets, per_street, per_community, spread, seed
) -> None:
    """Whatever the sizes, residents add up at every level and each body has one parent."""
    tiny_dict = copy.deepcopy(TINY)
    tiny_dict["seed"] = seed
    tiny_dict["territory"] = {
        "districts": [
            {"id": f"d{i}", "name_zh": f"区{i}", "population": p, "streets": streets}
            for i, p in enumerate(populations)
        ],
        "generator": {
            "communities_per_street": per_street,
            "grids_per_community": per_community,
            "size_spread": spread,
        },
    }
    path = write_yaml(tmp_path_factory.mktemp("s"), "s.yaml", tiny_dict)
    t = build_territory(load_scenario(path))
    total = sum(populations)
    for table in (t.streets, t.communities, t.grids):
        assert int(table["population"].sum()) == total
        assert table["id"].is_unique
    assert set(t.grids["community"]) == set(t.communities["id"])  # no empty community
    assert (t.grids["grid_workers"] >= 0).all()
