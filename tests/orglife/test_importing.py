"""Import of meetings and study records from the spreadsheets branch offices keep: all or nothing, problems by row
and column, and importing the same file again changes nothing."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots import cli
from grassroots.core.models import AuditEntry
from grassroots.orglife import services
from grassroots.orglife.importing import MEETINGS, STUDY, import_file, import_path, split_names
from grassroots.orglife.models import Attendance, Meeting, MeetingState, PointEntry, RecordState, StudyRecord
from tests.factories import MemberFactory

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)
LAST_WEEK = TODAY - dt.timedelta(days=7)

MEETING_HEADER = ["序号", "组织编码", "会议类型", "日期", "地点", "主持人", "主题", "参会人员", "缺席人员", "请假人员"]
STUDY_HEADER = ["序号", "姓名", "身份证号", "所在党组织", "学习内容", "日期", "学时"]


def write_xlsx(path, header, rows, title="青山村党支部组织生活记录台账"):
    """A title merged across the top, the header below it, then the rows: as offices lay the sheet out."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def write_csv(path, rows, encoding="gb18030", delimiter="\t"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def people(county):
    """Members of 青山村党支部 with the names the sheets use; 周九 twice, 孙八 in the neighbouring branch."""
    names = ["张三", "李四", "王五", "赵六", "钱七", "周九", "周九"]
    made = {}
    for i, name in enumerate(names):
        made[name if name not in made else f"{name}2"] = MemberFactory(
            organization=county.v11, name=name, birth_date=dt.date(1970 + i, 3, 1)
        )
    made["孙八"] = MemberFactory(organization=county.v12, name="孙八")
    made["吴十"] = MemberFactory(organization=county.v21, name="吴十")
    return made


@pytest.fixture
def meeting_rows():
    return [
        [
            1,
            "C-T1-V1",
            "支部党员大会",
            dt.datetime.combine(YESTERDAY, dt.time()),
            "村委会会议室",
            "张三",
            "学习党的二十届四中全会精神",
            "张三、李四，王五",
            "赵六",
            "钱七(外出务工)",
        ],
        [
            2,
            "C-T1-V1",
            "党课",
            chinese_date(LAST_WEEK),
            "党员活动室",
            "",
            "弘扬伟大建党精神",
            "全体党员",
            "",
            "钱七（生病住院）",
        ],
        [
            3,
            "C-T1-V1",
            "主题党日",
            LAST_WEEK.isoformat(),
            "",
            "",
            "人居环境整治：志愿服务",
            "张三 李四 钱七(迟到)",
            "",
            "",
        ],
    ]


@pytest.fixture
def study_rows(people):
    return [
        [1, "张三", people["张三"].id_number, "青山村党支部", "学习党章", dt.datetime.combine(YESTERDAY, dt.time()), 2],
        [2, "李四", people["李四"].id_number, "青山村党支部", "学习强国", chinese_date(LAST_WEEK), "1.5小时"],
        [3, "王五", "", "青山村党支部", "党史学习", LAST_WEEK.isoformat(), "3"],
    ]


def test_names_are_split_by_the_separators_offices_use():
    assert split_names("张三、李四，王五 赵六,钱七;孙八") == [
        ("张三", ""),
        ("李四", ""),
        ("王五", ""),
        ("赵六", ""),
        ("钱七", ""),
        ("孙八", ""),
    ]
    assert split_names("王五(外出务工)、钱七 （生病住院，请假）；孙八【出差】") == [
        ("王五", "外出务工"),
        ("钱七", "生病住院,请假"),
        ("孙八", "出差"),
    ]
    assert split_names("周九(外出)务工") == [("周九(外出)务工", "")]
    assert split_names("  ") == []


# ---------------------------------------------------------------- meetings


def test_a_good_meetings_file_is_imported_through_the_services(county, people, meeting_rows, tmp_path):
    path = write_xlsx(tmp_path / "会议台账.xlsx", MEETING_HEADER, meeting_rows)
    report = import_path(actor=county.users.secretary, kind=MEETINGS, path=path)
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)

    general = Meeting.objects.get(kind="general")
    assert general.organization == county.v11 and general.held_on == YESTERDAY and general.state == MeetingState.HELD
    assert general.host == people["张三"] and general.place == "村委会会议室"
    attendance = {a.member.name: (a.status, a.reason) for a in general.attendance.select_related("member")}
    assert attendance == {
        "张三": ("present", ""),
        "李四": ("present", ""),
        "王五": ("present", ""),
        "赵六": ("absent", ""),
        "钱七": ("excused", "外出务工"),
    }
    lecture = Meeting.objects.get(kind="lecture")
    assert lecture.held_on == LAST_WEEK
    statuses = {a.member.name: a.status for a in lecture.attendance.select_related("member")}
    assert statuses["钱七"] == "excused" and statuses["周九"] == "present"
    assert lecture.attendance.count() == county.v11.members.count() == 8  # 全体党员: everyone of the branch
    theme = Meeting.objects.get(kind="theme_day")
    assert theme.topic == "人居环境整治：志愿服务"  # prose keeps its full-width punctuation
    assert {a.member.name: a.status for a in theme.attendance.select_related("member")}["钱七"] == "late"
    assert PointEntry.objects.get(member=people["赵六"], rule__code="absent").points == -5
    entry = AuditEntry.objects.get(action="orglife.import")
    assert entry.after["created"] == 3 and entry.organization_id == county.v11.pk


