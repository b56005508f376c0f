"""A year of work for the demo: duties and their progress, organizational life, care and the year's assessment.

`build_year` runs after the tree, members and accounts of organizations/demo.py. At the scales tiny and county
it fills the demo county with what its users would find after a year and more of use, so that the ten scenes of
STORIES.md can be walked through:

- this year's and last year's duty lists of the county (twelve duties over the six areas, a monthly theme day,
  key work and a major task) issued to every village branch, to every branch or to the township committees;
  新街镇党委 decomposes one and issues it to its villages with its own requirement (scene 2); progress reports
  with photos, reviews, returns with reasons, late and overdue work (scenes 3, 4, 8); claims (scene 5);
- meetings following the rules with realistic gaps, attendance, study hours, points, last year's democratic
  appraisal, the care ledger with visits (old member 张, 87, not visited for seven months: scene 6), talks;
- the default indicator systems, a run of the year-end assessment over the county with ratings by one-time
  links, a discipline case that vetoes 白石村党支部, computed by the engine and published (scene 7).

Each branch is given a level of work (the grade it has earned in practice: about 10% good, 60% fairly good,
20% average, 10% poor, the county example of the domain reference) and, below "good", a few weak spots (late
work, missed meetings, study behind, talks missing, returned reports, key work undone); its records are drawn
from those, so the engine's grades come out near that distribution. The year assessed is this year from
November on (the round starts in November and ends by year end), else last year, whose records are complete.

Built for speed like the tree: rows are computed (seeded numpy and random generators) and written with
executemany. Services are called where a scene needs a real action: the lists and duties, the copy of last
year's list, the township's decomposition and issue, the demo secretary's reports, reviews and returns,
claims, a due-date request, tokens and ratings, the veto, the run; those are audited as usual. The county's
own issues write their thousands of assignments with executemany and the service's audit entry. Photos are
small JPEGs drawn with Pillow, each different, checked and stored as services.report_submit stores uploads.

At the scales city and province only the records the assessment engine reads are written, in bulk, for the
benchmarks: assignments of a dozen duties to every branch, about twelve meetings per branch with attendance
at one, study records, talks, care cases and visits; no files, no service per row.
"""

import datetime as dt
import io
import random
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from grassroots.core.errors import ValidationError
from grassroots.duties.models import (
    Assignment,
    BusinessObjective,
    Claim,
    DueDateRequest,
    Duty,
    DutyList,
    Evidence,
    ObjectiveValue,
    ProgressReport,
)
from grassroots.organizations.models import Grant, Member, Organization, OrgKind, Post, subtree_q
from grassroots.organizations.validation import id_check_digit
from grassroots.orglife.models import (
    Appraisal,
    AppraisalResult,
    AppraisalVote,
    Attendance,
    CareCase,
    CareVisit,
    Meeting,
    PointEntry,
    PointRule,
    StudyPlan,
    StudyRecord,
    Talk,
)

BATCH = 5000
EXCELLENT, GOOD, FAIR, POOR = 0, 1, 2, 3  # a branch's level of work: 好 / 较好 / 一般 / 差
TIER_SHARES = (0.10, 0.60, 0.20, 0.10)
BAISHI = ("白石村党支部", "Baishi Village Branch")
ZHANG = "张福生"
ASSESSMENT_SEASON = (11, 1)  # the year-end round starts in November (domain reference 1.5)

# ---------------------------------------------------------------------------------------------------------
# The county's duty list: (key, title, dimension, key work, major task, monthly, due, start, receivers,
# requirement, evidence expected). Due and start are (month, day), or ("soon", days from today).

_DUTIES = (
    (
        "theme_day",
        "每月开展一次乡村振兴主题党日",
        "political",
        False,
        False,
        True,
        (1, 25),
        None,
        "villages",
        "每月固定一天开展主题党日，围绕乡村振兴学政策、议村事、办实事，党员参加率不低于80%。",
        "活动照片3张以上、签到表",
    ),
    (
        "training",
        "开展党员冬训",
        "ideological",
        True,
        False,
        False,
        (3, 31),
        (1, 6),
        "branches",
        "集中培训不少于3天（24学时），覆盖全体党员；外出务工党员通过网络补学，年老体弱党员送学上门。",
        "培训方案、签到表、培训照片",
    ),
    (
        "appraisal",
        "召开组织生活会，开展民主评议党员",
        "organizational",
        False,
        False,
        False,
        (2, 28),
        (1, 10),
        "branches",
        "会前谈心谈话全覆盖，会上开展批评和自我批评，评议结果报上级党委备案，优秀比例不超过三分之一。",
        "会议记录、评议结果汇总表",
    ),
    (
        "review",
        "各乡镇6月30日前完成对所属支部的工作检查",
        "organizational",
        True,
        False,
        False,
        (6, 30),
        (4, 1),
        "townships",
        "逐个支部检查“三会一课”、发展党员和党费收缴台账，形成问题清单并督促整改到位。",
        "检查记录、问题清单、整改台账",
    ),
    (
        "rules",
        "规范落实“四议两公开”工作法",
        "institutional",
        False,
        False,
        False,
        (6, 30),
        (2, 1),
        "villages",
        "村级重大事项全部经党支部提议、“两委”商议、党员大会审议、村民代表会议决议，决议和实施结果公开。",
        "会议记录、公开栏照片",
    ),
    (
        "clean",
        "推进清廉村居建设",
        "discipline",
        True,
        False,
        False,
        (8, 31),
        (3, 1),
        "villages",
        "村务、财务、党务按时公开，村级小微权力清单和运行流程图上墙，村务监督委员会全程监督。",
        "公开栏照片、小微权力清单",
    ),
    (
        "rectify",
        "软弱涣散党组织整顿",
        "organizational",
        False,
        True,
        False,
        (9, 30),
        (3, 1),
        "weak",
        "落实“一村一策”整顿方案，选优配强班子，县级领导联村、乡镇领导包村，整顿期满由县委组织部验收销号。",
        "整顿方案、整改台账、验收报告",
    ),
    (
        "visits",
        "开展“党员联系户”入户走访",
        "work_style",
        True,
        False,
        False,
        (9, 30),
        (5, 1),
        "branches",
        "每名党员联系5至10户群众，每季度走访不少于1次，收集的问题建立台账、限时办结。",
        "走访台账、问题办结清单",
    ),
    (
        "recruit",
        "做好发展党员工作",
        "organizational",
        True,
        False,
        False,
        (10, 31),
        (1, 15),
        "branches",
        "每个支部至少培养1名35岁以下入党积极分子，严格执行发展党员工作程序，杜绝“带病入党”。",
        "积极分子培养考察材料、支部委员会会议记录",
    ),
    (
        "economy",
        "党建引领发展壮大村级集体经济",
        "political",
        True,
        False,
        False,
        (10, 20),
        (2, 1),
        "villages",
        "村集体经济经营性收入比上年增长10%以上；年收入不足10万元的村制定增收计划，明确项目和责任人。",
        "收入台账、项目合同",
    ),
    (
        "info",
        "完成党员信息采集核对和组织关系排查",
        "organizational",
        False,
        False,
        False,
        ("soon", 3),
        ("soon", -20),
        "branches",
        "逐一核对党员基本信息、联系方式和组织关系，排查失联党员，核对结果录入系统。",
        "党员信息核对表",
    ),
    (
        "activity",
        "组织所属村党组织开展“学党章、守党纪”主题党日",
        "discipline",
        False,
        False,
        False,
        ("soon", 10),
        ("soon", -30),
        "townships",
        "组织所属村党组织开展主题党日，学习党章和纪律处分条例，观看警示教育片，开展廉政谈话。",
        "活动方案、照片、签到表",
    ),
)
# Last year the two duties placed near today were due on fixed dates.
_LAST_YEAR_DATES = {"info": ((11, 30), (11, 1)), "activity": ((10, 31), (10, 1))}
_TOWNSHIP_NOTE = "请上传活动现场照片3张以上和党员签到表，照片须能看清活动横幅和参会党员。"
_CLAIMABLE = (
    "组织秋收助老志愿服务队，帮助高龄独居老人抢收晚稻",
    "开展人居环境整治党员志愿服务",
    "结对帮扶留守儿童和困难群众",
    "认领群众“微心愿”",
)

_REPORT_TEXT = {
    "theme_day": "{d}开展主题党日活动，主题为“{topic}”。应到党员{n}人，实到{k}人；学习了有关文件精神，"
    "议定了近期村里的重点工作，会后开展了志愿服务。",
    "training": "{d}完成党员冬训，集中培训3天，参训党员{k}人，外出务工党员{m}人通过网络补学。",
    "appraisal": "{d}召开组织生活会，开展民主评议党员，参评党员{k}人，评议结果已报镇党委备案。",
    "review": "{d}完成对所属支部的工作检查，共检查支部{k}个，发现问题{m}个，已全部建立整改台账。",
    "rules": "本年度村级重大事项{m}件均按“四议两公开”程序决策，决议和实施结果已在公开栏公示。",
    "clean": "村务、财务、党务已按季度公开，小微权力清单和运行流程图已上墙，村务监督委员会全程参与监督。",
    "rectify": "整顿方案已落实，班子调整到位，县乡领导联村包村，整改问题{m}个，申请验收销号。",
    "visits": "全村{k}名党员联系农户{m}户，收集问题{q}个，已办结{r}个，其余限时办理。",
    "recruit": "培养入党积极分子{m}名，均为35岁以下，已按程序开展培养考察，支委会会议记录已归档。",
    "economy": "村集体经济经营性收入{v}万元，比上年增长{g}%，光伏和土地流转项目运行正常。",
    "info": "已完成{k}名党员信息核对，更新联系方式{m}条，排查失联党员{q}名并已取得联系。",
    "activity": "{d}开展“学党章、守党纪”主题党日，参加党员{k}人，观看了警示教育片，开展了廉政谈话。",
    "claim": "志愿服务队{k}名党员参加，帮助{m}户高龄独居老人抢收晚稻，群众反映良好。",
}
_RETURN_REASONS = (
    "缺少签到表，请补充上传。",
    "照片与活动内容不符，请上传活动现场照片。",
    "报送内容过于简单，请写明参加人数、活动内容和成效。",
    "附件无法打开，请重新上传。",
    "台账不完整，请补充问题办结情况。",
)
_REUSED_REASON = "有一张照片与{other}上月报送的照片相同，请上传本次活动的现场照片后重新报送。"

_THEME_TOPICS = (
    "学习贯彻党的创新理论",
    "乡村振兴政策宣讲",
    "人居环境整治志愿服务",
    "重温入党誓词",
    "党史学习教育",
    "防汛备汛和安全生产",
    "关爱留守老人和儿童",
    "移风易俗倡树文明新风",
    "秸秆禁烧和森林防火宣传",
    "党员联系户走访",
    "学习党章党规",
    "产业发展议事",
)
_TOPICS = {
    "general": ("传达学习上级会议精神，讨论村级重大事项", "审议发展对象和预备党员转正", "通报党费收缴和党务公开情况"),
    "committee": ("研究本月党建和村级重点工作", "研究发展党员和党员教育管理", "研究“四议两公开”议题"),
    "group": ("学习文件，交流思想，收集群众意见", "党员联系户情况交流", "开展谈心谈话和批评与自我批评"),
    "lecture": ("书记讲党课：坚定理想信念，当好乡村振兴带头人", "专题党课：严守纪律规矩", "专题党课：发挥先锋模范作用"),
    "org_life": ("年度组织生活会：对照检查，开展批评和自我批评",),
}
_MINUTES = {
    "general": "到会党员{k}人，超过应到人数的一半。会议传达学习了上级会议精神，讨论并通过了有关事项。",
    "committee": "支委{k}人参加。会议研究了本月重点工作，明确了分工和完成时限。",
    "group": "小组党员{k}人参加，学习了有关文件，交流了思想和工作情况，收集群众意见{m}条。",
    "lecture": "书记以“{topic}”为题讲党课，党员{k}人参加，会后开展了交流讨论。",
    "theme_day": "党员{k}人参加，学习了有关文件，开展了“{topic}”活动。",
    "org_life": "党员{k}人参加。会前开展了谈心谈话，会上支委班子和党员逐一对照检查，开展了批评和自我批评。",
}
_EXCUSES = ("外出务工", "生病住院", "在外地照顾家人", "参加防汛值班", "外出学习培训", "家中有事请假")
_WINTER = "党员冬训集中学习"
_STUDY = (
    "学习贯彻党的创新理论专题学习",
    "共产党员网在线课程",
    "“三会一课”集中学习",
    "党章党规和纪律处分条例学习",
    "乡村振兴政策和实用技术培训",
    "主题党日集中学习",
)
_ROTATION = "县委党校基层党组织书记轮训"
_TALK_TOPICS = (
    "年度谈心谈话，了解思想和生产生活情况",
    "听取对支部工作的意见建议",
    "外出务工党员联系谈话",
    "预备党员教育考察谈话",
    "民主评议前征求意见",
)
_CARE = (
    ("old_age", "年事已高，行动不便，子女在外务工。"),
    ("illness", "患慢性病，长期服药，医疗费用负担较重。"),
    ("poverty", "家庭收入低，享受最低生活保障。"),
    ("disability", "因伤致残，劳动能力受限。"),
    ("family", "家中遭遇变故，需要帮助。"),
)
_CARE_HELP = (
    "送去慰问金和米、油，了解身体和生活情况，帮助联系家庭医生上门随访。",
    "看望慰问，帮助打扫卫生，了解用药情况，嘱咐注意冬季保暖。",
    "走访慰问，帮助申请临时救助，协调解决饮水问题。",
    "上门看望，陪同聊天，帮助办理医保报销手续。",
)


