"""The tasks and generate commands, and the responsibility table's round trip."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SCENARIOS, tiny_with_framework, write_yaml

from civsim.cli import main
from civsim.errors import TableError
from civsim.export import write_tables
from civsim.places import build_territory
from civsim.responsibility import import_responsibilities, responsibility_table
from civsim.scenario import load_scenario
from civsim.tasks import decompose

COUNTY = SCENARIOS / "county_nominee.yaml"


@pytest.fixture(scope="module")
def county_out(tmp_path_factory) -> Path:
    """The folder the county's tasks and reports were written to by `civsim tasks`."""
    out = tmp_path_factory.mktemp("county") / "tasks"
    assert main(["tasks", str(COUNTY), "--out", str(out)]) == 0
    return out


def test_tasks_command_writes_the_list_and_every_report(county_out: Path) -> None:
    """`civsim tasks` writes the task list as Parquet and CSV and the reports as CSV and XLSX."""
    out = county_out
    tasks = pd.read_parquet(out / "tasks.parquet")
    assert tasks["task_id"].is_unique
    assert len(pd.read_csv(out / "tasks.csv")) == len(tasks)
    sheets = openpyxl.load_workbook(out / "reports.xlsx", read_only=True).sheetnames
    assert sheets == ["coverage", "conflicts", "workload", "raci", "responsibilities"]
    for name in sheets:
        assert (out / f"{name}.csv").is_file()


def test_every_sheet_is_laid_out_for_reading_and_printing(county_out: Path) -> None:
    """Each sheet is laid out for reading and printing.

    Header frozen and filterable, columns sized, numbers formatted, printed landscape
    one page wide with the header on every page; long text wraps.
    """
    book = openpyxl.load_workbook(county_out / "reports.xlsx")
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions, ws.title
        assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(4 <= w <= 60 for w in widths), (ws.title, widths)
    resp = book["responsibilities"]
    header = [c.value for c in resp[1]]
    text = header.index("text_zh") + 1
    # the standards' text is longer than the widest column: it wraps
    assert resp.cell(2, text).alignment.wrap_text
    points = header.index("points") + 1
    assert resp.cell(2, points).number_format == "#,##0.00"
    # a Chinese header is sized for its double-width characters
    load = book["workload"]
    assert load.column_dimensions["A"].width >= len(str(load["A1"].value)) + 2


