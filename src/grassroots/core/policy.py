"""The permission policy: one place answers "may U do A on O" and "which rows may U see".

A grant (user, organization, role) covers the organization's whole subtree. A user linked to a member
also sees their own record and their own organization (the member role). Anonymous users are the public:
they see only what the disclosure pages publish. Every subject, the anonymous one included, holds the public role
over the whole tree (PUBLIC_GRANTS): its one action, VIEW_PUBLIC, reads what the organizations publish (the
disclosure app's `public_*` selectors cut their rows down with it), and it is the same for everyone, the
superuser included. The audit trail is read by the auditor role alone (VIEW_AUDIT): neither the administrators nor
the officers, who change the records it records, nor a superuser without an auditor's grant.
"""

from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .tree import active_member_of, grants_of, subtree_q


class Action:
    VIEW = "view"  # read records in scope
    VIEW_RECORD = "view_record"  # read a member's whole record (birth date, education, ...; numbers still masked)
    CHANGE = "change"  # create and change members, posts, transfers, records of work
    MANAGE_STRUCTURE = "manage_structure"  # create, rename and move organizations
    VIEW_PERSONAL = "view_personal"  # read ID numbers and phones unmasked (each reading audited)
    VIEW_AUDIT = "view_audit"  # read the audit trail: the auditor's alone (no superuser passes it by)
    MANAGE_GRANTS = "manage_grants"  # give and take roles in scope
    IMPORT = "import"
    EXPORT = "export"
    VIEW_CASES = "view_cases"  # read the cases of accountability concerning the scope (not a branch's members)
    PURSUE = "pursue"  # open cases, decide their measures, set the rules of pursuit
    VIEW_PUBLIC = "view_public"  # read what the organizations publish: the public role's only action

    ALL = (
        VIEW,
        VIEW_RECORD,
        CHANGE,
        MANAGE_STRUCTURE,
        VIEW_PERSONAL,
        VIEW_AUDIT,
        MANAGE_GRANTS,
        IMPORT,
        EXPORT,
        VIEW_CASES,
        PURSUE,
    )


# Those who change records do not read the trail that records them (separation of powers, GB/T 22239-2019 8.1.4.3):
# administrators and officers hold every action but VIEW_AUDIT.
_MANAGING = frozenset(Action.ALL) - {Action.VIEW_AUDIT}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": _MANAGING,
    "officer": _MANAGING,
    "secretary": frozenset(
        {Action.VIEW, Action.VIEW_RECORD, Action.CHANGE, Action.VIEW_PERSONAL, Action.IMPORT, Action.EXPORT}
    ),
    # The discipline inspector of a scope reads its cases; a secretary reads only a case concerning them.
    "auditor": frozenset({Action.VIEW, Action.VIEW_RECORD, Action.VIEW_AUDIT, Action.EXPORT, Action.VIEW_CASES}),
    # The public: what the organizations publish, nothing else (held by every subject through PUBLIC_GRANTS).
    "public": frozenset({Action.VIEW_PUBLIC}),
}
# The grants every subject holds, signed in or not: the public role over the whole tree (every path starts with "").
PUBLIC_GRANTS: tuple[tuple[str, str], ...] = (("", "public"),)
# Actions that read the same rows for everyone: no superuser passes them by.
PUBLIC_ACTIONS = frozenset({Action.VIEW_PUBLIC})
# Actions only a grant gives: the public's, and reading the audit trail, which a superuser reads only through an
# auditor's grant of their own.
GRANTED_ONLY = PUBLIC_ACTIONS | {Action.VIEW_AUDIT}
# What a member sees of their own organization without any grant: its rows, colleagues by name, category and posts,
# not a colleague's whole record (that is VIEW_RECORD, which a member holds on their own record only).
MEMBER_ACTIONS = frozenset({Action.VIEW})
OWN_ACTIONS = frozenset({Action.VIEW, Action.VIEW_RECORD})


def roles_with(action: str) -> list[str]:
    """The roles whose grants allow `action` (the officers of an organization: those with MANAGE_STRUCTURE)."""
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


@dataclass(frozen=True)
class ModelScope:
    """How rows of a model reach the tree: path lookups (any of them in scope) and the member's own rows."""

    paths: tuple[str, ...]
    own_member: tuple[str, ...] = ()  # lookups equal to the member's id
    own_organization: tuple[str, ...] = ()  # lookups equal to the member's organization id


_SCOPES: dict[type, ModelScope] = {}


def register_scope(model: type[Model], scope: ModelScope) -> None:
    _SCOPES[model] = scope


def scope_of(model: type[Model]) -> ModelScope:
    try:
        return _SCOPES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scope in the permission policy") from None


