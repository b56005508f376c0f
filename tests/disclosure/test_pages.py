"""The pages behind the login: an organization's disclosure settings (publish, withdraw, release minutes, rules),
notices (post, read, receipts, withdraw), and the start page's unread notices."""

import pytest

from grassroots.core.models import AuditEntry
from grassroots.disclosure import services
from grassroots.disclosure.models import Item, Notice, NoticeRead, Publication, ReleasedMinutes


@pytest.fixture
def client_for(client_for):
    """The pages in English, whatever the site's default language."""

    def login(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def test_the_settings_page_needs_a_login(county, client):
    response = client.get("/disclosure/C-T1-V1/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/notices/").status_code == 302


def test_the_secretary_publishes_an_item_and_releases_minutes_from_the_settings_page(disclosed, client_for):
    client = client_for(disclosed.users.secretary)
    html = client.get("/disclosure/C-T1-V1/").content.decode()
    assert 'value="rectifications"' in html and "Release the minutes" in html
    assert "Rules for the organizations below" not in html  # a secretary sets no rules
    client.post("/disclosure/C-T1-V1/publish/", {"item": "rectifications"})
    assert Publication.objects.filter(organization=disclosed.v11, item=Item.RECTIFICATIONS).exists()
    meeting = disclosed.meetings[0]
    client.post(f"/disclosure/C-T1-V1/minutes/{meeting.pk}/release/")
    assert ReleasedMinutes.objects.filter(meeting=meeting).exists()
    client.post(f"/disclosure/C-T1-V1/minutes/{meeting.pk}/withdraw/")
    assert not ReleasedMinutes.objects.filter(meeting=meeting).exists()


def test_a_refusal_shows_on_the_page_and_changes_nothing(disclosed, client_for):
    client = client_for(disclosed.users.secretary)
    page = client.post("/disclosure/C-T1-V1/withdraw/", {"item": "duties"}, follow=True)
    assert "must be public" in page.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="disclosure.").exists()


def test_another_branchs_settings_answer_404(disclosed, client_for):
    assert client_for(disclosed.users.secretary).get("/disclosure/C-T2-V1/").status_code == 404


def test_an_officer_sets_and_removes_a_rule_for_the_subtree(county, client_for):
    client = client_for(county.users.t1_officer)
    assert "Rules for the organizations below" in client.get("/disclosure/C-T1/").content.decode()
    client.post("/disclosure/C-T1/rules/", {"item": "minutes", "level": "never"})
    assert client.get("/disclosure/C-T1-V1/").status_code == 200
    assert AuditEntry.objects.filter(action="disclosure.rule.set").count() == 1
    client.post("/disclosure/C-T1/rules/", {"delete": "minutes"})
    assert AuditEntry.objects.filter(action="disclosure.rule.delete").count() == 1


def test_a_rule_refused_keeps_the_form_with_its_message(county, client_for):
    services.disclosure_rule_set(actor=county.users.officer, organization=county.county, item="duties", level="must")
    page = client_for(county.users.t1_officer).post("/disclosure/C-T1/rules/", {"item": "duties", "level": "may"})
    assert page.status_code == 200 and "A rule below cannot change it." in page.content.decode()


def test_posting_a_notice_and_reading_it_from_the_start_page(county, client_for):
    officer = client_for(county.users.t1_officer)
    empty = officer.post("/notices/new/", {"organization": "C-T1", "title": "", "body": ""})
    assert "Give the notice a title." in empty.content.decode() and not Notice.objects.exists()
    officer.post("/notices/new/", {"organization": "C-T1", "title": "主题党日通知", "body": "本月15日。"})
    notice = Notice.objects.get()
    member = client_for(county.users.member)
    home = member.get("/").content.decode()
    assert "主题党日通知" in home and f"/notices/{notice.pk}/read/" in home
    back = member.post(f"/notices/{notice.pk}/read/", {"next": "home"})
    assert back["Location"] == "/"
    assert NoticeRead.objects.filter(notice=notice, user=county.users.member).exists()
    assert "主题党日通知" not in member.get("/").content.decode()
    assert "主题党日通知" in member.get("/notices/").content.decode()


def test_the_sender_reads_the_receipts_and_withdraws(county, client_for):
    notice = services.notice_post(actor=county.users.officer, organization=county.county, title="全县通知", body="x")
    services.notice_read(actor=county.users.member, notice=notice)
    officer = client_for(county.users.officer)
    html = officer.get(f"/notices/{notice.pk}/").content.decode()
    assert "Read receipts" in html and "青山村党支部" in html
    assert "Read receipts" not in client_for(county.users.member).get(f"/notices/{notice.pk}/").content.decode()
    client_for(county.users.officer).post(f"/notices/{notice.pk}/withdraw/")
    notice.refresh_from_db()
    assert notice.is_withdrawn


def test_a_member_may_not_post(county, client_for):
    assert client_for(county.users.member).get("/notices/new/").status_code == 404
