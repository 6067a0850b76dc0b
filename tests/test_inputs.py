"""Hostile and careless inputs: each is refused with a ScenarioError naming the file and place.

Five classes, each probed through :func:`load_scenario` and through ``civsim validate`` (exit
code 2, one line, no traceback): non-finite numbers, absurd sizes, duplicate keys and
columns, deep nesting and long ``extends`` chains, and files that are not what their name
says. Most bad files are small overlays that ``extends:`` a shipped scenario by its
absolute path, with a bad table beside them.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pydantic
import pytest
from conftest import SCENARIOS

import civsim.scenario.tables
from civsim.cli import main
from civsim.errors import ScenarioError, TableError
from civsim.responsibility import import_responsibilities, responsibility_table
from civsim.scenario import (
    MAX_GRIDS,
    load_scenario,
    register_mechanism_params,
    unregister_mechanism_params,
)
from civsim.scenario.load import MAX_EXTENDS, MAX_NESTING, MAX_YAML_VALUES
from civsim.scenario.params import MAX_YAML_BYTES
from civsim.scenario.schema.conditions import Dynamics
from civsim.scenario.schema.scenario import MAX_PLACES
from civsim.scenario.schema.territory import MAX_POPULATION

COUNTY = SCENARIOS / "county_nominee.yaml"
PLACE_TYPES = SCENARIOS / "county_tables" / "place_types.csv"


def overlay(folder: Path, body: str, name: str = "bad.yaml", base: Path = COUNTY) -> Path:
    """Write a scenario that extends ``base`` (absolute path) and adds ``body``."""
    path = folder / name
    path.write_text(f"extends: {base}\nname: bad\n{body}\n", encoding="utf-8")
    return path


def place_type_rows(**changes: str) -> list[list[str]]:
    """The county's place-type table, header first, with cells of its first row changed."""
    with PLACE_TYPES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for column, value in changes.items():
        rows[1][rows[0].index(column)] = value
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as a UTF-8 CSV."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as the first sheet of a workbook, numbers as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append([_number(v) for v in row])
    wb.save(path)
    return path


def _number(text: str) -> object:
    """A finite number as a number cell; anything else (``nan`` too) as a text cell."""
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def with_place_types(folder: Path, table: str) -> Path:
    """An overlay of the county whose place types come from ``table`` beside it."""
    return overlay(folder, f"framework: {{place_types: {table}}}")


# Each case writes its bad file(s) into a folder and returns the scenario to load and the
# parts the message must contain: the file at fault, the field or row/column, the problem.
Case = Callable[[Path], tuple[Path, tuple[str, ...]]]


# --- 1. non-finite numbers ------------------------------------------------------------


def _yaml_nan(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "simulation: {dynamics: {upkeep_rate: .nan}}")
    return path, ("bad.yaml", "simulation.dynamics.upkeep_rate", "finite number")


def _yaml_inf_unbounded(d: Path) -> tuple[Path, tuple[str, ...]]:
    # no upper bound on this field: only finiteness stops inf
    path = overlay(d, "workload: {hours_per_staff_year: .inf}")
    return path, ("bad.yaml", "workload.hours_per_staff_year", "finite number")


def _yaml_neg_inf_in_list(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "cycle: {year_weights: [0.5, -.inf, 0.5]}")
    return path, ("bad.yaml", "cycle.year_weights.1", "finite number")


def _yaml_overflow_int(d: Path) -> tuple[Path, tuple[str, ...]]:
    # 1.0e+999 is read as inf; an int field must refuse it too
    path = overlay(d, "cycle: {days_per_year: 1.0e+999}")
    return path, ("bad.yaml", "cycle.days_per_year", "finite number")


def _yaml_nan_int(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "seed: .NaN")
    return path, ("bad.yaml", "seed", "finite number")


