"""The territory generator: deterministic, exact populations, one parent per body."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from conftest import SCENARIOS, TINY, tiny_with_framework, write_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from civsim.errors import ScenarioError
from civsim.places import build_places, build_territory
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


def _explicit_territory(terr: dict) -> None:
    """One district, street and community, and two grids, g1 and g2, as tables."""
    terr["districts"] = [{"id": "d1", "name_zh": "甲区", "population": 30, "streets": 1}]
    terr["streets"] = [{"id": "s1", "district": "d1", "name_zh": "一街", "population": 30}]
    terr["communities"] = [{"id": "c1", "street": "s1", "name_zh": "一社", "population": 30}]
    terr["grids"] = [
        {"id": "g1", "community": "c1", "name_zh": "一格", "population": 10, "grid_workers": 2},
        {"id": "g2", "community": "c1", "name_zh": "二格", "population": 20, "grid_workers": 0},
    ]


def test_explicit_tables_replace_the_generator(tmp_path: Path, tiny_dict: dict) -> None:
    """Given streets, communities and grids tables, the territory is exactly those."""
    _explicit_territory(tiny_dict["territory"])
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


@pytest.fixture(scope="module")
def tiny_places(tmp_path_factory) -> tuple:
    """The tiny scenario with its framework, its territory and its places."""
    data = tiny_with_framework()
    scenario = load_scenario(write_yaml(tmp_path_factory.mktemp("p"), "t.yaml", data))
    territory = build_territory(scenario)
    return scenario, territory, build_places(scenario, territory)


def test_place_counts_follow_density_exactly(tiny_places) -> None:
    """Each type gets per_10k_residents x residents / 10,000 places, rounded, split by level."""
    scenario, territory, places = tiny_places
    residents = int(territory.grids["population"].sum())
    for ptype in scenario.framework.place_types:
        mine = places[places["place_type"] == ptype.id]
        assert len(mine) == round(ptype.per_10k_residents * residents / 10_000)
        per_body = mine.groupby(ptype.level, observed=True).size()
        share = territory.grids.groupby(ptype.level)["population"].sum() / residents
        assert (abs(per_body - share[per_body.index] * len(mine)) < 1).all()


def test_places_sit_in_one_grid_of_their_body(tiny_places) -> None:
    """Every place's grid belongs to its community, street and district; ids are unique."""
    _, territory, places = tiny_places
    grids = territory.grids.set_index("id")
    assert places["id"].is_unique
    for level in ("community", "street", "district"):
        assert (grids.loc[places["grid"].astype(str), level].to_numpy() == places[level]).all()
    assert (
        places["claimed_by"].astype(str)
        == places["place_type"].map({"market": "market_reg", "alley": "urban_mgmt"}).astype(str)
    ).all()


def test_places_are_deterministic(tiny_places) -> None:
    """The same scenario and seed give the same places."""
    scenario, territory, places = tiny_places
    assert build_places(scenario, territory).equals(places)


def test_places_table_replaces_the_generator(tmp_path: Path) -> None:
    """An explicit places table gives exactly its rows; a district can claim a place."""
    data = tiny_with_framework()
    data["places"] = [
        {"id": "m1", "place_type": "market", "grid": "d1s1c1g1", "name_zh": "东市场"},
        {
            "id": "a1",
            "place_type": "alley",
            "grid": "d2s1c1g1",
            "name_zh": "一巷",
            "claimed_by": "d2",
        },
    ]
    places = build_places(load_scenario(write_yaml(tmp_path, "t.yaml", data)))
    assert places["id"].tolist() == ["m1", "a1"]
    assert places["district"].tolist() == ["d1", "d2"]
    assert places["claimed_by"].tolist() == ["market_reg", "d2"]


def test_place_in_unknown_grid_is_refused(tmp_path: Path) -> None:
    """A place naming a grid the territory lacks is refused with its row."""
    data = tiny_with_framework()
    data["places"] = [{"id": "m1", "place_type": "market", "grid": "nowhere", "name_zh": "市场"}]
    with pytest.raises(ScenarioError, match=r"places row 1 .*unknown grid 'nowhere'"):
        build_places(load_scenario(write_yaml(tmp_path, "t.yaml", data)))


def test_generated_grid_unknown_to_a_place_is_named_with_the_nearest(tmp_path: Path) -> None:
    """A generated territory's grids are checked when built: the nearest id, and their range."""
    data = tiny_with_framework()
    data["places"] = [{"id": "m1", "place_type": "market", "grid": "d1s1c1g9", "name_zh": "市场"}]
    scenario = load_scenario(write_yaml(tmp_path, "t.yaml", data))
    grids = build_territory(scenario).grids["id"].tolist()
    with pytest.raises(ScenarioError) as refused:
        build_places(scenario)
    said = str(refused.value)
    assert re.search(r"unknown grid 'd1s1c1g9' \(did you mean 'd1s1c1g\d'\?\)", said)
    assert f"the generator's grids are {grids[0]} to {grids[-1]}" in said


def test_a_places_table_naming_no_grid_of_the_grids_table_is_named_in_its_file(
    tmp_path: Path,
) -> None:
    """With a grids table the places' grids are checked on loading: the CSV's line and column."""
    data = tiny_with_framework()
    _explicit_territory(data["territory"])
    data["places"] = "places.csv"
    (tmp_path / "places.csv").write_text(
        "id,place_type,grid,name_zh\nm1,market,g1,一市\nm2,market,g3,二市\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(write_yaml(tmp_path, "t.yaml", data))
    said = str(refused.value)
    assert "places.csv" in said and "t.yaml" not in said
    assert "row 3 (m2), column grid: unknown grid 'g3'" in said


def test_baseline_has_tens_of_thousands_of_places() -> None:
    """The baseline city has about 57,000 places."""
    places = build_places(load_scenario(SCENARIOS / "baseline.yaml"))
    assert 55_000 < len(places) < 60_000
