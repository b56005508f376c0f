"""Template tags of organizational life: the member page sections."""

from django import template

register = template.Library()


@register.inclusion_tag("orglife/_member_sections.html", takes_context=True)
def member_life(context, member):
    """This year's meetings, study against the plan, points, appraisals, care and talks of one member.

    Care details and talk notes are shown only to those who may read the member's personal data.
    """
    from django.utils import timezone

    from grassroots.core.policy import Action, can

    from .. import selectors

    request = context["request"]
    user = request.user
    year = timezone.localdate().year
    life = selectors.member_life(member=member, year=year)
    required = selectors.member_study_required(member=member, year=year)
    hours = life["study_hours"]
    return {
        "member": member,
        "year": year,
        "life": life,
        "meetings": list(life["meetings"]),
        "care": list(life["care"]),
        "talks": list(life["talks"]),
        "appraisals": list(life["appraisals"]),
        "required": required,
        "study_percent": min(100, round(float(hours / required * 100))) if required else 100,
        "study_ok": hours >= required,
        "recent_points": selectors.member_points_recent(member=member, year=year),
        "restricted": can(user, Action.VIEW_PERSONAL, member),
        "can_change": can(user, Action.CHANGE, member),
        "request": request,
    }
