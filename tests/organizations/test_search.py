"""Finding a member: by name for everyone in scope; by the full phone or ID number only for a role that may read
them unmasked, so that nobody recovers a masked number by trying candidates; and throttled."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from grassroots.organizations import selectors
from grassroots.organizations.views import SEARCHES_PER_MINUTE
from tests.factories import MemberFactory

PHONE = "13900001111"


@pytest.fixture
def target(county):
    return MemberFactory(organization=county.v11, name="赵红梅", phone=PHONE)


def _found(user, query):
    return list(selectors.member_search(user=user, query=query))


@pytest.mark.parametrize("role", ["admin", "officer", "t1_officer", "secretary"])
def test_roles_that_read_personal_data_find_by_full_phone_and_id_number(county, target, role):
    user = getattr(county.users, role)
    assert _found(user, PHONE) == [target]
    assert _found(user, target.id_number.lower()) == [target]


@pytest.mark.parametrize("role", ["auditor", "member"])
def test_roles_that_see_numbers_masked_cannot_search_by_them(county, target, role):
    user = getattr(county.users, role)
    assert _found(user, "赵红") == [target]  # the name is not masked
    assert _found(user, PHONE) == []
    assert _found(user, target.id_number) == []


def test_personal_search_stops_at_the_edge_of_the_personal_scope(county):
    outside = MemberFactory(organization=county.v21, name="钱一", phone="13900002222")
    assert _found(county.users.t1_officer, "13900002222") == []
    assert _found(county.users.officer, "13900002222") == [outside]


@pytest.mark.parametrize("language, words", [("en", "Too many searches"), ("zh-hans", "搜索过于频繁")])
def test_search_is_throttled_per_user_with_a_message_in_the_readers_language(
    client, county, target, language, words, monkeypatch
):
    from types import SimpleNamespace

    from grassroots.core import throttle

    # One minute's window throughout: the searches of a loaded machine may cross a minute's edge, which starts a new one.
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    cache.clear()
    client.force_login(county.users.auditor)
    url = reverse("organizations:search")
    for _ in range(SEARCHES_PER_MINUTE):
        assert "赵红梅" in client.get(url, {"q": "赵红"}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    page = client.get(url, {"q": "赵红"}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
    assert "赵红梅" not in page
    cache.clear()
