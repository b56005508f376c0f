"""Demo data: a realistic county (or city, or province) of organizations, members, posts and demo accounts.

Scales: tiny (tests: 2 townships, ~13 branches, ~270 members), county (~1,500 organizations, ~39,000
members), city (10 counties and the city's own units: ~16,000 / ~415,000), province (10 cities: ~150,000 /
~3.9 million). The figures follow section 3 of the domain reference: 13-15 townships of 14-20 villages,
rural branches of about 30 members (villages above 50 become a general branch with 2-4 branches), 10-20%
women and 35-50% over 60 in villages, ~2% probationary, county organs, schools, hospitals, enterprises and
county-seat communities around them.

Built for speed: the tree is planned in memory with its materialized paths computed here (treebeard's
layout: steplen 4, base-36 steps, numchild and depth stored), then written in bulk; members are drawn
with numpy from a seeded generator, so a seed always gives the same names, codes and ID numbers.
A seed is not a user action: nothing is written to the audit trail.
"""

import datetime as dt
import math
import time

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.core.errors import ValidationError

from .models import (
    Education,
    Grant,
    Member,
    MemberCategory,
    MemberStatus,
    Organization,
    OrgKind,
    Post,
    PostTitle,
    Role,
    Transfer,
    UnitType,
)
from .validation import id_check_digit

DEMO_PASSWORD = "grassroots-demo"
SCALES = ("tiny", "county", "city", "province")
BATCH_SIZE = 5000

# (username, role label, what they see and do first): for the README and the login page of a demo.
DEMO_ACCOUNTS = [
    (
        "admin",
        Role.ADMIN.label,
        gettext_lazy("Sees the whole tree; manages accounts and roles, and the admin site."),
    ),
    (
        "county",
        Role.OFFICER.label,
        gettext_lazy(
            "Organization department of the county committee: sees every organization and member of the "
            "county, issues work down the tree and watches progress."
        ),
    ),
    (
        "township",
        Role.OFFICER.label,
        gettext_lazy(
            "Secretary of a township committee: sees the township's villages, communities and units, and "
            "reviews what their branches report."
        ),
    ),
    (
        "secretary",
        Role.SECRETARY.label,
        gettext_lazy(
            "Secretary of a village branch, often on a phone: sees what is due, records meetings and reports "
            "the branch's progress."
        ),
    ),
    (
        "member",
        gettext_lazy("Member"),
        gettext_lazy("A member of that village branch: sees their own record, their branch and their tasks."),
    ),
    (
        "auditor",
        Role.AUDITOR.label,
        gettext_lazy(
            "Discipline inspector of the county: reads everything in the township, the audit trail included, "
            "and changes nothing."
        ),
    ),
]

# The people behind the accounts (their branches are chosen in _plan_county); `days` since the last birthday.
_PEOPLE = {
    "secretary": dict(
        name="李德明", gender="M", age=58, days=100, joined_age=26, education="senior", occupation="村干部"
    ),
    "member": dict(name="张秀兰", gender="F", age=46, days=160, joined_age=31, education="junior", occupation="农民"),
    "township": dict(
        name="王建国", gender="M", age=52, days=220, joined_age=23, education="bachelor", occupation="公务员"
    ),
    "county": dict(name="周敏", gender="F", age=41, days=40, joined_age=21, education="master", occupation="公务员"),
    "auditor": dict(
        name="刘正平", gender="M", age=49, days=300, joined_age=24, education="bachelor", occupation="公务员"
    ),
}
_ADMIN_NAME = "系统管理员"
DEMO_COUNTY = ("青山县委", "Qingshan County Committee")
DEMO_TOWNSHIP = ("新街镇党委", "Xinjie Town Committee")
DEMO_VILLAGE = ("青山村党支部", "Qingshan Village Branch")

# ---------------------------------------------------------------------------------------------------------
# Names


def _pairs(text: str) -> list[tuple[str, str]]:
    """'青qing 白bai' -> [('青', 'qing'), ('白', 'bai')]: Chinese characters, then their pinyin (or a figure)."""
    out = []
    for word in text.split():
        i = next(i for i, ch in enumerate(word) if ch.isascii())
        out.append((word[:i], word[i:]))
    return out


# The most frequent surnames with their share of the population in per cent (2020 census order).
_SURNAMES = _pairs(
    "王7.12 李7.00 张6.74 刘5.10 陈4.61 杨3.22 黄2.45 赵2.29 吴2.05 周1.97 徐1.59 孙1.54 马1.29 朱1.28 胡1.21 "
    "郭1.17 何1.12 高1.05 林1.01 罗0.99 郑0.94 梁0.84 谢0.79 宋0.73 唐0.71 许0.64 韩0.63 冯0.62 邓0.60 曹0.59 "
    "彭0.58 曾0.57 肖0.55 田0.54 董0.53 袁0.52 潘0.51 于0.50 蒋0.49 蔡0.48 余0.47 杜0.46 叶0.45 程0.44 苏0.43 "
    "魏0.42 吕0.41 丁0.40 任0.39 沈0.38 姚0.37 卢0.36 姜0.35 崔0.34 钟0.33 谭0.32 陆0.31 汪0.30 范0.29 金0.28 "
    "石0.27 廖0.26 贾0.25 夏0.24 韦0.23 付0.22 方0.21 白0.20 邹0.19 孟0.18 熊0.17 秦0.16 邱0.15 江0.15 尹0.14 "
    "薛0.14 闫0.13 段0.13 雷0.12 侯0.12 龙0.11 史0.11 陶0.10 黎0.10 贺0.10 顾0.09 毛0.09 郝0.09 龚0.08 邵0.08 "
    "万0.08 钱0.08 严0.07 覃0.07 武0.07 戴0.07 莫0.06 孔0.06 向0.06 汤0.06"
)
SURNAMES = [surname for surname, _share in _SURNAMES]
_SURNAME_P = np.array([float(share) for _surname, share in _SURNAMES])
_SURNAME_P /= _SURNAME_P.sum()

# Characters of given names by gender and generation (born before 1965, 1965-1984, from 1985): first
# characters, then second characters (which also make the one-character names).
_GIVEN = {
    ("M", 0): (
        "德建国志福玉金学永长新春正明光庆洪文世家忠树立",
        "明华国林生平成荣海清祥发友云中军兵胜全山才富贵强和良",
    ),
    ("M", 1): ("建志海国永小红文立俊伟晓宏明卫振新春利军", "伟强军勇斌杰涛磊波辉刚峰鹏健毅平华林东明飞超亮龙兵"),
    ("M", 2): ("浩宇子博俊晨天一梓皓家思明志嘉文泽睿宏雨佳", "轩涵杰凯鑫阳宁睿泽帆航昊旭鹏磊哲然辰逸宇豪伟博源川"),
    ("F", 0): ("秀桂玉淑翠凤金春素月冬美兰菊", "英兰芳珍梅华莲琴荣香云花娥芝霞凤"),
    ("F", 1): ("丽晓小海春红秀雪静美玉艳建文慧", "丽敏静艳燕霞芳娟红琳玲萍洁慧丹颖莉华蓉梅"),
    ("F", 2): ("雨佳思欣梦晓诗梓子紫可语若一婉心嘉", "婷欣怡涵琪璐悦萱瑶雯倩妍蕾彤琳颖洁然菲"),
}
_ONE_CHAR_P = (0.15, 0.30, 0.25)  # share of one-character given names per generation

_MINORITIES = (("土家族", 40), ("苗族", 30), ("侗族", 12), ("瑶族", 10), ("回族", 4), ("白族", 4))

# Place names are two syllables: a first from _P1 and a second from _P2, written with their pinyin.
_P1 = _pairs(
    "青qing 白bai 柳liu 桃tao 龙long 金jin 石shi 大da 小xiao 黄huang 杨yang 枫feng 松song 竹zhu 梅mei 荷he "
    "新xin 东dong 西xi 南nan 北bei 高gao 长chang 双shuang 凤feng 云yun 马ma 鹤he 樟zhang 茶cha 红hong 花hua "
    "清qing 永yong 太tai 宝bao 平ping 安an 福fu 兴xing 沙sha 田tian 桥qiao 湖hu 岩yan 蔡cai 牛niu 仁ren 德de "
    "光guang 荣rong 碧bi 丰feng 泉quan 莲lian 星xing 溪xi 板ban 檀tan 蓝lan"
)
_P2 = _pairs(
    "山shan 湾wan 塘tang 坪ping 岭ling 冲chong 溪xi 桥qiao 铺pu 口kou 坝ba 洲zhou 田tian 林lin 湖hu 江jiang "
    "河he 泉quan 岗gang 阳yang 源yuan 园yuan 坡po 峰feng 庄zhuang 家jia 埠bu 滩tan 石shi 岩yan 港gang 丰feng "
    "安an 兴xing 和he 平ping 华hua 塅duan 垅long 坳ao"
)
# Names of town and county-seat communities.
_COMMUNITIES = _pairs(
    "建设jianshe 解放jiefang 人民renmin 文化wenhua 东风dongfeng 胜利shengli 向阳xiangyang 和平heping "
    "新华xinhua 朝阳chaoyang 红旗hongqi 光明guangming 幸福xingfu 团结tuanjie 民主minzhu 友谊youyi 育才yucai "
    "迎宾yingbin 滨江binjiang 书院shuyuan 文昌wenchang 锦绣jinxiu 金桥jinqiao 南门nanmen 北门beimen "
    "东门dongmen 西门ximen 花园huayuan 工农gongnong 前进qianjin 健康jiankang 和谐hexie 桥头qiaotou "
    "五一wuyi 城南chengnan 城北chengbei 龙泉longquan 凤凰fenghuang 新城xincheng 振兴zhenxing"
)
_STREETS = _pairs("城关chengguan 城东chengdong 城西chengxi 城南chengnan 城北chengbei")
_BRANDS = _pairs(
    "鑫达xinda 宏远hongyuan 恒通hengtong 华盛huasheng 金源jinyuan 永兴yongxing 天成tiancheng 瑞丰ruifeng "
    "湘源xiangyuan 大成dacheng 隆昌longchang 盛世shengshi 康达kangda 博远boyuan 中联zhonglian 嘉禾jiahe "
    "万通wantong 绿源lvyuan 正大zhengda 兴旺xingwang 富民fumin 德润derun 宏图hongtu 鼎盛dingsheng 华诚huacheng"
)
_INDUSTRIES = (
    ("食品", "Food"),
    ("建材", "Building Materials"),
    ("机械制造", "Machinery"),
    ("电子科技", "Electronics"),
    ("纺织", "Textiles"),
    ("新材料", "New Materials"),
    ("农业开发", "Agricultural Development"),
    ("茶业", "Tea"),
    ("物流", "Logistics"),
    ("医药", "Pharmaceutical"),
    ("建筑工程", "Construction"),
    ("油茶", "Camellia Oil"),
    ("竹木制品", "Bamboo and Wood Products"),
    ("生物科技", "Biotechnology"),
    ("陶瓷", "Ceramics"),
    ("汽车零部件", "Auto Parts"),
    ("电子商务", "E-commerce"),
)


