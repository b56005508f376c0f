"""The ground floor of every import: a sheet read as offices keep it, and the driver's all-or-nothing write."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import translation

from grassroots.core import sheets
from grassroots.core.models import AuditEntry

LAYOUT = sheets.Layout(
    sheets.columns(
        ("name", "姓名", "Name", ("名字",)),
        ("born", "出生日期", "Born", ("出生年月",)),
        ("town", "乡镇", "Town", ()),
    ),
    required=(("name",),),
)


def named(content: bytes, name: str = "list.csv") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_a_title_row_and_the_headers_offices_write_are_read():
    content = "2026年党员名单\n名字,出生年月,乡镇\n张三,1968.05,城关镇\n\n李四,1970年3月1日,\n".encode("gb18030")
    report, content = sheets.read_file("people", named(content))
    table = sheets.read_sheet(report, LAYOUT, content)
    assert report.ok and table.header.row == 2
    rows = table.rows()
    assert [(r.number, r.text("name")) for r in rows] == [(3, "张三"), (5, "李四")]
    assert [r.date("born")[1] for r in rows] == [sheets.MONTH, sheets.DAY]


def test_a_missing_required_column_is_named_in_the_sheet_s_language():
    report, content = sheets.read_file("people", named("出生日期,乡镇,x\n1968.05,城关镇,1\n".encode()))
    assert sheets.read_sheet(report, LAYOUT, content) is None
    assert [(p.row, p.column) for p in report.problems] == [(1, "姓名")]


class People(sheets.SheetImport):
    """Makes a user for each row; a name the write refuses undoes every user made before it."""

    layout = LAYOUT
    audit_action = "organizations.import"
    rights = ()

    def check(self, actor, rows):
        return rows

    def write(self, actor, rows):
        for row in rows:
            if row.text("name") == "refused":
                row.problem("name", "refused while writing")
            get_user_model().objects.create(username=row.text("name"))
        return sheets.Written(created=len(rows), details={"kind": "people"})


@pytest.mark.django_db
def test_a_row_refused_while_writing_undoes_the_whole_file():
    content = "姓名\n甲\nrefused\n乙\n".encode()
    report = sheets.run_import({"people": People()}, actor=None, kind="people", path_or_file=named(content))
    assert [(p.row, p.message) for p in report.problems] == [(3, "refused while writing")]
    assert report.created == 0
    assert not get_user_model().objects.filter(username__in=["甲", "乙"]).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_file_written_whole_is_audited_once_with_its_counts():
    report = sheets.run_import(
        {"people": People()}, actor=None, kind="people", path_or_file=named("姓名\n甲\n乙\n".encode())
    )
    assert report.ok and report.created == 2
    entry = AuditEntry.objects.get()
    assert entry.after == {"kind": "people", "file": "list.csv", "created": 2, "updated": 0, "unchanged": 0}


class Deadlocked(People):
    """The database ends the write to break a deadlock (SQLSTATE 40P01), or fails otherwise."""

    def __init__(self, sqlstate):
        self.sqlstate = sqlstate

    def write(self, actor, rows):
        super().write(actor, rows)
        cause = Exception("deadlock")
        cause.sqlstate = self.sqlstate
        raise OperationalError("deadlock") from cause


@pytest.mark.django_db
def test_a_deadlock_refuses_the_file_with_nothing_written_and_other_failures_are_raised():
    content = "姓名\n甲\n".encode()
    with translation.override("zh-hans"):
        report = sheets.run_import(
            {"people": Deadlocked("40P01")}, actor=None, kind="people", path_or_file=named(content)
        )
    assert [p.message for p in report.problems] == ["同一时刻另有对这些记录的修改正在写入，请重新导入。"]
    assert report.created == 0
    assert not get_user_model().objects.filter(username="甲").exists()
    with pytest.raises(OperationalError):
        sheets.run_import({"people": Deadlocked("08006")}, actor=None, kind="people", path_or_file=named(content))


def test_an_unknown_kind_is_refused():
    with translation.override("en"):
        report = sheets.run_import({}, actor=None, kind="nothing", path_or_file=named(b"a\n"))
    assert [p.message for p in report.problems] == ["Unknown kind of import: nothing."]
