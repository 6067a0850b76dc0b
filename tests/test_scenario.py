"""Loading scenario files: shipped scenarios, overlays, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
from conftest import SCENARIOS, write_yaml

from civsim.errors import ScenarioError
from civsim.scenario import (
    MAX_GRIDS,
    Scenario,
    deep_merge,
    load_scenario,
    parameter_table,
    scenario_hash,
    section_hash,
)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path: Path) -> None:
    """Every shipped scenario validates."""
    scenario = load_scenario(path)
    assert scenario.name == path.stem


def test_scenario_is_frozen(tiny_path: Path) -> None:
    """A loaded scenario cannot be changed in place."""
    scenario = load_scenario(tiny_path)
    with pytest.raises(pydantic.ValidationError):
        scenario.seed = 1


def test_extends_states_only_the_difference(tmp_path: Path, tiny_dict: dict) -> None:
    """An overlay merges mappings with its base and replaces lists whole."""
    write_yaml(tmp_path, "base.yaml", tiny_dict)
    write_yaml(
        tmp_path,
        "over.yaml",
        {
            "extends": "base.yaml",
            "name": "over",
            "cycle": {"years": 2, "year_weights": [0.4, 0.6]},
            "territory": {"generator": {"grids_per_community": 5}},
        },
    )
    over = load_scenario(tmp_path / "over.yaml")
    assert over.name == "over"
    assert over.cycle.year_weights == (0.4, 0.6)
    assert over.territory.generator.grids_per_community == 5
    # untouched keys of the same mapping survive the merge
    assert over.territory.generator.communities_per_street == 2
    assert [u.id for u in over.organisation.units] == ["urban_mgmt", "market_reg"]


def test_county_overlay_changes_only_what_it_states() -> None:
    """The county scenario keeps the baseline's cycle but has its own chain."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    assert county.cycle == base.cycle
    assert county.organisation.office.name_zh == "县文明办"
    assert len(county.organisation.units) < len(base.organisation.units)


def test_deep_merge_does_not_mutate_inputs() -> None:
    """Merging leaves both inputs as they were."""
    base, over = {"a": {"b": 1}}, {"a": {"c": 2}}
    assert deep_merge(base, over) == {"a": {"b": 1, "c": 2}}
    assert base == {"a": {"b": 1}} and over == {"a": {"c": 2}}


def test_parameters_carry_unit_and_source() -> None:
    """Every parameter lists a unit and a source, and the scenario's own notes win."""
    rows = parameter_table(load_scenario(SCENARIOS / "county_nominee.yaml"))
    assert rows and all(r["unit"] and r["source"] for r in rows)
    workers = next(r for r in rows if r["path"] == "territory.generator.grid_workers_per_grid")
    assert workers["changed"] and "counties" in workers["source"]


def test_hash_depends_on_content_not_layout(tmp_path: Path, tiny_dict: dict) -> None:
    """The same content in another file has the same hash; a changed value does not."""
    a = load_scenario(write_yaml(tmp_path, "a.yaml", tiny_dict))
    b = load_scenario(write_yaml(tmp_path, "b.yaml", tiny_dict))
    tiny_dict["seed"] = 8
    c = load_scenario(write_yaml(tmp_path, "c.yaml", tiny_dict))
    assert scenario_hash(a) == scenario_hash(b) != scenario_hash(c)


def test_section_hash_sees_only_the_named_sections(tmp_path: Path, tiny_dict: dict) -> None:
    """A change outside the named sections keeps their hash; a change inside alters it."""
    a = load_scenario(write_yaml(tmp_path, "a.yaml", tiny_dict))
    tiny_dict["description"] = "another description"
    b = load_scenario(write_yaml(tmp_path, "b.yaml", tiny_dict))
    tiny_dict["seed"] = 8
    c = load_scenario(write_yaml(tmp_path, "c.yaml", tiny_dict))
    shape = ("organisation", "territory", "seed")
    assert section_hash(a, shape) == section_hash(b, shape) != section_hash(c, shape)
    assert section_hash(a, shape) == section_hash(a, tuple(reversed(shape)))
    assert section_hash(a, "seed") == section_hash(a, ["seed"]) != section_hash(a, ["cycle"])
    every = [name for name in Scenario.model_fields if name != "source_file"]
    assert section_hash(a, every) == scenario_hash(a)
    with pytest.raises(ValueError, match="source_file"):
        section_hash(a, ["source_file"])


