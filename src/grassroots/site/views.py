"""Pages that compose the apps: the start page by the user's roles, and the login page."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grassroots.accountability.selectors import cases_concerning, review_notice
from grassroots.assessment.selectors import ratings_to_give
from grassroots.core.policy import Action, can_anywhere, subject
from grassroots.organizations.selectors import transfers_awaiting, visible_roots


@login_required
def home(request):
    """What this user does first, by the roles they hold."""
    user = request.user
    subj = subject(user)
    context = {
        "roles": sorted(subj.roles()) + (["admin"] if subj.is_superuser else []),
        "roots": visible_roots(user=user)[:20],
        "member": subj.member,
        "can_audit": can_anywhere(user, Action.VIEW_AUDIT),
        "can_import": can_anywhere(user, Action.IMPORT),
        "can_manage": can_anywhere(user, Action.CHANGE),
        "awaiting": transfers_awaiting(user=user)[:10] if can_anywhere(user, Action.CHANGE) else [],
        "to_rate": sum(row["count"] - row["done"] for row in ratings_to_give(user=user)),
        "my_cases": list(cases_concerning(user=user)[:5]),
        "reviews": review_notice(user),
    }
    return render(request, "site/home.html", context)


class LoginView(auth_views.LoginView):
    """The login page; a demo deployment lists its demo accounts here, a real one never does."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ended_idle"] = self.request.GET.get("reason") == "idle" and settings.GRASSROOTS_SESSION_IDLE_MINUTES
        if settings.DEMO_MODE:
            from grassroots import demo

            context["demo_password"] = demo.DEMO_PASSWORD
            context["demo_accounts"] = demo.demo_accounts()
        return context
