"""Factories for test data: trees are built through the tree library, as the services do."""

import datetime as dt
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model

from grassroots.organizations.models import Grant, Member, Organization

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


def make_id_number(birth: dt.date, gender: str, seq: int = 1, region: str = "430124") -> str:
    from grassroots.organizations.validation import id_check_digit

    serial = seq * 2 + (1 if gender == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    if (int(body[16]) % 2 == 1) != (gender == "M"):
        body = body[:16] + str((int(body[16]) + 1) % 10)
    return body + id_check_digit(body)


_org_seq = iter(range(1, 10**9))


def add_org(parent, name, kind, unit_type="other", code=None):
    code = code or f"T{next(_org_seq):05d}"
    fields = dict(code=code, name=name, kind=kind, unit_type=unit_type, parent=parent)
    if parent is None:
        return Organization.objects.add_root(create_kwargs=fields)
    parent.refresh_from_db()
    return Organization.objects.add_child(parent, create_kwargs=fields)


_member_seq = iter(range(1, 10**9))


def _next_id_number(birth: dt.date, gender: str) -> str:
    """A new ID number in each call: 500 serials a district, then the next district (members kept from one test to
    the next, tests/shelf.py, would meet a wrapped serial again)."""
    seq = next(_member_seq)
    return make_id_number(birth, gender, seq % 500, region=str(430124 + seq // 500))


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = "M"
    birth_date = dt.date(1970, 5, 12)
    id_number = factory.LazyAttribute(lambda o: _next_id_number(o.birth_date, o.gender))
    phone = "13812345678"
    joined_on = dt.date(1995, 7, 1)
    confirmed_on = dt.date(1996, 7, 1)


def grant(user, org, role):
    Grant.objects.create(user=user, organization=org, role=role)
    return user


def build_small_county():
    county = add_org(None, "青山县委", "committee", "party_organ", code="C")
    t1 = add_org(county, "新街镇党委", "committee", "township", code="C-T1")
    t2 = add_org(county, "白石镇党委", "committee", "township", code="C-T2")
    v11 = add_org(t1, "青山村党支部", "branch", "village", code="C-T1-V1")
    v12 = add_org(t1, "柳湾村党支部", "branch", "village", code="C-T1-V2")
    v21 = add_org(t2, "白石村党支部", "branch", "village", code="C-T2-V1")
    v22 = add_org(t2, "石门村党支部", "branch", "village", code="C-T2-V2")
    g111 = add_org(v11, "青山村第一党小组", "group", "village", code="C-T1-V1-G1")
    members = {}
    for org in (v11, v12, v21, v22):
        members[org.code] = MemberFactory(organization=org)
    users = SimpleNamespace(
        admin=UserFactory(username="admin", is_superuser=True, is_staff=True),
        officer=grant(UserFactory(username="officer"), county, "officer"),
        t1_officer=grant(UserFactory(username="t1officer"), t1, "officer"),
        secretary=grant(UserFactory(username="secretary"), v11, "secretary"),
        auditor=grant(UserFactory(username="auditor"), t1, "auditor"),
        member=UserFactory(username="member"),
        outsider=UserFactory(username="outsider"),
    )
    m = members["C-T1-V1"]
    m.user = users.member
    m.save()
    for org in (county, t1, t2, v11, v12, v21, v22, g111):
        org.refresh_from_db()
    return SimpleNamespace(
        county=county,
        t1=t1,
        t2=t2,
        v11=v11,
        v12=v12,
        v21=v21,
        v22=v22,
        g111=g111,
        members=members,
        users=users,
    )


def seed_default_rules():
    """The default meeting and point rules of the data migration, seeded again (no change where they are): a
    transactional test flushes every table when it ends, these with them, for the tests after it on its worker."""
    import importlib

    from django.apps import apps

    importlib.import_module("grassroots.orglife.migrations.0002_default_rules").seed(apps, None)
