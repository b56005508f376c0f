"""The notice form's organization: a searchable code box (picker.js suggests as one types), never a select of every
organization where the user posts; typed as a code or a name, checked against those where the user posts."""

import re

from grassroots.disclosure.models import Notice
from tests.factories import add_org


def test_the_form_offers_a_code_box_with_suggestions_not_a_select_of_every_organization(county, client_for):
    for i in range(30):  # a county's branches, none of which the form lists
        add_org(county.t2, f"新建村{i}党支部", "branch", "village", code=f"C-T2-N{i}")
    html = client_for(county.users.officer).get("/notices/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    box = re.search(r'<input[^>]*name="organization"[^>]*>', html).group(0)
    assert 'type="text"' in box and 'data-pick-url="/orgs/pick/"' in box
    assert 'value="C"' in box  # the highest where the officer posts, filled in
    assert '<select name="organization"' not in html
    assert "新建村7党支部" not in html and "柳湾村党支部" not in html


def test_a_notice_is_posted_for_an_organization_typed_by_its_code_or_its_name(county, client_for):
    officer = client_for(county.users.t1_officer)
    officer.post("/notices/new/", {"organization": "柳湾村党支部", "title": "村通知", "body": "x"})
    officer.post("/notices/new/", {"organization": " C-T1-V1 ", "title": "支部通知", "body": "x"})
    assert dict(Notice.objects.values_list("title", "organization__code")) == {
        "村通知": "C-T1-V2",
        "支部通知": "C-T1-V1",
    }


def test_an_organization_where_the_user_does_not_post_is_refused_in_their_language(county, client_for):
    officer = client_for(county.users.t1_officer)
    en = officer.post("/notices/new/", {"organization": "C-T2", "title": "t", "body": "b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200
    assert "You do not post notices for an organization with this code." in en.content.decode()
    zh = officer.post(
        "/notices/new/", {"organization": "NO-SUCH", "title": "t", "body": "b"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "您不能以该代码的组织发布通知。" in zh.content.decode()
    assert not Notice.objects.exists()


def test_the_picker_suggests_by_name_within_what_the_user_sees(county, client_for):
    found = client_for(county.users.t1_officer).get("/orgs/pick/", {"q": "柳湾"}).json()["results"]
    assert [r["value"] for r in found] == ["C-T1-V2"]
    assert client_for(county.users.t1_officer).get("/orgs/pick/", {"q": "白石"}).json()["results"] == []
