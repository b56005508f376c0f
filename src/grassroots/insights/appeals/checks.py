"""The diagnosis's checks of appeals (problem 1, weak guidance: the masses' appeals left slow, unanswered or
unsatisfied). Each looks at the organizations' own appeals received in the period, in one grouped query."""

from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..diagnosis.checks import Finding, Link, check
from .selectors import MIN_RATINGS, figures_by_organization


def _list_url(organization, **filters) -> str:
    return reverse("insights:appeals") + "?" + urlencode({"organization": organization.code, **filters})


def _figures(organizations, period):
    orgs = {o.pk: o for o in organizations}
    found = figures_by_organization(organizations=list(orgs), start=period.start, end=period.end)
    return [(orgs[pk], figures) for pk, figures in found.items() if pk in orgs]


@check(
    code="appeals.slow_answers",
    problem="guidance",
    label=gettext_lazy("Appeals of the masses answered slowly"),
    threshold=Decimal("7"),
)
def slow_answers(organizations, period, threshold):
    """The average time from an appeal to the organization's first response is above `threshold` days."""
    for org, figures in _figures(organizations, period):
        days = figures.response_days
        if days is None or Decimal(str(round(days, 1))) <= threshold:
            continue
        yield Finding(
            organization_id=org.pk,
            problem="guidance",
            code="appeals.slow_answers",
            text=_(
                "The masses' appeals waited %(days).1f days on average for a first response (%(n)d answered); the "
                "threshold is %(threshold)s days."
            )
            % {"days": days, "n": figures.responded, "threshold": threshold},
            measured=Decimal(str(round(days, 1))),
            threshold=threshold,
            evidence=[Link(_("The appeals"), _list_url(org))],
            actions=[Link(_("Answer the waiting appeals"), _list_url(org, state="new"))],
        )


@check(
    code="appeals.low_satisfaction",
    problem="guidance",
    label=gettext_lazy("The masses dissatisfied with the answers"),
    threshold=Decimal("3.5"),
)
def low_satisfaction(organizations, period, threshold):
    """The average rating of the answers is below `threshold` (out of 5), where at least MIN_RATINGS were given."""
    for org, figures in _figures(organizations, period):
        if figures.rated < MIN_RATINGS or figures.rating is None:
            continue
        rating = Decimal(str(round(figures.rating, 2)))
        if rating >= threshold:
            continue
        yield Finding(
            organization_id=org.pk,
            problem="guidance",
            code="appeals.low_satisfaction",
            text=_(
                "The masses rated the answers to their appeals %(rating).1f out of 5 on average (%(n)d ratings); the "
                "threshold is %(threshold)s."
            )
            % {"rating": figures.rating, "n": figures.rated, "threshold": threshold},
            measured=rating,
            threshold=threshold,
            evidence=[Link(_("The appeals"), _list_url(org))],
            actions=[Link(_("Review the answers rated low"), _list_url(org))],
        )


@check(
    code="appeals.unanswered",
    problem="guidance",
    label=gettext_lazy("Appeals of the masses left unanswered"),
    threshold=Decimal("0"),
)
def unanswered(organizations, period, threshold):
    """More than `threshold` appeals have had no response within the days to answer in."""
    for org, figures in _figures(organizations, period):
        if figures.overdue <= threshold:
            continue
        yield Finding(
            organization_id=org.pk,
            problem="guidance",
            code="appeals.unanswered",
            text=_("%(n)d of the %(total)d appeals of the masses had no response in time.")
            % {"n": figures.overdue, "total": figures.received},
            measured=Decimal(figures.overdue),
            threshold=threshold,
            evidence=[Link(_("The overdue appeals"), _list_url(org, overdue="1"))],
            actions=[Link(_("Answer the overdue appeals"), _list_url(org, overdue="1"))],
        )
