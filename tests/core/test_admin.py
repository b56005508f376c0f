"""The Django admin writes no governed row in place: it reads, or it calls the services (policy check, audit entry)."""

import datetime as dt
import io
import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from treebeard.admin import TreeAdmin

from grassroots.assessment import defaults as assessment_defaults
from grassroots.assessment import services as assessment_services
from grassroots.assessment.models import EnteredValue, Indicator, Result, VetoEvent
from grassroots.core.admin import ServiceAdmin
from grassroots.core.models import AuditEntry, User
from grassroots.core.periods import period_for
from grassroots.organizations import services as org_services
from grassroots.organizations.models import Grant, Organization
from grassroots.orglife import services as orglife_services
from grassroots.orglife.models import MeetingRule, PointRule, StudyCourse, StudyPlan
from tests.factories import MemberFactory, UserFactory, grant

GOVERNED_APPS = {"auth", "core", "organizations", "duties", "orglife", "assessment"}
THROUGH_SERVICES = {Grant}  # given and ended through the services, never changed in place
# Rule books and accounts, written by their services (accounts: core.users); the rest is only read.
REWRITTEN = {MeetingRule, PointRule, StudyCourse, User}
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _governed():
    return [m for m in admin.site._registry if m._meta.app_label in GOVERNED_APPS]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("sign-in.png", buffer.getvalue(), content_type="image/png")


def _orglife_records(county):
    secretary, branch = county.users.secretary, county.v11
    member = county.members["C-T1-V1"]
    orglife_services.meeting_record(
        actor=secretary,
        organization=branch,
        kind="general",
        held_on=YESTERDAY,
        topic="学习全会精神",
        attendance={member.pk: "present"},
        files=[_png()],
    )
    orglife_services.study_record_create(
        actor=secretary, member=member, title="学习强国", studied_on=YESTERDAY, hours=2
    )
    rule = PointRule.objects.get(code="volunteer")
    orglife_services.points_enter(actor=secretary, member=member, rule=rule, earned_on=YESTERDAY, note="秋收")
    orglife_services.appraisal_open(actor=secretary, organization=branch, year=YESTERDAY.year)
    old = MemberFactory(organization=branch, name="张大爷", birth_date=dt.date(1939, 2, 1))
    orglife_services.care_case_open(actor=secretary, member=old, category="old_age", details="独居")
    orglife_services.care_visit_record(actor=secretary, member=old, visited_on=YESTERDAY, help_given="米面")
    orglife_services.talk_record(actor=secretary, member=member, talked_on=YESTERDAY, topic="谈心", with_name="书记")
    StudyCourse.objects.create(title="党章", organization=county.county)
    StudyPlan.objects.create(organization=county.county, period=period_for(str(YESTERDAY.year)))


def _assessment_records(county):
    officer = county.users.officer
    system, _secretary = assessment_defaults.install(actor=officer, owner=county.county)
    run = assessment_services.run_create(actor=officer, system=system, period=period_for("2025-Q4"), scope=county.t1)
    indicator = Indicator.objects.filter(system=system).first()
    EnteredValue.objects.create(run=run, organization=county.v11, indicator=indicator, value=80)
    Result.objects.create(run=run, organization=county.v11, weighted=80, score=80, grade="good")
    VetoEvent.objects.create(period=run.period, organization=county.v11, reason="事故", occurred_on=YESTERDAY)


@pytest.fixture
def everything(county):
    """A row of every governed model the admin shows."""
    org_services.post_create(
        actor=county.users.officer,
        member=county.members["C-T1-V1"],
        organization=county.v11,
        title="secretary",
        started_on=YESTERDAY,
    )
    org_services.transfer_request(
        actor=county.users.secretary, member=MemberFactory(organization=county.v11), to_organization=county.v21
    )
    _orglife_records(county)
    _assessment_records(county)
    Group.objects.create(name="clerks")
    return county


def test_the_fixture_holds_a_row_of_every_governed_model_the_admin_shows(everything):
    assert [m.__name__ for m in _governed() if not m.objects.exists()] == []


def test_the_models_the_admin_writes_are_written_by_their_services():
    assert [
        m.__name__ for m in REWRITTEN | THROUGH_SERVICES if not isinstance(admin.site._registry[m], ServiceAdmin)
    ] == []


def test_every_list_page_of_the_admin_opens(everything, client_for):
    client = client_for(everything.users.admin)
    for model in admin.site._registry:
        # The audit trail is the auditors' alone: a superuser without the auditor role is refused it.
        expected = 403 if model is AuditEntry else 200
        assert client.get(_url(model, "changelist")).status_code == expected, model.__name__


