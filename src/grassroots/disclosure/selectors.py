"""Reads of disclosure: the public site (the `public_*` selectors, cut down by the policy's VIEW_PUBLIC, the one
action of the public role every subject holds), an organization's choices and its committees' rules, notices."""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Case, Count, Exists, F, Func, Max, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from grassroots.accountability.models import (
    Board,
    BoardColor,
    BoardEntry,
    BoardState,
    Commendation,
    CommendationState,
    Rectification,
)
from grassroots.accountability.selectors import board_entries
from grassroots.assessment.models import AssessmentRun, Result
from grassroots.core.policy import Action, can, restrict, subject
from grassroots.core.tree import subtree_q
from grassroots.duties.models import Assignment, AssignmentState, Dimension, Light
from grassroots.organizations.models import Member, MemberStatus, Organization, ancestor_paths
from grassroots.orglife.models import Meeting, MeetingKind, MeetingState

from .models import DisclosureRule, Item, Notice, NoticeRead, Publication, ReleasedMinutes
from .rules import Standing, standings

# What the public reads of each kind of item: these fields and nothing else (no person responsible, no report's
# text, no rating of a person, no facts of a case). The public selectors read them with .values(), so a page cannot
# reach another field of the row.
PUBLIC_FIELDS = {
    Item.DUTIES: ("pk", "duty__title", "duty__dimension", "start_on", "due_on", "state", "percent"),
    Item.MEETINGS: ("pk", "held_on", "kind", "topic"),
    Item.RESULTS: (
        "run_id",
        "run__system_id",
        "run__period_id",
        "run__scope_id",
        "run__system__name",
        "run__system__name_en",
        "run__period__code",
        "run__version",
        "run__published_at",
        "run__early_publication_reason",
        "run__published_asof",
        "score",
        "grade",
        "rank_siblings",
        "vetoed",
    ),
    Item.RECTIFICATIONS: (
        "pk",
        "assignment__duty__title",
        "assignment__due_on",
        "assignment__state",
        "assignment__percent",
    ),
    Item.COMMENDATIONS: (
        "pk",
        "kind",
        "member__name",
        "period__code",
        "commending__name",
        "commending__name_en",
        "reference",
        "decided_on",
        "citation",
    ),
    Item.NOTICES: ("pk", "title", "created_at"),
}
# An assignment the public sees: issued and not cancelled (a draft is not yet anyone's work).
PUBLIC_ASSIGNMENT_STATES = [
    s for s in AssignmentState.values if s not in (AssignmentState.DRAFT, AssignmentState.CANCELLED)
]
SHOWN = 8  # rows of each list on an organization's public page (the rest one tap away)

_DIMENSIONS = dict(Dimension.choices)
_STATES = dict(AssignmentState.choices)
_LIGHTS = dict(Light.choices)
_KINDS = dict(MeetingKind.choices)


def _light(state: str, due_on, today) -> str:
    return Assignment(state=state, due_on=due_on).light(today)


# --- The public site -----------------------------------------------------------------------------------------------


def public_organizations(*, user, query: str = ""):
    """The organizations with a public site (every active one), found by name, English name or code."""
    qs = restrict(user, Action.VIEW_PUBLIC, Organization.objects.filter(is_active=True))
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_en__icontains=query) | Q(code__iexact=query))
    return qs.only("pk", "code", "name", "name_en", "kind", "path", "depth").order_by("path")


def public_roots(*, user):
    return public_organizations(user=user).filter(depth=1)


def public_organization(*, user, code: str) -> Organization | None:
    return public_organizations(user=user).filter(code=code).first()


def public_around(*, user, organization: Organization) -> tuple[list, list]:
    """The organizations above (root first) and directly below, for the public site's links (two queries)."""
    orgs = public_organizations(user=user)
    above = list(orgs.filter(path__in=ancestor_paths(organization.path)[:-1]))
    below = list(orgs.filter(parent=organization))
    return above, below


