"""The flag pages and the API: the list narrowed, one flag side by side, the decisions, refusals in the user's
language, nobody outside the scope reading a flag."""

import pytest
from django.urls import reverse

from grassroots.insights.models import Flag, FlagKind, FlagState

from .conftest import COPY, ORIGINAL, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(issued, submit):
    submit(issued["C-T1-V1"], ORIGINAL)
    submit(issued["C-T1-V2"], COPY)
    return Flag.objects.get(kind=FlagKind.COPIED_TEXT)


def test_the_list_shows_the_reviewer_the_open_flags_in_both_languages(county, flag, client_for):
    client = client_for(county.users.t1_officer)
    page = client.get(reverse("insights:flags"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Copied text" in page.content.decode() and "柳湾村党支部" in page.content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("insights:flags")).content.decode()
    assert "文字雷同" in chinese and "形式主义提示" in chinese
    assert client.get(reverse("insights:flags"), {"kind": "reused_photo"}).context["page"].paginator.count == 0
    assert client.get(reverse("insights:flags"), {"organization": "NOPE"}).status_code == 200


def test_the_menu_offers_the_flags_to_reviewers_only(county, client_for):
    assert client_for(county.users.t1_officer).get(reverse("home"), follow=True).context["nav_flags"]
    assert not client_for(county.users.member).get(reverse("home"), follow=True).context["nav_flags"]


def test_the_flag_page_shows_both_texts_with_their_differences(county, flag, client_for):
    page = client_for(county.users.t1_officer).get(reverse("insights:flag", args=[flag.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('class="flag-side"') == 2 and "<mark>" in body
    assert page.context["may_decide"] and not page.context["may_open_case"]


def test_a_flag_outside_the_scope_is_not_found(county, flag, client_for):
    assert client_for(county.users.secretary).get(reverse("insights:flag", args=[flag.pk])).status_code == 404
    response = client_for(county.users.secretary).post(
        reverse("insights:flag_dismiss", args=[flag.pk]), {"reason": "x"}
    )
    assert response.status_code == 404


def test_dismissing_without_a_reason_says_so_and_changes_nothing(county, flag, client_for):
    client = client_for(county.users.t1_officer)
    page = client.post(reverse("insights:flag_dismiss", args=[flag.pk]), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN


def test_the_auditor_reads_the_flag_but_may_not_judge_it(county, flag, client_for):
    client = client_for(county.users.auditor)
    page = client.get(reverse("insights:flag", args=[flag.pk]))
    assert page.status_code == 200 and not page.context["may_decide"]
    client.post(reverse("insights:flag_confirm", args=[flag.pk]), {"note": ""})
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN


def test_confirm_then_open_a_case_from_the_page(county, flag, client_for):
    client = client_for(county.users.t1_officer)
    client.post(reverse("insights:flag_confirm", args=[flag.pk]), {"note": "照抄"})
    response = client.post(reverse("insights:flag_case", args=[flag.pk]))
    flag.refresh_from_db()
    assert flag.state == FlagState.CONFIRMED and flag.case_id
    assert response.url == reverse("accountability:case", args=[flag.case_id])


def test_the_photo_pair_is_served_to_who_sees_the_flag(county, issued, submit, client_for):
    submit(issued["C-T1-V1"], "见照片", files=[photo(seed=8)])
    submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=8, quality=50)])
    flag = Flag.objects.get(kind=FlagKind.REUSED_PHOTO)
    reviewer = client_for(county.users.t1_officer)
    assert reviewer.get(reverse("insights:flag_photo", args=[flag.pk, "other"])).status_code == 200
    assert reviewer.get(reverse("insights:flag_photo", args=[flag.pk, "elsewhere"])).status_code == 404
    page = reviewer.get(reverse("insights:flag", args=[flag.pk])).content.decode()
    assert page.count("flag-photo") == 2


# ---------------------------------------------------------------- API


def test_the_api_lists_and_decides_flags(county, flag, client_for):
    client = client_for(county.users.t1_officer)
    rows = client.get("/api/formalism-flags/", {"state": "open"}).json()
    items = rows["results"] if isinstance(rows, dict) else rows
    assert [r["id"] for r in items] == [flag.pk] and items[0]["organization"] == "C-T1-V2"
    bad = client.post(f"/api/formalism-flags/{flag.pk}/dismiss/", {}, content_type="application/json")
    assert bad.status_code == 400
    done = client.post(
        f"/api/formalism-flags/{flag.pk}/dismiss/", {"reason": "联合活动"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "dismissed"
    again = client.post(f"/api/formalism-flags/{flag.pk}/confirm/", {}, content_type="application/json")
    assert again.status_code == 409


def test_the_api_hides_flags_outside_the_scope(county, flag, client_for):
    client = client_for(county.users.secretary)
    rows = client.get("/api/formalism-flags/").json()
    items = rows["results"] if isinstance(rows, dict) else rows
    assert items == []
    assert client.get(f"/api/formalism-flags/{flag.pk}/").status_code == 404
    auditor = client_for(county.users.auditor)
    assert (
        auditor.post(f"/api/formalism-flags/{flag.pk}/confirm/", {}, content_type="application/json").status_code == 403
    )


def test_the_admin_shows_flags_read_only(county, flag, client_for):
    client = client_for(county.users.admin)
    assert client.get(reverse("admin:insights_flag_changelist")).status_code == 200
    assert client.get(reverse("admin:insights_flag_add")).status_code == 403
    assert client.post(reverse("admin:insights_flag_delete", args=[flag.pk]), {"post": "yes"}).status_code == 403
    assert Flag.objects.filter(pk=flag.pk).exists()
