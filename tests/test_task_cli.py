"""The tasks and generate commands, and the responsibility table's round trip."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SCENARIOS, tiny_with_framework, write_yaml

from civsim.cli import main
from civsim.errors import TableError
from civsim.export import write_tables
from civsim.labels import HEADERS_ZH, column_of
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
    assert sheets == ["责任分解表", "覆盖缺口", "职责冲突", "工作量", "网格员配置", "RACI矩阵"]
    for name in ("responsibilities", "coverage", "conflicts", "workload", "grid_staffing", "raci"):
        assert (out / f"{name}.csv").is_file()
    alone = openpyxl.load_workbook(out / "责任分解表.xlsx", read_only=True).sheetnames
    assert alone == ["责任分解表"]


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
    resp = book["责任分解表"]
    header = [c.value for c in resp[1]]
    assert header == [
        "序号", "标准编号", "测评项目", "测评内容", "测评标准", "测评方式", "分值",
        "牵头单位", "配合单位", "责任人", "完成时限",
    ]  # fmt: skip
    text = header.index("测评标准") + 1
    # the standards' text is longer than its column: it wraps, and its row is tall enough
    assert resp.cell(2, text).alignment.wrap_text and resp.row_dimensions[2].height > 15
    points = header.index("分值") + 1
    assert resp.cell(2, points).number_format == "#,##0.00"
    assert resp.cell(2, 1).number_format == "#,##0"
    # a Chinese header is sized for its double-width characters
    load = book["工作量"]
    assert load.column_dimensions["A"].width >= 2 * len(str(load["A1"].value)) + 2


def test_tasks_command_prints_a_summary(tmp_path: Path, capsys) -> None:
    """The summary names the rows, the gaps, the conflicts and the most loaded."""
    assert main(["tasks", str(COUNTY), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "tasks at" in out and "coverage gaps: grid_without_worker" in out
    assert "conflicts found: none" in out
    assert "most loaded units" in out and "most loaded grid workers" in out
    assert "grid workers for each grid's field hours:" in out and "short in" in out


def test_responsibility_sheet_round_trips(county_out: Path) -> None:
    """Export, import and export again gives an equal responsibility table (XLSX and CSV)."""
    out = county_out
    county = load_scenario(COUNTY)
    exported = responsibility_table(county)
    sheets = (out / "reports.xlsx", out / "责任分解表.xlsx", out / "responsibilities.csv")
    for sheet in sheets:
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


def test_a_workbook_with_several_sheets_gives_its_responsibility_sheet(tmp_path: Path) -> None:
    """A workbook without #sheet: its sheet named responsibilities, not its first."""
    county = load_scenario(COUNTY)
    table = responsibility_table(county)
    changed = table.assign(lead_unit="propaganda", cooperating_units="")
    write_tables(tmp_path, {"coverage": table, "responsibilities": changed}, "r.xlsx")
    again = responsibility_table(import_responsibilities(county, tmp_path / "r.xlsx"))
    pd.testing.assert_frame_equal(again, changed)


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


def test_generate_says_when_the_city_is_bigger_than_asked(tmp_path: Path, capsys) -> None:
    """Fewer grids than a street holds: one street, and the message says why it is bigger."""
    assert main(["generate", "--grids", "3", "--out", str(tmp_path / "city")]) == 0
    said = capsys.readouterr().out
    assert ": 1 district, about 100 grids (a city has at least one street)" in said


def test_generate_refuses_an_absurd_size(tmp_path: Path, capsys) -> None:
    """Too many grids: exit 2 and nothing written."""
    out = tmp_path / "city"
    assert main(["generate", "--grids", "10000000", "--out", str(out)]) == 2
    assert "--grids must be between" in capsys.readouterr().err
    assert not out.exists()


def test_every_chinese_header_names_one_column() -> None:
    """A header read back from an edited sheet names one column (no two share a header)."""
    assert len(set(HEADERS_ZH.values())) == len(HEADERS_ZH)
    assert all(column_of(header) == column for column, header in HEADERS_ZH.items())