_UNLUCKY = {"黄泉", "白山"}  # the underworld; the white of mourning


def _pinyin_join(a: str, b: str) -> str:
    """Syllables joined as in place names: Qingshan, Xi'an (an apostrophe before a, e, o)."""
    return (a + ("'" if b[0] in "aeo" else "") + b).capitalize()


_CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1 -> 一, 12 -> 十二, 23 -> 二十三, 105 -> 一百零五, 112 -> 一百一十二."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    head = _CN_DIGITS[hundreds] + "百"
    if rest == 0:
        return head
    return head + ("零" + _CN_DIGITS[rest] if rest < 10 else ("一" if rest < 20 else "") + _cn(rest))


# ---------------------------------------------------------------------------------------------------------
# Member profiles: who belongs to which kind of unit.
# Education shares follow the order of Education (primary .. doctor), per age group (<45, 45-60, >60).

_EDU_VALUES = [e.value for e in Education]
_EDU_RANK = {v: i for i, v in enumerate(_EDU_VALUES)}


def _profile(women, old, ages, join, edu, work, retired=(("离退休人员", 1),)):
    if not isinstance(edu, dict):
        edu = {"young": edu, "mid": edu, "old": edu}
    return dict(women=women, old=old, ages=ages, join=join, edu=edu, work=work, retired=retired)


_PROFILES = {
    "village": _profile(
        women=(0.08, 0.22),
        old=(0.35, 0.50),
        ages=(22, 60, 2.2, 1.6),
        join=(18, 2.0, 5.5),
        edu={
            "young": [5, 30, 22, 10, 23, 10, 0, 0],
            "mid": [15, 45, 22, 6, 10, 2, 0, 0],
            "old": [35, 42, 15, 4, 3, 1, 0, 0],
        },
        work=(
            ("农民", 58),
            ("外出务工人员", 12),
            ("个体工商户", 10),
            ("企业职工", 8),
            ("村干部", 6),
            ("农民专业合作社负责人", 3),
            ("乡村医生", 2),
            ("乡村教师", 1),
        ),
        retired=(("农民", 88), ("离退休人员", 10), ("个体工商户", 2)),
    ),
    "community": _profile(
        women=(0.30, 0.45),
        old=(0.40, 0.55),
        ages=(23, 60, 2.0, 1.6),
        join=(18, 2.0, 5.0),
        edu={
            "young": [1, 8, 18, 10, 33, 27, 3, 0],
            "mid": [6, 28, 28, 10, 18, 9, 1, 0],
            "old": [22, 35, 22, 8, 8, 5, 0, 0],
        },
        work=(
            ("企业职工", 28),
            ("个体工商户", 20),
            ("灵活就业人员", 18),
            ("社区工作者", 12),
            ("自由职业者", 12),
            ("退役军人", 5),
            ("待业人员", 5),
        ),
    ),
    "township_organ": _profile(
        women=(0.22, 0.35),
        old=(0.0, 0.02),
        ages=(23, 60, 2.0, 1.8),
        join=(19, 2.0, 2.5),
        edu=[0, 1, 3, 5, 28, 58, 5, 0],
        work=(("公务员", 55), ("事业单位工作人员", 45)),
    ),
    "organ": _profile(
        women=(0.25, 0.38),
        old=(0.0, 0.03),
        ages=(23, 60, 2.0, 1.8),
        join=(19, 2.0, 2.5),
        edu={
            "young": [0, 0, 1, 1, 12, 70, 15, 1],
            "mid": [0, 1, 3, 5, 28, 57, 6, 0],
            "old": [0, 1, 3, 5, 28, 57, 6, 0],
        },
        work=(("公务员", 65), ("事业单位工作人员", 35)),
    ),
    "retiree": _profile(
        women=(0.20, 0.35),
        old=(0.85, 0.95),
        ages=(55, 60, 1.0, 1.0),
        join=(18, 2.0, 4.0),
        edu=[4, 16, 28, 14, 22, 15, 1, 0],
        work=(("离退休人员", 1),),
    ),
    "school": _profile(
        women=(0.30, 0.45),
        old=(0.0, 0.03),
        ages=(23, 60, 1.8, 2.0),
        join=(19, 2.0, 2.5),
        edu={
            "young": [0, 0, 0, 1, 14, 74, 11, 0],
            "mid": [0, 0, 1, 8, 34, 54, 3, 0],
            "old": [0, 0, 1, 8, 34, 54, 3, 0],
        },
        work=(("教师", 88), ("学校管理人员", 12)),
    ),
    "hospital": _profile(
        women=(0.45, 0.65),
        old=(0.0, 0.03),
        ages=(24, 60, 1.6, 2.2),
        join=(19, 2.0, 2.5),
        edu=[0, 0, 1, 12, 30, 47, 9, 1],
        work=(("医生", 45), ("护士", 28), ("医技人员", 14), ("医院管理人员", 13)),
    ),
    "state_enterprise": _profile(
        women=(0.20, 0.35),
        old=(0.0, 0.03),
        ages=(23, 60, 2.0, 2.0),
        join=(19, 2.0, 4.0),
        edu=[0, 3, 12, 18, 32, 32, 3, 0],
        work=(("企业管理人员", 32), ("专业技术人员", 33), ("工人", 35)),
    ),
    "enterprise": _profile(
        women=(0.18, 0.35),
        old=(0.0, 0.03),
        ages=(22, 60, 1.5, 2.5),
        join=(19, 2.0, 4.0),
        edu=[0, 8, 18, 15, 30, 26, 3, 0],
        work=(("企业管理人员", 28), ("专业技术人员", 28), ("工人", 38), ("企业出资人", 6)),
    ),
    "social": _profile(
        women=(0.30, 0.50),
        old=(0.0, 0.05),
        ages=(25, 60, 1.8, 2.0),
        join=(20, 2.0, 4.0),
        edu=[0, 2, 8, 8, 27, 45, 9, 1],
        work=(("社会组织工作人员", 60), ("律师", 25), ("会计师", 15)),
    ),
}
_PROFILE_NAMES = list(_PROFILES)
# Village and community branches are elected for five years (last general election 2021), others for three.
_FIVE_YEAR_TERM = {"village", "community"}


# ---------------------------------------------------------------------------------------------------------
# Units above the townships. {L} is 县/市/省 and {E} County/City/Provincial. Size is the members of the unit.

PO, GOV, INST = UnitType.PARTY_ORGAN, UnitType.GOVERNMENT, UnitType.INSTITUTION
SCH, HOSP, SOE, SOC = UnitType.SCHOOL, UnitType.HOSPITAL, UnitType.STATE_ENTERPRISE, UnitType.SOCIAL

