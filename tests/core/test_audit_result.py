"""Every audit entry holds the result of its event, success or failure (GB/T 22239-2019 8.1.4.3 b): done, refused by
the permission policy (a refused write is recorded once answered, outside the transaction that rolled back, bounded
per user and client address), or failed (a sign-in). The result is covered by the chain's hash, and the entries
written before there was one verify as they did."""

import hashlib
import json

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from grassroots.core import refusals
from grassroots.core.audit import _stamp, audit, compute_hash, verify
from grassroots.core.models import LEGACY_CHAIN, AuditEntry, AuditResult
from grassroots.core.policy import Action, PermissionDenied
from grassroots.organizations import services
from grassroots.organizations.models import Member

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
SECRET = "13900001234"  # typed into a refused write: it must appear nowhere in the trail


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused():
    return list(AuditEntry.objects.filter(result=AuditResult.REFUSED).order_by("seq"))


def _hash_before_results(entry, key=""):
    """compute_hash as it was before entries had a result (the entries written then are hashed so)."""
    payload = [
        entry.chain_seq,
        _stamp(entry.at),
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.organization_id,
        entry.org_path,
        entry.before,
        entry.after,
        entry.request_id,
        entry.prev_hash,
    ]
    if entry.key_id:
        payload.append(entry.key_id)
    if entry.chain != LEGACY_CHAIN:
        payload.append(entry.chain)
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert not key
    return hashlib.sha256(text).hexdigest()


# ---------------------------------------------------------------- the result in the chain


def test_entries_written_before_there_was_a_result_verify_as_they_did(county):
    services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone="13811112222")
    entry = AuditEntry.objects.latest("seq")
    assert entry.result == AuditResult.DONE
    # A done entry hashes exactly as every entry did before the field existed (the migration's rows are all done).
    assert compute_hash(entry) == _hash_before_results(entry) == entry.hash
    assert verify().ok


@pytest.mark.parametrize("audit_key", ["", "a-key-for-the-test"])
@pytest.mark.parametrize(("written", "rewritten"), [("done", "refused"), ("refused", "done"), ("failed", "done")])
def test_a_result_changed_afterwards_breaks_the_chain(county, settings, audit_key, written, rewritten):
    settings.GRASSROOTS_AUDIT_KEY = audit_key
    audit("core.export", organization=county.t1, object_type="x", object_id="1", result=written)
    entry = audit("core.export", organization=county.t1, object_type="x", object_id="2", result=written)
    audit("core.export", organization=county.t1, object_type="x", object_id="3")
    assert verify().ok
    _raw("UPDATE core_auditentry SET result = %s WHERE seq = %s", [rewritten, entry.seq])
    result = verify()
    assert not result.ok and result.broken_seq == entry.chain_seq
    assert "was changed after it was written" in result.problem


def test_an_unknown_result_is_refused(county):
    with pytest.raises(ValueError, match="unknown audit result"):
        audit("core.export", organization=county.t1, result="maybe")


# ---------------------------------------------------------------- refused writes recorded


def test_a_refused_page_write_is_recorded_with_actor_and_path_and_nothing_of_the_data(client, county):
    member = county.members["C-T1-V1"]
    client.force_login(county.users.auditor)  # reads the member, may not unmask the numbers
    url = reverse("organizations:member_reveal", args=[member.pk])
    response = client.post(url, {"phone": SECRET}, **EN)
    assert (
        response.status_code == 403 and "Your role does not allow reading personal data." in response.content.decode()
    )
    [entry] = _refused()
    assert (entry.action, entry.actor_id, entry.actor_name) == ("core.refused", county.users.auditor.pk, "auditor")
    assert (entry.object_type, entry.object_id) == ("organizations.member", str(member.pk))
    assert entry.org_path == member.organization.path  # the member's auditors read it
    assert entry.after == {
        "method": "POST",
        "path": url,
        "view": "organizations:member_reveal",
        "arguments": {"pk": str(member.pk)},
        "policy_action": Action.VIEW_PERSONAL,
    }
    assert SECRET not in json.dumps([entry.before, entry.after, entry.object_repr])
    assert not AuditEntry.objects.filter(action="core.personal_data.read").exists()
    assert verify().ok


