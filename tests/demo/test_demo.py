"""The demo data: a sound tree, realistic members and posts, deterministic, with working demo accounts."""

import datetime as dt
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.test import RequestFactory
from django.utils import translation

from grassroots.core.audit import verify
from grassroots.core.policy import Action, restrict
from grassroots.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DatabaseNotEmpty,
    build_demo,
    database_is_empty,
    demo_accounts,
)
from grassroots.organizations.models import Grant, Member, Organization, OrgKind, Post, PostTitle
from grassroots.organizations.validation import id_birth_date, id_gender, validate_id_number
from tests import shelf

TODAY = dt.date(2026, 6, 15)


def _tiny():
    """The tiny demo, built once for the tests below (tests/shelf.py) and rolled back to after each."""
    return build_demo(scale="tiny", seed=1, today=TODAY)


tiny = shelf.shelved("tiny", _tiny)


def test_tiny_demo_is_a_sound_treebeard_tree(tiny):
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert Organization.objects.count() == tiny["organizations"]
    assert Member.objects.count() == tiny["members"]
    assert 150 <= tiny["members"] <= 350
    assert 8 <= tiny["branches"] <= 16
    assert tiny["groups"] >= 2 and tiny["general_branches"] >= 1


def test_tiny_demo_keeps_the_stored_parent_and_depth_in_step_with_the_path(tiny):
    for org in Organization.objects.select_related("parent"):
        assert org.depth == len(org.path) // Organization.steplen
        if org.parent is None:
            assert org.depth == 1
        else:
            assert org.path[: -Organization.steplen] == org.parent.path
    assert list(Organization.objects.filter(parent=None).values_list("name", flat=True)) == ["青山县委"]


def test_codes_follow_the_tree(tiny):
    assert Organization.objects.get(name="青山县委").code == "430124"
    assert Organization.objects.get(name="新街镇党委").code == "430124-01"
    village = Organization.objects.get(name="青山村党支部")
    assert village.code.startswith("430124-01-")
    for org in Organization.objects.exclude(parent=None).select_related("parent"):
        assert org.code.startswith(org.parent.code + "-")
    for group in Organization.objects.filter(kind=OrgKind.GROUP):
        assert "-G" in group.code


def test_every_branch_has_exactly_one_current_secretary_who_is_a_member_of_it(tiny):
    branches = Organization.objects.filter(kind=OrgKind.BRANCH)
    secretaries = Post.objects.filter(title=PostTitle.SECRETARY, ended_on=None, organization__kind=OrgKind.BRANCH)
    per_branch = dict(secretaries.values_list("organization").annotate(n=Count("id")))
    assert set(per_branch) == set(branches.values_list("id", flat=True))
    assert set(per_branch.values()) == {1}
    assert not secretaries.exclude(member__organization=F("organization")).exists()


def test_posts_are_held_inside_the_organization_and_after_full_membership(tiny):
    for post in Post.objects.select_related("member__organization", "organization"):
        if post.title == PostTitle.GROUP_LEADER:  # a group of the member's own branch
            assert post.organization.parent_id == post.member.organization_id, post
        else:  # the member's branch, or a general branch or committee above it
            assert post.member.organization.is_within(post.organization), post
        assert post.member.confirmed_on and post.member.confirmed_on <= post.started_on <= TODAY
    groups = Organization.objects.filter(kind=OrgKind.GROUP)
    leaders = Post.objects.filter(title=PostTitle.GROUP_LEADER)
    assert leaders.count() == groups.count()
    big = Organization.objects.filter(kind=OrgKind.BRANCH).annotate(n=Count("members")).filter(n__gte=12)
    for branch in big:
        assert branch.posts.count() >= 3, "7+ full members elect a committee of 3-5"


def test_members_belong_to_branches_and_never_to_a_committee_with_children(tiny):
    kinds = set(Member.objects.values_list("organization__kind", flat=True))
    assert kinds <= {OrgKind.BRANCH, OrgKind.GENERAL_BRANCH}
    assert not Member.objects.filter(organization__kind=OrgKind.COMMITTEE, organization__numchild__gt=0).exists()
    assert not Organization.objects.filter(kind=OrgKind.BRANCH, members=None).exists()


