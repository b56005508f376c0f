"""Reads of the audit trail, restricted by the permission policy."""

from .labels import registered_actions
from .models import AuditEntry
from .policy import Action, restrict
from .tree import organizations, subtree_q


def audit_entries(*, user, organization="", object_type="", object_id="", action=""):
    qs = restrict(user, Action.VIEW_AUDIT, AuditEntry.objects.all())
    org = None
    if organization:
        org = restrict(user, Action.VIEW_AUDIT, organizations()).filter(pk=_int(organization)).first()
        qs = qs.filter(subtree_q(org.path, "org_path")) if org else qs.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-seq"), org


def action_choices():
    return sorted(registered_actions().items())


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
