"""Ids that are no ids, sent where a page reads one: digits other than ASCII's ("²", "٣"), numbers longer than any
id. Each is "no such row" (a message, the page again, a 404), never a server error."""

import pytest
from django.urls import reverse

from grassroots.organizations.models import Member

ODD = ["²", "٣٤", "①", "99999999999999999999999", "-1", " 7 ", ""]


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_id_in_a_form_or_a_query_is_no_row_not_an_error(county, client_for, odd):
    officer = client_for(county.users.officer)
    member = Member.objects.get(user=county.users.member)
    answers = {
        "pick": officer.get(reverse("organizations:member_pick"), {"org": odd, "q": "a"}),
        "review many": officer.post(reverse("duties:review_many"), {"report": [odd, "1"], "decision": "accept"}),
        "revoke": officer.post(
            reverse("organizations:member_account", args=[member.pk]), {"action": "revoke", "grant": odd}
        ),
        "grant": officer.post(
            reverse("organizations:member_account", args=[member.pk]),
            {"action": "grant", "organization": odd, "role": "secretary"},
        ),
    }
    for name, answer in answers.items():
        assert answer.status_code in (200, 302, 400, 404), (name, answer.status_code)


# A cookie reaches the server as bytes read as Latin-1: the digits "¹", "²" and "³" are the ones it can carry.
@pytest.mark.parametrize("odd", ["²", "¹³", "duties.progressreport~²", "duties.progressreport~³|*~1"])
def test_an_odd_write_stamp_cookie_is_ignored(county, client_for, odd):
    """The cookie of one's last writes (core.middleware.write_stamps) is the browser's to send: digits of another
    script in it are no stamp, not a server error on every page."""
    from grassroots.core.middleware import WRITE_STAMP

    client = client_for(county.users.officer)
    client.cookies[WRITE_STAMP] = odd
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


@pytest.mark.parametrize("odd", ["²", "٣٤", "99999999999999999999999"])
def test_an_odd_organization_in_an_api_filter_is_no_organization(county, odd):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(county.users.officer)
    answer = api.get("/api/members/", {"organization": odd}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code in (200, 400) and (answer.status_code == 400 or answer.json()["results"] == [])
