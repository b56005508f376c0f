"""The pages, as each kind of user meets them."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grassroots.core.models import AuditEntry


@pytest.mark.parametrize("role", ["admin", "officer", "t1_officer", "secretary", "auditor", "member", "outsider"])
def test_every_role_gets_a_start_page_saying_what_to_do_first(county, client_for, role):
    response = client_for(getattr(county.users, role)).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    if role == "outsider":
        assert "no role yet" in text
    elif role == "member":
        assert "Open my record" in text
    elif role == "auditor":
        assert "Start here" in text
    else:
        assert "What to do now" in text


def test_organization_page_shows_members_posts_and_children_with_counts(county, client_for):
    response = client_for(county.users.t1_officer).get(
        reverse("organizations:detail", args=[county.t1.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "青山村党支部" in text and "柳湾村党支部" in text
    assert "白石村党支部" not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_organizations_members_are_listed_by_pinyin_on_every_page(county, client_for, language):
    from tests.factories import MemberFactory

    for name in ["周敏", "阿华", "白玉兰", "重阳"]:  # by code point: 周 重 白 阿; by pinyin: a bai chong zhou
        MemberFactory(organization=county.v21, name=name)
    response = client_for(county.users.officer).get(
        reverse("organizations:detail", args=[county.v21.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    shown = [m.name for m in response.context["page"] if m.name in {"周敏", "阿华", "白玉兰", "重阳"}]
    assert shown == ["阿华", "白玉兰", "重阳", "周敏"]


def test_tree_children_fragment_counts_each_subtree(county, client_for):
    from tests.factories import MemberFactory

    MemberFactory.create_batch(3, organization=county.v11)
    response = client_for(county.users.officer).get(
        reverse("organizations:children", args=[county.county.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = response.content.decode()
    assert "新街镇党委" in text and "5 members" in text and "3 organizations below" in text


def test_pages_outside_the_scope_are_not_found(county, client_for):
    client = client_for(county.users.secretary)
    assert client.get(reverse("organizations:detail", args=[county.v21.pk])).status_code == 404
    assert client.get(reverse("organizations:member", args=[county.members["C-T2-V1"].pk])).status_code == 404


def test_member_page_masks_personal_data_and_reveal_is_audited(county, client_for):
    member = county.members["C-T1-V1"]
    client = client_for(county.users.secretary)
    page = client.get(reverse("organizations:member", args=[member.pk])).content.decode()
    assert member.id_number not in page and member.masked_id_number in page
    response = client.post(reverse("organizations:member_reveal", args=[member.pk]))
    assert member.id_number in response.content.decode()
    assert AuditEntry.objects.filter(action="core.personal_data.read").count() == 1


def test_auditor_sees_no_reveal_button(county, client_for):
    member = county.members["C-T1-V1"]
    client = client_for(county.users.auditor)
    page = client.get(reverse("organizations:member", args=[member.pk])).content.decode()
    assert "member_reveal" not in page and "/reveal/" not in page
    assert client.post(reverse("organizations:member_reveal", args=[member.pk])).status_code == 403


def test_adding_a_member_with_a_bad_id_shows_the_reason_and_keeps_the_input(county, client_for):
    client = client_for(county.users.secretary)
    response = client.post(
        reverse("organizations:member_new", args=[county.v11.pk]),
        {
            "name": "王小红",
            "gender": "F",
            "ethnicity": "汉族",
            "id_number": "430124198003040000",
            "category": "full",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "check digit" in text and "王小红" in text


def test_export_is_masked_for_the_auditor_and_recorded(county, client_for):
    client = client_for(county.users.auditor)
    response = client.get(reverse("organizations:export", args=[county.t1.pk]) + "?unmasked=1")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # header + two members of township 1
    assert all("*" in (row[5] or "*") for row in rows[1:])
    entry = AuditEntry.objects.get(action="core.export")
    assert entry.after == {"what": "members", "rows": 2, "unmasked": False}


def test_transfer_page_lets_the_receiver_accept(county, client_for):
    from grassroots.organizations import services

    transfer = services.transfer_request(
        actor=county.users.secretary, member=county.members["C-T1-V1"], to_organization=county.v21
    )
    client = client_for(county.users.officer)
    page = client.get(reverse("organizations:transfers"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting for your acceptance" in page and county.members["C-T1-V1"].name in page
    client.post(reverse("organizations:transfer_decide", args=[transfer.pk, "accept"]))
    transfer.refresh_from_db()
    assert transfer.state == "completed"


def test_moving_into_own_subtree_from_the_page_shows_the_refusal(county, client_for):
    client = client_for(county.users.officer)
    response = client.post(
        reverse("organizations:move", args=[county.t1.pk]),
        {"new_parent": "C-T1-V1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "inside its own subtree" in response.content.decode()


def test_unknown_codes_in_forms_get_a_message_not_an_error(county, client_for):
    client = client_for(county.users.officer)
    response = client.post(
        reverse("organizations:move", args=[county.t1.pk]), {"new_parent": "NOPE"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "No organization has this code" in response.content.decode()


def test_import_page_lists_every_problem_and_imports_nothing(county, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.organizations.models import Member

    before = Member.objects.count()
    csv = "姓名,性别,身份证号,所在党组织\n张三,男,430124197005120000,青山村党支部\n李四,女,12345,不存在的支部\n"
    response = client_for(county.users.t1_officer).post(
        reverse("organizations:import"),
        {"kind": "members", "file": SimpleUploadedFile("members.csv", csv.encode("utf-8"))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in text
    assert "<td>2</td>" in text and "<td>3</td>" in text
    assert Member.objects.count() == before


def test_import_page_imports_a_clean_file(county, client_for):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.organizations.models import Member
    from tests.factories import make_id_number

    id_number = make_id_number(dt.date(1975, 3, 9), "F", 77)
    csv = f"姓名,性别,出生日期,身份证号,联系电话,所在党组织,入党日期\n王 芳,女,1975.03,{id_number},138-1234-5678,青山村党支部,1999年7月\n"
    response = client_for(county.users.t1_officer).post(
        reverse("organizations:import"),
        {"kind": "members", "file": SimpleUploadedFile("members.csv", csv.encode("utf-8"))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "1 created" in response.content.decode()
    member = Member.objects.get(id_number=id_number)
    assert member.name == "王芳" and member.phone == "13812345678" and member.joined_on == dt.date(1999, 7, 1)


def test_without_icu_postgresql_names_keep_the_servers_order_rather_than_fail(county, client_for, monkeypatch):
    from django.db import connection

    from grassroots.core import collation

    server = f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}"
    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setitem(collation._icu, server, False)
    assert str(collation.by_reading("name", chinese=True)) == str(collation.F("name"))


def test_an_organizations_posts_are_listed_by_rank_secretary_first(county, client_for):
    import datetime as dt

    from grassroots.organizations.models import Post
    from tests.factories import MemberFactory

    for title in ["propaganda", "discipline", "deputy_secretary", "organization", "secretary"]:
        Post.objects.create(
            member=MemberFactory(organization=county.v21),
            organization=county.v21,
            title=title,
            started_on=dt.date(2024, 1, 1),
        )
    response = client_for(county.users.officer).get(
        reverse("organizations:detail", args=[county.v21.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    titles = [p.title for p in response.context["posts"]]
    assert titles[:2] == ["secretary", "deputy_secretary"] and titles.index("organization") < titles.index("discipline")


def test_an_officer_gives_resets_and_deactivates_a_members_account_without_the_admin(county, client_for):
    from grassroots.core.models import User
    from tests.factories import MemberFactory

    def authenticate(username, password):
        user = User.objects.get(username=username)
        return user if user.is_active and user.check_password(password) else None

    member = MemberFactory(organization=county.v12, name="柳青")
    url = reverse("organizations:member_account", args=[member.pk])
    client = client_for(county.users.officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give the member an account" in page and f'value="liuqing{member.pk}"' in page
    made = client.post(url, {"action": "create", "username": "liuqing"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    password = made.split('<p class="one-time"><code>')[1].split("</code>")[0]
    member.refresh_from_db()
    assert member.user.username == "liuqing" and authenticate(username="liuqing", password=password)
    assert password not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    again = client.post(url, {"action": "reset"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    new = again.split('<p class="one-time"><code>')[1].split("</code>")[0]
    assert new != password and authenticate(username="liuqing", password=new)
    refused = client.post(url, {"action": "deactivate", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Say why the account is deactivated." in refused
    client.post(url, {"action": "deactivate", "reason": "调离本县"})
    member.user.refresh_from_db()
    assert not member.user.is_active and authenticate(username="liuqing", password=new) is None
    client.post(url, {"action": "activate"})
    member.user.refresh_from_db()
    assert member.user.is_active
    actions = list(AuditEntry.objects.filter(object_id=str(member.pk)).order_by("seq").values_list("action", flat=True))
    assert actions == [
        "organizations.member.account_create",
        "organizations.member.account_reset",
        "organizations.member.account_deactivate",
        "organizations.member.account_activate",
    ]
    # A village secretary does not grant roles: no account page for them.
    assert client_for(county.users.secretary).get(url).status_code in (403, 404)


def test_a_password_given_by_an_officer_is_changed_at_the_first_sign_in(county, client_for, client):
    from tests.factories import MemberFactory

    member = MemberFactory(organization=county.v12, name="柳青")
    url = reverse("organizations:member_account", args=[member.pk])
    made = client_for(county.users.officer).post(url, {"action": "create", "username": "liuqing"}).content.decode()
    given = made.split('<p class="one-time"><code>')[1].split("</code>")[0]
    signed_in = client.post(reverse("login"), {"username": "liuqing", "password": given})
    assert signed_in.status_code == 302
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("password_change"))
    assert "请先设置您自己的密码" in page.content.decode()
    own = "Qingshan-2026-own"
    changed = client.post(
        reverse("password_change"), {"old_password": given, "new_password1": own, "new_password2": own}
    )
    assert changed.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # free to go on
    member.refresh_from_db()
    assert not member.user.password_given
    # A reset by the officer asks for a new one of the owner's again.
    client_for(county.users.officer).post(url, {"action": "reset"})
    member.user.refresh_from_db()
    assert member.user.password_given


def test_a_members_account_through_the_api(county):
    from rest_framework.test import APIClient

    from tests.factories import MemberFactory

    member = MemberFactory(organization=county.v21, name="石磊")
    officer = APIClient()
    officer.force_authenticate(county.users.officer)
    url = f"/api/members/{member.pk}/account/"
    made = officer.post(url, {"action": "create", "username": "shilei"}, format="json").json()
    assert made["username"] == "shilei" and made["is_active"] and len(made["password"]) == 14
    assert "password" in officer.post(url, {"action": "reset"}, format="json").json()
    refused = officer.post(url, {"action": "deactivate"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    done = officer.post(url, {"action": "deactivate", "reason": "调离"}, format="json").json()
    assert done == {"username": "shilei", "is_active": False, "last_login": None, "grants": []}
    secretary = APIClient()
    secretary.force_authenticate(county.users.secretary)
    assert secretary.post(url, {"action": "activate"}, format="json").status_code in (403, 404)


def test_an_existing_login_of_no_member_is_linked_to_the_member(county, client_for):
    from tests.factories import MemberFactory, UserFactory

    member = MemberFactory(organization=county.v12, name="柳燕")
    UserFactory(username="liuyan")
    url = reverse("organizations:member_account", args=[member.pk])
    client = client_for(county.users.officer)
    taken = client.post(url, {"action": "link", "username": "member"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This account cannot be linked: it belongs to someone already." in taken  # 张秀兰's login
    nobody = client.post(url, {"action": "link", "username": "nobody"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No account has the user name nobody." in nobody
    client.post(url, {"action": "link", "username": "liuyan"})
    member.refresh_from_db()
    assert member.user.username == "liuyan"
    assert AuditEntry.objects.filter(action="organizations.member.account_link", object_id=str(member.pk)).exists()
