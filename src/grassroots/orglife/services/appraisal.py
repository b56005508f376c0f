"""Democratic appraisal of members: opened, voted, closed with its results."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, require
from grassroots.organizations.models import (
    Member,
    Organization,
)

from .. import selectors
from ..models import (
    Appraisal,
    AppraisalGrade,
    AppraisalResult,
    AppraisalState,
    AppraisalVote,
)
from ._parse import _member_id


@transaction.atomic
def appraisal_open(*, actor, organization: Organization, year: int) -> Appraisal:
    require(actor, Action.CHANGE, organization)
    if Appraisal.objects.filter(organization=organization, year=year).exists():
        raise ValidationError(_("This organization already has an appraisal for this year."))
    appraisal = Appraisal.objects.create(organization=organization, year=year)
    audit("orglife.appraisal.open", actor=actor, obj=appraisal)
    return appraisal


def appraisal_voter_check(*, actor, appraisal: Appraisal) -> Member:
    """The member the actor votes as: a full member of the appraised organization; anybody else is refused."""
    voter = selectors.appraisal_voter(user=actor, appraisal=appraisal)
    if voter is None:
        raise PermissionDenied(
            _("Only full members of %(org)s vote in its appraisal.") % {"org": appraisal.organization.display_name()}
        )
    return voter


def appraisal_vote_check(*, actor, appraisal: Appraisal) -> Member:
    """Whether the actor may vote now: the appraisal is open and they are one of its voters (who is returned)."""
    if appraisal.state != AppraisalState.VOTING:
        raise Conflict(_("Voting in this appraisal is closed."))
    return appraisal_voter_check(actor=actor, appraisal=appraisal)


@transaction.atomic
def appraisal_vote(*, actor, appraisal: Appraisal, votes: dict) -> int:
    """A full member rates members (themselves included, as self-assessment): {member_id: grade}."""
    appraisal = Appraisal.objects.select_related("organization").get(pk=appraisal.pk)
    voter = appraisal_vote_check(actor=actor, appraisal=appraisal)
    voters = {m.pk: m for m in selectors.appraisal_full_members(appraisal)}
    rows = []
    for subject_id, grade in votes.items():
        subject = voters.get(_member_id(subject_id))
        if subject is None:
            raise ValidationError(
                _("Only full members of this organization are rated; probationary members get no grade.")
            )
        if grade not in AppraisalGrade.values:
            raise ValidationError(
                _("%(g)s is not a grade; use excellent, qualified, basically qualified or unqualified.") % {"g": grade}
            )
        rows.append(AppraisalVote(appraisal=appraisal, voter=voter, subject=subject, grade=grade))
    try:
        with transaction.atomic():
            AppraisalVote.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError(_("You have already rated one of these members."))
    audit("orglife.appraisal.vote", actor=actor, obj=appraisal, after={"votes": len(rows)})
    return len(rows)


def appraisal_close_check(*, actor, appraisal: Appraisal) -> None:
    """Whether the actor may count the votes and close: the organization's secretary, while voting is open."""
    require(actor, Action.CHANGE, appraisal.organization)
    if appraisal.state != AppraisalState.VOTING:
        raise Conflict(_("This appraisal is already closed."))


@transaction.atomic
def appraisal_close(*, actor, appraisal: Appraisal, decisions: dict) -> list[AppraisalResult]:
    """Record the decided grade of every full member: {member_id: (grade, follow_up)}; excellent at most 1/3."""
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("organization").get(pk=appraisal.pk)
    appraisal_close_check(actor=actor, appraisal=appraisal)
    members = {m.pk: m for m in selectors.appraisal_full_members(appraisal)}
    missing = [m.name for pk, m in members.items() if pk not in {_member_id(k) for k in decisions}]
    if missing:
        raise ValidationError(
            _("Decide a grade for every full member; missing: %(names)s") % {"names": "、".join(missing)}
        )
    excellent = sum(1 for grade, _f in decisions.values() if grade == AppraisalGrade.EXCELLENT)
    if members and excellent > len(members) * float(appraisal.excellent_share):
        raise ValidationError(
            _("At most %(share)d%% of members can be rated excellent (%(n)d of %(total)d here).")
            % {"share": round(float(appraisal.excellent_share) * 100), "n": excellent, "total": len(members)}
        )
    counts = selectors.appraisal_counts(appraisal)
    results = []
    for member_id, (grade, follow_up) in decisions.items():
        member = members.get(_member_id(member_id))
        if member is None:
            raise ValidationError(_("Only full members of this organization are rated."))
        if grade not in AppraisalGrade.values:
            raise ValidationError(_("%(g)s is not a grade.") % {"g": grade})
        if grade == AppraisalGrade.UNQUALIFIED and not (follow_up or "").strip():
            raise ValidationError(
                _("%(name)s is rated unqualified: write the follow-up (education, deadline, who helps).")
                % {"name": member.name}
            )
        results.append(
            AppraisalResult(
                appraisal=appraisal,
                member=member,
                counts=counts.get(member.pk, {}),
                grade=grade,
                follow_up=(follow_up or "").strip(),
            )
        )
    AppraisalResult.objects.bulk_create(results)
    appraisal.state, appraisal.closed_at = AppraisalState.CLOSED, timezone.now()
    appraisal.save()
    audit(
        "orglife.appraisal.close",
        actor=actor,
        obj=appraisal,
        after={"results": {str(r.member_id): r.grade for r in results}},
    )
    return results
