"""Reads of organizations, members and grants, always restricted by the permission policy."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr

from grassroots.core.policy import Action, can, restrict, roles_with, scope_q, subject

from .models import (
    Grant,
    Member,
    MemberStatus,
    Organization,
    Post,
    PostTitle,
    Transfer,
    ancestor_paths,
    subtree_q,
)

ACCOUNT_STATE_ACTIONS = (
    "organizations.member.account_close",
    "organizations.member.account_activate",
    "organizations.member.account_deactivate",
)


def account_closing(*, user, member: Member):
    """The audit entry that closed the member's account when they left, while it is what last happened to the
    account (none once an officer activated it again), for those who change the member's record."""
    from grassroots.core.models import AuditEntry

    if not member.user_id or member.user.is_active or not can(user, Action.CHANGE, member):
        return None
    last = (
        AuditEntry.objects.filter(
            object_type="organizations.member", object_id=str(member.pk), action__in=ACCOUNT_STATE_ACTIONS
        )
        .order_by("-seq")
        .first()
    )
    return last if last is not None and last.action == ACCOUNT_STATE_ACTIONS[0] else None


def organization_list(*, user, action: str = Action.VIEW):
    return restrict(user, action, Organization.objects.all())


def organization_get(*, user, pk, action: str = Action.VIEW) -> Organization:
    return organization_list(user=user, action=action).get(pk=pk)


def visible_roots(*, user) -> list[Organization]:
    """The highest organizations the user can see: the starting points of their tree."""
    orgs = list(organization_list(user=user).order_by("path").only("id", "path", "name", "name_en", "kind", "code"))
    roots: list[Organization] = []
    for org in orgs:
        if not roots or not org.path.startswith(roots[-1].path):
            roots.append(org)
    return roots


def granted_organizations(*, user) -> list[Organization]:
    """The organizations on which the user holds a role (the tops of what they look after; the top ones for a
    superuser), read without loading the subtrees below them: a start page's buttons."""
    subj = subject(user)
    if subj.is_superuser:
        qs = Organization.objects.filter(parent__isnull=True)
    else:
        qs = organization_list(user=user).filter(path__in=sorted({path for path, _role in subj.grants}))
    return list(qs.order_by("path")[:20])


def children_with_counts(*, user, organization: Organization) -> list[Organization]:
    """The visible children of an organization, each with the counts of its whole subtree.

    One grouped query per count over the path prefix of the children's depth, not a query per child.
    """
    children = list(organization_list(user=user).filter(parent=organization).order_by("path"))
    if not children:
        return children
    width = (organization.depth + 1) * Organization.steplen
    members = (
        Member.objects.filter(organization__path__gte=organization.path, organization__path__lt=organization.path + "~")
        .filter(status=MemberStatus.ACTIVE)
        .exclude(organization=organization)
        .annotate(prefix=Substr("organization__path", 1, width))
        .order_by()
        .values("prefix")
        .annotate(n=Count("id"))
    )
    member_counts = {row["prefix"]: row["n"] for row in members}
    orgs = (
        Organization.objects.filter(subtree_q(organization.path))
        .exclude(pk=organization.pk)
        .annotate(prefix=Substr("path", 1, width))
        .order_by()
        .values("prefix")
        .annotate(n=Count("id"))
    )
    org_counts = {row["prefix"]: row["n"] for row in orgs}
    for child in children:
        child.member_count = member_counts.get(child.path, 0)
        child.org_count = org_counts.get(child.path, 1) - 1
    return children


def subtree_counts(*, organization: Organization) -> dict:
    """Counts of the organization's subtree: organizations by kind, members by category."""
    orgs = Organization.objects.filter(subtree_q(organization.path)).order_by().values("kind").annotate(n=Count("id"))
    members = (
        Member.objects.filter(subtree_q(organization.path, "organization__path"), status=MemberStatus.ACTIVE)
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
    )
    by_kind = {row["kind"]: row["n"] for row in orgs}
    by_category = {row["category"]: row["n"] for row in members}
    return {
        "organizations": sum(by_kind.values()) - 1,
        "by_kind": by_kind,
        "members": sum(by_category.values()),
        "by_category": by_category,
    }


def member_list(*, user, action: str = Action.VIEW, organization: Organization | None = None, subtree=False):
    qs = restrict(user, action, Member.objects.select_related("organization"))
    if organization is not None:
        if subtree:
            qs = qs.filter(subtree_q(organization.path, "organization__path"))
        else:
            qs = qs.filter(organization=organization)
    return qs


