"""Commendations (表彰) and the red/yellow board (红黄榜): the candidates found in published results and appraisals,
a commendation proposed, decided with its decision document or withdrawn; a board published from a published
assessment, or withdrawn. Every write takes Action.PURSUE on the commending organization (the run's scope for a
board) and is audited."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.assessment.models import AssessmentRun, Grade, Result
from grassroots.assessment.selectors import explanation
from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import Period
from grassroots.core.notify import notify
from grassroots.core.policy import Action, require
from grassroots.core.tree import subtree_q
from grassroots.core.uploads import check_upload
from grassroots.duties import services as duties
from grassroots.organizations.models import Member, MemberStatus, Organization
from grassroots.orglife.models import Appraisal, AppraisalGrade, AppraisalResult, AppraisalState

from ..models import (
    MEMBER_KINDS,
    OPEN_CASE_STATES,
    Board,
    BoardColor,
    BoardEntry,
    BoardState,
    Case,
    Commendation,
    CommendationFile,
    CommendationKind,
    CommendationState,
    commendation_grounds,
)

REASON_MAX, CITATION_MAX, REFERENCE_MAX = 500, 5000, 100
# On a yellow board, the reason of a result not vetoed is the indicators that cost it most, read from its explanation
# (a few queries each): for the first LOSSES_UP_TO yellow entries, the worst ranked first being the ones a reader
# looks at; the others show their grade and score (their explanation is a link away).
LOSSES_UP_TO = 300
LOSSES_SHOWN = 3


# ---------------------------------------------------------------- the candidates


@dataclass
class Candidate:
    """One proposal the records make: who (an organization, or a member with their organization), for which
    commendation, from which published result or appraisal; `commendation` when already proposed or decided."""

    kind: str
    organization: Organization
    member: Member | None = None
    run: AssessmentRun | None = None
    appraisal: Appraisal | None = None
    score: float | None = None
    rank: int | None = None
    by_hand: bool = False
    proposal_reason: str = ""
    commendation: Commendation | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.organization.pk}:{self.member.pk if self.member else ''}"

    def grounds(self) -> str:
        return commendation_grounds(self)

    def get_kind_display(self) -> str:
        return CommendationKind(self.kind).label

    def commended_name(self) -> str:
        return self.member.name if self.member else self.organization.display_name()


def final_runs(period: Period) -> list[AssessmentRun]:
    """The published (final) runs of the period that count: of each system and scope, the latest version."""
    runs = (
        AssessmentRun.objects.final()
        .filter(period=period)
        .select_related("system", "period", "scope")
        .order_by("system_id", "scope_id", "-version")
    )
    latest: dict[tuple, AssessmentRun] = {}
    for run in runs:
        latest.setdefault((run.system_id, run.scope_id), run)
    return list(latest.values())


def _excellent_results(period: Period, commending: Organization, *, org_ids=None):
    """The results graded excellent, not vetoed, of organizations below the commending one, in the period's final
    runs, the best ranked first."""
    runs = final_runs(period)
    results = (
        Result.objects.filter(run__in=runs, grade=Grade.EXCELLENT, vetoed=False)
        .filter(subtree_q(commending.path, "organization__path"))
        .exclude(organization=commending)
        .select_related("organization", "run__system", "run__period", "run__scope")
        .order_by("run_id", "rank_level", "organization__path")
    )
    if org_ids is not None:
        results = results.filter(organization_id__in=list(org_ids))
    return list(results)


def _excellent_appraisals(period: Period, commending: Organization, *, member_ids=None):
    """The members rated excellent in the closed democratic appraisal of the period's year, active, belonging
    within the commending organization."""
    rows = (
        AppraisalResult.objects.filter(
            grade=AppraisalGrade.EXCELLENT,
            appraisal__state=AppraisalState.CLOSED,
            appraisal__year=period.start.year,
            member__status=MemberStatus.ACTIVE,
        )
        .filter(subtree_q(commending.path, "member__organization__path"))
        .select_related("member__organization", "appraisal__organization")
        .order_by("member__organization__path", "member__name", "member_id")
    )
    if member_ids is not None:
        rows = rows.filter(member_id__in=list(member_ids))
    return list(rows)


def _open_cases(*, org_ids=(), member_ids=()) -> tuple[set[int], set[int]]:
    """Of these organizations and members, those an open case concerns."""
    cases = Case.objects.filter(state__in=OPEN_CASE_STATES)
    orgs = set(cases.filter(organization_id__in=list(org_ids)).values_list("organization_id", flat=True))
    people = set(cases.filter(person_id__in=list(member_ids)).values_list("person_id", flat=True))
    return orgs, people


def _organization_candidates(period, commending, org_ids=None) -> list[Candidate]:
    found: dict[int, Candidate] = {}
    for r in _excellent_results(period, commending, org_ids=org_ids):
        if r.run.system.assesses_secretaries:
            continue
        found.setdefault(
            r.organization_id,
            Candidate(
                CommendationKind.ADVANCED_ORGANIZATION, r.organization, run=r.run, score=r.score, rank=r.rank_level
            ),
        )
    return list(found.values())


def _worker_candidates(period, commending, org_ids=None) -> list[Candidate]:
    """The secretaries of the organizations graded excellent (in the organizations' or the secretaries' own
    assessment)."""
    results = _excellent_results(period, commending, org_ids=org_ids)
    secretaries = duties.secretaries_of({r.organization_id for r in results})
    found: dict[int, Candidate] = {}
    for r in results:
        member = secretaries.get(r.organization_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            continue
        found.setdefault(
            member.pk,
            Candidate(
                CommendationKind.EXCELLENT_WORKER,
                r.organization,
                member=member,
                run=r.run,
                score=r.score,
                rank=r.rank_level,
            ),
        )
    return list(found.values())


def _member_candidates(period, commending, member_ids=None) -> list[Candidate]:
    return [
        Candidate(
            CommendationKind.EXCELLENT_MEMBER, row.member.organization, member=row.member, appraisal=row.appraisal
        )
        for row in _excellent_appraisals(period, commending, member_ids=member_ids)
    ]


FINDERS = {
    CommendationKind.ADVANCED_ORGANIZATION: _organization_candidates,
    CommendationKind.EXCELLENT_MEMBER: _member_candidates,
    CommendationKind.EXCELLENT_WORKER: _worker_candidates,
}


def _blocked(candidates: list[Candidate]) -> set[str]:
    """The keys of the candidates an open case concerns: the organization commended, or the member (a party worker:
    the member or the organization they lead)."""
    orgs, people = _open_cases(
        org_ids={c.organization.pk for c in candidates if c.kind != CommendationKind.EXCELLENT_MEMBER},
        member_ids={c.member.pk for c in candidates if c.member is not None},
    )
    concerned_person = {c.key for c in candidates if c.member is not None and c.member.pk in people}
    concerned_org = {
        c.key for c in candidates if c.kind != CommendationKind.EXCELLENT_MEMBER and c.organization.pk in orgs
    }
    return concerned_person | concerned_org


def _existing(period, commending) -> dict[str, Commendation]:
    rows = Commendation.objects.filter(period=period, commending=commending).exclude(state=CommendationState.WITHDRAWN)
    return {f"{c.kind}:{c.organization_id}:{c.member_id or ''}": c for c in rows}


def commendation_proposals_check(*, actor, organization: Organization) -> None:
    """Those who pursue in an organization see its candidates and propose its commendations."""
    require(actor, Action.PURSUE, organization)


def commendation_proposals(*, actor, organization: Organization, period: Period, kind: str = "") -> list[Candidate]:
    """The candidates for the commendations `organization` gives for `period`, each kind in turn: the organizations
    below it graded excellent in a published assessment of the period, not vetoed, no case open concerning them
    (advanced organizations); the members within it rated excellent in the closed democratic appraisal of the
    period's year, no case open concerning them (excellent members); the secretaries of the organizations graded
    excellent, no case open concerning them or their organization (excellent party workers). A candidate already
    proposed or decided carries its commendation."""
    commendation_proposals_check(actor=actor, organization=organization)
    if kind and kind not in CommendationKind.values:
        raise ValidationError({"kind": _("Choose a kind of commendation.")})
    candidates = []
    for each, find in FINDERS.items():
        if not kind or kind == each:
            candidates += find(period, organization)
    blocked = _blocked(candidates)
    existing = _existing(period, organization)
    out = []
    for c in candidates:
        if c.key in blocked:
            continue
        c.commendation = existing.get(c.key)
        out.append(c)
    return out


# ---------------------------------------------------------------- a commendation proposed, decided, withdrawn


def _url(commendation: Commendation) -> str:
    return reverse("accountability:commendation", args=[commendation.pk])


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give the reason.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: _("A reason is at most 500 characters.")})
    return reason


def _refuse_open_case(kind: str, organization: Organization, member: Member | None) -> None:
    """A commendation of someone an open case concerns is refused, saying which case."""
    cases = Case.objects.filter(state__in=OPEN_CASE_STATES)
    if member is not None:
        case = cases.filter(person=member).order_by("id").first()
        if case is not None:
            raise ValidationError(
                _("%(name)s is the person concerned of an open case (%(title)s): no commendation while it is open.")
                % {"name": member.name, "title": case.title}
            )
    if kind != CommendationKind.EXCELLENT_MEMBER:
        case = cases.filter(organization=organization).order_by("id").first()
        if case is not None:
            raise ValidationError(
                _("An open case concerns %(org)s (%(title)s): no commendation while it is open.")
                % {"org": organization.display_name(), "title": case.title}
            )


def commendation_propose_check(*, actor, commending: Organization) -> None:
    """A commendation is proposed by those who pursue in the commending organization."""
    require(actor, Action.PURSUE, commending)


def _shape(kind, organization, member) -> None:
    """A commendation of this kind names a member (an active one) or an organization, not both."""
    if kind not in CommendationKind.values:
        raise ValidationError({"kind": _("Choose a kind of commendation.")})
    if kind in MEMBER_KINDS:
        if member is None:
            raise ValidationError({"member": _("Name the member commended.")})
        if member.status != MemberStatus.ACTIVE:
            raise ValidationError({"member": _("Only an active member is commended.")})
        return
    if organization is None:
        raise ValidationError({"organization": _("Name the organization commended.")})
    if member is not None:
        raise ValidationError({"member": _("An organization is commended here, not a member.")})


def _candidate(kind, period, commending, organization, member) -> Candidate | None:
    """The candidate the records make of this organization or member, if any."""
    if kind == CommendationKind.EXCELLENT_MEMBER:
        found = _member_candidates(period, commending, member_ids=[member.pk])
    elif kind == CommendationKind.EXCELLENT_WORKER:
        found = [c for c in _worker_candidates(period, commending) if c.member.pk == member.pk]
    else:
        found = _organization_candidates(period, commending, org_ids=[organization.pk])
    return found[0] if found else None


def _by_hand_target(kind, commending, organization, member) -> Organization:
    """The organization a commendation proposed by hand concerns, within the commending organization: the one
    commended (strictly below), or the member's (a party worker: the one they lead, if they are its secretary)."""
    if kind not in MEMBER_KINDS:
        if organization.pk == commending.pk or not organization.is_within(commending):
            raise ValidationError(
                {"organization": _("A commendation is given by an organization above the one commended.")}
            )
        return organization
    leads = (
        kind == CommendationKind.EXCELLENT_WORKER
        and organization is not None
        and getattr(duties.secretaries_of([organization.pk]).get(organization.pk), "pk", None) == member.pk
    )
    place = organization if leads else member.organization
    if not place.is_within(commending):
        raise ValidationError({"member": _("The member commended belongs within the commending organization.")})
    return place