def public_duties(*, user, organization: Organization):
    """The organization's assignments as the public reads them: task, area, dates, state, light, completion."""
    # A rectification's assignment is not a duty of the list: it shows with the rectifications, where they are public.
    qs = Assignment.objects.filter(
        organization=organization, state__in=PUBLIC_ASSIGNMENT_STATES, rectification__isnull=True
    )
    # The work under way first, the nearest due first; then the work done, the latest first.
    done = Case(When(state=AssignmentState.ACCEPTED, then=Value(1)), default=Value(0))
    open_due = Case(When(~Q(state=AssignmentState.ACCEPTED), then=F("due_on")))
    qs = restrict(user, Action.VIEW_PUBLIC, qs).annotate(done=done, open_due=open_due)
    return qs.order_by("done", "open_due", "-due_on", "pk").values(*PUBLIC_FIELDS[Item.DUTIES])


def _duty_rows(rows) -> list:
    today = timezone.localdate()
    out = []
    for r in rows:
        light = _light(r["state"], r["due_on"], today)
        out.append(
            SimpleNamespace(
                task=r["duty__title"],
                area=_DIMENSIONS.get(r["duty__dimension"], ""),
                start_on=r["start_on"],
                due_on=r["due_on"],
                state=_STATES.get(r["state"], ""),
                light=light,
                light_label=_LIGHTS[light],
                percent=r["percent"],
            )
        )
    return out


def public_meetings(*, user, organization: Organization):
    """The meetings held, newest first: date, kind, topic, and whether their minutes were released."""
    qs = Meeting.objects.filter(organization=organization, state=MeetingState.HELD)
    qs = restrict(user, Action.VIEW_PUBLIC, qs).order_by("-held_on", "-pk")
    return qs.annotate(released=Exists(_released(OuterRef("pk")))).values(*PUBLIC_FIELDS[Item.MEETINGS], "released")


def _released(meeting_ref):
    return ReleasedMinutes.objects.filter(meeting=meeting_ref)


def _meeting_rows(rows, minutes: Standing) -> list:
    return [
        SimpleNamespace(
            pk=r["pk"],
            held_on=r["held_on"],
            kind=_KINDS.get(r["kind"], ""),
            topic=r["topic"],
            minutes_public=minutes.is_public and (minutes.all_items or r["released"]),
        )
        for r in rows
    ]


def public_minutes(*, user, organization: Organization, pk: int):
    """A held meeting's date, kind, topic and minutes, if its minutes are public; else None."""
    s = standings(organization)
    minutes = s[Item.MINUTES]
    if not (minutes.is_public and s[Item.MEETINGS].is_public):
        return None
    qs = Meeting.objects.filter(organization=organization, state=MeetingState.HELD, pk=pk)
    if not minutes.all_items:
        qs = qs.filter(Exists(_released(OuterRef("pk"))))
    row = (
        restrict(user, Action.VIEW_PUBLIC, qs)
        .exclude(minutes="")
        .values(*PUBLIC_FIELDS[Item.MEETINGS], "minutes")
        .first()
    )
    if row is None:
        return None
    return SimpleNamespace(
        pk=row["pk"],
        held_on=row["held_on"],
        kind=_KINDS.get(row["kind"], ""),
        topic=row["topic"],
        minutes=row["minutes"],
    )


def public_results(*, user, organization: Organization) -> list:
    """The organization's results in published assessments (never one computed and not published), the latest
    version of each assessment, newest first."""
    runs = AssessmentRun.objects.final()
    qs = Result.objects.filter(organization=organization, run__in=runs)
    rows = (
        restrict(user, Action.VIEW_PUBLIC, qs)
        .order_by("-run__period__start", "-run__version")
        .values(*PUBLIC_FIELDS[Item.RESULTS])
    )
    seen, out = set(), []
    english = _english()
    for r in rows:
        key = (r["run__system_id"], r["run__period_id"], r["run__scope_id"])
        if key in seen:
            continue
        seen.add(key)
        out.append(
            SimpleNamespace(
                system=(r["run__system__name_en"] if english else "") or r["run__system__name"],
                period=r["run__period__code"],
                score=r["score"],
                grade=r["grade"],
                grade_label=Result(grade=r["grade"]).get_grade_display() if r["grade"] else "",
                rank=r["rank_siblings"],
                vetoed=r["vetoed"],
                published_at=r["run__published_at"],
                early=bool(r["run__early_publication_reason"]),
                asof=r["run__published_asof"],
            )
        )
    return out


