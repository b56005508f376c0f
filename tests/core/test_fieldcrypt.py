"""Personal data sealed at rest: ID numbers, phones, care details and talk notes are ciphertext in the database and
plain text in Python; found by the full value through a keyed digest; keys rotate; SM4/SM3 on demand; a missing or
wrong key is said plainly, and production does not start without keys."""

import base64
import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection

from grassroots.core import fieldcrypt
from grassroots.core.audit import readable, verify
from grassroots.core.models import AuditEntry
from grassroots.core.sealed import check_stored, inventory, prepared_rows, rotate
from grassroots.organizations import selectors, services
from grassroots.organizations.models import Member
from grassroots.orglife import services as orglife
from grassroots.orglife.models import CareCase, Talk
from tests.factories import MemberFactory, make_id_number

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912348765"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


DEV = f"dev:{_b64(hashlib.sha256(b'grassroots-field-key:' + django_settings.SECRET_KEY.encode()).digest())}"
K1, K2 = f"k1:{_b64(b'1' * 32)}", f"k2:{_b64(b'2' * 32)}"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def member(county):
    return services.member_create(
        actor=county.users.officer,
        organization=county.v11,
        name="孙丽",
        gender="F",
        birth_date=dt.date(1980, 3, 4),
        id_number=make_id_number(dt.date(1980, 3, 4), "F", 7, region="430111"),
        phone=PHONE,
        joined_on=dt.date(2005, 7, 1),
    )


def test_the_orm_reads_plain_text_and_the_database_holds_none(county, member):
    again = Member.objects.get(pk=member.pk)
    assert (again.id_number, again.phone) == (member.id_number, PHONE)
    for column, plain in (("id_number", member.id_number), ("phone", PHONE)):
        stored = _raw("organizations_member", column, member.pk)
        assert stored.startswith("v1:dev:aes-gcm:") and plain not in stored and plain[-6:] not in stored
    assert _raw("organizations_member", "phone_digest", member.pk) == fieldcrypt.digest(PHONE, "phone")
    assert Member.objects.values_list("phone", flat=True).get(pk=member.pk) == PHONE


def test_each_sealing_differs_so_equal_values_are_not_seen_equal(county, member):
    twin = MemberFactory(organization=county.v11, phone=PHONE)
    assert _raw("organizations_member", "phone", twin.pk) != _raw("organizations_member", "phone", member.pk)


def test_care_details_and_talk_notes_are_sealed(county, member):
    officer = county.users.officer
    case = orglife.care_case_open(actor=officer, member=member, category="illness", details="肝癌晚期，家中无劳力")
    talk = orglife.talk_record(
        actor=officer, member=member, talked_on=dt.date(2026, 5, 1), topic="谈心", with_name="王书记", notes="家事"
    )
    assert "肝癌" not in _raw("orglife_carecase", "details", case.pk)
    assert "家事" not in _raw("orglife_talk", "notes", talk.pk)
    assert CareCase.objects.get(pk=case.pk).details == "肝癌晚期，家中无劳力"
    assert Talk.objects.get(pk=talk.pk).notes == "家事"


def test_text_that_looks_sealed_is_sealed_too(county, member):
    case = orglife.care_case_open(actor=county.users.officer, member=member, category="other", details="v1:a:b:c:d")
    assert _raw("orglife_carecase", "details", case.pk).startswith("v1:dev:aes-gcm:")
    assert CareCase.objects.get(pk=case.pk).details == "v1:a:b:c:d"


def test_exact_search_goes_through_the_digest_and_nothing_else_is_matched(county, member):
    assert list(Member.objects.filter(phone=PHONE)) == [member]
    assert list(Member.objects.filter(id_number__in=[member.id_number.lower(), "nothing"])) == [member]
    assert list(selectors.member_search(user=county.users.secretary, query=member.id_number)) == [member]
    assert list(selectors.member_search(user=county.users.auditor, query=member.id_number)) == []
    with pytest.raises(Exception, match="sealed|Unsupported lookup"):
        list(Member.objects.filter(phone__contains="1391"))
    with pytest.raises(TypeError, match="sealed"):
        list(CareCase.objects.filter(details="x"))


def test_an_id_number_stays_unique_with_the_message_on_the_number(county, member):
    with pytest.raises(ValidationError) as refused:
        services.member_create(
            actor=county.users.officer,
            organization=county.v12,
            name="重复",
            gender="F",
            birth_date=member.birth_date,
            id_number=member.id_number,
        )
    assert "id_number" in refused.value.message_dict and "already exists" in str(refused.value)


def test_the_audit_trail_stores_personal_values_sealed_and_opens_them_for_who_may_read(county, member):
    services.member_update(actor=county.users.officer, member=member, phone="13700007777")
    entry = AuditEntry.objects.filter(action="organizations.member.update").latest("seq")
    assert fieldcrypt.is_sealed(entry.after["phone"]) and "13700007777" not in str(entry.after)
    assert readable(county.users.officer, entry)[1]["phone"] == "13700007777"
    assert readable(county.users.auditor, entry)[1]["phone"] == "137****7777"
    assert verify().ok


def test_bulk_rows_of_the_demo_are_sealed_with_their_digests(county):
    fields, rows = prepared_rows(Member, ("name", "id_number", "phone"), [("甲", "43010119800101001X", PHONE)])
    assert fields == ("name", "id_number", "phone", "id_number_digest", "phone_digest")
    assert fieldcrypt.is_sealed(rows[0][1]) and rows[0][4] == fieldcrypt.digest(PHONE, "phone")


