"""The audit trail shows personal data as the reader's role may read it: an auditor (who reads ID numbers and phones
masked everywhere) reads them masked in the trail too, on the page and in the API; a reader holding the auditor's
role and the personal-data right reads them in full. An officer does not read the trail at all."""

import pytest
from rest_framework.test import APIClient

from grassroots.organizations import services
from grassroots.organizations.models import mask_id_number, mask_phone
from tests.factories import UserFactory, grant

NEW_PHONE = "13700009999"


@pytest.fixture
def changed(county):
    member = county.members["C-T1-V1"]
    old_phone, id_number = member.phone, member.id_number
    services.member_update(actor=county.users.officer, member=member, phone=NEW_PHONE)
    return member, old_phone, id_number


def _api_entry(user, member):
    client = APIClient()
    client.force_authenticate(user)
    rows = client.get("/api/audit/", {"object_id": member.pk, "action": "organizations.member.update"}).json()
    return (rows["results"] if isinstance(rows, dict) else rows)[0]


def test_the_auditor_reads_member_changes_masked_in_the_api(county, changed):
    member, old_phone, id_number = changed
    entry = _api_entry(county.users.auditor, member)
    text = str(entry)
    assert NEW_PHONE not in text and old_phone not in text and id_number not in text
    assert entry["after"]["phone"] == mask_phone(NEW_PHONE)
    if "id_number" in entry["after"]:
        assert entry["after"]["id_number"] == mask_id_number(id_number)


def test_an_auditor_who_also_reads_personal_data_reads_the_change_in_full(county, changed):
    member, old_phone, _id = changed
    client = APIClient()
    client.force_authenticate(county.users.officer)
    assert client.get("/api/audit/").status_code == 403  # the officer reads no trail, masked or not
    both = grant(grant(UserFactory(username="inspector-officer"), county.t1, "auditor"), county.t1, "officer")
    entry = _api_entry(both, member)
    assert entry["before"]["phone"] == old_phone
    assert entry["after"]["phone"] == NEW_PHONE


def test_the_audit_trail_page_masks_for_the_auditor(client, county, changed):
    member, old_phone, id_number = changed
    client.force_login(county.users.auditor)
    page = client.get("/audit/", {"object_id": member.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert mask_phone(NEW_PHONE) in page
    assert NEW_PHONE not in page and old_phone not in page and id_number not in page


def test_the_stored_entry_is_unchanged_so_the_chain_still_verifies(county, changed):
    from grassroots.core.audit import verify

    assert verify().ok


def test_the_auditors_page_shows_the_chain_verified_and_when(client, county, changed):
    from django.core.cache import cache

    from grassroots.core.models import AuditEntry

    cache.clear()
    client.force_login(county.users.auditor)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert AuditEntry.objects.count() == 1  # the member's change
    assert "The audit chain holds: its 1 entry links to the one before and is unchanged (verified " in page
    entry = AuditEntry.objects.get()
    AuditEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")  # a change behind the services' back
    assert "The audit chain holds" in client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # cached
    client.post("/audit/", {"verify": "1"})
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The audit chain {entry.chain} is broken at entry #1" in page and "was changed after it was written" in page
    client.force_login(county.users.member)
    assert client.get("/audit/").status_code == 403
    cache.clear()