def test_tasks_command_prints_a_summary(tmp_path: Path, capsys) -> None:
    """The summary names the rows, the gaps, the conflicts and the most loaded."""
    assert main(["tasks", str(COUNTY), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "tasks at" in out and "coverage gaps: grid_without_worker" in out
    assert "conflicts found: none" in out
    assert "most loaded units" in out and "most loaded grid workers" in out


def test_responsibility_sheet_round_trips(county_out: Path) -> None:
    """Export, import and export again gives an equal responsibility table (XLSX and CSV)."""
    out = county_out
    county = load_scenario(COUNTY)
    exported = responsibility_table(county)
    for sheet in (f"{out / 'reports.xlsx'}#responsibilities", out / "responsibilities.csv"):
        again = responsibility_table(import_responsibilities(county, sheet))
        pd.testing.assert_frame_equal(again, exported)


def test_imported_sheet_overrides_leads(tmp_path: Path) -> None:
    """A sheet naming another lead changes the owner of the standard's tasks."""
    county = load_scenario(COUNTY)
    table = responsibility_table(county)
    table.loc[0, ["lead_unit", "cooperating_units"]] = ["propaganda", "housing;health"]
    write_tables(tmp_path, {"r": table.iloc[:3]}, "r.xlsx")
    changed = import_responsibilities(county, tmp_path / "r.xlsx")
    tasks = decompose(changed)
    first = tasks[tasks["standard"] == table.loc[0, "standard"]]
    assert set(first["lead_unit"]) == {"propaganda"}
    assert set(first["cooperating_units"]) == {"housing;health"}
    later = responsibility_table(changed).iloc[3:]
    pd.testing.assert_frame_equal(later, responsibility_table(county).iloc[3:])


def test_a_workbook_with_several_sheets_gives_its_responsibility_sheet(county_out: Path) -> None:
    """reports.xlsx without #sheet: its sheet named responsibilities, not its first (coverage)."""
    county = load_scenario(COUNTY)
    again = responsibility_table(import_responsibilities(county, county_out / "reports.xlsx"))
    pd.testing.assert_frame_equal(again, responsibility_table(county))


def test_a_workbook_with_several_unnamed_sheets_is_refused(tmp_path: Path) -> None:
    """Two sheets, neither named responsibilities nor 责任分解表: refused, listing them."""
    table = responsibility_table(load_scenario(COUNTY))
    write_tables(tmp_path, {"a": table, "b": table}, "two.xlsx")
    with pytest.raises(TableError, match=r"2 sheets \(a, b\).*two.xlsx#SHEET"):
        import_responsibilities(load_scenario(COUNTY), tmp_path / "two.xlsx")


def test_units_may_be_named_in_chinese(tmp_path: Path) -> None:
    """A sheet naming units by their Chinese names (、 or ； between them) imports as by id."""
    county = load_scenario(COUNTY)
    name = {u.id: u.name_zh for u in county.organisation.units}
    by_id = responsibility_table(county)
    by_id.loc[0, ["lead_unit", "cooperating_units"]] = ["propaganda", "housing;health"]
    by_name = by_id.copy()
    by_name.loc[0, ["lead_unit", "cooperating_units"]] = [
        name["propaganda"],
        f"{name['housing']}、{name['health']}",
    ]
    by_name.loc[1, "cooperating_units"] = "；".join(
        name[u] for u in str(by_id.loc[1, "cooperating_units"]).split(";") if u
    )
    write_tables(tmp_path, {"ids": by_id, "names": by_name}, "r.xlsx")
    from_ids = import_responsibilities(county, f"{tmp_path / 'r.xlsx'}#ids")
    from_names = import_responsibilities(county, f"{tmp_path / 'r.xlsx'}#names")
    pd.testing.assert_frame_equal(responsibility_table(from_names), responsibility_table(from_ids))


def test_an_unknown_unit_name_lists_the_accepted_ones(tmp_path: Path) -> None:
    """An unknown name: its row and column, and every unit as id (name)."""
    county = load_scenario(COUNTY)
    table = responsibility_table(county)
    table.loc[2, "lead_unit"] = "城管"
    write_tables(tmp_path, {"r": table}, "r.xlsx")
    with pytest.raises(TableError) as err:
        import_responsibilities(county, tmp_path / "r.xlsx")
    text = str(err.value)
    assert "row 4, column lead_unit" in text and "unknown unit '城管'" in text
    assert all(f"{u.id} ({u.name_zh})" in text for u in county.organisation.units)


def _spoil_missing_column(t: pd.DataFrame) -> pd.DataFrame:
    return t.drop(columns="lead_unit")


def _spoil_unknown_unit(t: pd.DataFrame) -> pd.DataFrame:
    t.loc[4, "cooperating_units"] = "urban_mgmt;police_dog_unit"
    return t


def _spoil_duplicate(t: pd.DataFrame) -> pd.DataFrame:
    t.loc[6, "standard"] = t.loc[2, "standard"]
    return t


def _spoil_points(t: pd.DataFrame) -> pd.DataFrame:
    t["points"] = t["points"].astype(object)
    t.loc[9, "points"] = "一分"
    return t


@pytest.mark.parametrize(
    ("spoil", "row", "column", "expected"),
    [
        (_spoil_missing_column, 2, "lead_unit", "missing column"),
        (_spoil_unknown_unit, 6, "cooperating_units", "unknown unit 'police_dog_unit'"),
        (_spoil_duplicate, 8, "standard", "duplicate standard"),
        (_spoil_points, 11, "points", "valid number"),
    ],
    ids=["missing-column", "unknown-unit", "duplicate-standard", "non-numeric-points"],
)
def test_bad_sheet_exits_2_naming_sheet_row_column(
    tmp_path: Path, capsys, spoil, row, column, expected
) -> None:
    """A bad responsibility sheet: exit 2 naming sheet, row and column; nothing written."""
    table = spoil(responsibility_table(load_scenario(COUNTY)))
    write_tables(tmp_path, {"分解表": table}, "book.xlsx")
    out = tmp_path / "out"
    for sheet in (f"{tmp_path / 'book.xlsx'}#分解表", str(tmp_path / "分解表.csv")):
        assert main(["tasks", str(COUNTY), "--out", str(out), "--responsibilities", sheet]) == 2
        err = capsys.readouterr().err
        assert f"{Path(sheet.partition('#')[0]).name}" in err and expected in err, err
        assert f"row {row}, column {column}" in err, err
        assert "#分解表" in err or sheet.endswith(".csv")
        assert err.count("\n") == 1 and "Traceback" not in err
        assert not out.exists()


def test_import_refuses_an_empty_sheet(tmp_path: Path) -> None:
    """A sheet with a header and no rows is refused rather than read as 'no change'."""
    path = tmp_path / "r.csv"
    path.write_text("standard,lead_unit,cooperating_units\n", encoding="utf-8")
    with pytest.raises(TableError, match="no rows"):
        import_responsibilities(load_scenario(COUNTY), path)


def test_task_list_round_trips_through_xlsx(tmp_path: Path) -> None:
    """A tiny city's task list written to XLSX reads back with the same cells."""
    data = tiny_with_framework()
    scenario = load_scenario(write_yaml(tmp_path, "t.yaml", data))
    tasks = decompose(scenario, build_territory(scenario))
    write_tables(tmp_path, {"tasks": tasks}, "tasks.xlsx")
    back = pd.read_excel(tmp_path / "tasks.xlsx", sheet_name="tasks")
    assert back.columns.tolist() == tasks.columns.tolist()
    assert back["task_id"].tolist() == tasks["task_id"].tolist()
    assert back["person"].fillna("").tolist() == tasks["person"].astype(object).fillna("").tolist()
    assert back["hours_per_year"].tolist() == pytest.approx(tasks["hours_per_year"].tolist())


def test_generate_writes_a_city_that_validates_and_decomposes(tmp_path: Path, capsys) -> None:
    """`civsim generate --grids N` writes a scenario folder of about N grids that decomposes."""
    out = tmp_path / "city"
    assert main(["generate", "--grids", "400", "--out", str(out), "--seed", "5"]) == 0
    assert "about 400 grids" in capsys.readouterr().out
    city = load_scenario(out / "city.yaml")
    territory = build_territory(city)
    assert 300 < len(territory.grids) < 500
    assert int(territory.grids["population"].sum()) == 400 * 625
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert city.framework == base.framework and city.organisation.units == base.organisation.units
    assert main(["tasks", str(out / "city.yaml"), "--out", str(tmp_path / "tasks")]) == 0


def test_generate_refuses_an_absurd_size(tmp_path: Path, capsys) -> None:
    """Too many grids: exit 2 and nothing written."""
    out = tmp_path / "city"
    assert main(["generate", "--grids", "10000000", "--out", str(out)]) == 2
    assert "--grids must be between" in capsys.readouterr().err
    assert not out.exists()
