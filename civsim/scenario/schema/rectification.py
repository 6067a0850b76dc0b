"""The ``simulation.rectification`` section: orders, queues and what bounds a backlog."""

from __future__ import annotations

from pydantic import Field

from civsim.scenario.params import ASSUMPTION, Frozen, param


class Escalation(Frozen):
    """Overdue orders escalate: the office supervises them (督办), then the committee acts jointly.

    An order open past its deadline goes on the office's supervision list at
    the next weekly review: if it still waits for its cooperating units, the
    office convenes them (问题会商) and it is ready the next day, and a share of
    the office's staff works its holder's overdue orders. An order still open
    ``joint_after_days`` after supervision goes to the committee's joint
    action (联合执法): holders with no order in joint action lend up to ``joint_share`` of
    their rectification capacity to the holders of joint-action orders.
    """

    enabled: bool = Field(
        default=True,
        description="overdue orders are supervised, then closed by joint action; "
        "off, an order waits in its holder's queue however long",
    )
    supervision_share: float = param(
        0.2,
        "share of the office's staff working supervised orders with their holders",
        "assumption: the office is 参谋部 + 施工队 and supervises (督查) (docs/domain.md §1)",
        plausible=(0.05, 0.5),
        ge=0,
        le=1,
    )
    joint_after_days: int = param(
        7,
        "day an order stays supervised before the committee's joint action",
        "assumption: supervision sets a week's grace (限期整改)",
        plausible=(3, 30),
        ge=0,
    )
    joint_share: float = param(
        0.2,
        "most of a lending holder's rectification capacity joint action draws",
        "assumption: joint meetings and joint inspection (联合督查) draw on member units and "
        "districts (docs/domain.md §1)",
        plausible=(0.05, 0.5),
        ge=0,
        le=1,
    )


class Accountability(Frozen):
    """Holders with a chronic backlog are held to account (问责) and put more staff on orders."""

    enabled: bool = Field(
        default=True,
        description="weekly reviews hold chronic backlogs to account; off, staff shares never move",
    )
    backlog_days: float = param(
        10.0,
        "open orders, in days of the holder's closures, above which its backlog is chronic",
        "assumption: the 10-day closure of docs/domain.md §5",
        plausible=(5.0, 30.0),
        gt=0,
    )
    weeks: int = param(
        4,
        "consecutive weekly reviews over the line before accountability",
        ASSUMPTION,
        plausible=(2, 12),
        ge=1,
    )
    share_step: float = param(
        0.1,
        "rise in the holder's staff share on rectification at each accountability",
        ASSUMPTION,
        plausible=(0.05, 0.25),
        ge=0,
        le=1,
    )
    max_staff_share: float = param(
        0.8,
        "most of a holder's campaign staff accountability puts on rectification",
        ASSUMPTION,
        plausible=(0.6, 1.0),
        ge=0,
        le=1,
    )


class Overtime(Frozen):
    """A holder whose queue runs long works overtime on it, out of its routine work."""

    enabled: bool = Field(
        default=True, description="long queues are worked overtime; off, capacity stays as staffed"
    )
    threshold_days: float = param(
        5.0,
        "queue, in days of the holder's capacity, beyond which it works overtime",
        ASSUMPTION,
        plausible=(2.0, 15.0),
        gt=0,
    )
    max_extra: float = param(
        0.25,
        "most extra rectification capacity overtime gives, share of the staffed capacity",
        "assumption: the Labour Law's 36 hours a month is about a fifth of working time",
        plausible=(0.1, 0.5),
        ge=0,
    )


class Reassignment(Frozen):
    """Orders a member unit cannot reach by their deadline go to the street offices (属地).

    At each weekly review, a member unit whose queue is longer than
    ``deadline_days`` days of its capacity hands the newest field orders
    beyond that to the street offices of each place's district (属地责任,
    docs/domain.md §1); its material orders stay.
    """

    enabled: bool = Field(
        default=True,
        description="orders beyond a unit's reach by the deadline go to the street offices; "
        "off, they wait in its queue",
    )


class Rectification(Frozen):
    """The closed loop 发现问题—整改提升—评估反馈: orders queued at lead units."""

    enabled: bool = Field(
        default=True,
        description="rectification orders are opened and worked; off, found problems get no order",
    )

    staff_share: float = param(
        0.5,
        "share of a unit's campaign staff working rectification orders",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.2, 0.8),
    )
    orders_per_staff_day: float = param(
        1.0, "orders closed per staff-day", ASSUMPTION, gt=0, plausible=(0.3, 3.0)
    )
    territorial_share: float = param(
        0.5,
        "share of field problems handed to the street offices of the place's district (属地)",
        "assumption: 谁主管谁负责 and 属地管理 share the work (docs/domain.md §1)",
        ge=0,
        le=1,
        plausible=(0.2, 0.8),
    )
    deadline_days: int = param(
        10, "day", "docs/domain.md §5: 28 of 57 problems fixed within 10 days", ge=1
    )
    fixed_condition: float = param(
        0.95, "condition after closure", ASSUMPTION, ge=0, le=1, plausible=(0.8, 1.0)
    )
    coordination_delay_days: float = param(
        14.0,
        "mean wait before an order with cooperating units can start",
        ASSUMPTION,
        ge=0,
        plausible=(3.0, 60.0),
    )
    joint_mechanism: bool = Field(
        default=False, description="联席会议/联合督查 running: coordination waits shortened"
    )
    joint_delay_factor: float = param(
        0.25,
        "coordination wait with joint mechanisms, share of without",
        ASSUMPTION,
        ge=0,
        le=1,
        plausible=(0.1, 0.75),
    )
    routine_weight: float = param(
        0.3,
        "share of the routine upkeep of a holder's checkpoints its own staff give: what "
        "moving them to orders (overtime, accountability) costs",
        ASSUMPTION,
        plausible=(0.1, 0.6),
        ge=0,
        lt=1,
    )
    escalation: Escalation = Escalation()
    accountability: Accountability = Accountability()
    overtime: Overtime = Overtime()
    reassignment: Reassignment = Reassignment()
