"""Reads of the audit trail, restricted by the permission policy: the auditors' alone (VIEW_AUDIT)."""

from django.db.models import Q

from .labels import registered_actions
from .models import AuditEntry, AuditResult
from .policy import Action, restrict, scope_q, subject
from .tree import organizations, subtree_q


def reads_system_entries(user) -> bool:
    """Whether the user audits a whole tree (an auditor's grant on a top-level organization): they read the entries
    that belong to no organization too (failed logins, the seal, restores, dormant accounts disabled)."""
    steplen = organizations().model.steplen
    return any(len(path) == steplen for path in subject(user).paths_for(Action.VIEW_AUDIT))


def audit_entries(*, user, organization="", object_type="", object_id="", action="", result=""):
    q = scope_q(user, Action.VIEW_AUDIT, AuditEntry)
    if q is not None and reads_system_entries(user):
        q |= Q(org_path="")
    qs = AuditEntry.objects.all() if q is None else AuditEntry.objects.filter(q)
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
    if result:
        qs = qs.filter(result=result) if result in AuditResult.values else qs.none()
    return qs.order_by("-seq"), org


def action_choices():
    return sorted(registered_actions().items())


def result_choices():
    return AuditResult.choices


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
