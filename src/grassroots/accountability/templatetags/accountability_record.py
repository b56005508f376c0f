"""The record of commendations and measures on a member's and an organization's page (the organizations app shows
it without importing pursuit: its templates load this library, as they load organizational life's)."""

from django import template

from grassroots.core.policy import Action, can, subject

from .. import selectors

register = template.Library()
SHOWN = 20


@register.inclusion_tag("accountability/honours/_record.html", takes_context=True)
def member_record(context, member):
    """A member's commendations decided and the measures decided concerning them: the measures only to those who
    read cases there, and to the member themselves."""
    user = context["request"].user
    own = subject(user).member
    reads_cases = can(user, Action.VIEW_CASES, member.organization) or (own is not None and own.pk == member.pk)
    return {
        "commendations": list(selectors.commendations_of_member(user=user, member=member)[:SHOWN]),
        "measures": list(selectors.measures_of_member(user=user, member=member)[:SHOWN]) if reads_cases else None,
        "of_member": True,
    }


@register.inclusion_tag("accountability/honours/_record.html", takes_context=True)
def organization_record(context, organization):
    """An organization's own commendations decided and the measures decided concerning it: the measures only to
    those who read cases there."""
    user = context["request"].user
    reads_cases = can(user, Action.VIEW_CASES, organization)
    return {
        "commendations": list(selectors.commendations_of_organization(user=user, organization=organization)[:SHOWN]),
        "measures": list(selectors.measures_of_organization(user=user, organization=organization)[:SHOWN])
        if reads_cases
        else None,
        "of_member": False,
    }
