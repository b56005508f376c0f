"""The appeals' services: submitted by anyone (guarded against robots and floods, audited without an actor, the
secretary told), answered, turned into a duty, closed and rated once; every refusal a clear message."""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.models import AuditEntry, Notification
from grassroots.duties.models import Assignment, AssignmentState
from grassroots.insights.appeals import services
from grassroots.insights.models import Appeal, AppealState, hash_follow_code

from .conftest import PHONE, png, stamp_for, submit

TODAY = timezone.localdate()


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


# ---------------------------------------------------------------- submitting


def test_an_appeal_is_kept_with_the_hash_of_its_follow_code_only(county):
    appeal, code = submit(county.v11, phone="139 1234 5678")
    assert len(code) == 12 and appeal.follow_hash == hash_follow_code(code)
    assert code not in str(Appeal.objects.filter(pk=appeal.pk).values().get())
    assert appeal.phone == PHONE and appeal.state == AppealState.NEW and appeal.number.endswith(f"{appeal.pk:06d}")


def test_the_phone_is_sealed_at_rest(county):
    from django.db import connection

    appeal, _code = submit(county.v11, phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM insights_appeal WHERE id = %s", [appeal.pk])
        stored = cursor.fetchone()[0]
    assert stored and PHONE not in stored and PHONE[-4:] not in stored
    assert Appeal.objects.get(pk=appeal.pk).phone == PHONE  # opened on reading


def test_the_submission_is_audited_without_an_actor_and_without_the_phone(county):
    appeal, _code = submit(county.v11, phone=PHONE)
    entry = AuditEntry.objects.get(action="insights.appeal.submit", object_id=str(appeal.pk))
    assert entry.actor_id is None and entry.actor_name == ""
    assert entry.after["contact"] is True and PHONE not in str(entry.after)
    assert entry.org_path == county.v11.path


def test_the_branch_secretary_is_notified_of_a_new_appeal(county):
    appeal, _code = submit(county.v11)
    notified = Notification.objects.filter(kind="insights.appeal.new", object_id=str(appeal.pk))
    assert set(notified.values_list("recipient__username", flat=True)) == {"secretary"}


def test_a_photo_is_checked_and_kept(county):
    appeal, _code = submit(county.v11, photo=png())
    assert appeal.photo.kind == "image" and appeal.photo.phash and appeal.photo.thumbnail


def _bomb():
    """A few kilobytes that would decode to hundreds of megabytes."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 7000)).save(out, "PNG")
    return SimpleUploadedFile("bomb.png", out.getvalue())


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (lambda: SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n"), "Only a photo"),
        (lambda: SimpleUploadedFile("lights.jpg", b"not a jpeg at all"), "does not match"),
        (_bomb, "50 million pixels"),
        (lambda: SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "not accepted"),
    ],
)
def test_a_photo_that_is_not_one_is_refused_and_nothing_is_kept(county, upload, says):
    with pytest.raises(ValidationError) as exc:
        submit(county.v11, photo=upload())
    assert says in _messages(exc) and "photo" in exc.value.error_dict
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"text": ""}, "Write what you ask for"),
        ({"text": "灯"}, "at least 5 characters"),
        ({"text": "灯" * 2001}, "at most 2000 characters"),
        ({"text": "路灯坏了\x00"}, "cannot be stored"),
        ({"kind": "complaint"}, "request or a problem"),
        ({"category": "weather"}, "Choose what the appeal is about"),
        ({"phone": "call me maybe"}, "phone number"),
        ({"phone": "12"}, "phone number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(county, fields, says):
    with pytest.raises(ValidationError) as exc:
        submit(county.v11, **fields)
    assert says in _messages(exc)


def test_a_filled_trap_is_refused(county):
    with pytest.raises(ValidationError) as exc:
        submit(county.v11, trap="http://spam.example")
    assert "Leave the last field empty" in _messages(exc)


@pytest.mark.parametrize(
    ("stamp", "says"),
    [
        (lambda org, other: stamp_for(org, seconds_ago=1), "too quickly"),
        (lambda org, other: stamp_for(org, seconds_ago=4 * 3600), "open too long"),
        (lambda org, other: stamp_for(other), "could not be checked"),
        (lambda org, other: stamp_for(org)[:-2] + "xx", "could not be checked"),
        (lambda org, other: "", "could not be checked"),
    ],
)
def test_a_form_sent_too_fast_too_late_or_forged_is_refused(county, stamp, says):
    with pytest.raises(ValidationError) as exc:
        services.appeal_submit(
            organization=county.v11,
            kind="problem",
            category="roads",
            text="东路的路灯坏了。",
            client="10.0.0.9",
            stamp=stamp(county.v11, county.v12),
        )
    assert says in _messages(exc)


def test_one_client_sends_a_few_appeals_an_hour_and_others_still_can(county):
    for _i in range(services.CLIENT_LIMIT):
        submit(county.v11, client="10.9.9.9")
    with pytest.raises(ValidationError) as exc:
        submit(county.v12, client="10.9.9.9")
    assert "Too many appeals were sent from this connection" in _messages(exc)
    submit(county.v11, client="10.9.9.10")


def test_appeals_entered_on_the_publics_behalf_are_not_held_to_the_forms_limits(county):
    for _i in range(services.CLIENT_LIMIT + 2):
        submit(county.v11, client="10.9.9.8", limited=False)
    assert Appeal.objects.filter(organization=county.v11).count() == services.CLIENT_LIMIT + 2


def test_an_organization_takes_so_many_appeals_a_day(county, monkeypatch):
    monkeypatch.setattr(services, "ORGANIZATION_LIMIT", 2)
    submit(county.v11, client="10.1.1.1")
    submit(county.v11, client="10.1.1.2")
    with pytest.raises(ValidationError) as exc:
        submit(county.v11, client="10.1.1.3")
    assert "too many appeals today" in _messages(exc)
    submit(county.v12, client="10.1.1.3")


def test_the_refusal_speaks_chinese_to_a_chinese_reader(county):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        submit(county.v11, text="")
    assert "请" in _messages(exc)


# ---------------------------------------------------------------- answering


def test_the_secretary_answers_and_the_response_time_starts_counting_from_the_arrival(appealed):
    appeal = services.appeal_answer(actor=appealed.users.secretary, appeal=appealed.new, answer="明天派人修。")
    assert appeal.state == AppealState.ANSWERED and appeal.first_response_at and appeal.read_at
    assert appeal.response_hours is not None and appeal.response_hours < 1
    entry = AuditEntry.objects.filter(action="insights.appeal.answer").latest("seq")
    assert entry.actor_id == appealed.users.secretary.pk and entry.after["answer"] == "明天派人修。"


def test_changing_the_answer_keeps_the_first_response_time(appealed):
    first = Appeal.objects.get(pk=appealed.answered.pk).first_response_at
    appeal = services.appeal_answer(actor=appealed.users.secretary, appeal=appealed.answered, answer="已经清理干净。")
    assert appeal.first_response_at == first and appeal.answer == "已经清理干净。"


@pytest.mark.parametrize("who", ["auditor", "member", "outsider"])
def test_who_does_not_change_the_branch_records_does_not_answer(appealed, who):
    with pytest.raises(PermissionDenied):
        services.appeal_answer(actor=getattr(appealed.users, who), appeal=appealed.new, answer="好的")


def test_another_branch_secretary_does_not_answer(appealed):
    from tests.factories import UserFactory, grant

    other = grant(UserFactory(username="v21secretary"), appealed.v21, "secretary")
    with pytest.raises(PermissionDenied):
        services.appeal_answer(actor=other, appeal=appealed.new, answer="好的")
    services.appeal_answer(actor=other, appeal=appealed.other, answer="好的，马上处理。")


def test_an_empty_answer_is_refused(appealed):
    with pytest.raises(ValidationError) as exc:
        services.appeal_answer(actor=appealed.users.secretary, appeal=appealed.new, answer="  ")
    assert "Write the answer" in _messages(exc)


def test_the_appeal_becomes_a_duty_issued_to_its_branch(appealed):
    appeal = Appeal.objects.get(pk=appealed.duty.pk)
    assignment = appeal.assignment
    assert appeal.state == AppealState.IN_DUTY and assignment.organization_id == appealed.v11.pk
    assert assignment.responsible_id == appealed.members["C-T1-V1"].pk and assignment.due_on == TODAY
    assert assignment.state == AssignmentState.ISSUED and appeal.number in assignment.duty.requirement
    assert AuditEntry.objects.filter(action="insights.appeal.to_duty", object_id=str(appeal.pk)).exists()
    assert AuditEntry.objects.filter(action="duties.duty.issue", object_id=str(assignment.duty_id)).exists()


def test_an_appeal_becomes_a_duty_once(appealed):
    with pytest.raises(ValidationError) as exc:
        services.appeal_to_duty(
            actor=appealed.users.secretary, appeal=appealed.duty, responsible=appealed.members["C-T1-V1"], due_on=TODAY
        )
    assert "already a duty" in _messages(exc)


def test_a_duty_needs_a_member_of_the_branch_and_a_date_not_past(appealed):
    before = Assignment.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.appeal_to_duty(
            actor=appealed.users.secretary,
            appeal=appealed.new,
            responsible=appealed.members["C-T2-V1"],
            due_on=TODAY - dt.timedelta(days=1),
        )
    assert set(exc.value.error_dict) == {"responsible", "due_on"}
    assert Assignment.objects.count() == before


def test_closing_needs_a_reason_and_counts_as_a_response(appealed):
    with pytest.raises(ValidationError):
        services.appeal_close(actor=appealed.users.secretary, appeal=appealed.new, reason="")
    appeal = services.appeal_close(actor=appealed.users.secretary, appeal=appealed.new, reason="已由镇里统一处理。")
    assert appeal.state == AppealState.CLOSED and appeal.first_response_at is not None
    with pytest.raises(ValidationError):
        services.appeal_answer(actor=appealed.users.secretary, appeal=appeal, answer="再答一次")


# ---------------------------------------------------------------- rating


def test_the_requester_rates_the_answer_once(appealed):
    appeal = services.appeal_rate(appeal=appealed.answered, rating="4", comment="还可以")
    assert appeal.rating == 4 and appeal.rated_at is not None
    assert AuditEntry.objects.filter(action="insights.appeal.rate", actor_id__isnull=True).exists()
    with pytest.raises(Conflict):
        services.appeal_rate(appeal=appealed.answered, rating=5)


def test_an_appeal_not_answered_is_not_rated(appealed):
    with pytest.raises(ValidationError) as exc:
        services.appeal_rate(appeal=appealed.new, rating=5)
    assert "once the organization has answered" in _messages(exc)


@pytest.mark.parametrize("rating", [0, 6, "five", None, "3.5"])
def test_a_rating_is_a_whole_number_from_1_to_5(appealed, rating):
    with pytest.raises(ValidationError) as exc:
        services.appeal_rate(appeal=appealed.answered, rating=rating)
    assert "from 1 (poor) to 5" in _messages(exc)


def test_the_phone_is_read_unmasked_only_by_a_role_that_may_and_each_reading_is_audited(appealed):
    assert services.appeal_reveal_phone(actor=appealed.users.secretary, appeal=appealed.new) == PHONE
    assert AuditEntry.objects.filter(action="core.personal_data.read", object_id=str(appealed.new.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        services.appeal_reveal_phone(actor=appealed.users.auditor, appeal=appealed.new)


def test_reading_marks_the_appeal_read_once(appealed):
    assert services.appeal_read(actor=appealed.users.secretary, appeal=appealed.new)
    assert not services.appeal_read(actor=appealed.users.secretary, appeal=Appeal.objects.get(pk=appealed.new.pk))
    assert not services.appeal_read(
        actor=appealed.users.auditor, appeal=appealed.other
    )  # a reader, not one who answers
    assert Appeal.objects.get(pk=appealed.other.pk).read_at is None


def test_a_stamp_given_out_is_timed_now(county):
    given = signing.loads(services.form_stamp(organization=county.v11), salt=services.STAMP_SALT)
    assert given["o"] == county.v11.pk and abs(time.time() - given["t"]) < 5