# (Chinese, English, unit type, members, profile, "机关" in the branch name)
_ORGANS = (
    ("{L}委办公室", "{E} Party Committee Office", PO, 48, "organ", False),
    ("{L}委组织部", "{E} Organization Department", PO, 34, "organ", False),
    ("{L}纪委监委机关", "{E} Commission for Discipline Inspection and Supervision", PO, 46, "organ", False),
    ("{L}委宣传部", "{E} Publicity Department", PO, 28, "organ", False),
    ("{L}委统战部", "{E} United Front Work Department", PO, 18, "organ", False),
    ("{L}委政法委", "{E} Political and Legal Affairs Commission", PO, 22, "organ", False),
    ("{L}委巡察办", "{E} Inspection Office", PO, 12, "organ", False),
    ("{L}委编办", "{E} Staffing Office", PO, 10, "organ", False),
    ("{L}委党校", "{E} Party School", INST, 34, "organ", False),
    ("{L}委老干部局", "{E} Veteran Cadres Bureau", PO, 15, "organ", False),
    ("{L}人大常委会机关", "{E} People's Congress Standing Committee Office", GOV, 42, "organ", False),
    ("{L}政协机关", "{E} CPPCC Committee Office", GOV, 32, "organ", False),
    ("{L}政府办公室", "{E} Government Office", GOV, 50, "organ", True),
    ("{L}发展和改革局", "{E} Development and Reform Bureau", GOV, 40, "organ", True),
    ("{L}科技和工业信息化局", "{E} Science, Technology and Industry Bureau", GOV, 32, "organ", True),
    ("{L}公安局", "{E} Public Security Bureau", GOV, 330, "organ", True),
    ("{L}民政局", "{E} Civil Affairs Bureau", GOV, 38, "organ", True),
    ("{L}司法局", "{E} Justice Bureau", GOV, 48, "organ", True),
    ("{L}财政局", "{E} Finance Bureau", GOV, 85, "organ", True),
    ("{L}人力资源和社会保障局", "{E} Human Resources and Social Security Bureau", GOV, 64, "organ", True),
    ("{L}自然资源局", "{E} Natural Resources Bureau", GOV, 115, "organ", True),
    ("{L}生态环境分局", "{E} Ecology and Environment Sub-bureau", GOV, 36, "organ", True),
    ("{L}住房和城乡建设局", "{E} Housing and Urban-Rural Development Bureau", GOV, 75, "organ", True),
    ("{L}交通运输局", "{E} Transport Bureau", GOV, 80, "organ", True),
    ("{L}水利局", "{E} Water Resources Bureau", GOV, 75, "organ", True),
    ("{L}农业农村局", "{E} Agriculture and Rural Affairs Bureau", GOV, 130, "organ", True),
    ("{L}林业局", "{E} Forestry Bureau", GOV, 60, "organ", True),
    ("{L}商务局", "{E} Commerce Bureau", GOV, 26, "organ", True),
    ("{L}文化旅游广电体育局", "{E} Culture, Tourism, Radio, TV and Sports Bureau", GOV, 48, "organ", True),
    ("{L}退役军人事务局", "{E} Veterans Affairs Bureau", GOV, 22, "organ", True),
    ("{L}应急管理局", "{E} Emergency Management Bureau", GOV, 32, "organ", True),
    ("{L}审计局", "{E} Audit Bureau", GOV, 26, "organ", True),
    ("{L}市场监督管理局", "{E} Market Regulation Bureau", GOV, 140, "organ", True),
    ("{L}统计局", "{E} Statistics Bureau", GOV, 18, "organ", True),
    ("{L}医疗保障局", "{E} Healthcare Security Bureau", GOV, 26, "organ", True),
    ("{L}城市管理和综合执法局", "{E} Urban Management and Law Enforcement Bureau", GOV, 64, "organ", True),
    ("{L}行政审批服务局", "{E} Administrative Approval Bureau", GOV, 32, "organ", True),
    ("{L}信访局", "{E} Letters and Calls Bureau", GOV, 15, "organ", True),
    ("{L}税务局", "{E} Taxation Bureau", GOV, 170, "organ", True),
    ("{L}人民法院", "{E} People's Court", GOV, 125, "organ", False),
    ("{L}人民检察院", "{E} People's Procuratorate", GOV, 75, "organ", False),
    ("{L}总工会", "{E} Federation of Trade Unions", GOV, 15, "organ", True),
    ("共青团{L}委", "{E} Communist Youth League Committee", GOV, 8, "organ", True),
    ("{L}妇联", "{E} Women's Federation", GOV, 10, "organ", True),
    ("{L}供销合作社联合社", "{E} Supply and Marketing Cooperative", GOV, 26, "organ", True),
    ("{L}机关事务服务中心", "{E} Government Affairs Service Centre", INST, 26, "organ", False),
    ("{L}融媒体中心", "{E} Media Centre", INST, 42, "organ", False),
    ("{L}档案馆", "{E} Archives", INST, 12, "organ", False),
    ("{L}住房公积金管理部", "{E} Housing Provident Fund Office", INST, 16, "organ", False),
    ("{L}气象局", "{E} Meteorological Bureau", GOV, 12, "organ", True),
    ("{L}消防救援大队", "{E} Fire and Rescue Brigade", GOV, 30, "organ", False),
    ("{L}直机关离退休干部", "{E} Organs Retired Cadres", GOV, 1800, "retiree", False),
)
_SCHOOLS = (
    ("{L}教育局", "{E} Education Bureau", GOV, 38, "organ", True),
    ("{L}第一中学", "{E} No. 1 High School", SCH, 210, "school", False),
    ("{L}第二中学", "{E} No. 2 High School", SCH, 150, "school", False),
    ("{L}第三中学", "{E} No. 3 High School", SCH, 105, "school", False),
    ("{L}职业中等专业学校", "{E} Vocational Secondary School", SCH, 85, "school", False),
    ("{L}实验中学", "{E} Experimental Middle School", SCH, 90, "school", False),
    ("{L}城关中学", "{E} Chengguan Middle School", SCH, 70, "school", False),
    ("{L}城东中学", "{E} Chengdong Middle School", SCH, 56, "school", False),
    ("{L}城西中学", "{E} Chengxi Middle School", SCH, 48, "school", False),
    ("{L}城南学校", "{E} Chengnan School", SCH, 45, "school", False),
    ("{L}实验小学", "{E} Experimental Primary School", SCH, 55, "school", False),
    ("{L}城关第一小学", "{E} Chengguan No. 1 Primary School", SCH, 42, "school", False),
    ("{L}城关第二小学", "{E} Chengguan No. 2 Primary School", SCH, 40, "school", False),
    ("{L}城关第三小学", "{E} Chengguan No. 3 Primary School", SCH, 36, "school", False),
    ("{L}城关第四小学", "{E} Chengguan No. 4 Primary School", SCH, 32, "school", False),
    ("{L}实验幼儿园", "{E} Experimental Kindergarten", SCH, 14, "school", False),
    ("{L}特殊教育学校", "{E} Special Education School", SCH, 10, "school", False),
    ("{L}教师发展中心", "{E} Teacher Development Centre", SCH, 18, "school", False),
    ("{L}教育系统离退休教师", "{E} Retired Teachers", SCH, 320, "retiree", False),
)
_UNIVERSITIES = (
    ("{L}教育厅", "{E} Department of Education", GOV, 60, "organ", True),
    ("{L}师范大学", "{E} Normal University", SCH, 900, "school", False),
    ("{L}理工大学", "{E} University of Science and Technology", SCH, 800, "school", False),
    ("{L}农业大学", "{E} Agricultural University", SCH, 600, "school", False),
    ("{L}中医药大学", "{E} University of Chinese Medicine", SCH, 500, "school", False),
    ("{L}职业技术学院", "{E} Vocational and Technical College", SCH, 300, "school", False),
    ("{L}实验中学", "{E} Experimental High School", SCH, 150, "school", False),
)
_HOSPITALS = (
    ("{L}卫生健康局", "{E} Health Bureau", GOV, 34, "organ", True),
    ("{L}人民医院", "{E} People's Hospital", HOSP, 380, "hospital", False),
    ("{L}中医医院", "{E} Hospital of Traditional Chinese Medicine", HOSP, 165, "hospital", False),
    ("{L}第二人民医院", "{E} No. 2 People's Hospital", HOSP, 88, "hospital", False),
    ("{L}妇幼保健院", "{E} Maternal and Child Health Hospital", HOSP, 62, "hospital", False),
    ("{L}疾病预防控制中心", "{E} Center for Disease Control", INST, 40, "hospital", False),
    ("{L}康复医院", "{E} Rehabilitation Hospital", HOSP, 24, "hospital", False),
    ("{L}卫生健康综合监督执法局", "{E} Health Supervision Bureau", GOV, 16, "organ", True),
    ("{L}中心血站", "{E} Blood Centre", HOSP, 10, "hospital", False),
)
_HOSPITAL_DEPARTMENTS = (
    ("内科", "Internal Medicine"),
    ("外科", "Surgery"),
    ("医技", "Medical Technology"),
    ("护理", "Nursing"),
    ("行政后勤", "Administration"),
    ("门诊", "Outpatients"),
    ("妇产儿科", "Obstetrics and Paediatrics"),
    ("急诊", "Emergency"),
    ("离退休", "Retirees"),
)
_STATE_ENTERPRISES = (
    ("{L}城市建设投资集团有限公司", "{E} Urban Construction Investment Group", SOE, 215, "state_enterprise", False),
    ("{L}交通建设投资集团有限公司", "{E} Transport Investment Group", SOE, 105, "state_enterprise", False),
    ("{L}水务投资有限公司", "{E} Water Investment Co.", SOE, 66, "state_enterprise", False),
    (
        "{L}农业发展投资集团有限公司",
        "{E} Agricultural Development Investment Group",
        SOE,
        56,
        "state_enterprise",
        False,
    ),
    ("{L}文化旅游投资有限公司", "{E} Culture and Tourism Investment Co.", SOE, 38, "state_enterprise", False),
    ("{L}公共交通有限公司", "{E} Public Transport Co.", SOE, 32, "state_enterprise", False),
    ("{L}粮食收储有限公司", "{E} Grain Reserve Co.", SOE, 28, "state_enterprise", False),
    ("{L}自来水有限公司", "{E} Water Supply Co.", SOE, 42, "state_enterprise", False),
    ("{L}农村商业银行", "{E} Rural Commercial Bank", SOE, 215, "state_enterprise", False),
    ("国网{L}供电公司", "State Grid {E} Power Supply Company", SOE, 225, "state_enterprise", False),
    ("{L}烟草专卖局", "{E} Tobacco Monopoly Bureau", SOE, 66, "state_enterprise", False),
    ("中国邮政{L}分公司", "China Post {E} Company", SOE, 46, "state_enterprise", False),
    ("中国移动{L}分公司", "China Mobile {E} Company", SOE, 24, "state_enterprise", False),
    ("中国石化{L}石油分公司", "Sinopec {E} Petroleum Company", SOE, 26, "state_enterprise", False),
)
_SOCIAL = (
    ("{L}律师协会", "{E} Lawyers Association", SOC, 30, "social", False),
    ("{L}个体劳动者私营企业协会", "{E} Self-employed and Private Enterprises Association", SOC, 14, "social", False),
    ("{L}会计师事务所联合", "{E} Joint Accounting Firms", SOC, 9, "social", False),
    ("{L}慈善总会", "{E} Charity Federation", SOC, 7, "social", False),
    ("{L}物业管理协会", "{E} Property Management Association", SOC, 12, "social", False),
    ("{L}民办教育协会", "{E} Private Education Association", SOC, 16, "social", False),
    ("{L}快递物流行业协会", "{E} Courier and Logistics Association", SOC, 10, "social", False),
    ("{L}志愿者协会", "{E} Volunteers Association", SOC, 8, "social", False),
)