def test_a_refused_api_write_is_recorded_and_what_it_would_have_written_is_not(county):
    member = county.members["C-T1-V1"]
    api = APIClient()
    api.force_authenticate(county.users.auditor)
    response = api.patch(f"/api/members/{member.pk}/", {"phone": SECRET}, format="json", **EN)
    assert response.status_code == 403
    assert Member.objects.get(pk=member.pk).phone != SECRET
    [entry] = _refused()
    assert entry.actor_id == county.users.auditor.pk and entry.after["method"] == "PATCH"
    assert entry.after["path"] == f"/api/members/{member.pk}/" and entry.after["policy_action"] == Action.CHANGE
    assert (entry.object_type, entry.object_id) == ("organizations.member", str(member.pk))
    assert SECRET not in json.dumps([entry.before, entry.after, entry.object_repr])
    assert AuditEntry.objects.filter(result=AuditResult.DONE).count() == 0  # the refused change wrote nothing


def test_a_refused_read_is_answered_and_not_recorded(client, county):
    client.force_login(county.users.officer)
    assert client.get(reverse("audit")).status_code == 403
    api = APIClient()
    api.force_authenticate(county.users.officer)
    assert api.get("/api/audit/").status_code == 403
    assert _refused() == []


def test_refused_writes_are_recorded_at_most_n_a_minute_per_user(county, settings):
    from django.core.cache import cache

    cache.clear()
    settings.GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE = 3
    member = county.members["C-T1-V1"]
    for who in ("auditor", "member"):
        api = APIClient()
        api.force_authenticate(getattr(county.users, who))
        for _ in range(5):  # each refused all the same
            assert api.patch(f"/api/members/{member.pk}/", {"phone": SECRET}, format="json").status_code == 403
    actors = [e.actor_id for e in _refused()]
    assert actors == [county.users.auditor.pk] * 3 + [county.users.member.pk] * 3
    cache.clear()


def test_anonymous_refusals_are_bounded_per_client_address(county, settings, rf):
    from django.core.cache import cache

    cache.clear()
    settings.GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE = 2
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(4):
            request = rf.post("/public/appeal/", REMOTE_ADDR=address)
            refusals.record(request, PermissionDenied(), None)
    refused = _refused()
    assert len(refused) == 4 and all(e.actor_id is None and e.org_path == "" for e in refused)
    assert all(e.object_repr == "POST /public/appeal/" for e in refused)
    cache.clear()


# ---------------------------------------------------------------- the result shown to the auditor


def _mixed_trail(county):
    services.member_update(actor=county.users.officer, member=county.members["C-T1-V1"], phone="13811112222")
    api = APIClient()
    api.force_authenticate(county.users.auditor)
    api.patch(f"/api/members/{county.members['C-T1-V1'].pk}/", {"phone": SECRET}, format="json")


def test_the_auditors_page_shows_and_filters_the_result_in_the_readers_language(client, county):
    _mixed_trail(county)
    client.force_login(county.users.auditor)
    page = client.get(reverse("audit"), **EN).content.decode()
    assert "<th>Result</th>" in page and ">Succeeded</span>" in page and ">Refused</span>" in page
    refused = client.get(reverse("audit"), {"result": "refused"}, **EN).content.decode()
    rows = refused.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 1 and "Action refused" in rows and "Succeeded" not in rows
    assert '<option value="refused" selected>Refused</option>' in refused
    chinese = client.get(reverse("audit"), {"result": "refused"}, **ZH).content.decode()
    assert "被拒绝" in chinese and "操作被拒绝" in chinese
    nothing = client.get(reverse("audit"), {"result": "nonsense"}, **EN)
    assert nothing.status_code == 200 and "No entries." in nothing.content.decode()


def test_the_api_gives_and_filters_the_result(county):
    _mixed_trail(county)
    api = APIClient()
    api.force_authenticate(county.users.auditor)
    rows = api.get("/api/audit/", {"result": "refused"}, **ZH).json()["results"]
    assert [(r["action"], r["result"], r["result_label"]) for r in rows] == [("core.refused", "refused", "被拒绝")]
    done = api.get("/api/audit/", {"result": "done"}, **EN).json()["results"]
    assert done and all(r["result_label"] == "Succeeded" for r in done)
    bad = api.get("/api/audit/", {"result": "nonsense"}, **EN)
    assert bad.status_code == 400 and "result" in bad.json()
