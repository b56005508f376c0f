"""Reads of the diagnosis, always through the policy: the organizations a user may read the diagnosis of (through a
grant: the branch's secretary, the committees above and their auditors; never a member for being one, never the
public), their findings and their subtree's summary, and the thresholds in force."""

from django.core.cache import cache
from django.utils import timezone

from grassroots.core.policy import Action, can_anywhere, restrict
from grassroots.organizations.models import Organization

from ..models import DiagnosedOrganization, DiagnosisThreshold, KeptDiagnosis
from . import engine
from .checks import CHECKS


def diagnosis_organizations(*, user):
    return restrict(user, Action.VIEW, DiagnosedOrganization.objects.filter(is_active=True))


def diagnosis_organization(*, user, code: str):
    return diagnosis_organizations(user=user).filter(code=code).first()


def may_diagnose(user) -> bool:
    """Whether the menu shows the diagnosis: the user reads some subtree through a grant."""
    return bool(user and user.is_authenticated) and can_anywhere(user, Action.VIEW)


def roots(*, user):
    """The highest organizations the user reads the diagnosis of (their grants' organizations)."""
    orgs = diagnosis_organizations(user=user).order_by("path").only("pk", "path", "code", "name", "name_en", "kind")
    top, out = None, []
    for org in orgs.iterator(chunk_size=2000):
        if top is None or not org.path.startswith(top):
            out.append(org)
            top = org.path
        if len(out) >= 50:
            break
    return out


def findings_of(*, user, organization, period):
    """The findings of one organization (the user must read its diagnosis)."""
    orgs = diagnosis_organizations(user=user).filter(pk=organization.pk)
    return engine.diagnose(organizations=orgs, period=period, root_path=organization.path)


def subtree(*, user, organization):
    return diagnosis_organizations(user=user).filter(organization.subtree_q())


# A subtree's summary is kept this long: a city's takes seconds, and its readers open it again and again.
CACHE_SECONDS = 300


def kept_summary(*, organization, period):
    """The subtree's summary computed ahead (`services.diagnosis_keep`), or None."""
    return KeptDiagnosis.objects.filter(organization=organization, period=period).defer("organization_ids").first()


def subtree_summary(*, user, organization, period):
    """The subtree's findings ranked. A large subtree's were computed ahead (nightly, and again after a threshold
    changes): the summary says when, and whether a threshold changed since. Any other's are computed on request and
    kept CACHE_SECONDS with the same thresholds. Whoever reads an organization's diagnosis holds a grant covering its
    whole subtree, so one summary serves all."""
    stamp = engine.thresholds_stamp()
    kept = kept_summary(organization=organization, period=period)
    if kept is not None:
        summary = engine.summary_from_data(kept.summary)
        summary.computed_at, summary.out_of_date = kept.computed_at, kept.thresholds != stamp
        return summary
    key = ":".join(
        ["diagnosis", str(organization.pk), organization.path, period.code, timezone.localdate().isoformat(), stamp]
    )
    found = cache.get(key)
    if found is None:
        summary = engine.summarize(
            organizations=subtree(user=user, organization=organization), period=period, root_path=organization.path
        )
        found = engine.summary_to_data(summary)
        cache.set(key, found, CACHE_SECONDS)
    return engine.summary_from_data(found)


def thresholds_in_force(*, organization) -> list[dict]:
    """For each check: the threshold in force at the organization, where it was set (None: the default), its rule."""
    rules = DiagnosisThreshold.objects.filter(
        organization__path__in=[
            organization.path[:i] for i in range(organization.steplen, len(organization.path) + 1, organization.steplen)
        ]
    ).select_related("organization")
    nearest: dict[str, DiagnosisThreshold] = {}
    for rule in sorted(rules, key=lambda r: len(r.organization.path)):
        nearest[rule.code] = rule
    out = []
    for check in engine.checks():
        if check.threshold is None:
            continue
        rule = nearest.get(check.code)
        out.append(
            {
                "check": check,
                "value": rule.value if rule else check.threshold,
                "set_at": rule.organization if rule else None,
                "own": rule is not None and rule.organization_id == organization.pk,
            }
        )
    return out


def changeable_organization(*, user, pk: int):
    """An organization where the user writes records (the target of a finding's "issue a duty"), or None."""
    return restrict(user, Action.CHANGE, Organization.objects.filter(pk=pk)).first()


def threshold_list(*, user):
    return restrict(user, Action.VIEW, DiagnosisThreshold.objects.select_related("organization"))


def check_choices():
    return [(c.code, f"{c.label}") for c in engine.checks() if c.threshold is not None]


def known_check(code: str) -> bool:
    return code in CHECKS and CHECKS[code].threshold is not None


def organizations_with(*, user, organization, period, code: str) -> list[int]:
    """The ids of the organizations of the subtree with a finding of one check: from the summary computed ahead while
    the thresholds are those it was computed under, else that check alone is run."""
    kept = KeptDiagnosis.objects.filter(organization=organization, period=period).first()
    if kept is not None and kept.thresholds == engine.thresholds_stamp():
        return sorted(kept.organization_ids.get(code, []))
    findings = engine.diagnose(
        organizations=subtree(user=user, organization=organization),
        period=period,
        codes=[code],
        root_path=organization.path,
        detailed=False,
    )
    return sorted({f.organization_id for f in findings})
