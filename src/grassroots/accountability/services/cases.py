"""A case's steps: opened (by a rule or by hand), reviewed, the statement of the person concerned, decided on the
ladder or dismissed, rectified through assignments, closed; withdrawn with a reason, never deleted."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.notify import notify
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, PermissionDenied, require, subject
from grassroots.duties import services as duties
from grassroots.duties.models import AssignmentState
from grassroots.organizations.models import Member, Organization

from ..models import (
    BEFORE_DECISION,
    LADDER,
    Case,
    CaseState,
    Measure,
    Rectification,
    Trigger,
)

TITLE_MAX, FACTS_MAX, TEXT_MAX = 300, 5000, 5000


def _url(case: Case) -> str:
    return reverse("accountability:case", args=[case.pk])


def _deciders(case: Case) -> list:
    return duties.managers_of([case.deciding_id])


def _person_user(case: Case):
    user = case.person.user if case.person_id else None
    return user if user is not None and user.is_active else None


def _params(case: Case) -> dict:
    return {"org": case.organization.name, "title": case.title}


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("organization", "deciding", "person__user", "period")
        .get(pk=case.pk)
    )


def proposed_measure(*, organization: Organization, period, trigger: str, assignment=None, exclude=None) -> str:
    """The measure a case proposes: the first rung of the ladder, or, when a case on the same responsibility was
    decided in the same period (the same assignment; else the same organization and rule), the rung above the
    highest decided."""
    earlier = Case.objects.filter(organization=organization, period=period).exclude(measure="")
    earlier = earlier.filter(assignment=assignment) if assignment is not None else earlier.filter(trigger=trigger)
    if exclude is not None:
        earlier = earlier.exclude(pk=exclude.pk)
    highest = max((LADDER.index(m) for m in earlier.values_list("measure", flat=True)), default=-1)
    return LADDER[min(highest + 1, len(LADDER) - 1)]


def _evidence(items) -> list[dict]:
    """Evidence as the case keeps it: labels with links inside the site (a path), nothing else."""
    out = []
    for item in items or ():
        label = str(item.get("label", "")).strip()[:300]
        url = str(item.get("url", "")).strip()
        if not label:
            continue
        if url and not (url.startswith("/") and not url.startswith("//")):
            raise ValidationError({"evidence": _("Evidence links point to pages of this site.")})
        out.append({"label": label, "url": url[:500]})
    return out


def _opened(case: Case, actor, *, tell_deciders: bool = True) -> Case:
    """Audit the opening; tell the person concerned, and the deciding organization's managers unless the rules of
    pursuit tell them once a run (pursue's digest)."""
    audit("accountability.case.open", actor=actor, obj=case, after=snapshot(case, case.audit_fields))
    notify(
        [_person_user(case), *(_deciders(case) if tell_deciders else [])],
        "accountability.case_opened",
        params=_params(case),
        url=_url(case),
        obj=case,
    )
    return case


def open_automatically(
    *,
    key: str,
    trigger: str,
    organization: Organization,
    deciding: Organization,
    period,
    title: str,
    facts: str,
    evidence=(),
    person: Member | None = None,
    assignment=None,
    run=None,
    care_case=None,
    follows=None,
) -> Case | None:
    """Open the case of a condition found by a rule of pursuit, once: None when the condition has a case already."""
    if Case.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            case = Case.objects.create(
                key=key,
                trigger=trigger,
                organization=organization,
                deciding=deciding,
                period=period,
                title=title[:TITLE_MAX],
                facts=facts[:FACTS_MAX],
                evidence=_evidence(evidence),
                person=person,
                assignment=assignment,
                run=run,
                care_case=care_case,
                follows=follows,
                proposed_measure=proposed_measure(
                    organization=organization, period=period, trigger=trigger, assignment=assignment
                ),
            )
            return _opened(case, None, tell_deciders=False)
    except IntegrityError:
        return None  # opened meanwhile by another run of the rules


def case_open_check(*, actor, organization: Organization, deciding: Organization | None = None) -> None:
    """A case is opened by hand by those who pursue in the deciding organization, above the one concerned."""
    deciding = deciding or organization.parent
    if deciding is None or deciding.pk == organization.pk or not organization.is_within(deciding):
        raise ValidationError({"deciding": _("A case is decided by an organization above the one concerned.")})
    require(actor, Action.PURSUE, deciding)


@transaction.atomic
def case_open(
    *,
    actor,
    organization: Organization,
    title: str,
    facts: str,
    period=None,
    person: Member | None = None,
    deciding: Organization | None = None,
    evidence=(),
) -> Case:
    """Open a case by hand, with its facts and evidence."""
    deciding = deciding or organization.parent
    case_open_check(actor=actor, organization=organization, deciding=deciding)
    title, facts = (title or "").strip(), (facts or "").strip()
    if not title:
        raise ValidationError({"title": _("Say which responsibility the case concerns.")})
    if not facts:
        raise ValidationError({"facts": _("State the facts of the case.")})
    if len(title) > TITLE_MAX or len(facts) > FACTS_MAX:
        raise ValidationError(_("The title is at most 300 characters and the facts at most 5,000."))
    if person is not None and not person.organization.is_within(organization):
        raise ValidationError({"person": _("The person concerned must belong to the organization concerned.")})
    period = period or period_for(str(timezone.localdate().year))
    case = Case.objects.create(
        trigger=Trigger.BY_HAND,
        organization=organization,
        deciding=deciding,
        period=period,
        title=title,
        facts=facts,
        evidence=_evidence(evidence),
        person=person,
        opened_by=actor,
        proposed_measure=proposed_measure(organization=organization, period=period, trigger=Trigger.BY_HAND),
    )
    return _opened(case, actor)


def _require_pursuer(actor, case: Case) -> None:
    require(actor, Action.PURSUE, case.deciding)


def case_review_check(*, actor, case: Case) -> None:
    """The deciding organization takes an opened case under review."""
    _require_pursuer(actor, case)
    if case.state != CaseState.OPENED:
        raise Conflict(_("This case is %(state)s: only an opened case is taken under review.") % _state(case))


def _state(case: Case) -> dict:
    return {"state": case.get_state_display()}


def _moved(case: Case, actor, action: str, before: dict) -> Case:
    case.save()
    audit(action, actor=actor, obj=case, before=before, after=snapshot(case, case.audit_fields))
    return case


@transaction.atomic
def case_review(*, actor, case: Case) -> Case:
    case = _locked(case)
    case_review_check(actor=actor, case=case)
    before = snapshot(case, case.audit_fields)
    case.state = CaseState.UNDER_REVIEW
    return _moved(case, actor, "accountability.case.review", before)


def case_statement_check(*, actor, case: Case) -> None:
    """The person concerned adds a statement (申辩) until the case is decided."""
    member = subject(actor).member
    if case.person_id is None or member is None or member.pk != case.person_id:
        raise PermissionDenied(_("Only the person concerned makes a statement on a case."))
    if not case.accepts_statement:
        raise Conflict(_("The case is decided: a statement is made before the decision."))


@transaction.atomic
def case_statement(*, actor, case: Case, text: str) -> Case:
    case = _locked(case)
    case_statement_check(actor=actor, case=case)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"statement": _("Write the statement.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"statement": _("A statement is at most 5,000 characters.")})
    before = snapshot(case, case.audit_fields)
    case.statement, case.statement_at = text, timezone.now()
    _moved(case, actor, "accountability.case.statement", before)
    notify(_deciders(case), "accountability.statement", params=_params(case), url=_url(case), obj=case)
    return case


def case_decide_check(*, actor, case: Case) -> None:
    """The deciding organization decides a measure before the case is decided, never the person concerned."""
    member = subject(actor).member
    if member is not None and member.pk == case.person_id:
        raise PermissionDenied(_("Nobody decides a case concerning themselves."))
    _require_pursuer(actor, case)
    if case.state not in BEFORE_DECISION:
        raise Conflict(_("This case is %(state)s: it is decided once.") % _state(case))


@transaction.atomic
def case_decide(*, actor, case: Case, measure: str, note: str = "") -> Case:
    """Decide the measure: one on the ladder; another than the one proposed only with a reason (the note)."""
    case = _locked(case)
    case_decide_check(actor=actor, case=case)
    note = (note or "").strip()
    if not measure:
        raise ValidationError({"measure": _("A decision names its measure.")})
    if measure not in LADDER:
        raise ValidationError({"measure": _("Choose a measure on the ladder of accountability.")})
    if measure != case.proposed_measure and not note:
        raise ValidationError(
            {
                "note": _("Say why the measure differs from the one proposed (%(proposed)s).")
                % {"proposed": Measure(case.proposed_measure).label if case.proposed_measure else "-"}
            }
        )
    if len(note) > TEXT_MAX:
        raise ValidationError({"note": _("A decision is at most 5,000 characters.")})
    before = snapshot(case, case.audit_fields)
    case.state, case.measure, case.decision_note = CaseState.DECIDED, measure, note
    case.decided_by, case.decided_at = actor, timezone.now()
    _moved(case, actor, "accountability.case.decide", before)
    notify(
        [_person_user(case)],
        "accountability.case_decided",
        params={**_params(case), "measure": str(Measure(measure).label)},
        url=_url(case),
        obj=case,
    )
    return case


def case_dismiss_check(*, actor, case: Case) -> None:
    """The deciding organization dismisses a case before deciding it."""
    _require_pursuer(actor, case)
    if case.state not in BEFORE_DECISION:
        raise Conflict(_("This case is %(state)s: only a case not yet decided is dismissed.") % _state(case))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("A reason is at most 500 characters.")})
    return reason