def test_importing_the_same_meetings_again_changes_nothing(county, people, meeting_rows, tmp_path):
    path = write_xlsx(tmp_path / "会议台账.xlsx", MEETING_HEADER, meeting_rows)
    assert import_path(actor=county.users.secretary, kind=MEETINGS, path=path).created == 3
    counts = (Meeting.objects.count(), Attendance.objects.count(), PointEntry.objects.count())
    again = import_path(actor=county.users.secretary, kind=MEETINGS, path=path)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (Meeting.objects.count(), Attendance.objects.count(), PointEntry.objects.count()) == counts

    meeting_rows[0][8] = ""  # 赵六 no longer absent: the file now disagrees with the record kept
    changed = import_path(
        actor=county.users.secretary,
        kind=MEETINGS,
        path=write_xlsx(tmp_path / "changed.xlsx", MEETING_HEADER, meeting_rows),
    )
    assert not changed.ok
    assert [(p.row, p.column) for p in changed.problems] == [(3, "参会人员")]
    assert Attendance.objects.count() == counts[1]


def test_a_planned_meeting_in_the_file_becomes_the_record_of_the_meeting_held(county, people, tmp_path):
    planned = services.meeting_record(
        actor=county.users.secretary,
        organization=county.v11,
        kind="lecture",
        held_on=TODAY,
        topic="党课：学习新党章",
        state=MeetingState.PLANNED,
    )
    rows = [[1, "C-T1-V1", "党课", TODAY.isoformat(), "", "", "党课：学习新党章", "张三、李四", "", ""]]
    report = import_path(
        actor=county.users.secretary, kind=MEETINGS, path=write_xlsx(tmp_path / "m.xlsx", MEETING_HEADER, rows)
    )
    assert report.ok and (report.created, report.updated) == (0, 1)
    planned.refresh_from_db()
    assert planned.state == MeetingState.HELD and planned.attendance.count() == 2


def test_a_malformed_meetings_file_reports_every_problem_and_imports_nothing(county, people, meeting_rows, tmp_path):
    rows = [
        *meeting_rows,
        [4, "NO-SUCH", "支部党员大会", YESTERDAY.isoformat(), "", "", "不存在的组织", "张三", "", ""],
        [5, "C-T1-V1", "支委会", YESTERDAY.isoformat(), "", "", "外人参会", "张三、孙八", "", ""],
        [6, "C-T1-V1", "支委会", LAST_WEEK.isoformat(), "", "", "重名", "周九", "", ""],
        [7, "C-T1-V1", "组织生活会", (TODAY + dt.timedelta(days=3)).isoformat(), "", "", "未来", "张三", "", ""],
        [8, "C-T1-V1", "茶话会", YESTERDAY.isoformat(), "", "", "不认识的会议", "张三", "", ""],
        [9, "C-T1-V1", "党小组会", YESTERDAY.isoformat(), "", "", "请假没理由", "张三", "", "李四"],
        [10, "C-T1-V1", "党课", YESTERDAY.isoformat(), "", "", "两处出现", "张三", "张三", ""],
        [11, "C-T1-V1", "党课", "2025年5月", "", "吴十", "只写到月", "", "", ""],
        [12, "C-T2-V1", "党课", YESTERDAY.isoformat(), "", "", "范围之外", "吴十", "", ""],
        [13, "C-T1-V1", "支部党员大会", YESTERDAY, "", "", "学习党的二十届四中全会精神", "张三", "", ""],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", MEETING_HEADER, rows)
    report = import_path(actor=county.users.secretary, kind=MEETINGS, path=path)
    assert not report.ok
    found = {(p.row, p.column) for p in report.problems}
    assert {
        (6, "组织编码"),
        (7, "参会人员"),
        (8, "参会人员"),
        (9, "日期"),
        (10, "会议类型"),
        (11, "请假人员"),
        (12, "缺席人员"),
        (13, "日期"),
        (13, "主持人"),
        (14, "组织编码"),
        (15, "主题"),
    } <= found, report.problems
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "孙八" in messages[(7, "参会人员")] and "青山村党支部" in messages[(7, "参会人员")]
    assert "周九" in messages[(8, "参会人员")]
    assert "also on row 3" in messages[(15, "主题")]
    assert not {p.row for p in report.problems} & {3, 4, 5}
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert not Meeting.objects.exists() and not PointEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="orglife.import").exists()


