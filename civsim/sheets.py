"""The office's spreadsheets: Chinese headers, Chinese names beside ids, the 责任分解表.

civsim's tables keep English columns and ids for scripts (the CSV files); the
workbooks a Civilization Office reads, prints and edits show them the office's
way. :func:`office_table` turns any table into that form (headers from
:data:`civsim.labels.HEADERS_ZH`, coded values in Chinese, and beside each
column of ids a column of names); :func:`duty_table` lays out the
responsibility table as an office keeps it (序号、测评项目、测评内容、测评标准、
牵头单位、配合单位、责任人、完成时限), which ``civsim tasks --responsibilities``
reads back after the office has edited it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from civsim.allocation import RESERVE, UNSPENT
from civsim.labels import DETAILS_ZH, HEADERS_ZH, ID_SUFFIX_ZH, VALUES_ZH, header_zh
from civsim.places import TerritoryTables
from civsim.responsibility import (
    RESPONSIBILITY_COLUMNS,
    require_framework,
    responsibility_table,
)
from civsim.scenario import Scenario

__all__ = [
    "DUTY_SHEET",
    "NAMED_COLUMNS",
    "SHEETS_ZH",
    "budget_workbook",
    "duty_table",
    "names_of",
    "office_sheets",
    "office_table",
    "task_workbooks",
]

#: Name of the responsibility sheet an office keeps (one of the importer's sheet names).
DUTY_SHEET = "责任分解表"

#: Chinese names of the sheets civsim writes, by the English name of their table (and CSV).
SHEETS_ZH = {
    "responsibilities": DUTY_SHEET,
    "coverage": "覆盖缺口",
    "conflicts": "职责冲突",
    "workload": "工作量",
    "grid_staffing": "网格员配置",
    "raci": "RACI矩阵",
    "allocation": "资金分配",
    "summary": "资金汇总",
}

#: Columns whose values are ids (``;``-joined for several): each gets a column of names.
NAMED_COLUMNS = (
    "item",
    "content",
    "lead_unit",
    "cooperating_units",
    "district",
    "street",
    "community",
    "grid",
    "place_type",
    "line",
    "body",
    "id",
    "subject",
    "claimants",
    "person",
)

#: How several units are joined in a Chinese cell (the importer accepts it back).
NAME_JOINER = "、"
#: Yes and no, as a workbook shows a true/false column.
YES_NO = {True: "是", False: "否"}
#: Chinese name of the city-wide holder (``district`` is ``city`` for city-level lines).
CITY_NAME = "全市"
#: Names of the allocation's bookkeeping lines.
BOOKKEEPING_LINES = {RESERVE: "结余（不足一份）", UNSPENT: "无法安排（项目已满）"}

# A grid worker is "<grid>w<k>", a post of a unit "<unit>:post<k>" (civsim.tasks.decompose).
_WORKER = re.compile(r"(.+)w(\d+)")
_POST = re.compile(r"(.+):post(\d+)")


def names_of(scenario: Scenario, territory: TerritoryTables | None = None) -> dict[str, str]:
    """The Chinese name of every id a table may show.

    Parameters
    ----------
    scenario : Scenario
        Its committee, office, units, districts, framework and budget lines.
    territory : TerritoryTables, optional
        Adds the streets, communities and grids (a grid by its full name,
        district to grid).

    Returns
    -------
    dict of str to str
        Id to Chinese name.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> names = names_of(load_scenario("scenarios/baseline.yaml"))
    >>> names["urban_mgmt"], names["d01"], names["city"]
    ('市城市管理局', '东城区', '全市')
    """
    org = scenario.organisation
    names = {org.committee.id: org.committee.name_zh, org.office.id: org.office.name_zh}
    names |= {u.id: u.name_zh for u in org.units}
    names |= {d.id: d.name_zh for d in scenario.territory.districts}
    names["city"] = CITY_NAME
    if scenario.framework is not None:
        fw = scenario.framework
        for rows in (fw.items, fw.contents, fw.place_types):
            names |= {r.id: r.name_zh for r in rows}
    if scenario.budget is not None:
        names |= {line.id: line.name_zh for line in scenario.budget.lines}
        names |= BOOKKEEPING_LINES
    if territory is not None:
        for level in (territory.streets, territory.communities):
            names |= dict(zip(level["id"].astype(str), level["name_zh"].astype(str), strict=True))
        community = dict(
            zip(territory.communities["id"], territory.communities["name_zh"], strict=True)
        )
        grids = territory.grids
        full = grids["community"].map(community).fillna("") + grids["name_zh"].astype(str)
        names |= dict(zip(grids["id"].astype(str), full, strict=True))
    return names


def _name(value: str, names: Mapping[str, str]) -> str:
    """The Chinese name of one id (a grid worker or a post by its grid or unit), else the id."""
    if value in names:
        return names[value]
    worker = _WORKER.fullmatch(value)
    if worker and worker[1] in names:
        return f"{names[worker[1]]}网格员{worker[2]}"
    post = _POST.fullmatch(value)
    if post and post[1] in names:
        return f"{names[post[1]]}岗位{post[2]}"
    return value


def _names_column(values: pd.Series, names: Mapping[str, str]) -> pd.Series:
    """Names of a column of ids, ``;``-joined ids as names joined by :data:`NAME_JOINER`."""
    lookup: dict[str, str] = {}
    for value in pd.unique(values.dropna().astype(str)):
        parts = [p for p in value.split(";") if p]
        lookup[value] = NAME_JOINER.join(_name(p, names) for p in parts)
    return values.astype(object).map(lambda v: lookup.get(str(v), "") if pd.notna(v) else "")


def _detail(text: str, names: Mapping[str, str]) -> str:
    """A report's English ``detail`` in Chinese (:data:`civsim.labels.DETAILS_ZH`), ids by name.

    Examples
    --------
    >>> _detail("type's claimant urban_mgmt, claimed by d01", {"d01": "东城区"})
    '该类点位应由urban_mgmt负责，现由东城区认领'
    >>> _detail("not a known text", {})
    'not a known text'
    """
    for pattern, chinese in DETAILS_ZH:
        found = re.fullmatch(pattern, text)
        if found:
            parts = (
                NAME_JOINER.join(_name(p, names) for p in g.split(";")) for g in found.groups()
            )
            return chinese.format(*parts)
    return text


def office_table(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``table`` as an office reads it: Chinese headers, values and names beside ids.

    Each column gets its header from :data:`civsim.labels.HEADERS_ZH`; coded
    values (methods, levels, categories, kinds of gap) their Chinese words from
    :data:`civsim.labels.VALUES_ZH`, and a report's ``detail`` its Chinese from
    :data:`civsim.labels.DETAILS_ZH`; true/false 是/否. A column of ids
    (:data:`NAMED_COLUMNS`) becomes two: the names under the column's header,
    then the ids under the header plus :data:`civsim.labels.ID_SUFFIX_ZH`, so a
    sheet sorts and filters by name and still says which id is meant.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with civsim's English columns.
    names : mapping of str to str
        Id to Chinese name, as from :func:`names_of`.

    Returns
    -------
    pandas.DataFrame
        A new table; numbers keep their type.

    Examples
    --------
    >>> t = pd.DataFrame({"district": ["d01"], "category": ["key_project"], "yuan": [1200]})
    >>> office_table(t, {"d01": "东城区"}).to_dict("records")
    [{'区县': '东城区', '区县编号': 'd01', '类别': '重点项目', '金额（元）': 1200}]
    """
    columns: dict[str, pd.Series] = {}
    for column in table.columns:
        values = table[column]
        header = header_zh(str(column))
        if column in NAMED_COLUMNS:
            columns[header] = _names_column(values, names)
            columns[header + ID_SUFFIX_ZH] = values.astype(object).where(values.notna(), "")
        elif column == "detail":
            columns[header] = values.map(lambda v: _detail(v, names) if isinstance(v, str) else v)
        elif column in VALUES_ZH:
            words = VALUES_ZH[str(column)]
            columns[header] = values.astype(object).map(lambda v, w=words: w.get(v, v))
        elif pd.api.types.is_bool_dtype(values):
            columns[header] = values.map(YES_NO)
        else:
            columns[header] = values
    return pd.DataFrame(columns)


