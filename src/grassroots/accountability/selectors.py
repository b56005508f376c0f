"""Reads of pursuit, cut down by the policy: the cases a user may read, a case's rectifications, the rules."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Q

from grassroots.core.models import AuditEntry
from grassroots.core.policy import Action, can, restrict, subject
from grassroots.duties import selectors as duty_selectors
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
from .services.rules import RuleBook, rules_for


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
    rules of pursuit). A list of the case's audit entries is the audit trail, which only its auditors read (an
    auditor whose scope covers the case); every other reader of the case reads its last step (`case_last_step`)."""
    if not may_read_case(user, case) or not can(user, Action.VIEW_AUDIT, case):
        return []
    return _steps(_case_entries(case).order_by("seq"))


def case_last_step(*, user, case: Case):
    """What last happened to the case, when and by whom: part of the case for every reader of it (the person
    concerned included), as a "last changed" line, not the trail."""
    if not may_read_case(user, case):
        return None
    steps = _steps(_case_entries(case).order_by("-seq")[:1])
    return steps[0] if steps else None


def _case_entries(case: Case):
    return AuditEntry.objects.filter(object_type=Case._meta.label_lower, object_id=str(case.pk)).only(
        "seq", "at", "action", "actor_id", "actor_name"
    )


def _steps(entries) -> list:
    entries = list(entries)
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
    book = RuleBook(organization)
    rows = []
    for trigger, default in DEFAULT_THRESHOLDS.items():
        rule = book.found(trigger, organization.path)
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


# --- Commendations and the red/yellow board ----------------------------------------------------------------------

from django.utils.translation import get_language  # noqa: E402

from grassroots.assessment.models import AssessmentRun  # noqa: E402
from grassroots.assessment.selectors import run_list as assessment_run_list  # noqa: E402
from grassroots.core.text import bracketed, enumerate_items  # noqa: E402
from grassroots.core.tree import subtree_q  # noqa: E402

from .models import (  # noqa: E402
    Board,
    BoardColor,
    BoardState,
    Commendation,
    CommendationFile,
    CommendationState,
)


def commendation_list(*, user):
    """The commendations the user may read: the decided ones where they view the organization commended or the
    commending one (the member commended and the members of their organization among them); the proposed and
    withdrawn ones where they read cases (officers, the discipline inspector)."""

    qs = Commendation.objects.select_related(
        "organization", "member", "commending", "period", "run__system", "run__period", "appraisal__organization"
    )
    decided = restrict(user, Action.VIEW, qs.filter(state=CommendationState.DECIDED))
    return (decided | restrict(user, Action.VIEW_CASES, qs)).distinct()


def may_commend(user, commendation) -> bool:
    return can(user, Action.PURSUE, commendation.commending)


def commending_organizations(*, user):
    """The organizations where the user commends (pursues): the commending organizations they may choose."""
    return restrict(user, Action.PURSUE, Organization.objects.filter(is_active=True))


def commendations_of_member(*, user, member):
    """A member's commendations decided, as the user may read them, the latest first (the member's page)."""

    return (
        commendation_list(user=user)
        .filter(member=member, state=CommendationState.DECIDED)
        .order_by("-decided_on", "-id")
    )


def commendations_of_organization(*, user, organization):
    """An organization's own commendations decided (not its members'), the latest first (its page)."""

    return (
        commendation_list(user=user)
        .filter(organization=organization, member__isnull=True, state=CommendationState.DECIDED)
        .order_by("-decided_on", "-id")
    )


# The states of a case whose measure stands.
MEASURED = (CaseState.DECIDED, CaseState.RECTIFYING, CaseState.CLOSED)


def measures_of_member(*, user, member):
    """The cases decided concerning a member (a measure taken), those the user may read, the latest first."""
    return (
        case_list(user=user)
        .filter(person=member, state__in=MEASURED)
        .exclude(measure="")
        .order_by("-decided_at", "-id")
    )