def test_meetings_by_organization_name_from_a_gb18030_csv(county, people, tmp_path):
    rows = [
        ["所在党组织", "会议类型", "会议日期", "会议主题", "参会人员", "请假人员"],
        ["青山村党支部", "支委会", LAST_WEEK.strftime("%Y/%m/%d"), "研究发展党员工作", "张三、李四", "王五(外出务工)"],
    ]
    path = write_csv(tmp_path / "会议.csv", rows)
    report = import_path(actor=county.users.secretary, kind=MEETINGS, path=path)
    assert report.ok, report.problems
    meeting = Meeting.objects.get()
    assert meeting.kind == "committee" and meeting.held_on == LAST_WEEK and meeting.attendance.count() == 3


def test_files_that_cannot_be_meetings_are_refused(county, people, tmp_path):
    secretary = county.users.secretary
    missing = write_xlsx(
        tmp_path / "m.xlsx", ["组织编码", "地点", "主持人", "参会人员"], [["C-T1-V1", "x", "", "张三"]]
    )
    report = import_path(actor=secretary, kind=MEETINGS, path=missing)
    assert {p.column for p in report.problems} >= {"会议类型", "日期", "主题"}
    empty = write_xlsx(tmp_path / "e.xlsx", MEETING_HEADER, [])
    assert "no data rows" in import_path(actor=secretary, kind=MEETINGS, path=empty).problems[0].message
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0junk")
    assert ".xls" in import_path(actor=secretary, kind=MEETINGS, path=tmp_path / "x.xls").problems[0].message
    (tmp_path / "fake.xlsx").write_bytes(b"not a workbook")
    assert not import_path(actor=secretary, kind=MEETINGS, path=tmp_path / "fake.xlsx").ok
    assert not import_path(actor=secretary, kind=MEETINGS, path=tmp_path / "nowhere.xlsx").ok
    assert not import_path(actor=county.users.auditor, kind=MEETINGS, path=missing).ok
    assert not import_path(actor=secretary, kind="duties", path=missing).ok
    assert not Meeting.objects.exists()


# ---------------------------------------------------------------- study


def test_a_good_study_file_is_imported_as_confirmed_records(county, people, study_rows, tmp_path):
    path = write_xlsx(tmp_path / "学习台账.xlsx", STUDY_HEADER, study_rows, title="2025年党员学习学时登记表")
    report = import_path(actor=county.users.secretary, kind=STUDY, path=path)
    assert report.ok, report.problems
    assert report.created == 3
    records = {r.member.name: r for r in StudyRecord.objects.select_related("member")}
    assert records["张三"].hours == 2 and records["张三"].studied_on == YESTERDAY
    assert records["李四"].hours == 1.5 and records["李四"].studied_on == LAST_WEEK
    assert records["王五"].title == "党史学习"
    assert {r.state for r in records.values()} == {RecordState.CONFIRMED}
    assert {r.entered_by for r in records.values()} == {county.users.secretary}
    assert PointEntry.objects.filter(rule__code="study").count() == 3
    assert AuditEntry.objects.get(action="orglife.import").after["kind"] == "study"

    again = import_path(actor=county.users.secretary, kind=STUDY, path=path)
    assert again.ok and (again.created, again.unchanged) == (0, 3)
    assert StudyRecord.objects.count() == 3 and PointEntry.objects.filter(rule__code="study").count() == 3