#: Columns of the 责任分解表, in the office's order (``standard`` and ``points``,
#: which the importer needs, after ``number``; ``method`` for the reader).
DUTY_COLUMNS = ("number", *RESPONSIBILITY_COLUMNS, "responsible", "due")


def duty_table(scenario: Scenario, tasks: pd.DataFrame) -> pd.DataFrame:
    """The responsibility table (责任分解表) as an office keeps, edits and re-imports it.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework; its responsibility overrides apply.
    tasks : pandas.DataFrame
        The task list (:func:`civsim.tasks.decompose`), for who does each standard.

    Returns
    -------
    pandas.DataFrame
        One row per standard, in framework order, with Chinese headers
        (:data:`civsim.labels.HEADERS_ZH` of :data:`DUTY_COLUMNS`): 序号, 标准编号,
        测评项目 and 测评内容 (names), 测评标准 (text), 测评方式, 分值,
        牵头单位 and 配合单位 (unit names joined by ``、``: what the office edits),
        责任人 (the lead unit's post for a material or survey standard; for a field
        standard the grid workers who keep its places) and 完成时限 (the day of
        the cycle of the first completion, then the cadence). The importer
        (:func:`civsim.responsibility.import_responsibilities`) reads 标准编号,
        分值, 牵头单位 and 配合单位 back and ignores the rest.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> from civsim.tasks import decompose
    >>> s = load_scenario("scenarios/county_nominee.yaml")
    >>> duty = duty_table(s, decompose(s))
    >>> list(duty.columns[:4]), duty.loc[0, "牵头单位"]
    (['序号', '标准编号', '测评项目', '测评内容'], '县市场监督管理局')
    """
    fw = require_framework(scenario)
    names = names_of(scenario)
    table = responsibility_table(scenario)
    std = {s.id: s for s in fw.standards}
    table.insert(0, "number", range(1, len(table) + 1))
    for column in ("item", "content", "lead_unit", "cooperating_units"):
        table[column] = _names_column(table[column], names)
    table["method"] = table["method"].map(VALUES_ZH["method"])
    table["responsible"] = table["standard"].map(_responsible(tasks, names)).fillna("（未落实）")
    cadence = VALUES_ZH["cadence"]
    table["due"] = [
        f"第{std[s].deadline_day}天前首次完成，此后{cadence[std[s].cadence]}"
        if std[s].cadence != "once"
        else f"第{std[s].deadline_day}天前完成（{cadence['once']}）"
        for s in table["standard"]
    ]
    return table[list(DUTY_COLUMNS)].rename(columns=HEADERS_ZH)


