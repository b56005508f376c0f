"""The duty pages, as each kind of user meets them: my work, reporting, review, evidence, lists, issuing down."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from grassroots.duties import selectors, services
from grassroots.duties.models import (
    Assignment,
    AssignmentState,
    Claim,
    DueDateRequest,
    Duty,
    DutyList,
    Evidence,
    ProgressReport,
    ReportState,
)
from grassroots.organizations.models import Post
from tests.factories import UserFactory, grant

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files go to a temporary folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(name="photo.png", color=(200, 30, 30)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _pdf(name="minutes.pdf"):
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _xls(name="attendance.xls"):
    return SimpleUploadedFile(
        name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, content_type="application/vnd.ms-excel"
    )


@pytest.fixture
def secretaries(county):
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )


@pytest.fixture
def issued(county, duty_at, secretaries):
    """A county duty issued to the four village branches."""
    duty = duty_at(county)
    villages = services.resolve_targets(issuer=county.county, mode="kind", kind="branch")
    services.duty_issue(actor=county.users.officer, duty=duty, targets=villages)
    return duty


@pytest.fixture
def a11(county, issued):
    return Assignment.objects.get(duty=issued, organization=county.v11)


@pytest.fixture
def submitted(county, a11):
    """Qingshan's report with a photo, a PDF and a spreadsheet, waiting for the county's review."""
    return services.report_submit(
        actor=county.users.secretary,
        assignment=a11,
        text="开展了主题党日，到会28人",
        percent=100,
        files=[_png(), _pdf(), _xls()],
    )


def _text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- who sees which page


def _urls(county, issued, a11, submitted):
    photo = submitted.evidence.get(kind="image")
    return {
        "my_work": reverse("duties:my_work"),
        "review": reverse("duties:review"),
        "assignment": reverse("duties:assignment", args=[a11.pk]),
        "report": reverse("duties:report", args=[a11.pk]),
        "duty": reverse("duties:duty", args=[issued.pk]),
        "issue": reverse("duties:issue", args=[issued.pk]),
        "edit": reverse("duties:duty_edit", args=[issued.pk]),
        "list": reverse("duties:list", args=[issued.duty_list_id]),
        "duty_new": reverse("duties:duty_new", args=[issued.duty_list_id]),
        "org_lists": reverse("duties:org_lists", args=[county.county.pk]),
        "evidence": reverse("duties:evidence", args=[photo.pk]),
        "thumb": reverse("duties:evidence_thumb", args=[photo.pk]),
    }


# role -> page -> status; the member is Qingshan's member linked to the account, responsible there.
ACCESS = {
    "admin": dict(my_work=200, review=200, assignment=200, report=200, duty=200, issue=200, edit=200, list=200,
                  duty_new=200, org_lists=200, evidence=200, thumb=200),
    "officer": dict(my_work=200, review=200, assignment=200, report=200, duty=200, issue=200, edit=200, list=200,
                    duty_new=200, org_lists=200, evidence=200, thumb=200),
    "t1_officer": dict(my_work=200, review=200, assignment=200, report=200, duty=404, issue=404, edit=404, list=404,
                       duty_new=404, org_lists=404, evidence=200, thumb=200),
    "secretary": dict(my_work=200, review=200, assignment=200, report=200, duty=404, issue=404, edit=404, list=404,
                      duty_new=404, org_lists=404, evidence=200, thumb=200),
    "auditor": dict(my_work=200, review=403, assignment=200, report=403, duty=404, issue=404, edit=404, list=404,
                    duty_new=404, org_lists=404, evidence=200, thumb=200),
    "member": dict(my_work=200, review=403, assignment=200, report=200, duty=404, issue=404, edit=404, list=404,
                   duty_new=404, org_lists=404, evidence=200, thumb=200),
    "outsider": dict(my_work=200, review=403, assignment=404, report=404, duty=404, issue=404, edit=404, list=404,
                     duty_new=404, org_lists=404, evidence=404, thumb=404),
}  # fmt: skip


@pytest.mark.parametrize("role", list(ACCESS))
def test_each_page_answers_each_role_as_the_policy_says(county, issued, a11, submitted, client_for, role):
    urls = _urls(county, issued, a11, submitted)
    client = client_for(getattr(county.users, role))
    got = {page: client.get(url, **EN).status_code for page, url in urls.items()}
    assert got == ACCESS[role]


def test_a_township_officer_may_view_but_the_auditor_may_not_issue_a_township_duty(county, duty_at, client_for):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer)
    url = reverse("duties:issue", args=[duty.pk])
    assert client_for(county.users.t1_officer).get(url).status_code == 200
    assert client_for(county.users.auditor).get(reverse("duties:duty", args=[duty.pk])).status_code == 200
    assert client_for(county.users.auditor).get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("duties:my_work"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("page", ["my_work", "review", "assignment", "report", "duty", "issue", "list", "org_lists"])
def test_pages_render_in_chinese_by_default(county, issued, a11, submitted, client_for, page):
    response = client_for(county.users.officer).get(_urls(county, issued, a11, submitted)[page])
    assert response.status_code == 200
    assert '<html lang="zh-Hans" ' in _text(response)


def test_duty_form_pages_render_in_chinese(county, issued, a11, client_for):
    client = client_for(county.users.officer)
    assert client.get(reverse("duties:duty_new", args=[issued.duty_list_id])).status_code == 200
    assert client.get(reverse("duties:duty_edit", args=[issued.pk])).status_code == 200
    client = client_for(county.users.secretary)
    assert client.get(reverse("duties:decompose", args=[a11.pk])).status_code == 200


# ---------------------------------------------------------------- my work


def _due_in(assignment, days):
    Assignment.objects.filter(pk=assignment.pk).update(due_on=timezone.localdate() + dt.timedelta(days=days))


def test_my_work_lists_red_then_yellow_then_green_and_done_last(county, duty_at, secretaries, client_for):
    titles = {"green": 20, "yellow": 2, "red": -3, "done": 10}
    made = {}
    for light, days in titles.items():
        duty = duty_at(county, title=f"duty-{light}")
        services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11])
        made[light] = Assignment.objects.get(duty=duty)
        _due_in(made[light], days)
    Assignment.objects.filter(pk=made["done"].pk).update(state=AssignmentState.ACCEPTED)
    text = _text(client_for(county.users.secretary).get(reverse("duties:my_work"), **EN))
    positions = [text.index(f"duty-{light}") for light in ("red", "yellow", "green", "done")]
    assert positions == sorted(positions)
    assert text.index('id="group-red"') < text.index('id="group-yellow"') < text.index('id="group-green"')
    assert "<details" in text[text.index("duty-green") : text.index("duty-done")]  # done is collapsed
    assert text.count(">Report</a>") == 3


def test_my_work_item_shows_issuer_due_date_state_and_percent(county, a11, client_for):
    Assignment.objects.filter(pk=a11.pk).update(percent=40, state=AssignmentState.IN_PROGRESS)
    text = _text(client_for(county.users.secretary).get(reverse("duties:my_work"), **EN))
    assert "from 青山县委" in text and a11.due_on.strftime("%Y-%m-%d") in text
    assert "In progress" in text and "40%" in text
    assert reverse("duties:report", args=[a11.pk]) in text


def test_my_work_empty_says_what_to_do(county, client_for):
    text = _text(client_for(county.users.secretary).get(reverse("duties:my_work"), **EN))
    assert "Nothing is due for you yet" in text and "duty lists" in text
    text = _text(client_for(county.users.outsider).get(reverse("duties:my_work"), **EN))
    assert "not linked" in text


def test_my_work_shows_the_reason_of_a_returned_report(county, a11, client_for):
    report = services.report_submit(actor=county.users.secretary, assignment=a11, text="x", percent=50)
    services.report_return(actor=county.users.officer, report=report, reason="缺少签到表")
    text = _text(client_for(county.users.secretary).get(reverse("duties:my_work"), **EN))
    assert "Returned:" in text and "缺少签到表" in text


def test_managers_see_how_much_waits_for_review(county, submitted, client_for):
    text = _text(client_for(county.users.officer).get(reverse("duties:my_work"), **EN))
    assert "1 report to review" in text


def test_a_member_claims_an_open_duty_from_my_work(county, duty_at, client_for):
    duty = duty_at(
        county, org=county.t1, actor=county.users.t1_officer, title="组建秋收志愿队", claimable=True, claim_limit=2
    )
    client = client_for(county.users.member)
    text = _text(client.get(reverse("duties:my_work"), **EN))
    assert "组建秋收志愿队" in text and "0 of 2 places taken" in text
    response = client.post(reverse("duties:claim", args=[duty.pk]), follow=True, **EN)
    assert "You claimed" in _text(response)
    claim = Claim.objects.get(duty=duty)
    assert claim.member == county.members["C-T1-V1"]
    again = client.post(reverse("duties:claim", args=[duty.pk]), follow=True, **EN)
    assert "already been claimed by you" in _text(again) and "You claimed it" in _text(again)
    client.post(reverse("duties:claim_withdraw", args=[claim.pk]), **EN)
    claim.refresh_from_db()
    assert claim.state == "withdrawn"


# ---------------------------------------------------------------- reporting


def _report(client, assignment, **data):
    payload = {"text": "开展了主题党日", "percent": "100"}
    payload.update(data)
    return client.post(reverse("duties:report", args=[assignment.pk]), payload, follow=True, **EN)


def test_report_with_a_photo_through_the_form_is_submitted(county, a11, client_for):
    response = _report(client_for(county.users.secretary), a11, files=[_png(), _png("second.png", (0, 90, 0))])
    a11.refresh_from_db()
    assert a11.state == AssignmentState.SUBMITTED
    report = ProgressReport.objects.get(assignment=a11)
    assert report.evidence.count() == 2
    text = _text(response)
    assert "Report submitted" in text
    assert reverse("duties:evidence_thumb", args=[report.evidence.first().pk]) in text


def test_report_form_offers_the_camera_and_several_files_of_the_accepted_kinds(county, a11, client_for):
    text = _text(client_for(county.users.secretary).get(reverse("duties:report", args=[a11.pk]), **EN))
    assert 'accept="image/*,.pdf,.docx,.xlsx,.pptx,.doc,.xls"' in text
    assert 'capture="environment"' in text and "multiple" in text
    assert 'enctype="multipart/form-data"' in text


@pytest.mark.parametrize("content", [b"this is not a photo at all", b"MZ\x90\x00\x03\x00\x00\x00 a program"])
def test_a_file_named_jpg_that_is_not_a_photo_is_refused_nothing_saved_and_the_text_kept(
    county, a11, client_for, content
):
    fake = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    response = _report(client_for(county.users.secretary), a11, text="到会28人，学习了文件", files=[fake])
    text = _text(response)
    assert response.status_code == 200
    assert "not really a .jpg file" in text and "到会28人，学习了文件" in text
    assert "choose them again" in text
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()
    a11.refresh_from_db()
    assert a11.state == AssignmentState.ISSUED


def test_an_exe_is_refused(county, a11, client_for):
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    text = _text(_report(client_for(county.users.secretary), a11, files=[exe]))
    assert "not accepted" in text and not ProgressReport.objects.exists()


def test_a_file_too_large_is_refused(county, a11, client_for, settings):
    settings.GRASSROOTS_EVIDENCE_MAX_BYTES = 100
    text = _text(_report(client_for(county.users.secretary), a11, text="大文件", files=[_png()]))
    assert "too large" in text and "大文件" in text and not ProgressReport.objects.exists()


@pytest.mark.parametrize("percent", ["abc", "101", "-5", ""])
def test_a_bad_percent_is_refused_and_the_text_kept(county, a11, client_for, percent):
    text = _text(_report(client_for(county.users.secretary), a11, text="学习了文件", percent=percent))
    assert "学习了文件" in text and 'class="error"' in text
    assert not ProgressReport.objects.exists()


def test_an_empty_report_text_is_refused_by_the_service(county, a11, client_for):
    text = _text(_report(client_for(county.users.secretary), a11, text="  "))
    assert "Say what was done." in text and not ProgressReport.objects.exists()


def test_reporting_again_while_waiting_for_review_says_why_not(county, submitted, a11, client_for):
    text = _text(client_for(county.users.secretary).get(reverse("duties:report", args=[a11.pk]), **EN))
    assert "Nothing to report now" in text
    text = _text(_report(client_for(county.users.secretary), a11))
    assert "cannot be made now" in text


def test_the_author_withdraws_a_submitted_report(county, submitted, a11, client_for):
    client = client_for(county.users.secretary)
    assert "Withdraw this report" in _text(client.get(reverse("duties:assignment", args=[a11.pk]), **EN))
    client.post(reverse("duties:report_withdraw", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.state == ReportState.WITHDRAWN
    response = client.post(reverse("duties:report_withdraw", args=[submitted.pk]), follow=True, **EN)
    assert "already reviewed or withdrawn" in _text(response)


@pytest.mark.parametrize("role", ["secretary", "officer", "t1_officer", "admin", "member", "auditor", "outsider"])
def test_the_page_offers_withdrawing_a_report_to_exactly_those_the_api_lets_withdraw(
    county, submitted, a11, client_for, role
):
    """One rule (report_withdraw_check) for the button and the API: the county officer, who manages the receiving
    branch as well, may withdraw a report waiting for review, on the page as through the API."""
    user = getattr(county.users, role)
    page = client_for(user).get(reverse("duties:assignment", args=[a11.pk]), **EN)
    offered = page.status_code == 200 and "Withdraw this report" in _text(page)
    api = APIClient()
    api.force_authenticate(user)
    withdrawn = api.post(f"/api/reports/{submitted.pk}/withdraw/").status_code == 200
    assert offered == withdrawn
    assert offered == (role in ("secretary", "officer", "t1_officer", "admin"))


# ---------------------------------------------------------------- review


def test_the_review_queue_shows_the_report_its_evidence_and_accepts(county, submitted, client_for):
    client = client_for(county.users.officer)
    text = _text(client.get(reverse("duties:review"), **EN))
    assert "开展了主题党日，到会28人" in text and "青山村党支部" in text
    photo = submitted.evidence.get(kind="image")
    assert reverse("duties:evidence_thumb", args=[photo.pk]) in text
    assert "<iframe" in text and "attendance.xls" in text
    response = client.post(
        reverse("duties:report_review", args=[submitted.pk]), {"decision": "accept"}, follow=True, **EN
    )
    submitted.refresh_from_db()
    assert submitted.state == ReportState.ACCEPTED
    assert Assignment.objects.get(pk=submitted.assignment_id).state == AssignmentState.ACCEPTED
    assert "Accepted" in _text(response) and "Nothing waits for your review" in _text(response)


def test_return_without_a_reason_shows_the_message(county, submitted, client_for):
    url = reverse("duties:report_review", args=[submitted.pk])
    response = client_for(county.users.officer).post(url, {"decision": "return", "reason": " "}, follow=True, **EN)
    assert "Say why the report is returned" in _text(response)
    submitted.refresh_from_db()
    assert submitted.state == ReportState.SUBMITTED


def test_return_with_a_reason_notifies_and_shows_on_the_assignment(county, submitted, a11, client_for):
    url = reverse("duties:report_review", args=[submitted.pk])
    client_for(county.users.officer).post(url, {"decision": "return", "reason": "照片与上月重复"}, **EN)
    submitted.refresh_from_db()
    assert submitted.state == ReportState.RETURNED
    text = _text(client_for(county.users.secretary).get(reverse("duties:assignment", args=[a11.pk]), **EN))
    assert "照片与上月重复" in text and "Returned" in text


def test_a_second_review_of_the_same_report_shows_the_conflict(county, submitted, client_for):
    url = reverse("duties:report_review", args=[submitted.pk])
    client_for(county.users.officer).post(url, {"decision": "accept"}, **EN)
    response = client_for(county.users.admin).post(url, {"decision": "return", "reason": "迟交"}, follow=True, **EN)
    assert response.status_code == 200
    assert "already accepted" in _text(response)
    submitted.refresh_from_db()
    assert submitted.state == ReportState.ACCEPTED


def test_htmx_review_swaps_the_item_in_place(county, submitted, client_for):
    url = reverse("duties:report_review", args=[submitted.pk])
    client = client_for(county.users.officer)
    refused = _text(client.post(url, {"decision": "return", "reason": ""}, **HTMX))
    assert refused.startswith('<article class="card review-item"') and "Say why the report is returned" in refused
    assert "<html" not in refused
    done = _text(client.post(url, {"decision": "return", "reason": "缺少签到表"}, **HTMX))
    assert "Returned with your reason" in done and 'data-state="returned"' in done
    again = _text(client.post(url, {"decision": "accept"}, **HTMX))
    assert "already returned" in again


def test_the_issuer_reviews_from_the_assignment_page(county, submitted, a11, client_for):
    client = client_for(county.users.officer)
    text = _text(client.get(reverse("duties:assignment", args=[a11.pk]), **EN))
    assert "Reason for returning" in text
    next_url = reverse("duties:assignment", args=[a11.pk])
    response = client.post(
        reverse("duties:report_review", args=[submitted.pk]), {"decision": "accept", "next": next_url}
    )
    assert response["Location"] == next_url


def test_the_receiver_sees_no_review_buttons_and_cannot_review(county, submitted, a11, client_for):
    client = client_for(county.users.secretary)
    text = _text(client.get(reverse("duties:assignment", args=[a11.pk]), **EN))
    assert "Reason for returning" not in text
    response = client.post(
        reverse("duties:report_review", args=[submitted.pk]), {"decision": "accept"}, follow=True, **EN
    )
    assert "Only the issuing organization reviews" in _text(response)
    submitted.refresh_from_db()
    assert submitted.state == ReportState.SUBMITTED


# ---------------------------------------------------------------- due dates


def test_due_date_request_then_refusal_needs_a_reason_then_grant(county, a11, client_for):
    new_due = a11.due_on + dt.timedelta(days=5)
    client = client_for(county.users.secretary)
    url = reverse("duties:due_date_request", args=[a11.pk])
    refused = _text(client.post(url, {"new_due": new_due.isoformat(), "reason": ""}, **EN))
    assert "Say why a new due date is needed" in refused
    client.post(url, {"new_due": new_due.isoformat(), "reason": "秋收农忙"})
    request = DueDateRequest.objects.get()
    officer = client_for(county.users.officer)
    assert "秋收农忙" in _text(officer.get(reverse("duties:review"), **EN))
    decide = reverse("duties:due_date_decide", args=[request.pk])
    response = officer.post(decide, {"decision": "refuse", "note": ""}, follow=True, **EN)
    assert "Say why the request is refused" in _text(response)
    response = officer.post(decide, {"decision": "grant"}, follow=True, **EN)
    assert "New due date granted" in _text(response)
    a11.refresh_from_db()
    assert a11.due_on == new_due


# ---------------------------------------------------------------- evidence files


def test_a_photo_is_served_inline_with_nosniff_and_a_sandbox(county, submitted, client_for):
    photo = submitted.evidence.get(kind="image")
    response = client_for(county.users.secretary).get(reverse("duties:evidence", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    assert response["Content-Disposition"].startswith("inline") and "photo.png" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    thumb = client_for(county.users.secretary).get(reverse("duties:evidence_thumb", args=[photo.pk]))
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_is_inline_and_may_be_framed_by_our_own_pages(county, submitted, client_for):
    pdf = submitted.evidence.get(kind="pdf")
    response = client_for(county.users.officer).get(reverse("duties:evidence", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_an_office_file_is_a_download_with_its_original_name(county, submitted, client_for):
    sheet = submitted.evidence.get(kind="office")
    response = client_for(county.users.officer).get(reverse("duties:evidence", args=[sheet.pk]))
    assert response["Content-Type"] == "application/vnd.ms-excel"
    assert (
        response["Content-Disposition"].startswith("attachment") and "attendance.xls" in response["Content-Disposition"]
    )


def test_evidence_is_never_served_as_html(county, submitted, client_for):
    photo = submitted.evidence.get(kind="image")
    Evidence.objects.filter(pk=photo.pk).update(content_type="text/html")
    response = client_for(county.users.officer).get(reverse("duties:evidence", args=[photo.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_evidence_outside_the_scope_is_not_found(county, submitted, client_for):
    photo = submitted.evidence.get(kind="image")
    baishi = grant(UserFactory(username="baishi"), county.v21, "secretary")
    for user in (baishi, county.users.outsider):
        assert client_for(user).get(reverse("duties:evidence", args=[photo.pk])).status_code == 404
        assert client_for(user).get(reverse("duties:evidence_thumb", args=[photo.pk])).status_code == 404


# ---------------------------------------------------------------- duty lists, duties, issuing down


def test_the_issue_dialog_counts_then_issues_to_all_branches_of_a_kind(county, duty_at, secretaries, client_for):
    duty = duty_at(county, title="每月开展一次主题党日")
    client = client_for(county.users.officer)
    url = reverse("duties:issue", args=[duty.pk])
    choice = {"mode": "kind", "kind": "branch", "unit_type": "village", "root": county.county.pk}
    preview = _text(client.post(url, {**choice, "fragment": "count"}, **HTMX))
    assert "4 organizations will receive it" in preview and "<html" not in preview
    assert not Assignment.objects.filter(duty=duty).exists()
    within_t1 = _text(client.post(url, {**choice, "root": county.t1.pk, "preview": "1"}, **EN))
    assert "2 organizations will receive it" in within_t1
    response = client.post(url, {**choice, "confirm": "1"}, follow=True, **EN)
    assert "Issued to 4 organizations." in _text(response)
    assert Assignment.objects.filter(duty=duty).count() == 4
    assert "4 assignments" in _text(response)


def test_issuing_to_the_direct_children_and_to_hand_picked_ones(county, duty_at, secretaries, client_for):
    duty = duty_at(county)
    client = client_for(county.users.officer)
    url = reverse("duties:issue", args=[duty.pk])
    found = _text(client.post(url, {"mode": "pick", "q": "青山", "fragment": "candidates"}, **HTMX))
    assert "青山村党支部" in found and "白石村党支部" not in found
    response = client.post(
        url, {"mode": "pick", "ids": [county.v11.pk, county.v21.pk], "confirm": "1"}, follow=True, **EN
    )
    assert "Issued to 2 organizations." in _text(response)
    response = client.post(url, {"mode": "children", "confirm": "1"}, follow=True, **EN)
    assert "Issued to 2 organizations." in _text(response)
    assert set(Assignment.objects.filter(duty=duty).values_list("organization__code", flat=True)) == {
        "C-T1-V1", "C-T2-V1", "C-T1", "C-T2"
    }  # fmt: skip


def test_the_issue_dialog_says_what_is_wrong_with_a_choice(county, duty_at, client_for):
    duty = duty_at(county)
    url = reverse("duties:issue", args=[duty.pk])
    client = client_for(county.users.officer)
    text = _text(client.post(url, {"mode": "kind", "root": "99999", "confirm": "1"}, **EN))
    assert "Select a valid choice" in text
    text = _text(client.post(url, {"mode": "pick", "ids": ["x"], "fragment": "count"}, **HTMX))
    assert "Choose organizations from the list" in text
    assert not Assignment.objects.filter(duty=duty).exists()


def test_a_weight_of_zero_is_refused_with_the_rule(county, issued, client_for):
    client = client_for(county.users.officer)
    data = {"title": "x", "due_on": issued.due_on.isoformat(), "recurrence": "none", "requirement": "y"}
    text = _text(
        client.post(
            reverse("duties:duty_new", args=[issued.duty_list_id]),
            {**data, "dimension": "political", "weight": "0"},
            **EN,
        )
    )
    assert "greater than zero" in text


def test_issuing_to_a_foreign_organization_shows_the_refusal(county, duty_at, client_for):
    duty = duty_at(county, org=county.t1, actor=county.users.t1_officer)
    url = reverse("duties:issue", args=[duty.pk])
    response = client_for(county.users.t1_officer).post(
        url, {"mode": "pick", "ids": [county.v21.pk], "confirm": "1"}, **EN
    )
    assert response.status_code == 200 and "not below the issuer" in _text(response)
    assert not Assignment.objects.filter(duty=duty).exists()


def test_the_duty_page_shows_the_tree_progress_by_child_and_claims(county, issued, submitted, client_for):
    services.report_accept(actor=county.users.officer, report=submitted)
    text = _text(client_for(county.users.officer).get(reverse("duties:duty", args=[issued.pk]), **EN))
    assert "4 assignments" in text and "1 / 4" in text
    assert "Progress by organization below" in text and "新街镇党委" in text and "白石镇党委" in text
    assert text.count('class="edge-') == 4


def test_a_monthly_duty_page_lists_its_occurrences(county, duty_at, period, client_for):
    duty = duty_at(county, title="主题党日", recurrence="monthly", due_on=dt.date(period.start.year, 1, 25))
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11])
    text = _text(client_for(county.users.officer).get(reverse("duties:duty", args=[duty.pk]), **EN))
    assert "Occurrences" in text and "12 assignments" in text
    assert text.count('<li class="duty-row') == 12


def test_a_new_duty_with_its_five_elements_from_the_list_page(county, issued, client_for):
    client = client_for(county.users.officer)
    url = reverse("duties:duty_new", args=[issued.duty_list_id])
    due = issued.due_on
    data = {
        "title": "每季度讲一次党课",
        "description": "书记讲党课",
        "post": "secretary",
        "due_on": due.isoformat(),
        "recurrence": "none",
        "requirement": "有讲稿、有签到",
        "evidence_expected": "讲稿和照片",
        "dimension": "ideological",
        "is_key": "on",
        "weight": "2",
    }
    response = client.post(url, data, follow=True, **EN)
    duty = Duty.objects.get(title="每季度讲一次党课")
    assert response.redirect_chain[-1][0] == reverse("duties:duty", args=[duty.pk])
    assert duty.is_key and duty.weight == 2 and duty.post == "secretary"
    bad = _text(client.post(url, {**data, "due_on": f"{due.year + 1}-01-05"}, **EN))
    assert "within the period" in bad and "有讲稿、有签到" in bad


def test_editing_a_duty_changes_only_what_was_changed(county, issued, client_for):
    client = client_for(county.users.officer)
    url = reverse("duties:duty_edit", args=[issued.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data["requirement"] = "有照片、有签到表、有记录"
    client.post(url, data)
    issued.refresh_from_db()
    assert issued.requirement == "有照片、有签到表、有记录"
    data["recurrence"] = "monthly"
    refused = _text(client.post(url, data, **EN))
    assert "recurrence of an issued duty cannot change" in refused


def test_the_receiver_decomposes_and_lands_on_its_new_duty(county, duty_at, client_for):
    duty = duty_at(county)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1])
    a_t1 = Assignment.objects.get(duty=duty)
    client = client_for(county.users.t1_officer)
    url = reverse("duties:decompose", args=[a_t1.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["requirement"] = "附活动照片与签到表"
    response = client.post(url, data, follow=True, **EN)
    sub = Duty.objects.get(source_assignment=a_t1)
    assert response.redirect_chain[-1][0] == reverse("duties:duty", args=[sub.pk])
    assert "Issue down" in _text(response)
    late = {**data, "due_on": (a_t1.due_on + dt.timedelta(days=3)).isoformat()}
    assert "no later than the assignment" in _text(client.post(url, late, **EN))


def test_the_receiver_names_the_responsible_person_and_its_own_requirement(county, a11, client_for):
    from tests.factories import MemberFactory

    deputy = MemberFactory(organization=county.v11, name="李副书记")
    client = client_for(county.users.secretary)
    url = reverse("duties:assignment_update", args=[a11.pk])
    client.post(url, {"responsible": deputy.pk, "note": "附签到表"})
    a11.refresh_from_db()
    assert a11.responsible == deputy and a11.note == "附签到表"
    foreign = client.post(url, {"responsible": county.members["C-T2-V1"].pk, "note": "x"}, **EN)
    assert "This member cannot be chosen here." in _text(foreign)


def test_duty_list_filters_by_light_key_work_and_person(county, duty_at, secretaries, client_for):
    key = duty_at(county, title="重点-党建引领", is_key=True, responsible=None)
    plain = duty_at(county, title="普通-学习", dimension="ideological")
    services.duty_issue(actor=county.users.officer, duty=key, targets=[county.v11])
    services.duty_issue(actor=county.users.officer, duty=plain, targets=[county.v12])
    Assignment.objects.filter(duty=plain).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client = client_for(county.users.officer)
    url = reverse("duties:list", args=[key.duty_list_id])
    everything = _text(client.get(url, **EN))
    assert "重点-党建引领" in everything and "普通-学习" in everything and "1 overdue" in everything
    # The receiver's overdue work counts against the list that issued it.
    assert "1 receiver overdue, counted against this list" in everything
    only_key = _text(client.get(url, {"key": "1"}, **EN))
    assert "重点-党建引领" in only_key and "普通-学习" not in only_key
    red = _text(client.get(url, {"light": "red"}, **EN))
    assert "普通-学习" in red and "重点-党建引领" not in red
    ideological = _text(client.get(url, {"dimension": "ideological"}, **EN))
    assert "普通-学习" in ideological and "重点-党建引领" not in ideological
    assert client.get(url, {"responsible": "abc"}).status_code == 200


def test_org_lists_new_list_and_copy_from_last_period(county, duty_at, period, client_for):
    client = client_for(county.users.officer)
    url = reverse("duties:org_lists", args=[county.county.pk])
    next_year = str(period.start.year + 1)
    page = _text(client.get(url, {"period": next_year}, **EN))
    assert f"No duty list for {next_year} yet" in page
    duty_at(county, title="每季度上一次党课")
    response = client.post(
        reverse("duties:list_copy", args=[county.county.pk]),
        {"source": DutyList.objects.get(period=period).pk, "period": next_year},
        follow=True,
        **EN,
    )
    assert "1 duty copied" in _text(response)
    copied = DutyList.objects.get(period__code=next_year)
    assert copied.duties.get().title == "每季度上一次党课"
    bad = _text(client.post(reverse("duties:list_new", args=[county.county.pk]), {"period": "last year"}, **EN))
    assert "is not a period" in bad
    response = client.post(
        reverse("duties:list_new", args=[county.county.pk]), {"title": "基本模板", "is_template": "on"}, follow=True
    )
    assert DutyList.objects.filter(is_template=True, title="基本模板").exists()
    assert response.status_code == 200


def test_copy_offers_the_newest_list_first_and_never_pours_into_a_full_period(county, duty_at, period, client_for):
    officer = county.users.officer
    last_year = services.period_for(str(period.start.year - 1))
    old = services.duty_list_for(actor=officer, organization=county.county, period=last_year)
    services.duty_create(
        actor=officer,
        duty_list=old,
        title="去年的工作",
        dimension="ideological",
        due_on=last_year.end,
        requirement="记录",
    )
    duty_at(county, title="今年的工作")
    this = DutyList.objects.get(period=period)
    client = client_for(officer)
    url = reverse("duties:org_lists", args=[county.county.pk])
    page = _text(client.get(url, {"period": period.code}, **EN))
    # This year's list is offered (it is what next year copies), before last year's, each saying what it holds.
    options = page[page.index('name="source"') :]
    assert options.index(f"{period.code} · {this.title} · 1 duty") < options.index(f"{last_year.code} · {old.title}")
    next_year = str(period.start.year + 1)
    assert f'name="period" value="{next_year}"' in page  # copying goes by default into the next period
    assert f'<option value="{this.pk}" selected>' in page  # from the list open on the page
    before_form = page[: page.index(reverse("duties:list_copy", args=[county.county.pk]))]
    assert before_form.count("<details") == before_form.count("</details>")  # the copy form is not folded away
    copy = reverse("duties:list_copy", args=[county.county.pk])
    # Last year's list into this year's, which already has a duty: refused, nothing copied, the reason given.
    refused = _text(client.post(copy, {"source": old.pk, "period": period.code}, **EN))
    assert f"{period.code} already has the list “{this.title}” with 1 duty" in refused
    assert this.duties.count() == 1
    # Ticked: added to it.
    client.post(copy, {"source": old.pk, "period": period.code, "into_existing": "on"}, **EN)
    assert sorted(this.duties.values_list("title", flat=True)) == ["今年的工作", "去年的工作"]
    # A list into its own period is refused even when ticked.
    itself = _text(client.post(copy, {"source": this.pk, "period": period.code, "into_existing": "on"}, **EN))
    assert "cannot be copied into itself" in itself


def test_a_year_of_monthly_work_enters_my_work_a_lead_time_before_each_month(county, client_for, settings):
    settings.GRASSROOTS_OCCURRENCE_LEAD_DAYS = 14
    officer = county.users.officer
    today = timezone.localdate()
    # A monthly duty issued for a year starting next month: twelve occurrences, one starting within the lead time.
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    year = services.period_for(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
    the_list = services.duty_list_for(actor=officer, organization=county.county, period=year)
    duty = services.duty_create(
        actor=officer,
        duty_list=the_list,
        title="每月主题党日",
        dimension="political",
        due_on=first + dt.timedelta(days=24),
        requirement="照片",
        recurrence="monthly",
    )
    services.duty_issue(actor=officer, duty=duty, targets=[county.v11])
    occurrences = list(duty.occurrences.order_by("start_on"))
    horizon = today + dt.timedelta(days=14)
    soon = [o for o in occurrences if o.start_on <= horizon]
    later = [o for o in occurrences if o.start_on > horizon]
    assert later  # a quarter of monthly work: at least the last months wait
    secretary = county.users.secretary
    shown = {a.duty_id for a in selectors.my_work(user=secretary) if a.duty.series_id == duty.pk}
    assert shown == {o.pk for o in soon}
    waiting = {a.duty_id for a in selectors.my_work(user=secretary, later=True)}
    assert waiting == {o.pk for o in later}
    page = _text(client_for(secretary).get(reverse("duties:my_work"), **EN))
    assert f"{len(later)} later occurrence" in page and "14 days before" in page
    mine = APIClient()
    mine.force_authenticate(secretary)
    rows = mine.get("/api/assignments/mine/", {"later": "true"}).json()["results"]
    assert {r["duty"] for r in rows} == {o.pk for o in later}


@pytest.fixture
def three_reports(county, issued, a11):
    """Reports of Qingshan and Liuwan (township 1) and Baishi (township 2) waiting in the county's queue."""
    out = [services.report_submit(actor=county.users.secretary, assignment=a11, text="完成", percent=100)]
    for village in (county.v12, county.v21):
        reporter = grant(UserFactory(), village, "secretary")
        assignment = Assignment.objects.get(duty=issued, organization=village)
        out.append(services.report_submit(actor=reporter, assignment=assignment, text="完成", percent=100))
    return out


