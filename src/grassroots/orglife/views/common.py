"""What the organizational-life pages share: finding the organization in scope, member choices, periods, forms."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from grassroots.core.collation import by_reading
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.core.web import REFUSED, digits_only, parse_id, run_service
from grassroots.duties.services import period_for
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import MemberStatus, Organization

from .. import selectors

RECENT_SHOWN = 10


def allowed(check, **kwargs) -> bool:
    """Whether a service's `_check` lets this through: the page shows a button only when the service would act."""
    try:
        check(**kwargs)
    except (ValidationError, Conflict, PermissionDenied):
        return False
    return True


def org_or_404(request, pk, action=Action.VIEW) -> Organization:
    return get_object_or_404(org_selectors.organization_list(user=request.user, action=action), pk=pk)


def require_change(request, obj) -> None:
    if not can(request.user, Action.CHANGE, obj):
        raise PermissionDenied()


def active_members(request, organization):
    """The active members of an organization the user can see, by name."""
    return (
        org_selectors.member_list(user=request.user, organization=organization)
        .filter(status=MemberStatus.ACTIVE)
        .order_by(by_reading("name", chinese=True), "id")
    )


def attendee_choices(organization):
    """Who attends the organization's meetings (and may visit or talk for it), by name."""
    return selectors.attendee_pool(organization).order_by(by_reading("name", chinese=True), "id")


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def this_year() -> int:
    return timezone.localdate().year


def _period_named(code: str):
    if not (digits_only(code[:4]) and 1921 <= int(code[:4]) <= 2200):
        raise ValidationError(_("%(code)s is not a period; write 2026, 2026-H1, 2026-Q3 or 2026-07.") % {"code": code})
    return period_for(code)


def period_of(request):
    """The period chosen by code (2026, 2026-Q3, 2026-07); this year when none or a wrong one is given."""
    code = (request.GET.get("period") or str(this_year())).strip().upper()[:16]
    period = run_service(request, _period_named, code=code)
    if period is REFUSED:
        code = str(this_year())
        period = period_for(code)
    return code, period


def period_choices(code: str) -> list[str]:
    year = this_year()
    codes = []
    for y in (year, year - 1):
        codes += [str(y)] + [f"{y}-Q{q}" for q in range(1, 5)] + [f"{y}-H{h}" for h in (1, 2)]
    if code not in codes:
        codes.insert(0, code)
    return codes


def initial_int(request, name):
    return parse_id(request.GET.get(name, ""))


def year_of(request) -> int:
    """The year asked for (?year=), or this year when none or an impossible one is given."""
    year = initial_int(request, "year")
    return year if year is not None and 1921 <= year <= 2200 else this_year()


def form_page(request, form, title, *, organization=None, member=None, back=None, extra=None):
    context = {"form": form, "title": title, "organization": organization, "member": member, "back": back}
    context.update(extra or {})
    return render(request, "orglife/form.html", context)