_LEVELS = {"county": ("县", "County"), "city": ("市", "City"), "province": ("省", "Provincial")}


# ---------------------------------------------------------------------------------------------------------
# The plan: organizations in memory, in insertion order (a parent always before its children).

_ALPHABET = Organization.alphabet
_STEPLEN = Organization.steplen


def _step(position: int) -> str:
    key = ""
    while position:
        position, digit = divmod(position, len(_ALPHABET))
        key = _ALPHABET[digit] + key
    return key.rjust(_STEPLEN, _ALPHABET[0])


class _Node:
    __slots__ = (
        "id",
        "parent",
        "children",
        "path",
        "code",
        "name",
        "name_en",
        "kind",
        "unit_type",
        "founded_on",
        "size",
        "profile",
        "chunk",
        "home",
        "specials",
        "width",
        "next_seq",
        "groups",
    )


class _Chunk:
    """The part of the tree whose members are drawn together: a county, or the units of a city or province."""

    def __init__(self, region: str, minority: float, rng: np.random.Generator):
        self.region = region
        self.minority = minority
        self.rng = rng
        self.branches: list[_Node] = []  # nodes members belong to, in order
        self.offices: list[_Node] = []  # committees and general branches, which have posts too
        self.members = 0
        self.forced_secretaries: dict[int, str] = {}  # office id -> demo person who is its secretary