def test_an_uploaded_study_csv_in_utf8(county, people, study_rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["党员学习登记"])
    writer.writerow(["姓名", "身份证号", "学习内容", "学习日期", "学时"])
    writer.writerow(["张三", people["张三"].id_number, "学习强国", YESTERDAY.isoformat(), "2.5"])
    upload = SimpleUploadedFile("学习.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    report = import_file(actor=county.users.secretary, kind=STUDY, uploaded=upload)
    assert report.ok, report.problems
    assert StudyRecord.objects.get().hours == 2.5


def test_a_malformed_study_file_reports_every_problem_and_imports_nothing(county, people, study_rows, tmp_path):
    rows = [
        *study_rows,
        [4, "张三", people["张三"].id_number, "", "夜读", YESTERDAY.isoformat(), 30],
        [5, "李四", people["李四"].id_number, "", "党章", YESTERDAY.isoformat(), "abc"],
        [6, "王五", people["王五"].id_number, "", "党规", (TODAY + dt.timedelta(days=2)).isoformat(), 1],
        [7, "周九", "", "", "党史", YESTERDAY.isoformat(), 1],
        [8, "无名氏", "", "", "党史", YESTERDAY.isoformat(), 1],
        [9, "吴十", people["吴十"].id_number, "", "党史", YESTERDAY.isoformat(), 1],
        [10, "赵六", "110101199003077777", "", "党史", YESTERDAY.isoformat(), 1],
        [11, "张三", people["李四"].id_number, "", "党史", YESTERDAY.isoformat(), 1],
        [12, "张三", people["张三"].id_number, "", "学习党章", YESTERDAY.isoformat(), 2],
        [13, "孙八", people["孙八"].id_number, "青山村党支部", "党史", YESTERDAY.isoformat(), 1],
        [14, "钱七", people["钱七"].id_number, "", "党史", YESTERDAY.isoformat(), 0],
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", STUDY_HEADER, rows)
    report = import_path(actor=county.users.secretary, kind=STUDY, path=path)
    assert not report.ok
    found = {(p.row, p.column) for p in report.problems}
    assert {
        (6, "学时"),
        (7, "学时"),
        (8, "日期"),
        (9, "姓名"),
        (10, "姓名"),
        (11, "身份证号"),
        (12, "身份证号"),
        (13, "姓名"),
        (14, "学习内容"),
        (15, "身份证号"),
        (16, "学时"),
    } <= found, report.problems
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "周九" in messages[(9, "姓名")] and "身份证号" in messages[(9, "姓名")]
    assert "吴十" not in messages[(11, "身份证号")]  # who holds an ID number outside the scope is not told
    assert "柳湾" not in messages[(15, "身份证号")] and "孙八" not in messages[(15, "身份证号")]
    assert not {p.row for p in report.problems} & {3, 4, 5}
    assert not StudyRecord.objects.exists() and not PointEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="orglife.import").exists()


def test_a_day_of_more_than_24_hours_across_rows_is_refused(county, people, tmp_path):
    member = people["张三"]
    rows = [
        [1, "张三", member.id_number, "", "上午学习", YESTERDAY.isoformat(), 12],
        [2, "张三", member.id_number, "", "下午学习", YESTERDAY.isoformat(), 13],
    ]
    report = import_path(
        actor=county.users.secretary, kind=STUDY, path=write_xlsx(tmp_path / "s.xlsx", STUDY_HEADER, rows)
    )
    assert [(p.row, p.column) for p in report.problems] == [(4, "学时")]
    assert not StudyRecord.objects.exists()


def test_study_recorded_differently_before_is_a_problem(county, people, study_rows, tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", STUDY_HEADER, study_rows)
    assert import_path(actor=county.users.secretary, kind=STUDY, path=path).ok
    study_rows[0][6] = 3
    report = import_path(
        actor=county.users.secretary, kind=STUDY, path=write_xlsx(tmp_path / "t.xlsx", STUDY_HEADER, study_rows)
    )
    assert [(p.row, p.column) for p in report.problems] == [(3, "学时")]
    assert StudyRecord.objects.get(member=people["张三"]).hours == 2


# ---------------------------------------------------------------- the command line


def test_the_command_line_imports_and_fails_with_the_problems(
    county, people, meeting_rows, study_rows, tmp_path, capsys
):
    meetings = write_xlsx(tmp_path / "会议.xlsx", MEETING_HEADER, meeting_rows)
    assert cli.main(["orglife", "import", "meetings", str(meetings), "--as", "secretary"]) == 0
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert cli.main(["orglife", "import", "meetings", str(meetings), "--as", "secretary"]) == 0
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out

    study_rows[2][6] = 99
    study = write_xlsx(tmp_path / "学习.xlsx", STUDY_HEADER, study_rows)
    assert cli.main(["orglife", "import", "study", str(study), "--as", "secretary"]) == 1
    err = capsys.readouterr().err
    assert "row 5\t学时" in err and "nothing was imported" in err
    assert not StudyRecord.objects.exists()
    with pytest.raises(SystemExit):
        cli.main(["orglife", "import", "study", str(study), "--as", "nobody"])
    with pytest.raises(SystemExit):
        cli.main(["orglife", "import", "minutes", str(study), "--as", "secretary"])
    assert Meeting.objects.count() == 3