def test_id_numbers_are_valid_unique_and_agree_with_birth_date_and_gender(tiny):
    rows = list(
        Member.objects.values_list("id_number", "birth_date", "gender", "joined_on", "confirmed_on", "category")
    )
    assert len({r[0] for r in rows}) == len(rows)
    for id_number, born, gender, joined, confirmed, category in rows:
        assert validate_id_number(id_number, birth_date=born, gender=gender) is None
        assert id_birth_date(id_number) == born and id_gender(id_number) == gender
        assert id_number.startswith("430124")
        eighteenth = (
            born.replace(year=born.year + 18) if (born.month, born.day) != (2, 29) else dt.date(born.year + 18, 3, 1)
        )
        assert eighteenth <= joined <= TODAY
        if category == "probationary":
            assert confirmed is None and (TODAY - joined).days < 366
        else:
            assert (confirmed - joined).days in (365, 366)
    phones = list(Member.objects.values_list("phone", flat=True))
    assert all(len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)
    assert len(set(phones)) == len(phones)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db):
    def snapshot():
        orgs = list(Organization.objects.order_by("path").values_list("path", "code", "name", "name_en"))
        # sorted here: ID numbers are sealed, the database orders only their ciphertext
        members = sorted(Member.objects.values_list("name", "id_number", "organization__code"), key=lambda m: m[1])
        return orgs, members

    build_demo(scale="tiny", seed=7, today=TODAY)
    first = snapshot()
    build_demo(scale="tiny", seed=7, today=TODAY, reset=True)
    assert snapshot() == first
    build_demo(scale="tiny", seed=8, today=TODAY, reset=True)
    other = snapshot()
    assert [m[0] for m in other[1]] != [m[0] for m in first[1]]


EXPECTED_GRANTS = {
    "admin": ("admin", "青山县委"),
    "county": ("officer", "青山县委"),
    "township": ("officer", "新街镇党委"),
    "secretary": ("secretary", "青山村党支部"),
    "auditor": ("auditor", "新街镇党委"),
}


def test_demo_accounts_log_in_and_hold_the_documented_roles(tiny, client):
    User = get_user_model()
    assert [a[0] for a in DEMO_ACCOUNTS] == ["admin", "county", "township", "secretary", "member", "auditor"]
    for username, _role, _text in DEMO_ACCOUNTS:
        request = RequestFactory().post("/login/")
        assert client.login(request=request, username=username, password=DEMO_PASSWORD), username
        client.logout()
        user = User.objects.get(username=username)
        grants = list(Grant.objects.filter(user=user).values_list("role", "organization__name"))
        assert grants == ([EXPECTED_GRANTS[username]] if username in EXPECTED_GRANTS else [])
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    names = dict(User.objects.values_list("username", "first_name"))
    assert names["county"] == "周敏" and names["township"] == "王建国" and names["secretary"] == "李德明"


def test_the_demo_accounts_their_links_and_grants_are_written_through_the_services_and_audited(tiny):
    from django.contrib.auth.password_validation import validate_password

    from grassroots.core.models import AuditEntry

    validate_password(DEMO_PASSWORD)  # the demo's password passes the rules every other password must
    entries = AuditEntry.objects.filter(action="core.user.create").order_by("seq")
    assert [e.after["username"] for e in entries] == [a[0] for a in DEMO_ACCOUNTS]
    assert all(e.after["console"] and e.after["operator"] == "demo" and e.after["password"] == "set" for e in entries)
    admin = get_user_model().objects.get(username="admin")
    links = AuditEntry.objects.filter(action="organizations.member.account_link")
    assert sorted(e.after["username"] for e in links) == ["auditor", "county", "member", "secretary", "township"]
    granted = AuditEntry.objects.filter(action="organizations.grant.create")
    assert granted.count() == Grant.objects.count() == len(EXPECTED_GRANTS)
    assert {e.actor_id for e in [*links, *granted]} == {admin.pk}
    assert not get_user_model().objects.filter(password_given=True).exists()  # no new password asked at sign-in
    assert verify().ok


def test_the_secretary_and_the_member_are_people_of_the_village_branch(tiny):
    village = Organization.objects.get(name="青山村党支部")
    li = Member.objects.get(user__username="secretary")
    assert (li.name, li.organization, li.age(TODAY)) == ("李德明", village, 58)
    assert Post.objects.get(organization=village, title=PostTitle.SECRETARY, ended_on=None).member == li
    plain = Member.objects.get(user__username="member")
    assert plain.organization == village and not plain.posts.exists()
    wang = Member.objects.get(user__username="township")
    township = Organization.objects.get(name="新街镇党委")
    assert wang.name == "王建国" and wang.organization.is_within(township)
    assert Post.objects.get(organization=township, title=PostTitle.SECRETARY).member == wang


def test_demo_accounts_see_what_their_role_covers(tiny):
    User = get_user_model()
    secretary = User.objects.get(username="secretary")
    seen = restrict(secretary, Action.VIEW, Organization.objects.all())
    assert {o.name for o in seen if o.kind != OrgKind.GROUP} == {"青山村党支部"}
    county = User.objects.get(username="county")
    assert restrict(county, Action.VIEW, Member.objects.all()).count() == Member.objects.count()
    auditor = User.objects.get(username="auditor")
    township = Organization.objects.get(name="新街镇党委")
    own_branch = auditor.member.organization  # the inspector is a party member too, of a county organ
    assert not own_branch.is_within(township)
    assert set(restrict(auditor, Action.VIEW, Member.objects.all())) == set(
        Member.objects.filter(Q(organization__path__startswith=township.path) | Q(organization=own_branch))
    )