class _Plan:
    def __init__(self, *, seed: int, scale: str, first_id: int, size_factor: float):
        self.seed = seed
        self.scale = scale
        self.rng = np.random.default_rng([seed, 0])
        self.nodes: list[_Node] = []
        self.chunks: list[_Chunk] = []
        self.next_id = first_id
        self.size_factor = size_factor
        self.roots = 0
        self.special_nodes: dict[str, _Node] = {}

    # -- nodes ------------------------------------------------------------------------------------------

    def add(self, parent, *, name, name_en, kind, unit_type, chunk, code=None, seq=None, width=None, founded=None):
        node = _Node()
        node.id = self.next_id
        self.next_id += 1
        node.parent = parent
        node.children = []
        node.name, node.name_en, node.kind, node.unit_type = name, name_en, kind, unit_type
        node.size, node.profile, node.home, node.specials, node.groups = 0, None, None, [], 0
        node.chunk = chunk
        node.next_seq = 1
        node.width = 3
        if parent is None:
            self.roots += 1
            node.path = _step(self.roots)
        else:
            parent.children.append(node)
            node.path = parent.path + _step(len(parent.children))
        if code is None:
            if seq is None:
                seq = parent.next_seq
            parent.next_seq = max(parent.next_seq, seq + 1)
            code = f"{parent.code}-{seq:0{width or parent.width}d}"
        node.code = code
        node.founded_on = founded or self._founded(unit_type)
        self.nodes.append(node)
        if kind != OrgKind.GROUP:
            if kind == OrgKind.BRANCH:
                chunk.branches.append(node)
            else:
                chunk.offices.append(node)
        return node

    def _founded(self, unit_type) -> dt.date:
        lo, hi = {
            UnitType.VILLAGE: (1950, 1965),
            UnitType.TOWNSHIP: (1950, 1996),
            UnitType.COMMUNITY: (2000, 2016),
            UnitType.ENTERPRISE: (2003, 2022),
            UnitType.STATE_ENTERPRISE: (1995, 2018),
            UnitType.SOCIAL: (2008, 2022),
        }.get(unit_type, (1978, 2019))
        year = int(self.rng.integers(lo, hi + 1))
        return dt.date(year, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29)))

    def branch(self, parent, name, name_en, unit_type, profile, size, chunk, *, groups_p, seq=None, width=None):
        node = self.add(
            parent,
            name=name + "党支部",
            name_en=name_en + " Branch",
            kind=OrgKind.BRANCH,
            unit_type=unit_type,
            chunk=chunk,
            seq=seq,
            width=width,
        )
        node.size = max(5, int(size))
        node.profile = profile
        chunk.members += node.size
        # Party groups where members are many (or scattered over hamlets).
        if node.size >= 32 and self.rng.random() < groups_p:
            node.groups = min(3, max(2, node.size // 15))
            for k in range(1, node.groups + 1):
                self.add(
                    node,
                    name=f"{node.name}第{_cn(k)}党小组",
                    name_en=f"{node.name_en}, Group {k}",
                    kind=OrgKind.GROUP,
                    unit_type=unit_type,
                    chunk=chunk,
                    code=f"{node.code}-G{k}",
                    founded=node.founded_on,
                )
        return node

    def _partition(self, total: int, parts: int) -> list[int]:
        """`total` members in `parts` branches of similar size, none above 50 when the average allows it."""
        shares = self.rng.dirichlet([40.0] * parts)
        sizes = [6 + int(x) for x in self.rng.multinomial(total - 6 * parts, shares)]
        while max(sizes) > 50 and min(sizes) < 45:
            sizes[sizes.index(max(sizes))] -= 1
            sizes[sizes.index(min(sizes))] += 1
        return sizes

    def unit(
        self,
        parent,
        name,
        name_en,
        unit_type,
        profile,
        size,
        chunk,
        *,
        jiguan=False,
        style="plain",
        groups_p=0.06,
        seq=None,
        width=None,
        village=False,
    ):
        """A unit of `size` members: a branch up to 50, a general branch up to 100, a committee above."""
        size = max(5, int(size))
        organ = "机关" if jiguan else ""
        if size <= 50:
            return self.branch(
                parent, name + organ, name_en, unit_type, profile, size, chunk, groups_p=groups_p, seq=seq, width=width
            )
        if village or size < 100:
            parts = int(np.clip(round(size / (32 if village else 42)), 2, 4))
            node = self.add(
                parent,
                name=f"{name}{organ}党总支",
                name_en=f"{name_en} General Branch",
                kind=OrgKind.GENERAL_BRANCH,
                unit_type=unit_type,
                chunk=chunk,
                seq=seq,
                width=width,
            )
        else:
            parts = math.ceil(size / 46)
            node = self.add(
                parent,
                name=f"{name}党委",
                name_en=f"{name_en} Committee",
                kind=OrgKind.COMMITTEE,
                unit_type=unit_type,
                chunk=chunk,
                seq=seq,
                width=width,
            )
        node.width = 2
        for i, part in enumerate(self._partition(size, parts), start=1):
            if style == "hospital" and i <= len(_HOSPITAL_DEPARTMENTS):
                zh, en = _HOSPITAL_DEPARTMENTS[i - 1]
                sub, sub_en = f"{name}{zh}", f"{name_en} {en}"
            elif style == "community":
                sub, sub_en = f"{name}第{_cn(i)}网格", f"{name_en} Grid {i}"
            else:
                sub, sub_en = f"{name}{organ}第{_cn(i)}", f"{name_en} No. {i}"
            self.branch(node, sub, sub_en, unit_type, profile, part, chunk, groups_p=groups_p)
        return node

    def lognormal(self, median, sigma, lo, hi) -> int:
        return int(np.clip(round(median * math.exp(sigma * self.rng.standard_normal())), lo, hi))

    def sized(self, n: float) -> int:
        return max(5, round(n * self.size_factor))

    # -- names ------------------------------------------------------------------------------------------

    def place(self, used: set) -> tuple[str, str]:
        while True:
            a, a_py = _P1[int(self.rng.integers(len(_P1)))]
            b, b_py = _P2[int(self.rng.integers(len(_P2)))]
            if a != b and a + b not in used and a + b not in _UNLUCKY:
                used.add(a + b)
                return a + b, _pinyin_join(a_py, b_py)

    def new_chunk(self, region: str, minority: float | None = None) -> _Chunk:
        if minority is None:
            r = self.rng.random()
            minority = self.rng.uniform(0.12, 0.55) if r < 0.25 else self.rng.uniform(0.01, 0.06)
        chunk = _Chunk(region, float(minority), np.random.default_rng([self.seed, 1, len(self.chunks)]))
        self.chunks.append(chunk)
        return chunk


def _fill(template: str, level: str) -> str:
    zh, en = _LEVELS[level]
    return template.replace("{L}", zh).replace("{E}", en)


# Provincial government departments are 厅, not 局; these keep their name at every level.
_KEEP_BUREAU = ("税务局", "老干部局", "气象局", "烟草专卖局", "统计局", "医疗保障局", "信访局", "执法局")


def _fill_unit(zh: str, en: str, level: str) -> tuple[str, str]:
    zh, en = _fill(zh, level), _fill(en, level)
    if level == "province" and zh.endswith("局") and not zh.endswith(_KEEP_BUREAU):
        zh = zh.removesuffix("分局").removesuffix("局") + "厅"
        en = en.replace("Sub-bureau", "Department").replace("Bureau", "Department")
    return zh, en


def _plan_systems(plan: _Plan, top: _Node, chunk: _Chunk, level: str, factor: float) -> _Node:
    """Organs, education, health, state and private enterprises, social organizations of a county/city/province.

    Returns the branch whose members staff the top committee (the party committee office).
    """
    L, E = _LEVELS[level]

    def units(parent, table, weight=1.0):
        out = []
        for zh, en, unit_type, size, profile, jiguan in table:
            name, name_en = _fill_unit(zh, en, level)
            style = "hospital" if unit_type == HOSP else "plain"
            members = plan.sized(size * weight * factor * math.exp(0.2 * plan.rng.standard_normal()))
            out.append(plan.unit(parent, name, name_en, unit_type, profile, members, chunk, jiguan=jiguan, style=style))
        return out

    def enterprises(parent, brands: set, count: int, median: float) -> None:
        place, place_en = top.name[:-2], top.name_en.split()[0]
        for _i in range(count):
            brand, brand_en = _BRANDS[int(plan.rng.integers(len(_BRANDS)))]
            industry, industry_en = _INDUSTRIES[int(plan.rng.integers(len(_INDUSTRIES)))]
            if (brand, industry) in brands:
                continue
            brands.add((brand, industry))
            plan.unit(
                parent,
                f"{place}{brand}{industry}有限公司",
                f"{place_en} {brand_en.capitalize()} {industry_en} Co., Ltd.",
                UnitType.ENTERPRISE,
                "enterprise",
                plan.lognormal(median * factor, 0.6, 5, 240),
                chunk,
            )

    def committee(name, name_en, unit_type, seq):
        return plan.add(
            top, name=name, name_en=name_en, kind=OrgKind.COMMITTEE, unit_type=unit_type, chunk=chunk, seq=seq
        )

    organs = committee(f"{L}直机关工委", f"{E} Organs Work Committee", PO, 31)
    office = units(organs, _ORGANS[:1])[0]
    if plan.scale == "tiny":
        units(organs, [row for row in _ORGANS if row[0] in ("{L}委组织部", "{L}纪委监委机关")])
    else:
        # Sizes in the tables are of the organs themselves; their institutions (站、所、中心) add about half.
        units(organs, _ORGANS[1:-1], 1.7)
        units(organs, _ORGANS[-1:])  # the retired cadres
        edu_name = f"{L}教育局党委" if level != "province" else f"{L}委教育工委"
        edu = committee(edu_name, f"{E} Education Committee", GOV, 32)
        units(edu, _UNIVERSITIES if level == "province" else _SCHOOLS, 1.4)
        health = committee(f"{L}卫生健康{'委' if level == 'province' else '局'}党委", f"{E} Health Committee", GOV, 33)
        units(health, _HOSPITALS, 1.2)
        state = committee(f"{L}国资委党委", f"{E} State-owned Assets Committee", GOV, 34)
        units(state, _STATE_ENTERPRISES)
        private = committee(
            f"{L}非公有制经济组织综合党委", f"{E} Non-public Enterprises Committee", UnitType.ENTERPRISE, 35
        )
        brands: set = set()
        enterprises(private, brands, int(plan.rng.integers(36, 50)), 16)
        social = committee(f"{L}社会组织综合党委", f"{E} Social Organizations Committee", SOC, 36)
        units(social, _SOCIAL)
        if level != "province":  # development zones belong to counties and cities
            zone = committee(f"{L}经济开发区党工委", f"{E} Economic Development Zone Committee", GOV, 37)
            units(
                zone, [("{L}经济开发区管委会", "{E} Economic Development Zone Administration", GOV, 40, "organ", True)]
            )
            enterprises(zone, brands, int(plan.rng.integers(30, 50)), 26)
    return office if office.kind == OrgKind.BRANCH else office.children[0]


def _plan_county(plan: _Plan, parent, code: str, place: str, place_en: str, *, demo: bool, chunk: _Chunk) -> _Node:
    tiny = plan.scale == "tiny"
    county = plan.add(
        parent,
        name=f"{place}县委",
        name_en=f"{place_en} County Committee",
        kind=OrgKind.COMMITTEE,
        unit_type=UnitType.PARTY_ORGAN,
        chunk=chunk,
        code=code,
    )
    county.width = 2
    used_places = {place}
    used_communities: set[str] = set()

    def community_name(first: bool):
        if first:
            used_communities.add("柳湾")
            return "柳湾", "Liuwan"
        free = [c for c in _COMMUNITIES if c[0] not in used_communities]
        if not free:
            return plan.place(used_communities)
        zh, en = free[int(plan.rng.integers(len(free)))]
        used_communities.add(zh)
        return zh, en.capitalize()

    townships = 2 if tiny else int(plan.rng.integers(13, 16))
    for t in range(1, townships + 1):
        first = demo and t == 1
        if first:
            town, town_en = "新街", "Xinjie"
            used_places.add(town)
        else:
            town, town_en = plan.place(used_places)
        is_town = first or plan.rng.random() < 0.7
        suffix, suffix_en = ("镇", "Town") if is_town else ("乡", "Township")
        township = plan.add(
            county,
            name=f"{town}{suffix}党委",
            name_en=f"{town_en} {suffix_en} Committee",
            kind=OrgKind.COMMITTEE,
            unit_type=UnitType.TOWNSHIP,
            chunk=chunk,
            seq=t,
        )
        organ = plan.unit(
            township,
            f"{town}{suffix}机关",
            f"{town_en} {suffix_en} Organs",
            UnitType.TOWNSHIP,
            "township_organ",
            plan.sized(plan.lognormal(44, 0.2, 25, 90)),
            chunk,
        )
        township.home = organ if organ.kind == OrgKind.BRANCH else organ.children[0]
        if first:
            township.home.specials.append("township")
            chunk.forced_secretaries[township.id] = "township"
            plan.special_nodes["township"] = township
        villages = 3 if tiny else int(plan.rng.integers(14, 21))
        used_villages: set[str] = set()
        for v in range(1, villages + 1):
            if first and v == 1:
                village, village_en, size = "青山", "Qingshan", 38
                used_villages.add(village)
            else:
                village, village_en = plan.place(used_villages)
                size = plan.lognormal(42, 0.45, 12, 170)
                if tiny:
                    size = 64 if first and v == 2 else max(12, round(size * 0.35))
            node = plan.unit(
                township,
                f"{village}村",
                f"{village_en} Village",
                UnitType.VILLAGE,
                "village",
                size,
                chunk,
                groups_p=1.0 if first and v == 1 else 0.3,
                village=True,
            )
            if first and v == 1:
                node.specials.extend(["secretary", "member"])
                plan.special_nodes["village"] = node
        communities = (1 if first else 0) if tiny else int(plan.rng.integers(2, 6))
        for c in range(communities):
            zh, en = community_name(first and c == 0)
            plan.unit(
                township,
                f"{zh}社区",
                f"{en} Community",
                UnitType.COMMUNITY,
                "community",
                plan.sized(plan.lognormal(56, 0.35, 12, 160)),
                chunk,
                style="community",
            )
        if not tiny:
            plan.unit(
                township,
                f"{town}{suffix}中心学校",
                f"{town_en} Central School",
                UnitType.SCHOOL,
                "school",
                plan.lognormal(46, 0.3, 15, 90),
                chunk,
            )
            plan.unit(
                township,
                f"{town}{suffix}卫生院",
                f"{town_en} Health Centre",
                UnitType.HOSPITAL,
                "hospital",
                plan.lognormal(18, 0.3, 6, 40),
                chunk,
            )
    if not tiny:
        streets = int(plan.rng.integers(4, 6))
        for s in range(streets):
            zh, en = _STREETS[s]
            street = plan.add(
                county,
                name=f"{zh}街道党工委",
                name_en=f"{en.capitalize()} Subdistrict Committee",
                kind=OrgKind.COMMITTEE,
                unit_type=UnitType.TOWNSHIP,
                chunk=chunk,
                seq=21 + s,
            )
            organ = plan.unit(
                street,
                f"{zh}街道机关",
                f"{en.capitalize()} Subdistrict Organs",
                UnitType.TOWNSHIP,
                "township_organ",
                plan.lognormal(42, 0.2, 25, 80),
                chunk,
            )
            street.home = organ if organ.kind == OrgKind.BRANCH else organ.children[0]
            for _c in range(int(plan.rng.integers(6, 11))):
                name, name_en = community_name(False)
                plan.unit(
                    street,
                    f"{name}社区",
                    f"{name_en} Community",
                    UnitType.COMMUNITY,
                    "community",
                    plan.lognormal(250, 0.45, 30, 600),
                    chunk,
                    style="community",
                )
    county.home = _plan_systems(plan, county, chunk, "county", 1.0)
    if demo:
        plan.special_nodes["county"] = county
        organs = next(c for c in county.children if c.code.endswith("-31"))
        for child in organs.children:
            target = child if child.kind == OrgKind.BRANCH else child.children[0]
            if child.name.startswith("县委组织部"):
                target.specials.append("county")
            elif child.name.startswith("县纪委监委"):
                target.specials.append("auditor")
    return county


_TOP_PLACES = {"city": ("潭州", "Tanzhou"), "province": ("江南", "Jiangnan")}


def _plan_city(plan: _Plan, parent, code: str, place: str, place_en: str, *, demo: bool, used: set) -> _Node:
    systems = plan.new_chunk(code + "02")
    city = plan.add(
        parent,
        name=f"{place}市委",
        name_en=f"{place_en} City Committee",
        kind=OrgKind.COMMITTEE,
        unit_type=UnitType.PARTY_ORGAN,
        chunk=systems,
        code=code,
    )
    city.width = 2
    counties = 10 if demo else int(plan.rng.integers(8, 13))
    numbers = [24, 21, 22, 23] + list(range(25, 40)) if demo else list(range(21, 40))
    for i in range(counties):
        if demo and i == 0:
            name, name_en = "青山", "Qingshan"
        else:
            name, name_en = plan.place(used)
        county_code = f"{code}{numbers[i]:02d}"
        chunk = plan.new_chunk(county_code, 0.04 if demo and i == 0 else None)
        _plan_county(plan, city, county_code, name, name_en, demo=demo and i == 0, chunk=chunk)
    city.home = _plan_systems(plan, city, systems, "city", 1.3)
    return city


def _plan(*, scale: str, seed: int, first_id: int) -> _Plan:
    plan = _Plan(seed=seed, scale=scale, first_id=first_id, size_factor=0.35 if scale == "tiny" else 1.0)
    used = {"青山", "潭州", "江南"}
    if scale in ("tiny", "county"):
        chunk = plan.new_chunk("430124", 0.04)
        _plan_county(plan, None, "430124", "青山", "Qingshan", demo=True, chunk=chunk)
    elif scale == "city":
        _plan_city(plan, None, "4301", *_TOP_PLACES["city"], demo=True, used=used)
    else:
        systems = plan.new_chunk("430103")
        province = plan.add(
            None,
            name="江南省委",
            name_en="Jiangnan Provincial Committee",
            kind=OrgKind.COMMITTEE,
            unit_type=UnitType.PARTY_ORGAN,
            chunk=systems,
            code="43",
        )
        province.width = 2
        for i in range(10):
            name, name_en = _TOP_PLACES["city"] if i == 0 else plan.place(used)
            _plan_city(plan, province, f"43{i + 1:02d}", name, name_en, demo=i == 0, used=used)
        province.home = _plan_systems(plan, province, systems, "province", 1.8)
    return plan


# ---------------------------------------------------------------------------------------------------------
# Members of one chunk, drawn together with numpy.

_DAYS_A_YEAR = 365.2425
# Mobile prefixes of the three carriers.
_PHONE_PREFIXES = (
    *(f"13{d}" for d in "0123456789"),
    *(f"15{d}" for d in "012356789"),
    *(f"18{d}" for d in "0123456789"),
    "166",
    "173",
    "176",
    "177",
    "191",
    "199",
)


def _birth_for_age(today: dt.date, age: int, days: int) -> dt.date:
    """`age` years and `days` (under a year) before today: the person is `age` today."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - dt.timedelta(days=days)


def _plus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _choice(rng, table, size) -> np.ndarray:
    weights = np.array([w for _v, w in table], dtype=float)
    return rng.choice(len(table), size=size, p=weights / weights.sum())


class _Drawn:
    """The members of a chunk as arrays, one row per member, grouped by branch in chunk.branches order."""


def _draw_members(chunk: _Chunk, today: dt.date) -> _Drawn:
    rng = chunk.rng
    branches = chunk.branches
    sizes = np.array([b.size for b in branches], dtype=np.int64)
    n = int(sizes.sum())
    t0 = today.toordinal()
    profile_of_branch = np.array([_PROFILE_NAMES.index(b.profile) for b in branches])
    branch_ix = np.repeat(np.arange(len(branches)), sizes)
    profile = profile_of_branch[branch_ix]

    women_p = np.empty(len(branches))
    old_p = np.empty(len(branches))
    for i, b in enumerate(branches):
        p = _PROFILES[b.profile]
        women_p[i] = rng.uniform(*p["women"])
        old_p[i] = rng.uniform(*p["old"])
    female = rng.random(n) < women_p[branch_ix]
    old = rng.random(n) < old_p[branch_ix]

    age = np.empty(n, dtype=np.int64)
    join_age = np.empty(n)
    for k, name in enumerate(_PROFILE_NAMES):
        mask = profile == k
        m = int(mask.sum())
        if not m:
            continue
        p = _PROFILES[name]
        lo, hi, a, b = p["ages"]
        young_age = lo + rng.beta(a, b, m) * (hi - lo)
        old_age = np.minimum(61 + rng.gamma(1.6, 6.5, m), 96)
        age[mask] = np.where(old[mask], old_age, young_age).astype(np.int64)
        start, shape, scale = p["join"]
        join_age[mask] = start + rng.gamma(shape, scale, m)
    birth = t0 - np.floor((age + rng.random(n)) * _DAYS_A_YEAR).astype(np.int64) - 1
    eighteen = birth + np.ceil(18 * _DAYS_A_YEAR).astype(np.int64) + 1

    # About 2% probationary, mostly young (83.7% of recruits are 35 or under).
    weight = np.where(age <= 35, 4.0, np.where(age <= 45, 1.5, 0.15)) * (age >= 19)
    probationary = rng.random(n) < np.minimum(1.0, 0.02 * n * weight / max(weight.sum(), 1.0))
    joined = birth + (join_age * _DAYS_A_YEAR).astype(np.int64)
    latest_full = t0 - 400  # a full member finished a year's probation, and a little more
    joined = np.maximum(np.minimum(joined, latest_full - rng.integers(0, 1500, n)), eighteen)
    # Too young to have finished a year of probation: they are on probation now.
    probationary |= joined > latest_full
    probationary[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = False  # every branch has a full member
    joined = np.where(probationary, np.maximum(t0 - rng.integers(15, 360, n), eighteen), joined)

    edu = np.empty(n, dtype=np.int64)
    occupation = np.empty(n, dtype=object)
    group = np.where(age < 45, 0, np.where(age <= 60, 1, 2))
    for k, name in enumerate(_PROFILE_NAMES):
        p = _PROFILES[name]
        for g, key in enumerate(("young", "mid", "old")):
            mask = (profile == k) & (group == g)
            m = int(mask.sum())
            if not m:
                continue
            weights = np.array(p["edu"][key], dtype=float)
            edu[mask] = rng.choice(len(_EDU_VALUES), size=m, p=weights / weights.sum())
            table = p["retired"] if g == 2 else p["work"]
            occupation[mask] = np.array([v for v, _w in table], dtype=object)[_choice(rng, table, m)]

    surname = rng.choice(len(SURNAMES), size=n, p=_SURNAME_P)
    # Villages keep their clans: about a third of a village's members share one surname.
    clan = rng.choice(len(SURNAMES), size=len(branches), p=_SURNAME_P)
    clan_rows = (profile == _PROFILE_NAMES.index("village")) & (rng.random(n) < 0.33)
    surname[clan_rows] = clan[branch_ix[clan_rows]]
    ethnicity = np.full(n, "汉族", dtype=object)
    minority = rng.random(n) < chunk.minority
    ethnicity[minority] = np.array([v for v, _w in _MINORITIES], dtype=object)[
        _choice(rng, _MINORITIES, int(minority.sum()))
    ]

    drawn = _Drawn()
    drawn.n = n
    drawn.sizes = sizes
    drawn.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    drawn.branch_ix = branch_ix
    drawn.female, drawn.age, drawn.birth, drawn.joined = female, age, birth, joined
    drawn.probationary, drawn.edu, drawn.occupation = probationary, edu, occupation
    drawn.surname, drawn.ethnicity = surname, ethnicity
    drawn.specials = {}
    _place_specials(drawn, chunk, today)
    drawn.names = _given_names(rng, drawn, today)
    for key, row in drawn.specials.items():
        drawn.names[row] = _PEOPLE[key]["name"]
    return drawn


def _place_specials(drawn: _Drawn, chunk: _Chunk, today: dt.date) -> None:
    """The demo people take the first rows of their branch."""
    for b, branch in enumerate(chunk.branches):
        for offset, key in enumerate(branch.specials):
            row = int(drawn.starts[b]) + offset
            person = _PEOPLE[key]
            born = _birth_for_age(today, person["age"], person["days"])
            joined = dt.date(born.year + person["joined_age"], 7, 1)
            drawn.female[row] = person["gender"] == "F"
            drawn.age[row] = person["age"]
            drawn.birth[row] = born.toordinal()
            drawn.joined[row] = joined.toordinal()
            drawn.probationary[row] = False
            drawn.edu[row] = _EDU_RANK[person["education"]]
            drawn.occupation[row] = person["occupation"]
            drawn.ethnicity[row] = "汉族"
            drawn.specials[key] = row


def _given_names(rng, drawn: _Drawn, today: dt.date) -> list[str]:
    n = drawn.n
    birth_year = today.year - drawn.age
    era = np.where(birth_year < 1965, 0, np.where(birth_year < 1985, 1, 2))
    first = np.empty(n, dtype=object)
    second = np.full(n, "", dtype=object)
    for (gender, e), (firsts, seconds) in _GIVEN.items():
        mask = (drawn.female == (gender == "F")) & (era == e)
        m = int(mask.sum())
        if not m:
            continue
        a = np.array(list(firsts), dtype=object)[rng.integers(0, len(firsts), m)]
        b = np.array(list(seconds), dtype=object)[rng.integers(0, len(seconds), m)]
        one = rng.random(m) < _ONE_CHAR_P[e]
        first[mask] = np.where(one, b, a)
        second[mask] = np.where(one, "", b)
    return [
        SURNAMES[s] + a + b for s, a, b in zip(drawn.surname.tolist(), first.tolist(), second.tolist(), strict=True)
    ]


def _id_numbers(region: str, birth: np.ndarray, female: np.ndarray) -> list[str]:
    """Resident ID numbers (GB 11643): region, birth date, a sequence whose last digit is odd for men, check.

    The sequence is unique among people of the same region, birth date and gender.
    """
    male = (~female).astype(np.int64)
    key = birth * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    index = np.arange(len(key))
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if len(key) else np.array([], dtype=bool)
    first_of_group = np.maximum.accumulate(np.where(starts, index, 0)) if len(key) else index
    rank = np.empty_like(index)
    rank[order] = index - first_of_group
    if len(key) and rank.max() >= 500:
        raise ValueError("more than 500 people of one region share a birth date and gender")
    sequence = ((key * 7919 + rank * 37) % 500) * 2 + male
    out = []
    for day, seq in zip(birth.tolist(), sequence.tolist(), strict=True):
        d = dt.date.fromordinal(day)
        body = f"{region}{d.year:04d}{d.month:02d}{d.day:02d}{seq:03d}"
        out.append(body + id_check_digit(body))
    return out


def _phones(rng, n: int, offset: int) -> list[str]:
    """Mobile numbers, distinct within a build: the serial runs through a permutation of 10^8."""
    prefixes = np.array(_PHONE_PREFIXES, dtype=object)[rng.integers(0, len(_PHONE_PREFIXES), n)]
    serial = ((np.arange(offset, offset + n, dtype=np.int64) * 61_803_399 + 27_182_818) % 100_000_000).tolist()
    return [f"{p}{s:08d}" for p, s in zip(prefixes.tolist(), serial, strict=True)]


_MEMBER_FIELDS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_number",
    "phone",
    "occupation",
    "category",
    "joined_on",
    "confirmed_on",
    "organization",
    "status",
    "created_at",
    "updated_at",
)
_POST_FIELDS = ("member", "organization", "title", "started_on", "created_at", "updated_at")


def _member_rows(chunk: _Chunk, drawn: _Drawn, first_id: int, phone_offset: int, stamp) -> list[tuple]:
    """Rows in the order of _MEMBER_FIELDS."""
    ids = _id_numbers(chunk.region, drawn.birth, drawn.female)
    phones = _phones(chunk.rng, drawn.n, phone_offset)
    branch_ids = np.array([b.id for b in chunk.branches], dtype=np.int64)[drawn.branch_ix].tolist()
    fromordinal = dt.date.fromordinal
    full, probationary = MemberCategory.FULL.value, MemberCategory.PROBATIONARY.value
    active = MemberStatus.ACTIVE.value
    rows = []
    for i, (name, fem, born, joined, prob, edu, occ, eth, org) in enumerate(
        zip(
            drawn.names,
            drawn.female.tolist(),
            drawn.birth.tolist(),
            drawn.joined.tolist(),
            drawn.probationary.tolist(),
            drawn.edu.tolist(),
            drawn.occupation.tolist(),
            drawn.ethnicity.tolist(),
            branch_ids,
            strict=True,
        )
    ):
        joined_on = fromordinal(joined)
        rows.append(
            (
                first_id + i,
                name,
                "F" if fem else "M",
                eth,
                fromordinal(born),
                _EDU_VALUES[edu],
                ids[i],
                phones[i],
                occ,
                probationary if prob else full,
                joined_on,
                None if prob else _plus_year(joined_on),
                org,
                active,
                stamp,
                stamp,
            )
        )
    return rows


def _insert(model, fields, rows: list[tuple]) -> None:
    """INSERT rows (tuples in the order of `fields`) with executemany, in batches.

    bulk_create spends about 0.3 ms a row preparing each field of each model instance; a province has
    4 million members, so the rows are built as plain tuples of database-ready values instead.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


# ---------------------------------------------------------------------------------------------------------
# Posts: secretaries, committees and group leaders.

_BRANCH_COMMITTEE = (
    PostTitle.SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.DEPUTY_SECRETARY,
)
_GENERAL_BRANCH_COMMITTEE = _BRANCH_COMMITTEE
_COMMITTEE = (
    PostTitle.SECRETARY,
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.COMMITTEE,
)


def _term_start(rng, today: dt.date, five_year: bool) -> int:
    """When the current committee took office: village and community ones at the general election."""
    t0 = today.toordinal()
    if five_year and rng.random() < 0.75:
        year = 2021 + 5 * ((today.year - 2021) // 5)
        election = dt.date(year, 5, 15)
        if election > today - dt.timedelta(days=60):
            election = dt.date(year - 5, 5, 15)
        return election.toordinal() + int(rng.integers(-45, 45))
    return t0 - int(rng.integers(60, (5 if five_year else 3) * 365))


def _staffing_branches(office: _Node):
    """The office's home branch first, then every other branch below it, in tree order."""
    home = office.home
    while home is None or home.kind != OrgKind.BRANCH:
        home = (home or office).children[0]
    yield home
    stack = list(reversed(office.children))
    while stack:
        node = stack.pop()
        if node.kind == OrgKind.BRANCH:
            if node is not home:
                yield node
        elif node.kind != OrgKind.GROUP:
            stack.extend(reversed(node.children))


def _posts(chunk: _Chunk, drawn: _Drawn, first_member_id: int, today: dt.date, stamp) -> list[tuple]:
    """Rows in the order of _POST_FIELDS."""
    rng = chunk.rng
    t0 = today.toordinal()
    n = drawn.n
    full = ~drawn.probationary
    confirmed = drawn.joined + 366
    rural = np.array([b.profile in _FIVE_YEAR_TERM for b in chunk.branches])[drawn.branch_ix]
    retiree = np.array([b.profile == "retiree" for b in chunk.branches])[drawn.branch_ix]
    eligible = full & (drawn.joined <= t0 - 3 * 365) & (drawn.age >= 25) & ((drawn.age <= 63) | retiree)
    score = (
        rng.normal(0.0, 0.6, n)
        - np.abs(drawn.age - np.where(retiree, 66, 47)) / 12.0
        + drawn.edu * 0.15
        + np.where(rural & ~drawn.female, 1.0, 0.0)
        - np.where(eligible, 0.0, 100.0)
        - np.where(full, 0.0, 1000.0)
    )
    taken = np.zeros(n, dtype=bool)
    for key, row in drawn.specials.items():
        score[row] = 10_000.0 if key == "secretary" else -1e9
        taken[row] = key != "secretary"

    posts: list[tuple] = []

    def add(row: int, org: _Node, title: str, start: int) -> None:
        start = min(max(start, int(confirmed[row]) + 30), t0)
        posts.append((first_member_id + row, org.id, str(title), dt.date.fromordinal(start), stamp, stamp))
        taken[row] = True

    def best(lo: int, hi: int, k: int, floor: float = -1e8) -> list[int]:
        order = lo + np.argsort(-score[lo:hi], kind="stable")
        return [int(r) for r in order if not taken[r] and score[r] > floor][:k]

    position = {b.id: i for i, b in enumerate(chunk.branches)}
    for b, branch in enumerate(chunk.branches):
        lo, hi = int(drawn.starts[b]), int(drawn.starts[b]) + int(drawn.sizes[b])
        n_full = int(full[lo:hi].sum())
        seats = 1 if n_full < 7 else (3 if n_full < 15 else (4 if n_full < 30 else int(rng.integers(4, 6))))
        start = _term_start(rng, today, branch.profile in _FIVE_YEAR_TERM)
        chosen = best(lo, hi, seats)
        if not chosen:  # every member excluded: the first member serves
            chosen = [lo]
        for row, title in zip(chosen, _BRANCH_COMMITTEE, strict=False):
            add(row, branch, title, start)
        if branch.groups:
            free = [r for r in range(lo, hi) if not taken[r] and full[r] and score[r] > -1e8]
            picks = rng.permutation(len(free))[: branch.groups]
            groups = [c for c in branch.children if c.kind == OrgKind.GROUP]
            for group, p in zip(groups, picks.tolist(), strict=False):
                add(free[p], group, PostTitle.GROUP_LEADER, start)

    # Committees and general branches are staffed from their home branch (the organs' own branch), and
    # from their other branches when that one runs short; only full members can be elected.
    for office in chunk.offices:
        titles = _COMMITTEE if office.kind == OrgKind.COMMITTEE else _GENERAL_BRANCH_COMMITTEE
        start = _term_start(rng, today, office.unit_type in (UnitType.VILLAGE, UnitType.COMMUNITY))
        person = chunk.forced_secretaries.get(office.id)
        chosen = [drawn.specials[person]] if person in drawn.specials else []
        for branch in _staffing_branches(office):
            if len(chosen) >= len(titles):
                break
            b = position[branch.id]
            lo, hi = int(drawn.starts[b]), int(drawn.starts[b]) + int(drawn.sizes[b])
            chosen += best(lo, hi, len(titles) - len(chosen), floor=-500.0)
        for row, title in zip(chosen, titles, strict=False):
            add(row, office, title, start)
    return posts


# ---------------------------------------------------------------------------------------------------------
# Public interface


class DatabaseNotEmpty(ValidationError):
    """The demo is loaded only into an empty database, unless asked to reset it."""


def database_is_empty() -> bool:
    """No organizations, members or accounts yet: a fresh install that `make run` may fill with the demo."""
    return not (Organization.objects.exists() or Member.objects.exists() or get_user_model().objects.exists())


def demo_usernames() -> list[str]:
    return [username for username, _role, _text in DEMO_ACCOUNTS]


def demo_accounts() -> list[dict]:
    """The demo accounts with the names and organizations found in the database (or the planned ones)."""
    User = get_user_model()
    usernames = demo_usernames()
    names = dict(User.objects.filter(username__in=usernames).values_list("username", "first_name"))
    orgs = dict(Grant.objects.filter(user__username__in=usernames).values_list("user__username", "organization__name"))
    member_orgs = dict(
        Member.objects.filter(user__username__in=usernames).values_list("user__username", "organization__name")
    )
    planned = {
        "admin": (_ADMIN_NAME, DEMO_COUNTY[0]),
        "county": (_PEOPLE["county"]["name"], DEMO_COUNTY[0]),
        "township": (_PEOPLE["township"]["name"], DEMO_TOWNSHIP[0]),
        "secretary": (_PEOPLE["secretary"]["name"], DEMO_VILLAGE[0]),
        "member": (_PEOPLE["member"]["name"], DEMO_VILLAGE[0]),
        "auditor": (_PEOPLE["auditor"]["name"], DEMO_TOWNSHIP[0]),
    }
    out = []
    for username, role, text in DEMO_ACCOUNTS:
        name, organization = planned[username]
        organization = (
            orgs.get(username) or (member_orgs.get(username) if username == "member" else None) or organization
        )
        out.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(role),
                "description": str(text),
                "name": names.get(username) or name,
                "organization": organization,
            }
        )
    return out


def _delete_existing() -> None:
    """Everything hanging on the tree, the tree, and the demo accounts."""
    own = (Grant, Post, Transfer, Member, Organization)
    others = []
    for model in own:
        for rel in model._meta.related_objects:
            if rel.related_model not in own and rel.related_model not in others:
                others.append(rel.related_model)
    # Rows of other apps (duties, meetings, assessments...) that hang on the tree go through the ORM, so their
    # cascades apply; rows that do not (default meeting rules, say) stay. Protected rows wait for their protectors.
    pending = []
    for model in others:
        links = Q(pk__in=[])
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) and field.related_model in own:
                links |= Q(**{f"{field.name}__isnull": False})
        pending.append((model, links))
    while pending:
        blocked = []
        for model, links in pending:
            try:
                with transaction.atomic():
                    model._base_manager.filter(links).delete()
            except ProtectedError:
                blocked.append((model, links))
        if len(blocked) == len(pending):
            raise ProtectedError("demo data cannot be removed: rows protect each other", set())
        pending = blocked
    for model in own:
        # One DELETE per table: the ORM's collector would load millions of rows to cascade what is gone anyway.
        qs = model._base_manager.all()
        qs._raw_delete(qs.db)
    get_user_model().objects.filter(username__in=demo_usernames()).delete()


