"""Template tags of organizational life: the member page sections."""

from django import template

register = template.Library()


@register.inclusion_tag("orglife/_member_sections.html", takes_context=True)
def member_life(context, member):
    from django.utils import timezone

    from grassroots.core.policy import Action, can

    from ..selectors import member_life as life

    user = context["request"].user
    year = timezone.localdate().year
    return {
        "member": member,
        "year": year,
        "life": life(member=member, year=year),
        "restricted": can(user, Action.VIEW_PERSONAL, member),
        "request": context["request"],
    }
