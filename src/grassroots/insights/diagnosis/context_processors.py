"""The diagnosis's menu entry: shown to those who read some subtree's diagnosis through a grant."""

from .selectors import may_diagnose


def diagnosis(request):
    return {"nav_diagnosis": may_diagnose(getattr(request, "user", None))}
