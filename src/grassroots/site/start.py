"""The start page's counts: what each role has to do now, each count read from an app's selectors and linked to the
list that shows exactly those items (tests/site/test_start.py follows every link and counts its rows)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.accountability.forms import OPEN
from grassroots.accountability.models import OPEN_CASE_STATES, CaseState
from grassroots.accountability.selectors import case_list, review_notice
from grassroots.assessment.models import SystemState
from grassroots.assessment.selectors import ratings_to_give, runs_to_advance, systems_visible
from grassroots.core.middleware import write_stamp
from grassroots.core.models import Period
from grassroots.core.policy import Action, can_anywhere, subject
from grassroots.core.templatetags.numbers import shown
from grassroots.duties.selectors import duty_list_list, my_work_shown, overdue_receivers, review_queue
from grassroots.insights.appeals.selectors import appeal_list
from grassroots.insights.formalism.selectors import flag_list
from grassroots.insights.models import AppealState, FlagState
from grassroots.organizations.selectors import grant_list, member_list, organization_list
from grassroots.orglife.selectors import (
    care_alerts,
    meetings_due,
    member_life,
    member_study_required,
    quarter_of,
    study_far_behind,
)

from . import completeness


@dataclass(frozen=True)
class Task:
    """Something to do now: how many, in words, and the list of exactly those."""

    key: str
    count: int
    text: str
    url: str
    where: str = ""  # the organization it concerns, when the user looks after several


@dataclass
class Figure:
    """A figure of one's own (study hours against the plan, points), with the page that details it."""

    key: str
    label: str
    value: str
    url: str
    behind: bool = False


@dataclass
class Start:
    """Everything the start page says, by role."""

    secretary: list[Task] = field(default_factory=list)
    officer: list[Task] = field(default_factory=list)
    member: list[Task] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    setup: list[dict] = field(default_factory=list)

    @property
    def tasks(self) -> list[Task]:
        return self.secretary + self.officer + self.member

    @property
    def pending(self) -> list[Task]:
        return [task for task in self.tasks if task.count]

    @property
    def setup_done(self) -> bool:
        return all(step["done"] for step in self.setup)


def _year(today: dt.date) -> Period:
    return Period(code=str(today.year), kind="year", start=dt.date(today.year, 1, 1), end=dt.date(today.year, 12, 31))


def _managed(user, role: str):
    """The organizations on which the user holds this role themselves (not those below them)."""
    paths = [path for path, held in subject(user).grants if held == role]
    return list(organization_list(user=user).filter(path__in=paths).order_by("path")) if paths else []


def _ratings(user) -> Task:
    left = sum(row["left"] for row in ratings_to_give(user=user))
    text = ngettext(
        "organization waits for your rating in an assessment",
        "organizations wait for your rating in assessments",
        left,
    )
    return Task("ratings", left, text, reverse("assessment:ratings_to_give"))


def secretary_tasks(user, today: dt.date) -> list[Task]:
    """A secretary's: work due or late, reports sent back, appeals from the public waiting for an answer; per branch,
    meetings due, members far behind in study, care visits due."""
    due = my_work_shown(user=user, show="due", today=today).count()
    returned = my_work_shown(user=user, show="returned", today=today).count()
    my_work = reverse("duties:my_work")
    tasks = [
        Task(
            "due",
            due,
            ngettext("item of work late or due within a week", "items of work late or due within a week", due),
            f"{my_work}?show=due",
        ),
        Task(
            "returned",
            returned,
            ngettext("report sent back to you to do again", "reports sent back to you to do again", returned),
            f"{my_work}?show=returned",
        ),
    ]
    waiting = appeal_list(user=user, state=AppealState.NEW).count()
    tasks.append(
        Task(
            "appeals",
            waiting,
            ngettext(
                "appeal from the public waits for an answer", "appeals from the public wait for an answer", waiting
            ),
            reverse("insights:appeals") + f"?state={AppealState.NEW}",
        )
    )
    orgs = _managed(user, "secretary")
    quarter, year = quarter_of(today), _year(today)
    for org in orgs:
        where = org.display_name() if len(orgs) > 1 else ""
        meetings = meetings_due(organization=org, today=today)
        behind = len(study_far_behind(organization=org, period=year, today=today, user=user))
        visits = len(care_alerts(user=user, organization=org, today=today))
        tasks += [
            Task(
                "meetings",
                meetings,
                ngettext(
                    "meeting to hold by the end of this month", "meetings to hold by the end of this month", meetings
                ),
                reverse("orglife:org", args=[org.pk]) + f"?period={quarter.code}#meetings-due",
                where,
            ),
            Task(
                "study",
                behind,
                ngettext("member far behind in study", "members far behind in study", behind),
                reverse("orglife:study", args=[org.pk]) + "?behind=far#hours",
                where,
            ),
            Task(
                "care",
                visits,
                ngettext("member in difficulty to visit", "members in difficulty to visit", visits),
                reverse("orglife:care", args=[org.pk]) + "#alerts",
                where,
            ),
        ]
    return tasks


