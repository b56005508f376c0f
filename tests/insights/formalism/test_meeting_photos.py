"""Meeting photos are indexed like report evidence: a photo that reappears in another meeting or in a report (either
way round) is flagged, shown on the meeting's page and in the flag list beside its earlier use; the rebuild of the
indexes covers them."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from grassroots.insights.formalism import services
from grassroots.insights.models import Flag, FlagKind, PhotoSignature
from grassroots.orglife import services as orglife

from .conftest import photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


def _meeting(county, org=None, files=(), days_ago=3, topic="主题党日"):
    org = org or county.v11
    actor = county.users.secretary if org == county.v11 else county.users.t1_officer
    return orglife.meeting_record(
        actor=actor,
        organization=org,
        kind="theme_day",
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        topic=topic,
        minutes="组织党员学习，开展志愿服务。",
        files=list(files),
    )


def _photo_flag() -> Flag:
    return Flag.objects.get(kind=FlagKind.REUSED_PHOTO)


def test_a_meeting_photo_used_again_at_another_branchs_meeting_is_flagged(county):
    first = _meeting(county, files=[photo(seed=5)])
    again = _meeting(county, org=county.v12, files=[photo(seed=5, quality=40, crop=0.03, scale=0.5)])
    flag = _photo_flag()
    assert (flag.organization, flag.other_organization, flag.reviewing) == (county.v12, county.v11, county.t1)
    assert (flag.meeting, flag.other_meeting) == (again, first)
    assert flag.meeting_file == again.files.get() and flag.other_meeting_file == first.files.get()
    assert flag.details["distance"] <= 10 and flag.details["same_file"] is False
    assert PhotoSignature.objects.filter(meeting_file__isnull=False).count() == 2


def test_two_shots_of_one_meeting_are_not_copies_of_each_other(county):
    _meeting(county, files=[photo(seed=5), photo(seed=5, quality=60, name="b.jpg")])
    assert not Flag.objects.filter(kind=FlagKind.REUSED_PHOTO).exists()


def test_a_different_meeting_photo_is_not_flagged(county):
    _meeting(county, files=[photo(seed=5)])
    _meeting(county, org=county.v12, files=[photo(seed=6)])
    assert not Flag.objects.filter(kind=FlagKind.REUSED_PHOTO).exists()


def test_a_report_photo_shown_again_as_a_meeting_photo_is_flagged(county, issued, submit):
    report = submit(issued["C-T1-V1"], "见照片", files=[photo(seed=5)])
    meeting = _meeting(county, org=county.v12, files=[photo(seed=5, quality=50)])
    flag = _photo_flag()
    assert (flag.organization, flag.meeting, flag.meeting_file) == (county.v12, meeting, meeting.files.get())
    assert (flag.other_organization, flag.other_report) == (county.v11, report)
    assert flag.other_evidence == report.evidence.get()
    with translation.override("en"):
        assert services.describe(flag) == (
            f"A photo of 柳湾村党支部 in the meeting of {meeting.held_on:%Y-%m-%d} was already used by 青山村党支部 in "
            f"the report of {report.created_at:%Y-%m-%d}."
        )
    with translation.override("zh-hans"):
        assert services.describe(flag) == (
            f"柳湾村党支部{meeting.held_on:%Y-%m-%d}的会议中的一张照片，青山村党支部已在"
            f"{report.created_at:%Y-%m-%d}的报告中用过。"
        )


def test_a_meeting_photo_sent_again_as_report_evidence_is_flagged(county, issued, submit):
    meeting = _meeting(county, files=[photo(seed=5)])
    report = submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=5, crop=0.04)])
    flag = _photo_flag()
    assert (flag.organization, flag.report, flag.evidence) == (county.v12, report, report.evidence.get())
    assert (flag.other_organization, flag.other_meeting, flag.other_meeting_file) == (
        county.v11,
        meeting,
        meeting.files.get(),
    )


def test_the_meeting_page_and_the_flag_list_show_the_earlier_use_to_the_reviewer_only(client, county):
    first = _meeting(county, files=[photo(seed=5)])
    again = _meeting(county, org=county.v12, files=[photo(seed=5, quality=50)])
    flag = _photo_flag()
    square = reverse("insights:flag_photo", args=[flag.pk, "other"]) + "?size=small"
    client.force_login(county.users.t1_officer)
    page = client.get(reverse("orglife:meeting", args=[again.pk])).content.decode()
    assert square in page and reverse("insights:flag", args=[flag.pk]) in page
    listed = client.get(reverse("insights:flags")).content.decode()
    assert square in listed
    assert client.get(square).status_code == 200
    assert client.get(reverse("insights:flag_photo", args=[flag.pk, "this"])).status_code == 200
    detail = client.get(reverse("insights:flag", args=[flag.pk])).content.decode()
    assert f"{first.held_on:%Y-%m-%d}" in detail
    # The earlier meeting's own page has no flag of its own; a sibling branch's secretary sees none.
    assert square not in client.get(reverse("orglife:meeting", args=[first.pk])).content.decode()
    client.force_login(county.users.secretary)
    assert "flag-note" not in client.get(reverse("orglife:meeting", args=[first.pk])).content.decode()


def test_the_rebuild_of_the_indexes_finds_meeting_photos_in_the_order_they_came(county, issued, submit):
    _meeting(county, files=[photo(seed=5)])
    submit(issued["C-T1-V2"], "活动照片", files=[photo(seed=5, crop=0.04)])
    Flag.objects.all().delete()
    PhotoSignature.objects.all().delete()
    counts = services.formalism_index(actor=county.users.admin)
    flag = _photo_flag()
    # The report came after the meeting: it is the one flagged, beside the meeting's photo.
    assert flag.organization == county.v12 and flag.report is not None and flag.other_meeting_file is not None
    assert counts["meetings"] >= 1 and counts["reports"] >= 1
    assert PhotoSignature.objects.count() == 2


def test_the_api_names_the_meeting_files_of_a_flag(client, county):
    first = _meeting(county, files=[photo(seed=5)])
    again = _meeting(county, org=county.v12, files=[photo(seed=5, quality=50)])
    flag = _photo_flag()
    client.force_login(county.users.t1_officer)
    data = client.get(f"/api/formalism-flags/{flag.pk}/").json()
    assert (data["meeting"], data["meeting_file"]) == (again.pk, again.files.get().pk)
    assert (data["other_meeting"], data["other_meeting_file"]) == (first.pk, first.files.get().pk)
    assert data["evidence"] is None
