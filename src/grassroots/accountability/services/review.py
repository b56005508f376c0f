"""The report-on-duty review (述职评议) and its three lists: every write, each with its `_check`.

An organization opens the review of a period for the branches below it: each branch's secretary in post (and its
committee members, when the review asks it) owes a report on duty. The reporters submit their reports (answering
each problem the review before listed for the same branch and post), the raters grade them (the assessment's fuzzy
evaluation: votes per group and grade made memberships, the groups weighted, a group with fewer raters than its
fewest giving no opinion), the review closes with each report's result fixed, and the reviewing organization writes
the three lists: problems, responsibilities, rectifications (each an assignment of a duty it issues to the branch,
the reporter responsible for it). A result may be entered, by a small explicit action, as the value of an "entered"
indicator of the secretaries' assessment of the same period.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.assessment import methods
from grassroots.assessment import services as assessment
from grassroots.assessment.engine import GRADE_ORDER, GRADE_SCORES
from grassroots.assessment.models import DEFAULT_BANDS, AssessmentRun, Grade, Indicator
from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.notify import notify
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, PermissionDenied, can, require, subject
from grassroots.core.text import enumerate_items
from grassroots.core.uploads import check_upload
from grassroots.duties import services as duties
from grassroots.duties.models import Dimension
from grassroots.organizations.models import MemberStatus, Organization, OrgKind, Post, PostTitle

from ..models import (
    DutyReport,
    DutyReportFile,
    DutyReview,
    ListKind,
    ProblemAnswer,
    ReportState,
    ReviewListItem,
    ReviewRaterGroup,
    ReviewRaterKind,
    ReviewRating,
    ReviewState,
)
from ..signals import duty_report_submitted

# The organizations whose secretaries report on duty: the branches (general branches included) below the reviewing
# organization. With `include_committee`, their committee members report too.
REPORTING_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)
COMMITTEE_TITLES = (
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.COMMITTEE,
)
# The raters' groups, their weights and the fewest raters each needs for its opinion to count, unless the review
# says otherwise: the superior officers are few (one is enough), the members and peers give an opinion from three.
DEFAULT_WEIGHTS = {ReviewRaterKind.SUPERIOR: 0.4, ReviewRaterKind.MEMBERS: 0.3, ReviewRaterKind.PEERS: 0.3}
DEFAULT_FEWEST = {ReviewRaterKind.SUPERIOR: 1, ReviewRaterKind.MEMBERS: 3, ReviewRaterKind.PEERS: 3}
# Who a rater is, when they could be more than one: an officer rates as superior, a reporter as a peer.
RATER_PRECEDENCE = (ReviewRaterKind.SUPERIOR, ReviewRaterKind.PEERS, ReviewRaterKind.MEMBERS)
TEXT_MAX, ANSWER_MAX, ITEM_MAX = 20000, 5000, 300


def register_review_labels() -> None:
    """The audit actions and notification kinds of the review (called by the app's ready)."""
    from django.utils.translation import gettext_lazy

    from grassroots.core.labels import register_actions, register_kinds
    from grassroots.core.policy import ModelScope, register_scope

    register_scope(DutyReview, ModelScope(paths=("organization__path",)))
    register_scope(DutyReport, ModelScope(paths=("organization__path", "review__organization__path")))
    register_scope(
        ReviewListItem, ModelScope(paths=("report__organization__path", "report__review__organization__path"))
    )
    register_actions(
        {
            "accountability.review.open": gettext_lazy("Review of reports on duty opened"),
            "accountability.review.refresh": gettext_lazy("Reports on duty added to a review"),
            "accountability.review.rating": gettext_lazy("Rating of the reports on duty started"),
            "accountability.review.close": gettext_lazy("Review of reports on duty closed"),
            "accountability.review.report": gettext_lazy("Report on duty submitted"),
            "accountability.review.rate": gettext_lazy("Report on duty rated"),
            "accountability.review.item": gettext_lazy("Item written in the three lists"),
            "accountability.review.item_remove": gettext_lazy("Item removed from the three lists"),
            "accountability.review.feed": gettext_lazy("Result of a report on duty entered in an assessment"),
        }
    )
    register_kinds(
        {
            "accountability.review_opened": gettext_lazy(
                "%(org)s reviews the reports on duty of %(period)s: submit your report"
            ),
            "accountability.review_closed": gettext_lazy(
                "The review of the reports on duty of %(period)s by %(org)s is closed: your result and lists"
            ),
        }
    )


# ---------------------------------------------------------------- reads the services need (the selectors use them)


def expected_reporters(review_organization: Organization, include_committee: bool, on: dt.date | None = None):
    """(organization, member, title) of each post whose holder owes a report: the secretaries in post of the active
    branches below the organization (and their committee members when asked), members still active."""
    on = on or timezone.localdate()
    titles = [PostTitle.SECRETARY, *(COMMITTEE_TITLES if include_committee else ())]
    posts = (
        Post.objects.filter(
            review_organization.subtree_q("organization__path"),
            organization__kind__in=REPORTING_KINDS,
            organization__is_active=True,
            title__in=titles,
            started_on__lte=on,
            member__status=MemberStatus.ACTIVE,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .exclude(organization=review_organization)
        .select_related("organization", "member")
        .order_by("organization__path", "title", "-started_on", "id")
    )
    seen, out = set(), []
    for post in posts:
        key = (post.organization_id, post.member_id)
        if key in seen:
            continue
        seen.add(key)
        out.append((post.organization, post.member, post.title))
    return out


def previous_report(report: DutyReport) -> DutyReport | None:
    """The report before this one: of the last review closed before it by the same reviewing organization, for the
    same branch and post (whoever held it then: a new secretary answers the branch's problems)."""
    review = report.review
    return (
        DutyReport.objects.filter(
            review__organization_id=review.organization_id,
            review__state=ReviewState.CLOSED,
            review__period__start__lt=review.period.start,
            organization_id=report.organization_id,
            post_title=report.post_title,
        )
        .select_related("review__period")
        .order_by("-review__period__start", "-review_id")
        .first()
    )


def problems_to_answer(report: DutyReport) -> list[ReviewListItem]:
    """Last period's problems, each of which this report must answer."""
    before = previous_report(report)
    if before is None:
        return []
    return list(before.list_items.filter(kind=ListKind.PROBLEM).order_by("id"))


def rater_kind(user, report: DutyReport) -> str | None:
    """The group the user rates the report in, or None: the officers who pursue in the reviewing organization rate
    as superiors; the other reporters of the review as peers; the active members of the reporter's branch as its
    members' representatives. Nobody rates their own report; a group the review does not ask rates nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    member = subject(user).member
    if member is not None and member.pk == report.member_id:
        return None
    review = report.review
    asked = set(review.groups.values_list("kind", flat=True))
    for kind in RATER_PRECEDENCE:
        if kind not in asked:
            continue
        if kind == ReviewRaterKind.SUPERIOR and can(user, Action.PURSUE, review.organization):
            return kind
        if member is None:
            continue
        if kind == ReviewRaterKind.PEERS and review.reports.filter(member_id=member.pk).exists():
            return kind
        if kind == ReviewRaterKind.MEMBERS and member.organization.is_within(report.organization):
            return kind
    return None


@dataclass(frozen=True)
class ReviewResult:
    """A report's result: the score of the fuzzy evaluation (None: no group gave an opinion), its grade, and per
    group its weight, fewest raters, raters, votes by grade and whether it counted."""

    score: float | None
    grade: str
    votes: list

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade else ""


def grade_of(score: float) -> str:
    """The grade of a score by the assessment's default bands (90 excellent, 80 good, 70 fair, else poor)."""
    for band in sorted(DEFAULT_BANDS, key=lambda b: -float(b["min"])):
        if score >= float(band["min"]):
            return band["grade"]
    return Grade.POOR


def report_result(report: DutyReport) -> ReviewResult:
    """The ratings of a report evaluated as the assessment evaluates a rated indicator: the votes of each group by
    grade made a membership row (methods.membership_from_counts), a group with fewer raters than its fewest left out
    and its weight shared by the others, the rows weighted (methods.fuzzy_evaluate) and scored on the grades' scores
    (100, 85, 75, 60: methods.fuzzy_score)."""
    groups = list(ReviewRaterGroup.objects.filter(review_id=report.review_id).order_by("id"))
    index = {g.pk: i for i, g in enumerate(groups)}
    counts = np.zeros((len(groups), len(GRADE_ORDER)))
    rows = ReviewRating.objects.filter(report=report).values_list("group_id", "grade").annotate(n=Count("id"))
    for group_id, grade, n in rows:
        counts[index[group_id], GRADE_ORDER.index(grade)] += n
    raters = counts.sum(axis=1)
    fewest = np.array([g.min_raters for g in groups], dtype=float)
    counted = raters >= fewest
    votes = [
        {
            "kind": g.kind,
            "weight": float(g.weight),
            "fewest": g.min_raters,
            "raters": int(raters[k]),
            "grades": {str(grade): int(counts[k, j]) for j, grade in enumerate(GRADE_ORDER)},
            "counted": bool(counted[k] and raters[k] > 0),
        }
        for k, g in enumerate(groups)
    ]
    present = counted & (raters > 0)
    if not groups or not present.any():
        return ReviewResult(None, "", votes)
    weights = np.array([float(g.weight) for g in groups]) * present
    vector = methods.fuzzy_evaluate(weights / weights.sum(), methods.membership_from_counts(counts * present[:, None]))
    score = round(float(methods.fuzzy_score(vector, GRADE_SCORES)), 2)
    return ReviewResult(score, grade_of(score), votes)


# ---------------------------------------------------------------- the review: opened, refreshed, rated, closed


def _locked(review: DutyReview) -> DutyReview:
    return DutyReview.objects.select_for_update(of=("self",)).select_related("organization", "period").get(pk=review.pk)


def _params(review: DutyReview) -> dict:
    return {"org": review.organization.name, "period": review.period.code}


def _groups(weights, fewest) -> list[tuple[str, Decimal, int]]:
    """The raters' groups asked, as (kind, weight, fewest): weights that are numbers, not negative, adding up to 1
    (a group weighing nothing is not asked), fewest raters from 1 to 1000."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    fewest = {**DEFAULT_FEWEST, **(fewest or {})}
    if any(k not in ReviewRaterKind.values for k in [*weights, *fewest]):
        raise ValidationError({"weights": _("Unknown group of raters.")})
    try:
        values = {str(k): Decimal(str(v)) for k, v in weights.items()}
        if not all(v.is_finite() for v in values.values()):
            raise ArithmeticError
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({"weights": _("Rater weights must be numbers.")})
    if any(v < 0 for v in values.values()):
        raise ValidationError({"weights": _("Weights cannot be negative.")})
    values = {k: v.quantize(Decimal("0.0001")) for k, v in values.items() if v > 0}
    if not values or abs(sum(values.values()) - 1) > Decimal("0.001"):
        raise ValidationError({"weights": _("The rater groups' weights must add up to 1.")})
    out = []
    for kind in ReviewRaterKind.values:
        if kind not in values:
            continue
        try:
            least = int(str(fewest[kind]))
        except (TypeError, ValueError):
            raise ValidationError({"fewest": _("The fewest raters must be a whole number.")})
        if not 1 <= least <= 1000:
            raise ValidationError({"fewest": _("The fewest raters of a group must be from 1 to 1000.")})
        out.append((kind, values[kind], least))
    return out


def review_open_check(*, actor, organization: Organization) -> None:
    """The officers who pursue in an organization open the review of the reports on duty of the branches below."""
    require(
        actor,
        Action.PURSUE,
        organization,
        _("Only the officers who pursue in %(org)s open its review of reports on duty.")
        % {"org": organization.display_name()},
    )


def _expect(review: DutyReview, expected=None) -> list[int]:
    """Make the reports the review expects and does not have yet; returns their ids."""
    if expected is None:
        expected = expected_reporters(review.organization, review.include_committee)
    have = set(review.reports.values_list("organization_id", "member_id"))
    before = set(review.reports.values_list("pk", flat=True))
    DutyReport.objects.bulk_create(
        [
            DutyReport(review=review, organization=org, member=member, post_title=title)
            for org, member, title in expected
            if (org.pk, member.pk) not in have
        ]
    )
    return list(review.reports.exclude(pk__in=before).values_list("pk", flat=True))


def _tell_reporters(review: DutyReview, reports) -> None:
    for report in reports:
        user = report.member.user
        if user is not None and user.is_active:
            notify(
                [user],
                "accountability.review_opened",
                params=_params(review),
                url=reverse("accountability:review_report", args=[report.pk]),
                obj=review,
                dedupe_key=f"review_opened:{review.pk}:{report.member_id}",
            )


@transaction.atomic
def review_open(
    *, actor, organization: Organization, period, include_committee: bool = False, weights=None, fewest=None
) -> DutyReview:
    """Open the review of a period: the reports expected (one per secretary in post of each branch below, and per
    committee member if asked), the raters' groups with their weights and fewest raters; the reporters are told."""
    review_open_check(actor=actor, organization=organization)
    if period is None:
        raise ValidationError({"period": _("Say which period the reports on duty cover.")})
    if DutyReview.objects.filter(organization=organization, period=period).exists():
        raise ValidationError(
            {
                "period": _("%(org)s already reviews the reports on duty of %(period)s.")
                % {"org": organization.display_name(), "period": period.code}
            }
        )
    groups = _groups(weights, fewest)
    expected = expected_reporters(organization, include_committee)
    if not expected:
        raise ValidationError(
            _("No branch below %(org)s has a secretary in post: there is no report on duty to expect.")
            % {"org": organization.display_name()}
        )
    try:
        with transaction.atomic():
            review = DutyReview.objects.create(
                organization=organization, period=period, include_committee=bool(include_committee), opened_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            {
                "period": _("%(org)s already reviews the reports on duty of %(period)s.")
                % {"org": organization.display_name(), "period": period.code}
            }
        )
    ReviewRaterGroup.objects.bulk_create(
        [ReviewRaterGroup(review=review, kind=k, weight=w, min_raters=n) for k, w, n in groups]
    )
    made = _expect(review, expected)
    audit(
        "accountability.review.open",
        actor=actor,
        obj=review,
        after={
            **snapshot(review, review.audit_fields),
            "reports": len(made),
            "groups": {k: {"weight": w, "fewest": n} for k, w, n in groups},
        },
    )
    _tell_reporters(review, DutyReport.objects.filter(review=review).select_related("member__user"))
    return review


def _require_pursuer(actor, review: DutyReview) -> None:
    require(
        actor,
        Action.PURSUE,
        review.organization,
        _("Only the officers who pursue in %(org)s conduct its review of reports on duty.")
        % {"org": review.organization.display_name()},
    )


def _state(review: DutyReview) -> dict:
    return {"state": review.get_state_display()}


def review_refresh_check(*, actor, review: DutyReview) -> None:
    """While the review takes reports, the reports of those who took a post since it opened are added."""
    _require_pursuer(actor, review)
    if review.state != ReviewState.OPEN:
        raise Conflict(_("This review is %(state)s: reports are added while it takes them.") % _state(review))


@transaction.atomic
def review_refresh(*, actor, review: DutyReview) -> int:
    """Add the reports now expected that the review lacks (a secretary appointed since it opened); returns how many."""
    review = _locked(review)
    review_refresh_check(actor=actor, review=review)
    made = _expect(review)
    if made:
        audit("accountability.review.refresh", actor=actor, obj=review, after={"reports": len(made)})
        _tell_reporters(review, DutyReport.objects.filter(pk__in=made).select_related("member__user"))
    return len(made)


def review_start_rating_check(*, actor, review: DutyReview) -> None:
    """The review stops taking reports and its raters rate those submitted; one report at least is needed."""
    _require_pursuer(actor, review)
    if review.state != ReviewState.OPEN:
        raise Conflict(_("This review is %(state)s: rating starts once, after the reports.") % _state(review))
    if not review.reports.filter(state=ReportState.SUBMITTED).exists():
        raise Conflict(_("No report on duty is submitted yet: there is nothing to rate."))


@transaction.atomic
def review_start_rating(*, actor, review: DutyReview) -> DutyReview:
    review = _locked(review)
    review_start_rating_check(actor=actor, review=review)
    before = snapshot(review, review.audit_fields)
    review.state, review.rating_at = ReviewState.RATING, timezone.now()
    review.save(update_fields=["state", "rating_at", "updated_at"])
    audit("accountability.review.rating", actor=actor, obj=review, before=before, after=snapshot(review, ("state",)))
    return review


def review_close_check(*, actor, review: DutyReview) -> None:
    """The rating ends: each report's result is fixed, and the three lists can be written."""
    _require_pursuer(actor, review)
    if review.state != ReviewState.RATING:
        raise Conflict(_("This review is %(state)s: a review is closed once its reports are rated.") % _state(review))


def _decimal(score: float) -> Decimal:
    return Decimal(str(score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def review_close(*, actor, review: DutyReview) -> DutyReview:
    """Close the rating: each submitted report's score, grade and votes per group are fixed; the reporters are told."""
    review = _locked(review)
    review_close_check(actor=actor, review=review)
    before = snapshot(review, review.audit_fields)
    results = {}
    reports = list(review.reports.filter(state=ReportState.SUBMITTED).select_related("member__user"))
    for report in reports:
        result = report_result(report)
        report.score = _decimal(result.score) if result.score is not None else None
        report.grade, report.votes = result.grade, result.votes
        results[report.pk] = {"score": report.score, "grade": report.grade}
    DutyReport.objects.bulk_update(reports, ["score", "grade", "votes"])
    review.state, review.closed_at = ReviewState.CLOSED, timezone.now()
    review.save(update_fields=["state", "closed_at", "updated_at"])
    audit(
        "accountability.review.close",
        actor=actor,
        obj=review,
        before=before,
        after={"state": review.state, "results": results},
    )
    for report in reports:
        user = report.member.user
        if user is not None and user.is_active:
            notify(
                [user],
                "accountability.review_closed",
                params=_params(review),
                url=reverse("accountability:review_report", args=[report.pk]),
                obj=report,
            )
    return review


# ---------------------------------------------------------------- the report on duty


def _locked_report(report: DutyReport) -> DutyReport:
    return (
        DutyReport.objects.select_for_update(of=("self",))
        .select_related("review__organization", "review__period", "organization", "member__user")
        .get(pk=report.pk)
    )


def report_submit_check(*, actor, report: DutyReport) -> None:
    """The reporter, and nobody else, submits their report while the review takes reports (a new one replaces it)."""
    member = subject(actor).member
    if member is None or member.pk != report.member_id:
        raise PermissionDenied(_("Only the one who reports on duty submits their report."))
    if report.review.state != ReviewState.OPEN:
        raise Conflict(
            _("This review is %(state)s: reports on duty are submitted while it takes them.") % _state(report.review)
        )


def _answers(report: DutyReport, answers) -> dict:
    """{problem: text} for last period's problems; every one answered, else a refusal naming those that are not."""
    problems = problems_to_answer(report)
    by_id = {p.pk: p for p in problems}
    if answers is not None and not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers as a mapping of each problem to its answer.")})
    given = {}
    for key, text in (answers or {}).items():
        try:
            pk = int(str(key))
        except ValueError:
            pk = None
        if pk not in by_id:
            raise ValidationError({"answers": _("This report answers only last period's problems listed for it.")})
        given[pk] = str(text or "").strip()
    unanswered = [p.text for p in problems if not given.get(p.pk)]
    if unanswered:
        raise ValidationError(
            {
                "answers": _("Answer each of last period's problems before submitting; not answered: %(problems)s")
                % {"problems": enumerate_items(f"“{t}”" for t in unanswered)}
            }
        )
    if any(len(t) > ANSWER_MAX for t in given.values()):
        raise ValidationError({"answers": _("An answer is at most 5,000 characters.")})
    return {by_id[pk]: text for pk, text in given.items()}


@transaction.atomic
def report_submit(*, actor, report: DutyReport, text: str, answers=None, attachment=None) -> DutyReport:
    """Submit (or submit again, while the review takes reports) a report on duty: its text, an answer to each of last
    period's problems, and an optional attachment (checked by content, replacing the one before)."""
    report = _locked_report(report)
    report_submit_check(actor=actor, report=report)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the report on duty.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("A report on duty is at most 20,000 characters.")})
    answered = _answers(report, answers)
    checked = check_upload(attachment) if attachment is not None else None
    before = snapshot(report, report.audit_fields)
    for problem, answer in answered.items():
        ProblemAnswer.objects.update_or_create(report=report, problem=problem, defaults={"text": answer})
    if checked is not None:
        DutyReportFile.objects.filter(report=report).delete()
        DutyReportFile(report=report).attach(checked).save()
    report.text, report.state, report.submitted_at = text, ReportState.SUBMITTED, timezone.now()
    report.save(update_fields=["text", "state", "submitted_at", "updated_at"])
    audit(
        "accountability.review.report",
        actor=actor,
        obj=report,
        before=before,
        after={
            **snapshot(report, report.audit_fields),
            "answers": len(answered),
            "attachment": checked.name if checked is not None else None,
        },
    )
    duty_report_submitted.send(sender=DutyReport, report=report)
    return report


# ---------------------------------------------------------------- rating


def rating_give_check(*, actor, report: DutyReport) -> None:
    """A rater grades a submitted report once, while the review is rating; nobody rates their own report."""
    if report.review.state != ReviewState.RATING:
        raise Conflict(_("This review is %(state)s: reports are rated while it is rating.") % _state(report.review))
    if report.state != ReportState.SUBMITTED:
        raise Conflict(_("This report on duty was not submitted: there is nothing to rate."))
    member = subject(actor).member
    if member is not None and member.pk == report.member_id:
        raise PermissionDenied(_("Nobody rates their own report on duty."))
    if rater_kind(actor, report) is None:
        raise PermissionDenied(
            _(
                "You are not among the raters of this report: the officers of the reviewing organization, the members "
                "of its branch and the other secretaries reporting in the review rate it."
            )
        )
    if ReviewRating.objects.filter(report=report, rater=actor).exists():
        raise Conflict(_("You have already rated this report."))


@transaction.atomic
def rating_give(*, actor, report: DutyReport, grade: str) -> ReviewRating:
    """Rate a report by one of the four grades, in the rater's group (as the audit trail records it, not the grade)."""
    report = _locked_report(report)
    rating_give_check(actor=actor, report=report)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Choose one of the four grades.")})
    kind = rater_kind(actor, report)
    group = ReviewRaterGroup.objects.get(review_id=report.review_id, kind=kind)
    try:
        with transaction.atomic():
            rating = ReviewRating.objects.create(report=report, group=group, rater=actor, grade=grade)
    except IntegrityError:
        raise Conflict(_("You have already rated this report."))
    audit("accountability.review.rate", actor=actor, obj=report, after={"group": kind})
    return rating


# ---------------------------------------------------------------- the three lists


def list_item_add_check(*, actor, report: DutyReport) -> None:
    """The reviewing organization writes the three lists of a reporter once the rating is over."""
    _require_pursuer(actor, report.review)
    if report.review.state != ReviewState.CLOSED:
        raise Conflict(_("The three lists are written once the rating is over (the review closed)."))


def _rectification(*, actor, report: DutyReport, text: str, due_on, evidence_expected: str):
    """The assignment of a rectification item: a duty of the reviewing organization issued to the reporter's branch,
    the reporter its responsible person; reported on, reviewed, lit and reminded as any assignment."""
    if due_on is None or not isinstance(due_on, dt.date):
        raise ValidationError({"due_on": _("Say by when the rectification is due.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("A rectification is due today or later.")})
    review = report.review
    duty_list = duties.duty_list_for(actor=actor, organization=review.organization, period=period_for(str(due_on.year)))
    duty = duties.duty_create(
        actor=actor,
        duty_list=duty_list,
        title=(_("Rectification: %(title)s") % {"title": text})[:200],
        dimension=Dimension.DISCIPLINE,
        due_on=due_on,
        requirement=_("From the review of the reports on duty of %(period)s by %(org)s: %(text)s")
        % {"period": review.period.code, "org": review.organization.name, "text": text},
        evidence_expected=(evidence_expected or "").strip()[:300],
    )
    duties.duty_issue(actor=actor, duty=duty, targets=[report.organization])
    assignment = duty.assignments.get(organization=report.organization)
    if assignment.responsible_id != report.member_id and report.member.organization.is_within(report.organization):
        assignment = duties.assignment_update(actor=actor, assignment=assignment, responsible=report.member)
    return assignment


@transaction.atomic
def list_item_add(
    *, actor, report: DutyReport, kind: str, text: str, due_on=None, evidence_expected: str = ""
) -> ReviewListItem:
    """Write an item in one of a reporter's three lists (a short text); a rectification item is also an assignment
    of the reporter's branch, with its due day and the evidence expected."""
    report = _locked_report(report)
    list_item_add_check(actor=actor, report=report)
    if kind not in ListKind.values:
        raise ValidationError({"kind": _("Choose the list: problems, responsibilities or rectifications.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the item.")})
    if len(text) > ITEM_MAX:
        raise ValidationError({"text": _("An item is a short text: at most 300 characters.")})
    assignment = None
    if kind == ListKind.RECTIFICATION:
        assignment = _rectification(
            actor=actor, report=report, text=text, due_on=due_on, evidence_expected=evidence_expected
        )
    item = ReviewListItem.objects.create(report=report, kind=kind, text=text, assignment=assignment, created_by=actor)
    audit("accountability.review.item", actor=actor, obj=item, after=snapshot(item, item.audit_fields))
    return item


def list_item_remove_check(*, actor, item: ReviewListItem) -> None:
    """A problem or responsibility written by mistake is removed while no report has answered it; a rectification
    stays (it is an assignment under way)."""
    _require_pursuer(actor, item.report.review)
    if item.kind == ListKind.RECTIFICATION:
        raise Conflict(_("A rectification stays in its list: it is an assignment under way."))
    if item.answers.exists():
        raise Conflict(_("A report has answered this problem: it stays in its list."))


@transaction.atomic
def list_item_remove(*, actor, item: ReviewListItem) -> None:
    item = ReviewListItem.objects.select_for_update(of=("self",)).select_related("report__review").get(pk=item.pk)
    list_item_remove_check(actor=actor, item=item)
    audit("accountability.review.item_remove", actor=actor, obj=item, before=snapshot(item, item.audit_fields))
    item.delete()


# ---------------------------------------------------------------- the result as an input of the secretaries' assessment


def review_result_feed_check(*, actor, report: DutyReport) -> None:
    """An officer of the reviewing organization enters a secretary's result, once the review is closed."""
    _require_pursuer(actor, report.review)
    if report.review.state != ReviewState.CLOSED:
        raise Conflict(_("A result is entered in an assessment once the review is closed."))
    if report.score is None:
        raise Conflict(_("This report has no result: it was not rated, or too few raters rated it."))
    if report.post_title != PostTitle.SECRETARY:
        raise ValidationError(_("Only a secretary's result is an input of the secretaries' assessment."))


@transaction.atomic
def review_result_feed(*, actor, report: DutyReport, run: AssessmentRun, indicator: Indicator):
    """Enter the report's score as the value of an "entered" indicator of an assessment of the secretaries (its
    system assesses secretaries) of the same period: assessment.services.entered_value_set, which checks that the
    officer runs that assessment, that it is not closed, that it assesses the branch and that the indicator is
    entered by hand. The value replaces one entered before; the step is audited here too."""
    report = _locked_report(report)
    review_result_feed_check(actor=actor, report=report)
    run = AssessmentRun.objects.select_related("system", "period", "scope").get(pk=run.pk)
    if not run.system.assesses_secretaries:
        raise ValidationError({"run": _("This assessment does not assess the secretaries.")})
    if run.period_id != report.review.period_id:
        raise ValidationError(
            {
                "run": _("The assessment is of %(run)s and the review of %(review)s: choose one of the same period.")
                % {"run": run.period.code, "review": report.review.period.code}
            }
        )
    note = _("Review of the reports on duty of %(period)s by %(org)s: %(score)s, %(grade)s") % {
        "period": report.review.period.code,
        "org": report.review.organization.name,
        "score": report.score,
        "grade": Grade(report.grade).label if report.grade else "-",
    }
    value = assessment.entered_value_set(
        actor=actor,
        run=run,
        organization=report.organization,
        indicator=indicator,
        value=report.score,
        note=note[:300],
    )
    report.fed_value = value
    report.save(update_fields=["fed_value", "updated_at"])
    audit(
        "accountability.review.feed",
        actor=actor,
        obj=report,
        after={"run": run.pk, "indicator": indicator.code, "value": report.score},
    )
    return value