class Subject:
    """The acting user as the policy sees them: grants (path, role) loaded once."""

    def __init__(self, user):
        self.user = user
        self._roots: dict[str, list[str]] = {}  # paths_for, per action: asked for every row of a page

    @property
    def is_anonymous(self) -> bool:
        return self.user is None or not self.user.is_authenticated

    @property
    def is_superuser(self) -> bool:
        return not self.is_anonymous and self.user.is_active and self.user.is_superuser

    @cached_property
    def grants(self) -> list[tuple[str, str]]:
        if self.is_anonymous or not self.user.is_active:
            return []
        return grants_of(self.user)

    @cached_property
    def member(self):
        if self.is_anonymous or not self.user.is_active:
            return None
        return active_member_of(self.user)

    @property
    def all_grants(self) -> list[tuple[str, str]]:
        """The user's own grants and those every subject holds (the public role); for an anonymous subject, only
        the latter."""
        return [*self.grants, *PUBLIC_GRANTS]

    def paths_for(self, action: str) -> list[str]:
        """Roots of the subtrees where the user may do `action`, redundant nested roots removed."""
        if action in self._roots:
            return list(self._roots[action])
        paths = sorted({p for p, role in self.all_grants if action in ROLE_ACTIONS.get(role, ())})
        roots: list[str] = []
        for p in paths:
            if not roots or not p.startswith(roots[-1]):
                roots.append(p)
        self._roots[action] = roots
        return list(roots)

    def roles(self) -> set[str]:
        return {role for _p, role in self.grants}


def subject(user) -> Subject:
    """The policy's view of a user, cached on the user object for the request."""
    if user is None:
        return Subject(None)
    cached = getattr(user, "_grassroots_subject", None)
    if cached is None:
        cached = Subject(user)
        with suppress(AttributeError):
            user._grassroots_subject = cached
    return cached


def scope_q(user, action: str, model: type[Model]) -> Q | None:
    """A filter for the rows of `model` the user may `action`; None means all rows."""
    subj = subject(user)
    if subj.is_superuser and action not in GRANTED_ONLY:
        return None
    scope = scope_of(model)
    q = Q(pk__in=[])
    for path in subj.paths_for(action):
        for lookup in scope.paths:
            q |= subtree_q(path, lookup)
    member = subj.member
    if member is not None and action in OWN_ACTIONS:
        for lookup in scope.own_member:
            q |= Q(**{lookup: member.pk})
    if member is not None and action in MEMBER_ACTIONS:
        for lookup in scope.own_organization:
            q |= Q(**{lookup: member.organization_id})
    return q


def restrict(user, action: str, queryset: QuerySet) -> QuerySet:
    """The queryset cut down to what the user may `action`."""
    q = scope_q(user, action, queryset.model)
    if q is None:
        return queryset
    return queryset.filter(q)


def object_paths(obj) -> list[str]:
    scope = scope_of(type(obj))
    out = []
    for lookup in scope.paths:
        value = obj
        for part in lookup.split("__"):
            value = getattr(value, part, None)
            if value is None:
                break
        if value:
            out.append(value)
    return out


def can(user, action: str, obj) -> bool:
    """May the user do `action` on this object (an organization or any scoped row)?"""
    subj = subject(user)
    if subj.is_superuser and action not in GRANTED_ONLY:
        return True
    roots = subj.paths_for(action)
    for path in object_paths(obj):
        if any(path.startswith(root) for root in roots):
            return True
    member = subj.member
    if member is None:
        return False
    scope = scope_of(type(obj))
    if action in OWN_ACTIONS and any(_follow(obj, lookup) == member.pk for lookup in scope.own_member):
        return True
    if action in MEMBER_ACTIONS:
        return any(_follow(obj, lookup) == member.organization_id for lookup in scope.own_organization)
    return False


def _follow(obj, lookup: str):
    value = obj
    parts = lookup.split("__")
    for i, part in enumerate(parts):
        if value is None:
            return None
        if i == len(parts) - 1 and part in ("pk", "id"):
            return value.pk
        field_id = f"{part}_id"
        if i == len(parts) - 1 and hasattr(value, field_id):
            return getattr(value, field_id)
        value = getattr(value, part, None)
    return value


def can_anywhere(user, action: str) -> bool:
    """Does the user hold `action` on at least one subtree (to show or hide a menu entry)?"""
    subj = subject(user)
    return (subj.is_superuser and action not in GRANTED_ONLY) or bool(subj.paths_for(action))


class PermissionDenied(DjangoPermissionDenied):
    """Raised by services when the policy refuses an action; pages and the API answer 403 with the message."""

    def __init__(self, message=None, *, action: str = "", obj=None):
        self.message = message or _("You do not have permission to do this here.")
        self.action, self.obj = action, obj  # what was refused on which row, when the check knows (the audit says)
        super().__init__(self.message)


def require(user, action: str, obj, message=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(message, action=action, obj=obj)