def members_to_name(*, user, organization: Organization, keep: int | None = None):
    """Members who can be named responsible for the work of `organization`: the active members of it and of the
    level below it that the user can see, and the one named now (`keep`) while active."""
    members = member_list(user=user, organization=organization, subtree=True)
    near = members.filter(Q(organization__depth__lte=organization.depth + 1) | Q(pk=keep))
    return near.filter(status=MemberStatus.ACTIVE)


def organizations_matching(*, user, query: str, limit: int = 12):
    """Organizations the user can see whose code starts with, or whose name contains, the query (a picker's
    suggestions)."""
    query = query.strip()
    if not query:
        return Organization.objects.none()
    match = Q(code__istartswith=query) | Q(name__contains=query) | Q(name_en__icontains=query)
    return organization_list(user=user).filter(match).order_by("path")[:limit]


def member_search(*, user, query: str, limit: int = 50):
    """Active members in scope whose name contains the query; by the full phone or ID number only where the user
    may read those unmasked (a masked field cannot be searched by its hidden part)."""
    query = query.strip()
    qs = member_list(user=user).filter(status=MemberStatus.ACTIVE)
    if not query:
        return qs.none()
    match = Q(name__contains=query)
    personal = scope_q(user, Action.VIEW_PERSONAL, Member)
    by_personal = Q(phone=query) | Q(id_number=query.upper())
    match |= by_personal if personal is None else by_personal & personal
    return qs.filter(match)[:limit]


def post_list(*, user, organization: Organization | None = None, current_only=True):
    qs = restrict(user, Action.VIEW, Post.objects.select_related("member", "organization"))
    if organization is not None:
        qs = qs.filter(organization=organization)
    if current_only:
        qs = qs.filter(ended_on__isnull=True)
    return qs


def secretary_of(organization: Organization):
    post = (
        Post.objects.filter(organization=organization, title="secretary", ended_on__isnull=True)
        .select_related("member")
        .order_by("-started_on")
        .first()
    )
    return post.member if post else None


def transfer_list(*, user):
    return restrict(
        user, Action.VIEW, Transfer.objects.select_related("member", "from_organization", "to_organization")
    )


def transfers_awaiting(*, user):
    """Transfers the user can accept: requested into an organization they manage."""
    managed = restrict(user, Action.CHANGE, Organization.objects.all())
    return transfer_list(user=user).filter(state="requested", to_organization__in=managed)


def grant_list(*, user):
    return restrict(user, Action.VIEW, Grant.objects.select_related("user", "organization"))


# The posts of a branch committee besides its secretary.
COMMITTEE_POSTS = (
    PostTitle.DEPUTY_SECRETARY,
    PostTitle.ORGANIZATION,
    PostTitle.PROPAGANDA,
    PostTitle.DISCIPLINE,
    PostTitle.COMMITTEE,
)


def _members_counted(**filters):
    rows = (
        Member.objects.filter(organization=OuterRef("pk"), status=MemberStatus.ACTIVE, **filters)
        .order_by()
        .values("organization")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _post_held(titles) -> Exists:
    return Exists(Post.objects.filter(organization=OuterRef("pk"), title__in=titles, ended_on__isnull=True))


def organization_facts() -> dict:
    """Annotations over organizations (each an expression of the outer row) saying what their records hold: active
    members, active members without a join date, whether a secretary, committee members, a group leader are in post. The data
    completeness check reads them for a whole subtree in one query."""
    return {
        "active_members": _members_counted(),
        "undated_members": _members_counted(joined_on__isnull=True),
        "has_secretary": _post_held([PostTitle.SECRETARY]),
        "has_committee": _post_held(COMMITTEE_POSTS),
        "has_leader": _post_held([PostTitle.GROUP_LEADER]),
    }


def users_who_may(*, action: str, organization: Organization):
    """The active users the policy lets do `action` on this organization through a grant on it or above it (whom to
    tell that something waits for them there; a superuser reaches everywhere and is not told of everything)."""
    from django.contrib.auth import get_user_model

    granted = Grant.objects.filter(
        organization__path__in=ancestor_paths(organization.path), role__in=roles_with(action)
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=granted, is_active=True).order_by("pk")