def test_review_queue_narrows_by_duty_township_and_light(county, issued, three_reports, client_for):
    client = client_for(county.users.officer)
    url = reverse("duties:review")
    everything = _text(client.get(url, **EN))
    assert everything.count('class="card review-item"') == 3
    assert f"{issued.title} (3)" in everything  # the duty filter offers the queue's duties with their counts
    township = _text(client.get(url, {"under": county.t1.pk}, **EN))
    assert township.count('class="card review-item"') == 2 and "白石村党支部" not in township.split("review-item")[1]
    assert "2 reports match" in township
    assert _text(client.get(url, {"duty": issued.pk, "light": "green"}, **EN)).count('class="card review-item"') == 3
    # A report whose reporter's account is gone: its card begins with the organization, no stray separator.
    ProgressReport.objects.filter(pk=three_reports[0].pk).update(author=None)
    cards = _text(client.get(url, **EN))
    assert not re.search(r'<p class="work-meta muted">\s*·', cards)
    overdue = _text(client.get(url, {"light": "red"}, **EN))
    assert "No waiting report matches these filters." in overdue
    assert client.get(url, {"under": "abc", "light": "purple"}).status_code == 200


def test_several_reports_accepted_at_once_each_audited_and_a_return_needs_its_reason(county, three_reports, client_for):
    from grassroots.core.models import AuditEntry

    client = client_for(county.users.officer)
    many = reverse("duties:review_many")
    first, second, third = three_reports
    refused = client.post(
        many, {"report": [first.pk, second.pk], "decision": "return", "reason": " "}, follow=True, **EN
    )
    assert "Say why the report is returned" in _text(refused)
    assert ProgressReport.objects.filter(state=ReportState.SUBMITTED).count() == 3
    done = client.post(many, {"report": [first.pk, second.pk], "decision": "accept"}, follow=True, **EN)
    assert "2 reports accepted." in _text(done)
    states = dict(ProgressReport.objects.values_list("pk", "state"))
    assert (states[first.pk], states[second.pk], states[third.pk]) == ("accepted", "accepted", "submitted")
    accepted = AuditEntry.objects.filter(action="duties.report.accept").values_list("object_id", flat=True)
    assert sorted(accepted) == sorted([str(first.pk), str(second.pk)])
    # A report no longer waiting is refused on its own; the other is still returned.
    returning = {"report": [first.pk, third.pk], "decision": "return", "reason": "照片不清"}
    again = _text(client.post(many, returning, follow=True, **EN))
    third.refresh_from_db()
    assert third.state == ReportState.RETURNED and third.return_reason == "照片不清"
    assert "1 report returned with your reason." in again and "青山村党支部: This report was already accepted" in again