@pytest.mark.parametrize("column", ["lead_unit", "cooperating_units", "standard", "points"])
def test_the_importers_columns_have_chinese_headers(column: str) -> None:
    """The columns the responsibility importer reads have the 责任分解表's headers."""
    expected = {
        "lead_unit": "牵头单位",
        "cooperating_units": "配合单位",
        "standard": "标准编号",
        "points": "分值",
    }
    assert HEADERS_ZH[column] == expected[column]


def _edit(path: Path, edits: dict[tuple[int, str], object]) -> None:
    """Change cells of the 责任分解表 by (sheet row, header), as an office does in Excel."""
    book = openpyxl.load_workbook(path)
    ws = book["责任分解表"]
    column = {c.value: c.column for c in ws[1]}
    for (row, header), value in edits.items():
        ws.cell(row, column[header], value)
    book.save(path)


def test_an_edited_duty_sheet_changes_the_leads(county_out: Path, tmp_path: Path) -> None:
    """The office edits 牵头单位 and 配合单位 by name (or name (id)); the tasks follow."""
    county = load_scenario(COUNTY)
    name = {u.id: u.name_zh for u in county.organisation.units}
    sheet = tmp_path / "责任分解表.xlsx"
    sheet.write_bytes((county_out / "责任分解表.xlsx").read_bytes())
    _edit(
        sheet,
        {
            (2, "牵头单位"): name["propaganda"],
            (2, "配合单位"): f"{name['housing']}、{name['health']} (health)",
            (2, "责任人"): "张三",  # the readers' columns are not read back
            (3, "完成时限"): "年底前",
        },
    )
    out = tmp_path / "out"
    assert main(["tasks", str(COUNTY), "--out", str(out), "--responsibilities", str(sheet)]) == 0
    first = responsibility_table(county).loc[0, "standard"]
    tasks = pd.read_parquet(out / "tasks.parquet")
    mine = tasks[tasks["standard"] == first]
    assert set(mine["lead_unit"]) == {"propaganda"}
    assert set(mine["cooperating_units"]) == {"housing;health"}
    again = pd.read_excel(out / "责任分解表.xlsx")
    assert again.loc[0, "牵头单位"] == name["propaganda"]
    before = pd.read_excel(county_out / "责任分解表.xlsx")
    pd.testing.assert_frame_equal(again.iloc[1:], before.iloc[1:])


