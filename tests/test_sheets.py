"""Workbooks laid out for reading and printing: a few readable pages, not hundreds."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SCENARIOS

from civsim.export import (
    XLSX_LINE_HEIGHT,
    XLSX_MAX_WIDTH,
    XLSX_MIN_WRAP_WIDTH,
    XLSX_PAGE_WIDTH,
    XLSX_PRINT_ROWS,
    write_workbook,
)


def _sheet(path: Path, table: pd.DataFrame):
    write_workbook(path, {"t": table})
    return openpyxl.load_workbook(path)["t"]


def test_a_long_sheet_prints_its_first_rows_and_says_so(tmp_path: Path) -> None:
    """13,000 rows print as the first XLSX_PRINT_ROWS (a few pages); the footer counts the rest."""
    n = 13_000
    ws = _sheet(tmp_path / "w.xlsx", pd.DataFrame({"id": [f"w{i}" for i in range(n)], "n": 1}))
    assert ws.print_area == f"'t'!$A$1:$B${XLSX_PRINT_ROWS + 1}"
    assert f"共 {n:,} 行" in ws.oddFooter.left.text
    assert ws.max_row == n + 1  # every row is still in the sheet
    assert "&P" in ws.oddFooter.center.text and ws.oddHeader.center.text == "&A"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)


def test_a_short_sheet_prints_whole(tmp_path: Path) -> None:
    """A sheet of fewer rows than XLSX_PRINT_ROWS has no print area and no footer note."""
    ws = _sheet(tmp_path / "s.xlsx", pd.DataFrame({"n": range(XLSX_PRINT_ROWS)}))
    assert not ws.print_area and not ws.oddFooter.left.text


def test_a_wide_sheet_narrows_its_text_columns_to_a_page_and_wraps(tmp_path: Path) -> None:
    """Text columns wider together than a page narrow in proportion and wrap; numbers do not."""
    long = "农贸市场划行归市，无占道经营、出店经营，地面无积水、无垃圾，摊位整齐有序"
    unit = long[:20]  # 40 wide: with three columns of long text, wider than a page
    table = pd.DataFrame(
        {"标准": [long] * 3, "内容": [long] * 3, "说明": [long] * 3, "单位": [unit] * 3}
    ).assign(**{"金额（元，含预留）": 1.5})
    ws = _sheet(tmp_path / "w.xlsx", table)
    widths = [ws.column_dimensions[c].width for c in "ABCDE"]
    assert sum(widths) <= XLSX_PAGE_WIDTH < 3 * XLSX_MAX_WIDTH + 2 * len(unit) + 2
    assert XLSX_MIN_WRAP_WIDTH <= widths[3] < 2 * len(unit) + 2  # narrowed too ...
    assert widths[3] < widths[0] == widths[1] == widths[2] < XLSX_MAX_WIDTH  # ... in proportion
    assert widths[4] == 9 * 2 + 2  # numbers never wrap: their column keeps its header's width
    assert all(ws.cell(2, j).alignment.wrap_text for j in range(1, 5))
    assert not ws["E2"].alignment.wrap_text and ws["E2"].alignment.vertical == "top"
    # the row is as tall as its wrapped lines (no program sizes it when opening the file)
    lines = -(-(2 * len(long)) // (widths[0] - 2))
    assert ws.row_dimensions[2].height == lines * XLSX_LINE_HEIGHT


def test_a_narrow_sheet_keeps_its_natural_widths(tmp_path: Path) -> None:
    """Columns narrower together than a page are as wide as their text, up to the maximum."""
    ws = _sheet(tmp_path / "n.xlsx", pd.DataFrame({"区": ["东城区"], "t": ["x" * 100]}))
    assert ws.column_dimensions["A"].width == len("东城区") * 2 + 2
    assert ws.column_dimensions["B"].width == XLSX_MAX_WIDTH
    assert ws.row_dimensions[2].height is not None  # 100 characters wrap at 58 a line


def test_a_table_longer_than_a_sheet_is_refused_and_nothing_written(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """More rows than a sheet holds: refused before the workbook is written; the command exits 2."""
    from civsim.cli import main
    from civsim.errors import CivsimError

    monkeypatch.setattr("civsim.export.XLSX_MAX_ROWS", 5)
    with pytest.raises(CivsimError, match="does not fit an XLSX sheet"):
        write_workbook(tmp_path / "w.xlsx", {"t": pd.DataFrame({"n": range(6)})})
    assert not (tmp_path / "w.xlsx").exists()
    out = tmp_path / "tasks"
    assert main(["tasks", str(SCENARIOS / "county_nominee.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not fit an XLSX sheet" in err and "Traceback" not in err
    assert not out.exists()