# ------------------------------------------------------------------ bad input


def _error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_unknown_key_suggests_the_near_miss(tmp_path: Path, tiny_dict: dict) -> None:
    """A misspelt key is refused with the field path and a 'did you mean'."""
    tiny_dict["territory"]["generator"]["grids_per_comunity"] = 4
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert err.where == "territory.generator.grids_per_comunity"
    assert "did you mean 'grids_per_community'" in str(err)


def test_wrong_type_names_the_field(tmp_path: Path, tiny_dict: dict) -> None:
    """A word where a number belongs is refused, naming the field."""
    tiny_dict["cycle"] = {"years": "three"}
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert err.where == "cycle.years" and "integer" in err.message


@pytest.mark.parametrize(("section", "field"), [("units", "staff"), ("districts", "population")])
def test_negative_counts_are_refused(
    tmp_path: Path, tiny_dict: dict, section: str, field: str
) -> None:
    """Negative staff or population is refused, naming the row."""
    parent = tiny_dict["organisation" if section == "units" else "territory"]
    parent[section][1][field] = -5
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert err.where.endswith(f"{section}.1.{field}")
    assert "greater than or equal to 0" in err.message


def test_negative_count_in_a_table_names_row_and_column(tmp_path: Path, tiny_dict: dict) -> None:
    """An error inside a CSV table names the table file, its row and column."""
    (tmp_path / "units.csv").write_text(
        "id,name_zh,staff\nurban_mgmt,城管局,5\nmarket_reg,市场监管局,-1\n", encoding="utf-8"
    )
    tiny_dict["organisation"]["units"] = "units.csv"
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert err.file.endswith("units.csv")
    assert err.where == "row 3, column staff"


def test_duplicate_id_is_refused(tmp_path: Path, tiny_dict: dict) -> None:
    """Two bodies with one id are refused, naming both uses."""
    tiny_dict["territory"]["districts"][1]["id"] = "urban_mgmt"
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert "duplicate id 'urban_mgmt'" in str(err)


def test_unknown_reference_is_refused(tmp_path: Path, tiny_dict: dict) -> None:
    """A unit reporting to a body that does not exist is refused with a hint."""
    tiny_dict["organisation"]["units"][1]["reports_to"] = "urban_mgt"
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert "reports_to 'urban_mgt'" in str(err) and "did you mean 'urban_mgmt'" in str(err)


def test_unknown_district_in_streets_table(tmp_path: Path, tiny_dict: dict) -> None:
    """A street in a district that does not exist is refused, naming the row."""
    tiny_dict["territory"]["streets"] = [
        {"id": "s1", "district": "d1", "name_zh": "一街", "population": 10},
        {"id": "s2", "district": "d9", "name_zh": "二街", "population": 10},
    ]
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert "streets row 2 (s2): unknown district 'd9'" in str(err)


def test_a_row_of_a_table_in_the_yaml_is_counted_from_1_in_it(
    tmp_path: Path, tiny_dict: dict
) -> None:
    """Written in the YAML, a table's row is named by the table's own name and its number."""
    tiny_dict["territory"]["streets"] = [
        {"id": f"s{k}", "district": "d1", "name_zh": f"{k}街", "population": 10}
        for k in (1, 2, 3, 4)
    ]
    tiny_dict["territory"]["streets"][3]["district"] = "d9"
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert err.file == str(tmp_path / "s.yaml") and err.where is None
    assert err.message == "streets row 4 (s4): unknown district 'd9'"


def test_the_hint_names_the_closest_of_several_near_misses() -> None:
    """Of two ids close to a misspelt one, the closer is suggested."""
    from civsim.scenario.checks import hint

    assert hint("abcdef", {"abcxyf", "abcdeg"}) == " (did you mean 'abcdeg'?)"
    assert hint("abcdef", {"zzzzzz"}) == ""