# ---------------------------------------------------------------------------------------------------------
# Small helpers


class _Clock:
    def __init__(self, stdout):
        self.start = time.monotonic()
        self.stdout = stdout

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"{text} ({time.monotonic() - self.start:.1f} s)\n")

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.start, 1)


class _Stamps:
    """Database-ready timestamps of a day and hour (cached: rows by the hundred thousand share a few)."""

    def __init__(self):
        self.cache = {}

    def __call__(self, day: dt.date, hour: int = 20, minute: int = 0):
        key = day.toordinal() * 10_000 + hour * 100 + minute
        value = self.cache.get(key)
        if value is None:
            aware = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
            value = self.cache[key] = connection.ops.adapt_datetimefield_value(aware)
        return value


def _aware(day: dt.date, hour: int = 20, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _insert(model, fields, rows) -> int:
    """INSERT rows (tuples in the order of `fields`) with executemany, in batches; returns how many."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    if "id" in fields:
        _reset_sequences([model])  # explicit ids: the sequence must never fall behind them
    return len(rows)


def _update(model, fields, key, rows) -> int:
    """UPDATE rows (tuples: the fields' values, then the key) with executemany."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(key)} = %s"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _reset_sequences(models) -> None:
    if connection.vendor == "postgresql":  # ids were given explicitly: move the sequences past them
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)


def _clamp(day: dt.date, lo: dt.date, hi: dt.date) -> dt.date:
    return min(max(day, lo), hi)


def _md(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def _cn_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _decimal(value: float) -> str:
    return str(Decimal(str(round(float(value), 1))))


# ---------------------------------------------------------------------------------------------------------
# Photos: small JPEGs of an outdoor activity, each drawn from its own seed so perceptual hashes differ.


def photo(seed: int, size=(400, 300)) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng([seed, 99])
    w, h = size
    sky = np.array(rng.integers(120, 230, 3))
    ground = np.array(rng.integers(40, 140, 3))
    horizon = int(rng.integers(h // 4, h * 2 // 3))
    rows = np.linspace(0, 1, h)[:, None]
    top = sky[None, :] * (1 - 0.4 * rows) + 20
    bottom = ground[None, :] * (0.7 + 0.5 * rows)
    column = np.where(np.arange(h)[:, None] < horizon, top, bottom)
    pixels = np.repeat(column[:, None, :], w, axis=1)
    pixels += rng.normal(0, 10, (h, w, 1))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _i in range(int(rng.integers(2, 6))):  # buildings and trees
        x0 = int(rng.integers(-40, w))
        bw = int(rng.integers(30, 140))
        bh = int(rng.integers(30, horizon + 10))
        draw.rectangle([x0, horizon - bh, x0 + bw, horizon + 5], fill=tuple(int(c) for c in rng.integers(60, 240, 3)))
    bx, by = int(rng.integers(10, w // 3)), int(rng.integers(10, max(12, horizon - 40)))
    bw = int(rng.integers(w // 3, w - bx - 5))
    draw.rectangle([bx, by, bx + bw, by + 28], fill=(200, 20, 30))  # the red banner
    for k in range(int(rng.integers(6, 14))):
        cx = bx + 8 + k * (bw - 16) // 14
        draw.rectangle([cx, by + 8, cx + 9, by + 20], fill=(250, 235, 160))
    for _i in range(int(rng.integers(5, 16))):  # people
        px = int(rng.integers(0, w))
        py = int(rng.integers(horizon, h - 10))
        s = 0.5 + (py - horizon) / max(1, h - horizon)
        body = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse([px, py - int(40 * s), px + int(14 * s), py - int(26 * s)], fill=(60, 40, 30))
        draw.rectangle([px - int(3 * s), py - int(26 * s), px + int(17 * s), py + int(10 * s)], fill=body)
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=72)
    return out.getvalue()


def resized(data: bytes) -> bytes:
    """The same photo, scaled down and saved again: another file, a near-identical perceptual hash."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        small = image.resize((image.width * 3 // 4, image.height * 3 // 4))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=60)
        return out.getvalue()


class _Upload(io.BytesIO):
    """A file as an upload looks to check_upload: a name, a size, read()."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _evidence_rows(report_id: int, files) -> list[Evidence]:
    """Evidence of a report stored as services.report_submit stores it (checked, hashed, thumbnail)."""
    from grassroots.core.uploads import check_upload

    return [Evidence(report_id=report_id).attach(check_upload(_Upload(data, name))) for data, name in files]


# ---------------------------------------------------------------------------------------------------------
# The county as arrays


class _County:
    """Organizations, members and posts of the scope, loaded once."""

    def __init__(self, root: Organization, today: dt.date, rng):
        self.root = root
        orgs = list(
            Organization.objects.filter(subtree_q(root.path), is_active=True)
            .order_by("path")
            .values_list("id", "path", "kind", "unit_type", "parent_id", "name")
        )
        self.org = {o[0]: o for o in orgs}
        self.branches = [o[0] for o in orgs if o[2] == OrgKind.BRANCH]
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        for o in orgs:
            if o[2] == OrgKind.GROUP and o[4] in self.org:
                self.groups_of[o[4]].append(o[0])
        self.villages = [b for b in self.branches if self.org[b][3] == "village"]
        self.townships = [o[0] for o in orgs if o[2] == OrgKind.COMMITTEE and o[3] == "township"]
        members = list(
            Member.objects.filter(subtree_q(root.path, "organization__path"), status="active")
            .order_by("organization_id", "id")
            .values_list("id", "organization_id", "birth_date", "category", "occupation", "joined_on", "user_id")
        )
        self.member_ids = np.array([m[0] for m in members], dtype=np.int64)
        self.member_org = np.array([m[1] for m in members], dtype=np.int64)
        t0 = today.toordinal()
        self.age = np.array([(t0 - m[2].toordinal()) // 365 if m[2] else 50 for m in members], dtype=np.int64)
        self.full = np.array([m[3] == "full" for m in members])
        self.migrant = np.array([m[4] == "外出务工人员" for m in members])
        self.joined = np.array([m[5].toordinal() if m[5] else t0 - 3650 for m in members], dtype=np.int64)
        self.user_of = {m[0]: m[6] for m in members if m[6]}
        self.index = {int(m): i for i, m in enumerate(self.member_ids.tolist())}
        self.of_branch: dict[int, np.ndarray] = {}
        if len(members):
            cuts = np.flatnonzero(np.diff(self.member_org)) + 1
            starts = np.r_[0, cuts]
            ends = np.r_[cuts, len(members)]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                self.of_branch[int(self.member_org[s])] = np.arange(s, e)
        posts = Post.objects.filter(subtree_q(root.path, "organization__path"), ended_on__isnull=True).values_list(
            "member_id", "organization_id", "title"
        )
        self.cadre = np.zeros(len(members), dtype=bool)
        self.committee_of: dict[int, list[int]] = defaultdict(list)
        self.secretary_of: dict[int, int] = {}
        self.leader_of: dict[int, int] = {}
        for member_id, org_id, title in posts:
            i = self.index.get(member_id)
            if i is None:
                continue
            self.cadre[i] = True
            if title == "group_leader":
                self.leader_of[org_id] = member_id
            else:
                self.committee_of[org_id].append(member_id)
            if title == "secretary":
                self.secretary_of[org_id] = member_id
        # Members of each party group: the branch's members dealt round-robin, the leader in his own group.
        self.group_members: dict[int, list[int]] = {}
        for branch, groups in self.groups_of.items():
            rows = self.of_branch.get(branch, np.array([], dtype=np.int64))
            ids = self.member_ids[rows].tolist()
            for k, group in enumerate(groups):
                chosen = set(ids[k :: len(groups)])
                if group in self.leader_of:
                    chosen.add(self.leader_of[group])
                self.group_members[group] = sorted(chosen)
        # Levels of work: drawn by quota, so small trees get every level.
        order = rng.permutation(len(self.branches))
        cut = np.cumsum(TIER_SHARES) * len(self.branches)
        self.tier = {}
        for rank, b in enumerate(order.tolist()):
            self.tier[self.branches[b]] = int(np.searchsorted(cut, rank + 0.5))

    def under(self, org_id: int, top_id: int) -> bool:
        return self.org[org_id][1].startswith(self.org[top_id][1])

    def tier_of(self, org_id: int) -> int:
        """A branch's own level; a committee or general branch works as a fairly good one."""
        return self.tier.get(org_id, GOOD)


# ---------------------------------------------------------------------------------------------------------
# Public interface


def build_year(*, scale: str, seed: int = 1, stdout=None, today: dt.date | None = None) -> dict:
    """A year (and more) of work for the demo built by organizations.demo.build_demo; returns counts.

    tiny and county: the demo county with its stories; city and province: bulk rows for the benchmarks.
    The same seed gives the same records (dates are counted from `today`, by default the current date).
    """
    today = today or timezone.localdate()
    clock = _Clock(stdout)
    with transaction.atomic():
        if scale in ("city", "province"):
            counts = _Bulk(seed=seed, today=today, clock=clock).build()
        else:
            counts = _Year(seed=seed, today=today, clock=clock).build()
    counts["year_seconds"] = clock.seconds
    return counts


class _A:
    """An assignment as _progress needs it (model instances by the ten thousand cost seconds)."""

    __slots__ = ("pk", "duty_id", "organization_id", "due_on", "start_on", "weighty")

    def __init__(self, pk, duty_id, organization_id, due_on, start_on, is_key, is_major):
        self.pk, self.duty_id, self.organization_id = pk, duty_id, organization_id
        self.due_on, self.start_on, self.weighty = due_on, start_on, bool(is_key or is_major)


class _Year:
    """The demo county's year: built stage by stage, each stage printing a progress line."""

    def __init__(self, *, seed: int, today: dt.date, clock: _Clock):
        self.seed = seed
        self.today = today
        self.year = today.year
        self.last = today.year - 1
        self.assessed_year = self.year if today >= dt.date(self.year, *ASSESSMENT_SEASON) else self.last
        self.rng = np.random.default_rng([seed, 7])  # vectors
        self.r = random.Random(seed * 7919 + 7)  # single draws in loops (much faster than numpy's)
        rand = self.r.random
        self.ri = lambda lo, hi: lo + int(rand() * (hi - lo))  # randrange(lo, hi) at a third of the cost
        self.clock = clock
        self.stamp = _Stamps()
        self.counts: dict[str, int] = defaultdict(int)
        self.photo_seed = seed * 1_000_003

    # -- setup ------------------------------------------------------------------------------------------

    def _setup(self) -> None:
        from grassroots.duties.services import period_for

        names = ["admin", "county", "township", "secretary", "member", "auditor"]
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        grants = dict(
            Grant.objects.filter(user__username__in=["county", "township", "secretary"]).values_list(
                "user__username", "organization_id"
            )
        )
        if set(self.users) != set(names) or len(grants) != 3:
            raise ValidationError(
                "The demo year is built on the demo of organizations.demo.build_demo: its accounts are missing."
            )
        if DutyList.objects.filter(organization_id=grants["county"], period__code=str(self.year)).exists():
            raise ValidationError(f"The demo county already has its duty list of {self.year}: the year is built.")
        self.county = Organization.objects.get(pk=grants["county"])
        self.township = Organization.objects.get(pk=grants["township"])
        self.village = Organization.objects.get(pk=grants["secretary"])
        self.c = _County(self.county, self.today, self.rng)
        self.period = {self.year: period_for(str(self.year)), self.last: period_for(str(self.last))}
        self.rules = dict(PointRule.objects.filter(is_active=True).values_list("code", "id"))
        self._baishi()
        self._zhang()
        self.c.tier[self.village.pk] = GOOD
        self.c.tier[self.baishi] = POOR
        self.spots = {}
        for b in self.c.branches:
            tier = self.c.tier_of(b)
            spots = set(self.r.sample(self.SPOTS, self.SPOT_COUNT[tier]))
            if self.r.random() < self.KEY_SPOT[tier]:
                spots.add("key")
            self.spots[b] = spots
        self.spots[self.village.pk] = {"late", "meetings"}  # two late reports and a missed lecture (scene 7)
        self.li = self.c.secretary_of.get(self.village.pk)
        self.member_user = self.users.get("member")
        self.xinjie = [b for b in self.c.villages if self.c.under(b, self.township.pk)]
        small = len(self.c.member_ids) < 2000  # the tiny county keeps every record in detail
        self.detailed = {b for b in self.c.branches if small or self.c.under(b, self.township.pk)}

    def _baishi(self) -> None:
        """白石村党支部 lives in 新街镇 (the auditor's township): found there, or one of its villages renamed."""
        c = self.c
        existing = [b for b in c.villages if c.org[b][5] == BAISHI[0]]
        inside = [b for b in existing if c.under(b, self.township.pk)]
        if inside or existing:
            self.baishi = (inside or existing)[0]
            return
        candidates = [
            b
            for b in c.villages
            if c.org[b][4] == self.township.pk and b != self.village.pk and len(c.of_branch.get(b, ())) >= 8
        ]
        pick = candidates[-1] if candidates else next(b for b in c.villages if b != self.village.pk)
        Organization.objects.filter(pk=pick).update(name=BAISHI[0], name_en=BAISHI[1])
        self.baishi = pick
        c.org[pick] = (*c.org[pick][:5], BAISHI[0])

    def _zhang(self) -> None:
        """Old member 张 of 青山村, 87: the branch's oldest man without a post, his record made to fit."""
        rows = self.c.of_branch[self.village.pk]
        members = list(Member.objects.filter(pk__in=self.c.member_ids[rows].tolist()))
        posts = set(Post.objects.filter(member__in=members, ended_on__isnull=True).values_list("member_id", flat=True))
        pool = [m for m in members if m.pk not in posts and m.user_id is None and m.category == "full"]
        men = [m for m in pool if m.gender == "M"] or pool
        zhang = max(men, key=lambda m: ((self.today - m.birth_date).days if m.birth_date else 0, -m.pk))
        born = _md(self.today.year - 87, self.today.month, self.today.day) - dt.timedelta(days=130)
        region = (zhang.id_number or "430124")[:6]
        seq = int((zhang.id_number or "00000000000000001")[14:17]) | 1  # odd: a man
        while True:
            body = f"{region}{born:%Y%m%d}{seq:03d}"
            number = body + id_check_digit(body)
            if not Member.objects.filter(id_number=number).exclude(pk=zhang.pk).exists():
                break
            seq = (seq + 2) % 1000
        joined = dt.date(born.year + 24, 7, 1)
        Member.objects.filter(pk=zhang.pk).update(
            name=ZHANG,
            gender="M",
            birth_date=born,
            id_number=number,
            joined_on=joined,
            confirmed_on=joined.replace(year=joined.year + 1),
            education="primary",
            occupation="农民",
        )
        self.zhang = zhang.pk
        i = self.c.index[zhang.pk]
        self.c.age[i] = 87
        self.c.migrant[i] = False
        self.c.joined[i] = joined.toordinal()

    # -- the build ----------------------------------------------------------------------------------------

    def build(self) -> dict:
        self._setup()
        say = self.clock.say
        say(f"Year {self.year}: {len(self.c.branches):,} branches, {len(self.c.member_ids):,} members")
        self._plans()
        self._objectives()
        say(f"Study plans and {self.counts['objectives']:,} business objectives")
        self._duties()
        say(f"Duty lists: {self.counts['duties']} duties, {self.counts['assignments']:,} assignments")
        self._progress()
        say(f"Progress: {self.counts['reports']:,} reports, {self.counts['evidence']} photos")
        self._stories()
        say("新街镇's decomposed duty and its reviews, claims, due-date requests")
        for year in (self.last, self.year):
            self._meetings(year)
        say(f"Meetings {self.counts['meetings']:,}, attendance {self.counts['attendance']:,}")
        for year in (self.last, self.year):
            self._study(year)
            self._talks(year)
        say(f"Study records {self.counts['study_records']:,}, talks {self.counts['talks']:,}")
        self._care()
        self._appraisal()
        self._points()
        say(
            f"Care cases {self.counts['care_cases']}, visits {self.counts['care_visits']}, "
            f"appraisal results {self.counts['appraisal_results']:,}, points {self.counts['points']:,}"
        )
        self._assessment()
        grades = ", ".join(f"{g} {self.counts['grade_' + g]}" for g in ("excellent", "good", "fair", "poor"))
        say(f"Assessment {self.assessed_year}: {self.counts['results']:,} results ({grades}), published")
        _reset_sequences(
            [Meeting, Attendance, ProgressReport, StudyRecord, Talk, CareCase, CareVisit, PointEntry, Claim]
        )
        return dict(self.counts)

    # -- plans and objectives -------------------------------------------------------------------------------

    def _plans(self) -> None:
        for year in (self.last, self.year):
            StudyPlan.objects.get_or_create(
                organization=self.county,
                period=self.period[year],
                defaults={"required_hours": 32, "required_hours_cadre": 56, "needs_confirmation": True},
            )
            self.counts["study_plans"] += 1

    def _objectives(self) -> None:
        """Collective income of each village (万元), measured in summer and autumn; the county's share target."""
        r = self.r
        self.county_objective = {}
        attained = {EXCELLENT: (0.95, 1.2), GOOD: (0.7, 1.05), FAIR: (0.45, 0.85), POOR: (0.1, 0.6)}
        for year in (self.last, self.year):
            period = self.period[year]
            county, _created = BusinessObjective.objects.get_or_create(
                organization=self.county,
                period=period,
                name="集体经济经营性收入10万元以上村占比",
                defaults={"measure": "年末统计", "unit": "%", "baseline": Decimal(42), "target": Decimal(60)},
            )
            self.county_objective[year] = county
            for month, value in ((6, 47), (10, 53), (12, 58)):
                day = _md(year, month, 30)
                if day <= self.today:
                    ObjectiveValue.objects.get_or_create(
                        objective=county, measured_on=day, defaults={"value": Decimal(value), "note": "乡镇上报汇总"}
                    )
            next_id = _next_id(BusinessObjective)
            rows, values = [], []
            stamp = self.stamp(period.start, 9)
            for b in self.c.villages:
                base = min(60.0, max(2.0, 8 * np.exp(0.5 * r.gauss(0, 1))))
                target = round(base * r.uniform(1.1, 1.3), 1)
                base = round(base, 1)
                share = r.uniform(*attained[self.c.tier_of(b)])
                rows.append(
                    (next_id, b, period.pk, "村集体经济经营性收入", "财务报表", "万元")
                    + (_decimal(base), _decimal(target), stamp, stamp)
                )
                for month, part in ((6, 0.45), (10, 0.85), (12, 1.0)):
                    day = _md(year, month, 30)
                    if day > self.today:
                        break
                    values.append(
                        (next_id, day, _decimal(base + (target - base) * share * part), "", self.stamp(day, 10))
                    )
                next_id += 1
            fields = ("id", "organization", "period", "name", "measure", "unit", "baseline", "target")
            _insert(BusinessObjective, (*fields, "created_at", "updated_at"), rows)
            _insert(ObjectiveValue, ("objective", "measured_on", "value", "note", "created_at"), values)
            self.counts["objectives"] += len(rows) + 1
        _reset_sequences([BusinessObjective, ObjectiveValue])

    # -- duties ------------------------------------------------------------------------------------------------

    def _dates(self, year: int, spec) -> tuple[dt.date, dt.date | None]:
        key, due, start = spec[0], spec[6], spec[7]
        period = self.period[year]
        if year == self.last and key in _LAST_YEAR_DATES:
            (dm, dd), (sm, sd) = _LAST_YEAR_DATES[key]
            return dt.date(year, dm, dd), dt.date(year, sm, sd)

        def place(value):
            if value is None:
                return None
            if value[0] == "soon":
                return _clamp(self.today + dt.timedelta(days=value[1]), period.start, period.end)
            return _md(year, *value)

        return place(due), place(start)

    def _duty_fields(self, spec, due, start, year) -> dict:
        key, title, dimension, is_key, is_major, monthly = spec[:6]
        fields = {
            "title": title,
            "dimension": dimension,
            "is_key": is_key,
            "is_major": is_major,
            "weight": Decimal(2 if is_major else 1),
            "due_on": due,
            "start_on": start,
            "recurrence": "monthly" if monthly else "none",
            "requirement": spec[9],
            "evidence_expected": spec[10],
            "post": "secretary",
        }
        if key == "economy":
            fields["objective"] = self.county_objective[year]
        return fields

    def _duties(self) -> None:
        """Last year's list, then this year's copied from it and edited (scene 1); every duty issued down."""
        from grassroots.duties import services as duties

        officer = self.users["county"]
        c = self.c
        weak = [b for b in c.villages if c.tier_of(b) == POOR and b != self.baishi]
        self.weak = weak[: max(1, round(len(c.villages) * 0.05))] or [c.villages[-1]]
        receivers = {}
        for name, ids in (
            ("villages", c.villages),
            ("branches", c.branches),
            ("townships", c.townships),
            ("weak", self.weak),
        ):
            receivers[name] = list(Organization.objects.filter(pk__in=ids).order_by("path"))
        self.duty_of: dict[tuple[int, str], Duty] = {}
        lists = {
            self.last: duties.duty_list_create(
                actor=officer,
                organization=self.county,
                period=self.period[self.last],
                title=f"青山县{self.last}年基层党建责任清单",
            )
        }
        for spec in _DUTIES:
            due, start = self._dates(self.last, spec)
            fields = self._duty_fields(spec, due, start, self.last)
            self.duty_of[(self.last, spec[0])] = duties.duty_create(actor=officer, duty_list=lists[self.last], **fields)
        lists[self.year] = duties.duty_list_copy(
            actor=officer,
            source=lists[self.last],
            organization=self.county,
            period=self.period[self.year],
            title=f"青山县{self.year}年基层党建责任清单",
        )
        copied = {d.title: d for d in lists[self.year].duties.all()}
        for spec in _DUTIES:
            duty = copied[spec[1]]
            due, start = self._dates(self.year, spec)
            changes = {}
            if duty.due_on != due or duty.start_on != start:
                changes.update(due_on=due, start_on=start)
            if spec[0] == "economy":
                changes["objective"] = self.county_objective[self.year]
            if changes:
                duty = duties.duty_update(actor=officer, duty=duty, **changes)
            self.duty_of[(self.year, spec[0])] = duty
        for year in (self.last, self.year):
            for spec in _DUTIES:
                self._issue(self.duty_of[(year, spec[0])], receivers[spec[8]], officer)
                self.counts["duties"] += 1
        self.duty_key: dict[int, str] = {}
        self.duty_year: dict[int, int] = {}
        by_pk = {d.pk: (year, key) for (year, key), d in self.duty_of.items()}
        for pk, series in Duty.objects.filter(duty_list__in=list(lists.values())).values_list("id", "series_id"):
            year, key = by_pk[series or pk]
            self.duty_key[pk], self.duty_year[pk] = key, year
        # The lists were drawn up in the first days of January.
        for year, duty_list in lists.items():
            day = _aware(min(dt.date(year, 1, 4), self.today), 10)
            DutyList.objects.filter(pk=duty_list.pk).update(created_at=day, updated_at=day)
            Duty.objects.filter(duty_list=duty_list).update(created_at=day, updated_at=day)
        self._claimables()
        self.counts["assignments"] = Assignment.objects.filter(
            duty__organization__in=[self.county, *receivers["townships"]]
        ).count()

    def _issue(self, duty: Duty, receivers: list, actor) -> int:
        """What duties.services.duty_issue does, for thousands of receivers: the occurrences through the service,
        the assignments written with executemany (its bulk_create costs about 0.5 ms a row), its audit entry."""
        from grassroots.core.audit import audit
        from grassroots.duties import services as duties

        occurrences = duties.duty_generate_occurrences(actor=actor, duty=duty) if duty.is_series else [duty]
        january = dt.date(duty.due_on.year, 1, 4)
        issued = min(max(january, (duty.start_on or january) - dt.timedelta(days=3)), self.today)
        stamp = self.stamp(issued, 16)
        rows = [
            (occ.pk, org.pk, self.c.secretary_of.get(org.pk), "issued", occ.start_on, occ.due_on, str(occ.weight))
            + (0, "", stamp, None, None, 0, stamp, stamp)
            for occ in occurrences
            for org in receivers
        ]
        _insert(Assignment, _ASSIGNMENT_FIELDS, rows)
        Duty.objects.filter(pk__in=[o.pk for o in occurrences] + [duty.pk]).update(state="issued")
        after = {"receivers": len(receivers), "assignments": len(rows), "occurrences": len(occurrences)}
        audit("duties.duty.issue", actor=actor, obj=duty, after=after)
        return len(rows)

    def _claimables(self) -> None:
        """Each township opens a duty for claiming; members of its villages claim it (新街镇's is scene 5)."""
        from grassroots.duties import services as duties

        c, r = self.c, self.r
        wang = self.users["township"]
        self.claim_duty = {}
        claims, done_assignments = [], []
        next_id = _next_id(Claim)
        for year in (self.last, self.year):
            period = self.period[year]
            start, due = dt.date(year, 9, 20), dt.date(year, 10, 31)
            done = due + dt.timedelta(days=3) < self.today
            for t, township in enumerate(c.townships):
                ours = township == self.township.pk
                fields = {
                    "title": _CLAIMABLE[0] if ours else _CLAIMABLE[1 + t % (len(_CLAIMABLE) - 1)],
                    "dimension": "work_style",
                    "due_on": due,
                    "start_on": start,
                    "requirement": "党员自愿认领，组成志愿服务队，服务对象和成效留痕。",
                    "evidence_expected": "服务照片、服务对象签字",
                    "claimable": True,
                    "claim_limit": 5 if ours else None,
                }
                if ours:
                    duty_list = duties.duty_list_for(actor=wang, organization=self.township, period=period)
                    duty = duties.duty_create(actor=wang, duty_list=duty_list, **fields)
                    duties.duty_issue(actor=wang, duty=duty)
                    self.claim_duty[year] = duty
                else:
                    duty_list, _created = DutyList.objects.get_or_create(
                        organization_id=township,
                        period=period,
                        is_template=False,
                        defaults={"title": f"{c.org[township][5]}{year}年责任清单"},
                    )
                    duty = Duty.objects.create(duty_list=duty_list, organization_id=township, state="issued", **fields)
                    Duty.objects.filter(pk=duty.pk).update(lineage=f"{duty.pk:010d}")
                    Assignment.objects.create(
                        duty=duty,
                        organization_id=township,
                        state="issued",
                        start_on=start,
                        due_on=due,
                        issued_at=_aware(min(start, self.today), 9),
                    )
                self.counts["duties"] += 1
                if ours and year == self.year:
                    continue  # scene 5: claimed through the services, in _claim_story
                if done:
                    done_assignments.append(duty.pk)
                # Members of the township's branches claim it, more where the branch works well.
                picked = []
                for b in c.branches:
                    if b == self.village.pk or not c.under(b, township):
                        continue
                    share = (0.18, 0.10, 0.05, 0.015)[c.tier_of(b)]
                    picked += [i for i in c.of_branch.get(b, ()) if c.age[i] <= 72 and r.random() < share]
                if fields["claim_limit"]:
                    picked = picked[: fields["claim_limit"]]
                for i in picked:
                    day = start - dt.timedelta(days=r.randrange(1, 15))
                    if day > self.today:
                        continue
                    completed = self.stamp(due + dt.timedelta(days=3), 17) if done else None
                    claims.append(
                        (next_id, duty.pk, int(c.member_ids[i]), None, "completed" if done else "active")
                        + ("参加志愿服务队", completed, self.stamp(day, 19), self.stamp(day, 19))
                    )
                    next_id += 1
        fields = ("id", "duty", "member", "organization", "state", "note", "completed_at", "created_at", "updated_at")
        self.counts["claims"] += _insert(Claim, fields, claims)
        _insert(Duty.collaborators.through, ("duty", "member"), sorted({(row[1], row[2]) for row in claims}))
        for pk in done_assignments:
            due = Duty.objects.get(pk=pk).due_on
            Assignment.objects.filter(duty_id=pk).update(
                state="accepted",
                percent=100,
                accepted_on=due + dt.timedelta(days=2),
                accepted_at=_aware(due + dt.timedelta(days=2), 10),
            )

    # -- progress of assignments -----------------------------------------------------------------------------

    # By level of work (good, fairly good, average, poor), tuned so that the engine's grades come out near
    # the reference's 10/60/20/10. First what every branch of the level does: how past assignments end, ...
    ACCEPT = (0.995, 0.985, 0.93, 0.85)  # accepted by today
    ACCEPT_KEY = (0.998, 0.99, 0.96, 0.85)  # key work and major tasks
    LATE = (0.03, 0.1, 0.4, 0.3)  # accepted after the due date
    RETURNED = (0.02, 0.05, 0.1, 0.15)  # a report returned before the accepted one
    # ... required meetings missed (the chance of any gap, and at most how many), ...
    GAPS = (0.0, 0.03, 0.3, 0.4)
    MOST_MISSED = (1, 1, 2, 3)
    # ... study, talks and care (visits at July 1st and in the autumn besides Spring Festival); ...
    STUDY_HOURS = (37.0, 27.0, 19.0, 19.0)  # mean hours a year of a member
    TALKED = (0.99, 0.9, 0.7, 0.65)  # members with a heart-to-heart talk in a year
    JULY_VISIT = (0.8, 0.6, 0.35, 0.15)
    AUTUMN_VISIT = (0.9, 0.7, 0.5, 0.3)
    # ... then each branch's own weak spots: how many (drawn from SPOTS), and key work left undone.
    SPOTS = ("late", "meetings", "study", "talks", "returned")
    SPOT_COUNT = (0, 4, 4, 5)
    KEY_SPOT = (0.0, 0.05, 0.1, 0.9)
    # Where a weak spot is: late work, returned reports, key work accepted, meetings missed, hours, talks.
    SPOT_LATE, SPOT_RETURNED, SPOT_KEY = 0.4, 0.35, 0.6
    SPOT_MEETINGS, SPOT_STUDY, SPOT_TALKS = (2, 3), -6.0, 0.6
    DONE_LATE = (0.8, 0.6, 0.35, 0.1)  # of the work not done 40 days after its due date, the share done since
    DONE_LATE_LAST_YEAR = (0.9, 0.8, 0.4, 0.15)  # of last year's work still open, the share done before December ended
    # The engine pro-rates a run made before the year's end (work due by then, meetings of the months passed,
    # the hours of the share of the year gone), so the same levels serve a run in November and one in spring.

    def _fate(self, tier: int, spots, due: dt.date, start: dt.date | None, weighty: bool) -> tuple:
        """(state, percent, accepted_on, returned_first, submitted_on) of an assignment with this due date."""
        r, ri, today = self.r, self.ri, self.today
        started = start or (due - dt.timedelta(days=30))
        if due < today:
            accept = (self.ACCEPT_KEY if weighty else self.ACCEPT)[tier]
            if weighty and "key" in spots:
                accept = self.SPOT_KEY
            if r.random() < accept:
                returned = r.random() < (self.SPOT_RETURNED if "returned" in spots else self.RETURNED[tier])
                late = self.SPOT_LATE if "late" in spots else self.LATE[tier]
                if r.random() < late and (today - due).days > 2:
                    accepted = due + dt.timedelta(days=ri(1, min(30, (today - due).days)))
                else:
                    accepted = due - dt.timedelta(days=ri(0, 12))
                accepted = min(max(accepted, started + dt.timedelta(days=1)), today)
                submitted = accepted - dt.timedelta(days=ri(0, 4))
                if returned:
                    submitted = max(started, submitted - dt.timedelta(days=5))
                return "accepted", 100, accepted, returned, min(submitted, today)
            overdue = (today - due).days
            accepted = due + dt.timedelta(days=ri(15, max(16, min(overdue, 90))))
            if overdue > 40 and r.random() < self.DONE_LATE[tier] and accepted.year == due.year:
                # Done at last, well after the deadline (the year-end assessment pushes it before December ends).
                return "accepted", 100, accepted, r.random() < 0.3, accepted - dt.timedelta(days=2)
            state = r.choices(("in_progress", "submitted", "returned", "issued"), (0.5, 0.25, 0.15, 0.1))[0]
            percent = {"in_progress": ri(20, 80), "submitted": 100, "returned": 90, "issued": 0}[state]
            return state, percent, None, state == "returned", min(due + dt.timedelta(days=3), today)
        if started > today:
            return "issued", 0, None, False, None
        soon = (due - today).days <= 3
        weights = (0.35, 0.25, 0.25, 0.15) if soon else (0.08, 0.07, 0.4, 0.45)
        state = r.choices(("accepted", "submitted", "in_progress", "issued"), weights)[0]
        if state == "accepted":
            accepted = min(max(today - dt.timedelta(days=ri(0, 5)), started), today)
            return "accepted", 100, accepted, False, accepted
        percent = {"submitted": 100, "in_progress": ri(10, 80), "issued": 0}[state]
        return state, percent, None, False, max(started, today - dt.timedelta(days=ri(0, 3)))

    def _progress(self) -> None:
        """Every assignment of both years gets its state and reports; photos for 新街镇 and 青山村."""
        c, r, ri, today = self.c, self.r, self.ri, self.today
        assignments = [
            _A(*row)
            for row in Assignment.objects.filter(duty__in=list(self.duty_key))
            .order_by("due_on", "organization_id", "id")
            .values_list("id", "duty_id", "organization_id", "due_on", "start_on", "duty__is_key", "duty__is_major")
        ]
        story = {
            a.pk
            for a in assignments
            if self.duty_year[a.duty_id] == self.year
            and (
                (a.organization_id == self.village.pk and self.duty_key[a.duty_id] == "info")
                or (a.organization_id == self.township.pk and self.duty_key[a.duty_id] == "activity")
            )
        }
        # 青山村 in the year assessed: everything on time but two late reports (scene 7).
        qingshan = [
            a
            for a in assignments
            if a.organization_id == self.village.pk
            and self.duty_year[a.duty_id] == self.assessed_year
            and a.due_on < today - dt.timedelta(days=20)
            and a.pk not in story
        ]
        late = {a.pk for a in qingshan[1 :: max(1, len(qingshan) // 2)][:2]}
        first_of_month = today.replace(day=1)
        updates, reports, self.with_photos = [], [], []
        next_report = _next_id(ProgressReport)
        li, county = self.users["secretary"].pk, self.users["county"].pk
        for a in assignments:
            if a.pk in story:
                continue
            key, year = self.duty_key[a.duty_id], self.duty_year[a.duty_id]
            own = a.organization_id in (self.village.pk, self.township.pk)
            if a.organization_id == self.village.pk and a.due_on < today:
                accepted = (
                    a.due_on + dt.timedelta(days=ri(3, 12)) if a.pk in late else a.due_on - dt.timedelta(days=ri(0, 6))
                )
                accepted = min(max(accepted, (a.start_on or accepted) + dt.timedelta(days=1)), today)
                state, percent, returned, submitted = "accepted", 100, False, accepted - dt.timedelta(days=1)
            else:
                tier, spots = (
                    (EXCELLENT, ()) if own else (c.tier_of(a.organization_id), self.spots.get(a.organization_id, ()))
                )
                state, percent, accepted, returned, submitted = self._fate(tier, spots, a.due_on, a.start_on, a.weighty)
            done_late = a.due_on + dt.timedelta(days=ri(20, 80))
            if (
                year == self.last
                and state != "accepted"
                and done_late.year == year
                and r.random() < self.DONE_LATE_LAST_YEAR[c.tier_of(a.organization_id)]
            ):
                state, percent, returned, accepted = "accepted", 100, False, done_late  # done before the year ended
                submitted = accepted - dt.timedelta(days=2)
            if a.organization_id == self.village.pk and a.due_on > today + dt.timedelta(days=3):
                # 青山村's work not yet due is under way (one item of it gets a due-date request).
                started = (a.start_on or a.due_on) <= today
                state, percent, accepted, returned = ("in_progress" if started else "issued"), 30 * started, None, False
            if (key == "rectify" or (year == self.last and own)) and a.due_on < today and state != "accepted":
                # Major tasks get done, if late; the demo's own organizations closed last year's work.
                state, percent, returned = "accepted", 100, False
                accepted = min(a.due_on + dt.timedelta(days=ri(5, 40)), today)
                submitted = accepted - dt.timedelta(days=2)
            accepted_at = self.stamp(accepted, 16, ri(0, 59)) if accepted else None
            version = 1 + (state != "issued") + (2 if returned else 0) + (state == "accepted")
            updates.append((state, percent, accepted, accepted_at, version, a.pk))
            if state in ("issued", "in_progress"):
                continue
            author = li if a.organization_id == self.village.pk else None
            text = self._text(key, a, submitted, percent)
            if returned:
                first = max(submitted - dt.timedelta(days=ri(2, 8)), a.start_on or submitted)
                reviewed = min(first + dt.timedelta(days=1), today)
                reports.append(
                    (next_report, a.pk, author, text, percent, "returned", county, self.stamp(reviewed, 10))
                    + (r.choice(_RETURN_REASONS), self.stamp(first, 18), self.stamp(reviewed, 10))
                )
                next_report += 1
            if state == "returned":
                continue
            if state == "accepted":
                reports.append(
                    (next_report, a.pk, author, text, 100, "accepted", county, accepted_at, "")
                    + (self.stamp(submitted, ri(8, 22)), accepted_at)
                )
            else:
                stamp = self.stamp(submitted, ri(8, 22))
                reports.append((next_report, a.pk, author, text, percent, "submitted", None, None, "", stamp, stamp))
            if (a.organization_id == self.village.pk and year == self.year) or (
                a.organization_id in self.xinjie and key == "theme_day" and (today - a.due_on).days < 100
            ):
                self.with_photos.append((next_report, a, c.org[a.organization_id][5], submitted))
                if a.organization_id != self.village.pk and key == "theme_day" and a.due_on < first_of_month:
                    self.reuse_from = next_report  # last month's theme day of another village (scene 4)
            next_report += 1
        _update(Assignment, ("state", "percent", "accepted_on", "accepted_at", "version"), "id", updates)
        self.counts["reports"] += _insert(ProgressReport, _REPORT_FIELDS, reports)
        self._photos()

    def _text(self, key: str, a: Assignment, day: dt.date, percent: int) -> str:
        ri = self.ri
        n = len(self.c.of_branch.get(a.organization_id, ())) or ri(20, 40)
        k = max(1, n - ri(0, max(2, n // 6)))
        text = _REPORT_TEXT.get(key, "已按要求完成。").format(
            d=_cn_date(day),
            topic=_THEME_TOPICS[(day.month - 1) % len(_THEME_TOPICS)],
            n=n,
            k=k,
            m=ri(2, 12),
            q=ri(3, 20),
            r=ri(2, 15),
            v=round(8 + 22 * self.r.random(), 1),
            g=ri(5, 25),
        )
        return text if percent >= 100 else f"已完成{percent}%：{text}"

    def _photo(self) -> bytes:
        self.photo_seed += 1
        return photo(self.photo_seed)

    def _photos(self) -> None:
        """Photos of the reports of 青山村 and of 新街镇's villages' recent theme days, stored like uploads."""
        evidence = []
        self.reused = None
        source = getattr(self, "reuse_from", None)
        for report_id, _a, org_name, day in self.with_photos:
            files = [(self._photo(), f"IMG_{day:%Y%m%d}_{report_id % 10000:04d}{k}.jpg") for k in (1, 2)]
            if report_id == source:
                self.reused = (files[0][0], org_name)
            evidence += _evidence_rows(report_id, files)
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        self.counts["evidence"] += len(evidence)

    # -- the scenes on duties ---------------------------------------------------------------------------------

    def _stories(self) -> None:
        from grassroots.duties import services as duties

        r, today = self.r, self.today
        wang, li = self.users["township"], self.users["secretary"]
        # Scene 2: 新街镇党委 decomposes the county's duty, adds its requirement, issues it to its villages.
        county_duty = self.duty_of[(self.year, "activity")]
        assignment = Assignment.objects.get(duty=county_duty, organization=self.township)
        due = _clamp(today + dt.timedelta(days=2), assignment.start_on or today, assignment.due_on)
        duty = duties.duty_decompose(
            actor=wang,
            assignment=assignment,
            due_on=due,
            requirement=county_duty.requirement + "各村须有活动横幅，党员签到。",
            evidence_expected="活动照片3张以上、签到表（参会党员签字）",
        )
        villages = list(Organization.objects.filter(pk__in=self.xinjie).order_by("path"))
        duties.duty_issue(actor=wang, duty=duty, targets=villages, note=_TOWNSHIP_NOTE)
        issued = _aware(min(assignment.start_on + dt.timedelta(days=2), today), 11)
        Duty.objects.filter(pk=duty.pk).update(created_at=issued, updated_at=issued)
        Assignment.objects.filter(duty=duty).update(issued_at=issued, created_at=issued, updated_at=issued)
        self.counts["duties"] += 1
        self.counts["assignments"] += len(villages)
        received = {a.organization_id: a for a in Assignment.objects.filter(duty=duty)}
        # The villages report after their theme day; Wang has accepted some, the others wait for his review.
        others = [v for v in villages if v.pk != self.village.pk]
        reported = others[: max(2, len(others) * 2 // 3)]
        next_report = _next_id(ProgressReport)
        reports, files = [], []
        waiting = set()
        for k, village in enumerate(reported):
            a = received[village.pk]
            day = max(a.start_on or today, today - dt.timedelta(days=r.randrange(0, 6)))
            stamp = self.stamp(day, r.randrange(9, 22))
            reports.append((next_report, a.pk, None, self._text("activity", a, day, 100), 100, "submitted"))
            reports[-1] += (None, None, "", stamp, stamp)
            shots = [(self._photo(), f"IMG_{day:%Y%m%d}_{k:02d}{n}.jpg") for n in (1, 2, 3)]
            if k == len(reported) - 1 and self.reused is not None:
                # Another village's photo again, scaled and saved anew: another file, the same perceptual hash.
                shots[2] = (resized(self.reused[0]), shots[2][1])
                waiting.add(next_report)
            files.append((next_report, shots))
            next_report += 1
        self.counts["reports"] += _insert(ProgressReport, _REPORT_FIELDS, reports)
        _update(Assignment, ("state", "percent", "version"), "id", [("submitted", 100, 2, row[1]) for row in reports])
        evidence = [e for report_id, shots in files for e in _evidence_rows(report_id, shots)]
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        self.counts["evidence"] += len(evidence)
        for report in ProgressReport.objects.filter(pk__in=[row[0] for row in reports]).order_by("id"):
            if report.pk not in waiting and r.random() < 0.5:
                duties.report_accept(actor=wang, report=report)
        # Scenes 3 and 4: Li reports with three photos, one of them another village's from last month; Wang
        # returns it with the reason; Li reports again with the activity's own photos (waiting for review).
        a = received[self.village.pk]
        shots = [(self._photo(), f"IMG_{today:%Y%m%d}_{n}.jpg") for n in (101, 102, 103)]
        other = "其他村"
        if self.reused is not None:
            shots[2] = (self.reused[0], shots[2][1])
            other = self.reused[1]
        first = duties.report_submit(
            actor=li,
            assignment=a,
            text=self._text("activity", a, today - dt.timedelta(days=2), 100),
            percent=100,
            files=[_Upload(data, name) for data, name in shots],
        )
        duties.report_return(actor=wang, report=first, reason=_REUSED_REASON.format(other=other))
        shots = [(self._photo(), f"IMG_{today:%Y%m%d}_{n}.jpg") for n in (201, 202, 203)]
        duties.report_submit(
            actor=li,
            assignment=a,
            text=self._text("activity", a, today - dt.timedelta(days=1), 100) + "已补充本次活动现场照片。",
            percent=100,
            files=[_Upload(data, name) for data, name in shots],
        )
        self.counts["reports"] += 2
        self.counts["evidence"] += 6
        # The other item due within three days (党员信息核对): Li is at work on it.
        Assignment.objects.filter(duty=self.duty_of[(self.year, "info")], organization=self.village).update(
            state="in_progress", percent=60, version=2
        )
        # The township's own assignment of the county duty: in progress while its villages report.
        Assignment.objects.filter(pk=assignment.pk).update(state="in_progress", percent=50)
        self._claim_story()
        self._due_date_requests()

    def _claim_story(self) -> None:
        """Scene 5: two members claim 新街镇's volunteer duty; once it is done, their points show it."""
        from grassroots.duties import services as duties

        c, today = self.c, self.today
        wang = self.users["township"]
        duty = self.claim_duty[self.year]
        leader = Member.objects.get(user=self.member_user)
        rows = c.of_branch[self.village.pk].tolist()
        young = [
            int(c.member_ids[i])
            for i in rows
            if c.age[i] < 50 and c.full[i] and int(c.member_ids[i]) not in (leader.pk, self.li)
        ]
        second = Member.objects.get(pk=(young or [int(c.member_ids[rows[-1]])])[0])
        claims = [
            duties.claim_create(actor=self.member_user, duty=duty, member=leader, note="我带队，组织村里年轻党员参加"),
            duties.claim_create(actor=wang, duty=duty, member=second, note="我家有收割机，可以帮忙"),
        ]
        when = _aware(min(duty.start_on - dt.timedelta(days=5), today), 20)
        Claim.objects.filter(pk__in=[cl.pk for cl in claims]).update(created_at=when, updated_at=when)
        self.counts["claims"] += 2
        own = Assignment.objects.get(duty=duty, organization=self.township)
        duties.assignment_update(actor=wang, assignment=own, responsible=leader)
        if duty.due_on + dt.timedelta(days=5) <= today:
            report = duties.report_submit(
                actor=self.member_user, assignment=own, text=_REPORT_TEXT["claim"].format(k=12, m=9), percent=100
            )
            duties.report_accept(actor=wang, report=report)
            done = duty.due_on - dt.timedelta(days=2)
            accepted = done + dt.timedelta(days=1)
            ProgressReport.objects.filter(pk=report.pk).update(
                created_at=_aware(done, 19), updated_at=_aware(accepted, 9), reviewed_at=_aware(accepted, 9)
            )
            Assignment.objects.filter(pk=own.pk).update(accepted_on=accepted, accepted_at=_aware(accepted, 9))
            Claim.objects.filter(pk__in=[cl.pk for cl in claims]).update(completed_at=_aware(accepted, 9))
            PointEntry.objects.filter(
                Q(source_type="claim", source_id__in=[str(cl.pk) for cl in claims])
                | Q(source_type="assignment", source_id=str(own.pk))
            ).update(earned_on=accepted)
            self.counts["reports"] += 1
        elif duty.start_on <= today:
            Assignment.objects.filter(pk=own.pk).update(state="in_progress", percent=40)

    def _due_date_requests(self) -> None:
        """One waiting for the county's decision (from 青山村 when it has work far enough ahead), two decided."""
        from grassroots.duties import services as duties

        today = self.today
        county = self.users["county"]
        mine = (
            Assignment.objects.filter(
                organization=self.village,
                state__in=["issued", "in_progress"],
                due_on__gt=today + dt.timedelta(days=3),
                duty__duty_list__period=self.period[self.year],
            )
            .order_by("-due_on", "id")
            .first()
        )
        made = 0
        if mine is not None:
            try:
                duties.due_date_request(
                    actor=self.users["secretary"],
                    assignment=mine,
                    new_due=mine.due_on + dt.timedelta(days=14),
                    reason="村里近期集中开展重点项目建设，党员大多在工地，申请推迟两周完成。",
                )
                made = 1
            except ValidationError:  # the request would be dated in the past (a demo built for another day)
                pass
        open_ones = list(
            Assignment.objects.filter(
                duty__in=[d for (y, _k), d in self.duty_of.items() if y == self.year],
                state__in=["in_progress", "issued"],
                organization_id__in=self.c.villages,
            )
            .exclude(organization=self.village)
            .order_by("-due_on", "id")[:3]
        )
        decisions = [("granted", "同意延期。"), ("refused", "时间节点不能调整，请加快进度。")]
        if not made:
            decisions.insert(0, ("pending", ""))
        rows = []
        for (state, note), a in zip(decisions, open_ones, strict=False):
            asked = min(max(a.start_on or today, a.due_on - dt.timedelta(days=5)), today)
            decided = state != "pending"
            new_due = max(a.due_on, today) + dt.timedelta(days=10)
            rows.append(
                DueDateRequest(
                    assignment=a,
                    current_due=a.due_on,
                    new_due=new_due,
                    reason="村两委换届筹备工作繁重，申请延期。" if state == "refused" else "遇连续降雨，户外活动推迟。",
                    state=state,
                    decided_by=county if decided else None,
                    decided_at=_aware(min(asked + dt.timedelta(days=1), today), 10) if decided else None,
                    decision_note=note,
                )
            )
            if state == "granted":
                Assignment.objects.filter(pk=a.pk).update(due_on=new_due)
        DueDateRequest.objects.bulk_create(rows)
        self.counts["due_date_requests"] += len(rows) + made

    # -- meetings and attendance --------------------------------------------------------------------------------

    def _meetings(self, year: int) -> None:
        """Meetings as the rules require, with the gaps of each branch's level; planned ones ahead of today."""
        c, r, ri, today = self.c, self.r, self.ri, self.today
        upto = min(dt.date(year, 12, 31), today)
        rich = year == self.year
        if not hasattr(self, "fixed_day"):  # each branch keeps its relatively fixed day of the month
            self.fixed_day = {b: ri(5, 16) for b in c.branches}
        next_meeting = _next_id(Meeting)
        meetings, attendance = [], []
        for b in c.branches:
            tier = c.tier_of(b)
            d = self.fixed_day[b]
            plan = []
            for m in range(1, 13):
                plan.append(("theme_day", _md(year, m, d + 1), b))
                plan.append(("committee", _md(year, m, d - 2), b))
                plan += [("group", _md(year, m, d + 4), g) for g in c.groups_of.get(b, ())]
            plan += [("general", _md(year, m, d + 6), b) for m in (1, 4, 7, 10)]
            plan += [("lecture", _md(year, m, d + 1), b) for m in (2, 5, 8, 11)]
            plan.append(("org_life", dt.date(year, 11, 10) + dt.timedelta(days=ri(0, 45)), b))
            # Gaps: the required meetings this branch did not hold.
            skip = set()
            if b == self.village.pk:
                if year == self.assessed_year:  # a missed lecture (scene 7)
                    skip.add(next(i for i, p in enumerate(plan) if p[0] == "lecture" and p[1].month == 8))
            else:
                n = r.randint(1, self.MOST_MISSED[tier]) if r.random() < self.GAPS[tier] else 0
                if "meetings" in self.spots[b]:
                    n += r.randint(*self.SPOT_MEETINGS) + max(0, tier - GOOD)
                kinds = [
                    i
                    for i, p in enumerate(plan)
                    if p[0] in ("lecture", "theme_day", "committee", "group") and p[1] <= upto
                ]
                skip = set(r.sample(kinds, min(n, len(kinds))))
            # A branch behind on its meetings has not yet held those of the month under way: they are planned
            # for its last days (so the month now ending does not make up for the gaps of the months before).
            later = set()
            if skip and year == today.year and (today + dt.timedelta(days=1)).month == today.month:
                later = {i for i, p in enumerate(plan) if p[1].month == today.month and p[1] <= today} - skip
            secretary = c.secretary_of.get(b)
            n_members = len(c.of_branch.get(b, ()))
            empty = (0.0, 0.0, 0.05, 0.3)[tier]
            place = "村党群服务中心" if c.org[b][3] == "village" else "党员活动室"
            for i, (kind, day, org) in enumerate(plan):
                if i in skip:
                    continue
                state = "held"
                if i in later:
                    state, day = "planned", today + dt.timedelta(days=1)
                elif day > upto:
                    if not (rich and day <= today + dt.timedelta(days=21) and kind in ("theme_day", "committee")):
                        continue
                    state = "planned"
                if kind == "theme_day":
                    topic = _THEME_TOPICS[(day.month - 1 + b) % len(_THEME_TOPICS)]
                else:
                    topic = _TOPICS[kind][(day.month + b) % len(_TOPICS[kind])]
                minutes = ""
                if state == "held" and r.random() >= empty:
                    k = len(c.committee_of.get(org, ())) if kind == "committee" else n_members
                    minutes = _MINUTES[kind].format(k=max(1, k - ri(0, 3)), m=ri(1, 6), topic=topic)
                host = c.leader_of.get(org, secretary) if kind == "group" else secretary
                created = self.stamp(min(day + dt.timedelta(days=ri(0, 3)), today), 21)
                meetings.append(
                    (next_meeting, org, kind, state, day, place, host, topic, minutes, "", None, created, created)
                )
                if state == "held":
                    who = self._attendees(kind, org, b, day, rich)
                    if who:
                        attendance += self._attendance(next_meeting, who, tier)
                next_meeting += 1
        self.counts["meetings"] += _insert(Meeting, _MEETING_FIELDS, meetings)
        self.counts["attendance"] += _insert(Attendance, ("meeting", "member", "status", "reason"), attendance)

    def _attendees(self, kind: str, org: int, branch: int, day: dt.date, rich: bool) -> list:
        """Whose attendance is recorded: every meeting in 新街镇 (and in the tiny county); elsewhere this year's
        general meetings and organizational-life meeting, last year's October general meeting and org-life
        meeting (the sign-in sheets of the others were not typed in)."""
        c = self.c
        typed_in = kind == "org_life" or (kind == "general" and (rich or day.month == 10))
        if branch not in self.detailed and not typed_in:
            return []
        if kind == "committee":
            return [c.index[m] for m in c.committee_of.get(org, ()) if m in c.index]
        if kind == "group":
            return [c.index[m] for m in c.group_members.get(org, ()) if m in c.index]
        return c.of_branch.get(org, np.array([], dtype=np.int64)).tolist()

    def _attendance(self, meeting_id: int, rows, tier: int) -> list[tuple]:
        c = self.c
        absent_p = (0.002, 0.006, 0.015, 0.035)[tier]
        excused_p = (0.04, 0.06, 0.08, 0.11)[tier]
        out = []
        for i, u in zip(rows, self.rng.random(len(rows)).tolist(), strict=True):
            if c.age[i] >= 80:
                status, reason = ("excused", "年老体弱，行动不便") if u < 0.8 else ("present", "")
            elif c.migrant[i] and u < 0.55:
                status, reason = "excused", "外出务工"
            elif u < absent_p:
                status, reason = "absent", ""
            elif u < absent_p + excused_p:
                status, reason = "excused", _EXCUSES[int(u * 10_000) % len(_EXCUSES)]
            elif u < absent_p + excused_p + 0.02:
                status, reason = "late", ""
            else:
                status, reason = "present", ""
            out.append((meeting_id, int(c.member_ids[i]), status, reason))
        return out

    # -- study and talks ----------------------------------------------------------------------------------------

    def _study(self, year: int) -> None:
        """Hours per member drawn from the branch's level (members 25-40, secretaries more), spread over the year:
        winter training in the first quarter, then a record a quarter (two in last year's coarser record)."""
        c, rng, today = self.c, self.rng, self.today
        upto = min(dt.date(year, 12, 31), today)
        n = len(c.member_ids)
        tiers = np.array([c.tier_of(int(o)) for o in c.member_org.tolist()], dtype=np.int64)
        behind = np.array([("study" in self.spots.get(int(o), ())) for o in c.member_org.tolist()])
        hours = rng.normal(np.array(self.STUDY_HOURS)[tiers] + np.where(behind, self.SPOT_STUDY, 0.0), 5.0)
        hours = np.where(c.cadre, hours + 22.0, hours)
        hours = np.clip(np.where(c.age >= 78, hours * 0.75, hours), 4, 80)
        winter = np.minimum(hours, rng.choice([8.0, 12.0, 16.0], n))
        slots = ((90, 210), (211, 350)) if year == self.year else ((120, 350),)
        share = rng.dirichlet([4.0] * len(slots), n) * (hours - winter)[:, None]
        days = [rng.integers(9, 85, n)] + [rng.integers(lo, hi, n) for lo, hi in slots]
        parts = [winter] + [share[:, k] for k in range(len(slots))]
        titles = [[_WINTER]] + [list(_STUDY)] * len(slots)
        picks = rng.integers(0, 6, (n, len(slots) + 1)).tolist()
        y0 = dt.date(year, 1, 1).toordinal()
        li_user = self.users["secretary"].pk
        columns = [(h.tolist(), d.tolist()) for h, d in zip(parts, days, strict=True)]
        next_id = _next_id(StudyRecord)
        rows = []
        ids, orgs, joined = c.member_ids.tolist(), c.member_org.tolist(), c.joined.tolist()
        limit, recent = upto.toordinal(), today.toordinal() - 10
        for i, member in enumerate(ids):
            confirmer = li_user if orgs[i] == self.village.pk else None
            for k, (h_list, d_list) in enumerate(columns):
                left = round(h_list[i], 1)
                ordinal = y0 + d_list[i]
                title = titles[k][picks[i][k] % len(titles[k])]
                if c.cadre[i] and k == 1:
                    title = _ROTATION  # the county's rotation training of secretaries and committee members
                while left >= 0.5 and joined[i] <= ordinal <= limit:  # a day holds at most 16 hours here
                    h, left = min(left, 16.0), left - min(left, 16.0)
                    day = dt.date.fromordinal(ordinal)
                    stamp = self.stamp(day, 21)
                    if ordinal > recent:  # the last ten days' records wait for the secretary's confirmation
                        rows.append((next_id, member, title, day, _decimal(h), "pending", None, None, stamp, stamp))
                    else:
                        confirmed = self.stamp(min(day + dt.timedelta(days=2), today), 9)
                        rows.append((next_id, member, title, day, _decimal(h), "confirmed", confirmer, confirmed))
                        rows[-1] += (stamp, stamp)
                    next_id += 1
                    ordinal += 9
        fields = ("id", "member", "title", "studied_on", "hours", "state", "confirmed_by", "confirmed_at")
        self.counts["study_records"] += _insert(StudyRecord, (*fields, "created_at", "updated_at"), rows)
        if year == self.year:
            self.study_rows = rows

    def _talks(self, year: int) -> None:
        c, r, today = self.c, self.r, self.today
        start, upto = dt.date(year, 1, 10), min(dt.date(year, 12, 20), today)
        if upto < start:
            return
        span = (upto - start).days
        tiers = np.array([c.tier_of(int(o)) for o in c.member_org.tolist()], dtype=np.int64)
        talked = np.array(self.TALKED)[tiers]
        talked = np.where(
            [("talks" in self.spots.get(int(o), ())) for o in c.member_org.tolist()], self.SPOT_TALKS, talked
        )
        covered = self.rng.random(len(c.member_ids)) < talked
        rows = []
        for i in np.flatnonzero(covered).tolist():
            member = int(c.member_ids[i])
            secretary = c.secretary_of.get(int(c.member_org[i]))
            partner, name = (None, "镇党委书记") if secretary in (None, member) else (secretary, "")
            day = start + dt.timedelta(days=r.randrange(0, span + 1))
            if not c.full[i]:
                topic = _TALK_TOPICS[3]
            elif c.migrant[i]:
                topic = _TALK_TOPICS[2]
            else:
                topic = _TALK_TOPICS[0] if r.random() < 0.6 else r.choice(_TALK_TOPICS[1:2] + _TALK_TOPICS[4:])
            stamp = self.stamp(day, 20)
            rows.append((member, day, partner, name, topic, "", None, stamp, stamp))
        fields = ("member", "talked_on", "with_member", "with_name", "topic", "notes", "created_by")
        self.counts["talks"] += _insert(Talk, (*fields, "created_at", "updated_at"), rows)

    # -- care ---------------------------------------------------------------------------------------------------

    def _care(self) -> None:
        """About 2.5% of members in the ledger, mostly old; visits at Spring Festival, July 1st and in between."""
        c, r, today = self.c, self.r, self.today
        weight = np.where(c.age >= 75, 12.0, np.where(c.age >= 65, 3.0, 0.5))
        n = len(c.member_ids)
        k = min(n, max(3, round(n * 0.025)))
        chosen = set(self.rng.choice(n, size=k, replace=False, p=weight / weight.sum()).tolist())
        chosen.add(c.index[self.zhang])
        next_case = _next_id(CareCase)
        cases, visits = [], []
        first_year = dt.date(self.last, 1, 1)
        for i in sorted(chosen):
            member = int(c.member_ids[i])
            branch = int(c.member_org[i])
            tier = c.tier_of(branch)
            category, details = _CARE[0] if c.age[i] >= 75 else r.choice(_CARE[1:])
            opened = first_year - dt.timedelta(days=r.randrange(60, 1500))
            if r.random() < 0.15:
                opened = dt.date(self.year, 1, 1) + dt.timedelta(
                    days=r.randrange(0, max(1, (today - dt.date(self.year, 1, 1)).days))
                )
            days = []
            for year in (self.last, self.year):
                days.append(dt.date(year, 1, 20) + dt.timedelta(days=r.randrange(0, 20)))  # Spring Festival
                if r.random() < self.JULY_VISIT[tier]:
                    days.append(dt.date(year, 6, 25) + dt.timedelta(days=r.randrange(0, 8)))  # July 1st
                if r.random() < self.AUTUMN_VISIT[tier] or branch == self.village.pk:  # 青山村: only 张 waits
                    days.append(dt.date(year, 9, 1) + dt.timedelta(days=r.randrange(0, 75)))
            if member == self.zhang:  # in the ledger for years; the last visit seven months ago (scene 6)
                category, details = "old_age", "87岁，独居，患高血压和慢性支气管炎，子女在外务工。"
                opened = first_year - dt.timedelta(days=700)
                last = today - dt.timedelta(days=213)
                days = [d for d in days if d < last - dt.timedelta(days=90)] + [last]
            stamp = self.stamp(opened, 10)
            cases.append((next_case, member, category, details, opened, None, 182, stamp, stamp))
            secretary = c.secretary_of.get(branch)
            for day in sorted(set(days)):
                if day < opened or day > today:
                    continue
                occasion = "spring_festival" if day.month <= 2 else ("july_first" if day.month in (6, 7) else "routine")
                amount = {"spring_festival": 500, "july_first": 300, "routine": 0}[occasion]
                stamp = self.stamp(day, 18)
                visits.append(
                    (next_case, day, secretary, "" if secretary else "村党支部书记", occasion, r.choice(_CARE_HELP))
                    + (_decimal(amount), None, stamp, stamp)
                )
            next_case += 1
        fields = ("id", "member", "category", "details", "opened_on", "closed_on", "visit_interval_days")
        self.counts["care_cases"] += _insert(CareCase, (*fields, "created_at", "updated_at"), cases)
        self.counts["care_visits"] += _insert(CareVisit, _VISIT_FIELDS, visits)

    # -- last year's democratic appraisal ---------------------------------------------------------------------------

    def _appraisal(self) -> None:
        """Every branch appraised its full members for last year (closed in February); excellent at most 1/3."""
        c, r, today = self.c, self.r, self.today
        closed = min(dt.date(self.year, 2, 20), today - dt.timedelta(days=1))
        opened = min(dt.date(self.year, 1, 15), closed)
        next_appraisal = _next_id(Appraisal)
        appraisals, results, votes = [], [], []
        field = AppraisalResult._meta.get_field("counts")
        order = ["excellent", "qualified", "basic", "unqualified"]
        spread = np.array([[0.8, 0.2, 0, 0], [0.1, 0.85, 0.05, 0], [0, 0.35, 0.6, 0.05], [0, 0.1, 0.3, 0.6]])
        unqualified_left = max(1, round(len(c.member_ids) / 2500))
        cutoff = dt.date(self.last, 6, 30).toordinal()
        for b in c.branches:
            rows = [i for i in c.of_branch.get(b, ()) if c.full[i] and c.joined[i] < cutoff]
            if not rows:
                continue
            appraisals.append(
                (next_appraisal, b, self.last, "closed", "0.33", self.stamp(closed, 16))
                + (self.stamp(opened, 9), self.stamp(closed, 16))
            )
            n = len(rows)
            share = r.uniform(0.12, 0.30)
            grades = [("excellent" if r.random() < share else "qualified") for _i in rows]
            grades = [("basic" if r.random() < 0.015 else g) for g in grades]
            if c.tier_of(b) == POOR and unqualified_left and n > 10:
                grades[r.randrange(n)] = "unqualified"
                unqualified_left -= 1
            quota = int(n / 3)
            for j in [j for j, g in enumerate(grades) if g == "excellent"][quota:]:
                grades[j] = "qualified"
            votes_of = self.rng.multinomial(n, spread[[order.index(g) for g in grades]])
            stamp = self.stamp(closed, 16)
            for i, grade, counts in zip(rows, grades, votes_of.tolist(), strict=True):
                counts = {g: v for g, v in zip(order, counts, strict=True) if v}
                follow = "由支部书记谈话提醒，限期三个月改正，支委会跟踪帮教。" if grade == "unqualified" else ""
                results.append(
                    (next_appraisal, int(c.member_ids[i]), field.get_db_prep_save(counts, connection), grade, grade)
                    + (follow, stamp, stamp)
                )
            if b == self.village.pk:  # 青山村's ballots themselves, for the appraisal page
                ids = [int(c.member_ids[i]) for i in rows]
                stamp = self.stamp(opened + dt.timedelta(days=10), 15)
                for voter in ids:
                    for subject, grade in zip(ids, grades, strict=True):
                        g = order.index(grade)
                        u = r.random()
                        g = g if u < 0.75 else max(0, min(3, g + (1 if u < 0.9 else -1)))
                        votes.append((next_appraisal, voter, subject, order[g], stamp))
            next_appraisal += 1
        fields = ("id", "organization", "year", "state", "excellent_share", "closed_at", "created_at", "updated_at")
        self.counts["appraisals"] += _insert(Appraisal, fields, appraisals)
        fields = ("appraisal", "member", "counts", "proposed", "grade", "follow_up", "created_at", "updated_at")
        self.counts["appraisal_results"] += _insert(AppraisalResult, fields, results)
        _insert(AppraisalVote, ("appraisal", "voter", "subject", "grade", "created_at"), votes)
        _reset_sequences([Appraisal, AppraisalResult, AppraisalVote])

    # -- points ----------------------------------------------------------------------------------------------------

    def _points(self) -> None:
        """This year's ledger from the records: meetings attended, study hours, accepted duties; caps applied."""
        attend, absent, study, duty = (self.rules.get(k) for k in ("attend", "absent", "study", "duty"))
        rows = []
        used: dict[tuple, float] = defaultdict(float)
        start = dt.date(self.year, 1, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.member_id, m.id, m.held_on, a.status FROM {Attendance._meta.db_table} a "
                f"JOIN {Meeting._meta.db_table} m ON m.id = a.meeting_id "
                "WHERE m.held_on >= %s AND m.state = 'held' ORDER BY m.held_on, m.id",
                [start],
            )
            attended = cursor.fetchall()
        c = self.c
        for member, meeting, held_on, status in attended:
            i = c.index.get(member)
            if i is None or int(c.member_org[i]) not in self.detailed:
                continue  # elsewhere the ledger counts study and duties: only 新街镇 typed in every sheet
            if isinstance(held_on, str):
                held_on = dt.date.fromisoformat(held_on)
            stamp = self.stamp(held_on, 22)
            if status in ("present", "late") and attend and used[(member, "attend", held_on)] + 2 <= 4:
                used[(member, "attend", held_on)] += 2
                rows.append((member, attend, "2.0", held_on, "meeting", str(meeting), "", None, None, stamp))
            elif status == "absent" and absent:
                rows.append((member, absent, "-5.0", held_on, "meeting", str(meeting), "", None, None, stamp))
        for row in getattr(self, "study_rows", []) if study else ():
            if row[5] != "confirmed":
                continue
            member, day, hours = row[1], row[3], float(row[4])
            room = min(hours, 4 - used[(member, "study", day)], 20 - used[(member, "study", day.month)])
            if room <= 0:
                continue
            used[(member, "study", day)] += room
            used[(member, "study", day.month)] += room
            rows.append((member, study, _decimal(room), day, "study", str(row[0]), "", None, None, self.stamp(day, 22)))
        if duty:
            accepted = Assignment.objects.filter(
                state="accepted", accepted_on__gte=start, responsible__isnull=False, duty__in=list(self.duty_key)
            ).values_list("id", "responsible_id", "accepted_on")
            for assignment, member, day in accepted.order_by("accepted_on", "id"):
                if used[(member, "duty", day.month)] + 3 > 15:
                    continue
                used[(member, "duty", day.month)] += 3
                rows.append(
                    (member, duty, "3.0", day, "assignment", str(assignment), "", None, None, self.stamp(day, 16))
                )
        claim = self.rules.get("claim")
        completed = Claim.objects.filter(state="completed", member__isnull=False, completed_at__gte=_aware(start, 0))
        for pk, member, at in completed.exclude(duty=self.claim_duty[self.year]).values_list(
            "id", "member_id", "completed_at"
        ):
            day = timezone.localtime(at).date()
            if claim and used[(member, "claim", day.month)] + 5 <= 20:
                used[(member, "claim", day.month)] += 5
                rows.append((member, claim, "5.0", day, "claim", str(pk), "", None, None, self.stamp(day, 17)))
        fields = ("member", "rule", "points", "earned_on", "source_type", "source_id", "note", "corrects", "created_by")
        self.counts["points"] += _insert(PointEntry, (*fields, "created_at"), rows)

    # -- the assessment --------------------------------------------------------------------------------------------

    def _assessment(self) -> None:
        """The default systems, the year-end run over the county, ratings by one-time links, the veto, published."""
        from grassroots.assessment import defaults
        from grassroots.assessment import services as assessment
        from grassroots.assessment.models import Result

        c, r = self.c, self.r
        officer = self.users["county"]
        period = self.period[self.assessed_year]
        branch_system, _secretaries = defaults.install(actor=officer, owner=self.county)
        run = assessment.run_create(actor=officer, system=branch_system, period=period, scope=self.county)
        # The masses and members rate a sample of branches (all of 新街镇's) through one-time links.
        indicators = [i.pk for i in assessment.qualitative_indicators(run)]
        inside = [b for b in c.branches if c.under(b, self.township.pk)]
        others = [b for b in c.branches if b not in set(inside)]
        sample = inside + sorted(r.sample(others, min(len(others), max(0, RATED_BRANCHES - len(inside)))))
        grades = ["excellent", "good", "fair", "poor"]
        weights = {
            EXCELLENT: [0.7, 0.25, 0.05, 0.0],
            GOOD: [0.35, 0.45, 0.17, 0.03],
            FAIR: [0.15, 0.40, 0.35, 0.10],
            POOR: [0.05, 0.25, 0.40, 0.30],
        }
        orgs = Organization.objects.in_bulk(sample)
        tokens = ratings = 0
        for b in sample:
            for kind, count in (("masses", 6), ("members", 4)):
                secrets = assessment.tokens_issue(actor=officer, run=run, kind=kind, organization=orgs[b], count=count)
                tokens += len(secrets)
                for secret in secrets[: count - r.randrange(0, 2)]:  # a few links are never used
                    chosen = {pk: r.choices(grades, weights[c.tier_of(b)])[0] for pk in indicators}
                    ratings += assessment.rating_submit(secret=secret, grades=chosen)
        # 新街镇党委 rates its own branches as the superior organization.
        wang = self.users["township"]
        for b in inside:
            tier = c.tier_of(b)
            chosen = {pk: grades[min(3, tier + (r.random() < 0.2))] for pk in indicators}
            ratings += assessment.rating_by_user(
                actor=wang, run=run, kind="superior", organization=orgs[b], grades=chosen
            )
        self.counts["rating_tokens"] += tokens
        self.counts["ratings"] += ratings
        # Scene 7: a discipline case at 白石村 vetoes its assessment.
        assessment.veto_record(
            actor=officer,
            period=period,
            organization=orgs[self.baishi],
            reason=VETO_REASON,
            occurred_on=min(dt.date(self.assessed_year, 8, 12), self.today),
        )
        with connection.cursor() as cursor:  # the year was just bulk-loaded: give the planner its statistics
            cursor.execute("ANALYZE")
        assessment.run_compute(actor=officer, run=run, asof=self.today)
        assessment.run_publish(actor=officer, run=run)
        self.counts["assessment_runs"] += 1
        self.counts["results"] += Result.objects.filter(run=run).count()
        for grade in grades:
            self.counts[f"grade_{grade}"] = Result.objects.filter(run=run, grade=grade).count()


RATED_BRANCHES = 36
_ASSIGNMENT_FIELDS = (
    "duty",
    "organization",
    "responsible",
    "state",
    "start_on",
    "due_on",
    "weight",
    "percent",
    "note",
    "issued_at",
    "accepted_at",
    "accepted_on",
    "version",
    "created_at",
    "updated_at",
)
VETO_REASON = "村党支部委员违规套取惠农补贴资金，受到党内严重警告处分"
_REPORT_FIELDS = (
    "id",
    "assignment",
    "author",
    "text",
    "percent",
    "state",
    "reviewer",
    "reviewed_at",
    "return_reason",
    "created_at",
    "updated_at",
)
_MEETING_FIELDS = (
    "id",
    "organization",
    "kind",
    "state",
    "held_on",
    "place",
    "host",
    "topic",
    "minutes",
    "resolutions",
    "created_by",
    "created_at",
    "updated_at",
)
_VISIT_FIELDS = (
    "case",
    "visited_on",
    "visitor",
    "visitor_name",
    "occasion",
    "help_given",
    "amount",
    "created_by",
    "created_at",
    "updated_at",
)


# ---------------------------------------------------------------------------------------------------------
# City and province: the records the engine reads, in bulk, for the benchmarks


_BULK_DUTIES = (
    ("开展党员冬训", "ideological", True, (3, 31)),
    ("召开组织生活会，开展民主评议党员", "organizational", False, (2, 28)),
    ("一季度主题党日活动", "political", False, (3, 25)),
    ("规范落实“三会一课”制度", "institutional", False, (4, 30)),
    ("二季度主题党日活动", "political", False, (6, 25)),
    ("推进清廉建设", "discipline", True, (6, 30)),
    ("开展“党员联系户”走访", "work_style", False, (7, 31)),
    ("三季度主题党日活动", "political", False, (9, 25)),
    ("做好发展党员工作", "organizational", True, (10, 31)),
    ("党建引领中心工作", "political", True, (11, 15)),
    ("四季度主题党日活动", "political", False, (12, 20)),
    ("年度党建工作总结", "institutional", False, (12, 31)),
)


class _Bulk:
    """This year's engine inputs for every branch of a city or province: rows only, chunk by chunk."""

    CHUNK = 50_000  # members per chunk

    def __init__(self, *, seed: int, today: dt.date, clock: _Clock):
        self.rng = np.random.default_rng([seed, 8])
        self.r = random.Random(seed * 7919 + 8)
        self.today = today
        self.year = today.year
        self.clock = clock
        self.stamp = _Stamps()
        self.counts: dict[str, int] = defaultdict(int)

    def build(self) -> dict:
        from grassroots.duties import services as duties

        r, today = self.r, self.today
        admin = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
        root = Organization.objects.filter(depth=1).order_by("path").first()
        period = duties.period_for(str(self.year))
        StudyPlan.objects.get_or_create(organization=root, period=period)
        branches = list(
            Organization.objects.filter(kind=OrgKind.BRANCH, is_active=True)
            .order_by("path")
            .values_list("id", flat=True)
        )
        self.tier = dict(zip(branches, self.rng.choice(4, size=len(branches), p=TIER_SHARES).tolist(), strict=True))
        self.clock.say(f"Bulk year {self.year}: {len(branches):,} branches")
        duty_list = duties.duty_list_for(actor=admin, organization=root, period=period)
        secretaries = dict(
            Post.objects.filter(
                title="secretary", ended_on__isnull=True, organization__kind=OrgKind.BRANCH
            ).values_list("organization_id", "member_id")
        )
        created = self.stamp(min(dt.date(self.year, 1, 4), today), 10)
        fields = _ASSIGNMENT_FIELDS
        for title, dimension, key, (month, day) in _BULK_DUTIES:
            due = dt.date(self.year, month, day)
            duty = duties.duty_create(
                actor=admin,
                duty_list=duty_list,
                title=title,
                dimension=dimension,
                is_key=key,
                due_on=due,
                start_on=_md(self.year, max(1, month - 2), 1),
                requirement="按要求完成并报送佐证材料。",
            )
            Duty.objects.filter(pk=duty.pk).update(state="issued")
            rows = []
            for b in branches:
                state, accepted = "issued", None
                if due < today:
                    t = self.tier[b]
                    if r.random() < (0.99, 0.96, 0.9, 0.75)[t]:
                        if r.random() < (0.03, 0.08, 0.18, 0.35)[t]:
                            accepted = due + dt.timedelta(days=r.randrange(1, 20))
                        else:
                            accepted = due - dt.timedelta(days=r.randrange(0, 10))
                        accepted, state = min(accepted, today), "accepted"
                    else:
                        state = "in_progress"
                accepted_at = self.stamp(accepted, 16) if accepted else None
                rows.append(
                    (duty.pk, b, secretaries.get(b), state, duty.start_on, due, "1", 100 if accepted else 0, "")
                    + (created, accepted_at, accepted, 1, created, created)
                )
            self.counts["assignments"] += _insert(Assignment, fields, rows)
            self.counts["duties"] += 1
        self.clock.say(f"Assignments: {self.counts['assignments']:,}")
        self._meetings(branches, secretaries)
        self.clock.say(f"Meetings: {self.counts['meetings']:,}, attendance {self.counts['attendance']:,}")
        self._members()
        self.clock.say(
            f"Study records {self.counts['study_records']:,}, talks {self.counts['talks']:,}, "
            f"care cases {self.counts['care_cases']:,}, visits {self.counts['care_visits']:,}"
        )
        _reset_sequences([Meeting, CareCase])
        return dict(self.counts)

    def _meetings(self, branches, secretaries) -> None:
        """About twelve meetings per branch (monthly theme days, quarterly general meetings) up to today;
        the attendance of each branch's first general meeting, by one INSERT ... SELECT over its members."""
        r, today = self.r, self.today
        first_id = next_meeting = _next_id(Meeting)
        meetings = []
        for b in branches:
            d = r.randrange(5, 20)
            skip = (0.0, 0.03, 0.1, 0.25)[self.tier[b]]
            for m in range(1, 13):
                plan = [("theme_day", _md(self.year, m, d), "主题党日")]
                if m in (1, 4, 7, 10):
                    plan.append(("general", _md(self.year, m, d + 3), "党员大会"))
                for kind, day, topic in plan:
                    if day > today or (kind == "theme_day" and r.random() < skip):
                        continue
                    stamp = self.stamp(day, 21)
                    meetings.append(
                        (next_meeting, b, kind, "held", day, "", secretaries.get(b), topic, "", "", None, stamp, stamp)
                    )
                    next_meeting += 1
            if len(meetings) >= BATCH * 4:
                self.counts["meetings"] += _insert(Meeting, _MEETING_FIELDS, meetings)
                meetings = []
        self.counts["meetings"] += _insert(Meeting, _MEETING_FIELDS, meetings)
        q = connection.ops.quote_name
        at, mt, mb = (q(m._meta.db_table) for m in (Attendance, Meeting, Member))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {at} (meeting_id, member_id, status, reason) "
                "SELECT f.mid, mb.id, CASE WHEN mb.id %% 53 = 0 THEN 'absent' WHEN mb.id %% 11 = 0 THEN 'excused' "
                "ELSE 'present' END, CASE WHEN mb.id %% 11 = 0 AND mb.id %% 53 <> 0 THEN '外出务工' ELSE '' END "
                f"FROM (SELECT organization_id AS org, MIN(id) AS mid FROM {mt} WHERE kind = 'general' AND id >= %s "
                f"GROUP BY organization_id) f JOIN {mb} mb ON mb.organization_id = f.org AND mb.status = 'active'",
                [first_id],
            )
            self.counts["attendance"] += max(cursor.rowcount, 0)

    def _members(self) -> None:
        """Per member: two study records, a talk for about 70%; about 2% in the care ledger with visits."""
        y0 = dt.date(self.year, 1, 1)
        span = max(1, (self.today - y0).days)
        chunk = []
        qs = Member.objects.filter(status="active").order_by("id").values_list("id", "organization_id")
        for row in qs.iterator(chunk_size=20_000):
            chunk.append(row)
            if len(chunk) >= self.CHUNK:
                self._member_chunk(chunk, y0, span)
                chunk = []
        if chunk:
            self._member_chunk(chunk, y0, span)

    def _member_chunk(self, chunk, y0: dt.date, span: int) -> None:
        rng, today = self.rng, self.today
        n = len(chunk)
        ids = [m[0] for m in chunk]
        tiers = np.array([self.tier.get(m[1], GOOD) for m in chunk], dtype=np.int64)
        days = rng.integers(0, span + 1, (n, 2)).tolist()
        hours = np.clip(rng.normal(np.array([20.0, 18.0, 15.0, 12.0])[tiers], 4.0)[:, None] * [1.0, 0.8], 1, 24)
        hours = np.round(hours, 1).tolist()
        study = []
        for member, (d1, d2), (h1, h2) in zip(ids, days, hours, strict=True):
            for title, d, h in (("集中学习", d1, h1), ("网络课程", d2, h2)):
                day = y0 + dt.timedelta(days=d)
                stamp = self.stamp(day, 21)
                study.append((member, title, day, _decimal(h), "confirmed", stamp, stamp, stamp))
        fields = ("member", "title", "studied_on", "hours", "state", "confirmed_at", "created_at", "updated_at")
        self.counts["study_records"] += _insert(StudyRecord, fields, study)
        talked = rng.random(n) < 0.7
        talk_days = rng.integers(0, span + 1, n).tolist()
        talks = []
        for member, yes, d in zip(ids, talked.tolist(), talk_days, strict=True):
            if yes:
                day = y0 + dt.timedelta(days=d)
                stamp = self.stamp(day, 20)
                talks.append((member, day, "支部书记", "年度谈心谈话", "", stamp, stamp))
        fields = ("member", "talked_on", "with_name", "topic", "notes", "created_at", "updated_at")
        self.counts["talks"] += _insert(Talk, fields, talks)
        next_case = _next_id(CareCase)
        opened = y0 - dt.timedelta(days=400)
        cases, visits = [], []
        for i in np.flatnonzero(rng.random(n) < 0.02).tolist():
            stamp = self.stamp(opened, 10)
            cases.append((next_case, ids[i], "old_age", "", opened, None, 182, stamp, stamp))
            for month in (1, 7):
                day = dt.date(self.year, month, 25)
                if day <= today and self.r.random() < 0.85:
                    stamp = self.stamp(day, 18)
                    visits.append((next_case, day, None, "支部书记", "routine", "走访慰问", "0", None, stamp, stamp))
            next_case += 1
        fields = ("id", "member", "category", "details", "opened_on", "closed_on", "visit_interval_days")
        self.counts["care_cases"] += _insert(CareCase, (*fields, "created_at", "updated_at"), cases)
        self.counts["care_visits"] += _insert(CareVisit, _VISIT_FIELDS, visits)
