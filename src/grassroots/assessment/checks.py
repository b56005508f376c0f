"""Whether a service would do something: its `<service>_check` asked, for a page to show or hide its button."""

from grassroots.core.errors import Conflict, PermissionDenied, ValidationError


def allowed(check, **kwargs) -> bool:
    """Whether `check(**kwargs)` passes: the service it stands beside would not refuse for the reasons it checks."""
    try:
        check(**kwargs)
    except (PermissionDenied, ValidationError, Conflict):
        return False
    return True