def public_boards(*, user, organization: Organization) -> list:
    """The red/yellow boards published for assessments the organization ran (of its subtree), newest first, each
    with its entries; and the board entries naming the organization in boards published above it."""
    boards = Board.objects.filter(
        state=BoardState.PUBLISHED, run__in=AssessmentRun.objects.final(), run__scope=organization
    ).select_related("run__system", "run__period", "run__scope")
    shown = []
    for board in restrict(user, Action.VIEW_PUBLIC, boards).order_by("-published_at")[:3]:
        red, yellow = board_entries(board)
        shown.append(SimpleNamespace(board=board, run=board.run, red=red, yellow=yellow))
    return shown


def public_board_entries(*, user, organization: Organization) -> list:
    """Where the organization stands on boards published above it, by organizations whose public site shows
    their board: red or yellow, with the board's scope."""
    entries = BoardEntry.objects.filter(
        organization=organization, board__state=BoardState.PUBLISHED, board__run__in=AssessmentRun.objects.final()
    ).exclude(board__run__scope=organization)
    boards = restrict(user, Action.VIEW_PUBLIC, Board.objects.all())
    rows = list(
        entries.filter(board__in=boards)
        .order_by("-board__published_at")
        .values(
            "color",
            "rank",
            "board__run__scope_id",
            "board__run__period__code",
            "board__run__scope__code",
            "board__run__scope__name",
            "board__run__scope__name_en",
        )[:SHOWN]
    )
    scopes = {r["board__run__scope_id"] for r in rows}
    shown = {scope.pk for scope in Organization.objects.filter(pk__in=scopes) if standings(scope)[Item.BOARD].is_public}
    english = _english()
    return [
        SimpleNamespace(
            red=r["color"] == BoardColor.RED,
            color=BoardColor(r["color"]).label,
            rank=r["rank"],
            period=r["board__run__period__code"],
            scope_code=r["board__run__scope__code"],
            scope=(r["board__run__scope__name_en"] if english else "") or r["board__run__scope__name"],
        )
        for r in rows
        if r["board__run__scope_id"] in shown
    ]


def public_rectifications(*, user, organization: Organization) -> list:
    """The rectifications required of the organization (of cases concerning it, not a person), with their state."""
    qs = Rectification.objects.filter(case__organization=organization, case__person__isnull=True)
    rows = (
        restrict(user, Action.VIEW_PUBLIC, qs)
        .order_by("assignment__due_on", "pk")
        .values(*PUBLIC_FIELDS[Item.RECTIFICATIONS])
    )
    today = timezone.localdate()
    out = []
    for r in rows:
        light = _light(r["assignment__state"], r["assignment__due_on"], today)
        out.append(
            SimpleNamespace(
                task=r["assignment__duty__title"],
                due_on=r["assignment__due_on"],
                state=_STATES.get(r["assignment__state"], ""),
                light=light,
                light_label=_LIGHTS[light],
                percent=r["assignment__percent"],
            )
        )
    return out


def public_commendations(*, user, organization: Organization) -> list:
    """The commendations decided for the organization or its members: who, what, by whom, the decision."""
    qs = Commendation.objects.filter(organization=organization, state=CommendationState.DECIDED)
    rows = (
        restrict(user, Action.VIEW_PUBLIC, qs).order_by("-decided_on", "-pk").values(*PUBLIC_FIELDS[Item.COMMENDATIONS])
    )
    english = _english()
    return [
        SimpleNamespace(
            kind=Commendation(kind=r["kind"]).get_kind_display(),
            name=r["member__name"] or organization.display_name(),
            period=r["period__code"],
            commending=(r["commending__name_en"] if english else "") or r["commending__name"],
            reference=r["reference"],
            decided_on=r["decided_on"],
            citation=r["citation"],
        )
        for r in rows
    ]