def test_review_through_the_api_narrows_and_reviews_several(county, three_reports):
    first, second, third = three_reports
    officer = APIClient()
    officer.force_authenticate(county.users.officer)
    rows = officer.get("/api/reports/to_review/", {"under": "C-T2"}).json()["results"]
    assert [r["id"] for r in rows] == [third.pk]
    assert officer.get("/api/reports/to_review/", {"under": "nowhere"}).status_code == 400
    assert officer.get("/api/reports/to_review/", {"light": "purple"}).status_code == 400
    no_reason = {"reports": [first.pk], "decision": "return"}
    response = officer.post("/api/reports/review_many/", no_reason, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = officer.post(
        "/api/reports/review_many/", {"reports": [first.pk, second.pk, 999999], "decision": "accept"}, format="json"
    )
    assert response.status_code == 200
    answer = {row["id"]: row["done"] for row in response.json()}
    assert answer == {first.pk: True, second.pk: True, 999999: False}


def test_the_responsible_person_is_picked_by_typing_with_or_without_javascript(county, a11, client_for):
    from tests.factories import MemberFactory

    wang_a = MemberFactory(organization=county.v11, name="王芳")
    wang_b = MemberFactory(organization=county.v11, name="王芳芳")
    MemberFactory(organization=county.v21, name="王芳华")  # another township: never offered to Qingshan
    client = client_for(county.users.secretary)
    page = _text(client.get(reverse("duties:assignment", args=[a11.pk]), **EN))
    box = next(tag for tag in page.split("<") if 'name="responsible"' in tag)
    assert box.startswith("input") and f'data-pick-url="/members/pick/?org={county.v11.pk}"' in box
    edit = reverse("duties:assignment_update", args=[a11.pk])
    # "王芳" is the whole name of exactly one member: taken at once.
    client.post(edit, {"responsible": "王芳", "note": ""}, **EN)
    a11.refresh_from_db()
    assert a11.responsible == wang_a
    # Without JavaScript: part of a name that several share comes back as choices, nothing saved.
    several = _text(client.post(edit, {"responsible": "王", "note": ""}, **EN))
    a11.refresh_from_db()
    assert a11.responsible == wang_a
    assert "Several members match “王”: choose one below." in several
    assert f'name="responsible__pick" value="王芳芳 #{wang_b.pk}"' in several and "王芳华" not in several
    client.post(edit, {"responsible": "王", "responsible__pick": f"王芳芳 #{wang_b.pk}", "note": ""}, **EN)
    a11.refresh_from_db()
    assert a11.responsible == wang_b
    nobody = _text(client.post(edit, {"responsible": "李四", "note": ""}, **EN))
    assert "No member called “李四” can be chosen here." in nobody
    # With JavaScript: suggestions as one types, only among those who can be named.
    pick = client.get(reverse("organizations:member_pick"), {"org": county.v11.pk, "q": "王"}).json()["results"]
    assert [r["value"] for r in pick] == [f"王芳 #{wang_a.pk}", f"王芳芳 #{wang_b.pk}"]
    assert client.get(reverse("organizations:member_pick"), {"org": county.v21.pk, "q": "王"}).json() == {"results": []}
    assert client.get(reverse("organizations:member_pick"), {"org": "x", "q": "王"}).json() == {"results": []}


def test_organization_codes_are_suggested_among_those_the_user_sees(county, client_for):
    client = client_for(county.users.t1_officer)
    found = client.get(reverse("organizations:organization_pick"), {"q": "C-T"}).json()["results"]
    assert [r["value"] for r in found] == ["C-T1", "C-T1-V1", "C-T1-V1-G1", "C-T1-V2"]
    by_name = client.get(reverse("organizations:organization_pick"), {"q": "青山"}).json()["results"]
    assert by_name[0]["value"] == "C-T1-V1"


# ---------------------------------------------------------------- no N+1


@pytest.fixture
def twenty(county, duty_at, secretaries):
    """Twenty county duties issued to Qingshan, each reported with a photo."""
    out = []
    for i in range(20):
        duty = duty_at(county, title=f"工作{i}", days=1 + i)
        services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11])
        out.append(Assignment.objects.get(duty=duty))
    return out