@transaction.atomic
def case_dismiss(*, actor, case: Case, reason: str) -> Case:
    case = _locked(case)
    case_dismiss_check(actor=actor, case=case)
    before = snapshot(case, case.audit_fields)
    case.state, case.reason, case.closed_at = CaseState.DISMISSED, _reason(reason), timezone.now()
    case.decided_by, case.decided_at = actor, timezone.now()
    _moved(case, actor, "accountability.case.dismiss", before)
    notify([_person_user(case)], "accountability.case_dismissed", params=_params(case), url=_url(case), obj=case)
    return case


def case_withdraw_check(*, actor, case: Case) -> None:
    """A case not yet decided is withdrawn (opened by mistake), with the reason; it stays, marked. A decided case
    has its measure: it is carried out and closed, never withdrawn."""
    _require_pursuer(actor, case)
    if case.state not in BEFORE_DECISION:
        raise Conflict(_("This case is %(state)s: only a case not yet decided is withdrawn.") % _state(case))


@transaction.atomic
def case_withdraw(*, actor, case: Case, reason: str) -> Case:
    case = _locked(case)
    case_withdraw_check(actor=actor, case=case)
    before = snapshot(case, case.audit_fields)
    case.state, case.reason, case.closed_at = CaseState.WITHDRAWN, _reason(reason), timezone.now()
    _moved(case, actor, "accountability.case.withdraw", before)
    notify([_person_user(case)], "accountability.case_withdrawn", params=_params(case), url=_url(case), obj=case)
    return case


