"""The diagnosis's checks of formalism: the open and confirmed flags of a period, per organization and kind, turned
into findings (a dismissed flag counts for nothing)."""

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..diagnosis.checks import Finding, Link, check
from ..models import FlagKind, FlagState
from .selectors import flags_for_diagnosis

SHOWN = 5  # flags linked from one finding


def _finding(kind: str, organization_id: int, flags: list, threshold: Decimal) -> Finding:
    confirmed = sum(1 for f in flags if f.state == FlagState.CONFIRMED)
    label = FlagKind(kind).label
    text = ngettext(
        "%(n)d flag of %(kind)s (%(confirmed)d confirmed).",
        "%(n)d flags of %(kind)s (%(confirmed)d confirmed).",
        len(flags),
    ) % {"n": len(flags), "kind": label, "confirmed": confirmed}
    evidence = [
        Link(f"{f.get_kind_display()} · {f.created_at:%Y-%m-%d}", reverse("insights:flag", args=[f.pk]))
        for f in flags[:SHOWN]
    ]
    query = urlencode({"kind": kind, "organization": flags[0].organization.code})
    actions = [Link(_("Judge the flags"), f"{reverse('insights:flags')}?{query}")]
    actions += [
        Link(_("Open a case"), reverse("insights:flag", args=[f.pk]) + "#case")
        for f in flags
        if f.state == FlagState.CONFIRMED and f.case_id is None
    ][:1]
    return Finding(
        organization_id=organization_id,
        problem="formalism",
        code=f"formalism.{kind}",
        text=text,
        measured=Decimal(len(flags)),
        threshold=threshold,
        evidence=evidence,
        actions=actions,
    )


def _check_of(kind: str):
    def run(organizations, period, threshold):
        threshold = Decimal(threshold if threshold is not None else 1)
        by_org: dict[int, list] = {}
        for flag in flags_for_diagnosis(organizations=organizations, period=period).filter(kind=kind):
            by_org.setdefault(flag.organization_id, []).append(flag)
        for organization_id, flags in sorted(by_org.items()):
            if len(flags) >= threshold:
                yield _finding(kind, organization_id, flags, threshold)

    run.__name__ = f"formalism_{kind}"
    return run


# One function per kind, made once, so that registering again (a second ready()) registers the same one.
CHECKS = {kind: _check_of(kind) for kind in FlagKind.values}


def register() -> None:
    for kind, function in CHECKS.items():
        check(code=f"formalism.{kind}", problem="formalism", label=FlagKind(kind).label, threshold=Decimal(1))(function)
