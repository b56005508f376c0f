"""The words of the trail and of the inbox: each audit action's label and each notification kind's message.

Apps register theirs when they are ready (register_actions, register_kinds); the models read them here, below the
services that write entries (core.audit) and notifications (core.notify).
"""

_ACTIONS: dict[str, str] = {}
_KINDS: dict[str, object] = {}


def register_actions(actions: dict[str, str]) -> None:
    """Give each action name a human label (lazy translation); audit() refuses unregistered names."""
    _ACTIONS.update(actions)


def action_label(name: str) -> str:
    return _ACTIONS.get(name, name)


def is_action(name: str) -> bool:
    return name in _ACTIONS


def is_kind(kind: str) -> bool:
    return kind in _KINDS


def registered_actions() -> dict[str, str]:
    return dict(_ACTIONS)


def register_kinds(kinds: dict) -> None:
    """Each kind's message: a lazy translation with %(name)s placeholders filled from the params."""
    _KINDS.update(kinds)


def kind_message(kind: str, params: dict) -> str:
    """The message of a notification of `kind`, in the active language; the kind itself if it has none."""
    template = _KINDS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)