def rectification_require_check(*, actor, case: Case) -> None:
    """A decided case requires rectifications, set by its deciding organization."""
    _require_pursuer(actor, case)
    if case.state not in (CaseState.DECIDED, CaseState.RECTIFYING):
        raise Conflict(_("A rectification is required once the case is decided."))


@transaction.atomic
def rectification_require(
    *, actor, case: Case, title: str, requirement: str, due_on: dt.date, evidence_expected: str = ""
) -> Rectification:
    """A rectification the case requires: a duty of the deciding organization issued to the organization concerned,
    its responsible person the person concerned; reported on, reviewed, lit and reminded as any assignment."""
    case = _locked(case)
    rectification_require_check(actor=actor, case=case)
    title, requirement = (title or "").strip(), (requirement or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be rectified.")})
    if not requirement:
        raise ValidationError({"requirement": _("Say what the rectification must achieve (its requirement).")})
    if due_on is None or due_on < timezone.localdate():
        raise ValidationError({"due_on": _("A rectification is due today or later.")})
    duty_list = duties.duty_list_for(actor=actor, organization=case.deciding, period=period_for(str(due_on.year)))
    duty = duties.duty_create(
        actor=actor,
        duty_list=duty_list,
        title=(_("Rectification: %(title)s") % {"title": title})[:200],
        dimension="discipline",
        due_on=due_on,
        requirement=requirement,
        evidence_expected=(evidence_expected or "").strip()[:300],
    )
    duties.duty_issue(actor=actor, duty=duty, targets=[case.organization])
    assignment = duty.assignments.get(organization=case.organization)
    if case.person_id and case.person.organization.is_within(case.organization):
        assignment = duties.assignment_update(actor=actor, assignment=assignment, responsible=case.person)
    rectification = Rectification.objects.create(case=case, assignment=assignment)
    before = snapshot(case, case.audit_fields)
    case.state = CaseState.RECTIFYING
    _moved(case, actor, "accountability.case.rectification", before)
    return rectification


def case_close_check(*, actor, case: Case) -> None:
    """A decided case is closed once its rectifications, if any, are all accepted."""
    _require_pursuer(actor, case)
    if case.state not in (CaseState.DECIDED, CaseState.RECTIFYING):
        raise Conflict(_("This case is %(state)s: a case is closed once decided.") % _state(case))
    if case.rectifications.exclude(assignment__state=AssignmentState.ACCEPTED).exists():
        raise Conflict(_("A rectification of this case is not accepted yet."))


@transaction.atomic
def case_close(*, actor, case: Case, note: str = "") -> Case:
    case = _locked(case)
    case_close_check(actor=actor, case=case)
    before = snapshot(case, case.audit_fields)
    case.state, case.closed_at = CaseState.CLOSED, timezone.now()
    if (note or "").strip():
        case.decision_note = f"{case.decision_note}\n{note.strip()}".strip()[:TEXT_MAX]
    return _moved(case, actor, "accountability.case.close", before)
