"""The organization tree as the ground floor sees it, told by the app that owns the tree.

The policy, the audit trail's reads and the API's fields need a user's grants, a user's member record and the
organizations' rows, but core imports no app: the organizations app registers a `TreeLoader` in its
`AppConfig.ready`, and core asks it through the functions below. Paths are materialized paths: a subtree is the
range from a path to the same path followed by PATH_END.
"""

from typing import Protocol

from django.db.models import Q, QuerySet

PATH_END = "~"  # sorts after every character of the path alphabet, bytewise


class TreeLoader(Protocol):
    """What the app owning the tree answers for the ground floor."""

    def grants(self, user) -> list[tuple[str, str]]:
        """The user's grants as (organization path, role) pairs."""

    def active_member(self, user):
        """The user's active member record (its organization loaded), or None."""

    def organizations(self) -> QuerySet:
        """Every organization, for the caller to restrict by the policy."""


_loader: TreeLoader | None = None


def register_tree(loader: TreeLoader) -> None:
    global _loader
    _loader = loader


def tree() -> TreeLoader:
    if _loader is None:
        raise LookupError("no organization tree is registered: the organizations app registers it when it is ready")
    return _loader


def grants_of(user) -> list[tuple[str, str]]:
    return tree().grants(user)


def active_member_of(user):
    return tree().active_member(user)


def organizations() -> QuerySet:
    return tree().organizations()


def subtree_q(path: str, field: str = "path") -> Q:
    """Rows whose path lies in the subtree rooted at `path` (a range, never LIKE)."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})
