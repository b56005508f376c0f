"""Who receives, manages and reports on an assignment: secretaries, managers, and the reporting rule."""

from grassroots.core.policy import Action, can
from grassroots.organizations.models import Grant, Member, Post

from ..models import (
    Assignment,
)


def secretaries_of(org_ids) -> dict[int, Member]:
    """The current secretary of each organization, in one query."""
    posts = (
        Post.objects.filter(organization_id__in=list(org_ids), title="secretary", ended_on__isnull=True)
        .select_related("member")
        .order_by("organization_id", "-started_on")
    )
    out = {}
    for post in posts:
        out.setdefault(post.organization_id, post.member)
    return out


def managers_of(org_ids) -> list:
    """Users holding a secretary or officer role exactly on these organizations."""
    from django.contrib.auth import get_user_model

    user_ids = Grant.objects.filter(organization_id__in=list(org_ids), role__in=["secretary", "officer"]).values(
        "user_id"
    )
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))


def may_report(actor, assignment: Assignment) -> bool:
    """The receiving organization's managers and the assignment's responsible person report on it."""
    if can(actor, Action.CHANGE, assignment.organization):
        return True
    responsible = assignment.responsible
    return (
        responsible is not None
        and responsible.user_id is not None
        and responsible.user_id == getattr(actor, "pk", None)
    )
