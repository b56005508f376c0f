"""Writes of the ratings: one-time links for raters without an account, and ratings given with one."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, require
from grassroots.core.text import join_clauses
from grassroots.organizations.models import Organization

from .. import selectors
from ..models import (
    AssessmentRun,
    Grade,
    Indicator,
    IndicatorKind,
    RaterGroup,
    RaterKind,
    Rating,
    RatingToken,
    RunState,
    hash_token,
)
from .runs import _locked, _require_not_frozen


@transaction.atomic
def tokens_issue(
    *, actor, run: AssessmentRun, kind: str, organization: Organization, count: int, days: int = 30
) -> list[str]:
    """One-time rating links for raters without an account; the secrets are returned once, only hashes are kept."""
    run = _locked(run)
    require(actor, Action.MANAGE_STRUCTURE, run.scope)
    _require_not_frozen(run)
    if not run.accepts_ratings:
        raise Conflict(
            _("Rating for this assessment has ended: links are issued only until its results are published.")
        )
    if not run.assesses(organization):
        raise ValidationError(_("This organization is not assessed in this assessment."))
    if not 1 <= int(count) <= 1000:
        raise ValidationError({"count": _("Issue between 1 and 1000 links at a time.")})
    group = RaterGroup.objects.filter(run=run, kind=kind).first()
    if group is None:
        raise ValidationError(_("This assessment has no rater group %(kind)s.") % {"kind": kind})
    secrets_out = [RatingToken.new_secret() for _i in range(int(count))]
    expires = timezone.now() + dt.timedelta(days=days)
    RatingToken.objects.bulk_create(
        [
            RatingToken(group=group, organization=organization, token_hash=hash_token(s), expires_at=expires)
            for s in secrets_out
        ]
    )
    if run.state == RunState.OPEN:
        run.state = RunState.COLLECTING
        run.save(update_fields=["state"])
    audit(
        "assessment.tokens.issue",
        actor=actor,
        obj=run,
        organization=organization,
        after={"group": kind, "count": int(count)},
    )
    return secrets_out


def token_lookup(secret: str) -> RatingToken:
    """The token behind a link, or a clear refusal: unknown, used, expired, or its assessment closed."""
    token = (
        RatingToken.objects.select_related("group__run__system", "organization")
        .filter(token_hash=hash_token(secret or ""))
        .first()
    )
    if token is None:
        raise ValidationError(_("This rating link is not valid."))
    if token.used_at is not None:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    if token.expires_at < timezone.now():
        raise ValidationError(_("This rating link has expired."))
    if not token.group.run.accepts_ratings:
        raise ValidationError(_("Rating for this assessment has ended."))
    return token


def qualitative_indicators(run: AssessmentRun) -> list[Indicator]:
    """The rated indicators of a run's system, in the order of the tree."""
    order = {}
    indicators = list(run.system.indicators.all())
    children: dict = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)

    def walk(parent):
        for ind in sorted(children.get(parent, []), key=lambda i: (i.position, i.pk)):
            order[ind.pk] = len(order)
            walk(ind.pk)

    walk(None)
    return sorted((i for i in indicators if i.kind == IndicatorKind.QUALITATIVE), key=lambda i: order[i.pk])


@transaction.atomic
def rating_submit(*, secret: str, grades: dict) -> int:
    """Spend a token: grade every qualitative indicator once ({indicator_id: grade}); a second use is refused."""
    token = token_lookup(secret)
    token = RatingToken.objects.select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    indicators = {i.pk: i for i in qualitative_indicators(token.group.run)}
    try:
        chosen = {int(k): v for k, v in grades.items()}
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a grade for each question."))
    missing = [indicators[pk].display_name() for pk in indicators if pk not in chosen]
    if missing:
        raise ValidationError(_("Choose a grade for: %(names)s") % {"names": join_clauses(missing)})
    if set(chosen) - set(indicators):
        raise ValidationError(_("Unknown question."))
    if any(g not in Grade.values for g in chosen.values()):
        raise ValidationError(_("Choose one of the four grades."))
    try:
        Rating.objects.bulk_create(
            [
                Rating(token=token, group=token.group, organization=token.organization, indicator_id=pk, grade=g)
                for pk, g in chosen.items()
            ]
        )
    except IntegrityError:
        raise Conflict(_("This rating link has already been used. Each link rates once."))
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return len(chosen)


@transaction.atomic
def rating_by_user(*, actor, run: AssessmentRun, kind: str, organization: Organization, grades: dict) -> int:
    """A rater with an account (the superior or a peer organization, a member) grades an organization once."""
    run = _locked(run)
    _require_not_frozen(run)
    if not run.accepts_ratings:
        raise Conflict(_("Rating for this assessment has ended."))
    if not run.assesses(organization):
        raise ValidationError(_("This organization is not assessed in this assessment."))
    if kind not in selectors.ACCOUNT_RATERS:
        raise PermissionDenied(_("The masses rate through one-time links."))
    group = RaterGroup.objects.filter(run=run, kind=kind).first()
    if group is None:
        raise ValidationError(_("This assessment has no rater group %(kind)s.") % {"kind": kind})
    # Who may rate whom, as the pages and the API offer it (selectors.ratable).
    if not selectors.ratable(user=actor, run=run, kind=kind).filter(pk=organization.pk).exists():
        refusal = {
            RaterKind.SUPERIOR: _("Only the organization above %(org)s rates it as its superior."),
            RaterKind.MEMBERS: _("Only members of %(org)s rate it as members."),
            RaterKind.PEERS: _("Only peer organizations rate %(org)s as peers."),
        }[kind]
        raise PermissionDenied(refusal % {"org": organization.display_name()})
    if Rating.objects.filter(group=group, organization=organization, rater=actor).exists():
        raise Conflict(_("You have already rated this organization."))
    indicators = {i.pk for i in qualitative_indicators(run)}
    if set(int(k) for k in grades) != indicators or any(g not in Grade.values for g in grades.values()):
        raise ValidationError(_("Choose one of the four grades for each question."))
    Rating.objects.bulk_create(
        [
            Rating(rater=actor, group=group, organization=organization, indicator_id=int(pk), grade=g)
            for pk, g in grades.items()
        ]
    )
    audit("assessment.rating.user", actor=actor, obj=run, organization=organization, after={"group": kind})
    return len(grades)
