"""Telling those who judge flags that new ones wait: one notification a reviewer, a reviewing organization and a
day, however many flags the day raises, saying how many and linking to the list of them."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import Notification
from grassroots.core.notify import notify
from grassroots.core.policy import Action
from grassroots.organizations.selectors import users_who_may

from ..models import Flag, FlagState

KIND = "insights.flags.raised"


def _key(flag: Flag) -> str:
    return f"formalism:{flag.reviewing_id}:{timezone.localdate(flag.created_at).isoformat()}"


def flags_url(reviewing) -> str:
    """The list of the open flags of the reviewing organization's subtree."""
    return f"{reverse('insights:flags')}?{urlencode({'organization': reviewing.code, 'state': FlagState.OPEN})}"


def tell_reviewers(flag: Flag) -> int:
    """Tell those who may judge the flag (the policy's answer for the reviewing organization: its managers and those
    above it, never the organization flagged) once a day; a later flag of the day updates the count and puts the
    notification back among the unread. Returns how many notifications were new."""
    reviewing = flag.reviewing
    day = timezone.localdate(flag.created_at)
    count = Flag.objects.filter(reviewing=reviewing, created_at__date=day).count()
    params = {"org": reviewing.display_name(), "count": count, "day": day.isoformat()}
    key = _key(flag)
    made = notify(
        users_who_may(action=Action.CHANGE, organization=reviewing),
        KIND,
        params=params,
        url=flags_url(reviewing),
        obj=reviewing,
        dedupe_key=key,
    )
    if count > 1:
        Notification.objects.filter(dedupe_key=key).update(params=params, read_at=None)
    return made