@transaction.atomic
def commendation_propose(
    *,
    actor,
    kind: str,
    period: Period,
    commending: Organization,
    organization: Organization | None = None,
    member: Member | None = None,
    citation: str = "",
    reason: str = "",
) -> Commendation:
    """Propose a commendation: one of the candidates (commendation_proposals), or by hand with the reason (an
    organization not graded excellent, a member not rated excellent). Nobody an open case concerns is proposed."""
    commendation_propose_check(actor=actor, commending=commending)
    _shape(kind, organization, member)
    citation, reason = (citation or "").strip(), (reason or "").strip()
    if len(citation) > CITATION_MAX:
        raise ValidationError({"citation": _("A citation is at most 5,000 characters.")})
    candidate = _candidate(kind, period, commending, organization, member)
    if candidate is not None:
        organization = candidate.organization  # within the commending one; a party worker's: the one they lead
    else:
        organization = _by_hand_target(kind, commending, organization, member)
    _refuse_open_case(kind, organization, member)
    if candidate is None:
        if not reason:
            raise ValidationError(
                {
                    "reason": _(
                        "%(name)s is not among the candidates of %(period)s (graded excellent in a published "
                        "assessment, or rated excellent in the democratic appraisal): say why you propose it by hand."
                    )
                    % {"name": member.name if member else organization.display_name(), "period": period.code}
                }
            )
        reason = _reason(reason)
    elif len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("A reason is at most 500 characters.")})
    same = Commendation.objects.filter(kind=kind, period=period, commending=commending).exclude(
        state=CommendationState.WITHDRAWN
    )
    same = same.filter(member=member) if member is not None else same.filter(organization=organization)
    if same.exists():
        raise Conflict(_("This commendation is already proposed."))
    try:
        with transaction.atomic():
            commendation = Commendation.objects.create(
                kind=kind,
                period=period,
                commending=commending,
                organization=organization,
                member=member,
                run=candidate.run if candidate else None,
                appraisal=candidate.appraisal if candidate else None,
                score=candidate.score if candidate else None,
                rank=candidate.rank if candidate else None,
                by_hand=candidate is None,
                proposal_reason=reason,
                citation=citation,
                proposed_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This commendation is already proposed.")) from None
    audit(
        "accountability.commendation.propose",
        actor=actor,
        obj=commendation,
        after={**snapshot(commendation, commendation.audit_fields), "by_hand": commendation.by_hand, "reason": reason},
    )
    return commendation


def _locked(commendation: Commendation) -> Commendation:
    return (
        Commendation.objects.select_for_update(of=("self",))
        .select_related("organization", "member__user", "commending", "period")
        .get(pk=commendation.pk)
    )


def commendation_decide_check(*, actor, commendation: Commendation) -> None:
    """The commending organization decides a proposed commendation, once."""
    require(actor, Action.PURSUE, commendation.commending)
    if commendation.state != CommendationState.PROPOSED:
        raise Conflict(
            _("This commendation is %(state)s: only a proposed commendation is decided.")
            % {"state": commendation.get_state_display()}
        )


@transaction.atomic
def commendation_decide(
    *,
    actor,
    commendation: Commendation,
    reference: str,
    decided_on: dt.date | None,
    file=None,
    citation: str | None = None,
) -> Commendation:
    """Record the decision: the reference number of the decision document and its date, the scanned document if
    given (checked as every upload), the citation if changed. Refused while a case is open concerning the one
    commended (opened since the proposal)."""
    commendation = _locked(commendation)
    commendation_decide_check(actor=actor, commendation=commendation)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the reference number of the decision document.")})
    if len(reference) > REFERENCE_MAX:
        raise ValidationError({"reference": _("A reference number is at most 100 characters.")})
    if decided_on is None:
        raise ValidationError({"decided_on": _("Give the date of the decision.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("A decision is recorded once taken: its date is today or earlier.")})
    if citation is not None:
        citation = citation.strip()
        if len(citation) > CITATION_MAX:
            raise ValidationError({"citation": _("A citation is at most 5,000 characters.")})
        commendation.citation = citation
    _refuse_open_case(commendation.kind, commendation.organization, commendation.member)
    checked = None
    if file is not None:
        try:
            checked = check_upload(file)
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
    before = snapshot(commendation, commendation.audit_fields)
    commendation.state = CommendationState.DECIDED
    commendation.reference, commendation.decided_on = reference, decided_on
    commendation.decided_by, commendation.decided_at = actor, timezone.now()
    commendation.save()
    after = snapshot(commendation, commendation.audit_fields)
    if checked is not None:
        CommendationFile(commendation=commendation).attach(checked).save()
        after["file"] = checked.name
    audit("accountability.commendation.decide", actor=actor, obj=commendation, before=before, after=after)
    _tell_commended(commendation)
    return commendation


def _tell_commended(commendation: Commendation) -> None:
    """The member commended (their account), or the managers of the organization commended, are told."""
    if commendation.member_id:
        user = commendation.member.user
        recipients = [user] if user is not None and user.is_active else []
    else:
        recipients = duties.managers_of([commendation.organization_id])
    notify(
        recipients,
        "accountability.commended",
        params={
            "name": commendation.commended_name(),
            "commendation": str(CommendationKind(commendation.kind).label),
            "commending": commendation.commending.name,
        },
        url=_url(commendation),
        obj=commendation,
    )


def commendation_withdraw_check(*, actor, commendation: Commendation) -> None:
    """A commendation proposed or decided is withdrawn by the commending organization, with the reason; it stays,
    marked."""
    require(actor, Action.PURSUE, commendation.commending)
    if commendation.state == CommendationState.WITHDRAWN:
        raise Conflict(_("This commendation is withdrawn already."))


@transaction.atomic
def commendation_withdraw(*, actor, commendation: Commendation, reason: str) -> Commendation:
    commendation = _locked(commendation)
    commendation_withdraw_check(actor=actor, commendation=commendation)
    before = snapshot(commendation, commendation.audit_fields)
    commendation.state, commendation.withdrawn_reason = CommendationState.WITHDRAWN, _reason(reason)
    commendation.withdrawn_by, commendation.withdrawn_at = actor, timezone.now()
    commendation.save()
    audit(
        "accountability.commendation.withdraw",
        actor=actor,
        obj=commendation,
        before=before,
        after={**snapshot(commendation, commendation.audit_fields), "reason": commendation.withdrawn_reason},
    )
    return commendation


# ---------------------------------------------------------------- the red/yellow board


def board_publish_check(*, actor, run: AssessmentRun) -> None:
    """A board is published by those who pursue in the run's scope, from published results, once (until it is
    withdrawn)."""
    require(actor, Action.PURSUE, run.scope)
    if not AssessmentRun.objects.final().filter(pk=run.pk).exists():
        raise Conflict(
            _(
                "The results of this assessment are not published (it is %(state)s): a red/yellow board is made "
                "from published results only."
            )
            % {"state": run.get_state_display()}
        )
    if Board.objects.filter(run=run, state=BoardState.PUBLISHED).exists():
        raise Conflict(_("This assessment already has a published board: withdraw it first to publish another."))


def _losses(actor, run: AssessmentRun, organization: Organization) -> list[dict]:
    """The indicators that cost the organization most, the biggest first (read from the result's explanation)."""
    try:
        explained = explanation(user=actor, run=run, organization=organization, with_records=False)
    except Result.DoesNotExist:
        return []
    return [
        {
            "code": line.indicator.code,
            "name": line.indicator.name,
            "name_en": line.indicator.name_en,
            "points": round(float(points), 2),
        }
        for points, line in explained.losses[:LOSSES_SHOWN]
    ]


@transaction.atomic
def board_publish(*, actor, run: AssessmentRun) -> Board:
    """Publish the red/yellow board of a published assessment: red, the organizations graded excellent; yellow,
    those graded poor, with the reason (the veto, else the indicators that cost them most); in the order of the
    ranks. The entries are kept as published, whatever happens to the run afterwards."""
    run = (
        AssessmentRun.objects.select_for_update(of=("self",)).select_related("system", "period", "scope").get(pk=run.pk)
    )
    board_publish_check(actor=actor, run=run)
    results = list(
        Result.objects.filter(run=run, grade__in=(Grade.EXCELLENT, Grade.POOR))
        .select_related("organization")
        .order_by("rank_level", "organization__path")
    )
    board = Board.objects.create(
        run=run,
        ranked=Result.objects.filter(run=run, rank_level__isnull=False).count(),
        published_at=timezone.now(),
        published_by=actor,
    )
    # The losses of the worst ranked first (those a reader looks at), up to LOSSES_UP_TO.
    explained = [r for r in results if r.grade == Grade.POOR and not r.vetoed]
    explained.sort(key=lambda r: (r.rank_level is not None, -(r.rank_level or 0)))
    losses = {r.organization_id: _losses(actor, run, r.organization) for r in explained[:LOSSES_UP_TO]}
    entries = []
    for r in results:
        entries.append(
            BoardEntry(
                board=board,
                organization=r.organization,
                color=BoardColor.RED if r.grade == Grade.EXCELLENT else BoardColor.YELLOW,
                rank=r.rank_level,
                score=r.score,
                grade=r.grade,
                veto_reason=r.veto_reason if r.vetoed else "",
                losses=losses.get(r.organization_id, []),
            )
        )
    BoardEntry.objects.bulk_create(entries, batch_size=1000)
    counts = {"red": sum(e.color == BoardColor.RED for e in entries), "yellow": 0}
    counts["yellow"] = len(entries) - counts["red"]
    audit(
        "accountability.board.publish",
        actor=actor,
        obj=board,
        after={**snapshot(board, board.audit_fields), **counts},
    )
    return board


def board_withdraw_check(*, actor, board: Board) -> None:
    """A published board is withdrawn by those who pursue in the run's scope, with the reason; it stays, marked."""
    require(actor, Action.PURSUE, board.run.scope)
    if board.state != BoardState.PUBLISHED:
        raise Conflict(_("This board is withdrawn already."))


@transaction.atomic
def board_withdraw(*, actor, board: Board, reason: str) -> Board:
    board = Board.objects.select_for_update(of=("self",)).select_related("run__scope").get(pk=board.pk)
    board_withdraw_check(actor=actor, board=board)
    before = snapshot(board, board.audit_fields)
    board.state, board.withdrawn_reason = BoardState.WITHDRAWN, _reason(reason)
    board.withdrawn_by, board.withdrawn_at = actor, timezone.now()
    board.save()
    audit(
        "accountability.board.withdraw",
        actor=actor,
        obj=board,
        before=before,
        after=snapshot(board, board.audit_fields),
    )
    return board


__all__ = [
    "Candidate",
    "board_publish",
    "board_publish_check",
    "board_withdraw",
    "board_withdraw_check",
    "commendation_decide",
    "commendation_decide_check",
    "commendation_propose",
    "commendation_propose_check",
    "commendation_proposals",
    "commendation_proposals_check",
    "commendation_withdraw",
    "commendation_withdraw_check",
    "final_runs",
]
