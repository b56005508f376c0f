"""The seven findings of the security review (issue 19), each tried again as the attacker did it: every attack here
must fail. docs/mlps.md names these tests beside the controls they prove."""

import io
import tracemalloc
import warnings

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from rest_framework.test import APIClient

from grassroots.core.models import AuditEntry
from grassroots.organizations import services
from grassroots.organizations.models import Grant, Member, mask_id_number, mask_phone
from grassroots.organizations.validation import id_check_digit
from tests.factories import MemberFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def target(county):
    return MemberFactory(organization=county.v11, name="赵秀英", gender="F", phone="13955551234")


def _id_candidates(member) -> list[str]:
    """What the masked ID number, the birth date and the gender shown beside it leave: every sequence of the right
    parity whose check digit is the one the mask shows."""
    masked = mask_id_number(member.id_number)
    body = masked[:6] + member.birth_date.strftime("%Y%m%d")
    parity = 1 if member.gender == "M" else 0
    found = []
    for seq in range(1000):
        first17 = f"{body}{seq:03d}"
        if seq % 2 == parity and id_check_digit(first17) == masked[-1]:
            found.append(first17 + masked[-1])
    return found


def _search(client, query) -> str:
    cache.clear()  # a patient attacker, waiting out the throttle between tries
    return client.get(reverse("organizations:search"), {"q": query}, **EN).content.decode()


# 1. Masked data recovered through search
@pytest.mark.parametrize("role", ["auditor", "member"])
def test_1_a_masked_number_is_not_recovered_by_searching_its_candidates(client, county, target, role):
    candidates = _id_candidates(target)
    assert target.id_number in candidates and len(candidates) < 100  # the review's 45, give or take
    client.force_login(getattr(county.users, role))
    assert not any("赵秀英" in _search(client, c) for c in candidates)
    phones = [f"139{n:04d}1234" for n in range(5550, 5560)]  # the true one among them
    assert not any("赵秀英" in _search(client, p) for p in phones)
    client.force_login(county.users.secretary)  # who may read the numbers finds by them
    assert "赵秀英" in _search(client, target.id_number)
    cache.clear()


# 2. The audit trail shows what the role may not read
def test_2_the_auditor_reads_no_number_in_full_anywhere_in_the_trail(client, county, target):
    old_phone = target.phone
    services.member_update(actor=county.users.officer, member=target, phone="13700001111", name="赵秀英")
    secrets = (old_phone, "13700001111", target.id_number)
    api = APIClient()
    api.force_authenticate(county.users.auditor)
    listed = api.get("/api/audit/", {"page_size": 200}).content.decode()
    detail = api.get(f"/api/audit/{AuditEntry.objects.latest('seq').pk}/").content.decode()
    client.force_login(county.users.auditor)
    page = client.get("/audit/", **EN).content.decode()
    for text in (listed, detail, page):
        assert not any(s in text for s in secrets)
    assert mask_phone("13700001111") in page


# 3. Writes around the audit (the Django admin)
def test_3_the_admin_changes_no_member_in_place_and_every_grant_it_gives_is_audited(client, county, target):
    client.force_login(county.users.admin)
    change = reverse("admin:organizations_member_change", args=[target.pk])
    assert client.post(change, {"name": "改名", "phone": "13000000000"}).status_code == 403
    assert Member.objects.get(pk=target.pk).phone == target.phone
    newcomer = UserFactory(username="admin-granted")
    form = {"user": newcomer.pk, "organization": county.v12.pk, "role": "officer"}
    assert client.post(reverse("admin:organizations_grant_add"), form).status_code == 302
    grant = Grant.objects.get(user=newcomer)
    assert AuditEntry.objects.filter(action="organizations.grant.create", object_id=str(grant.pk)).count() == 1


def test_3_the_admin_shows_a_staff_reader_without_the_right_the_numbers_masked(client, county, target):
    """A staff account given the admin's view permissions but no role reads members masked, and not the trail (the
    auditors' alone); given the auditor's role, it reads the trail masked."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff-reader", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_member", "view_auditentry"]))
    services.member_update(actor=county.users.officer, member=target, phone="13700002222")
    client.force_login(staff)
    member_page = client.get(reverse("admin:organizations_member_change", args=[target.pk])).content.decode()
    entry = AuditEntry.objects.latest("seq")
    entry_url = reverse("admin:core_auditentry_change", args=[entry.pk])
    assert client.get(entry_url).status_code == 403
    Grant.objects.create(user=staff, organization=county.county, role="auditor")
    entry_page = client.get(entry_url).content.decode()
    for text in (member_page, entry_page):
        assert "13700002222" not in text and target.id_number not in text
    assert mask_phone("13700002222") in member_page and mask_phone("13700002222") in entry_page


# 4. The chain has no key: tests/core/test_audit_key.py rewrites an entry and recomputes every later hash with the
# project's own function, as the review did; under GRASSROOTS_AUDIT_KEY `audit verify` catches it
# (test_with_a_key_entries_are_signed_and_the_same_rewrite_is_caught), and an anchor printed outside the database
# catches a chain rewritten whole (test_an_anchored_head_catches_a_chain_rewritten_whole).


# 5. Spreadsheet formula injection
PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_5_a_formula_typed_as_a_name_is_exported_as_text(client, county, payload):
    MemberFactory(organization=county.v11, name=payload)
    client.force_login(county.users.officer)
    response = client.get(reverse("organizations:export", args=[county.county.pk]), **EN)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))
    cells = [c for row in book.worksheets[-1].iter_rows() for c in row if c.value == payload]
    assert cells and all(c.data_type == "s" for c in cells)


# 6. Image decompression bomb
def test_6_a_decompression_bomb_is_refused_without_the_memory_to_decode_it(county):
    from django.core.exceptions import ValidationError

    from grassroots.core.uploads import check_upload

    out = io.BytesIO()
    Image.new("1", (10900, 10900)).save(out, "PNG")
    assert len(out.getvalue()) < 500_000  # the review's 461 KB file that took the server to 1.6 GB
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError), warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            check_upload(SimpleUploadedFile("bomb.png", out.getvalue()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # refused on the header's pixel count: no 119-megapixel canvas was ever allocated


# 7. The smaller list, each tried
def test_7_the_smaller_findings(client, county, target, settings):
    # no Content-Security-Policy on pages
    client.force_login(county.users.secretary)
    response = client.get("/", **EN)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # sessions lasting 14 days
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    # Django's technical 404 page listing every URL pattern, for a page outside the scope
    outside = client.get(reverse("organizations:member", args=[county.members["C-T2-V1"].pk]), **EN)
    assert outside.status_code == 404 and "URLconf" not in outside.content.decode()
    # a member reading a colleague's birth date
    client.force_login(county.users.member)
    page = client.get(reverse("organizations:member", args=[target.pk]), **EN).content.decode()
    assert target.birth_date.isoformat() not in page and target.masked_phone not in page
    # the API schema and docs public
    client.logout()
    for url in ("/api/schema/", "/api/docs/"):
        assert client.get(url).status_code in (302, 401, 403)
    # API tokens stored in clear: covered by tests/core/test_tokens.py; createadmin and weak passwords by
    # tests/core/test_passwords.py; the lockout behind a proxy by tests/core/test_clientip.py; two-factor by
    # tests/core/test_otp.py; appraisal votes by tests/orglife (a member reads their own grade only).
