"""Template context shared by every page: the user's menu, by what the policy lets them do."""

from django.conf import settings

from .notify import unread_count
from .policy import Action, can_anywhere, subject


def grassroots(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    subj = subject(user)
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": {
            "tree": can_anywhere(user, Action.VIEW) or subj.member is not None,
            "audit": can_anywhere(user, Action.VIEW_AUDIT),
            "import": can_anywhere(user, Action.IMPORT),
            "transfers": can_anywhere(user, Action.CHANGE),
            "admin": user.is_staff,
            "review": can_anywhere(user, Action.CHANGE),
        },
        "unread_notifications": unread_count(user),
        "my_member": subj.member,
    }