def public_notices(*, user, organization: Organization, standing: Standing):
    """The notices the organization posted to its public site and has not withdrawn, newest first."""
    qs = Notice.objects.filter(organization=organization, withdrawn_at__isnull=True)
    if not standing.all_items:
        qs = qs.filter(public=True)
    return restrict(user, Action.VIEW_PUBLIC, qs).order_by("-created_at", "-pk")


def public_notice(*, user, organization: Organization, pk: int):
    standing = standings(organization)[Item.NOTICES]
    if not standing.is_public:
        return None
    return public_notices(user=user, organization=organization, standing=standing).filter(pk=pk).first()


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


@dataclass
class PublicPage:
    """An organization's public site: what it publishes, each list cut to `limit` rows (None: all)."""

    organization: Organization
    standings: dict
    above: list = field(default_factory=list)
    below: list = field(default_factory=list)
    sections: dict = field(default_factory=dict)  # item -> list of rows
    counts: dict = field(default_factory=dict)  # item -> how many rows in all

    @property
    def empty(self) -> bool:
        return not any(self.counts.values()) and not self.sections.get(Item.BOARD)


def _cut(qs, limit: int | None) -> tuple[list, int]:
    """The first `limit` rows of a queryset (all: None) and how many there are in all (counted only when cut)."""
    if limit is None:
        rows = list(qs)
        return rows, len(rows)
    rows = list(qs[: limit + 1])
    return rows[:limit], (qs.count() if len(rows) > limit else len(rows))


def public_page(*, user, organization: Organization, only: str | None = None, limit: int | None = SHOWN) -> PublicPage:
    """What the organization's public site shows (or one of its items, `only`), in a few queries."""
    s = standings(organization)
    page = PublicPage(organization=organization, standings=s)
    page.above, page.below = public_around(user=user, organization=organization)

    def wanted(item):
        return (only is None or only == item) and s[item].is_public

    if wanted(Item.DUTIES):
        rows, page.counts[Item.DUTIES] = _cut(public_duties(user=user, organization=organization), limit)
        page.sections[Item.DUTIES] = _duty_rows(rows)
    if wanted(Item.MEETINGS):
        rows, page.counts[Item.MEETINGS] = _cut(public_meetings(user=user, organization=organization), limit)
        page.sections[Item.MEETINGS] = _meeting_rows(rows, s[Item.MINUTES])
    if wanted(Item.RESULTS):
        page.sections[Item.RESULTS] = public_results(user=user, organization=organization)
        page.counts[Item.RESULTS] = len(page.sections[Item.RESULTS])
    if wanted(Item.BOARD):
        page.sections[Item.BOARD] = public_boards(user=user, organization=organization)
        page.sections["board_entries"] = public_board_entries(user=user, organization=organization)
        page.counts[Item.BOARD] = len(page.sections[Item.BOARD]) + len(page.sections["board_entries"])
    if wanted(Item.RECTIFICATIONS):
        page.sections[Item.RECTIFICATIONS] = public_rectifications(user=user, organization=organization)
        page.counts[Item.RECTIFICATIONS] = len(page.sections[Item.RECTIFICATIONS])
    if wanted(Item.COMMENDATIONS):
        page.sections[Item.COMMENDATIONS] = public_commendations(user=user, organization=organization)
        page.counts[Item.COMMENDATIONS] = len(page.sections[Item.COMMENDATIONS])
    if wanted(Item.NOTICES):
        notices = public_notices(user=user, organization=organization, standing=s[Item.NOTICES])
        page.sections[Item.NOTICES], page.counts[Item.NOTICES] = _cut(
            notices.values(*PUBLIC_FIELDS[Item.NOTICES]), limit
        )
    return page


