"""Data completeness: what each organization's records lack, listed with the page that fixes it, filtered by kind
and subtree, counted the same on the page, in the API and on the start page."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from grassroots.duties.models import Duty, DutyState
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, Post, PostTitle
from grassroots.organizations.services import post_create
from grassroots.orglife.models import Meeting, MeetingState
from grassroots.orglife.selectors import COMMITTEE_MIN_MEMBERS, quarter_of
from grassroots.site.completeness import gap_counts, gaps
from tests.factories import MemberFactory
from tests.site.conftest import rows_of


def _codes(found, kind):
    return sorted(g.organization.code for g in found if g.kind.code == kind)


def test_an_organization_without_a_secretary_is_listed_with_the_page_that_names_one(county):
    found = gaps(user=county.users.officer, kind="no_secretary")
    assert _codes(found, "no_secretary") == ["C", "C-T1", "C-T1-V1", "C-T1-V2", "C-T2", "C-T2-V1", "C-T2-V2"]
    village = next(g for g in found if g.organization == county.v11)
    assert village.fix_url == reverse("organizations:post_new", args=[county.v11.pk])
    assert str(village.text) == "No secretary"


def test_naming_the_secretary_fills_the_gap(county):
    officer = county.users.officer
    post_create(
        actor=officer,
        member=county.members["C-T1-V1"],
        organization=county.v11,
        title=PostTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    )
    assert "C-T1-V1" not in _codes(gaps(user=officer, kind="no_secretary"), "no_secretary")


def test_a_group_needs_a_leader_not_a_secretary_nor_members_of_its_own(county):
    found = gaps(user=county.users.officer)
    assert "C-T1-V1-G1" not in _codes(found, "no_secretary") + _codes(found, "no_members")
    assert _codes(found, "no_leader") == ["C-T1-V1-G1"]


def test_a_branch_without_members_is_listed_with_the_page_adding_one(county):
    Member.objects.filter(organization=county.v22).update(status=MemberStatus.TRANSFERRED_OUT)
    (gap,) = gaps(user=county.users.officer, kind="no_members")
    assert gap.organization == county.v22
    assert gap.fix_url == reverse("organizations:member_new", args=[county.v22.pk])


def test_a_branch_of_seven_members_without_committee_members_lacks_a_committee(county):
    officer = county.users.officer
    for _ in range(COMMITTEE_MIN_MEMBERS - 1):
        MemberFactory(organization=county.v12)
    assert _codes(gaps(user=officer, kind="no_committee"), "no_committee") == ["C-T1-V2"]
    post_create(
        actor=officer,
        member=Member.objects.filter(organization=county.v12).first(),
        organization=county.v12,
        title=PostTitle.ORGANIZATION,
        started_on=dt.date(2024, 1, 1),
    )
    assert gaps(user=officer, kind="no_committee") == []


def test_members_without_a_join_date_are_counted(county):
    MemberFactory(organization=county.v21, joined_on=None)
    MemberFactory(organization=county.v21, joined_on=None)
    (gap,) = gaps(user=county.users.officer, kind="no_join_date")
    assert (gap.organization, gap.count, gap.text) == (county.v21, 2, "2 members without a join date")


def test_a_meeting_held_this_quarter_fills_the_gap_of_meetings(county):
    officer = county.users.officer
    assert _codes(gaps(user=officer, kind="no_meeting"), "no_meeting") == [
        "C-T1-V1",
        "C-T1-V2",
        "C-T2-V1",
        "C-T2-V2",
    ]
    Meeting.objects.create(
        organization=county.v22, kind="general", held_on=timezone.localdate(), state=MeetingState.HELD, topic="x"
    )
    assert "C-T2-V2" not in _codes(gaps(user=officer, kind="no_meeting"), "no_meeting")


def test_the_subtree_filter_keeps_the_organizations_below_one(county):
    found = gaps(user=county.users.officer, under=county.t2)
    assert {g.organization.code for g in found} == {"C-T2", "C-T2-V1", "C-T2-V2"}


def test_a_secretary_reads_the_gaps_of_their_own_branch_only(county):
    found = gaps(user=county.users.secretary)
    assert {g.organization.code for g in found} == {"C-T1-V1", "C-T1-V1-G1"}


def test_the_counts_equal_the_list_kind_by_kind(county):
    officer = county.users.officer
    counts = gap_counts(user=officer)
    listed = Counter(g.kind.code for g in gaps(user=officer))
    assert {k: n for k, n in counts["by_kind"].items() if n} == dict(listed)
    assert counts["total"] == sum(listed.values())


def test_the_page_lists_each_gap_with_its_fix_and_filters_by_kind(county, client):
    officer = county.users.officer
    client.force_login(officer)
    assert rows_of(client, reverse("completeness")) == gap_counts(user=officer)["total"]
    html = client.get(reverse("completeness") + "?kind=no_leader").content.decode()
    assert html.count("data-row") == 1
    assert reverse("organizations:post_new", args=[county.g111.pk]) in html


def test_a_wrong_filter_says_so_and_lists_nothing(county, client):
    client.force_login(county.users.officer)
    response = client.get(reverse("completeness") + "?kind=nonsense&under=NOPE")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"kind", "under"}
    assert "data-row" not in response.content.decode()


def test_a_plain_member_may_not_read_the_gaps(county, client):
    client.force_login(county.users.member)
    assert client.get(reverse("completeness")).status_code == 403
    assert client.get("/api/completeness/").status_code == 403


def test_the_api_gives_the_same_gaps(county, client):
    officer = county.users.officer
    client.force_login(officer)
    body = client.get("/api/completeness/", {"kind": "no_secretary", "under": "C-T1"}).json()
    assert body["count"] == 3
    assert [(row["organization"], row["kind"]) for row in body["results"]] == [
        ("C-T1", "no_secretary"),
        ("C-T1-V1", "no_secretary"),
        ("C-T1-V2", "no_secretary"),
    ]
    assert body["results"][0]["fix_url"] == reverse("organizations:post_new", args=[county.t1.pk])
    assert client.get("/api/completeness/", {"kind": "nonsense"}).status_code == 400


def test_the_api_hides_an_organization_out_of_scope(county, client):
    client.force_login(county.users.t1_officer)
    assert client.get("/api/completeness/", {"under": "C-T2"}).status_code in (400, 404)


def _oracle(user, today):
    """Each gap found the slow way, organization by organization, for the demo county."""
    quarter = quarter_of(today)
    out = Counter()
    for org in Organization.objects.filter(is_active=True):
        members = Member.objects.filter(organization=org, status=MemberStatus.ACTIVE)
        posts = Post.objects.filter(organization=org, ended_on__isnull=True)
        if org.kind != OrgKind.GROUP and not posts.filter(title=PostTitle.SECRETARY).exists():
            out["no_secretary"] += 1
        if (
            org.kind == OrgKind.BRANCH
            and members.count() >= COMMITTEE_MIN_MEMBERS
            and not posts.exclude(title__in=[PostTitle.SECRETARY, PostTitle.GROUP_LEADER]).exists()
        ):
            out["no_committee"] += 1
        if org.kind == OrgKind.GROUP and not posts.filter(title=PostTitle.GROUP_LEADER).exists():
            out["no_leader"] += 1
        if org.kind == OrgKind.BRANCH and not members.exists():
            out["no_members"] += 1
        if members.filter(joined_on__isnull=True).exists():
            out["no_join_date"] += 1
        held = Meeting.objects.filter(
            organization=org, state=MeetingState.HELD, held_on__gte=quarter.start, held_on__lte=today
        )
        if org.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH) and members.exists() and not held.exists():
            out["no_meeting"] += 1
        unassigned = Duty.objects.filter(
            organization=org, responsible__isnull=True, series__isnull=True, due_on__gte=today
        ).exclude(state=DutyState.CANCELLED)
        if unassigned.exists():
            out["no_responsible"] += 1
    return out


def test_the_gaps_of_the_demo_county_agree_with_a_slow_count(site_demo):
    county = get_user_model().objects.get(username="county")
    today = timezone.localdate()
    found = Counter(g.kind.code for g in gaps(user=county, today=today))
    assert found == _oracle(county, today)
    assert found  # the demo county is well kept, yet not perfectly


@pytest.mark.parametrize("kind", ["no_secretary", "no_meeting"])
def test_the_start_page_counts_the_gaps_the_page_lists(county, client, kind):
    officer = county.users.officer
    client.force_login(officer)
    assert rows_of(client, reverse("completeness") + f"?kind={kind}") == gap_counts(user=officer)["by_kind"][kind]


def test_the_gaps_download_as_xlsx_text_kept_as_text_and_the_export_audited(county, client):
    from io import BytesIO

    from openpyxl import load_workbook

    from grassroots.core.models import AuditEntry

    Organization.objects.filter(pk=county.v12.pk).update(name="=HYPERLINK(1)")
    client.force_login(county.users.officer)
    response = client.get(reverse("completeness_export"), {"kind": "no_secretary", "under": "C-T1"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("党组织编码", "党组织", "缺什么", "数量")  # the officer reads Chinese
    assert [r[0] for r in rows[1:]] == ["C-T1", "C-T1-V1", "C-T1-V2"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    entry = AuditEntry.objects.filter(action="core.export").latest("seq")
    assert entry.after["what"] == "completeness" and entry.after["gaps"] == 3


def test_an_auditor_reads_the_gaps_of_their_scope_and_a_member_exports_none(county, client):
    client.force_login(county.users.auditor)
    response = client.get(reverse("completeness"))
    assert {g.organization.code[:4] for g in response.context["page"]} == {"C-T1"}
    client.force_login(county.users.member)
    assert client.get(reverse("completeness_export")).status_code == 403