def _reset_sequences() -> None:
    """After rows written with explicit ids, PostgreSQL's sequences must continue after them."""
    if connection.vendor != "postgresql":
        return
    from django.apps import apps
    from django.core.management.color import no_style

    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in ("core", "organizations", "duties", "orglife", "assessment")
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def build_demo(
    *,
    scale: str = "county",
    seed: int = 1,
    stdout=None,
    password: str = DEMO_PASSWORD,
    reset: bool = False,
    today: dt.date | None = None,
) -> dict:
    """Fill the database with a demo tree of `scale` (tiny, county, city, province); returns the counts.

    Refuses a database that already holds organizations, members or demo accounts, unless `reset` is
    given: then those are deleted first. The same seed gives the same data (dates are counted back from
    `today`, by default the current date).
    """
    if scale not in SCALES:
        raise ValidationError(
            _("Unknown demo scale %(scale)s; choose one of %(scales)s.") % {"scale": scale, "scales": ", ".join(SCALES)}
        )
    today = today or timezone.localdate()
    clock = time.monotonic()

    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(f"{text} ({time.monotonic() - clock:.1f} s)\n")

    User = get_user_model()
    with transaction.atomic():
        organizations = Organization.objects.count()
        taken = User.objects.filter(username__in=demo_usernames()).exists()
        if organizations or taken or Member.objects.exists():
            if not reset:
                raise DatabaseNotEmpty(
                    _(
                        "The database already holds data (%(count)d organizations); the demo is loaded only into "
                        "an empty database. Reset it to delete the organizations, members and demo accounts first."
                    )
                    % {"count": organizations}
                )
            _delete_existing()
            say(_("Deleted the existing organizations, members and demo accounts"))

        plan = _plan(scale=scale, seed=seed, first_id=_next_id(Organization))
        counts = {kind: 0 for kind in OrgKind.values}
        for node in plan.nodes:
            counts[node.kind] += 1
        say(_("Planned %(n)s organizations") % {"n": f"{len(plan.nodes):,}"})

        rows = []
        for node in plan.nodes:
            rows.append(
                Organization(
                    id=node.id,
                    path=node.path,
                    depth=len(node.path) // _STEPLEN,
                    numchild=len(node.children),
                    code=node.code,
                    name=node.name,
                    name_en=node.name_en,
                    kind=node.kind,
                    unit_type=node.unit_type,
                    parent_id=node.parent.id if node.parent else None,
                    founded_on=node.founded_on,
                )
            )
            if len(rows) >= BATCH_SIZE:
                Organization.objects.bulk_create(rows, batch_size=BATCH_SIZE)
                rows = []
        Organization.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        say(_("Wrote %(n)s organizations") % {"n": f"{len(plan.nodes):,}"})

        member_id = _next_id(Member)
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        members = probationary = women = posts = 0
        special_members: dict[str, int] = {}
        special_nodes = plan.special_nodes
        report_every = max(1, len(plan.chunks) // 20)
        for c, chunk in enumerate(plan.chunks):
            if not chunk.branches:
                continue
            drawn = _draw_members(chunk, today)
            _insert(Member, _MEMBER_FIELDS, _member_rows(chunk, drawn, member_id, members, stamp))
            post_rows = _posts(chunk, drawn, member_id, today, stamp)
            _insert(Post, _POST_FIELDS, post_rows)
            for key, row in drawn.specials.items():
                special_members[key] = member_id + row
            member_id += drawn.n
            members += drawn.n
            probationary += int(drawn.probationary.sum())
            women += int(drawn.female.sum())
            posts += len(post_rows)
            if (c + 1) % report_every == 0 or c + 1 == len(plan.chunks):
                say(_("Wrote %(n)s members and %(p)s posts") % {"n": f"{members:,}", "p": f"{posts:,}"})

        grants = _accounts(plan, special_members, special_nodes, password)
        if connection.vendor == "postgresql":  # ids were given explicitly: move the sequences past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Organization, Member]):
                    cursor.execute(sql)
        say(_("Created %(n)d demo accounts") % {"n": len(DEMO_ACCOUNTS)})

    result = {
        "scale": scale,
        "seed": seed,
        "organizations": len(plan.nodes),
        "committees": counts[OrgKind.COMMITTEE],
        "general_branches": counts[OrgKind.GENERAL_BRANCH],
        "branches": counts[OrgKind.BRANCH],
        "groups": counts[OrgKind.GROUP],
        "members": members,
        "probationary": probationary,
        "women": women,
        "posts": posts,
        "users": len(DEMO_ACCOUNTS),
        "grants": grants,
        "seconds": round(time.monotonic() - clock, 1),
    }
    from grassroots.demo_year import build_year  # a year of work on the tree: duties, meetings, the assessment

    result.update(build_year(scale=scale, seed=seed, stdout=stdout, today=today))
    _reset_sequences()
    return result


def _accounts(plan: _Plan, special_members: dict[str, int], special_nodes: dict[str, _Node], password: str) -> int:
    User = get_user_model()
    hashed = make_password(password)  # once: the production hasher (Argon2) is slow on purpose
    root = plan.nodes[0]
    users = {}
    for username, _role, _text in DEMO_ACCOUNTS:
        name = _ADMIN_NAME if username == "admin" else _PEOPLE[username]["name"]
        users[username] = User.objects.create(
            username=username,
            first_name=name,
            password=hashed,
            is_staff=username == "admin",
            is_superuser=username == "admin",
        )
    for key, member_id in special_members.items():
        Member.objects.filter(id=member_id).update(user=users[key])
    grants = [
        Grant(user=users["admin"], organization_id=root.id, role=Role.ADMIN),
        Grant(user=users["county"], organization_id=special_nodes["county"].id, role=Role.OFFICER),
        Grant(user=users["township"], organization_id=special_nodes["township"].id, role=Role.OFFICER),
        Grant(user=users["secretary"], organization_id=special_nodes["village"].id, role=Role.SECRETARY),
        Grant(user=users["auditor"], organization_id=special_nodes["township"].id, role=Role.AUDITOR),
    ]
    Grant.objects.bulk_create(grants)
    return len(grants)
