"""The workbooks through LibreOffice Calc: opened, saved and printed by another program.

An office opens civsim's workbooks in Excel or WPS, edits and prints them; LibreOffice
headless stands in for them here. Its conversions are read back: a workbook saved again
by Calc keeps its Chinese text and numbers and still re-imports as a responsibility
table; each sheet exported to CSV holds the same cells; printed to PDF, the workbooks
take a few pages, not hundreds.

Without ``soffice`` (or poppler's ``pdfinfo``) the tests skip, saying so; under CI
(``CIVSIM_CI`` set, as ``.ci/run`` does) they fail instead, so that a missing program
never passes unnoticed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS

from civsim.cli import main
from civsim.export import XLSX_PRINT_ROWS
from civsim.responsibility import import_responsibilities, responsibility_table
from civsim.scenario import load_scenario

#: Seconds a LibreOffice conversion may take (a first start sets up its profile: ~10 s).
CONVERT_TIMEOUT = 300
#: Rows LibreOffice prints on an A4 landscape page at the least (a workload row is one
#: line of 15 points; 30 such rows, a quarter of a page's, bounds the pages from above).
MIN_ROWS_PER_PAGE = 30
#: Sheets longer than this print only their first rows (civsim.export.XLSX_PRINT_ROWS).
PRINTED_ROWS = XLSX_PRINT_ROWS + 1

BASELINE = SCENARIOS / "baseline.yaml"


def _program(name: str) -> str:
    """The path of ``name``; without it, skip (or fail under CI) saying what is missing."""
    path = shutil.which(name)
    if path is None:
        message = (
            f"{name} is not installed: the LibreOffice round trip needs LibreOffice Calc "
            "(Debian: libreoffice-calc-nogui) and poppler-utils"
        )
        if os.environ.get("CIVSIM_CI"):
            pytest.fail(f"{message}; CIVSIM_CI is set, so this fails rather than skips")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def soffice() -> str:
    """LibreOffice's ``soffice``, or skip (fail under CI)."""
    return _program("soffice")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """The baseline's task workbooks and budget workbook, as `civsim` writes them."""
    root = tmp_path_factory.mktemp("books")
    assert main(["tasks", str(BASELINE), "--out", str(root / "tasks")]) == 0
    assert main(["budget", str(BASELINE), "--out", str(root / "budget")]) == 0
    return {
        "reports": root / "tasks" / "reports.xlsx",
        "duty": root / "tasks" / "责任分解表.xlsx",
        "allocation": root / "budget" / "allocation.xlsx",
    }


def _convert(soffice: str, source: Path, to: str, out: Path) -> None:
    """Convert ``source`` with LibreOffice headless into folder ``out``.

    Each call has a profile of its own: two LibreOffice instances sharing one
    (parallel test runs) wait for or break each other.
    """
    profile = out / ".profile"
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=CONVERT_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shutil.rmtree(profile, ignore_errors=True)


def test_calc_keeps_the_chinese_text_and_numbers(soffice, workbooks, tmp_path: Path) -> None:
    """Saved again by Calc, every sheet reads back with the same headers, text and numbers."""
    for path in workbooks.values():
        _convert(soffice, path, "xlsx:Calc MS Excel 2007 XML", tmp_path / path.stem)
        ours = pd.read_excel(path, sheet_name=None)
        theirs = pd.read_excel(tmp_path / path.stem / path.name, sheet_name=None)
        assert list(theirs) == list(ours)
        for name, sheet in ours.items():
            pd.testing.assert_frame_equal(theirs[name], sheet, check_dtype=False, obj=name)
    again = pd.read_excel(tmp_path / "责任分解表" / "责任分解表.xlsx")
    assert again.loc[0, "测评标准"].startswith("农贸市场") and again["分值"].dtype.kind == "f"


def test_a_duty_sheet_saved_by_calc_re_imports(soffice, workbooks, tmp_path: Path) -> None:
    """The 责任分解表 an office saves in Calc feeds back through --responsibilities unchanged."""
    _convert(soffice, workbooks["duty"], "xlsx:Calc MS Excel 2007 XML", tmp_path)
    baseline = load_scenario(BASELINE)
    again = import_responsibilities(baseline, tmp_path / "责任分解表.xlsx")
    pd.testing.assert_frame_equal(responsibility_table(again), responsibility_table(baseline))


def test_each_sheet_exported_to_csv_holds_the_same_cells(soffice, workbooks, tmp_path) -> None:
    """Calc's CSV of each sheet (UTF-8) has the sheet's Chinese headers, names and yuan."""
    # Filter options: comma, double quote, UTF-8 (76), from row 1, ..., every sheet (-1).
    options = "44,34,76,1,,0,false,true,false,false,false,-1"
    path = workbooks["allocation"]
    _convert(soffice, path, f"csv:Text - txt - csv (StarCalc):{options}", tmp_path)
    ours = pd.read_excel(path, sheet_name=None)
    for name, sheet in ours.items():
        theirs = pd.read_csv(tmp_path / f"{path.stem}-{name}.csv", thousands=",")
        assert theirs.columns.tolist() == sheet.columns.tolist()
        assert theirs["区县"].tolist() == sheet["区县"].tolist()
        assert theirs["金额（元）"].tolist() == sheet["金额（元）"].tolist()


def test_printing_takes_a_few_pages(soffice, workbooks, tmp_path: Path) -> None:
    """Printed to PDF, each workbook takes a few pages: long sheets print their first rows."""
    pdfinfo = _program("pdfinfo")
    for key, path in workbooks.items():
        _convert(soffice, path, "pdf", tmp_path)
        pdf = tmp_path / f"{path.stem}.pdf"
        info = subprocess.run(
            [pdfinfo, str(pdf)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
        sheets = pd.read_excel(path, sheet_name=None)
        printed = sum(min(len(s) + 1, PRINTED_ROWS) for s in sheets.values())
        assert len(sheets) <= pages <= printed / MIN_ROWS_PER_PAGE + len(sheets), (key, pages)
        if key == "reports":  # 13,562 rows of workload alone printed to about 300 pages
            assert max(len(s) for s in sheets.values()) > 10_000 and pages < 50
