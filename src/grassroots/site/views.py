"""Pages that compose the apps: the start page by the user's roles, and the login page."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from grassroots.accountability.selectors import cases_concerning, review_notice
from grassroots.core.policy import Action, PermissionDenied, can_anywhere, subject
from grassroots.organizations.selectors import granted_organizations, organization_list, transfers_awaiting

from . import completeness
from .forms import GapFilterForm
from .start import start_for

GAPS_PER_PAGE = 50


@login_required
def home(request):
    """What this user has to do now, counted, by the roles they hold; the setup steps while setup is not done."""
    user = request.user
    subj = subject(user)
    context = {
        "start": start_for(user),
        "roles": sorted(subj.roles()) + (["admin"] if subj.is_superuser else []),
        "roots": granted_organizations(user=user),
        "member": subj.member,
        "can_audit": can_anywhere(user, Action.VIEW_AUDIT),
        "can_import": can_anywhere(user, Action.IMPORT),
        "can_manage": can_anywhere(user, Action.CHANGE),
        "awaiting": transfers_awaiting(user=user)[:10] if can_anywhere(user, Action.CHANGE) else [],
        "my_cases": list(cases_concerning(user=user)[:5]),
        "reviews": review_notice(user),
    }
    return render(request, "site/home.html", context)


def _gap_filter(request):
    """The filter of the gaps from the query string, and the gaps it asks for (none when it is wrong)."""
    user = request.user
    if not completeness.may_read(user):
        raise PermissionDenied(_("Only those who keep members' records see what is missing from them."))
    form = GapFilterForm(request.GET or None, organizations=organization_list(user=user, action=completeness.READ))
    if form.is_bound and not form.is_valid():
        return form, [], None
    data = form.cleaned_data if form.is_bound else {}
    kind, under = data.get("kind") or "", data.get("under")
    return (
        form,
        completeness.gaps(user=user, kind=kind, under=under),
        completeness.gap_counts(user=user, kind="", under=under),
    )


@login_required
def completeness_page(request):
    """What each organization's records lack, for the organization department to chase, each with the page
    that fixes it; filtered by kind of gap and subtree."""
    form, gaps, counts = _gap_filter(request)
    page = Paginator(gaps, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "counts": counts, "kinds": completeness.KINDS}
    return render(request, "site/completeness.html", context)


class LoginView(auth_views.LoginView):
    """The login page; a demo deployment lists its demo accounts here, a real one never does."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from grassroots import demo

            context["demo_password"] = demo.DEMO_PASSWORD
            context["demo_accounts"] = demo.demo_accounts()
        return context