def test_a_superuser_adds_changes_and_deletes_no_governed_row_in_place(everything, client_for):
    grant(everything.users.admin, everything.county, "auditor")  # so that the trail's pages open too
    client = client_for(everything.users.admin)
    audited = AuditEntry.objects.count()
    for model in set(_governed()) - REWRITTEN:
        name, row, rows = model.__name__, model.objects.first(), model.objects.count()
        if model not in THROUGH_SERVICES:
            assert client.get(_url(model, "add")).status_code == 403, name
            assert client.post(_url(model, "add"), {}).status_code == 403, name
        page = client.get(_url(model, "change", row.pk))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), name
        assert client.post(_url(model, "change", row.pk), {}).status_code == 403, name
        if model not in THROUGH_SERVICES:
            assert client.get(_url(model, "delete", row.pk)).status_code == 403, name
            assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403, name
            if not isinstance(admin.site._registry[model], TreeAdmin):  # the tree's list page takes no actions
                bulk = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
                client.post(_url(model, "changelist"), bulk)
        assert model.objects.count() == rows and model.objects.filter(pk=row.pk).exists(), name
    assert AuditEntry.objects.count() == audited


def test_the_tree_is_not_moved_by_dragging_in_the_admin(everything, client_for):
    client = client_for(everything.users.admin)
    v11 = everything.v11
    move = {"node": v11.pk, "target": everything.t2.pk, "relation": "child"}
    assert client.post(reverse("admin:organizations_organization_changelist") + "move/", move).status_code == 403
    assert Organization.objects.get(pk=v11.pk).path == v11.path


def test_a_grant_given_and_ended_in_the_admin_goes_through_the_services_and_is_audited(everything, client_for):
    admin_user = everything.users.admin
    client = client_for(admin_user)
    user = UserFactory(username="new-secretary")
    form = {"user": user.pk, "organization": everything.v12.pk, "role": "secretary"}
    assert client.post(_url(Grant, "add"), form).status_code == 302
    grant = Grant.objects.get(user=user)
    given = AuditEntry.objects.get(action="organizations.grant.create", object_id=str(grant.pk))
    assert given.actor_id == admin_user.pk
    assert client.post(_url(Grant, "delete", grant.pk), {"post": "yes"}).status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(action="organizations.grant.revoke", object_id=str(grant.pk)).exists()