@pytest.mark.parametrize("name", ["../../etc/passwd", "../outside.csv"])
def test_table_path_must_stay_inside_the_folder(tmp_path: Path, tiny_dict: dict, name) -> None:
    """A table path that leaves the scenario's folder is refused before it is read."""
    folder = tmp_path / "scn"
    folder.mkdir()
    (tmp_path / "outside.csv").write_text("id,name_zh,staff\nx,甲,1\n", encoding="utf-8")
    tiny_dict["organisation"]["units"] = name
    err = _error(write_yaml(folder, "s.yaml", tiny_dict))
    assert "leaves the scenario's folder" in str(err)


def test_missing_table_is_refused(tmp_path: Path, tiny_dict: dict) -> None:
    """A table that does not exist is named."""
    tiny_dict["organisation"]["units"] = "nowhere.csv"
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert "'nowhere.csv' does not exist" in str(err)


def test_malformed_yaml_gives_line_and_column(tmp_path: Path) -> None:
    """Broken YAML is refused with its line and column."""
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nseed: [1, 2\ncycle: {}\n", encoding="utf-8")
    err = _error(path)
    assert err.where.startswith("line 3, column") and "malformed YAML" in err.message


def test_extends_loop_is_refused(tmp_path: Path, tiny_dict: dict) -> None:
    """A scenario that extends itself through another is refused, naming the loop."""
    write_yaml(tmp_path, "a.yaml", {**tiny_dict, "extends": "b.yaml"})
    write_yaml(tmp_path, "b.yaml", {"extends": "a.yaml"})
    err = _error(tmp_path / "a.yaml")
    assert "extends loop: a.yaml -> b.yaml -> a.yaml" in str(err)


def test_missing_scenario_file(tmp_path: Path) -> None:
    """A scenario file that does not exist is named."""
    err = _error(tmp_path / "absent.yaml")
    assert "scenario file not found" in str(err) and "absent.yaml" in str(err)


def test_absurd_size_is_refused_not_attempted(tmp_path: Path, tiny_dict: dict) -> None:
    """A territory of 10**9 grids is refused with a message, without generating it."""
    tiny_dict["territory"]["districts"][0]["streets"] = 10_000
    tiny_dict["territory"]["generator"] = {
        "communities_per_street": 1000,
        "grids_per_community": 100,
    }
    err = _error(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert f"refuses more than {MAX_GRIDS:,}" in str(err)


def test_param_plausible_range_is_listed_and_holds_its_default():
    """An assumption's range is kept for exploration; its default must lie inside it."""
    from civsim.scenario.params import param

    info = param(0.3, "fraction", "assumption", plausible=(0.1, 0.5), ge=0)
    assert info.json_schema_extra["plausible"] == [0.1, 0.5]
    with pytest.raises(ValueError, match="outside its plausible range"):
        param(0.9, "fraction", "assumption", plausible=(0.1, 0.5))


#: Assumptions that are not the model's: how often a run records (a setting of the
#: output, not of the city), the budget's division rules (the planner's policy, a lever),
#: and a per-place-type table whose values each lie in minor_share's range.
NOT_MODEL_ASSUMPTIONS = {
    "simulation.record_every_days",
    "simulation.defects.minor_share_by_place_type",
    "budget.city_share",
    "budget.district_min_share",
    "budget.district_min_yuan",
    "budget.district_cap_share",
    "budget.district_cap_yuan",
}


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_model_assumption_has_a_plausible_range_holding_its_value(path: Path) -> None:
    """An assumption can be explored and calibrated only within a range: each carries one."""
    from civsim.scenario import parameter_table

    rows = parameter_table(load_scenario(path))
    model = [r for r in rows if r["path"].startswith("simulation.")]
    assumed = [r for r in model if str(r["source"]).startswith("assumption")]
    missing = [r["path"] for r in assumed if r["plausible"] is None]
    assert sorted(set(missing) - NOT_MODEL_ASSUMPTIONS) == []
    outside = [
        r["path"]
        for r in rows
        if r["plausible"] and not r["plausible"][0] <= r["value"] <= r["plausible"][1]
    ]
    assert outside == []
