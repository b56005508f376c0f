"""The appeals' pages: the public's form, the page that follows an appeal and its rating (no login, never cached,
both languages, a phone never shown), and the branch's list, appeal and figures."""

import re
import time

import pytest
from django.urls import reverse

from grassroots.core.models import AuditEntry
from grassroots.insights.appeals import services
from grassroots.insights.models import Appeal, AppealState

from .conftest import PHONE, png, stamp_for


@pytest.fixture
def client(client):
    """The pages in English, whatever the site's default language (a test asks for Chinese by its header)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


FORM = {"kind": "problem", "category": "roads", "text": "东路的路灯坏了三盏，晚上走路很危险。", "phone": PHONE}


def _new_url(org):
    return reverse("insights:appeal_new", args=[org.code])


def test_the_public_page_links_to_the_form_and_to_following(county, client):
    page = client.get(f"/public/{county.v11.code}/").content.decode()
    assert _new_url(county.v11) in page and reverse("insights:appeal_find", args=[county.v11.code]) in page


def test_the_form_opens_without_login_stamped_and_never_cached(county, client):
    response = client.get(_new_url(county.v11))
    page = response.content.decode()
    assert response.status_code == 200 and 'name="stamp"' in page and 'name="website"' in page
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"
    assert "<script" not in page and "style=" not in page


def test_an_appeal_sent_from_the_page_gives_its_code_once(county, client):
    data = {**FORM, "stamp": stamp_for(county.v11), "photo": png()}
    response = client.post(_new_url(county.v11), data)
    page = response.content.decode()
    assert response.status_code == 200 and "Your appeal was sent" in page
    appeal = Appeal.objects.get()
    code = re.search(r'<p class="token-key"><b>([A-Z0-9]{12})</b>', page).group(1)
    assert services.hash_follow_code(code) == appeal.follow_hash and appeal.photo
    assert "no-store" in response["Cache-Control"]


def test_a_form_sent_at_once_is_refused_in_the_readers_language(county, client):
    data = {**FORM, "stamp": services.form_stamp(organization=county.v11, now=time.time())}
    response = client.post(_new_url(county.v11), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "太快" in response.content.decode()
    english = client.post(_new_url(county.v11), data)
    assert english.status_code == 400 and "too quickly" in english.content.decode()
    assert not Appeal.objects.exists()


def test_a_refused_form_keeps_what_was_written_and_is_stamped_again(county, client):
    data = {**FORM, "text": "", "stamp": stamp_for(county.v11)}
    response = client.post(_new_url(county.v11), data)
    page = response.content.decode()
    assert response.status_code == 400 and "Write what you ask for" in page and PHONE in page
    assert data["stamp"] not in page  # a new stamp: the time to fill it in runs again


def test_an_unknown_organization_has_no_form(county, client):
    assert client.get("/public/NOPE/appeal/new/").status_code == 404


def test_the_requester_follows_the_duty_and_rates_the_answer_once(appealed, client):
    url = reverse("insights:appeal_follow", args=[appealed.v11.code, appealed.answered_code])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "已安排保洁员每天清理。" in text and 'name="rating"' in text
    assert "no-store" in page["Cache-Control"]
    rate = reverse("insights:appeal_rate", args=[appealed.v11.code, appealed.answered_code])
    assert client.post(rate, {"rating": "4", "comment": "好"}).status_code == 302
    assert Appeal.objects.get(pk=appealed.answered.pk).rating == 4
    again = client.post(rate, {"rating": "1"})
    assert again.status_code == 400 and "already been rated" in again.content.decode()
    assert Appeal.objects.get(pk=appealed.answered.pk).rating == 4


def test_the_follow_page_shows_the_duty_progress_and_never_the_phone_nor_the_responsible(appealed, client):
    page = client.get(reverse("insights:appeal_follow", args=[appealed.v11.code, appealed.duty_code])).content.decode()
    assert "Progress of the duty" in page and "You rated the answer 5 out of 5" in page
    assert appealed.members["C-T1-V1"].name not in page
    new = client.get(reverse("insights:appeal_follow", args=[appealed.v11.code, appealed.new_code])).content.decode()
    assert PHONE not in new and PHONE[-4:] not in new and "No answer yet" in new


def test_a_wrong_code_answers_404_and_too_many_tries_429(appealed, client, monkeypatch):
    find = reverse("insights:appeal_find", args=[appealed.v11.code])
    assert client.get(find, {"follow": "ABCDEFGHJKMN"}).status_code == 404
    assert client.get(find, {"follow": appealed.other_code}).status_code == 404  # another branch's
    found = client.get(find, {"follow": appealed.new_code.lower()})
    assert found.status_code == 302 and appealed.new_code in found["Location"]
    monkeypatch.setattr(services, "FOLLOW_LIMIT", 3)
    responses = [client.get(find, {"follow": "ABCDEFGHJKMN"}).status_code for _i in range(4)]
    assert responses[-1] == 429


def test_the_follow_page_speaks_chinese(appealed, client):
    url = reverse("insights:appeal_follow", args=[appealed.v11.code, appealed.new_code])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "尚未答复" in page


# ---------------------------------------------------------------- the branch


def test_the_secretary_lists_the_branch_appeals_phones_masked(appealed, client_for):
    page = client_for(appealed.users.secretary).get(reverse("insights:appeals")).content.decode()
    assert appealed.new.number in page and appealed.other.number not in page
    assert PHONE not in page and "139****5678" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "new"}, {"new"}),
        ({"state": "in_duty"}, {"duty"}),
        ({"unread": "on"}, {"new"}),
        ({"organization": "C-T1-V1"}, {"new", "answered", "duty"}),
        ({"organization": "NOPE"}, set()),
        ({"state": "bogus"}, {"new", "answered", "duty"}),
    ],
)
def test_the_list_filters(appealed, client_for, query, expected):
    page = client_for(appealed.users.t1_officer).get(reverse("insights:appeals"), query)
    assert page.status_code == 200
    text = page.content.decode()
    shown = {name for name in ("new", "answered", "duty") if getattr(appealed, name).number in text}
    assert shown == expected


def test_opening_an_appeal_marks_it_read_and_answering_it_from_the_page(appealed, client_for):
    client = client_for(appealed.users.secretary)
    page = client.get(reverse("insights:appeal", args=[appealed.new.pk]))
    assert page.status_code == 200 and Appeal.objects.get(pk=appealed.new.pk).read_at is not None
    text = page.content.decode()
    assert "Turn it into a duty" in text and PHONE not in text
    url = reverse("insights:appeal_step", args=[appealed.new.pk, "answer"])
    assert client.post(url, {"answer": "明天就修。"}).status_code == 302
    assert Appeal.objects.get(pk=appealed.new.pk).state == AppealState.ANSWERED
    refused = client.post(url, {"answer": ""})
    assert refused.status_code == 400 and "Write the answer" in refused.content.decode()


def test_turning_into_a_duty_and_closing_from_the_page(appealed, client_for):
    client = client_for(appealed.users.secretary)
    member = appealed.members["C-T1-V1"]
    bad = client.post(reverse("insights:appeal_step", args=[appealed.new.pk, "duty"]), {"responsible": member.pk})
    assert bad.status_code == 400 and "Give the date" in bad.content.decode()
    from django.utils import timezone

    good = {"responsible": member.pk, "due_on": timezone.localdate().isoformat(), "title": "修东路路灯"}
    assert client.post(reverse("insights:appeal_step", args=[appealed.new.pk, "duty"]), good).status_code == 302
    appeal = Appeal.objects.get(pk=appealed.new.pk)
    assert appeal.state == AppealState.IN_DUTY and appeal.assignment.duty.title == "修东路路灯"
    close = reverse("insights:appeal_step", args=[appealed.answered.pk, "close"])
    assert client.post(close, {"reason": "已解决"}).status_code == 302
    assert Appeal.objects.get(pk=appealed.answered.pk).state == AppealState.CLOSED


def test_the_phone_is_shown_on_request_and_the_reading_audited(appealed, client_for):
    client = client_for(appealed.users.secretary)
    page = client.post(reverse("insights:appeal_step", args=[appealed.new.pk, "phone"]))
    assert PHONE in page.content.decode() and page["Cache-Control"].startswith("no-store")
    assert AuditEntry.objects.filter(action="core.personal_data.read", object_id=str(appealed.new.pk)).exists()
    auditor = client_for(appealed.users.auditor)
    assert "Show the phone" not in auditor.get(reverse("insights:appeal", args=[appealed.new.pk])).content.decode()
    assert auditor.post(reverse("insights:appeal_step", args=[appealed.new.pk, "phone"])).status_code == 403


def test_the_auditor_reads_but_has_no_buttons_and_cannot_post(appealed, client_for):
    client = client_for(appealed.users.auditor)
    page = client.get(reverse("insights:appeal", args=[appealed.new.pk])).content.decode()
    assert "Send the answer" not in page and "Make it a duty" not in page
    refused = client.post(reverse("insights:appeal_step", args=[appealed.new.pk, "answer"]), {"answer": "好"})
    assert refused.status_code == 400 and Appeal.objects.get(pk=appealed.new.pk).answer == ""
    assert Appeal.objects.get(pk=appealed.new.pk).read_at is None  # a reader's opening is no answerer's


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_others_get_404_for_an_appeal_and_its_photo(appealed, client_for, who):
    client = client_for(getattr(appealed.users, who))
    assert client.get(reverse("insights:appeal", args=[appealed.new.pk])).status_code == 404
    assert client.get(reverse("insights:appeal_photo", args=[appealed.new.pk])).status_code == 404
    assert (
        client.post(reverse("insights:appeal_step", args=[appealed.new.pk, "answer"]), {"answer": "x"}).status_code
        == 404
    )


def test_the_photo_is_served_to_the_branch_as_inert_content(county, client_for):
    from .conftest import submit

    appeal, _code = submit(county.v11, photo=png())
    response = client_for(county.users.secretary).get(reverse("insights:appeal_photo", args=[appeal.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_staff_pages_speak_chinese(appealed, client_for):
    client = client_for(appealed.users.secretary)
    page = client.get(reverse("insights:appeals"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "群众诉求" in page.content.decode() or "诉求" in page.content.decode()