def public_stamp(*, organization: Organization) -> str:
    """When anything the organization's public site may show last changed, and how many of the rows that are
    removed rather than changed there are (one query), for its ETag. Each stamp is an uncorrelated subquery on the
    organization's id (Citus plans each one on its own; it refuses subqueries correlated with the organizations, a
    reference table, into the distributed meetings and minutes)."""
    places = ancestor_paths(organization.path)
    here = organization.pk
    stamps = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            a=_latest(Assignment.objects.filter(organization=here)),
            m=_latest(Meeting.objects.filter(organization=here)),
            r=_latest(AssessmentRun.objects.filter(scope__path__in=places)),
            b=_latest(Board.objects.filter(run__scope__path__in=places)),
            c=_latest(Commendation.objects.filter(organization=here)),
            k=_latest(Rectification.objects.filter(case__organization=here)),
            n=_latest(Notice.objects.filter(organization=here)),
            d=_latest(DisclosureRule.objects.filter(organization__path__in=places)),
            dn=_count(DisclosureRule.objects.filter(organization__path__in=places)),
            p=_latest(Publication.objects.filter(organization=here)),
            pn=_count(Publication.objects.filter(organization=here)),
            x=_latest(ReleasedMinutes.objects.filter(meeting__organization=here)),
            xn=_count(ReleasedMinutes.objects.filter(meeting__organization=here)),
            t=_latest(Organization.objects.filter(Q(pk=here) | Q(parent=here))),
        )
        .values("a", "m", "r", "b", "c", "k", "n", "d", "dn", "p", "pn", "x", "xn", "t")
        .first()
    )
    return "|".join(str(v) for v in (stamps or {}).values())


def public_tree_stamp() -> str:
    """When the organizations last changed, and how many there are (one query), for the index's ETag."""
    stamp = Organization.objects.aggregate(at=Max("updated_at"), n=Count("pk"))
    return f"{stamp['at']}|{stamp['n']}"


def _latest(qs):
    return Subquery(qs.order_by("-updated_at").values("updated_at")[:1])


def _count(qs):
    return Subquery(qs.order_by().values(n=Func(F("pk"), function="COUNT"))[:1])


# --- An organization's choices and its committees' rules ---------------------------------------------------------------


def disclosure_organization(*, user, code: str) -> Organization | None:
    """An organization the user views, by code (for its disclosure settings and its notices)."""
    return disclosure_organizations(user=user).filter(code=code).first()


def disclosure_organizations(*, user):
    """The organizations the user views (whose disclosure they may read)."""
    return restrict(user, Action.VIEW, Organization.objects.all())


def disclosure_standings(organization: Organization) -> list[Standing]:
    """Per kind of item, the rule in force for the organization and what it publishes."""
    return list(standings(organization).values())


def disclosure_rules(*, user, organization: Organization | None = None):
    """The rules of disclosure set in the user's scope (at `organization` only, if given)."""
    qs = restrict(user, Action.VIEW, DisclosureRule.objects.select_related("organization"))
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs


def may_publish(user, organization: Organization) -> bool:
    """Whether the user publishes the organization's items and posts its notices: its secretary, its officers."""
    return can(user, Action.CHANGE, organization)


def may_set_rules(user, organization: Organization) -> bool:
    return can(user, Action.MANAGE_STRUCTURE, organization)


def releasable_meetings(*, user, organization: Organization):
    """The organization's meetings held with minutes, newest first, each with whether its minutes are released."""
    qs = Meeting.objects.filter(organization=organization, state=MeetingState.HELD).exclude(minutes="")
    return (
        restrict(user, Action.VIEW, qs)
        .annotate(released=Exists(_released(OuterRef("pk"))))
        .only("pk", "held_on", "kind", "topic", "organization_id")
        .order_by("-held_on", "-pk")
    )


def meeting_of(*, user, organization: Organization, pk) -> Meeting | None:
    return (
        restrict(user, Action.VIEW, Meeting.objects.select_related("organization"))
        .filter(organization=organization, pk=pk)
        .first()
    )