def measures_of_organization(*, user, organization):
    """The cases decided concerning an organization (a measure taken), those the user may read, the latest first."""
    return (
        case_list(user=user)
        .filter(organization=organization, state__in=MEASURED)
        .exclude(measure="")
        .order_by("-decided_at", "-id")
    )


def board_list(*, user):
    """The boards the user may read: those of a run whose scope lies above, at or below a place where they view
    (a branch's members read the board of the county their branch belongs to)."""

    boards = Board.objects.select_related("run__system", "run__period", "run__scope", "published_by")
    subj = subject(user)
    if subj.is_superuser:
        return boards
    places = list(subj.paths_for(Action.VIEW))
    if subj.member is not None:
        places.append(subj.member.organization.path)
    q = Q(pk__in=[])
    for path in places:
        q |= Q(run__scope__path__in=ancestor_paths(path)) | subtree_q(path, "run__scope__path")
    return boards.filter(q)


def board_entries(board):
    """A board's entries, red then yellow, each in the order of the ranks; on each yellow entry not vetoed,
    `losses_text`: the indicators that cost it most, with their points, in the reader's language."""
    entries = list(board.entries.select_related("organization").order_by("rank", "organization__path"))
    english = (get_language() or "").startswith("en")
    for e in entries:
        e.losses_text = enumerate_items(
            bracketed((loss.get("name_en") if english else "") or loss.get("name", ""), f"−{loss['points']:.1f}")
            for loss in e.losses or ()
        )
    red = [e for e in entries if e.color == BoardColor.RED]
    yellow = [e for e in entries if e.color == BoardColor.YELLOW]
    return red, yellow


def boards_to_publish(*, user):
    """The published assessments where the user may publish a board (they pursue in the scope) and none is
    published yet, the latest first."""

    runs = AssessmentRun.objects.final().select_related("system", "period", "scope")
    runs = runs.filter(scope__in=restrict(user, Action.PURSUE, Organization.objects.all()))
    return runs.exclude(boards__state=BoardState.PUBLISHED).order_by("-period__start", "scope__path", "-version")


def commendation_file(*, user, pk):
    """A commendation's decision document, if the user reads the commendation; else None."""

    return CommendationFile.objects.filter(commendation__in=commendation_list(user=user), pk=pk).first()


def run_readable(*, user, run) -> bool:
    """Whether the user sees the assessment (a board of one they do not see answers 404)."""
    return assessment_run_list(user=user).filter(pk=run.pk).exists()


# --- The report-on-duty review and its three lists -------------------------------------------------------------------

from django.db.models import Count  # noqa: E402

from grassroots.assessment.models import Grade, IndicatorKind, RunState  # noqa: E402
from grassroots.core.policy import can_anywhere  # noqa: E402

from .models import (  # noqa: E402
    DutyReport,
    DutyReview,
    ListKind,
    ReportState,
    ReviewListItem,
    ReviewRaterKind,
    ReviewRating,
    ReviewState,
)
from .services.review import ReviewResult, problems_to_answer, rater_kind, report_result  # noqa: E402


def review_list(*, user):
    """The reviews of reports on duty a user reads: those of the organizations where they read cases (the officers
    who conduct them, the discipline inspector of the scope)."""

    return restrict(user, Action.VIEW_CASES, DutyReview.objects.select_related("organization", "period"))


def may_conduct_review(user, review) -> bool:
    """Whether the user conducts the review (opens it, closes it, writes the lists): Action.PURSUE on its
    organization."""
    return can(user, Action.PURSUE, review.organization)


