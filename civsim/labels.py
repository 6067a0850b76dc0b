"""Chinese labels of civsim's columns and coded values: the one place an office's wording lives.

civsim's tables use English snake_case columns and ids (``lead_unit``,
``market_reg``), which scripts rely on; the workbooks an office reads and edits
show Chinese headers (:data:`HEADERS_ZH`) and Chinese words for coded values
(:data:`VALUES_ZH`). The responsibility importer reads the Chinese headers back
through :func:`column_of`, so a sheet edited in Chinese re-imports.
"""

from __future__ import annotations

__all__ = ["DETAILS_ZH", "HEADERS_ZH", "ID_SUFFIX_ZH", "VALUES_ZH", "column_of", "header_zh"]

#: Chinese header of each column civsim writes to a workbook.
HEADERS_ZH: dict[str, str] = {
    # the framework and the responsibility table (责任分解表)
    "number": "序号",
    "standard": "标准编号",
    "item": "测评项目",
    "content": "测评内容",
    "text_zh": "测评标准",
    "environment": "测评环境",
    "method": "测评方式",
    "points": "分值",
    "lead_unit": "牵头单位",
    "cooperating_units": "配合单位",
    "responsible": "责任人",
    "due": "完成时限",
    "negative": "负面清单",
    "remarks": "备注",
    # the task list
    "task_id": "任务编号",
    "place": "点位",
    "place_type": "点位类型",
    "street": "街道",
    "community": "社区",
    "person": "执行人",
    "cadence": "频次",
    "deadline_day": "首次完成（周期第几天）",
    "hours_per_task": "每次工时",
    # the task reports
    "gap": "缺口类型",
    "conflict": "冲突类型",
    "subject": "涉及对象",
    "claimants": "争管方",
    "detail": "说明",
    "level": "层级",
    "id": "对象",
    "grid": "网格",
    "persons": "人数",
    "tasks": "任务数",
    "hours_per_year": "年工时",
    "capacity_hours_per_year": "年可用工时",
    "load": "负荷率",
    "overloaded": "超负荷",
    "grid_workers": "现有网格员",
    "workers_needed": "所需网格员",
    "shortfall": "缺员",
    "spare": "富余",
    "body": "责任主体",
    "body_kind": "主体类型",
    "role": "角色（R负责 A审批 C配合 I知会）",
    # the special fund
    "year": "年度",
    "district": "区县",
    "category": "类别",
    "line": "资金项目",
    "units": "份数",
    "yuan": "金额（元）",
    "spent_yuan": "安排到项目（元）",
    "reserve_yuan": "结余（不足一份，元）",
    "unspent_yuan": "无法安排（项目已满，元）",
}

#: Added to a column's header for the column of ids beside its Chinese names.
ID_SUFFIX_ZH = "编号"

#: Chinese words for coded values, by column; values not listed are shown as they are.
VALUES_ZH: dict[str, dict[str, str]] = {
    "method": {"field": "实地考察", "material": "材料审核", "survey": "问卷调查"},
    "environment": {
        "governance": "政务环境",
        "rule_of_law": "法治环境",
        "market": "市场环境",
        "culture": "人文环境",
        "living": "生活环境",
        "society": "社会环境",
        "ecology": "生态环境",
        "minors": "未成年人思想道德建设",
    },
    "cadence": {
        "daily": "每天",
        "weekly": "每周",
        "monthly": "每月",
        "quarterly": "每季度",
        "once": "每周期一次",
    },
    "level": {
        "city": "市级",
        "district": "区县级",
        "unit": "成员单位",
        "grid_worker": "网格员",
    },
    "category": {"key_project": "重点项目", "regular_activity": "常态活动"},
    "gap": {
        "standard_without_lead": "标准无牵头单位",
        "place_type_unserved": "点位类型无标准",
        "standard_without_place": "标准无点位",
        "grid_without_worker": "网格无网格员",
        "lead_without_staff": "牵头单位无人员",
    },
    "conflict": {
        "two_leads": "多个牵头单位",
        "department_and_district": "部门与区县争管",
        "two_departments": "两个部门争管",
    },
    "body_kind": {"office": "文明办", "member_unit": "成员单位", "district": "区县"},
}

#: The ``detail`` texts of :func:`civsim.tasks.coverage` and :func:`civsim.tasks.conflicts`
#: in Chinese: a pattern matching the whole English text, and the Chinese with its groups
#: (``{0}``, ``{1}``; ids among them are shown by name).
DETAILS_ZH: tuple[tuple[str, str], ...] = (
    (r"(\d+) tasks without an owner", "{0}项任务没有牵头单位"),
    (r"no field standard checks (.+)", "没有实地考察标准检查{0}"),
    (r"no place of type (.+)", "没有{0}类点位"),
    (r"(\d+) field tasks without a person", "{0}项实地任务无人负责"),
    (r"(\d+) unit tasks without a person", "{0}项单位任务无人负责"),
    (r"a responsibility table names several leads", "责任分解表为该标准指定了多个牵头单位"),
    (r"type's claimant (.+), claimed by (.+)", "该类点位应由{0}负责，现由{1}认领"),
)

_COLUMN_OF = {header: column for column, header in HEADERS_ZH.items()}


def header_zh(column: str) -> str:
    """The Chinese header of ``column``, or ``column`` itself if it has none.

    Examples
    --------
    >>> header_zh("lead_unit"), header_zh("not_a_column")
    ('牵头单位', 'not_a_column')
    """
    return HEADERS_ZH.get(column, column)


def column_of(header: str) -> str:
    """The column a Chinese header stands for, or ``header`` itself if it is none.

    Examples
    --------
    >>> column_of("配合单位"), column_of("cooperating_units")
    ('cooperating_units', 'cooperating_units')
    """
    return _COLUMN_OF.get(header, header)
