"""What the assessment's pages share: finding the run or system asked for, the manager's gate."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, PermissionDenied
from grassroots.core.web import parse_id

from .. import selectors
from ..models import (
    IndicatorSystem,
)

PER_PAGE = 50
CODES_OFFERED = 500  # organizations offered in a datalist; more can be typed by code


def find_run(request, pk):
    return get_object_or_404(selectors.run_list(user=request.user), pk=pk)


def posted_id(request, name: str) -> int:
    """The id a form posts in `name`; a missing or malformed one finds nothing (404)."""
    value = parse_id(request.POST.get(name, ""))
    if value is None:
        raise Http404()
    return value


def require_manage(request, run) -> None:
    if not selectors.may_manage(request.user, run):
        raise PermissionDenied(_("Only those who run this assessment can do this."))


def find_system(request, pk) -> IndicatorSystem:
    return get_object_or_404(selectors.systems_visible(user=request.user), pk=pk)


def org_codes(request, run, action=Action.MANAGE_STRUCTURE):
    return list(
        selectors.assessed_organizations(user=request.user, run=run, action=action).only(
            "id", "code", "name", "name_en", "path"
        )[:CODES_OFFERED]
    )
