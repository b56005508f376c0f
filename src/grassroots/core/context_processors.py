"""Template context shared by every page: the user's menu, by what the policy lets them do."""

from django.conf import settings

from .models import TextSize
from .notify import unread_count
from .policy import Action, can_anywhere, subject
from .views import text_size_of


def grassroots(request):
    user = getattr(request, "user", None)
    sizes = {"text_size": text_size_of(request), "text_sizes": TextSize.choices}
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE, **sizes}
    subj = subject(user)
    return {
        **sizes,
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
