"""The organizational-life pages as a secretary, a township officer, members and outsiders meet them."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grassroots.orglife import selectors, services
from grassroots.orglife.models import (
    Appraisal,
    AppraisalResult,
    AppraisalVote,
    Attendance,
    CareVisit,
    Meeting,
    MeetingState,
    PointEntry,
    PointRule,
    RecordState,
    StudyRecord,
)
from tests.factories import MemberFactory, UserFactory, grant

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Meeting files go to a temporary folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(name="sign-in.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def branch(county):
    """Qingshan branch with four more members (five in all), and the secretary of another branch."""
    extra = [MemberFactory(organization=county.v11, name=f"成员{i}") for i in range(4)]
    county.branch_members = [county.members["C-T1-V1"], *extra]
    county.users.other_secretary = grant(UserFactory(username="baishi-secretary"), county.v21, "secretary")
    return county


@pytest.fixture
def records(branch):
    """A held meeting with a photo, a planned one, a pending study record, points, an appraisal, a care case."""
    secretary = branch.users.secretary
    members = branch.branch_members
    held = services.meeting_record(
        actor=secretary,
        organization=branch.v11,
        kind="general",
        held_on=YESTERDAY,
        topic="学习全会精神",
        attendance={m.pk: "present" for m in members},
        files=[_png()],
    )
    planned = services.meeting_record(
        actor=secretary,
        organization=branch.v11,
        kind="lecture",
        held_on=TODAY + dt.timedelta(days=7),
        topic="党课",
        state=MeetingState.PLANNED,
    )
    pending = services.study_record_create(
        actor=branch.users.member, member=members[0], title="学习强国", studied_on=YESTERDAY, hours=2
    )
    entry = services.points_enter(
        actor=secretary,
        member=members[1],
        rule=PointRule.objects.get(code="volunteer"),
        earned_on=YESTERDAY,
        note="秋收",
    )
    appraisal = services.appraisal_open(actor=secretary, organization=branch.v11, year=TODAY.year)
    old = MemberFactory(organization=branch.v11, name="张大爷", birth_date=dt.date(1939, 2, 1))
    case = services.care_case_open(
        actor=secretary,
        member=old,
        category="old_age",
        details="独居，腿脚不便",
        opened_on=TODAY - dt.timedelta(days=220),
    )
    return {"held": held, "planned": planned, "pending": pending, "entry": entry, "appraisal": appraisal, "case": case}


def _urls(branch, records) -> dict[str, str]:
    org = branch.v11.pk
    return {
        "org": reverse("orglife:org", args=[org]),
        "org_quarter": reverse("orglife:org", args=[org]) + f"?period={TODAY.year}-Q1",
        "meetings": reverse("orglife:meetings", args=[org]),
        "meeting_new": reverse("orglife:meeting_new", args=[org]),
        "meeting_plan": reverse("orglife:meeting_plan", args=[org]),
        "meeting": reverse("orglife:meeting", args=[records["held"].pk]),
        "meeting_hold": reverse("orglife:meeting_hold", args=[records["planned"].pk]),
        "meeting_file": reverse("orglife:meeting_file", args=[records["held"].files.get().pk]),
        "meeting_thumb": reverse("orglife:meeting_file_thumb", args=[records["held"].files.get().pk]),
        "study_new_for": reverse("orglife:study_new") + f"?org={org}",
        "study": reverse("orglife:study", args=[org]),
        "member_points": reverse("orglife:member_points", args=[branch.branch_members[1].pk]),
        "points_new": reverse("orglife:points_new", args=[org]),
        "points_correct": reverse("orglife:points_correct", args=[records["entry"].pk]),
        "appraisal": reverse("orglife:appraisal", args=[records["appraisal"].pk]),
        "appraisal_close": reverse("orglife:appraisal_close", args=[records["appraisal"].pk]),
        "care": reverse("orglife:care", args=[org]),
        "care_new": reverse("orglife:care_new", args=[org]),
        "care_visit": reverse("orglife:care_visit", args=[org]),
        "talks": reverse("orglife:talks", args=[org]),
        "talk_new": reverse("orglife:talk_new", args=[org]),
    }


# ---------------------------------------------------------------- who sees which page


@pytest.mark.parametrize("role", ["secretary", "t1_officer"])
def test_every_page_renders_for_the_secretary_and_the_township_officer(branch, records, client_for, role):
    client = client_for(getattr(branch.users, role))
    for name, url in _urls(branch, records).items():
        response = client.get(url, **EN)
        assert response.status_code == 200, (name, response.status_code)


@pytest.mark.parametrize("role", ["outsider", "other_secretary"])
def test_every_page_is_closed_to_outsiders_and_other_branches(branch, records, client_for, role):
    client = client_for(getattr(branch.users, role))
    for name, url in _urls(branch, records).items():
        response = client.get(url, **EN)
        assert response.status_code in (403, 404), (name, response.status_code)
    assert client.get(reverse("orglife:point_rules"), **EN).status_code == 200  # the rule book is for everyone
    assert client.get(reverse("orglife:study_new"), **EN).status_code == 403  # no member record to study for


def test_a_member_sees_the_life_of_their_own_branch_but_no_entry_form(branch, records, client_for):
    client = client_for(branch.users.member)
    urls = _urls(branch, records)
    assert client.get(urls["org"], **EN).status_code == 200
    assert client.get(reverse("orglife:study_new"), **EN).status_code == 200
    for name in ("meeting_new", "points_new", "care_visit", "talk_new", "appraisal_close", "study_new_for"):
        assert client.get(urls[name], **EN).status_code in (403, 404), name


def test_pages_render_in_chinese_by_default_and_in_english(branch, records, client_for):
    client = client_for(branch.users.secretary)
    url = reverse("orglife:org", args=[branch.v11.pk])
    zh = client.get(url).content.decode()
    assert 'lang="zh-Hans"' in zh and "学习全会精神" in zh
    en = client.get(url, **EN).content.decode()
    assert 'lang="en"' in en and "Organizational life" in en and "Branch general meeting" in en
    for name, page in _urls(branch, records).items():
        assert client.get(page).status_code == 200, name


def test_the_life_page_shows_what_is_missing_and_the_care_alert(branch, records, client_for):
    text = client_for(branch.users.secretary).get(reverse("orglife:org", args=[branch.v11.pk]), **EN).content.decode()
    assert 'data-kind="general"' in text and 'data-kind="org_life"' in text
    assert "张大爷" in text and "never visited" in text
    assert "1 record to confirm" in text


def test_the_life_page_runs_a_fixed_number_of_queries_for_a_branch_of_30(
    branch, records, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(branch.users.secretary)
    url = reverse("orglife:org", args=[branch.v11.pk])
    client.get(url)  # the session is warm
    with CaptureQueriesContext(connection) as small:
        client.get(url, **EN)
    MemberFactory.create_batch(25, organization=branch.v11)  # 5 + 25 + 张大爷 = 31 members
    services.study_record_create(
        actor=branch.users.secretary, member=branch.branch_members[2], title="党章", studied_on=YESTERDAY, hours=3
    )
    with django_assert_max_num_queries(min(len(small), 25)):
        response = client.get(url, **EN)
    assert response.status_code == 200 and response.content.decode().count("<tr") >= 31


# ---------------------------------------------------------------- meetings


def _meeting_post(branch, **extra):
    members = branch.branch_members
    data = {
        "kind": "general",
        "held_on": YESTERDAY.isoformat(),
        "topic": "支部党员大会：发展党员",
        "place": "村委会会议室",
        "host": str(members[0].pk),
        "minutes": "讨论通过",
        f"att-{members[0].pk}": "present",
        f"att-{members[1].pk}": "present",
        f"att-{members[2].pk}": "late",
        f"att-{members[3].pk}": "excused",
        f"reason-{members[3].pk}": "外出务工",
        f"att-{members[4].pk}": "",  # not marked
    }
    data.update(extra)
    return data


def test_a_meeting_with_attendance_by_tapping_names_is_recorded(branch, client_for):
    client = client_for(branch.users.secretary)
    response = client.post(
        reverse("orglife:meeting_new", args=[branch.v11.pk]), {**_meeting_post(branch), "files": [_png()]}, **EN
    )
    assert response.status_code == 302 and response["Location"] == reverse("orglife:org", args=[branch.v11.pk])
    meeting = Meeting.objects.get(topic="支部党员大会：发展党员")
    statuses = dict(meeting.attendance.values_list("member_id", "status"))
    members = branch.branch_members
    assert statuses == {
        members[0].pk: "present",
        members[1].pk: "present",
        members[2].pk: "late",
        members[3].pk: "excused",
    }
    assert meeting.attendance.get(member=members[3]).reason == "外出务工"
    assert meeting.host == members[0] and meeting.files.count() == 1
    page = client.get(reverse("orglife:meeting", args=[meeting.pk]), **EN).content.decode()
    assert "外出务工" in page and "Absent with leave" in page


def test_the_meeting_form_offers_every_member_of_the_pool_as_a_toggle(branch, client_for):
    text = (
        client_for(branch.users.secretary)
        .get(reverse("orglife:meeting_new", args=[branch.v11.pk]) + "?kind=general", **EN)
        .content.decode()
    )
    for member in branch.branch_members:
        assert f'name="att-{member.pk}"' in text and f'name="reason-{member.pk}"' in text
    assert 'id="all-present"' in text and '<option value="general" selected>' in text


def test_a_stranger_in_the_attendance_is_refused_with_a_message_and_nothing_is_saved(branch, client_for):
    stranger = branch.members["C-T2-V1"]
    data = _meeting_post(branch, **{f"att-{stranger.pk}": "present"})
    response = client_for(branch.users.secretary).post(reverse("orglife:meeting_new", args=[branch.v11.pk]), data, **EN)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Only its members can be in the attendance" in text
    assert stranger.name in text or f"#{stranger.pk}" in text  # named only to those who may see them
    assert "支部党员大会：发展党员" in text and "外出务工" in text  # typed input kept
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_a_forged_attendance_key_and_a_missing_reason_get_messages(branch, client_for):
    client = client_for(branch.users.secretary)
    url = reverse("orglife:meeting_new", args=[branch.v11.pk])
    text = client.post(url, _meeting_post(branch, **{"att-abc": "present"}), **EN).content.decode()
    assert "not a member" in text
    member = branch.branch_members[3]
    text = client.post(url, _meeting_post(branch, **{f"reason-{member.pk}": " "}), **EN).content.decode()
    assert f"Give the reason why {member.name} was absent with leave" in text
    text = client.post(url, _meeting_post(branch, **{"att-99999999999999999999999": "present"}), **EN).content.decode()
    assert "not a member" in text
    text = client.post(url, _meeting_post(branch, **{f"reason-{member.pk}": "x" * 201}), **EN).content.decode()
    assert "at most 200 characters" in text
    text = client.post(url, _meeting_post(branch, held_on="yesterday"), **EN).content.decode()
    assert "Enter a valid date" in text
    assert not Meeting.objects.exists()


def test_plan_a_meeting_then_record_it_as_held(branch, client_for):
    client = client_for(branch.users.secretary)
    response = client.post(
        reverse("orglife:meeting_plan", args=[branch.v11.pk]),
        {"kind": "lecture", "held_on": TODAY.isoformat(), "topic": "党课：弘扬伟大建党精神"},
        **EN,
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(state=MeetingState.PLANNED)
    member = branch.branch_members[0]
    response = client.post(
        reverse("orglife:meeting_hold", args=[meeting.pk]),
        {"held_on": TODAY.isoformat(), "minutes": "书记讲党课", f"att-{member.pk}": "present"},
        **EN,
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.attendance.get().member == member


def test_meeting_files_are_served_inert_and_only_in_scope(branch, records, client_for):
    item = records["held"].files.get()
    response = client_for(branch.users.secretary).get(reverse("orglife:meeting_file", args=[item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert "attachment" not in response.get("Content-Disposition", "")
    outsider = client_for(branch.users.other_secretary)
    assert outsider.get(reverse("orglife:meeting_file", args=[item.pk])).status_code == 404


# ---------------------------------------------------------------- study


@pytest.mark.parametrize(
    "hours, message",
    [("abc", "Hours must be a number"), ("-1", "at most 24"), ("25", "at most 24")],
)
def test_absurd_study_hours_get_the_service_message_and_keep_the_input(branch, client_for, hours, message):
    client = client_for(branch.users.member)
    data = {"title": "党章第二章", "studied_on": YESTERDAY.isoformat(), "hours": hours}
    text = client.post(reverse("orglife:study_new"), data, **EN).content.decode()
    assert message in text and f'value="{hours}"' in text and "党章第二章" in text
    assert not StudyRecord.objects.exists()


def test_more_than_24_hours_in_a_day_gets_a_message(branch, client_for):
    client = client_for(branch.users.secretary)
    member = branch.branch_members[1]
    url = reverse("orglife:study_new") + f"?org={branch.v11.pk}"
    data = {"member": member.pk, "title": "a", "studied_on": YESTERDAY.isoformat(), "hours": "20"}
    assert client.post(url, data, **EN).status_code == 302
    text = client.post(url, {**data, "hours": "5"}, **EN).content.decode()
    assert "a day has 24" in text
    assert StudyRecord.objects.filter(member=member).count() == 1


def test_own_study_waits_and_the_secretary_confirms_it_inline(branch, client_for):
    member_client = client_for(branch.users.member)
    data = {"title": "学习强国", "studied_on": YESTERDAY.isoformat(), "hours": "1.5"}
    assert member_client.post(reverse("orglife:study_new"), data, **EN).status_code == 302
    record = StudyRecord.objects.get()
    assert record.state == RecordState.PENDING
    client = client_for(branch.users.secretary)
    queue = client.get(reverse("orglife:study", args=[branch.v11.pk]), **EN).content.decode()
    assert f'id="study-{record.pk}"' in queue
    response = client.post(reverse("orglife:study_decide", args=[record.pk]), {"decision": "confirm"}, **HTMX)
    assert response.status_code == 200 and "Confirmed" in response.content.decode()
    record.refresh_from_db()
    assert record.state == RecordState.CONFIRMED
    again = client.post(reverse("orglife:study_decide", args=[record.pk]), {"decision": "reject"}, **HTMX)
    assert "already decided" in again.content.decode()


# ---------------------------------------------------------------- points


def test_a_points_entry_over_the_cap_shows_the_refusal(branch, client_for):
    client = client_for(branch.users.secretary)
    member = branch.branch_members[0]
    rule = PointRule.objects.get(code="volunteer")
    url = reverse("orglife:points_new", args=[branch.v11.pk])
    data = {"member": member.pk, "rule": rule.pk, "earned_on": YESTERDAY.isoformat(), "note": "敬老院"}
    assert client.post(url, data, **EN).status_code == 302
    assert client.post(url, data, **EN).status_code == 302
    text = client.post(url, {**data, "note": "再一次"}, **EN).content.decode()
    assert "breaks the cap" in text and "再一次" in text
    assert PointEntry.objects.filter(member=member).count() == 2


def test_a_correction_is_a_new_line_in_the_ledger(branch, records, client_for):
    client = client_for(branch.users.secretary)
    entry = records["entry"]
    url = reverse("orglife:points_correct", args=[entry.pk])
    assert "Say why" in client.post(url, {"points": "0", "reason": ""}, **EN).content.decode()
    assert client.post(url, {"points": "0", "reason": "录入错误"}, **EN).status_code == 302
    ledger = client.get(reverse("orglife:member_points", args=[entry.member_id]), **EN).content.decode()
    assert "录入错误" in ledger and "corrects" in ledger
    assert PointEntry.objects.filter(member=entry.member, rule=entry.rule).count() == 2


def test_the_points_ledger_names_its_rules_in_the_readers_language(branch, records, client_for):
    client = client_for(branch.users.secretary)
    entry = records["entry"]
    url = reverse("orglife:member_points", args=[entry.member_id])
    english = client.get(url, **EN).content.decode()
    assert entry.rule.name_en and entry.rule.name_en in english and f"· {entry.rule.name}<" not in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert entry.rule.name in chinese and entry.rule.name_en not in chinese
    rules = client.get(reverse("orglife:points_new", args=[branch.v11.pk]), **EN).content.decode()
    assert "Volunteer service (confirmed) (+2.0)" in rules


# ---------------------------------------------------------------- appraisal


def test_appraisal_open_vote_and_close_through_the_pages(branch, client_for):
    secretary = client_for(branch.users.secretary)
    response = secretary.post(reverse("orglife:appraisal_open", args=[branch.v11.pk]), {"year": TODAY.year}, **EN)
    appraisal = Appraisal.objects.get()
    assert response["Location"] == reverse("orglife:appraisal", args=[appraisal.pk])
    members = branch.branch_members

    voter = client_for(branch.users.member)
    page = voter.get(reverse("orglife:appraisal_vote", args=[appraisal.pk]), **EN).content.decode()
    assert all(f'name="grade-{m.pk}"' in page for m in members) and "self-assessment" in page
    votes = {f"grade-{m.pk}": "qualified" for m in members} | {f"grade-{members[1].pk}": "excellent"}
    assert voter.post(reverse("orglife:appraisal_vote", args=[appraisal.pk]), votes, **EN).status_code == 302
    assert AppraisalVote.objects.count() == 5
    again = voter.get(reverse("orglife:appraisal_vote", args=[appraisal.pk]), **EN).content.decode()
    assert "You have rated every member" in again

    secretary = client_for(branch.users.secretary)
    close_url = reverse("orglife:appraisal_close", args=[appraisal.pk])
    sheet = secretary.get(close_url, **EN).content.decode()
    assert "At most 1 of 5 members can be rated excellent" in sheet
    decisions = {f"grade-{m.pk}": "qualified" for m in members}
    decisions |= {f"grade-{members[1].pk}": "excellent", f"grade-{members[2].pk}": "excellent"}
    text = secretary.post(close_url, decisions, **EN).content.decode()
    assert "At most 33% of members can be rated excellent" in text
    decisions |= {f"grade-{members[2].pk}": "qualified", f"grade-{members[4].pk}": "unqualified"}
    text = secretary.post(close_url, decisions, **EN).content.decode()
    assert "write the follow-up" in text
    decisions[f"follow-{members[4].pk}"] = "由书记谈话，三个月内整改"
    assert secretary.post(close_url, decisions, **EN).status_code == 302
    results = dict(AppraisalResult.objects.values_list("member_id", "grade"))
    assert results[members[1].pk] == "excellent" and results[members[4].pk] == "unqualified"
    page = secretary.get(reverse("orglife:appraisal", args=[appraisal.pk]), **EN).content.decode()
    assert "三个月内整改" in page and "Excellent" in page


def test_the_buttons_follow_the_services_checks(branch, records, client_for):
    """A button shows where its service would act: hold a planned meeting, correct an original line, vote, close."""
    users = branch.users
    urls = _urls(branch, records)

    def page(user, url):
        return client_for(user).get(url, **EN).content.decode()

    planned = reverse("orglife:meeting", args=[records["planned"].pk])
    hold = reverse("orglife:meeting_hold", args=[records["planned"].pk])
    assert hold in page(users.secretary, planned) and hold not in page(users.member, planned)
    assert "Record it as held" not in page(users.secretary, urls["meeting"])  # held already

    entry = records["entry"]
    correction = services.points_correct(actor=users.secretary, entry=entry, points="0", reason="录入错误")
    ledger = page(users.secretary, urls["member_points"])
    assert reverse("orglife:points_correct", args=[entry.pk]) in ledger
    assert reverse("orglife:points_correct", args=[correction.pk]) not in ledger

    appraisal = records["appraisal"]
    vote = reverse("orglife:appraisal_vote", args=[appraisal.pk])
    close = reverse("orglife:appraisal_close", args=[appraisal.pk])
    for url in (urls["org"], urls["appraisal"]):
        as_member, as_secretary = page(users.member, url), page(users.secretary, url)
        assert vote in as_member and close not in as_member, url
        assert close in as_secretary and vote not in as_secretary, url
    decisions = {m.pk: ("qualified", "") for m in selectors.appraisal_full_members(appraisal)}
    services.appraisal_close(actor=users.secretary, appraisal=appraisal, decisions=decisions)
    for user in (users.member, users.secretary):
        text = page(user, urls["org"])
        assert vote not in text and close not in text
    closed = client_for(users.secretary).get(close, follow=True, **EN).content.decode()
    assert "already closed" in closed


def test_only_full_members_of_the_branch_vote(branch, records, client_for):
    url = reverse("orglife:appraisal_vote", args=[records["appraisal"].pk])
    assert client_for(branch.users.secretary).get(url, **EN).status_code == 403


# ---------------------------------------------------------------- care and talks


def test_a_visit_to_a_member_not_in_the_ledger_gets_the_message(branch, client_for):
    member = branch.branch_members[2]
    data = {"member": member.pk, "visited_on": YESTERDAY.isoformat(), "help_given": "送米面油", "amount": "200"}
    text = (
        client_for(branch.users.secretary)
        .post(reverse("orglife:care_visit", args=[branch.v11.pk]), data, **EN)
        .content.decode()
    )
    assert "not in the ledger of members in difficulty" in text and "送米面油" in text
    assert not CareVisit.objects.exists()


def test_the_care_alert_clears_after_a_visit_recorded_on_the_page(branch, records, client_for):
    client = client_for(branch.users.secretary)
    old = records["case"].member
    url = reverse("orglife:care_visit", args=[branch.v11.pk]) + f"?member={old.pk}"
    form = client.get(url, **EN).content.decode()
    assert f'<option value="{old.pk}" selected>' in form
    data = {"member": old.pk, "visited_on": YESTERDAY.isoformat(), "occasion": "routine", "amount": "abc"}
    text = client.post(url, {**data, "help_given": "送米面油"}, **EN).content.decode()
    assert "number of yuan" in text
    text = client.post(url, {**data, "amount": "300", "help_given": ""}, **EN).content.decode()
    assert "Say what was done" in text
    assert client.post(url, {**data, "amount": "300", "help_given": "送米面油"}, **EN).status_code == 302
    assert CareVisit.objects.get().amount == Decimal("300")
    page = client.get(reverse("orglife:org", args=[branch.v11.pk]), **EN).content.decode()
    assert "Every member in the ledger was visited in time" in page


def test_care_details_only_for_those_who_may_read_personal_data(branch, records, client_for):
    url = reverse("orglife:care", args=[branch.v11.pk])
    assert "独居" in client_for(branch.users.secretary).get(url, **EN).content.decode()
    auditor = client_for(branch.users.auditor)  # reads the township, not personal data
    text = auditor.get(url, **EN).content.decode()
    assert "张大爷" in text and "独居" not in text
    member_page = reverse("organizations:member", args=[records["case"].member_id])
    assert "独居" not in auditor.get(member_page, **EN).content.decode()
    assert "独居" in client_for(branch.users.secretary).get(member_page, **EN).content.decode()


def test_talks_record_and_the_missing_list(branch, client_for):
    client = client_for(branch.users.secretary)
    member = branch.branch_members[0]
    url = reverse("orglife:talk_new", args=[branch.v11.pk])
    text = client.post(url, {"member": member.pk, "talked_on": YESTERDAY.isoformat(), "topic": "思想动态"}, **EN)
    assert "Say who talked with the member" in text.content.decode()
    data = {"member": member.pk, "talked_on": YESTERDAY.isoformat(), "topic": "思想动态", "with_name": "书记"}
    assert client.post(url, {**data, "notes": "家中老人生病"}, **EN).status_code == 302
    page = client.get(reverse("orglife:talks", args=[branch.v11.pk]), **EN).content.decode()
    assert "家中老人生病" in page
    missing = page.split('id="missing"')[1].split("</section>")[0]
    assert member.name not in missing and branch.branch_members[1].name in missing


# ---------------------------------------------------------------- the member page


def test_the_member_page_shows_the_year_of_organizational_life(branch, records, client_for):
    member = branch.branch_members[1]
    services.talk_record(
        actor=branch.users.secretary, member=member, talked_on=YESTERDAY, topic="谈心", with_name="书记", notes="私事"
    )
    url = reverse("organizations:member", args=[member.pk])
    text = client_for(branch.users.secretary).get(url, **EN).content.decode()
    assert "学习全会精神" in text and "Present" in text  # the meeting attended
    assert "of 32.0 hours" in text or "of 32 hours" in text
    assert "秋收" in text  # the latest ledger line
    assert "谈心" in text and "私事" in text
    auditor = client_for(branch.users.auditor).get(url, **EN).content.decode()
    assert "谈心" in auditor and "私事" not in auditor


def test_a_wrong_period_code_gets_a_message_and_this_year(branch, client_for):
    response = client_for(branch.users.secretary).get(
        reverse("orglife:org", args=[branch.v11.pk]) + "?period=abc", **EN
    )
    text = response.content.decode()
    assert response.status_code == 200 and "ABC is not a period" in text and f"Meetings in {TODAY.year}" in text
    response = client_for(branch.users.secretary).get(
        reverse("orglife:org", args=[branch.v11.pk]) + "?period=0000", **EN
    )
    assert response.status_code == 200 and "0000 is not a period" in response.content.decode()
    client = client_for(branch.users.secretary)
    for url in (
        reverse("orglife:talks", args=[branch.v11.pk]),
        reverse("orglife:member_points", args=[branch.members["C-T1-V1"].pk]),
    ):
        assert client.get(url + "?year=99999", **EN).status_code == 200


def test_a_member_leaves_the_care_ledger(branch, records, client_for):
    case = records["case"]
    url = reverse("orglife:care_close", args=[case.pk])
    refused = client_for(branch.users.auditor).post(url, follow=True, **EN)
    assert "do not have permission" in refused.content.decode()
    case.refresh_from_db()
    assert case.closed_on is None
    assert client_for(branch.users.secretary).post(url, **EN).status_code == 302
    case.refresh_from_db()
    assert case.closed_on == TODAY


def test_the_admin_keeps_the_rule_books_and_only_reads_the_records(branch, records, client_for):
    client = client_for(branch.users.admin)
    for model in (
        "meetingrule",
        "pointrule",
        "studycourse",
        "studyplan",
        "meeting",
        "studyrecord",
        "pointentry",
        "appraisal",
        "carecase",
        "carevisit",
        "talk",
    ):
        assert client.get(reverse(f"admin:orglife_{model}_changelist")).status_code == 200, model
    page = client.get(reverse("admin:orglife_carecase_change", args=[records["case"].pk])).content.decode()
    assert "独居" not in page
    assert client.get(reverse("admin:orglife_pointentry_add")).status_code == 403
    rule = PointRule.objects.get(code="volunteer")
    assert client.get(reverse("admin:orglife_pointrule_change", args=[rule.pk])).status_code == 200


def test_numbers_the_services_cannot_read_get_a_message_not_an_error(branch, records, client_for):
    member_client = client_for(branch.users.member)
    data = {"title": "学习", "studied_on": YESTERDAY.isoformat(), "hours": "NaN"}
    assert "Hours must be a number" in member_client.post(reverse("orglife:study_new"), data, **EN).content.decode()
    client = client_for(branch.users.secretary)
    old = records["case"].member
    visit = {"member": old.pk, "visited_on": YESTERDAY.isoformat(), "help_given": "x"}
    for amount in ("NaN", "1e99", "-Infinity"):
        text = client.post(reverse("orglife:care_visit", args=[branch.v11.pk]), {**visit, "amount": amount}, **EN)
        assert "number of yuan" in text.content.decode(), amount
    url = reverse("orglife:points_correct", args=[records["entry"].pk])
    for points in ("NaN", "1e9", "abc"):
        text = client.post(url, {"points": points, "reason": "x"}, **EN).content.decode()
        assert "Points must be a number" in text, points
    assert not CareVisit.objects.exists() and not StudyRecord.objects.filter(title="学习").exists()


def test_hours_and_points_read_as_numbers_not_runs_of_zeros(branch, records, client_for):
    """Study hours and points with many decimals in the database read as people write them, on the member's page,
    the ledger and the branch's life page, in both languages."""
    from decimal import Decimal

    from grassroots.orglife.models import PointEntry, StudyRecord

    member = branch.branch_members[1]
    StudyRecord.objects.create(
        member=member, title="学习", studied_on=YESTERDAY, hours=Decimal("2.9"), state="confirmed"
    )
    PointEntry.objects.filter(member=member).update(points=Decimal("7.4"))
    client = client_for(branch.users.secretary)
    for lang in ("en", "zh-hans"):
        for url in (
            reverse("organizations:member", args=[member.pk]),
            reverse("orglife:member_points", args=[member.pk]),
            reverse("orglife:org", args=[branch.v11.pk]),
        ):
            text = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
            assert "00000" not in text and ".0 " not in text, (url, lang)


