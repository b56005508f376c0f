"""Import of members and organizations from the files organization offices really keep."""

import csv
import datetime as dt
import io
import os
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.models import AuditEntry
from grassroots.organizations.importing import ImportReport, Problem, import_file, import_path
from grassroots.organizations.importing import members as member_import
from grassroots.organizations.models import Member, Organization
from tests.factories import add_org, make_id_number

pytestmark = pytest.mark.django_db

ZH_HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生年月",
    "文化程度",
    "公民身份号码",
    "手机号码",
    "入党时间",
    "转正时间",
    "人员类别",
    "所在党支部",
]


def ident(birth: dt.date, gender: str, seq: int) -> str:
    return make_id_number(birth, gender, seq, region="110101")


def write_xlsx(path, rows, merges=(), formats=None, sheets=None):
    """rows: list of lists, written from A1; merges: ranges like "A1:L1"; formats: {"E5": "yyyy.mm"}."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "党员名册"
    if sheets:  # sheets placed before the data sheet, e.g. instructions
        for title, sheet_rows in sheets:
            extra = wb.create_sheet(title, 0)
            for row in sheet_rows:
                extra.append(row)
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    wb.save(path)
    return path


def write_csv(path, rows, encoding="utf-8-sig", delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def where(report: ImportReport) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in report.problems]


def only_problem(report: ImportReport) -> Problem:
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


# ----------------------------------------------------------------------------------------------------
# Members: files as offices keep them


def test_chinese_xlsx_with_title_merged_org_mixed_dates_and_spaces(county, tmp_path):
    a = ident(dt.date(1968, 5, 12), "M", 1)
    b = ident(dt.date(1975, 11, 3), "F", 2)
    c = ident(dt.date(1980, 3, 1), "M", 3)
    d = ident(dt.date(1990, 1, 20), "F", 4)
    e = ident(dt.date(1985, 7, 9), "M", 5)
    rows = [
        ["新街镇党员信息统计表"] + [None] * 11,
        ["填报单位：新街镇党委"] + [None] * 11,
        ZH_HEADER,
        [
            1,
            "张　三",
            "男",
            "汉",
            "1968.05",
            "大学本科",
            a,
            "138-1234-5678",
            "1995年7月",
            "1996.07",
            "正式党员",
            "柳湾村党支部",
        ],
        [
            2,
            "李 四 妹",
            "女",
            "土家族",
            dt.datetime(1975, 11, 3),
            "研究生",
            b,
            "139 8765 4321",
            1998.10,
            "1999/10/01",
            "正式党员",
            None,
        ],
        [None] * 12,  # an empty row in the middle
        [3, "王五", None, "汉族", None, "中专", c, "(0731)8888-1234", "2001-06-15", None, "正式", None],
        [
            4,
            "赵六",
            "女",
            "回族",
            "1990年1月",
            "大专",
            d,
            "+86 150 0000 1111",
            "2024.05",
            None,
            "预备党员",
            "青山村党支部",
        ],
        [5, "钱七", "男", None, 1985.07, "高中", e, "", "2010.7.1", "2011.7.1", None, "青山村党支部"],
        ["注：本表由组织委员填写，身份证号须为18位。"] + [None] * 11,
    ]
    path = write_xlsx(tmp_path / "新街镇党员.xlsx", rows, merges=["A1:L1", "A2:L2", "L4:L7", "A10:L10"])
    before = AuditEntry.objects.count()

    report = import_file(actor=county.users.t1_officer, kind="members", uploaded=upload(path))

    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert report.summary() == "5 created, 0 updated, 0 unchanged"
    zhang = Member.objects.get(id_number=a)
    assert zhang.name == "张三"
    assert zhang.gender == "M"
    assert zhang.ethnicity == "汉族"
    assert zhang.birth_date == dt.date(1968, 5, 12)  # the month in the file, the day from the ID number
    assert zhang.education == "bachelor"
    assert zhang.phone == "13812345678"
    assert zhang.joined_on == dt.date(1995, 7, 1)
    assert zhang.confirmed_on == dt.date(1996, 7, 1)
    assert zhang.category == "full"
    assert zhang.organization == county.v12
    li = Member.objects.get(id_number=b)
    assert (li.name, li.gender, li.ethnicity, li.education) == ("李四妹", "F", "土家族", "master")
    assert li.organization == county.v12  # merged cell filled down
    assert li.joined_on == dt.date(1998, 10, 1)  # 1998.10 typed as a number
    assert li.phone == "13987654321"
    wang = Member.objects.get(id_number=c)
    assert wang.organization == county.v12
    assert wang.gender == "M"  # taken from the ID number
    assert wang.birth_date == dt.date(1980, 3, 1)  # taken from the ID number
    assert wang.phone == "073188881234"
    assert wang.education == "technical"
    zhao = Member.objects.get(id_number=d)
    assert (zhao.category, zhao.confirmed_on, zhao.organization) == ("probationary", None, county.v11)
    assert zhao.phone == "15000001111"
    qian = Member.objects.get(id_number=e)
    assert qian.ethnicity == "汉族"  # default
    assert qian.birth_date == dt.date(1985, 7, 9)
    assert qian.phone == ""
    assert qian.education == "senior"

    entries = AuditEntry.objects.filter(action="organizations.import")
    assert AuditEntry.objects.count() == before + 1
    entry = entries.get()
    assert entry.organization_id == county.t1.pk  # common ancestor of the two branches
    assert entry.after == {
        "kind": "members",
        "file": "新街镇党员.xlsx",
        "created": 5,
        "updated": 0,
        "unchanged": 0,
    }


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("gb18030", ","), ("utf-8-sig", "\t"), ("utf-8", ";"), ("utf-16", "\t")],
)
def test_english_headers_csv_in_any_office_encoding(county, tmp_path, encoding, delimiter):
    a = ident(dt.date(1970, 2, 2), "F", 11)
    b = ident(dt.date(1971, 3, 3), "M", 12)
    rows = [
        [
            "No.",
            "Name",
            "Sex",
            "Date of birth",
            "ID Number",
            "Mobile",
            "Organization code",
            "Education",
            "Category",
            "Joined on",
            "Occupation",
        ],
        [
            "1",
            "刘　红",
            "Female",
            "1970/02/02",
            a,
            "138-0000-1111",
            "C-T2-V1",
            "Bachelor",
            "Full member",
            "1990.05",
            "农民",
        ],
        [
            "2",
            "陈刚",
            "男",
            "1971年3月",
            b,
            "13900002222",
            "C-T2-V2",
            "初中",
            "正式党员",
            "1995-07-01",
            "教师",
        ],
    ]
    path = write_csv(tmp_path / "members.csv", rows, encoding=encoding, delimiter=delimiter)

    report = import_path(actor=county.users.officer, kind="members", path=path)

    assert report.ok, report.problems
    assert report.created == 2
    liu = Member.objects.get(id_number=a)
    assert (liu.name, liu.gender, liu.education, liu.organization) == ("刘红", "F", "bachelor", county.v21)
    assert liu.phone == "13800001111"
    assert liu.occupation == "农民"
    chen = Member.objects.get(id_number=b)
    assert (chen.education, chen.organization, chen.joined_on) == ("junior", county.v22, dt.date(1995, 7, 1))


def members_file(tmp_path, people, name="members.xlsx"):
    rows = [["姓名", "身份证号", "联系电话", "组织编码", "出生日期"]]
    rows += [[n, i, p, code, born] for n, i, p, code, born in people]
    return write_xlsx(tmp_path / name, rows)


def test_reimport_changes_nothing_and_a_changed_phone_is_one_update(county, tmp_path):
    people = [
        (f"党员{i}", ident(dt.date(1960 + i, 1, 1), "M", 20 + i), f"1380000{i:04d}", "C-T1-V1", None) for i in range(6)
    ]
    path = members_file(tmp_path, people)
    officer = county.users.t1_officer
    first = import_path(actor=officer, kind="members", path=path)
    assert (first.ok, first.created, first.updated, first.unchanged) == (True, 6, 0, 0)
    stamps = dict(Member.objects.values_list("id_number", "updated_at"))

    again = import_path(actor=officer, kind="members", path=path)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 6)
    assert again.summary() == "0 created, 0 updated, 6 unchanged"
    assert dict(Member.objects.values_list("id_number", "updated_at")) == stamps

    people[2] = (people[2][0], people[2][1], "139-9999-0000", "C-T1-V1", None)
    changed = import_path(actor=officer, kind="members", path=members_file(tmp_path, people, "changed.xlsx"))
    assert (changed.ok, changed.created, changed.updated, changed.unchanged) == (True, 0, 1, 5)
    member = Member.objects.get(id_number=people[2][1])
    assert member.phone == "13999990000"
    assert member.updated_at > stamps[member.id_number]
    assert AuditEntry.objects.filter(action="organizations.import").count() == 3


def test_an_existing_member_keeps_what_the_file_leaves_empty(county, tmp_path):
    member = county.members["C-T1-V1"]
    path = members_file(tmp_path, [("新名字", member.id_number, None, "C-T1-V1", None)])
    report = import_path(actor=county.users.secretary, kind="members", path=path)
    assert (report.ok, report.updated) == (True, 1)
    member.refresh_from_db()
    assert (member.name, member.phone, member.user) == ("新名字", "13812345678", county.users.member)


def test_month_formatted_date_cells_are_months(county, tmp_path):
    a = ident(dt.date(1968, 5, 12), "M", 30)
    rows = [["姓名", "身份证号", "出生日期", "入党日期", "所在党组织"],
            ["张三", a, dt.datetime(1968, 5, 1), dt.datetime(1990, 7, 1), "青山村党支部"]]  # fmt: skip
    path = write_xlsx(tmp_path / "m.xlsx", rows, formats={"C2": 'yyyy"年"m"月"', "D2": "yyyy.mm"})
    report = import_path(actor=county.users.secretary, kind="members", path=path)
    assert report.ok, report.problems
    assert Member.objects.get(id_number=a).birth_date == dt.date(1968, 5, 12)


def test_sections_pasted_one_under_another_and_a_two_row_header(county, tmp_path):
    ids = [ident(dt.date(1970, 1, i), "M", 90 + i) for i in range(1, 5)]
    header = ["姓名", "身份证号", "联系方式", None, "所在党组织"]
    rows = [
        ["新街镇党员名册"] + [None] * 4,
        header,
        [None, None, "手机", "固定电话", None],  # the second header row: its other cells merged from above
        ["甲", ids[0], "13800000001", "", "青山村党支部"],
        ["乙", ids[1], "13800000002", "", None],
        ["柳湾村党支部（第二部分）"] + [None] * 4,
        header,
        ["丙", ids[2], "13800000003", "", "柳湾村党支部"],
        ["丁", ids[3], "", "0731-88881234", "柳湾村党支部"],
    ]
    merges = ["A1:E1", "A2:A3", "B2:B3", "C2:D2", "E2:E3", "E4:E5", "A6:E6"]
    report = import_path(
        actor=county.users.t1_officer, kind="members", path=write_xlsx(tmp_path / "s.xlsx", rows, merges=merges)
    )
    assert (report.ok, report.created) == (True, 4), report.problems
    assert Member.objects.get(id_number=ids[1]).organization == county.v11
    assert Member.objects.get(id_number=ids[3]).phone == "073188881234"  # the first filled of the two columns


def test_a_file_of_the_other_kind_is_named(county, tmp_path):
    rows = [["姓名", "性别", "身份证号", "组织编码"], ["甲", "男", ident(dt.date(1970, 1, 1), "M", 99), "C-T1-V1"]]
    report = import_path(actor=county.users.officer, kind="organizations", path=write_xlsx(tmp_path / "m.xlsx", rows))
    assert not report.ok
    assert any("looks like a list of members" in p.message for p in report.problems)


def test_data_on_a_later_sheet_after_instructions(county, tmp_path):
    a = ident(dt.date(1970, 1, 1), "F", 31)
    rows = [["姓名", "身份证号", "所在党组织"], ["王芳", a, "青山村党支部"]]
    path = write_xlsx(tmp_path / "m.xlsx", rows, sheets=[("填表说明", [["请按下表填写"], ["身份证号须为18位"]])])
    report = import_path(actor=county.users.secretary, kind="members", path=path)
    assert (report.ok, report.created) == (True, 1)


# ----------------------------------------------------------------------------------------------------
# Members: bad files and bad rows import nothing and say exactly where


def assert_nothing_imported(count_before):
    assert Member.objects.count() == count_before


def test_wrong_headers_are_one_clear_problem(county, tmp_path):
    count = Member.objects.count()
    path = write_xlsx(tmp_path / "x.xlsx", [["商品", "价格", "数量"], ["苹果", 3, 5]])
    problem = only_problem(import_path(actor=county.users.officer, kind="members", path=path))
    assert problem.row == 0
    assert "No header row" in problem.message
    assert "身份证号" in problem.message
    assert_nothing_imported(count)


def test_missing_required_columns_are_named(county, tmp_path):
    path = write_xlsx(
        tmp_path / "x.xlsx", [["名单"], ["姓名", "性别", "民族", "联系电话"], ["张三", "男", "汉族", "1"]]
    )
    report = import_path(actor=county.users.officer, kind="members", path=path)
    assert where(report) == [(2, "身份证号"), (2, "组织编码 / 所在党组织")]
    assert all("required" in p.message for p in report.problems)

    path = write_csv(tmp_path / "x.csv", [["Name", "Gender", "Phone", "Organization"], ["Zhang", "M", "1", "x"]])
    report = import_path(actor=county.users.officer, kind="members", path=path)
    assert where(report) == [(1, "ID number")]


def test_every_bad_row_is_reported_and_nothing_is_imported(county, tmp_path):
    count = Member.objects.count()
    good = ident(dt.date(1970, 1, 1), "M", 40)
    bad_check = ident(dt.date(1971, 1, 1), "M", 41)
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    female = ident(dt.date(1972, 2, 2), "F", 42)
    born = ident(dt.date(1973, 3, 3), "M", 43)
    dup = ident(dt.date(1974, 4, 4), "F", 44)
    rows = [
        ["党员名册"],
        ["姓名", "性别", "出生日期", "身份证号码", "联系电话", "入党日期", "转正日期", "所在党组织"],
        ["好人", "男", "1970-01-01", good, "13800000000", "1995.07", "1996.07", "青山村党支部"],  # row 3 fine
        ["甲", "男", "1971.01", bad_check, "", "1995.07", "", "青山村党支部"],  # row 4
        ["乙", "男", "1972-02-02", female, "", "", "", "青山村党支部"],  # row 5
        ["丙", "", "1973-04-03", born, "", "", "", "青山村党支部"],  # row 6
        ["丁", "女", "", dup, "", "1968.13", "昨天", "青山村党支部"],  # row 7
        ["戊", "女", "", dup, "12345", "2999-01-01", "", "青山村党支部"],  # row 8
        ["己", "男", "", "", "", "", "", "青山村党支部"],  # row 9
        ["庚", "男", "1970-01-01", good, "", "", "", "柳湾村党支部"],  # row 10
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "bad.xlsx", rows, merges=["A1:H1"])

    report = import_path(actor=county.users.t1_officer, kind="members", path=path)

    assert not report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert report.summary().startswith("Nothing was imported")
    assert where(report) == [
        (4, "身份证号码"),
        (5, "性别"),
        (6, "出生日期"),
        (7, "入党日期"),
        (7, "转正日期"),
        (8, "身份证号码"),
        (8, "联系电话"),
        (8, "入党日期"),
        (9, "身份证号码"),
        (10, "身份证号码"),
    ]
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "check digit" in messages[(4, "身份证号码")]
    assert "female" in messages[(5, "性别")]
    assert "1973-03-03" in messages[(6, "出生日期")]
    assert "1968.13" in messages[(7, "入党日期")]
    assert "昨天" in messages[(7, "转正日期")]
    assert "row 7" in messages[(8, "身份证号码")]
    assert "required" in messages[(9, "身份证号码")]
    assert "row 3" in messages[(10, "身份证号码")]
    assert [p.row for p in report.problems] == sorted(p.row for p in report.problems)
    assert_nothing_imported(count)
    assert not AuditEntry.objects.filter(action="organizations.import").exists()


def test_unknown_and_out_of_scope_organizations(county, tmp_path):
    count = Member.objects.count()
    ids = [ident(dt.date(1970, 1, i), "M", 50 + i) for i in range(1, 7)]
    rows = [
        ["姓名", "身份证号", "组织编码", "所在党组织"],
        ["甲", ids[0], "NOPE", ""],  # row 2: unknown code
        ["乙", ids[1], "", "不存在的党支部"],  # row 3: unknown name
        ["丙", ids[2], "C-T2-V1", ""],  # row 4: another township, by code
        ["丁", ids[3], "", "白石村党支部"],  # row 5: another township, by name: not visible
        ["戊", ids[4], "C-T1", ""],  # row 6: a committee with branches
        ["己", ids[5], "", "青山村党支部"],  # row 7: fine
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "orgs.xlsx", rows)

    report = import_path(actor=county.users.t1_officer, kind="members", path=path)

    assert where(report) == [
        (2, "组织编码"),
        (3, "所在党组织"),
        (4, "组织编码"),
        (5, "所在党组织"),
        (6, "组织编码"),
    ]
    messages = [p.message for p in report.problems]
    assert "NOPE" in messages[0]
    assert "不存在的党支部" in messages[1]
    assert "outside" in messages[2]
    assert "among those you may import into" in messages[3]
    assert "branch" in messages[4]
    assert_nothing_imported(count)


def test_ambiguous_organization_name_asks_for_the_code(county, tmp_path):
    add_org(county.v11, "第一党支部", "branch", code="X1")
    add_org(county.v12, "第一党支部", "branch", code="X2")
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["姓名", "身份证号", "所在党组织"], ["甲", ident(dt.date(1970, 1, 1), "M", 60), "第一党支部"]],
    )
    problem = only_problem(import_path(actor=county.users.t1_officer, kind="members", path=path))
    assert (problem.row, problem.column) == (2, "所在党组织")
    assert "组织编码" in problem.message


def test_member_of_another_organization_is_not_moved_by_import(county, tmp_path):
    member = county.members["C-T1-V1"]
    path = members_file(tmp_path, [(member.name, member.id_number, "", "C-T1-V2", None)])
    problem = only_problem(import_path(actor=county.users.t1_officer, kind="members", path=path))
    assert (problem.row, problem.column) == (2, "组织编码")
    assert "transfer" in problem.message
    member.refresh_from_db()
    assert member.organization == county.v11


def test_id_number_saved_as_a_number_by_the_spreadsheet(county, tmp_path):
    path = members_file(tmp_path, [("甲", 4.30124197005121e17, "", "C-T1-V1", None)])
    problem = only_problem(import_path(actor=county.users.t1_officer, kind="members", path=path))
    assert (problem.row, problem.column) == (2, "身份证号")
    assert "as text" in problem.message


def test_probationary_member_with_full_membership_date(county, tmp_path):
    rows = [["姓名", "身份证号", "党员类别", "入党日期", "转正日期", "组织编码"],
            ["甲", ident(dt.date(1990, 1, 1), "M", 61), "预备党员", "2020.01", "2021.01", "C-T1-V1"],
            ["乙", ident(dt.date(1990, 1, 2), "M", 62), "正式党员", "2020.01", "2019.01", "C-T1-V1"],
            ["丙", ident(dt.date(1990, 1, 3), "M", 63), "老党员", "", "", "C-T1-V1"]]  # fmt: skip
    report = import_path(actor=county.users.t1_officer, kind="members", path=write_xlsx(tmp_path / "p.xlsx", rows))
    assert where(report) == [(2, "党员类别"), (3, "转正日期"), (4, "党员类别")]
    assert "正式党员, 预备党员" in report.problems[2].message


def test_id_number_shown_in_scientific_notation_in_a_csv(county, tmp_path):
    rows = [["姓名", "身份证号", "组织编码"], ["甲", "4.30124E+17", "C-T1-V1"]]
    problem = only_problem(
        import_path(actor=county.users.officer, kind="members", path=write_csv(tmp_path / "s.csv", rows))
    )
    assert (problem.row, problem.column) == (2, "身份证号")
    assert "lost its last digits" in problem.message


def test_a_record_changed_while_the_file_was_checked_is_not_overwritten(county, tmp_path, monkeypatch):
    member = county.members["C-T1-V1"]
    path = members_file(tmp_path, [("新名字", member.id_number, "13900000000", "C-T1-V1", None)])
    check = member_import._check_member_dates  # runs after the stored records were read

    def somebody_edits_meanwhile(item, merged):
        check(item, merged)
        Member.objects.filter(pk=member.pk).update(occupation="教师", updated_at=dt.datetime.now(dt.UTC))

    monkeypatch.setattr(member_import, "_check_member_dates", somebody_edits_meanwhile)
    problem = only_problem(import_path(actor=county.users.secretary, kind="members", path=path))
    assert "changed" in problem.message
    member.refresh_from_db()
    assert (member.name, member.occupation) == (county.members["C-T1-V1"].name, "教师")


def test_a_member_added_while_the_file_was_checked(county, tmp_path, monkeypatch):
    number = ident(dt.date(1980, 1, 1), "M", 80)
    path = members_file(
        tmp_path,
        [("甲", number, "", "C-T1-V1", None), ("乙", ident(dt.date(1980, 1, 2), "M", 81), "", "C-T1-V1", None)],
    )
    check = member_import._check_member_dates  # runs after the stored records were read

    def somebody_adds_meanwhile(item, merged):
        check(item, merged)
        if not Member.objects.filter(id_number=number).exists():
            Member.objects.create(name="甲", gender="M", id_number=number, organization=county.v12)

    monkeypatch.setattr(member_import, "_check_member_dates", somebody_adds_meanwhile)
    problem = only_problem(import_path(actor=county.users.t1_officer, kind="members", path=path))
    assert "added" in problem.message
    assert not Member.objects.filter(name="乙").exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.xlsx", b"", "empty"),
        ("empty.csv", b"", "empty"),
        ("blank.csv", "\ufeff\r\n\r\n".encode(), "empty"),
        ("text.xlsx", "姓名,身份证号\n张三,1\n".encode(), "not a readable .xlsx file"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "not a readable .xlsx file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", ".xls and .csv"),
        ("binary.csv", b"\x00\x01\x02\xff\xfe\x00" * 50, "not a readable CSV file"),
    ],
)
def test_unreadable_files_give_one_clear_problem(county, name, content, expected):
    count = Member.objects.count()
    report = import_file(actor=county.users.officer, kind="members", uploaded=SimpleUploadedFile(name, content))
    problem = only_problem(report)
    assert (problem.row, problem.column) == (0, "")
    assert expected in problem.message
    assert_nothing_imported(count)


def test_xlsx_that_is_a_zip_of_something_else(county, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
        archive.writestr("data/members.csv", "姓名,身份证号\n")
    report = import_file(
        actor=county.users.officer, kind="members", uploaded=SimpleUploadedFile("m.xlsx", buffer.getvalue())
    )
    assert "not a readable .xlsx file" in only_problem(report).message


def test_header_only_and_empty_sheet(county, tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["党员名册"], ["姓名", "身份证号", "所在党组织"], [None, None, None]])
    problem = only_problem(import_path(actor=county.users.officer, kind="members", path=path))
    assert problem.row == 2
    assert "no data rows" in problem.message

    path = write_xlsx(tmp_path / "e.xlsx", [])
    assert "empty" in only_problem(import_path(actor=county.users.officer, kind="members", path=path)).message


def test_size_limit(county, tmp_path, settings):
    settings.GRASSROOTS_IMPORT_MAX_BYTES = 100
    path = write_csv(tmp_path / "big.csv", [["姓名", "身份证号", "所在党组织"]] + [["张三", "1" * 18, "x"]] * 10)
    assert "too large" in only_problem(import_path(actor=county.users.officer, kind="members", path=path)).message
    report = import_file(actor=county.users.officer, kind="members", uploaded=upload(path))
    assert "too large" in only_problem(report).message


def test_roles_without_import_and_unknown_kind(county, tmp_path):
    path = members_file(tmp_path, [("甲", ident(dt.date(1970, 1, 1), "M", 70), "", "C-T1-V1", None)])
    for user in (county.users.auditor, county.users.member, county.users.outsider, None):
        assert "role" in only_problem(import_path(actor=user, kind="members", path=path)).message
    assert "Unknown" in only_problem(import_path(actor=county.users.admin, kind="posts", path=path)).message


def test_missing_file_on_the_command_line(county, tmp_path):
    report = import_path(actor=county.users.admin, kind="members", path=tmp_path / "nope.csv")
    assert "cannot be opened" in only_problem(report).message


def test_many_members_without_per_row_queries(county, tmp_path, django_assert_max_num_queries):
    # Rows are written in batches (on SQLite about 60 rows an INSERT, its parameter limit): far fewer
    # queries than rows.
    rows = [["姓名", "性别", "身份证号", "联系电话", "组织编码"]]
    for i in range(3000):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i * 7)
        rows.append([f"党员{i}", "男", make_id_number(birth, "M", i % 400, region="220102"), "13800000000", "C-T2-V1"])
    path = write_csv(tmp_path / "county.csv", rows)
    with django_assert_max_num_queries(100):
        report = import_path(actor=county.users.officer, kind="members", path=path)
    assert (report.ok, report.created) == (True, 3000), report.problems[:3]
    rows[10][3] = "13900000000"
    path = write_csv(tmp_path / "county.csv", rows)
    with django_assert_max_num_queries(100):
        report = import_path(actor=county.users.officer, kind="members", path=path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2999)


# ----------------------------------------------------------------------------------------------------
# Organizations


ORG_HEADER = [
    "序号",
    "组织编码",
    "组织名称",
    "英文名称",
    "上级组织编码",
    "党组织类别",
    "单位性质",
    "成立日期",
]


def test_a_township_with_branches_and_groups_parents_anywhere_in_the_file(county, tmp_path):
    rows = [
        ["青山县党组织设置情况表"],
        ORG_HEADER,
        [1, "C-T3-V1-G1", "东坡村第一党小组", "", "C-T3-V1", "党小组", "村", ""],  # its parent comes later
        [2, "C-T3", "东坡镇党委", "Dongpo Township Committee", "C", "党委", "乡镇", "1956.03"],
        [3, "C-T3-V1", "东坡村党支部", "", "C-T3", "党支部", "村", "1958年4月"],
        [4, "C-T3-S", "东坡镇中心学校党总支", "", "C-T3", "党总支", "学校", dt.datetime(1990, 9, 1)],
        [5, "C-T3-S-B1", "教师第一党支部", "", "C-T3-S", "党支部", "学校", ""],
        [6, "C-T3-S-B1-G1", "语文组党小组", "", "C-T3-S-B1", "党小组", "学校", ""],
        [7, "C-T3-E", "东坡建材有限公司党支部", "", "C-T3", "支部", "非公企业", ""],
    ]
    path = write_xlsx(tmp_path / "orgs.xlsx", rows, merges=["A1:H1"])

    report = import_path(actor=county.users.officer, kind="organizations", path=path)

    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    township = Organization.objects.get(code="C-T3")
    assert (township.kind, township.unit_type, township.name_en) == (
        "committee",
        "township",
        "Dongpo Township Committee",
    )
    assert township.founded_on == dt.date(1956, 3, 1)
    assert township.parent == county.county
    for code, parent_code, kind in [
        ("C-T3-V1", "C-T3", "branch"),
        ("C-T3-V1-G1", "C-T3-V1", "group"),
        ("C-T3-S", "C-T3", "general_branch"),
        ("C-T3-S-B1", "C-T3-S", "branch"),
        ("C-T3-S-B1-G1", "C-T3-S-B1", "group"),
        ("C-T3-E", "C-T3", "branch"),
    ]:
        org = Organization.objects.get(code=code)
        assert org.kind == kind
        assert org.parent.code == parent_code
        assert Organization.objects.get_parent(org).code == parent_code  # the stored parent agrees with the tree
    assert Organization.objects.get(code="C-T3-E").unit_type == "enterprise"
    assert Organization.objects.get(code="C-T3-S").founded_on == dt.date(1990, 9, 1)
    assert all(not found for found in Organization.objects.find_problems())
    entry = AuditEntry.objects.get(action="organizations.import")
    assert entry.organization_id == county.county.pk
    assert entry.after["created"] == 7

    again = import_path(actor=county.users.officer, kind="organizations", path=path)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 7)

    rows[3][2] = "东坡镇委员会"
    renamed = import_path(actor=county.users.officer, kind="organizations", path=write_xlsx(tmp_path / "o2.xlsx", rows))
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 6)
    assert Organization.objects.get(code="C-T3").name == "东坡镇委员会"


def test_organizations_in_english_csv(county, tmp_path):
    rows = [["Code", "Name", "Parent code", "Kind", "Unit type"],
            ["C-T1-V3", "Hill Village Branch", "C-T1", "Branch", "Village"]]  # fmt: skip
    report = import_path(actor=county.users.t1_officer, kind="organizations", path=write_csv(tmp_path / "o.csv", rows))
    assert (report.ok, report.created) == (True, 1), report.problems
    org = Organization.objects.get(code="C-T1-V3")
    assert (org.parent, org.kind, org.unit_type) == (county.t1, "branch", "village")


def test_kind_not_allowed_under_parent_and_other_structure_problems(county, tmp_path):
    count = Organization.objects.count()
    rows = [
        ORG_HEADER,
        [1, "N1", "小组直属县委", "", "C", "党小组", "", ""],  # row 2: group under a committee
        [2, "N2", "小组下的支部", "", "C-T1-V1-G1", "党支部", "", ""],  # row 3: branch under a group
        [3, "N3", "无主支部", "", "NOWHERE", "党支部", "", ""],  # row 4: unknown parent
        [4, "N4", "甲", "", "N5", "党委", "", ""],  # row 5: a loop N4 -> N5 -> N4
        [5, "N5", "乙", "", "N4", "党委", "", ""],  # row 6
        [6, "N6", "顶层党委", "", "", "党委", "", ""],  # row 7: a root, not by an officer
        [7, "C-T1-V1", "青山村党支部", "", "C-T2", "党支部", "", ""],  # row 8: a move
        [8, "C-T1-V2", "柳湾村党总支", "", "C-T1", "党总支", "", ""],  # row 9: a change of kind
        [9, "N1", "重复", "", "C", "党委", "", ""],  # row 10: duplicate code
        [10, "N7", "类别不明", "", "C", "委员会小组", "其它单位", "明年"],  # row 11
    ]  # fmt: skip
    report = import_path(actor=county.users.officer, kind="organizations", path=write_xlsx(tmp_path / "bad.xlsx", rows))
    assert where(report) == [
        (2, "党组织类别"),
        (3, "党组织类别"),
        (4, "上级组织编码"),
        (5, "上级组织编码"),
        (6, "上级组织编码"),
        (7, "上级组织编码"),
        (8, "上级组织编码"),
        (9, "党组织类别"),
        (10, "组织编码"),
        (11, "党组织类别"),
        (11, "单位性质"),
        (11, "成立日期"),
    ]
    messages = [p.message for p in report.problems]
    assert "Party group cannot be placed under a Party committee" in messages[0]
    assert "Branch cannot be placed under a Party group" in messages[1]
    assert "NOWHERE" in messages[2]
    assert "loop" in messages[3]
    assert "system administrator" in messages[5]
    assert "moved" in messages[6]
    assert "kind" in messages[7]
    assert "row 2" in messages[8]
    assert Organization.objects.count() == count


def test_structure_outside_the_actors_scope(county, tmp_path):
    rows = [ORG_HEADER,
            [1, "C-T2-V9", "新支部", "", "C-T2", "党支部", "村", ""],
            [2, "C-T2-V9-G1", "新小组", "", "C-T2-V9", "党小组", "村", ""],
            [3, "C-T2-V1", "白石村党支部（新名）", "", "C-T2", "党支部", "村", ""],
            [4, "C-T1-V9", "本镇新支部", "", "C-T1", "党支部", "村", ""]]  # fmt: skip
    report = import_path(
        actor=county.users.t1_officer, kind="organizations", path=write_xlsx(tmp_path / "o.xlsx", rows)
    )
    assert where(report) == [(2, "上级组织编码"), (3, "上级组织编码"), (4, "组织编码")]
    assert all("outside" in p.message for p in report.problems)
    assert not Organization.objects.filter(code__in=["C-T2-V9", "C-T1-V9"]).exists()

    secretary = import_path(
        actor=county.users.secretary, kind="organizations", path=write_xlsx(tmp_path / "o.xlsx", rows)
    )
    assert "role" in only_problem(secretary).message


def test_administrator_adds_a_new_root(county, tmp_path):
    rows = [
        ["组织编码", "组织名称", "组织类别", "上级组织编码"],
        ["D", "邻县县委", "党委", ""],
        ["D-T1", "邻县一镇党委", "党委", "D"],
    ]
    report = import_path(actor=county.users.admin, kind="organizations", path=write_xlsx(tmp_path / "r.xlsx", rows))
    assert (report.ok, report.created) == (True, 2), report.problems
    root = Organization.objects.get(code="D")
    assert root.is_root() and root.parent is None
    assert Organization.objects.get_parent(Organization.objects.get(code="D-T1")) == root
    assert AuditEntry.objects.get(action="organizations.import").organization_id == root.pk


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("GRASSROOTS_SLOW_TESTS"), reason="about a minute; set GRASSROOTS_SLOW_TESTS=1 to run"
)
def test_a_county_file_of_40000_members(county, tmp_path):

    villages = [add_org(county.t2, f"第{i}村党支部", "branch", "village", code=f"C-T2-X{i}") for i in range(200)]
    rows = [
        ["青山县党员名册"],
        ["序号", "姓名", "性别", "出生年月", "身份证号码", "联系电话", "入党时间", "所在党支部"],
    ]
    for i in range(40000):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 12000)
        gender = "男" if i % 3 else "女"
        number = make_id_number(birth, "M" if i % 3 else "F", i // 12000, region="330102")
        rows.append([i + 1, f"党员{i}", gender, f"{birth:%Y.%m}", number, "138-0000-0000", "1990.07", None])
    merges = ["A1:H1"]
    for v, village in enumerate(villages):  # each village's name merged down its 200 members
        first = 3 + v * 200
        rows[first - 1][7] = village.name
        merges.append(f"H{first}:H{first + 199}")
    path = write_xlsx(tmp_path / "county.xlsx", rows, merges=merges)

    started = time.monotonic()
    report = import_path(actor=county.users.officer, kind="members", path=path)
    first = time.monotonic() - started
    assert (report.ok, report.created) == (True, 40000), report.problems[:5]
    started = time.monotonic()
    again = import_path(actor=county.users.officer, kind="members", path=path)
    second = time.monotonic() - started
    assert (again.created, again.updated, again.unchanged) == (0, 0, 40000)
    print(f"40,000 members: first import {first:.1f}s, again {second:.1f}s")


def test_an_organization_list_says_street_and_township_apart():
    from grassroots.core.sheets.values import match_key
    from grassroots.organizations.importing.columns import UNIT_WORDS

    assert UNIT_WORDS[match_key("街道")] == "subdistrict" and UNIT_WORDS[match_key("街道办事处")] == "subdistrict"
    assert UNIT_WORDS[match_key("乡镇")] == "township" and UNIT_WORDS[match_key("镇")] == "township"


def test_a_member_younger_than_eighteen_at_joining_is_a_row_problem(county, tmp_path):
    young = ident(dt.date(1990, 6, 1), "M", 51)
    rows = [
        ["姓名", "性别", "出生日期", "身份证号码", "入党日期", "所在党组织"],
        ["少年", "男", "1990-06-01", young, "2007-07-01", "青山村党支部"],
    ]
    report = import_path(actor=county.users.t1_officer, kind="members", path=write_csv(tmp_path / "m.csv", rows))
    assert not report.ok
    assert any("18" in p.message and p.row == 2 for p in report.problems)


def test_a_masked_export_is_refused_with_one_message_that_says_so(county, tmp_path):
    from django.utils import translation

    from grassroots.organizations.exports import members_xlsx

    path = tmp_path / "masked.xlsx"
    with translation.override("zh-hans"):
        members_xlsx(user=county.users.auditor, organization=county.t1, target=path, unmasked=False)
    before = Member.objects.count()
    with translation.override("en"):
        report = import_path(actor=county.users.t1_officer, kind="members", path=path)
    assert not report.ok and Member.objects.count() == before
    assert [p.message[:33] for p in report.problems] == ["This file is a masked export: its"]


def test_an_organization_list_as_offices_write_it_codes_parents_by_name_and_unit_words(county, tmp_path):
    add_org(county.t2, "青山村党支部", "branch", "village", code="C-T2-V9")  # a second Qingshan, in another township
    rows = [
        ["党组织代码", "组织名称", "上级党组织", "组织类别", "单位类型"],
        ["C-T1-V3", "山下村党支部", "新街镇党委", "党支部", "行政村"],  # the parent by its full name
        ["C-S1", "城关街道党工委", "青山县委", "党委", "街道"],
        ["C-S1-C1", "东门社区党支部", "城关街道党工委", "党支部", "城市社区"],  # a parent of the same file
        ["C-T1-V1-G9", "新党小组", "青山村党支部", "党小组", "村"],  # two Qingshans: which?
        ["C-T1-V4", "无名村党支部", "不存在的党委", "党支部", "农村"],
    ]
    path = write_csv(tmp_path / "orgs.csv", rows)
    from django.utils import translation

    with translation.override("en"):
        report = import_path(actor=county.users.officer, kind="organizations", path=path)
    problems = {(p.row, p.message) for p in report.problems}
    assert (
        5,
        "Several organizations are named “青山村党支部”: C-T1-V1 (青山村党支部), C-T2-V9 (青山村党支部); give the parent's "
        "code instead.",
    ) in problems
    assert (6, "No organization named “不存在的党委”, in the file or the tree.") in problems
    assert len(problems) == 2
    rows = [r for r in rows if r[0] not in ("C-T1-V1-G9", "C-T1-V4")]
    report = import_path(actor=county.users.officer, kind="organizations", path=write_csv(tmp_path / "ok.csv", rows))
    assert report.ok, report.problems
    made = {o.code: o for o in Organization.objects.filter(code__in=["C-T1-V3", "C-S1", "C-S1-C1"])}
    assert made["C-T1-V3"].parent == county.t1 and made["C-T1-V3"].unit_type == "village"
    assert made["C-S1"].unit_type == "subdistrict" and made["C-S1-C1"].parent == made["C-S1"]
    assert made["C-S1-C1"].unit_type == "community"


def test_an_old_xls_workbook_is_read_like_an_xlsx(county, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("党员名册")
    sheet.write_merge(0, 0, 0, 5, "青山村党支部党员名册")  # a merged title row above the header
    for col, label in enumerate(["姓名", "性别", "出生日期", "身份证号码", "入党日期", "所在党组织"]):
        sheet.write(1, col, label)
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    born = dt.date(1980, 3, 4)
    sheet.write(2, 0, "老王")
    sheet.write(2, 1, "男")
    sheet.write(2, 2, born, dates)
    sheet.write(2, 3, ident(born, "M", 61))
    sheet.write(2, 4, dt.date(2005, 7, 1), dates)
    sheet.write(2, 5, "青山村党支部")
    path = tmp_path / "名册.xls"
    book.save(str(path))
    report = import_path(actor=county.users.t1_officer, kind="members", path=path)
    assert (report.ok, report.created) == (True, 1), report.problems
    member = Member.objects.get(name="老王")
    assert (member.birth_date, member.joined_on, member.organization) == (born, dt.date(2005, 7, 1), county.v11)