def report_list(*, user):
    """The reports on duty a user reads: those of the reviews they read (and those concerning an organization in
    their scope of cases), their own, and, once the rating has started, the submitted reports they rate or rated as
    a peer (another reporter of the review) or a member of the reporter's branch, where the review asks that group."""

    qs = DutyReport.objects.select_related("review__organization", "review__period", "organization", "member")
    member = subject(user).member
    own = Q(pk__in=[])
    if user is not None and user.is_authenticated:
        own |= Q(ratings__rater_id=user.pk)
    if member is not None:
        own |= Q(member_id=member.pk)
        rated = Q(state=ReportState.SUBMITTED, review__state__in=[ReviewState.RATING, ReviewState.CLOSED])
        peers = Q(review__groups__kind=ReviewRaterKind.PEERS, review__reports__member_id=member.pk)
        members = Q(
            review__groups__kind=ReviewRaterKind.MEMBERS,
            organization__path__in=ancestor_paths(member.organization.path),
        )
        own |= rated & (peers | members)
    return (restrict(user, Action.VIEW_CASES, qs) | qs.filter(own)).distinct()


def may_read_report(user, report) -> bool:
    return report_list(user=user).filter(pk=report.pk).exists()


def is_reporter(user, report) -> bool:
    member = subject(user).member
    return member is not None and member.pk == report.member_id


def may_see_result(user, report) -> bool:
    """Who reads a report's result and its three lists: the readers of its review (provisional while rating), and
    the reporter once the review is closed."""

    if can(user, Action.VIEW_CASES, report):
        return True
    return is_reporter(user, report) and report.review.state == ReviewState.CLOSED


def review_result(report):
    """The report's result: as fixed when the review closed, else as the ratings stand now (provisional)."""

    if report.review.state == ReviewState.CLOSED:
        return ReviewResult(float(report.score) if report.score is not None else None, report.grade, report.votes)
    return report_result(report)


def reports_to_rate(*, user) -> list:
    """The submitted reports of reviews that are rating which the user rates and has not rated yet: as a superior
    where they pursue in the reviewing organization, as a peer in a review where they report, as a member of the
    reporter's branch; each where the review asks that group, never their own (services.review.rater_kind, in one
    query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    member = subject(user).member
    reports = DutyReport.objects.filter(review__state=ReviewState.RATING, state=ReportState.SUBMITTED)
    pursued = restrict(user, Action.PURSUE, DutyReview.objects.filter(groups__kind=ReviewRaterKind.SUPERIOR))
    rates = Q(review__in=pursued.values("pk"))
    if member is not None:
        peers = DutyReview.objects.filter(groups__kind=ReviewRaterKind.PEERS, reports__member_id=member.pk)
        members = DutyReview.objects.filter(groups__kind=ReviewRaterKind.MEMBERS)
        rates |= Q(review__in=peers.values("pk"))
        rates |= Q(review__in=members.values("pk"), organization__path__in=ancestor_paths(member.organization.path))
        reports = reports.exclude(member_id=member.pk)
    return list(
        reports.filter(rates)
        .exclude(ratings__rater_id=user.pk)
        .select_related("review__organization", "review__period", "organization", "member")
        .distinct()
        .order_by("review__period__start", "organization__path", "id")
    )


def rating_group(user, report) -> str | None:
    """The group the user rates the report in, or None (services.review.rater_kind)."""
    return rater_kind(user, report)


def my_reports(*, user):
    """The user's own reports on duty, the latest period first, with their lists and rectifications."""

    member = subject(user).member
    if member is None:
        return DutyReport.objects.none()
    return (
        DutyReport.objects.filter(member_id=member.pk)
        .select_related("review__organization", "review__period", "organization")
        .prefetch_related("list_items__assignment__duty")
        .order_by("-review__period__start", "-review_id", "organization__path")
    )


def review_notice(user) -> dict:
    """What the start page says of the reviews: reports the user owes in a review taking them, reports waiting for
    their rating, whether they have reports on duty at all, and whether they conduct reviews."""

    mine = my_reports(user=user)
    return {
        "to_submit": mine.filter(review__state=ReviewState.OPEN, state=ReportState.EXPECTED).count(),
        "to_rate": len(reports_to_rate(user=user)),
        "mine": mine.exists(),
        "conduct": can_anywhere(user, Action.PURSUE) or can_anywhere(user, Action.VIEW_CASES),
    }