def test_demo_accounts_name_the_organizations_in_use(tiny):
    accounts = {a["username"]: a for a in demo_accounts()}
    assert accounts["secretary"]["organization"] == "青山村党支部"
    assert accounts["secretary"]["name"] == "李德明"
    assert accounts["member"]["organization"] == "青山村党支部"
    assert accounts["township"]["organization"] == "新街镇党委"
    assert all(a["password"] == DEMO_PASSWORD and a["description"] for a in accounts.values())


def test_the_tree_and_the_members_take_new_rows_after_the_demo(tiny):
    from tests.factories import MemberFactory, add_org

    village = Organization.objects.get(name="青山村党支部")
    group = add_org(village, "青山村党支部新党小组", OrgKind.GROUP, "village", code="430124-new")
    member = MemberFactory(organization=village)
    assert group.path.startswith(village.path) and group.pk > tiny["organizations"]
    assert member.pk > tiny["members"]
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_refuses_a_database_that_already_has_organizations(county):
    assert not database_is_empty()
    with translation.override("en"), pytest.raises(DatabaseNotEmpty) as refused:
        build_demo(scale="tiny")
    assert "already holds data (8 organizations)" in refused.value.messages[0]
    assert Organization.objects.filter(code="C").exists()


def test_reset_replaces_existing_data_and_the_audit_chain_stays_valid(county):
    from grassroots.organizations.services import organization_update

    organization_update(actor=county.users.admin, organization=county.county, name="旧县委")
    assert verify().ok
    build_demo(scale="tiny", reset=True, today=TODAY)
    assert not Organization.objects.filter(code="C").exists()
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert verify().ok


def test_database_is_empty_until_the_demo_is_loaded(db):
    assert database_is_empty()
    out = io.StringIO()
    with translation.override("en"):
        counts = build_demo(scale="tiny", stdout=out, today=TODAY)
    assert not database_is_empty()
    # (the tree is written first; the year founds one organization more, the resettlement community's)
    written = counts["organizations"] - counts["general_branches_founded"]
    assert f"Wrote {written} organizations" in out.getvalue()
    assert f"Wrote {counts['members']} members" in out.getvalue()


def test_an_unknown_scale_is_refused(db):
    with translation.override("en"), pytest.raises(Exception, match="Unknown demo scale planet"):
        build_demo(scale="planet")


@pytest.mark.slow
def test_county_scale_is_realistic(db):
    """Its speed is measured by `make bench`, not asserted here."""
    started = time.monotonic()
    counts = build_demo(scale="county", seed=1, today=TODAY)
    elapsed = time.monotonic() - started
    print(f"county demo: {counts['organizations']} organizations, {counts['members']} members in {elapsed:.1f} s")
    assert 1200 <= Organization.objects.count() <= 1800
    assert 35_000 <= Member.objects.count() <= 45_000
    assert 10 <= Organization.objects.filter(unit_type="township", kind="committee", depth=2).count() <= 20

    wrong_numchild = Organization.objects.annotate(n=Count("children")).exclude(numchild=F("n"))
    assert not wrong_numchild.exists()
    assert not Member.objects.filter(organization__kind=OrgKind.COMMITTEE).exists()
    branches = Organization.objects.filter(kind=OrgKind.BRANCH).count()
    assert Post.objects.filter(title=PostTitle.SECRETARY, organization__kind=OrgKind.BRANCH).count() == branches

    village = Member.objects.filter(organization__unit_type="village")
    n = village.count()
    women = village.filter(gender="F").count() / n
    over_60 = village.filter(birth_date__lt=TODAY.replace(year=TODAY.year - 61)).count() / n
    assert 0.10 <= women <= 0.20
    assert 0.35 <= over_60 <= 0.50
    probationary = Member.objects.filter(category="probationary").count() / Member.objects.count()
    assert 0.015 <= probationary <= 0.025
    sizes = sorted(
        Organization.objects.filter(kind=OrgKind.BRANCH, unit_type="village")
        .annotate(n=Count("members"))
        .values_list("n", flat=True)
    )
    assert 25 <= sizes[len(sizes) // 2] <= 38, "rural branches: median about 30"
    organs = Member.objects.filter(Q(organization__unit_type="party_organ") | Q(organization__unit_type="government"))
    assert 0.22 <= organs.filter(gender="F").count() / organs.count() <= 0.40
