"""Import of a duty list from the spreadsheets organization offices keep: all or nothing, problems by row and column."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots import cli
from grassroots.core.models import AuditEntry
from grassroots.duties.importing import import_duties
from grassroots.duties.models import Duty, DutyList
from tests.factories import MemberFactory

HEADER = [
    "序号",
    "任务",
    "具体内容",
    "建设类别",
    "责任人",
    "岗位",
    "开始时间",
    "完成时限",
    "工作要求/标准",
    "佐证材料",
    "重点工作",
    "重大任务",
    "权重",
    "周期",
    "可认领",
]


def write_xlsx(path, rows, title="青山村党支部年度党建工作责任清单"):
    """A title merged across the top, the header below it, then the rows: as offices lay the sheet out."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "责任清单"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_csv(path, rows, encoding="gb18030", delimiter="\t"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def year(period):
    return period.start.year


@pytest.fixture
def responsible(county):
    return county.members["C-T1-V1"]


@pytest.fixture
def good_rows(year, responsible):
    return [
        [
            1,
            "每月开展一次主题党日",
            "围绕乡村振兴开展主题党日活动",
            "政治建设",
            responsible.name,
            "书记",
            f"{year}-01-01",
            dt.datetime(year, 12, 25),
            "有方案、有照片、有签到表",
            "活动照片、签到表",
            "是",
            "否",
            2,
            "每月",
            "否",
        ],
        [
            2,
            "每季度讲一次党课",
            "",
            "思想建设",
            "",
            "宣传委员",
            "",
            f"{year}年6月",  # a month: due at its end
            "有讲稿",
            "",
            "否",
            "否",
            1.5,
            "每季度",
            "否",
        ],
        [3, "组建志愿服务队", "", "作风建设", "", "", "", f"{year}.09.30", "服务记录", "", "", "是", "", "一次", "是"],
    ]


def _import(county, period, path_or_file, actor=None):
    return import_duties(
        actor=actor or county.users.secretary, organization=county.v11, period=period, path_or_file=path_or_file
    )


def test_a_good_file_with_a_title_row_and_chinese_headers(county, period, tmp_path, good_rows, year, responsible):
    report = _import(county, period, write_xlsx(tmp_path / "清单.xlsx", good_rows))
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    duty_list = DutyList.objects.get(organization=county.v11, period=period)
    duties = {d.title: d for d in duty_list.duties.all()}
    monthly = duties["每月开展一次主题党日"]
    assert (monthly.dimension, monthly.post, monthly.responsible) == ("political", "secretary", responsible)
    assert (monthly.start_on, monthly.due_on) == (dt.date(year, 1, 1), dt.date(year, 12, 25))
    assert (monthly.is_key, monthly.is_major, monthly.weight, monthly.recurrence) == (True, False, 2, "monthly")
    assert monthly.evidence_expected == "活动照片、签到表" and monthly.description.startswith("围绕")
    lecture = duties["每季度讲一次党课"]
    assert (lecture.due_on, lecture.post, lecture.weight) == (dt.date(year, 6, 30), "propaganda", Decimal("1.50"))
    assert lecture.recurrence == "quarterly" and lecture.responsible is None
    volunteers = duties["组建志愿服务队"]
    assert (volunteers.dimension, volunteers.claimable, volunteers.is_major) == ("work_style", True, True)
    assert AuditEntry.objects.filter(action="duties.import").count() == 1
    assert AuditEntry.objects.filter(action="duties.duty.create").count() == 3


def test_an_english_csv_in_gb18030_with_tabs(county, period, tmp_path, year):
    rows = [
        ["Task", "Area", "Due", "Requirement", "Key work", "Recurrence"],
        ["Hold a branch meeting", "Organizational construction", f"{year}/03/31", "Minutes", "yes", "once"],
        ["Visit members in difficulty", "work style", f"{year}-11", "Visit records", "no", "every six months"],
    ]
    report = _import(county, period, write_csv(tmp_path / "duties.csv", rows))
    assert report.ok, report.problems
    visit = Duty.objects.get(title="Visit members in difficulty")
    assert (visit.dimension, visit.due_on, visit.recurrence, visit.interval_months) == (
        "work_style",
        dt.date(year, 11, 30),
        "custom",
        6,
    )
    assert Duty.objects.get(title="Hold a branch meeting").is_key is True


def test_an_uploaded_file_imports_like_one_on_disk(county, period, tmp_path, good_rows):
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows)
    report = _import(county, period, SimpleUploadedFile(path.name, path.read_bytes()))
    assert report.ok and report.created == 3 and report.file_name == "清单.xlsx"


