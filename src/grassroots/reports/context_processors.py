"""The menu's entry for reports: shown to those who may export somewhere."""

from grassroots.core.policy import Action, can_anywhere


def reports(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_reports": can_anywhere(user, Action.EXPORT)}
