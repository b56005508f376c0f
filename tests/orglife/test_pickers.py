"""Member selects of the organizational-life forms: a plain select for a small branch, a searchable picker (works
without JavaScript) where a select would list more than PICKER_ABOVE members."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.orglife.forms import PICKER_ABOVE
from grassroots.orglife.models import PointEntry, PointRule, Talk
from tests.factories import MemberFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def big_branch(county):
    """柳湾 branch with more members than a select should list: two 王芳-like names and one 李红梅."""
    members = [MemberFactory(organization=county.v12, name=f"成员{i:02d}") for i in range(PICKER_ABOVE)]
    county.wang1 = MemberFactory(organization=county.v12, name="王芳")
    county.wang2 = MemberFactory(organization=county.v12, name="王芳芳")
    county.li = MemberFactory(organization=county.v12, name="李红梅")
    county.big = members
    return county


def _points(client, org, member_text, language="en", **extra):
    rule = PointRule.objects.get(code="volunteer")
    data = {"member": member_text, "rule": rule.pk, "earned_on": YESTERDAY.isoformat(), "note": "敬老院", **extra}
    return client.post(reverse("orglife:points_new", args=[org.pk]), data, HTTP_ACCEPT_LANGUAGE=language)


def test_a_big_branchs_member_is_typed_not_scrolled_for(big_branch, client_for):
    county = big_branch
    client = client_for(county.users.t1_officer)
    url = reverse("orglife:points_new", args=[county.v12.pk])
    page = client.get(url, **EN).content.decode()
    assert '<select name="member"' not in page and 'name="member"' in page
    assert f"/members/pick/?org={county.v12.pk}&amp;own=1" in page and "Type a name or part of it." in page
    # A whole name one member has is taken.
    assert _points(client, county.v12, "李红梅").status_code == 302
    assert PointEntry.objects.filter(member=county.li).count() == 1
    # A part several share comes back as choices under the box, without JavaScript.
    several = _points(client, county.v12, "王").content.decode()
    assert "Several members match “王”: choose one below." in several
    assert f'value="王芳 #{county.wang1.pk}"' in several and f'value="王芳芳 #{county.wang2.pk}"' in several
    assert _points(client, county.v12, "", member__pick=f"王芳 #{county.wang1.pk}").status_code == 302
    assert PointEntry.objects.filter(member=county.wang1).count() == 1
    # The id a select would post still works; a member of another branch cannot be chosen.
    assert _points(client, county.v12, str(county.wang2.pk)).status_code == 302
    other = county.members["C-T1-V1"]
    refused = _points(client, county.v12, f"{other.name} #{other.pk}").content.decode()
    assert "This member cannot be chosen here." in refused
    assert not PointEntry.objects.filter(member=other, note="敬老院").exists()


def test_the_suggestions_of_an_orglife_picker_are_the_branchs_own_members(big_branch, client_for):
    county = big_branch
    client = client_for(county.users.t1_officer)
    pick = reverse("organizations:member_pick")
    found = client.get(pick, {"org": county.v12.pk, "own": "1", "q": "王"}).json()["results"]
    assert [r["value"] for r in found] == [f"王芳 #{county.wang1.pk}", f"王芳芳 #{county.wang2.pk}"]
    MemberFactory(organization=county.g111, name="王小组")  # a group below Qingshan, not Liuwan
    assert client.get(pick, {"org": county.v11.pk, "own": "1", "q": "王小"}).json()["results"] == []
    assert client.get(pick, {"org": county.v11.pk, "q": "王小"}).json()["results"] != []
    # Nobody outside the scope gets suggestions from it.
    assert client_for(county.users.secretary).get(pick, {"org": county.v12.pk, "own": "1", "q": "王"}).json() == {
        "results": []
    }


def test_talks_visits_care_and_meeting_host_use_the_picker_in_a_big_branch(big_branch, client_for):
    county = big_branch
    client = client_for(county.users.t1_officer)
    for name in ("talk_new", "care_visit", "care_new", "meeting_new"):
        page = client.get(reverse(f"orglife:{name}", args=[county.v12.pk]), **EN).content.decode()
        assert "data-pick-url" in page, name
        assert '<select name="member"' not in page and '<select name="host"' not in page, name
        assert '<select name="visitor"' not in page and '<select name="with_member"' not in page, name
    talk = client.post(
        reverse("orglife:talk_new", args=[county.v12.pk]),
        {
            "member": "李红梅",
            "talked_on": YESTERDAY.isoformat(),
            "with_member": f"王芳 #{county.wang1.pk}",
            "topic": "谈心谈话",
        },
        **EN,
    )
    assert talk.status_code == 302
    record = Talk.objects.get(member=county.li)
    assert record.with_member == county.wang1


def test_a_small_branch_keeps_its_plain_select(county, client_for):
    page = client_for(county.users.secretary).get(reverse("orglife:points_new", args=[county.v11.pk]), **EN)
    assert '<select name="member"' in page.content.decode()


def test_the_pickers_message_in_chinese(big_branch, client_for):
    county = big_branch
    text = _points(client_for(county.users.t1_officer), county.v12, "王", language="zh-hans")
    assert "有多名党员与“王”相符，请在下面选择一位。" in text.content.decode()