def test_malformed_rows_are_all_reported_and_nothing_is_imported(county, period, tmp_path, good_rows, year):
    twin = MemberFactory(organization=county.g111, name="张伟")  # two members of the same name in the branch
    MemberFactory(organization=county.v11, name=twin.name)
    MemberFactory(organization=county.v21, name="李娜")  # outside the branch
    rows = [
        good_rows[0],
        [2, "开展文化活动", "", "文化建设", "", "", "", f"{year}-05-01", "有照片", "", "", "", "", "", ""],
        [3, "开展组织生活会", "", "组织建设", "", "", "", f"{year}-02-30", "有记录", "", "", "", "", "", ""],
        [4, "明年的任务", "", "纪律建设", "", "", "", f"{year + 1}-03-01", "有记录", "", "", "", "", "", ""],
        [5, "走访困难党员", "", "制度建设", "李娜", "", "", f"{year}-04-01", "走访记录", "", "", "", "", "", ""],
        [6, "谈心谈话", "", "政治建设", twin.name, "", "", f"{year}-04-01", "谈话记录", "", "", "", "", "", ""],
        [7, "整理党员档案", "", "组织建设", "", "主任", "", f"{year}-04-01", "档案", "", "也许", "", "-1", "每天", ""],
        [8, "", "", "组织建设", "", "", f"{year}-05-01", f"{year}-04-01", "", "", "", "", "", "", ""],
    ]
    report = _import(county, period, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert not report.ok
    where = [(p.row, p.column) for p in report.problems]
    assert where == [
        (4, "建设类别"),
        (5, "完成时限"),
        (6, "完成时限"),
        (7, "责任人"),
        (8, "责任人"),
        (9, "岗位"),
        (9, "重点工作"),
        (9, "权重"),
        (9, "周期"),
        (10, "任务"),
        (10, "开始时间"),
        (10, "工作要求/标准"),
    ]
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "文化建设" in messages[(4, "建设类别")]
    assert "not a real date" in messages[(5, "完成时限")]
    assert "outside the period" in messages[(6, "完成时限")]
    assert "no member named 李娜" in messages[(7, "责任人")]
    assert "2 members named 张伟" in messages[(8, "责任人")]
    assert "cannot start after" in messages[(10, "开始时间")]
    assert "Nothing was imported" in report.summary()
    assert report.created == 0
    assert not Duty.objects.exists() and not DutyList.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="duties.").exists()


def test_reimporting_the_same_file_changes_nothing(county, period, tmp_path, good_rows):
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows)
    assert _import(county, period, path).created == 3
    before = list(Duty.objects.order_by("id").values())
    entries = AuditEntry.objects.filter(action__in=["duties.duty.create", "duties.duty.update"]).count()
    again = _import(county, period, path)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Duty.objects.order_by("id").values()) == before
    assert AuditEntry.objects.filter(action__in=["duties.duty.create", "duties.duty.update"]).count() == entries


def test_a_changed_requirement_updates_the_matched_duty(county, period, tmp_path, good_rows):
    _import(county, period, write_xlsx(tmp_path / "v1.xlsx", good_rows))
    good_rows[1][8] = "有讲稿、有签到表"
    report = _import(county, period, write_xlsx(tmp_path / "v2.xlsx", good_rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Duty.objects.get(title="每季度讲一次党课").requirement == "有讲稿、有签到表"
    assert Duty.objects.count() == 3


def test_the_same_task_twice_in_a_file_is_a_problem(county, period, tmp_path, good_rows):
    report = _import(county, period, write_xlsx(tmp_path / "twice.xlsx", [good_rows[0], good_rows[0]]))
    assert [(p.row, p.column) for p in report.problems] == [(4, "任务")]
    assert "also on row 3" in report.problems[0].message


def test_required_columns_missing_are_named(county, period, tmp_path):
    rows = [["任务", "建设类别", "具体内容"], ["开展主题党日", "政治建设", "x"]]
    report = _import(county, period, write_csv(tmp_path / "short.csv", rows, encoding="utf-8-sig", delimiter=","))
    assert [(p.row, p.column) for p in report.problems] == [(1, "完成时限"), (1, "工作要求")]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("清单.pdf", b"%PDF-1.4", "Only .xlsx, .xls and .csv"),
        ("清单.xlsx", b"not a workbook", "not a readable .xlsx"),
        ("清单.csv", b"", "empty"),
        ("清单.csv", "名称,说明\n甲,乙\n".encode(), "No header row"),
    ],
)
def test_unreadable_files_say_why(county, period, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    report = _import(county, period, path)
    assert [p.row for p in report.problems] == [0]
    assert message in report.problems[0].message
    assert not DutyList.objects.exists()


def test_only_those_who_may_change_the_organization_import(county, period, tmp_path, good_rows):
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows)
    for user in (county.users.auditor, county.users.member, county.users.outsider):
        report = _import(county, period, path, actor=user)
        assert not report.ok and "outside the organizations you may import into" in report.problems[0].message
    report = import_duties(actor=county.users.secretary, organization=county.v21, period=period, path_or_file=path)
    assert not report.ok
    assert not Duty.objects.exists()


def test_the_command_line_imports_and_fails_with_the_problems(county, period, tmp_path, good_rows, capsys, year):
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows)
    argv = ["duties", "import", str(path), "--org", "C-T1-V1", "--period", str(year), "--as", "secretary"]
    assert cli.main(argv) == 0
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    good_rows[0][3] = "文化建设"
    bad = write_xlsx(tmp_path / "bad.xlsx", good_rows + [[4, "新任务", "", "政治建设", "", "", "", "", "x"]])
    argv[2] = str(bad)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "row 3\t建设类别" in err and "row 6\t完成时限" in err and "nothing was imported" in err
    assert Duty.objects.count() == 3
    with pytest.raises(SystemExit):
        cli.main([*argv[:4], "NO-SUCH-ORG", *argv[5:]])
