"""The menu's entry for the formalism flags: shown to those who review work somewhere (or read it as auditors)."""

from grassroots.core.policy import Action, can_anywhere


def formalism(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_flags": can_anywhere(user, Action.CHANGE) or can_anywhere(user, Action.VIEW_AUDIT)}
