"""Data completeness: what each organization's records lack (no secretary, no committee where one is required,
no group leader, no members, members without a join date, no meeting this quarter, duties without a responsible person, no members), for the
organization department to chase, each gap with the page that fixes it.

It reads several apps at once (their selectors give each fact as an annotation over organizations), so it lives in
`site`; the whole subtree is read in one query, the gaps counted in one more.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grassroots.core.policy import Action, can_anywhere
from grassroots.duties.selectors import duties_without_responsible
from grassroots.organizations.models import Organization, OrgKind, subtree_q
from grassroots.organizations.selectors import organization_facts, organization_list
from grassroots.orglife.selectors import COMMITTEE_MIN_MEMBERS, meeting_held_in, quarter_of

# Who reads the gaps: those who may read members' records somewhere (officers, secretaries for their branch,
# auditors); the organizations are those where they may.
READ = Action.VIEW_RECORD

HOLDS_MEETINGS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


@dataclass(frozen=True)
class GapKind:
    """A kind of gap: its code, its name, the condition over the annotated organizations, and the page fixing it."""

    code: str
    label: str
    condition: Q
    fix: str  # URL name taking the organization's pk
    fix_label: str
    counted: str = ""  # an annotation whose value says how many records lack something (else the gap is one)

    @property
    def column(self) -> str:
        return f"gap_{self.code}"

    def describe(self, count: int) -> str:
        if self.code == "no_join_date":
            return ngettext("%(n)d member without a join date", "%(n)d members without a join date", count) % {
                "n": count
            }
        if self.code == "no_responsible":
            return ngettext(
                "%(n)d duty without a responsible person", "%(n)d duties without a responsible person", count
            ) % {"n": count}
        return str(self.label)


KINDS = [
    GapKind(
        "no_secretary",
        _("No secretary"),
        ~Q(kind=OrgKind.GROUP) & Q(has_secretary=False),
        "organizations:post_new",
        _("Name the secretary"),
    ),
    GapKind(
        "no_committee",
        _("No committee, though the branch has enough members for one"),
        Q(kind=OrgKind.BRANCH, active_members__gte=COMMITTEE_MIN_MEMBERS, has_committee=False),
        "organizations:post_new",
        _("Name the committee members"),
    ),
    GapKind(
        "no_leader",
        _("No group leader"),
        Q(kind=OrgKind.GROUP, has_leader=False),
        "organizations:post_new",
        _("Name the group leader"),
    ),
    GapKind(
        "no_members",
        _("No members recorded"),
        # A group's members belong to its branch: only a branch holds members of its own.
        Q(kind=OrgKind.BRANCH, active_members=0),
        "organizations:member_new",
        _("Add a member"),
    ),
    GapKind(
        "no_join_date",
        _("Members without a join date"),
        Q(undated_members__gt=0),
        "organizations:detail",
        _("Open the members"),
        counted="undated_members",
    ),
    GapKind(
        "no_meeting",
        _("No meeting recorded this quarter"),
        Q(kind__in=HOLDS_MEETINGS, active_members__gt=0, met_this_quarter=False),
        "orglife:meeting_new",
        _("Record a meeting"),
    ),
    GapKind(
        "no_responsible",
        _("Duties without a responsible person"),
        Q(unassigned_duties__gt=0),
        "duties:org_lists",
        _("Open the duty lists"),
        counted="unassigned_duties",
    ),
]
BY_CODE = {kind.code: kind for kind in KINDS}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.label) for kind in KINDS]


@dataclass(frozen=True)
class Gap:
    """One thing an organization's records lack."""

    organization: Organization
    kind: GapKind
    count: int

    @property
    def text(self) -> str:
        return self.kind.describe(self.count)

    @property
    def fix_url(self) -> str:
        return reverse(self.kind.fix, args=[self.organization.pk])


def may_read(user) -> bool:
    return can_anywhere(user, READ)


def _organizations(*, user, under: Organization | None, today: dt.date):
    quarter = quarter_of(today)
    qs = organization_list(user=user, action=READ).filter(is_active=True)
    if under is not None:
        qs = qs.filter(subtree_q(under.path))
    qs = qs.annotate(
        **organization_facts(),
        met_this_quarter=meeting_held_in(quarter.start, min(quarter.end, today)),
        unassigned_duties=duties_without_responsible(today=today),
    )
    # Each gap as a boolean column: the one place its condition is read, by the counts and by the list alike.
    return qs.annotate(
        **{
            kind.column: Case(When(kind.condition, then=Value(True)), default=Value(False), output_field=BooleanField())
            for kind in KINDS
        }
    )


def _kinds(kind: str) -> list[GapKind]:
    return [BY_CODE[kind]] if kind in BY_CODE else KINDS


def gap_counts(*, user, kind: str = "", under: Organization | None = None, today: dt.date | None = None) -> dict:
    """How many gaps of each kind (one aggregate query), and their total."""
    today = today or timezone.localdate()
    kinds = _kinds(kind)
    orgs = _organizations(user=user, under=under, today=today)
    counts = orgs.aggregate(**{k.code: Count("pk", filter=Q(**{k.column: True})) for k in kinds})
    return {"by_kind": counts, "total": sum(counts.values())}


def gaps(*, user, kind: str = "", under: Organization | None = None, today: dt.date | None = None) -> list[Gap]:
    """The gaps of the organizations the user may read, by their place in the tree; one kind of gap, or every
    kind; under one organization (its subtree), or everywhere."""
    today = today or timezone.localdate()
    kinds = _kinds(kind)
    any_gap = Q()
    for k in kinds:
        any_gap |= Q(**{k.column: True})
    orgs = _organizations(user=user, under=under, today=today).filter(any_gap).order_by("path")
    out = []
    for org in orgs:
        for k in kinds:
            if getattr(org, k.column):
                out.append(Gap(org, k, getattr(org, k.counted) if k.counted else 1))
    return out