@pytest.mark.parametrize(
    ("edits", "where", "expected"),
    [
        ({(5, "牵头单位"): "城管"}, "row 5, column 牵头单位", "unknown unit '城管'"),
        ({(7, "分值"): "一分"}, "row 7, column 分值", "valid number"),
        ({(9, "标准编号"): "S999"}, "row 9, column 标准编号", "unknown standard 'S999'"),
    ],
    ids=["unknown-unit", "points", "unknown-standard"],
)
def test_a_bad_duty_sheet_names_its_chinese_column(
    county_out: Path, tmp_path: Path, capsys, edits, where, expected
) -> None:
    """A mistake in the office's sheet: exit 2 naming the sheet, row and Chinese column."""
    sheet = tmp_path / "责任分解表.xlsx"
    sheet.write_bytes((county_out / "责任分解表.xlsx").read_bytes())
    _edit(sheet, edits)
    out = tmp_path / "out"
    assert main(["tasks", str(COUNTY), "--out", str(out), "--responsibilities", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert "责任分解表.xlsx#责任分解表" in err and where in err and expected in err, err
    assert err.count("\n") == 1 and not out.exists()


def test_a_duty_sheet_without_its_standard_column_is_refused(county_out, tmp_path) -> None:
    """Without 标准编号 the rows cannot be matched: the message names the missing column."""
    table = pd.read_excel(county_out / "责任分解表.xlsx").drop(columns="标准编号")
    write_tables(tmp_path, {"责任分解表": table}, "d.xlsx")
    with pytest.raises(TableError, match="missing column '标准编号'"):
        import_responsibilities(load_scenario(COUNTY), tmp_path / "d.xlsx")


def test_reports_show_chinese_names_beside_ids(county_out: Path) -> None:
    """Every report sheet: Chinese headers, and names beside the ids of units and places."""
    county = load_scenario(COUNTY)
    name = {u.id: u.name_zh for u in county.organisation.units}
    book = pd.read_excel(county_out / "reports.xlsx", sheet_name=None)
    load = book["工作量"]
    csv = pd.read_csv(county_out / "workload.csv")
    assert load["对象编号"].tolist() == csv["id"].tolist()
    units = csv["level"] == "unit"
    assert load.loc[units, "对象"].tolist() == csv.loc[units, "id"].map(name).tolist()
    assert set(load["层级"]) == {"成员单位", "网格员"} and set(load["超负荷"]) <= {"是", "否"}
    assert load.loc[~units, "对象"].str.contains("网格员").all()
    assert load["负荷率"].tolist() == pytest.approx(csv["load"].tolist())
    raci = book["RACI矩阵"]
    assert raci.loc[raci["责任主体编号"].isin(name), "主体类型"].eq("成员单位").all()
    duty = book["责任分解表"]
    responsibilities = responsibility_table(county)
    leads = responsibilities["lead_unit"].map(name)
    assert duty["牵头单位"].tolist() == leads.tolist()
    assert duty["分值"].tolist() == pytest.approx(responsibilities["points"].tolist())
    assert duty["序号"].tolist() == list(range(1, len(duty) + 1))
    for sheet in book.values():
        assert not any(c.isascii() and "_" in c for c in sheet.columns), list(sheet.columns)


def test_tasks_lang_en_writes_the_english_workbook(tmp_path: Path) -> None:
    """--lang en: reports.xlsx with civsim's English sheets and columns, no 责任分解表.xlsx."""
    out = tmp_path / "en"
    assert main(["tasks", str(COUNTY), "--out", str(out), "--lang", "en"]) == 0
    book = pd.read_excel(out / "reports.xlsx", sheet_name=None)
    assert list(book) == [
        "coverage", "conflicts", "workload", "grid_staffing", "raci", "responsibilities"
    ]  # fmt: skip
    assert "lead_unit" in book["responsibilities"].columns
    assert not (out / "责任分解表.xlsx").exists()


def test_tasks_json_agrees_with_the_written_reports(tmp_path: Path, capsys) -> None:
    """`civsim tasks --json`: counts of tasks, gaps, conflicts and overloads as in the files."""
    out = tmp_path / "o"
    assert main(["tasks", str(COUNTY), "--out", str(out), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["tasks"] == len(pd.read_parquet(out / "tasks.parquet"))
    gaps = pd.read_csv(out / "coverage.csv")["gap"].value_counts().to_dict()
    assert done["coverage_gaps"] == gaps and done["conflicts"] == {}
    load = pd.read_csv(out / "workload.csv")
    top = load[load["level"] == "grid_worker"].head(5)
    assert [r["id"] for r in done["most_loaded"]["grid_worker"]] == top["id"].tolist()
    assert done["overloaded"]["grid_worker"] == int(load["overloaded"].sum())
    staffing = pd.read_csv(out / "grid_staffing.csv")
    assert done["grid_staffing"] == {
        "grids_short": int((staffing["shortfall"] > 0).sum()),
        "workers_short": int(staffing["shortfall"].sum()),
        "grids_with_spare": int((staffing["spare"] > 0).sum()),
        "spare_workers": int(staffing["spare"].sum()),
    }
    assert done["grid_staffing"]["workers_short"] > 0  # the county has grids short of workers
    assert all(Path(f).is_file() for f in done["files"])