def officer_tasks(user, today: dt.date) -> list[Task]:
    """A township's or county's: reports to review, receivers late, open cases and rectifications, flags of
    formalism to judge, assessments to compute or publish, data missing."""
    reviews = review_queue(user=user).count()
    late = overdue_receivers(user=user, today=today).count()
    tasks = [
        Task(
            "reviews",
            reviews,
            ngettext("report waits for your review", "reports wait for your review", reviews),
            reverse("duties:review"),
        ),
        Task(
            "overdue",
            late,
            ngettext(
                "item overdue at an organization below",
                "items overdue at the organizations below",
                late,
            ),
            reverse("duties:overdue"),
        ),
    ]
    if can_anywhere(user, Action.VIEW_CASES):
        cases = case_list(user=user)
        open_cases = cases.filter(state__in=OPEN_CASE_STATES).count()
        rectifying = cases.filter(state=CaseState.RECTIFYING).count()
        url = reverse("accountability:cases")
        tasks += [
            Task("cases", open_cases, ngettext("case open", "cases open", open_cases), f"{url}?state={OPEN}"),
            Task(
                "rectifying",
                rectifying,
                ngettext("rectification under way", "rectifications under way", rectifying),
                f"{url}?state={CaseState.RECTIFYING}",
            ),
        ]
    flags = flag_list(user=user, state=FlagState.OPEN).count()
    tasks.append(
        Task(
            "flags",
            flags,
            ngettext("flag of work done for show to judge", "flags of work done for show to judge", flags),
            reverse("insights:flags") + f"?state={FlagState.OPEN}",
        )
    )
    runs = runs_to_advance(user=user, today=today).count()
    tasks.append(
        Task(
            "runs",
            runs,
            ngettext("assessment to compute or publish", "assessments to compute or publish", runs),
            reverse("assessment:runs") + "?todo=1",
        )
    )
    gaps = completeness.gap_counts(user=user, today=today)["total"]
    tasks.append(
        Task(
            "gaps",
            gaps,
            ngettext("gap in the records to fill", "gaps in the records to fill", gaps),
            reverse("completeness"),
        )
    )
    return tasks


def member_part(user, member, today: dt.date, *, manages: bool) -> tuple[list[Task], list[Figure]]:
    """A member's: their open work (a manager's is counted as theirs above), study against the plan, points."""
    tasks = []
    if not manages:
        work = my_work_shown(user=user, show="open", today=today).count()
        tasks.append(
            Task(
                "work",
                work,
                ngettext("item of work not done yet", "items of work not done yet", work),
                reverse("duties:my_work") + "?show=open",
            )
        )
    life = member_life(member=member, year=today.year)
    required = member_study_required(member=member, year=today.year)
    year = _year(today)
    expected = required * Decimal((today - year.start).days + 1) / Decimal(366 if today.year % 4 == 0 else 365)
    hours = life["study_hours"]
    figures = [
        Figure(
            "study",
            _("My study this year"),
            _("%(hours)s of %(required)s hours") % {"hours": shown(hours, 1), "required": shown(required, 1)},
            reverse("orglife:study", args=[member.organization_id]),
            behind=hours < expected,
        ),
        Figure(
            "points",
            _("My points this year"),
            shown(life["points"], 1),
            reverse("orglife:member_points", args=[member.pk]) + f"?year={today.year}",
        ),
    ]
    return tasks, figures


def setup_steps(user) -> list[dict]:
    """What setting up a scope means, each step done or not: members imported, roles given to others, duty lists
    made, an indicator system in use. The start page shows the steps only while one is not done."""
    return [
        {
            "text": _("Import the organizations and members, or add them by hand."),
            "done": member_list(user=user).exists(),
            "url": reverse("organizations:import"),
        },
        {
            "text": _("Give secretaries and officers of the organizations below their roles."),
            "done": grant_list(user=user).exclude(user=user).exists(),
            "url": reverse("organizations:tree"),
        },
        {
            "text": _("Make the year's duty list and issue it down."),
            "done": duty_list_list(user=user).exists(),
            "url": reverse("duties:my_work"),
        },
        {
            "text": _("Put an indicator system in use for the assessment."),
            "done": systems_visible(user=user).filter(state=SystemState.ACTIVE).exists(),
            "url": reverse("assessment:systems"),
        },
    ]


def start_for(user, today: dt.date | None = None) -> Start:
    """The start page of this user, by the roles they hold."""
    today = today or timezone.localdate()
    subj = subject(user)
    roles = subj.roles()
    start = Start()
    officer = "officer" in roles or "admin" in roles or subj.is_superuser
    if "secretary" in roles:
        start.secretary = secretary_tasks(user, today)
    if officer:
        start.officer = officer_tasks(user, today)
        start.setup = setup_steps(user)
    if subj.member is not None:
        tasks, start.figures = member_part(user, subj.member, today, manages="secretary" in roles or officer)
        start.member = tasks
    ratings = _ratings(user)
    if ratings.count or subj.member is not None:
        start.member.append(ratings)
    return start


def start_kept(request) -> tuple[Start, dict, dt.datetime | None]:
    """The start page's counts and what it says of the reviews, kept for GRASSROOTS_START_CACHE_SECONDS per user,
    language and day: counting them is most of the page's cost, and a busy day opens it again and again. A write the
    user makes (core.middleware.write_stamp, a cookie) counts them again at the next visit; what others
    change shows within the time kept. Returns the time they were counted when they come from what was kept."""
    user = request.user
    seconds = settings.GRASSROOTS_START_CACHE_SECONDS
    today = timezone.localdate()
    key = f"start:1:{user.pk}:{translation.get_language()}:{today.isoformat()}:{write_stamp(request)}"
    kept = cache.get(key) if seconds > 0 else None
    if kept is not None:
        return kept["start"], kept["reviews"], kept["at"]
    start, reviews = start_for(user, today), review_notice(user)
    if seconds > 0:
        cache.set(key, {"start": start, "reviews": reviews, "at": timezone.now()}, seconds)
    return start, reviews, None
