"""The menu's entry for the cases: shown to those who read cases somewhere, and to a person concerned by one."""

from grassroots.core.policy import Action, can_anywhere, subject

from .selectors import is_person_concerned_anywhere


def pursuit(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_cases": can_anywhere(user, Action.VIEW_CASES) or is_person_concerned_anywhere(user),
        # Commendations and the red/yellow boards: for everyone with a place in the tree (a grant, or a member).
        "nav_honours": can_anywhere(user, Action.VIEW) or subject(user).member is not None,
    }