def _responsible(tasks: pd.DataFrame, names: Mapping[str, str]) -> dict[str, str]:
    """Who does each standard's tasks: its posts by name, or its grid workers counted."""
    done = tasks.loc[tasks["person"].notna(), ["standard", "place", "person"]]
    out: dict[str, str] = {}
    for standard, rows in done.groupby("standard", observed=True, sort=False):
        persons = pd.unique(rows["person"].astype(str))
        if rows["place"].isna().all():  # a unit task: the lead unit's posts
            out[str(standard)] = NAME_JOINER.join(_name(p, names) for p in persons)
        else:
            places = rows["place"].nunique()
            out[str(standard)] = f"属地网格员{len(persons):,}人（{places:,}个点位）"
    return out


def office_sheets(
    tables: Mapping[str, pd.DataFrame], names: Mapping[str, str]
) -> dict[str, pd.DataFrame]:
    """Tables by English name as a workbook's sheets for an office: Chinese names and headers.

    Each sheet is named as in :data:`SHEETS_ZH` and laid out by
    :func:`office_table`.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [1], "district": ["d01"], "yuan": [5]})
    >>> sheets = office_sheets({"summary": t}, {"d01": "东城区"})
    >>> list(sheets), list(sheets["资金汇总"].columns)
    (['资金汇总'], ['年度', '区县', '区县编号', '金额（元）'])
    """
    return {SHEETS_ZH.get(name, name): office_table(t, names) for name, t in tables.items()}


def task_workbooks(
    scenario: Scenario,
    tasks: pd.DataFrame,
    territory: TerritoryTables,
    reports: Mapping[str, pd.DataFrame],
    lang: str = "zh",
) -> dict[str, dict[str, pd.DataFrame]]:
    """The workbooks ``civsim tasks`` writes, by file name, each a mapping of sheets.

    In Chinese (``lang="zh"``, for an office): ``reports.xlsx`` with the
    责任分解表 first and every other report named as in :data:`SHEETS_ZH`, and
    ``责任分解表.xlsx`` alone, to circulate, edit and re-import. In English: the
    reports as they are, in ``reports.xlsx``.

    Examples
    --------
    >>> from civsim.city import build_city
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/county_nominee.yaml")
    >>> c = build_city(s)
    >>> books = task_workbooks(s, c.tasks, c.territory, {"raci": pd.DataFrame()})
    >>> {name: list(sheets) for name, sheets in books.items()}
    {'reports.xlsx': ['责任分解表', 'RACI矩阵'], '责任分解表.xlsx': ['责任分解表']}
    """
    if lang != "zh":
        return {"reports.xlsx": dict(reports)}
    others = {k: t for k, t in reports.items() if k != "responsibilities"}
    duty = {DUTY_SHEET: duty_table(scenario, tasks)}
    sheets = duty | office_sheets(others, names_of(scenario, territory))
    return {"reports.xlsx": sheets, f"{DUTY_SHEET}.xlsx": duty}


def budget_workbook(
    scenario: Scenario, table: pd.DataFrame, summary: pd.DataFrame, lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """The sheets of ``allocation.xlsx``: the allocation and its summary, for an office in Chinese.

    Examples
    --------
    >>> from civsim.budget import allocate_cycle, summarise
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/county_nominee.yaml")
    >>> t = allocate_cycle(s, "equal")
    >>> list(budget_workbook(s, t, summarise(t))), list(budget_workbook(s, t, t, "en"))
    (['资金分配', '资金汇总'], ['allocation', 'summary'])
    """
    sheets = {"allocation": table, "summary": summary}
    return office_sheets(sheets, names_of(scenario)) if lang == "zh" else sheets
