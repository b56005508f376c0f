"""The permission matrix: every role, inside and outside its subtree, for every model and operation.

"Inside" objects live in 青山村党支部 (C-T1-V1, in township 1); "outside" objects live in
白石村党支部 (C-T2-V1, in township 2). The secretary and the plain member belong to C-T1-V1;
the township officer and the auditor hold their roles on township 1; the county officer on the county.
"""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from grassroots.organizations.models import Grant, Member, Post, Transfer
from tests import shelf
from tests.factories import MemberFactory, UserFactory

ROLES = ["admin", "officer", "t1_officer", "secretary", "auditor", "member", "outsider", "anonymous"]
MODELS = ["organization", "member", "post", "transfer", "grant"]
OPS = ["list", "detail", "create", "change"]

EVERYONE_INSIDE = {"admin", "officer", "t1_officer", "secretary", "auditor"}
# Who may do what: (model, op) -> (roles allowed inside, roles allowed outside).
VIEW = {
    "organization": (EVERYONE_INSIDE | {"member"}, {"admin", "officer"}),
    "member": (EVERYONE_INSIDE | {"member"}, {"admin", "officer"}),
    "post": (EVERYONE_INSIDE | {"member"}, {"admin", "officer"}),
    "transfer": (EVERYONE_INSIDE, {"admin", "officer"}),  # a member sees only their own transfers
    "grant": (EVERYONE_INSIDE, {"admin", "officer"}),
}
WRITE = {
    "organization": ({"admin", "officer", "t1_officer"}, {"admin", "officer"}),
    "member": ({"admin", "officer", "t1_officer", "secretary"}, {"admin", "officer"}),
    "post": ({"admin", "officer", "t1_officer", "secretary"}, {"admin", "officer"}),
    "transfer": ({"admin", "officer", "t1_officer", "secretary"}, {"admin", "officer"}),
    "grant": ({"admin", "officer", "t1_officer"}, {"admin", "officer"}),
}
EXPECTED = {
    (model, op, where): (VIEW if op in ("list", "detail") else WRITE)[model][0 if where == "inside" else 1]
    for model in MODELS
    for op in OPS
    for where in ("inside", "outside")
}


def _world(county):
    """Objects of each model inside and outside, plus what creating one needs."""
    out = {}
    for where, org, sibling in (("inside", county.v11, county.v12), ("outside", county.v21, county.v22)):
        member = county.members[org.code]
        extra = MemberFactory(organization=org, name=f"转出{where}")
        post = Post.objects.create(member=member, organization=org, title="secretary", started_on=dt.date(2021, 1, 1))
        transfer = Transfer.objects.create(
            member=extra, from_organization=org, to_organization=sibling, state="requested"
        )
        grant = Grant.objects.create(user=UserFactory(username=f"helper-{where}"), organization=org, role="auditor")
        out[where] = {
            "org": org,
            "sibling": sibling,
            "organization": org,
            "member": member,
            "post": post,
            "transfer": transfer,
            "grant": grant,
        }
    return out


world = shelf.shelved("world", _world, below="county")


def _request(client, model, op, objs):
    org, obj = objs["org"], objs[model]
    base = f"/api/{model}s/"
    if op == "list":
        response = client.get(base, {"page_size": 500})
        ids = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
        return response.status_code, obj.pk in ids
    if op == "detail":
        response = client.get(f"{base}{obj.pk}/")
        return response.status_code, response.status_code == 200
    if op == "create":
        payload = {
            "organization": {
                "parent": org.code,
                "code": f"{org.code}-NEW",
                "name": "新党小组",
                "kind": "group",
            },
            "member": {
                "organization": org.code,
                "name": "新党员",
                "gender": "F",
                "id_number": "",
                "category": "probationary",
                "joined_on": "2025-07-01",
            },
            "post": {
                "member": objs["member"].pk,
                "organization": org.code,
                "title": "propaganda",
                "started_on": "2025-01-01",
            },
            "grant": {"user": "outsider", "organization": org.code, "role": "auditor"},
        }
        if model == "transfer":
            response = client.post(
                f"/api/members/{objs['member'].pk}/transfer/",
                {"to_organization": objs["sibling"].code},
                format="json",
            )
        else:
            response = client.post(base, payload[model], format="json")
        return response.status_code, response.status_code == 201
    # change
    if model == "organization":
        response = client.patch(f"{base}{obj.pk}/", {"name": "改名"}, format="json")
    elif model == "member":
        response = client.patch(f"{base}{obj.pk}/", {"phone": "13900001111"}, format="json")
    elif model == "post":
        response = client.post(f"{base}{obj.pk}/end/", {"ended_on": "2025-12-31"}, format="json")
    elif model == "transfer":
        response = client.post(f"{base}{obj.pk}/cancel/", format="json")
    else:
        response = client.delete(f"{base}{obj.pk}/")
    return response.status_code, response.status_code in (200, 204)


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(county, world, role, model, op, where):
    objs = world[where]
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(getattr(county.users, role))
    status, allowed = _request(client, model, op, objs)
    expected = role in EXPECTED[(model, op, where)]
    assert status < 500
    assert allowed == expected, f"{role} {op} {model} {where}: HTTP {status}"
    if not expected and op in ("detail", "create", "change"):
        assert status in (401, 403, 404)
    if role == "anonymous":
        assert status in (401, 403)


def test_every_refused_write_left_no_trace(county):
    """A refused write changes nothing: the secretary cannot rename an organization outside its branch."""
    client = APIClient()
    client.force_authenticate(county.users.secretary)
    before = Member.objects.count()
    response = client.post(
        "/api/members/", {"organization": county.v21.code, "name": "越权", "gender": "M"}, format="json"
    )
    assert response.status_code == 403
    assert Member.objects.count() == before