def review_rows(review) -> list:
    """The reports a review expects, in tree order, each with its count of ratings and of list items."""

    return list(
        review.reports.select_related("organization", "member", "review")
        .annotate(rating_count=Count("ratings", distinct=True), item_count=Count("list_items", distinct=True))
        .order_by("organization__path", "post_title", "id")
    )


def answers_of(report) -> list:
    """This report's answers to last period's problems: (problem, answer text or "") for each problem."""

    given = dict(report.answers.values_list("problem_id", "text"))
    return [SimpleNamespace(problem=p, text=given.get(p.pk, "")) for p in problems_to_answer(report)]


def list_items_of(report) -> dict:
    """The report's three lists: {kind: [items]}, each rectification with its assignment and light."""

    out = {kind: [] for kind in ListKind.values}
    for item in report.list_items.select_related("assignment__duty", "assignment__responsible").order_by("id"):
        if item.assignment_id:
            item.light = item.assignment.light()
        out[item.kind].append(item)
    return out


def feed_targets(*, user, report) -> list:
    """Where the user may enter a secretary's result: the "entered" indicators of the assessments of the review's
    period that assess secretaries and this branch, not closed, run by the user (as entered_value_set checks)."""

    runs = (
        AssessmentRun.objects.filter(period_id=report.review.period_id, system__assesses_secretaries=True)
        .exclude(state=RunState.CLOSED)
        .select_related("system", "scope", "period")
        .order_by("id")
    )
    out = []
    for run in runs:
        if not run.assesses(report.organization) or not can(user, Action.MANAGE_STRUCTURE, run.scope):
            continue
        for indicator in run.system.indicators.filter(kind=IndicatorKind.ENTERED).order_by("position", "id"):
            out.append(SimpleNamespace(run=run, indicator=indicator, key=f"{run.pk}:{indicator.pk}"))
    return out


def votes_shown(result) -> list:
    """A result's votes per group as the pages show them: the group's name, weight, fewest raters, raters, whether
    its opinion counted, and its votes by grade (names in the reader's language)."""
    labels = dict(ReviewRaterKind.choices)
    return [
        SimpleNamespace(
            kind=v["kind"],
            label=labels.get(v["kind"], v["kind"]),
            weight=v["weight"],
            fewest=v["fewest"],
            raters=v["raters"],
            counted=v["counted"],
            grades=[(Grade(g).label, v["grades"].get(g, 0)) for g in Grade.values],
        )
        for v in (result.votes if result is not None else [])
    ]


def list_item_list(*, user):
    """The items of the three lists a user reads: those of the reports whose result they read (the readers of the
    review; the reporter, once it is closed)."""
    qs = ReviewListItem.objects.select_related("report__review", "assignment__duty")
    member = subject(user).member
    own = Q(pk__in=[])
    if member is not None:
        own = Q(report__member_id=member.pk, report__review__state=ReviewState.CLOSED)
    return (restrict(user, Action.VIEW_CASES, qs) | qs.filter(own)).distinct()


def ratings_given(*, user):
    """The ratings the user gave (each rater reads their own, nobody reads another's)."""
    if user is None or not user.is_authenticated:
        return ReviewRating.objects.none()
    return ReviewRating.objects.filter(rater_id=user.pk).select_related("group", "report")


def rectifications_within(*, user, organization: Organization, light: str = ""):
    """The assignments carrying the rectifications of cases concerning an organization's subtree (by light)."""
    qs = (
        duty_selectors.assignment_list(user=user)
        .filter(rectification__isnull=False)
        .filter(subtree_q(organization.path, "rectification__case__organization__path"))
    )
    if light:
        qs = qs.filter(light_code=light)
    return qs.order_by("due_on", "id")
