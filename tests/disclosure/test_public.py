"""The public site's pages: no login, cacheable (Cache-Control, ETag, 304), a branch's page from a few queries, both
languages for an anonymous visitor, and what is not published answers 404."""

import pytest

from grassroots.disclosure import services
from grassroots.disclosure.models import Item, Level


def test_the_index_finds_an_organization_by_name_or_code(county, client):
    page = client.get("/public/")
    assert page.status_code == 200 and "/public/C/" in page.content.decode()
    found = client.get("/public/", {"q": "柳湾"}).content.decode()
    assert "/public/C-T1-V2/" in found and "/public/C-T1-V1/" not in found
    assert "/public/C-T2/" in client.get("/public/", {"q": "c-t2"}).content.decode()


def test_a_branch_page_is_public_and_cacheable(disclosed, client):
    response = client.get("/public/C-T1-V1/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    assert "csrfmiddlewaretoken" not in response.content.decode()
    again = client.get("/public/C-T1-V1/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_change_of_what_is_shown_changes_the_etag(disclosed, client):
    before = client.get("/public/C-T1-V1/")["ETag"]
    services.minutes_release(actor=disclosed.users.secretary, meeting=disclosed.meetings[0])
    after = client.get("/public/C-T1-V1/", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before
    services.minutes_withdraw(actor=disclosed.users.secretary, meeting=disclosed.meetings[0])
    assert client.get("/public/C-T1-V1/", HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 200


def test_a_branch_page_renders_from_a_few_queries(disclosed, client, django_assert_max_num_queries):
    services.minutes_release(actor=disclosed.users.secretary, meeting=disclosed.meetings[0])
    services.publication_publish(actor=disclosed.users.secretary, organization=disclosed.v11, item=Item.RECTIFICATIONS)
    services.notice_post(
        actor=disclosed.users.secretary, organization=disclosed.v11, title="公开", body="x", public=True
    )
    with django_assert_max_num_queries(20):
        page = client.get("/public/C-T1-V1/")
    html = page.content.decode()
    assert "落实三会一课制度" in html and "学习贯彻党的二十大精神（第1次）" in html and "公开" in html
    with django_assert_max_num_queries(20):
        assert client.get("/public/C-T1-V1/meetings/").status_code == 200


def test_the_duty_shows_its_public_fields_only(disclosed, client):
    html = client.get("/public/C-T1-V1/duties/").content.decode()
    assert "落实三会一课制度" in html and "light-" in html
    assert "每月召开支部党员大会" not in html  # the requirement is the organizations' own business


def test_an_anonymous_visitor_switches_the_language(county, client):
    switched = client.get("/public/language/en/", {"next": "/public/C/"})
    assert switched.status_code == 302 and switched["Location"] == "/public/C/"
    page = client.get("/public/C/").content.decode()
    assert 'lang="en"' in page and "Party affairs in the open" in page
    client.get("/public/language/zh-hans/", {"next": "/public/C/"})
    assert "党务公开" in client.get("/public/C/").content.decode()


def test_a_signed_in_user_switches_the_public_sites_language_and_keeps_their_own(county, client_for):
    """An officer reading the public site taps English there: the public pages are in English, their own pages stay
    in the language they chose, and nothing of their account is written by a link."""
    from grassroots.core.models import AuditEntry

    officer = county.users.t1_officer
    officer.language = "zh-hans"
    officer.save(update_fields=["language"])
    client = client_for(officer)
    entries = AuditEntry.objects.count()
    assert client.get("/public/language/en/", {"next": "/public/C/"}).status_code == 302
    assert 'lang="en"' in client.get("/public/C/").content.decode()
    assert 'lang="zh-Hans"' in client.get("/").content.decode()  # their own pages: their own language
    officer.refresh_from_db()
    assert officer.language == "zh-hans" and AuditEntry.objects.count() == entries


def test_the_language_switch_goes_back_only_to_this_site(county, client):
    response = client.get("/public/language/en/", {"next": "https://example.com/"})
    assert response["Location"] == "/public/"


@pytest.mark.parametrize(
    "url",
    [
        "/public/NOPE/",
        "/public/C-T1-V1/salaries/",
        "/public/C-T1-V1/minutes/999999/",
        "/public/C-T1-V1/notices/999999/",
        "/public/C-T1-V1/rectifications/",  # may be public, not published
    ],
)
def test_what_is_not_published_answers_404(disclosed, client, url):
    assert client.get(url).status_code == 404


def test_minutes_not_released_answer_404_and_released_ones_show(disclosed, client):
    meeting = disclosed.meetings[1]
    url = f"/public/C-T1-V1/minutes/{meeting.pk}/"
    assert client.get(url).status_code == 404
    services.minutes_release(actor=disclosed.users.secretary, meeting=meeting)
    assert meeting.minutes in client.get(url).content.decode()


def test_an_item_ruled_not_public_disappears_from_the_site(disclosed, client):
    services.disclosure_rule_set(
        actor=disclosed.users.officer, organization=disclosed.county, item=Item.MEETINGS, level=Level.NEVER
    )
    html = client.get("/public/C-T1-V1/").content.decode()
    assert "学习贯彻" not in html
    assert client.get("/public/C-T1-V1/meetings/").status_code == 404


def test_the_public_site_writes_nothing(county, client):
    assert client.post("/public/C/").status_code == 405


def test_a_long_list_is_cut_on_the_site_and_whole_on_its_page(county, client):
    for i in range(10):
        services.notice_post(
            actor=county.users.secretary, organization=county.v11, title=f"公开通知{i}", body="x", public=True
        )
    client.cookies["django_language"] = "en"
    html = client.get("/public/C-T1-V1/").content.decode()
    assert "公开通知9" in html and "公开通知0" not in html and "All 10" in html
    assert "公开通知0" in client.get("/public/C-T1-V1/notices/").content.decode()
