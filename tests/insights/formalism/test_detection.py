"""The detectors on the records as the services write them: a report submitted, a meeting recorded."""

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.insights.formalism import detectors
from grassroots.insights.models import Flag, FlagKind, PhotoSignature, TextSignature
from grassroots.orglife import services as orglife
from grassroots.orglife.models import Meeting

from .conftest import COPY, DISTINCT, ORIGINAL, photo

pytestmark = pytest.mark.django_db


def test_a_report_copied_from_another_branch_is_flagged_for_the_township(county, issued, submit):
    first = submit(issued["C-T1-V1"], ORIGINAL)
    copy = submit(issued["C-T1-V2"], COPY)
    flag = Flag.objects.get(kind=FlagKind.COPIED_TEXT)
    assert (flag.organization, flag.other_organization, flag.reviewing) == (county.v12, county.v11, county.t1)
    assert (flag.report, flag.other_report) == (copy, first)
    assert flag.similarity >= 0.3
    assert flag.state == "open"


def test_a_distinct_report_on_the_same_topic_is_not_flagged(issued, submit):
    submit(issued["C-T1-V1"], ORIGINAL)
    submit(issued["C-T1-V2"], DISTINCT)
    assert not Flag.objects.exists()
    assert TextSignature.objects.count() == 2


def test_a_report_sent_again_on_the_same_assignment_is_not_its_own_copy(county, issued, submit):
    from grassroots.duties import services as duties

    report = submit(issued["C-T1-V1"], ORIGINAL)
    duties.report_return(actor=county.users.t1_officer, report=report, reason="照片不清楚")
    submit(issued["C-T1-V1"], ORIGINAL + "补充了照片。")
    assert not Flag.objects.exists()


def test_a_photo_used_by_another_branch_is_flagged_even_recompressed_and_cropped(county, issued, submit):
    submit(issued["C-T1-V1"], "见照片", files=[photo(seed=5)])
    again = submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=5, quality=40, crop=0.03, scale=0.5)])
    flag = Flag.objects.get(kind=FlagKind.REUSED_PHOTO)
    assert flag.report == again and flag.organization == county.v12 and flag.other_organization == county.v11
    assert flag.details["distance"] <= 10
    assert PhotoSignature.objects.count() == 2


def test_a_different_photo_of_the_same_kind_of_scene_is_not_flagged(issued, submit):
    submit(issued["C-T1-V1"], "见照片", files=[photo(seed=5)])
    submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=6)])
    assert not Flag.objects.filter(kind=FlagKind.REUSED_PHOTO).exists()


def test_a_meeting_without_minutes_or_attendance_is_flagged(county):
    day = timezone.localdate() - dt.timedelta(days=3)
    meeting = orglife.meeting_record(
        actor=county.users.secretary, organization=county.v11, kind="general", held_on=day, topic="学习"
    )
    flag = Flag.objects.get(kind=FlagKind.EMPTY_MEETING)
    assert flag.meeting == meeting and flag.reviewing == county.t1
    assert flag.details == {"no_minutes": True, "no_attendance": True, "meetings": [meeting.pk]}


def test_a_meeting_with_minutes_and_attendance_is_not_flagged(county):
    member = county.members["C-T1-V1"]
    orglife.meeting_record(
        actor=county.users.secretary,
        organization=county.v11,
        kind="general",
        held_on=timezone.localdate() - dt.timedelta(days=3),
        topic="学习",
        minutes="传达学习了上级会议精神，讨论了本月工作安排。",
        attendance={member.pk: "present"},
    )
    assert not Flag.objects.exists()


def _meeting(county, day, attendance=None, minutes="讨论了本月工作。"):
    return orglife.meeting_record(
        actor=county.users.secretary,
        organization=county.v11,
        kind="general",
        held_on=day,
        topic="支部党员大会",
        minutes=minutes,
        attendance=attendance or {},
    )


def test_a_quarters_meetings_recorded_just_before_its_end_are_a_burst(county):
    quarter = detectors.quarter_of(timezone.localdate())
    member = county.members["C-T1-V1"]
    meetings = [_meeting(county, quarter.start + dt.timedelta(days=d), {member.pk: "present"}) for d in (1, 2, 3)]
    deadline = timezone.make_aware(dt.datetime.combine(quarter.end, dt.time(20, 0)))
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(created_at=deadline)
    found = detectors.meeting_burst(county.v11, quarter)
    assert found is not None and found.details["late"] == 3
    # Recorded as they were held: no burst.
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(
        created_at=timezone.make_aware(dt.datetime.combine(quarter.start + dt.timedelta(days=4), dt.time(9)))
    )
    assert detectors.meeting_burst(county.v11, quarter) is None


