"""The public site of the demo, crawled from /public/ by following its links in both languages: every page answers,
every organization's site is reached, and no private field appears (sentinels planted in them, tests/disclosure/
conftest.py)."""

import re
from urllib.parse import urlsplit

from grassroots.disclosure.models import Item, Notice, ReleasedMinutes
from grassroots.organizations.models import Organization

from .conftest import SENTINELS

LINK = re.compile(r'href="(/public/[^"#]*)"')


def _crawl(client, language: str) -> dict[str, str]:
    client.cookies["django_language"] = language
    pages, todo = {}, ["/public/"]
    while todo:
        url = todo.pop()
        if url in pages or "/language/" in url:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = response.content.decode()
        todo.extend(link.replace("&amp;", "&") for link in LINK.findall(pages[url]))
    return pages


def _sentinel_texts() -> list[str]:
    values = []
    for value in SENTINELS.values():
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    values.append(SENTINELS["birth_date"].strftime("%Y年%m月%d日"))
    return values


def test_no_private_field_appears_anywhere_on_the_public_site(planted, client):
    for language in ("zh-hans", "en"):
        pages = _crawl(client, language)
        found = [(url, s) for url, html in pages.items() for s in _sentinel_texts() if s in html]
        assert found == []
        # Every organization's site was reached, and more than the sites: the lists, minutes, notices, boards.
        sites = {urlsplit(u).path for u in pages if re.fullmatch(r"/public/[^/]+/", u) and "/language/" not in u}
        assert len(sites) == planted["organizations"]
        assert any("/minutes/" in u for u in pages) and any("/notices/" in u for u in pages)
        assert any(u.endswith("/board/") for u in pages)


def test_the_crawl_meets_what_is_published_and_only_that(planted, client):
    pages = _crawl(client, "zh-hans")
    released = ReleasedMinutes.objects.select_related("meeting__organization")
    for r in released:
        assert f"/public/{r.meeting.organization.code}/minutes/{r.meeting.pk}/" in pages
    minutes_pages = [u for u in pages if "/minutes/" in u]
    assert len(minutes_pages) == released.count()
    public = Notice.objects.filter(public=True, withdrawn_at__isnull=True).select_related("organization")
    assert {f"/public/{n.organization.code}/notices/{n.pk}/" for n in public} <= set(pages)
    # The county's demo rule: rectifications must be public everywhere in it; it shows on every site that has any.
    county = Organization.objects.get(depth=1)
    assert Item.RECTIFICATIONS in pages[f"/public/{county.code}/"]  # the section's anchor


def test_the_crawl_catches_a_leak_when_there_is_one(planted, client):
    """The proof bites: minutes planted with a sentinel, once released by their secretary, are found by the crawl."""
    from django.contrib.auth import get_user_model

    from grassroots.disclosure import services
    from grassroots.orglife.models import Meeting

    secretary = get_user_model().objects.get(username="secretary")
    meeting = (
        Meeting.objects.filter(organization__grants__user=secretary, state="held", minutes=SENTINELS["minutes"])
        .order_by("-held_on")
        .first()
    )
    services.minutes_release(actor=secretary, meeting=meeting)
    pages = _crawl(client, "en")
    assert [u for u, html in pages.items() if SENTINELS["minutes"] in html] == [
        f"/public/{meeting.organization.code}/minutes/{meeting.pk}/"
    ]


def test_the_public_results_are_those_of_published_runs_only(planted):
    from django.contrib.auth.models import AnonymousUser

    from grassroots.assessment.models import Result
    from grassroots.disclosure import selectors

    hidden = Result.objects.filter(run__version=99).select_related("organization").first()
    shown = selectors.public_results(user=AnonymousUser(), organization=hidden.organization)
    assert shown and all(r.score != 43.21 for r in shown)