def _csv_nan(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_csv(d / "pt.csv", place_type_rows(per_10k_residents="nan"))
    return with_place_types(d, "pt.csv"), ("pt.csv", "row 2, column per_10k_residents", "finite")


def _csv_infinity(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_csv(d / "pt.csv", place_type_rows(per_10k_residents="-Infinity"))
    return with_place_types(d, "pt.csv"), ("pt.csv", "row 2, column per_10k_residents", "finite")


def _csv_inf_int(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_csv(d / "pt.csv", place_type_rows(sample_per_visit="inf"))
    return with_place_types(d, "pt.csv"), ("pt.csv", "row 2, column sample_per_visit", "integer")


def _xlsx_nan(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_xlsx(d / "pt.xlsx", place_type_rows(per_10k_residents="nan"))
    path = with_place_types(d, "pt.xlsx")
    return path, ("pt.xlsx#Sheet", "row 2, column per_10k_residents", "finite")


def _xlsx_inf(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_xlsx(d / "pt.xlsx", place_type_rows(observations_per_place="inf"))
    path = with_place_types(d, "pt.xlsx")
    return path, ("pt.xlsx#Sheet", "row 2, column observations_per_place")


# --- 2. absurd sizes -------------------------------------------------------------------


def _population(d: Path) -> tuple[Path, tuple[str, ...]]:
    body = (
        "territory:\n  districts:\n"
        "    - {id: c01, name_zh: 甲, population: 1000000000000000, streets: 6}\n"
        "    - {id: c02, name_zh: 乙, population: 1000, streets: 1}"
    )
    return overlay(d, body), ("bad.yaml", "territory.districts.0.population", str(MAX_POPULATION))


def _total_population(d: Path) -> tuple[Path, tuple[str, ...]]:
    half = MAX_POPULATION // 2 + 1
    body = (
        "territory:\n  districts:\n"
        f"    - {{id: c01, name_zh: 甲, population: {half}, streets: 6}}\n"
        f"    - {{id: c02, name_zh: 乙, population: {half}, streets: 1}}"
    )
    return overlay(d, body), ("bad.yaml", "territory", f"{MAX_POPULATION:,}")


def _streets(d: Path) -> tuple[Path, tuple[str, ...]]:
    body = (
        "territory:\n  districts:\n"
        "    - {id: c01, name_zh: 甲, population: 1000, streets: 1000000000}\n"
        "    - {id: c02, name_zh: 乙, population: 1000, streets: 1}"
    )
    # the overlay's districts replace the base's table: the message names the overlay
    return overlay(d, body), ("bad.yaml", "territory.districts.0.streets", str(MAX_GRIDS))


def _communities_per_street(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "territory: {generator: {communities_per_street: 1.0e+9}}")
    return path, ("bad.yaml", "territory.generator.communities_per_street", "1000")


def _grids_per_community(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "territory: {generator: {grids_per_community: 1000000000}}")
    return path, ("bad.yaml", "territory.generator.grids_per_community", "1000")


def _grid_product(d: Path) -> tuple[Path, tuple[str, ...]]:
    body = "territory: {generator: {communities_per_street: 900, grids_per_community: 900}}"
    return overlay(d, body), ("bad.yaml", "territory", f"{MAX_GRIDS:,}")


def _places(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_csv(d / "pt.csv", place_type_rows(per_10k_residents="1000000"))
    path = with_place_types(d, "pt.csv")
    return path, ("bad.yaml", "per_10k_residents", f"{MAX_PLACES:,}")


def _years(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "cycle: {years: 1000000000, year_weights: [1]}")
    return path, ("bad.yaml", "cycle.years", "less than or equal to 10")


def _days_per_year(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "cycle: {days_per_year: 1000000000}")
    return path, ("bad.yaml", "cycle.days_per_year", "less than or equal to 366")


def _yaml_bytes(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "# " + "x" * MAX_YAML_BYTES)
    return path, ("bad.yaml", f"{MAX_YAML_BYTES:,} bytes")


def _alias_bomb(d: Path) -> tuple[Path, tuple[str, ...]]:
    # ten levels of ten aliases each: 10**10 values once expanded, from a tiny file
    lines = ["description: x", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = overlay(d, "\n".join(lines))
    return path, ("bad.yaml", f"{MAX_YAML_VALUES:,} values")


# --- 3. duplicate keys and columns -----------------------------------------------------


def _duplicate_top_key(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "seed: 1\nseed: 2")  # lines 3 and 4
    return path, ("bad.yaml", "line 4", "duplicate key 'seed'", "line 3")


def _duplicate_nested_key(d: Path) -> tuple[Path, tuple[str, ...]]:
    body = "simulation:\n  dynamics:\n    upkeep_rate: 0.05\n    upkeep_rate: 0.5"
    return overlay(d, body), ("bad.yaml", "line 6", "duplicate key 'upkeep_rate'")


def _duplicate_flow_key(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "cycle: {years: 3, years: 2}")
    return path, ("bad.yaml", "line 3", "duplicate key 'years'")


def _duplicate_csv_column(d: Path) -> tuple[Path, tuple[str, ...]]:
    rows = place_type_rows()
    rows[0][3] = " level "  # the fourth column's header, stripped, repeats the fifth's
    write_csv(d / "pt.csv", rows)
    return with_place_types(d, "pt.csv"), ("pt.csv", "row 1", "duplicate column 'level'")


def _duplicate_xlsx_column(d: Path) -> tuple[Path, tuple[str, ...]]:
    rows = place_type_rows()
    rows[0][2] = "name_zh"
    write_xlsx(d / "pt.xlsx", rows)
    path = with_place_types(d, "pt.xlsx")
    return path, ("pt.xlsx#Sheet", "row 1", "duplicate column 'name_zh' (columns 2 and 3)")


# --- 4. deep nesting and long extends chains -------------------------------------------


def _deep_lists(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "description: " + "[" * 5000 + "]" * 5000)
    return path, ("bad.yaml", "line 3", f"nested more than {MAX_NESTING} levels")


def _deep_mappings(d: Path) -> tuple[Path, tuple[str, ...]]:
    body = "sources:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(60)) + "  " * 61 + "x"
    return overlay(d, body), ("bad.yaml", f"nested more than {MAX_NESTING} levels")


def _recursive_alias(d: Path) -> tuple[Path, tuple[str, ...]]:
    path = overlay(d, "description: &loop [*loop]")
    return path, ("bad.yaml", "description.0.0.0", f"nested more than {MAX_NESTING} levels")


def _long_extends(d: Path) -> tuple[Path, tuple[str, ...]]:
    base = COUNTY  # extends baseline.yaml: two files already
    for i in range(MAX_EXTENDS - 1):
        base = overlay(d, "", name=f"o{i}.yaml", base=base)
    return base, ("o8.yaml", "extends", f"longer than {MAX_EXTENDS} files")


# --- 5. files that are not what their name says ----------------------------------------


def _good_xlsx_bytes(d: Path) -> bytes:
    return write_xlsx(d / "good.xlsx", place_type_rows()).read_bytes()


def _xlsx_is_text(d: Path) -> tuple[Path, tuple[str, ...]]:
    (d / "pt.xlsx").write_text("id,name_zh\nmarket,市场\n", encoding="utf-8")
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "not an XLSX workbook")


def _xlsx_empty(d: Path) -> tuple[Path, tuple[str, ...]]:
    (d / "pt.xlsx").write_bytes(b"")
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "not an XLSX workbook")


def _xlsx_truncated(d: Path) -> tuple[Path, tuple[str, ...]]:
    data = _good_xlsx_bytes(d)
    (d / "pt.xlsx").write_bytes(data[: len(data) // 2])
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "not an XLSX workbook")


def _xlsx_encrypted(d: Path) -> tuple[Path, tuple[str, ...]]:
    # Excel saves a password-protected workbook in an OLE2 container, not a zip
    (d / "pt.xlsx").write_bytes(civsim.scenario.tables.OLE2_MAGIC + bytes(1024))
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "password-protected")


def _xlsx_corrupt_sheet(d: Path) -> tuple[Path, tuple[str, ...]]:
    good = zipfile.ZipFile(io.BytesIO(_good_xlsx_bytes(d)))
    with zipfile.ZipFile(d / "pt.xlsx", "w") as bad:
        for info in good.infolist():
            data = good.read(info.filename)
            bad.writestr(info, data[: len(data) // 2] if "worksheets/" in info.filename else data)
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "cannot read workbook")


def _xlsx_other_zip(d: Path) -> tuple[Path, tuple[str, ...]]:
    with zipfile.ZipFile(d / "pt.xlsx", "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return with_place_types(d, "pt.xlsx"), ("pt.xlsx", "cannot read workbook")


def _csv_not_utf8(d: Path) -> tuple[Path, tuple[str, ...]]:
    text = "\n".join(",".join(r) for r in place_type_rows()) + "\n"
    (d / "pt.csv").write_bytes(text.encode("gbk"))
    return with_place_types(d, "pt.csv"), ("pt.csv", "not UTF-8 text")


def _csv_nul(d: Path) -> tuple[Path, tuple[str, ...]]:
    write_csv(d / "pt.csv", place_type_rows(name_en="Farmers'\x00 market"))
    return with_place_types(d, "pt.csv"), ("pt.csv", "row 2", "NUL byte")


def _csv_is_workbook(d: Path) -> tuple[Path, tuple[str, ...]]:
    (d / "pt.csv").write_bytes(_good_xlsx_bytes(d))
    return with_place_types(d, "pt.csv"), ("pt.csv",)


CASES: dict[str, Case] = {
    f.__name__.lstrip("_"): f
    for f in (
        _yaml_nan,
        _yaml_inf_unbounded,
        _yaml_neg_inf_in_list,
        _yaml_overflow_int,
        _yaml_nan_int,
        _csv_nan,
        _csv_infinity,
        _csv_inf_int,
        _xlsx_nan,
        _xlsx_inf,
        _population,
        _total_population,
        _streets,
        _communities_per_street,
        _grids_per_community,
        _grid_product,
        _places,
        _years,
        _days_per_year,
        _yaml_bytes,
        _alias_bomb,
        _duplicate_top_key,
        _duplicate_nested_key,
        _duplicate_flow_key,
        _duplicate_csv_column,
        _duplicate_xlsx_column,
        _deep_lists,
        _deep_mappings,
        _recursive_alias,
        _long_extends,
        _xlsx_is_text,
        _xlsx_empty,
        _xlsx_truncated,
        _xlsx_encrypted,
        _xlsx_corrupt_sheet,
        _xlsx_other_zip,
        _csv_not_utf8,
        _csv_nul,
        _csv_is_workbook,
    )
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_naming_file_and_place(tmp_path: Path, case: str) -> None:
    """Each bad input raises a ScenarioError whose message names the file and the place."""
    path, parts = CASES[case](tmp_path)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    for part in parts:
        assert part in str(err.value), f"{part!r} not in {str(err.value)!r}"


# One CLI case per class; every other case goes through the same error path.
CLI_CASES = ["csv_nan", "places", "duplicate_top_key", "deep_lists", "xlsx_truncated"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_validate_exits_2_without_traceback(tmp_path: Path, capsys, case: str) -> None:
    """`civsim validate` on a bad input: exit code 2, one line naming the file, no traceback."""
    path, parts = CASES[case](tmp_path)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1
    assert parts[0] in captured.err and not captured.out


def test_finite_numbers_reach_nested_models_and_rows() -> None:
    """Built directly, not loaded, a model still refuses nan and inf."""
    for bad in (float("nan"), float("inf"), "nan", "-inf"):
        with pytest.raises(pydantic.ValidationError, match="finite number"):
            Dynamics.model_validate({"upkeep_rate": bad})


def test_limits_leave_room_for_real_inputs(tmp_path: Path) -> None:
    """Just inside each limit loads: a chain of MAX_EXTENDS files, and YAML merge keys."""
    base = COUNTY  # with baseline.yaml and ok.yaml, MAX_EXTENDS files in all
    for i in range(MAX_EXTENDS - 3):
        base = overlay(tmp_path, "", name=f"o{i}.yaml", base=base)
    body = (
        "budget:\n  district_condition:\n"
        "    - &c {district: c01, condition: 0.6}\n"
        "    - {<<: *c, district: c02}"
    )
    scenario = load_scenario(overlay(tmp_path, body, name="ok.yaml", base=base))
    assert scenario.budget is not None
    assert [c.condition for c in scenario.budget.district_condition] == [0.6, 0.6]


def test_nesting_limit_counts_from_the_top(tmp_path: Path) -> None:
    """A value MAX_NESTING nodes deep (the top mapping first) passes the reader; one more not."""
    lists = MAX_NESTING - 2  # the top mapping, then the lists, then the string
    path = overlay(tmp_path, "description: " + "[" * lists + "x" + "]" * lists)
    with pytest.raises(ScenarioError, match="description: Input should be a valid string"):
        load_scenario(path)
    path = overlay(tmp_path, "description: " + "[" * (lists + 1) + "x" + "]" * (lists + 1))
    with pytest.raises(ScenarioError, match=f"nested more than {MAX_NESTING} levels"):
        load_scenario(path)


def test_row_limit_stops_reading(tmp_path: Path, monkeypatch) -> None:
    """A table longer than MAX_TABLE_ROWS is refused, with the limit in the message."""
    monkeypatch.setattr(civsim.scenario.tables, "MAX_TABLE_ROWS", 5)
    write_csv(tmp_path / "pt.csv", place_type_rows())
    with pytest.raises(ScenarioError, match="more than 5 rows") as err:
        load_scenario(with_place_types(tmp_path, "pt.csv"))
    assert "pt.csv" in str(err.value)
    write_xlsx(tmp_path / "pt.xlsx", place_type_rows())
    with pytest.raises(ScenarioError, match="more than 5 rows") as err:
        load_scenario(with_place_types(tmp_path, "pt.xlsx"))
    assert "pt.xlsx#Sheet" in str(err.value)


@pytest.mark.parametrize("case", ["xlsx_is_text", "xlsx_encrypted", "csv_not_utf8", "csv_nul"])
def test_responsibility_import_refuses_bad_files(tmp_path: Path, case: str) -> None:
    """Importing a responsibility sheet that is not one raises a TableError naming it."""
    county = load_scenario(COUNTY)
    CASES[case](tmp_path)
    sheet = next(tmp_path.glob("pt.*"))
    with pytest.raises(TableError) as err:
        import_responsibilities(county, sheet)
    assert sheet.name in str(err.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_responsibility_import_refuses_non_finite_points(tmp_path: Path, value: str) -> None:
    """A responsibility sheet's points must be finite; the message names the row and column."""
    county = load_scenario(COUNTY)
    table = responsibility_table(county).astype({"points": object})
    table.loc[2, "points"] = value
    table.to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(TableError, match="finite number") as err:
        import_responsibilities(county, tmp_path / "r.csv")
    assert "r.csv" in str(err.value) and "row 4, column points" in str(err.value)


def test_responsibility_import_refuses_duplicate_columns(tmp_path: Path) -> None:
    """A responsibility sheet naming a column twice is refused."""
    county = load_scenario(COUNTY)
    text = responsibility_table(county).to_csv(index=False)
    (tmp_path / "r.csv").write_text(text.replace("method,", "lead_unit,", 1), encoding="utf-8")
    with pytest.raises(TableError, match="duplicate column 'lead_unit'"):
        import_responsibilities(county, tmp_path / "r.csv")


class _PlainParams(pydantic.BaseModel):
    """A mechanism's parameters on a plain pydantic model, which allows nan and inf."""

    gain: float = 0.1


def test_yaml_refuses_non_finite_numbers_outside_civsim_models(tmp_path: Path) -> None:
    """A nan in a section validated by a model of one's own is refused when the YAML is read."""
    register_mechanism_params("plain_params", _PlainParams)
    try:
        path = overlay(tmp_path, "simulation: {mechanisms: {plain_params: {gain: .nan}}}")
        with pytest.raises(ScenarioError, match="expected a finite number") as err:
            load_scenario(path)
        assert "bad.yaml" in str(err.value)
        assert "simulation.mechanisms.plain_params.gain" in str(err.value)
    finally:
        unregister_mechanism_params("plain_params")


def _spoil_cell(folder: Path, table: str, pick: Callable[[dict], bool], column: str, value: str):
    """Set ``column`` of the first row of ``table`` that ``pick`` accepts; (its line, its id)."""
    path = folder / "baseline_tables" / table
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    index = next(i for i, row in enumerate(rows) if pick(row))
    row_id = rows[index]["id"]
    rows[index][column] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return index + 2, row_id  # the header is line 1


@pytest.mark.parametrize(
    ("table", "pick", "column", "value", "expected"),
    [
        # checked by the framework's validator
        ("contents.csv", lambda r: r["id"] == "C005", "item", "I99", "unknown item 'I99'"),
        ("standards.csv", lambda r: r["id"] == "S004", "content", "C999", "unknown content"),
        ("standards.csv", lambda r: r["id"] == "S005", "id", "S004", "duplicate id 'S004'"),
        (
            "standards.csv",
            lambda r: r["lead_unit"] == "urban_mgmt",
            "lead_unit",
            "urban_mgnt",
            "unknown unit 'urban_mgnt' (did you mean 'urban_mgmt'?)",
        ),
        # checked by the scenario's, across sections
        ("districts.csv", lambda r: r["id"] == "d03", "id", "d01", "duplicate id 'd01'"),
        (
            "units.csv",
            lambda r: r["id"] == "urban_mgmt",
            "reports_to",
            "comittee",
            "did you mean 'committee'?",
        ),
        (
            "budget_lines.csv",
            lambda r: r["target_kind"] == "place_type",
            "target",
            "nowhere",
            "unknown place_type 'nowhere'",
        ),
    ],
    ids=[
        "content-item",
        "standard-content",
        "standard-id",
        "lead-unit",
        "district-id",
        "reports-to",
        "line",
    ],
)
def test_a_row_refused_across_rows_is_named_in_its_own_table(
    tmp_path: Path, table, pick, column, value, expected
) -> None:
    """A row naming what is not there, or repeating an id: its table's file, line and column.

    Checks that look across rows (or across sections) run once every table is
    read; the message still names the CSV the planner edits and the line a
    spreadsheet shows there, not the scenario file and a count of data rows.
    """
    for name in ("baseline.yaml", "baseline_tables"):
        source = SCENARIOS / name
        copy = tmp_path / name
        if source.is_dir():
            copy.mkdir()
            for f in source.iterdir():
                copy.joinpath(f.name).write_bytes(f.read_bytes())
        else:
            copy.write_bytes(source.read_bytes())
    line, row_id = _spoil_cell(tmp_path, table, pick, column, value)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "baseline.yaml")
    err = info.value
    assert err.file == str(tmp_path / "baseline_tables" / table)
    id_note = "" if column == "id" else f" ({row_id})"
    assert err.where == f"row {line}{id_note}, column {column}"
    assert expected in err.message
