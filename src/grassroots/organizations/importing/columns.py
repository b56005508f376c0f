"""The columns of the member and organization lists, with the headers offices give them, and the words they write
for the values of a choice."""

from grassroots.core.sheets import Layout, columns, words

from ..models import Education, Gender, MemberCategory, OrgKind, UnitType

MEMBERS = "members"
ORGANIZATIONS = "organizations"

# The column of members' ID numbers (身份证号), as member_id_number reads it: for every import naming members by it.
ID_NUMBER_COLUMN = (
    "id_number",
    "身份证号",
    "ID number",
    (
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "身份证",
        "身份证件号码",
        "id no",
        "id",
        "id card",
        "id card number",
        "identity card number",
    ),
)

MEMBER_COLUMNS = columns(
    ("name", "姓名", "Name", ("名字", "党员姓名", "full name", "member name")),
    ("gender", "性别", "Gender", ("sex",)),
    ("ethnicity", "民族", "Ethnicity", ("ethnic group",)),
    (
        "birth_date",
        "出生日期",
        "Birth date",
        ("出生年月", "出生年月日", "出生时间", "生日", "date of birth", "birthday", "born on"),
    ),
    ("education", "学历", "Education", ("文化程度", "最高学历", "education level")),
    ID_NUMBER_COLUMN,
    (
        "phone",
        "联系电话",
        "Phone",
        (
            "手机号码",
            "电话",
            "手机",
            "手机号",
            "电话号码",
            "联系方式",
            "mobile",
            "telephone",
            "phone number",
            "tel",
        ),
    ),
    ("joined_on", "入党日期", "Joined on", ("入党时间", "入党年月", "join date", "date joined", "joined")),
    (
        "confirmed_on",
        "转正日期",
        "Full membership on",
        ("转正时间", "转正年月", "confirmed on", "full membership date", "date of full membership"),
    ),
    ("category", "党员类别", "Category", ("人员类别", "党员类型", "member category")),
    (
        "organization",
        "所在党组织",
        "Organization",
        (
            "所在党支部",
            "党组织名称",
            "所在支部",
            "所属党组织",
            "所属党支部",
            "organisation",
            "organization name",
        ),
    ),
    (
        "org_code",
        "组织编码",
        "Organization code",
        ("党组织编码", "所在党组织编码", "org code", "organisation code"),
    ),
    ("occupation", "职业", "Occupation", ("job", "profession")),
)

ORGANIZATION_COLUMNS = columns(
    (
        "code",
        "组织编码",
        "Code",
        ("党组织编码", "编码", "组织代码", "党组织代码", "代码", "组织编号", "organization code", "organisation code"),
    ),
    ("name", "组织名称", "Name", ("党组织名称", "名称", "organization name", "organisation name")),
    ("name_en", "英文名称", "English name", ("name in english", "name en")),
    (
        "parent_code",
        "上级组织编码",
        "Parent code",
        ("上级党组织编码", "上级编码", "上级组织代码", "上级党组织代码", "上级代码", "parent organization code"),
    ),
    (
        "parent_name",
        "上级党组织",
        "Parent",
        ("上级组织", "上级党组织名称", "上级组织名称", "隶属党组织", "parent organization", "parent name"),
    ),
    ("kind", "组织类别", "Kind", ("党组织类别", "组织类型", "党组织类型", "organization kind", "type")),
    ("unit_type", "单位类型", "Unit type", ("单位性质", "单位类别", "unit")),
    ("founded_on", "成立日期", "Founded on", ("成立时间", "建立日期", "founded", "date founded")),
)

MEMBER_LAYOUT = Layout(MEMBER_COLUMNS, required=(("name",), ("id_number",), ("org_code", "organization")))
ORGANIZATION_LAYOUT = Layout(ORGANIZATION_COLUMNS, required=(("code",), ("name",), ("kind",)))


# Values as offices write them, reduced with match_key.
GENDER_WORDS = words({Gender.MALE: ("男", "男性", "male", "m"), Gender.FEMALE: ("女", "女性", "female", "f")})
EDUCATION_WORDS = words(
    {
        Education.PRIMARY: ("小学", "小学及以下", "小学以下", "primary school", "primary school or below"),
        Education.JUNIOR: ("初中", "初级中学", "初中及以下", "junior middle school", "junior high school"),
        Education.SENIOR: (
            "高中",
            "普通高中",
            "高级中学",
            "职高",
            "职业高中",
            "senior high school",
            "high school",
        ),
        Education.TECHNICAL: ("中专", "中等专科", "中技", "技校", "中职", "technical secondary school"),
        Education.COLLEGE: ("大专", "专科", "大学专科", "高职", "junior college", "associate"),
        Education.BACHELOR: ("本科", "大学本科", "大学", "学士", "undergraduate"),
        Education.MASTER: ("硕士", "研究生", "硕士研究生", "master's", "postgraduate"),
        Education.DOCTOR: ("博士", "博士研究生", "doctorate", "phd"),
    }
)
CATEGORY_WORDS = words(
    {
        MemberCategory.FULL: ("正式党员", "正式", "full member"),
        MemberCategory.PROBATIONARY: ("预备党员", "预备", "probationary member"),
    }
)
KIND_WORDS = words(
    {
        OrgKind.COMMITTEE: ("党委", "基层党委", "党工委", "党委员会", "party committee"),
        OrgKind.GENERAL_BRANCH: (
            "党总支",
            "总支",
            "党总支部",
            "总支部",
            "general party branch",
            "general_branch",
        ),
        OrgKind.BRANCH: ("党支部", "支部", "联合党支部", "party branch"),
        OrgKind.GROUP: ("党小组", "小组", "party group"),
    }
)
UNIT_WORDS = words(
    {
        UnitType.PARTY_ORGAN: ("党的机关", "党委机关", "党务机关", "党政机关", "party organ", "party_organ"),
        UnitType.GOVERNMENT: ("机关", "政府机关", "国家机关", "行政机关", "政府", "government organ"),
        UnitType.TOWNSHIP: ("乡镇", "乡", "镇", "乡镇街道", "township or street"),
        UnitType.SUBDISTRICT: ("街道", "街道办事处", "街道办", "sub-district", "subdistrict", "street"),
        UnitType.VILLAGE: ("村", "行政村", "建制村", "农村"),
        UnitType.COMMUNITY: ("社区", "城市社区", "居委会", "社区居委会"),
        UnitType.ENTERPRISE: (
            "企业",
            "非公企业",
            "非公有制企业",
            "民营企业",
            "私营企业",
            "公司",
            "private enterprise",
        ),
        UnitType.STATE_ENTERPRISE: (
            "国企",
            "国有企业",
            "国有控股企业",
            "国有及国有控股企业",
            "state-owned enterprise",
            "state_enterprise",
            "soe",
        ),
        UnitType.SCHOOL: ("学校", "中学", "小学", "中小学", "高校", "高等学校", "大学", "职业学校"),
        UnitType.HOSPITAL: ("医院", "卫生院", "乡镇卫生院", "医疗机构"),
        UnitType.INSTITUTION: ("事业单位", "public institution"),
        UnitType.SOCIAL: ("社会组织", "社会团体", "民办非企业单位", "协会", "social organization"),
        UnitType.OTHER: ("其他", "其它"),
    }
)
