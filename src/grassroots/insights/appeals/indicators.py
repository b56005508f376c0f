"""The masses' requests as indicators a scope may choose in its indicator system (assessment/outside.py): the share
answered within ANSWER_DAYS days, and the requesters' satisfaction with the answers.

Both count the requests received in the run's period up to the day it counts to, in the organization's subtree (its
own public page's and those of the organizations under it), as the assessment's built-in ratios count their
records. A request counts for the first once it was answered by that day or its days to answer had passed by then:
one still within them, unanswered, is neither for nor against yet. Its first response (an answer, a duty, or a
closing with its reason) in time is one within ANSWER_DAYS days of its receipt, by that day."""

import datetime as dt

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.assessment import outside
from grassroots.assessment.rules import Rule
from grassroots.assessment.selectors import record_row
from grassroots.organizations.models import subtree_q

from ..models import ANSWER_DAYS, Appeal, AppealState

IN_TIME = "appeals_in_time"
SATISFACTION = "appeals_rating"
# A first response in time: within this many seconds of the request's receipt.
ANSWER_SECONDS = ANSWER_DAYS * 86400
# The top rating (Appeal.rating is 1 to 5): a mean of 5 is 100%.
TOP_RATING = 5


def _days(text):
    """A lazy text with the days to answer put in, in the reader's language."""
    return lazy(lambda: str(text) % {"days": ANSWER_DAYS}, str)()


IN_TIME_RULE = Rule(
    _days(
        gettext_lazy(
            "The requests the public put on the public pages of the organization and of those under it, received in "
            "the period by the day counted to: of those answered by that day or whose %(days)d days to answer had "
            "passed by then, the share whose first response (an answer, a duty, or a closing with its reason) came "
            "within %(days)d days of their receipt. A request still within its days to answer and unanswered counts "
            "neither for nor against."
        )
    ),
    gettext_lazy(
        "No request from the public was received in the period, or none was answered or due an answer by the day "
        "counted to."
    ),
)
SATISFACTION_RULE = Rule(
    gettext_lazy(
        "The requests received in the period by the day counted to whose requesters rated the response (1 to 5) by "
        "that day: the mean rating over 5 (all rated 5: full marks)."
    ),
    gettext_lazy("No response to a request received in the period was rated by the day counted to."),
)


def _window(start: dt.date, asof: dt.date) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The first moment of the period, the first moment after the as-of day, and the latest receipt whose days to
    answer had passed by the end of the as-of day."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(asof + dt.timedelta(days=1), dt.time.min))
    return first, after, after - dt.timedelta(seconds=ANSWER_SECONDS)


def _totals(ctx, where: str) -> outside.Statement:
    """The own totals of both metrics, one scan of the appeals of the scope received in the period by the as-of day
    (no correlated subquery: the appeals are a reference table on Citus, docs/citus.md)."""
    first, after, due_by = (connection.ops.adapt_datetimefield_value(at) for at in _window(ctx.start, ctx.asof))
    responded = "(a.first_response_at IS NOT NULL AND a.first_response_at < %s)"
    counted = f"({responded} OR a.created_at <= %s)"
    rated = "(a.rating IS NOT NULL AND a.rated_at IS NOT NULL AND a.rated_at < %s)"
    table = connection.ops.quote_name(Appeal._meta.db_table)
    return outside.Statement(
        [
            f"SUM(CASE WHEN {responded} AND a.response_seconds <= {ANSWER_SECONDS} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {rated} THEN a.rating * 1.0 / {TOP_RATING} ELSE 0 END)",
            f"SUM(CASE WHEN {rated} THEN 1 ELSE 0 END)",
        ],
        f"FROM {table} a WHERE {where} AND a.created_at >= %s AND a.created_at < %s GROUP BY a.organization_id",
        [after, after, due_by, after, after, first, after],
    )


def _records(run, organization, asof: dt.date):
    """The requests of the organization's subtree received in the run's period by `asof`, the earliest first."""
    first, after, _due_by = _window(run.period.start, asof)
    return (
        Appeal.objects.filter(
            subtree_q(organization.path, "organization__path"), created_at__gte=first, created_at__lt=after
        )
        .select_related("organization")
        .order_by("created_at", "id")
    )


def _counts(appeal: Appeal, asof: dt.date) -> tuple[bool, bool, bool]:
    """Whether a request received by `asof` was responded to by then, counts for the share in time, and was rated
    by then."""
    _first, after, due_by = _window(asof, asof)
    responded = appeal.first_response_at is not None and appeal.first_response_at < after
    counted = responded or appeal.created_at <= due_by
    rated = appeal.rating is not None and appeal.rated_at is not None and appeal.rated_at < after
    return responded, counted, rated


def _reference(ctx, organization) -> dict:
    """Both metrics of the organization's subtree from its requests, one by one in Python (nothing when it had
    none)."""
    appeals = list(_records(ctx.run, organization, ctx.asof))
    if not appeals:
        return {}
    in_time = counted = rated = 0
    stars = 0.0
    for appeal in appeals:
        responded, counts, was_rated = _counts(appeal, ctx.asof)
        counted += counts
        in_time += responded and appeal.response_seconds <= ANSWER_SECONDS
        if was_rated:
            rated += 1
            stars += appeal.rating / TOP_RATING
    return {IN_TIME: (in_time, counted), SATISFACTION: (stars, rated)}


def _hours(seconds: int) -> str:
    if seconds < 86400:
        return _("answered in %(n)d hours") % {"n": max(1, round(seconds / 3600))}
    return _("answered in %(n)d days") % {"n": -(-seconds // 86400)}


def _row(appeal: Appeal, asof: dt.date) -> dict:
    """A request in the explanation: answered in time, late, or not (yet) answered, and its rating."""
    responded, counted, rated = _counts(appeal, asof)
    if responded and appeal.response_seconds <= ANSWER_SECONDS:
        flag, label = "ok", _hours(appeal.response_seconds)
    elif responded:
        flag, label = "late", _hours(appeal.response_seconds)
    elif counted:
        flag, label = "late", _("no response within %(days)d days") % {"days": ANSWER_DAYS}
    else:
        flag, label = "open", _("waiting for a response, not due yet")
    details = [
        AppealState(appeal.state).label,
        _("received %(day)s") % {"day": date_format(timezone.localtime(appeal.created_at), "Y-m-d H:i")},
    ]
    if rated:
        details.append(_("rated %(n)d of %(top)d") % {"n": appeal.rating, "top": TOP_RATING})
    return record_row(
        "appeal",
        appeal.pk,
        f"{appeal.number} · {appeal.get_category_display()}",
        url=reverse("insights:appeal", args=[appeal.pk]),
        organization=appeal.organization,
        date=timezone.localdate(appeal.created_at),
        flag=flag,
        flag_label=label,
        details=details,
    )


SOURCE = outside.Source(
    fact=outside.Fact("appeals", gettext_lazy("the requests from the public")),
    metrics=(
        outside.Metric(
            IN_TIME,
            _days(gettext_lazy("Requests from the public answered within %(days)d days")),
            IN_TIME_RULE,
        ),
        outside.Metric(SATISFACTION, gettext_lazy("Satisfaction of the public with the responses"), SATISFACTION_RULE),
    ),
    organization="a.organization_id",
    totals=_totals,
    records=_records,
    row=_row,
    reference=_reference,
)


def register() -> None:
    outside.register(SOURCE)