def test_grants_ended_together_in_the_admin_are_each_revoked_and_audited(everything, client_for):
    client = client_for(everything.users.admin)
    grants = list(Grant.objects.filter(user__in=[everything.users.secretary, everything.users.auditor]))
    bulk = {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"}
    assert client.post(_url(Grant, "changelist"), bulk).status_code == 302
    assert not Grant.objects.filter(pk__in=[g.pk for g in grants]).exists()
    revoked = AuditEntry.objects.filter(action="organizations.grant.revoke").values_list("object_id", flat=True)
    assert sorted(revoked) == sorted(str(g.pk) for g in grants)


def test_the_admin_gives_no_grant_the_policy_refuses(everything, client_for):
    """A staff user who may use the admin but holds no grant-giving role is refused by the service."""
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(*_grant_permissions())
    client = client_for(clerk)
    form = {"user": clerk.pk, "organization": everything.v12.pk, "role": "admin"}
    assert client.post(_url(Grant, "add"), form).status_code == 403
    assert not Grant.objects.filter(user=clerk).exists()
    assert not AuditEntry.objects.filter(action="organizations.grant.create").exists()


def _grant_permissions():
    return Permission.objects.filter(content_type__app_label="organizations", codename__endswith="_grant")


def _form(client, model, pk=None):
    """The admin form's current values, ready to post back."""
    page = client.get(_url(model, "change", pk) if pk else _url(model, "add"))
    form = page.context["adminform"].form
    return {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}


def test_a_points_rule_changed_in_the_admin_is_written_by_its_service_and_audited(everything, client_for):
    client = client_for(everything.users.admin)
    rule = PointRule.objects.get(code="volunteer")
    data = _form(client, PointRule, rule.pk) | {"points": "7.0"}
    assert client.post(_url(PointRule, "change", rule.pk), data).status_code == 302
    rule.refresh_from_db()
    assert rule.points == 7
    entry = AuditEntry.objects.get(action="orglife.point_rule.change", object_id=str(rule.pk))
    assert entry.after["points"] == "7.0" and entry.before["points"] != "7.0"
    assert client.get(_url(PointRule, "delete", rule.pk)).status_code == 403  # retired, never deleted


def test_a_course_added_and_withdrawn_in_the_admin_is_audited_both_times(everything, client_for):
    client = client_for(everything.users.admin)
    data = {"title": "新党章学习", "organization": everything.t1.pk, "hours": "2.0", "description": ""}
    assert client.post(_url(StudyCourse, "add"), data).status_code == 302
    course = StudyCourse.objects.get(title="新党章学习")
    assert AuditEntry.objects.filter(action="orglife.course.change", object_id=str(course.pk)).count() == 1
    assert client.post(_url(StudyCourse, "delete", course.pk), {"post": "yes"}).status_code == 302
    assert not StudyCourse.objects.filter(pk=course.pk).exists()
    assert AuditEntry.objects.filter(action="orglife.course.change", object_id=str(course.pk)).count() == 2


def test_a_staff_user_without_the_role_changes_no_rule_book_in_the_admin(everything, client_for):
    clerk = UserFactory(username="rule-clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(content_type__app_label="orglife"))
    client = client_for(clerk)
    rule = PointRule.objects.get(code="volunteer")
    data = _form(client, PointRule, rule.pk) | {"points": "99.0"}
    assert client.post(_url(PointRule, "change", rule.pk), data).status_code == 403
    rule.refresh_from_db()
    assert rule.points != 99
    assert not AuditEntry.objects.filter(action="orglife.point_rule.change").exists()


# ---------------------------------------------------------------- accounts: every write through core.users, audited

SECRET = "Qingshan-2026-pass"


def _account_entries():
    return AuditEntry.objects.filter(action__startswith="core.user.").exclude(
        action__in=["core.user.login_failed", "core.user.sign_in_end"]
    )


def _one_entry(action, user):
    """The one account entry the write left: its action, its object; never a password nor its hash."""
    entries = list(_account_entries())
    assert [(e.action, e.object_id) for e in entries] == [(action, str(user.pk))]
    entry = entries[0]
    text = json.dumps([entry.before, entry.after], ensure_ascii=False)
    user = User.objects.filter(pk=user.pk).first()
    secrets = [SECRET, *([user.password, user.password.split("$")[-1]] if user is not None else [])]
    assert not any(secret in text for secret in secrets), text
    return entry


def _user_form(client, user):
    """The account's change form as the admin shows it, ready to post back."""
    page = client.get(_url(User, "change", user.pk))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "password" or value is None or value is False:
            continue
        data[name] = value
    return data


def test_an_account_added_in_the_admin_is_made_by_the_service_and_audited_once(county, client_for):
    client = client_for(county.users.admin)
    form = {"username": "clerk-zhou", "usable_password": "true", "password1": SECRET, "password2": SECRET}
    assert client.post(_url(User, "add"), form).status_code == 302
    user = User.objects.get(username="clerk-zhou")
    assert user.check_password(SECRET) and user.password_given  # handed over: its owner chooses their own
    entry = _one_entry("core.user.create", user)
    assert entry.actor_id == county.users.admin.pk and entry.actor_name == "admin"
    assert entry.after["username"] == "clerk-zhou" and entry.after["password"] == "set"
    assert entry.after["is_superuser"] is False


@pytest.mark.parametrize("field", ["is_superuser", "is_staff", "is_active", "groups", "user_permissions"])
def test_each_privilege_changed_in_the_admin_is_changed_by_the_service_and_audited_once(county, client_for, field):
    client = client_for(county.users.admin)
    target = UserFactory(username="target", is_active=field != "is_active")
    group = Group.objects.create(name="clerks")
    permission = Permission.objects.get(codename="view_member")
    data = _user_form(client, target)
    if field in ("is_superuser", "is_staff"):
        data[field] = "on"
    elif field == "is_active":
        data[field] = "on"  # activated again
    elif field == "groups":
        data[field] = [group.pk]
    else:
        data[field] = [permission.pk]
    assert client.post(_url(User, "change", target.pk), data).status_code == 302
    entry = _one_entry("core.user.change", target)
    assert entry.actor_id == county.users.admin.pk
    expected = {"groups": ["clerks"], "user_permissions": ["organizations.view_member"]}.get(field, True)
    assert entry.after == {field: expected}
    assert entry.before == {field: [] if field in ("groups", "user_permissions") else False}
    target.refresh_from_db()
    assert getattr(target, field) is True if field.startswith("is_") else getattr(target, field).exists()


def test_an_account_saved_unchanged_in_the_admin_records_nothing(county, client_for):
    client = client_for(county.users.admin)
    target = UserFactory(username="target", email="target@example.org")
    assert client.post(_url(User, "change", target.pk), _user_form(client, target)).status_code == 302
    assert not _account_entries().exists()


def test_a_password_set_in_the_admin_is_set_by_the_service_and_audited_without_it(county, client_for):
    client = client_for(county.users.admin)
    target = UserFactory(username="target")
    form = {"usable_password": "true", "password1": SECRET, "password2": SECRET}
    password_page = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(password_page).status_code == 200 and client.get(_url(User, "add")).status_code == 200
    assert client.post(password_page, form).status_code == 302
    target.refresh_from_db()
    assert target.check_password(SECRET) and target.password_given
    entry = _one_entry("core.user.password_set", target)
    assert entry.after == {"password": "set"} and entry.actor_id == county.users.admin.pk


def test_password_sign_in_disabled_in_the_admin_is_audited(county, client_for):
    client = client_for(county.users.admin)
    target = UserFactory(username="target")
    password_page = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.post(password_page, {"usable_password": "false", "unset-password": "1"}).status_code == 302
    target.refresh_from_db()
    assert not target.has_usable_password()
    assert _one_entry("core.user.password_set", target).after == {"password": "disabled"}


def test_a_weak_password_set_in_the_admin_is_refused_on_the_form(county, client_for):
    client = client_for(county.users.admin)
    target = UserFactory(username="target")
    password_page = reverse("admin:auth_user_password_change", args=[target.pk])
    page = client.post(password_page, {"usable_password": "true", "password1": "short", "password2": "short"})
    assert page.status_code == 200 and page.context["form"].errors
    assert not _account_entries().exists()


def test_an_unused_account_deleted_in_the_admin_is_deleted_by_the_service_and_audited(county, client_for):
    client = client_for(county.users.admin)
    target = UserFactory(username="mistake")
    assert client.post(_url(User, "delete", target.pk), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=target.pk).exists()
    entry = _one_entry("core.user.delete", target)
    assert entry.before["username"] == "mistake" and entry.actor_id == county.users.admin.pk


def test_accounts_deleted_together_in_the_admin_are_each_audited(county, client_for):
    client = client_for(county.users.admin)
    targets = [UserFactory(username="mistake-1"), UserFactory(username="mistake-2")]
    bulk = {"action": "delete_selected", "_selected_action": [t.pk for t in targets], "post": "yes"}
    assert client.post(_url(User, "changelist"), bulk).status_code == 302
    assert not User.objects.filter(pk__in=[t.pk for t in targets]).exists()
    deleted = _account_entries().filter(action="core.user.delete").values_list("object_id", flat=True)
    assert sorted(deleted) == sorted(str(t.pk) for t in targets)


def test_a_used_account_is_not_deleted_in_the_admin_but_deactivated_with_the_reason_said(county, client_for):
    client = client_for(county.users.admin)
    secretary = county.users.secretary  # holds a role
    answer = client.post(_url(User, "delete", secretary.pk), {"post": "yes"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and "deactivate it instead" in answer.content.decode()
    assert User.objects.filter(pk=secretary.pk).exists() and Grant.objects.filter(user=secretary).exists()
    assert not _account_entries().exists()


def test_an_administrator_does_not_take_their_own_rights_away_in_the_admin(county, client_for):
    admin_user = county.users.admin
    client = client_for(admin_user)
    page = client.get(_url(User, "change", admin_user.pk)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_active"' not in page
    data = _user_form(client, admin_user) | {"first_name": "Zhou"}  # is_superuser sent unticked: read-only here
    assert client.post(_url(User, "change", admin_user.pk), data).status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.is_superuser and admin_user.first_name == "Zhou"
    assert _one_entry("core.user.change", admin_user).after == {"first_name": "Zhou"}


def test_a_staff_user_given_the_admins_permissions_on_accounts_writes_none(county, client_for):
    """Django's permissions on users open the pages; the service refuses every write of a non-administrator."""
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__endswith="_user", content_type__app_label="core"))
    target = UserFactory(username="target")
    client = client_for(clerk)
    add = {"username": "sneaky", "usable_password": "true", "password1": SECRET, "password2": SECRET}
    assert client.post(_url(User, "add"), add).status_code == 403
    own = _user_form(client, clerk) | {"is_superuser": "on"}
    assert client.post(_url(User, "change", clerk.pk), own).status_code == 403
    password_page = reverse("admin:auth_user_password_change", args=[target.pk])
    assert (
        client.post(password_page, {"usable_password": "true", "password1": SECRET, "password2": SECRET}).status_code
        == 403
    )
    assert client.post(_url(User, "delete", target.pk), {"post": "yes"}).status_code == 403
    clerk.refresh_from_db()
    target.refresh_from_db()
    assert not clerk.is_superuser and not target.check_password(SECRET)
    assert not User.objects.filter(username="sneaky").exists() and User.objects.filter(pk=target.pk).exists()
    assert not _account_entries().exists()


def test_groups_are_read_in_the_admin_never_changed(county, client_for):
    client = client_for(county.users.admin)
    group = Group.objects.create(name="clerks")
    assert client.post(_url(Group, "add"), {"name": "others"}).status_code == 403
    assert client.post(_url(Group, "change", group.pk), {"name": "renamed"}).status_code == 403
    assert client.post(_url(Group, "delete", group.pk), {"post": "yes"}).status_code == 403
    assert list(Group.objects.values_list("name", flat=True)) == ["clerks"]
