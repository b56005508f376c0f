"""The indicator systems a county starts with: branch assessment over the six areas, and secretaries' assessment.

The six areas' weights come from an AHP matrix (political work first); a discipline case or a failed major task is a
veto, as in the published county and township tables.

One fact, one use (assessment.facts): the published tables (domain reference, 1.1 D) score meetings by deducting
for each one missing, and attendance by deducting below a rate, instead of a rate of their own. Here weighted leaves
count those facts already: O1 the meetings held against those required, O2 the attendance, and P1 (key work), S1
(the duty list) and D1 (on time) the assignments due. So the system has no deduction for overdue key work, missing
meetings or unexcused absences: an overdue key item used to lower P1, S1 and D1 and then take 2 points more. The
vetoes take no points (they set the grade), so V2 may count the assignments P1 counts. The bonus B1 is entered by
hand with its evidence and counts no records.
"""

from .models import IndicatorKind as K
from .models import Metric as M

BRANCH_NAME = "党支部建设考核指标体系"
BRANCH_NAME_EN = "Assessment of party branch building"
SECRETARY_NAME = "党支部书记抓党建述职评议考核"
SECRETARY_NAME_EN = "Branch secretaries' report on party building, reviewed and assessed"

# Upper triangle, row by row, over: political, organizational, ideological, discipline, work style, institutional.
SIX_AREAS_AHP = ["2", "2", "3", "3", "4", "1", "2", "2", "3", "2", "2", "3", "1", "2", "2"]


def _computed(code, name, name_en, metric, target=1, **extra):
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "kind": K.COMPUTED,
        "metric": metric,
        "target": target,
        **extra,
    }


def _rated(code, name, name_en):
    return {"code": code, "name": name, "name_en": name_en, "kind": K.QUALITATIVE}


BRANCH_SYSTEM = [
    {
        "code": "P",
        "name": "政治建设",
        "name_en": "Political construction",
        "dimension": "political",
        "kind": K.GROUP,
        "children": [
            _computed("P1", "重点工作和重大任务完成率", "Key work and major tasks completed", M.KEY_WORK, weight=0.6),
            _rated("P2", "党员群众对支部政治引领的评价", "Political guidance, as members and the masses see it"),
        ],
    },
    {
        "code": "O",
        "name": "组织建设",
        "name_en": "Organizational construction",
        "dimension": "organizational",
        "kind": K.GROUP,
        "children": [
            _computed(
                "O1", "“三会一课”和主题党日按规定开展", "Meetings held as the rules require", M.MEETINGS, weight=0.5
            ),
            _computed("O2", "党员参加组织生活出勤率", "Attendance at meetings", M.ATTENDANCE, target=0.9, weight=0.3),
            _computed("O3", "谈心谈话覆盖率", "Members with a heart-to-heart talk", M.TALKS, weight=0.2),
        ],
    },
    {
        "code": "I",
        "name": "思想建设",
        "name_en": "Ideological construction",
        "dimension": "ideological",
        "kind": K.GROUP,
        "children": [
            _computed("I1", "党员学习学时达标", "Study hours against the plan", M.STUDY, weight=1.0),
        ],
    },
    {
        "code": "D",
        "name": "纪律建设",
        "name_en": "Discipline construction",
        "dimension": "discipline",
        "kind": K.GROUP,
        "children": [
            _computed("D1", "按时履责率", "Duties accepted on time", M.ON_TIME, weight=0.6),
            _computed("D2", "履责纪实一次通过率", "Reports accepted without return", M.RETURNED, weight=0.4),
        ],
    },
    {
        "code": "W",
        "name": "作风建设",
        "name_en": "Work-style construction",
        "dimension": "work_style",
        "kind": K.GROUP,
        "children": [
            _rated("W1", "群众满意度", "Satisfaction of the masses"),
            _computed("W2", "困难党员按时走访", "Members in difficulty visited in time", M.CARE, weight=0.4),
        ],
    },
    {
        "code": "S",
        "name": "制度建设",
        "name_en": "Institutional construction",
        "dimension": "institutional",
        "kind": K.GROUP,
        "children": [
            _computed("S1", "责任清单完成率", "Duty list completed", M.COMPLETION, weight=0.5),
            _computed("S2", "党员认领任务", "Duties claimed by members", M.CLAIMS, target=0.2, weight=0.2),
            _computed("S3", "党建与业务目标融合", "Business objectives attained", M.OBJECTIVES, weight=0.3),
        ],
    },
    {
        "code": "B1",
        "name": "创新加分（表彰、经验推广）",
        "name_en": "Innovation and commendations",
        "kind": K.BONUS,
        "points": 1,
        "cap": 5,
    },
    {
        "code": "V1",
        "name": "发生严重违纪违法问题",
        "name_en": "Serious discipline case",
        "kind": K.DEDUCTION,
        "metric": M.VETO_EVENTS,
        "is_veto": True,
    },
    {
        "code": "V2",
        "name": "重大任务未完成",
        "name_en": "Major task not completed",
        "kind": K.DEDUCTION,
        "metric": M.MAJOR_FAILED,
        "is_veto": True,
    },
]
# The rated indicators share their group with computed ones: 0.4 each where a group has two.
BRANCH_SYSTEM[0]["children"][1]["weight"] = 0.4
BRANCH_SYSTEM[4]["children"][0]["weight"] = 0.6

SECRETARY_SYSTEM = [
    {
        "code": "A",
        "name": "履行第一责任人职责",
        "name_en": "First responsibility carried out",
        "kind": K.GROUP,
        "weight": 0.4,
        "children": [
            _computed("A1", "责任清单完成率", "Duty list completed", M.COMPLETION, weight=0.5),
            _computed("A2", "重点工作完成率", "Key work completed", M.KEY_WORK, weight=0.5),
        ],
    },
    {
        "code": "B",
        "name": "组织生活和学习",
        "name_en": "Organizational life and study",
        "kind": K.GROUP,
        "weight": 0.3,
        "children": [
            _computed("B1", "组织生活按规定开展", "Meetings held as required", M.MEETINGS, weight=0.6),
            _computed("B2", "学习学时达标", "Study hours", M.STUDY, weight=0.4),
        ],
    },
    {
        "code": "C",
        "name": "述职评议测评",
        "name_en": "Report-on-duty appraisal",
        "kind": K.GROUP,
        "weight": 0.3,
        "children": [_rated("C1", "党员和群众测评", "Appraisal by members and the masses")],
    },
    {
        "code": "V1",
        "name": "发生严重违纪违法问题",
        "name_en": "Serious discipline case",
        "kind": K.DEDUCTION,
        "metric": M.VETO_EVENTS,
        "is_veto": True,
    },
]


def install(*, actor, owner):
    """Create and put in use the two default systems for an owner organization (the county committee)."""
    from .services import system_activate, system_create

    branch = system_create(
        actor=actor,
        owner=owner,
        code="branch",
        name=BRANCH_NAME,
        name_en=BRANCH_NAME_EN,
        spec=BRANCH_SYSTEM,
        ahp_upper=SIX_AREAS_AHP,
        assessed_kind="branch",
    )
    system_activate(actor=actor, system=branch)
    secretary = system_create(
        actor=actor,
        owner=owner,
        code="secretary",
        name=SECRETARY_NAME,
        name_en=SECRETARY_NAME_EN,
        spec=SECRETARY_SYSTEM,
        assessed_kind="branch",
        assesses_secretaries=True,
    )
    system_activate(actor=actor, system=secretary)
    return branch, secretary