def test_attendance_identical_at_every_meeting_of_the_year_is_flagged(county):
    from tests.factories import MemberFactory

    people = [county.members["C-T1-V1"], *(MemberFactory(organization=county.v11) for _ in range(2))]
    same = {m.pk: "present" for m in people}
    today = timezone.localdate()
    days = [today - dt.timedelta(days=d) for d in (40, 30, 20, 10)]
    days = [d for d in days if d.year == today.year] or [today] * 4
    for day in days:
        _meeting(county, day, same)
    if len(days) >= 4:
        assert Flag.objects.filter(kind=FlagKind.SAME_ATTENDANCE, organization=county.v11).count() == 1
    assert detectors.same_attendance(county.v11, today.year - 1) is None


def test_reports_rushed_at_their_due_time_are_a_burst(county, period):
    from grassroots.duties import services as duties
    from grassroots.duties.models import Dimension

    today = timezone.localdate()
    actor = county.users.t1_officer
    duty_list = duties.duty_list_for(actor=actor, organization=county.t1, period=period)
    for i in range(3):
        duty = duties.duty_create(
            actor=actor,
            duty_list=duty_list,
            title=f"任务{i}",
            dimension=Dimension.POLITICAL,
            due_on=today,
            requirement="按时完成",
        )
        duties.duty_issue(actor=actor, duty=duty, targets=[county.v11])
        duties.report_submit(actor=actor, assignment=duty.assignments.get(), text=f"已完成任务{i}", percent=100)
    flag = Flag.objects.get(kind=FlagKind.REPORT_BURST)
    assert flag.organization == county.v11 and flag.details["count"] == 3


def test_texts_indexed_in_bulk_are_found_by_the_next_report_and_forgotten_by_source_and_record(county, period):
    """The first build of an index (signatures computed together, bands written without a model object each) keeps
    what the incremental path keeps: a copy checked after it finds its original; `clear_texts` forgets the texts of
    one source from a record id on, or all of them, bands included."""
    from grassroots.insights.formalism import index, shingles
    from grassroots.insights.models import TextBand, TextSource

    rows = [(1, ORIGINAL, county.v11.pk, period.pk, 0), (2, DISTINCT, county.v21.pk, period.pk, 0)]
    assert index.bulk_index_texts(source=TextSource.REPORT, rows=rows, stop=frozenset()) == 2
    assert index.bulk_index_texts(source=TextSource.MEETING, rows=rows[:1], stop=frozenset()) == 1
    kept = TextSignature.objects.get(source=TextSource.REPORT, record_id=1)
    assert bytes(kept.minhash) == shingles.signature(ORIGINAL).to_bytes()
    assert TextBand.objects.filter(signature=kept).count() == len(set(shingles.signature(ORIGINAL).bands()))
    matches = index.index_text(
        source=TextSource.REPORT, record_id=3, text=COPY, organization=county.v12, period=period, stop=frozenset()
    )
    assert [m.other.record_id for m in matches] == [1]
    index.clear_texts(source=TextSource.REPORT, from_record=2)
    assert sorted(TextSignature.objects.values_list("source", "record_id")) == [
        (TextSource.MEETING, 1),
        (TextSource.REPORT, 1),
    ]
    assert TextBand.objects.count() == 2 * TextBand.objects.filter(signature=kept).count()
    index.clear_texts()
    assert not TextSignature.objects.exists() and not TextBand.objects.exists()


def test_a_reports_signatures_are_made_before_the_transaction_that_writes_them(issued, submit, monkeypatch):
    """The hashing (the text's MinHash, the photo's variants) is the processor's work only: it is done before the
    check's transaction opens, so that SQLite's one writer, taken when a transaction begins, never waits for it."""
    from django.db import transaction

    from grassroots.insights.formalism import index, services

    report = submit(issued["C-T1-V1"], ORIGINAL, files=[photo(seed=5)])
    events = []

    def spy(module, name, fn):
        monkeypatch.setattr(module, name, lambda *args, **kwargs: events.append(name) or fn(*args, **kwargs))

    spy(index, "text_signature", index.text_signature)
    spy(index, "photo_hashes", index.photo_hashes)
    spy(index, "index_text", index.index_text)

    class Transactions:
        def __getattr__(self, name):
            return getattr(transaction, name)

        def atomic(self, *args, **kwargs):
            events.append("transaction")
            return transaction.atomic(*args, **kwargs)

    monkeypatch.setattr(services, "transaction", Transactions())
    services.check_report(report)
    assert events == ["text_signature", "photo_hashes", "transaction", "index_text"]
    assert TextSignature.objects.count() == PhotoSignature.objects.count() == 1
