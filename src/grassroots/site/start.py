"""The start page's counts: what each role has to do now, each count read from an app's selectors and linked to the
list that shows exactly those items (tests/site/test_start.py follows every link and counts its rows)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.accountability.forms import OPEN
from grassroots.accountability.models import OPEN_CASE_STATES, CaseState
from grassroots.accountability.selectors import case_list, review_notice
from grassroots.assessment.models import SystemState
from grassroots.assessment.selectors import ratings_to_give, runs_to_advance, systems_visible
from grassroots.core.middleware import latest_stamp, write_stamps
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


def _now(name: str, reads: tuple, count):
    """Counts each figure at once (what `start_kept` does instead: keeps it)."""
    return count()


# What the figures read, by the kinds of records a write names (core.middleware.write_stamp): a user's own write of
# one of these counts the figure again at their next visit. The tree, the members and the grants are read by all.
EVERY = ("organizations", "core")
WORK = ("duties", "accountability", *EVERY)  # assignments, reports, reviews; rectifications are assignments too
LIFE = ("orglife", *EVERY)
CASES = ("accountability", *EVERY)
FLAGS = ("insights", "duties", "orglife", *EVERY)  # flags are raised by reports and meetings
APPEALS = ("insights", *EVERY)
ASSESSMENT = ("assessment", *EVERY)
GAPS = ("orglife.meeting", "duties.duty", *EVERY)
SETUP = ("duties.dutylist", "assessment", *EVERY)
FIGURES = ("orglife", "duties", *EVERY)  # points are given for work done


def _ratings(user, keep=_now) -> Task:
    left = keep("ratings", ASSESSMENT, lambda: sum(row["left"] for row in ratings_to_give(user=user)))
    text = ngettext(
        "organization waits for your rating in an assessment",
        "organizations wait for your rating in assessments",
        left,
    )
    return Task("ratings", left, text, reverse("assessment:ratings_to_give"))


def secretary_tasks(user, today: dt.date, keep=_now) -> list[Task]:
    """A secretary's: work due or late, reports sent back, appeals from the public waiting for an answer; per branch,
    meetings due, members far behind in study, care visits due."""
    due = keep("due", WORK, lambda: my_work_shown(user=user, show="due", today=today).count())
    returned = keep("returned", WORK, lambda: my_work_shown(user=user, show="returned", today=today).count())
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
    waiting = keep("appeals", APPEALS, lambda: appeal_list(user=user, state=AppealState.NEW).count())
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
        meetings = keep(f"meetings-{org.pk}", LIFE, lambda org=org: meetings_due(organization=org, today=today))
        behind = keep(
            f"study-{org.pk}",
            LIFE,
            lambda org=org: len(study_far_behind(organization=org, period=year, today=today, user=user)),
        )
        visits = keep(
            f"care-{org.pk}", LIFE, lambda org=org: len(care_alerts(user=user, organization=org, today=today))
        )
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


def officer_tasks(user, today: dt.date, keep=_now) -> list[Task]:
    """A township's or county's: reports to review, receivers late, open cases and rectifications, flags of
    formalism to judge, assessments to compute or publish, data missing."""
    reviews = keep("reviews", WORK, lambda: review_queue(user=user).count())
    late = keep("overdue", WORK, lambda: overdue_receivers(user=user, today=today).count())
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
        open_cases = keep("cases", CASES, lambda: cases.filter(state__in=OPEN_CASE_STATES).count())
        rectifying = keep("rectifying", CASES, lambda: cases.filter(state=CaseState.RECTIFYING).count())
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
    flags = keep("flags", FLAGS, lambda: flag_list(user=user, state=FlagState.OPEN).count())
    tasks.append(
        Task(
            "flags",
            flags,
            ngettext("flag of work done for show to judge", "flags of work done for show to judge", flags),
            reverse("insights:flags") + f"?state={FlagState.OPEN}",
        )
    )
    runs = keep("runs", ASSESSMENT, lambda: runs_to_advance(user=user, today=today).count())
    tasks.append(
        Task(
            "runs",
            runs,
            ngettext("assessment to compute or publish", "assessments to compute or publish", runs),
            reverse("assessment:runs") + "?todo=1",
        )
    )
    gaps = keep("gaps", GAPS, lambda: completeness.gap_counts(user=user, today=today)["total"])
    tasks.append(
        Task(
            "gaps",
            gaps,
            ngettext("gap in the records to fill", "gaps in the records to fill", gaps),
            reverse("completeness"),
        )
    )
    return tasks


def member_part(user, member, today: dt.date, *, manages: bool, keep=_now) -> tuple[list[Task], list[Figure]]:
    """A member's: their open work (a manager's is counted as theirs above), study against the plan, points."""
    tasks = []
    if not manages:
        work = keep("work", WORK, lambda: my_work_shown(user=user, show="open", today=today).count())
        tasks.append(
            Task(
                "work",
                work,
                ngettext("item of work not done yet", "items of work not done yet", work),
                reverse("duties:my_work") + "?show=open",
            )
        )
    life, required = keep(
        "life",
        FIGURES,
        lambda: (member_life(member=member, year=today.year), member_study_required(member=member, year=today.year)),
    )
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


def setup_steps(user, keep=_now) -> list[dict]:
    """What setting up a scope means, each step done or not: members imported, roles given to others, duty lists
    made, an indicator system in use. The start page shows the steps only while one is not done."""
    done = keep(
        "setup",
        SETUP,
        lambda: (
            member_list(user=user).exists(),
            grant_list(user=user).exclude(user=user).exists(),
            duty_list_list(user=user).exists(),
            systems_visible(user=user).filter(state=SystemState.ACTIVE).exists(),
        ),
    )
    steps = [
        (_("Import the organizations and members, or add them by hand."), reverse("organizations:import")),
        (_("Give secretaries and officers of the organizations below their roles."), reverse("organizations:tree")),
        (_("Make the year's duty list and issue it down."), reverse("duties:my_work")),
        (_("Put an indicator system in use for the assessment."), reverse("assessment:systems")),
    ]
    return [{"text": text, "done": step_done, "url": url} for (text, url), step_done in zip(steps, done, strict=True)]


def start_for(user, today: dt.date | None = None, keep=_now) -> Start:
    """The start page of this user, by the roles they hold; each count through `keep` (at once by default)."""
    today = today or timezone.localdate()
    subj = subject(user)
    roles = subj.roles()
    start = Start()
    officer = "officer" in roles or "admin" in roles or subj.is_superuser
    if "secretary" in roles:
        start.secretary = secretary_tasks(user, today, keep)
    if officer:
        start.officer = officer_tasks(user, today, keep)
        start.setup = setup_steps(user, keep)
    if subj.member is not None:
        tasks, start.figures = member_part(user, subj.member, today, manages="secretary" in roles or officer, keep=keep)
        start.member = tasks
    ratings = _ratings(user, keep)
    if ratings.count or subj.member is not None:
        start.member.append(ratings)
    return start


class Kept:
    """Keeps each of the start page's counts for GRASSROOTS_START_CACHE_SECONDS per user and day: counting them is
    most of the page's cost, and a busy day opens it again and again. Each count is kept under the time of the
    user's last write of the kinds of records it reads (core.middleware.write_stamp, a cookie): their own change
    counts again at their next visit exactly the counts it can change (an accepted report: the reviews and the
    work, not the data gaps), what others change shows within the time kept. `at`: when the oldest count shown
    was counted, if one came from what was kept."""

    def __init__(self, request, today: dt.date, seconds: int):
        self.seconds = seconds
        self.stamps = write_stamps(request)
        self.prefix = f"start:2:{request.user.pk}:{today.isoformat()}"
        self.at: dt.datetime | None = None

    def __call__(self, name: str, reads: tuple, count):
        if self.seconds <= 0:
            return count()
        key = f"{self.prefix}:{name}:{latest_stamp(self.stamps, reads)}"
        kept = cache.get(key)
        if kept is not None:
            value, at = kept
            self.at = at if self.at is None else min(self.at, at)
            return value
        value = count()
        cache.set(key, (value, timezone.now()), self.seconds)
        return value


def start_kept(request) -> tuple[Start, dict, dt.datetime | None]:
    """The start page's counts and what it says of the reviews, each count kept (`Kept`). Returns the time the
    oldest count shown was counted when one comes from what was kept."""
    today = timezone.localdate()
    keep = Kept(request, today, settings.GRASSROOTS_START_CACHE_SECONDS)
    start = start_for(request.user, today, keep)
    reviews = keep("review-notice", CASES, lambda: review_notice(request.user))
    return start, reviews, keep.at
