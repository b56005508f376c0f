"""The demo's vocabulary: names of people and places, member profiles by kind of unit, the units above townships."""

import numpy as np

from grassroots.organizations.models import Education, UnitType

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
