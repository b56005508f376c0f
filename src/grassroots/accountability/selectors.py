"""Reads of pursuit, cut down by the policy: the cases a user may read, a case's rectifications, the rules."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Q

from grassroots.core.models import AuditEntry
from grassroots.core.policy import Action, can, restrict, subject
from grassroots.organizations.models import Organization, ancestor_paths

from .models import (
    DEFAULT_THRESHOLDS,
    OPEN_CASE_STATES,
    THRESHOLD_UNITS,
    Case,
    CaseState,
    PursuitRule,
    Rectification,
    Trigger,
)
from .services.rules import rules_for


def case_list(*, user):
    """The cases the user may read: those concerning or decided in a subtree where they read cases (officers, the
    discipline inspector), and their own as the person concerned (a branch's members see no other)."""
    qs = Case.objects.select_related("organization", "deciding", "person", "period")
    mine = Q(pk__in=[])
    member = subject(user).member
    if member is not None:
        mine = Q(person_id=member.pk)
    return (restrict(user, Action.VIEW_CASES, qs) | qs.filter(mine)).distinct()


def may_read_case(user, case: Case) -> bool:
    member = subject(user).member
    return can(user, Action.VIEW_CASES, case) or (member is not None and member.pk == case.person_id)


def may_pursue(user, case: Case) -> bool:
    return can(user, Action.PURSUE, case.deciding)


def open_cases(*, user):
    return case_list(user=user).filter(
        state__in=[s for s in CaseState.values if s not in ("closed", "dismissed", "withdrawn")]
    )


def rectifications_of(case: Case):
    return Rectification.objects.filter(case=case).select_related("assignment__duty", "assignment__responsible")


def pursuit_rules(*, user, organization: Organization | None = None):
    """The rules set in the user's scope (and the defaults), with the rules in force for `organization`."""
    qs = PursuitRule.objects.select_related("organization")
    visible = restrict(user, Action.VIEW, Organization.objects.all())
    return qs.filter(Q(organization__isnull=True) | Q(organization__in=visible)), (
        rules_for(organization) if organization is not None else None
    )


def cases_to_export(*, user, cases):
    """Of the cases a user reads, those they may also export: Action.EXPORT on the organization concerned or the
    deciding one (officers, the discipline inspector; a secretary, only a case concerning them in their scope)."""
    return restrict(user, Action.EXPORT, cases)


def rectifications_of_cases(cases):
    """The rectifications these cases require (for the export of a scope)."""
    return Rectification.objects.filter(case__in=cases)


# --- the pages' reads (added with the pages) -------------------------------------------------------------------------


def cases_concerning(*, user):
    """The open cases whose person concerned is the user's member: the notice on their start page."""
    member = subject(user).member
    if member is None:
        return Case.objects.none()
    return (
        Case.objects.filter(person_id=member.pk, state__in=OPEN_CASE_STATES)
        .select_related("organization", "deciding")
        .order_by("-created_at", "-id")
    )


def is_person_concerned_anywhere(user) -> bool:
    """Whether the user is the person concerned of some case (they read their own cases, whatever their roles)."""
    member = subject(user).member
    return member is not None and Case.objects.filter(person_id=member.pk).exists()


def case_timeline(*, user, case: Case) -> list:
    """The steps of a case as its audit trail recorded them, oldest first: what was done, when, by whom (None: the
    rules of pursuit). Every reader of the case reads them, the person concerned included (who holds no right on the
    audit trail itself): the step, its time and its author, not the snapshots."""
    if not may_read_case(user, case):
        return []
    entries = list(
        AuditEntry.objects.filter(object_type=Case._meta.label_lower, object_id=str(case.pk))
        .only("seq", "at", "action", "actor_id", "actor_name")
        .order_by("seq")
    )
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in={e.actor_id for e in entries if e.actor_id})
        .select_related("member")
    }
    return [
        SimpleNamespace(
            at=e.at,
            action=e.action,
            label=e.label,
            actor=users[e.actor_id].display_name() if e.actor_id in users else (e.actor_name or None),
        )
        for e in entries
    ]


# The rules that fire without a threshold (a veto, a grade): their pages ask only whether they are on.
THRESHOLDED = tuple(t for t in DEFAULT_THRESHOLDS if t not in (Trigger.VETO, Trigger.POOR_GRADE, Trigger.FAIR_TWICE))


def rules_in_force(organization: Organization) -> list:
    """Per rule of pursuit, what is in force for the organization (as services.rules_for answers) and where it comes
    from: `rule` is the rule set nearest at or above it, else the default set for everything, else None (the
    built-in default); `here` says it is set on the organization itself (removable here)."""
    paths = ancestor_paths(organization.path)
    found: dict[str, PursuitRule] = {}
    for rule in PursuitRule.objects.filter(
        Q(organization__isnull=True) | Q(organization__path__in=paths)
    ).select_related("organization"):
        depth = len(rule.organization.path) if rule.organization_id else -1
        held = found.get(rule.trigger)
        if held is None or depth > (len(held.organization.path) if held.organization_id else -1):
            found[rule.trigger] = rule
    rows = []
    for trigger, default in DEFAULT_THRESHOLDS.items():
        rule = found.get(trigger)
        rows.append(
            SimpleNamespace(
                trigger=trigger,
                label=Trigger(trigger).label,
                unit=THRESHOLD_UNITS[trigger],
                has_threshold=trigger in THRESHOLDED,
                enabled=rule.enabled if rule else True,
                threshold=rule.threshold if rule else default,
                default_threshold=default,
                rule=rule,
                here=rule is not None and rule.organization_id == organization.pk,
            )
        )
    return rows