# Session, user, grants, member, the assignments, the counts for managers, lists, unread notifications;
# a member also gets the claimable pool and their claims. Twenty rows cost no more than one.
@pytest.mark.parametrize("role, most", [("secretary", 10), ("member", 12)])
def test_my_work_runs_a_fixed_number_of_queries(county, twenty, client_for, django_assert_max_num_queries, role, most):
    client = client_for(getattr(county.users, role))
    with django_assert_max_num_queries(most):
        response = client.get(reverse("duties:my_work"))
    assert _text(response).count('<li class="work-item') == 20


def test_my_work_rows_kept_rendered_show_each_change_at_the_next_visit(county, twenty, client_for):
    """A row of my work is kept rendered under the values it shows: a report made and a title changed behind the
    page's back (no signal) both show at the next visit, and the rows nothing changed stay as they were."""
    client = client_for(county.users.secretary)
    url = reverse("duties:my_work")
    before = _text(client.get(url))
    Duty.objects.filter(pk=twenty[0].duty_id).update(title="改过的标题")
    services.report_submit(actor=county.users.secretary, assignment=twenty[1], text="完成", percent=60)
    after = _text(client.get(url))
    assert "工作0<" in before and "工作0<" not in after and "改过的标题" in after
    assert before.count('data-state="submitted"') == 0 and after.count('data-state="submitted"') == 1
    assert after.count('<li class="work-item') == 20 and after.count("工作19<") == 1


def test_review_queue_runs_a_fixed_number_of_queries(county, twenty, client_for, django_assert_max_num_queries):
    for assignment in twenty:
        services.report_submit(
            actor=county.users.secretary, assignment=assignment, text="完成", percent=100, files=[_png()]
        )
    client = client_for(county.users.officer)
    # The filters' choices (the queue's rows, their duties, the townships they come from) are three of them; the
    # notes other apps put beside the reports (review_notes: the formalism flags, here on the photo sent twenty
    # times) three more: the flags, then their reports and the other reports, fetched apart (on a cluster, one
    # statement does not join two distributed tables on other columns than theirs, docs/citus.md).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("duties:review"))
    assert _text(response).count('class="card review-item"') == 20


def test_the_decompose_form_keeps_the_dates_it_is_given(county, issued, client_for):
    """The decompose form showed no start or due date (the date fields' values were not written as a date picker
    reads them) and saving failed until both were typed again: they are there, in every language."""
    assignment = Assignment.objects.filter(duty=issued).first()
    client = client_for(county.users.secretary)
    for lang in ("en", "zh-hans"):
        page = client.get(reverse("duties:decompose", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE=lang).content
        assert f'value="{assignment.due_on.isoformat()}"' in page.decode(), lang