def test_a_member_in_the_ledger_reads_her_own_case_not_a_false_empty_ledger(branch, client_for):
    """The care page told a member in the ledger "0 members in difficulty": she reads her own case, and the page
    says the ledger itself is the secretary's and officers'."""
    from grassroots.orglife.models import CareCase

    her = branch.members["C-T1-V1"] if hasattr(branch, "members") else branch.branch_members[0]
    her.user = branch.users.member
    her.save()
    CareCase.objects.create(member=her, category="illness", opened_on=YESTERDAY, visit_interval_days=90)
    other = MemberFactory(organization=her.organization, name="王另一位")
    CareCase.objects.create(member=other, category="illness", opened_on=YESTERDAY, visit_interval_days=90)
    text = client_for(branch.users.member).get(reverse("orglife:care", args=[her.organization_id]), **EN)
    text = text.content.decode()
    assert "0 members in difficulty" not in text and "You see only what concerns you." in text
    assert her.name in text and "王另一位" not in text  # her own case, not a colleague's


def test_a_meeting_sent_again_after_the_back_button_is_refused_and_counted_once(branch, client_for):
    """The secretary records a meeting, presses Back (the form comes back filled in) and sends it again: the second
    is refused with the reason, in their language, and the meeting counts once towards the meetings required."""
    client = client_for(branch.users.secretary)
    url = reverse("orglife:meeting_new", args=[branch.v11.pk])
    assert client.post(url, _meeting_post(branch), **EN).status_code == 302
    again = client.post(url, _meeting_post(branch), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = again.content.decode()
    assert again.status_code == 200 and "已经记录" in text and "不会重复记录" in text
    assert "支部党员大会：发展党员" in text  # what was typed, kept
    assert Meeting.objects.filter(topic="支部党员大会：发展党员").count() == 1
    # Another topic the same day is another meeting.
    assert client.post(url, _meeting_post(branch, topic="支部党员大会：民主评议党员"), **EN).status_code == 302
    assert Meeting.objects.filter(organization=branch.v11).count() == 2
