"""Services on members, posts, transfers and grants: the rules a user meets."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from grassroots.core.errors import Conflict
from grassroots.core.models import AuditEntry
from grassroots.core.policy import PermissionDenied
from grassroots.organizations import services
from grassroots.organizations.models import Member, Post, TransferState, mask_id_number, mask_phone
from tests.factories import make_id_number


def test_member_with_a_mistyped_id_number_is_refused_with_the_reason(county):
    good = make_id_number(dt.date(1980, 3, 4), "F", 7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.member_create(
            actor=county.users.secretary, organization=county.v11, name="王芳", gender="F", id_number=bad
        )
    assert "check digit" in str(exc.value)


def test_id_number_must_agree_with_gender(county):
    with pytest.raises(ValidationError, match="gender"):
        services.member_create(
            actor=county.users.secretary,
            organization=county.v11,
            name="王芳",
            gender="M",
            id_number=make_id_number(dt.date(1980, 3, 4), "F", 8),
        )


def test_probationary_member_has_no_full_membership_date(county):
    with pytest.raises(ValidationError):
        services.member_create(
            actor=county.users.secretary,
            organization=county.v11,
            name="新人",
            gender="M",
            category="probationary",
            joined_on=dt.date(2025, 7, 1),
            confirmed_on=dt.date(2026, 7, 1),
        )


@pytest.mark.parametrize(
    "joined, says",
    [
        (dt.date(1987, 5, 11), "joins the party at 18 or older (the party constitution); this date makes 16"),
        (dt.date(1988, 5, 11), "this date makes 17"),
        (dt.date(2999, 1, 1), "The date of joining is in the future."),
    ],
)
def test_a_member_joins_at_eighteen_or_older_and_never_in_the_future(county, joined, says):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match=re.escape(says)):
        services.member_create(
            actor=county.users.secretary,
            organization=county.v11,
            name="新人",
            gender="M",
            birth_date=dt.date(1970, 5, 12),
            joined_on=joined,
        )
    eighteen = services.member_create(
        actor=county.users.secretary,
        organization=county.v11,
        name="新人",
        gender="M",
        birth_date=dt.date(1970, 5, 12),
        joined_on=dt.date(1988, 5, 12),
    )
    assert eighteen.joined_on == dt.date(1988, 5, 12)


def test_a_stale_edit_is_refused_instead_of_overwriting(county):
    member = county.members["C-T1-V1"]
    seen = member.updated_at
    services.member_update(actor=county.users.officer, member=member, phone="13700000000")
    with pytest.raises(Conflict):
        services.member_update(
            actor=county.users.secretary, member=member, expected_updated_at=seen, phone="13600000000"
        )
    member.refresh_from_db()
    assert member.phone == "13700000000"


def test_masking_keeps_region_and_check_digit_and_last_four_phone_digits():
    assert mask_id_number("43012419700512001X") == "430124***********X"
    assert mask_phone("13812345678") == "138****5678"


def test_reading_personal_data_unmasked_is_audited(county):
    member = county.members["C-T1-V1"]
    values = services.member_reveal_personal(actor=county.users.secretary, member=member)
    assert values["id_number"] == member.id_number
    entry = AuditEntry.objects.filter(action="core.personal_data.read").get()
    assert entry.actor_name == "secretary" and entry.object_id == str(member.pk)


def test_an_auditor_cannot_read_personal_data_unmasked(county):
    with pytest.raises(PermissionDenied):
        services.member_reveal_personal(actor=county.users.auditor, member=county.members["C-T1-V1"])


def test_transfer_within_the_actors_scope_completes_at_once_and_ends_old_posts(county):
    member = county.members["C-T1-V1"]
    post = Post.objects.create(
        member=member, organization=county.v11, title="secretary", started_on=dt.date(2020, 1, 1)
    )
    transfer = services.transfer_request(actor=county.users.t1_officer, member=member, to_organization=county.v12)
    assert transfer.state == TransferState.COMPLETED
    member.refresh_from_db()
    post.refresh_from_db()
    assert member.organization == county.v12
    assert post.ended_on is not None


def test_transfer_out_of_scope_waits_for_the_receiver_to_accept(county):
    member = county.members["C-T1-V1"]
    transfer = services.transfer_request(actor=county.users.secretary, member=member, to_organization=county.v21)
    assert transfer.state == TransferState.REQUESTED
    assert Member.objects.get(pk=member.pk).organization == county.v11
    with pytest.raises(PermissionDenied):
        services.transfer_accept(actor=county.users.secretary, transfer=transfer)
    services.transfer_accept(actor=county.users.officer, transfer=transfer)
    assert Member.objects.get(pk=member.pk).organization == county.v21


def test_a_decided_transfer_cannot_be_decided_again(county):
    transfer = services.transfer_request(
        actor=county.users.secretary, member=county.members["C-T1-V1"], to_organization=county.v21
    )
    services.transfer_reject(actor=county.users.officer, transfer=transfer, note="不属于本辖区")
    with pytest.raises(Conflict):
        services.transfer_accept(actor=county.users.officer, transfer=transfer)


def test_rejecting_needs_a_reason(county):
    transfer = services.transfer_request(
        actor=county.users.secretary, member=county.members["C-T1-V1"], to_organization=county.v21
    )
    with pytest.raises(ValidationError):
        services.transfer_reject(actor=county.users.officer, transfer=transfer, note="  ")


def test_only_one_open_transfer_per_member(county):
    member = county.members["C-T1-V1"]
    services.transfer_request(actor=county.users.secretary, member=member, to_organization=county.v21)
    with pytest.raises(ValidationError):
        services.transfer_request(actor=county.users.secretary, member=member, to_organization=county.v22)


def test_an_officer_cannot_make_an_administrator(county):
    with pytest.raises(PermissionDenied):
        services.grant_create(
            actor=county.users.officer, user=county.users.outsider, organization=county.v11, role="admin"
        )


def test_a_grant_covers_the_whole_subtree(county):
    services.grant_create(
        actor=county.users.officer, user=county.users.outsider, organization=county.t2, role="secretary"
    )
    from grassroots.core.policy import Action, can

    outsider = type(county.users.outsider).objects.get(pk=county.users.outsider.pk)
    assert can(outsider, Action.CHANGE, county.members["C-T2-V2"])
    assert not can(outsider, Action.CHANGE, county.members["C-T1-V1"])


def test_member_account_gets_own_record_view(county):
    member = county.members["C-T2-V1"]
    user = services.member_account_create(
        actor=county.users.officer, member=member, username="baishi1", password="a-long-pass-phrase-1"
    )
    from grassroots.core.policy import Action, can

    assert can(user, Action.VIEW, member)
    assert not can(user, Action.VIEW, county.members["C-T1-V1"])
