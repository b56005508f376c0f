"""The flag pages: the list for reviewers and committees, one flag with its records side by side, and the
decisions (dismiss with a reason, confirm, open a case), each through its service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.uploads import serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors

from . import selectors, services
from .forms import FlagConfirmForm, FlagDismissForm, FlagFilterForm

PER_PAGE = 25


@login_required
def flag_list(request):
    """The flags the user may see, the open ones by default; narrowed by kind, state and organization."""
    user = request.user
    form = FlagFilterForm(request.GET or None, organizations=org_selectors.organization_list(user=user))
    data = {"state": "open"}
    if form.is_bound:
        data = form.cleaned_data if form.is_valid() else None
    if data is None:
        rows = selectors.flag_list(user=user).none()
    else:
        rows = selectors.flag_list(
            user=user, kind=data.get("kind", ""), state=data.get("state", ""), organization=data.get("organization")
        )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for flag in page:
        flag.words = services.describe(flag)
    return render(request, "insights/formalism/flags.html", {"form": form, "page": page})


def _flag(request, pk):
    flag = selectors.flag_get(user=request.user, pk=pk)
    if flag is None:
        raise Http404
    return flag


@login_required
def flag_detail(request, pk, dismiss_form=None, confirm_form=None):
    """One flag: what was found in words, the two records side by side, and the decisions the user may take."""
    flag = _flag(request, pk)
    user = request.user
    context = {
        "flag": flag,
        "view": selectors.flag_sides(flag),
        "may_decide": allowed(services.flag_decide_check, actor=user, flag=flag),
        "may_open_case": allowed(services.flag_open_case_check, actor=user, flag=flag),
        "dismiss_form": dismiss_form or FlagDismissForm(),
        "confirm_form": confirm_form or FlagConfirmForm(),
    }
    return render(request, "insights/formalism/flag.html", context)


@login_required
@require_POST
def flag_dismiss(request, pk):
    flag = _flag(request, pk)
    form = FlagDismissForm(request.POST)
    if form.is_valid():
        done = run_service(
            request, services.flag_dismiss, form=form, actor=request.user, flag=flag, reason=form.cleaned_data["reason"]
        )
        if done is not REFUSED:
            messages.success(request, _("Flag dismissed; your reason is recorded."))
            return redirect("insights:flag", pk=flag.pk)
    return flag_detail(request, pk, dismiss_form=form)


@login_required
@require_POST
def flag_confirm(request, pk):
    flag = _flag(request, pk)
    form = FlagConfirmForm(request.POST)
    if form.is_valid():
        done = run_service(
            request, services.flag_confirm, form=form, actor=request.user, flag=flag, note=form.cleaned_data["note"]
        )
        if done is not REFUSED:
            messages.success(request, _("Flag confirmed: it counts in the diagnosis of formalism."))
            return redirect("insights:flag", pk=flag.pk)
    return flag_detail(request, pk, confirm_form=form)


@login_required
@require_POST
def flag_open_case(request, pk):
    flag = _flag(request, pk)
    case = run_service(request, services.flag_open_case, actor=request.user, flag=flag)
    if case is REFUSED:
        return redirect("insights:flag", pk=flag.pk)
    messages.success(request, _("Case opened from the flag."))
    return redirect(reverse("accountability:case", args=[case.pk]))


@login_required
def flag_photo(request, pk, side):
    """A flagged photo's thumbnail (a report's evidence or a meeting's file), for those who see the flag (the other side may lie outside their scope);
    `?size=small` the square the review queue shows."""
    flag = _flag(request, pk)
    upload = {
        "this": flag.evidence or flag.meeting_file,
        "other": flag.other_evidence or flag.other_meeting_file,
    }.get(side)
    if upload is None:
        raise Http404
    size = "small" if request.GET.get("size") == "small" else None
    return serve_thumbnail(upload, size) if upload.thumbnail else serve_file(upload)