# --- Notices -----------------------------------------------------------------------------------------------------------


def _places(user) -> list[str]:
    """The paths where the user stands: their own organization and those where they hold a role."""
    subj = subject(user)
    places = [path for path, _role in subj.grants]
    if subj.member is not None:
        places.append(subj.member.organization.path)
    return places


def _addressed_to(user) -> Q:
    """The notices posted at or above a place where the user stands (the notice's subtree reaches them)."""
    paths = {p for place in _places(user) for p in ancestor_paths(place)}
    return Q(organization__path__in=sorted(paths))


def notice_list(*, user):
    """The notices the user reads: those addressed to them (posted at or above their organization or a place of
    their roles), and those posted in a subtree they view; newest first."""
    qs = Notice.objects.select_related("organization", "posted_by")
    if subject(user).is_superuser:
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    return (restrict(user, Action.VIEW, qs) | qs.filter(_addressed_to(user))).distinct()


def notice_of(*, user, pk) -> Notice | None:
    return notice_list(user=user).filter(pk=pk).first()


def unread_notices(user):
    """The notices addressed to the user that they have not read, newest first (withdrawn ones and their own
    left out): what their start page shows until they read them."""
    if user is None or not user.is_authenticated:
        return Notice.objects.none()
    qs = Notice.objects.filter(_addressed_to(user), withdrawn_at__isnull=True).exclude(posted_by=user)
    qs = qs.exclude(Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)))
    return qs.select_related("organization").order_by("-created_at", "-pk")


def notice_addressees(notice: Notice):
    """The users a notice is addressed to (those `unread_notices` shows it to): active accounts of the active members
    of its organization's subtree, and of those holding a role there; the poster left out."""
    from django.contrib.auth import get_user_model

    from grassroots.organizations.models import Grant

    within = subtree_q(notice.organization.path, "organization__path")
    members = Member.objects.filter(within, status=MemberStatus.ACTIVE, user__isnull=False).values("user_id")
    roles = Grant.objects.filter(within).values("user_id")
    users = get_user_model().objects.filter(Q(pk__in=members) | Q(pk__in=roles), is_active=True)
    return users.exclude(pk=notice.posted_by_id).order_by("pk")


def read_notice_ids(*, user, notices) -> set[int]:
    return set(NoticeRead.objects.filter(user=user, notice__in=notices).values_list("notice_id", flat=True))


def notice_organizations(*, user):
    """The organizations where the user posts notices (those they change)."""
    return restrict(user, Action.CHANGE, Organization.objects.filter(is_active=True)).order_by("path")


def disclosure_sites(*, user):
    """The organizations whose public site the user manages, the highest first (those they publish for)."""
    return notice_organizations(user=user).order_by("depth", "path")


def may_see_receipts(user, notice: Notice) -> bool:
    return can(user, Action.CHANGE, notice.organization)


def notice_receipts(notice: Notice) -> list:
    """Per organization of the notice's subtree that has members: its active members, those with an account, and
    how many of them read the notice (one query); then the organizations."""
    readers = NoticeRead.objects.filter(notice=notice).values("user_id")
    rows = (
        Member.objects.filter(subtree_q(notice.organization.path, "organization__path"), status=MemberStatus.ACTIVE)
        .values(
            "organization_id", "organization__name", "organization__name_en", "organization__code", "organization__path"
        )
        .annotate(
            members=Count("pk"),
            accounts=Count("pk", filter=Q(user__isnull=False)),
            read=Count("pk", filter=Q(user_id__in=readers)),
        )
        .order_by("organization__path")
    )
    english = _english()
    return [
        SimpleNamespace(
            code=r["organization__code"],
            name=(r["organization__name_en"] if english else "") or r["organization__name"],
            members=r["members"],
            accounts=r["accounts"],
            read=r["read"],
            share=round(100 * r["read"] / r["accounts"]) if r["accounts"] else None,
        )
        for r in rows
    ]


def notice_read_count(notice: Notice) -> int:
    return NoticeRead.objects.filter(notice=notice).count()