def test_rows_from_before_sealing_are_sealed_by_the_migration(county, member):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE organizations_member SET phone = %s, phone_digest = NULL WHERE id = %s", [PHONE, member.pk]
        )
    fieldcrypt.reseal_table(
        connection, "organizations_member", {"id_number": "id_number_digest", "phone": "phone_digest"}
    )
    assert fieldcrypt.is_sealed(_raw("organizations_member", "phone", member.pk))
    assert list(Member.objects.filter(phone=PHONE)) == [member]


def test_keys_rotate_and_the_old_key_is_then_not_needed(county, member, settings, capsys):
    from grassroots.cli import main

    settings.GRASSROOTS_FIELD_KEYS = f"{K1},{DEV}"
    rotate(batch=2)
    assert _raw("organizations_member", "phone", member.pk).startswith("v1:k1:")
    settings.GRASSROOTS_FIELD_KEYS = f"{K2},{K1}"
    assert main(["rotate-keys", "--check"]) == 1 and "still needed: key(s) k1" in capsys.readouterr().out
    assert main(["rotate-keys", "--batch", "3"]) == 0
    settings.GRASSROOTS_FIELD_KEYS = K2  # k1 dropped
    assert check_stored() == []
    assert set(inventory()["organizations_member"]) == {"k2"}
    assert Member.objects.get(pk=member.pk).phone == PHONE
    assert list(Member.objects.filter(phone=PHONE)) == [member]


def test_a_missing_or_wrong_key_is_said_plainly(county, member, settings):
    settings.GRASSROOTS_FIELD_KEYS = K1  # the dev key that sealed the rows is not held
    assert any("sealed under key 'dev'" in p and "does not hold" in p for p in check_stored())
    with pytest.raises(fieldcrypt.FieldKeyError, match="GRASSROOTS_FIELD_KEYS does not hold"):
        Member.objects.get(pk=member.pk)
    settings.GRASSROOTS_FIELD_KEYS = f"dev:{_b64(b'w' * 32)}"  # the right id, the wrong key
    assert any("does not open under key 'dev'" in p for p in check_stored())


@pytest.mark.parametrize(
    "keys, words",
    [("k1:notbase64!", "not base64"), (f"k1:{_b64(b'short')}", "it must be 32"), ("no-colon", "comma-separated")],
)
def test_malformed_keys_are_refused_with_what_is_wrong(settings, keys, words):
    settings.GRASSROOTS_FIELD_KEYS = keys
    with pytest.raises(fieldcrypt.FieldKeyError, match=words):
        fieldcrypt.keyring()


def _start(env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_") and k != "DATABASE_URL"}
    base |= {"GRASSROOTS_SECRET_KEY": "s" * 50, "GRASSROOTS_ALLOWED_HOSTS": "example.org", **env}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='grassroots.config.settings'; django.setup()"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True)


def test_production_does_not_start_without_keys_and_development_warns():
    refused = _start({"GRASSROOTS_PRODUCTION": "1"})
    assert (
        refused.returncode != 0 and "GRASSROOTS_FIELD_KEYS and GRASSROOTS_FIELD_INDEX_KEY must be set" in refused.stderr
    )
    keyed = _start(
        {"GRASSROOTS_PRODUCTION": "1", "GRASSROOTS_FIELD_KEYS": K1, "GRASSROOTS_FIELD_INDEX_KEY": _b64(b"i" * 32)}
    )
    assert keyed.returncode == 0, keyed.stderr
    development = _start({})
    assert development.returncode == 0 and "development key" in development.stderr


@pytest.mark.parametrize("cipher", ["sm4-gcm", "sm4-cbc-sm3"])
def test_the_national_algorithms_on_demand_beside_rows_under_aes(county, member, settings, cipher):
    settings.GRASSROOTS_FIELD_CIPHER = cipher
    national = MemberFactory(organization=county.v11, phone="13600001111")
    stored = _raw("organizations_member", "phone", national.pk)
    assert stored.startswith(f"v1:dev:{cipher}:") and "13600001111" not in stored
    assert Member.objects.get(pk=national.pk).phone == "13600001111"
    assert Member.objects.get(pk=member.pk).phone == PHONE  # sealed under AES-GCM before the switch
    assert fieldcrypt.keyring().digest == "hmac-sm3"
    rotate()  # the digests follow the algorithm: SM3 now
    assert list(Member.objects.filter(phone=PHONE)) == [member]
    assert _raw("organizations_member", "phone", member.pk).startswith(f"v1:dev:{cipher}:")


def test_a_value_moved_to_another_column_does_not_open_there(county, member):
    sealed_phone = _raw("organizations_member", "phone", member.pk)
    with pytest.raises(fieldcrypt.FieldKeyError, match="does not open"):
        fieldcrypt.open_value(sealed_phone, "id_number")


def test_serve_stops_before_listening_when_it_cannot_read_the_stored_data(
    county, member, settings, capsys, monkeypatch
):
    import django.core.management

    from grassroots.cli import main

    real = django.core.management.call_command

    def no_server(name, *args, **kwargs):
        assert name == "migrate", "the server was started"
        return real(name, *args, **kwargs)

    monkeypatch.setattr(django.core.management, "call_command", no_server)
    settings.GRASSROOTS_FIELD_KEYS = K1  # the rows were sealed under the development key
    assert main(["serve", "--port", "8104"]) == 2
    err = capsys.readouterr().err
    assert "cannot read the personal data" in err and "organizations_member.id_number" in err and "'dev'" in err
