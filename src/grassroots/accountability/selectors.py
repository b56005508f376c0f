"""Reads of pursuit, cut down by the policy: the cases a user may read, a case's rectifications, the rules."""

from django.db.models import Q

from grassroots.core.policy import Action, can, restrict, subject
from grassroots.organizations.models import Organization

from .models import Case, CaseState, PursuitRule, Rectification
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
